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
    /// The code box of the query, if filled.
    pub code: Option<String>,
    /// The error box of the query, if filled.
    pub error: Option<String>,
    /// The `data` of this agent's earlier replies in the conversation, oldest first.
    pub earlier: Vec<String>,
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

    /// The code box, unless blank.
    pub fn code_box(&self) -> Option<&str> {
        self.code.as_deref().filter(|c| !c.trim().is_empty())
    }

    /// The error box, unless blank.
    pub fn error_box(&self) -> Option<&str> {
        self.error.as_deref().filter(|e| !e.trim().is_empty())
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
