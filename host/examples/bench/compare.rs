//! `./dev bench compare` (issue 21): each headline path next to its peer, in the same run.
//!
//! Absolute times on these machines swing several-fold from day to day, so a figure here
//! means something only beside a peer measured minutes apart on the same cores. Each row
//! runs its sides in alternating rounds (so drift hits them alike), prints p50/p99 of
//! each and their ratio, and the table goes to `target/bench/compare.json` so runs can be
//! compared over time.
//!
//! Rows:
//! - **plugin call vs bare wasmtime**: Tessera's call path (`Runtime::grader_kinds`: limits,
//!   fuel and epoch deadline, the plugin's state and WASI context, a fresh instance from the
//!   `InstancePre`, the call, the drop) against the same component's `kinds()` instantiated
//!   from an `InstancePre` in the same process, every import a trap: once on wasmtime's
//!   default pooling engine, once on Tessera's own engine settings (the fairer floor: same
//!   memory reset, fuel and epochs). Goal: within 2×.
//! - **Python run vs a process per run**: the sandbox's fresh CPython instance against a
//!   fresh `python3 -I -S` process with `resource` limits, the same program. Goal: ≥ 10×
//!   faster.
//! - **AI gateway vs LiteLLM**: one OpenAI-compatible upstream that answers instantly,
//!   reached directly, through Tessera's `/v1/chat/completions` and through the LiteLLM
//!   proxy (installed from PyPI into `~/.cache/tessera/litellm` on first use), one request
//!   at a time over a kept-alive connection; each side's overhead is its latency minus the
//!   direct call's. Goal: overhead ≥ 20× lower than LiteLLM's, p50 ≤ 0.5 ms.
//! - **daily lesson vs a static file**: `GET /api/v1/lessons/daily` (1 000 learners, each
//!   request a different one's) against the same server answering its static
//!   `manifest.webmanifest`, `wrk` at 64 connections: the ratio is what the learning logic
//!   (token, session, plan, content) costs over the HTTP stack's own ceiling.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};

use tessera::metrics::Metrics;
use tessera::plugins::Registry;
use tessera::runtime::Runtime;
use tessera::sandbox::{RunStatus, Sandbox, SandboxSettings};

use super::{bench_runtime, percentile, repo, sandbox_spec};

/// A latency in the unit that reads best.
fn show(d: Duration) -> String {
    if d >= Duration::from_millis(1) {
        format!("{:.2} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{:.1} us", d.as_secs_f64() * 1e6)
    }
}

/// Rounds per row; each side runs `PER_ROUND` times in each (`PYTHON_PER_ROUND` for the
/// sandbox row, whose runs take milliseconds; `HTTP_PER_ROUND` for requests).
const ROUNDS: usize = 10;
const PER_ROUND: usize = 2_000;
const PYTHON_PER_ROUND: usize = 50;
const HTTP_PER_ROUND: usize = 300;
/// Rounds of the rows measured under load, and each round's length.
const LOAD_ROUNDS: usize = 3;
const LOAD_SECONDS: u32 = 5;

/// What one side measured: p50, p99 and, under load, answers per second.
#[derive(Debug, Clone, Copy)]
struct Figures {
    p50: Duration,
    p99: Duration,
    per_second: Option<f64>,
}

/// One side's latencies: one per call, or one summary per round under load.
struct Side {
    label: &'static str,
    samples: Vec<Duration>,
    rounds: Vec<Figures>,
}

impl Side {
    fn new(label: &'static str) -> Self {
        Self {
            label,
            samples: Vec::new(),
            rounds: Vec::new(),
        }
    }

    /// Percentiles of all calls; under load, the median round's p50 and p99 and the mean
    /// rate.
    fn figures(&mut self) -> Figures {
        if self.rounds.is_empty() {
            self.samples.sort_unstable();
            return Figures {
                p50: percentile(&self.samples, 0.5),
                p99: percentile(&self.samples, 0.99),
                per_second: None,
            };
        }
        let median = |mut v: Vec<Duration>| {
            v.sort_unstable();
            v[v.len() / 2]
        };
        Figures {
            p50: median(self.rounds.iter().map(|r| r.p50).collect()),
            p99: median(self.rounds.iter().map(|r| r.p99).collect()),
            per_second: Some(
                self.rounds.iter().filter_map(|r| r.per_second).sum::<f64>()
                    / self.rounds.len() as f64,
            ),
        }
    }
}

/// One row of the table: ours against the peer, and for rows that measure overhead, the
/// direct path both add to.
struct Row {
    what: &'static str,
    goal: &'static str,
    ours: Side,
    peer: Side,
    direct: Option<Side>,
}

/// A side's figures and, in a row with a direct path, its overhead over it.
type Line = (Figures, Option<Figures>);

/// A row's figures: each side's line, the direct path's, and the (p50, p99) ratio.
struct Summary {
    ours: Line,
    peer: Line,
    direct: Option<Figures>,
    ratio: (f64, f64),
}

/// Which side a measuring closure is asked to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Ours,
    Peer,
    Direct,
}

impl Row {
    fn new(what: &'static str, goal: &'static str, ours: &'static str, peer: &'static str) -> Self {
        Self {
            what,
            goal,
            ours: Side::new(ours),
            peer: Side::new(peer),
            direct: None,
        }
    }

    fn sides(&mut self) -> Vec<(Which, &mut Side)> {
        let mut sides = vec![(Which::Ours, &mut self.ours), (Which::Peer, &mut self.peer)];
        if let Some(direct) = &mut self.direct {
            sides.push((Which::Direct, direct));
        }
        sides
    }

    /// Warms every side up, then runs them in `ROUNDS` alternating rounds of `per_round`
    /// calls each, so drift on the machine hits all alike.
    async fn measure(&mut self, per_round: usize, call: impl AsyncFn(Which)) {
        for (which, _) in self.sides() {
            for _ in 0..per_round {
                call(which).await;
            }
        }
        for _ in 0..ROUNDS {
            for (which, side) in self.sides() {
                for _ in 0..per_round {
                    let t = Instant::now();
                    call(which).await;
                    side.samples.push(t.elapsed());
                }
            }
        }
    }

    /// Runs `LOAD_ROUNDS` alternating rounds of a load generator per side (`load` runs
    /// one round and returns its summary).
    fn measure_load(&mut self, load: impl Fn(Which) -> Figures) {
        for _ in 0..LOAD_ROUNDS {
            for (which, side) in self.sides() {
                side.rounds.push(load(which));
            }
        }
    }

    /// A side's figures, and its overhead over the direct path when the row has one.
    fn line(side: &mut Side, direct: Option<Figures>) -> (Figures, Option<Figures>) {
        let f = side.figures();
        let over = direct.map(|d| Figures {
            p50: f.p50.saturating_sub(d.p50),
            p99: f.p99.saturating_sub(d.p99),
            per_second: None,
        });
        (f, over)
    }

    /// Every side's figures; the ratio compares the overheads when there is a direct
    /// path, else the latencies.
    fn summary(&mut self) -> Summary {
        let direct = self.direct.as_mut().map(Side::figures);
        let ours = Self::line(&mut self.ours, direct);
        let peer = Self::line(&mut self.peer, direct);
        let (o, p) = (ours.1.unwrap_or(ours.0), peer.1.unwrap_or(peer.0));
        let ratio = (
            o.p50.as_secs_f64() / p.p50.as_secs_f64().max(1e-9),
            o.p99.as_secs_f64() / p.p99.as_secs_f64().max(1e-9),
        );
        Summary {
            ours,
            peer,
            direct,
            ratio,
        }
    }

    fn print(&mut self) {
        let summary = self.summary();
        println!("{}:", self.what);
        let print_side = |label: &str, (f, over): (Figures, Option<Figures>)| {
            let rate = f
                .per_second
                .map_or(String::new(), |r| format!("  {r:.0} req/s"));
            let over = over.map_or(String::new(), |o| {
                format!("  overhead p50 {}  p99 {}", show(o.p50), show(o.p99))
            });
            println!(
                "  {label:<36} p50 {}  p99 {}{rate}{over}",
                show(f.p50),
                show(f.p99)
            );
        };
        print_side(self.ours.label, summary.ours);
        print_side(self.peer.label, summary.peer);
        if let (Some(side), Some(f)) = (&self.direct, summary.direct) {
            print_side(side.label, (f, None));
        }
        let of = if summary.direct.is_some() {
            "overhead "
        } else {
            ""
        };
        println!(
            "  {:<36} p50 {:.3}x  p99 {:.3}x   goal: {}",
            format!("ratio ({of}ours / peer)"),
            summary.ratio.0,
            summary.ratio.1,
            self.goal
        );
    }

    fn report(&mut self) -> serde_json::Value {
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        let side = |label: &str, (f, over): (Figures, Option<Figures>)| {
            json!({
                "label": label,
                "p50_us": us(f.p50),
                "p99_us": us(f.p99),
                "per_second": f.per_second,
                "overhead_p50_us": over.map(|o| us(o.p50)),
                "overhead_p99_us": over.map(|o| us(o.p99)),
            })
        };
        let summary = self.summary();
        json!({
            "what": self.what,
            "goal": self.goal,
            "ours": side(self.ours.label, summary.ours),
            "peer": side(self.peer.label, summary.peer),
            "direct": self.direct.as_ref().zip(summary.direct).map(|(s, f)| side(s.label, (f, None))),
            "ratio_p50": summary.ratio.0,
            "ratio_p99": summary.ratio.1,
        })
    }
}

/// Tessera's plugin call against a bare wasmtime instantiate-and-call of the same
/// component: on wasmtime's default pooling engine, and on an engine built with Tessera's
/// own settings (`build_engine`: the same memory reset, fuel and epochs).
async fn plugin_call(data: &Path) -> Vec<Row> {
    let runtime = bench_runtime(data);
    let manifest = repo().join("plugins/quiz-grader/plugin.toml");
    let plugin = Arc::new(runtime.load_plugin(&manifest).await.unwrap());
    let bytes = std::fs::read(
        repo()
            .join("plugins/quiz-grader")
            .join(&plugin.manifest.component),
    )
    .unwrap();

    let mut config = Config::new();
    config.wasm_component_model(true);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(
        PoolingAllocationConfig::default(),
    ));
    let default_engine = Engine::new(&config).unwrap();
    let tessera_engine =
        tessera::runtime::engine::build_engine(tessera::runtime::engine::EngineSettings::default())
            .unwrap();
    let mut rows = Vec::new();
    for (engine, what, peer) in [
        (
            &default_engine,
            "plugin call vs bare wasmtime, default pooling engine (quiz-grader kinds(): fresh instance, call, drop; 1 task)",
            "bare wasmtime (InstancePre)",
        ),
        (
            &tessera_engine,
            "plugin call vs bare wasmtime on Tessera's engine settings (same call)",
            "bare wasmtime, Tessera's engine",
        ),
    ] {
        let component = Component::new(engine, &bytes).unwrap();
        let mut linker: Linker<()> = Linker::new(engine);
        linker.define_unknown_imports_as_traps(&component).unwrap();
        let pre = linker.instantiate_pre(&component).unwrap();
        let interface = component
            .get_export_index(None, "tessera:platform/grader@0.1.0")
            .unwrap();
        let kinds = component
            .get_export_index(Some(&interface), "kinds")
            .unwrap();
        let bare = async || {
            let mut store = Store::new(engine, ());
            // Tessera's engine meters fuel and epochs: a store starts with neither.
            let _ = store.set_fuel(u64::MAX);
            store.set_epoch_deadline(u64::MAX / 2);
            let instance = pre.instantiate_async(&mut store).await.unwrap();
            let func = instance
                .get_typed_func::<(), (Vec<String>,)>(&mut store, &kinds)
                .unwrap();
            func.call_async(&mut store, ()).await.unwrap().0
        };
        // Both answer the same.
        assert_eq!(
            bare().await,
            runtime.grader_kinds(&plugin).await.unwrap(),
            "the bare call and Tessera's disagree"
        );
        let mut row = Row::new(what, "within 2x", "tessera (Runtime::grader_kinds)", peer);
        row.measure(PER_ROUND, async |which| {
            if which == Which::Ours {
                runtime.grader_kinds(&plugin).await.unwrap();
            } else {
                bare().await;
            }
        })
        .await;
        rows.push(row);
    }
    rows
}

/// The Python sandbox (a fresh CPython instance per run, through `Sandbox::run`) against a
/// fresh `python3 -I -S` process per run with `resource` limits on its address space and
/// CPU time: what a process-based judge does at its core, before any container or isolate.
async fn python_vs_process(data: &Path) -> Row {
    let runtime = Runtime::new(
        &tessera::runtime::RuntimeSettings {
            engine: tessera::runtime::engine::EngineSettings::default(),
            cache_dir: data.join("cache"),
            plugin_kv_memory_bytes:
                tessera::runtime::capabilities::keyvalue::DEFAULT_KV_MEMORY_BYTES,
        },
        Arc::new(Metrics::new()),
    )
    .unwrap();
    let registry = Arc::new(Registry::new(runtime, vec![repo().join("plugins")]));
    let report = registry.reload().await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let sandbox = Sandbox::new(registry, SandboxSettings::default());
    let program = "print(sum(i * i for i in range(1000)))";
    let spec = sandbox_spec(program, 5_000);
    let expected = format!("{}\n", (0..1000u64).map(|i| i * i).sum::<u64>());
    let ours = async || {
        let out = sandbox.run(&spec, None).await.unwrap();
        assert_eq!(
            (out.status, out.stdout.as_str()),
            (RunStatus::Ok, expected.as_str())
        );
    };
    // The interpreter itself, not pyenv's shell shim in front of it.
    let python = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .unwrap();
    let python = String::from_utf8(python.stdout).unwrap().trim().to_owned();
    let limited = format!(
        "import resource\n\
         resource.setrlimit(resource.RLIMIT_AS, (256 << 20, 256 << 20))\n\
         resource.setrlimit(resource.RLIMIT_CPU, (5, 5))\n\
         {program}\n"
    );
    let process = || {
        let out = std::process::Command::new(&python)
            .args(["-I", "-S", "-c", &limited])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    };
    let mut row = Row::new(
        "python run vs a process per run (1 task, same program)",
        "ours >= 10x faster (ratio <= 0.1)",
        "tessera sandbox (fresh CPython)",
        "python3 -I -S process, rlimits",
    );
    row.measure(PYTHON_PER_ROUND, async |which| {
        if which == Which::Ours {
            ours().await;
        } else {
            process();
        }
    })
    .await;
    row
}

/// Runs every row, prints the table and writes `target/bench/compare.json`.
pub async fn compare(data: &Path) {
    println!("side by side (issue 21; each row's two sides alternate in {ROUNDS} rounds):");
    let mut rows = plugin_call(data).await;
    rows.push(python_vs_process(data).await);
    rows.extend(gateway_vs_litellm(data).await);
    rows.push(daily_vs_static(data).await);
    for row in &mut rows {
        row.print();
    }
    let out = repo().join("target/bench");
    std::fs::create_dir_all(&out).unwrap();
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let report = json!({
        "measured_at_unix": at,
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "rows": rows.iter_mut().map(Row::report).collect::<Vec<_>>(),
    });
    let path = out.join("compare.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&report).unwrap()).unwrap();
    println!("  (written to {})", path.display());
}

/// The LiteLLM release the gateway row runs against (pinned, so a run compares like with
/// like over time).
const LITELLM_VERSION: &str = "1.108.7";
const LITELLM_KEY: &str = "sk-bench-master";

/// The LiteLLM proxy's executable, installed from PyPI into a virtual environment under
/// `~/.cache/tessera/litellm` the first time; `None` (with the reason printed) when it
/// cannot be installed here.
fn litellm() -> Option<std::path::PathBuf> {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from)?;
    let venv = home.join(".cache/tessera/litellm");
    let exe = venv.join("bin/litellm");
    let installed = || {
        Command::new(venv.join("bin/pip"))
            .args(["show", "litellm"])
            .output()
            .ok()
            .is_some_and(|o| {
                String::from_utf8_lossy(&o.stdout).contains(&format!("Version: {LITELLM_VERSION}"))
            })
    };
    if exe.exists() && installed() {
        return Some(exe);
    }
    println!(
        "  installing litellm[proxy]=={LITELLM_VERSION} into {} (once; ~750 MB)...",
        venv.display()
    );
    let ok = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new(venv.join("bin/pip"))
            .args([
                "install",
                "-q",
                &format!("litellm[proxy]=={LITELLM_VERSION}"),
            ])
            .status()
            .is_ok_and(|s| s.success());
    if ok && exe.exists() {
        Some(exe)
    } else {
        println!("  could not install LiteLLM (no PyPI here?): the gateway row is skipped");
        None
    }
}

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the LiteLLM proxy in front of the upstream at `upstream` and waits until it
/// answers its liveness probe.
async fn start_litellm(exe: &Path, data: &Path, upstream: u16) -> Option<(Running, u16)> {
    let config = data.join("litellm.yaml");
    std::fs::write(
        &config,
        format!(
            "model_list:\n  - model_name: gpt-bench\n    litellm_params:\n      model: openai/gpt-bench\n      \
             api_base: http://127.0.0.1:{upstream}/v1\n      api_key: sk-upstream\n\
             general_settings:\n  master_key: {LITELLM_KEY}\n"
        ),
    )
    .unwrap();
    let port = super::free_port();
    let log = std::fs::File::create(data.join("litellm.log")).unwrap();
    let child = Command::new(exe)
        .arg("--config")
        .arg(&config)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--num_workers", "1"])
        .env("LITELLM_MASTER_KEY", LITELLM_KEY)
        // The model price map from the package, not fetched from GitHub at start.
        .env("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        .env("LITELLM_LOG", "ERROR")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .ok()?;
    let running = Running(child);
    let client = reqwest::Client::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(180) {
        let probe = client
            .get(format!("http://127.0.0.1:{port}/health/liveliness"))
            .send()
            .await;
        if probe.is_ok_and(|r| r.status().is_success()) {
            println!(
                "  LiteLLM {LITELLM_VERSION} ready in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            return Some((running, port));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    println!(
        "  LiteLLM did not start within 180 s (see {}): the gateway row is skipped",
        data.join("litellm.log").display()
    );
    None
}

/// The AI gateway's overhead against LiteLLM's: the same instant upstream reached
/// directly, through Tessera and through the LiteLLM proxy, one request at a time.
async fn gateway_vs_litellm(data: &Path) -> Option<Row> {
    let exe = litellm()?;
    let dir = data.join("compare-gateway");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (served, upstream) = super::gateway_server(&dir);
    let token = super::bench_token(&dir, served.port);
    let (_proxy, proxy_port) = start_litellm(&exe, &dir, upstream).await?;
    let body = r#"{"model":"gpt-bench","messages":[{"role":"user","content":"How do for loops work in Python?"}]}"#;
    // One client, so every side keeps one warm connection to its server.
    let client = reqwest::Client::new();
    let tessera = format!("http://127.0.0.1:{}/v1/chat/completions", served.port);
    let proxy = format!("http://127.0.0.1:{proxy_port}/v1/chat/completions");
    let direct = format!("http://127.0.0.1:{upstream}/v1/chat/completions");
    let call = async |which: Which| {
        let request = match which {
            // The response cache off: every request reaches the provider.
            Which::Ours => client
                .post(&tessera)
                .bearer_auth(&token)
                .header("cache-control", "no-cache"),
            Which::Peer => client.post(&proxy).bearer_auth(LITELLM_KEY),
            Which::Direct => client.post(&direct).bearer_auth("sk-upstream"),
        };
        let reply = request
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = reply.status();
        let answer: serde_json::Value = reply.json().await.unwrap();
        assert!(
            status.is_success() && answer["choices"][0]["message"]["content"] == "ok",
            "{which:?} answered {status}: {answer}"
        );
    };
    let mut row = Row::new(
        "AI gateway vs LiteLLM (instant upstream, 1 request at a time, kept-alive connections, cache off)",
        "overhead >= 20x lower than LiteLLM's (ratio <= 0.05), ours p50 <= 0.5 ms",
        "tessera /v1/chat/completions",
        "litellm proxy",
    );
    row.direct = Some(Side::new("the upstream directly"));
    row.measure(HTTP_PER_ROUND, call).await;
    Some(row)
}

/// Parses a `wrk` summary (ours from bench/learning.lua, the static side from
/// `WRK_DONE` and wrk's own `Requests/sec:` line); panics on failed requests.
fn wrk_figures(out: &str) -> Figures {
    let words: Vec<&str> = out.split_whitespace().collect();
    let after = |key: &str| {
        words
            .iter()
            .position(|w| *w == key)
            .and_then(|i| words.get(i + 1))
            .and_then(|v| v.parse::<f64>().ok())
    };
    let errors = after("non-2xx").or(after("non-2xx/errors"));
    assert_eq!(errors, Some(0.0), "wrk saw failed requests: {out}");
    let ms = |key| Duration::from_secs_f64(after(key).expect(out) / 1e3);
    let per_second = after("Requests/sec:").or_else(|| {
        let i = words.iter().position(|w| *w == "req/s")?;
        words.get(i.checked_sub(1)?)?.parse().ok()
    });
    Figures {
        p50: ms("p50"),
        p99: ms("p99"),
        per_second,
    }
}

/// The daily lesson against a static file from the same server, under `wrk` at 64
/// connections (each daily request a different one of 1 000 learners').
async fn daily_vs_static(data: &Path) -> Row {
    let dir = data.join("compare-daily");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("learning.db").display());
    let served = super::serve_with(
        &dir,
        &repo().join("plugins").display().to_string(),
        &[
            "--database-url",
            &url,
            "--jwt-secret",
            super::LEARNING_SECRET,
            "--content-dir",
            &repo().join("content").display().to_string(),
        ],
    );
    let tokens = super::seed_learners(&url, 1_000).await;
    let tokens_file = dir.join("tokens.txt");
    std::fs::write(&tokens_file, tokens.join("\n")).unwrap();
    let base = format!("http://127.0.0.1:{}", served.port);
    let file = format!("{base}/manifest.webmanifest");
    let (status, manifest) =
        super::http_json(served.port, "GET", "/manifest.webmanifest", "", None);
    assert!(
        status == 200 && manifest.is_object(),
        "the static file is missing ({status}): the web app must be built (./dev bench builds it)"
    );
    let load = |which: Which, seconds: u32| {
        let length = format!("-d{seconds}s");
        let args = ["-t2", "-c64", length.as_str()];
        let out = if which == Which::Ours {
            super::wrk_learning(&base, "daily", &tokens_file, &["0"], &args)
        } else {
            super::wrk(&file, None, "", &dir, &args)
        };
        wrk_figures(&out)
    };
    // Warm-up: every learner's first lesson, the catalog, the pools.
    load(Which::Ours, 3);
    load(Which::Peer, 1);
    let mut row = Row::new(
        "daily lesson vs a static file (same server, wrk 2 threads, 64 connections)",
        "report: the ratio is the learning logic's cost",
        "GET /api/v1/lessons/daily",
        "GET /manifest.webmanifest (static)",
    );
    row.measure_load(|which| load(which, LOAD_SECONDS));
    row
}
