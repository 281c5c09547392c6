//! The personalised social feed (seed 002 §3.5; docs/feed.md): what a learner's follows and
//! classmates did and wrote, ranked for them. The store keeps the items, reactions,
//! comments, reports and the follow graph (`crate::store::feed`); [`rank`] says how an item
//! scores; `crate::api::feed` serves it, screens what users write and runs the moderation
//! queue.

pub mod cache;
pub mod rank;

use std::collections::HashMap;

use crate::store::feed::Candidate;
use crate::store::{Db, StoreError};
pub use cache::FeedCache;
pub use rank::{Factors, Viewer};

/// The newest items a feed ranks: older ones fall out of it (a feed is about now).
pub const WINDOW: i64 = 500;
/// How far back a feed looks, days.
pub const DAYS: i64 = 30;

/// A candidate with its factors and score.
#[derive(Debug, Clone)]
pub struct Ranked {
    /// The item and how the viewer knows its author.
    pub candidate: Candidate,
    /// Its factors.
    pub factors: Factors,
    /// The weighted score, 0-1.
    pub score: f64,
}

/// What the ranking knows of `user_id`: the tags of their enrolled courses and their most
/// common difficulty.
pub async fn viewer(db: &Db, user_id: &str) -> Result<Viewer, StoreError> {
    let mut viewer = Viewer {
        user_id: user_id.to_owned(),
        ..Viewer::default()
    };
    let mut levels: HashMap<String, usize> = HashMap::new();
    for (tags, level) in db.enrolled_tags(user_id).await? {
        viewer.interests.extend(tags);
        *levels.entry(level).or_default() += 1;
    }
    viewer.level = levels
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        .map(|(level, _)| level);
    Ok(viewer)
}

/// `viewer`'s feed at `now` (ms): the [`WINDOW`] newest items of the last [`DAYS`] days they
/// may see, best first (ties: newer first).
pub async fn ranked(db: &Db, viewer: &Viewer, now: i64) -> Result<Vec<Ranked>, StoreError> {
    let since = now - DAYS * 86_400_000;
    let mut out: Vec<Ranked> = db
        .feed_candidates(&viewer.user_id, since, WINDOW)
        .await?
        .into_iter()
        .map(|candidate| {
            let factors = rank::factors(viewer, &candidate, now);
            Ranked {
                score: factors.score(),
                factors,
                candidate,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| {
                b.candidate
                    .item
                    .created_at
                    .cmp(&a.candidate.item.created_at)
            })
            .then_with(|| a.candidate.item.id.cmp(&b.candidate.item.id))
    });
    Ok(out)
}

/// Items `offset..offset + limit` of `user_id`'s ranked feed at `now` (ms), and how many
/// the whole ranking has: from `cache` while it keeps a fresh ranking that reaches that
/// far, else ranked now (and kept).
pub async fn page(
    db: &Db,
    cache: &FeedCache,
    user_id: &str,
    now: i64,
    offset: usize,
    limit: usize,
) -> Result<(Vec<Ranked>, usize), StoreError> {
    let slice = |ranked: &[Ranked]| -> Vec<Ranked> {
        ranked.iter().skip(offset).take(limit).cloned().collect()
    };
    if let Some(kept) = cache.get(user_id, now)
        && (offset.saturating_add(limit) <= kept.ranked.len() || kept.total == kept.ranked.len())
    {
        return Ok((slice(&kept.ranked), kept.total));
    }
    let viewer = viewer(db, user_id).await?;
    let all = ranked(db, &viewer, now).await?;
    let page = slice(&all);
    let total = all.len();
    cache.put(user_id, now, all);
    Ok((page, total))
}
