//! The daily plan.
//!
//! - **Lesson:** among `available` lessons not completed whose prerequisites are all
//!   completed, the one with the lowest `position` (ties by lesson id).
//! - **Step:** the lesson's first step not done, in lesson order (a wrong quiz answer counts
//!   as done: it comes back as a review, so the learner is not stuck on it).
//! - **Reviews:** items with `due-at-ms ≤ now-ms`, lowest current recall probability
//!   `R(now − last review, S)` first (the most overdue relative to their stability), ties by
//!   earlier due time then item id; at most [`MAX_REVIEWS`].
//! - **Reason:** English sentences on the reviews, the lesson (or why there is none) and
//!   the streak.

use std::collections::HashSet;

use crate::day::DAY_MS;
use crate::fsrs;
use crate::model::{Context, LearnerState, LessonRef, LessonStep, ReviewState};
use crate::streak;

/// Most review items in a day's plan.
pub const MAX_REVIEWS: usize = 20;

/// Today's plan.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyPlan {
    /// Lesson to take.
    pub lesson_id: Option<String>,
    /// Step to do now in that lesson.
    pub step_id: Option<String>,
    /// Review items, most urgent first.
    pub review_ids: Vec<String>,
    /// Why.
    pub reason: String,
}

/// The next lesson: not completed, prerequisites completed, lowest position.
pub fn next_lesson(state: &LearnerState) -> Option<&LessonRef> {
    let completed: HashSet<&str> = state.completed.iter().map(String::as_str).collect();
    state
        .available
        .iter()
        .filter(|l| !completed.contains(l.lesson_id.as_str()))
        .filter(|l| {
            l.prerequisites
                .iter()
                .all(|p| completed.contains(p.as_str()))
        })
        .min_by(|a, b| {
            a.position
                .cmp(&b.position)
                .then_with(|| a.lesson_id.cmp(&b.lesson_id))
        })
}

/// The step to do now in `lesson`: its first step not done.
pub fn next_step(lesson: &LessonRef) -> Option<&LessonStep> {
    lesson.steps.iter().find(|s| !s.done)
}

/// Current recall probability of an item at `now_ms`.
pub fn recall_now(review: &ReviewState, now_ms: i64) -> f64 {
    let elapsed = (now_ms - review.last_review_ms) as f64 / DAY_MS as f64;
    fsrs::retrievability(elapsed, review.stability)
}

/// Every due item with its recall, most urgent first.
pub fn due_reviews(state: &LearnerState) -> Vec<(&ReviewState, f64)> {
    let mut due: Vec<(&ReviewState, f64)> = state
        .reviews
        .iter()
        .filter(|r| r.due_at_ms <= state.now_ms)
        .map(|r| (r, recall_now(r, state.now_ms)))
        .collect();
    due.sort_by(|(a, ra), (b, rb)| {
        ra.total_cmp(rb)
            .then_with(|| a.due_at_ms.cmp(&b.due_at_ms))
            .then_with(|| a.item_id.cmp(&b.item_id))
    });
    due
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Plans the day for a checked state.
pub fn plan_day(state: &LearnerState, ctx: &Context) -> DailyPlan {
    let due = due_reviews(state);
    let lesson = next_lesson(state);
    let mut reason = Vec::new();

    match due.first() {
        None => reason.push("No reviews are due.".to_string()),
        Some((first, r)) => {
            let pct = (r * 100.0).round();
            let head = if due.len() > MAX_REVIEWS {
                format!(
                    "{} due; the {MAX_REVIEWS} with the weakest memory come first",
                    plural(due.len(), "review", "reviews")
                )
            } else {
                format!(
                    "{} due, weakest memory first",
                    plural(due.len(), "review", "reviews")
                )
            };
            reason.push(format!("{head} (`{}` at {pct}% recall).", first.item_id));
        }
    }

    let completed: HashSet<&str> = state.completed.iter().map(String::as_str).collect();
    let remaining = state
        .available
        .iter()
        .filter(|l| !completed.contains(l.lesson_id.as_str()))
        .count();
    reason.push(match lesson {
        Some(l) => format!(
            "Next lesson: `{}` ({}), the first one not completed whose prerequisites are done.",
            l.lesson_id, l.topic
        ),
        None if state.available.is_empty() => "No lessons are available.".to_string(),
        None if remaining == 0 => "Every lesson in the track is completed.".to_string(),
        None => format!(
            "No lesson can start: {} wait for prerequisites that are not completed.",
            plural(remaining, "remaining lesson", "remaining lessons")
        ),
    });

    let current = streak::current(
        state.streak_days,
        ctx.last_active,
        ctx.last_freeze,
        ctx.today,
    );
    let gap = ctx.last_active.map(|d| ctx.today - d);
    reason.push(match gap {
        Some(g) if g <= 0 => format!("You have studied today: {}-day streak.", current.max(1)),
        Some(2) if current > 0 => format!(
            "Study today to keep your {current}-day streak: a streak freeze covers yesterday."
        ),
        _ if current > 0 => format!("Study today to keep your {current}-day streak."),
        _ => "Study today to start a streak.".to_string(),
    });

    DailyPlan {
        lesson_id: lesson.map(|l| l.lesson_id.clone()),
        step_id: lesson.and_then(next_step).map(|s| s.step_id.clone()),
        review_ids: due
            .iter()
            .take(MAX_REVIEWS)
            .map(|(r, _)| r.item_id.clone())
            .collect(),
        reason: reason.join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::check_state;
    use crate::model::fixtures::*;

    fn plan(s: &LearnerState) -> DailyPlan {
        let ctx = check_state(s).expect("valid state");
        plan_day(s, &ctx)
    }

    #[test]
    fn the_step_to_do_is_the_first_not_done() {
        use crate::model::StepKind;
        let step = |id: &str, done: bool| LessonStep {
            step_id: id.into(),
            kind: StepKind::Quiz,
            done,
        };
        let mut s = state();
        s.available = vec![lesson("a", "t", 1, &[])];
        assert_eq!(plan(&s).step_id, None, "a lesson without steps names none");
        s.available[0].steps = vec![step("a.1", true), step("a.2", false), step("a.3", false)];
        assert_eq!(plan(&s).step_id.as_deref(), Some("a.2"));
        s.available[0].steps[1].done = true;
        s.available[0].steps[2].done = true;
        assert_eq!(plan(&s).step_id, None, "all done");
        s.available[0].steps.push(step("a.1", false));
        assert!(check_state(&s).is_err(), "a step listed twice is refused");
    }

    #[test]
    fn next_lesson_is_the_lowest_position_with_prerequisites_done() {
        let mut s = state();
        s.available = vec![
            lesson("l3", "t", 3, &["l2"]),
            lesson("l1", "t", 1, &[]),
            lesson("l2", "t", 2, &["l1"]),
            lesson("x9", "t", 0, &["l2"]),
        ];
        assert_eq!(plan(&s).lesson_id.as_deref(), Some("l1"));
        s.completed = vec!["l1".into()];
        assert_eq!(plan(&s).lesson_id.as_deref(), Some("l2"));
        // x9 (position 0) unlocks with l2 and comes before l3.
        s.completed.push("l2".into());
        assert_eq!(plan(&s).lesson_id.as_deref(), Some("x9"));
        s.completed.push("x9".into());
        assert_eq!(plan(&s).lesson_id.as_deref(), Some("l3"));
        s.completed.push("l3".into());
        let p = plan(&s);
        assert_eq!(p.lesson_id, None);
        assert!(
            p.reason.contains("Every lesson in the track is completed."),
            "{}",
            p.reason
        );
    }

    #[test]
    fn equal_positions_break_ties_by_id() {
        let mut s = state();
        s.available = vec![lesson("b", "t", 1, &[]), lesson("a", "t", 1, &[])];
        assert_eq!(plan(&s).lesson_id.as_deref(), Some("a"));
    }

    #[test]
    fn prerequisites_completed_elsewhere_count() {
        let mut s = state();
        s.completed = vec!["intro".into()];
        s.available = vec![lesson("l1", "t", 1, &["intro"])];
        assert_eq!(plan(&s).lesson_id.as_deref(), Some("l1"));
    }

    #[test]
    fn a_prerequisite_cycle_blocks_and_says_so() {
        let mut s = state();
        s.available = vec![lesson("a", "t", 1, &["b"]), lesson("b", "t", 2, &["a"])];
        let p = plan(&s);
        assert_eq!(p.lesson_id, None);
        assert!(
            p.reason
                .contains("No lesson can start: 2 remaining lessons"),
            "{}",
            p.reason
        );
        s.available.clear();
        assert!(plan(&s).reason.contains("No lessons are available."));
    }

    #[test]
    fn only_due_reviews_lowest_recall_first() {
        let now = NOON_2025_03_10;
        let mut s = state();
        s.reviews = vec![
            // Due, last seen 10 days ago with S = 10: R = 0.9.
            review("mild", "t", 10.0, now - 1, now - 10 * DAY_MS),
            // Due, last seen 10 days ago with S = 2: R ≈ 0.68.
            review("weak", "t", 2.0, now - 5 * DAY_MS, now - 10 * DAY_MS),
            // Due exactly now.
            review("edge", "t", 8.0, now, now - 5 * DAY_MS),
            // Not due yet.
            review("later", "t", 1.0, now + 1, now - 30 * DAY_MS),
        ];
        let p = plan(&s);
        assert_eq!(p.review_ids, ["weak", "mild", "edge"]);
        assert!(
            p.reason
                .starts_with("3 reviews due, weakest memory first (`weak` at 68% recall)."),
            "{}",
            p.reason
        );
    }

    #[test]
    fn equal_recall_breaks_ties_by_due_time_then_id() {
        let now = NOON_2025_03_10;
        let mut s = state();
        s.reviews = vec![
            review("b", "t", 3.0, now - 2, now - DAY_MS),
            review("c", "t", 3.0, now - 1, now - DAY_MS),
            review("a", "t", 3.0, now - 2, now - DAY_MS),
        ];
        assert_eq!(plan(&s).review_ids, ["a", "b", "c"]);
    }

    #[test]
    fn reviews_are_capped_at_twenty() {
        let now = NOON_2025_03_10;
        let mut s = state();
        s.reviews = (0..35)
            .map(|i| {
                review(
                    &format!("r{i:02}"),
                    "t",
                    1.0 + f64::from(i),
                    now,
                    now - 3 * DAY_MS,
                )
            })
            .collect();
        let p = plan(&s);
        assert_eq!(p.review_ids.len(), 20);
        // Lowest stability → lowest recall first.
        assert_eq!(p.review_ids[0], "r00");
        assert_eq!(p.review_ids[19], "r19");
        assert!(
            p.reason
                .starts_with("35 reviews due; the 20 with the weakest memory come first"),
            "{}",
            p.reason
        );
    }

    #[test]
    fn reason_covers_reviews_lesson_and_streak() {
        let mut s = state();
        s.available = vec![lesson("l1", "python.loops", 1, &[])];
        s.streak_days = 4;
        s.last_active_date = Some("2025-03-09".into());
        let p = plan(&s);
        assert_eq!(
            p.reason,
            "No reviews are due. Next lesson: `l1` (python.loops), the first one not completed \
             whose prerequisites are done. Study today to keep your 4-day streak."
        );
        s.last_active_date = Some("2025-03-10".into());
        assert!(
            plan(&s)
                .reason
                .ends_with("You have studied today: 4-day streak.")
        );
        s.last_active_date = Some("2025-03-08".into());
        assert!(
            plan(&s)
                .reason
                .ends_with("a streak freeze covers yesterday.")
        );
        s.last_active_date = Some("2025-03-07".into());
        assert!(plan(&s).reason.ends_with("Study today to start a streak."));
        s.last_active_date = None;
        assert!(plan(&s).reason.ends_with("Study today to start a streak."));
    }
}
