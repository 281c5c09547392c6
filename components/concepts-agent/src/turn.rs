//! One turn of the conversation in plain Rust types (the contract's `agent-request`,
//! `agent-reply` and `error::invalid-input`, minus what this agent never reads), so the
//! rules are testable natively; the component glue maps the bindings onto them.

use serde_json::Value;

pub use tessera_plugin_sdk::model::{Message, Role};
pub use tessera_plugin_sdk::outcome::{Invalid, invalid};

/// What the agent reads of an `agent-request`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request {
    /// The conversation so far, oldest first; the last user message is the query.
    pub messages: Vec<Message>,
    /// The topic triage decided (`general` when none).
    pub topic: String,
    /// The learner's mastery of the topic, 0.0 to 1.0; `None` when they have no record.
    pub mastery: Option<f32>,
    /// The learner's preferred tone, if they chose one.
    pub tone: Option<String>,
}

impl Request {
    /// The learner's query: the last user message, which must hold some text.
    pub fn query(&self) -> Result<&str, Invalid> {
        let last = self
            .messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .ok_or_else(|| invalid("messages", "holds no message from the learner"))?;
        if last.content.trim().is_empty() {
            return Err(invalid("messages", "the learner's last message is empty"));
        }
        Ok(&last.content)
    }
}

/// What the agent answers (`agent-reply`; it never rates code or writes exercises).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The reply text (Markdown).
    pub content: String,
    /// Suggested follow-up prompts.
    pub follow_ups: Vec<String>,
    /// What comes back in `earlier` on the next turn (a JSON object).
    pub data: Value,
}
