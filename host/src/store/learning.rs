//! What learners did and what the lesson engine decided from it: lesson progress,
//! attempts, the review schedule, XP, achievements, topic evidence and certificates
//! (`migrations/*/0006_learning.sql`). An outcome is written in one transaction, so a
//! crash never leaves XP without its attempt or a streak without its day.
//!
//! Attempts are capped per learner and step: past the cap the oldest ones (but the first
//! and the first correct) are folded into `attempt_rollups` and `attempt_days` in the
//! same transaction, so totals stay exact. Answer texts are read only for the export;
//! progress views read totals aggregated in SQL.

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::codec::text_enum;
use crate::learning::Tone;

text_enum! {
    /// What kind of answer an attempt was (the lesson engine's step kinds; the `kind`
    /// column of `attempts`).
    pub enum AttemptKind as "attempt kind" {
        /// An explanation read.
        Explanation = "explanation",
        /// A quiz answer.
        Quiz = "quiz",
        /// Code submitted for an exercise.
        Code = "code",
        /// A mini-project graded.
        Project = "project",
    }
}

text_enum! {
    /// How far a learner is in a lesson (`lesson_progress.status`; `not_started` is never
    /// stored: it is a lesson without a row).
    pub enum LessonStatus as "lesson status" {
        /// No step done.
        NotStarted = "not_started",
        /// Some steps done.
        InProgress = "in_progress",
        /// Every step done once.
        Completed = "completed",
    }
}

use super::{Db, StoreError};

/// The learner's row and totals, as the lesson engine needs them.
#[derive(Debug, Clone)]
pub struct LearnerRow {
    /// User id.
    pub user_id: String,
    /// Display name (certificates, badges).
    pub full_name: String,
    /// Preferred lesson tone.
    pub tone: Tone,
    /// IANA time zone.
    pub timezone: String,
    /// Current streak in days.
    pub streak: i64,
    /// Local date of the last day that counted for the streak.
    pub last_active_date: Option<String>,
    /// Local date of the missed day a freeze last forgave.
    pub last_freeze_date: Option<String>,
    /// Total XP.
    pub total_xp: i64,
    /// Longest streak ever.
    pub longest_streak: i64,
}

/// FSRS memory state of one review item.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRow {
    /// Item (step) id.
    pub item_id: String,
    /// Topic.
    pub topic: String,
    /// Stability in days.
    pub stability: f64,
    /// Difficulty 1-10.
    pub difficulty: f64,
    /// Due, ms since the epoch.
    pub due_at: i64,
    /// Last review, ms since the epoch.
    pub last_review: i64,
    /// Successful reviews.
    pub reps: i64,
    /// Lapses.
    pub lapses: i64,
}

/// Mastery evidence of one topic.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicStatsRow {
    /// Topic.
    pub topic: String,
    /// Quiz steps answered.
    pub quiz_attempts: i64,
    /// Recency-weighted quiz score.
    pub quiz_score: f64,
    /// Exercises and projects submitted.
    pub exercise_attempts: i64,
    /// Of those, passed.
    pub exercises_passed: i64,
    /// Recency-weighted exercise result.
    pub exercise_score: f64,
    /// Code-quality ratings.
    pub code_quality_ratings: i64,
    /// Recency-weighted code quality.
    pub code_quality: f64,
    /// Mastery after the last outcome.
    pub mastery: f64,
}

/// Everything stored about a learner's learning, read at once.
#[derive(Debug, Clone)]
pub struct LearnerData {
    /// The learner.
    pub learner: LearnerRow,
    /// Completed lesson ids.
    pub completed: Vec<String>,
    /// Review items.
    pub reviews: Vec<ReviewRow>,
    /// Topic evidence.
    pub topics: Vec<TopicStatsRow>,
    /// Earned achievements with the time earned (ms), oldest first.
    pub achievements: Vec<(String, i64)>,
    /// Steps done as (lesson id, step id): explanations read, quizzes answered, code
    /// passed, projects graded.
    pub done_steps: Vec<(String, String)>,
    /// The courses the learner enrolled in, with when (ms) and when finished.
    pub enrolled: Vec<(String, i64, Option<i64>)>,
}

/// One stored answer to a step, without the answer's text (read only for the export,
/// [`Db::attempts_with_answers`]).
#[derive(Debug, Clone)]
pub struct AttemptRow {
    /// Attempt id.
    pub id: String,
    /// Step id.
    pub step_id: String,
    /// Lesson id.
    pub lesson_id: String,
    /// What was answered.
    pub kind: AttemptKind,
    /// Which try, from 1; numbers go on past pruned attempts.
    pub attempt: i64,
    /// SHA-256 of the answer as submitted: an identical resubmission replays.
    pub answer_hash: String,
    /// Score 0-1.
    pub score: f64,
    /// Correct.
    pub correct: bool,
    /// Whether it was a spaced-repetition review.
    pub review: bool,
    /// Time spent as the client reported it.
    pub duration_ms: Option<i64>,
    /// The feedback returned, JSON.
    pub feedback: String,
    /// When, ms.
    pub created_at: i64,
}

/// A lesson's progress row.
#[derive(Debug, Clone)]
pub struct LessonProgressRow {
    /// Lesson id.
    pub lesson_id: String,
    /// Position of the next step to do.
    pub step: i64,
    /// `in_progress` or `completed`.
    pub status: LessonStatus,
    /// Started, ms.
    pub started_at: i64,
    /// Completed, ms.
    pub completed_at: Option<i64>,
    /// Last change, ms.
    pub updated_at: i64,
}

/// A learner's answers summed over every attempt ever made, pruned ones included.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AttemptTotals {
    /// Quiz answers.
    pub quiz_answers: i64,
    /// Their scores added up (0-1 each).
    pub quiz_score_sum: f64,
    /// Spaced-repetition reviews answered.
    pub reviews: i64,
    /// Of those, correct.
    pub reviews_correct: i64,
    /// Time spent: reported per answer, or the engine's expected time of its kind.
    pub study_ms: i64,
    /// UTC days with at least one answer.
    pub active_days: i64,
}

/// One stored answer, briefly: what the progress analytics read (`learning::analytics`).
#[derive(Debug, Clone)]
pub struct AttemptBrief {
    /// Its lesson.
    pub lesson_id: String,
    /// `explanation`, `quiz`, `code` or `project`.
    pub kind: String,
    /// Score, 0-1.
    pub score: f64,
    /// When, ms.
    pub created_at: i64,
    /// Time spent: reported, or the engine's expected time of its kind.
    pub study_ms: i64,
}

/// An outcome to store: the attempt and everything the engine decided from it.
#[derive(Debug, Clone)]
pub struct OutcomeWrite {
    /// The learner.
    pub user_id: String,
    /// The attempt.
    pub attempt: AttemptRow,
    /// The answer as submitted (JSON text), for the learner's export.
    pub answer: String,
    /// Latest attempts kept at this step besides the first and the first correct one;
    /// older ones are folded into the totals.
    pub keep_latest: i64,
    /// New memory state of the item.
    pub review: Option<ReviewRow>,
    /// XP earned.
    pub xp: i64,
    /// New streak.
    pub streak: i64,
    /// New last active date.
    pub last_active_date: String,
    /// New last freeze date.
    pub last_freeze_date: Option<String>,
    /// New evidence of the topic.
    pub topic: TopicStatsRow,
    /// Newly earned achievements, each with the XP it awards.
    pub achievements: Vec<(String, i64)>,
    /// The lesson's new progress.
    pub lesson: Option<LessonProgressRow>,
    /// A certificate the outcome earns: (certificate id, track id).
    pub certificate: Option<(String, String)>,
    /// Events reporting the outcome, staged in the outbox in the same transaction.
    pub events: Vec<crate::events::Envelope>,
    /// A course the outcome finishes (its last lesson completed): its enrolment, if any,
    /// is marked finished and counts toward the listing's completions.
    pub course_completed: Option<String>,
    /// Feed items the outcome makes (a course finished, a badge, a certificate, a streak
    /// milestone); the feed shows them only while the learner shares their activity.
    pub feed: Vec<super::feed::FeedItemRow>,
}

fn learner_row(r: &AnyRow) -> Result<LearnerRow, sqlx::Error> {
    Ok(LearnerRow {
        user_id: r.try_get("id")?,
        full_name: r.try_get("full_name")?,
        tone: r.try_get("tone")?,
        timezone: r.try_get("timezone")?,
        streak: r.try_get("streak")?,
        last_active_date: r.try_get("last_active_date")?,
        last_freeze_date: r.try_get("last_freeze_date")?,
        total_xp: r.try_get::<Option<i64>, _>("total_xp")?.unwrap_or(0),
        longest_streak: r.try_get::<Option<i64>, _>("longest_streak")?.unwrap_or(0),
    })
}

fn attempt_row(r: &AnyRow) -> Result<AttemptRow, sqlx::Error> {
    Ok(AttemptRow {
        id: r.try_get("id")?,
        step_id: r.try_get("step_id")?,
        lesson_id: r.try_get("lesson_id")?,
        kind: r.try_get("kind")?,
        attempt: r.try_get("attempt")?,
        answer_hash: r.try_get("answer_hash")?,
        score: r.try_get("score")?,
        correct: r.try_get::<i64, _>("correct")? != 0,
        review: r.try_get::<i64, _>("review")? != 0,
        duration_ms: r.try_get("duration_ms")?,
        feedback: r.try_get("feedback")?,
        created_at: r.try_get("created_at")?,
    })
}

fn progress_row(r: &AnyRow) -> Result<LessonProgressRow, sqlx::Error> {
    Ok(LessonProgressRow {
        lesson_id: r.try_get("lesson_id")?,
        step: r.try_get("step")?,
        status: r.try_get("status")?,
        started_at: r.try_get("started_at")?,
        completed_at: r.try_get("completed_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

const LEARNER_QUERY: &str = "SELECT u.id, u.full_name, u.tone, u.timezone, u.streak, \
     u.last_active_date, u.last_freeze_date, p.total_xp, p.longest_streak \
     FROM users u LEFT JOIN profiles p ON p.user_id = u.id WHERE u.id = $1";

/// Everything the lesson engine needs about a learner in one round trip, rows tagged by
/// kind: `u` the user and profile, `c` completed lesson, `r` review item, `t` topic stats,
/// `a` achievement, `d` step done. Every NULL is cast:
/// Postgres reads a bare NULL as text.
const LEARNER_ROWS: &str = "\
    SELECT 'u' AS k, u.full_name AS s1, u.tone AS s2, u.timezone AS s3, u.last_active_date \
    AS s4, u.last_freeze_date AS s5, CAST(NULL AS DOUBLE PRECISION) AS f1, CAST(NULL AS \
    DOUBLE PRECISION) AS f2, CAST(NULL AS DOUBLE PRECISION) AS f3, CAST(NULL AS DOUBLE \
    PRECISION) AS f4, u.streak AS i1, p.total_xp AS i2, p.longest_streak AS i3, CAST(NULL \
    AS BIGINT) AS i4 FROM users u LEFT JOIN profiles p ON p.user_id = u.id WHERE u.id = $1 \
    UNION ALL SELECT 'c', lesson_id, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS \
    TEXT), CAST(NULL AS TEXT), CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS DOUBLE \
    PRECISION), CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS DOUBLE PRECISION), CAST(NULL \
    AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT) FROM \
    lesson_progress WHERE user_id = $1 AND status = 'completed' UNION ALL SELECT 'r', \
    item_id, topic, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), stability, \
    difficulty, CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS DOUBLE PRECISION), due_at, \
    last_review, reps, lapses FROM review_schedule WHERE user_id = $1 UNION ALL SELECT \
    't', topic, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS \
    TEXT), quiz_score, exercise_score, code_quality, mastery, quiz_attempts, \
    exercise_attempts, exercises_passed, code_quality_ratings FROM topic_stats WHERE \
    user_id = $1 UNION ALL SELECT 'a', achievement_id, CAST(NULL AS TEXT), CAST(NULL AS \
    TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS DOUBLE PRECISION), \
    CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS DOUBLE \
    PRECISION), earned_at, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS \
    BIGINT) FROM achievements WHERE user_id = $1 UNION ALL SELECT DISTINCT 'd', step_id, \
    lesson_id, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS \
    DOUBLE PRECISION), CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS DOUBLE PRECISION), \
    CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL \
    AS BIGINT), CAST(NULL AS BIGINT) FROM attempts WHERE user_id = $1 AND (kind = 'quiz' \
    OR kind = 'project' OR correct = 1) UNION ALL SELECT 'e', course_id, CAST(NULL AS TEXT), \
    CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS DOUBLE \
    PRECISION), CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS \
    DOUBLE PRECISION), enrolled_at, completed_at, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT) \
    FROM course_enrollments WHERE user_id = $1";

const ATTEMPT_COLUMNS: &str = "id, step_id, lesson_id, kind, attempt, answer_hash, score, \
     correct, review, duration_ms, feedback, created_at";

/// An attempt's time: reported, or the lesson engine's expected time of its kind.
const STUDY_MS: &str = "COALESCE(duration_ms, CASE kind WHEN 'explanation' THEN 60000 \
     WHEN 'quiz' THEN 30000 WHEN 'code' THEN 300000 ELSE 1800000 END)";

/// A learner's totals over stored attempts and the rollups of pruned ones, in one round
/// trip. Sums are cast: Postgres sums BIGINTs as NUMERIC, which the Any driver cannot read.
fn totals_query() -> String {
    format!(
        "SELECT CAST(SUM(quiz_answers) AS BIGINT) AS quiz_answers, \
         CAST(SUM(quiz_score_sum) AS DOUBLE PRECISION) AS quiz_score_sum, \
         CAST(SUM(reviews) AS BIGINT) AS reviews, \
         CAST(SUM(reviews_correct) AS BIGINT) AS reviews_correct, \
         CAST(SUM(study_ms) AS BIGINT) AS study_ms, \
         (SELECT COUNT(*) FROM (SELECT created_at / 86400000 AS day FROM attempts \
          WHERE user_id = $1 UNION SELECT day FROM attempt_days WHERE user_id = $1) d) \
         AS active_days \
         FROM (SELECT CASE WHEN kind = 'quiz' THEN 1 ELSE 0 END AS quiz_answers, \
         CASE WHEN kind = 'quiz' THEN score ELSE 0.0 END AS quiz_score_sum, \
         review AS reviews, CASE WHEN review = 1 AND correct = 1 THEN 1 ELSE 0 END \
         AS reviews_correct, {STUDY_MS} AS study_ms FROM attempts WHERE user_id = $1 \
         UNION ALL SELECT quiz_answers, quiz_score_sum, reviews, reviews_correct, study_ms \
         FROM attempt_rollups WHERE user_id = $1) t"
    )
}

/// The attempts of one learner and step that the cap prunes: after the first ($3), up to
/// the latest N ($4 is the last one to prune), never the first correct one ($5).
const PRUNED: &str = "FROM attempts WHERE user_id = $1 AND step_id = $2 AND attempt > $3 \
     AND attempt <= $4 AND attempt <> $5";

impl Db {
    /// The learner's row, `None` for an unknown (or deleted) user.
    pub async fn learner(&self, user_id: &str) -> Result<Option<LearnerRow>, StoreError> {
        let row = sqlx::query(LEARNER_QUERY)
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.as_ref().map(learner_row).transpose()?)
    }

    /// Everything the lesson engine needs about the learner, from the database; `None` for
    /// an unknown user. One round trip: a daily lesson is read far more often than anything
    /// is written. Callers go through [`Db::learner_data`], which keeps it
    /// (`store::learner_cache`).
    pub(super) async fn read_learner_data(
        &self,
        user_id: &str,
    ) -> Result<Option<LearnerData>, StoreError> {
        let rows = sqlx::query(LEARNER_ROWS)
            .bind(user_id)
            .fetch_all(self.pool())
            .await?;
        let mut learner = None;
        let (mut completed, mut reviews, mut topics, mut achievements, mut done) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut enrolled = Vec::new();
        for r in &rows {
            let kind: String = r.try_get("k")?;
            let s1: String = r.try_get("s1")?;
            let f = |name: &str| -> Result<f64, sqlx::Error> {
                Ok(r.try_get::<Option<f64>, _>(name)?.unwrap_or(0.0))
            };
            let i = |name: &str| -> Result<i64, sqlx::Error> {
                Ok(r.try_get::<Option<i64>, _>(name)?.unwrap_or(0))
            };
            let text = |name: &str| -> Result<Option<String>, sqlx::Error> { r.try_get(name) };
            match kind.as_str() {
                "u" => {
                    learner = Some(LearnerRow {
                        user_id: user_id.to_owned(),
                        full_name: s1,
                        tone: text("s2")?.unwrap_or_default().parse().map_err(|e| {
                            sqlx::Error::ColumnDecode {
                                index: "tone".into(),
                                source: Box::new(e),
                            }
                        })?,
                        timezone: text("s3")?.unwrap_or_default(),
                        last_active_date: text("s4")?,
                        last_freeze_date: text("s5")?,
                        streak: i("i1")?,
                        total_xp: i("i2")?,
                        longest_streak: i("i3")?,
                    })
                }
                "c" => completed.push(s1),
                "r" => reviews.push(ReviewRow {
                    item_id: s1,
                    topic: r.try_get::<Option<String>, _>("s2")?.unwrap_or_default(),
                    stability: f("f1")?,
                    difficulty: f("f2")?,
                    due_at: i("i1")?,
                    last_review: i("i2")?,
                    reps: i("i3")?,
                    lapses: i("i4")?,
                }),
                "t" => topics.push(TopicStatsRow {
                    topic: s1,
                    quiz_attempts: i("i1")?,
                    quiz_score: f("f1")?,
                    exercise_attempts: i("i2")?,
                    exercises_passed: i("i3")?,
                    exercise_score: f("f2")?,
                    code_quality_ratings: i("i4")?,
                    code_quality: f("f3")?,
                    mastery: f("f4")?,
                }),
                "a" => achievements.push((s1, i("i1")?)),
                "e" => enrolled.push((s1, i("i1")?, r.try_get::<Option<i64>, _>("i2")?)),
                _ => done.push((
                    r.try_get::<Option<String>, _>("s2")?.unwrap_or_default(),
                    s1,
                )),
            }
        }
        // Rows of each kind come out in the order the engine expects.
        completed.sort();
        reviews.sort_by(|a, b| a.item_id.cmp(&b.item_id));
        topics.sort_by(|a, b| a.topic.cmp(&b.topic));
        achievements.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        enrolled.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        let Some(learner) = learner else {
            return Ok(None);
        };
        Ok(Some(LearnerData {
            learner,
            completed,
            reviews,
            topics,
            achievements,
            done_steps: done,
            enrolled,
        }))
    }

    /// The learner's stored answers, briefly, oldest first (older ones folded into the
    /// totals are not among them).
    pub async fn attempt_briefs(&self, user_id: &str) -> Result<Vec<AttemptBrief>, StoreError> {
        sqlx::query(&format!(
            "SELECT lesson_id, kind, score, created_at, {STUDY_MS} AS study_ms FROM attempts \
             WHERE user_id = $1 ORDER BY created_at"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(AttemptBrief {
                lesson_id: r.try_get("lesson_id")?,
                kind: r.try_get("kind")?,
                score: r.try_get("score")?,
                created_at: r.try_get("created_at")?,
                study_ms: r.try_get("study_ms")?,
            })
        })
        .collect()
    }

    /// The score of the learner's latest graded answer to each step of `lessons`.
    pub async fn latest_scores(
        &self,
        user_id: &str,
        lessons: &std::collections::HashSet<&str>,
    ) -> Result<Vec<f64>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.lesson_id, a.score FROM attempts a WHERE a.user_id = $1 \
             AND a.kind <> 'explanation' AND a.attempt = (SELECT MAX(b.attempt) FROM attempts b \
             WHERE b.user_id = a.user_id AND b.step_id = a.step_id)",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        let mut scores = Vec::new();
        for r in &rows {
            let lesson: String = r.try_get("lesson_id")?;
            if lessons.contains(lesson.as_str()) {
                scores.push(r.try_get("score")?);
            }
        }
        Ok(scores)
    }

    /// Every lesson-progress row of the learner.
    pub async fn lesson_progress(
        &self,
        user_id: &str,
    ) -> Result<Vec<LessonProgressRow>, StoreError> {
        Ok(sqlx::query(
            "SELECT lesson_id, step, status, started_at, completed_at, updated_at \
             FROM lesson_progress WHERE user_id = $1 ORDER BY updated_at",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(progress_row)
        .collect::<Result<_, _>>()?)
    }

    /// The learner's latest attempt at one step.
    pub async fn latest_attempt(
        &self,
        user_id: &str,
        step_id: &str,
    ) -> Result<Option<AttemptRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE user_id = $1 AND step_id = $2 \
             ORDER BY attempt DESC LIMIT 1"
        ))
        .bind(user_id)
        .bind(step_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(attempt_row).transpose()?)
    }

    /// The learner's latest attempt at one step with this answer hash, made at or after
    /// `since` (ms) when given.
    pub async fn attempt_with_hash(
        &self,
        user_id: &str,
        step_id: &str,
        answer_hash: &str,
        since: Option<i64>,
    ) -> Result<Option<AttemptRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE user_id = $1 AND step_id = $2 \
             AND answer_hash = $3 AND created_at >= $4 ORDER BY attempt DESC LIMIT 1"
        ))
        .bind(user_id)
        .bind(step_id)
        .bind(answer_hash)
        .bind(since.unwrap_or(i64::MIN))
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(attempt_row).transpose()?)
    }

    /// The learner's totals over every attempt ever made (pruned ones included).
    pub async fn attempt_totals(&self, user_id: &str) -> Result<AttemptTotals, StoreError> {
        let r = sqlx::query(&totals_query())
            .bind(user_id)
            .fetch_one(self.pool())
            .await?;
        let int = |name: &str| -> Result<i64, sqlx::Error> {
            Ok(r.try_get::<Option<i64>, _>(name)?.unwrap_or(0))
        };
        Ok(AttemptTotals {
            quiz_answers: int("quiz_answers")?,
            quiz_score_sum: r
                .try_get::<Option<f64>, _>("quiz_score_sum")?
                .unwrap_or(0.0),
            reviews: int("reviews")?,
            reviews_correct: int("reviews_correct")?,
            study_ms: int("study_ms")?,
            active_days: int("active_days")?,
        })
    }

    /// The learner's stored attempts with their answers, oldest first (the export).
    pub async fn attempts_with_answers(
        &self,
        user_id: &str,
    ) -> Result<Vec<(AttemptRow, String)>, StoreError> {
        sqlx::query(&format!(
            "SELECT {ATTEMPT_COLUMNS}, answer FROM attempts WHERE user_id = $1 \
             ORDER BY created_at, attempt"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| Ok((attempt_row(r)?, r.try_get("answer")?)))
        .collect()
    }

    /// Stores an outcome in one transaction. A concurrent copy of the same attempt makes
    /// this fail with [`StoreError::Conflict`]`("attempt")` and writes nothing.
    pub async fn record_outcome(&self, w: &OutcomeWrite) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        insert_attempt(&mut tx, &w.user_id, &w.attempt, &w.answer).await?;
        prune_attempts(&mut tx, &w.user_id, &w.attempt.step_id, w.keep_latest).await?;
        let at = w.attempt.created_at;
        if let Some(r) = &w.review {
            sqlx::query(
                "INSERT INTO review_schedule (user_id, item_id, topic, stability, difficulty, \
                 due_at, last_review, reps, lapses) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (user_id, item_id) DO UPDATE SET topic = excluded.topic, \
                 stability = excluded.stability, difficulty = excluded.difficulty, \
                 due_at = excluded.due_at, last_review = excluded.last_review, \
                 reps = excluded.reps, lapses = excluded.lapses",
            )
            .bind(&w.user_id)
            .bind(&r.item_id)
            .bind(&r.topic)
            .bind(r.stability)
            .bind(r.difficulty)
            .bind(r.due_at)
            .bind(r.last_review)
            .bind(r.reps)
            .bind(r.lapses)
            .execute(&mut *tx)
            .await?;
        }
        if w.xp > 0 {
            insert_xp(
                &mut tx,
                &w.user_id,
                &format!("step:{}", w.attempt.step_id),
                w.xp,
                at,
            )
            .await?;
        }
        sqlx::query(
            "UPDATE users SET streak = $2, last_active_date = $3, last_freeze_date = $4 \
             WHERE id = $1",
        )
        .bind(&w.user_id)
        .bind(w.streak)
        .bind(&w.last_active_date)
        .bind(&w.last_freeze_date)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE profiles SET total_xp = total_xp + $2, \
             longest_streak = CASE WHEN longest_streak < $3 THEN $3 ELSE longest_streak END, \
             total_study_time = total_study_time + $4 WHERE user_id = $1",
        )
        .bind(&w.user_id)
        .bind(w.xp)
        .bind(w.streak)
        .bind(w.attempt.duration_ms.unwrap_or(0) / 1000)
        .execute(&mut *tx)
        .await?;
        upsert_topic_stats(&mut tx, &w.user_id, &w.topic, at).await?;
        for (id, xp) in &w.achievements {
            let earned = sqlx::query(
                "INSERT INTO achievements (user_id, achievement_id, earned_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id, achievement_id) DO NOTHING",
            )
            .bind(&w.user_id)
            .bind(id)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if earned && *xp > 0 {
                insert_xp(&mut tx, &w.user_id, &format!("achievement:{id}"), *xp, at).await?;
                sqlx::query("UPDATE profiles SET total_xp = total_xp + $2 WHERE user_id = $1")
                    .bind(&w.user_id)
                    .bind(*xp)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        if let Some(p) = &w.lesson {
            sqlx::query(
                "INSERT INTO lesson_progress (user_id, lesson_id, step, status, started_at, \
                 completed_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (user_id, lesson_id) DO UPDATE SET step = excluded.step, \
                 status = CASE WHEN lesson_progress.status = 'completed' THEN 'completed' \
                 ELSE excluded.status END, \
                 completed_at = COALESCE(lesson_progress.completed_at, excluded.completed_at), \
                 updated_at = excluded.updated_at",
            )
            .bind(&w.user_id)
            .bind(&p.lesson_id)
            .bind(p.step)
            .bind(p.status)
            .bind(p.started_at)
            .bind(p.completed_at)
            .bind(p.updated_at)
            .execute(&mut *tx)
            .await?;
        }
        if let Some((id, track_id)) = &w.certificate {
            sqlx::query(
                "INSERT INTO certificates (id, user_id, track_id, issued_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, track_id) DO NOTHING",
            )
            .bind(id)
            .bind(&w.user_id)
            .bind(track_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(course_id) = &w.course_completed {
            super::catalog::complete_enrollment(&mut tx, &w.user_id, course_id, at).await?;
        }
        super::feed::insert_items(&mut tx, &w.feed).await?;
        crate::events::outbox::stage(&mut tx, &w.events).await?;
        tx.commit().await?;
        self.learner_changed(&w.user_id).await;
        Ok(())
    }

    /// The learner's certificate for `track_id`.
    pub async fn certificate(
        &self,
        user_id: &str,
        track_id: &str,
    ) -> Result<Option<CertificateRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, user_id, track_id, issued_at FROM certificates \
             WHERE user_id = $1 AND track_id = $2",
        )
        .bind(user_id)
        .bind(track_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(certificate_row).transpose()?)
    }

    /// A certificate by id.
    pub async fn certificate_by_id(&self, id: &str) -> Result<Option<CertificateRow>, StoreError> {
        let row =
            sqlx::query("SELECT id, user_id, track_id, issued_at FROM certificates WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.as_ref().map(certificate_row).transpose()?)
    }

    /// The learner's certificates, oldest first.
    pub async fn certificates(&self, user_id: &str) -> Result<Vec<CertificateRow>, StoreError> {
        Ok(sqlx::query(
            "SELECT id, user_id, track_id, issued_at FROM certificates WHERE user_id = $1 \
             ORDER BY issued_at",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(certificate_row)
        .collect::<Result<_, _>>()?)
    }

    /// Sets the learner's preferred tone.
    pub async fn set_tone(&self, user_id: &str, tone: Tone) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET tone = $2, updated_at = $3 WHERE id = $1")
            .bind(user_id)
            .bind(tone)
            .bind(super::now_ms())
            .execute(self.pool())
            .await?;
        self.learner_changed(user_id).await;
        Ok(())
    }

    /// A step text rewritten in `tone`, if stored for this `source_hash`.
    pub async fn tone_variant(
        &self,
        step_id: &str,
        tone: Tone,
        source_hash: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT body FROM step_tone_variants WHERE step_id = $1 AND tone = $2 \
             AND source_hash = $3",
        )
        .bind(step_id)
        .bind(tone)
        .bind(source_hash)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.try_get("body")).transpose()?)
    }

    /// Stores a step text rewritten in `tone`.
    pub async fn store_tone_variant(
        &self,
        step_id: &str,
        tone: Tone,
        source_hash: &str,
        body: &str,
        model: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO step_tone_variants (step_id, tone, source_hash, body, model, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (step_id, tone) DO UPDATE SET \
             source_hash = excluded.source_hash, body = excluded.body, model = excluded.model, \
             created_at = excluded.created_at",
        )
        .bind(step_id)
        .bind(tone)
        .bind(source_hash)
        .bind(body)
        .bind(model)
        .bind(super::now_ms())
        .execute(self.pool())
        .await?;
        Ok(())
    }
}

/// A certificate.
#[derive(Debug, Clone)]
pub struct CertificateRow {
    /// Certificate id.
    pub id: String,
    /// Holder.
    pub user_id: String,
    /// Track.
    pub track_id: String,
    /// Issued, ms.
    pub issued_at: i64,
}

fn certificate_row(r: &AnyRow) -> Result<CertificateRow, sqlx::Error> {
    Ok(CertificateRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        track_id: r.try_get("track_id")?,
        issued_at: r.try_get("issued_at")?,
    })
}

/// Folds the attempts of `user_id` at `step_id` past the cap into the rollups and deletes
/// them: kept are the first, the first correct one (done steps are read from it) and the
/// latest `keep_latest`.
async fn prune_attempts(
    tx: &mut Transaction<'_, Any>,
    user_id: &str,
    step_id: &str,
    keep_latest: i64,
) -> Result<(), StoreError> {
    let r = sqlx::query(
        "SELECT MIN(attempt) AS first, MAX(attempt) AS last, \
         MIN(CASE WHEN correct = 1 THEN attempt END) AS first_correct \
         FROM attempts WHERE user_id = $1 AND step_id = $2",
    )
    .bind(user_id)
    .bind(step_id)
    .fetch_one(&mut **tx)
    .await?;
    let (Some(first), Some(last)) = (
        r.try_get::<Option<i64>, _>("first")?,
        r.try_get::<Option<i64>, _>("last")?,
    ) else {
        return Ok(());
    };
    let prune_to = last - keep_latest.max(1);
    if prune_to <= first {
        return Ok(());
    }
    let first_correct = r.try_get::<Option<i64>, _>("first_correct")?.unwrap_or(-1);
    for sql in [
        format!(
            "INSERT INTO attempt_rollups (user_id, step_id, attempts, quiz_answers, \
             quiz_score_sum, reviews, reviews_correct, study_ms) \
             SELECT user_id, step_id, COUNT(*), SUM(CASE WHEN kind = 'quiz' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN kind = 'quiz' THEN score ELSE 0.0 END), SUM(review), \
             SUM(CASE WHEN review = 1 AND correct = 1 THEN 1 ELSE 0 END), SUM({STUDY_MS}) \
             {PRUNED} GROUP BY user_id, step_id \
             ON CONFLICT (user_id, step_id) DO UPDATE SET \
             attempts = attempt_rollups.attempts + excluded.attempts, \
             quiz_answers = attempt_rollups.quiz_answers + excluded.quiz_answers, \
             quiz_score_sum = attempt_rollups.quiz_score_sum + excluded.quiz_score_sum, \
             reviews = attempt_rollups.reviews + excluded.reviews, \
             reviews_correct = attempt_rollups.reviews_correct + excluded.reviews_correct, \
             study_ms = attempt_rollups.study_ms + excluded.study_ms"
        ),
        format!(
            "INSERT INTO attempt_days (user_id, day) SELECT DISTINCT user_id, \
             created_at / 86400000 {PRUNED} ON CONFLICT (user_id, day) DO NOTHING"
        ),
        format!("DELETE {PRUNED}"),
    ] {
        sqlx::query(&sql)
            .bind(user_id)
            .bind(step_id)
            .bind(first)
            .bind(prune_to)
            .bind(first_correct)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn insert_attempt(
    tx: &mut Transaction<'_, Any>,
    user_id: &str,
    a: &AttemptRow,
    answer: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO attempts (id, user_id, step_id, lesson_id, kind, attempt, answer_hash, \
         answer, score, correct, review, duration_ms, feedback, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&a.id)
    .bind(user_id)
    .bind(&a.step_id)
    .bind(&a.lesson_id)
    .bind(a.kind)
    .bind(a.attempt)
    .bind(&a.answer_hash)
    .bind(answer)
    .bind(a.score)
    .bind(i64::from(a.correct))
    .bind(i64::from(a.review))
    .bind(a.duration_ms)
    .bind(&a.feedback)
    .bind(a.created_at)
    .execute(&mut **tx)
    .await
    .map_err(|e| StoreError::unique(e, "attempt"))?;
    Ok(())
}

async fn insert_xp(
    tx: &mut Transaction<'_, Any>,
    user_id: &str,
    source: &str,
    amount: i64,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO xp_events (id, user_id, source, amount, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(user_id)
    .bind(source)
    .bind(amount)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes a learner's statistics and mastery of one topic (in the caller's transaction).
pub(crate) async fn upsert_topic_stats(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_id: &str,
    t: &TopicStatsRow,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO topic_stats (user_id, topic, quiz_attempts, quiz_score, \
         exercise_attempts, exercises_passed, exercise_score, code_quality_ratings, \
         code_quality, mastery, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (user_id, topic) DO UPDATE SET quiz_attempts = excluded.quiz_attempts, \
         quiz_score = excluded.quiz_score, exercise_attempts = excluded.exercise_attempts, \
         exercises_passed = excluded.exercises_passed, \
         exercise_score = excluded.exercise_score, \
         code_quality_ratings = excluded.code_quality_ratings, \
         code_quality = excluded.code_quality, mastery = excluded.mastery, \
         updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(&t.topic)
    .bind(t.quiz_attempts)
    .bind(t.quiz_score)
    .bind(t.exercise_attempts)
    .bind(t.exercises_passed)
    .bind(t.exercise_score)
    .bind(t.code_quality_ratings)
    .bind(t.code_quality)
    .bind(t.mastery)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
