//! Spectrum over HTTP (seed 001 §10.5), and its run for operators.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use super::member;
use crate::api::AppState;
use crate::api::caller::Caller;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::json::ValidJson;
use crate::auth::Permission;
use crate::kalei::spectrum::{Exclusions, Period, RunProgress, SpectrumView};
use crate::plugins::contract::reflection::PeriodKind;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/spectrum/weekly", get(weekly))
        .route("/spectrum/monthly", get(monthly))
        .route("/spectrum/reset", post(reset))
        .route("/spectrum/exclusions", post(exclusions))
        .route("/admin/spectrum/run", post(run))
        .route("/admin/spectrum/runs/{period}", get(run_progress))
}

#[utoipa::path(get, path = "/api/v1/spectrum/weekly", tag = "kalei", security(("bearer" = [])),
    responses(
        (status = 200, description = "This week so far (counts) and the computed weeks with their insights, newest first", body = SpectrumView),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 402, description = "PLAN_REQUIRED: the weekly Spectrum opens with prism", body = ErrorBody)))]
pub(in crate::api) async fn weekly(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Json<SpectrumView>, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    Ok(Json(state.kalei.spectrum(&member, PeriodKind::Week).await?))
}

#[utoipa::path(get, path = "/api/v1/spectrum/monthly", tag = "kalei", security(("bearer" = [])),
    responses(
        (status = 200, description = "This month so far (counts) and the computed months with their insights, newest first", body = SpectrumView),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 402, description = "PLAN_REQUIRED: the monthly Spectrum opens with prism_plus", body = ErrorBody)))]
pub(in crate::api) async fn monthly(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Json<SpectrumView>, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    Ok(Json(
        state.kalei.spectrum(&member, PeriodKind::Month).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/spectrum/reset", tag = "kalei", security(("bearer" = [])),
    responses(
        (status = 204, description = "Every computed period and analysis row of yours deleted (on any plan: a user right); your sessions and Turns stay, no longer counted"),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody)))]
pub(in crate::api) async fn reset(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    state.kalei.reset_spectrum(&member).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/spectrum/exclusions", tag = "kalei", security(("bearer" = [])),
    request_body(content = Exclusions, example = json!({"session_ids": ["ms_0b6f…"], "turn_ids": []})),
    responses(
        (status = 204, description = "Left out of Spectrum from now on (on any plan)"),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "An id that is not a session or Turn of yours (details.field names the list); nothing was changed", body = ErrorBody),
        (status = 422, description = "No ids, or more than 500", body = ErrorBody)))]
pub(in crate::api) async fn exclusions(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ValidJson(body): ValidJson<Exclusions>,
) -> Result<StatusCode, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    state.kalei.exclude(&member, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which period to compute.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// `week` or `month`.
    pub period: PeriodKind,
    /// A day inside the period (`YYYY-MM-DD`); default: the last complete one.
    pub date: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/admin/spectrum/run", operation_id = "spectrum_run", tag = "admin", security(("bearer" = [])),
    request_body(content = RunRequest, example = json!({"period": "week", "date": "2026-11-30"})),
    responses(
        (status = 202, description = "Started in the background (or resumed, when an earlier run was interrupted): follow it at /admin/spectrum/runs/{period}", body = RunProgress),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Administrators only", body = ErrorBody),
        (status = 422, description = "date is not YYYY-MM-DD", body = ErrorBody)))]
pub(in crate::api) async fn run(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<RunRequest>,
) -> Result<(StatusCode, Json<RunProgress>), ApiError> {
    caller.require(Permission::SystemConfig)?;
    let day = match &body.date {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| ApiError::Validation {
            field: "date".into(),
            issue: format!("`{d}` is not a date (YYYY-MM-DD)"),
        })?,
        None => crate::kalei::spectrum::last_complete(body.period, chrono::Utc::now().date_naive()),
    };
    let period = Period::holding(body.period, day);
    let kalei = state.kalei.clone();
    let holder = format!("api-{}", uuid::Uuid::new_v4().simple());
    kalei.prepare_run(period).await?;
    tokio::spawn(async move {
        if let Err(e) = kalei.run_spectrum(period, &holder).await {
            tracing::warn!(error = %e, "a Spectrum run started over HTTP failed; start it again to resume");
        }
    });
    Ok((
        StatusCode::ACCEPTED,
        Json(state.kalei.run_progress(&period.run_name()).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/admin/spectrum/runs/{period}", operation_id = "spectrum_run_progress", tag = "admin", security(("bearer" = [])),
    params(("period" = String, Path, description = "`week:2026-11-30` or `month:2026-11`")),
    responses(
        (status = 200, description = "The run's progress: users done, running or done", body = RunProgress),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Administrators only", body = ErrorBody),
        (status = 404, description = "No run of that period", body = ErrorBody)))]
pub(in crate::api) async fn run_progress(
    State(state): State<AppState>,
    caller: Caller,
    Path(period): Path<String>,
) -> Result<Json<RunProgress>, ApiError> {
    caller.require(Permission::SystemConfig)?;
    Ok(Json(state.kalei.run_progress(&period).await?))
}
