//! Mirror over HTTP (seed 001 §10.2).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{PageQuery, member};
use crate::api::AppState;
use crate::api::caller::Caller;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::json::ValidJson;
use crate::kalei::mirror::{
    FragmentReframe, MessageAnswer, MirrorSessionView, SessionDetail, SessionPage,
};

pub(super) fn ai_routes() -> Router<AppState> {
    Router::new()
        .route("/mirror/sessions", post(start_session))
        .route("/mirror/messages", post(post_message))
        .route(
            "/mirror/fragments/{fragment_id}/reframe",
            post(reframe_fragment),
        )
        .route("/mirror/sessions/{session_id}/close", post(close_session))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/mirror/sessions", get(list_sessions))
        .route(
            "/mirror/sessions/{session_id}",
            get(session).delete(delete_session),
        )
}

/// A message to a Mirror session.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// An open session of yours.
    pub session_id: String,
    /// What you write, 1-8000 characters.
    pub text: String,
}

#[utoipa::path(post, path = "/api/v1/mirror/sessions", tag = "kalei", security(("bearer" = [])),
    responses(
        (status = 201, description = "A new, open session", body = MirrorSessionView),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(in crate::api) async fn start_session(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<MirrorSessionView>), ApiError> {
    let member = member(&state, &caller, &headers).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.kalei.start_session(&member).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/mirror/sessions", tag = "kalei", security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "Your sessions, newest first", body = SessionPage),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 422, description = "limit outside 1-100 or a negative offset", body = ErrorBody)))]
pub(in crate::api) async fn list_sessions(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SessionPage>, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    let (limit, offset) = PageQuery::bounds(query)?;
    Ok(Json(state.kalei.sessions(&member, limit, offset).await?))
}

#[utoipa::path(get, path = "/api/v1/mirror/sessions/{session_id}", operation_id = "mirror_session", tag = "kalei", security(("bearer" = [])),
    params(("session_id" = String, Path, description = "A session of yours")),
    responses(
        (status = 200, description = "The session with its messages, fragments and highlights", body = SessionDetail),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "No such session of yours", body = ErrorBody)))]
pub(in crate::api) async fn session(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(session_id): Path<String>,
) -> Result<Json<SessionDetail>, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    Ok(Json(state.kalei.session(&member, &session_id).await?))
}

#[utoipa::path(post, path = "/api/v1/mirror/messages", tag = "kalei", security(("bearer" = [])),
    request_body(content = NewMessage, example = json!({"session_id": "ms_0b6f…", "text": "I always ruin everything. Everyone must think I'm a failure."})),
    responses(
        (status = 200, description = "The stored message with its fragments (offsets in characters and UTF-16 units) and highlight runs; for a crisis, `crisis` holds the gate's response and there are no fragments", body = MessageAnswer),
        (status = 400, description = "Malformed JSON or an unknown field", body = ErrorBody),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "No such session of yours (details.field = session_id)", body = ErrorBody),
        (status = 409, description = "SESSION_CLOSED: the session is closed", body = ErrorBody),
        (status = 422, description = "text empty or over 8000 characters", body = ErrorBody),
        (status = 429, description = "DAILY_LIMIT_REACHED (details.limit = mirror_messages_per_day, Retry-After: your local midnight), or over the AI rate limit or budget", body = ErrorBody),
        (status = 503, description = "No fragment detector or safety filter installed", body = ErrorBody)))]
pub(in crate::api) async fn post_message(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ValidJson(body): ValidJson<NewMessage>,
) -> Result<Json<MessageAnswer>, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    Ok(Json(
        state
            .kalei
            .post_message(&member, &body.session_id, &body.text)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/mirror/fragments/{fragment_id}/reframe", tag = "kalei", security(("bearer" = [])),
    params(("fragment_id" = String, Path, description = "A fragment of one of your messages")),
    responses(
        (status = 200, description = "Three reframes and a micro-action for the fragment (kept: asking again answers the same)", body = FragmentReframe),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "No such fragment of yours", body = ErrorBody),
        (status = 429, description = "DAILY_LIMIT_REACHED (a reframe counts as a Turn), or over the AI rate limit or budget", body = ErrorBody),
        (status = 502, description = "The reframer's answer failed its checks", body = ErrorBody),
        (status = 503, description = "No reframer installed", body = ErrorBody)))]
pub(in crate::api) async fn reframe_fragment(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(fragment_id): Path<String>,
) -> Result<Json<FragmentReframe>, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    Ok(Json(
        state.kalei.reframe_fragment(&member, &fragment_id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/mirror/sessions/{session_id}/close", tag = "kalei", security(("bearer" = [])),
    params(("session_id" = String, Path, description = "A session of yours")),
    responses(
        (status = 200, description = "The closed session with its summary (counts and kinds); closing again answers the same", body = MirrorSessionView),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "No such session of yours", body = ErrorBody)))]
pub(in crate::api) async fn close_session(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(session_id): Path<String>,
) -> Result<Json<MirrorSessionView>, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    Ok(Json(state.kalei.close_session(&member, &session_id).await?))
}

#[utoipa::path(delete, path = "/api/v1/mirror/sessions/{session_id}", tag = "kalei", security(("bearer" = [])),
    params(("session_id" = String, Path, description = "A session of yours")),
    responses(
        (status = 204, description = "Deleted with its messages, fragments, reframes and Spectrum row"),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "No such session of yours", body = ErrorBody)))]
pub(in crate::api) async fn delete_session(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(session_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    state.kalei.delete_session(&member, &session_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
