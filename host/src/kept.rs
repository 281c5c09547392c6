//! Values kept for a short while, per replica: the read caches that spare the database
//! work whose answer changes slowly (each learner's ranked feed, `feed::cache`; how many
//! catalog listings a search matches, `store::catalog`).
//!
//! An entry lives `ttl_ms` milliseconds from when it was put; writes through this replica
//! forget the entries they make wrong, and writes through other replicas reach an entry
//! when it expires. At most `capacity` entries are kept: a full map first drops what has
//! expired, then its oldest entry. [`Kept::get_ahead`] tells the first caller to find an
//! entry past half its lifetime to read it again (in the background), so a key asked for
//! steadily is never waited for (each learner's data, `store::learner_cache`; each
//! session's state, `auth::live`).
//!
//! [`Fresh`] keeps one value everyone reads (the draft courses, the flags, the session
//! change epochs) and reads it again *ahead* of its expiry, by one request at a time, so
//! that under traffic no request waits for it and no crowd of requests reads it at once.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use tokio::time::Instant;

struct Entry<V> {
    at: i64,
    value: V,
    /// Someone was told to read it again ahead of its expiry ([`Kept::get_ahead`]).
    read_ahead: bool,
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

    /// [`Kept::get`], also saying whether this caller is the one to read the value again
    /// ahead of its expiry: the first to find it past half its lifetime. The others go on
    /// being answered with it until the caller puts the new value or the old one expires
    /// (a read that failed is not retried before then: past its lifetime, the next request
    /// reads it itself).
    ///
    /// Why: under seed 000's storm a request that waits for the database goes behind
    /// 10 000 ready connections; a value read again before it expires, off the request's
    /// path, leaves no request waiting for it (docs/benchmarks.md, "Read ahead").
    pub fn get_ahead(&self, key: &str, now: i64) -> Option<(V, bool)> {
        if !self.keeps() {
            return None;
        }
        let mut entries = self.entries();
        let entry = entries.get_mut(key)?;
        let age = now - entry.at;
        if !(0..self.ttl_ms).contains(&age) {
            return None;
        }
        let due = age >= self.ttl_ms / 2 && !entry.read_ahead;
        entry.read_ahead |= due;
        Some((entry.value.clone(), due))
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
        entries.insert(
            key.to_owned(),
            Entry {
                at: now,
                value,
                read_ahead: false,
            },
        );
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

/// How many lifetimes old a [`Fresh`] value may be answered while one request reads it
/// again.
pub const STALE_LIFETIMES: u32 = 5;

/// One value read from the store and trusted for `ttl` after the read began.
///
/// Once half its lifetime has passed, the first request to see it reads it again while the
/// others go on with the kept value. A request that finds the value past its lifetime and
/// no read under way reads it itself and waits for that read, so a quiet replica answers
/// nothing older than `ttl`; but while a read is under way, the others are answered with
/// the kept value for up to [`STALE_LIFETIMES`] lifetimes. Only past that (or with nothing
/// kept) do requests wait, for one read they share.
///
/// Why not simply wait for the read once the value expires: under seed 000's storm a
/// request that waits for anything goes to the back of a run queue of 10 000 ready
/// connections and is served again only after all of them, 1-3 s later. A read begun at
/// half a 1 s lifetime did not finish before the value expired, and every request arriving
/// meanwhile waited too: half the storm's lesson starts waited 0.5-3 s in the server for
/// three such values (docs/benchmarks.md, "Who waits in the storm"). Before that, every
/// request that found the value expired read it itself: thousands of identical queries
/// queued on the database pool each second.
pub struct Fresh<T> {
    ttl: Duration,
    kept: RwLock<Option<(Instant, T)>>,
    /// Held by the one read under way.
    reading: tokio::sync::Mutex<()>,
    /// Counts [`Fresh::forget`]s: a read that began before one does not keep what it read.
    forgets: AtomicU64,
    /// Counts the reads kept.
    reads: AtomicU64,
}

impl<T: Clone> Fresh<T> {
    /// Nothing kept yet; each value read is trusted for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            kept: RwLock::new(None),
            reading: tokio::sync::Mutex::new(()),
            forgets: AtomicU64::new(0),
            reads: AtomicU64::new(0),
        }
    }

    /// The kept value and its age, if any.
    fn kept(&self) -> Option<(Duration, T)> {
        let kept = self.kept.read().unwrap_or_else(PoisonError::into_inner);
        kept.as_ref().map(|(at, v)| (at.elapsed(), v.clone()))
    }

    /// The value, from what is kept or from `read` (see the type's documentation for who
    /// reads when and who waits).
    pub async fn get<E, Fut>(&self, read: impl FnOnce() -> Fut) -> Result<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some((age, value)) = self.kept()
            && age < self.ttl * STALE_LIFETIMES
        {
            if age < self.ttl / 2 {
                return Ok(value);
            }
            let Ok(_reading) = self.reading.try_lock() else {
                // A read is under way: what is kept answers until it lands.
                return Ok(value);
            };
            // The read that held the lock may have just landed.
            let Some((age, value)) = self.kept() else {
                return self.read(read).await;
            };
            if age < self.ttl / 2 {
                return Ok(value);
            }
            return match self.read(read).await {
                // Still within its lifetime, the kept value outlives a failed read.
                Err(_) if age < self.ttl => Ok(value),
                answer => answer,
            };
        }
        let reads = self.reads.load(Ordering::Acquire);
        let _reading = self.reading.lock().await;
        // The read this request waited for answers it too, even one that took longer than
        // the lifetime (its value then expired on arrival): otherwise, with the database
        // that slow, every waiter would read in turn while all the others queued behind.
        if let Some((age, value)) = self.kept()
            && (age < self.ttl || self.reads.load(Ordering::Acquire) != reads)
        {
            return Ok(value);
        }
        self.read(read).await
    }

    /// Reads the value (the caller holds `reading`) and keeps it unless forgotten meanwhile.
    async fn read<E, Fut>(&self, read: impl FnOnce() -> Fut) -> Result<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        let forgets = self.forgets.load(Ordering::Acquire);
        // Stamped with the time before the read: what it says is at least that recent.
        let at = Instant::now();
        let value = read().await?;
        if self.forgets.load(Ordering::Acquire) == forgets {
            *self.kept.write().unwrap_or_else(PoisonError::into_inner) = Some((at, value.clone()));
            self.reads.fetch_add(1, Ordering::AcqRel);
        }
        Ok(value)
    }

    /// The kept value whatever its age (`None` once forgotten): what a read can compare
    /// its answer with.
    pub fn last(&self) -> Option<T> {
        self.kept().map(|(_, value)| value)
    }

    /// Forgets the value: a change made through this replica makes it wrong.
    pub fn forget(&self) {
        self.forgets.fetch_add(1, Ordering::AcqRel);
        *self.kept.write().unwrap_or_else(PoisonError::into_inner) = None;
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
    fn past_half_its_lifetime_one_caller_is_told_to_read_a_value_again() {
        let kept = Kept::new(30_000, 8);
        kept.put("ada", 0, 1);
        assert_eq!(kept.get_ahead("ada", 14_999), Some((1, false)), "young");
        assert_eq!(
            kept.get_ahead("ada", 15_000),
            Some((1, true)),
            "this one reads"
        );
        assert_eq!(
            kept.get_ahead("ada", 20_000),
            Some((1, false)),
            "the others are answered and do not read"
        );
        assert_eq!(kept.get_ahead("ada", 30_000), None, "expired");
        // The value read again starts a lifetime of its own.
        kept.put("ada", 20_000, 2);
        assert_eq!(kept.get_ahead("ada", 34_999), Some((2, false)));
        assert_eq!(kept.get_ahead("ada", 35_000), Some((2, true)));
        assert_eq!(kept.get_ahead("bea", 35_000), None);
    }

    #[test]
    fn a_lifetime_of_zero_keeps_nothing() {
        let kept = Kept::new(0, 8);
        kept.put("ada", 0, 1);
        assert!(kept.get("ada", 0).is_none() && kept.is_empty() && !kept.keeps());
    }

    /// A `Fresh<u32>` read that counts its reads and answers their number.
    async fn read_counting(fresh: &Fresh<u32>, reads: &AtomicU64) -> u32 {
        fresh
            .get(|| async {
                let n = reads.fetch_add(1, Ordering::SeqCst) + 1;
                Ok::<_, ()>(n as u32)
            })
            .await
            .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn a_fresh_value_is_read_again_ahead_of_its_expiry_by_one_request() {
        let fresh = Fresh::new(Duration::from_secs(2));
        let reads = AtomicU64::new(0);
        assert_eq!(read_counting(&fresh, &reads).await, 1, "first read");
        tokio::time::advance(Duration::from_millis(900)).await;
        assert_eq!(read_counting(&fresh, &reads).await, 1, "young: kept");
        tokio::time::advance(Duration::from_millis(200)).await;
        // Past half its lifetime: while one request reads it again, the others are
        // answered with the kept value instead of waiting or reading too.
        let (gate_tx, gate_rx) = tokio::sync::oneshot::channel::<()>();
        let reader = fresh.get(|| async {
            let _ = gate_rx.await;
            reads.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(2)
        });
        tokio::pin!(reader);
        assert!(
            futures::poll!(reader.as_mut()).is_pending(),
            "the reader waits on the store"
        );
        assert_eq!(
            read_counting(&fresh, &reads).await,
            1,
            "the others keep the value"
        );
        assert_eq!(reads.load(Ordering::SeqCst), 1, "and do not read");
        gate_tx.send(()).unwrap();
        assert_eq!(reader.await, Ok(2));
        assert_eq!(
            read_counting(&fresh, &reads).await,
            2,
            "the new value, kept"
        );
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn an_expired_value_is_read_once_for_everyone_waiting_and_forgetting_drops_it() {
        let fresh = Fresh::new(Duration::from_secs(1));
        let reads = AtomicU64::new(0);
        assert_eq!(read_counting(&fresh, &reads).await, 1);
        tokio::time::advance(Duration::from_secs(5)).await;
        let (a, b, c) = tokio::join!(
            read_counting(&fresh, &reads),
            read_counting(&fresh, &reads),
            read_counting(&fresh, &reads)
        );
        assert_eq!((a, b, c), (2, 2, 2), "expired: one read, shared");
        fresh.forget();
        assert_eq!(
            read_counting(&fresh, &reads).await,
            3,
            "forgotten: read again at once"
        );
        // A read under way when the value is forgotten answers its caller but is not kept.
        fresh.forget();
        let stale = fresh.get(|| async {
            fresh.forget();
            Ok::<_, ()>(99)
        });
        assert_eq!(stale.await, Ok(99));
        assert_eq!(
            read_counting(&fresh, &reads).await,
            4,
            "the forgotten read was not kept"
        );
        let failed = fresh.get(|| async { Err::<u32, _>("store down") }).await;
        assert_eq!(
            failed,
            Ok(4),
            "young: kept, the failing read not even tried"
        );
        tokio::time::advance(Duration::from_secs(2)).await;
        let failed = fresh.get(|| async { Err::<u32, _>("store down") }).await;
        assert_eq!(
            failed,
            Err("store down"),
            "expired and unreadable: the error"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_read_slower_than_the_lifetime_still_answers_everyone_who_waited_for_it() {
        let fresh = Fresh::new(Duration::from_secs(1));
        let reads = AtomicU64::new(0);
        let slow = || async {
            tokio::time::sleep(Duration::from_secs(3)).await;
            Ok::<_, ()>(reads.fetch_add(1, Ordering::SeqCst) as u32 + 1)
        };
        let (a, b, c) = tokio::join!(fresh.get(slow), fresh.get(slow), fresh.get(slow));
        assert_eq!(
            (a, b, c),
            (Ok(1), Ok(1), Ok(1)),
            "one slow read for the three"
        );
        assert_eq!(reads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn past_its_lifetime_the_reader_waits_for_its_read_and_the_others_do_not() {
        let fresh = Fresh::new(Duration::from_secs(1));
        let reads = AtomicU64::new(0);
        assert_eq!(read_counting(&fresh, &reads).await, 1);
        tokio::time::advance(Duration::from_secs(2)).await;
        // The first request past the lifetime reads and is answered with what it read.
        let (gate_tx, gate_rx) = tokio::sync::oneshot::channel::<()>();
        let reader = fresh.get(|| async {
            let _ = gate_rx.await;
            Ok::<_, ()>(reads.fetch_add(1, Ordering::SeqCst) as u32 + 1)
        });
        tokio::pin!(reader);
        assert!(futures::poll!(reader.as_mut()).is_pending());
        // While its read is under way the others get the old value at once, until it is
        // STALE_LIFETIMES lifetimes old; then they wait for the read.
        assert_eq!(read_counting(&fresh, &reads).await, 1, "stale, not waiting");
        tokio::time::advance(Duration::from_secs(3)).await;
        let waiter = read_counting(&fresh, &reads);
        tokio::pin!(waiter);
        assert!(
            futures::poll!(waiter.as_mut()).is_pending(),
            "past the stale limit: waits"
        );
        gate_tx.send(()).unwrap();
        assert_eq!(reader.await, Ok(2), "the reader's own read");
        assert_eq!(waiter.await, 2, "the waiter shares it");
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        // A read ahead of expiry that fails leaves the request the value still in its
        // lifetime (the one above was stamped when its read began, 3 s ago).
        fresh.forget();
        assert_eq!(read_counting(&fresh, &reads).await, 3);
        tokio::time::advance(Duration::from_millis(700)).await;
        let failed = fresh.get(|| async { Err::<u32, _>("store down") }).await;
        assert_eq!(failed, Ok(3));
    }
}
