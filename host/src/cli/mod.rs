//! Command-line interface (clap). Every flag also reads an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub mod config;
pub mod plugin;
pub mod serve;
pub mod user;

/// Tessera: a host for sandboxed WebAssembly learning capabilities.
#[derive(Debug, Parser)]
#[command(name = "tessera", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API with every plugin in the plugin folders.
    Serve(Box<ServeArgs>),
    /// Inspect, check and try plugins.
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// Apply pending database migrations (also done by `serve` at start-up).
    Migrate {
        /// List the pending migrations without applying them.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Import and list learning content packs.
    #[command(subcommand)]
    Content(ContentCommand),
    /// Issue (`--name …`), list or revoke service tokens (role `service`) for other systems
    /// calling `/_internal/*`. Issuing prints the token, signed with the same key as
    /// `serve` uses and recorded in the database so it can be revoked.
    ServiceToken(ServiceTokenArgs),
}

/// `tessera service-token`: issue with `--name`, or `list` / `revoke <id>`.
#[derive(Debug, Args)]
pub struct ServiceTokenArgs {
    /// `list` or `revoke`; without one, issues a token.
    #[command(subcommand)]
    pub command: Option<ServiceTokenCommand>,
    /// The calling service's name (the token's subject); required to issue.
    #[arg(long)]
    pub name: Option<String>,
    /// Validity in days, 1 to 90.
    #[arg(long, default_value_t = 30)]
    pub days: i64,
    #[command(flatten)]
    pub jwt: JwtArgs,
    #[command(flatten)]
    pub data: DataArgs,
}

/// Service-token subcommands.
#[derive(Debug, Subcommand)]
pub enum ServiceTokenCommand {
    /// Lists the service tokens on record: id, name, issued, expires, active or revoked.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Revokes a service token by id (its `jti`, as `list` shows): refused at once by
    /// every server sharing the database (and, with `--redis-url`, their cache).
    Revoke {
        /// The token's id.
        id: String,
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        kv: KvArgs,
    },
}

/// The shared store of running servers, for commands whose changes they must see at once
/// (role changes, disabling, revocations): the same `REDIS_URL` and prefix as `serve`.
#[derive(Debug, Clone, Args)]
pub struct KvArgs {
    /// Redis of the running servers; without it a server using Redis may keep the old
    /// state in its cache for up to a minute.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,
    /// Prefix of every Redis key (as given to `serve`).
    #[arg(long, env = "TESSERA_REDIS_PREFIX", default_value = "tessera:")]
    pub redis_prefix: String,
}

/// Content subcommands.
#[derive(Debug, Subcommand)]
pub enum ContentCommand {
    /// Checks and imports content packs: a pack folder (holding `pack.json`) or a folder
    /// of them. All or nothing per pack; an unchanged pack is left as it is.
    Import {
        /// Pack folders, or folders of packs.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Check only; store nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Lists the imported packs.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
}

/// User subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account with any role (e.g. the first super_admin). The password is read
    /// from TESSERA_USER_PASSWORD, or from the first line of standard input.
    Create {
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// student, teacher, admin or super_admin.
        #[arg(long, default_value = "student")]
        role: String,
        /// Display name (default: the e-mail's local part).
        #[arg(long)]
        full_name: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Change an account's role. Tokens claiming the old role are refused at once
    /// (`ROLE_CHANGED`) until the client refreshes them.
    SetRole {
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// student, teacher, admin or super_admin.
        #[arg(long)]
        role: String,
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        kv: KvArgs,
    },
    /// Disable an account: it cannot sign in, and its tokens are refused at once.
    Disable(AccountArgs),
    /// Enable a disabled account again.
    Enable(AccountArgs),
    /// Changes a user's plan tier, which picks their daily AI token budget
    /// (`--ai-daily-tokens`).
    SetTier {
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// A tier name, e.g. free or premium (1-32 characters of a-z, 0-9, _ and -).
        #[arg(long)]
        tier: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

/// One account, for `tessera user disable|enable`.
#[derive(Debug, Clone, Args)]
pub struct AccountArgs {
    /// E-mail address.
    #[arg(long)]
    pub email: String,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub kv: KvArgs,
}

/// The database.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Database URL: postgres://user@host/db, or sqlite://path (default:
    /// sqlite://<data-dir>/tessera.db, created on first run).
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Most database connections in the pool.
    #[arg(long, env = "TESSERA_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,
}

impl DbArgs {
    /// The database URL, defaulting to the SQLite file in `data_dir`.
    pub fn url(&self, data_dir: &std::path::Path) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("tessera.db").display()))
    }
}

/// The database and the data folder, for commands other than `serve`.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Folder for local data (the SQLite file, the compile cache, the generated JWT key).
    #[arg(long, env = "TESSERA_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
}

/// Access-token signing.
#[derive(Debug, Clone, Args)]
pub struct JwtArgs {
    /// HS256 signing key for access tokens, at least 32 bytes (default: a random key
    /// generated once and kept in <data-dir>/jwt.key).
    #[arg(long, env = "TESSERA_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// `iss` of access tokens (seed 002 §6.1).
    #[arg(long, env = "TESSERA_JWT_ISSUER", default_value = "lyoapp-backend")]
    pub jwt_issuer: String,
    /// `aud` of access tokens (seed 002 §6.1).
    #[arg(long, env = "TESSERA_JWT_AUDIENCE", default_value = "lyoapp-users")]
    pub jwt_audience: String,
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
    /// Password hashes (argon2id, 19 MiB each) computed at once (default: one per core).
    #[arg(long, env = "TESSERA_PASSWORD_HASH_CONCURRENCY",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub password_hash_concurrency: Option<u32>,
    /// Password hashes that may wait for a turn; past that, sign-in and registration get
    /// 503 with Retry-After.
    #[arg(long, env = "TESSERA_PASSWORD_HASH_QUEUE", default_value_t = 32)]
    pub password_hash_queue: u32,
}

/// Plugin subcommands.
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// List the plugins in the plugin folders and whether each loads.
    List(RuntimeArgs),
    /// Check a plugin folder (with plugin.toml), a plugin.toml, or a bare .wasm component.
    /// Exits non-zero with the reason when it would not load.
    Validate {
        /// Folder, manifest or component to check.
        path: PathBuf,
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// Call one function of a plugin with JSON input and print the JSON result.
    Call {
        /// Plugin id.
        id: String,
        /// Function of the plugin's world interface, e.g. `grade` or `kinds`.
        function: String,
        /// Input as JSON: an object keyed by parameter name (or the bare value for a
        /// one-parameter function).
        #[arg(long, default_value = "{}")]
        input: String,
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
}

/// Settings shared by every command that loads plugins.
#[derive(Debug, Clone, Args)]
pub struct RuntimeArgs {
    /// Folder of plugins (each `<dir>/<plugin>/plugin.toml`); repeat or separate with commas.
    #[arg(
        long = "plugins-dir",
        env = "TESSERA_PLUGINS_DIR",
        value_delimiter = ',',
        default_value = "plugins"
    )]
    pub plugins_dirs: Vec<PathBuf>,
    /// Folder for local data: the compiled-component cache lives in `<data-dir>/cache`.
    #[arg(long, env = "TESSERA_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Instance slots: the most plugin instances alive at once.
    #[arg(long, env = "TESSERA_MAX_INSTANCES", default_value_t = 1000)]
    pub max_instances: u32,
    /// Ceiling for any plugin's `limits.memory_mb`.
    #[arg(long, env = "TESSERA_MAX_PLUGIN_MEMORY_MB", default_value_t = 1024)]
    pub max_plugin_memory_mb: u64,
    /// Memory all plugins' in-process key-value buckets may hold together, in MiB (each
    /// plugin also within its own `limits.keyvalue_max_bytes`). Unused with `--redis-url`,
    /// where buckets live in Redis.
    #[arg(long, env = "TESSERA_PLUGIN_KV_MEMORY_MB", default_value_t = 256,
          value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub plugin_kv_memory_mb: u64,
}

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
    /// Most client connections open at once; further clients wait in the listen backlog
    /// until one closes.
    #[arg(long, env = "TESSERA_MAX_CONNECTIONS", default_value_t = 4096,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Proxies (CIDR blocks or addresses, comma-separated, e.g. `10.0.0.0/8,fd00::/8`)
    /// whose `X-Forwarded-For` names the client; from any other peer the header is ignored.
    #[arg(long, env = "TESSERA_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
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
}

/// Prices, budgets and limits of AI requests (docs/ai-gateway.md, "Cost guard").
#[derive(Debug, Clone, clap::Args)]
pub struct AiArgs {
    /// Model prices for the AI cost report and the spend cap, JSON: {"model": {"input":
    /// 0.15, "output": 0.6}} in US dollars per million tokens (unlisted models cost 0).
    #[arg(long, env = "TESSERA_AI_PRICES")]
    pub ai_prices: Option<String>,
    /// Daily token budget of each user by plan tier (`users.tier`), JSON {"free": 50000,
    /// "premium": 500000}; a tier not listed gets `free`'s budget; 0 means unlimited.
    #[arg(
        long,
        env = "TESSERA_AI_DAILY_TOKENS",
        default_value = r#"{"free": 50000, "premium": 500000}"#
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
