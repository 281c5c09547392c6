//! What the learning services answer: one set of types for REST (serde, OpenAPI) and
//! GraphQL (async-graphql; field names in camelCase there, snake_case in JSON).

use async_graphql::{Json, SimpleObject};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::content::spec::RubricCriterion;
use crate::grading::PartFeedback;

/// `LessonStep` (docs/requirements.md#r-000-4): where the learner is today.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, SimpleObject)]
pub struct LessonStep {
    /// `lesson` (a step of a lesson to do), `review` (no lesson left; a review item is
    /// due) or `done` (nothing left today).
    pub mode: String,
    /// The lesson, unless `done`.
    pub lesson: Option<LessonInfo>,
    /// The step to do now, unless `done`.
    pub step: Option<StepView>,
    /// Review items due now (spaced repetition), most forgotten first.
    pub reviews: Vec<ReviewItem>,
    /// Why this plan (from the lesson engine).
    pub reason: String,
    /// The learner's tone.
    pub tone: String,
    /// Current streak in days.
    pub streak_days: i64,
    /// Total XP.
    pub total_xp: i64,
}

/// The learner's own part of today's lesson (`GET /api/v1/lessons/daily/place`): everything
/// of [`LessonStep`] but the lesson's content, which the edge caches per content version
/// (docs/edge.md, "Lesson content") and joins with this to answer `/lessons/daily`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DailyPlace {
    /// As [`LessonStep::mode`].
    pub mode: String,
    /// The lesson's id, content version and the learner's progress in it, unless `done`.
    pub lesson: Option<LessonPlace>,
    /// The step to do now and the learner's state of it, unless `done`.
    pub step: Option<StepPlace>,
    /// Review items due now.
    pub reviews: Vec<ReviewItem>,
    /// Why this plan.
    pub reason: String,
    /// The learner's tone.
    pub tone: String,
    /// Current streak in days.
    pub streak_days: i64,
    /// Total XP.
    pub total_xp: i64,
}

/// Which lesson, and how far the learner is in it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LessonPlace {
    /// Lesson id.
    pub id: String,
    /// The version of its content (`GET /_internal/edge/lessons/{id}` answers with the same).
    pub content_version: String,
    /// Steps the learner has done.
    pub completed_steps: i64,
    /// `not_started`, `in_progress` or `completed`.
    pub status: String,
}

/// Which step, and the learner's own view of it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StepPlace {
    /// Step id.
    pub id: String,
    /// Whether the learner has done it.
    pub done: bool,
    /// The step's text rewritten in the learner's tone, when one is stored (else the
    /// authored text of the lesson's content applies).
    pub body: Option<String>,
}

/// A lesson's content as every learner sees it (`GET /_internal/edge/lessons/{id}`): the
/// lesson with no progress, and each step not done, in the authored tone.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LessonContent {
    /// The version of this content: it changes whenever content is imported.
    pub content_version: String,
    /// The lesson (`completed_steps` 0, `status` `not_started`).
    pub lesson: LessonInfo,
    /// Its steps in order (`done` false, `tone_applied` false).
    pub steps: Vec<StepView>,
}

impl LessonStep {
    /// Today's lesson from the learner's place and the lesson's content: what
    /// `/lessons/daily` answers, at the origin and (joined the same way) at the edge.
    pub fn join(place: DailyPlace, content: Option<&LessonContent>) -> LessonStep {
        let lesson = place.lesson.as_ref().zip(content).map(|(p, c)| LessonInfo {
            completed_steps: p.completed_steps,
            status: p.status.clone(),
            ..c.lesson.clone()
        });
        let step = place.step.as_ref().zip(content).and_then(|(p, c)| {
            let mut view = c.steps.iter().find(|s| s.id == p.id)?.clone();
            view.done = p.done;
            if let Some(body) = &p.body {
                view.body.clone_from(body);
                view.tone_applied = true;
            }
            Some(view)
        });
        LessonStep {
            mode: place.mode,
            lesson,
            step,
            reviews: place.reviews,
            reason: place.reason,
            tone: place.tone,
            streak_days: place.streak_days,
            total_xp: place.total_xp,
        }
    }
}

/// A lesson and the learner's place in it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, SimpleObject)]
pub struct LessonInfo {
    /// Lesson id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Topic, e.g. `python.loops`.
    pub topic: String,
    /// Summary.
    pub summary: String,
    /// Track id.
    pub track_id: String,
    /// Course id.
    pub course_id: String,
    /// Course title.
    pub course_title: String,
    /// Module id.
    pub module_id: String,
    /// Module title.
    pub module_title: String,
    /// Estimated minutes.
    pub estimated_minutes: Option<i64>,
    /// Steps in the lesson.
    pub step_count: i64,
    /// Steps the learner has done.
    pub completed_steps: i64,
    /// `not_started`, `in_progress` or `completed`.
    pub status: String,
}

/// One step as a learner sees it (answer keys, solutions and hidden tests left out).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, SimpleObject)]
pub struct StepView {
    /// Step id.
    pub id: String,
    /// Lesson id.
    pub lesson_id: String,
    /// Position in the lesson, from 0.
    pub position: i64,
    /// `explanation`, `quiz`, `code_exercise` or `mini_project`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Markdown text (explanations; the task of exercises and projects), in the learner's
    /// tone when a rewrite is stored.
    pub body: String,
    /// Whether `body` is a rewrite in the learner's tone (false: the authored text).
    pub tone_applied: bool,
    /// XP the step is worth at full score, before bonuses.
    pub xp: i64,
    /// The question of a quiz step.
    pub question: Option<QuestionView>,
    /// Starter code of a code exercise.
    pub starter_code: Option<String>,
    /// The rubric of a mini-project.
    pub rubric: Option<Vec<RubricCriterion>>,
    /// Whether the learner has done this step.
    pub done: bool,
    /// How to answer: the REST route for this step.
    pub submit_to: Option<String>,
}

/// A quiz question without its answer key.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, SimpleObject)]
pub struct QuestionView {
    /// Question kind, e.g. `multiple_choice`.
    pub kind: String,
    /// The prompt.
    pub prompt: String,
    /// Options of a choice question.
    pub options: Vec<String>,
    /// A multiple-choice question with more than one right option (clients show
    /// checkboxes rather than radio buttons, as Moodle's "select one or more" does).
    pub multiple_answers: bool,
}

/// A review item due.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, SimpleObject)]
pub struct ReviewItem {
    /// The step to answer again.
    pub step_id: String,
    /// Its lesson.
    pub lesson_id: String,
    /// Topic.
    pub topic: String,
    /// Step kind.
    pub kind: String,
    /// When it fell due, RFC 3339.
    pub due_at: String,
}

/// How an answer changed the learner's progress.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, SimpleObject)]
pub struct ProgressChange {
    /// XP earned by this answer.
    pub xp_earned: i64,
    /// Total XP after it.
    pub total_xp: i64,
    /// Streak after it, in days.
    pub streak_days: i64,
    /// `started`, `kept`, `extended`, `frozen` (a missed day forgiven) or `reset`.
    pub streak_change: String,
    /// The step's topic.
    pub topic: String,
    /// Mastery of the topic after it, 0.0 to 1.0.
    pub mastery: f64,
    /// Achievements earned by it.
    pub achievements: Vec<AchievementView>,
    /// Whether it completed its lesson.
    pub lesson_completed: bool,
    /// When the step is due for review, RFC 3339 (quiz and code steps).
    pub next_review_at: Option<String>,
    /// A certificate it earned.
    pub certificate: Option<CertificateView>,
}

/// An earned achievement.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, SimpleObject)]
pub struct AchievementView {
    /// Achievement id, e.g. `consistent-learner` or `topic-mastered:python.loops`.
    pub id: String,
    /// Title.
    pub title: String,
    /// What earned it.
    pub description: String,
    /// When, RFC 3339.
    pub earned_date: String,
    /// An emoji for the badge.
    pub badge_icon: String,
    /// XP the achievement awarded on top of the step's (docs/learning.md).
    pub xp_awarded: i64,
}

/// A certificate.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, SimpleObject)]
pub struct CertificateView {
    /// Certificate id.
    pub id: String,
    /// Track id.
    pub track_id: String,
    /// Track title.
    pub track_title: String,
    /// When issued, RFC 3339.
    pub issued_at: String,
}

/// `QuizFeedback` (docs/requirements.md#r-000-4).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, SimpleObject)]
pub struct QuizFeedback {
    /// The step.
    pub step_id: String,
    /// Which try this was, from 1.
    pub attempt: i64,
    /// Whether the answer was right.
    pub correct: bool,
    /// 0.0 to 1.0.
    pub score: f64,
    /// Feedback from the grader.
    pub feedback: String,
    /// The step's explanation, shown after answering.
    pub explanation: Option<String>,
    /// Feedback per part of the answer.
    pub parts: Vec<PartFeedback>,
    /// True when this step was answered before and this is the stored feedback.
    pub replayed: bool,
    /// Whether the answer was a spaced-repetition review.
    pub review: bool,
    /// How the answer changed the learner's progress.
    pub progress: ProgressChange,
    /// The next step of the lesson, if any.
    pub next_step_id: Option<String>,
}

/// The result of a code exercise submission.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, SimpleObject)]
pub struct ExerciseResult {
    /// The step.
    pub step_id: String,
    /// Which try this was, from 1 (0 for a practice run).
    pub attempt: i64,
    /// Whether every counted test passed.
    pub passed: bool,
    /// Share of the tests' weight passed, 0.0 to 1.0.
    pub score: f64,
    /// Feedback from the grader.
    pub feedback: String,
    /// Per-test results (`tests`: name, passed, status, expected, actual, stdout, stderr;
    /// docs/grading.md `code_exercise`).
    #[schema(value_type = Object)]
    pub details: Json<serde_json::Value>,
    /// Feedback per test.
    pub parts: Vec<PartFeedback>,
    /// True when this exact code was submitted before and this is the stored result.
    pub replayed: bool,
    /// True for a run after the step was passed and before it is due for review: graded,
    /// not recorded, no XP.
    pub practice: bool,
    /// Whether the submission was a spaced-repetition review.
    pub review: bool,
    /// How the submission changed the learner's progress (absent for practice).
    pub progress: Option<ProgressChange>,
    /// The next step of the lesson, if any.
    pub next_step_id: Option<String>,
}

/// The result of reading an explanation step.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, SimpleObject)]
pub struct StepCompletion {
    /// The step.
    pub step_id: String,
    /// True when the step was already done.
    pub replayed: bool,
    /// How it changed the learner's progress.
    pub progress: ProgressChange,
    /// The next step of the lesson, if any.
    pub next_step_id: Option<String>,
}

/// `ProjectScore` (docs/requirements.md#r-000-4): a mini-project submission and, once graded, its
/// score.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, SimpleObject)]
pub struct ProjectScore {
    /// Submission (job) id; poll `GET /api/v1/projects/submissions/{id}`.
    pub submission_id: String,
    /// The mini-project step.
    pub project_id: String,
    /// `queued`, `grading`, `graded` or `failed`.
    pub status: String,
    /// 0.0 to 1.0, once graded.
    pub score: Option<f64>,
    /// Whether the rubric's pass mark was reached, once graded.
    pub passed: Option<bool>,
    /// Overall feedback, once graded.
    pub feedback: Option<String>,
    /// Points per rubric criterion, once graded.
    pub criteria: Vec<CriterionScore>,
    /// True when the grade came from the offline heuristic and a person should look.
    pub needs_review: bool,
    /// When submitted, RFC 3339.
    pub submitted_at: String,
    /// When graded, RFC 3339.
    pub graded_at: Option<String>,
    /// Why grading failed.
    pub error: Option<String>,
    /// How the graded project changed the learner's progress.
    pub progress: Option<ProgressChange>,
}

/// Points for one rubric criterion.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, SimpleObject)]
pub struct CriterionScore {
    /// Criterion id.
    pub id: String,
    /// What was judged.
    pub criterion: String,
    /// Points given.
    pub points: f64,
    /// Points possible.
    pub max_points: f64,
    /// Why.
    pub feedback: String,
}

/// `ShareLink` (docs/requirements.md#r-000-4): a public, signed link to a learner's badge.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, SimpleObject)]
pub struct ShareLink {
    /// The badge page (HTML with OpenGraph tags).
    pub url: String,
    /// The badge image (SVG).
    pub image_url: String,
    /// The signed token in both.
    pub token: String,
    /// Track id.
    pub track_id: String,
    /// The certificate the badge shows.
    pub certificate_id: String,
}

/// Mastery of one topic.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, SimpleObject)]
pub struct TopicMasteryView {
    /// Topic.
    pub topic: String,
    /// Mastery, 0.0 to 1.0.
    pub mastery: f64,
    /// Whether the topic is mastered (≥ 0.8).
    pub mastered: bool,
    /// Quiz component, absent without quiz answers.
    pub quiz: Option<f64>,
    /// Exercise component, absent without exercises.
    pub exercises: Option<f64>,
    /// Code-quality component, absent without ratings.
    pub code_quality: Option<f64>,
    /// Consistency component.
    pub consistency: f64,
}

/// A learner's mastery per topic.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, SimpleObject)]
pub struct MasteryReport {
    /// The learner.
    pub user_id: String,
    /// Mean mastery over the topics, 0.0 to 1.0 (0 without topics).
    pub overall: f64,
    /// Per topic, sorted by topic.
    pub topics: Vec<TopicMasteryView>,
}
