//! Seed 004's assignment scheme, `kazi-v1`: a 32-bit xxHash of the user id (seed 0) modulo
//! 100, walked over the variants' cumulative integer weights, falling back to the first
//! variant.
//!
//! Kept bit-for-bit as the seed's TypeScript (`xxhash.h32(userId, 0) % 100`), so users
//! assigned by the original service keep their variants. It differs from GrowthBook's scheme
//! on purpose: no per-experiment seed (a user lands in the same bucket in every experiment),
//! 100 buckets, and weights in whole percent.

use xxhash_rust::xxh32::xxh32;

/// The algorithm's name, as experiments and stored assignments record it.
pub const ALGORITHM: &str = "kazi-v1";

/// The user's bucket, 0-99: `xxh32(utf8(user_id), seed 0) % 100`.
#[must_use]
pub fn bucket(user_id: &str) -> u32 {
    xxh32(user_id.as_bytes(), 0) % 100
}

/// The index of the variant `bucket` falls in, walking the cumulative `weights`
/// (`if bucket < cumulative return it`); past the last, the first variant (index 0), as
/// the seed's fallback does. `None` only when there are no variants.
#[must_use]
pub fn choose(bucket: u32, weights: &[u32]) -> Option<usize> {
    if weights.is_empty() {
        return None;
    }
    let mut cumulative: u64 = 0;
    for (i, w) in weights.iter().enumerate() {
        cumulative += u64::from(*w);
        if u64::from(bucket) < cumulative {
            return Some(i);
        }
    }
    Some(0)
}

/// The seed's `assignVariant(userId, variants)`: the id of the variant `user_id` gets, or
/// `None` when there are no variants.
#[must_use]
pub fn assign_variant<'a>(user_id: &str, variants: &[(&'a str, u32)]) -> Option<&'a str> {
    let weights: Vec<u32> = variants.iter().map(|(_, w)| *w).collect();
    choose(bucket(user_id), &weights).map(|i| variants[i].0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xxh32_of_the_empty_input_is_the_published_value() {
        // XXH32("", 0) = 0x02CC5D05 (xxHash's reference test vector); 46947589 % 100 = 89.
        assert_eq!(xxh32(b"", 0), 0x02CC_5D05);
        assert_eq!(bucket(""), 89);
    }

    #[test]
    fn the_walk_uses_strict_less_than_and_falls_back_to_the_first() {
        let w = [50, 30];
        assert_eq!(choose(0, &w), Some(0));
        assert_eq!(choose(49, &w), Some(0));
        assert_eq!(choose(50, &w), Some(1));
        assert_eq!(choose(79, &w), Some(1));
        // Weights summing below 100: the rest falls back to the first variant.
        assert_eq!(choose(80, &w), Some(0));
        assert_eq!(choose(99, &w), Some(0));
        assert_eq!(choose(5, &[]), None);
        // A zero weight is never chosen by the walk.
        assert_eq!(choose(0, &[0, 100]), Some(1));
    }

    #[test]
    fn assign_variant_names_the_variant() {
        let variants = [("v1_control", 50), ("v1_short", 50)];
        let b = bucket("user-1");
        let expected = if b < 50 { "v1_control" } else { "v1_short" };
        assert_eq!(assign_variant("user-1", &variants), Some(expected));
        assert_eq!(assign_variant("user-1", &[]), None);
    }
}
