//! The `tessera:platform/llm` contract in plain Rust types, and the one thing grading needs
//! from its surroundings: something that completes a chat. The component glue backs it with
//! the real import; the tests with fakes.

use serde_json::Value;

/// The model id the gateway's offline fallback answers with. Its replies fill the schema
/// with placeholder content, so their numbers mean nothing.
pub const OFFLINE_MODEL: &str = "tessera-offline";

/// Who wrote a message (`role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Instructions from the grader.
    System,
    /// The learner's work.
    User,
}

/// One message (`message`).
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Author.
    pub role: Role,
    /// Text.
    pub content: String,
}

/// A completion request (`chat-request`).
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    /// Feature making the call; routes and budgets are per feature.
    pub feature: String,
    /// The conversation, oldest first.
    pub messages: Vec<Message>,
    /// Upper bound on generated tokens.
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// The JSON Schema the reply must satisfy.
    pub response_schema: Value,
    /// Whether a cached identical reply may be served.
    pub allow_cache: bool,
}

/// A completion (`chat-response`, the fields grading uses).
#[derive(Debug, Clone, PartialEq)]
pub struct ChatResponse {
    /// The generated JSON text.
    pub content: String,
    /// The model that produced it.
    pub model: String,
}

/// Why a completion failed (`llm-error`).
#[derive(Debug, Clone, PartialEq)]
pub enum LlmError {
    /// The request is malformed: field and message.
    InvalidRequest(String, String),
    /// No provider could serve it now.
    Unavailable(String),
    /// The provider answered something unusable.
    ProviderError(String),
    /// Too many requests; retry after this many ms.
    RateLimited(u64),
    /// A token or spend budget is exhausted.
    BudgetExceeded(String),
    /// The reply did not satisfy the schema even after a repair attempt.
    SchemaMismatch(String),
    /// The safety gate stopped the request; the text to show instead.
    Blocked(String),
}

/// Completes chats: the `llm` import, or a fake in tests.
pub trait Llm {
    /// Produces one completion.
    fn complete(&mut self, request: &ChatRequest) -> Result<ChatResponse, LlmError>;
}
