//! Mastery per topic (docs/requirements.md#r-003-fr-026: a weighted formula; FR-016: code quality
//! counts; FR-027: consistency).
//!
//! Components, each 0..1:
//!
//! - **quiz** `q`: recency-weighted mean quiz score;
//! - **exercises** `e`: recency-weighted exercise result (a passed code exercise or project
//!   counts 1.0, a failed one its score capped at 0.5);
//! - **code quality** `c`: recency-weighted mean of reviewers' 0..1 ratings;
//! - **consistency** `k`: `min(streak, 7) / 7`, averaged half and half with the mean
//!   current recall probability (FSRS `R`) of the topic's review items when it has any.
//!
//! Recency weighting: each new result moves the mean by `α = max(1/n, 0.25)` of the
//! difference, `n` counting results including the new one, so the first four results
//! weigh equally and later ones keep at least a quarter of the weight on the newest.
//!
//! `mastery = min(1, evidence / 3) · Σ wᵢ·xᵢ / Σ wᵢ` over the components present, with
//! weights `w = 0.35 q + 0.35 e + 0.15 c + 0.15 k`. Quiz, exercises and code quality are
//! present once they have at least one result; consistency always is. `evidence` is the
//! number of quiz and exercise attempts, so three results are needed for full mastery.
//! A topic is **mastered** at 0.8.

use std::collections::BTreeSet;

use crate::day::DAY_MS;
use crate::fsrs;
use crate::model::{Context, LearnerState, StepKind, StepOutcome, TopicStats};
use crate::streak;

/// Weight of the quiz component.
pub const W_QUIZ: f64 = 0.35;
/// Weight of the exercise component.
pub const W_EXERCISES: f64 = 0.35;
/// Weight of the code-quality component.
pub const W_CODE_QUALITY: f64 = 0.15;
/// Weight of the consistency component.
pub const W_CONSISTENCY: f64 = 0.15;
/// Smallest weight of the newest result in a recency-weighted mean.
pub const MIN_ALPHA: f64 = 0.25;
/// Quiz plus exercise attempts needed for full confidence.
pub const FULL_EVIDENCE: u32 = 3;
/// Streak days that make the streak half of consistency full.
pub const STREAK_FULL_DAYS: u32 = 7;
/// Mastery at which a topic counts as mastered.
pub const MASTERED: f64 = 0.8;
/// Tolerance of threshold comparisons, so float rounding never decides a borderline case.
pub const EPSILON: f64 = 1e-9;

/// Whether `mastery` reaches `threshold` (within [`EPSILON`]).
pub fn reaches(mastery: f64, threshold: f64) -> bool {
    mastery + EPSILON >= threshold
}

/// Most a failed exercise can count.
pub const FAILED_EXERCISE_CAP: f64 = 0.5;

/// Mastery of one topic and its components.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicMastery {
    /// Topic.
    pub topic: String,
    /// Mastery 0..1.
    pub mastery: f64,
    /// Quiz component.
    pub quiz: Option<f64>,
    /// Exercise component.
    pub exercises: Option<f64>,
    /// Code-quality component.
    pub code_quality: Option<f64>,
    /// Consistency component.
    pub consistency: f64,
}

/// Moves a recency-weighted mean of `n_before` results towards a new result `x`.
pub fn recency_mean(mean: f64, n_before: u32, x: f64) -> f64 {
    let n = f64::from(n_before) + 1.0;
    let alpha = (1.0 / n).max(MIN_ALPHA);
    (mean + alpha * (x - mean)).clamp(0.0, 1.0)
}

/// Evidence after one outcome. Quiz steps feed the quiz component, code and project steps
/// the exercise component; a code-quality rating feeds its component whatever the kind;
/// explanations change nothing.
pub fn update_stats(stats: &TopicStats, outcome: &StepOutcome) -> TopicStats {
    let mut next = stats.clone();
    match outcome.kind {
        StepKind::Quiz => {
            next.quiz_score = recency_mean(stats.quiz_score, stats.quiz_attempts, outcome.score);
            next.quiz_attempts = stats.quiz_attempts.saturating_add(1);
        }
        StepKind::Code | StepKind::Project => {
            let x = if outcome.correct {
                1.0
            } else {
                outcome.score.min(FAILED_EXERCISE_CAP)
            };
            next.exercise_score = recency_mean(stats.exercise_score, stats.exercise_attempts, x);
            next.exercise_attempts = stats.exercise_attempts.saturating_add(1);
            if outcome.correct {
                next.exercises_passed = stats.exercises_passed.saturating_add(1);
            }
        }
        StepKind::Explanation => {}
    }
    if let Some(q) = outcome.code_quality {
        next.code_quality = recency_mean(stats.code_quality, stats.code_quality_ratings, q);
        next.code_quality_ratings = stats.code_quality_ratings.saturating_add(1);
    }
    next
}

/// Consistency from the streak and the current recall of the topic's review items.
pub fn consistency(streak_days: u32, recalls: &[f64]) -> f64 {
    let streak = f64::from(streak_days.min(STREAK_FULL_DAYS)) / f64::from(STREAK_FULL_DAYS);
    if recalls.is_empty() {
        streak
    } else {
        let mean = recalls.iter().sum::<f64>() / recalls.len() as f64;
        0.5 * streak + 0.5 * mean
    }
}

/// Mastery of a topic from its evidence and consistency.
pub fn topic_mastery(stats: &TopicStats, consistency: f64) -> TopicMastery {
    let quiz = (stats.quiz_attempts > 0).then_some(stats.quiz_score);
    let exercises = (stats.exercise_attempts > 0).then_some(stats.exercise_score);
    let code_quality = (stats.code_quality_ratings > 0).then_some(stats.code_quality);
    let mut sum = W_CONSISTENCY * consistency;
    let mut weights = W_CONSISTENCY;
    for (w, x) in [
        (W_QUIZ, quiz),
        (W_EXERCISES, exercises),
        (W_CODE_QUALITY, code_quality),
    ] {
        if let Some(x) = x {
            sum += w * x;
            weights += w;
        }
    }
    let evidence = stats.quiz_attempts.saturating_add(stats.exercise_attempts);
    let confidence = f64::from(evidence.min(FULL_EVIDENCE)) / f64::from(FULL_EVIDENCE);
    TopicMastery {
        topic: stats.topic.clone(),
        mastery: (confidence * sum / weights).clamp(0.0, 1.0),
        quiz,
        exercises,
        code_quality,
        consistency,
    }
}

/// Current recall probabilities of the review items of `topic` at `now_ms`.
pub fn recalls(state: &LearnerState, topic: &str) -> Vec<f64> {
    state
        .reviews
        .iter()
        .filter(|r| r.topic == topic)
        .map(|r| {
            let elapsed = (state.now_ms - r.last_review_ms) as f64 / DAY_MS as f64;
            fsrs::retrievability(elapsed, r.stability)
        })
        .collect()
}

/// Mastery of `topic` as the state stands now (streak as it can still continue today).
pub fn of_topic(state: &LearnerState, ctx: &Context, topic: &str) -> TopicMastery {
    let streak = streak::current(
        state.streak_days,
        ctx.last_active,
        ctx.last_freeze,
        ctx.today,
    );
    let stats = state
        .topic_stats
        .iter()
        .find(|t| t.topic == topic)
        .cloned()
        .unwrap_or_else(|| TopicStats::empty(topic));
    topic_mastery(&stats, consistency(streak, &recalls(state, topic)))
}

/// Mastery of every topic the state mentions (topic stats, review items, lessons), sorted.
pub fn all(state: &LearnerState, ctx: &Context) -> Vec<TopicMastery> {
    let topics: BTreeSet<&str> = state
        .topic_stats
        .iter()
        .map(|t| t.topic.as_str())
        .chain(state.reviews.iter().map(|r| r.topic.as_str()))
        .chain(state.available.iter().map(|l| l.topic.as_str()))
        .collect();
    topics
        .into_iter()
        .map(|t| of_topic(state, ctx, t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::day;
    use crate::model::check_state;
    use crate::model::fixtures::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn stats(quiz: (u32, f64), ex: (u32, f64), cq: (u32, f64)) -> TopicStats {
        TopicStats {
            topic: "t".into(),
            quiz_attempts: quiz.0,
            quiz_score: quiz.1,
            exercise_attempts: ex.0,
            exercises_passed: ex.0,
            exercise_score: ex.1,
            code_quality_ratings: cq.0,
            code_quality: cq.1,
        }
    }

    #[test]
    fn recency_mean_is_a_plain_mean_first_then_favours_recent_results() {
        let mut m = 0.0;
        for (n, x) in [1.0, 0.0, 1.0, 0.0].into_iter().enumerate() {
            m = recency_mean(m, n as u32, x);
        }
        assert!(close(m, 0.5));
        // From the fifth result on, the newest weighs 25 %.
        assert!(close(recency_mean(0.5, 4, 1.0), 0.625));
        assert!(close(recency_mean(0.5, 100, 1.0), 0.625));
        // A run of recent good results outweighs a long poor history.
        let mut m = 0.0;
        for _ in 0..5 {
            m = recency_mean(m, 50, 1.0);
        }
        assert!(m > 0.75);
    }

    #[test]
    fn full_marks_everywhere_is_full_mastery() {
        let m = topic_mastery(&stats((5, 1.0), (5, 1.0), (5, 1.0)), 1.0);
        assert!(close(m.mastery, 1.0));
        assert_eq!(
            (m.quiz, m.exercises, m.code_quality),
            (Some(1.0), Some(1.0), Some(1.0))
        );
    }

    #[test]
    fn the_weighted_formula_with_every_component() {
        let m = topic_mastery(&stats((3, 0.8), (3, 0.6), (2, 0.5)), 0.4);
        assert!(close(
            m.mastery,
            0.35 * 0.8 + 0.35 * 0.6 + 0.15 * 0.5 + 0.15 * 0.4
        ));
    }

    #[test]
    fn missing_components_are_left_out_and_the_rest_renormalised() {
        // A quiz-only topic: 0.35 q + 0.15 k over 0.5.
        let m = topic_mastery(&stats((3, 0.9), (0, 0.0), (0, 0.0)), 0.5);
        assert!(close(m.mastery, (0.35 * 0.9 + 0.15 * 0.5) / 0.5));
        assert_eq!((m.exercises, m.code_quality), (None, None));
        // Exercises without quality ratings.
        let m = topic_mastery(&stats((0, 0.0), (4, 1.0), (0, 0.0)), 1.0);
        assert!(close(m.mastery, 1.0));
    }

    #[test]
    fn little_evidence_caps_mastery() {
        let one = topic_mastery(&stats((1, 1.0), (0, 0.0), (0, 0.0)), 1.0);
        assert!(close(one.mastery, 1.0 / 3.0));
        let two = topic_mastery(&stats((1, 1.0), (1, 1.0), (0, 0.0)), 1.0);
        assert!(close(two.mastery, 2.0 / 3.0));
        let none = topic_mastery(&TopicStats::empty("t"), 1.0);
        assert_eq!(none.mastery, 0.0);
    }

    #[test]
    fn consistency_blends_streak_and_recall() {
        assert!(close(consistency(0, &[]), 0.0));
        assert!(close(consistency(7, &[]), 1.0));
        assert!(close(consistency(30, &[]), 1.0));
        assert!(close(consistency(7, &[0.5, 0.7]), 0.8));
        assert!(close(consistency(0, &[1.0]), 0.5));
    }

    #[test]
    fn outcomes_feed_their_components() {
        let s0 = TopicStats::empty("t");
        let quiz = update_stats(&s0, &outcome(StepKind::Quiz, 0.7, true));
        assert_eq!((quiz.quiz_attempts, quiz.quiz_score), (1, 0.7));
        assert_eq!(quiz.exercise_attempts, 0);
        let mut failed = outcome(StepKind::Code, 0.8, false);
        failed.code_quality = Some(0.6);
        let code = update_stats(&quiz, &failed);
        assert_eq!(
            (
                code.exercise_attempts,
                code.exercises_passed,
                code.exercise_score
            ),
            (1, 0, 0.5)
        );
        assert_eq!((code.code_quality_ratings, code.code_quality), (1, 0.6));
        let passed = update_stats(&code, &outcome(StepKind::Project, 0.9, true));
        assert_eq!((passed.exercise_attempts, passed.exercises_passed), (2, 1));
        assert!(close(passed.exercise_score, 0.75));
        let read = update_stats(&passed, &outcome(StepKind::Explanation, 1.0, true));
        assert_eq!(read, passed);
    }

    #[test]
    fn all_topics_of_the_state_sorted_with_current_streak_and_recall() {
        let now = NOON_2025_03_10;
        let mut s = state();
        s.available = vec![lesson("l1", "b.topic", 1, &[])];
        s.reviews = vec![review("r1", "c.topic", 2.0, now, now - 2 * DAY_MS)];
        s.topic_stats = vec![TopicStats {
            quiz_attempts: 3,
            quiz_score: 1.0,
            ..TopicStats::empty("a.topic")
        }];
        s.streak_days = 7;
        s.last_active_date = Some("2025-03-09".into());
        let ctx = check_state(&s).expect("valid");
        let all = all(&s, &ctx);
        let names: Vec<&str> = all.iter().map(|m| m.topic.as_str()).collect();
        assert_eq!(names, ["a.topic", "b.topic", "c.topic"]);
        assert!(close(all[0].mastery, 1.0));
        assert_eq!(all[1].mastery, 0.0);
        // c.topic: R(2 days, S = 2) = 0.9, streak 7 → consistency 0.95.
        assert!(close(all[2].consistency, 0.5 + 0.5 * 0.9));
        // A broken streak counts as 0.
        s.last_active_date = Some("2025-03-01".into());
        let ctx = check_state(&s).expect("valid");
        assert_eq!(of_topic(&s, &ctx, "b.topic").consistency, 0.0);
        assert_eq!(day::format_date(ctx.today), "2025-03-10");
    }
}
