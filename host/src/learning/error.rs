//! Why a learning request failed. Mapped once to the HTTP error body (`api::error`), and
//! through it to GraphQL errors.

use crate::ai::AiError;
use crate::grading::GradeError;
use crate::runtime::PluginError;
use crate::store::StoreError;

/// A failed learning request.
#[derive(Debug, thiserror::Error)]
pub enum LearningError {
    /// An id that names nothing (404).
    #[error("no {what} `{id}`")]
    NotFound {
        /// What was looked up (`step`, `lesson`, `track`, …).
        what: &'static str,
        /// The id given.
        id: String,
    },
    /// A value the request must not carry (422, naming the field).
    #[error("{field}: {message}")]
    Invalid {
        /// Dotted path of the field.
        field: String,
        /// Why.
        message: String,
    },
    /// The request is well-formed but the learner's state does not allow it (409).
    #[error("{message}")]
    Conflict {
        /// Stable error code, e.g. `CERTIFICATE_NOT_EARNED`.
        code: &'static str,
        /// What is missing.
        message: String,
    },
    /// The caller may not see or change this (403).
    #[error("{0}")]
    Forbidden(String),
    /// The body is over a size limit (413).
    #[error("{field} is {size} bytes; at most {limit} are accepted")]
    TooLarge {
        /// The field.
        field: &'static str,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// No lesson-engine plugin is installed (503).
    #[error("no lesson engine plugin is installed")]
    NoEngine,
    /// The lesson engine refused its input: a host bug or corrupt stored state (500).
    #[error("the lesson engine refused its input: {0}")]
    Engine(String),
    /// Grading failed.
    #[error(transparent)]
    Grade(#[from] GradeError),
    /// An AI request failed.
    #[error(transparent)]
    Ai(#[from] AiError),
    /// A plugin misbehaved.
    #[error(transparent)]
    Plugin(#[from] PluginError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl LearningError {
    /// A 404 for `what` `id`.
    pub fn not_found(what: &'static str, id: &str) -> Self {
        LearningError::NotFound {
            what,
            id: id.to_owned(),
        }
    }

    /// A 422 naming `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        LearningError::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}
