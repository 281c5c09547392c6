//! The first-party AI gateway (`tessera:platform/llm`). This first version serves every
//! request with the offline provider (`offline`); provider routing, retries, breakers,
//! caching, schema repair and budgets come with the rest of the AI-gateway issue.

pub mod offline;

/// The component glue: built only for wasm32, where the exports exist.
#[cfg(target_arch = "wasm32")]
mod component {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "tessera:platform/llm-plugin@0.1.0",
        generate_all,
    });

    use exports::tessera::platform::llm::{ChatRequest, ChatResponse, Guest, LlmError, Usage};
    use tessera::platform::types::{FieldError, Role};

    struct Gateway;

    impl Guest for Gateway {
        fn complete(request: ChatRequest) -> Result<ChatResponse, LlmError> {
            if request.messages.is_empty() {
                return Err(LlmError::InvalidRequest(FieldError {
                    field: "messages".into(),
                    message: "must hold at least one message".into(),
                }));
            }
            if let Some(model) = &request.model
                && model != super::offline::MODEL
            {
                return Err(LlmError::InvalidRequest(FieldError {
                    field: "model".into(),
                    message: format!(
                        "unknown model `{model}`; this gateway serves {}",
                        super::offline::MODEL
                    ),
                }));
            }
            let turns: Vec<(&str, &str)> = request
                .messages
                .iter()
                .map(|m| {
                    let role = match m.role {
                        Role::System => "system",
                        Role::User => "user",
                        Role::Assistant => "assistant",
                    };
                    (role, m.content.as_str())
                })
                .collect();
            let content = super::offline::reply(&request.feature, &turns);
            let input = request
                .messages
                .iter()
                .map(|m| super::offline::tokens(&m.content))
                .sum();
            Ok(ChatResponse {
                usage: Usage {
                    input_tokens: input,
                    output_tokens: super::offline::tokens(&content),
                },
                content,
                model: super::offline::MODEL.into(),
                provider: "offline".into(),
                cached: false,
            })
        }
    }

    export!(Gateway);
}
