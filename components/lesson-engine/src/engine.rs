//! The five calls of the `lesson-engine` interface in plain Rust: each checks its input,
//! then combines the rule modules.

use std::collections::HashSet;

use crate::achievements::{self, Facts};
use crate::certificates::{self, CertificateReport, TrackRef};
use crate::day;
use crate::fsrs::{self, Rating};
use crate::mastery::{self, TopicMastery};
use crate::model::{
    Checked, LearnerState, ReviewState, StepKind, StepOutcome, TopicStats, check_outcome,
    check_state,
};
use crate::plan::{self, DailyPlan};
use crate::streak::{self, StreakChange};
use crate::xp;

/// How an outcome changes the learner's state.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressUpdate {
    /// New memory state (quiz and code steps only).
    pub review: Option<ReviewState>,
    /// The rating the outcome mapped to.
    pub rating: Option<Rating>,
    /// XP earned.
    pub xp_earned: u32,
    /// New streak.
    pub streak_days: u32,
    /// How the streak changed.
    pub streak_change: StreakChange,
    /// New last active date.
    pub last_active_date: String,
    /// New last freeze date.
    pub last_freeze_date: Option<String>,
    /// New evidence of the outcome's topic.
    pub topic_stats: TopicStats,
    /// New mastery of the outcome's topic.
    pub mastery: f64,
    /// Newly earned achievement ids.
    pub achievements: Vec<String>,
}

/// Whether a step kind is a review item (scheduled by FSRS).
pub fn is_reviewable(kind: StepKind) -> bool {
    matches!(kind, StepKind::Quiz | StepKind::Code)
}

/// `plan-day`.
pub fn plan_day(state: &LearnerState) -> Checked<DailyPlan> {
    let ctx = check_state(state)?;
    Ok(plan::plan_day(state, &ctx))
}

/// `mastery`.
pub fn mastery(state: &LearnerState) -> Checked<Vec<TopicMastery>> {
    let ctx = check_state(state)?;
    Ok(mastery::all(state, &ctx))
}

/// `certificate-status`.
pub fn certificate_status(state: &LearnerState, track: &TrackRef) -> Checked<CertificateReport> {
    let ctx = check_state(state)?;
    certificates::check_track(track)?;
    Ok(certificates::status(state, &ctx, track))
}

/// `record-outcome`.
pub fn record_outcome(state: &LearnerState, outcome: &StepOutcome) -> Checked<ProgressUpdate> {
    let ctx = check_state(state)?;
    check_outcome(state, outcome)?;

    let streak = streak::record_activity(
        state.streak_days,
        ctx.last_active,
        ctx.last_freeze,
        ctx.today,
    );

    let (review, rating) = if is_reviewable(outcome.kind) {
        let rating = fsrs::rate(outcome);
        let prev = state.reviews.iter().find(|r| r.item_id == outcome.item_id);
        let review = fsrs::schedule(
            prev,
            &outcome.item_id,
            &outcome.topic,
            rating,
            state.now_ms,
            ctx.today,
            state.utc_offset_minutes,
        );
        (Some(review), Some(rating))
    } else {
        (None, None)
    };

    let xp_earned = xp::earned(
        outcome.kind,
        outcome.score,
        outcome.correct,
        outcome.attempt,
        streak.days,
    );

    let stats = state
        .topic_stats
        .iter()
        .find(|t| t.topic == outcome.topic)
        .cloned()
        .unwrap_or_else(|| TopicStats::empty(&outcome.topic));
    let topic_stats = mastery::update_stats(&stats, outcome);
    let recalls: Vec<f64> = state
        .reviews
        .iter()
        .filter(|r| r.topic == outcome.topic && r.item_id != outcome.item_id)
        .chain(review.as_ref().filter(|r| r.topic == outcome.topic))
        .map(|r| plan::recall_now(r, state.now_ms))
        .collect();
    let topic = mastery::topic_mastery(&topic_stats, mastery::consistency(streak.days, &recalls));

    let mut completed: HashSet<&str> = state.completed.iter().map(String::as_str).collect();
    if outcome.lesson_completed
        && let Some(id) = &outcome.lesson_id
    {
        completed.insert(id);
    }
    let facts = Facts {
        lessons_completed: completed.len(),
        kind: outcome.kind,
        score: outcome.score,
        correct: outcome.correct,
        streak_days: streak.days,
        xp_total: state.xp.saturating_add(u64::from(xp_earned)),
        topic: &outcome.topic,
        topic_mastery: topic.mastery,
    };

    Ok(ProgressUpdate {
        review,
        rating,
        xp_earned,
        streak_days: streak.days,
        streak_change: streak.change,
        last_active_date: day::format_date(streak.last_active),
        last_freeze_date: streak.last_freeze.map(day::format_date),
        topic_stats,
        mastery: topic.mastery,
        achievements: achievements::newly_earned(&facts, &state.earned_achievements),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::day::DAY_MS;
    use crate::model::fixtures::*;

    fn learner() -> LearnerState {
        let mut s = state();
        s.available = vec![
            lesson("l1", "python.loops", 1, &[]),
            lesson("l2", "python.loops", 2, &["l1"]),
        ];
        s
    }

    #[test]
    fn a_first_quiz_answer_starts_everything() {
        let s = learner();
        let mut o = outcome(StepKind::Quiz, 1.0, true);
        o.duration_ms = 10_000;
        o.lesson_id = Some("l1".into());
        let u = record_outcome(&s, &o).expect("valid");
        assert_eq!(u.rating, Some(Rating::Easy));
        let review = u.review.expect("quiz steps are review items");
        assert_eq!(review.stability, fsrs::initial_stability(Rating::Easy));
        assert_eq!(
            (review.item_id.as_str(), review.topic.as_str()),
            ("q1", "python.loops")
        );
        assert_eq!(u.streak_days, 1);
        assert_eq!(u.streak_change, StreakChange::Started);
        assert_eq!(u.last_active_date, "2025-03-10");
        assert_eq!(u.last_freeze_date, None);
        assert_eq!(u.xp_earned, 15);
        assert_eq!(
            (u.topic_stats.quiz_attempts, u.topic_stats.quiz_score),
            (1, 1.0)
        );
        // One result of three, consistency from a 1-day streak and a fresh item (R = 1).
        let c = 0.5 / 7.0 + 0.5;
        assert!((u.mastery - (0.35 + 0.15 * c) / 0.5 / 3.0).abs() < 1e-9);
        assert_eq!(u.achievements, ["first-perfect-quiz"]);
    }

    #[test]
    fn a_repeat_review_uses_the_stored_item_and_its_topic_neighbours() {
        let now = NOON_2025_03_10;
        let mut s = learner();
        s.reviews = vec![
            review("q1", "python.loops", 3.0, now - DAY_MS, now - 4 * DAY_MS),
            review("q2", "python.loops", 3.0, now, now - 3 * DAY_MS),
            review("q3", "other", 1.0, now, now - 9 * DAY_MS),
        ];
        s.streak_days = 3;
        s.last_active_date = Some("2025-03-09".into());
        let u = record_outcome(&s, &outcome(StepKind::Quiz, 0.8, true)).expect("valid");
        assert_eq!(u.rating, Some(Rating::Good));
        let r = u.review.expect("review");
        assert_eq!(r.reps, 2);
        assert!(r.stability > 3.0);
        assert_eq!(u.streak_days, 4);
        assert_eq!(u.streak_change, StreakChange::Extended);
        // Consistency: streak 4/7, recalls of q2 (R(3,3) = 0.9) and the new q1 (1.0).
        let c = 0.5 * 4.0 / 7.0 + 0.5 * (0.9 + 1.0) / 2.0;
        assert!((u.mastery - (0.35 * 0.8 + 0.15 * c) / 0.5 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn explanations_and_projects_are_not_review_items() {
        let s = learner();
        for kind in [StepKind::Explanation, StepKind::Project] {
            let u = record_outcome(&s, &outcome(kind, 1.0, true)).expect("valid");
            assert_eq!((u.review, u.rating), (None, None));
            assert_eq!(u.streak_days, 1);
        }
    }

    #[test]
    fn completing_a_lesson_earns_first_lesson_once() {
        let mut s = learner();
        let mut o = outcome(StepKind::Explanation, 1.0, true);
        o.lesson_id = Some("l1".into());
        o.lesson_completed = true;
        let u = record_outcome(&s, &o).expect("valid");
        assert_eq!(u.achievements, ["first-lesson"]);
        s.earned_achievements = u.achievements;
        s.completed = vec!["l1".into()];
        o.lesson_id = Some("l2".into());
        assert!(
            record_outcome(&s, &o)
                .expect("valid")
                .achievements
                .is_empty()
        );
        // Completing a lesson already completed does not count twice.
        let mut fresh = learner();
        fresh.completed = vec!["l1".into()];
        o.lesson_id = Some("l1".into());
        let u = record_outcome(&fresh, &o).expect("valid");
        assert_eq!(u.achievements, ["first-lesson"]);
    }

    #[test]
    fn the_seventh_day_earns_consistent_learner_and_xp_thresholds_use_the_new_total() {
        let mut s = learner();
        s.streak_days = 6;
        s.last_active_date = Some("2025-03-09".into());
        s.xp = 90;
        s.earned_achievements = vec!["first-perfect-quiz".into()];
        let u = record_outcome(&s, &outcome(StepKind::Quiz, 1.0, true)).expect("valid");
        assert_eq!(u.streak_days, 7);
        assert_eq!(u.xp_earned, 23);
        assert_eq!(u.achievements, ["consistent-learner", "xp-100"]);
    }

    #[test]
    fn a_freeze_is_reported_with_the_missed_day() {
        let mut s = learner();
        s.streak_days = 6;
        s.last_active_date = Some("2025-03-08".into());
        let u = record_outcome(&s, &outcome(StepKind::Quiz, 1.0, true)).expect("valid");
        assert_eq!(u.streak_change, StreakChange::Frozen);
        assert_eq!(u.streak_days, 7);
        assert_eq!(u.last_freeze_date.as_deref(), Some("2025-03-09"));
    }

    #[test]
    fn the_local_day_comes_from_the_offset() {
        // 12:00 UTC is 01:00 the next day in Auckland (UTC+13).
        let mut s = learner();
        s.utc_offset_minutes = 13 * 60;
        s.streak_days = 2;
        s.last_active_date = Some("2025-03-10".into());
        let u = record_outcome(&s, &outcome(StepKind::Quiz, 0.9, true)).expect("valid");
        assert_eq!(u.last_active_date, "2025-03-11");
        assert_eq!(u.streak_change, StreakChange::Extended);
        let r = u.review.expect("review");
        assert_eq!(
            day::local_day(r.due_at_ms, 13 * 60),
            day::local_day(s.now_ms, 13 * 60) + 3
        );
    }

    #[test]
    fn mastering_a_topic_earns_its_per_topic_achievement() {
        let mut s = learner();
        s.streak_days = 10;
        s.last_active_date = Some("2025-03-09".into());
        s.topic_stats = vec![TopicStats {
            quiz_attempts: 4,
            quiz_score: 0.95,
            ..TopicStats::empty("python.loops")
        }];
        s.earned_achievements = vec!["first-perfect-quiz".into(), "consistent-learner".into()];
        let u = record_outcome(&s, &outcome(StepKind::Quiz, 1.0, true)).expect("valid");
        assert!(u.mastery >= 0.8, "{}", u.mastery);
        assert_eq!(u.achievements, ["topic-mastered:python.loops"]);
    }

    #[test]
    fn bad_input_is_refused_with_the_field() {
        let s = learner();
        let e = record_outcome(&s, &outcome(StepKind::Quiz, f64::NAN, true)).expect_err("NaN");
        assert_eq!(e.field, "outcome.score");
        let mut bad = learner();
        bad.last_active_date = Some("10/03/2025".into());
        let e = record_outcome(&bad, &outcome(StepKind::Quiz, 1.0, true)).expect_err("date");
        assert_eq!(e.field, "state.last_active_date");
        let mut o = outcome(StepKind::Quiz, 1.0, true);
        o.lesson_id = Some("l404".into());
        assert_eq!(
            record_outcome(&s, &o).expect_err("unknown").field,
            "outcome.lesson_id"
        );
        let mut bad = learner();
        bad.utc_offset_minutes = -2000;
        assert_eq!(
            plan_day(&bad).expect_err("offset").field,
            "state.utc_offset_minutes"
        );
        assert_eq!(
            mastery(&bad).expect_err("offset").field,
            "state.utc_offset_minutes"
        );
        let track = TrackRef {
            track_id: "t".into(),
            lesson_ids: vec![],
            topics: vec![],
        };
        assert_eq!(
            certificate_status(&s, &track).expect_err("empty").field,
            "track.lesson_ids"
        );
    }

    #[test]
    fn calls_are_deterministic() {
        let s = learner();
        let o = outcome(StepKind::Code, 0.7, false);
        assert_eq!(record_outcome(&s, &o), record_outcome(&s, &o));
        assert_eq!(plan_day(&s), plan_day(&s));
    }

    #[test]
    fn a_week_of_study_end_to_end() {
        // Seven days, one quiz a day, feeding each update back as the host would.
        let mut s = learner();
        let mut earned = Vec::new();
        for d in 0..7 {
            s.now_ms = NOON_2025_03_10 + d * DAY_MS;
            let plan = plan_day(&s).expect("plan");
            let mut o = outcome(StepKind::Quiz, 1.0, true);
            o.item_id = format!("q{d}");
            o.duration_ms = 25_000;
            let u = record_outcome(&s, &o).expect("outcome");
            s.streak_days = u.streak_days;
            s.last_active_date = Some(u.last_active_date);
            s.last_freeze_date = u.last_freeze_date;
            s.xp += u64::from(u.xp_earned);
            s.earned_achievements.extend(u.achievements.iter().cloned());
            earned.extend(u.achievements);
            s.topic_stats = vec![u.topic_stats];
            s.reviews.retain(|r| r.item_id != o.item_id);
            s.reviews.extend(u.review);
            if d == 3 {
                // q0 (Good, S = 3.173) came due on day 3.
                assert_eq!(plan.review_ids, ["q0"]);
            }
        }
        assert_eq!(s.streak_days, 7);
        assert_eq!(
            earned,
            [
                "first-perfect-quiz",          // day 1
                "topic-mastered:python.loops", // day 3: three perfect quizzes
                "xp-100",                      // day 6: 15 + 17 + 18 + 20 + 21 + 23 = 114
                "consistent-learner",          // day 7
            ]
        );
        let m = mastery(&s).expect("mastery");
        assert_eq!(m.len(), 1);
        assert!(m[0].mastery > 0.9);
    }
}
