//! The first-party AI gateway (`tessera:platform/llm`). A request is answered by the models
//! of its feature's route in order (or the one model it names): each is asked over
//! `wasi:http` with retries and backoff, behind a circuit breaker per provider shared
//! through `wasi:keyvalue`; identical requests may be served from a response cache; replies
//! are checked against the request's JSON Schema (crate `json-schema`) with one repair
//! attempt; the offline model (crate `offline-model`) answers when no provider is
//! configured or closes a route as its last resort.
//!
//! Layout: pure modules, unit-tested natively — [`config`] (the settings), [`providers`]
//! (wire formats), [`routes`], [`retry`], [`breaker`], [`cache`], [`structured`] (JSON out
//! of a reply, the repair turn) — and [`gateway`], the request flow over a small trait of
//! host services; the wasm32 glue (`component`, `http`) implements that trait over WASI and
//! exports the interface.

pub mod breaker;
pub mod cache;
pub mod config;
pub mod gateway;
pub mod providers;
pub mod retry;
pub mod routes;
pub mod structured;

/// The WIT bindings: built only for wasm32, where the imports exist.
#[cfg(target_arch = "wasm32")]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/0.1.0",
        world: "tessera:platform/llm-plugin@0.1.0",
        generate_all,
    });
}

#[cfg(target_arch = "wasm32")]
mod http;

/// The component glue: WASI services for [`gateway`] and the `llm` export.
#[cfg(target_arch = "wasm32")]
mod component {
    use std::collections::HashMap;
    use std::hash::BuildHasher;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use super::bindings::exports::tessera::platform::llm::{
        ChatRequest, ChatResponse, Guest, LlmError, ModelInfo, Usage,
    };
    use super::bindings::tessera::platform::types::{FieldError, Role};
    use super::bindings::wasi::config::store as config_store;
    use super::bindings::wasi::keyvalue::store as kv;
    use super::bindings::wasi::logging::logging;
    use super::config::Config;
    use super::gateway::{self, HttpReply, HttpRequest, Level, Services, Transport};

    struct Gateway;

    /// WASI behind [`Services`]. Buckets are opened on first use.
    #[derive(Default)]
    struct Wasi {
        buckets: HashMap<String, kv::Bucket>,
        draws: u64,
    }

    impl Wasi {
        fn bucket(&mut self, name: &str) -> Result<&kv::Bucket, String> {
            if !self.buckets.contains_key(name) {
                let bucket = kv::open(name).map_err(|e| format!("{e:?}"))?;
                self.buckets.insert(name.to_owned(), bucket);
            }
            Ok(&self.buckets[name])
        }
    }

    impl Services for Wasi {
        fn send(&mut self, request: &HttpRequest) -> Result<HttpReply, Transport> {
            super::http::send(request)
        }

        fn kv_get(&mut self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
            self.bucket(bucket)?.get(key).map_err(|e| format!("{e:?}"))
        }

        fn kv_set(&mut self, bucket: &str, key: &str, value: &[u8]) -> Result<(), String> {
            self.bucket(bucket)?
                .set(key, value)
                .map_err(|e| format!("{e:?}"))
        }

        fn kv_delete(&mut self, bucket: &str, key: &str) -> Result<(), String> {
            self.bucket(bucket)?
                .delete(key)
                .map_err(|e| format!("{e:?}"))
        }

        fn now_ms(&mut self) -> u64 {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64)
        }

        fn sleep_ms(&mut self, ms: u64) {
            // Blocks on a `wasi:clocks` pollable: the instance sleeps, the host does not.
            std::thread::sleep(Duration::from_millis(ms));
        }

        fn random(&mut self) -> u64 {
            // `RandomState`'s keys come from `wasi:random` on wasip2 (std seeds them from
            // the platform's entropy); hashing a counter with them gives jitter without
            // another dependency. Not for secrets.
            self.draws += 1;
            std::hash::RandomState::new().hash_one(self.draws)
        }

        fn log(&mut self, level: Level, context: &str, message: &str) {
            let level = match level {
                Level::Debug => logging::Level::Debug,
                Level::Info => logging::Level::Info,
                Level::Warn => logging::Level::Warn,
            };
            logging::log(level, context, message);
        }
    }

    fn load_config() -> Result<Config, String> {
        Config::load(|key| config_store::get(key).map_err(|e| format!("{e:?}")))
    }

    impl Guest for Gateway {
        fn models() -> Vec<ModelInfo> {
            // An unreadable config serves only the offline model (and `complete` says why).
            let providers = load_config().map(|c| c.providers).unwrap_or_default();
            providers
                .iter()
                .flat_map(|p| {
                    p.models.iter().map(|m| ModelInfo {
                        id: m.clone(),
                        provider: p.name.clone(),
                    })
                })
                .chain(std::iter::once(ModelInfo {
                    id: offline_model::MODEL.into(),
                    provider: super::gateway::OFFLINE_PROVIDER.into(),
                }))
                .collect()
        }

        fn complete(request: ChatRequest) -> Result<ChatResponse, LlmError> {
            let request = gateway::Request {
                feature: request.feature,
                model: request.model,
                messages: request
                    .messages
                    .into_iter()
                    .map(|m| {
                        let role = match m.role {
                            Role::System => "system",
                            Role::User => "user",
                            Role::Assistant => "assistant",
                        };
                        (role, m.content)
                    })
                    .collect(),
                max_tokens: request.max_tokens,
                temperature: request.temperature,
                response_schema: request.response_schema,
                allow_cache: request.allow_cache,
            };
            let config = load_config();
            let mut wasi = Wasi::default();
            match gateway::complete(&mut wasi, config.as_ref().map_err(String::as_str), &request) {
                Ok(r) => Ok(ChatResponse {
                    content: r.content,
                    model: r.model,
                    provider: r.provider,
                    usage: Usage {
                        input_tokens: r.input_tokens,
                        output_tokens: r.output_tokens,
                    },
                    cached: r.cached,
                }),
                Err(e) => Err(match e {
                    gateway::Error::InvalidRequest(field, message) => {
                        LlmError::InvalidRequest(FieldError { field, message })
                    }
                    gateway::Error::Unavailable(m) => LlmError::Unavailable(m),
                    gateway::Error::ProviderError(m) => LlmError::ProviderError(m),
                    gateway::Error::RateLimited(ms) => LlmError::RateLimited(ms),
                    gateway::Error::SchemaMismatch(m) => LlmError::SchemaMismatch(m),
                }),
            }
        }
    }

    super::bindings::export!(Gateway with_types_in super::bindings);
}
