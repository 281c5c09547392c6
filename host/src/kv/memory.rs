//! The in-process store: one node's rate-limit windows and records, lost on restart
//! (which for windows and 24 h idempotency records of one node is acceptable; use Redis
//! for several replicas).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{Kv, KvError, RateDecision};

/// Entries are swept once this many writes have happened since the last sweep.
const SWEEP_EVERY: u32 = 4096;

/// What the store may hold by default (`--memory-store-mb`).
pub const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;

/// Bytes one rate-limit hit takes (its timestamp), for the store's accounting.
const HIT_BYTES: u64 = std::mem::size_of::<Instant>() as u64;

#[derive(Default)]
struct Inner {
    windows: HashMap<String, VecDeque<Instant>>,
    values: HashMap<String, (Vec<u8>, Instant)>,
    writes: u32,
    /// Keys, values and hits held, bytes (what the cap counts; the maps' own overhead
    /// is not counted).
    bytes: u64,
}

/// Independent locks: requests for different keys rarely wait on each other.
const SHARDS: usize = 16;

/// A metered group's entries: each key's size and expiry.
type Ledger = HashMap<String, (u64, Instant)>;

/// In-process [`Kv`], holding at most a set number of bytes: past it, writes that would
/// grow it fail with [`KvError::Full`] (expired entries are swept first), so clients
/// choosing keys (addresses, idempotency keys) cannot grow the process without end.
pub struct MemoryKv {
    shards: [Mutex<Inner>; SHARDS],
    /// Ledgers of metered groups by name.
    ledgers: Mutex<HashMap<String, Ledger>>,
    /// Each shard's share of the cap.
    shard_max_bytes: u64,
}

impl Default for MemoryKv {
    fn default() -> Self {
        Self::with_max_bytes(DEFAULT_MAX_BYTES)
    }
}

impl Inner {
    fn maybe_sweep(&mut self, now: Instant) {
        self.writes += 1;
        if self.writes >= SWEEP_EVERY {
            self.sweep(now);
        }
    }

    /// Drops expired values and empty windows, and counts what is left.
    fn sweep(&mut self, now: Instant) {
        self.writes = 0;
        self.values.retain(|_, (_, expires)| *expires > now);
        // A window whose newest hit is older than any window we use (1 h) is empty.
        self.windows.retain(|_, hits| {
            hits.back()
                .is_some_and(|t| now.duration_since(*t) < Duration::from_secs(3600))
        });
        self.bytes = self
            .values
            .iter()
            .map(|(k, (v, _))| (k.len() + v.len()) as u64)
            .chain(
                self.windows
                    .iter()
                    .map(|(k, hits)| k.len() as u64 + HIT_BYTES * hits.len() as u64),
            )
            .sum();
    }

    /// Makes room for `growth` more bytes under `max` (sweeping once if needed).
    fn room(&mut self, growth: u64, max: u64, now: Instant) -> Result<(), KvError> {
        if self.bytes + growth <= max {
            return Ok(());
        }
        self.sweep(now);
        if self.bytes + growth <= max {
            Ok(())
        } else {
            Err(KvError::Full)
        }
    }

    /// Stores a value, within `max` bytes when it grows the shard.
    fn set(
        &mut self,
        key: &str,
        value: Vec<u8>,
        expires: Instant,
        max: u64,
        now: Instant,
    ) -> Result<(), KvError> {
        let old = self
            .values
            .get(key)
            .map_or(0, |(v, _)| (key.len() + v.len()) as u64);
        let new = (key.len() + value.len()) as u64;
        if new > old {
            self.room(new - old, max, now)?;
        }
        self.values.insert(key.to_owned(), (value, expires));
        self.bytes = (self.bytes + new).saturating_sub(old);
        Ok(())
    }

    fn unset(&mut self, key: &str) {
        if let Some((v, _)) = self.values.remove(key) {
            self.bytes = self.bytes.saturating_sub((key.len() + v.len()) as u64);
        }
    }
}

impl MemoryKv {
    /// A store holding at most `max_bytes` of keys and values.
    pub fn with_max_bytes(max_bytes: u64) -> Self {
        Self {
            shards: std::array::from_fn(|_| Mutex::default()),
            ledgers: Mutex::default(),
            shard_max_bytes: (max_bytes / SHARDS as u64).max(1),
        }
    }

    fn lock(&self, key: &str) -> std::sync::MutexGuard<'_, Inner> {
        self.shards[fnv(key) % SHARDS]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl MemoryKv {
    /// Adds `by` to the counter under `key` unless the sum would pass `limit`; the new
    /// value, or `None` when refused. One shard lock makes the check and the add atomic.
    fn add(
        &self,
        key: &str,
        by: i64,
        limit: Option<i64>,
        ttl: Duration,
    ) -> Result<Option<i64>, KvError> {
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
            return Ok(None);
        }
        let max = self.shard_max_bytes;
        inner.set(key, value.to_string().into_bytes(), expires, max, now)?;
        Ok(Some(value))
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
        let max = self.shard_max_bytes;
        let mut inner = self.lock(key);
        inner.maybe_sweep(now);
        let (used, oldest, freed) = match inner.windows.get_mut(key) {
            Some(hits) => {
                let before = hits.len();
                while hits
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= window)
                {
                    hits.pop_front();
                }
                let freed = HIT_BYTES * (before - hits.len()) as u64;
                (hits.len() as u32, hits.front().copied(), freed)
            }
            None => (0, None, 0),
        };
        inner.bytes = inner.bytes.saturating_sub(freed);
        if used >= limit {
            let oldest = oldest.unwrap_or(now);
            let wait = window.saturating_sub(now.duration_since(oldest));
            return Ok(RateDecision {
                allowed: false,
                limit,
                remaining: 0,
                retry_after_ms: wait.as_millis() as u64,
            });
        }
        let new_key = !inner.windows.contains_key(key);
        let growth = HIT_BYTES + if new_key { key.len() as u64 } else { 0 };
        inner.room(growth, max, now)?;
        inner
            .windows
            .entry(key.to_owned())
            .or_default()
            .push_back(now);
        inner.bytes += growth;
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
        inner.set(key, value.to_vec(), now + ttl, self.shard_max_bytes, now)?;
        Ok(true)
    }

    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), KvError> {
        let now = Instant::now();
        let mut inner = self.lock(key);
        inner.maybe_sweep(now);
        inner.set(key, value.to_vec(), now + ttl, self.shard_max_bytes, now)
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.lock(key).unset(key);
        Ok(())
    }

    async fn incr_by(&self, key: &str, by: i64, ttl: Duration) -> Result<i64, KvError> {
        Ok(self.add(key, by, None, ttl)?.unwrap_or_default())
    }

    async fn incr_within(
        &self,
        key: &str,
        by: i64,
        limit: i64,
        ttl: Duration,
    ) -> Result<Option<i64>, KvError> {
        self.add(key, by, Some(limit), ttl)
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
        let mut inner = self.lock(key);
        inner.maybe_sweep(now);
        inner.set(key, value.to_vec(), now + ttl, self.shard_max_bytes, now)?;
        ledger.insert(key.to_owned(), (size, now + ttl));
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
        self.lock(key).unset(key);
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

    const WINDOW: Duration = Duration::from_secs(60);

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

    #[tokio::test]
    async fn the_store_refuses_new_entries_past_its_cap_and_frees_what_expires() {
        // 16 shards of 1 KiB each.
        let kv = MemoryKv::with_max_bytes(16 * 1024);
        let ttl = Duration::from_millis(200);
        let mut stored = 0;
        let mut refused = 0;
        for n in 0..200 {
            match kv.put(&format!("idem:{n}"), &[7u8; 200], ttl).await {
                Ok(()) => stored += 1,
                Err(KvError::Full) => refused += 1,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(
            stored > 0 && refused > 0,
            "stored {stored}, refused {refused}"
        );
        assert!(
            stored * 200 <= 16 * 1024,
            "held past the cap: {stored} values"
        );
        // Windows count too, and a full shard refuses new addresses.
        let mut limited = 0;
        for n in 0..2000 {
            if kv
                .hit(&format!("auth:ip:10.0.{}.{}", n / 256, n % 256), WINDOW, 5)
                .await
                .is_err()
            {
                limited += 1;
            }
        }
        assert!(limited > 0, "windows grew without bound");
        // Deleting and overwriting with less never fails; expiry makes room again.
        kv.delete("idem:0").await.unwrap();
        tokio::time::sleep(Duration::from_millis(250)).await;
        kv.put("idem:new", &[1u8; 200], ttl)
            .await
            .expect("room after expiry");
    }
}
