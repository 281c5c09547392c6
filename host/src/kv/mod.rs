//! Shared short-lived state: rate-limit windows, idempotency records, caches. Redis
//! (`REDIS_URL`) when replicas share it; an in-process store otherwise (the embedded
//! default, for one node). Both implement [`Kv`], so callers never know which.

pub mod memory;
pub mod redis;

use std::sync::Arc;
use std::time::Duration;

/// A failure of the store.
#[derive(Debug, thiserror::Error)]
pub enum KvError {
    /// Redis could not be reached or answered with an error.
    #[error("redis: {0}")]
    Redis(#[from] ::redis::RedisError),
    /// Redis could not be reached moments ago; calls fail at once for a short while
    /// rather than each waiting on the reconnect.
    #[error("redis is unreachable (calls fail fast for a moment after a failed connection)")]
    Unreachable,
    /// The in-process store holds its most (`--memory-store-mb`); nothing new fits until
    /// entries expire.
    #[error("the in-process store is full (--memory-store-mb); use Redis for more")]
    Full,
}

/// One rate-limit decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    /// Whether this request may go ahead.
    pub allowed: bool,
    /// The window's limit.
    pub limit: u32,
    /// Requests left in the window after this one.
    pub remaining: u32,
    /// Milliseconds until a slot frees up (0 when allowed with room to spare).
    pub retry_after_ms: u64,
}

/// A cap on a group of keys (one plugin's key-value data), kept in a ledger of their
/// sizes under the name `ledger`, beside the keys.
#[derive(Debug, Clone, Copy)]
pub struct Meter<'a> {
    /// Names the ledger (and so the group).
    pub ledger: &'a str,
    /// Most keys the group may hold.
    pub max_keys: u64,
    /// Most bytes (as the caller sizes entries) the group may hold.
    pub max_bytes: u64,
}

/// What a metered write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metered {
    /// Stored; the group's keys and bytes afterwards.
    Stored {
        /// Keys held.
        keys: u64,
        /// Bytes held.
        bytes: u64,
    },
    /// Refused: a new key would pass `max_keys` (the group holds `keys`).
    TooManyKeys {
        /// Keys held.
        keys: u64,
    },
    /// Refused: the group would grow past `max_bytes` (it holds `bytes`).
    TooManyBytes {
        /// Bytes held.
        bytes: u64,
    },
}

/// The operations the host needs.
#[async_trait::async_trait]
pub trait Kv: Send + Sync {
    /// Counts a request against a sliding window of `window` at most `limit` requests
    /// under `key`; a refused request is not counted.
    async fn hit(&self, key: &str, window: Duration, limit: u32) -> Result<RateDecision, KvError>;

    /// The value under `key`, if present and not expired.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError>;

    /// Stores `value` under `key` for `ttl` unless the key exists; whether it stored.
    async fn put_new(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, KvError>;

    /// Stores `value` under `key` for `ttl`, replacing what was there.
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), KvError>;

    /// Removes `key`.
    async fn delete(&self, key: &str) -> Result<(), KvError>;

    /// Adds `by` to the integer under `key` (0 when absent) and returns the new value; a
    /// new key expires after `ttl`, an existing one keeps its expiry.
    async fn incr_by(&self, key: &str, by: i64, ttl: Duration) -> Result<i64, KvError>;

    /// Adds `by` to the integer under `key` (0 when absent) only if the sum stays at most
    /// `limit`, atomically across every client of the store: the new value, or `None`
    /// (nothing added) when it would pass the limit. A new key expires after `ttl`.
    async fn incr_within(
        &self,
        key: &str,
        by: i64,
        limit: i64,
        ttl: Duration,
    ) -> Result<Option<i64>, KvError>;

    /// One page of the keys starting with `prefix`, from `cursor` (0 to start); the next
    /// cursor, or `None` at the end. Pages may be short (even empty) before the end.
    async fn scan(
        &self,
        prefix: &str,
        cursor: u64,
        count: usize,
    ) -> Result<(Vec<String>, Option<u64>), KvError>;

    /// Stores `value` under `key` for `ttl` as an entry of `size` bytes of the group
    /// `meter` describes, unless that would take the group past its keys or bytes;
    /// atomically with the ledger, so replicas writing at once cannot overshoot. A write that
    /// does not grow the group (rewriting a key no larger) always goes through. Entries that
    /// expired leave the ledger as they are noticed.
    async fn put_metered(
        &self,
        key: &str,
        value: &[u8],
        size: u64,
        ttl: Duration,
        meter: Meter<'_>,
    ) -> Result<Metered, KvError>;

    /// Removes `key` and its entry in the ledger `ledger` (see [`Kv::put_metered`]).
    async fn delete_metered(&self, key: &str, ledger: &str) -> Result<(), KvError>;

    /// Whether the store answers (for readiness).
    async fn ping(&self) -> Result<(), KvError>;

    /// `redis` or `memory`, for logs and health.
    fn kind(&self) -> &'static str;
}

/// The store for `url` (`redis://…`, keys under `prefix`), or the in-process one (with
/// its default cap) when `None`.
pub async fn connect(url: Option<&str>, prefix: &str) -> Result<Arc<dyn Kv>, KvError> {
    open(url, prefix, memory::DEFAULT_MAX_BYTES).await
}

/// Like [`connect`], the in-process store holding at most `memory_max_bytes`.
pub async fn open(
    url: Option<&str>,
    prefix: &str,
    memory_max_bytes: u64,
) -> Result<Arc<dyn Kv>, KvError> {
    Ok(match url {
        Some(url) => Arc::new(redis::RedisKv::connect(url, prefix).await?),
        None => Arc::new(memory::MemoryKv::with_max_bytes(memory_max_bytes)),
    })
}
