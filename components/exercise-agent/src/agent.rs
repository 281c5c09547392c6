//! The `agent` contract's request, reply and error in plain Rust types, so generation is
//! unit-testable natively; the component glue maps them to and from the bindings.

use serde_json::Value;
use tessera_plugin_sdk::model::Message;

use crate::exercise::Exercise;

/// One turn to answer (`agent-request`, the fields this agent reads).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request {
    /// The learner's opaque id.
    pub learner_id: String,
    /// The conversation, oldest first; the last message is the learner's query.
    pub messages: Vec<Message>,
    /// The topic triage decided (`general` when none).
    pub topic: String,
    /// The learner's mastery of the topic, 0.0 to 1.0, if known.
    pub mastery: Option<f32>,
    /// The difficulty asked for.
    pub difficulty: Option<String>,
    /// The exercise to write a variation of.
    pub base_exercise: Option<Exercise>,
    /// This agent's earlier replies' `data` in the conversation, oldest first.
    pub earlier: Vec<String>,
}

/// The answer (`agent-reply`).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// Markdown shown to the learner: the task, never the solution or the tests.
    pub content: String,
    /// Suggested next prompts.
    pub follow_ups: Vec<String>,
    /// The validated exercise, when this turn made one.
    pub exercise: Option<Exercise>,
    /// What the agent returns in `data` (a JSON object).
    pub data: Value,
}

/// Why a turn could not be answered (`error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentError {
    /// A field of the request is wrong: its name and why.
    Invalid {
        /// The field, e.g. `difficulty`.
        field: String,
        /// Why, for the person who sent it.
        message: String,
    },
    /// No exercise could be validated now (the sandbox is down, or nothing passed).
    Unavailable(String),
}

/// Shorthand for [`AgentError::Invalid`].
pub fn invalid(field: &str, message: impl Into<String>) -> AgentError {
    AgentError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}
