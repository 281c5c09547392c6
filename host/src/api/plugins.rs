//! `GET /api/v1/plugins` (list) and `POST /api/v1/plugins/reload` (rescan the plugin folders
//! and swap changed plugins in atomically).
//!
//! Operator endpoints: the caller needs the `SystemConfig` permission (super_admin).

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

async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::SystemConfig)?;
    let snapshot = state.registry.snapshot();
    Ok(Json(json!({
        "plugins": snapshot.plugins.values().map(|p| json!({
            "id": p.manifest.id,
            "version": p.manifest.version,
            "contract": p.manifest.contract,
            "world": p.manifest.world,
            "description": p.manifest.description,
            "kinds": p.manifest.routing.kinds,
            "limits": p.manifest.limits,
            "imports": p.imports,
            "compiled_from_cache": p.cache == CacheOutcome::Hit,
        })).collect::<Vec<_>>(),
        "failed": snapshot.failures,
    })))
}

async fn reload(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ReloadReport>, ApiError> {
    caller.require(Permission::SystemConfig)?;
    Ok(Json(state.registry.reload().await))
}
