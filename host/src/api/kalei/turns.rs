//! Turn and the Gallery over HTTP (seed 001 §10.3).

use std::convert::Infallible;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{PageQuery, member};
use crate::api::AppState;
use crate::api::caller::Caller;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::json::ValidJson;
use crate::kalei::turns::{TurnAnswer, TurnPage, TurnView};

pub(super) fn ai_routes() -> Router<AppState> {
    Router::new().route("/turns", post(take_turn))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/turns", get(list_turns))
        .route("/turns/{turn_id}", get(turn).delete(delete_turn))
        .route("/turns/{turn_id}/save", post(save_turn))
        .route("/gallery", get(gallery))
        .route("/gallery/{turn_id}", delete(unsave_turn))
}

/// A thought to turn.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTurn {
    /// The thought, 1-4000 characters.
    pub text: String,
}

/// Whether the client asked for server-sent events.
fn wants_events(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"))
}

/// The answer as server-sent events: `crisis` (instead of any reframe), or one `reframe`
/// per reframe and the `micro_action`; then `done` with the whole answer.
fn streamed(answer: &TurnAnswer) -> Response {
    let mut events: Vec<Event> = Vec::new();
    if let Some(crisis) = &answer.crisis {
        events.push(
            Event::default()
                .event("crisis")
                .json_data(crisis)
                .unwrap_or_default(),
        );
    }
    if let Some(turn) = &answer.turn {
        for (i, r) in turn.reframes.iter().enumerate() {
            events.push(
                Event::default()
                    .event("reframe")
                    .json_data(serde_json::json!({"index": i, "angle": r.angle, "text": r.text}))
                    .unwrap_or_default(),
            );
        }
        events.push(
            Event::default()
                .event("micro_action")
                .json_data(serde_json::json!({"text": turn.micro_action}))
                .unwrap_or_default(),
        );
    }
    events.push(
        Event::default()
            .event("done")
            .json_data(answer)
            .unwrap_or_default(),
    );
    Sse::new(futures_util::stream::iter(
        events.into_iter().map(Ok::<_, Infallible>),
    ))
    .into_response()
}

#[utoipa::path(post, path = "/api/v1/turns", tag = "kalei", security(("bearer" = [])),
    request_body(content = NewTurn, example = json!({"text": "I messed up the presentation, so I'll never get promoted."})),
    responses(
        (status = 200, description = "The stored Turn: exactly three reframes and one micro-action, with the distortions seen; for a crisis, `crisis` holds the gate's response and nothing is reframed or stored. With `Accept: text/event-stream` the same answer as events: `crisis`, or `reframe` ×3 and `micro_action`; then `done` with the whole answer", body = TurnAnswer),
        (status = 400, description = "Malformed JSON or an unknown field", body = ErrorBody),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 422, description = "text empty or over 4000 characters", body = ErrorBody),
        (status = 429, description = "DAILY_LIMIT_REACHED (details.limit = turns_per_day, Retry-After: your local midnight), or over the AI rate limit or budget", body = ErrorBody),
        (status = 502, description = "The reframer's answer failed its checks", body = ErrorBody),
        (status = 503, description = "No reframer or safety filter installed", body = ErrorBody)))]
pub(in crate::api) async fn take_turn(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ValidJson(body): ValidJson<NewTurn>,
) -> Result<Response, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    let answer = state.kalei.take_turn(&member, &body.text).await?;
    Ok(if wants_events(&headers) {
        streamed(&answer)
    } else {
        Json(answer).into_response()
    })
}

#[utoipa::path(get, path = "/api/v1/turns", tag = "kalei", security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "Your Turns, newest first", body = TurnPage),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 422, description = "limit outside 1-100 or a negative offset", body = ErrorBody)))]
pub(in crate::api) async fn list_turns(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<TurnPage>, ApiError> {
    page(&state, &caller, &headers, query, false).await
}

#[utoipa::path(get, path = "/api/v1/turns/{turn_id}", tag = "kalei", security(("bearer" = [])),
    params(("turn_id" = String, Path, description = "A Turn of yours")),
    responses(
        (status = 200, description = "The Turn", body = TurnView),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "No such Turn of yours", body = ErrorBody)))]
pub(in crate::api) async fn turn(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(turn_id): Path<String>,
) -> Result<Json<TurnView>, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    Ok(Json(state.kalei.turn(&member, &turn_id).await?))
}

#[utoipa::path(post, path = "/api/v1/turns/{turn_id}/save", tag = "kalei", security(("bearer" = [])),
    params(("turn_id" = String, Path, description = "A Turn of yours")),
    responses(
        (status = 200, description = "Saved to the Gallery (saving again keeps the first time)", body = TurnView),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "No such Turn of yours", body = ErrorBody)))]
pub(in crate::api) async fn save_turn(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(turn_id): Path<String>,
) -> Result<Json<TurnView>, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    Ok(Json(state.kalei.save_turn(&member, &turn_id, true).await?))
}

#[utoipa::path(delete, path = "/api/v1/turns/{turn_id}", tag = "kalei", security(("bearer" = [])),
    params(("turn_id" = String, Path, description = "A Turn of yours")),
    responses(
        (status = 204, description = "Deleted with its Spectrum row"),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "No such Turn of yours", body = ErrorBody)))]
pub(in crate::api) async fn delete_turn(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(turn_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    state.kalei.delete_turn(&member, &turn_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/gallery", tag = "kalei", security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "Your saved Turns, newest saved first", body = TurnPage),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 422, description = "limit outside 1-100 or a negative offset", body = ErrorBody)))]
pub(in crate::api) async fn gallery(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<TurnPage>, ApiError> {
    page(&state, &caller, &headers, query, true).await
}

/// A page of the caller's Turns, or of the saved ones only (the Gallery).
async fn page(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
    saved_only: bool,
) -> Result<Json<TurnPage>, ApiError> {
    let member = member(state, caller, headers).await?;
    let (limit, offset) = PageQuery::bounds(query)?;
    let page = state
        .kalei
        .turns(&member, saved_only, limit, offset)
        .await?;
    Ok(Json(page))
}

#[utoipa::path(delete, path = "/api/v1/gallery/{turn_id}", tag = "kalei", security(("bearer" = [])),
    params(("turn_id" = String, Path, description = "A saved Turn of yours")),
    responses(
        (status = 204, description = "Taken out of the Gallery (the Turn stays in your Turns; DELETE /turns/{turn_id} deletes it)"),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "No such Turn of yours", body = ErrorBody)))]
pub(in crate::api) async fn unsave_turn(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(turn_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    state.kalei.save_turn(&member, &turn_id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
