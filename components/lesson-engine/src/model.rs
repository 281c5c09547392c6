//! Plain-Rust mirrors of the `lesson-engine` WIT records, independent of the bindings so
//! the rules are unit-testable natively, and the input checks every call shares.
//!
//! Field names in errors follow the WIT parameter names in snake_case with list indexes,
//! e.g. `state.reviews[2].stability` or `outcome.score`.

use std::collections::HashSet;

use crate::day;

/// Input the engine refuses; becomes `error::invalid-input`.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    /// Dotted path of the offending field.
    pub field: String,
    /// Why it is refused.
    pub message: String,
}

impl InputError {
    /// An error naming `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Result of a check.
pub type Checked<T> = Result<T, InputError>;

/// A lesson the learner may take.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonRef {
    /// Lesson id.
    pub lesson_id: String,
    /// Topic taught.
    pub topic: String,
    /// Position in the course.
    pub position: u32,
    /// Lessons to complete first.
    pub prerequisites: Vec<String>,
    /// The lesson's steps in order, with what is done.
    pub steps: Vec<LessonStep>,
}

/// A step of a lesson.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonStep {
    /// Step id.
    pub step_id: String,
    /// Kind.
    pub kind: StepKind,
    /// Whether the learner has done it.
    pub done: bool,
}

/// FSRS memory state of a review item.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewState {
    /// Item id.
    pub item_id: String,
    /// Topic of the item.
    pub topic: String,
    /// Stability in days.
    pub stability: f64,
    /// Difficulty, 1 to 10.
    pub difficulty: f64,
    /// Due instant (ms).
    pub due_at_ms: i64,
    /// Last review instant (ms).
    pub last_review_ms: i64,
    /// Successful reviews.
    pub reps: u32,
    /// Lapses.
    pub lapses: u32,
}

/// Mastery evidence of one topic.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TopicStats {
    /// Topic.
    pub topic: String,
    /// Quiz steps answered.
    pub quiz_attempts: u32,
    /// Recency-weighted quiz score.
    pub quiz_score: f64,
    /// Code exercises and projects submitted.
    pub exercise_attempts: u32,
    /// Of those, passed.
    pub exercises_passed: u32,
    /// Recency-weighted exercise result.
    pub exercise_score: f64,
    /// Code-quality ratings received.
    pub code_quality_ratings: u32,
    /// Recency-weighted code quality.
    pub code_quality: f64,
}

impl TopicStats {
    /// Empty evidence for `topic`.
    pub fn empty(topic: &str) -> Self {
        Self {
            topic: topic.to_string(),
            ..Self::default()
        }
    }
}

/// What the engine knows of a learner (the `learner-context` is not needed for decisions).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LearnerState {
    /// Now (ms).
    pub now_ms: i64,
    /// UTC offset of the learner's zone at `now_ms`, minutes.
    pub utc_offset_minutes: i32,
    /// Completed lesson ids.
    pub completed: Vec<String>,
    /// Lessons in the track.
    pub available: Vec<LessonRef>,
    /// Review items.
    pub reviews: Vec<ReviewState>,
    /// Stored streak.
    pub streak_days: u32,
    /// Last local date that counted for the streak.
    pub last_active_date: Option<String>,
    /// Missed day a freeze last forgave.
    pub last_freeze_date: Option<String>,
    /// Total XP.
    pub xp: u64,
    /// Achievement ids already earned.
    pub earned_achievements: Vec<String>,
    /// Mastery evidence per topic.
    pub topic_stats: Vec<TopicStats>,
}

/// Kind of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// Reading.
    Explanation,
    /// Quiz question.
    Quiz,
    /// Code exercise.
    Code,
    /// Mini-project.
    Project,
}

/// The outcome of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepOutcome {
    /// Step or review item id.
    pub item_id: String,
    /// Topic.
    pub topic: String,
    /// Kind of step.
    pub kind: StepKind,
    /// Score 0 to 1.
    pub score: f64,
    /// Whether correct.
    pub correct: bool,
    /// Time spent (ms).
    pub duration_ms: u32,
    /// Expected time (ms).
    pub expected_duration_ms: Option<u32>,
    /// Try number, from 1.
    pub attempt: u32,
    /// Lesson of the step.
    pub lesson_id: Option<String>,
    /// Whether the step completed its lesson.
    pub lesson_completed: bool,
    /// Code quality 0 to 1.
    pub code_quality: Option<f64>,
}

/// The state after the common checks, with its dates parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// Today, local day count.
    pub today: i64,
    /// `last_active_date` parsed.
    pub last_active: Option<i64>,
    /// `last_freeze_date` parsed.
    pub last_freeze: Option<i64>,
}

/// A finite number in `0.0..=1.0`.
pub fn check_unit(field: &str, value: f64) -> Checked<()> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(InputError::new(
            field,
            format!("must be a number from 0.0 to 1.0, got {value}"),
        ))
    }
}

fn check_instant(field: &str, ms: i64) -> Checked<()> {
    if ms.unsigned_abs() <= day::MAX_ABS_MS.unsigned_abs() {
        Ok(())
    } else {
        Err(InputError::new(
            field,
            format!(
                "{ms} is outside the supported range of ±{} ms",
                day::MAX_ABS_MS
            ),
        ))
    }
}

fn check_id(field: &str, id: &str) -> Checked<()> {
    if id.trim().is_empty() {
        Err(InputError::new(field, "must not be empty"))
    } else {
        Ok(())
    }
}

fn parse_date_field(field: &str, value: &Option<String>) -> Checked<Option<i64>> {
    value
        .as_deref()
        .map(|text| day::parse_date(text).map_err(|m| InputError::new(field, m)))
        .transpose()
}

/// Checks everything in a learner state and parses its dates.
pub fn check_state(state: &LearnerState) -> Checked<Context> {
    if !(day::MIN_NOW_MS..=day::MAX_NOW_MS).contains(&state.now_ms) {
        return Err(InputError::new(
            "state.now_ms",
            format!(
                "{} is outside the supported years 0001 to 9999",
                state.now_ms
            ),
        ));
    }
    if state.utc_offset_minutes.unsigned_abs() > day::MAX_OFFSET_MINUTES.unsigned_abs() {
        return Err(InputError::new(
            "state.utc_offset_minutes",
            format!(
                "{} is not a UTC offset; it must be from -{m} to {m} minutes",
                state.utc_offset_minutes,
                m = day::MAX_OFFSET_MINUTES
            ),
        ));
    }
    for (i, id) in state.completed.iter().enumerate() {
        check_id(&format!("state.completed[{i}]"), id)?;
    }
    let mut lesson_ids = HashSet::new();
    for (i, lesson) in state.available.iter().enumerate() {
        let field = format!("state.available[{i}].lesson_id");
        check_id(&field, &lesson.lesson_id)?;
        if !lesson_ids.insert(lesson.lesson_id.as_str()) {
            return Err(InputError::new(
                field,
                format!("lesson `{}` is listed twice", lesson.lesson_id),
            ));
        }
        check_id(&format!("state.available[{i}].topic"), &lesson.topic)?;
        let mut step_ids = HashSet::new();
        for (j, step) in lesson.steps.iter().enumerate() {
            let field = format!("state.available[{i}].steps[{j}].step_id");
            check_id(&field, &step.step_id)?;
            if !step_ids.insert(step.step_id.as_str()) {
                return Err(InputError::new(
                    field,
                    format!("step `{}` is listed twice in the lesson", step.step_id),
                ));
            }
        }
    }
    let completed: HashSet<&str> = state.completed.iter().map(String::as_str).collect();
    for (i, lesson) in state.available.iter().enumerate() {
        for (j, pre) in lesson.prerequisites.iter().enumerate() {
            if !lesson_ids.contains(pre.as_str()) && !completed.contains(pre.as_str()) {
                return Err(InputError::new(
                    format!("state.available[{i}].prerequisites[{j}]"),
                    format!(
                        "unknown lesson `{pre}`: a prerequisite must be completed or available"
                    ),
                ));
            }
        }
    }
    let mut item_ids = HashSet::new();
    for (i, r) in state.reviews.iter().enumerate() {
        let at = |f: &str| format!("state.reviews[{i}].{f}");
        check_id(&at("item_id"), &r.item_id)?;
        if !item_ids.insert(r.item_id.as_str()) {
            return Err(InputError::new(
                at("item_id"),
                format!("item `{}` is listed twice", r.item_id),
            ));
        }
        check_id(&at("topic"), &r.topic)?;
        if !(r.stability.is_finite() && r.stability > 0.0) {
            return Err(InputError::new(
                at("stability"),
                format!("must be a positive number of days, got {}", r.stability),
            ));
        }
        if !(r.difficulty.is_finite() && (1.0..=10.0).contains(&r.difficulty)) {
            return Err(InputError::new(
                at("difficulty"),
                format!("must be from 1.0 to 10.0, got {}", r.difficulty),
            ));
        }
        check_instant(&at("due_at_ms"), r.due_at_ms)?;
        check_instant(&at("last_review_ms"), r.last_review_ms)?;
    }
    let mut topics = HashSet::new();
    for (i, t) in state.topic_stats.iter().enumerate() {
        let at = |f: &str| format!("state.topic_stats[{i}].{f}");
        check_id(&at("topic"), &t.topic)?;
        if !topics.insert(t.topic.as_str()) {
            return Err(InputError::new(
                at("topic"),
                format!("topic `{}` is listed twice", t.topic),
            ));
        }
        check_unit(&at("quiz_score"), t.quiz_score)?;
        check_unit(&at("exercise_score"), t.exercise_score)?;
        check_unit(&at("code_quality"), t.code_quality)?;
        if t.exercises_passed > t.exercise_attempts {
            return Err(InputError::new(
                at("exercises_passed"),
                format!(
                    "{} passed exceeds {} attempts",
                    t.exercises_passed, t.exercise_attempts
                ),
            ));
        }
    }
    Ok(Context {
        today: day::local_day(state.now_ms, state.utc_offset_minutes),
        last_active: parse_date_field("state.last_active_date", &state.last_active_date)?,
        last_freeze: parse_date_field("state.last_freeze_date", &state.last_freeze_date)?,
    })
}

/// Checks a step outcome against the (already checked) state.
pub fn check_outcome(state: &LearnerState, outcome: &StepOutcome) -> Checked<()> {
    check_id("outcome.item_id", &outcome.item_id)?;
    check_id("outcome.topic", &outcome.topic)?;
    check_unit("outcome.score", outcome.score)?;
    if let Some(q) = outcome.code_quality {
        check_unit("outcome.code_quality", q)?;
    }
    if outcome.expected_duration_ms == Some(0) {
        return Err(InputError::new(
            "outcome.expected_duration_ms",
            "must be above 0 when present",
        ));
    }
    if outcome.attempt == 0 {
        return Err(InputError::new(
            "outcome.attempt",
            "counts from 1 (the first try)",
        ));
    }
    match &outcome.lesson_id {
        Some(id) => {
            let known = state.completed.iter().any(|c| c == id)
                || state.available.iter().any(|l| &l.lesson_id == id);
            if !known {
                return Err(InputError::new(
                    "outcome.lesson_id",
                    format!("unknown lesson `{id}`: it is neither completed nor available"),
                ));
            }
        }
        None if outcome.lesson_completed => {
            return Err(InputError::new(
                "outcome.lesson_id",
                "is required when lesson_completed is true",
            ));
        }
        None => {}
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Builders shared by the unit tests.
    use super::*;

    /// 2025-03-10T12:00:00Z.
    pub const NOON_2025_03_10: i64 = 1_741_608_000_000;

    pub fn lesson(id: &str, topic: &str, position: u32, pre: &[&str]) -> LessonRef {
        LessonRef {
            lesson_id: id.into(),
            topic: topic.into(),
            position,
            prerequisites: pre.iter().map(|s| s.to_string()).collect(),
            steps: Vec::new(),
        }
    }

    pub fn review(id: &str, topic: &str, stability: f64, due: i64, last: i64) -> ReviewState {
        ReviewState {
            item_id: id.into(),
            topic: topic.into(),
            stability,
            difficulty: 5.0,
            due_at_ms: due,
            last_review_ms: last,
            reps: 1,
            lapses: 0,
        }
    }

    pub fn state() -> LearnerState {
        LearnerState {
            now_ms: NOON_2025_03_10,
            ..LearnerState::default()
        }
    }

    pub fn outcome(kind: StepKind, score: f64, correct: bool) -> StepOutcome {
        StepOutcome {
            item_id: "q1".into(),
            topic: "python.loops".into(),
            kind,
            score,
            correct,
            duration_ms: 20_000,
            expected_duration_ms: None,
            attempt: 1,
            lesson_id: None,
            lesson_completed: false,
            code_quality: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    fn field_of<T: std::fmt::Debug>(r: Checked<T>) -> String {
        r.expect_err("expected an input error").field
    }

    #[test]
    fn a_plain_state_passes_and_today_is_local() {
        let mut s = state();
        s.utc_offset_minutes = 13 * 60; // Pacific/Auckland summer: already the 11th.
        let ctx = check_state(&s).expect("valid");
        assert_eq!(day::format_date(ctx.today), "2025-03-11");
    }

    #[test]
    fn bad_offsets_and_instants_are_named() {
        let mut s = state();
        s.utc_offset_minutes = 1081;
        assert_eq!(field_of(check_state(&s)), "state.utc_offset_minutes");
        let mut s = state();
        s.now_ms = i64::MIN;
        assert_eq!(field_of(check_state(&s)), "state.now_ms");
        let mut s = state();
        s.reviews = vec![review("a", "t", 1.0, i64::MAX, 0)];
        assert_eq!(field_of(check_state(&s)), "state.reviews[0].due_at_ms");
    }

    #[test]
    fn bad_dates_are_named() {
        let mut s = state();
        s.last_active_date = Some("2025-02-30".into());
        assert_eq!(field_of(check_state(&s)), "state.last_active_date");
        let mut s = state();
        s.last_freeze_date = Some("yesterday".into());
        assert_eq!(field_of(check_state(&s)), "state.last_freeze_date");
    }

    #[test]
    fn lessons_must_be_unique_and_prerequisites_known() {
        let mut s = state();
        s.available = vec![lesson("a", "t", 1, &[]), lesson("a", "t", 2, &[])];
        assert_eq!(field_of(check_state(&s)), "state.available[1].lesson_id");
        let mut s = state();
        s.available = vec![lesson("a", "t", 1, &[]), lesson("b", "t", 2, &["a", "zz"])];
        assert_eq!(
            field_of(check_state(&s)),
            "state.available[1].prerequisites[1]"
        );
        // A prerequisite completed elsewhere (not in this track) is fine.
        s.completed = vec!["zz".into()];
        assert!(check_state(&s).is_ok());
        let mut s = state();
        s.available = vec![lesson(" ", "t", 1, &[])];
        assert_eq!(field_of(check_state(&s)), "state.available[0].lesson_id");
    }

    #[test]
    fn review_numbers_are_checked() {
        let now = NOON_2025_03_10;
        for (stability, difficulty, field) in [
            (f64::NAN, 5.0, "stability"),
            (0.0, 5.0, "stability"),
            (-1.0, 5.0, "stability"),
            (f64::INFINITY, 5.0, "stability"),
            (1.0, 0.5, "difficulty"),
            (1.0, 10.5, "difficulty"),
            (1.0, f64::NAN, "difficulty"),
        ] {
            let mut s = state();
            let mut r = review("a", "t", stability, now, now);
            r.difficulty = difficulty;
            s.reviews = vec![review("z", "t", 1.0, now, now), r];
            assert_eq!(
                field_of(check_state(&s)),
                format!("state.reviews[1].{field}")
            );
        }
        let mut s = state();
        s.reviews = vec![
            review("a", "t", 1.0, now, now),
            review("a", "t", 1.0, now, now),
        ];
        assert_eq!(field_of(check_state(&s)), "state.reviews[1].item_id");
    }

    #[test]
    fn topic_stats_are_checked() {
        let mut s = state();
        s.topic_stats = vec![TopicStats {
            quiz_score: f64::NAN,
            ..TopicStats::empty("t")
        }];
        assert_eq!(field_of(check_state(&s)), "state.topic_stats[0].quiz_score");
        s.topic_stats = vec![TopicStats {
            exercise_attempts: 1,
            exercises_passed: 2,
            ..TopicStats::empty("t")
        }];
        assert_eq!(
            field_of(check_state(&s)),
            "state.topic_stats[0].exercises_passed"
        );
        s.topic_stats = vec![TopicStats::empty("t"), TopicStats::empty("t")];
        assert_eq!(field_of(check_state(&s)), "state.topic_stats[1].topic");
    }

    #[test]
    fn outcome_fields_are_checked() {
        let mut s = state();
        s.available = vec![lesson("l1", "t", 1, &[])];
        let ok = outcome(StepKind::Quiz, 1.0, true);
        assert!(check_outcome(&s, &ok).is_ok());
        for (o, field) in [
            (
                StepOutcome {
                    score: f64::NAN,
                    ..ok.clone()
                },
                "outcome.score",
            ),
            (
                StepOutcome {
                    score: 1.5,
                    ..ok.clone()
                },
                "outcome.score",
            ),
            (
                StepOutcome {
                    score: -0.1,
                    ..ok.clone()
                },
                "outcome.score",
            ),
            (
                StepOutcome {
                    code_quality: Some(f64::INFINITY),
                    ..ok.clone()
                },
                "outcome.code_quality",
            ),
            (
                StepOutcome {
                    expected_duration_ms: Some(0),
                    ..ok.clone()
                },
                "outcome.expected_duration_ms",
            ),
            (
                StepOutcome {
                    attempt: 0,
                    ..ok.clone()
                },
                "outcome.attempt",
            ),
            (
                StepOutcome {
                    lesson_id: Some("nope".into()),
                    ..ok.clone()
                },
                "outcome.lesson_id",
            ),
            (
                StepOutcome {
                    lesson_completed: true,
                    ..ok.clone()
                },
                "outcome.lesson_id",
            ),
            (
                StepOutcome {
                    item_id: String::new(),
                    ..ok.clone()
                },
                "outcome.item_id",
            ),
            (
                StepOutcome {
                    topic: String::new(),
                    ..ok.clone()
                },
                "outcome.topic",
            ),
        ] {
            assert_eq!(field_of(check_outcome(&s, &o)), field);
        }
    }
}
