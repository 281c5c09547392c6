//! `POST /api/tutorial/survey` (seed 004 §2.5): an NPS answer after a tutorial, one per
//! learner per 30 days. The comment is personal text (seed 004 §8): it is sealed with
//! AES-256-GCM before it reaches the database, under a key id so keys can rotate (new
//! comments are sealed with the first key; every listed key still opens old ones), and
//! analytics exports leave it out with the learner's id.

use std::collections::HashMap;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ExperimentError, Experiments, Unit, check_id, check_text, invalid};
use crate::store::experiments::SurveyRow;
use crate::store::{now_ms, rfc3339};

/// One survey per learner per this many days (seed 004 §2.5).
pub const SURVEY_EVERY_DAYS: i64 = 30;
const SURVEY_EVERY_MS: i64 = SURVEY_EVERY_DAYS * 24 * 3600 * 1000;

/// The keys sealing survey comments: the first seals, all open.
#[derive(Clone)]
pub struct SurveyKeys {
    current: String,
    keys: HashMap<String, [u8; 32]>,
}

impl std::fmt::Debug for SurveyKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key bytes.
        f.debug_struct("SurveyKeys")
            .field("current", &self.current)
            .field("ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Why a key list or a sealed comment cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The configured key list is malformed.
    #[error("survey keys: {0}")]
    Config(String),
    /// A stored comment was sealed with a key no longer configured.
    #[error("the comment was sealed with key `{0}`, which is not configured")]
    UnknownKey(String),
    /// The stored bytes do not open with their key (tampered or truncated).
    #[error("the sealed comment does not open")]
    Corrupt,
}

impl SurveyKeys {
    /// Parses `TESSERA_SURVEY_KEYS`: `id:hex,id:hex,…`, each key 32 bytes (64 hex digits),
    /// ids 1-32 letters, digits, `-` or `_`; the first seals new comments.
    pub fn parse(list: &str) -> Result<SurveyKeys, SealError> {
        let mut keys = HashMap::new();
        let mut current = None;
        for (i, entry) in list.split(',').map(str::trim).enumerate() {
            let (id, hex_key) = entry
                .split_once(':')
                .ok_or_else(|| SealError::Config(format!("entry {} is not `id:hex`", i + 1)))?;
            let id_ok = (1..=32).contains(&id.len())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
            if !id_ok {
                return Err(SealError::Config(format!(
                    "key id `{id}`: 1-32 letters, digits, `-` or `_`"
                )));
            }
            let bytes = hex::decode(hex_key)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| {
                    SealError::Config(format!("key `{id}` is not 32 bytes of hex (64 digits)"))
                })?;
            if keys.insert(id.to_owned(), bytes).is_some() {
                return Err(SealError::Config(format!("key id `{id}` appears twice")));
            }
            current.get_or_insert_with(|| id.to_owned());
        }
        let current = current.ok_or_else(|| SealError::Config("no key".into()))?;
        Ok(SurveyKeys { current, keys })
    }

    /// One key, its id derived from its digest (a key generated into the data folder).
    pub fn single(key: [u8; 32]) -> SurveyKeys {
        let id = format!("k{}", &hex::encode(Sha256::digest(key))[..8]);
        SurveyKeys {
            current: id.clone(),
            keys: HashMap::from([(id, key)]),
        }
    }

    /// The id of the key sealing new comments.
    pub fn current_id(&self) -> &str {
        &self.current
    }

    /// Seals `text`: (key id, base64 of the 96-bit random nonce followed by the ciphertext
    /// and tag).
    pub fn seal(&self, text: &str) -> (String, String) {
        let key = &self.keys[&self.current];
        let cipher = Aes256Gcm::new(key.into());
        let nonce: [u8; 12] = rand::random();
        // Encryption with a valid key and nonce length only fails for inputs over 64 GiB.
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), text.as_bytes())
            .unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        (self.current.clone(), B64.encode(bytes))
    }

    /// Opens what [`SurveyKeys::seal`] sealed.
    pub fn open(&self, key_id: &str, sealed: &str) -> Result<String, SealError> {
        let key = self
            .keys
            .get(key_id)
            .ok_or_else(|| SealError::UnknownKey(key_id.to_owned()))?;
        let bytes = B64.decode(sealed).map_err(|_| SealError::Corrupt)?;
        if bytes.len() < 12 {
            return Err(SealError::Corrupt);
        }
        let (nonce, body) = bytes.split_at(12);
        let plain = Aes256Gcm::new(key.into())
            .decrypt(Nonce::from_slice(nonce), body)
            .map_err(|_| SealError::Corrupt)?;
        String::from_utf8(plain).map_err(|_| SealError::Corrupt)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_comment_opens_only_with_its_key_and_rotation_keeps_old_ones_readable() {
        let old = SurveyKeys::parse(&format!("2026a:{}", "11".repeat(32))).unwrap();
        let (id, sealed) = old.seal("Loved it");
        assert_eq!(id, "2026a");
        assert!(!sealed.contains("Loved"), "stored as ciphertext");
        // Two seals of the same text differ (fresh nonce each time).
        assert_ne!(old.seal("Loved it").1, sealed);
        let rotated = SurveyKeys::parse(&format!(
            "2026b:{},2026a:{}",
            "22".repeat(32),
            "11".repeat(32)
        ))
        .unwrap();
        assert_eq!(rotated.current_id(), "2026b");
        assert_eq!(rotated.open(&id, &sealed).unwrap(), "Loved it");
        let (new_id, _) = rotated.seal("x");
        assert_eq!(new_id, "2026b");
        // A flipped byte is refused, not opened into garbage.
        let mut bytes = B64.decode(&sealed).unwrap();
        bytes[14] ^= 1;
        assert!(matches!(
            rotated.open(&id, &B64.encode(bytes)),
            Err(SealError::Corrupt)
        ));
        let dropped = SurveyKeys::parse(&format!("2026b:{}", "22".repeat(32))).unwrap();
        assert!(matches!(
            dropped.open(&id, &sealed),
            Err(SealError::UnknownKey(_))
        ));
    }

    #[test]
    fn malformed_key_lists_are_refused_naming_the_entry() {
        for bad in [
            "",
            "nokey",
            "a:1234",
            &format!("a:{0},a:{0}", "33".repeat(32)),
        ] {
            assert!(SurveyKeys::parse(bad).is_err(), "{bad}");
        }
        let err = SurveyKeys::parse("bad id:00").unwrap_err();
        assert!(err.to_string().contains("bad id"), "{err}");
    }
}
