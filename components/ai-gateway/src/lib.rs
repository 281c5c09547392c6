//! The first-party AI gateway (`tessera:platform/llm`). A request for a model a
//! configured provider serves goes to that provider over `wasi:http` (`providers`); every
//! other request is answered by the offline model (`offline`). Retries, failover, breakers,
//! caching, schema repair and budgets come with the rest of the AI-gateway issue.

pub mod offline;
pub mod providers;

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
    use wasi::config::store as config;
    use wasi::http::outgoing_handler;
    use wasi::http::types::{Fields, OutgoingBody, OutgoingRequest, Scheme};

    use super::providers::{self, Provider};

    /// Most reply bytes read from a provider.
    const MAX_REPLY: usize = 4 << 20;

    struct Gateway;

    /// POSTs `body` to `{base_url}/chat/completions`; the reply's status and bytes.
    fn post(provider: &Provider, body: &str) -> Result<(u16, Vec<u8>), LlmError> {
        let unavailable = |m: String| LlmError::Unavailable(format!("{}: {m}", provider.name));
        let (scheme, rest) = match provider.base_url.split_once("://") {
            Some(("https", rest)) => (Scheme::Https, rest),
            Some((_, rest)) => (Scheme::Http, rest),
            None => return Err(unavailable("bad base_url".into())),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        // A known length, not chunked: some providers' servers refuse chunked uploads.
        let mut headers = vec![
            ("content-type".to_owned(), b"application/json".to_vec()),
            (
                "content-length".to_owned(),
                body.len().to_string().into_bytes(),
            ),
        ];
        if let Some(key) = &provider.api_key {
            headers.push(("authorization".into(), format!("Bearer {key}").into_bytes()));
        }
        let fields = Fields::from_list(&headers).map_err(|e| unavailable(format!("{e:?}")))?;
        let request = OutgoingRequest::new(fields);
        let _ = request.set_method(&wasi::http::types::Method::Post);
        request
            .set_scheme(Some(&scheme))
            .and(request.set_authority(Some(authority)))
            .and(request.set_path_with_query(Some(&format!("{path}/chat/completions"))))
            .map_err(|()| unavailable("bad base_url".into()))?;
        let outgoing = request.body().map_err(|()| unavailable("no body".into()))?;
        {
            let stream = outgoing
                .write()
                .map_err(|()| unavailable("no body stream".into()))?;
            for chunk in body.as_bytes().chunks(4096) {
                stream
                    .blocking_write_and_flush(chunk)
                    .map_err(|e| unavailable(format!("write: {e:?}")))?;
            }
        }
        let future =
            outgoing_handler::handle(request, None).map_err(|e| unavailable(format!("{e:?}")))?;
        OutgoingBody::finish(outgoing, None).map_err(|e| unavailable(format!("{e:?}")))?;
        let response = loop {
            match future.get() {
                Some(r) => break r,
                None => future.subscribe().block(),
            }
        };
        let response = response
            .map_err(|()| unavailable("response taken".into()))?
            .map_err(|e| unavailable(format!("{e:?}")))?;
        let status = response.status();
        let incoming = response
            .consume()
            .map_err(|()| unavailable("body taken".into()))?;
        let stream = incoming
            .stream()
            .map_err(|()| unavailable("stream taken".into()))?;
        let mut bytes = Vec::new();
        while bytes.len() < MAX_REPLY {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(_) => break,
            }
        }
        Ok((status, bytes))
    }

    fn configured() -> Result<Vec<Provider>, LlmError> {
        match config::get("providers") {
            Ok(Some(text)) => providers::parse(&text).map_err(LlmError::Unavailable),
            _ => Ok(Vec::new()),
        }
    }

    impl Guest for Gateway {
        fn complete(request: ChatRequest) -> Result<ChatResponse, LlmError> {
            if request.messages.is_empty() {
                return Err(LlmError::InvalidRequest(FieldError {
                    field: "messages".into(),
                    message: "must hold at least one message".into(),
                }));
            }
            let providers = configured()?;
            let provider = match &request.model {
                Some(model) if model != super::offline::MODEL => {
                    match providers::for_model(&providers, model) {
                        Some(p) => Some((p, model.as_str())),
                        None => {
                            let mut known: Vec<&str> = providers
                                .iter()
                                .flat_map(|p| p.models.iter().map(String::as_str))
                                .collect();
                            known.push(super::offline::MODEL);
                            return Err(LlmError::InvalidRequest(FieldError {
                                field: "model".into(),
                                message: format!(
                                    "unknown model `{model}`; this gateway serves {}",
                                    known.join(", ")
                                ),
                            }));
                        }
                    }
                }
                _ => None,
            };
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
            if let Some((provider, model)) = provider {
                let body =
                    providers::request_body(model, &turns, request.max_tokens, request.temperature);
                let (status, reply) = post(provider, &body)?;
                return match status {
                    200..=299 => {
                        let (content, answered_by, input, output) = providers::parse_reply(&reply)
                            .map_err(|m| {
                                LlmError::ProviderError(format!("{}: {m}", provider.name))
                            })?;
                        Ok(ChatResponse {
                            content,
                            model: if answered_by.is_empty() {
                                model.to_owned()
                            } else {
                                answered_by
                            },
                            provider: provider.name.clone(),
                            usage: Usage {
                                input_tokens: input,
                                output_tokens: output,
                            },
                            cached: false,
                        })
                    }
                    429 => Err(LlmError::RateLimited(1000)),
                    500..=599 => Err(LlmError::Unavailable(format!(
                        "{} answered HTTP {status}",
                        provider.name
                    ))),
                    code => Err(LlmError::ProviderError(format!(
                        "{} answered HTTP {code}",
                        provider.name
                    ))),
                };
            }
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
