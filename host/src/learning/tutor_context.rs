//! What the tutor needs from the learning core: who the learner is and how well they know
//! a topic (an agent explains at that level), and what a code-quality rating from a
//! code review does to their mastery (the lesson engine decides; the tutor stores it with
//! the answer).

use super::clock::Now;
use super::engine::{learner_state, topic_row};
use super::{Learning, LearningError};
use crate::plugins::contract::lesson_engine::{StepKind, StepOutcome};
use crate::plugins::contract::types::LearnerContext;
use crate::store::learning::TopicStatsRow;

impl Learning {
    /// The learner as plugins see them, and their mastery of `topic` (0 to 1), when they
    /// have any record on it.
    pub async fn tutor_context(
        &self,
        user_id: &str,
        topic: &str,
    ) -> Result<(LearnerContext, Option<f32>), LearningError> {
        let data = self.learner_data(user_id).await?;
        let l = &data.learner;
        let learner = LearnerContext {
            learner_id: l.user_id.clone(),
            locale: "en".into(),
            timezone: l.timezone.clone(),
            tone: Some(l.tone.as_str().into()),
        };
        #[expect(clippy::cast_possible_truncation, reason = "mastery is within 0..=1")]
        let mastery = data
            .topics
            .iter()
            .find(|t| t.topic == topic)
            .map(|t| t.mastery as f32);
        Ok((learner, mastery))
    }

    /// The learner's statistics of `topic` after a code review rated their code `quality`
    /// (0 to 1): the lesson engine folds it into the code-quality term of mastery. Nothing
    /// is stored here; the tutor stores the row with the answer.
    pub async fn rate_code(
        &self,
        user_id: &str,
        topic: &str,
        quality: f64,
        now: Now,
    ) -> Result<TopicStatsRow, LearningError> {
        let catalog = self.catalog().await?;
        let data = self.learner_data(user_id).await?;
        let state = learner_state(&data, &catalog, now);
        // A review is not a step: no lesson, no review schedule of its own (an explanation
        // is not reviewable), only the code-quality evidence.
        let outcome = StepOutcome {
            item_id: format!("code-review:{topic}"),
            topic: topic.to_owned(),
            kind: StepKind::Explanation,
            score: quality,
            correct: true,
            duration_ms: 0,
            expected_duration_ms: None,
            attempt: 1,
            lesson_id: None,
            lesson_completed: false,
            code_quality: Some(quality),
        };
        let update = self.engine_record(&state, &outcome).await?;
        Ok(topic_row(&update.topic_stats, update.mastery))
    }
}
