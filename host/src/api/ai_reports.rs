//! The admins' AI reports: `GET /api/v1/admin/ai/usage` (cost by day, feature and model),
//! `GET /api/v1/admin/ai/budget` (the month's spend against the cap, the tiers' daily
//! budgets), `GET /api/v1/admin/ai/users/{id}/budget` (one user's day) and, for super
//! admins, `GET /api/v1/admin/ai/providers` (the providers' circuit breakers). The
//! OpenAI-compatible surface itself is `openai.rs`.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::AppState;
use super::caller::Caller;
use super::error::{ApiError, ErrorBody};
use crate::auth::Permission;

/// `?days=` of the usage report.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// Days back, today included (1-366, default 30).
    pub days: Option<i64>,
}

/// `GET /api/v1/admin/ai/usage` and `…/budget` (mounted under `/api/v1` with the admin
/// routes).
pub(super) fn admin_routes() -> Router<AppState> {
    Router::new()
        .route("/admin/ai/usage", get(usage))
        .route("/admin/ai/budget", get(budget))
        .route("/admin/ai/users/{user_id}/budget", get(user_budget))
        .route("/admin/ai/providers", get(providers))
}

#[utoipa::path(get, path = "/api/v1/admin/ai/users/{user_id}/budget", tag = "ai", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The user")),
    responses(
        (status = 200, description = "The user's plan tier, daily token budget and what they used today (UTC)", body = crate::ai::budget::UserBudget,
         example = json!({"user_id": "0b6f…", "tier": "free", "daily_tokens": 50000, "used_today": 1240, "remaining": 48760, "resets_at": "2026-12-06T00:00:00Z"})),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Admins only", body = ErrorBody),
        (status = 404, description = "No such user (`details.field`: `user_id`)", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)
    ))]
pub(super) async fn user_budget(
    State(state): State<AppState>,
    caller: Caller,
    Path(user_id): Path<String>,
) -> Result<Json<crate::ai::budget::UserBudget>, ApiError> {
    caller.require(Permission::ViewAllUsers)?;
    let user = state
        .db
        .user_by_id(&user_id)
        .await?
        .ok_or_else(|| super::admin::no_such_user(&user_id))?;
    state
        .ai
        .budget()
        .user_today(&user.id, &user.tier)
        .await
        .map(Json)
        .map_err(|e| ApiError::Internal(format!("user budget: {e}")))
}

#[utoipa::path(get, path = "/api/v1/admin/ai/providers", tag = "ai", security(("bearer" = [])),
    responses(
        (status = 200, description = "The AI gateway's providers and the state of each one's circuit breaker, as every replica sharing the store sees it", body = crate::ai::providers::ProvidersReport,
         example = json!({"gateway": "ai-gateway@0.1.0", "providers": [{"name": "openai", "kind": "openai", "models": ["gpt-4o-mini"], "breaker": {"state": "open", "failures": 0, "successes": 0, "open_until": "2026-12-05T10:31:07Z", "probing": false, "problem": null}}]})),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Super admins only (system configuration)", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody),
        (status = 503, description = "The shared store holding the breakers is unreachable", body = ErrorBody)
    ))]
pub(super) async fn providers(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<crate::ai::providers::ProvidersReport>, ApiError> {
    caller.require(Permission::SystemConfig)?;
    state
        .ai
        .providers()
        .await
        .map(Json)
        .map_err(|e| ApiError::Unavailable(format!("the shared store holding the breakers: {e}")))
}

#[utoipa::path(get, path = "/api/v1/admin/ai/budget", tag = "ai", security(("bearer" = [])),
    responses(
        (status = 200, description = "The month's AI spend against the cap, whether degradation is on, the alerts recorded (50/80/95/100 %) and each plan tier's daily token budget", body = crate::ai::budget::BudgetReport,
         example = json!({"month": "2026-11", "spent_usd": 41.2, "cap_usd": 50.0, "percent": 82.4, "degraded": false, "alerts": [{"month": "2026-11", "percent": 50, "at": "2026-11-12T09:14:03Z", "spent_usd": 25.01, "cap_usd": 50.0}, {"month": "2026-11", "percent": 80, "at": "2026-11-24T17:40:51Z", "spent_usd": 40.02, "cap_usd": 50.0}], "tiers": [{"tier": "free", "daily_tokens": 50000}, {"tier": "premium", "daily_tokens": 500000}]})),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Admins only", body = ErrorBody)
    ))]
pub(super) async fn budget(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<crate::ai::budget::BudgetReport>, ApiError> {
    caller.require(Permission::ViewAllUsers)?;
    state
        .ai
        .budget()
        .report()
        .await
        .map(Json)
        .map_err(|e| ApiError::Internal(format!("budget report: {e}")))
}

#[utoipa::path(get, path = "/api/v1/admin/ai/usage", tag = "ai", security(("bearer" = [])),
    params(UsageQuery),
    responses(
        (status = 200, description = "Cost by UTC day, feature and model, newest first", body = Vec<crate::store::ai_usage::UsageLine>,
         example = json!([{"day": "2026-11-26", "feature": "chat-completions", "model": "tessera-offline", "requests": 42, "input_tokens": 900, "output_tokens": 1200, "cost_usd": 0.0}])),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Admins only", body = ErrorBody),
        (status = 400, description = "days is not a whole number (or too large to be one), or an unknown query parameter", body = ErrorBody),
        (status = 422, description = "days outside 1-366", body = ErrorBody)
    ))]
pub(super) async fn usage(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<axum::extract::Query<UsageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<crate::store::ai_usage::UsageLine>>, ApiError> {
    caller.require(Permission::ViewAllUsers)?;
    let axum::extract::Query(query) = query.map_err(|e| ApiError::BadRequest {
        field: Some("days".into()),
        message: format!("days: {}", e.body_text()),
    })?;
    let days = query.days.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(ApiError::Validation {
            field: "days".into(),
            issue: "must be between 1 and 366".into(),
        });
    }
    Ok(Json(state.db.ai_usage_report(days).await?))
}
