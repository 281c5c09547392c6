//! Medians: step durations are skewed (a learner who leaves a tab open for an hour), so a
//! median describes the typical learner where a mean would not.

/// The median of durations (or any counts), the mean of the two middle values for an even
/// number of them (numpy's convention); `None` for no values, since an empty step has no
/// typical duration.
#[must_use]
pub fn median_u64(values: &[u64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => sorted.get(middle).map(|&v| v as f64),
        _ => {
            let (low, high) = (sorted.get(middle - 1)?, sorted.get(middle)?);
            // Summed in u128 so two values near u64::MAX do not overflow.
            Some((u128::from(*low) + u128::from(*high)) as f64 / 2.0)
        }
    }
}

/// The median of real-valued durations, as [`median_u64`].
///
/// # Errors
/// [`super::StatsError::NonFinite`] naming the first NaN or infinite value: such a value
/// comes from a bug upstream, and silently ordering it would move the median.
pub fn median_f64(values: &[f64]) -> Result<Option<f64>, super::StatsError> {
    if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(super::StatsError::NonFinite { index, value });
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    Ok(match sorted.len() {
        0 => None,
        n if n % 2 == 1 => sorted.get(middle).copied(),
        _ => match (sorted.get(middle - 1), sorted.get(middle)) {
            // Halved before adding, so two values near f64::MAX do not overflow.
            (Some(low), Some(high)) => Some(low / 2.0 + high / 2.0),
            _ => None,
        },
    })
}
