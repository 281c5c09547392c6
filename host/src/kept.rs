//! Values kept for a short while, per replica: the read caches that spare the database
//! work whose answer changes slowly (each learner's ranked feed, `feed::cache`; how many
//! catalog listings a search matches, `store::catalog`).
//!
//! An entry lives `ttl_ms` milliseconds from when it was put; writes through this replica
//! forget the entries they make wrong, and writes through other replicas reach an entry
//! when it expires. At most `capacity` entries are kept: a full map first drops what has
//! expired, then its oldest entry.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

struct Entry<V> {
    at: i64,
    value: V,
}

/// Values by key, each for `ttl_ms`; nothing is kept when `ttl_ms` is 0.
pub struct Kept<V> {
    ttl_ms: i64,
    capacity: usize,
    entries: Mutex<HashMap<String, Entry<V>>>,
}

impl<V: Clone> Kept<V> {
    /// A map keeping each value `ttl_ms` milliseconds (0: none kept), at most `capacity`.
    pub fn new(ttl_ms: i64, capacity: usize) -> Self {
        Self {
            ttl_ms,
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<String, Entry<V>>> {
        // A panic while holding the lock leaves a map that is still whole.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether anything is kept at all (a lifetime over 0).
    pub fn keeps(&self) -> bool {
        self.ttl_ms > 0
    }

    /// The value under `key` when it was put less than the lifetime before `now` (ms).
    pub fn get(&self, key: &str, now: i64) -> Option<V> {
        if !self.keeps() {
            return None;
        }
        let entries = self.entries();
        let entry = entries.get(key)?;
        // A clock that went back does not serve a value from the future.
        (now - entry.at < self.ttl_ms && now >= entry.at).then(|| entry.value.clone())
    }

    /// Keeps `value` under `key` as of `now`.
    pub fn put(&self, key: &str, now: i64, value: V) {
        if !self.keeps() {
            return;
        }
        let mut entries = self.entries();
        if entries.len() >= self.capacity && !entries.contains_key(key) {
            entries.retain(|_, e| now - e.at < self.ttl_ms);
            if entries.len() >= self.capacity
                && let Some(oldest) = entries
                    .iter()
                    .min_by_key(|(_, e)| e.at)
                    .map(|(k, _)| k.clone())
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(key.to_owned(), Entry { at: now, value });
    }

    /// Forgets the entries under `keys`: what they answer has changed.
    pub fn forget<'a>(&self, keys: impl IntoIterator<Item = &'a str>) {
        if !self.keeps() {
            return;
        }
        let keys: HashSet<&str> = keys.into_iter().collect();
        let mut entries = self.entries();
        if keys.len() < entries.len() {
            for k in keys {
                entries.remove(k);
            }
        } else {
            entries.retain(|k, _| !keys.contains(k.as_str()));
        }
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.entries().clear();
    }

    /// How many entries are kept.
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_kept_for_its_lifetime() {
        let kept = Kept::new(30_000, 8);
        kept.put("ada", 1_000, 7);
        assert_eq!(kept.get("ada", 30_999), Some(7));
        assert_eq!(kept.get("ada", 31_000), None, "expired");
        assert_eq!(kept.get("bea", 1_000), None);
        assert_eq!(kept.get("ada", 999), None, "a clock that went back");
    }

    #[test]
    fn forgetting_drops_only_the_keys_named_and_clearing_drops_all() {
        let kept = Kept::new(30_000, 64);
        for k in ["ada", "bea", "cal"] {
            kept.put(k, 0, ());
        }
        kept.forget(["bea", "nobody"]);
        assert!(kept.get("bea", 1).is_none());
        assert!(kept.get("ada", 1).is_some() && kept.get("cal", 1).is_some());
        // More keys named than kept: the other way round, same answer.
        let many: Vec<String> = (0..10)
            .map(|i| format!("p{i}"))
            .chain(["ada".into()])
            .collect();
        kept.forget(many.iter().map(String::as_str));
        assert!(kept.get("ada", 1).is_none() && kept.get("cal", 1).is_some());
        kept.clear();
        assert!(kept.is_empty());
    }

    #[test]
    fn a_full_map_drops_expired_entries_then_the_oldest() {
        let capacity = 16;
        let kept = Kept::new(30_000, capacity);
        for i in 0..capacity {
            kept.put(&format!("v{i}"), i as i64, ());
        }
        kept.put("late", capacity as i64, ());
        assert_eq!(kept.len(), capacity);
        assert!(
            kept.get("v0", capacity as i64).is_none(),
            "the oldest made room"
        );
        assert!(kept.get("late", capacity as i64).is_some());
        // Once the others expire, one new entry sweeps them all out.
        kept.put("later", 40_000, ());
        assert_eq!(kept.len(), 1);
    }

    #[test]
    fn a_lifetime_of_zero_keeps_nothing() {
        let kept = Kept::new(0, 8);
        kept.put("ada", 0, 1);
        assert!(kept.get("ada", 0).is_none() && kept.is_empty() && !kept.keeps());
    }
}
