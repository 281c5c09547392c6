//! Each learner's data as the lesson engine reads it ([`LearnerData`]), kept per replica:
//! a daily lesson is read far more often than a learner writes anything, and reading it was
//! most of a lesson start's database work (seed 000 §6 asks starts at 10 000 concurrent
//! learners).
//!
//! Every write to a learner's data through [`Db`] (an answer's outcome, a tone or profile
//! change, an enrolment, the account's deletion) forgets the entry here once committed, so
//! the learner reads their own writes on this replica. Replicas sharing Redis also share a
//! **mark** per learner: each such write puts a new random mark, a read compares the mark
//! it finds with the one its entry was read under, and a mismatch reads the database again.
//! So a learner who answers on one replica and asks for the next step on another sees the
//! answer (one Redis read per lesson start instead of the database's query). Without Redis
//! the server is one node (docs/learning.md, "What a replica keeps"); writes by other processes on the same
//! database (the CLI) reach an entry when it expires, after `--learner-cache-seconds`.
//!
//! The draft courses (listings not published, which no daily lesson draws from) are the
//! same for everyone: kept for [`DRAFTS_TTL`] (read again ahead of that by one request,
//! [`Fresh`]) and forgotten by a listing's change here.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use super::learning::LearnerData;
use super::{Db, StoreError, now_ms};
use crate::kept::{Fresh, Kept};
use crate::kv::Kv;

/// Learners' data kept at most (a full map drops the expired, then the oldest).
pub const LEARNERS_KEPT: usize = 50_000;

/// How long the draft courses are kept: a listing published through another replica
/// reaches daily lessons here within this.
pub const DRAFTS_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// Write counters, one per shard of learners: a read that overlapped a write to its shard
/// does not keep what it read (it may predate the write).
const SHARDS: usize = 64;

/// What a replica keeps of learners' data; off (nothing kept) until [`Db::keep_learners`].
pub(crate) struct LearnerCache {
    keeping: OnceLock<Keeping>,
    writes: [AtomicU64; SHARDS],
    drafts: Fresh<Arc<Vec<String>>>,
}

struct Keeping {
    entries: Kept<Entry>,
    /// Shared marks (Redis), when replicas share a store.
    marks: Option<Arc<dyn Kv>>,
    /// How long a mark lives in the shared store: longer than an entry, so a mark an entry
    /// was read under cannot expire and come back equal while the entry lives.
    mark_ttl: std::time::Duration,
}

#[derive(Clone)]
struct Entry {
    /// The shared mark when it was read (`None`: no mark, or no shared store).
    mark: Option<Vec<u8>>,
    data: Arc<LearnerData>,
}

impl Default for LearnerCache {
    fn default() -> Self {
        Self {
            keeping: OnceLock::new(),
            writes: std::array::from_fn(|_| AtomicU64::new(0)),
            drafts: Fresh::new(DRAFTS_TTL),
        }
    }
}

fn shard(user_id: &str) -> usize {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(user_id);
    (hash % SHARDS as u64) as usize
}

fn mark_key(user_id: &str) -> String {
    format!("learner-mark:{user_id}")
}

impl Db {
    /// Keeps each learner's data for `ttl_ms` (0: nothing kept), coherent across replicas
    /// through `shared` (Redis) when they share one. Once per process; later calls change
    /// nothing.
    pub fn keep_learners(&self, ttl_ms: i64, shared: Option<Arc<dyn Kv>>) {
        let ttl = std::time::Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(0));
        let _ = self.learners.keeping.set(Keeping {
            entries: Kept::new(ttl_ms, LEARNERS_KEPT),
            marks: shared,
            mark_ttl: (ttl * 4).max(std::time::Duration::from_secs(60)),
        });
    }

    /// Everything the lesson engine needs about the learner; `None` for an unknown user.
    /// From what this replica keeps when its mark still holds, else from the database.
    /// Kept data past half its lifetime is read again in the background by the first
    /// request to find it so ([`Kept::get_ahead`]): a learner asking steadily never waits
    /// for the database.
    pub async fn learner_data(
        &self,
        user_id: &str,
    ) -> Result<Option<Arc<LearnerData>>, StoreError> {
        let Some(keeping) = self.learners.keeping.get().filter(|k| k.entries.keeps()) else {
            return Ok(self.read_learner_data(user_id).await?.map(Arc::new));
        };
        let before = self.learners.writes[shard(user_id)].load(Ordering::SeqCst);
        // The mark first, the data after: a write that commits between the two leaves a
        // new mark, so what is kept below is never taken for newer than it is.
        let Ok(mark) = self.learner_mark(keeping, user_id).await else {
            // Without the mark another replica's write cannot be ruled out.
            return Ok(self.read_learner_data(user_id).await?.map(Arc::new));
        };
        if let Some((entry, read_ahead)) = keeping.entries.get_ahead(user_id, now_ms())
            && entry.mark == mark
        {
            if read_ahead {
                let (db, user_id) = (self.clone(), user_id.to_owned());
                self.read_ahead("learner data", async move {
                    db.read_learner_data_ahead(&user_id).await
                });
            }
            return Ok(Some(entry.data));
        }
        let user_id = user_id.to_owned();
        self.read_aside(|db| async move { db.read_and_keep_learner(&user_id, before, mark).await })
            .await
    }

    /// The learner's shared mark (`None`: none yet, or no shared store).
    async fn learner_mark(
        &self,
        keeping: &Keeping,
        user_id: &str,
    ) -> Result<Option<Vec<u8>>, crate::kv::KvError> {
        match &keeping.marks {
            None => Ok(None),
            Some(kv) => kv.get(&mark_key(user_id)).await.inspect_err(|e| {
                tracing::debug!(error = %e, "learner mark unreadable; reading the database");
            }),
        }
    }

    /// Reads the learner's data and keeps it under `mark` unless a write to its shard
    /// landed since `before` (the read may predate it).
    async fn read_and_keep_learner(
        &self,
        user_id: &str,
        before: u64,
        mark: Option<Vec<u8>>,
    ) -> Result<Option<Arc<LearnerData>>, StoreError> {
        // Stamped before the read: what it says is at least that recent.
        let at = now_ms();
        let Some(data) = self.read_learner_data(user_id).await?.map(Arc::new) else {
            return Ok(None);
        };
        if let Some(keeping) = self.learners.keeping.get()
            && self.learners.writes[shard(user_id)].load(Ordering::SeqCst) == before
        {
            keeping.entries.put(
                user_id,
                at,
                Entry {
                    mark,
                    data: data.clone(),
                },
            );
        }
        Ok(Some(data))
    }

    /// The background read of [`Db::learner_data`]'s read-ahead.
    async fn read_learner_data_ahead(&self, user_id: &str) -> Result<(), StoreError> {
        let Some(keeping) = self.learners.keeping.get() else {
            return Ok(());
        };
        let before = self.learners.writes[shard(user_id)].load(Ordering::SeqCst);
        // An unreadable mark leaves the kept data to expire; the request after reads it.
        let Ok(mark) = self.learner_mark(keeping, user_id).await else {
            return Ok(());
        };
        self.read_and_keep_learner(user_id, before, mark)
            .await
            .map(drop)
    }

    /// After a committed write to `user_id`'s learning data: this replica forgets what it
    /// keeps of them, and replicas sharing Redis find a new mark. A mark that cannot be
    /// written is logged; other replicas then see the write when their entry expires.
    pub(super) async fn learner_changed(&self, user_id: &str) {
        self.learners.writes[shard(user_id)].fetch_add(1, Ordering::SeqCst);
        let Some(keeping) = self.learners.keeping.get() else {
            return;
        };
        keeping.entries.forget([user_id]);
        if let Some(kv) = &keeping.marks {
            let mark = uuid::Uuid::new_v4();
            if let Err(e) = kv
                .put(&mark_key(user_id), mark.as_bytes(), keeping.mark_ttl)
                .await
            {
                tracing::warn!(error = %e, "cannot mark a learner's data as changed for other replicas");
            }
        }
    }

    /// After a listing changed through this replica: the draft courses and (a deleted
    /// listing ends its enrolments) every learner's kept data are forgotten here.
    pub(super) fn listings_changed(&self) {
        self.learners.drafts.forget();
        for writes in &self.learners.writes {
            writes.fetch_add(1, Ordering::SeqCst);
        }
        if let Some(keeping) = self.learners.keeping.get() {
            keeping.entries.clear();
        }
    }

    /// Courses listed as drafts (not published): no daily lesson draws from them.
    pub async fn draft_courses(&self) -> Result<Arc<Vec<String>>, StoreError> {
        self.learners
            .drafts
            .get(|| {
                self.read_aside(|db| async move {
                    let drafts: Vec<String> = sqlx::query_scalar(
                        "SELECT course_id FROM course_listings WHERE is_published = 0",
                    )
                    .fetch_all(db.pool())
                    .await?;
                    Ok(Arc::new(drafts))
                })
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use crate::learning::Tone;
    use crate::store::testing;

    #[tokio::test]
    async fn kept_data_is_forgotten_by_the_learners_own_writes_and_read_again() {
        let (db, _dir) = testing::sqlite().await;
        db.keep_learners(60_000, None);
        let ada = testing::user(&db, "ada@example.com", Role::Student).await;
        let first = db.learner_data(&ada).await.unwrap().unwrap();
        let again = db.learner_data(&ada).await.unwrap().unwrap();
        assert!(
            Arc::ptr_eq(&first, &again),
            "the second read is the kept one"
        );

        // A write behind the cache's back (another process) is not seen while kept...
        sqlx::query("UPDATE users SET streak = 9 WHERE id = $1")
            .bind(&ada)
            .execute(db.pool())
            .await
            .unwrap();
        assert_eq!(
            db.learner_data(&ada).await.unwrap().unwrap().learner.streak,
            0
        );
        // ...a write through the store is, at once.
        db.set_tone(&ada, Tone::Formal).await.unwrap();
        let after = db.learner_data(&ada).await.unwrap().unwrap();
        assert_eq!(
            (after.learner.tone, after.learner.streak),
            (Tone::Formal, 9)
        );
        db.delete_user(&ada).await.unwrap();
        assert!(db.learner_data(&ada).await.unwrap().is_none(), "deleted");
    }

    #[tokio::test]
    async fn kept_data_past_half_its_lifetime_is_read_again_in_the_background() {
        let (db, _dir) = testing::sqlite().await;
        let ttl = std::time::Duration::from_secs(4);
        db.keep_learners(ttl.as_millis() as i64, None);
        let ada = testing::user(&db, "ada@example.com", Role::Student).await;
        let first = db.learner_data(&ada).await.unwrap().unwrap();
        let kept_at = std::time::Instant::now();
        // A write behind the cache's back (another process), then past half the lifetime.
        sqlx::query("UPDATE users SET streak = 9 WHERE id = $1")
            .bind(&ada)
            .execute(db.pool())
            .await
            .unwrap();
        tokio::time::sleep(ttl / 2 + std::time::Duration::from_millis(50)).await;
        let due = db.learner_data(&ada).await.unwrap().unwrap();
        assert!(
            Arc::ptr_eq(&first, &due),
            "the request that finds it due is answered from what is kept"
        );
        // The read it started lands well before the kept copy would have expired.
        let mut seen = 0;
        while kept_at.elapsed() < ttl - std::time::Duration::from_millis(500) {
            seen = db.learner_data(&ada).await.unwrap().unwrap().learner.streak;
            if seen == 9 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(seen, 9, "read again before it expired");
    }

    #[tokio::test]
    async fn nothing_is_kept_unless_asked() {
        let (db, _dir) = testing::sqlite().await;
        let ada = testing::user(&db, "ada@example.com", Role::Student).await;
        let first = db.learner_data(&ada).await.unwrap().unwrap();
        let again = db.learner_data(&ada).await.unwrap().unwrap();
        assert!(!Arc::ptr_eq(&first, &again));
    }

    #[tokio::test]
    async fn a_shared_mark_written_by_another_replica_makes_this_one_read_again() {
        let (db, dir) = testing::sqlite().await;
        let kv: Arc<dyn Kv> = Arc::new(crate::kv::memory::MemoryKv::default());
        db.keep_learners(60_000, Some(kv.clone()));
        let ada = testing::user(&db, "ada@example.com", Role::Student).await;
        let first = db.learner_data(&ada).await.unwrap().unwrap();
        assert!(Arc::ptr_eq(
            &first,
            &db.learner_data(&ada).await.unwrap().unwrap()
        ));
        // Another replica (its own cache, the same database and shared store) writes.
        let other = testing::replica(&dir).await;
        other.keep_learners(60_000, Some(kv));
        other.set_tone(&ada, Tone::Concise).await.unwrap();
        assert_eq!(
            db.learner_data(&ada).await.unwrap().unwrap().learner.tone,
            Tone::Concise
        );
    }
}
