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

use std::sync::Arc;

use super::Ranked;
use crate::kept::Kept;

/// The ranked items kept per viewer: the first five pages of twenty. A page past them is
/// ranked afresh (and not kept).
pub const KEEP: usize = 100;
/// Viewers kept at once: about 40 KiB each, so some 80 MiB at most.
pub const CAPACITY: usize = 2048;

/// A viewer's ranked feed as it was when ranked.
#[derive(Clone)]
pub struct Snapshot {
    /// The first [`KEEP`] items, best first.
    pub ranked: Arc<Vec<Ranked>>,
    /// How many items the whole ranking had (the pagination's `total_items`).
    pub total: usize,
}

/// Ranked feeds by viewer, each for `ttl_ms`; off when `ttl_ms` is 0.
pub struct FeedCache {
    kept: Kept<Snapshot>,
}

impl FeedCache {
    /// A cache keeping each feed `ttl_ms` milliseconds (0: none kept).
    pub fn new(ttl_ms: i64) -> Self {
        Self {
            kept: Kept::new(ttl_ms, CAPACITY),
        }
    }

    /// `viewer`'s feed when it was ranked less than the lifetime before `now` (ms).
    pub fn get(&self, viewer: &str, now: i64) -> Option<Snapshot> {
        self.kept.get(viewer, now)
    }

    /// Keeps `viewer`'s feed as ranked at `now` (its first [`KEEP`] items).
    pub fn put(&self, viewer: &str, now: i64, mut ranked: Vec<Ranked>) -> Snapshot {
        let total = ranked.len();
        ranked.truncate(KEEP);
        let snapshot = Snapshot {
            ranked: Arc::new(ranked),
            total,
        };
        self.kept.put(viewer, now, snapshot.clone());
        snapshot
    }

    /// Forgets the feeds of `viewers`: what they may see has changed.
    pub fn forget<'a>(&self, viewers: impl IntoIterator<Item = &'a str>) {
        self.kept.forget(viewers);
    }

    /// Whether feeds are kept at all (a lifetime over 0).
    pub fn keeps_feeds(&self) -> bool {
        self.kept.keeps()
    }

    /// How many feeds are kept.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// Whether no feed is kept.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
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
    fn a_lifetime_of_zero_keeps_nothing() {
        let cache = FeedCache::new(0);
        let kept = cache.put("ada", 0, ranked(2));
        assert_eq!(kept.total, 2);
        assert!(cache.get("ada", 0).is_none() && cache.is_empty());
    }
}
