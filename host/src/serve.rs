//! `tessera serve` and the pieces the other commands share.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use axum::serve::ListenerExt;

use std::path::Path;

use crate::api::limits::RateLimits;
use crate::api::{self, AppState, Services};
use crate::auth::TokenKeys;
use crate::cli::{DbArgs, JwtArgs, RuntimeArgs, ServeArgs};
use crate::kv;
use crate::metrics::Metrics;
use crate::plugins::Registry;
use crate::runtime::engine::EngineSettings;
use crate::runtime::{Runtime, RuntimeSettings};
use crate::store::Db;

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

/// Connects to the database (creating a SQLite file on first run) and applies pending
/// migrations.
pub async fn database(db: &DbArgs, data_dir: &Path) -> anyhow::Result<Db> {
    let url = db.url(data_dir);
    let db = Db::connect(&url, db.db_max_connections)
        .await
        .with_context(|| format!("cannot open the database {}", redact(&url)))?;
    let applied = db.migrate().await.context("cannot migrate the database")?;
    for m in &applied {
        tracing::info!(version = m.version, description = %m.description, "migration applied");
    }
    Ok(db)
}

/// A URL with its password hidden, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The access-token keys: the configured secret, or one generated once and kept in
/// `<data-dir>/jwt.key` (so restarts keep everyone signed in).
pub fn token_keys(jwt: &JwtArgs, data_dir: &Path) -> anyhow::Result<TokenKeys> {
    let secret = match &jwt.jwt_secret {
        Some(secret) => {
            anyhow::ensure!(
                secret.len() >= 32,
                "TESSERA_JWT_SECRET must be at least 32 bytes (seed 002 §6.1 asks for 256 bits)"
            );
            secret.as_bytes().to_vec()
        }
        None => {
            let path = data_dir.join("jwt.key");
            match std::fs::read_to_string(&path) {
                Ok(text) => hex::decode(text.trim())
                    .with_context(|| format!("{} is not a hex key", path.display()))?,
                Err(_) => {
                    let key: [u8; 32] = rand::random();
                    std::fs::create_dir_all(data_dir)?;
                    match write_private(&path, hex::encode(key).as_bytes()) {
                        Ok(()) => {
                            tracing::info!(path = %path.display(), "generated a JWT signing key");
                            key.to_vec()
                        }
                        // Another process sharing the data folder wrote it first: use theirs.
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                            hex::decode(std::fs::read_to_string(&path)?.trim())
                                .with_context(|| format!("{} is not a hex key", path.display()))?
                        }
                        Err(e) => {
                            return Err(e)
                                .with_context(|| format!("cannot write {}", path.display()));
                        }
                    }
                }
            }
        }
    };
    Ok(TokenKeys::new(&secret, &jwt.jwt_issuer, &jwt.jwt_audience))
}

/// Writes `bytes` to `path` (mode 0600) only if it does not exist, atomically: the bytes
/// go to a temporary file that is then hard-linked into place, so a process racing us sees
/// either no file or the whole key (`AlreadyExists` when it won).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let temp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    let linked = std::fs::hard_link(&temp, path);
    let _ = std::fs::remove_file(&temp);
    linked
}

/// Prices, budgets and limits of AI requests from the flags.
fn ai_settings(args: &crate::cli::AiArgs) -> anyhow::Result<crate::ai::AiSettings> {
    Ok(crate::ai::AiSettings {
        prices: match &args.ai_prices {
            Some(json) => crate::ai::parse_prices(json)
                .map_err(|e| anyhow::anyhow!("--ai-prices (TESSERA_AI_PRICES): {e}"))?,
            None => Default::default(),
        },
        budgets: crate::ai::budget::BudgetPolicy::parse(
            &args.ai_daily_tokens,
            args.ai_monthly_cap_usd,
            args.ai_degrade_at_percent,
            args.ai_features.as_deref(),
        )
        .map_err(|e| anyhow::anyhow!(e))?,
        max_prompt_bytes: args.ai_max_prompt_bytes,
    })
}

/// The API's state from the flags: database migrated, content imported, plugins not
/// loaded yet (`state.registry.reload()`). `serve` runs on it; tests and fuzz targets
/// build the real router with it.
pub async fn app_state(args: &ServeArgs) -> anyhow::Result<AppState> {
    let registry = registry(&args.runtime)?;
    let data_dir = &args.runtime.data_dir;
    let identity = &args.identity;
    let db = database(&identity.db, data_dir).await?;
    crate::content::import_at_start(&db, &args.content_dir).await;
    let kv = kv::connect(identity.redis_url.as_deref(), &identity.redis_prefix)
        .await
        .context("cannot connect to Redis (REDIS_URL)")?;
    let services = Services {
        db,
        kv,
        keys: token_keys(&identity.jwt, data_dir)?,
        limits: RateLimits {
            general: identity.rate_limit_general,
            ai: identity.rate_limit_ai,
            auth: identity.rate_limit_auth,
        },
        sandbox: args.sandbox.settings(),
        ai: ai_settings(&args.ai)?,
        learning: crate::learning::LearningSettings {
            test_clock: args.learning.learning_test_clock,
            badge_key: Vec::new(),
            public_url: args.learning.public_url.clone(),
        },
    };
    Ok(AppState::new(registry, services))
}

/// Runs the HTTP server until SIGINT/SIGTERM, draining in-flight requests.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let state = app_state(&args).await?;
    let registry = state.registry.clone();
    if args.learning.learning_test_clock {
        tracing::warn!(
            "--learning-test-clock: clients may set \"now\" with X-Tessera-Now; never use this in production"
        );
    }
    state
        .learning
        .spawn_project_workers(args.learning.project_workers);
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
    let app = api::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
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
