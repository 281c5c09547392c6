//! `GET /api/v1/plugins` (list) and `POST /api/v1/plugins/reload` (rescan the plugin folders
//! and swap changed plugins in atomically).
//!
//! Operator endpoints: the caller needs the `SystemConfig` permission (super_admin).

use super::error::ErrorBody;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::AppState;
use super::caller::Caller;
use super::error::ApiError;
use crate::auth::Permission;
use crate::plugins::registry::ReloadReport;
use crate::runtime::cache::CacheOutcome;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/plugins", get(list))
        .route("/plugins/reload", post(reload))
}

#[utoipa::path(get, path = "/api/v1/plugins", operation_id = "list_plugins", tag = "operators", security(("bearer" = [])),
    responses((status = 200, description = "Loaded plugins (each with its calls, errors and mean call time since start-up) and load failures", body = Object), (status = 401, description = "Missing, expired or invalid bearer token", body = ErrorBody), (status = 403, description = "The role lacks the permission", body = ErrorBody), (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::SystemConfig)?;
    let snapshot = state.registry.snapshot();
    let metrics = state.registry.runtime().metrics();
    Ok(Json(json!({
        "plugins": snapshot.plugins.values().map(|p| json!({
            "id": p.manifest.id,
            "version": p.manifest.version,
            "contract": p.manifest.contract,
            "world": p.manifest.world,
            "description": p.manifest.description,
            "kinds": p.manifest.routing.kinds,
            "languages": p.manifest.routing.languages,
            "limits": p.manifest.limits,
            "imports": p.imports,
            "compiled_from_cache": p.cache == CacheOutcome::Hit,
            "calls": metrics.plugin_calls(&p.manifest.id),
        })).collect::<Vec<_>>(),
        "failed": snapshot.failures,
    })))
}

#[utoipa::path(post, path = "/api/v1/plugins/reload", tag = "operators", security(("bearer" = [])),
    responses((status = 200, description = "What the reload added, updated, kept, removed and failed", body = Object), (status = 401, description = "Missing, expired or invalid bearer token", body = ErrorBody), (status = 403, description = "The role lacks the permission", body = ErrorBody), (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn reload(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ReloadReport>, ApiError> {
    caller.require(Permission::SystemConfig)?;
    Ok(Json(state.registry.reload().await))
}
