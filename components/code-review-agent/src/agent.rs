//! The `agent` contract's request, reply and error in plain Rust types, so the review is
//! unit-testable natively; the component glue maps them to and from the bindings.

use serde_json::Value;
use tessera_plugin_sdk::model::Message;

/// One turn to answer (`agent-request`, the fields this agent reads).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request {
    /// The learner's opaque id.
    pub learner_id: String,
    /// The conversation, oldest first; the last message is the learner's query.
    pub messages: Vec<Message>,
    /// The topic triage decided.
    pub topic: String,
    /// The code box, if filled.
    pub code: Option<String>,
}

/// The answer (`agent-reply`).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// Markdown shown to the learner.
    pub content: String,
    /// Suggested next prompts.
    pub follow_ups: Vec<String>,
    /// The checker's quality rating, 0.0 to 1.0; `None` when the checker could not run.
    pub code_quality: Option<f32>,
    /// What the agent returns in `data` (a JSON object).
    pub data: Value,
}

/// Why a turn could not be answered (`error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentError {
    /// A field of the request is wrong: its name and why.
    Invalid {
        /// The field, e.g. `code`.
        field: String,
        /// Why, for the person who sent it.
        message: String,
    },
}

/// Shorthand for [`AgentError::Invalid`].
pub fn invalid(field: &str, message: impl Into<String>) -> AgentError {
    AgentError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}
