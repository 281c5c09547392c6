//! Seed 004 §2 over HTTP, at the seed's own paths (`crate::experiments`;
//! docs/experiments.md): the tutorial config (and its shadow `/v2` route behind the flag
//! `tutorial.v2_enabled`), step pings, surveys, and the internal assignment and persona
//! services for machine callers (`role=service`).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::caller::{Caller, authenticate};
use super::error::{ApiError, ErrorBody};
use super::json::ValidJson;
use crate::auth::Permission;
use crate::experiments::steps::StepPing;
use crate::experiments::surveys::{SurveyAnswer, SurveyReceipt};
use crate::experiments::tutorials::{Engine, TutorialConfig};
use crate::experiments::{Device, ExperimentError, Unit, check_anonymous_id};

/// The cookie keeping an anonymous visitor's id (a year).
const ANON_COOKIE: &str = "kazi_anon";
/// The header carrying it for clients without cookies (the mobile apps).
const ANON_HEADER: &str = "x-kazi-anonymous-id";

/// The learner-facing routes (the general rate class; a token is optional).
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/tutorial/config", get(config))
        .route("/v2/tutorial/config", get(config_v2))
        .route("/api/tutorial/step", post(step))
        .route("/api/tutorial/survey", post(survey))
}

/// The service routes (seed 004 §8: `role=service` only).
pub(super) fn internal_routes() -> Router<AppState> {
    Router::new()
        .route("/_internal/experiments/assign", post(assign))
        .route("/_internal/persona/{user_id}", get(persona))
}

impl From<ExperimentError> for ApiError {
    fn from(e: ExperimentError) -> Self {
        match e {
            ExperimentError::Invalid { field, message } => ApiError::Validation {
                field,
                issue: message,
            },
            ExperimentError::NotFound { what, field, id } => ApiError::Refused {
                status: StatusCode::NOT_FOUND,
                code: "NOT_FOUND",
                message: format!("no {what} `{id}`"),
                field: Some(field),
            },
            ExperimentError::Conflict { field, message } => ApiError::Conflict {
                field: field.to_owned(),
                message,
            },
            e @ ExperimentError::SurveyTooSoon { .. } => ApiError::Refused {
                status: StatusCode::TOO_MANY_REQUESTS,
                code: "RATE_LIMIT_EXCEEDED",
                message: e.to_string(),
                field: Some("tutorialId"),
            },
            ExperimentError::Disabled(message) => ApiError::Refused {
                status: StatusCode::NOT_FOUND,
                code: "NOT_FOUND",
                message,
                field: None,
            },
            e @ ExperimentError::NoAssigner => ApiError::Unavailable(e.to_string()),
            ExperimentError::Refused { field, message } => ApiError::Refused {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "VALIDATION_ERROR",
                message: format!("the assigner refused the definition: {message}"),
                field: Some(field),
            },
            ExperimentError::Analysis(message) => ApiError::Internal(message),
            ExperimentError::Plugin(e) => ApiError::Plugin(e),
            ExperimentError::Store(e) => e.into(),
        }
    }
}

/// Who is asking: the bearer token's user when one is sent (an invalid token is a 401,
/// never silently anonymous), else the anonymous id from the header or the cookie, else
/// (when `mint` is set) a new anonymous id, returned for the response to carry.
async fn unit(
    state: &AppState,
    headers: &HeaderMap,
    caller: Option<&Caller>,
    mint: bool,
) -> Result<(Unit, Option<String>), ApiError> {
    if let Some(caller) = caller {
        return Ok((Unit::User(caller.user_id().to_owned()), None));
    }
    if headers.contains_key(header::AUTHORIZATION) {
        let caller = authenticate(headers, state).await?;
        return Ok((Unit::User(caller.user_id().to_owned()), None));
    }
    let sent = headers
        .get(ANON_HEADER)
        .map(|v| v.to_str().unwrap_or("\u{0}").to_owned())
        .or_else(|| anonymous_cookie(headers));
    if let Some(id) = sent {
        check_anonymous_id(&id)?;
        return Ok((Unit::Anonymous(id), None));
    }
    if !mint {
        return Err(ApiError::Unauthorized(format!(
            "send a bearer token, or the anonymous id the tutorial config gave you \
             (header `{ANON_HEADER}` or cookie `{ANON_COOKIE}`)"
        )));
    }
    let id = uuid::Uuid::new_v4().to_string();
    Ok((Unit::Anonymous(id.clone()), Some(id)))
}

fn anonymous_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == ANON_COOKIE)
        .map(|(_, value)| value.to_owned())
}

fn device(headers: &HeaderMap) -> Result<Device, ApiError> {
    let value = headers
        .get("x-kazi-device")
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    Ok(Device::parse(value)?)
}

/// `?tutorialId=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(super) struct ConfigQuery {
    /// The tutorial, e.g. `welcome-tour`.
    tutorial_id: Option<String>,
}

#[utoipa::path(get, path = "/api/tutorial/config", tag = "tutorials", security((), ("bearer" = [])),
    params(ConfigQuery,
        ("x-kazi-device" = Option<String>, Header, description = "web (default), ios or android: selects device-specific steps"),
        ("x-kazi-anonymous-id" = Option<String>, Header, description = "Without a token: the anonymous id an earlier answer gave (also accepted as the cookie kazi_anon)"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag of the config the client has")),
    responses(
        (status = 200, description = "The tutorial as this learner on this device sees it: their variant of the running experiment (stable: stored at first assignment), their persona, the steps. A visitor without a token or anonymous id gets one (header x-kazi-anonymous-id and cookie kazi_anon) to send from then on.", body = TutorialConfig,
         headers(("ETag" = String, description = "Validator over everything but `expires`"),
                 ("Cache-Control" = String, description = "private, max-age matching `expires`"),
                 ("x-kazi-anonymous-id" = String, description = "A new visitor's anonymous id"))),
        (status = 304, description = "If-None-Match matched: the client's copy is current (fresh for another max-age)",
         headers(("ETag" = String, description = "The same validator"), ("Cache-Control" = String, description = "private, max-age"))),
        (status = 401, description = "A token was sent and is invalid, expired or revoked", body = ErrorBody),
        (status = 404, description = "No such tutorial (details.field = tutorialId)", body = ErrorBody),
        (status = 422, description = "tutorialId missing or malformed, x-kazi-device not web/ios/android, or a malformed anonymous id (details.field names it)", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody),
        (status = 503, description = "No experiment assigner installed, or the database is unavailable", body = ErrorBody)))]
pub(super) async fn config(
    State(state): State<AppState>,
    caller: Option<Caller>,
    headers: HeaderMap,
    query: Result<Query<ConfigQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    serve_config(&state, caller.as_ref(), &headers, query, Engine::V1).await
}

#[utoipa::path(get, path = "/v2/tutorial/config", tag = "tutorials", security((), ("bearer" = [])),
    params(ConfigQuery,
        ("x-kazi-device" = Option<String>, Header, description = "web (default), ios or android"),
        ("x-kazi-anonymous-id" = Option<String>, Header, description = "Without a token: the anonymous id an earlier answer gave"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag of the config the client has")),
    responses(
        (status = 200, description = "The adaptive engine's config (seed 004 §9's shadow route): as /api/tutorial/config, with `engine: v2`, and steps also selected by persona", body = TutorialConfig,
         headers(("ETag" = String, description = "Validator over everything but `expires`"),
                 ("Cache-Control" = String, description = "private, max-age matching `expires`"),
                 ("x-kazi-anonymous-id" = String, description = "A new visitor's anonymous id"))),
        (status = 304, description = "If-None-Match matched",
         headers(("ETag" = String, description = "The same validator"), ("Cache-Control" = String, description = "private, max-age"))),
        (status = 401, description = "A token was sent and is invalid", body = ErrorBody),
        (status = 404, description = "The flag tutorial.v2_enabled is off for this learner, or no such tutorial", body = ErrorBody),
        (status = 422, description = "A malformed parameter or header (details.field names it)", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody),
        (status = 503, description = "No experiment assigner installed, or the database is unavailable", body = ErrorBody)))]
pub(super) async fn config_v2(
    State(state): State<AppState>,
    caller: Option<Caller>,
    headers: HeaderMap,
    query: Result<Query<ConfigQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    serve_config(&state, caller.as_ref(), &headers, query, Engine::V2).await
}

async fn serve_config(
    state: &AppState,
    caller: Option<&Caller>,
    headers: &HeaderMap,
    query: Result<Query<ConfigQuery>, axum::extract::rejection::QueryRejection>,
    engine: Engine,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::Validation {
        field: "tutorialId".into(),
        issue: e.body_text(),
    })?;
    let tutorial_id = query.tutorial_id.ok_or_else(|| ApiError::Validation {
        field: "tutorialId".into(),
        issue: "the query parameter tutorialId is required".into(),
    })?;
    let device = device(headers)?;
    let (unit, minted) = unit(state, headers, caller, true).await?;
    if engine == Engine::V2 && !state.experiments.v2_enabled(&unit, device).await? {
        return Err(ExperimentError::Disabled(
            "the v2 tutorial engine is not enabled for you (flag tutorial.v2_enabled)".into(),
        )
        .into());
    }
    let served = state
        .experiments
        .config(&tutorial_id, &unit, device, engine)
        .await?;
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == served.etag || tag == "*");
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Json(served.config).into_response()
    };
    let out = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&served.etag) {
        out.insert(header::ETAG, etag);
    }
    if let Ok(cache) = HeaderValue::from_str(&format!("private, max-age={}", served.max_age)) {
        out.insert(header::CACHE_CONTROL, cache);
    }
    out.insert(
        header::VARY,
        HeaderValue::from_static("authorization, cookie, x-kazi-device, x-kazi-anonymous-id"),
    );
    if let Some(id) = minted
        && let (Ok(value), Ok(cookie)) = (
            HeaderValue::from_str(&id),
            HeaderValue::from_str(&format!(
                "{ANON_COOKIE}={id}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly"
            )),
        )
    {
        out.insert(ANON_HEADER, value);
        out.insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

#[utoipa::path(post, path = "/api/tutorial/step", tag = "tutorials", security((), ("bearer" = [])),
    params(("x-kazi-device" = Option<String>, Header, description = "web (default), ios or android"),
           ("x-kazi-anonymous-id" = Option<String>, Header, description = "Without a token: the anonymous id the config gave")),
    request_body(content = StepPing, example = json!({"tutorialId": "welcome-tour", "stepId": "intro", "status": "completed", "t": 5300, "eventId": "0b6f2c1e-7d1a-4f57-9a0e-3c1d2b4a5f60"})),
    responses(
        (status = 204, description = "Stored (or already stored: a replay of the same eventId), published on tutorial.events"),
        (status = 401, description = "Neither a valid token nor an anonymous id", body = ErrorBody),
        (status = 422, description = "A field out of bounds or an unknown tutorial (details.field names it)", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn step(
    State(state): State<AppState>,
    caller: Option<Caller>,
    headers: HeaderMap,
    ValidJson(ping): ValidJson<StepPing>,
) -> Result<StatusCode, ApiError> {
    let device = device(&headers)?;
    let (unit, _) = unit(&state, &headers, caller.as_ref(), false).await?;
    state.experiments.record_step(&unit, device, ping).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/tutorial/survey", tag = "tutorials", security((), ("bearer" = [])),
    params(("x-kazi-anonymous-id" = Option<String>, Header, description = "Without a token: the anonymous id the config gave")),
    request_body(content = SurveyAnswer, example = json!({"tutorialId": "welcome-tour", "nps": 9, "comment": "Loved it", "persona": "newbie"})),
    responses(
        (status = 201, description = "Stored; the comment sealed at rest", body = SurveyReceipt),
        (status = 401, description = "Neither a valid token nor an anonymous id", body = ErrorBody),
        (status = 422, description = "nps outside 0-10, a comment over 2000 characters, an unknown tutorial (details.field names it)", body = ErrorBody),
        (status = 429, description = "A survey within 30 days of your last (Retry-After says when the next is welcome), or rate limited", body = ErrorBody)))]
pub(super) async fn survey(
    State(state): State<AppState>,
    caller: Option<Caller>,
    headers: HeaderMap,
    ValidJson(answer): ValidJson<SurveyAnswer>,
) -> Result<Response, ApiError> {
    let (unit, _) = unit(&state, &headers, caller.as_ref(), false).await?;
    match state.experiments.submit_survey(&unit, answer).await {
        Ok(receipt) => Ok((StatusCode::CREATED, Json(receipt)).into_response()),
        Err(ExperimentError::SurveyTooSoon { retry_after_secs }) => {
            let mut response =
                ApiError::from(ExperimentError::SurveyTooSoon { retry_after_secs }).into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

/// Seed 004 §2.3's request.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct AssignRequest {
    /// The unit: a user id (or `anon:<id>` for an anonymous visitor).
    user_id: String,
    /// A running experiment.
    experiment_id: String,
}

/// Seed 004 §2.3's answer.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub(super) struct AssignAnswer {
    /// The variant, stable for this unit; `null` when the experiment's coverage leaves
    /// the unit out.
    variant: Option<String>,
}

#[utoipa::path(post, path = "/_internal/experiments/assign", tag = "internal", security(("bearer" = [])),
    request_body(content = AssignRequest, example = json!({"userId": "3f1c5b0e-3c38-4c4b-9f0a-1d2e3f4a5b6c", "experimentId": "welcome-v1"})),
    responses(
        (status = 200, description = "The unit's variant (the stored one, or assigned now and stored)", body = AssignAnswer),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Not a service token", body = ErrorBody),
        (status = 404, description = "No such experiment (details.field = experimentId)", body = ErrorBody),
        (status = 409, description = "The experiment is not running (only running experiments assign)", body = ErrorBody),
        (status = 422, description = "A malformed id (details.field names it)", body = ErrorBody),
        (status = 503, description = "No experiment assigner installed", body = ErrorBody)))]
pub(super) async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<AssignRequest>,
) -> Result<Json<AssignAnswer>, ApiError> {
    caller.require(Permission::Internal)?;
    let unit = match body.user_id.strip_prefix("anon:") {
        Some(id) => {
            check_anonymous_id(id).map_err(|_| ApiError::Validation {
                field: "userId".into(),
                issue: "anon: followed by 8-64 letters, digits or `-`".into(),
            })?;
            Unit::Anonymous(id.to_owned())
        }
        None => {
            crate::experiments::check_id("userId", &body.user_id)?;
            Unit::User(body.user_id)
        }
    };
    let variant = state
        .experiments
        .assign_unit(&body.experiment_id, &unit)
        .await?;
    Ok(Json(AssignAnswer { variant }))
}

/// Seed 004 §2.4's answer.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub(super) struct PersonaAnswer {
    /// The learner's persona (`newbie` until the clustering has seen them).
    persona: String,
    /// How close the learner is to their persona's centre relative to the next one, 0-1.
    confidence: f64,
}

#[utoipa::path(get, path = "/_internal/persona/{user_id}", tag = "internal", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "A user id")),
    responses(
        (status = 200, description = "The persona; edge caches may keep it 10 minutes", body = PersonaAnswer,
         headers(("Cache-Control" = String, description = "max-age=600"))),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Not a service token", body = ErrorBody),
        (status = 422, description = "A malformed user id", body = ErrorBody)))]
pub(super) async fn persona(
    State(state): State<AppState>,
    caller: Caller,
    Path(user_id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Internal)?;
    crate::experiments::check_id("user_id", &user_id)?;
    let (persona, confidence) = state.experiments.persona_of(&Unit::User(user_id)).await?;
    let mut response = Json(PersonaAnswer {
        persona,
        confidence,
    })
    .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=600"),
    );
    Ok(response)
}
