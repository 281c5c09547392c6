//! What the origin offers the edge (spin.toml; docs/edge.md): the internal routes its
//! components fill their caches from (`role=service`: the edge's service token), and the
//! learner's own part of today's lesson, which the edge joins with cached lesson content.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::AppState;
use super::caller::Caller;
use super::error::{ApiError, ErrorBody};
use crate::auth::Permission;
use crate::experiments::tutorials::EdgeDefinitions;
use crate::learning::badges::{Badge, BadgeError};
use crate::learning::views::{DailyPlace, LessonContent};

/// The learner-facing route (under `/api/v1`).
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/lessons/daily/place", get(daily_place))
}

/// The service routes the edge reads.
pub(super) fn internal_routes() -> Router<AppState> {
    Router::new()
        .route("/_internal/edge/tutorials/{tutorial_id}", get(tutorial))
        .route("/_internal/edge/lessons/{lesson_id}", get(lesson))
        .route("/_internal/edge/badges/{token}", get(badge))
}

/// A JSON answer validated by a strong ETag over its body: 304 when the client's
/// `If-None-Match` holds it already.
fn with_etag<T: serde::Serialize>(headers: &HeaderMap, body: &T) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let etag = format!("\"{}\"", &crate::learning::sha256_hex(&bytes)[..32]);
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim().trim_start_matches("W/") == etag);
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response()
    };
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

#[utoipa::path(get, path = "/api/v1/lessons/daily/place", operation_id = "daily_place", tag = "learning", security(("bearer" = [])),
    responses(
        (status = 200, description = "The learner's own part of today's lesson: which lesson and step, their progress, the reviews due; not the lesson's content (the edge joins it with content it caches per `content_version`)", body = DailyPlace),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 503, description = "No lesson engine installed", body = ErrorBody)))]
pub(super) async fn daily_place(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Json<DailyPlace>, ApiError> {
    caller.require(Permission::ViewCourses)?;
    let now = super::learning::now(&state, &headers)?;
    Ok(Json(
        state.learning.daily_place(caller.user_id(), now).await?,
    ))
}

#[utoipa::path(get, path = "/_internal/edge/tutorials/{tutorial_id}", operation_id = "edge_tutorial", tag = "internal", security(("bearer" = [])),
    params(("tutorial_id" = String, Path, description = "A tutorial"),
           ("If-None-Match" = Option<String>, Header, description = "The ETag of the definitions the edge holds")),
    responses(
        (status = 200, description = "The tutorial's steps and running experiment, for the edge to answer its config", body = EdgeDefinitions,
         headers(("ETag" = String, description = "Validator over the body"))),
        (status = 304, description = "The edge's copy is current"),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Not a service token", body = ErrorBody),
        (status = 404, description = "No such tutorial", body = ErrorBody),
        (status = 422, description = "A malformed id", body = ErrorBody)))]
pub(super) async fn tutorial(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(tutorial_id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Internal)?;
    let definitions = state
        .experiments
        .edge_definitions(&tutorial_id)
        .await?
        .ok_or_else(|| ApiError::Refused {
            status: StatusCode::NOT_FOUND,
            code: "NOT_FOUND",
            message: format!("no tutorial `{tutorial_id}`"),
            field: Some("tutorial_id"),
        })?;
    Ok(with_etag(&headers, &definitions))
}

#[utoipa::path(get, path = "/_internal/edge/lessons/{lesson_id}", operation_id = "edge_lesson", tag = "internal", security(("bearer" = [])),
    params(("lesson_id" = String, Path, description = "A lesson"),
           ("If-None-Match" = Option<String>, Header, description = "The ETag of the content the edge holds")),
    responses(
        (status = 200, description = "The lesson's content as every learner sees it, with its content version", body = LessonContent,
         headers(("ETag" = String, description = "Validator over the body"))),
        (status = 304, description = "The edge's copy is current"),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Not a service token", body = ErrorBody),
        (status = 404, description = "No such lesson", body = ErrorBody)))]
pub(super) async fn lesson(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(lesson_id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Internal)?;
    let content = state.learning.lesson_content(&lesson_id).await?;
    Ok(with_etag(&headers, &*content))
}

#[utoipa::path(get, path = "/_internal/edge/badges/{token}", operation_id = "edge_badge", tag = "internal", security(("bearer" = [])),
    params(("token" = String, Path, description = "A badge token")),
    responses(
        (status = 200, description = "The badge's certificate stands: what the badge shows, `{learner, track, description, issued, certificate_id}`"),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Not a service token, or the badge's signature does not verify", body = ErrorBody),
        (status = 410, description = "The certificate was withdrawn", body = ErrorBody)))]
pub(super) async fn badge(
    State(state): State<AppState>,
    caller: Caller,
    Path(token): Path<String>,
) -> Result<Json<Badge>, ApiError> {
    caller.require(Permission::Internal)?;
    match state.learning.badge(&token).await {
        Ok(badge) => Ok(Json(badge)),
        Err(BadgeError::Invalid(e)) => Err(ApiError::Refused {
            status: StatusCode::FORBIDDEN,
            code: "FORBIDDEN",
            message: e.to_string(),
            field: Some("token"),
        }),
        Err(BadgeError::Gone) => Err(ApiError::Refused {
            status: StatusCode::GONE,
            code: "GONE",
            message: "this badge was withdrawn".into(),
            field: None,
        }),
        Err(BadgeError::Store(e)) => Err(e.into()),
    }
}
