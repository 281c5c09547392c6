//! What an answer's milestones are worth beyond its step: the XP each achievement awards
//! (the lesson engine names achievements, the host prices them, so an operator's engine
//! needs no XP table), and the feed items a milestone makes: a course finished, a badge, a
//! certificate, a streak milestone (docs/feed.md). The feed shows a learner's activity
//! only while they share it; the items are written either way, so turning sharing on shows
//! what they did before.

use super::catalog::{Catalog, Lesson};
use super::views::{AchievementView, CertificateView};
use super::{Learning, LearningError};
use crate::plugins::contract::lesson_engine::LearnerState;
use crate::store::feed::FeedItemRow;

/// Streak lengths (days) that make a feed item.
pub const STREAK_MILESTONES: [i64; 5] = [7, 30, 100, 200, 365];

/// XP an achievement awards on top of the step's (by its id without the `:<topic>` of a
/// per-topic one). Seed 002's example awards 500 for "Consistent Learner"; an achievement
/// this table does not know (a third-party engine's) awards 50.
pub fn achievement_xp(id: &str) -> i64 {
    let base = id.split_once(':').map_or(id, |(base, _)| base);
    match base {
        "first-lesson" | "first-code-exercise" => 50,
        "first-perfect-quiz" | "xp-100" => 25,
        "xp-1000" => 100,
        "topic-mastered" => 200,
        "consistent-learner" => 500,
        _ => 50,
    }
}

/// An emoji for an achievement's badge (by its id without the topic).
pub fn badge_icon(id: &str) -> &'static str {
    match id {
        "first-lesson" => "🎓",
        "first-perfect-quiz" => "💯",
        "first-code-exercise" => "💻",
        "consistent-learner" => "🔥",
        "xp-100" | "xp-1000" => "⭐",
        "topic-mastered" => "🏆",
        _ => "🏅",
    }
}

/// The course `lesson` belongs to, when `state` (after the answer) holds every one of
/// its lessons as completed.
pub fn course_finished(catalog: &Catalog, state: &LearnerState, lesson: &Lesson) -> Option<String> {
    let course_id = &lesson.course.id;
    catalog
        .course_lessons(course_id)
        .all(|l| state.completed.contains(&l.row.id))
        .then(|| course_id.clone())
}

/// What happened in one answer that the feed tells.
pub struct Milestones<'a> {
    /// The learner.
    pub user_id: &'a str,
    /// The course finished.
    pub course: Option<&'a str>,
    /// Achievements earned.
    pub achievements: &'a [AchievementView],
    /// A certificate earned.
    pub certificate: Option<&'a CertificateView>,
    /// The streak before and after.
    pub streak: (i64, i64),
    /// When, ms.
    pub at: i64,
}

impl Learning {
    /// The feed items of `m`.
    pub(super) async fn milestone_items(
        &self,
        m: &Milestones<'_>,
    ) -> Result<Vec<FeedItemRow>, LearningError> {
        let mut items = Vec::new();
        let item = |kind: &str, title: String, body: String| {
            FeedItemRow::new(m.user_id, kind, title, body, m.at)
        };
        if let Some(course_id) = m.course
            && let Some(listing) = self.db.course_listing(course_id).await?
        {
            let mut i = item(
                "course_completion",
                format!("Just completed '{}'!", listing.title),
                listing
                    .short_description
                    .clone()
                    .unwrap_or_else(|| listing.description.clone()),
            );
            i.course_id = Some(course_id.to_owned());
            i.badge = m.achievements.first().map(|a| a.title.clone());
            i.tags = listing.tags;
            i.difficulty = Some(listing.difficulty);
            items.push(i);
        }
        for a in m.achievements {
            let mut i = item(
                "badge",
                format!("Earned '{}'", a.title),
                a.description.clone(),
            );
            i.badge = Some(a.title.clone());
            items.push(i);
        }
        if let Some(c) = m.certificate {
            items.push(item(
                "certificate",
                format!("Earned the {} certificate", c.track_title),
                format!("Finished every course of the {} track.", c.track_title),
            ));
        }
        let (before, after) = m.streak;
        if after > before && STREAK_MILESTONES.contains(&after) {
            items.push(item(
                "streak_milestone",
                format!("{after}-day streak!"),
                format!("Studied {after} days in a row."),
            ));
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_topic_achievements_are_priced_by_their_base_id() {
        assert_eq!(achievement_xp("topic-mastered:python.loops"), 200);
        assert_eq!(achievement_xp("consistent-learner"), 500);
        assert_eq!(achievement_xp("someone-elses-badge"), 50);
    }
}
