//! Today's lesson (`getDailyLesson`) and how a step is shown: the engine plans, the host
//! finds the learner's place in the planned lesson and renders the step without its answer
//! key, in the learner's tone when a rewrite is stored.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::catalog::{Catalog, Lesson, Step};
use super::engine::learner_state;
use super::views::{
    DailyPlace, LessonContent, LessonInfo, LessonPlace, LessonStep, QuestionView, ReviewItem,
    StepPlace, StepView,
};
use super::{AUTHORED_TONE, Learning, LearningError, Now, Tone};
use crate::store::learning::{LearnerData, LessonStatus};
use crate::store::rfc3339;

impl Learning {
    /// The learner's data, 404 for an unknown (deleted) user.
    pub(super) async fn learner_data(
        &self,
        user_id: &str,
    ) -> Result<Arc<LearnerData>, LearningError> {
        self.db
            .learner_data(user_id)
            .await?
            .ok_or_else(|| LearningError::not_found("user", user_id))
    }

    /// `getDailyLesson` (docs/requirements.md#r-000-4): the step to do now in today's lesson, and
    /// the reviews due: the learner's place joined with the lesson's content, as the edge
    /// joins them (docs/edge.md, "Lesson content").
    pub async fn daily_lesson(&self, user_id: &str, now: Now) -> Result<LessonStep, LearningError> {
        let place = self.daily_place(user_id, now).await?;
        let content = match &place.lesson {
            Some(lesson) => Some(self.lesson_content(&lesson.id).await?),
            None => None,
        };
        Ok(LessonStep::join(place, content.as_deref()))
    }

    /// The learner's own part of today's lesson: which lesson and step, their progress,
    /// the reviews due; not the lesson's content.
    pub async fn daily_place(&self, user_id: &str, now: Now) -> Result<DailyPlace, LearningError> {
        let (stamp, catalog) = self.catalog.get_stamped().await?;
        let data = self.learner_data(user_id).await?;
        let mut state = learner_state(&data, &catalog, now);
        let drafts = self.db.draft_courses().await?;
        Self::draw_from_courses(&mut state, &catalog, &data, &drafts);
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
            (Some((_, done)), Some(step)) => Some(StepPlace {
                id: step.row.id.clone(),
                done: done.contains(&step.row.id),
                body: self.tone_body(&step, data.learner.tone).await?,
            }),
            _ => None,
        };
        Ok(DailyPlace {
            mode: mode.into(),
            lesson: lesson.map(|(l, done)| {
                let completed = data.completed.contains(&l.row.id);
                let info = lesson_info(&l, &done, completed);
                LessonPlace {
                    id: info.id,
                    content_version: content_version(&stamp, &l.row.id),
                    completed_steps: info.completed_steps,
                    status: info.status,
                }
            }),
            step,
            reviews,
            reason: plan.reason,
            tone: data.learner.tone.as_str().into(),
            streak_days: i64::from(state.streak_days),
            total_xp: data.learner.total_xp,
        })
    }

    /// Narrows what today's lesson is drawn from: lessons of published courses and, once the
    /// learner enrolled in any course, of those courses only, with every lesson they need
    /// first (a prerequisite in another course stays plannable, else the enrolled course
    /// could never open). Without an enrolment every published course stays available.
    fn draw_from_courses(
        state: &mut crate::plugins::contract::lesson_engine::LearnerState,
        catalog: &Catalog,
        data: &LearnerData,
        drafts: &[String],
    ) {
        let unpublished: HashSet<&str> = drafts.iter().map(String::as_str).collect();
        let enrolled: HashSet<&str> = data.enrolled.iter().map(|(c, _, _)| c.as_str()).collect();
        if unpublished.is_empty() && enrolled.is_empty() {
            return;
        }
        let drawn = |course: &str| {
            !unpublished.contains(course) && (enrolled.is_empty() || enrolled.contains(course))
        };
        let mut keep: HashSet<String> = HashSet::new();
        let mut wanted: Vec<String> = catalog
            .lessons
            .iter()
            .filter(|l| drawn(&l.course.id))
            .map(|l| l.row.id.clone())
            .collect();
        while let Some(id) = wanted.pop() {
            if let Some(lesson) = catalog.lesson(&id)
                && keep.insert(id)
            {
                wanted.extend(lesson.row.prerequisites.iter().cloned());
            }
        }
        state.available.retain(|l| keep.contains(&l.lesson_id));
    }

    /// A lesson's content as every learner sees it, with its content version; 404 for an
    /// unknown lesson. Built once per lesson and catalog stamp (it holds nothing of any
    /// learner's), so every daily lesson does not build all of its lesson's steps again to
    /// show one.
    pub async fn lesson_content(
        &self,
        lesson_id: &str,
    ) -> Result<Arc<LessonContent>, LearningError> {
        let (stamp, catalog) = self.catalog.get_stamped().await?;
        if let Some(kept) = self.contents.get(&stamp, lesson_id) {
            return Ok(kept);
        }
        let lesson = catalog
            .lesson(lesson_id)
            .ok_or_else(|| LearningError::not_found("lesson", lesson_id))?;
        let none = HashSet::new();
        let mut steps = Vec::with_capacity(lesson.steps.len());
        for step in &lesson.steps {
            steps.push(self.step_view(lesson, step, &none, AUTHORED_TONE).await?);
        }
        let content = Arc::new(LessonContent {
            content_version: content_version(&stamp, lesson_id),
            lesson: lesson_info(lesson, &none, false),
            steps,
        });
        self.contents.put(&stamp, lesson_id, content.clone());
        Ok(content)
    }

    /// The step's text in `tone`, when a rewrite is stored for its current text.
    async fn tone_body(&self, step: &Step, tone: Tone) -> Result<Option<String>, LearningError> {
        let body = &step.row.body;
        if tone == AUTHORED_TONE || body.is_empty() {
            return Ok(None);
        }
        let hash = super::sha256_hex(body.as_bytes());
        Ok(self.db.tone_variant(&step.row.id, tone, &hash).await?)
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
        let (body, tone_applied) = match self.tone_body(step, tone).await? {
            Some(rewritten) => (rewritten, true),
            None => (s.body.clone(), false),
        };
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

/// The version of a lesson's content: the catalog's stamp (it changes with every import)
/// and the lesson, hashed, so a cache keyed by it never serves content from before an
/// import.
pub(super) fn content_version(stamp: &str, lesson_id: &str) -> String {
    let digest = super::sha256_hex(format!("{stamp}\u{0}{lesson_id}").as_bytes());
    digest[..16].to_owned()
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

/// Lessons' content as every learner sees it ([`Learning::lesson_content`]), for the
/// catalog stamp it was built from; a new stamp (an import) empties it. At most one entry
/// per lesson in the catalog.
#[derive(Default)]
pub(super) struct LessonContents(std::sync::Mutex<(String, HashMap<String, Arc<LessonContent>>)>);

impl LessonContents {
    fn get(&self, stamp: &str, lesson_id: &str) -> Option<Arc<LessonContent>> {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if kept.0 != stamp {
            return None;
        }
        kept.1.get(lesson_id).cloned()
    }

    fn put(&self, stamp: &str, lesson_id: &str, content: Arc<LessonContent>) {
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if kept.0 != stamp {
            *kept = (stamp.to_owned(), HashMap::new());
        }
        kept.1.insert(lesson_id.to_owned(), content);
    }
}
