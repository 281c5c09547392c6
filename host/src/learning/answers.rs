//! Answering steps: quiz questions (`submitQuiz`), explanations read, and code exercises.
//! Each answer is graded by the grader plugin that claims its kind, turned into progress by
//! the lesson engine, and stored with its feedback in one transaction.
//!
//! Replays: a quiz step answered before (and not due for review) returns the stored
//! feedback, whatever the new answer; a code submission identical to an earlier stored one
//! returns that one's result. Concurrent copies of one answer are recorded once (the
//! attempts table's unique key) and all get the stored feedback. A submission reads the
//! step's latest attempt (and for code the one with the same answer), never every earlier
//! attempt; past `--max-attempts-per-step` the store folds the oldest into totals.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::catalog::{Catalog, Lesson, Step};
use super::engine::{learner_state, review_row, topic_row};
use super::views::{
    AchievementView, CertificateView, ExerciseResult, ProgressChange, QuizFeedback, StepCompletion,
};
use super::{Learning, LearningError, MAX_CODE_BYTES, Now, sha256_hex};
use crate::content::spec;
use crate::events::{Envelope, Topic};
use crate::grading::{GradeError, GradeRequest, GradeResponse, QuestionInput};
use crate::plugins::contract::lesson_engine::{
    LearnerState, ProgressUpdate, StepKind, StepOutcome, StreakChange,
};
use crate::store::StoreError;
use crate::store::learning::{
    AttemptKind, AttemptRow, LearnerData, LessonProgressRow, LessonStatus, OutcomeWrite,
};
use crate::store::rfc3339;

/// One answer to record.
pub(super) struct Answer<'a> {
    pub user_id: &'a str,
    pub lesson: &'a Arc<Lesson>,
    pub step: &'a Arc<Step>,
    pub kind: StepKind,
    pub score: f64,
    pub correct: bool,
    pub review: bool,
    pub attempt: i64,
    pub answer: String,
    pub duration_ms: Option<u32>,
    pub now: Now,
    /// A code exercise's run, reported on `code.submissions`.
    pub run: Option<CodeRun>,
}

/// How a submitted program's tests went, from the grade's details (docs/grading.md).
pub(super) struct CodeRun {
    pub code: String,
    /// The first failing test's status (`runtime_error`, `timeout`, ...), or `ok`.
    pub status: String,
    /// The first failing test's error type (`IndexError`, `Timeout`, ...).
    pub error_type: Option<String>,
    pub tests_passed: i64,
    pub tests_total: i64,
}

impl CodeRun {
    fn of(code: &str, details: Option<&serde_json::Value>) -> CodeRun {
        let tests = details
            .and_then(|d| d["tests"].as_array())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let failing = tests
            .iter()
            .find(|t| t["passed"] != serde_json::Value::Bool(true));
        CodeRun {
            code: code.to_owned(),
            status: failing
                .and_then(|t| t["status"].as_str())
                .unwrap_or("ok")
                .to_owned(),
            error_type: failing
                .and_then(|t| t["error"]["type"].as_str())
                .map(str::to_owned),
            tests_passed: tests.iter().filter(|t| t["passed"] == true).count() as i64,
            tests_total: tests.len() as i64,
        }
    }
}

/// The events an answer reports: its progress, and a code exercise's submission.
fn outcome_events(a: &Answer<'_>, attempt_id: &str, update: &ProgressUpdate) -> Vec<Envelope> {
    let topic = &a.lesson.row.topic;
    let kind = match a.kind {
        StepKind::Quiz => "quiz.answered",
        StepKind::Code => "exercise.submitted",
        StepKind::Project => "project.graded",
        _ => "step.completed",
    };
    let progress = Envelope::new(
        Topic::ProgressEvents,
        kind,
        serde_json::json!({
            "step_id": a.step.row.id,
            "lesson_id": a.lesson.row.id,
            "topic": topic,
            "correct": a.correct,
            "score": a.score.clamp(0.0, 1.0),
            "attempt": a.attempt.max(1),
            "xp": update.xp_earned,
            "mastery": update.mastery.clamp(0.0, 1.0),
            "review": a.review,
        }),
    )
    .for_user(a.user_id)
    .correlated(attempt_id);
    let mut events = vec![progress];
    if let Some(run) = &a.run {
        events.push(
            Envelope::new(
                Topic::CodeSubmissions,
                "exercise.submitted",
                serde_json::json!({
                    "attempt_id": attempt_id,
                    "step_id": a.step.row.id,
                    "topic": topic,
                    "code": run.code,
                    "passed": a.correct,
                    "score": a.score.clamp(0.0, 1.0),
                    "status": run.status,
                    "error_type": run.error_type,
                    "tests_passed": run.tests_passed,
                    "tests_total": run.tests_total,
                }),
            )
            .for_user(a.user_id)
            .correlated(attempt_id),
        );
    }
    events
}

/// What recording an answer decided.
pub(super) struct Recorded {
    pub progress: ProgressChange,
    pub next_step_id: Option<String>,
}

/// Whether a write lost the race to a concurrent copy of the same attempt.
fn raced(e: &LearningError) -> bool {
    matches!(e, LearningError::Store(StoreError::Conflict("attempt")))
}

impl Learning {
    /// `submitQuiz` (docs/requirements.md#r-000-4): grades `answers` to quiz step `step_id`.
    pub async fn submit_quiz(
        &self,
        user_id: &str,
        step_id: &str,
        answers: Value,
        duration_ms: Option<u32>,
        now: Now,
    ) -> Result<QuizFeedback, LearningError> {
        let catalog = self.catalog().await?;
        let (lesson, step) = find_step(&catalog, step_id, spec::StepKind::Quiz)?;
        let quiz = step
            .row
            .spec
            .as_quiz()
            .ok_or_else(|| wrong_kind(step_id, &step, spec::StepKind::Quiz))?;
        if !answers.is_object() {
            return Err(LearningError::invalid(
                "answers",
                "must be a JSON object in the question kind's answer shape, e.g. {\"selected\": [1]}",
            ));
        }
        let data = self.learner_data(user_id).await?;
        let latest = self.db.latest_attempt(user_id, step_id).await?;
        let attempt = next_attempt(latest.as_ref());
        let review = match &latest {
            None => false,
            Some(last)
                if due_since(&data, step_id, now).is_some_and(|due| last.created_at < due) =>
            {
                true
            }
            Some(last) => return replay(last),
        };
        let request = GradeRequest {
            question: question_input(&quiz.question)?,
            answer: raw(&answers)?,
        };
        let grade = crate::grading::grade(&self.registry, request, Some(user_id))
            .await
            .map_err(|e| rename_answer_field(e, "answers"))?;
        let answer = Answer {
            user_id,
            lesson: &lesson,
            step: &step,
            kind: StepKind::Quiz,
            score: grade.score,
            correct: grade.correct,
            review,
            attempt,
            answer: answers.to_string(),
            duration_ms,
            now,
            run: None,
        };
        let explanation = Some(quiz.explanation.clone());
        let result = self
            .record(&catalog, &data, answer, |r| QuizFeedback {
                step_id: step_id.to_owned(),
                attempt,
                correct: grade.correct,
                score: grade.score,
                feedback: grade.feedback.clone(),
                explanation: explanation.clone(),
                parts: grade.parts.clone(),
                replayed: false,
                review,
                progress: r.progress.clone(),
                next_step_id: r.next_step_id.clone(),
            })
            .await;
        match result {
            Err(e) if raced(&e) => self.replay_latest(user_id, step_id).await,
            other => other,
        }
    }

    /// Marks explanation step `step_id` as read.
    pub async fn complete_step(
        &self,
        user_id: &str,
        step_id: &str,
        duration_ms: Option<u32>,
        now: Now,
    ) -> Result<StepCompletion, LearningError> {
        let catalog = self.catalog().await?;
        let (lesson, step) = find_step(&catalog, step_id, spec::StepKind::Explanation)?;
        let data = self.learner_data(user_id).await?;
        if let Some(last) = self.db.latest_attempt(user_id, step_id).await? {
            return replay(&last);
        }
        let answer = Answer {
            user_id,
            lesson: &lesson,
            step: &step,
            kind: StepKind::Explanation,
            score: 1.0,
            correct: true,
            review: false,
            attempt: 1,
            answer: "{}".into(),
            duration_ms,
            now,
            run: None,
        };
        let result = self
            .record(&catalog, &data, answer, |r| StepCompletion {
                step_id: step_id.to_owned(),
                replayed: false,
                progress: r.progress.clone(),
                next_step_id: r.next_step_id.clone(),
            })
            .await;
        match result {
            Err(e) if raced(&e) => self.replay_latest(user_id, step_id).await,
            other => other,
        }
    }

    /// Grades `code` for code exercise `step_id` by running the exercise's tests in the
    /// sandbox (through the code grader).
    pub async fn submit_exercise(
        &self,
        user_id: &str,
        step_id: &str,
        code: String,
        duration_ms: Option<u32>,
        now: Now,
    ) -> Result<ExerciseResult, LearningError> {
        if code.len() > MAX_CODE_BYTES {
            return Err(LearningError::TooLarge {
                field: "code",
                size: code.len(),
                limit: MAX_CODE_BYTES,
            });
        }
        let catalog = self.catalog().await?;
        let (lesson, step) = find_step(&catalog, step_id, spec::StepKind::CodeExercise)?;
        let exercise = step
            .row
            .spec
            .as_code()
            .ok_or_else(|| wrong_kind(step_id, &step, spec::StepKind::CodeExercise))?;
        let data = self.learner_data(user_id).await?;
        let answer_json = serde_json::json!({ "code": code }).to_string();
        let hash = sha256_hex(answer_json.as_bytes());
        let due = due_since(&data, step_id, now);
        // The same code again: its stored result (unless a review fell due since).
        if let Some(same) = self
            .db
            .attempt_with_hash(user_id, step_id, &hash, due)
            .await?
        {
            return replay(&same);
        }
        let latest = self.db.latest_attempt(user_id, step_id).await?;
        // A passed exercise is a done step (its first passing attempt is never pruned).
        let passed_before = data.done_steps.iter().any(|(_, s)| s == step_id);
        let review = passed_before && due.is_some();
        let practice = passed_before && !review;
        let request = GradeRequest {
            question: QuestionInput {
                kind: "code_exercise".into(),
                prompt: step.row.body.clone(),
                options: Vec::new(),
                answer_key: raw(&serde_json::json!({
                    "language": exercise.language,
                    "tests": exercise.tests,
                }))?,
            },
            answer: raw(&serde_json::json!({ "code": code }))?,
        };
        let grade = crate::grading::grade(&self.registry, request, Some(user_id))
            .await
            .map_err(|e| rename_answer_field(e, "code"))?;
        let next = next_attempt(latest.as_ref());
        let result = |progress: Option<ProgressChange>, next_step_id: Option<String>| {
            exercise_result(
                step_id,
                &grade,
                practice,
                review,
                next,
                progress,
                next_step_id,
            )
        };
        if practice {
            return Ok(result(None, None));
        }
        let answer = Answer {
            user_id,
            lesson: &lesson,
            step: &step,
            kind: StepKind::Code,
            score: grade.score,
            correct: grade.correct,
            review,
            attempt: next,
            answer: answer_json,
            duration_ms,
            now,
            run: Some(CodeRun::of(&code, grade.details.as_ref())),
        };
        let recorded = self
            .record(&catalog, &data, answer, |r| {
                result(Some(r.progress.clone()), r.next_step_id.clone())
            })
            .await;
        match recorded {
            Err(e) if raced(&e) => self.replay_latest(user_id, step_id).await,
            other => other,
        }
    }

    /// Grades `code` for an exercise a tutor agent generated (`crate::tutor`): its hidden
    /// tests run in the sandbox through the code grader, like a lesson's exercise. It is
    /// practice: no lesson progress, no attempt stored.
    pub async fn submit_generated(
        &self,
        user_id: &str,
        exercise: &crate::store::tutor::ExerciseRow,
        code: String,
    ) -> Result<ExerciseResult, LearningError> {
        if code.len() > MAX_CODE_BYTES {
            return Err(LearningError::TooLarge {
                field: "code",
                size: code.len(),
                limit: MAX_CODE_BYTES,
            });
        }
        let tests: Vec<crate::plugins::contract::code_runner::TestCase> =
            serde_json::from_str(&exercise.tests)
                .map_err(|e| StoreError::Corrupt(format!("stored exercise tests: {e}")))?;
        let tests: Vec<Value> = tests
            .iter()
            .map(|t| match (&t.assertion, &t.expected_stdout) {
                (Some(assertion), _) => serde_json::json!({
                    "name": t.name, "kind": "assert", "assert": assertion,
                    "stdin": t.stdin, "hidden": true,
                }),
                (None, expected) => serde_json::json!({
                    "name": t.name, "kind": "output", "stdin": t.stdin,
                    "expected_stdout": expected.clone().unwrap_or_default(), "hidden": true,
                }),
            })
            .collect();
        let request = GradeRequest {
            question: QuestionInput {
                kind: "code_exercise".into(),
                prompt: exercise.prompt.clone(),
                options: Vec::new(),
                answer_key: raw(&serde_json::json!({"language": "python", "tests": tests}))?,
            },
            answer: raw(&serde_json::json!({ "code": code }))?,
        };
        let grade = crate::grading::grade(&self.registry, request, Some(user_id))
            .await
            .map_err(|e| rename_answer_field(e, "code"))?;
        Ok(exercise_result(
            &exercise.id,
            &grade,
            true,
            false,
            0,
            None,
            None,
        ))
    }

    /// The stored feedback of the learner's latest attempt at `step_id`, as a replay.
    async fn replay_latest<T: DeserializeOwned + Replayable>(
        &self,
        user_id: &str,
        step_id: &str,
    ) -> Result<T, LearningError> {
        let last = self
            .db
            .latest_attempt(user_id, step_id)
            .await?
            .ok_or_else(|| {
                LearningError::Store(StoreError::Corrupt(
                    "an attempt clashed but none is stored".into(),
                ))
            })?;
        replay(&last)
    }

    /// Records a graded answer: the engine's decisions, the lesson's progress, a
    /// certificate the lesson completes, and the feedback `make` builds, in one write.
    pub(super) async fn record<T: Serialize>(
        &self,
        catalog: &Catalog,
        data: &LearnerData,
        a: Answer<'_>,
        make: impl FnOnce(&Recorded) -> T,
    ) -> Result<T, LearningError> {
        let lesson_id = a.lesson.row.id.clone();
        let mut done = super::daily::done_in(data, &lesson_id);
        let already_completed = data.completed.contains(&lesson_id);
        // A wrong quiz answer still moves the learner on; wrong code does not.
        let counts_as_done = !matches!(a.kind, StepKind::Code) || a.correct;
        if counts_as_done {
            done.insert(a.step.row.id.clone());
        }
        let all_done = a.lesson.steps.iter().all(|s| done.contains(&s.row.id));
        let completes_lesson = all_done && !already_completed && !a.review;
        let mut state = learner_state(data, catalog, a.now);
        let outcome = StepOutcome {
            item_id: a.step.row.id.clone(),
            topic: a.lesson.row.topic.clone(),
            kind: a.kind,
            score: a.score,
            correct: a.correct,
            duration_ms: a.duration_ms.unwrap_or(0),
            expected_duration_ms: None,
            attempt: u32::try_from(a.attempt).unwrap_or(u32::MAX),
            lesson_id: Some(lesson_id.clone()),
            lesson_completed: completes_lesson,
            code_quality: None,
        };
        let update = self.engine_record(&state, &outcome).await?;
        apply(&mut state, &update, completes_lesson.then_some(&lesson_id));
        let certificate = if completes_lesson {
            let report = self
                .certificate_status(&state, catalog, &a.lesson.track_id)
                .await?;
            let held = self.db.certificate(a.user_id, &a.lesson.track_id).await?;
            (report.eligible && held.is_none()).then(|| CertificateView {
                id: uuid::Uuid::new_v4().to_string(),
                track_id: a.lesson.track_id.clone(),
                track_title: catalog
                    .track(&a.lesson.track_id)
                    .map(|t| t.title.clone())
                    .unwrap_or_default(),
                issued_at: rfc3339(a.now.0),
            })
        } else {
            None
        };
        let achievements = if update.achievements.is_empty() {
            Vec::new()
        } else {
            self.achievement_views(update.achievements.iter().map(|id| (id.clone(), a.now.0)))
                .await?
        };
        let achievement_xp: i64 = achievements.iter().map(|v| v.xp_awarded).sum();
        let earned: Vec<(String, i64)> = achievements
            .iter()
            .map(|v| (v.id.clone(), v.xp_awarded))
            .collect();
        let course_completed = completes_lesson
            .then(|| super::activity::course_finished(catalog, &state, a.lesson))
            .flatten();
        let feed = self
            .milestone_items(&super::activity::Milestones {
                user_id: a.user_id,
                course: course_completed.as_deref(),
                achievements: &achievements,
                certificate: certificate.as_ref(),
                streak: (data.learner.streak, i64::from(update.streak_days)),
                at: a.now.0,
            })
            .await?;
        let next_step = a
            .lesson
            .steps
            .iter()
            .find(|s| !done.contains(&s.row.id))
            .map(|s| s.row.id.clone());
        let recorded = Recorded {
            progress: ProgressChange {
                xp_earned: i64::from(update.xp_earned) + achievement_xp,
                total_xp: data.learner.total_xp + i64::from(update.xp_earned) + achievement_xp,
                streak_days: i64::from(update.streak_days),
                streak_change: streak_change(update.streak_change).into(),
                topic: a.lesson.row.topic.clone(),
                mastery: update.mastery,
                achievements,
                lesson_completed: completes_lesson,
                next_review_at: update.review.as_ref().map(|r| rfc3339(r.due_at_ms)),
                certificate: certificate.clone(),
            },
            next_step_id: next_step.clone(),
        };
        let feedback = make(&recorded);
        let feedback_json = serde_json::to_string(&feedback)
            .map_err(|e| LearningError::Store(StoreError::Corrupt(e.to_string())))?;
        let next_position = a
            .lesson
            .steps
            .iter()
            .position(|s| !done.contains(&s.row.id))
            .unwrap_or(a.lesson.steps.len());
        let attempt_id = uuid::Uuid::new_v4().to_string();
        let events = outcome_events(&a, &attempt_id, &update);
        let write = OutcomeWrite {
            user_id: a.user_id.to_owned(),
            attempt: AttemptRow {
                id: attempt_id,
                step_id: a.step.row.id.clone(),
                lesson_id: lesson_id.clone(),
                kind: attempt_kind(a.kind),
                attempt: a.attempt,
                answer_hash: sha256_hex(a.answer.as_bytes()),
                score: a.score,
                correct: a.correct,
                review: a.review,
                duration_ms: a.duration_ms.map(i64::from),
                feedback: feedback_json,
                created_at: a.now.0,
            },
            answer: a.answer,
            keep_latest: self.settings.max_attempts_per_step,
            review: update.review.as_ref().map(review_row),
            xp: i64::from(update.xp_earned),
            streak: i64::from(update.streak_days),
            last_active_date: update.last_active_date.clone(),
            last_freeze_date: update.last_freeze_date.clone(),
            topic: topic_row(&update.topic_stats, update.mastery),
            achievements: earned,
            lesson: (!a.review).then(|| LessonProgressRow {
                lesson_id: lesson_id.clone(),
                step: next_position as i64,
                status: if all_done {
                    LessonStatus::Completed
                } else {
                    LessonStatus::InProgress
                },
                started_at: a.now.0,
                completed_at: all_done.then_some(a.now.0),
                updated_at: a.now.0,
            }),
            certificate: certificate.map(|c| (c.id, c.track_id)),
            events,
            course_completed,
            feed,
        };
        self.db.record_outcome(&write).await?;
        self.bus.outbox_written();
        Ok(feedback)
    }

    /// Achievement ids with the time earned, as shown to learners (titles from the
    /// engine's catalog).
    pub(super) async fn achievement_views(
        &self,
        earned: impl Iterator<Item = (String, i64)>,
    ) -> Result<Vec<AchievementView>, LearningError> {
        let catalog = self.achievement_catalog().await?;
        Ok(earned
            .map(|(id, at)| {
                let (base, topic) = id.split_once(':').unwrap_or((id.as_str(), ""));
                let info = catalog.iter().find(|a| a.id == base);
                let title = info.map_or_else(|| base.to_owned(), |a| a.title.clone());
                let description = info.map_or_else(String::new, |a| {
                    if topic.is_empty() {
                        a.description.clone()
                    } else {
                        format!("{} ({topic})", a.description)
                    }
                });
                AchievementView {
                    badge_icon: super::activity::badge_icon(base).into(),
                    xp_awarded: super::activity::achievement_xp(&id),
                    id,
                    title,
                    description,
                    earned_date: rfc3339(at),
                }
            })
            .collect())
    }
}

/// The state as it is after `update` (for the certificate check that follows it).
fn apply(state: &mut LearnerState, update: &ProgressUpdate, completed: Option<&String>) {
    if let Some(id) = completed {
        state.completed.push(id.clone());
    }
    if let Some(review) = &update.review {
        state.reviews.retain(|r| r.item_id != review.item_id);
        state.reviews.push(review.clone());
    }
    state
        .topic_stats
        .retain(|t| t.topic != update.topic_stats.topic);
    state.topic_stats.push(update.topic_stats.clone());
    state.streak_days = update.streak_days;
    state.last_active_date = Some(update.last_active_date.clone());
    state.last_freeze_date = update.last_freeze_date.clone();
    state.xp += u64::from(update.xp_earned);
    state
        .earned_achievements
        .extend(update.achievements.iter().cloned());
}

/// The number of the next attempt after `latest`: numbers go on past pruned attempts
/// (the stored attempts' unique key needs them to).
pub(super) fn next_attempt(latest: Option<&AttemptRow>) -> i64 {
    latest.map_or(1, |a| a.attempt + 1)
}

/// A stored feedback document, marked as a replay.
fn replay<T: DeserializeOwned + Replayable>(attempt: &AttemptRow) -> Result<T, LearningError> {
    let mut value: T = serde_json::from_str(&attempt.feedback).map_err(|e| {
        LearningError::Store(StoreError::Corrupt(format!(
            "stored feedback of attempt {}: {e}",
            attempt.id
        )))
    })?;
    value.mark_replayed();
    Ok(value)
}

/// A feedback type that can be marked as replayed.
pub(super) trait Replayable {
    /// Sets `replayed`.
    fn mark_replayed(&mut self);
}

impl Replayable for QuizFeedback {
    fn mark_replayed(&mut self) {
        self.replayed = true;
    }
}

impl Replayable for StepCompletion {
    fn mark_replayed(&mut self) {
        self.replayed = true;
    }
}

impl Replayable for ExerciseResult {
    fn mark_replayed(&mut self) {
        self.replayed = true;
    }
}

/// When the review of `step_id` fell due, if it is due at `now`.
fn due_since(data: &LearnerData, step_id: &str, now: Now) -> Option<i64> {
    data.reviews
        .iter()
        .find(|r| r.item_id == step_id && r.due_at <= now.0)
        .map(|r| r.due_at)
}

/// A step of `kind` by id: 404 when unknown, 422 when it is another kind.
pub(super) fn find_step(
    catalog: &Catalog,
    step_id: &str,
    kind: spec::StepKind,
) -> Result<(Arc<Lesson>, Arc<Step>), LearningError> {
    let (lesson, step) = catalog
        .step(step_id)
        .ok_or_else(|| LearningError::not_found("step", step_id))?;
    if step.row.kind() != kind {
        return Err(wrong_kind(step_id, step, kind));
    }
    Ok((lesson.clone(), step.clone()))
}

/// The 422 for answering `step` as a step of `kind`.
pub(super) fn wrong_kind(step_id: &str, step: &Step, kind: spec::StepKind) -> LearningError {
    let actual = step.row.kind();
    LearningError::invalid(
        "step_id",
        format!(
            "step `{step_id}` is a {actual} step, not a {kind} step; answer it at {}",
            actual.answer_route()
        ),
    )
}

/// The grader's question from a stored quiz question.
fn question_input(q: &spec::Question) -> Result<QuestionInput, LearningError> {
    Ok(QuestionInput {
        kind: q.kind.clone(),
        prompt: q.prompt.clone(),
        options: q.options.clone().unwrap_or_default(),
        answer_key: raw(&q.answer_key)?,
    })
}

pub(super) fn raw(v: &Value) -> Result<Box<serde_json::value::RawValue>, LearningError> {
    serde_json::value::to_raw_value(v)
        .map_err(|e| LearningError::Store(StoreError::Corrupt(e.to_string())))
}

/// The grader names the learner's answer `answer`; this route calls it `to`.
fn rename_answer_field(e: GradeError, to: &str) -> LearningError {
    match e {
        GradeError::Invalid { field, message }
            if field == "answer" || field.starts_with("answer.") =>
        {
            let rest = field.strip_prefix("answer").unwrap_or_default();
            // `answer.code` is the route's `code` itself.
            let field = if to == "code" && rest == ".code" {
                "code".to_owned()
            } else {
                format!("{to}{rest}")
            };
            LearningError::Invalid { field, message }
        }
        other => LearningError::Grade(other),
    }
}

fn exercise_result(
    step_id: &str,
    grade: &GradeResponse,
    practice: bool,
    review: bool,
    attempt: i64,
    progress: Option<ProgressChange>,
    next_step_id: Option<String>,
) -> ExerciseResult {
    ExerciseResult {
        step_id: step_id.to_owned(),
        attempt: if practice { 0 } else { attempt },
        passed: grade.correct,
        score: grade.score,
        feedback: grade.feedback.clone(),
        details: async_graphql::Json(grade.details.clone().unwrap_or(Value::Null)),
        parts: grade.parts.clone(),
        replayed: false,
        practice,
        review,
        progress,
        next_step_id,
    }
}

/// The stored kind of an attempt at a step the engine sees as `kind`.
fn attempt_kind(kind: StepKind) -> AttemptKind {
    match kind {
        StepKind::Explanation => AttemptKind::Explanation,
        StepKind::Quiz => AttemptKind::Quiz,
        StepKind::Code => AttemptKind::Code,
        StepKind::Project => AttemptKind::Project,
    }
}

fn streak_change(c: StreakChange) -> &'static str {
    match c {
        StreakChange::Started => "started",
        StreakChange::Kept => "kept",
        StreakChange::Extended => "extended",
        StreakChange::Frozen => "frozen",
        StreakChange::Reset => "reset",
    }
}
