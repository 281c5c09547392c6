//! Probes and metrics: `/health/live`, `/health/ready`, `/health/startup`, `/metrics`.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .route("/health/startup", get(startup))
        .route("/metrics", get(metrics))
}

/// The process is up.
#[utoipa::path(get, path = "/health/live", tag = "health", responses((status = 200, description = "The process is up", example = json!({"status": "ok"}))))]
pub(super) async fn live() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Start-up has finished.
#[utoipa::path(get, path = "/health/startup", tag = "health", responses((status = 200, description = "Start-up finished"), (status = 503, description = "Still starting")))]
pub(super) async fn startup(State(state): State<AppState>) -> impl IntoResponse {
    if state.is_started() {
        (StatusCode::OK, Json(json!({ "status": "started" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "starting" })),
        )
    }
}

/// Ready to serve: the database and the key-value store answer and plugins are loaded.
/// Broken plugins are listed with their reasons; they make the host `degraded`, not
/// unready, since the healthy ones serve. A database or store that does not answer makes
/// it unready (503).
#[utoipa::path(get, path = "/health/ready", tag = "health", responses((status = 200, description = "Database and store answer; plugins loaded (`degraded` lists broken ones)"), (status = 503, description = "Starting, or the database or store is down")))]
pub(super) async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    if !state.is_started() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "starting" })),
        );
    }
    let timeout = std::time::Duration::from_secs(2);
    let database = match tokio::time::timeout(timeout, state.db.ping()).await {
        Ok(Ok(())) => {
            json!({ "status": "up", "backend": format!("{:?}", state.db.backend()).to_lowercase() })
        }
        Ok(Err(e)) => json!({ "status": "down", "error": e.to_string() }),
        Err(_) => json!({ "status": "down", "error": "no answer within 2 s" }),
    };
    let store = match tokio::time::timeout(timeout, state.kv.ping()).await {
        Ok(Ok(())) => json!({ "status": "up", "backend": state.kv.kind() }),
        Ok(Err(e)) => json!({ "status": "down", "error": e.to_string() }),
        Err(_) => json!({ "status": "down", "error": "no answer within 2 s" }),
    };
    let dependencies_up = database["status"] == "up" && store["status"] == "up";
    let snapshot = state.registry.snapshot();
    let status = if !dependencies_up {
        "unavailable"
    } else if snapshot.failures.is_empty() {
        "ready"
    } else {
        "degraded"
    };
    (
        if dependencies_up {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(json!({
            "status": status,
            "details": {
                "database": database,
                "kv": store,
                "plugins": {
                    "loaded": snapshot.plugins.values().map(|p| json!({
                        "id": p.manifest.id,
                        "version": p.manifest.version,
                        "world": p.manifest.world,
                    })).collect::<Vec<_>>(),
                    "failed": snapshot.failures,
                }
            }
        })),
    )
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "health", responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain")))]
pub(super) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let metrics = state.registry.runtime().metrics();
    // The spend is read from the shared counter at each scrape, so every replica reports
    // the platform's figure, not its own share.
    match state.ai.budget().spend_and_cap().await {
        Ok(Some((spent, cap))) => metrics.set_ai_spend(spent, Some(cap)),
        Ok(None) => metrics.set_ai_spend(0, None),
        Err(e) => tracing::warn!(error = %e, "AI spend unreadable for the metrics"),
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics.render(),
    )
}
