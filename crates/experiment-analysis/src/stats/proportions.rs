//! The two-proportion z-test: the usual readout of a two-variant experiment on a rate
//! (tutorial completion in variant B against control A).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use super::StatsError;

/// The outcome of [`two_proportion_z_test`]: the test itself and the rates behind it, so a
/// report can show the effect next to its significance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ZTest {
    /// `(rate_b - rate_a) / standard_error`: positive when B's rate is higher, so the sign
    /// reads as "treatment minus control".
    pub z: f64,
    /// Two-sided p-value, `2 * P(Z > |z|)` under the standard normal: the chance of a
    /// difference at least this large in either direction if the rates were equal.
    pub p_value: f64,
    /// Successes / trials in A.
    pub rate_a: f64,
    /// Successes / trials in B.
    pub rate_b: f64,
    /// `rate_b - rate_a`, the absolute effect.
    pub difference: f64,
    /// The pooled standard error `sqrt(p (1 - p) (1/n_a + 1/n_b))`, where `p` is the rate
    /// over both groups: pooled because the null hypothesis says the rates are equal.
    pub standard_error: f64,
}

/// Tests whether two rates differ, with the pooled standard error (the textbook test, and
/// what `statsmodels.stats.proportion.proportions_ztest` computes).
///
/// # Errors
/// [`StatsError::NoTrials`] when a group has no trials, [`StatsError::SuccessesExceedTrials`]
/// when the counts are inconsistent, and [`StatsError::NoVariance`] when every unit in both
/// groups had the same outcome (all or none completed): the standard error is then zero and
/// `z` would be NaN, so no result is given rather than a meaningless one.
pub fn two_proportion_z_test(
    successes_a: u64,
    trials_a: u64,
    successes_b: u64,
    trials_b: u64,
) -> Result<ZTest, StatsError> {
    for (group, successes, trials) in [("a", successes_a, trials_a), ("b", successes_b, trials_b)] {
        if trials == 0 {
            return Err(StatsError::NoTrials { group });
        }
        if successes > trials {
            return Err(StatsError::SuccessesExceedTrials {
                group,
                successes,
                trials,
            });
        }
    }
    let (n_a, n_b) = (trials_a as f64, trials_b as f64);
    let rate_a = successes_a as f64 / n_a;
    let rate_b = successes_b as f64 / n_b;
    // Summed in u128: two u64 counts cannot overflow it.
    let pooled = (u128::from(successes_a) + u128::from(successes_b)) as f64
        / (u128::from(trials_a) + u128::from(trials_b)) as f64;
    let variance = pooled * (1.0 - pooled) * (1.0 / n_a + 1.0 / n_b);
    if variance <= 0.0 || !variance.is_finite() {
        return Err(StatsError::NoVariance);
    }
    let standard_error = variance.sqrt();
    let difference = rate_b - rate_a;
    let z = difference / standard_error;
    let p_value = (2.0 * Normal::standard().sf(z.abs())).clamp(0.0, 1.0);
    Ok(ZTest {
        z,
        p_value,
        rate_a,
        rate_b,
        difference,
        standard_error,
    })
}
