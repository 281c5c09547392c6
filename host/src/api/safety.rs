//! `POST /api/v1/safety/screen`: screen a text with the safety gate (admins and services);
//! `GET /api/v1/admin/safety/events`: the crises it stopped (admins only).

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use super::AppState;
use super::caller::Caller;
use super::error::{ApiError, ErrorBody};
use super::json::ValidJson;
use crate::auth::Permission;
use crate::safety::{MAX_TEXT_BYTES, SafetyError, Screening};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/safety/screen", post(screen))
        .route("/admin/safety/events", axum::routing::get(events))
}

/// `?limit=` of the events listing.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// At most this many, newest first (1-500, default 50).
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/admin/safety/events", operation_id = "safety_events", tag = "safety", security(("bearer" = [])),
    params(EventsQuery),
    responses(
        (status = 200, description = "Crises the safety gate stopped on AI paths, newest first (never the message)", body = Vec<crate::store::safety_events::SafetyEvent>,
         example = json!([{"id": "…", "at": "2026-11-26T09:00:00Z", "user_id": "550e8400-…", "surface": "chat-completions", "level": "crisis", "categories": ["suicide"], "source": null}])),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Administrators only (ReadSafetyEvents): not services, not teachers", body = ErrorBody),
        (status = 400, description = "limit is not a whole number (or too large to be one), or an unknown query parameter", body = ErrorBody),
        (status = 422, description = "limit outside 1-500", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)
    ))]
pub(super) async fn events(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<axum::extract::Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<crate::store::safety_events::SafetyEvent>>, ApiError> {
    caller.require(Permission::ReadSafetyEvents)?;
    let axum::extract::Query(query) = query.map_err(|e| ApiError::BadRequest {
        field: Some("limit".into()),
        message: format!("limit: {}", e.body_text()),
    })?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::Validation {
            field: "limit".into(),
            issue: "must be between 1 and 500".into(),
        });
    }
    Ok(Json(state.db.safety_events(limit).await?))
}

/// A text to screen.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenBody {
    /// The text (at most 32 KiB).
    pub text: String,
    /// ISO 3166-1 alpha-2 region for hotline resources, e.g. `US`.
    #[serde(default)]
    pub region: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/safety/screen", tag = "safety", security(("bearer" = [])),
    request_body(content = ScreenBody, example = json!({"text": "I want to k1ll mys3lf", "region": "US"})),
    responses(
        (status = 200, description = "The verdict", body = Screening,
         example = json!({"level": "crisis", "categories": ["suicide"], "spans": [{"start": 10, "end": 21, "category": "suicide"}],
                          "response": {"message": "I'm really sorry you're feeling this way. … Call or text 988 …", "region": "US"},
                          "decided_by": "rules", "semantic_score": null,
                          "screened_by": ["safety-filter@0.1.0"]})),
        (status = 400, description = "Malformed JSON or a wrong field", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only admins and services may screen directly", body = ErrorBody),
        (status = 422, description = "Text too long or a bad region", body = ErrorBody),
        (status = 503, description = "No safety filter installed", body = ErrorBody)
    ))]
pub(super) async fn screen(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<ScreenBody>,
) -> Result<Json<Screening>, ApiError> {
    caller.require(Permission::SafetyScreen)?;
    if body.text.len() > MAX_TEXT_BYTES {
        return Err(ApiError::Validation {
            field: "text".into(),
            issue: format!("is longer than {MAX_TEXT_BYTES} bytes"),
        });
    }
    if let Some(region) = &body.region
        && !(region.len() == 2 && region.chars().all(|c| c.is_ascii_alphabetic()))
    {
        return Err(ApiError::Validation {
            field: "region".into(),
            issue: "must be a two-letter ISO 3166-1 code like US or GB".into(),
        });
    }
    let region = body.region.map(|r| r.to_ascii_uppercase());
    match state.safety.screen(&body.text, region.as_deref()).await {
        Ok(verdict) => {
            let metrics = state.registry.runtime().metrics();
            metrics.record_safety(verdict.level.as_str(), "screen");
            Ok(Json(verdict))
        }
        Err(SafetyError::NoFilter) => Err(ApiError::Unavailable(SafetyError::NoFilter.to_string())),
        Err(SafetyError::Plugin(e)) => Err(ApiError::Plugin(e)),
        Err(SafetyError::Semantic(e)) => Err(ApiError::Unavailable(e.to_string())),
    }
}
