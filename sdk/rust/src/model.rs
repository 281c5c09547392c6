//! The `tessera:platform/llm` contract in plain Rust types, and what a plugin that asks a
//! model needs from its surroundings: something that completes a chat ([`Llm`]). A
//! component backs it with the real import ([`crate::llm_import!`]); its native tests with
//! fakes.

use serde_json::Value;

/// The model id the gateway's offline fallback answers with. Its replies fill the schema
/// with placeholder content, so their numbers mean nothing.
pub const OFFLINE_MODEL: &str = "tessera-offline";

/// Who wrote a message (`role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Instructions from the plugin.
    System,
    /// The learner (their work, their question).
    User,
    /// A tutor or model, in a conversation's earlier turns.
    Assistant,
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
    /// The JSON Schema the reply must satisfy (`Value::Null` for free text).
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

/// Defines `Gateway`, an [`Llm`] calling the `llm` import of the component's bindings,
/// given the paths of the generated `llm` and `types` modules
/// (`llm_import!(tessera::platform::llm, tessera::platform::types)`). Every contract
/// version's `llm` has the same types, so one glue serves all.
#[macro_export]
macro_rules! llm_import {
    ($($llm:ident)::+, $($types:ident)::+) => {
        /// The model, through the granted `llm` import (the AI gateway behind the safety
        /// gate).
        pub struct Gateway;

        impl $crate::model::Llm for Gateway {
            fn complete(
                &mut self,
                r: &$crate::model::ChatRequest,
            ) -> Result<$crate::model::ChatResponse, $crate::model::LlmError> {
                use $crate::model as plain;
                use $($llm)::+ as llm;
                use $($types)::+ as types;
                let request = llm::ChatRequest {
                    feature: r.feature.clone(),
                    model: None,
                    messages: r
                        .messages
                        .iter()
                        .map(|m| types::Message {
                            role: match m.role {
                                plain::Role::System => types::Role::System,
                                plain::Role::User => types::Role::User,
                                plain::Role::Assistant => types::Role::Assistant,
                            },
                            content: m.content.clone(),
                        })
                        .collect(),
                    max_tokens: r.max_tokens,
                    temperature: r.temperature,
                    response_schema: (!r.response_schema.is_null())
                        .then(|| r.response_schema.to_string()),
                    allow_cache: r.allow_cache,
                };
                match llm::complete(&request) {
                    Ok(reply) => Ok(plain::ChatResponse {
                        content: reply.content,
                        model: reply.model,
                    }),
                    Err(e) => Err(match e {
                        llm::LlmError::InvalidRequest(f) => {
                            plain::LlmError::InvalidRequest(f.field, f.message)
                        }
                        llm::LlmError::Unavailable(m) => plain::LlmError::Unavailable(m),
                        llm::LlmError::ProviderError(m) => plain::LlmError::ProviderError(m),
                        llm::LlmError::RateLimited(ms) => plain::LlmError::RateLimited(ms),
                        llm::LlmError::BudgetExceeded(m) => plain::LlmError::BudgetExceeded(m),
                        llm::LlmError::SchemaMismatch(m) => plain::LlmError::SchemaMismatch(m),
                        llm::LlmError::Blocked(m) => plain::LlmError::Blocked(m),
                    }),
                }
            }
        }
    };
}
