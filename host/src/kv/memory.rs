//! The in-process store: one node's rate-limit windows and records, lost on restart
//! (which for windows and 24 h idempotency records of one node is acceptable; use Redis
//! for several replicas).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{Kv, KvError, RateDecision};

/// Entries are swept once this many writes have happened since the last sweep.
const SWEEP_EVERY: u32 = 4096;

#[derive(Default)]
struct Inner {
    windows: HashMap<String, VecDeque<Instant>>,
    values: HashMap<String, (Vec<u8>, Instant)>,
    writes: u32,
}

/// Independent locks: requests for different keys rarely wait on each other.
const SHARDS: usize = 16;

/// A metered group's entries: each key's size and expiry.
type Ledger = HashMap<String, (u64, Instant)>;

/// In-process [`Kv`].
pub struct MemoryKv {
    shards: [Mutex<Inner>; SHARDS],
    /// Ledgers of metered groups by name.
    ledgers: Mutex<HashMap<String, Ledger>>,
}

impl Default for MemoryKv {
    fn default() -> Self {
        Self {
            shards: std::array::from_fn(|_| Mutex::default()),
            ledgers: Mutex::default(),
        }
    }
}

impl Inner {
    fn maybe_sweep(&mut self, now: Instant) {
        self.writes += 1;
        if self.writes < SWEEP_EVERY {
            return;
        }
        self.writes = 0;
        self.values.retain(|_, (_, expires)| *expires > now);
        // A window whose newest hit is older than any window we use (1 h) is empty.
        self.windows.retain(|_, hits| {
            hits.back()
                .is_some_and(|t| now.duration_since(*t) < Duration::from_secs(3600))
        });
    }
}

impl MemoryKv {
    fn lock(&self, key: &str) -> std::sync::MutexGuard<'_, Inner> {
        self.shards[fnv(key) % SHARDS]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl MemoryKv {
    /// Adds `by` to the counter under `key` unless the sum would pass `limit`; the new
    /// value, or `None` when refused. One shard lock makes the check and the add atomic.
    fn add(&self, key: &str, by: i64, limit: Option<i64>, ttl: Duration) -> Option<i64> {
        let now = Instant::now();
        let mut inner = self.lock(key);
        inner.maybe_sweep(now);
        let (current, expires) = match inner.values.get(key).filter(|(_, e)| *e > now) {
            Some((bytes, expires)) => (
                std::str::from_utf8(bytes)
                    .ok()
                    .and_then(|t| t.parse::<i64>().ok())
                    .unwrap_or(0),
                *expires,
            ),
            None => (0, now + ttl),
        };
        let value = current.saturating_add(by);
        if limit.is_some_and(|limit| value > limit) {
            return None;
        }
        inner
            .values
            .insert(key.to_owned(), (value.to_string().into_bytes(), expires));
        Some(value)
    }
}

/// FNV-1a: a cheap, stable spread of keys over the shards.
fn fnv(key: &str) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as usize
}

#[async_trait::async_trait]
impl Kv for MemoryKv {
    async fn hit(&self, key: &str, window: Duration, limit: u32) -> Result<RateDecision, KvError> {
        let now = Instant::now();
        let mut inner = self.lock(key);
        inner.maybe_sweep(now);
        if !inner.windows.contains_key(key) {
            inner.windows.insert(key.to_owned(), VecDeque::new());
        }
        let Some(hits) = inner.windows.get_mut(key) else {
            unreachable!("inserted above")
        };
        while hits
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            hits.pop_front();
        }
        let used = hits.len() as u32;
        if used >= limit {
            let oldest = hits.front().copied().unwrap_or(now);
            let wait = window.saturating_sub(now.duration_since(oldest));
            return Ok(RateDecision {
                allowed: false,
                limit,
                remaining: 0,
                retry_after_ms: wait.as_millis() as u64,
            });
        }
        hits.push_back(now);
        Ok(RateDecision {
            allowed: true,
            limit,
            remaining: limit - used - 1,
            retry_after_ms: 0,
        })
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        let now = Instant::now();
        Ok(self
            .lock(key)
            .values
            .get(key)
            .filter(|(_, expires)| *expires > now)
            .map(|(v, _)| v.clone()))
    }

    async fn put_new(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, KvError> {
        let now = Instant::now();
        let mut inner = self.lock(key);
        inner.maybe_sweep(now);
        if inner.values.get(key).is_some_and(|(_, e)| *e > now) {
            return Ok(false);
        }
        inner
            .values
            .insert(key.to_owned(), (value.to_vec(), now + ttl));
        Ok(true)
    }

    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), KvError> {
        let now = Instant::now();
        let mut inner = self.lock(key);
        inner.maybe_sweep(now);
        inner
            .values
            .insert(key.to_owned(), (value.to_vec(), now + ttl));
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.lock(key).values.remove(key);
        Ok(())
    }

    async fn incr_by(&self, key: &str, by: i64, ttl: Duration) -> Result<i64, KvError> {
        Ok(self.add(key, by, None, ttl).unwrap_or_default())
    }

    async fn incr_within(
        &self,
        key: &str,
        by: i64,
        limit: i64,
        ttl: Duration,
    ) -> Result<Option<i64>, KvError> {
        Ok(self.add(key, by, Some(limit), ttl))
    }

    async fn scan(
        &self,
        prefix: &str,
        cursor: u64,
        count: usize,
    ) -> Result<(Vec<String>, Option<u64>), KvError> {
        let now = Instant::now();
        // Keys sorted across shards, so an offset is a stable cursor between writes.
        let mut keys: Vec<String> = self
            .shards
            .iter()
            .flat_map(|shard| {
                let inner = shard
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                inner
                    .values
                    .iter()
                    .filter(|(k, (_, e))| k.starts_with(prefix) && *e > now)
                    .map(|(k, _)| k.clone())
                    .collect::<Vec<_>>()
            })
            .collect();
        keys.sort_unstable();
        let start = (cursor as usize).min(keys.len());
        let end = start.saturating_add(count).min(keys.len());
        let next = (end < keys.len()).then_some(end as u64);
        Ok((keys[start..end].to_vec(), next))
    }

    async fn put_metered(
        &self,
        key: &str,
        value: &[u8],
        size: u64,
        ttl: Duration,
        meter: super::Meter<'_>,
    ) -> Result<super::Metered, KvError> {
        let now = Instant::now();
        let mut ledgers = self
            .ledgers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let ledger = ledgers.entry(meter.ledger.to_owned()).or_default();
        ledger.retain(|_, (_, expires)| *expires > now);
        let keys = ledger.len() as u64;
        let bytes: u64 = ledger.values().map(|(s, _)| s).sum();
        let (new_keys, new_bytes) = match ledger.get(key) {
            Some((old, _)) => (keys, bytes - old + size),
            None => (keys + 1, bytes + size),
        };
        if new_keys > meter.max_keys {
            return Ok(super::Metered::TooManyKeys { keys });
        }
        if new_bytes > meter.max_bytes && new_bytes > bytes {
            return Ok(super::Metered::TooManyBytes { bytes });
        }
        ledger.insert(key.to_owned(), (size, now + ttl));
        let mut inner = self.lock(key);
        inner.maybe_sweep(now);
        inner
            .values
            .insert(key.to_owned(), (value.to_vec(), now + ttl));
        Ok(super::Metered::Stored {
            keys: new_keys,
            bytes: new_bytes,
        })
    }

    async fn delete_metered(&self, key: &str, ledger: &str) -> Result<(), KvError> {
        if let Some(entries) = self
            .ledgers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get_mut(ledger)
        {
            entries.remove(key);
        }
        self.lock(key).values.remove(key);
        Ok(())
    }

    async fn ping(&self) -> Result<(), KvError> {
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_bounded_increment_never_passes_its_limit() {
        let kv = std::sync::Arc::new(MemoryKv::default());
        let ttl = Duration::from_secs(60);
        let adds = (0..20).map(|_| {
            let kv = kv.clone();
            tokio::spawn(async move { kv.incr_within("k", 7, 50, ttl).await.unwrap() })
        });
        let granted = futures_util::future::join_all(adds)
            .await
            .into_iter()
            .filter(|r| matches!(r, Ok(Some(_))))
            .count();
        assert_eq!(granted, 7, "7 × 7 = 49 fits in 50, an eighth would not");
        assert_eq!(kv.incr_by("k", 0, ttl).await.unwrap(), 49);
        assert_eq!(kv.incr_within("k", 1, 50, ttl).await.unwrap(), Some(50));
        // Giving back is an ordinary (negative) increment.
        assert_eq!(kv.incr_by("k", -50, ttl).await.unwrap(), 0);
    }
}
