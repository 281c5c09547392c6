//! AI requests, from the OpenAI-compatible routes and from plugins' `llm` import alike:
//! the safety gate screens every message first, whatever its role, and the schema the
//! model will be given (a crisis never reaches a model and answers with the crisis
//! response), the cost guard (`budget`) decides whether the feature gets its models,
//! templates or a refusal and reserves the user's tokens, then the AI gateway plugin
//! completes the request and the reservation is settled to the real usage and recorded.

pub mod budget;
pub mod providers;

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tracing::Instrument;

use crate::plugins::Registry;
use crate::plugins::contract::llm::{ChatRequest, ChatResponse, LlmError, ModelInfo};
use crate::plugins::contract::types::FieldError;
use crate::runtime::PluginError;
use crate::runtime::capabilities::llm::{LlmBackend, OnBehalfOf};
use crate::safety::{self, Meaning, SafetyError, SafetyGate};
use crate::store::{Db, ai_usage};

/// Why an AI request got no model answer.
#[derive(Debug, thiserror::Error)]
pub enum AiError {
    /// The safety gate stopped it; the string is the crisis response to show.
    #[error("stopped by the safety gate")]
    Blocked(String),
    /// No safety filter is installed, so no model is called (fail closed).
    #[error("no safety filter is installed, so no model is called")]
    NoSafetyFilter,
    /// No AI gateway plugin is installed.
    #[error("no AI gateway plugin is installed")]
    NoGateway,
    /// A plugin (filter or gateway) failed.
    #[error(transparent)]
    Plugin(#[from] PluginError),
    /// The safety gate's semantic stage failed, so no model is called (fail closed).
    #[error("the safety gate could not score the message: {0}")]
    SafetyUnavailable(String),
    /// The gateway refused or failed the request.
    #[error("the AI gateway answered an error")]
    Llm(LlmError),
    /// A budget is used up (HTTP 429 with the refusal's code).
    #[error("{}", .0.message)]
    Budget(budget::Refusal),
}

/// Gated access to the AI gateway.
pub struct Ai {
    registry: Arc<Registry>,
    safety: Arc<SafetyGate>,
    db: Db,
    usage: ai_usage::UsageRecorder,
    prices: Prices,
    budget: Arc<budget::Budget>,
    max_prompt_bytes: usize,
    max_messages: usize,
}

/// The operator's AI settings.
#[derive(Debug, Clone)]
pub struct AiSettings {
    /// Model prices.
    pub prices: Prices,
    /// Budgets and the degradation order.
    pub budgets: budget::BudgetPolicy,
    /// Largest prompt accepted, bytes.
    pub max_prompt_bytes: usize,
    /// Most messages in one request (each is screened by every safety filter).
    pub max_messages: usize,
}

impl Default for AiSettings {
    fn default() -> Self {
        Self {
            prices: Prices::default(),
            budgets: budget::BudgetPolicy::default(),
            max_prompt_bytes: 64 * 1024,
            max_messages: 256,
        }
    }
}

/// A completion and how it was served.
#[derive(Debug)]
pub struct Completion {
    /// The gateway's answer.
    pub response: ChatResponse,
    /// Whether the cost guard sent it to the offline model's templates.
    pub degraded: bool,
}

/// US dollars per million tokens, by model: `{"model": {"input": 0.15, "output": 0.6}}`.
pub type Prices = std::collections::HashMap<String, ModelPrice>;

/// The price of one model.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    /// US dollars per million prompt tokens.
    pub input: f64,
    /// US dollars per million generated tokens.
    pub output: f64,
}

/// Why the operator's price table is refused.
#[derive(Debug, thiserror::Error)]
pub enum PriceError {
    /// Not a model → prices object.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// A model's price is negative or not a number.
    #[error("{0}: prices must be non-negative numbers")]
    Negative(String),
}

/// Parses the operator's price table (`TESSERA_AI_PRICES`).
pub fn parse_prices(json: &str) -> Result<Prices, PriceError> {
    let prices: Prices = serde_json::from_str(json)?;
    for (model, p) in &prices {
        if !(p.input >= 0.0 && p.output >= 0.0 && p.input.is_finite() && p.output.is_finite()) {
            return Err(PriceError::Negative(model.clone()));
        }
    }
    Ok(prices)
}

fn cost_micro_usd(prices: &Prices, model: &str, input: u32, output: u32) -> i64 {
    prices.get(model).map_or(0, |p| {
        // Dollars per million tokens × tokens = micro-dollars.
        (p.input * f64::from(input) + p.output * f64::from(output)).round() as i64
    })
}

/// Who an AI request is for, for the safety log.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The learner, when known.
    pub user_id: Option<&'a str>,
    /// The product surface, e.g. `chat-completions`, `plugin`.
    pub surface: &'a str,
    /// The plugin making the call, for plugin calls.
    pub plugin: Option<&'a str>,
    /// The learner's region (ISO 3166-1 alpha-2), for the crisis resources; `None`: the
    /// global directory's.
    pub region: Option<&'a str>,
}

/// Features whose purpose is working through difficult feelings (Kalei's reflection
/// plugins): distress is their ordinary input, so only a crisis stops their model calls;
/// every other feature stops at a concern too.
pub const REFLECTION_FEATURES: &[&str] = &[
    "fragment-detection",
    "reframe",
    "lens-actions",
    "lens-affirmation",
    "spectrum-insights",
];

/// The lowest safety level that stops a completion of `feature`.
fn stops_at(feature: &str) -> safety::Level {
    if REFLECTION_FEATURES.contains(&feature) {
        safety::Level::Crisis
    } else {
        safety::Level::Concern
    }
}

/// The offline model, which the cost guard falls back to.
const OFFLINE_MODEL: &str = "tessera-offline";

impl Ai {
    /// AI over the plugins in `registry`; stopped crises and usage are logged in `db`,
    /// budget counters kept in `kv`.
    pub fn new(
        registry: Arc<Registry>,
        safety: Arc<SafetyGate>,
        db: Db,
        kv: Arc<dyn crate::kv::Kv>,
        settings: AiSettings,
    ) -> Self {
        Self {
            registry,
            safety,
            usage: ai_usage::UsageRecorder::start(db.clone()),
            budget: Arc::new(budget::Budget::new(settings.budgets, kv, db.clone())),
            db,
            prices: settings.prices,
            max_prompt_bytes: settings.max_prompt_bytes,
            max_messages: settings.max_messages,
        }
    }

    /// The installed AI gateway plugin.
    fn gateway(&self) -> Result<Arc<crate::runtime::LoadedPlugin>, AiError> {
        self.registry
            .snapshot()
            .llm
            .clone()
            .ok_or(AiError::NoGateway)
    }

    /// The models the gateway serves.
    pub async fn models(&self) -> Result<Vec<ModelInfo>, AiError> {
        let gateway = self.gateway()?;
        Ok(self.registry.runtime().models(&gateway).await?)
    }

    /// The configured providers and their circuit breakers.
    pub async fn providers(&self) -> Result<providers::ProvidersReport, crate::kv::KvError> {
        providers::report(self.registry.snapshot().llm.as_deref()).await
    }

    /// The cost guard.
    pub fn budget(&self) -> &budget::Budget {
        &self.budget
    }

    /// Largest prompt accepted, bytes.
    pub fn max_prompt_bytes(&self) -> usize {
        self.max_prompt_bytes
    }

    /// Screens the request's messages, applies the cost guard, then asks the gateway.
    pub async fn complete(
        &self,
        request: &ChatRequest,
        origin: Origin<'_>,
    ) -> Result<Completion, AiError> {
        self.complete_screened(request, origin, Meaning::Judged)
            .await
    }

    /// [`Ai::complete`] for a request built from counts alone, holding nothing a person
    /// wrote (a Spectrum analyst's): screened by the rules, not the meaning stage.
    pub async fn complete_over_aggregates(
        &self,
        request: &ChatRequest,
        origin: Origin<'_>,
    ) -> Result<Completion, AiError> {
        self.complete_screened(request, origin, Meaning::Skipped)
            .await
    }

    async fn complete_screened(
        &self,
        request: &ChatRequest,
        origin: Origin<'_>,
        meaning: Meaning,
    ) -> Result<Completion, AiError> {
        check(request, self.max_messages)?;
        self.screen(request, origin, stops_at(&request.feature), meaning)
            .await?;
        self.complete_unscreened(request, origin).await
    }

    /// Screens what a learner sent before anything that may ask a model sees it (triage,
    /// a tutor agent): the same gate and the same answer (`Blocked` with the crisis or
    /// supportive response) as a completion's.
    pub async fn screen_texts(&self, texts: &[&str], origin: Origin<'_>) -> Result<(), AiError> {
        self.screen_texts_at(texts, origin, safety::Level::Concern)
            .await
    }

    /// Screens what a user wrote for a reflection feature (Kalei's Mirror, Turn, Lens):
    /// only a crisis stops it (`Blocked` with the crisis response, recorded as a safety
    /// event), since writing about difficult feelings is what those features are for.
    pub async fn screen_for_crisis(
        &self,
        texts: &[&str],
        origin: Origin<'_>,
    ) -> Result<(), AiError> {
        self.screen_texts_at(texts, origin, safety::Level::Crisis)
            .await
    }

    async fn screen_texts_at(
        &self,
        texts: &[&str],
        origin: Origin<'_>,
        stop_at: safety::Level,
    ) -> Result<(), AiError> {
        let request = ChatRequest {
            feature: origin.surface.to_owned(),
            model: None,
            messages: texts
                .iter()
                .map(|t| crate::plugins::contract::types::Message {
                    role: crate::plugins::contract::types::Role::User,
                    content: (*t).to_owned(),
                })
                .collect(),
            max_tokens: None,
            temperature: None,
            response_schema: None,
            allow_cache: false,
        };
        self.screen(&request, origin, stop_at, Meaning::Judged)
            .await
    }

    /// The crisis response for a text a plugin judged a crisis after the gate let it
    /// through (a reframer's own second line): recorded as a safety event like the gate's
    /// own, answered with the resources of the user's region.
    pub async fn crisis_response(&self, user_id: &str, surface: &str, plugin: &str) -> String {
        self.registry
            .runtime()
            .metrics()
            .record_safety(safety::Level::Crisis.as_str(), surface);
        if let Err(e) = self
            .db
            .record_safety_event(
                Some(user_id),
                surface,
                safety::Level::Crisis,
                &[],
                Some(plugin),
            )
            .await
        {
            tracing::error!(error = %e, "could not record a safety event");
        }
        let region = self.db.user_region(user_id).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not read the learner's region");
            None
        });
        self.safety
            .response(safety::Level::Crisis, &[], region.as_deref())
            .map(|r| r.message)
            .unwrap_or_default()
    }

    /// Stops the request if any text it gives the model is flagged: every message,
    /// whatever its role (a client writes the system and assistant turns too), and the
    /// response schema (the gateway hands it to the model). A crisis answers with the
    /// crisis response; a concern with the supportive one (a flagged message is never
    /// answered as lesson content, by the offline model or any other). Each distinct
    /// text is screened once; the message count is capped (`check`) and the prompt's
    /// size by the routes, so the work is bounded.
    async fn screen(
        &self,
        request: &ChatRequest,
        origin: Origin<'_>,
        stop_at: safety::Level,
        meaning: Meaning,
    ) -> Result<(), AiError> {
        let mut worst: Option<safety::Screening> = None;
        let mut seen = std::collections::HashSet::new();
        let texts = request
            .messages
            .iter()
            .map(|m| m.content.as_str())
            .chain(request.response_schema.as_deref())
            .filter(|t| !t.trim().is_empty());
        for text in texts {
            if !seen.insert(text) {
                continue;
            }
            let verdict = match self.safety.screen_with(text, origin.region, meaning).await {
                Ok(v) => v,
                Err(SafetyError::NoFilter) => return Err(AiError::NoSafetyFilter),
                Err(SafetyError::Plugin(e)) => return Err(AiError::Plugin(e)),
                Err(SafetyError::Semantic(e)) => {
                    return Err(AiError::SafetyUnavailable(e.to_string()));
                }
            };
            let crisis = verdict.level == safety::Level::Crisis;
            if worst.as_ref().is_none_or(|w| verdict.level > w.level) {
                worst = Some(verdict);
            }
            if crisis {
                break;
            }
        }
        let Some(verdict) = worst.filter(|v| v.level >= stop_at && v.level > safety::Level::None)
        else {
            return Ok(());
        };
        // Counted and logged once per request at its worst level (a re-sent history is
        // one event), without the message.
        self.registry
            .runtime()
            .metrics()
            .record_safety(verdict.level.as_str(), origin.surface);
        // A failed write must not let the message through, so it is only reported.
        if let Err(e) = self
            .db
            .record_safety_event(
                origin.user_id,
                origin.surface,
                verdict.level,
                &verdict.categories,
                origin.plugin,
            )
            .await
        {
            tracing::error!(error = %e, "could not record a safety event");
        }
        // The resources of the learner's region: their profile's (looked up only for a
        // flagged message; the learner said where they live), else the request's, else
        // the global directory's.
        let profile_region = match origin.user_id {
            Some(user) => self.db.user_region(user).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "could not read the learner's region");
                None
            }),
            None => None,
        };
        let region = profile_region.as_deref().or(origin.region);
        let response = self
            .safety
            .response(verdict.level, &verdict.categories, region)
            .or(verdict.response);
        Err(AiError::Blocked(
            response.map(|r| r.message).unwrap_or_default(),
        ))
    }

    /// The cost guard and the gateway, without the safety screen: only for requests that
    /// were screened, or that come from the safety filters themselves (model
    /// confirmation), which would otherwise screen their own question forever.
    async fn complete_unscreened(
        &self,
        request: &ChatRequest,
        origin: Origin<'_>,
    ) -> Result<Completion, AiError> {
        // The trace span of a model call covers the cost guard (its reads of the budget
        // counters and the database) as well as the gateway call.
        let span = tracing::info_span!("model.call", feature = %request.feature,
            model = tracing::field::Empty, outcome = tracing::field::Empty);
        self.guarded_call(request, origin).instrument(span).await
    }

    async fn guarded_call(
        &self,
        request: &ChatRequest,
        origin: Origin<'_>,
    ) -> Result<Completion, AiError> {
        let (reservation, request, degraded) = match self
            .budget
            .admit(origin.user_id, &request.feature, &need_of(request))
            .await
        {
            budget::Admission::Proceed {
                reservation,
                max_tokens,
            } if max_tokens == request.max_tokens => (reservation, Cow::Borrowed(request), false),
            budget::Admission::Proceed {
                reservation,
                max_tokens,
            } => {
                let bounded = ChatRequest {
                    max_tokens,
                    ..request.clone()
                };
                (reservation, Cow::Owned(bounded), false)
            }
            budget::Admission::Template => {
                let templated = ChatRequest {
                    model: Some(OFFLINE_MODEL.into()),
                    ..request.clone()
                };
                (budget::Reservation::none(), Cow::Owned(templated), true)
            }
            budget::Admission::Refuse(r) => {
                self.registry
                    .runtime()
                    .metrics()
                    .record_budget_refusal(r.code);
                tracing::Span::current().record("outcome", r.code);
                return Err(AiError::Budget(r));
            }
        };
        // A model's answer takes seconds: a request of the server's own routes (a
        // model-graded answer) waits for it without holding a handler turn.
        crate::api::guard::give_back_turn();
        let started = std::time::Instant::now();
        let in_model = crate::timing::InModel::start(crate::timing::Model::Ai);
        let answered = match self.gateway() {
            Ok(gateway) => match self.registry.runtime().complete(&gateway, &request).await {
                Ok(Ok(response)) => Ok(response),
                Ok(Err(e)) => Err(AiError::Llm(e)),
                Err(e) => Err(AiError::Plugin(e)),
            },
            Err(e) => Err(e),
        };
        drop(in_model);
        let (model, outcome) = match &answered {
            Ok(r) if r.cached => (r.model.as_str(), "cached"),
            Ok(r) if degraded => (r.model.as_str(), "templated"),
            Ok(r) => (r.model.as_str(), "ok"),
            Err(AiError::Llm(e)) => ("none", llm_error_label(e)),
            Err(_) => ("none", "plugin_error"),
        };
        let span = tracing::Span::current();
        span.record("model", model);
        span.record("outcome", outcome);
        self.registry.runtime().metrics().record_model_call(
            model,
            &request.feature,
            outcome,
            started.elapsed(),
        );
        let response = match answered {
            Ok(r) => r,
            Err(e) => {
                // Nothing was generated (a provider that billed a failed attempt is not
                // told to us): the whole reservation goes back.
                self.budget.settle(reservation, origin.user_id, 0, 0).await;
                return Err(e);
            }
        };
        // A cached answer costs nothing. The offline model spends no token budget (it
        // costs nothing to run), though an operator may price it for reports.
        let cost = if response.cached {
            0
        } else {
            cost_micro_usd(
                &self.prices,
                &response.model,
                response.usage.input_tokens,
                response.usage.output_tokens,
            )
        };
        let tokens = if response.cached || response.model == OFFLINE_MODEL {
            0
        } else {
            u64::from(response.usage.input_tokens) + u64::from(response.usage.output_tokens)
        };
        // Settled before answering, so the caller's next request sees it.
        self.budget
            .settle(reservation, origin.user_id, tokens, cost)
            .await;
        if !response.cached {
            self.registry.runtime().metrics().record_ai_usage(
                &request.feature,
                response.usage.input_tokens,
                response.usage.output_tokens,
                cost,
            );
        }
        self.usage.record(ai_usage::Usage {
            at: crate::store::now_ms(),
            user_hash: origin.user_id.map(ai_usage::user_hash),
            feature: request.feature.clone(),
            provider: response.provider.clone(),
            model: response.model.clone(),
            input_tokens: response.usage.input_tokens,
            output_tokens: response.usage.output_tokens,
            latency_ms: started.elapsed().as_millis() as u64,
            cached: response.cached,
            cost_micro_usd: cost,
        });
        Ok(Completion { response, degraded })
    }
}

/// A gateway error's kind, for metrics and spans.
fn llm_error_label(e: &LlmError) -> &'static str {
    match e {
        LlmError::InvalidRequest(_) => "invalid_request",
        LlmError::Unavailable(_) => "unavailable",
        LlmError::ProviderError(_) => "provider_error",
        LlmError::RateLimited(_) => "rate_limited",
        LlmError::BudgetExceeded(_) => "budget_exceeded",
        LlmError::SchemaMismatch(_) => "schema_mismatch",
        LlmError::Blocked(_) => "blocked",
    }
}

/// Refuses what the gate and the guard cannot take: more messages than the safety gate
/// screens (`max_messages`), or room for no output at all (nothing to reserve for).
fn check(request: &ChatRequest, max_messages: usize) -> Result<(), AiError> {
    let invalid = |field: &str, message: String| {
        Err(AiError::Llm(LlmError::InvalidRequest(FieldError {
            field: field.into(),
            message,
        })))
    };
    if request.messages.len() > max_messages {
        return invalid(
            "messages",
            format!(
                "{} messages; at most {max_messages} are accepted",
                request.messages.len()
            ),
        );
    }
    if request.max_tokens == Some(0) {
        return invalid("max_tokens", "must be at least 1".into());
    }
    Ok(())
}

/// Tokens of framing each message costs besides its text (OpenAI counts 3 or 4).
const MESSAGE_FRAMING_TOKENS: u64 = 4;
/// Tokens priming the reply.
const REPLY_PRIMING_TOKENS: u64 = 3;
/// Tokens of the gateway's instruction around a response schema in the prompt.
const SCHEMA_INSTRUCTION_TOKENS: u64 = 128;
/// Tokens of the gateway's repair instruction, besides the schema and the errors.
const REPAIR_INSTRUCTION_TOKENS: u64 = 128;

/// The request's size for the cost guard. Every token of a model's tokenizer is at least
/// one byte of text, so byte counts bound the prompt's tokens from above: the guard may
/// hold more than a call uses (the rest is given back), never less.
fn need_of(request: &ChatRequest) -> budget::Need {
    let schema = request.response_schema.as_ref().map(|s| s.len() as u64);
    let prompt: u64 = request
        .messages
        .iter()
        .map(|m| m.content.len() as u64 + MESSAGE_FRAMING_TOKENS)
        .sum::<u64>()
        + REPLY_PRIMING_TOKENS
        + schema.map_or(0, |s| s + SCHEMA_INSTRUCTION_TOKENS);
    budget::Need {
        prompt_tokens: prompt,
        max_tokens: request.max_tokens,
        repair_tokens: schema.map(|s| s + REPAIR_INSTRUCTION_TOKENS),
    }
}

/// How a failed completion looks to the plugin that asked for it.
fn to_import_error(e: AiError) -> LlmError {
    match e {
        AiError::Blocked(response) => LlmError::Blocked(response),
        AiError::Llm(e) => e,
        AiError::Budget(r) => LlmError::BudgetExceeded(format!("{}: {}", r.code, r.message)),
        other => LlmError::Unavailable(other.to_string()),
    }
}

impl LlmBackend for Ai {
    fn models(self: Arc<Self>) -> Pin<Box<dyn Future<Output = Vec<ModelInfo>> + Send>> {
        Box::pin(async move {
            match Ai::models(&self).await {
                Ok(list) => list,
                Err(e) => {
                    tracing::warn!(error = %e, "the gateway could not list its models");
                    Vec::new()
                }
            }
        })
    }

    fn complete(
        self: Arc<Self>,
        caller: String,
        on_behalf_of: Option<Arc<OnBehalfOf>>,
        request: ChatRequest,
    ) -> Pin<Box<dyn Future<Output = Result<ChatResponse, LlmError>> + Send>> {
        Box::pin(async move {
            tracing::debug!(plugin = %caller, feature = %request.feature, "llm call from a plugin");
            let origin = Origin {
                user_id: on_behalf_of.as_deref().map(|o| o.user_id.as_str()),
                surface: "plugin",
                plugin: Some(&caller),
                region: None,
            };
            let is_safety_filter = self
                .registry
                .snapshot()
                .safety
                .iter()
                .any(|p| p.plugin_ref().to_string() == caller);
            let done = if is_safety_filter {
                // A safety filter confirming a verdict works for the platform, not for
                // the learner whose message it screens: no user budget applies.
                let unattributed = Origin {
                    user_id: None,
                    ..origin
                };
                match check(&request, self.max_messages) {
                    Ok(()) => self.complete_unscreened(&request, unattributed).await,
                    Err(e) => Err(e),
                }
            } else if on_behalf_of.as_ref().is_some_and(|o| !o.holds_their_words) {
                self.complete_over_aggregates(&request, origin).await
            } else {
                Ai::complete(&self, &request, origin).await
            };
            if let (Err(AiError::Budget(refusal)), Some(on_behalf_of)) = (&done, &on_behalf_of) {
                on_behalf_of.refused(refusal.clone());
            }
            Ok(done.map_err(to_import_error)?.response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_turn_tokens_into_micro_dollars() {
        let prices = parse_prices(r#"{"m": {"input": 0.15, "output": 0.6}}"#).unwrap();
        // 1000 × 0.15 + 500 × 0.6 = 450 micro-dollars.
        assert_eq!(cost_micro_usd(&prices, "m", 1000, 500), 450);
        assert_eq!(cost_micro_usd(&prices, "unpriced", 1000, 500), 0);
        assert!(parse_prices(r#"{"m": {"input": -1, "output": 0}}"#).is_err());
        assert!(parse_prices(r#"{"m": {"in": 1}}"#).is_err());
    }
}
