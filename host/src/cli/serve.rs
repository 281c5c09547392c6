//! `tessera serve` and the pieces the other commands share.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;

use std::path::Path;

use crate::api::limits::RateLimits;
use crate::api::{self, AppState, Services};
use crate::auth::TokenKeys;
use crate::cli::{DbArgs, HttpArgs, JwtArgs, RuntimeArgs, ServeArgs};
use crate::kv;
use crate::metrics::Metrics;
use crate::plugins::Registry;
use crate::runtime::engine::EngineSettings;
use crate::runtime::{Runtime, RuntimeSettings};
use crate::store::Db;

/// Builds the runtime and an (empty) registry from the shared flags; the data folder
/// (where the compile cache goes) is made private first.
pub fn registry(args: &RuntimeArgs) -> anyhow::Result<Arc<Registry>> {
    private_dir(&args.data_dir)?;
    let settings = RuntimeSettings {
        engine: EngineSettings {
            max_instances: args.max_instances,
            max_memory_mb: args.max_plugin_memory_mb,
        },
        cache_dir: args.data_dir.join("cache"),
        plugin_kv_memory_bytes: args.plugin_kv_memory_mb << 20,
    };
    let runtime = Runtime::new(&settings, Arc::new(Metrics::new()))?;
    Ok(Arc::new(Registry::new(runtime, args.plugins_dirs.clone())))
}

/// Creates the data folder (and missing parents) readable by its owner only: it holds the
/// database, the JWT key and the compile cache. An existing folder is left as it is, with
/// a warning when other users may enter it.
pub fn private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    match std::fs::metadata(dir) {
        Ok(meta) => {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %dir.display(),
                    mode = format!("{mode:o}"),
                    "the data folder is open to other users; `chmod 700` it"
                );
            }
            Ok(())
        }
        Err(_) => std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create the data folder {}", dir.display())),
    }
}

/// Connects to the database (creating a SQLite file on first run) and applies pending
/// migrations.
pub async fn database(db: &DbArgs, data_dir: &Path) -> anyhow::Result<Db> {
    if db.database_url.is_none() {
        // The default database lives in the data folder: make it private first.
        private_dir(data_dir)?;
    }
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

/// Refuses a key file that other users may read: whoever reads it can sign any token.
fn check_key_file(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .permissions()
        .mode()
        & 0o777;
    anyhow::ensure!(
        mode & 0o077 == 0,
        "{path} is readable by other users (mode {mode:o}), and it signs every access token: \
         run `chmod 600 {path}` (and consider it leaked: delete it to generate a new one, \
         which signs everyone out)",
        path = path.display()
    );
    Ok(())
}

/// The access-token keys: the configured secret, or one generated once and kept in
/// `<data-dir>/jwt.key` (so restarts keep everyone signed in), which must be private to
/// its owner.
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
                Ok(text) => {
                    check_key_file(&path)?;
                    hex::decode(text.trim())
                        .with_context(|| format!("{} is not a hex key", path.display()))?
                }
                Err(_) => {
                    let key: [u8; 32] = rand::random();
                    private_dir(data_dir)?;
                    match write_private(&path, hex::encode(key).as_bytes()) {
                        Ok(()) => {
                            tracing::info!(path = %path.display(), "generated a JWT signing key");
                            key.to_vec()
                        }
                        // Another process sharing the data folder wrote it first: use theirs.
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                            check_key_file(&path)?;
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
        max_messages: args.ai_max_messages as usize,
    })
}

/// The API's state from the flags: database migrated, content imported, plugins not
/// loaded yet (`state.registry.reload()`). Public links start with `public_url`. `serve`
/// runs on it; tests and fuzz targets build the real router with it.
pub async fn app_state(args: &ServeArgs, public_url: String) -> anyhow::Result<AppState> {
    let registry = registry(&args.runtime)?;
    let data_dir = &args.runtime.data_dir;
    let identity = &args.identity;
    let db = database(&identity.db, data_dir).await?;
    crate::content::import_at_start(&db, &args.content_dir).await;
    let kv = kv::open(
        identity.redis_url.as_deref(),
        &identity.redis_prefix,
        identity.memory_store_mb * 1024 * 1024,
    )
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
            login_account: identity.rate_limit_login_account,
        },
        sandbox: args.sandbox.settings(),
        ai: ai_settings(&args.ai)?,
        learning: crate::learning::LearningSettings {
            test_clock: args.learning.learning_test_clock,
            badge_key: Vec::new(),
            public_url: Some(public_url),
            class_max_members: args.learning.class_max_members,
            max_queued_projects: i64::from(args.learning.max_queued_projects),
            max_attempts_per_step: i64::from(args.learning.max_attempts_per_step),
            project_lease_ms: i64::try_from(args.learning.project_lease_secs)
                .unwrap_or(i64::MAX / 1000)
                * 1000,
        },
        http: api::guard::HttpLimits {
            body_timeout: std::time::Duration::from_millis(args.http.body_read_timeout_ms),
            request_timeout: std::time::Duration::from_millis(args.http.request_timeout_ms),
            trusted_proxies: args.http.trusted_proxies.clone().into(),
        },
    };
    Ok(AppState::new(registry, services))
}

/// Runs the HTTP server until SIGINT/SIGTERM, draining in-flight requests.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    // A client that sets "now" can fake streaks and reviews: never where others can reach.
    anyhow::ensure!(
        !args.learning.learning_test_clock || args.addr.ip().is_loopback(),
        "--learning-test-clock lets any client choose \"now\"; it needs a loopback --addr \
         (127.0.0.1 or ::1), not {}",
        args.addr
    );
    crate::auth::password::bound_hashing(
        args.identity
            .password_hash_concurrency
            .map_or_else(crate::auth::password::default_concurrency, |n| n as usize),
        args.identity.password_hash_queue as usize,
    );
    // Bound before anything is built on it: public links default to this address.
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let addr = listener.local_addr()?;
    let public_url = match &args.learning.public_url {
        Some(url) => url.clone(),
        None => {
            if !addr.ip().is_loopback() {
                tracing::warn!(%addr, "no --public-url: badge links will name the listen address");
            }
            format!("http://{addr}")
        }
    };
    let state = app_state(&args, public_url).await?;
    let registry = state.registry.clone();
    if args.learning.learning_test_clock {
        tracing::warn!(
            "--learning-test-clock: clients may set \"now\" with X-Tessera-Now; never use this in production"
        );
    }
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
    // Only once the graders are loaded: jobs left queued by a crash are claimed at once,
    // and a worker that found no grader would fail them for good.
    state
        .learning
        .spawn_project_workers(args.learning.project_workers);
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
    accept_loop(listener, api::router(state), &args.http, shutdown_signal()).await;
    tracing::info!("tessera stopped");
    Ok(())
}

/// Serves connections until `shutdown`, then lets the open ones finish their requests.
/// HTTP/1.1 only: hyper's HTTP/1 server is the one with a deadline on a request's head
/// (axum::serve sets none, so a client that never finishes its headers holds a connection
/// forever); HTTP/2 is a load balancer's business. At most `max_connections` are open at
/// once; the next client waits in the listen backlog until one closes, so a flood of idle
/// connections cannot exhaust file descriptors and memory.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    http: &HttpArgs,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let slots = Arc::new(tokio::sync::Semaphore::new(http.max_connections as usize));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(std::time::Duration::from_millis(
            http.header_read_timeout_ms,
        ));
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Answers are small and written at once: send them without waiting on Nagle.
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
            let mut request = request.map(axum::body::Body::new);
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    tracing::info!("shutting down: draining in-flight requests");
    graceful.shutdown().await;
}

/// After a failed `accept`: a client that gave up is nothing; anything else (out of file
/// descriptors) is logged and waited out, as axum::serve does.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
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
}
