//! Starting the binary, waiting for readiness, and talking to it.

use std::fmt::Debug;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The repository root.
pub fn repo() -> PathBuf {
    // At run time, not compile time: builds share one target directory (~/.cache/tessera), so
    // the test binary may have been built in another clone of the repository, since deleted.
    let manifest =
        std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or(env!("CARGO_MANIFEST_DIR").into());
    Path::new(&manifest).parent().unwrap().to_owned()
}

/// The shipped plugins folder.
pub fn plugins_dir() -> PathBuf {
    repo().join("plugins")
}

/// The fixture plugins folder.
pub fn fixtures_dir() -> PathBuf {
    repo().join("tests/fixtures/plugins")
}

/// A built component in dist/components, failing with a clear message if missing.
pub fn component(file: &str) -> PathBuf {
    let path = repo().join("dist/components").join(file);
    assert!(
        path.exists(),
        "{} is missing: build the components first with `./dev test`",
        path.display()
    );
    path
}

/// The data folder every test shares, so the compile cache is shared too.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-data")
}

/// The `tessera` binary under test, with none of the caller's database settings.
pub fn binary() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    for var in [
        "DATABASE_URL",
        "REDIS_URL",
        "NATS_URL",
        "TESSERA_JWT_SECRET",
    ] {
        cmd.env_remove(var);
    }
    // Quiet servers unless asked: TESSERA_TEST_LOG=debug shows their logs.
    cmd.env(
        "RUST_LOG",
        std::env::var("TESSERA_TEST_LOG").unwrap_or_else(|_| "off".into()),
    );
    cmd
}

/// Compiles the shipped plugins into the shared cache once, before any server starts, so
/// parallel tests do not each compile the 19 MB Python sandbox.
fn warm_compile_cache() {
    static WARM: std::sync::Once = std::sync::Once::new();
    WARM.call_once(|| {
        let out = binary()
            .args(["plugin", "list", "--plugins-dir"])
            .arg(plugins_dir())
            .arg("--data-dir")
            .arg(data_dir())
            .output()
            .expect("run tessera plugin list");
        assert!(
            out.status.success(),
            "shipped plugins do not load: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    });
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Signing key of every test server, so tests can forge and tamper with tokens.
pub const JWT_SECRET: &str = "e2e-test-secret-e2e-test-secret-0123456789";
/// Password of every account the tests create.
pub const PASSWORD: &str = "Correct-Horse-7-Battery";

/// Whether this run must exercise Postgres and Redis (CI sets CI=true).
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Where the data lives for a test server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file and the in-process store (the embedded default).
    Embedded,
    /// A fresh Postgres database on 127.0.0.1:5432 and Redis on 127.0.0.1:6379.
    Shared,
}

/// Postgres for the tests.
pub const POSTGRES: &str = "postgres://postgres@127.0.0.1:5432";
/// Redis for the tests.
pub const REDIS: &str = "redis://127.0.0.1:6379";

/// The backends to run a test on: both when Postgres and Redis answer (always under
/// CI=true, where their absence fails the test loudly); otherwise the embedded one, with a
/// note on stderr that the shared variant was skipped.
pub fn backends() -> Vec<Backend> {
    let pg = postgres_reachable();
    let redis = std::net::TcpStream::connect("127.0.0.1:6379").is_ok();
    if ci() {
        assert!(redis, "CI=true: Redis must be reachable on 127.0.0.1:6379");
    }
    if pg && redis {
        vec![Backend::Embedded, Backend::Shared]
    } else {
        eprintln!("NOTE: Postgres/Redis not reachable: running the embedded backend only");
        vec![Backend::Embedded]
    }
}

/// Whether Postgres answers on 127.0.0.1:5432 (always under CI=true, where its absence
/// fails the test loudly).
pub fn postgres_reachable() -> bool {
    let pg = std::net::TcpStream::connect("127.0.0.1:5432").is_ok();
    if ci() {
        assert!(pg, "CI=true: Postgres must be reachable on 127.0.0.1:5432");
    }
    pg
}

/// `prefix_<random hex>`.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// A fresh SQLite file for one server.
fn embedded_url() -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-db");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{}.db", unique("t")));
    format!("sqlite://{}", file.display())
}

/// An empty database on the machine's Postgres, dropped with this value.
pub struct FreshDatabase {
    /// Its URL.
    pub url: String,
    name: String,
}

/// Creates an empty database on the machine's Postgres.
pub fn fresh_postgres_database() -> FreshDatabase {
    let (url, name) = fresh_postgres();
    FreshDatabase { url, name }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        drop_postgres(&self.name);
    }
}

/// Runs one statement on the machine's Postgres (database `postgres`) with `psql`.
fn psql(sql: &str) -> std::io::Result<std::process::Output> {
    Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-q",
            "-c",
        ])
        .arg(sql)
        .output()
}

fn drop_postgres(name: &str) {
    let _ = psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}

/// Creates an empty Postgres database for one server and returns its URL.
fn fresh_postgres() -> (String, String) {
    let name = unique("tessera_e2e");
    let out = psql(&format!("CREATE DATABASE {name}")).expect("run psql");
    assert!(
        out.status.success(),
        "cannot create a Postgres database: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (format!("{POSTGRES}/{name}"), name)
}

/// What a test watches a server by: extra environment (log format, trace batching) and,
/// when `capture_stderr`, its log lines kept for [`Server::log_lines`].
#[derive(Debug, Default, Clone)]
pub struct Watch {
    /// Environment variables for the server process.
    pub env: Vec<(&'static str, String)>,
    /// Keep stderr instead of passing it through.
    pub capture_stderr: bool,
}

/// A running `tessera serve`, killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`
    pub base: String,
    /// An HTTP client that sends the test super admin's access token.
    pub http: reqwest::Client,
    /// An HTTP client that sends no token.
    pub anonymous: reqwest::Client,
    /// The test super admin's access token (what `http` sends).
    pub token: String,
    /// The database URL the server uses.
    pub database_url: String,
    /// The Redis key prefix it uses, on the shared backend.
    pub redis_prefix: Option<String>,
    /// The Redis it uses, on the shared backend.
    pub redis_url: Option<String>,
    postgres_db: Option<String>,
    logs: Option<Arc<Mutex<Vec<String>>>>,
}

impl Server {
    /// Starts the binary with these plugin folders and waits until it is ready.
    pub async fn start(dirs: &[PathBuf]) -> Server {
        Self::start_with(dirs, &[]).await
    }

    /// Like [`Server::start`] with extra flags.
    pub async fn start_with(dirs: &[PathBuf], extra: &[&str]) -> Server {
        Self::start_on(Backend::Embedded, dirs, extra).await
    }

    /// Starts the binary on `backend`, creates a super admin with the CLI, signs in, and
    /// waits until it is ready. Rate limits are lifted unless `extra` sets them.
    pub async fn start_on(backend: Backend, dirs: &[PathBuf], extra: &[&str]) -> Server {
        Self::start_watched(backend, dirs, extra, &Watch::default()).await
    }

    /// Like [`Server::start_on`], watched as `watch` says.
    pub async fn start_watched(
        backend: Backend,
        dirs: &[PathBuf],
        extra: &[&str],
        watch: &Watch,
    ) -> Server {
        let (database_url, postgres_db) = match backend {
            Backend::Embedded => (embedded_url(), None),
            Backend::Shared => {
                let (url, name) = fresh_postgres();
                (url, Some(name))
            }
        };
        let redis = (backend == Backend::Shared).then(|| REDIS.to_owned());
        Self::launch(database_url, postgres_db, redis, dirs, extra, watch).await
    }

    /// Starts the binary on the database at `database_url` (one the test runs itself, such
    /// as a private Postgres it restarts) and, when given, the Redis at `redis_url` under
    /// a fresh key prefix. The database is not dropped afterwards.
    pub async fn start_at(
        database_url: &str,
        redis_url: Option<&str>,
        dirs: &[PathBuf],
        extra: &[&str],
    ) -> Server {
        Self::launch(
            database_url.to_owned(),
            None,
            redis_url.map(str::to_owned),
            dirs,
            extra,
            &Watch::default(),
        )
        .await
    }

    /// The log lines the server wrote so far (with `Watch::capture_stderr`).
    pub fn log_lines(&self) -> Vec<String> {
        self.logs
            .as_ref()
            .map(|l| l.lock().unwrap().clone())
            .unwrap_or_default()
    }

    /// Like [`Server::start_with`], keeping the server's log (`RUST_LOG=warn,plugin=trace`:
    /// warnings, and every line plugins log) for [`Server::log`].
    pub async fn start_logged(dirs: &[PathBuf], extra: &[&str]) -> Server {
        let watch = Watch {
            env: vec![("RUST_LOG", "warn,plugin=trace".into())],
            capture_stderr: true,
        };
        Self::start_watched(Backend::Embedded, dirs, extra, &watch).await
    }

    /// What the server has logged so far, as one text (see [`Server::start_logged`]).
    pub fn log(&self) -> String {
        self.log_lines().join("\n")
    }

    /// A second server on this one's database and Redis (a replica), with its own
    /// plugin folders and flags. It does not drop the shared database.
    pub async fn replica(&self, dirs: &[PathBuf], extra: &[&str]) -> Server {
        Self::launch_with_prefix(
            self.database_url.clone(),
            None,
            self.redis_url.clone(),
            self.redis_prefix.clone(),
            dirs,
            extra,
            &Watch::default(),
        )
        .await
    }

    async fn launch(
        database_url: String,
        postgres_db: Option<String>,
        redis_url: Option<String>,
        dirs: &[PathBuf],
        extra: &[&str],
        watch: &Watch,
    ) -> Server {
        let prefix = redis_url.as_ref().map(|_| format!("{}:", unique("e2e")));
        Self::launch_with_prefix(
            database_url,
            postgres_db,
            redis_url,
            prefix,
            dirs,
            extra,
            watch,
        )
        .await
    }

    async fn launch_with_prefix(
        database_url: String,
        postgres_db: Option<String>,
        redis_url: Option<String>,
        redis_prefix: Option<String>,
        dirs: &[PathBuf],
        extra: &[&str],
        watch: &Watch,
    ) -> Server {
        warm_compile_cache();
        let mut flags: Vec<String> = vec![
            "--database-url".into(),
            database_url.clone(),
            "--jwt-secret".into(),
            JWT_SECRET.into(),
        ];
        if let (Some(url), Some(prefix)) = (&redis_url, &redis_prefix) {
            flags.extend([
                "--redis-url".into(),
                url.clone(),
                "--redis-prefix".into(),
                prefix.clone(),
            ]);
        }
        for (flag, lifted) in [
            ("--rate-limit-general", "1000000"),
            ("--rate-limit-auth", "1000000"),
            ("--rate-limit-ai", "1000000"),
        ] {
            if !extra.contains(&flag) {
                flags.extend([flag.into(), lifted.into()]);
            }
        }
        let admin = format!("{}@example.com", unique("admin"));
        create_user(&database_url, &admin, "super_admin");
        // A port picked free can be taken by another test's server before this one binds
        // it: a server that exits before it is ready is started again on another port.
        let mut postgres_db = postgres_db;
        for attempt in 1.. {
            let port = free_port();
            let joined = dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(",");
            let mut child = binary()
                .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
                .arg("--plugins-dir")
                .arg(joined)
                .args(if extra.contains(&"--data-dir") {
                    Vec::new()
                } else {
                    vec!["--data-dir".into(), data_dir().display().to_string()]
                })
                .args(&flags)
                .args(extra)
                .envs(watch.env.iter().map(|(k, v)| (*k, v)))
                .stdout(Stdio::null())
                .stderr(if watch.capture_stderr {
                    Stdio::piped()
                } else {
                    Stdio::inherit()
                })
                .spawn()
                .expect("spawn tessera");
            let logs = child.stderr.take().map(|stderr| {
                let lines = Arc::new(Mutex::new(Vec::new()));
                let sink = lines.clone();
                std::thread::spawn(move || {
                    use std::io::BufRead;
                    for line in std::io::BufReader::new(stderr).lines() {
                        let Ok(line) = line else { break };
                        sink.lock().unwrap().push(line);
                    }
                });
                lines
            });
            let mut server = Server {
                child,
                base: format!("http://127.0.0.1:{port}"),
                http: reqwest::Client::new(),
                anonymous: reqwest::Client::new(),
                token: String::new(),
                database_url: database_url.clone(),
                redis_prefix: redis_prefix.clone(),
                redis_url: redis_url.clone(),
                postgres_db: postgres_db.take(),
                logs,
            };
            match server.try_wait_ready().await {
                Ok(()) => {
                    server.token = server.login(&admin).await;
                    server.http = client_with_token(&server.token);
                    return server;
                }
                Err(status) if attempt < 3 => {
                    eprintln!("tessera exited before becoming ready ({status}); starting it again");
                    postgres_db = server.postgres_db.take();
                }
                Err(status) => panic!("tessera exited before becoming ready: {status}"),
            }
        }
        unreachable!("the loop returns or panics")
    }

    /// Signs `email` in with [`PASSWORD`] and returns the access token.
    pub async fn login(&self, email: &str) -> String {
        let (status, body) = self
            .post_as(
                &self.anonymous,
                "/api/v1/auth/login",
                &serde_json::json!({ "email": email, "password": PASSWORD }),
            )
            .await;
        assert_eq!(status, 200, "login {email}: {body}");
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// Registers a new account with `role` (`student`/`teacher`) and returns the whole
    /// registration reply.
    pub async fn register(&self, role: &str) -> Value {
        let email = format!("{}@example.com", unique(role));
        let (status, body) = self
            .post_as(
                &self.anonymous,
                "/api/v1/auth/register",
                &serde_json::json!({ "email": email, "password": PASSWORD,
                                     "full_name": "Test Learner", "user_type": role }),
            )
            .await;
        assert_eq!(status, 201, "register: {body}");
        body
    }

    /// Registers a new account with `role` and returns a client sending its token.
    pub async fn client_of(&self, role: &str) -> reqwest::Client {
        let reg = self.register(role).await;
        client_with_token(reg["access_token"].as_str().expect("an access token"))
    }

    /// Deletes the account behind `client` (`DELETE /api/v1/me` with [`PASSWORD`]); the
    /// status.
    pub async fn delete_me(&self, client: &reqwest::Client) -> u16 {
        client
            .delete(self.url("/api/v1/me"))
            .json(&serde_json::json!({ "password": PASSWORD }))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// GET `path` with `client` as text.
    pub async fn text(&self, client: &reqwest::Client, path: &str) -> String {
        client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// How many times `plugin`'s `function` ran (every version), from `/metrics`.
    pub async fn plugin_calls(&self, plugin: &str, function: &str) -> u64 {
        let text = self.text(&self.anonymous, "/metrics").await;
        let (plugin, function) = (
            format!("plugin=\"{plugin}\""),
            format!("function=\"{function}\""),
        );
        text.lines()
            .filter(|l| {
                l.starts_with("tessera_plugin_calls_total")
                    && l.contains(&plugin)
                    && l.contains(&function)
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum()
    }

    /// Texts the safety gate's meaning stage has embedded (its cache aside), from `/metrics`.
    pub async fn meaning_embeddings(&self) -> u64 {
        let text = self.text(&self.anonymous, "/metrics").await;
        text.lines()
            .find_map(|l| {
                l.strip_prefix(
                    "tessera_safety_meaning_duration_seconds_count{outcome=\"embedded\"} ",
                )
            })
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    }

    /// POST JSON with `client`.
    pub async fn post_as(
        &self,
        client: &reqwest::Client,
        path: &str,
        body: &Value,
    ) -> (u16, Value) {
        let r = client.post(self.url(path)).json(body).send().await.unwrap();
        answer(r).await
    }

    /// PATCH JSON with `client`.
    pub async fn patch_as(
        &self,
        client: &reqwest::Client,
        path: &str,
        body: &Value,
    ) -> (u16, Value) {
        let r = client
            .patch(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap();
        answer(r).await
    }

    /// GET with `client`.
    pub async fn get_as(&self, client: &reqwest::Client, path: &str) -> (u16, Value) {
        let r = client.get(self.url(path)).send().await.unwrap();
        answer(r).await
    }

    /// Waits for `/health/ready`; `Err` with the exit status if the server exits first.
    async fn try_wait_ready(&mut self) -> Result<(), std::process::ExitStatus> {
        let url = self.url("/health/ready");
        eventually(
            "tessera to become ready",
            Duration::from_secs(120),
            async || {
                if let Ok(Some(status)) = self.child.try_wait() {
                    return Ok(Err(status));
                }
                match self.http.get(&url).send().await {
                    Ok(r) if r.status().is_success() => Ok(Ok(())),
                    Ok(r) => Err(format!("/health/ready: {}", r.status())),
                    Err(e) => Err(e.to_string()),
                }
            },
        )
        .await
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -TERM failed");
    }

    /// Kills the process with SIGKILL (no shutdown, no flushing) and reaps it.
    pub fn kill_9(&mut self) {
        self.child.kill().expect("kill -9 tessera");
        let _ = self.child.wait();
    }

    /// Waits for the process to exit.
    pub fn wait_exit(&mut self) -> std::process::ExitStatus {
        self.child.wait().unwrap()
    }

    /// Full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET `path` as JSON.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        answer(r).await
    }

    /// POST JSON to `path`.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap();
        answer(r).await
    }

    /// POST a grading request.
    pub async fn grade(&self, body: Value) -> (u16, Value) {
        self.post("/api/v1/grade", &body).await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(name) = &self.postgres_db {
            drop_postgres(name);
        }
    }
}

/// A client sending `Authorization: Bearer <token>` on every request.
pub fn client_with_token(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// `tessera user create` against `database_url` with [`PASSWORD`].
pub fn create_user(database_url: &str, email: &str, role: &str) {
    let out = binary()
        .args([
            "user",
            "create",
            "--email",
            email,
            "--role",
            role,
            "--database-url",
            database_url,
        ])
        .arg("--data-dir")
        .arg(data_dir())
        .env("TESSERA_USER_PASSWORD", PASSWORD)
        .output()
        .expect("run tessera user create");
    assert!(
        out.status.success(),
        "tessera user create: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A grading request for a fixture kind.
pub fn fixture_request(kind: &str) -> Value {
    serde_json::json!({
        "question": {"kind": kind, "prompt": "", "answer_key": {}},
        "answer": {}
    })
}

/// A multiple-choice request that the quiz grader marks correct.
pub fn healthy_request() -> Value {
    serde_json::json!({
        "question": {"kind": "multiple_choice", "prompt": "2+2?", "options": ["3", "4", "5"],
                     "answer_key": {"correct": [1]}},
        "answer": {"selected": [1]}
    })
}

impl Server {
    /// POSTs `body` over a raw connection, reading the answer even when the server answers
    /// before the body is sent (as it does for an oversized body) and stops reading.
    pub fn raw_post(&self, path: &str, content_type: &str, body: &[u8]) -> (u16, Value) {
        use std::io::{Read, Write};
        let addr = self.base.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-type: {content_type}\r\nauthorization: Bearer {}\r\ncontent-length: {}\r\n\r\n",
            self.token,
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply);
        let reply = String::from_utf8_lossy(&reply);
        let status = reply.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        let json = reply
            .split_once("\r\n\r\n")
            .and_then(|(_, b)| serde_json::from_str(b).ok())
            .unwrap_or(Value::Null);
        (status, json)
    }
}

impl Server {
    /// The flags a CLI command needs to reach this server's data: `--database-url` and,
    /// on the shared backend, `--redis-url` and `--redis-prefix` (so its changes reach
    /// every replica's cache at once).
    pub fn store_flags(&self) -> Vec<String> {
        let mut flags = vec!["--database-url".to_owned(), self.database_url.clone()];
        if let (Some(url), Some(prefix)) = (&self.redis_url, &self.redis_prefix) {
            flags.extend([
                "--redis-url".to_owned(),
                url.clone(),
                "--redis-prefix".to_owned(),
                prefix.clone(),
            ]);
        }
        flags
    }
}

/// Runs the `tessera` CLI with `args`: (success, stdout, stderr).
pub fn tessera<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> (bool, String, String) {
    let out = binary().args(args).output().expect("run the tessera CLI");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The first and the longest pause between two looks of [`eventually`]: short at first, so
/// a fast condition costs little, longer later, so a slow one does not flood the server.
const FIRST_PAUSE: Duration = Duration::from_millis(10);
const LONGEST_PAUSE: Duration = Duration::from_millis(200);

/// One wait of [`eventually`]: what for, until when, and the next pause.
struct Wait<'a> {
    what: &'a str,
    within: Duration,
    deadline: Instant,
    pause: Duration,
}

impl<'a> Wait<'a> {
    fn new(what: &'a str, within: Duration) -> Self {
        Wait {
            what,
            within,
            deadline: Instant::now() + within,
            pause: FIRST_PAUSE,
        }
    }

    /// The pause before the next look; past the deadline, the test fails with `last`.
    fn next(&mut self, last: impl Debug) -> Duration {
        assert!(
            Instant::now() < self.deadline,
            "waited {:?} for {}; last seen: {last:?}",
            self.within,
            self.what
        );
        let pause = self.pause;
        self.pause = (pause * 2).min(LONGEST_PAUSE);
        pause
    }
}

/// Waits for a condition instead of sleeping a fixed time: runs `look` until it returns
/// `Ok`, and returns that value. `Err` carries what was seen instead; if `within` passes
/// first, the test fails naming `what` it waited for and the last thing seen.
pub async fn eventually<T, E: Debug>(
    what: &str,
    within: Duration,
    mut look: impl AsyncFnMut() -> Result<T, E>,
) -> T {
    let mut wait = Wait::new(what, within);
    loop {
        match look().await {
            Ok(value) => return value,
            Err(seen) => tokio::time::sleep(wait.next(seen)).await,
        }
    }
}

/// [`eventually`] for a look that blocks (a child process, a socket) outside an async
/// test.
pub fn eventually_blocking<T, E: Debug>(
    what: &str,
    within: Duration,
    mut look: impl FnMut() -> Result<T, E>,
) -> T {
    let mut wait = Wait::new(what, within);
    loop {
        match look() {
            Ok(value) => return value,
            Err(seen) => std::thread::sleep(wait.next(seen)),
        }
    }
}

/// A response's status and JSON body (`null` when it has none).
async fn answer(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A one-shot HTTP server on 127.0.0.1 answering every request with `hello`; its port and
/// a count of the connections it accepted.
pub async fn hello_server() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut buf).await;
                let _ = tokio::io::AsyncWriteExt::write_all(
                    &mut socket,
                    b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello",
                )
                .await;
            });
        }
    });
    (port, accepted)
}

/// A client with a service token (`role=service`) for `/_internal/*`, issued by the CLI.
pub fn service_client(server: &Server) -> reqwest::Client {
    let args = [
        "service-token".to_owned(),
        "--name".into(),
        unique("svc"),
        "--jwt-secret".into(),
        JWT_SECRET.into(),
        "--database-url".into(),
        server.database_url.clone(),
    ];
    let (ok, out, err) = tessera(&args);
    assert!(ok, "{err}");
    client_with_token(out.trim())
}

/// Sends `method path` (with a JSON body when given) as `client`; the status and the JSON
/// answer (`null` when it is not JSON).
pub async fn call(
    server: &Server,
    client: &reqwest::Client,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut request = client.request(method, server.url(path));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}
