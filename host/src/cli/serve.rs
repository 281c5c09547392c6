//! `tessera serve`: its flags, and the HTTP server over every plugin.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::Args;

use super::shared::{DbArgs, JwtArgs, RuntimeArgs, database, registry, token_keys};
use crate::api::rate_limit::RateLimits;
use crate::api::{self, AppState, Services};
use crate::kv;
use crate::plugins::Registry;

/// `tessera serve` settings.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TESSERA_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Refuse to start when any plugin fails to load (default: start with the healthy ones
    /// and report the broken ones in /health/ready).
    #[arg(long, env = "TESSERA_STRICT")]
    pub strict: bool,
    /// OpenTelemetry collector to send trace spans to over OTLP/HTTP (protobuf), e.g.
    /// `http://127.0.0.1:4318` (spans go to `<endpoint>/v1/traces`). Off when unset.
    #[arg(long, env = "TESSERA_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
    #[command(flatten)]
    pub safety: super::safety::SafetyArgs,
    #[command(flatten)]
    pub events: super::shared::EventsArgs,
    #[command(flatten)]
    pub identity: IdentityArgs,
    #[command(flatten)]
    pub sandbox: SandboxArgs,
    #[command(flatten)]
    pub ai: AiArgs,
    /// Content packs imported at start-up (a pack folder or a folder of packs); a missing
    /// folder is skipped. Unchanged packs are not written again.
    #[arg(long, env = "TESSERA_CONTENT_DIR", default_value = "content")]
    pub content_dir: PathBuf,
    #[command(flatten)]
    pub learning: LearningArgs,
    #[command(flatten)]
    pub http: HttpArgs,
    #[command(flatten)]
    pub experiments: super::experiments::ExperimentArgs,
    #[command(flatten)]
    pub kalei: super::kalei::KaleiArgs,
    #[command(flatten)]
    pub plugin_registry: PluginRegistryArgs,
    #[command(flatten)]
    pub notify: super::notify::NotifyArgs,
}

/// Plugins published over HTTP: what uploads may be granted, and when a canary is rolled
/// back by itself (docs/plugins/registry.md).
#[derive(Debug, Clone, Args)]
pub struct PluginRegistryArgs {
    /// Hosts uploaded plugins may be granted in `grants.outbound_hosts`
    /// (comma-separated `host:port` or bare hosts, exactly as the manifest names them);
    /// none by default: an upload comes over HTTP, network access is the operator's to give.
    #[arg(long, env = "TESSERA_PLUGIN_UPLOAD_HOSTS", default_value = "")]
    pub plugin_upload_hosts: String,
    /// How far a canary's error rate may pass its stable version's, in percentage points,
    /// before it is rolled back automatically (seed 000 §9 rolls back at 2 % errors).
    #[arg(long, env = "TESSERA_PLUGIN_CANARY_MARGIN", default_value_t = 2.0)]
    pub plugin_canary_margin: f64,
    /// Calls a canary must have served on a replica before that replica judges it.
    #[arg(long, env = "TESSERA_PLUGIN_CANARY_MIN_CALLS", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub plugin_canary_min_calls: u64,
}

impl PluginRegistryArgs {
    /// The settings these flags describe, announcing changes on `redis` (URL, prefix).
    pub fn settings(
        &self,
        redis: Option<(String, String)>,
    ) -> anyhow::Result<crate::plugins::published::RegistrySettings> {
        use crate::plugins::published::{CanaryPolicy, RegistrySettings, UploadPolicy};
        anyhow::ensure!(
            self.plugin_canary_margin.is_finite() && self.plugin_canary_margin >= 0.0,
            "--plugin-canary-margin: a number of percentage points, 0 or more"
        );
        Ok(RegistrySettings {
            policy: UploadPolicy::parse(&self.plugin_upload_hosts).map_err(anyhow::Error::msg)?,
            canary: CanaryPolicy {
                min_calls: self.plugin_canary_min_calls,
                margin_points: self.plugin_canary_margin,
                ..CanaryPolicy::default()
            },
            redis,
        })
    }
}

/// Identity, shared state and rate limits of `tessera serve`.
#[derive(Debug, Clone, Args)]
pub struct IdentityArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Redis URL for rate-limit windows, idempotency records and caches shared by replicas
    /// (default: in-process, for one node).
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,
    /// Prefix of every Redis key, so several deployments can share one Redis.
    #[arg(long, env = "TESSERA_REDIS_PREFIX", default_value = "tessera:")]
    pub redis_prefix: String,
    /// Without Redis: the most the in-process store (rate-limit windows, idempotency
    /// records, session and budget counters) may hold, in MiB. Past it, new entries are
    /// refused until old ones expire: sign-in answers 503, other routes go on unlimited.
    #[arg(long, env = "TESSERA_MEMORY_STORE_MB", default_value_t = 256,
          value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub memory_store_mb: u64,
    #[command(flatten)]
    pub jwt: JwtArgs,
    /// Requests per minute per user on general routes.
    #[arg(long, env = "TESSERA_RATE_LIMIT_GENERAL", default_value_t = 100)]
    pub rate_limit_general: u32,
    /// Requests per minute per user on AI routes.
    #[arg(long, env = "TESSERA_RATE_LIMIT_AI", default_value_t = 10)]
    pub rate_limit_ai: u32,
    /// Requests per minute per client address on the auth routes.
    #[arg(long, env = "TESSERA_RATE_LIMIT_AUTH", default_value_t = 5)]
    pub rate_limit_auth: u32,
    /// Sign-in attempts per minute per account (e-mail address), from any address.
    #[arg(long, env = "TESSERA_RATE_LIMIT_LOGIN_ACCOUNT", default_value_t = 10)]
    pub rate_limit_login_account: u32,
    /// Catalog searches per minute per user (seed 002 §6.3), on top of the general limit.
    #[arg(long, env = "TESSERA_RATE_LIMIT_SEARCH", default_value_t = 30)]
    pub rate_limit_search: u32,
    /// How often this replica reads the sessions' change epochs (one query) to learn which
    /// session and service-token states it remembers changed elsewhere, in milliseconds
    /// (0: remember nothing and read the session on every request). Sign-out, deletion,
    /// disabling, role changes and revocations made through this replica take effect at
    /// once; made through another replica or the CLI, within this long (within five
    /// times this long on a replica too busy to finish the read sooner).
    #[arg(long, env = "TESSERA_SESSION_RECHECK_MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u32).range(0..=60_000))]
    pub session_recheck_ms: u32,
    /// Password hashes (argon2id, 19 MiB each) computed at once (default: one per core).
    #[arg(long, env = "TESSERA_PASSWORD_HASH_CONCURRENCY",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub password_hash_concurrency: Option<u32>,
    /// Password hashes that may wait for a turn; past that, sign-in and registration get
    /// 503 with Retry-After.
    #[arg(long, env = "TESSERA_PASSWORD_HASH_QUEUE", default_value_t = 32)]
    pub password_hash_queue: u32,
}

/// Connection and request limits of the HTTP server (docs/configuration.md, "HTTP limits").
#[derive(Debug, Clone, clap::Args)]
pub struct HttpArgs {
    /// Longest wait for a request's head (request line and headers), in ms; also how long
    /// an idle kept-alive connection stays open. A client slower than that is disconnected.
    #[arg(long, env = "TESSERA_HEADER_READ_TIMEOUT_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout_ms: u64,
    /// Longest wait for a request's whole body, in ms; slower bodies get 408.
    #[arg(long, env = "TESSERA_BODY_READ_TIMEOUT_MS", default_value_t = 30_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub body_read_timeout_ms: u64,
    /// Longest time from a request's head to its answer's head, in ms; past it the answer
    /// is 503. Above the longest legitimate work (a model call through the gateway, 30 s; a
    /// sandbox run, 5 s, after its queue); a streamed answer's body is not cut.
    #[arg(long, env = "TESSERA_REQUEST_TIMEOUT_MS", default_value_t = 120_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_ms: u64,
    /// Most API requests handled at once (0: no limit); further requests wait their turn
    /// in arrival order. A request waiting on a model gives its turn back. A few dozen keep
    /// the cores and the database pool busy; more only make every wait inside a handler
    /// longer (docs/operations.md, "Many connections at once").
    #[arg(long, env = "TESSERA_MAX_REQUESTS_IN_FLIGHT", default_value_t = 64)]
    pub max_requests_in_flight: u32,
    /// Most client connections open at once; further clients wait in the listen backlog
    /// until one closes.
    #[arg(long, env = "TESSERA_MAX_CONNECTIONS", default_value_t = 4096,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Proxies (CIDR blocks or addresses, comma-separated, e.g. `10.0.0.0/8,fd00::/8`)
    /// whose `X-Forwarded-For` names the client; from any other peer the header is ignored.
    #[arg(long, env = "TESSERA_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The secret shared with the edge (spin.toml's `edge_secret`; docs/edge.md): a request
    /// carrying it in `X-Tessera-Edge-Secret` came through the edge, so its
    /// `X-Tessera-Client-Addr` names the client. Unset: those headers are ignored.
    #[arg(long, env = "TESSERA_EDGE_SECRET", hide_env_values = true)]
    pub edge_secret: Option<String>,
    /// Origins of other web apps allowed to call the API from a browser (CORS),
    /// comma-separated, e.g. `https://app.example.com,http://localhost:5173`; `*` for any.
    /// Off by default: only the web app served by this host (same origin) can.
    #[arg(long, env = "TESSERA_CORS_ORIGINS", value_delimiter = ',', value_parser = api::guard::parse_origin)]
    pub cors_origins: Vec<String>,
    /// Adds a `Server-Timing` header to every response: the time inside the AI gateway and
    /// the safety gate's meaning stage, and the platform's own (browsers' developer tools
    /// show it). Off by default: it tells a client whether the gate had screened its text
    /// lately, which is a hint about other users' messages.
    #[arg(long, env = "TESSERA_SERVER_TIMING")]
    pub server_timing: bool,
}

/// A CIDR block, or one address as its own block.
fn parse_net(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{s}` is not a CIDR block (10.0.0.0/8) or an address"))
}

/// The learning core (docs/learning.md).
#[derive(Debug, Clone, clap::Args)]
pub struct LearningArgs {
    /// Base URL of public links (badges), e.g. `https://learn.example.com`; default: the
    /// listen address (never the request's `Host`, which the client chooses).
    #[arg(long, env = "TESSERA_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Mini-project grading workers on this replica (each grades one project at a time).
    #[arg(long, env = "TESSERA_PROJECT_WORKERS", default_value_t = 2)]
    pub project_workers: usize,
    /// Honour the `X-Tessera-Now` request header as "now" for streaks and reviews. For
    /// tests and demos only: it lets a client move its own calendar, so `serve` refuses it
    /// unless `--addr` is a loopback address.
    #[arg(long, env = "TESSERA_LEARNING_TEST_CLOCK")]
    pub learning_test_clock: bool,
    /// Most members of one class (and most invitations waiting for an answer); joining a
    /// full class is refused with 409 CLASS_FULL.
    #[arg(long, env = "TESSERA_CLASS_MAX_MEMBERS", default_value_t = 200,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub class_max_members: u32,
    /// Project submissions one learner may have waiting for grading (queued or being
    /// graded); past it a submission is refused with 409 PROJECT_QUEUE_FULL.
    #[arg(long, env = "TESSERA_MAX_QUEUED_PROJECTS", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub max_queued_projects: u32,
    /// Attempts stored per learner and step: the first, the first correct one and the
    /// latest N are kept; older ones are folded into totals (docs/learning.md).
    #[arg(long, env = "TESSERA_MAX_ATTEMPTS_PER_STEP", default_value_t = 50,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_attempts_per_step: u32,
    /// How long a grading worker's claim on a project job lasts without renewal. A live
    /// worker renews it every third of this, however long grading takes; a worker that
    /// died (a crash, `kill -9`, a lost machine) stops renewing, and another worker, on
    /// any replica, takes the job over once the claim has run out.
    #[arg(long, env = "TESSERA_PROJECT_LEASE_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub project_lease_secs: u64,
    /// How long each learner's ranked social feed is kept before it is ranked again, in
    /// seconds (0: on every read). Counts, reactions and moderation are read fresh on every
    /// page; new items of the people one follows reach a kept feed when it expires, or at
    /// once when written through this replica (docs/feed.md, "Freshness").
    #[arg(long, env = "TESSERA_FEED_CACHE_SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub feed_cache_seconds: u64,
    /// How long each learner's learning data (what the lesson engine plans from) is kept
    /// per replica, in seconds (0: read on every request). The learner's own writes reach
    /// it at once on every replica sharing Redis; without Redis (one node), writes by
    /// other processes on the same database reach it when it expires (docs/learning.md,
    /// "What a replica keeps").
    #[arg(long, env = "TESSERA_LEARNER_CACHE_SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub learner_cache_seconds: u64,
}

/// Prices, budgets and limits of AI requests (docs/ai-gateway.md, "Cost guard").
#[derive(Debug, Clone, clap::Args)]
pub struct AiArgs {
    /// Model prices for the AI cost report and the spend cap, JSON: {"model": {"input":
    /// 0.15, "output": 0.6}} in US dollars per million tokens (unlisted models cost 0).
    #[arg(long, env = "TESSERA_AI_PRICES")]
    pub ai_prices: Option<String>,
    /// Daily token budget of each user by plan tier (`users.tier`; Kalei's plans `prism`
    /// and `prism_plus` are tiers), JSON {"free": 50000, …}; a tier not listed gets
    /// `free`'s budget; 0 means unlimited.
    #[arg(
        long,
        env = "TESSERA_AI_DAILY_TOKENS",
        default_value = r#"{"free": 50000, "premium": 500000, "prism": 200000, "prism_plus": 600000}"#
    )]
    pub ai_daily_tokens: String,
    /// Global monthly AI spend cap in US dollars (priced by --ai-prices); none: no cap.
    /// Alerts are recorded at 50, 80, 95 and 100 %.
    #[arg(long, env = "TESSERA_AI_MONTHLY_CAP_USD")]
    pub ai_monthly_cap_usd: Option<f64>,
    /// Share of the monthly cap (percent) past which degradable features are answered
    /// from templates and deferrable ones pause.
    #[arg(long, env = "TESSERA_AI_DEGRADE_AT_PERCENT", default_value_t = 95,
          value_parser = clap::value_parser!(u8).range(1..=100))]
    pub ai_degrade_at_percent: u8,
    /// Feature classes for degradation, JSON {"feature": "core" | "degradable" |
    /// "deferrable"}, merged over the defaults (docs/ai-gateway.md).
    #[arg(long, env = "TESSERA_AI_FEATURES")]
    pub ai_features: Option<String>,
    /// Largest prompt (all messages' text) accepted by AI routes, in bytes.
    #[arg(long, env = "TESSERA_AI_MAX_PROMPT_BYTES", default_value_t = 64 * 1024)]
    pub ai_max_prompt_bytes: usize,
    /// Most messages in one AI request (the safety gate screens each one).
    #[arg(long, env = "TESSERA_AI_MAX_MESSAGES", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub ai_max_messages: u32,
}

/// Limits and capacity of the code sandbox (`/api/v1/sandbox/*`).
#[derive(Debug, Clone, Args)]
pub struct SandboxArgs {
    /// Largest (and default) wall-clock deadline of one sandbox run, in ms.
    #[arg(long, env = "TESSERA_SANDBOX_MAX_TIMEOUT_MS", default_value_t = 5_000)]
    pub sandbox_max_timeout_ms: u64,
    /// Largest (and default) memory of one run for learner code, in MiB, on top of the
    /// interpreter's own baseline.
    #[arg(long, env = "TESSERA_SANDBOX_MAX_MEMORY_MB", default_value_t = 50)]
    pub sandbox_max_memory_mb: u64,
    /// Largest (and default) cap on each of a run's stdout and stderr, in bytes.
    #[arg(
        long,
        env = "TESSERA_SANDBOX_MAX_OUTPUT_BYTES",
        default_value_t = 65_536
    )]
    pub sandbox_max_output_bytes: u64,
    /// Runs executing at once (default: two per core).
    #[arg(long, env = "TESSERA_SANDBOX_WORKERS")]
    pub sandbox_workers: Option<usize>,
    /// Runs that may wait for a worker; past that, requests get 503 with Retry-After.
    #[arg(long, env = "TESSERA_SANDBOX_QUEUE", default_value_t = 64)]
    pub sandbox_queue: usize,
    /// Runs one user may have running or waiting at once (a test-case run counts each
    /// test); past that, their requests get 429 while other users still get in.
    #[arg(long, env = "TESSERA_SANDBOX_MAX_RUNS_PER_USER", default_value_t = 50,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub sandbox_max_runs_per_user: u64,
}

impl SandboxArgs {
    /// The sandbox settings these flags describe.
    pub fn settings(&self) -> crate::sandbox::SandboxSettings {
        crate::sandbox::SandboxSettings {
            max_timeout_ms: self.sandbox_max_timeout_ms,
            max_memory_mb: self.sandbox_max_memory_mb,
            max_output_bytes: self.sandbox_max_output_bytes,
            workers: self
                .sandbox_workers
                .unwrap_or_else(crate::sandbox::default_workers),
            queue: self.sandbox_queue,
            max_runs_per_user: usize::try_from(self.sandbox_max_runs_per_user)
                .unwrap_or(usize::MAX),
        }
    }
}

/// Prices, budgets and limits of AI requests from the flags.
fn ai_settings(args: &AiArgs) -> anyhow::Result<crate::ai::AiSettings> {
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
    // Learners' marks are shared only where replicas share the store.
    let marks = identity.redis_url.is_some().then(|| kv.clone());
    db.keep_learners(
        i64::try_from(args.learning.learner_cache_seconds).unwrap_or(3600) * 1000,
        marks,
    );
    let (safety, embeddings) = args.safety.settings()?;
    let bus = super::shared::bus(&args.events, &db).await?;
    let redis = identity
        .redis_url
        .clone()
        .map(|url| (url, identity.redis_prefix.clone()));
    let services = Services {
        plugin_registry: args.plugin_registry.settings(redis)?,
        experiments: args.experiments.settings(data_dir)?,
        kalei: args.kalei.settings(data_dir)?,
        notify: args.notify.settings()?,
        feed_cache_ms: i64::try_from(args.learning.feed_cache_seconds).unwrap_or(i64::MAX / 1000)
            * 1000,
        session_recheck_ms: i64::from(identity.session_recheck_ms),
        bus,
        safety,
        embeddings,
        db,
        kv,
        keys: token_keys(&identity.jwt, data_dir)?,
        rate_limits: RateLimits {
            general: identity.rate_limit_general,
            ai: identity.rate_limit_ai,
            auth: identity.rate_limit_auth,
            login_account: identity.rate_limit_login_account,
            search: identity.rate_limit_search,
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
            cors_origins: args.http.cors_origins.clone().into(),
            edge_secret: args
                .http
                .edge_secret
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(Arc::from),
            server_timing: args.http.server_timing,
            in_flight: (args.http.max_requests_in_flight > 0).then(|| {
                Arc::new(api::guard::Turns::new(
                    args.http.max_requests_in_flight as usize,
                    registry.runtime().metrics(),
                ))
            }),
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
    let listener = super::shared::listen(args.addr)?;
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
        events = state.bus.backend().name(),
        "tessera ready"
    );

    tokio::spawn(reload_on_sighup(registry.clone()));
    crate::plugins::published::spawn_watcher(registry.clone(), state.plugin_settings.redis.clone());
    crate::plugins::published::spawn_canary_guard(
        state.publisher.clone(),
        state.plugin_settings.canary,
    );
    let pipeline = tokio_util::sync::CancellationToken::new();
    let relay = state.bus.spawn_relay(pipeline.clone());
    let personas = state
        .experiments
        .spawn_persona_job(args.experiments.persona_hour, pipeline.clone());
    let spectrum = state.kalei.spawn_spectrum_job(pipeline.clone());
    let notifications = state.notifier.clone().spawn(pipeline.clone());
    let consumers = spawn_consumers(&state, &pipeline).await?;
    accept_loop(listener, api::router(state), &args.http, shutdown_signal()).await;
    // After the last request: what it staged in the outbox gets one more chance to go
    // out; what does not stays there for the next start.
    pipeline.cancel();
    let _ = relay.await;
    let _ = personas.await;
    let _ = spectrum.await;
    let _ = notifications.await;
    for c in consumers {
        let _ = c.await;
    }
    tracing::info!("tessera stopped");
    Ok(())
}

/// Starts this replica's consumer groups (docs/events.md): struggle detection and the
/// tutor.
async fn spawn_consumers(
    state: &AppState,
    shutdown: &tokio_util::sync::CancellationToken,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    use crate::events::consumer::{self, ConsumerSettings};
    use crate::learning::struggle::{self, StruggleDetector};
    state
        .bus
        .backend()
        .subscribe(&struggle::SUBSCRIPTIONS)
        .await
        .context("cannot subscribe the struggle detector to the event bus")?;
    state
        .bus
        .backend()
        .subscribe(&[crate::tutor::answer::SUBSCRIPTION])
        .await
        .context("cannot subscribe the tutor to the event bus")?;
    state
        .bus
        .backend()
        .subscribe(&crate::notify::on_events::SUBSCRIPTIONS)
        .await
        .context("cannot subscribe the notifications to the event bus")?;
    let notifications: std::sync::Arc<dyn consumer::Handler> = std::sync::Arc::new(
        crate::notify::on_events::EventNotifier::new(state.notifier.clone(), state.db.clone()),
    );
    let detector: std::sync::Arc<dyn consumer::Handler> =
        std::sync::Arc::new(StruggleDetector::new(state.db.clone()));
    let tutor: std::sync::Arc<dyn consumer::Handler> = state.tutor.clone();
    // A tutor query waits on plugins (triage, an agent running code) for tens of
    // milliseconds or more: several workers take one query each, so a slow answer does
    // not hold up the learners behind it. The detector's events are quick: one worker.
    let one_at_a_time = ConsumerSettings {
        batch: 1,
        ..ConsumerSettings::default()
    };
    Ok(struggle::SUBSCRIPTIONS
        .into_iter()
        .map(|subscription| (subscription, detector.clone(), ConsumerSettings::default()))
        .chain(
            crate::notify::on_events::SUBSCRIPTIONS
                .into_iter()
                .map(|subscription| {
                    (
                        subscription,
                        notifications.clone(),
                        ConsumerSettings::default(),
                    )
                }),
        )
        .chain(std::iter::repeat_n(
            (crate::tutor::answer::SUBSCRIPTION, tutor, one_at_a_time),
            crate::tutor::answer::WORKERS,
        ))
        .map(|(subscription, handler, settings)| {
            tokio::spawn(consumer::run(
                state.bus.clone(),
                subscription,
                handler,
                settings,
                shutdown.clone(),
            ))
        })
        .collect())
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
    // Tells open connections to finish their request and close. (hyper-util's
    // GracefulShutdown does not take connections that can be upgraded to WebSockets.)
    let stopping = tokio_util::sync::CancellationToken::new();
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
        // With upgrades: GraphQL subscriptions (`/graphql/ws`) take the connection over as
        // a WebSocket.
        let connection = builder
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let stop = stopping.clone();
        tokio::spawn(async move {
            tokio::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                () = stop.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    tracing::info!("shutting down: draining in-flight requests");
    stopping.cancel();
    // Every connection holds a slot until it ends: all slots back means all drained.
    let _ = slots.acquire_many(http.max_connections).await;
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

/// SIGINT or SIGTERM, whichever comes first (also `tessera edge serve`'s).
pub(super) async fn shutdown_signal() {
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
