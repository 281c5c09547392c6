//! Records shared by every capability interface (WIT `tessera:platform/types`), as the host's
//! own types: host code uses these, never the generated bindings (`runtime::bindings` converts
//! at the boundary, one adapter per contract version).

use serde::{Deserialize, Serialize};

/// A JSON document as UTF-8 text, for kind-specific payloads (a question's answer key, a
/// learner's answer, a plugin's settings).
pub type Json = String;

/// Points at one field of the input that is wrong, so the host can answer the client with
/// a 4xx naming it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldError {
    /// Dotted path of the offending field as the client sent it, e.g.
    /// `answer.selected` or `question.answer_key.tolerance`.
    pub field: String,
    /// Why the value is not acceptable, written for the person who sent it.
    pub message: String,
}

/// The error every capability call can return besides its own typed outcomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Error {
    /// The caller's input is malformed; the host answers 422 naming the field.
    InvalidInput(FieldError),
    /// The request asks for something this plugin does not do (e.g. an unknown kind).
    Unsupported(String),
    /// A service the plugin depends on (a model, the code runner) is not available now;
    /// the host answers 503.
    Unavailable(String),
    /// Anything else; the host answers 500 and logs the message with the plugin's id.
    Internal(String),
}

/// Who a call is made for. Plugins must treat it as read-only context; the host owns
/// identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnerContext {
    /// Stable, opaque learner id (never an e-mail address).
    pub learner_id: String,
    /// BCP 47 language tag the learner reads, e.g. `en-GB`.
    pub locale: String,
    /// IANA time zone, e.g. `Europe/Berlin`, for anything that depends on the local day.
    pub timezone: String,
    /// Preferred tone of explanations (`friendly`, `formal`, `socratic`, `concise`,
    /// `playful`), if the learner chose one.
    pub tone: Option<String>,
}

/// Who wrote a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Instructions from the platform or the plugin.
    System,
    /// The learner.
    User,
    /// A tutor, agent or model.
    Assistant,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Author of the message.
    pub role: Role,
    /// Plain text or Markdown content.
    pub content: String,
}
