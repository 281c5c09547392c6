//! Starting the binary, waiting for readiness, and talking to it.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
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

/// The `tessera` binary under test.
pub fn binary() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `tessera serve`, killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`
    pub base: String,
    /// An HTTP client.
    pub http: reqwest::Client,
}

impl Server {
    /// Starts the binary with these plugin folders and waits until it is ready.
    pub async fn start(dirs: &[PathBuf]) -> Server {
        Self::start_with(dirs, &[]).await
    }

    /// Like [`Server::start`] with extra flags.
    pub async fn start_with(dirs: &[PathBuf], extra: &[&str]) -> Server {
        warm_compile_cache();
        let port = free_port();
        let joined = dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(",");
        let child = binary()
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .arg("--plugins-dir")
            .arg(joined)
            .args(if extra.contains(&"--data-dir") {
                Vec::new()
            } else {
                vec!["--data-dir".into(), data_dir().display().to_string()]
            })
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn tessera");
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("tessera exited before becoming ready: {status}");
            }
            if let Ok(r) = self.http.get(self.url("/health/ready")).send().await
                && r.status().is_success()
            {
                return;
            }
            assert!(Instant::now() < deadline, "tessera did not become ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
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
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
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
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
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
    }
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
