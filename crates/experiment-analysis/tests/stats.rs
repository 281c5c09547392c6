//! Experiment statistics against known answers. Every expected value was computed with
//! scipy 1.15.3 / numpy 2.2.6 on Python 3.11 by `tests/reference.py` (run it to reproduce
//! them); the comment above each names the exact call.

use experiment_analysis::{
    ChiSquare, SRM_ALPHA, StatsError, StepCounts, VariantFunnel, chi_square_independence,
    completion_table, funnel, median_f64, median_u64, sample_ratio_mismatch, two_proportion_z_test,
};

/// Relative agreement: both libraries compute the same closed forms, so statistics agree
/// to rounding and p-values (series and continued fractions for the incomplete gamma and
/// erfc) to far better than any decision needs.
#[track_caller]
fn assert_close(actual: f64, expected: f64, relative: f64) {
    let scale = expected.abs().max(f64::MIN_POSITIVE);
    assert!(
        (actual - expected).abs() / scale <= relative,
        "got {actual:e}, scipy says {expected:e} (relative tolerance {relative:e})"
    );
}

const STATISTIC: f64 = 1e-12;
const P_VALUE: f64 = 1e-9;

// ---- two-proportion z-test ----

#[test]
fn z_test_matches_scipy() {
    // z = (p_b - p_a) / sqrt(p (1 - p) (1/n_a + 1/n_b)), p pooled;
    // p-value = 2 * scipy.stats.norm.sf(abs(z)) (reference.py, z_test(...)).
    let cases = [
        (
            (480, 1000, 520, 1000),
            1.788_854_381_999_833_3,
            0.073_638_270_120_302_4,
        ),
        (
            (1200, 10000, 1320, 10000),
            2.556_967_802_160_992,
            0.010_558_899_038_851_653,
        ),
        (
            (45, 300, 30, 310),
            -2.001_341_124_057_750_3,
            0.045_355_640_815_756_62,
        ),
        (
            (5, 20, 200, 400),
            2.182_797_696_900_182_3,
            0.029_050_711_367_300_01,
        ),
        (
            (100, 10000, 400, 10000),
            13.587_324_409_735_148,
            4.761_714_118_227_886e-42,
        ),
    ];
    for ((sa, na, sb, nb), z, p) in cases {
        let result = two_proportion_z_test(sa, na, sb, nb).expect("valid counts");
        assert_close(result.z, z, STATISTIC);
        assert_close(result.p_value, p, P_VALUE);
        assert_close(result.rate_a, sa as f64 / na as f64, STATISTIC);
        assert_close(result.difference, result.rate_b - result.rate_a, STATISTIC);
    }
}

#[test]
fn z_test_squared_is_the_two_by_two_chi_square() {
    // The same test two ways: z^2 = X^2 and equal p-values (reference.py's last line).
    let z = two_proportion_z_test(480, 1000, 520, 1000).expect("valid counts");
    let chi = chi_square_independence(&[[480, 520], [520, 480]]).expect("valid table");
    assert_close(z.z * z.z, chi.statistic, 1e-12);
    assert_close(z.p_value, chi.p_value, 1e-9);
}

#[test]
fn z_test_degenerate_inputs_are_errors_not_nan() {
    assert_eq!(
        two_proportion_z_test(0, 0, 5, 10),
        Err(StatsError::NoTrials { group: "a" })
    );
    assert_eq!(
        two_proportion_z_test(5, 10, 0, 0),
        Err(StatsError::NoTrials { group: "b" })
    );
    assert_eq!(
        two_proportion_z_test(11, 10, 5, 10),
        Err(StatsError::SuccessesExceedTrials {
            group: "a",
            successes: 11,
            trials: 10
        })
    );
    // Nobody completed in either variant, or everybody did: no variance, no test.
    assert_eq!(
        two_proportion_z_test(0, 100, 0, 80),
        Err(StatsError::NoVariance)
    );
    assert_eq!(
        two_proportion_z_test(100, 100, 80, 80),
        Err(StatsError::NoVariance)
    );
    // Huge counts neither overflow nor lose the answer.
    let big = two_proportion_z_test(u64::MAX / 2, u64::MAX, u64::MAX / 2, u64::MAX)
        .expect("valid counts");
    assert!(big.z.abs() < 1e-6 && big.p_value > 0.99);
}

#[test]
fn identical_rates_give_z_zero_and_p_one() {
    let result = two_proportion_z_test(30, 100, 60, 200).expect("valid counts");
    assert_eq!(result.z, 0.0);
    assert_close(result.p_value, 1.0, 1e-15);
}

// ---- chi-square test of independence ----

#[test]
fn chi_square_independence_matches_scipy() {
    // scipy.stats.chi2_contingency(table, correction=False) (reference.py, chi2[...]).
    let cases: [(&[[u64; 2]], f64, u64, f64); 4] = [
        (&[[480, 520], [520, 480]], 3.2, 1, 0.073_638_270_120_302_58),
        (
            &[[120, 380], [150, 350], [90, 410]],
            19.736_842_105_263_158,
            2,
            5.178_442_898_506_683_4e-5,
        ),
        (
            &[[1200, 8800], [1320, 8680], [1250, 8750], [1100, 8900]],
            24.011_722_958_024_492,
            3,
            2.483_959_944_828_008e-5,
        ),
        (
            &[[10, 990], [100, 900]],
            77.922_077_922_077_93,
            1,
            1.071_866_131_126_281e-18,
        ),
    ];
    for (table, statistic, dof, p) in cases {
        let ChiSquare {
            statistic: s,
            degrees_of_freedom,
            p_value,
        } = chi_square_independence(table).expect("valid table");
        assert_close(s, statistic, STATISTIC);
        assert_eq!(degrees_of_freedom, dof);
        assert_close(p_value, p, P_VALUE);
    }
}

#[test]
fn chi_square_independence_degenerate_inputs_are_errors() {
    assert_eq!(
        chi_square_independence(&[]),
        Err(StatsError::TooFewGroups { got: 0 })
    );
    assert_eq!(
        chi_square_independence(&[[5, 5]]),
        Err(StatsError::TooFewGroups { got: 1 })
    );
    assert_eq!(
        chi_square_independence(&[[5, 5], [0, 0], [3, 4]]),
        Err(StatsError::EmptyRow { row: 1 })
    );
    assert_eq!(
        chi_square_independence(&[[0, 5], [0, 7]]),
        Err(StatsError::NoVariance)
    );
    assert_eq!(
        chi_square_independence(&[[5, 0], [7, 0]]),
        Err(StatsError::NoVariance)
    );
}

// ---- sample ratio mismatch ----

#[test]
fn sample_ratio_mismatch_matches_scipy() {
    // scipy.stats.chisquare(observed, f_exp=[total * w / sum(w) for w in weights])
    // (reference.py, srm[...]); mismatch is scipy's p-value < 0.001.
    // (observed, weights, statistic, p-value, mismatch)
    type Case = (&'static [u64], &'static [f64], f64, f64, bool);
    let cases: [Case; 8] = [
        (
            &[5200, 4800],
            &[50.0, 50.0],
            16.0,
            6.334_248_366_623_988e-5,
            true,
        ),
        (
            &[5050, 4950],
            &[50.0, 50.0],
            1.0,
            0.317_310_507_862_911_15,
            false,
        ),
        (
            &[6000, 4000],
            &[50.0, 50.0],
            400.0,
            5.507_248_237_212_379e-89,
            true,
        ),
        (
            &[52, 48],
            &[50.0, 50.0],
            0.16,
            0.689_156_516_779_351_6,
            false,
        ),
        (
            &[5160, 4840],
            &[50.0, 50.0],
            10.24,
            0.001_374_275_875_831_697_6,
            false,
        ),
        (
            &[5170, 4830],
            &[50.0, 50.0],
            11.56,
            0.000_673_858_531_353_761_7,
            true,
        ),
        (
            &[5010, 2490, 2500],
            &[50.0, 25.0, 25.0],
            0.06,
            0.970_445_533_548_508_2,
            false,
        ),
        (
            &[3300, 6700],
            &[1.0, 2.0],
            0.5,
            0.479_500_122_186_953_37,
            false,
        ),
    ];
    for (observed, weights, statistic, p, mismatch) in cases {
        let result = sample_ratio_mismatch(observed, weights).expect("valid input");
        assert_close(result.test.statistic, statistic, STATISTIC);
        assert_close(result.test.p_value, p, P_VALUE);
        assert_eq!(result.test.degrees_of_freedom, observed.len() as u64 - 1);
        assert_eq!(
            result.mismatch, mismatch,
            "{observed:?} against {weights:?}"
        );
        assert_eq!(result.total, observed.iter().sum::<u64>());
    }
}

#[test]
fn a_skewed_split_is_flagged_and_a_fair_one_is_not() {
    // 5 200 vs 4 800 when 50/50 was asked: chi-square 16, p = 6.3e-5 < 0.001.
    let skewed = sample_ratio_mismatch(&[5200, 4800], &[50.0, 50.0]).expect("valid");
    assert!(skewed.mismatch);
    // A much larger skew, 7 000 vs 3 000: p underflows towards 0, flagged.
    let very = sample_ratio_mismatch(&[7000, 3000], &[50.0, 50.0]).expect("valid");
    assert!(very.mismatch && very.test.p_value < 1e-100);
    // A variant that barely logs (a crash before the exposure event): 3 400 / 3 300 /
    // 3 300 / 10 at 25 % each; scipy's p-value underflows to exactly 0.0.
    let broken = sample_ratio_mismatch(&[3400, 3300, 3300, 10], &[25.0; 4]).expect("valid");
    assert_close(broken.test.statistic, 3_312.717_282_717_282_6, STATISTIC);
    assert!(broken.mismatch && broken.test.p_value < 1e-300);
    // The same 4 % skew on 100 users is noise: p = 0.69.
    let small = sample_ratio_mismatch(&[52, 48], &[50.0, 50.0]).expect("valid");
    assert!(!small.mismatch);
    // The threshold sits between 5 160 (p = 0.00137) and 5 170 (p = 0.00067) of 10 000.
    assert!(
        !sample_ratio_mismatch(&[5160, 4840], &[1.0, 1.0])
            .expect("valid")
            .mismatch
    );
    assert!(
        sample_ratio_mismatch(&[5170, 4830], &[1.0, 1.0])
            .expect("valid")
            .mismatch
    );
    assert_eq!(SRM_ALPHA, 0.001);
}

#[test]
fn only_the_ratio_of_the_weights_counts() {
    let a = sample_ratio_mismatch(&[5010, 2490, 2500], &[50.0, 25.0, 25.0]).expect("valid");
    let b = sample_ratio_mismatch(&[5010, 2490, 2500], &[2.0, 1.0, 1.0]).expect("valid");
    assert_close(a.test.statistic, b.test.statistic, 1e-12);
    assert_eq!(b.expected, vec![5000.0, 2500.0, 2500.0]);
}

#[test]
fn no_units_yet_is_no_mismatch() {
    let result = sample_ratio_mismatch(&[0, 0], &[50.0, 50.0]).expect("valid");
    assert_eq!(result.test.statistic, 0.0);
    assert_eq!(result.test.p_value, 1.0);
    assert_eq!(result.total, 0);
    assert!(!result.mismatch);
}

#[test]
fn sample_ratio_mismatch_bad_input_is_an_error() {
    assert_eq!(
        sample_ratio_mismatch(&[1, 2], &[1.0]),
        Err(StatsError::LengthMismatch {
            observed: 2,
            weights: 1
        })
    );
    assert_eq!(
        sample_ratio_mismatch(&[10], &[1.0]),
        Err(StatsError::TooFewGroups { got: 1 })
    );
    for bad in [0.0, -1.0, f64::INFINITY] {
        assert_eq!(
            sample_ratio_mismatch(&[10, 10], &[1.0, bad]),
            Err(StatsError::InvalidWeight {
                index: 1,
                weight: bad
            })
        );
    }
    assert!(matches!(
        sample_ratio_mismatch(&[10, 10], &[1.0, f64::NAN]),
        Err(StatsError::InvalidWeight { index: 1, .. })
    ));
    // Positive, but so small next to the other that its expected count rounds to 0.
    assert!(matches!(
        sample_ratio_mismatch(&[10, 10], &[f64::MAX, f64::MIN_POSITIVE]),
        Err(StatsError::InvalidWeight { index: 1, .. })
    ));
}

// ---- medians ----

#[test]
fn medians_match_numpy() {
    // float(numpy.median(values)) (reference.py, median[...]).
    assert_eq!(median_u64(&[5, 1, 3]), Some(3.0));
    assert_eq!(median_u64(&[4, 1, 3, 2]), Some(2.5));
    assert_eq!(
        median_u64(&[1200, 800, 15000, 950, 1100, 700]),
        Some(1025.0)
    );
    assert_eq!(median_u64(&[7]), Some(7.0));
    assert_eq!(median_u64(&[]), None);
    assert_eq!(median_u64(&[u64::MAX, u64::MAX]), Some(u64::MAX as f64));

    assert_eq!(median_f64(&[5.0, 1.0, 3.0]), Ok(Some(3.0)));
    assert_eq!(median_f64(&[4.0, 1.0, 3.0, 2.0]), Ok(Some(2.5)));
    assert_eq!(median_f64(&[]), Ok(None));
    assert_eq!(median_f64(&[f64::MAX, f64::MAX]), Ok(Some(f64::MAX)));
    assert!(matches!(
        median_f64(&[1.0, f64::NAN]),
        Err(StatsError::NonFinite { index: 1, .. })
    ));
}

// ---- funnel ----

fn step(id: &str, started: u64, completed: u64, durations_ms: &[u64]) -> StepCounts {
    StepCounts {
        step_id: id.to_owned(),
        started,
        completed,
        durations_ms: durations_ms.to_vec(),
    }
}

#[test]
fn funnel_rates_per_step_and_overall() {
    let control = VariantFunnel {
        variant_id: "v1_control".to_owned(),
        steps: vec![
            step("intro", 1000, 900, &[1200, 800, 15000, 950, 1100, 700]),
            step("dashboard", 880, 700, &[3000]),
            step("first-lesson", 690, 480, &[]),
        ],
    };
    let report = funnel(&control).expect("consistent counts");
    assert_eq!(report.variant_id, "v1_control");
    assert_eq!((report.entered, report.finished), (1000, 480));
    assert_eq!(report.overall_completion_rate, Some(0.48));
    let intro = &report.steps[0];
    assert_eq!(intro.completion_rate, Some(0.9));
    assert_eq!(intro.reach_rate, Some(1.0));
    assert_eq!(intro.median_duration_ms, Some(1025.0));
    let dashboard = &report.steps[1];
    assert_eq!(dashboard.step_id, "dashboard");
    assert_eq!(dashboard.completion_rate, Some(700.0 / 880.0));
    assert_eq!(dashboard.reach_rate, Some(0.88));
    assert_eq!(dashboard.median_duration_ms, Some(3000.0));
    assert_eq!(report.steps[2].median_duration_ms, None);

    // The funnel's outcome feeds the tests: 48 % of 1 000 against 52 % of 1 000.
    let short = VariantFunnel {
        variant_id: "v1_short".to_owned(),
        steps: vec![
            step("intro", 1000, 950, &[]),
            step("first-lesson", 900, 520, &[]),
        ],
    };
    let reports = [report, funnel(&short).expect("consistent counts")];
    let table = completion_table(&reports);
    assert_eq!(table, vec![[480, 520], [520, 480]]);
    let chi = chi_square_independence(&table).expect("valid table");
    // scipy.stats.chi2_contingency([[480, 520], [520, 480]], correction=False).pvalue
    assert_close(chi.p_value, 0.073_638_270_120_302_58, P_VALUE);
}

#[test]
fn funnel_edge_cases() {
    let empty = funnel(&VariantFunnel::default()).expect("no steps is fine");
    assert_eq!((empty.entered, empty.finished), (0, 0));
    assert_eq!(empty.overall_completion_rate, None);

    let nobody = funnel(&VariantFunnel {
        variant_id: "v".to_owned(),
        steps: vec![step("intro", 0, 0, &[])],
    })
    .expect("zero counts are fine");
    assert_eq!(nobody.steps[0].completion_rate, None);
    assert_eq!(nobody.steps[0].reach_rate, None);
    assert_eq!(nobody.overall_completion_rate, None);

    assert_eq!(
        funnel(&VariantFunnel {
            variant_id: "v".to_owned(),
            steps: vec![step("intro", 10, 11, &[])],
        }),
        Err(StatsError::CompletedExceedsStarted {
            variant: "v".to_owned(),
            step: "intro".to_owned(),
            started: 10,
            completed: 11
        })
    );
    assert_eq!(
        funnel(&VariantFunnel {
            variant_id: "v".to_owned(),
            steps: vec![step("intro", 10, 5, &[]), step("end", 20, 12, &[])],
        }),
        Err(StatsError::FinishedExceedsEntered {
            variant: "v".to_owned(),
            entered: 10,
            finished: 12
        })
    );
}

#[test]
fn errors_say_what_is_wrong() {
    let message = funnel(&VariantFunnel {
        variant_id: "v1_short".to_owned(),
        steps: vec![step("intro", 10, 11, &[])],
    })
    .expect_err("inconsistent")
    .to_string();
    assert!(
        message.contains("v1_short") && message.contains("intro"),
        "{message}"
    );
    assert!(StatsError::NoVariance.to_string().contains("does not vary"));
}
