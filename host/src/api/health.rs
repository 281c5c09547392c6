//! Probes and metrics: `/health` (the container health check of docs/requirements.md#r-002-8.1),
//! `/health/live`, `/health/ready`, `/health/startup`, `/metrics`. Probes are public, so
//! a dependency's error text (addresses, drivers) goes to the log, not the answer.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
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
    let (database, store) = dependencies(&state).await;
    let database = match database {
        Ok(()) => {
            json!({ "status": "up", "backend": format!("{:?}", state.db.backend()).to_lowercase() })
        }
        Err(why) => json!({ "status": "down", "error": why }),
    };
    let store = match store {
        Ok(()) => json!({ "status": "up", "backend": state.kv.kind() }),
        Err(why) => json!({ "status": "down", "error": why }),
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

/// How long a dependency may take to answer a probe.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether the database and the key-value store answer; when not, why, in words that
/// reveal nothing of the deployment (the details are logged).
async fn dependencies(state: &AppState) -> (Result<(), &'static str>, Result<(), &'static str>) {
    let database = match tokio::time::timeout(PROBE_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health: the database does not answer");
            Err("does not answer")
        }
        Err(_) => Err("no answer within 2 s"),
    };
    let store = match tokio::time::timeout(PROBE_TIMEOUT, state.kv.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health: the key-value store does not answer");
            Err("does not answer")
        }
        Err(_) => Err("no answer within 2 s"),
    };
    (database, store)
}

/// The container health check (docs/requirements.md#r-002-8.1: `/health` every 30 s): healthy when
/// the process serves and its database and key-value store answer.
#[utoipa::path(get, path = "/health", tag = "health", responses(
    (status = 200, description = "Healthy", example = json!({"status": "healthy", "version": "0.1.0", "checks": {"database": "up", "kv": "up"}})),
    (status = 503, description = "The database or the key-value store does not answer", example = json!({"status": "unhealthy", "version": "0.1.0", "checks": {"database": "up", "kv": "down"}}))))]
pub(super) async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let (database, store) = dependencies(&state).await;
    let word = |r: &Result<(), &str>| if r.is_ok() { "up" } else { "down" };
    let healthy = database.is_ok() && store.is_ok();
    (
        if healthy {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(json!({
            "status": if healthy { "healthy" } else { "unhealthy" },
            "version": env!("CARGO_PKG_VERSION"),
            "checks": { "database": word(&database), "kv": word(&store) },
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
