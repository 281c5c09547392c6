//! How the personalised feed ranks what a learner may see (docs/feed.md, "Ranking"): five
//! factors, each 0-1, weighted into `relevance_score`:
//!
//! | factor | weight | reads |
//! |---|---|---|
//! | interest match | 0.25 | the item's tags (its course's, a post's `#hashtags`) shared with the tags of the courses the viewer enrolled in, over the item's tags |
//! | skill level | 0.10 | the item's course difficulty against the viewer's (their enrolled courses' most common): 1 the same, 0.5 one apart or unknown, 0 two apart |
//! | social ties | 0.25 | 1 mutual follow, 0.8 followed, 0.6 a classmate or teacher, 0.2 the viewer's own |
//! | recency | 0.30 | `exp(-age / 48 h)` |
//! | trending | 0.10 | `1 - exp(-(likes + 2·comments + 3·shares + bookmarks) / 20)` |
//!
//! Sentence embeddings are not a factor: comparing every candidate's text with the viewer's
//! interests on each request costs more than the feed's latency budget on the embedded
//! model, and tags carry the course topics the embeddings would find.

use std::collections::HashSet;

use crate::store::feed::Candidate;

/// The factor weights, in the order of [`Factors`]' fields.
pub const WEIGHTS: [f64; 5] = [0.25, 0.10, 0.25, 0.30, 0.10];
/// Recency's time constant, hours.
const RECENCY_HOURS: f64 = 48.0;
/// Trending's engagement scale.
const TRENDING_SCALE: f64 = 20.0;

/// What the ranking knows of the viewer.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    /// The viewer.
    pub user_id: String,
    /// Lower-cased tags of the courses they enrolled in.
    pub interests: HashSet<String>,
    /// Their level: `beginner`, `intermediate` or `advanced`, if any course says.
    pub level: Option<String>,
}

/// One item's factors, each 0-1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Factors {
    /// Interest match.
    pub interest: f64,
    /// Skill level fit.
    pub skill: f64,
    /// Social ties.
    pub social: f64,
    /// Recency.
    pub recency: f64,
    /// Trending.
    pub trending: f64,
}

impl Factors {
    /// The weighted sum, 0-1.
    pub fn score(&self) -> f64 {
        let f = [
            self.interest,
            self.skill,
            self.social,
            self.recency,
            self.trending,
        ];
        f.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum()
    }
}

fn level_rank(level: &str) -> Option<i32> {
    match level {
        "beginner" => Some(0),
        "intermediate" => Some(1),
        "advanced" => Some(2),
        _ => None,
    }
}

/// The factors of `c` for `viewer` at `now` (ms).
pub fn factors(viewer: &Viewer, c: &Candidate, now: i64) -> Factors {
    let item = &c.item;
    let interest = if item.tags.is_empty() {
        0.0
    } else {
        let shared = item
            .tags
            .iter()
            .filter(|t| viewer.interests.contains(&t.to_lowercase()))
            .count();
        shared as f64 / item.tags.len() as f64
    };
    let skill = match (
        item.difficulty.as_deref().and_then(level_rank),
        viewer.level.as_deref().and_then(level_rank),
    ) {
        (Some(a), Some(b)) if a == b => 1.0,
        (Some(a), Some(b)) if (a - b).abs() == 2 => 0.0,
        _ => 0.5,
    };
    let social = if item.author_id == viewer.user_id {
        0.2
    } else if c.followed && c.follows_back {
        1.0
    } else if c.followed {
        0.8
    } else if c.classmate {
        0.6
    } else {
        0.0
    };
    let age_hours = (now - item.created_at).max(0) as f64 / 3_600_000.0;
    let engagement = (item.likes + 2 * item.comments + 3 * item.shares + item.bookmarks).max(0);
    Factors {
        interest,
        skill,
        social,
        recency: (-age_hours / RECENCY_HOURS).exp(),
        trending: 1.0 - (-(engagement as f64) / TRENDING_SCALE).exp(),
    }
}

/// The seed's `personalization_factors` of a page: the factors that lifted at least one of
/// its items (interest or trending above 0.3, a skill match, a social tie).
pub fn applied(page: &[Factors]) -> Vec<&'static str> {
    let mut out = Vec::new();
    if page.iter().any(|f| f.interest > 0.3) {
        out.push("interests_match");
    }
    if page.iter().any(|f| f.skill >= 1.0) {
        out.push("skill_level_appropriate");
    }
    if page.iter().any(|f| f.social >= 0.6) {
        out.push("social_connections");
    }
    if page.iter().any(|f| f.trending > 0.3) {
        out.push("trending_content");
    }
    if !page.is_empty() {
        out.push("recency");
    }
    out
}

/// The `#hashtags` of a post, lower-cased, each once, at most 10.
pub fn hashtags(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        let Some(tag) = word.strip_prefix('#') else {
            continue;
        };
        let tag: String = tag
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
            .collect::<String>()
            .to_lowercase();
        if !tag.is_empty() && tag.len() <= 50 && !tags.contains(&tag) {
            tags.push(tag);
        }
        if tags.len() == 10 {
            break;
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::feed::FeedItemRow;

    fn candidate(author: &str, tags: &[&str], at: i64) -> Candidate {
        let mut item = FeedItemRow::new(author, "post", "t".into(), "b".into(), at);
        item.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        Candidate {
            item,
            author_name: "A".into(),
            author_avatar: None,
            followed: true,
            follows_back: false,
            classmate: false,
            liked: false,
            bookmarked: false,
        }
    }

    fn viewer() -> Viewer {
        Viewer {
            user_id: "me".into(),
            interests: ["python".to_owned()].into_iter().collect(),
            level: Some("beginner".into()),
        }
    }

    #[test]
    fn an_item_on_the_viewers_topics_outranks_one_off_them() {
        let now = 10 * 3_600_000;
        let on = factors(&viewer(), &candidate("a", &["Python"], now), now);
        let off = factors(&viewer(), &candidate("a", &["cooking"], now), now);
        assert_eq!(on.interest, 1.0);
        assert_eq!(off.interest, 0.0);
        assert!(on.score() > off.score());
        assert_eq!(applied(&[on, off])[0], "interests_match");
    }

    #[test]
    fn newer_and_busier_items_rank_higher_and_mutual_ties_count_most() {
        let now = 100 * 3_600_000;
        let fresh = factors(&viewer(), &candidate("a", &[], now), now);
        let old = factors(&viewer(), &candidate("a", &[], now - 96 * 3_600_000), now);
        assert!(fresh.recency > 0.99 && old.recency < 0.14);
        let mut busy = candidate("a", &[], now);
        busy.item.likes = 20;
        busy.item.shares = 5;
        let busy = factors(&viewer(), &busy, now);
        assert!(busy.trending > 0.8 && busy.score() > fresh.score());
        let mut mutual = candidate("a", &[], now);
        mutual.follows_back = true;
        assert_eq!(factors(&viewer(), &mutual, now).social, 1.0);
        assert_eq!(
            factors(&viewer(), &candidate("me", &[], now), now).social,
            0.2
        );
    }

    #[test]
    fn every_weight_counts_and_they_add_to_one() {
        assert!((WEIGHTS.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        let all = Factors {
            interest: 1.0,
            skill: 1.0,
            social: 1.0,
            recency: 1.0,
            trending: 1.0,
        };
        assert!((all.score() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn hashtags_are_read_from_a_post() {
        assert_eq!(
            hashtags("Loving #Python and #data-science! #python again, not#this"),
            ["python", "data-science"]
        );
    }
}
