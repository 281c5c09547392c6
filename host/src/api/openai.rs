//! The OpenAI-compatible front door: `POST /v1/chat/completions` (with `stream: true` as
//! server-sent events) and `GET /v1/models`, authenticated with Tessera tokens, so any
//! OpenAI SDK can use Tessera as its gateway. Every request passes the safety gate first:
//! a crisis in any message (whatever its role) never reaches a model; the caller gets the
//! crisis response (`finish_reason: "content_filter"`, model `tessera-safety`).

use std::convert::Infallible;

use axum::extract::State;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::caller::Caller;
use super::error::{ApiError, ErrorBody};
use super::json::ValidJson;
use crate::ai::{AiError, Origin};
use crate::auth::Permission;
use crate::plugins::contract::llm::{ChatRequest, LlmError};
use crate::plugins::contract::types::{Message, Role};

/// The model name a crisis answer carries.
pub const SAFETY_MODEL: &str = "tessera-safety";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/chat/completions", post(completions))
        .route("/v1/models", get(models))
}

/// One message of an OpenAI chat request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChatMessage {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// Text, or a list of parts of which the `text` ones are used.
    #[schema(value_type = Object)]
    pub content: Value,
}

/// The fields of an OpenAI chat request Tessera uses; others are accepted and ignored,
/// as SDKs send many.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChatBody {
    /// Model; `tessera-offline` or the gateway's configured ones.
    #[serde(default)]
    pub model: Option<String>,
    /// The conversation.
    pub messages: Vec<ChatMessage>,
    /// Upper bound on generated tokens.
    #[serde(default)]
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    #[serde(default)]
    pub temperature: Option<f32>,
    /// Answer as server-sent events.
    #[serde(default)]
    pub stream: bool,
    /// `{"type": "json_schema", "json_schema": {"name": …, "schema": {…}}}` (the reply
    /// is validated against the schema, with one repair attempt) or `{"type":
    /// "json_object"}`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub response_format: Option<Value>,
}

/// The JSON Schema a `response_format` asks for.
fn response_schema(format: Option<&Value>) -> Result<Option<String>, ApiError> {
    let Some(format) = format else {
        return Ok(None);
    };
    match format["type"].as_str() {
        Some("text") => Ok(None),
        Some("json_object") => Ok(Some(r#"{"type":"object"}"#.into())),
        Some("json_schema") => match &format["json_schema"]["schema"] {
            schema @ Value::Object(_) => Ok(Some(schema.to_string())),
            _ => Err(invalid(
                "response_format.json_schema.schema".into(),
                "must be a JSON Schema object",
            )),
        },
        _ => Err(invalid(
            "response_format.type".into(),
            "must be text, json_object or json_schema",
        )),
    }
}

/// The feature a request is for: `chat-completions`, or the one `X-Tessera-Feature` names
/// among those the route allows (routes, budgets and cost reports are per feature; the
/// server, not the client, decides what a feature costs: `BudgetPolicy::route_feature`).
fn feature(
    headers: &axum::http::HeaderMap,
    policy: &crate::ai::budget::BudgetPolicy,
) -> Result<String, ApiError> {
    let asked = match headers.get("x-tessera-feature").map(|v| v.to_str()) {
        None => None,
        Some(Ok(f))
            if (1..=64).contains(&f.len())
                && f.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
        {
            Some(f)
        }
        Some(_) => {
            return Err(invalid(
                "X-Tessera-Feature".into(),
                "must be 1-64 characters of a-z, 0-9 and -",
            ));
        }
    };
    policy
        .route_feature(ROUTE_FEATURE, asked)
        .map_err(|issue| invalid("X-Tessera-Feature".into(), issue))
}

/// The front door's own feature.
const ROUTE_FEATURE: &str = "chat-completions";

/// `Cache-Control: no-cache` or `no-store` asks for a fresh answer.
fn allow_cache(headers: &axum::http::HeaderMap) -> bool {
    !headers
        .get_all(axum::http::header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("no-cache") || v.contains("no-store"))
}

fn invalid(field: String, issue: impl Into<String>) -> ApiError {
    ApiError::Validation {
        field,
        issue: issue.into(),
    }
}

fn text_of(i: usize, content: &Value) -> Result<String, ApiError> {
    match content {
        Value::String(s) => Ok(s.clone()),
        Value::Array(parts) => Ok(parts
            .iter()
            .filter(|p| p["type"] == "text")
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n")),
        _ => Err(invalid(
            format!("messages[{i}].content"),
            "must be a string or a list of text parts",
        )),
    }
}

fn messages(body: &ChatBody, max_prompt_bytes: usize) -> Result<Vec<Message>, ApiError> {
    if body.messages.is_empty() {
        return Err(invalid("messages".into(), "must hold at least one message"));
    }
    let mut out = Vec::with_capacity(body.messages.len());
    let mut size = 0;
    for (i, m) in body.messages.iter().enumerate() {
        let role = match m.role.as_str() {
            "system" | "developer" => Role::System,
            "user" => Role::User,
            "assistant" => Role::Assistant,
            other => {
                return Err(invalid(
                    format!("messages[{i}].role"),
                    format!("`{other}` is not supported (system, user, assistant)"),
                ));
            }
        };
        let content = text_of(i, &m.content)?;
        size += content.len();
        out.push(Message { role, content });
    }
    if size > max_prompt_bytes {
        return Err(invalid(
            "messages".into(),
            format!("the prompt is {size} bytes; the limit is {max_prompt_bytes}"),
        ));
    }
    if let Some(t) = body.temperature
        && !(0.0..=2.0).contains(&t)
    {
        return Err(invalid("temperature".into(), "must be between 0 and 2"));
    }
    Ok(out)
}

fn completion(model: &str, content: &str, finish: &str, usage: (u32, u32)) -> Value {
    let created = chrono::Utc::now().timestamp();
    json!({
        "id": format!("chatcmpl-{}", uuid::Uuid::new_v4().simple()),
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": content }, "finish_reason": finish }],
        "usage": { "prompt_tokens": usage.0, "completion_tokens": usage.1, "total_tokens": usage.0 + usage.1 },
    })
}

/// The same answer as server-sent events: one chunk with the whole content, one with
/// the finish reason, then `[DONE]`.
fn streamed(model: &str, content: &str, finish: &str) -> Response {
    let id = format!("chatcmpl-{}", uuid::Uuid::new_v4().simple());
    let created = chrono::Utc::now().timestamp();
    let chunk = |delta: Value, finish: Value| {
        json!({ "id": id, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }] })
        .to_string()
    };
    let events = vec![
        chunk(
            json!({ "role": "assistant", "content": content }),
            Value::Null,
        ),
        chunk(json!({}), json!(finish)),
        "[DONE]".to_owned(),
    ];
    let stream = futures_util::stream::iter(
        events
            .into_iter()
            .map(|e| Ok::<_, Infallible>(Event::default().data(e))),
    );
    Sse::new(stream).into_response()
}

fn answer(stream: bool, model: &str, content: &str, finish: &str, usage: (u32, u32)) -> Response {
    if stream {
        streamed(model, content, finish)
    } else {
        Json(completion(model, content, finish, usage)).into_response()
    }
}

#[utoipa::path(post, path = "/v1/chat/completions", tag = "ai", security(("bearer" = [])),
    request_body(content = ChatBody, example = json!({"model": "tessera-offline", "messages": [{"role": "user", "content": "How do for loops work?"}]})),
    responses(
        (status = 200, description = "An OpenAI chat.completion (or, with `stream: true`, text/event-stream chunks ending in `data: [DONE]`); a crisis message gets the crisis response with model `tessera-safety` and finish_reason `content_filter`", body = Object,
         example = json!({"id": "chatcmpl-…", "object": "chat.completion", "created": 1764150000, "model": "tessera-offline", "choices": [{"index": 0, "message": {"role": "assistant", "content": "Let's work through it together. …"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 5, "completion_tokens": 30, "total_tokens": 35}})),
        (status = 400, description = "Malformed JSON or a missing field", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 422, description = "Bad messages (empty, too many, an unknown role), model, temperature, an oversize prompt, or an X-Tessera-Feature the route does not serve", body = ErrorBody),
        (status = 429, description = "Rate limited (10/min per user), or over budget: AI_BUDGET_EXCEEDED (the user's day cannot hold the prompt and an answer), AI_SPEND_CAP_REACHED, AI_FEATURE_PAUSED; see Retry-After", body = ErrorBody),
        (status = 502, description = "The provider answered something unusable (UPSTREAM_ERROR)", body = ErrorBody),
        (status = 503, description = "No safety filter or no AI gateway installed", body = ErrorBody)
    ))]
pub(super) async fn completions(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    ValidJson(body): ValidJson<ChatBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::AiGeneration)?;
    let messages = messages(&body, state.ai.max_prompt_bytes())?;
    let request = ChatRequest {
        feature: feature(&headers, state.ai.budget().policy())?,
        model: body.model.clone(),
        messages,
        max_tokens: body.max_tokens,
        temperature: body.temperature,
        response_schema: response_schema(body.response_format.as_ref())?,
        allow_cache: allow_cache(&headers),
    };
    let origin = Origin {
        user_id: Some(caller.user_id()),
        surface: "chat-completions",
        plugin: None,
        region: super::client_region(&headers),
    };
    match state.ai.complete(&request, origin).await {
        Ok(done) => {
            let r = done.response;
            let mut response = answer(
                body.stream,
                &r.model,
                &r.content,
                "stop",
                (r.usage.input_tokens, r.usage.output_tokens),
            );
            let h = response.headers_mut();
            if let Ok(v) = axum::http::HeaderValue::from_str(&r.provider) {
                h.insert("x-tessera-provider", v);
            }
            h.insert(
                "x-tessera-cache",
                axum::http::HeaderValue::from_static(if r.cached { "hit" } else { "miss" }),
            );
            if done.degraded {
                h.insert(
                    "x-tessera-degraded",
                    axum::http::HeaderValue::from_static("budget"),
                );
            }
            Ok(response)
        }
        Err(AiError::Blocked(message)) | Err(AiError::Llm(LlmError::Blocked(message))) => {
            Ok(answer(
                body.stream,
                SAFETY_MODEL,
                &message,
                "content_filter",
                (0, 0),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(get, path = "/v1/models", tag = "ai", security(("bearer" = [])),
    responses((status = 200, description = "The models the gateway serves", body = Object,
               example = json!({"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model", "created": 0, "owned_by": "openai"}, {"id": "tessera-offline", "object": "model", "created": 0, "owned_by": "offline"}]})),
              (status = 401, description = "No valid token", body = ErrorBody)))]
pub(super) async fn models(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::AiGeneration)?;
    let models = state.ai.models().await?;
    Ok(Json(json!({
        "object": "list",
        "data": models.iter().map(|m| json!({ "id": m.id, "object": "model", "created": 0, "owned_by": m.provider })).collect::<Vec<_>>(),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The field a refused request names.
    fn field_of<T: std::fmt::Debug>(result: Result<T, ApiError>) -> String {
        match result {
            Err(ApiError::Validation { field, .. }) => field,
            other => panic!("not refused: {other:?}"),
        }
    }

    fn body(value: Value) -> ChatBody {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_response_format_asks_for_a_schema_or_nothing() {
        assert_eq!(response_schema(None).unwrap(), None);
        assert_eq!(
            response_schema(Some(&json!({ "type": "text" }))).unwrap(),
            None
        );
        assert_eq!(
            response_schema(Some(&json!({ "type": "json_object" })))
                .unwrap()
                .as_deref(),
            Some(r#"{"type":"object"}"#)
        );
        let schema = json!({ "type": "json_schema", "json_schema": { "name": "n",
                             "schema": { "type": "integer" } } });
        assert_eq!(
            response_schema(Some(&schema)).unwrap().as_deref(),
            Some(r#"{"type":"integer"}"#)
        );
        assert_eq!(
            field_of(response_schema(Some(
                &json!({ "type": "json_schema", "json_schema": {} })
            ))),
            "response_format.json_schema.schema"
        );
        assert_eq!(
            field_of(response_schema(Some(&json!({ "type": "xml" })))),
            "response_format.type"
        );
    }

    #[test]
    fn message_content_is_text_or_the_text_parts_joined() {
        let parts = json!([{ "type": "text", "text": "one" }, { "type": "image_url", "image_url": {} },
                           { "type": "text", "text": "two" }]);
        assert_eq!(text_of(0, &parts).unwrap(), "one\ntwo");
        assert_eq!(text_of(0, &json!("plain")).unwrap(), "plain");
        assert_eq!(field_of(text_of(3, &json!(7))), "messages[3].content");
    }

    #[test]
    fn a_conversation_is_refused_at_the_message_that_breaks_it() {
        let ok = body(
            json!({ "messages": [{ "role": "developer", "content": "be brief" },
                                           { "role": "user", "content": "hi" }] }),
        );
        let messages = messages(&ok, 1000).unwrap();
        assert_eq!(
            messages
                .iter()
                .map(|m| m.content.as_str())
                .collect::<Vec<_>>(),
            ["be brief", "hi"]
        );
        assert_eq!(
            field_of(messages_of(json!({ "messages": [] }), 1000)),
            "messages"
        );
        assert_eq!(
            field_of(messages_of(
                json!({ "messages": [{ "role": "user", "content": "a" }, { "role": "tool", "content": "b" }] }),
                1000
            )),
            "messages[1].role"
        );
        assert_eq!(
            field_of(messages_of(
                json!({ "messages": [{ "role": "user", "content": "12345" }] }),
                4
            )),
            "messages"
        );
        assert_eq!(
            field_of(messages_of(
                json!({ "messages": [{ "role": "user", "content": "a" }], "temperature": 2.5 }),
                1000
            )),
            "temperature"
        );
    }

    fn messages_of(value: Value, max: usize) -> Result<Vec<Message>, ApiError> {
        messages(&body(value), max)
    }

    #[test]
    fn no_cache_or_no_store_asks_for_a_fresh_answer() {
        let mut headers = axum::http::HeaderMap::new();
        assert!(allow_cache(&headers));
        headers.append(
            axum::http::header::CACHE_CONTROL,
            "max-age=0".parse().unwrap(),
        );
        assert!(allow_cache(&headers));
        headers.append(
            axum::http::header::CACHE_CONTROL,
            "no-store".parse().unwrap(),
        );
        assert!(!allow_cache(&headers));
    }
}
