//! Today's lesson (`getDailyLesson`) and how a step is shown: the engine plans, the host
//! finds the learner's place in the planned lesson and renders the step without its answer
//! key, in the learner's tone when a rewrite is stored.

use std::collections::HashSet;
use std::sync::Arc;

use super::catalog::{Catalog, Lesson, Step};
use super::engine::learner_state;
use super::views::{LessonInfo, LessonStep, QuestionView, ReviewItem, StepView};
use super::{AUTHORED_TONE, Learning, LearningError, Now, Tone};
use crate::store::learning::{LearnerData, LessonStatus};
use crate::store::rfc3339;

impl Learning {
    /// The learner's data, 404 for an unknown (deleted) user.
    pub(super) async fn learner_data(&self, user_id: &str) -> Result<LearnerData, LearningError> {
        self.db
            .learner_data(user_id)
            .await?
            .ok_or_else(|| LearningError::not_found("user", user_id))
    }

    /// `getDailyLesson` (docs/requirements.md#r-000-4): the step to do now in today's lesson, and
    /// the reviews due.
    pub async fn daily_lesson(&self, user_id: &str, now: Now) -> Result<LessonStep, LearningError> {
        let catalog = self.catalog().await?;
        let data = self.learner_data(user_id).await?;
        let state = learner_state(&data, &catalog, now);
        let plan = self.plan_day(&state).await?;
        // Seed 000's flag: with spaced repetition off for this learner, no review is served
        // (the engine still schedules them, so turning it on again finds them due).
        let spaced = self
            .flags
            .flag_on(
                crate::experiments::flags::SPACED_REPETITION,
                &crate::experiments::Unit::User(user_id.to_owned()),
                true,
            )
            .await;
        let reviews: Vec<ReviewItem> = plan
            .review_ids
            .iter()
            .filter(|_| spaced)
            .filter_map(|id| {
                let (lesson, step) = catalog.step(id)?;
                let due = data.reviews.iter().find(|r| &r.item_id == id)?.due_at;
                Some(ReviewItem {
                    step_id: id.clone(),
                    lesson_id: lesson.row.id.clone(),
                    topic: lesson.row.topic.clone(),
                    kind: step.row.kind().as_str().into(),
                    due_at: rfc3339(due),
                })
            })
            .collect();
        let planned = plan
            .lesson_id
            .as_deref()
            .and_then(|id| catalog.lesson(id).cloned());
        let (mode, lesson, step) = if let Some(lesson) = planned {
            let done = done_in(&data, &lesson.row.id);
            // The engine's step; a lesson whose steps are all done (reopened) shows its end.
            let step = plan
                .step_id
                .as_deref()
                .and_then(|id| lesson.steps.iter().find(|s| s.row.id == id))
                .or_else(|| lesson.steps.last())
                .cloned();
            ("lesson", Some((lesson, done)), step)
        } else if let Some((lesson, step)) = reviews.first().and_then(|r| catalog.step(&r.step_id))
        {
            let done = done_in(&data, &lesson.row.id);
            ("review", Some((lesson.clone(), done)), Some(step.clone()))
        } else {
            ("done", None, None)
        };
        let step = match (&lesson, step) {
            (Some((lesson, done)), Some(step)) => Some(
                self.step_view(lesson, &step, done, data.learner.tone)
                    .await?,
            ),
            _ => None,
        };
        Ok(LessonStep {
            mode: mode.into(),
            lesson: lesson.map(|(l, done)| {
                let completed = data.completed.contains(&l.row.id);
                lesson_info(&l, &done, completed)
            }),
            step,
            reviews,
            reason: plan.reason,
            tone: data.learner.tone.as_str().into(),
            streak_days: i64::from(state.streak_days),
            total_xp: data.learner.total_xp,
        })
    }

    /// A step as the learner sees it, in `tone` when a rewrite is stored.
    pub(super) async fn step_view(
        &self,
        lesson: &Lesson,
        step: &Step,
        done: &HashSet<String>,
        tone: Tone,
    ) -> Result<StepView, LearningError> {
        let s = &step.row;
        let mut body = s.body.clone();
        let mut tone_applied = false;
        if tone != AUTHORED_TONE && !body.is_empty() {
            let hash = super::sha256_hex(body.as_bytes());
            if let Some(rewritten) = self.db.tone_variant(&s.id, tone, &hash).await? {
                body = rewritten;
                tone_applied = true;
            }
        }
        let question = s.spec.as_quiz().map(|quiz| QuestionView {
            kind: quiz.question.kind.clone(),
            prompt: quiz.question.prompt.clone(),
            options: quiz.question.options.clone().unwrap_or_default(),
            multiple_answers: quiz.question.kind == "multiple_choice"
                && quiz
                    .question
                    .answer_key
                    .get("correct")
                    .and_then(serde_json::Value::as_array)
                    .is_some_and(|c| c.len() > 1),
        });
        let rubric = s.spec.as_project().map(|p| p.rubric.clone());
        Ok(StepView {
            id: s.id.clone(),
            lesson_id: lesson.row.id.clone(),
            position: step.position as i64,
            kind: s.kind().as_str().into(),
            title: s.title.clone(),
            body,
            tone_applied,
            xp: s.xp,
            question,
            starter_code: s.spec.as_code().map(|c| c.starter_code.clone()),
            rubric,
            done: done.contains(&s.id),
            submit_to: Some(s.kind().answer_path(&s.id)),
        })
    }
}

/// The steps of `lesson_id` done, from data read already.
pub(super) fn done_in(data: &LearnerData, lesson_id: &str) -> HashSet<String> {
    data.done_steps
        .iter()
        .filter(|(lesson, _)| lesson == lesson_id)
        .map(|(_, step)| step.clone())
        .collect()
}

/// The first step of `lesson` not done; the last step when all are (a completed lesson
/// reopened shows its end).
pub(super) fn current_step<'a>(
    lesson: &'a Lesson,
    done: &HashSet<String>,
) -> Option<&'a Arc<Step>> {
    lesson
        .steps
        .iter()
        .find(|s| !done.contains(&s.row.id))
        .or_else(|| lesson.steps.last())
}

/// A lesson with the learner's place in it.
pub(super) fn lesson_info(lesson: &Lesson, done: &HashSet<String>, completed: bool) -> LessonInfo {
    let completed_steps = lesson
        .steps
        .iter()
        .filter(|s| done.contains(&s.row.id))
        .count() as i64;
    LessonInfo {
        id: lesson.row.id.clone(),
        title: lesson.row.title.clone(),
        topic: lesson.row.topic.clone(),
        summary: lesson.row.summary.clone(),
        track_id: lesson.track_id.clone(),
        course_id: lesson.course.id.clone(),
        course_title: lesson.course.title.clone(),
        module_id: lesson.module.id.clone(),
        module_title: lesson.module.title.clone(),
        estimated_minutes: lesson.row.estimated_minutes,
        step_count: lesson.steps.len() as i64,
        completed_steps,
        status: if completed {
            LessonStatus::Completed
        } else if completed_steps > 0 {
            LessonStatus::InProgress
        } else {
            LessonStatus::NotStarted
        }
        .as_str()
        .into(),
    }
}

/// A lesson by id, 404 when unknown.
pub(super) fn find_lesson(catalog: &Catalog, id: &str) -> Result<Arc<Lesson>, LearningError> {
    catalog
        .lesson(id)
        .cloned()
        .ok_or_else(|| LearningError::not_found("lesson", id))
}
