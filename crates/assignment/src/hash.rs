//! GrowthBook's hashing: where a unit falls in `[0, 1)` for an experiment.
//!
//! GrowthBook's SDKs agree on these numbers bit for bit, so a unit keeps its variant whichever
//! SDK (or this crate) evaluates the experiment. The JavaScript SDK is the reference: it
//! hashes the string's UTF-16 code units (`charCodeAt`), not its UTF-8 bytes, which matters
//! for any non-ASCII text; [`fnv1a32`] does the same.

/// FNV-1a's 32-bit offset basis.
const FNV_OFFSET: u32 = 0x811c_9dc5;
/// FNV-1a's 32-bit prime.
const FNV_PRIME: u32 = 0x0100_0193;

/// FNV-1a (32-bit) over the UTF-16 code units of `value`, as GrowthBook's `hashFnv32a`.
///
/// UTF-16, not UTF-8: the JavaScript SDK reads `charCodeAt`, so a character outside the
/// Basic Multilingual Plane (an emoji) contributes its two surrogates, and `é` contributes one
/// unit (0xE9) rather than two bytes.
#[must_use]
pub fn fnv1a32(value: &str) -> u32 {
    value.encode_utf16().fold(FNV_OFFSET, |h, unit| {
        (h ^ u32::from(unit)).wrapping_mul(FNV_PRIME)
    })
}

/// Where `value` falls in `[0, 1)` for `seed`, by GrowthBook hash `version` (1 or 2); `None`
/// for any other version, which GrowthBook treats as "not in the experiment".
///
/// - v1: `fnv1a32(value + seed) % 1000 / 1000` (1000 buckets; the original scheme).
/// - v2: `fnv1a32(decimal(fnv1a32(seed + value))) % 10000 / 10000` (10 000 buckets, and the
///   double hash breaks the correlation v1 has between experiments with similar seeds).
#[must_use]
pub fn hash(seed: &str, value: &str, version: u32) -> Option<f64> {
    match version {
        1 => {
            let n = fnv1a32(&format!("{value}{seed}"));
            Some(f64::from(n % 1000) / 1000.0)
        }
        2 => {
            let inner = fnv1a32(&format!("{seed}{value}"));
            let n = fnv1a32(&inner.to_string());
            Some(f64::from(n % 10_000) / 10_000.0)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_of_the_empty_string_is_the_offset_basis() {
        assert_eq!(fnv1a32(""), FNV_OFFSET);
    }

    #[test]
    fn fnv_of_one_ascii_byte_by_hand() {
        // (0x811c9dc5 ^ 0x61) * 0x01000193 mod 2^32 = 0xe40c292c, the published FNV-1a of "a".
        assert_eq!(fnv1a32("a"), 0xe40c_292c);
    }

    #[test]
    fn non_ascii_hashes_utf16_units_not_utf8_bytes() {
        // "é" is one UTF-16 unit (0xE9): the same as hashing that unit by hand.
        let by_hand = (FNV_OFFSET ^ 0xE9).wrapping_mul(FNV_PRIME);
        assert_eq!(fnv1a32("é"), by_hand);
        // An emoji is two units (a surrogate pair), hashed one after the other.
        let (hi, lo) = (0xD83D_u32, 0xDE00_u32); // U+1F600
        let by_hand = ((FNV_OFFSET ^ hi).wrapping_mul(FNV_PRIME) ^ lo).wrapping_mul(FNV_PRIME);
        assert_eq!(fnv1a32("\u{1F600}"), by_hand);
    }

    #[test]
    fn unknown_versions_hash_to_none() {
        assert_eq!(hash("s", "v", 0), None);
        assert_eq!(hash("s", "v", 3), None);
        assert!(hash("s", "v", 1).is_some_and(|n| (0.0..1.0).contains(&n)));
        assert!(hash("s", "v", 2).is_some_and(|n| (0.0..1.0).contains(&n)));
    }
}
