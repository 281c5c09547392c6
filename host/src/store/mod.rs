//! Durable data: sqlx over Postgres (production) or a SQLite file (the embedded default),
//! one pool, embedded migrations, and one repository module per table group.
//!
//! Both databases are reached through sqlx's Any driver, so every query is written once;
//! the schema follows the portable conventions in `migrations/README.md` (UUID text ids,
//! BIGINT millisecond times, BIGINT 0/1 flags, JSON as TEXT).

pub mod ai_budget;
pub mod ai_usage;
pub(crate) mod aside;
pub mod audit;
pub mod billing;
pub mod catalog;
pub mod classes;
pub mod codec;
pub mod content;
pub mod epochs;
pub mod experiments;
pub mod feed;
pub mod kalei;
pub mod learner_cache;
pub mod learning;
mod migrations;
pub mod notifications;
pub mod personas;
pub mod plugin_registry;
pub mod projects;
pub mod safety_events;
pub mod sealing;
pub mod service_tokens;
pub mod sessions;
pub mod struggle;
pub mod study;
pub mod tutor;
pub mod users;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrate;
use sqlx::{AnyPool, ConnectOptions, Connection, Executor};

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL (`postgres://…`).
    Postgres,
    /// A SQLite file (`sqlite://…`).
    Sqlite,
}

/// A failure of the data layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no supported database.
    #[error("unsupported database URL `{0}`: use postgres://… or sqlite://…")]
    UnsupportedUrl(String),
    /// The database could not be reached or answered with an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A unique value (e.g. an e-mail address) is already taken.
    #[error("{0} is already taken")]
    Conflict(&'static str),
    /// A stored value could not be read back.
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Whether the database is unreachable or refusing work for now (a restart, a dropped
    /// connection, a full pool, SQLite's writer lock held too long): the request may be
    /// retried, so the API answers 503 with `Retry-After` rather than 500. Postgres says so
    /// with SQLSTATE class 08 (connection exception), 57P01-57P03 (shut down, crash
    /// recovery, not accepting connections yet) and 53300 (too many connections).
    pub fn is_unavailable(&self) -> bool {
        let StoreError::Database(e) = self else {
            return false;
        };
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(db) => db.code().is_some_and(|code| {
                code.starts_with("08")
                    || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
                    // SQLite: SQLITE_BUSY and SQLITE_LOCKED with their extended codes.
                    || sqlite_busy(&code)
            }),
            _ => false,
        }
    }

    /// Whether Postgres gave up the transaction for another's sake (SQLSTATE 40P01, a
    /// deadlock's victim; 40001, a serialization failure): nothing of it was kept, and
    /// running it again is the remedy.
    pub fn is_write_conflict(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(db))
            if matches!(db.code().as_deref(), Some("40P01" | "40001")))
    }

    /// Whether the database refused a value it cannot hold as text (Postgres: a NUL
    /// character, SQLSTATE 22021 in text or 22P05 in JSON): the input's fault, not the
    /// server's.
    pub fn is_unstorable_text(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(db))
            if matches!(db.code().as_deref(), Some("22021" | "22P05")))
    }

    /// Maps a unique-constraint violation to [`StoreError::Conflict`] on `what`.
    pub fn unique(e: sqlx::Error, what: &'static str) -> StoreError {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
            _ => StoreError::Database(e),
        }
    }
}

/// SQLite's primary result codes SQLITE_BUSY (5) and SQLITE_LOCKED (6), which sqlx reports
/// as the extended code's number (e.g. 517 = SQLITE_BUSY_SNAPSHOT): the low byte is the
/// primary code.
fn sqlite_busy(code: &str) -> bool {
    code.parse::<u32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6))
}

/// A pending or applied migration, for `tessera migrate`.
#[derive(Debug, Clone)]
pub struct MigrationInfo {
    /// Its version number.
    pub version: i64,
    /// Its description (from the file name).
    pub description: String,
}

/// The database.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer; its busy handler makes waiting writers sleep and retry
    /// (up to 100 ms a nap), which turns contention into long tails. Hot write paths
    /// queue here instead, in order, on SQLite only.
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// How many published listings each recent catalog filter matched (`list_courses`),
    /// kept per replica: counting is most of a search's work, and it changes only when a
    /// listing does.
    catalog_counts: std::sync::Arc<crate::kept::Kept<i64>>,
    /// Learners' data and the draft courses, kept per replica (`learner_cache`).
    learners: std::sync::Arc<learner_cache::LearnerCache>,
    /// Turns for reads ahead of a kept value's expiry ([`Db::read_ahead`]).
    reads_ahead: std::sync::Arc<tokio::sync::Semaphore>,
}

/// Milliseconds since the Unix epoch, the schema's time unit.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// RFC 3339 text of a stored time.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// How recently a pooled connection must have been in use to be handed out untested (see
/// [`Db::connect`]).
const TRUSTED_IDLE: Duration = Duration::from_secs(1);

impl Db {
    /// Connects to `url` (creating a SQLite file and its folder when missing) with a pool
    /// of at most `max_connections`. Does not migrate.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let mut url = url.to_owned();
        if backend == Backend::Sqlite {
            if let Some(path) = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .map(|p| p.split('?').next().unwrap_or(p).to_owned())
                && path != ":memory:"
                && let Some(dir) = Path::new(&path).parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Database(sqlx::Error::Configuration(
                        format!("cannot create {}: {e}", dir.display()).into(),
                    ))
                })?;
            }
            if !url.contains("mode=") {
                url.push_str(if url.contains('?') {
                    "&mode=rwc"
                } else {
                    "?mode=rwc"
                });
            }
        }
        // Statements are traced (`sqlx::query` at TRACE), which `telemetry` turns into
        // database spans when traces are on; slow ones are warnings.
        let options = AnyConnectOptions::from_str(&url)?
            .log_statements(log::LevelFilter::Trace)
            .log_slow_statements(log::LevelFilter::Warn, Duration::from_secs(1));
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            // sqlx tests every connection it hands out with a round trip (and again, in a
            // spawned task, when it comes back). The first test is skipped for a
            // connection back in the pool less than `TRUSTED_IDLE` ago, as HikariCP does:
            // on Postgres it was one of each query's three round trips. A connection
            // broken by a database restart within that window fails one query (503) and
            // is then dropped by the test on its return.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for < TRUSTED_IDLE {
                        return Ok(true);
                    }
                    match conn.ping().await {
                        Ok(()) => Ok(true),
                        Err(error) => {
                            tracing::info!(%error, "an idle database connection is broken; dropping it");
                            Ok(false)
                        }
                    }
                })
            })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the one writer; foreign keys enforce
                        // the ON DELETE CASCADE the schema relies on.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Db {
            pool,
            backend,
            writer: Default::default(),
            catalog_counts: std::sync::Arc::new(crate::kept::Kept::new(
                catalog::COUNT_TTL_MS,
                catalog::COUNTS_KEPT,
            )),
            learners: Default::default(),
            reads_ahead: std::sync::Arc::new(tokio::sync::Semaphore::new(
                (max_connections as usize / 2).max(1),
            )),
        })
    }

    /// Runs `read`, the read of a kept value ahead of its expiry (`kept::Kept::get_ahead`:
    /// a learner's data, a session's state, a persona), in the background on the reads'
    /// own runtime ([`aside`]), with at most half the pool's connections' worth of such
    /// reads under way; the rest wait their turn. A failed read is logged (debug): the kept
    /// value then lives out its lifetime.
    ///
    /// Why the limit: values kept in one wave come due in one wave. The cold storm's 10 000
    /// learners' data came due together, and their reads, queued on the pool, made the
    /// reads requests wait for (the session epochs, the draft courses) wait behind them for
    /// seconds (docs/benchmarks.md, "Read ahead").
    pub fn read_ahead<E: std::fmt::Display>(
        &self,
        what: &'static str,
        read: impl Future<Output = Result<(), E>> + Send + 'static,
    ) {
        let turns = self.reads_ahead.clone();
        aside::spawn(async move {
            // The semaphore is never closed.
            let Ok(_turn) = turns.acquire_owned().await else {
                return;
            };
            if let Err(e) = read.await {
                tracing::debug!(error = %e, what, "a read ahead of expiry failed");
            }
        });
    }

    /// Answers a kept value ([`crate::kept::Kept::get_ahead`]'s answer, already checked
    /// by the caller), starting its read ahead when it is due; with nothing kept, waits for
    /// `read` run aside. `read` builds the one read both need.
    pub async fn kept_or_read<V, Fut>(
        &self,
        what: &'static str,
        kept: Option<(V, bool)>,
        read: impl FnOnce() -> Fut,
    ) -> Result<V, StoreError>
    where
        V: Send + 'static,
        Fut: Future<Output = Result<V, StoreError>> + Send + 'static,
    {
        match kept {
            Some((value, due)) => {
                if due {
                    let read = read();
                    self.read_ahead(what, async move { read.await.map(drop) });
                }
                Ok(value)
            }
            None => aside::read(read()).await,
        }
    }

    /// Runs `read` over a copy of this handle on the reads' own runtime ([`aside`]) and
    /// waits for its answer: for the reads a request cannot go on without (a kept value
    /// missing or expired, a shared value due again), so that under a storm the request
    /// waits one pass of the server's run queue rather than one per await of the read.
    pub async fn read_aside<T, Fut>(&self, read: impl FnOnce(Db) -> Fut) -> Result<T, StoreError>
    where
        T: Send + 'static,
        Fut: Future<Output = Result<T, StoreError>> + Send + 'static,
    {
        aside::read(read(self.clone())).await
    }

    /// The pool.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`, waiting on the busy timeout): a plain `BEGIN` that reads and
    /// then writes fails at once with `SQLITE_BUSY` when another connection wrote since
    /// its read, which the busy timeout cannot cure.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Waits for this process's turn to write on SQLite (nothing to wait for on Postgres).
    pub async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.writer.lock().await),
            Backend::Postgres => None,
        }
    }

    /// Applies every pending migration; returns the ones applied.
    pub async fn migrate(&self) -> Result<Vec<MigrationInfo>, StoreError> {
        let pending = self.pending_migrations().await?;
        migrations::migrator(self.backend)
            .await?
            .run(&self.pool)
            .await?;
        Ok(pending)
    }

    /// Migrations not applied yet.
    pub async fn pending_migrations(&self) -> Result<Vec<MigrationInfo>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        conn.ensure_migrations_table().await?;
        let applied: Vec<i64> = conn
            .list_applied_migrations()
            .await?
            .into_iter()
            .map(|m| m.version)
            .collect();
        Ok(migrations::migrator(self.backend)
            .await?
            .iter()
            .filter(|m| m.migration_type.is_up_migration() && !applied.contains(&m.version))
            .map(|m| MigrationInfo {
                version: m.version,
                description: m.description.to_string(),
            })
            .collect())
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// A migrated SQLite database in a temporary folder, for the store's unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::Db;

    /// The database and the folder holding it (the file goes with the folder).
    pub(crate) async fn sqlite() -> (Db, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("tessera.db").display());
        let db = Db::connect(&url, 4).await.unwrap();
        db.migrate().await.unwrap();
        (db, dir)
    }

    /// Another connection pool on the database [`sqlite`] made in `dir`, with caches of
    /// its own (a replica).
    pub(crate) async fn replica(dir: &tempfile::TempDir) -> Db {
        let url = format!("sqlite://{}", dir.path().join("tessera.db").display());
        Db::connect(&url, 4).await.unwrap()
    }

    /// A new account of `role` with this e-mail address; its id.
    pub(crate) async fn user(db: &Db, email: &str, role: crate::auth::Role) -> String {
        let new = super::users::NewUser {
            email: email.to_owned(),
            password_hash: "not-a-hash".into(),
            full_name: "Test User".into(),
            role,
        };
        db.create_user(new, None).await.unwrap().id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_url_of_another_database_is_refused_by_name() {
        let Err(e) = Db::connect("mysql://localhost/tessera", 1).await else {
            panic!("connected to mysql");
        };
        assert!(matches!(e, StoreError::UnsupportedUrl(_)), "{e}");
        let message = e.to_string();
        assert!(
            message.contains("mysql://localhost/tessera") && message.contains("postgres://"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn migrating_twice_applies_nothing_the_second_time() {
        let dir = tempfile::tempdir().unwrap();
        // The folder of a SQLite file is created when missing.
        let url = format!("sqlite://{}", dir.path().join("new/tessera.db").display());
        let db = Db::connect(&url, 2).await.unwrap();
        assert_eq!(db.backend(), Backend::Sqlite);
        let pending = db.pending_migrations().await.unwrap();
        assert!(!pending.is_empty());
        let applied = db.migrate().await.unwrap();
        assert_eq!(
            applied.iter().map(|m| m.version).collect::<Vec<_>>(),
            pending.iter().map(|m| m.version).collect::<Vec<_>>()
        );
        assert!(db.pending_migrations().await.unwrap().is_empty());
        assert!(db.migrate().await.unwrap().is_empty());
        db.ping().await.unwrap();
    }

    #[test]
    fn sqlite_busy_and_locked_are_recognised_in_their_extended_codes() {
        for busy in ["5", "6", "261", "517", "262"] {
            assert!(sqlite_busy(busy), "{busy}");
        }
        // A constraint (19, 2067 unique) or a Postgres code is not contention.
        for other in ["19", "2067", "1", "23505", "not a number"] {
            assert!(!sqlite_busy(other), "{other}");
        }
    }

    #[test]
    fn a_lost_connection_is_unavailable_and_a_missing_row_is_not() {
        let unavailable = |e: sqlx::Error| StoreError::Database(e).is_unavailable();
        assert!(unavailable(sqlx::Error::PoolTimedOut));
        assert!(unavailable(sqlx::Error::Io(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused
        ))));
        assert!(!unavailable(sqlx::Error::RowNotFound));
        assert!(!StoreError::Conflict("email").is_unavailable());
        assert!(!StoreError::Corrupt("x".into()).is_unavailable());
    }

    #[tokio::test]
    async fn a_unique_violation_becomes_a_conflict_naming_the_value() {
        let (db, _dir) = testing::sqlite().await;
        sqlx::query("CREATE TABLE t (v TEXT UNIQUE)")
            .execute(db.pool())
            .await
            .unwrap();
        let insert = || sqlx::query("INSERT INTO t (v) VALUES ('x')").execute(db.pool());
        insert().await.unwrap();
        let e = StoreError::unique(insert().await.unwrap_err(), "the value");
        assert!(matches!(e, StoreError::Conflict("the value")), "{e}");
        assert_eq!(e.to_string(), "the value is already taken");
        // Any other failure stays a database error.
        let other = sqlx::query("SELECT * FROM missing")
            .execute(db.pool())
            .await
            .unwrap_err();
        assert!(matches!(
            StoreError::unique(other, "v"),
            StoreError::Database(_)
        ));
    }

    #[test]
    fn stored_times_read_as_rfc3339_in_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_757_500_200_999), "2025-09-10T10:30:00Z");
    }
}
