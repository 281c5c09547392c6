//! Deterministic choices: the same request always gets the same exercise, and a request
//! that differs (another learner, a longer conversation, another base exercise) usually
//! gets another one.

/// FNV-1a over `parts`, each followed by a separator so `("ab", "c")` and `("a", "bc")`
/// differ.
pub fn hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Picks values from a seed (splitmix64).
#[derive(Debug, Clone)]
pub struct Picker(u64);

impl Picker {
    /// A picker started from `seed`.
    pub fn new(seed: u64) -> Self {
        Picker(seed)
    }

    /// The next 64 random bits.
    pub fn bits(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// An index below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.bits() % n as u64) as usize
    }

    /// An integer in `lo..=hi`.
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo + 1).max(1) as u64;
        lo + (self.bits() % span) as i64
    }

    /// One of `items` (which must not be empty).
    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }

    /// `k` distinct items of `items`, in a shuffled order.
    pub fn sample<T: Clone>(&mut self, items: &[T], k: usize) -> Vec<T> {
        let mut pool: Vec<T> = items.to_vec();
        let mut out = Vec::new();
        while out.len() < k && !pool.is_empty() {
            let i = self.below(pool.len());
            out.push(pool.swap_remove(i));
        }
        out
    }

    /// `n` integers in `lo..=hi`.
    pub fn ints(&mut self, n: usize, lo: i64, hi: i64) -> Vec<i64> {
        (0..n).map(|_| self.int(lo, hi)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_are_deterministic_and_spread() {
        assert_eq!(hash(&["a", "b"]), hash(&["a", "b"]));
        assert_ne!(hash(&["ab", "c"]), hash(&["a", "bc"]));
        let mut a = Picker::new(7);
        let mut b = Picker::new(7);
        assert_eq!(a.ints(5, 0, 100), b.ints(5, 0, 100));
        let mut p = Picker::new(1);
        let seen: std::collections::BTreeSet<i64> = (0..200).map(|_| p.int(1, 6)).collect();
        assert_eq!(seen.len(), 6);
        assert_eq!(p.sample(&[1, 2, 3], 5).len(), 3);
    }
}
