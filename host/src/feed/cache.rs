//! Each viewer's ranked feed, kept for a short while (docs/feed.md, "Freshness").
//!
//! Ranking a feed reads the viewer's audience and walks up to [`super::WINDOW`] recent
//! items: milliseconds of database work, where a page read from here costs one indexed
//! look-up of its twenty items. So the ranked order is kept per viewer for
//! `--feed-cache-seconds`, and what a reader must see at once is never taken from here:
//! the page's text, engagement counts, the viewer's reactions and whether an item was
//! hidden or deleted are read fresh for every page (`Db::complete_feed_items`).
//!
//! Writes that change what belongs in feeds forget the entries they touch on this
//! replica: a post or a share forgets its author's readers, a follow or unfollow the
//! follower, a change of who sees one's activity that person's readers. Other replicas, and
//! activity written by the learning loop (completions, badges, streaks), reach a cached
//! feed when its entry expires.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use super::Ranked;

/// The ranked items kept per viewer: the first five pages of twenty. A page past them is
/// ranked afresh (and not kept).
pub const KEEP: usize = 100;
/// Viewers kept at once: about 40 KiB each, so some 80 MiB at most.
pub const CAPACITY: usize = 2048;

/// A viewer's ranked feed as it was at `at`.
#[derive(Clone)]
pub struct Snapshot {
    /// The first [`KEEP`] items, best first.
    pub ranked: Arc<Vec<Ranked>>,
    /// How many items the whole ranking had (the pagination's `total_items`).
    pub total: usize,
}

struct Entry {
    at: i64,
    snapshot: Snapshot,
}

/// Ranked feeds by viewer, each for `ttl_ms`; off when `ttl_ms` is 0.
pub struct FeedCache {
    ttl_ms: i64,
    entries: Mutex<HashMap<String, Entry>>,
}

impl FeedCache {
    /// A cache keeping each feed `ttl_ms` milliseconds (0: none kept).
    pub fn new(ttl_ms: i64) -> Self {
        Self {
            ttl_ms,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock leaves a map that is still whole.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `viewer`'s feed when it was ranked less than the lifetime before `now` (ms).
    pub fn get(&self, viewer: &str, now: i64) -> Option<Snapshot> {
        if self.ttl_ms == 0 {
            return None;
        }
        let entries = self.entries();
        let entry = entries.get(viewer)?;
        (now - entry.at < self.ttl_ms && now >= entry.at).then(|| entry.snapshot.clone())
    }

    /// Keeps `viewer`'s feed as ranked at `now` (its first [`KEEP`] items), making room by
    /// dropping expired entries, then the oldest, when [`CAPACITY`] viewers are kept.
    pub fn put(&self, viewer: &str, now: i64, mut ranked: Vec<Ranked>) -> Snapshot {
        let total = ranked.len();
        ranked.truncate(KEEP);
        let snapshot = Snapshot {
            ranked: Arc::new(ranked),
            total,
        };
        if self.ttl_ms == 0 {
            return snapshot;
        }
        let mut entries = self.entries();
        if entries.len() >= CAPACITY && !entries.contains_key(viewer) {
            entries.retain(|_, e| now - e.at < self.ttl_ms);
            if entries.len() >= CAPACITY
                && let Some(oldest) = entries
                    .iter()
                    .min_by_key(|(_, e)| e.at)
                    .map(|(k, _)| k.clone())
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(
            viewer.to_owned(),
            Entry {
                at: now,
                snapshot: snapshot.clone(),
            },
        );
        snapshot
    }

    /// Forgets the feeds of `viewers`: what they may see has changed.
    pub fn forget<'a>(&self, viewers: impl IntoIterator<Item = &'a str>) {
        if self.ttl_ms == 0 {
            return;
        }
        let viewers: HashSet<&str> = viewers.into_iter().collect();
        let mut entries = self.entries();
        if viewers.len() < entries.len() {
            for v in viewers {
                entries.remove(v);
            }
        } else {
            entries.retain(|k, _| !viewers.contains(k.as_str()));
        }
    }

    /// Whether feeds are kept at all (a lifetime over 0).
    pub fn keeps_feeds(&self) -> bool {
        self.ttl_ms > 0
    }

    /// How many feeds are kept.
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// Whether no feed is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::{Viewer, rank};
    use crate::store::feed::{Candidate, FeedItemRow};

    fn ranked(n: usize) -> Vec<Ranked> {
        (0..n)
            .map(|i| {
                let item = FeedItemRow::new("bea", "post", format!("{i}"), String::new(), 0);
                let candidate = Candidate::bare(item, String::new());
                let factors = rank::factors(&Viewer::default(), &candidate, 0);
                Ranked {
                    score: factors.score(),
                    factors,
                    candidate,
                }
            })
            .collect()
    }

    #[test]
    fn a_feed_is_kept_for_its_lifetime_and_only_its_first_pages() {
        let cache = FeedCache::new(30_000);
        let kept = cache.put("ada", 1_000, ranked(300));
        assert_eq!((kept.ranked.len(), kept.total), (KEEP, 300));
        assert!(cache.get("ada", 30_999).is_some());
        assert!(cache.get("ada", 31_000).is_none(), "expired");
        assert!(cache.get("bea", 1_000).is_none());
        // A clock that went back does not serve a feed from the future.
        assert!(cache.get("ada", 999).is_none());
    }

    #[test]
    fn forgetting_drops_only_the_viewers_named() {
        let cache = FeedCache::new(30_000);
        for v in ["ada", "bea", "cal"] {
            cache.put(v, 0, ranked(3));
        }
        cache.forget(["bea", "nobody"]);
        assert!(cache.get("bea", 1).is_none());
        assert!(cache.get("ada", 1).is_some() && cache.get("cal", 1).is_some());
        let many: Vec<String> = (0..10)
            .map(|i| format!("p{i}"))
            .chain(["ada".into()])
            .collect();
        cache.forget(many.iter().map(String::as_str));
        assert!(cache.get("ada", 1).is_none() && cache.get("cal", 1).is_some());
    }

    #[test]
    fn a_full_cache_drops_expired_feeds_then_the_oldest() {
        let cache = FeedCache::new(30_000);
        for i in 0..CAPACITY {
            cache.put(&format!("v{i}"), i as i64, Vec::new());
        }
        cache.put("late", CAPACITY as i64, Vec::new());
        assert_eq!(cache.len(), CAPACITY);
        assert!(
            cache.get("v0", CAPACITY as i64).is_none(),
            "the oldest made room"
        );
        assert!(cache.get("late", CAPACITY as i64).is_some());
        // Once the others expire, one new feed sweeps them all out.
        cache.put("later", 40_000, Vec::new());
        assert!(cache.len() < 10, "{}", cache.len());
    }

    #[test]
    fn a_lifetime_of_zero_keeps_nothing() {
        let cache = FeedCache::new(0);
        let kept = cache.put("ada", 0, ranked(2));
        assert_eq!(kept.total, 2);
        assert!(cache.get("ada", 0).is_none() && cache.is_empty());
    }
}
