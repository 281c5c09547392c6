//! Chi-square tests: independence of completion from variant over k variants, and
//! goodness of fit of the assignment split (sample ratio mismatch).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::StatsError;

/// The p-value below which a split is flagged as a sample ratio mismatch: 0.001, the
/// threshold the industry uses for SRM checks (Microsoft's ExP, Optimizely, Statsig and
/// others). It is stricter than the usual 0.05 because the check runs on every experiment,
/// often every day, and a false alarm halts a healthy experiment; a real mismatch (a
/// broken assignment, a variant that crashes before logging) is usually far beyond it.
pub const SRM_ALPHA: f64 = 0.001;

/// A chi-square statistic with its degrees of freedom and p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChiSquare {
    /// Pearson's statistic, the sum over cells of `(observed - expected)^2 / expected`
    /// (no Yates continuity correction: scipy's `correction=False`).
    pub statistic: f64,
    /// `k - 1` for k variants (both tests here have k rows and two outcomes or one).
    pub degrees_of_freedom: u64,
    /// `P(X >= statistic)` for X chi-square distributed with those degrees of freedom.
    pub p_value: f64,
}

/// Tests whether completion depends on the variant, for k >= 2 variants at once (the
/// z-test only compares two). Each row is one variant's `[completed, not_completed]`
/// (see [`super::completion_table`]); the result matches
/// `scipy.stats.chi2_contingency(table, correction=False)`.
///
/// # Errors
/// [`StatsError::TooFewGroups`] for fewer than 2 rows, [`StatsError::EmptyRow`] for a
/// variant without units, and [`StatsError::NoVariance`] when a column is all zeros (no
/// variant had a completion, or every unit completed): an expected count of zero leaves
/// the statistic undefined.
pub fn chi_square_independence(table: &[[u64; 2]]) -> Result<ChiSquare, StatsError> {
    if table.len() < 2 {
        return Err(StatsError::TooFewGroups { got: table.len() });
    }
    let mut row_totals = Vec::with_capacity(table.len());
    let mut column_totals = [0_f64; 2];
    for (row, cells) in table.iter().enumerate() {
        let total = u128::from(cells[0]) + u128::from(cells[1]);
        if total == 0 {
            return Err(StatsError::EmptyRow { row });
        }
        row_totals.push(total as f64);
        column_totals[0] += cells[0] as f64;
        column_totals[1] += cells[1] as f64;
    }
    if column_totals.contains(&0.0) {
        return Err(StatsError::NoVariance);
    }
    let grand_total = column_totals[0] + column_totals[1];
    let mut statistic = 0.0;
    for (cells, row_total) in table.iter().zip(&row_totals) {
        for (observed, column_total) in cells.iter().zip(column_totals) {
            let expected = row_total * column_total / grand_total;
            let deviation = *observed as f64 - expected;
            statistic += deviation * deviation / expected;
        }
    }
    let degrees_of_freedom = (table.len() - 1) as u64;
    Ok(ChiSquare {
        statistic,
        degrees_of_freedom,
        p_value: upper_tail(statistic, degrees_of_freedom)?,
    })
}

/// The outcome of [`sample_ratio_mismatch`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleRatio {
    /// The goodness-of-fit test of the observed counts against the expected split.
    pub test: ChiSquare,
    /// Units observed over all variants (saturating at `u64::MAX`).
    pub total: u64,
    /// The count each variant should have had: `total * weight / sum(weights)`.
    pub expected: Vec<f64>,
    /// `test.p_value < SRM_ALPHA` ([`SRM_ALPHA`] = 0.001): the split is not what the
    /// experiment asked for, and its results should not be trusted until the cause is found.
    pub mismatch: bool,
}

/// Checks that units were split between variants as the weights say: Pearson's
/// chi-square goodness of fit, `scipy.stats.chisquare(observed, f_exp=expected)`, flagged
/// as a mismatch at p < [`SRM_ALPHA`] (0.001, the industry threshold).
///
/// The weights need not sum to anything in particular (`tutorial_variants.weight` is 1 to
/// 100 per variant); only their ratios count. No units at all is no evidence of a
/// mismatch: statistic 0, p-value 1, not flagged.
///
/// # Errors
/// [`StatsError::LengthMismatch`] when the slices differ in length,
/// [`StatsError::TooFewGroups`] for fewer than 2 variants, and
/// [`StatsError::InvalidWeight`] for a weight that is not finite and positive.
pub fn sample_ratio_mismatch(
    observed: &[u64],
    expected_weights: &[f64],
) -> Result<SampleRatio, StatsError> {
    if observed.len() != expected_weights.len() {
        return Err(StatsError::LengthMismatch {
            observed: observed.len(),
            weights: expected_weights.len(),
        });
    }
    if observed.len() < 2 {
        return Err(StatsError::TooFewGroups {
            got: observed.len(),
        });
    }
    if let Some((index, &weight)) = expected_weights
        .iter()
        .enumerate()
        .find(|(_, w)| !(w.is_finite() && **w > 0.0))
    {
        return Err(StatsError::InvalidWeight { index, weight });
    }
    // Normalised by the largest weight first, so that the sum cannot overflow whatever the
    // (finite) weights are.
    let largest = expected_weights.iter().copied().fold(0.0, f64::max);
    let shares: Vec<f64> = expected_weights.iter().map(|w| w / largest).collect();
    let share_sum: f64 = shares.iter().sum();
    let total_wide: u128 = observed.iter().map(|&n| u128::from(n)).sum();
    let total = u64::try_from(total_wide).unwrap_or(u64::MAX);
    let expected: Vec<f64> = shares
        .iter()
        .map(|share| total_wide as f64 * (share / share_sum))
        .collect();
    let degrees_of_freedom = (observed.len() - 1) as u64;
    if total_wide == 0 {
        return Ok(SampleRatio {
            test: ChiSquare {
                statistic: 0.0,
                degrees_of_freedom,
                p_value: 1.0,
            },
            total,
            expected,
            mismatch: false,
        });
    }
    // A positive weight far below the others can still round to an expected count of 0.
    if let Some((index, (_, &weight))) = expected
        .iter()
        .zip(expected_weights)
        .enumerate()
        .find(|(_, (e, _))| **e <= 0.0 || !e.is_finite())
    {
        return Err(StatsError::InvalidWeight { index, weight });
    }
    let statistic: f64 = observed
        .iter()
        .zip(&expected)
        .map(|(&o, &e)| {
            let deviation = o as f64 - e;
            deviation * deviation / e
        })
        .sum();
    let p_value = upper_tail(statistic, degrees_of_freedom)?;
    Ok(SampleRatio {
        test: ChiSquare {
            statistic,
            degrees_of_freedom,
            p_value,
        },
        total,
        expected,
        mismatch: p_value < SRM_ALPHA,
    })
}

/// `P(X >= statistic)` for a chi-square with `degrees_of_freedom` (>= 1, which every caller
/// guarantees).
fn upper_tail(statistic: f64, degrees_of_freedom: u64) -> Result<f64, StatsError> {
    let distribution = ChiSquared::new(degrees_of_freedom as f64)
        .map_err(|e| StatsError::Distribution(e.to_string()))?;
    Ok(distribution.sf(statistic).clamp(0.0, 1.0))
}
