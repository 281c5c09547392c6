//! GrowthBook's bucketing: turning weights and coverage into ranges of `[0, 1)`, picking the
//! range a hash falls in, and namespaces (mutually exclusive slices of traffic).
//!
//! The arithmetic follows the SDKs operation by operation (same additions in the same order),
//! so a hash on a range boundary lands on the same side as in GrowthBook.

use serde::{Deserialize, Serialize};

use crate::hash;

/// A half-open slice `[start, end)` of the hash space; GrowthBook's JSON writes it
/// `[start, end]`.
pub type BucketRange = (f64, f64);

/// Lowest weight sum still taken as "sums to 1" (GrowthBook allows ±0.01 of rounding).
const WEIGHT_SUM_MIN: f64 = 0.99;
/// Highest weight sum still taken as "sums to 1".
const WEIGHT_SUM_MAX: f64 = 1.01;

/// `n` equal weights, GrowthBook's default split (and its fallback for unusable weights).
#[must_use]
pub fn equal_weights(n: usize) -> Vec<f64> {
    if n == 0 {
        return Vec::new();
    }
    #[allow(clippy::cast_precision_loss)] // variation counts are tiny
    let w = 1.0 / n as f64;
    vec![w; n]
}

/// Whether `weights` can be used as they are: one finite, non-negative weight per variation,
/// summing to 1 within ±0.01. GrowthBook replaces anything else with equal weights (its
/// Python SDK also refuses negative weights, which would invert ranges; so does this crate).
#[must_use]
pub fn weights_usable(weights: &[f64], num_variations: usize) -> bool {
    if weights.len() != num_variations {
        return false;
    }
    if weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
        return false;
    }
    let sum: f64 = weights.iter().sum();
    (WEIGHT_SUM_MIN..=WEIGHT_SUM_MAX).contains(&sum)
}

/// GrowthBook's `getBucketRanges`: one range per variation, each starting where the previous
/// variation's full weight ended and covering `coverage` of its weight (so lowering coverage
/// never moves a unit from one variation to another, it only drops units).
///
/// `coverage` is clamped to `[0, 1]`; unusable `weights` (see [`weights_usable`]) or none
/// mean equal weights.
#[must_use]
pub fn bucket_ranges(
    num_variations: usize,
    coverage: f64,
    weights: Option<&[f64]>,
) -> Vec<BucketRange> {
    let coverage = coverage.clamp(0.0, 1.0);
    let weights = match weights {
        Some(w) if weights_usable(w, num_variations) => w.to_vec(),
        _ => equal_weights(num_variations),
    };
    let mut cumulative = 0.0;
    weights
        .iter()
        .map(|w| {
            let start = cumulative;
            cumulative += w;
            (start, start + coverage * w)
        })
        .collect()
}

/// Whether `n` lies in the half-open `range`.
#[must_use]
pub fn in_range(n: f64, range: BucketRange) -> bool {
    range.0 <= n && n < range.1
}

/// GrowthBook's `chooseVariation`: the first range holding `n`, or `None` when `n` falls in
/// no range (outside the coverage: not in the experiment).
#[must_use]
pub fn choose_variation(n: f64, ranges: &[BucketRange]) -> Option<usize> {
    ranges.iter().position(|r| in_range(n, *r))
}

/// A namespace slice: experiments in one namespace with disjoint `[start, end)` slices never
/// share a unit. GrowthBook's JSON writes it `[id, start, end]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Namespace(
    /// The namespace's id; units are hashed with the seed `__<id>`.
    pub String,
    /// Start of the slice, inclusive.
    pub f64,
    /// End of the slice, exclusive.
    pub f64,
);

impl Namespace {
    /// A namespace slice.
    #[must_use]
    pub fn new(id: impl Into<String>, start: f64, end: f64) -> Self {
        Namespace(id.into(), start, end)
    }
}

/// GrowthBook's `inNamespace`: whether the unit with `hash_value` falls in the slice, by the
/// v1 hash of `hash_value` with seed `__<id>` (v1 regardless of the experiment's own hash
/// version, as every SDK does).
#[must_use]
pub fn in_namespace(hash_value: &str, namespace: &Namespace) -> bool {
    match hash::hash(&format!("__{}", namespace.0), hash_value, 1) {
        Some(n) => namespace.1 <= n && n < namespace.2,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_split_with_full_coverage() {
        assert_eq!(bucket_ranges(2, 1.0, None), vec![(0.0, 0.5), (0.5, 1.0)]);
        assert_eq!(bucket_ranges(0, 1.0, None), vec![]);
    }

    #[test]
    fn coverage_shrinks_each_range_from_its_start() {
        assert_eq!(
            bucket_ranges(2, 0.5, Some(&[0.4, 0.6])),
            vec![(0.0, 0.2), (0.4, 0.7)]
        );
        // Clamped.
        assert_eq!(bucket_ranges(2, -1.0, None), vec![(0.0, 0.0), (0.5, 0.5)]);
        assert_eq!(bucket_ranges(2, 7.0, None), vec![(0.0, 0.5), (0.5, 1.0)]);
    }

    #[test]
    fn unusable_weights_become_equal() {
        let equal = vec![(0.0, 0.5), (0.5, 1.0)];
        assert_eq!(bucket_ranges(2, 1.0, Some(&[0.7, 0.7])), equal);
        assert_eq!(bucket_ranges(2, 1.0, Some(&[1.0])), equal);
        assert_eq!(bucket_ranges(2, 1.0, Some(&[1.2, -0.2])), equal);
        // Within the tolerance: used as given.
        assert_eq!(
            bucket_ranges(2, 1.0, Some(&[0.5, 0.505])),
            vec![(0.0, 0.5), (0.5, 1.005)]
        );
    }

    #[test]
    fn choosing_is_half_open() {
        let r = [(0.0, 0.5), (0.5, 1.0)];
        assert_eq!(choose_variation(0.0, &r), Some(0));
        assert_eq!(choose_variation(0.5, &r), Some(1));
        assert_eq!(choose_variation(1.0, &r), None);
        assert_eq!(choose_variation(0.3, &[(0.0, 0.2), (0.5, 0.7)]), None);
    }
}
