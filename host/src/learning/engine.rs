//! The lesson engine's side of the learning core: the `learner-state` built from stored
//! data and the catalog, and typed calls that turn the plugin's answers into
//! [`LearningError`]s.

use std::collections::HashSet;
use std::sync::Arc;

use super::catalog::Catalog;
use super::clock::utc_offset_minutes;
use super::{Learning, LearningError, Now};
use crate::content::spec::StepKind as ContentKind;
use crate::plugins::contract::lesson_engine::{
    AchievementInfo, CertificateReport, DailyPlan, LearnerState, LessonRef, LessonStep,
    ProgressUpdate, ReviewState, StepKind, StepOutcome, TopicMastery, TopicStats, TrackRef,
};
use crate::plugins::contract::types::{Error as ContractError, LearnerContext};
use crate::runtime::LoadedPlugin;
use crate::store::learning::{LearnerData, ReviewRow, TopicStatsRow};

/// The lesson engine's input for `data` at `now`. Lessons no longer in the catalog are
/// left out of `completed` (the engine only knows lessons it is shown).
pub fn learner_state(data: &LearnerData, catalog: &Catalog, now: Now) -> LearnerState {
    let l = &data.learner;
    let done: HashSet<(&str, &str)> = data
        .done_steps
        .iter()
        .map(|(lesson, step)| (lesson.as_str(), step.as_str()))
        .collect();
    LearnerState {
        learner: LearnerContext {
            learner_id: l.user_id.clone(),
            locale: "en".into(),
            timezone: l.timezone.clone(),
            tone: Some(l.tone.as_str().into()),
        },
        now_ms: now.0,
        utc_offset_minutes: utc_offset_minutes(&l.timezone, now.0),
        completed: data
            .completed
            .iter()
            .filter(|id| catalog.lesson(id).is_some())
            .cloned()
            .collect(),
        available: catalog
            .lessons
            .iter()
            .map(|lesson| LessonRef {
                lesson_id: lesson.row.id.clone(),
                topic: lesson.row.topic.clone(),
                position: lesson.ordinal,
                prerequisites: lesson
                    .row
                    .prerequisites
                    .iter()
                    .filter(|p| catalog.lesson(p).is_some())
                    .cloned()
                    .collect(),
                steps: lesson
                    .steps
                    .iter()
                    .map(|s| LessonStep {
                        step_id: s.row.id.clone(),
                        kind: step_kind(s.row.kind()),
                        done: done.contains(&(lesson.row.id.as_str(), s.row.id.as_str())),
                    })
                    .collect(),
            })
            .collect(),
        reviews: data.reviews.iter().map(review_state).collect(),
        streak_days: u32::try_from(l.streak.max(0)).unwrap_or(u32::MAX),
        last_active_date: l.last_active_date.clone(),
        last_freeze_date: l.last_freeze_date.clone(),
        xp: u64::try_from(l.total_xp.max(0)).unwrap_or(0),
        earned_achievements: data.achievements.iter().map(|(id, _)| id.clone()).collect(),
        topic_stats: data.topics.iter().map(topic_stats).collect(),
    }
}

/// The engine's kind of a content step kind.
pub fn step_kind(kind: ContentKind) -> StepKind {
    match kind {
        ContentKind::Explanation => StepKind::Explanation,
        ContentKind::Quiz => StepKind::Quiz,
        ContentKind::CodeExercise => StepKind::Code,
        ContentKind::MiniProject => StepKind::Project,
    }
}

fn review_state(r: &ReviewRow) -> ReviewState {
    ReviewState {
        item_id: r.item_id.clone(),
        topic: r.topic.clone(),
        stability: r.stability,
        difficulty: r.difficulty,
        due_at_ms: r.due_at,
        last_review_ms: r.last_review,
        reps: u32::try_from(r.reps.max(0)).unwrap_or(u32::MAX),
        lapses: u32::try_from(r.lapses.max(0)).unwrap_or(u32::MAX),
    }
}

/// The stored form of an engine's review state.
pub fn review_row(r: &ReviewState) -> ReviewRow {
    ReviewRow {
        item_id: r.item_id.clone(),
        topic: r.topic.clone(),
        stability: r.stability,
        difficulty: r.difficulty,
        due_at: r.due_at_ms,
        last_review: r.last_review_ms,
        reps: i64::from(r.reps),
        lapses: i64::from(r.lapses),
    }
}

fn topic_stats(t: &TopicStatsRow) -> TopicStats {
    let count = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
    TopicStats {
        topic: t.topic.clone(),
        quiz_attempts: count(t.quiz_attempts),
        quiz_score: t.quiz_score,
        exercise_attempts: count(t.exercise_attempts),
        exercises_passed: count(t.exercises_passed),
        exercise_score: t.exercise_score,
        code_quality_ratings: count(t.code_quality_ratings),
        code_quality: t.code_quality,
    }
}

/// The stored form of the engine's topic stats, with the topic's new mastery.
pub fn topic_row(t: &TopicStats, mastery: f64) -> TopicStatsRow {
    TopicStatsRow {
        topic: t.topic.clone(),
        quiz_attempts: i64::from(t.quiz_attempts),
        quiz_score: t.quiz_score,
        exercise_attempts: i64::from(t.exercise_attempts),
        exercises_passed: i64::from(t.exercises_passed),
        exercise_score: t.exercise_score,
        code_quality_ratings: i64::from(t.code_quality_ratings),
        code_quality: t.code_quality,
        mastery,
    }
}

/// What the engine's contract error means here: its input came from the host, so an
/// invalid-input is a host bug or corrupt stored state, never the client's fault.
fn contract(e: ContractError) -> LearningError {
    LearningError::Engine(match e {
        ContractError::InvalidInput(f) => format!("{}: {}", f.field, f.message),
        ContractError::Unsupported(m)
        | ContractError::Unavailable(m)
        | ContractError::Internal(m) => m,
    })
}

impl Learning {
    fn engine(&self) -> Result<Arc<LoadedPlugin>, LearningError> {
        self.registry
            .snapshot()
            .lesson_engine
            .clone()
            .ok_or(LearningError::NoEngine)
    }

    /// `plan-day`.
    pub(super) async fn plan_day(&self, state: &LearnerState) -> Result<DailyPlan, LearningError> {
        let engine = self.engine()?;
        self.registry
            .runtime()
            .plan_day(&engine, state)
            .await?
            .map_err(contract)
    }

    /// `record-outcome`.
    pub(super) async fn engine_record(
        &self,
        state: &LearnerState,
        outcome: &StepOutcome,
    ) -> Result<ProgressUpdate, LearningError> {
        let engine = self.engine()?;
        self.registry
            .runtime()
            .record_outcome(&engine, state, outcome)
            .await?
            .map_err(contract)
    }

    /// `mastery`.
    pub(super) async fn engine_mastery(
        &self,
        state: &LearnerState,
    ) -> Result<Vec<TopicMastery>, LearningError> {
        let engine = self.engine()?;
        self.registry
            .runtime()
            .mastery(&engine, state)
            .await?
            .map_err(contract)
    }

    /// `certificate-status` for the track `track_id` of `catalog`.
    pub(super) async fn certificate_status(
        &self,
        state: &LearnerState,
        catalog: &Catalog,
        track_id: &str,
    ) -> Result<CertificateReport, LearningError> {
        let engine = self.engine()?;
        let track = TrackRef {
            track_id: track_id.to_owned(),
            lesson_ids: catalog
                .track_lessons(track_id)
                .map(|l| l.row.id.clone())
                .collect(),
            topics: Vec::new(),
        };
        self.registry
            .runtime()
            .certificate_status(&engine, state, &track)
            .await?
            .map_err(contract)
    }

    /// `achievement-catalog`.
    pub(super) async fn achievement_catalog(&self) -> Result<Vec<AchievementInfo>, LearningError> {
        let engine = self.engine()?;
        Ok(self.registry.runtime().achievement_catalog(&engine).await?)
    }
}
