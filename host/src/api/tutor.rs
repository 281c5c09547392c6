//! The tutor over HTTP (`crate::tutor`; docs/tutor.md): ask (202, the answer comes over
//! SSE or by polling), follow a query, read conversations; generate an exercise or a
//! variation of one.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::caller::Caller;
use super::error::{ApiError, ErrorBody};
use super::json::ValidJson;
use crate::auth::Permission;
use crate::store::tutor::status;
use crate::tutor::views::{ConversationDetail, ConversationView, ExerciseView, QueryView};
use crate::tutor::{Ask, Generate, TutorError, watch};

/// How long a stream stays open waiting for an answer.
const STREAM_LIFETIME: Duration = Duration::from_secs(120);
/// How long exercise generation waits for the agent before answering 202.
const GENERATE_WAIT: Duration = Duration::from_secs(60);
/// Characters per `delta` event of a streamed answer (cut at a space).
const DELTA_CHARS: usize = 48;

/// Routes that ask a model or an agent: the AI rate class, idempotent.
pub(super) fn ai_routes() -> Router<AppState> {
    Router::new()
        .route("/tutor/queries", post(ask))
        .route("/exercises/generate", post(generate))
        .route("/exercises/{exercise_id}/variation", post(variation))
}

/// Reading routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/tutor/queries/{query_id}", get(query))
        .route("/tutor/queries/{query_id}/events", get(events))
        .route("/tutor/conversations", get(conversations))
        .route("/tutor/conversations/{conversation_id}", get(conversation))
}

impl From<TutorError> for ApiError {
    fn from(e: TutorError) -> Self {
        match e {
            TutorError::Invalid { field, message } => ApiError::Validation {
                field,
                issue: message,
            },
            TutorError::NotFound { what, id } => ApiError::Refused {
                status: StatusCode::NOT_FOUND,
                code: "NOT_FOUND",
                message: format!("no {what} `{id}`"),
                field: Some(match what {
                    "conversation" => "conversation_id",
                    "exercise" => "exercise_id",
                    _ => "query_id",
                }),
            },
            TutorError::Ai(e) => e.into(),
            TutorError::Learning(e) => e.into(),
            TutorError::Store(e) => e.into(),
        }
    }
}

/// A learner's question to the tutor.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskBody {
    /// The question (1 to 8000 characters).
    pub text: String,
    /// Code the learner pasted separately (at most 64 KiB).
    pub code: Option<String>,
    /// An error message or traceback (at most 16 KiB).
    pub error: Option<String>,
    /// The lesson step the learner is on.
    pub step_id: Option<String>,
    /// The conversation to continue; a new one starts when absent.
    pub conversation_id: Option<String>,
}

fn accepted(view: QueryView) -> Response {
    let location = format!("/api/v1/tutor/queries/{}", view.id);
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(view),
    )
        .into_response()
}

#[utoipa::path(post, path = "/api/v1/tutor/queries", tag = "tutor", security(("bearer" = [])),
    request_body(content = AskBody, example = json!({"text": "Why do I get IndexError: list index out of range?", "code": "xs = [1, 2]\nprint(xs[2])"})),
    responses(
        (status = 202, description = "Accepted: follow it at Location (JSON) or Location + `/events` (SSE). A message the safety gate stops is answered at once (`status` `blocked`, the crisis or supportive response as the answer) and reaches no agent.", body = QueryView),
        (status = 400, description = "Malformed JSON or an unknown field", body = ErrorBody),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "No such conversation of yours (details.field = conversation_id)", body = ErrorBody),
        (status = 422, description = "A field out of bounds (details.field names it)", body = ErrorBody),
        (status = 429, description = "Over the AI rate limit; see Retry-After", body = ErrorBody),
        (status = 503, description = "No safety filter is installed (the tutor fails closed)", body = ErrorBody)))]
pub(super) async fn ask(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ValidJson(body): ValidJson<AskBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::AiGeneration)?;
    let ask = Ask {
        text: body.text,
        code: body.code,
        error: body.error,
        step_id: body.step_id,
        conversation_id: body.conversation_id,
        generate: None,
    };
    let region = super::client_region(&headers);
    let q = state.tutor.ask(caller.user_id(), ask, region).await?;
    Ok(accepted(state.tutor.view(&q).await?))
}

#[utoipa::path(get, path = "/api/v1/tutor/queries/{query_id}", tag = "tutor", security(("bearer" = [])),
    params(("query_id" = String, Path, description = "A query you asked")),
    responses(
        (status = 200, description = "The query, its triage decision and its answer once there", body = QueryView),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "No such query of yours", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn query(
    State(state): State<AppState>,
    caller: Caller,
    Path(query_id): Path<String>,
) -> Result<Json<QueryView>, ApiError> {
    caller.require(Permission::AiGeneration)?;
    let q = state.tutor.query_of(caller.user_id(), &query_id).await?;
    Ok(Json(state.tutor.view(&q).await?))
}

/// The answer in pieces of about [`DELTA_CHARS`], cut after a space.
fn deltas(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    for c in text.chars() {
        piece.push(c);
        if piece.len() >= DELTA_CHARS && c.is_whitespace() {
            pieces.push(std::mem::take(&mut piece));
        }
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}

fn json_event(name: &str, value: &impl serde::Serialize) -> Event {
    Event::default()
        .event(name)
        .data(serde_json::to_string(value).unwrap_or_default())
}

#[utoipa::path(get, path = "/api/v1/tutor/queries/{query_id}/events", operation_id = "tutor_query_events", tag = "tutor", security(("bearer" = [])),
    params(("query_id" = String, Path, description = "A query you asked")),
    responses(
        (status = 200, description = "Server-sent events, then the stream ends: `status` ({\"id\",\"status\"}) first; `triage` (TriageView) once triage decided; the answer as `delta` events ({\"text\"}: consecutive pieces) and then `answer` (QueryView, complete); or `error` ({\"status\": \"failed\", \"message\"}). A query already answered replays at once. Each event's data is a JSON object.", content_type = "text/event-stream", body = Object),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "No such query of yours", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn events(
    State(state): State<AppState>,
    caller: Caller,
    Path(query_id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(Permission::AiGeneration)?;
    let user = caller.user_id().to_owned();
    let first = state.tutor.query_of(&user, &query_id).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Event>(64);
    let tutor = state.tutor.clone();
    let mut changes = tutor.watch().subscribe();
    tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + STREAM_LIFETIME;
        let _ = tx
            .send(json_event(
                "status",
                &serde_json::json!({"id": first.id, "status": first.status}),
            ))
            .await;
        let mut triage_sent = false;
        loop {
            let q = match tutor.query_of(&user, &query_id).await {
                Ok(q) => q,
                Err(e) => {
                    let _ = tx
                        .send(json_event(
                            "error",
                            &serde_json::json!({"status": "failed", "message": e.to_string()}),
                        ))
                        .await;
                    return;
                }
            };
            let view = match tutor.view(&q).await {
                Ok(v) => v,
                Err(e) => {
                    tracing::warn!(error = %e, "tutor stream: cannot read the query");
                    watch::changed(&mut changes, &query_id, watch::POLL).await;
                    continue;
                }
            };
            if !triage_sent && let Some(t) = &view.triage {
                triage_sent = true;
                if tx.send(json_event("triage", t)).await.is_err() {
                    return;
                }
            }
            if q.status == status::FAILED {
                let message = view.error.clone().unwrap_or_default();
                let _ = tx
                    .send(json_event(
                        "error",
                        &serde_json::json!({"status": "failed", "message": message}),
                    ))
                    .await;
                return;
            }
            if let Some(answer) = &view.answer {
                for piece in deltas(&answer.content) {
                    if tx
                        .send(json_event("delta", &serde_json::json!({"text": piece})))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                let _ = tx.send(json_event("answer", &view)).await;
                return;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                let _ = tx
                    .send(json_event("error", &serde_json::json!({"status": q.status, "message": "no answer yet; GET the query later"})))
                    .await;
                return;
            }
            watch::changed(&mut changes, &query_id, left.min(watch::POLL)).await;
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (Ok::<_, Infallible>(e), rx))
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// Pagination of the conversation list.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// At most this many (1-100, default 20).
    pub limit: Option<i64>,
    /// Skip this many (default 0).
    pub offset: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/tutor/conversations", tag = "tutor", security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "Your conversations with the tutor, most recent first", body = Vec<ConversationView>),
        (status = 400, description = "limit or offset is not a number", body = ErrorBody),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 422, description = "limit outside 1-100 or a negative offset", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn conversations(
    State(state): State<AppState>,
    caller: Caller,
    page: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<ConversationView>>, ApiError> {
    caller.require(Permission::AiGeneration)?;
    let Query(page) = page.map_err(|e| ApiError::BadRequest {
        field: None,
        message: e.body_text(),
    })?;
    let limit = page.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::Validation {
            field: "limit".into(),
            issue: "between 1 and 100".into(),
        });
    }
    let offset = page.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::Validation {
            field: "offset".into(),
            issue: "must not be negative".into(),
        });
    }
    Ok(Json(
        state
            .tutor
            .conversations(caller.user_id(), limit, offset)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/tutor/conversations/{conversation_id}", tag = "tutor", security(("bearer" = [])),
    params(("conversation_id" = String, Path, description = "One of your conversations")),
    responses(
        (status = 200, description = "The conversation and its messages (ChatMessage), oldest first", body = ConversationDetail),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "No such conversation of yours", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn conversation(
    State(state): State<AppState>,
    caller: Caller,
    Path(conversation_id): Path<String>,
) -> Result<Json<ConversationDetail>, ApiError> {
    caller.require(Permission::AiGeneration)?;
    Ok(Json(
        state
            .tutor
            .conversation(caller.user_id(), &conversation_id)
            .await?,
    ))
}

/// What exercise to generate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateBody {
    /// The topic, e.g. `python.loops`.
    pub topic: String,
    /// `easy`, `medium` or `hard`.
    pub difficulty: String,
}

/// How to vary an exercise.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariationBody {
    /// `easy`, `medium` or `hard` (default: the exercise's own).
    pub difficulty: Option<String>,
}

/// Asks the exercise agent and waits for it: 201 with the exercise, 202 with the query
/// when it takes longer than [`GENERATE_WAIT`], or the failure.
async fn generate_and_wait(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    text: String,
    generate: Generate,
) -> Result<Response, ApiError> {
    caller.require(Permission::AiGeneration)?;
    let ask = Ask {
        text,
        generate: Some(generate),
        ..Ask::default()
    };
    let region = super::client_region(headers);
    let q = state.tutor.ask(caller.user_id(), ask, region).await?;
    let q = state
        .tutor
        .settled(caller.user_id(), &q.id, GENERATE_WAIT)
        .await?;
    let view = state.tutor.view(&q).await?;
    match q.status.as_str() {
        status::ANSWERED => match view.answer.and_then(|a| a.exercise) {
            Some(exercise) => {
                let location = exercise.submit_url.trim_end_matches("/submit").to_owned();
                Ok((
                    StatusCode::CREATED,
                    [(header::LOCATION, location)],
                    Json(exercise),
                )
                    .into_response())
            }
            None => Err(ApiError::Unavailable(
                "the exercise agent answered without an exercise".into(),
            )),
        },
        status::FAILED => Err(ApiError::Unavailable(view.error.unwrap_or_default())),
        status::BLOCKED => Err(ApiError::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "SAFETY_BLOCKED",
            message: view.answer.map(|a| a.content).unwrap_or_default(),
            field: None,
        }),
        _ => Ok(accepted(view)),
    }
}

#[utoipa::path(post, path = "/api/v1/exercises/generate", tag = "tutor", security(("bearer" = [])),
    request_body(content = GenerateBody, example = json!({"topic": "python.loops", "difficulty": "easy"})),
    responses(
        (status = 201, description = "A generated exercise, validated in the sandbox before it is served (its reference solution passes every hidden test and a trivially wrong one fails); submit code at `submit_url`", body = ExerciseView),
        (status = 202, description = "Still generating: follow the query at Location", body = QueryView),
        (status = 400, description = "Malformed JSON or an unknown field", body = ErrorBody),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 422, description = "An unknown topic or difficulty (details.field names it)", body = ErrorBody),
        (status = 429, description = "Over the AI rate limit; see Retry-After", body = ErrorBody),
        (status = 503, description = "No exercise could be generated and validated now", body = ErrorBody)))]
pub(super) async fn generate(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ValidJson(body): ValidJson<GenerateBody>,
) -> Result<Response, ApiError> {
    let text = format!(
        "Give me a {} exercise on {}",
        body.difficulty,
        body.topic.trim_start_matches("python.")
    );
    generate_and_wait(
        &state,
        &caller,
        &headers,
        text,
        Generate {
            topic: body.topic,
            difficulty: body.difficulty,
            base_exercise_id: None,
        },
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/exercises/{exercise_id}/variation", tag = "tutor", security(("bearer" = [])),
    params(("exercise_id" = String, Path, description = "A generated exercise of yours")),
    request_body(content = VariationBody, example = json!({"difficulty": "medium"})),
    responses(
        (status = 201, description = "A variation of the exercise (same skill, new details), validated like any generated exercise", body = ExerciseView),
        (status = 202, description = "Still generating: follow the query at Location", body = QueryView),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "No such exercise of yours", body = ErrorBody),
        (status = 422, description = "An unknown difficulty", body = ErrorBody),
        (status = 429, description = "Over the AI rate limit; see Retry-After", body = ErrorBody),
        (status = 503, description = "No variation could be generated and validated now", body = ErrorBody)))]
pub(super) async fn variation(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(exercise_id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    caller.require(Permission::AiGeneration)?;
    // The body is optional: no body keeps the exercise's difficulty.
    let body: VariationBody = if body.iter().all(u8::is_ascii_whitespace) {
        VariationBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest {
            field: Some("difficulty".into()),
            message: format!("body: {e}"),
        })?
    };
    let base = state
        .tutor
        .exercise_of(caller.user_id(), &exercise_id)
        .await?;
    let difficulty = body.difficulty.unwrap_or_else(|| base.difficulty.clone());
    let text = format!("Give me a variation of the exercise \"{}\"", base.title);
    generate_and_wait(
        &state,
        &caller,
        &headers,
        text,
        Generate {
            topic: base.topic.clone(),
            difficulty,
            base_exercise_id: Some(base.id.clone()),
        },
    )
    .await
}
