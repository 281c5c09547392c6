//! Tutor agents (WIT `tessera:platform/agent`, contract 0.2.0), as the host's own types.

use serde::{Deserialize, Serialize};

use super::code_runner::TestCase;
use super::types::{Json, LearnerContext, Message};

/// What an agent is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentInfo {
    /// Stable id, the plugin id by convention.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What the agent is good at.
    pub description: String,
    /// The intents it answers.
    pub intents: Vec<String>,
}

/// An exercise with its reference solution and hidden tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exercise {
    /// A short title.
    pub title: String,
    /// The task as the learner reads it (Markdown).
    pub prompt: String,
    /// The topic, e.g. `python.loops`.
    pub topic: String,
    /// `easy`, `medium` or `hard`.
    pub difficulty: String,
    /// Code the learner starts from.
    pub starter_code: String,
    /// A solution passing every test; never shown to the learner.
    pub reference_solution: String,
    /// The hidden tests.
    pub tests: Vec<TestCase>,
}

/// A turn for an agent to answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentRequest {
    /// The learner being helped.
    pub learner: LearnerContext,
    /// The conversation so far, oldest first; the last message is the learner's query.
    pub messages: Vec<Message>,
    /// The intent triage decided.
    pub intent: String,
    /// The topic triage decided (`general` when none).
    pub topic: String,
    /// The learner's mastery of the topic, 0 to 1, when known.
    pub mastery: Option<f32>,
    /// The query's code box.
    pub code: Option<String>,
    /// The query's error box.
    pub error: Option<String>,
    /// The difficulty asked for.
    pub difficulty: Option<String>,
    /// The exercise to vary.
    pub base_exercise: Option<Exercise>,
    /// The `data` of this agent's earlier replies in the conversation, oldest first.
    pub earlier: Vec<Json>,
    /// The agent's settings (`{}` when none).
    pub settings: Json,
}

/// An agent's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentReply {
    /// The reply (Markdown).
    pub content: String,
    /// Suggested follow-up prompts.
    pub follow_ups: Vec<String>,
    /// A rating of the learner's code, 0 to 1.
    pub code_quality: Option<f32>,
    /// A generated, validated exercise.
    pub exercise: Option<Exercise>,
    /// What the agent wants back in `earlier` next turn (a JSON object).
    pub data: Json,
}
