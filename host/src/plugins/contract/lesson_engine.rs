//! The lesson engine's decisions (WIT `tessera:platform/lesson-engine`), as the host's own
//! types.

use super::types::LearnerContext;
use serde::{Deserialize, Serialize};

/// A lesson the learner may take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonRef {
    /// Lesson id.
    pub lesson_id: String,
    /// Topic the lesson teaches, e.g. `python.loops`.
    pub topic: String,
    /// Position in its course, for ordering.
    pub position: u32,
    /// Lesson ids that must be completed first. Each must be in `completed` or
    /// `available`; an id in neither is rejected as unknown.
    pub prerequisites: Vec<String>,
    /// The lesson's steps in lesson order, with what the learner has done (may be
    /// empty when the host does not need a step chosen).
    pub steps: Vec<LessonStep>,
}

/// One step of a lesson and whether the learner has done it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonStep {
    /// Step id, unique within the lesson.
    pub step_id: String,
    /// Kind of step.
    pub kind: StepKind,
    /// Done: an explanation read, a quiz answered (right or wrong), code that passed,
    /// a project graded.
    pub done: bool,
}

/// Spaced-repetition (FSRS-5) memory state of one review item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewState {
    /// Item id (a question or step).
    pub item_id: String,
    /// Topic the item belongs to, e.g. `python.loops`.
    pub topic: String,
    /// Memory stability in days: the interval after which recall falls to 90 %.
    pub stability: f64,
    /// Item difficulty, 1.0 to 10.0.
    pub difficulty: f64,
    /// When the item is due, milliseconds since the Unix epoch (the learner's local
    /// midnight starting the due day).
    pub due_at_ms: i64,
    /// When the item was last reviewed, milliseconds since the Unix epoch.
    pub last_review_ms: i64,
    /// Successful reviews so far (every review not rated `again`).
    pub reps: u32,
    /// Times forgotten so far (an existing item rated `again`).
    pub lapses: u32,
}

/// Per-topic evidence for mastery. Scores are recency-weighted means: each new result
/// weighs `max(1/n, 0.25)` where `n` counts results including the new one. The engine
/// returns the updated record in `progress-update`; the host stores it as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicStats {
    /// Topic, e.g. `python.loops`.
    pub topic: String,
    /// Quiz steps answered in this topic.
    pub quiz_attempts: u32,
    /// Recency-weighted mean quiz score, 0.0 to 1.0 (0.0 while `quiz-attempts` is 0).
    pub quiz_score: f64,
    /// Code exercises and projects submitted in this topic.
    pub exercise_attempts: u32,
    /// Of those, how many passed.
    pub exercises_passed: u32,
    /// Recency-weighted exercise result, 0.0 to 1.0: a pass counts 1.0, a fail its
    /// score capped at 0.5.
    pub exercise_score: f64,
    /// Code-quality ratings received in this topic.
    pub code_quality_ratings: u32,
    /// Recency-weighted mean code quality, 0.0 to 1.0 (0.0 while there are no ratings).
    pub code_quality: f64,
}

/// What the engine knows of a learner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnerState {
    /// The learner.
    pub learner: LearnerContext,
    /// Now, milliseconds since the Unix epoch.
    pub now_ms: i64,
    /// Offset of `learner.timezone` from UTC at `now-ms`, in minutes (e.g. 120 for
    /// `Europe/Berlin` in summer, -300 for `America/New_York` in winter), -1080 to
    /// 1080. The host resolves it from its time-zone database; the engine carries
    /// none and uses this offset for every local-day decision.
    pub utc_offset_minutes: i32,
    /// Lessons completed.
    pub completed: Vec<String>,
    /// Lessons available in the learner's track.
    pub available: Vec<LessonRef>,
    /// Review items with their memory state.
    pub reviews: Vec<ReviewState>,
    /// Current streak in days, as last stored.
    pub streak_days: u32,
    /// Local date (YYYY-MM-DD) of the last day that counted for the streak.
    pub last_active_date: Option<String>,
    /// Local date (YYYY-MM-DD) of the missed day a streak freeze last forgave.
    pub last_freeze_date: Option<String>,
    /// Total XP.
    pub xp: u64,
    /// Achievement ids already earned (never returned again).
    pub earned_achievements: Vec<String>,
    /// Mastery evidence per topic, at most one record per topic.
    pub topic_stats: Vec<TopicStats>,
}

/// Today's plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyPlan {
    /// The lesson to take, if any is left: the lowest-position lesson not completed
    /// whose prerequisites are all completed.
    pub lesson_id: Option<String>,
    /// The step to do now in `lesson-id`: its first step not done, in lesson order;
    /// absent without a lesson, or when its `steps` are empty or all done.
    pub step_id: Option<String>,
    /// Review items due now, lowest recall probability first, at most 20.
    pub review_ids: Vec<String>,
    /// Why this plan, shown to the learner (English).
    pub reason: String,
}

/// What kind of step an outcome is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StepKind {
    /// Reading or watching; no answer to grade.
    Explanation,
    /// A quiz question.
    Quiz,
    /// A code exercise checked by tests.
    Code,
    /// A mini-project.
    Project,
}

/// How well an item was recalled (FSRS grades 1 to 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Rating {
    /// Forgotten: the answer was wrong.
    Again,
    /// Recalled with difficulty.
    Hard,
    /// Recalled.
    Good,
    /// Recalled perfectly and quickly.
    Easy,
}

/// The outcome of one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepOutcome {
    /// The step or review item.
    pub item_id: String,
    /// Topic of the step.
    pub topic: String,
    /// Kind of step.
    pub kind: StepKind,
    /// Score from 0.0 to 1.0.
    pub score: f64,
    /// Whether the answer was correct.
    pub correct: bool,
    /// Time spent in milliseconds.
    pub duration_ms: u32,
    /// Time the step is expected to take, in milliseconds (above 0); when absent the
    /// engine assumes 60 s for explanations, 30 s for quizzes, 5 min for code and
    /// 30 min for projects. Used to tell a slow (hard) from a fast (easy) recall.
    pub expected_duration_ms: Option<u32>,
    /// Which try at this step this was, from 1.
    pub attempt: u32,
    /// The lesson the step belongs to; absent for a review outside a lesson. Must be
    /// in `completed` or `available`.
    pub lesson_id: Option<String>,
    /// Whether this step completed its lesson (requires `lesson-id`).
    pub lesson_completed: bool,
    /// Code quality rated by a reviewer, 0.0 to 1.0 (code and project steps); feeds the
    /// code-quality part of mastery.
    pub code_quality: Option<f64>,
}

/// How the streak changed with an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StreakChange {
    /// First activity (no `last-active-date`, or a stored streak of 0): the streak is 1.
    Started,
    /// Already active today (or the stored date is later than today): unchanged.
    Kept,
    /// Active yesterday: the streak grows by one.
    Extended,
    /// Exactly one day was missed and a streak freeze forgave it (at most one freeze
    /// per 7 days: the missed day is at least 7 days after `last-freeze-date`): the
    /// streak grows by one and `last-freeze-date` becomes the missed day.
    Frozen,
    /// Days were missed beyond what a freeze forgives: a streak of 1 or more restarts
    /// at 1.
    Reset,
}

/// How an outcome changes the learner's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressUpdate {
    /// New memory state of the item; absent for explanation and project steps, which
    /// are not review items.
    pub review: Option<ReviewState>,
    /// The FSRS rating the outcome was mapped to; absent when `review` is.
    pub rating: Option<Rating>,
    /// XP earned by this outcome.
    pub xp_earned: u32,
    /// New streak in days.
    pub streak_days: u32,
    /// How the streak changed.
    pub streak_change: StreakChange,
    /// New `last-active-date` (today, local), unless the stored one is later.
    pub last_active_date: String,
    /// New `last-freeze-date`.
    pub last_freeze_date: Option<String>,
    /// New mastery evidence of the outcome's topic.
    pub topic_stats: TopicStats,
    /// New mastery of the outcome's topic, 0.0 to 1.0.
    pub mastery: f64,
    /// Achievement ids newly earned, in catalog order.
    pub achievements: Vec<String>,
}

/// Mastery of one topic with the components it was computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicMastery {
    /// Topic.
    pub topic: String,
    /// Mastery, 0.0 to 1.0.
    pub mastery: f64,
    /// Quiz component, absent without quiz attempts.
    pub quiz: Option<f64>,
    /// Exercise component, absent without exercise attempts.
    pub exercises: Option<f64>,
    /// Code-quality component, absent without ratings.
    pub code_quality: Option<f64>,
    /// Consistency component: streak and the recall of the topic's review items.
    pub consistency: f64,
}

/// A track that ends in a certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackRef {
    /// Track id.
    pub track_id: String,
    /// Lessons the track consists of; all must be completed.
    pub lesson_ids: Vec<String>,
    /// Topics the track certifies. The topics of the track's lessons found in
    /// `available` are added to these.
    pub topics: Vec<String>,
}

/// Whether a learner may receive a track's certificate, and what is missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateReport {
    /// Track id.
    pub track_id: String,
    /// True when every lesson is completed and every topic reaches `required-mastery`.
    pub eligible: bool,
    /// Lessons of the track not completed, in track order.
    pub missing_lessons: Vec<String>,
    /// Topics below `required-mastery`, with their mastery, in topic order.
    pub weak_topics: Vec<TopicMastery>,
    /// Mastery each topic needs (0.7).
    pub required_mastery: f64,
}

/// One achievement the engine awards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AchievementInfo {
    /// Achievement id, e.g. `consistent-learner`.
    pub id: String,
    /// Title shown to the learner (English).
    pub title: String,
    /// What earns it (English).
    pub description: String,
    /// Earned once per topic; the earned id is then `<id>:<topic>`, e.g.
    /// `topic-mastered:python.loops`.
    pub per_topic: bool,
}
