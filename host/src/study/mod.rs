//! Seed 002's AI study endpoints (§3.3-3.4; docs/study.md), each one model call through
//! the AI path (`Ai::complete`: the safety gate, the user's budget, the gateway):
//!
//! - [`quiz`]: a quiz generated from a lesson's text (or text the client gives), checked
//!   before it is served and stored;
//! - [`session`]: a Socratic study session that answers with questions and keeps its
//!   `conversationHistory`;
//! - [`course`]: a course generated from a topic and objectives, stored as a draft content
//!   pack that a teacher publishes through the content import.

pub mod course;
pub mod quiz;
pub mod session;

use std::sync::Arc;

use crate::ai::{Ai, AiError, Origin};
use crate::learning::{Learning, LearningError};
use crate::plugins::contract::llm::ChatRequest;
use crate::plugins::contract::types::{Message, Role};
use crate::store::{Db, StoreError};

/// Why a study request cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    /// A field of the request is wrong (422 naming it).
    #[error("{field}: {message}")]
    Invalid {
        /// The field, as the client spelled it (`conversationHistory[2].role`).
        field: String,
        /// Why.
        message: String,
    },
    /// No such quiz, session or course of this caller's (404 naming the field).
    #[error("no {what} `{id}`")]
    NotFound {
        /// What was looked for.
        what: &'static str,
        /// The field that named it.
        field: &'static str,
        /// Its id.
        id: String,
    },
    /// The model answered, but what it wrote failed the checks a served quiz or course
    /// must pass (502, the problems named).
    #[error("the model's {what} failed its checks: {}", .problems.join("; "))]
    Rejected {
        /// `quiz` or `course`.
        what: &'static str,
        /// Each problem, naming the field.
        problems: Vec<String>,
    },
    /// The draft pack does not import (422, every problem named).
    #[error("{0}")]
    Unpublishable(String),
    /// Published already, or another pack owns its ids (409).
    #[error("{0}")]
    Conflict(String),
    /// The safety gate or the AI path failed.
    #[error(transparent)]
    Ai(#[from] AiError),
    /// The lesson catalog failed.
    #[error(transparent)]
    Learning(#[from] LearningError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> StudyError {
    StudyError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// Checks a text field: `min..=max` characters after trimming, no NUL (Postgres stores
/// none; nobody types one).
fn text_field(field: &str, value: &str, min: usize, max: usize) -> Result<(), StudyError> {
    let chars = value.trim().chars().count();
    if chars < min || chars > max {
        return Err(invalid(
            field,
            if min <= 1 {
                format!("must be 1 to {max} characters (got {chars})")
            } else {
                format!("must be {min} to {max} characters (got {chars})")
            },
        ));
    }
    if value.contains('\0') {
        return Err(invalid(field, "must not contain NUL characters"));
    }
    Ok(())
}

/// Checks a value is one of `allowed`.
fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), StudyError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("`{value}` is not one of {}", allowed.join(", ")),
        ))
    }
}

/// The difficulties of seed 002 §5.3.
pub const DIFFICULTIES: [&str; 3] = ["beginner", "intermediate", "advanced"];

/// Seconds since `started`, to two decimals (the seed's `generation_time`).
fn seconds_since(started: std::time::Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 100.0).round() / 100.0
}

/// A new id with the seed's prefix style (`quiz_…`, `session_…`, `course_…`).
fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// Seed 002's AI study features.
pub struct Study {
    db: Db,
    ai: Arc<Ai>,
    learning: Arc<Learning>,
}

impl Study {
    /// Study features over `db`, asking models through `ai`, reading lessons from
    /// `learning`.
    pub fn new(db: Db, ai: Arc<Ai>, learning: Arc<Learning>) -> Self {
        Self { db, ai, learning }
    }

    /// One completion for `user_id` through the whole AI path.
    async fn complete(
        &self,
        user_id: &str,
        region: Option<&str>,
        feature: &str,
        messages: Vec<Message>,
        schema: Option<serde_json::Value>,
    ) -> Result<crate::plugins::contract::llm::ChatResponse, AiError> {
        let request = ChatRequest {
            feature: feature.to_owned(),
            model: None,
            messages,
            max_tokens: None,
            temperature: None,
            response_schema: schema.map(|s| s.to_string()),
            allow_cache: true,
        };
        let origin = Origin {
            user_id: Some(user_id),
            surface: feature,
            plugin: None,
            region,
        };
        Ok(self.ai.complete(&request, origin).await?.response)
    }
}

impl Study {
    /// What a user's export holds of this: every quiz generated for them, every study
    /// session with its turns, every course they generated (with its pack's files).
    pub async fn export(&self, user_id: &str) -> Result<serde_json::Value, StudyError> {
        let quizzes = self
            .db
            .generated_quizzes(user_id)
            .await?
            .iter()
            .map(|q| serde_json::from_str(q))
            .collect::<Result<Vec<serde_json::Value>, _>>()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(serde_json::json!({
            "quizzes": quizzes,
            "study_sessions": self.study_sessions(user_id).await?,
            "courses": self.course_drafts(user_id).await?,
        }))
    }
}

fn message(role: Role, content: impl Into<String>) -> Message {
    Message {
        role,
        content: content.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_are_bounded_in_characters_and_refuse_nul() {
        assert!(text_field("topic", "Loops", 3, 10).is_ok());
        // Characters, not bytes: five two-byte letters fit in five.
        assert!(text_field("topic", "ééééé", 1, 5).is_ok());
        let e = text_field("topic", "  ab ", 3, 10).unwrap_err();
        assert_eq!(e.to_string(), "topic: must be 3 to 10 characters (got 2)");
        let e = text_field("userInput", "", 1, 10).unwrap_err();
        assert_eq!(
            e.to_string(),
            "userInput: must be 1 to 10 characters (got 0)"
        );
        let e = text_field("topic", "a\0bcd", 3, 10).unwrap_err();
        assert!(e.to_string().contains("NUL"), "{e}");
        let e = one_of("difficulty", "expert", &DIFFICULTIES).unwrap_err();
        assert_eq!(
            e.to_string(),
            "difficulty: `expert` is not one of beginner, intermediate, advanced"
        );
    }
}
