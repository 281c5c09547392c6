//! Flags and set-up shared by several commands: the database, the data folder, token
//! signing, the running servers' shared store, and the plugin runtime.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use crate::auth::{Auth, TokenKeys};
use crate::metrics::Metrics;
use crate::plugins::Registry;
use crate::runtime::engine::EngineSettings;
use crate::runtime::{Runtime, RuntimeSettings};
use crate::store::Db;

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
    /// `iss` of access tokens (docs/requirements.md#r-002-6.1).
    #[arg(long, env = "TESSERA_JWT_ISSUER", default_value = "lyoapp-backend")]
    pub jwt_issuer: String,
    /// `aud` of access tokens (docs/requirements.md#r-002-6.1).
    #[arg(long, env = "TESSERA_JWT_AUDIENCE", default_value = "lyoapp-users")]
    pub jwt_audience: String,
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

/// The event bus (docs/events.md).
#[derive(Debug, Clone, Args)]
pub struct EventsArgs {
    /// NATS server with JetStream for the event bus, e.g. nats://127.0.0.1:4222 (default:
    /// the embedded bus, in the database). Unreachable at start-up is an error.
    #[arg(long, env = "NATS_URL")]
    pub nats_url: Option<String>,
    /// JetStream stream holding every topic (subjects `<stream>.<topic>`).
    #[arg(long, env = "TESSERA_NATS_STREAM", default_value = "TESSERA_EVENTS",
          value_parser = parse_stream_name)]
    pub nats_stream: String,
    /// Seconds a consumer may hold an event unacknowledged before it is delivered again
    /// (a crashed consumer's events come back after this).
    #[arg(long, env = "TESSERA_EVENTS_LEASE_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub events_lease_secs: u64,
}

fn parse_stream_name(s: &str) -> Result<String, String> {
    if !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(s.to_owned())
    } else {
        Err("a stream name is 1 to 64 letters, digits, `-` or `_`".into())
    }
}

/// The bus the flags choose, over `db` (which holds the outbox, and the embedded bus).
pub async fn bus(args: &EventsArgs, db: &Db) -> anyhow::Result<crate::events::Bus> {
    use crate::events::{Bus, embedded::Embedded, nats};
    let lease = std::time::Duration::from_secs(args.events_lease_secs);
    let backend: Arc<dyn crate::events::Backend> = match &args.nats_url {
        Some(url) => {
            let mut settings = nats::NatsSettings::new(url);
            settings.stream.clone_from(&args.nats_stream);
            settings.ack_wait = lease;
            Arc::new(nats::Nats::connect(settings).await?)
        }
        None => Arc::new(Embedded::new(db.clone(), lease)),
    };
    Ok(Bus::new(backend, db.clone()))
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
    /// Folder for local data: the compiled-component cache lives in `<data-dir>/cache`
    /// unless `--compile-cache-dir` says otherwise.
    #[arg(long, env = "TESSERA_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Where compiled components are cached (default `<data-dir>/cache`). An artifact's
    /// name is its component's digest and the engine's settings, so servers, the CLI and
    /// tests with different data folders can share one cache and compile each component
    /// once.
    #[arg(long, env = "TESSERA_COMPILE_CACHE_DIR")]
    pub compile_cache_dir: Option<PathBuf>,
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

/// Connections the kernel queues for `accept`. tokio's `bind` asks for 1 024, fewer than
/// seed 000's 10 000 learners opening the app at once, and a connection dropped from a full
/// queue waits for its client's retry (1 s, then 3 s, 7 s). Linux caps it at
/// `net.core.somaxconn` (and the handshakes before it at `net.ipv4.tcp_max_syn_backlog`),
/// so the host's settings decide the rest (docs/operations.md).
const ACCEPT_BACKLOG: u32 = 8192;

/// A listener on `addr` with a deep accept queue ([`ACCEPT_BACKLOG`]); `serve` and `edge`
/// listen through it.
pub fn listen(addr: std::net::SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()
    } else {
        tokio::net::TcpSocket::new_v6()
    }
    .context("cannot open a socket")?;
    // As tokio's `bind` does: a restart may listen again while old connections linger.
    socket.set_reuseaddr(true)?;
    socket
        .bind(addr)
        .and_then(|()| socket.listen(ACCEPT_BACKLOG))
        .with_context(|| format!("cannot listen on {addr}"))
}

/// Builds the runtime and an (empty) registry from the shared flags; the data folder
/// (where the compile cache goes) is made private first.
pub fn registry(args: &RuntimeArgs) -> anyhow::Result<Arc<Registry>> {
    private_dir(&args.data_dir)?;
    let settings = RuntimeSettings {
        engine: EngineSettings {
            max_instances: args.max_instances,
            max_memory_mb: args.max_plugin_memory_mb,
        },
        cache_dir: args
            .compile_cache_dir
            .clone()
            .unwrap_or_else(|| args.data_dir.join("cache")),
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
        None => generated_key(data_dir, "jwt.key", "JWT signing key")?,
    };
    Ok(TokenKeys::new(&secret, &jwt.jwt_issuer, &jwt.jwt_audience))
}

/// A sealing key ring: the configured list (`env` names its variable in errors), or one
/// key generated once into `<data_dir>/<file>`.
pub fn sealing_keys(
    list: Option<&str>,
    env: &str,
    data_dir: &Path,
    file: &str,
    what: &str,
) -> anyhow::Result<crate::store::sealing::SealingKeys> {
    use crate::store::sealing::SealingKeys;
    match list {
        Some(list) => SealingKeys::parse(list).with_context(|| env.to_owned()),
        None => {
            let key = generated_key(data_dir, file, what)?;
            let key: [u8; 32] = key.try_into().map_err(|_| {
                anyhow::anyhow!("{}: not a 32-byte key", data_dir.join(file).display())
            })?;
            Ok(SealingKeys::single(key))
        }
    }
}

/// A random 32-byte key generated once and kept (hex) in `<data_dir>/<file>`, private to
/// its owner: the JWT signing key, the survey comment key. Two processes sharing the data
/// folder that race to create it both end up with the one that was written first.
pub fn generated_key(data_dir: &Path, file: &str, what: &str) -> anyhow::Result<Vec<u8>> {
    let path = data_dir.join(file);
    let read = |path: &Path| -> anyhow::Result<Vec<u8>> {
        check_key_file(path)?;
        hex::decode(std::fs::read_to_string(path)?.trim())
            .with_context(|| format!("{} is not a hex key", path.display()))
    };
    if path.exists() {
        return read(&path);
    }
    let key: [u8; 32] = rand::random();
    private_dir(data_dir)?;
    match write_private(&path, hex::encode(key).as_bytes()) {
        Ok(()) => {
            tracing::info!(path = %path.display(), "generated a {what}");
            Ok(key.to_vec())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(&path),
        Err(e) => Err(e).with_context(|| format!("cannot write {}", path.display())),
    }
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

/// Identity over the database of `data` (and the servers' shared store, when given),
/// for commands that sign nothing.
pub(super) async fn auth(data: &DataArgs, kv: Option<&KvArgs>) -> anyhow::Result<(Db, Auth)> {
    let db = database(&data.db, &data.data_dir).await?;
    let store = match kv.and_then(|k| k.redis_url.as_deref().map(|url| (url, k))) {
        Some((url, k)) => Some(
            crate::kv::connect(Some(url), &k.redis_prefix)
                .await
                .context("cannot connect to Redis (--redis-url)")?,
        ),
        None => {
            if kv.is_some() && db.backend() == crate::store::Backend::Postgres {
                eprintln!(
                    "note: no --redis-url (REDIS_URL): servers that cache sessions in Redis see this change within {} s",
                    crate::auth::live::LIVE_TTL.as_secs()
                );
            }
            None
        }
    };
    // These commands sign nothing: any key will do. They check no tokens, so they
    // remember no session states.
    let auth = Auth::new(db.clone(), TokenKeys::new(&[0; 32], "-", "-"), store, 0);
    Ok((db, auth))
}
