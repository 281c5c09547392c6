//! One completion, end to end: validate the request, resolve its route, serve it from the
//! cache or ask the route's models in order (retries with backoff per model, each
//! provider's circuit breaker consulted before every attempt), check the reply against the
//! response schema with one repair attempt, and say what happened when nothing worked.
//!
//! Written against [`Services`], the few host capabilities it needs (HTTP, key-value, wall
//! clock, sleep, randomness, logging): the wasm glue implements it over WASI, and the unit
//! tests below over a scripted fake, so the whole flow is tested natively.

use crate::breaker::{self, Admission, Outcome};
use crate::cache;
use crate::config::Config;
use crate::providers::{self, Provider, Reply, Turn};
use crate::retry::{self, Failure, Next};
use crate::structured;
use json_schema::Schema;
use offline_model as offline;

/// The `wasi:logging` context of a circuit-breaker transition; the host turns such lines
/// into its `tessera_ai_breaker_transitions_total` counter.
pub const BREAKER_TRANSITION_CONTEXT: &str = "breaker-transition";
/// `wasi:keyvalue` bucket of the circuit breakers (key: provider name).
pub const BREAKER_BUCKET: &str = "breakers";
/// `wasi:keyvalue` bucket of the response cache (key: [`cache::key`]).
pub const CACHE_BUCKET: &str = "cache";
/// The `provider` reported for offline answers.
pub const OFFLINE_PROVIDER: &str = "offline";

/// A log level (the glue maps it to `wasi:logging`'s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Routine detail (cache hits).
    Debug,
    /// Retries, repairs, answers from a fallback.
    Info,
    /// Failovers, breaker transitions, store failures.
    Warn,
}

/// An outgoing provider request.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    /// `http(s)://authority/path`.
    pub url: String,
    /// Header names and values.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The JSON body.
    pub body: String,
    /// Connect, first-byte and between-bytes timeout.
    pub timeout_ms: u64,
}

/// A provider's HTTP answer.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpReply {
    /// Status code.
    pub status: u16,
    /// The `Retry-After` header, if sent.
    pub retry_after: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// Why no HTTP answer came back.
#[derive(Debug, Clone, PartialEq)]
pub enum Transport {
    /// Connect, first byte or next byte took longer than the timeout.
    Timeout,
    /// The connection failed.
    Connection(String),
    /// The request could not be made (destination not granted, bad URL).
    Refused(String),
}

/// What the flow needs from the host.
pub trait Services {
    /// Sends one request and reads the whole answer.
    fn send(&mut self, request: &HttpRequest) -> Result<HttpReply, Transport>;
    /// Reads a key-value entry.
    fn kv_get(&mut self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, String>;
    /// Writes a key-value entry.
    fn kv_set(&mut self, bucket: &str, key: &str, value: &[u8]) -> Result<(), String>;
    /// Deletes a key-value entry.
    fn kv_delete(&mut self, bucket: &str, key: &str) -> Result<(), String>;
    /// Wall-clock milliseconds since the Unix epoch (shared by replicas, unlike a
    /// monotonic clock).
    fn now_ms(&mut self) -> u64;
    /// Sleeps (a backoff).
    fn sleep_ms(&mut self, ms: u64);
    /// A random number (backoff jitter).
    fn random(&mut self) -> u64;
    /// Logs a line.
    fn log(&mut self, level: Level, context: &str, message: &str);
}

/// A completion request (the WIT `chat-request`, with roles as text).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Request {
    /// Calling feature.
    pub feature: String,
    /// An explicit model, or `None` for the feature's route.
    pub model: Option<String>,
    /// (role, content), oldest first; role `system`, `user` or `assistant`.
    pub messages: Vec<(&'static str, String)>,
    /// Upper bound on generated tokens.
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// A JSON Schema (text) the reply must satisfy.
    pub response_schema: Option<String>,
    /// Whether a cached answer may be served.
    pub allow_cache: bool,
}

/// A completion (the WIT `chat-response`).
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The text (bare JSON text when a schema was given).
    pub content: String,
    /// The model that produced it.
    pub model: String,
    /// The provider that served it (`offline` for the offline model).
    pub provider: String,
    /// Prompt tokens.
    pub input_tokens: u32,
    /// Generated tokens.
    pub output_tokens: u32,
    /// Whether it came from the cache.
    pub cached: bool,
}

/// Why a completion failed (the WIT `llm-error` cases the gateway produces).
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The request is malformed: (field, message).
    InvalidRequest(String, String),
    /// No model could answer (config errors too: the caller cannot fix them).
    Unavailable(String),
    /// Every model answered something unusable.
    ProviderError(String),
    /// The last model was rate-limited; retry after this many milliseconds.
    RateLimited(u64),
    /// The reply did not satisfy the schema even after the repair attempt.
    SchemaMismatch(String),
}

/// `Retry-After` used for `rate-limited` when the provider sent none.
pub const DEFAULT_RATE_LIMIT_MS: u64 = 1000;

/// How one model of the route failed.
#[derive(Debug, Clone, PartialEq)]
struct ModelFailure {
    model: String,
    provider: String,
    failure: Failure,
    attempts: u32,
    /// The breaker opened between this model's attempts.
    circuit_opened: bool,
    /// The failure was the schema repair attempt's.
    during_repair: bool,
}

impl ModelFailure {
    fn summary(&self) -> String {
        let mut s = self.failure.describe();
        if let Some(ms) = self.failure.retry_after_ms() {
            s.push_str(&format!(", Retry-After {ms} ms"));
        }
        if self.attempts > 1 {
            s.push_str(&format!(" after {} attempts", self.attempts));
        }
        if self.circuit_opened {
            s.push_str("; circuit now open");
        }
        if self.during_repair {
            s = format!("schema repair attempt failed: {s}");
        }
        format!("{}@{} ({s})", self.model, self.provider)
    }
}

/// Serves one completion. `config` is the parsed configuration, or the error reading it.
pub fn complete<S: Services>(
    services: &mut S,
    config: Result<&Config, &str>,
    request: &Request,
) -> Result<Response, Error> {
    if request.messages.is_empty() {
        return Err(Error::InvalidRequest(
            "messages".into(),
            "must hold at least one message".into(),
        ));
    }
    if let Some(t) = request.temperature
        && !(0.0..=2.0).contains(&t)
    {
        return Err(Error::InvalidRequest(
            "temperature".into(),
            format!("{t} is outside 0.0-2.0"),
        ));
    }
    if request.max_tokens == Some(0) {
        return Err(Error::InvalidRequest(
            "max_tokens".into(),
            "must be at least 1".into(),
        ));
    }
    let config = config.map_err(|e| Error::Unavailable(format!("AI gateway config: {e}")))?;
    let schema = match &request.response_schema {
        Some(text) => Some(
            Schema::parse(text).map_err(|m| Error::InvalidRequest("response_schema".into(), m))?,
        ),
        None => None,
    };
    let models = config
        .routes
        .resolve(
            &config.providers,
            &request.feature,
            request.model.as_deref(),
        )
        .map_err(|m| Error::InvalidRequest("model".into(), m))?;
    let turns: Vec<Turn<'_>> = request
        .messages
        .iter()
        .map(|(role, content)| (*role, content.as_str()))
        .collect();

    let cache_key =
        (request.allow_cache && models.iter().any(|m| m != offline::MODEL)).then(|| {
            cache::key(&cache::Request {
                models: &models,
                feature: &request.feature,
                turns: &turns,
                max_tokens: request.max_tokens,
                temperature: request.temperature,
                schema: schema.as_ref().map(Schema::value),
            })
        });
    if let Some(key) = &cache_key
        && let Some(hit) = cache_get(services, key)
    {
        return Ok(hit);
    }

    let deadline = services.now_ms().saturating_add(config.deadline_ms);
    let mut failures: Vec<ModelFailure> = Vec::new();
    let mut repair_left = true;
    for (i, model) in models.iter().enumerate() {
        if model == offline::MODEL {
            if !failures.is_empty() {
                services.log(
                    Level::Warn,
                    "route",
                    &format!("answering offline after: {}", summarise(&failures)),
                );
            }
            return offline_answer(request, &turns, schema.as_ref());
        }
        let Some(provider) = providers::for_model(&config.providers, model) else {
            // Routes are validated against the providers; an explicit model too.
            continue;
        };
        let ask = |services: &mut S, turns: &[Turn<'_>]| {
            ask_model(
                services,
                config,
                provider,
                model,
                turns,
                request,
                schema.as_ref(),
                deadline,
            )
        };
        let outcome = match ask(services, &turns) {
            Ok(reply) => match &schema {
                None => Ok((reply.content.clone(), reply, None)),
                Some(schema) => match check(schema, &reply.content) {
                    Ok(json) => Ok((json, reply, None)),
                    Err(errors) if !repair_left => {
                        return Err(Error::SchemaMismatch(errors.join("; ")));
                    }
                    Err(errors) => {
                        repair_left = false;
                        services.log(
                            Level::Info,
                            "schema",
                            &format!(
                                "{model}@{}: the reply does not satisfy the schema ({}); asking once more",
                                provider.name,
                                errors.join("; ")
                            ),
                        );
                        let prompt = structured::repair_prompt(&errors, schema.value());
                        let mut repair = turns.clone();
                        repair.push(("assistant", reply.content.as_str()));
                        repair.push(("user", prompt.as_str()));
                        match ask(services, &repair) {
                            Ok(fixed) => match check(schema, &fixed.content) {
                                Ok(json) => Ok((json, fixed, Some(reply))),
                                Err(errors) => {
                                    return Err(Error::SchemaMismatch(errors.join("; ")));
                                }
                            },
                            Err(mut f) => {
                                f.during_repair = true;
                                Err(f)
                            }
                        }
                    }
                },
            },
            Err(f) => Err(f),
        };
        match outcome {
            Ok((content, reply, first)) => {
                // A repaired answer cost both calls.
                let (extra_in, extra_out) =
                    first.map_or((0, 0), |r| (r.input_tokens, r.output_tokens));
                let response = Response {
                    content,
                    model: if reply.model.is_empty() {
                        model.clone()
                    } else {
                        reply.model
                    },
                    provider: provider.name.clone(),
                    input_tokens: reply.input_tokens.saturating_add(extra_in),
                    output_tokens: reply.output_tokens.saturating_add(extra_out),
                    cached: false,
                };
                if !failures.is_empty() {
                    services.log(
                        Level::Info,
                        "route",
                        &format!(
                            "{model}@{} answered after: {}",
                            provider.name,
                            summarise(&failures)
                        ),
                    );
                }
                if let Some(key) = &cache_key {
                    cache_put(services, config, key, &response);
                }
                return Ok(response);
            }
            Err(f) => {
                if let Some(next) = models.get(i + 1) {
                    services.log(
                        Level::Warn,
                        "route",
                        &format!("{}; falling over to {next}", f.summary()),
                    );
                }
                failures.push(f);
            }
        }
    }
    Err(final_error(&failures))
}

fn summarise(failures: &[ModelFailure]) -> String {
    failures
        .iter()
        .map(ModelFailure::summary)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The error once every model failed: `rate-limited` if the last one was (nothing is left
/// to try, and waiting is what helps), `provider-error` if every model answered
/// something unusable, else `unavailable`; the message says what happened per model.
fn final_error(failures: &[ModelFailure]) -> Error {
    let Some(last) = failures.last() else {
        return Error::Unavailable("no model to try".into());
    };
    if let Failure::RateLimited { retry_after_ms } = last.failure {
        return Error::RateLimited(retry_after_ms.unwrap_or(DEFAULT_RATE_LIMIT_MS));
    }
    let message = format!("all routes failed: {}", summarise(failures));
    if failures.iter().all(|f| f.failure.unusable_answer()) {
        Error::ProviderError(message)
    } else {
        Error::Unavailable(message)
    }
}

/// The reply's bare JSON if it satisfies the schema, else the errors.
fn check(schema: &Schema, content: &str) -> Result<String, Vec<String>> {
    let (json, value) = structured::extract_json(content).map_err(|e| vec![e])?;
    let errors = schema.validate(&value);
    if errors.is_empty() {
        Ok(json)
    } else {
        Err(errors)
    }
}

fn offline_answer(
    request: &Request,
    turns: &[Turn<'_>],
    schema: Option<&Schema>,
) -> Result<Response, Error> {
    let content = offline::reply(&request.feature, turns, schema.map(Schema::value));
    let content = match schema {
        // The offline model writes schema-valid JSON; checked anyway, so a bug there is a
        // typed error rather than a reply that breaks its caller.
        Some(schema) => {
            check(schema, &content).map_err(|errors| Error::SchemaMismatch(errors.join("; ")))?
        }
        None => content,
    };
    Ok(Response {
        input_tokens: turns.iter().map(|(_, c)| offline::tokens(c)).sum(),
        output_tokens: offline::tokens(&content),
        content,
        model: offline::MODEL.into(),
        provider: OFFLINE_PROVIDER.into(),
        cached: false,
    })
}

/// Asks one model, retrying per the policy while its breaker lets requests through and
/// the call's `deadline` (ms since the epoch) is not reached.
#[allow(clippy::too_many_arguments)]
fn ask_model<S: Services>(
    services: &mut S,
    config: &Config,
    provider: &Provider,
    model: &str,
    turns: &[Turn<'_>],
    request: &Request,
    schema: Option<&Schema>,
    deadline: u64,
) -> Result<Reply, ModelFailure> {
    let body = providers::request_body(
        provider.kind,
        model,
        turns,
        request.max_tokens,
        request.temperature,
        schema.map(Schema::value),
    );
    let mut http = HttpRequest {
        url: format!(
            "{}{}",
            provider.base_url,
            providers::endpoint(provider.kind)
        ),
        headers: providers::headers(provider, body.len()),
        body,
        timeout_ms: config.attempt_timeout_ms,
    };
    let policy = &config.retry;
    let fail = |failure, attempts, circuit_opened| ModelFailure {
        model: model.to_owned(),
        provider: provider.name.clone(),
        failure,
        attempts,
        circuit_opened,
        during_repair: false,
    };
    let mut last: Option<Failure> = None;
    for attempt in 1..=policy.max_attempts {
        let left = deadline.saturating_sub(services.now_ms());
        if left == 0 {
            return Err(fail(last.unwrap_or(Failure::Timeout), attempt - 1, false));
        }
        http.timeout_ms = config.attempt_timeout_ms.min(left);
        if breaker_admit(services, config, provider) == Admission::Reject {
            return Err(match last {
                Some(f) => fail(f, attempt - 1, true),
                None => fail(Failure::CircuitOpen, 0, false),
            });
        }
        let result = match services.send(&http) {
            Ok(reply) if (200..300).contains(&reply.status) => {
                providers::parse_reply(provider.kind, &reply.body).map_err(Failure::Malformed)
            }
            Ok(reply) => Err(Failure::from_status(
                reply.status,
                reply
                    .retry_after
                    .as_deref()
                    .and_then(retry::parse_retry_after),
                providers::error_message(&reply.body),
            )),
            Err(Transport::Timeout) => Err(Failure::Timeout),
            Err(Transport::Connection(m)) => Err(Failure::Connection(m)),
            Err(Transport::Refused(m)) => Err(Failure::Refused(m)),
        };
        let outcome = match &result {
            Ok(_) => Outcome::Success,
            Err(f) if f.trips_breaker() => Outcome::Failure,
            Err(_) => Outcome::Neutral,
        };
        let opened = breaker_record(services, config, provider, outcome);
        let failure = match result {
            Ok(reply) => return Ok(reply),
            Err(f) => f,
        };
        if opened {
            // No point waiting for a retry the breaker will refuse.
            return Err(fail(failure, attempt, true));
        }
        let random = services.random();
        match retry::next(policy, attempt, &failure, random) {
            Next::Retry { wait_ms } if wait_ms >= deadline.saturating_sub(services.now_ms()) => {
                // The wait would outlast the call: leave the time to the fallbacks.
                return Err(fail(failure, attempt, false));
            }
            Next::Retry { wait_ms } => {
                services.log(
                    Level::Info,
                    "retry",
                    &format!(
                        "{model}@{}: attempt {attempt}/{} failed ({}); retrying in {wait_ms} ms",
                        provider.name,
                        policy.max_attempts,
                        failure.describe()
                    ),
                );
                services.sleep_ms(wait_ms);
                last = Some(failure);
            }
            Next::NextModel => return Err(fail(failure, attempt, false)),
        }
    }
    // Unreachable: the last attempt always ends in `NextModel`.
    Err(fail(
        last.unwrap_or(Failure::CircuitOpen),
        policy.max_attempts,
        false,
    ))
}

/// The provider's breaker state; a store failure or an unreadable value reads as closed.
fn breaker_load<S: Services>(services: &mut S, provider: &Provider) -> breaker::State {
    match services.kv_get(BREAKER_BUCKET, &provider.name) {
        Ok(None) => breaker::State::default(),
        Ok(Some(bytes)) => breaker::State::from_json(&bytes).unwrap_or_else(|e| {
            services.log(
                Level::Warn,
                "breaker",
                &format!(
                    "provider `{}`: stored state unreadable ({e}); treating it as closed",
                    provider.name
                ),
            );
            breaker::State::default()
        }),
        Err(e) => {
            services.log(
                Level::Warn,
                "breaker",
                &format!(
                    "provider `{}`: key-value store failed ({e}); treating the breaker as closed",
                    provider.name
                ),
            );
            breaker::State::default()
        }
    }
}

fn breaker_store<S: Services>(
    services: &mut S,
    config: &Config,
    provider: &Provider,
    old: &breaker::State,
    new: &breaker::State,
) {
    if old == new {
        return;
    }
    if let Some(t) = breaker::transition(old, new, &config.breaker) {
        // The host counts these lines (docs/ai-gateway.md, "Breaker transitions"): the
        // context and the leading `provider= from= to=` fields are a contract.
        services.log(
            Level::Warn,
            BREAKER_TRANSITION_CONTEXT,
            &format!(
                "provider={} from={} to={}: {t}",
                provider.name,
                old.name(),
                new.name()
            ),
        );
    }
    if let Err(e) = services.kv_set(BREAKER_BUCKET, &provider.name, new.to_json().as_bytes()) {
        services.log(
            Level::Warn,
            "breaker",
            &format!(
                "provider `{}`: key-value store failed ({e}); state not saved",
                provider.name
            ),
        );
    }
}

fn breaker_admit<S: Services>(services: &mut S, config: &Config, provider: &Provider) -> Admission {
    let state = breaker_load(services, provider);
    let now = services.now_ms();
    // A probe's lease outlasts any attempt (connect + first byte + a slow body).
    let lease = config.attempt_timeout_ms.saturating_mul(3);
    let (admission, new) = breaker::admit(state, now, lease);
    breaker_store(services, config, provider, &state, &new);
    admission
}

/// Records an attempt's outcome; whether the breaker is now open.
fn breaker_record<S: Services>(
    services: &mut S,
    config: &Config,
    provider: &Provider,
    outcome: Outcome,
) -> bool {
    // Re-read: another replica may have moved the breaker while the attempt was out.
    let state = breaker_load(services, provider);
    let now = services.now_ms();
    let new = breaker::record(state, &config.breaker, now, outcome);
    breaker_store(services, config, provider, &state, &new);
    matches!(new, breaker::State::Open { .. })
}

fn cache_get<S: Services>(services: &mut S, key: &str) -> Option<Response> {
    let bytes = match services.kv_get(CACHE_BUCKET, key) {
        Ok(found) => found?,
        Err(e) => {
            services.log(
                Level::Warn,
                "cache",
                &format!("key-value store failed ({e}); not using the cache"),
            );
            return None;
        }
    };
    let now = services.now_ms();
    match cache::Entry::from_json(&bytes) {
        Some(entry) if entry.fresh(now) => {
            services.log(
                Level::Debug,
                "cache",
                &format!("hit {key} ({}@{})", entry.model, entry.provider),
            );
            Some(Response {
                content: entry.content,
                model: entry.model,
                provider: entry.provider,
                input_tokens: entry.input_tokens,
                output_tokens: entry.output_tokens,
                cached: true,
            })
        }
        _ => {
            // Expired (or unreadable): gone for good.
            if let Err(e) = services.kv_delete(CACHE_BUCKET, key) {
                services.log(
                    Level::Warn,
                    "cache",
                    &format!("key-value store failed deleting a stale entry ({e})"),
                );
            }
            None
        }
    }
}

fn cache_put<S: Services>(services: &mut S, config: &Config, key: &str, response: &Response) {
    if config.cache_ttl_ms == 0 {
        return;
    }
    let entry = cache::Entry {
        content: response.content.clone(),
        model: response.model.clone(),
        provider: response.provider.clone(),
        input_tokens: response.input_tokens,
        output_tokens: response.output_tokens,
        expires_at_ms: services.now_ms().saturating_add(config.cache_ttl_ms),
    };
    if let Err(e) = services.kv_set(CACHE_BUCKET, key, entry.to_json().as_bytes()) {
        services.log(
            Level::Warn,
            "cache",
            &format!("key-value store failed ({e}); answer not cached"),
        );
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, VecDeque};

    use serde_json::{Value, json};

    use super::*;

    /// A scripted host: answers per URL from a queue (the last answer repeats), an
    /// in-memory store, a clock that sleeping advances.
    #[derive(Default)]
    struct Fake {
        answers: HashMap<String, VecDeque<Result<HttpReply, Transport>>>,
        sent: Vec<HttpRequest>,
        kv: HashMap<(String, String), Vec<u8>>,
        kv_broken: bool,
        now: u64,
        slept: Vec<u64>,
        rand: u64,
        logs: Vec<(Level, String, String)>,
    }

    const OPENAI: &str = "http://openai.test/v1/chat/completions";
    const ANTHROPIC: &str = "http://anthropic.test/v1/messages";

    impl Fake {
        fn script(&mut self, url: &str, answers: Vec<Result<HttpReply, Transport>>) {
            self.answers.insert(url.to_owned(), answers.into());
        }
        fn hits(&self, url: &str) -> usize {
            self.sent.iter().filter(|r| r.url == url).count()
        }
        fn logged(&self, context: &str, needle: &str) -> bool {
            self.logs
                .iter()
                .any(|(_, c, m)| c == context && m.contains(needle))
        }
        fn body(&self, i: usize) -> Value {
            serde_json::from_str(&self.sent[i].body).unwrap()
        }
    }

    impl Services for Fake {
        fn send(&mut self, request: &HttpRequest) -> Result<HttpReply, Transport> {
            self.sent.push(request.clone());
            let queue = self.answers.get_mut(&request.url).expect("unscripted URL");
            if queue.len() > 1 {
                queue.pop_front().unwrap()
            } else {
                queue.front().unwrap().clone()
            }
        }
        fn kv_get(&mut self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
            if self.kv_broken {
                return Err("down".into());
            }
            Ok(self.kv.get(&(bucket.into(), key.into())).cloned())
        }
        fn kv_set(&mut self, bucket: &str, key: &str, value: &[u8]) -> Result<(), String> {
            if self.kv_broken {
                return Err("down".into());
            }
            self.kv.insert((bucket.into(), key.into()), value.to_vec());
            Ok(())
        }
        fn kv_delete(&mut self, bucket: &str, key: &str) -> Result<(), String> {
            self.kv.remove(&(bucket.into(), key.into()));
            Ok(())
        }
        fn now_ms(&mut self) -> u64 {
            self.now
        }
        fn sleep_ms(&mut self, ms: u64) {
            self.slept.push(ms);
            self.now += ms;
        }
        fn random(&mut self) -> u64 {
            self.rand
        }
        fn log(&mut self, level: Level, context: &str, message: &str) {
            self.logs.push((level, context.into(), message.into()));
        }
    }

    fn status(code: u16, body: &str) -> Result<HttpReply, Transport> {
        Ok(HttpReply {
            status: code,
            retry_after: None,
            body: body.as_bytes().to_vec(),
        })
    }

    fn openai_ok(content: &str) -> Result<HttpReply, Transport> {
        status(
            200,
            &json!({"model": "gpt-4o-mini", "choices": [{"message": {"content": content}}],
                "usage": {"prompt_tokens": 7, "completion_tokens": 4}})
            .to_string(),
        )
    }

    fn anthropic_ok(content: &str) -> Result<HttpReply, Transport> {
        status(
            200,
            &json!({"type": "message", "model": "claude-haiku-4-5", "content": [{"type": "text", "text": content}],
                "usage": {"input_tokens": 9, "output_tokens": 3}, "stop_reason": "end_turn"})
            .to_string(),
        )
    }

    fn with_retry_after(code: u16, seconds: &str) -> Result<HttpReply, Transport> {
        Ok(HttpReply {
            status: code,
            retry_after: Some(seconds.into()),
            body: b"{}".to_vec(),
        })
    }

    fn config(extra: &[(&str, &str)]) -> Config {
        let mut pairs: Vec<(String, String)> = vec![(
            "providers".into(),
            json!([
                {"name": "openai", "kind": "openai", "base_url": "http://openai.test/v1", "api_key": "sk", "models": ["gpt-4o-mini"]},
                {"name": "anthropic", "kind": "anthropic", "base_url": "http://anthropic.test/v1", "api_key": "ak", "models": ["claude-haiku-4-5"]}
            ])
            .to_string(),
        )];
        pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Config::load(|k| Ok(pairs.iter().find(|(p, _)| p == k).map(|(_, v)| v.clone()))).unwrap()
    }

    fn tutor_route() -> Config {
        config(&[(
            "routes",
            r#"{"tutor": ["gpt-4o-mini", "claude-haiku-4-5", "tessera-offline"], "default": ["gpt-4o-mini"]}"#,
        )])
    }

    fn request(feature: &str, text: &str) -> Request {
        Request {
            feature: feature.into(),
            messages: vec![("system", "be kind".into()), ("user", text.into())],
            ..Request::default()
        }
    }

    fn run(fake: &mut Fake, config: &Config, request: &Request) -> Result<Response, Error> {
        complete(fake, Ok(config), request)
    }

    #[test]
    fn the_call_deadline_leaves_time_for_the_fallback() {
        let mut fake = Fake::default();
        // Each 503 asks for 600 ms: one wait fits in the 1000 ms deadline, a second does
        // not, so the fallback is asked with the 400 ms that are left as its timeout.
        fake.script(OPENAI, vec![with_retry_after(503, "0.6")]);
        fake.script(ANTHROPIC, vec![anthropic_ok("in time")]);
        let config = config(&[
            (
                "routes",
                r#"{"tutor": ["gpt-4o-mini", "claude-haiku-4-5"]}"#,
            ),
            (
                "retry",
                r#"{"max_attempts": 5, "base_ms": 1, "max_backoff_ms": 5000}"#,
            ),
            ("deadline_ms", "1000"),
        ]);
        let r = run(&mut fake, &config, &request("tutor", "hi")).unwrap();
        assert_eq!(r.provider, "anthropic");
        assert_eq!(fake.hits(OPENAI), 2);
        assert_eq!(fake.slept, vec![600]);
        assert_eq!(fake.sent[2].timeout_ms, 400);
    }

    #[test]
    fn the_primary_answers() {
        let mut fake = Fake::default();
        fake.script(OPENAI, vec![openai_ok("hello")]);
        let r = run(&mut fake, &tutor_route(), &request("tutor", "hi")).unwrap();
        assert_eq!(
            (r.content.as_str(), r.model.as_str(), r.provider.as_str()),
            ("hello", "gpt-4o-mini", "openai")
        );
        assert_eq!((r.input_tokens, r.output_tokens, r.cached), (7, 4, false));
        assert_eq!(fake.sent[0].timeout_ms, 20_000);
        assert!(
            fake.sent[0]
                .headers
                .contains(&("authorization".into(), b"Bearer sk".to_vec()))
        );
    }

    #[test]
    fn retries_then_falls_over_to_anthropic() {
        // 201 · 401 − 1: the largest draw below both jitter caps (200 and 400 ms).
        let mut fake = Fake {
            rand: 80_600,
            ..Fake::default()
        };
        fake.script(OPENAI, vec![status(503, r#"{"error":{"message":"down"}}"#)]);
        fake.script(ANTHROPIC, vec![anthropic_ok("from claude")]);
        let r = run(&mut fake, &tutor_route(), &request("tutor", "hi")).unwrap();
        assert_eq!(
            (r.provider.as_str(), r.model.as_str()),
            ("anthropic", "claude-haiku-4-5")
        );
        assert_eq!(fake.hits(OPENAI), 3);
        assert_eq!(fake.slept, [200, 400]);
        assert!(fake.logged(
            "retry",
            "gpt-4o-mini@openai: attempt 1/3 failed (HTTP 503: down)"
        ));
        assert!(fake.logged("route", "falling over to claude-haiku-4-5"));
        let body = fake.body(3);
        assert_eq!(body["system"], "be kind");
        assert_eq!(body["max_tokens"], 1024);
        assert!(
            fake.sent[3]
                .headers
                .contains(&("anthropic-version".into(), b"2023-06-01".to_vec()))
        );
    }

    #[test]
    fn everything_failing_reports_per_model_and_offline_closes_the_route() {
        let mut fake = Fake::default();
        fake.script(OPENAI, vec![Err(Transport::Timeout)]);
        fake.script(
            ANTHROPIC,
            vec![status(
                529,
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
            )],
        );
        let r = run(
            &mut fake,
            &tutor_route(),
            &request("tutor", "What is recursion?"),
        )
        .unwrap();
        assert_eq!(
            (r.provider.as_str(), r.model.as_str()),
            ("offline", "tessera-offline")
        );
        assert!(fake.logged("route", "answering offline after"));

        let no_offline = config(&[(
            "routes",
            r#"{"tutor": ["gpt-4o-mini", "claude-haiku-4-5"]}"#,
        )]);
        let mut fake = Fake::default();
        fake.script(OPENAI, vec![Err(Transport::Timeout)]);
        fake.script(
            ANTHROPIC,
            vec![status(
                529,
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
            )],
        );
        let err = run(&mut fake, &no_offline, &request("tutor", "hi")).unwrap_err();
        assert_eq!(
            err,
            Error::Unavailable(
                "all routes failed: gpt-4o-mini@openai (timeout after 3 attempts); \
                 claude-haiku-4-5@anthropic (HTTP 529: overloaded_error: Overloaded after 3 attempts)"
                    .into()
            )
        );
    }

    #[test]
    fn an_explicit_model_gets_no_fallback_and_unknown_ones_are_refused() {
        let mut fake = Fake::default();
        fake.script(OPENAI, vec![status(500, "oops")]);
        let mut r = request("tutor", "hi");
        r.model = Some("gpt-4o-mini".into());
        let err = run(&mut fake, &tutor_route(), &r).unwrap_err();
        assert!(
            matches!(err, Error::Unavailable(m) if m.contains("gpt-4o-mini@openai (HTTP 500: oops after 3 attempts)"))
        );
        assert_eq!(fake.sent.len(), 3);
        r.model = Some("gpt-9".into());
        let err = run(&mut fake, &tutor_route(), &r).unwrap_err();
        assert!(
            matches!(err, Error::InvalidRequest(f, m) if f == "model" && m.contains("tessera-offline"))
        );
    }

    #[test]
    fn rate_limits_use_retry_after_and_end_as_rate_limited() {
        // Retry-After within the cap is waited for.
        let mut fake = Fake::default();
        fake.script(OPENAI, vec![with_retry_after(429, "1.5"), openai_ok("ok")]);
        let r = run(&mut fake, &tutor_route(), &request("default-feature", "hi")).unwrap();
        assert_eq!(r.content, "ok");
        assert_eq!(fake.slept, [1500]);
        // Longer than max_backoff_ms: not waited for; nothing left: rate-limited with it.
        let mut fake = Fake::default();
        fake.script(OPENAI, vec![with_retry_after(429, "30")]);
        let err = run(&mut fake, &tutor_route(), &request("other", "hi")).unwrap_err();
        assert_eq!(err, Error::RateLimited(30_000));
        assert_eq!(fake.hits(OPENAI), 1);
        assert!(fake.slept.is_empty());
        // Without Retry-After: retried, then 1000 ms.
        let mut fake = Fake::default();
        fake.script(OPENAI, vec![status(429, "{}")]);
        let err = run(&mut fake, &tutor_route(), &request("other", "hi")).unwrap_err();
        assert_eq!(err, Error::RateLimited(1000));
        assert_eq!(fake.hits(OPENAI), 3);
        // 429 does not trip the breaker.
        assert!(!fake.logged(BREAKER_TRANSITION_CONTEXT, "open"));
    }

    #[test]
    fn malformed_replies_fall_over_without_retry_and_end_as_provider_error() {
        let only_providers = config(&[(
            "routes",
            r#"{"tutor": ["gpt-4o-mini", "claude-haiku-4-5"]}"#,
        )]);
        let mut fake = Fake::default();
        fake.script(OPENAI, vec![status(200, "<html>")]);
        fake.script(
            ANTHROPIC,
            vec![status(
                400,
                r#"{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}"#,
            )],
        );
        let err = run(&mut fake, &only_providers, &request("tutor", "hi")).unwrap_err();
        assert!(
            matches!(&err, Error::ProviderError(m)
            if m.contains("gpt-4o-mini@openai (malformed reply:") && m.contains("claude-haiku-4-5@anthropic (HTTP 400: invalid_request_error: bad)")),
            "{err:?}"
        );
        assert_eq!((fake.hits(OPENAI), fake.hits(ANTHROPIC)), (1, 1));
    }

    #[test]
    fn the_breaker_opens_fails_fast_and_recovers() {
        let cfg = config(&[
            (
                "routes",
                r#"{"default": ["gpt-4o-mini", "claude-haiku-4-5"]}"#,
            ),
            ("retry", r#"{"max_attempts": 1}"#),
            (
                "breaker",
                r#"{"failures": 2, "open_ms": 1000, "successes": 2}"#,
            ),
        ]);
        let mut fake = Fake::default();
        fake.script(OPENAI, vec![status(502, "")]);
        fake.script(ANTHROPIC, vec![anthropic_ok("claude")]);
        for _ in 0..2 {
            assert_eq!(
                run(&mut fake, &cfg, &request("x", "hi")).unwrap().provider,
                "anthropic"
            );
        }
        assert!(fake.logged(
            BREAKER_TRANSITION_CONTEXT,
            "provider=openai from=closed to=open: closed → open after 2 consecutive failures"
        ));
        assert_eq!(fake.hits(OPENAI), 2);
        // Open: no request is sent to openai.
        assert_eq!(
            run(&mut fake, &cfg, &request("x", "hi")).unwrap().provider,
            "anthropic"
        );
        assert_eq!(fake.hits(OPENAI), 2);
        // Every model's circuit open: unavailable, naming it.
        let mut only = request("x", "hi");
        only.model = Some("gpt-4o-mini".into());
        assert_eq!(
            run(&mut fake, &cfg, &only).unwrap_err(),
            Error::Unavailable("all routes failed: gpt-4o-mini@openai (circuit open)".into())
        );
        // After open_ms: half-open, probes go through; two successes close it.
        fake.now += 1000;
        fake.script(OPENAI, vec![openai_ok("back")]);
        assert_eq!(
            run(&mut fake, &cfg, &request("x", "hi")).unwrap().provider,
            "openai"
        );
        assert!(fake.logged(
            BREAKER_TRANSITION_CONTEXT,
            "provider=openai from=open to=half-open: open → half-open"
        ));
        assert_eq!(
            run(&mut fake, &cfg, &request("x", "hi")).unwrap().provider,
            "openai"
        );
        assert!(fake.logged(
            BREAKER_TRANSITION_CONTEXT,
            "provider=openai from=half-open to=closed: half-open → closed after 2"
        ));
        let stored = fake.kv[&("breakers".to_owned(), "openai".to_owned())].clone();
        assert_eq!(
            breaker::State::from_json(&stored).unwrap(),
            breaker::State::Closed { failures: 0 }
        );
    }

    #[test]
    fn a_failed_probe_reopens_and_retries_stop_when_the_circuit_opens() {
        let cfg = config(&[
            ("routes", r#"{"default": ["gpt-4o-mini"]}"#),
            ("breaker", r#"{"failures": 2, "open_ms": 60000}"#),
        ]);
        let mut fake = Fake::default();
        fake.script(OPENAI, vec![Err(Transport::Connection("refused".into()))]);
        let err = run(&mut fake, &cfg, &request("x", "hi")).unwrap_err();
        // Two attempts opened it; the third was neither waited for nor sent.
        assert_eq!(fake.hits(OPENAI), 2);
        assert_eq!(fake.slept.len(), 1);
        assert_eq!(
            err,
            Error::Unavailable(
                "all routes failed: gpt-4o-mini@openai (connection error: refused after 2 attempts; circuit now open)".into()
            )
        );
        fake.now += 60_000;
        run(&mut fake, &cfg, &request("x", "hi")).unwrap_err();
        assert_eq!(fake.hits(OPENAI), 3);
        assert!(fake.logged(
            BREAKER_TRANSITION_CONTEXT,
            "half-open → open: the probe failed"
        ));
    }

    #[test]
    fn a_broken_store_behaves_closed() {
        let mut fake = Fake {
            kv_broken: true,
            ..Fake::default()
        };
        fake.script(OPENAI, vec![openai_ok("fine")]);
        let mut r = request("x", "hi");
        r.allow_cache = true;
        assert_eq!(run(&mut fake, &tutor_route(), &r).unwrap().content, "fine");
        assert!(fake.logged("breaker", "treating the breaker as closed"));
        assert!(fake.logged("cache", "not using the cache"));
    }

    #[test]
    fn the_cache_serves_identical_requests_until_expiry() {
        let cfg = config(&[("cache_ttl_ms", "1000")]);
        let mut fake = Fake::default();
        fake.script(OPENAI, vec![openai_ok("first"), openai_ok("second")]);
        let mut r = request("x", "What is  recursion?");
        r.allow_cache = true;
        assert!(!run(&mut fake, &cfg, &r).unwrap().cached);
        r.messages[1].1 = "What is recursion? ".into();
        let hit = run(&mut fake, &cfg, &r).unwrap();
        assert_eq!(
            (
                hit.content.as_str(),
                hit.cached,
                hit.input_tokens,
                hit.provider.as_str()
            ),
            ("first", true, 7, "openai")
        );
        assert_eq!(fake.hits(OPENAI), 1);
        // Not allowed: asks again (and does not overwrite what the cache has).
        r.allow_cache = false;
        assert_eq!(run(&mut fake, &cfg, &r).unwrap().content, "second");
        // Expired: deleted, asked again.
        r.allow_cache = true;
        fake.now += 1000;
        let fresh = run(&mut fake, &cfg, &r).unwrap();
        assert!(!fresh.cached);
        assert_eq!(fake.hits(OPENAI), 3);
    }

    #[test]
    fn offline_answers_are_not_cached() {
        let cfg = config(&[("routes", r#"{"default": ["tessera-offline"]}"#)]);
        let mut fake = Fake::default();
        let mut r = request("tutor", "hi");
        r.allow_cache = true;
        let a = run(&mut fake, &cfg, &r).unwrap();
        assert_eq!((a.provider.as_str(), a.cached), ("offline", false));
        assert!(fake.kv.is_empty());
        // No providers at all: offline, as before routes existed.
        let none = Config::load(|_| Ok(None)).unwrap();
        assert_eq!(run(&mut fake, &none, &r).unwrap().model, "tessera-offline");
    }

    #[test]
    fn offline_answers_satisfy_the_schema() {
        let cfg = config(&[("routes", r#"{"default": ["tessera-offline"]}"#)]);
        let mut fake = Fake::default();
        let mut r = request(
            "quiz-generation",
            "Lists are ordered. Tuples cannot change.",
        );
        r.response_schema = Some(SCHEMA.into());
        let a = run(&mut fake, &cfg, &r).unwrap();
        let v: Value = serde_json::from_str(&a.content).unwrap();
        assert!(v["answer"].is_string(), "{v}");
        assert_eq!(a.provider, "offline");
    }

    const SCHEMA: &str =
        r#"{"type":"object","required":["answer"],"properties":{"answer":{"type":"string"}}}"#;

    #[test]
    fn schema_replies_are_unfenced_and_told_the_schema() {
        let mut fake = Fake::default();
        fake.script(OPENAI, vec![openai_ok("```json\n{\"answer\": \"4\"}\n```")]);
        let mut r = request("x", "2+2?");
        r.response_schema = Some(SCHEMA.into());
        let ok = run(&mut fake, &tutor_route(), &r).unwrap();
        assert_eq!(ok.content, r#"{"answer": "4"}"#);
        let body = fake.body(0);
        assert!(
            body["messages"][1]["content"]
                .as_str()
                .unwrap()
                .starts_with("Reply with only JSON matching this JSON Schema: ")
        );
    }

    #[test]
    fn a_schema_mismatch_gets_one_repair() {
        let mut fake = Fake::default();
        fake.script(
            OPENAI,
            vec![
                openai_ok(r#"{"answer": 4}"#),
                openai_ok(r#"{"answer": "4"}"#),
            ],
        );
        let mut r = request("x", "2+2?");
        r.response_schema = Some(SCHEMA.into());
        r.allow_cache = true;
        let ok = run(&mut fake, &tutor_route(), &r).unwrap();
        assert_eq!(ok.content, r#"{"answer": "4"}"#);
        assert_eq!((ok.input_tokens, ok.output_tokens), (14, 8));
        let repair = fake.body(1);
        let messages = repair["messages"].as_array().unwrap();
        assert_eq!(
            messages[messages.len() - 2],
            json!({"role": "assistant", "content": "{\"answer\": 4}"})
        );
        let prompt = messages.last().unwrap()["content"].as_str().unwrap();
        assert!(
            prompt.contains("- /answer: expected string, got integer"),
            "{prompt}"
        );
        assert!(fake.logged("schema", "asking once more"));
        // The repaired answer was cached.
        assert!(run(&mut fake, &tutor_route(), &r).unwrap().cached);

        let mut fake = Fake::default();
        fake.script(OPENAI, vec![openai_ok("four")]);
        r.allow_cache = false;
        let err = run(&mut fake, &tutor_route(), &r).unwrap_err();
        assert!(
            matches!(&err, Error::SchemaMismatch(m) if m.starts_with("the reply is not JSON")),
            "{err:?}"
        );
        assert_eq!(fake.hits(OPENAI), 2);
    }

    #[test]
    fn bad_requests_name_the_field() {
        let mut fake = Fake::default();
        let mut r = request("x", "hi");
        r.response_schema = Some(r#"{"type": "strin"}"#.into());
        assert!(
            matches!(run(&mut fake, &tutor_route(), &r), Err(Error::InvalidRequest(f, _)) if f == "response_schema")
        );
        r.response_schema = Some("not json".into());
        assert!(
            matches!(run(&mut fake, &tutor_route(), &r), Err(Error::InvalidRequest(f, _)) if f == "response_schema")
        );
        let field = |fake: &mut Fake, r: &Request| match run(fake, &tutor_route(), r) {
            Err(Error::InvalidRequest(f, _)) => f,
            other => panic!("{other:?}"),
        };
        r.response_schema = None;
        r.temperature = Some(2.5);
        assert_eq!(field(&mut fake, &r), "temperature");
        r.temperature = Some(f32::NAN);
        assert_eq!(field(&mut fake, &r), "temperature");
        r.temperature = None;
        r.max_tokens = Some(0);
        assert_eq!(field(&mut fake, &r), "max_tokens");
        r.messages.clear();
        assert!(
            matches!(run(&mut fake, &tutor_route(), &r), Err(Error::InvalidRequest(f, _)) if f == "messages")
        );
        assert_eq!(
            complete(
                &mut fake,
                Err("routes.tutor[0]: unknown model `x`"),
                &request("x", "hi")
            ),
            Err(Error::Unavailable(
                "AI gateway config: routes.tutor[0]: unknown model `x`".into()
            ))
        );
        assert!(fake.sent.is_empty());
    }
}
