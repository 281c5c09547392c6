//! Triage (WIT `tessera:platform/triage`, contract 0.2.0), as the host's own types.

use serde::{Deserialize, Serialize};

use super::types::{LearnerContext, Message};

/// An intent a query may be routed to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntentOption {
    /// The intent's name.
    pub name: String,
    /// What queries of this intent ask for.
    pub description: String,
    /// Words or phrases that signal it (empty for built-in intents).
    pub keywords: Vec<String>,
    /// Example queries (empty for built-in intents).
    pub examples: Vec<String>,
}

/// A query to classify.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriageQuery {
    /// What the learner typed.
    pub text: String,
    /// The code box.
    pub code: Option<String>,
    /// The error box.
    pub error: Option<String>,
    /// Earlier turns, oldest first.
    pub history: Vec<Message>,
    /// The learner.
    pub learner: Option<LearnerContext>,
    /// The intents to choose from.
    pub intents: Vec<IntentOption>,
}

/// Which stage decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DecidedBy {
    /// The plugin's rules.
    Rules,
    /// The nearest labelled examples by meaning.
    Meaning,
    /// A model call.
    Model,
    /// Nothing was sure; the best guess stands.
    Fallback,
}

/// What a query asks for and what it is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// The chosen intent.
    pub intent: String,
    /// The topic, or `general`.
    pub topic: String,
    /// Confidence in the intent, 0 to 1.
    pub confidence: f32,
    /// Confidence in the topic, 0 to 1.
    pub topic_confidence: f32,
    /// The stage that decided.
    pub decided_by: DecidedBy,
    /// What within that stage decided.
    pub reason: String,
}
