//! `POST /api/tutorial/survey` (seed 004 §2.5): an NPS answer after a tutorial, one per
//! learner per 30 days. The comment is personal text (seed 004 §8): it is sealed with
//! AES-256-GCM before it reaches the database, under a key id so keys can rotate (new
//! comments are sealed with the first key; every listed key still opens old ones), and
//! analytics exports leave it out with the learner's id. Sealing itself is
//! `crate::store::sealing`'s, shared with Kalei's sealed columns.

/// The keys sealing survey comments (`--survey-keys`).
pub use crate::store::sealing::SealingKeys as SurveyKeys;

use serde::{Deserialize, Serialize};

use super::{ExperimentError, Experiments, Unit, check_id, check_text, invalid};
use crate::store::experiments::SurveyRow;
use crate::store::{now_ms, rfc3339};

/// One survey per learner per this many days (seed 004 §2.5).
pub const SURVEY_EVERY_DAYS: i64 = 30;
const SURVEY_EVERY_MS: i64 = SURVEY_EVERY_DAYS * 24 * 3600 * 1000;

/// Seed 004 §2.5's body.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SurveyAnswer {
    /// The tutorial the survey follows.
    pub tutorial_id: String,
    /// Net Promoter Score, 0-10.
    pub nps: i64,
    /// Free text, at most 2000 characters; sealed at rest.
    #[serde(default)]
    pub comment: Option<String>,
    /// The persona the client was shown. The stored persona is the server's (the
    /// client's copy may be stale); this one is only checked.
    #[serde(default)]
    pub persona: Option<String>,
}

/// The stored survey (the comment is not echoed).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SurveyReceipt {
    /// Id.
    pub id: String,
    /// The tutorial.
    pub tutorial_id: String,
    /// The score.
    pub nps: i64,
    /// The learner's persona, as stored with the answer.
    pub persona: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// When the next survey is welcome (RFC 3339).
    pub next_survey_at: String,
}

/// One survey answer in an analytics export: no learner, no comment, the day only.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnonymisedSurvey {
    /// The score, 0-10.
    pub nps: i64,
    /// The learner's persona when they answered.
    pub persona: Option<String>,
    /// The variant they were served (`default`: none).
    pub variant: String,
    /// The UTC day of the answer (`YYYY-MM-DD`).
    pub day: String,
}

impl Experiments {
    /// A tutorial's survey answers for analytics (seed 004 §8: "surveys anonymised in
    /// analytics exports"): no learner id, no comment, the day rather than the time.
    pub async fn survey_export(
        &self,
        tutorial_id: &str,
    ) -> Result<Vec<AnonymisedSurvey>, ExperimentError> {
        check_id("tutorial_id", tutorial_id)?;
        Ok(self
            .db
            .anonymised_surveys(tutorial_id)
            .await?
            .into_iter()
            .map(|(variant, persona, nps, at)| AnonymisedSurvey {
                nps,
                persona,
                variant: variant.unwrap_or_else(|| super::tutorials::DEFAULT_VARIANT.to_owned()),
                day: rfc3339(at).chars().take(10).collect(),
            })
            .collect())
    }

    /// Stores an answer, or refuses it within 30 days of the learner's last one.
    pub async fn submit_survey(
        &self,
        unit: &Unit,
        answer: SurveyAnswer,
    ) -> Result<SurveyReceipt, ExperimentError> {
        check_id("tutorialId", &answer.tutorial_id)?;
        if !(0..=10).contains(&answer.nps) {
            return Err(invalid("nps", "a score from 0 to 10"));
        }
        if let Some(comment) = &answer.comment {
            check_text("comment", comment, 2000)?;
        }
        if let Some(persona) = &answer.persona {
            check_id("persona", persona)?;
        }
        if self.db.tutorial(&answer.tutorial_id).await?.is_none() {
            return Err(invalid(
                "tutorialId",
                format!("no tutorial `{}`", answer.tutorial_id),
            ));
        }
        let (persona, _) = self.persona_of(unit).await?;
        let variant = match self.db.running_experiment(&answer.tutorial_id).await? {
            Some((experiment, _)) => self.db.assignment(&unit.key(), &experiment.id).await?,
            None => None,
        };
        let (key_id, sealed) = match answer.comment.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => {
                let (id, sealed) = self.settings.survey_keys.seal(text);
                (Some(id), Some(sealed))
            }
            _ => (None, None),
        };
        let now = now_ms();
        let row = SurveyRow {
            id: format!("survey_{}", uuid::Uuid::new_v4()),
            user_id: unit.key(),
            tutorial_id: answer.tutorial_id.clone(),
            nps: answer.nps,
            comment_sealed: sealed,
            comment_key_id: key_id,
            persona: Some(persona.clone()),
            variant_id: variant,
            created_at: now,
        };
        if !self
            .db
            .insert_survey_unless_since(&row, now - SURVEY_EVERY_MS)
            .await?
        {
            let last = self.db.last_survey_at(&unit.key()).await?.unwrap_or(now);
            let wait_ms = (last + SURVEY_EVERY_MS - now).max(1000);
            return Err(ExperimentError::SurveyTooSoon {
                retry_after_secs: u64::try_from((wait_ms + 999) / 1000).unwrap_or(1),
            });
        }
        Ok(SurveyReceipt {
            id: row.id,
            tutorial_id: row.tutorial_id,
            nps: row.nps,
            persona,
            created_at: rfc3339(now),
            next_survey_at: rfc3339(now + SURVEY_EVERY_MS),
        })
    }

    /// The keys sealing comments (a learner's export opens their own).
    pub fn survey_keys(&self) -> &SurveyKeys {
        &self.settings.survey_keys
    }
}
