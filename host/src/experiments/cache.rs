//! Small in-process caches on the config path (`GET /api/tutorial/config` is the hot,
//! read-mostly route): a tutorial with its running experiment, a unit's stored assignment,
//! the assigner's answers. (Personas, read on every daily lesson, are a `kept::Kept`: it
//! reads each again ahead of its expiry.) Each entry lives a bounded time, so a change made on another
//! replica is seen within that time; changes made here clear the cache they touch.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A map whose entries expire `ttl` after they were put, holding at most `capacity`.
pub(super) struct TtlCache<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
    ttl: Duration,
    capacity: usize,
}

impl<K: Hash + Eq + Clone, V: Clone> TtlCache<K, V> {
    pub(super) fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            ttl,
            capacity,
        }
    }

    /// The live value of `key`.
    pub(super) fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, v)| v.clone())
    }

    /// Puts `value`; when full, expired entries go first, and everything if none had.
    pub(super) fn put(&self, key: K, value: V) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            let ttl = self.ttl;
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), value));
    }

    /// Forgets everything.
    pub(super) fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_cache_stays_bounded() {
        let cache = TtlCache::new(Duration::from_millis(30), 2);
        cache.put("a", 1);
        assert_eq!(cache.get(&"a"), Some(1));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get(&"a"), None, "expired");
        cache.put("b", 2);
        cache.put("c", 3);
        cache.put("d", 4);
        let live = ["b", "c", "d"]
            .iter()
            .filter(|k| cache.get(k).is_some())
            .count();
        assert!(live <= 2, "at most the capacity");
        assert_eq!(cache.get(&"d"), Some(4), "the newest is kept");
        cache.clear();
        assert_eq!(cache.get(&"d"), None);
    }
}
