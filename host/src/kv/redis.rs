//! The Redis store, shared by every replica. Rate-limit windows are sorted sets of
//! request timestamps trimmed and counted atomically by one Lua script (a sliding log).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};

use super::{Kv, KvError, RateDecision};

/// KEYS[1] window key; ARGV: now (ms), window (ms), limit, member.
/// Returns {allowed, count after, ms until the oldest entry leaves the window}.
const SLIDING_WINDOW: &str = r#"
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  local wait = window
  if oldest[2] then wait = tonumber(oldest[2]) + window - now end
  return {0, count, wait}
end
redis.call('ZADD', key, now, ARGV[4])
redis.call('PEXPIRE', key, window)
return {1, count + 1, 0}
"#;

/// KEYS[1] counter; ARGV: increment, ttl (ms) for a new key. Returns the new value.
const INCR_BY: &str = r#"
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v
"#;

/// KEYS[1] data key, KEYS[2] ledger hash (entry -> size, plus `#keys` and `#bytes`),
/// KEYS[3] ledger zset (entry -> expiry ms); ARGV: value, size, ttl (ms), max keys, max
/// bytes. Returns {0 stored | 1 too many keys | 2 too many bytes, keys, bytes}.
const PUT_METERED: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 1000)
for _, k in ipairs(gone) do
  local s = redis.call('HGET', KEYS[2], k)
  if s then
    redis.call('HDEL', KEYS[2], k)
    redis.call('HINCRBY', KEYS[2], '#keys', -1)
    redis.call('HINCRBY', KEYS[2], '#bytes', -tonumber(s))
  end
  redis.call('ZREM', KEYS[3], k)
end
local keys = tonumber(redis.call('HGET', KEYS[2], '#keys') or '0')
local bytes = tonumber(redis.call('HGET', KEYS[2], '#bytes') or '0')
local old = redis.call('HGET', KEYS[2], KEYS[1])
local size = tonumber(ARGV[2])
local new_keys, new_bytes = keys, bytes + size
if old then new_bytes = new_bytes - tonumber(old) else new_keys = keys + 1 end
if new_keys > tonumber(ARGV[4]) then return {1, keys, bytes} end
if new_bytes > tonumber(ARGV[5]) and new_bytes > bytes then return {2, keys, bytes} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('HSET', KEYS[2], KEYS[1], size, '#keys', new_keys, '#bytes', new_bytes)
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), KEYS[1])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return {0, new_keys, new_bytes}
"#;

/// KEYS as for [`PUT_METERED`]: deletes the data key and its ledger entry.
const DELETE_METERED: &str = r#"
redis.call('DEL', KEYS[1])
local s = redis.call('HGET', KEYS[2], KEYS[1])
if s then
  redis.call('HDEL', KEYS[2], KEYS[1])
  redis.call('ZREM', KEYS[3], KEYS[1])
  redis.call('HINCRBY', KEYS[2], '#keys', -1)
  redis.call('HINCRBY', KEYS[2], '#bytes', -tonumber(s))
end
return 1
"#;

/// KEYS[1] counter; ARGV: increment, limit, ttl (ms) for a new key. Returns {1, new value}
/// or {0, current value} when the increment would pass the limit.
const INCR_WITHIN: &str = r#"
local v = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if v + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return {0, v} end
v = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {1, v}
"#;

/// Redis-backed [`Kv`].
pub struct RedisKv {
    conn: ConnectionManager,
    window: Script,
    incr: Script,
    put_metered: Script,
    delete_metered: Script,
    incr_within: Script,
    prefix: String,
    /// Until when (ms on [`RedisKv::clock`]) calls fail at once: set when Redis could not
    /// be reached.
    down_until_ms: AtomicU64,
    clock: Instant,
}

/// After Redis could not be reached, calls fail at once for this long instead of each
/// waiting on the reconnect (1-2 s): a request makes several Redis calls (session cache,
/// rate limit), and waiting on each would turn an outage's quick 503s and fail-open
/// answers into requests of many seconds. The first call after it tries Redis again.
const FAIL_FAST: Duration = Duration::from_millis(500);

impl RedisKv {
    /// Connects (and reconnects on failure) to `url`; every key starts with `prefix`, so
    /// several deployments can share one Redis.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, KvError> {
        let client = redis::Client::open(url)?;
        // Every caller waits on a reconnect in progress, so it must be short. redis-rs
        // 0.32 hands `factor` to backon as the exponent's base (after a 1 s first delay):
        // its default (100, six retries) makes a caller wait minutes while Redis is down.
        // Here: 1 s, then up to 1 s more, and each attempt and answer bounded.
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_factor(2)
            .set_max_delay(1_000)
            .set_number_of_retries(1)
            .set_connection_timeout(Duration::from_secs(1))
            .set_response_timeout(Duration::from_secs(2));
        let conn = ConnectionManager::new_with_config(client, config).await?;
        Ok(Self {
            conn,
            window: Script::new(SLIDING_WINDOW),
            incr: Script::new(INCR_BY),
            put_metered: Script::new(PUT_METERED),
            delete_metered: Script::new(DELETE_METERED),
            incr_within: Script::new(INCR_WITHIN),
            prefix: prefix.to_owned(),
            down_until_ms: AtomicU64::new(0),
            clock: Instant::now(),
        })
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.clock.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The connection, unless Redis was found unreachable in the last [`FAIL_FAST`].
    fn conn(&self) -> Result<ConnectionManager, KvError> {
        if self.now_ms() < self.down_until_ms.load(Ordering::Relaxed) {
            return Err(KvError::Unreachable);
        }
        Ok(self.conn.clone())
    }

    /// `e` as a [`KvError`]; a connection failure makes calls fail fast for a while.
    fn failed(&self, e: ::redis::RedisError) -> KvError {
        if e.is_io_error()
            || e.is_connection_refusal()
            || e.is_connection_dropped()
            || e.is_timeout()
            || e.is_unrecoverable_error()
        {
            let until = self.now_ms() + FAIL_FAST.as_millis() as u64;
            self.down_until_ms.store(until, Ordering::Relaxed);
        }
        KvError::Redis(e)
    }

    fn key(&self, k: &str) -> String {
        format!("{}{k}", self.prefix)
    }

    /// The ledger's hash (sizes and totals) and sorted set (expiries).
    fn ledger_keys(&self, ledger: &str) -> (String, String) {
        (
            self.key(&format!("{ledger}:sizes")),
            self.key(&format!("{ledger}:expiry")),
        )
    }
}

#[async_trait::async_trait]
impl Kv for RedisKv {
    async fn hit(&self, k: &str, window: Duration, limit: u32) -> Result<RateDecision, KvError> {
        let now = chrono::Utc::now().timestamp_millis();
        let member = format!("{now}-{}", uuid::Uuid::new_v4().simple());
        let (allowed, count, wait): (i64, i64, i64) = self
            .window
            .key(self.key(&format!("rl:{k}")))
            .arg(now)
            .arg(window.as_millis() as i64)
            .arg(limit)
            .arg(member)
            .invoke_async(&mut self.conn()?)
            .await
            .map_err(|e| self.failed(e))?;
        Ok(RateDecision {
            allowed: allowed == 1,
            limit,
            remaining: limit.saturating_sub(count as u32),
            retry_after_ms: wait.max(0) as u64,
        })
    }

    async fn get(&self, k: &str) -> Result<Option<Vec<u8>>, KvError> {
        Ok(self
            .conn()?
            .get(self.key(k))
            .await
            .map_err(|e| self.failed(e))?)
    }

    async fn put_new(&self, k: &str, value: &[u8], ttl: Duration) -> Result<bool, KvError> {
        let set: Option<String> = redis::cmd("SET")
            .arg(self.key(k))
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(ttl.as_millis() as u64)
            .query_async(&mut self.conn()?)
            .await
            .map_err(|e| self.failed(e))?;
        Ok(set.is_some())
    }

    async fn put(&self, k: &str, value: &[u8], ttl: Duration) -> Result<(), KvError> {
        let _: () = self
            .conn()?
            .pset_ex(self.key(k), value, ttl.as_millis() as u64)
            .await
            .map_err(|e| self.failed(e))?;
        Ok(())
    }

    async fn delete(&self, k: &str) -> Result<(), KvError> {
        let _: () = self
            .conn()?
            .del(self.key(k))
            .await
            .map_err(|e| self.failed(e))?;
        Ok(())
    }

    async fn incr_by(&self, k: &str, by: i64, ttl: Duration) -> Result<i64, KvError> {
        Ok(self
            .incr
            .key(self.key(k))
            .arg(by)
            .arg(ttl.as_millis().max(1) as u64)
            .invoke_async(&mut self.conn()?)
            .await
            .map_err(|e| self.failed(e))?)
    }

    async fn incr_within(
        &self,
        k: &str,
        by: i64,
        limit: i64,
        ttl: Duration,
    ) -> Result<Option<i64>, KvError> {
        let (added, value): (i64, i64) = self
            .incr_within
            .key(self.key(k))
            .arg(by)
            .arg(limit)
            .arg(ttl.as_millis().max(1) as u64)
            .invoke_async(&mut self.conn()?)
            .await
            .map_err(|e| self.failed(e))?;
        Ok((added == 1).then_some(value))
    }

    async fn scan(
        &self,
        prefix: &str,
        cursor: u64,
        count: usize,
    ) -> Result<(Vec<String>, Option<u64>), KvError> {
        let full = self.key(prefix);
        let pattern = format!("{}*", glob_escape(&full));
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(count)
            .query_async(&mut self.conn()?)
            .await
            .map_err(|e| self.failed(e))?;
        let keys = keys
            .into_iter()
            .filter_map(|k| k.strip_prefix(&self.prefix).map(str::to_owned))
            .collect();
        Ok((keys, (next != 0).then_some(next)))
    }

    async fn put_metered(
        &self,
        k: &str,
        value: &[u8],
        size: u64,
        ttl: Duration,
        meter: super::Meter<'_>,
    ) -> Result<super::Metered, KvError> {
        let (sizes, expiry) = self.ledger_keys(meter.ledger);
        let (verdict, keys, bytes): (i64, u64, u64) = self
            .put_metered
            .key(self.key(k))
            .key(sizes)
            .key(expiry)
            .arg(value)
            .arg(size)
            .arg(ttl.as_millis().max(1) as u64)
            .arg(meter.max_keys)
            .arg(meter.max_bytes)
            .invoke_async(&mut self.conn()?)
            .await
            .map_err(|e| self.failed(e))?;
        Ok(match verdict {
            0 => super::Metered::Stored { keys, bytes },
            1 => super::Metered::TooManyKeys { keys },
            _ => super::Metered::TooManyBytes { bytes },
        })
    }

    async fn delete_metered(&self, k: &str, ledger: &str) -> Result<(), KvError> {
        let (sizes, expiry) = self.ledger_keys(ledger);
        let _: i64 = self
            .delete_metered
            .key(self.key(k))
            .key(sizes)
            .key(expiry)
            .invoke_async(&mut self.conn()?)
            .await
            .map_err(|e| self.failed(e))?;
        Ok(())
    }

    /// Always asks Redis, even while calls fail fast, so readiness sees it come back (and
    /// lets calls through again at once).
    async fn ping(&self) -> Result<(), KvError> {
        let _: String = redis::cmd("PING")
            .query_async(&mut self.conn.clone())
            .await
            .map_err(|e| self.failed(e))?;
        self.down_until_ms.store(0, Ordering::Relaxed);
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "redis"
    }
}

/// `text` with Redis glob metacharacters escaped, to match it literally.
fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\' | '^') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
