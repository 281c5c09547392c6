//! `tessera serve` and the pieces the other commands share.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use axum::serve::ListenerExt;

use crate::api::{self, AppState};
use crate::cli::{RuntimeArgs, ServeArgs};
use crate::metrics::Metrics;
use crate::plugins::Registry;
use crate::runtime::engine::EngineSettings;
use crate::runtime::{Runtime, RuntimeSettings};

/// Builds the runtime and an (empty) registry from the shared flags.
pub fn registry(args: &RuntimeArgs) -> anyhow::Result<Arc<Registry>> {
    let settings = RuntimeSettings {
        engine: EngineSettings {
            max_instances: args.max_instances,
            max_memory_mb: args.max_plugin_memory_mb,
        },
        cache_dir: args.data_dir.join("cache"),
    };
    let runtime = Runtime::new(&settings, Arc::new(Metrics::new()))?;
    Ok(Arc::new(Registry::new(runtime, args.plugins_dirs.clone())))
}

/// Runs the HTTP server until SIGINT/SIGTERM, draining in-flight requests.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let registry = registry(&args.runtime)?;
    let state = AppState::new(registry.clone(), args.sandbox.settings());
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let addr = listener.local_addr()?;

    let report = registry.reload().await;
    for failure in &report.failures {
        tracing::error!(manifest = %failure.manifest.display(), reason = %failure.reason, "plugin not loaded");
    }
    if args.strict && !report.failures.is_empty() {
        anyhow::bail!(
            "--strict: {} plugin(s) failed to load: {}",
            report.failures.len(),
            report
                .failures
                .iter()
                .map(|f| f.reason.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    state
        .started
        .store(true, std::sync::atomic::Ordering::Release);
    tracing::info!(
        %addr,
        plugins = report.added.len(),
        failed = report.failures.len(),
        ready_ms = started.elapsed().as_millis() as u64,
        "tessera ready"
    );

    tokio::spawn(reload_on_sighup(registry.clone()));
    // Answers are small and written at once: send them without waiting on Nagle's algorithm.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, api::router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("tessera stopped");
    Ok(())
}

async fn reload_on_sighup(registry: Arc<Registry>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hup) = signal(SignalKind::hangup()) else {
        return;
    };
    while hup.recv().await.is_some() {
        let report = registry.reload().await;
        tracing::info!(
            added = ?report.added,
            updated = ?report.updated,
            removed = ?report.removed,
            failed = report.failures.len(),
            "plugins reloaded (SIGHUP)"
        );
    }
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let ctrl_c = tokio::signal::ctrl_c();
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = ctrl_c => {},
                _ = term.recv() => {},
            }
        }
        Err(_) => {
            let _ = ctrl_c.await;
        }
    }
    tracing::info!("shutting down: draining in-flight requests");
}
