//! Model completions (WIT `tessera:platform/llm`, both the import plugins call and the AI
//! gateway's export), as the host's own types.

use super::types::{FieldError, Json, Message};
use serde::{Deserialize, Serialize};

/// A chat completion request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// Feature making the call (`tutor`, `quiz-generation`, `tone`, …). Routes, budgets
    /// and cost reports are per feature.
    pub feature: String,
    /// A specific model, or `none` for the feature's configured route.
    pub model: Option<String>,
    /// The conversation, oldest first.
    pub messages: Vec<Message>,
    /// Upper bound on generated tokens.
    pub max_tokens: Option<u32>,
    /// Sampling temperature, 0.0 to 2.0.
    pub temperature: Option<f32>,
    /// A JSON Schema the reply must satisfy; the gateway validates it and makes one
    /// repair attempt before failing with `schema-mismatch`.
    pub response_schema: Option<Json>,
    /// Whether an identical earlier reply may be served from the cache.
    pub allow_cache: bool,
}

/// Token counts of one completion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// Prompt tokens.
    pub input_tokens: u32,
    /// Generated tokens.
    pub output_tokens: u32,
}

/// A completion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// The generated text (JSON text when a schema was given).
    pub content: String,
    /// The model that produced it, e.g. `tessera-offline`.
    pub model: String,
    /// The provider that served it.
    pub provider: String,
    /// Token usage.
    pub usage: Usage,
    /// Whether it came from the response cache.
    pub cached: bool,
}

/// Why a completion failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LlmError {
    /// The request is malformed.
    InvalidRequest(FieldError),
    /// No provider could serve the request now (all failed or circuits open).
    Unavailable(String),
    /// The provider answered something unusable (malformed JSON, an unexpected status);
    /// the string says what.
    ProviderError(String),
    /// Too many requests; retry after this many milliseconds.
    RateLimited(u64),
    /// The caller's or the platform's token or spend budget is exhausted.
    BudgetExceeded(String),
    /// The reply did not satisfy `response-schema` even after a repair attempt.
    SchemaMismatch(String),
    /// The safety gate stopped the request; the string is the response to show instead.
    Blocked(String),
}

/// A model the gateway can serve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The name a request's `model` uses, e.g. `gpt-4o-mini`.
    pub id: String,
    /// The provider serving it (`offline` for `tessera-offline`).
    pub provider: String,
}
