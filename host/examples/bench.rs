//! Tessera's benchmarks (run with `./dev bench`, which builds everything in release first).
//!
//! 1. Plugin call overhead: instantiate from `InstancePre`, call a trivial export, drop;
//!    single task, then calls per second across every core.
//! 2. `POST /api/v1/grade` under `wrk` at 256 connections (installed by `./dev bench`).
//! 3. `tessera serve` start-to-ready, cold (empty compile cache) and warm.
//! 4. Resident memory of an idle host with every plugin loaded.
//! 5. The Python sandbox: load cold/warm; `print("hi")` per fresh CPython instance
//!    in-process (p50/p99, runs/s on every core); a 10-test exercise; hostile programs.
//! 6. The sandbox over HTTP (`wrk`), and host memory with 16 concurrent runs.
//! 7. Identity: `GET /api/v1/me` at 1000 connections on SQLite and Postgres, argon2id
//!    cost and logins/s, the rate limiter's cost in-process vs Redis.
//! 8. Learning: `GET /api/v1/lessons/daily` at 10 000 concurrent connections (10 000
//!    learners, `wrk` with bench/learning.lua), quiz submission and code-exercise grading
//!    latency, on SQLite and on Postgres.
//! 9. The event bus: publish -> handled p50/p99 on SQLite, Postgres and NATS, through the
//!    outbox, and throughput (`bench/events.rs`).
//! 10. Triage's rules stage per query (`bench/triage.rs`).
//! 11. An Extism plugin's call against a component's (`bench/extism.rs`).
//! 12. The edge (`tessera edge serve` on spin.toml): tutorial config and badge pages from
//!     its warm cache at 1 000 connections, and the daily lesson through it against
//!     straight to the origin (`bench/edge.rs`).
//! 13. Kalei: a Turn and a Mirror message at 32 users with the offline model, and the
//!     weekly Spectrum run over 100 000 users (`bench/kalei.rs`).
//! 14. Side by side (`./dev bench compare`, `bench/compare.rs`): each headline path next to
//!     its peer in the same run, with ratios, into `target/bench/compare.json`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tessera::metrics::Metrics;
use tessera::plugins::Registry;
use tessera::runtime::engine::EngineSettings;
use tessera::runtime::{LoadedPlugin, Runtime, RuntimeSettings};
use tessera::sandbox::{
    RunSpec, RunStatus, Sandbox, SandboxLimits, SandboxSettings, TestSpec, TestsSpec,
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

fn micros(d: Duration) -> String {
    format!("{:.1} us", d.as_secs_f64() * 1e6)
}

/// A runtime with default settings compiling into `data`'s cache, for in-process benches.
fn bench_runtime(data: &Path) -> Arc<Runtime> {
    let settings = RuntimeSettings {
        engine: EngineSettings::default(),
        cache_dir: data.join("cache"),
        plugin_kv_memory_bytes: tessera::runtime::capabilities::keyvalue::DEFAULT_KV_MEMORY_BYTES,
    };
    Runtime::new(&settings, Arc::new(Metrics::new())).unwrap()
}

async fn call_overhead(data: &Path) {
    let runtime = bench_runtime(data);
    let plugin: Arc<LoadedPlugin> = Arc::new(
        runtime
            .load_plugin(&repo().join("plugins/quiz-grader/plugin.toml"))
            .await
            .unwrap(),
    );
    // Warm up.
    for _ in 0..2_000 {
        runtime.grader_kinds(&plugin).await.unwrap();
    }
    let n = 20_000;
    let mut samples = Vec::with_capacity(n);
    let started = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        runtime.grader_kinds(&plugin).await.unwrap();
        samples.push(t.elapsed());
    }
    let total = started.elapsed();
    samples.sort();
    println!(
        "plugin call overhead (quiz-grader kinds(): fresh instance from InstancePre, call, drop), 1 task, {n} calls:"
    );
    println!(
        "  p50 {}  p99 {}  max {}  -> {:.0} calls/s",
        micros(percentile(&samples, 0.50)),
        micros(percentile(&samples, 0.99)),
        micros(*samples.last().unwrap()),
        n as f64 / total.as_secs_f64()
    );

    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let tasks = cores * 8;
    let per_task = 10_000;
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let runtime = runtime.clone();
            let plugin = plugin.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    runtime.grader_kinds(&plugin).await.unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    let total = started.elapsed();
    println!(
        "  all {cores} cores ({tasks} tasks): {:.0} calls/s",
        (tasks * per_task) as f64 / total.as_secs_f64()
    );
}

fn sandbox_spec(code: &str, timeout_ms: u64) -> RunSpec {
    RunSpec {
        language: "python".into(),
        code: code.into(),
        stdin: String::new(),
        limits: SandboxLimits {
            timeout_ms,
            memory_mb: 50,
            max_output_bytes: 65_536,
        },
    }
}

fn fizz(n: usize) -> String {
    match (n % 3, n % 5) {
        (0, 0) => "FizzBuzz".into(),
        (0, _) => "Fizz".into(),
        (_, 0) => "Buzz".into(),
        _ => n.to_string(),
    }
}

fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// The Python sandbox in-process, through `Sandbox` (what the HTTP handlers call): a fresh
/// CPython instance per run, limits, judging; no HTTP.
async fn python_runs(data: &Path) {
    let settings = RuntimeSettings {
        engine: EngineSettings::default(),
        cache_dir: data.join("cache"),
        plugin_kv_memory_bytes: tessera::runtime::capabilities::keyvalue::DEFAULT_KV_MEMORY_BYTES,
    };
    // Cold and warm load of the sandbox alone: compile CPython (19 MB) vs cached artifact.
    let cold_cache = data.join("python-cold");
    let _ = std::fs::remove_dir_all(&cold_cache);
    let manifest = repo().join("plugins/python-sandbox/plugin.toml");
    let mut load_times = Vec::new();
    for _ in 0..2 {
        let runtime = Runtime::new(
            &RuntimeSettings {
                engine: EngineSettings::default(),
                cache_dir: cold_cache.clone(),
                plugin_kv_memory_bytes:
                    tessera::runtime::capabilities::keyvalue::DEFAULT_KV_MEMORY_BYTES,
            },
            Arc::new(Metrics::new()),
        )
        .unwrap();
        let t = Instant::now();
        let plugin = runtime.load_plugin(&manifest).await.unwrap();
        load_times.push((t.elapsed(), plugin.baseline_memory_bytes));
    }
    println!("python-sandbox load (compile or cached artifact, link, smoke run):");
    println!(
        "  cold {}  warm {}  (interpreter baseline {:.1} MiB of linear memory)",
        millis(load_times[0].0),
        millis(load_times[1].0),
        load_times[1].1 as f64 / (1 << 20) as f64
    );

    let runtime = Runtime::new(&settings, Arc::new(Metrics::new())).unwrap();
    let registry = Arc::new(Registry::new(runtime, vec![repo().join("plugins")]));
    let report = registry.reload().await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let sandbox = Arc::new(Sandbox::new(
        registry,
        SandboxSettings {
            queue: 10_000,
            ..SandboxSettings::default()
        },
    ));
    let hi = sandbox_spec("print('hi')", 5_000);
    let run = |sandbox: Arc<Sandbox>, spec: RunSpec| async move {
        let out = sandbox.run(&spec, None).await.unwrap();
        assert_eq!(out.status, RunStatus::Ok, "{out:?}");
        out
    };
    for _ in 0..50 {
        run(sandbox.clone(), hi.clone()).await;
    }
    let n = 1_000;
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let out = run(sandbox.clone(), hi.clone()).await;
        samples.push(t.elapsed());
        assert_eq!(out.stdout, "hi\n");
    }
    samples.sort();
    println!("\npython sandbox print('hi'), fresh CPython instance, in-process, 1 task, {n} runs:");
    println!(
        "  p50 {}  p99 {}  max {}",
        millis(percentile(&samples, 0.50)),
        millis(percentile(&samples, 0.99)),
        millis(*samples.last().unwrap())
    );
    let tasks = cores * 4;
    let per_task = 400;
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let (sandbox, spec) = (sandbox.clone(), hi.clone());
            tokio::spawn(async move {
                for _ in 0..per_task {
                    run(sandbox.clone(), spec.clone()).await;
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    println!(
        "  all {cores} cores ({tasks} tasks, {} workers): {:.0} runs/s",
        sandbox.settings().workers,
        (tasks * per_task) as f64 / started.elapsed().as_secs_f64()
    );

    // A 10-test exercise: 5 output tests and 5 assertion tests, each a fresh instance.
    let code = "def fizz(n):\n    return 'Fizz' * (n % 3 == 0) + 'Buzz' * (n % 5 == 0) or str(n)\n\
                import sys\nfor line in sys.stdin:\n    print(fizz(int(line)))\n";
    let mut tests: Vec<TestSpec> = (1..=5)
        .map(|i| TestSpec {
            name: format!("stdin {i}"),
            stdin: format!("{}\n{}\n", i * 3, i * 5),
            expected_stdout: Some(format!("{}\n{}\n", fizz(i * 3), fizz(i * 5))),
            assertion: None,
        })
        .collect();
    tests.extend((1..=5).map(|i| TestSpec {
        name: format!("assert {i}"),
        stdin: String::new(),
        expected_stdout: None,
        assertion: Some(format!("fizz({}) == 'FizzBuzz'", i * 15)),
    }));
    let exercise = TestsSpec {
        run: sandbox_spec(code, 5_000),
        tests,
    };
    let n = 100;
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let report = sandbox.run_tests(&exercise, None).await.unwrap();
        samples.push(t.elapsed());
        assert!(report.passed, "{report:?}");
    }
    samples.sort();
    let started = Instant::now();
    let handles: Vec<_> = (0..cores * 2)
        .map(|_| {
            let (sandbox, exercise) = (sandbox.clone(), exercise.clone());
            tokio::spawn(async move {
                for _ in 0..25 {
                    sandbox.run_tests(&exercise, None).await.unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    println!("\n10-test exercise (5 stdin/expected-stdout + 5 assertions, fresh instance each):");
    println!(
        "  1 at a time: p50 {}  p99 {}   all cores ({} at a time): {:.0} exercises/s ({:.0} test runs/s)",
        millis(percentile(&samples, 0.50)),
        millis(percentile(&samples, 0.99)),
        cores * 2,
        (cores * 2 * 25) as f64 / started.elapsed().as_secs_f64(),
        (cores * 2 * 25 * 10) as f64 / started.elapsed().as_secs_f64()
    );

    // Hostile programs: how long after its deadline each one is reported.
    println!("\nhostile programs, deadline 1000 ms: status, and time to the answer");
    for (name, code) in [
        ("busy loop", "while True:\n    pass"),
        ("time.sleep(3600)", "import time\ntime.sleep(3600)"),
        ("10**(10**9)", "x = 10**(10**9)"),
        (
            "memory bomb",
            "a = []\nwhile True:\n    a.append(bytearray(1 << 20))",
        ),
        ("print flood", "while True:\n    print('x' * 1000)"),
        (
            "recursion bomb",
            "import sys\nsys.setrecursionlimit(10**7)\ndef f(n):\n    return f(n + 1)\nf(0)",
        ),
        (
            "C recursion bomb",
            "import json\njson.loads('[' * 100000 + ']' * 100000)",
        ),
    ] {
        let t = Instant::now();
        let out = sandbox.run(&sandbox_spec(code, 1_000), None).await.unwrap();
        println!(
            "  {name:<18} {:<14} {}",
            format!("{:?}", out.status),
            millis(t.elapsed())
        );
    }
}

fn binary() -> PathBuf {
    // The example lives in target/release/examples; the binary one level up.
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("tessera")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Served {
    child: Child,
    port: u16,
    ready_after: Duration,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data: &Path, plugin_dirs: &str) -> Served {
    serve_with(data, plugin_dirs, &[])
}

fn serve_with(data: &Path, plugin_dirs: &str, extra: &[&str]) -> Served {
    let port = free_port();
    let started = Instant::now();
    let child = Command::new(binary())
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--plugins-dir",
            plugin_dirs,
        ])
        .arg("--data-dir")
        .arg(data)
        // The benchmarks measure the server, not the rate limiter's refusals.
        .args([
            "--rate-limit-general",
            "1000000000",
            "--rate-limit-auth",
            "1000000",
            "--rate-limit-login-account",
            "1000000",
            "--rate-limit-ai",
            "1000000000",
            "--rate-limit-search",
            "1000000000",
        ])
        .args(extra)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run target/release/tessera (build it with ./dev build)");
    let ready_after = loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ =
                s.write_all(b"GET /health/ready HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
            let mut buf = String::new();
            let _ = s.read_to_string(&mut buf);
            if buf.starts_with("HTTP/1.1 200") {
                break started.elapsed();
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "host never became ready"
        );
        std::thread::sleep(Duration::from_millis(1));
    };
    Served {
        child,
        port,
        ready_after,
    }
}

/// One request over a fresh connection: (status, JSON body).
fn http_json(
    port: u16,
    method: &str,
    path: &str,
    body: &str,
    token: Option<&str>,
) -> (u16, serde_json::Value) {
    let reply = http_reply(port, method, path, body, token);
    let status = reply.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let json = reply
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or_default();
    (status, json)
}

/// One request on its own connection; the whole reply as text (empty when the server
/// cannot be reached).
fn http_reply(port: u16, method: &str, path: &str, body: &str, token: Option<&str>) -> String {
    use std::io::{Read, Write};
    let mut reply = String::new();
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return reply;
    };
    let auth = token.map_or(String::new(), |t| format!("authorization: Bearer {t}\r\n"));
    let _ = write!(
        s,
        "{method} {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\n{auth}content-length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = s.read_to_string(&mut reply);
    reply
}

const BENCH_EMAIL: &str = "bench@example.com";
const BENCH_PASSWORD: &str = "Tortoise-Lantern-2026!";

/// A super admin's access token on the server at `port` whose data folder is `data`
/// (the account is created with the CLI the first time).
fn bench_token(data: &Path, port: u16) -> String {
    let _ = Command::new(binary())
        .args([
            "user",
            "create",
            "--email",
            BENCH_EMAIL,
            "--role",
            "super_admin",
        ])
        .arg("--data-dir")
        .arg(data)
        .env("TESSERA_USER_PASSWORD", BENCH_PASSWORD)
        .env("RUST_LOG", "error")
        .output();
    let body = serde_json::json!({ "email": BENCH_EMAIL, "password": BENCH_PASSWORD }).to_string();
    let (status, reply) = http_json(port, "POST", "/api/v1/auth/login", &body, None);
    assert_eq!(status, 200, "bench login: {reply}");
    reply["access_token"].as_str().unwrap().to_owned()
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn startup_and_memory(data: &Path) {
    let plugins = repo().join("plugins").display().to_string();
    let all = format!(
        "{plugins},{}",
        repo().join("tests/fixtures/plugins").display()
    );
    let cold_dir = data.join("cold");
    let _ = std::fs::remove_dir_all(&cold_dir);
    let cold = serve(&cold_dir, &all);
    println!("\ntessera serve start-to-ready (all plugins: shipped + fixtures):");
    println!(
        "  cold (empty compile cache): {:.0} ms",
        cold.ready_after.as_secs_f64() * 1e3
    );
    drop(cold);
    let mut warm: Vec<Duration> = (0..5).map(|_| serve(&cold_dir, &all).ready_after).collect();
    warm.sort();
    println!(
        "  warm (cached artifacts), 5 runs: median {:.0} ms, max {:.0} ms",
        warm[2].as_secs_f64() * 1e3,
        warm[4].as_secs_f64() * 1e3
    );
    for (label, dirs) in [("shipped plugins", &plugins), ("shipped + fixtures", &all)] {
        let served = serve(&cold_dir, dirs);
        std::thread::sleep(Duration::from_millis(500));
        println!(
            "  idle resident memory ({label}): {} MiB",
            rss_kib(served.child.id()) / 1024
        );
    }
}

fn http_load(data: &Path) {
    let served = serve(data, &repo().join("plugins").display().to_string());
    let body = r#"{"question":{"kind":"multiple_choice","prompt":"2+2?","options":["3","4","5"],"answer_key":{"correct":[1]}},"answer":{"selected":[1]}}"#;
    let url = format!("http://127.0.0.1:{}/api/v1/grade", served.port);
    let token = bench_token(data, served.port);
    // Warm up the server's connection handling and the plugin path.
    let _ = wrk_post(&url, body, &token, data, &["-t2", "-c256", "-d2s"]);
    println!(
        "\nPOST /api/v1/grade (quiz-grader, multiple_choice) with wrk, 2 threads, 256 connections, 10 s:"
    );
    print!(
        "{}",
        wrk_post(
            &url,
            body,
            &token,
            data,
            &["-t2", "-c256", "-d10s", "--latency"]
        )
    );
}

/// The end of every wrk script here: the p50/p99 line the figures quote.
const WRK_DONE: &str = r#"done = function(summary, latency, requests)
  io.write(string.format("  p50 %.2f ms  p99 %.2f ms  requests %d  non-2xx/errors %d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"#;

/// Runs wrk with a script sending `token` (if any) and, for a POST, a JSON `body`;
/// returns the throughput and latency lines.
fn wrk(url: &str, body: Option<&str>, token: &str, data: &Path, args: &[&str]) -> String {
    wrk_with(url, body, token, &[], data, args)
}

/// [`wrk`] sending extra request headers.
fn wrk_with(
    url: &str,
    body: Option<&str>,
    token: &str,
    headers: &[(&str, &str)],
    data: &Path,
    args: &[&str],
) -> String {
    let script = data.join("bench.lua");
    let mut auth = if token.is_empty() {
        String::new()
    } else {
        format!(r#"wrk.headers["authorization"] = "Bearer {token}""#)
    };
    for (name, value) in headers {
        auth.push_str(&format!("\nwrk.headers[\"{name}\"] = \"{value}\""));
    }
    let post = body.map_or(String::new(), |b| {
        format!(
            "wrk.method = \"POST\"\nwrk.headers[\"content-type\"] = \"application/json\"\nwrk.body = [[{b}]]"
        )
    });
    std::fs::write(&script, format!("{post}\n{auth}\n{WRK_DONE}")).unwrap();
    let out = Command::new("wrk")
        .args(args)
        .arg("-s")
        .arg(&script)
        .arg(url)
        .output()
        .expect("wrk is installed by ./dev bench");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("Requests/sec") || l.trim_start().starts_with("p50"))
        .map(|l| format!("  {}\n", l.trim()))
        .collect()
}

fn wrk_post(url: &str, body: &str, token: &str, data: &Path, args: &[&str]) -> String {
    wrk(url, Some(body), token, data, args)
}

/// Warms up, then prints the latency a lone client sees (1 connection, 5 s) and the
/// throughput under `connections` (2 threads, 10 s) for POSTs of `body` to `url`.
fn post_figures(title: &str, url: &str, body: &str, token: &str, data: &Path, connections: u32) {
    post_figures_with(title, url, body, token, &[], data, connections);
}

/// [`post_figures`] sending extra request headers.
fn post_figures_with(
    title: &str,
    url: &str,
    body: &str,
    token: &str,
    headers: &[(&str, &str)],
    data: &Path,
    connections: u32,
) {
    let run = |args: &[&str]| wrk_with(url, Some(body), token, headers, data, args);
    let _ = run(&["-t1", "-c4", "-d2s"]);
    println!("\n{title} with wrk, 1 connection, 5 s:");
    print!("{}", run(&["-t1", "-c1", "-d5s", "--latency"]));
    println!("same, 2 threads, {connections} connections, 10 s:");
    let c = format!("-c{connections}");
    print!("{}", run(&["-t2", &c, "-d10s", "--latency"]));
}

fn sandbox_http(data: &Path) {
    let plugins = repo().join("plugins").display().to_string();
    let served = serve(data, &plugins);
    let url = format!("http://127.0.0.1:{}/api/v1/sandbox/run", served.port);
    let token = bench_token(data, served.port);
    let body = r#"{"code":"print('hi')"}"#;
    post_figures(
        "POST /api/v1/sandbox/run print(\"hi\")",
        &url,
        body,
        &token,
        data,
        8,
    );
    drop(served);

    // Host memory while 16 runs are in flight at once (16 workers, so none waits).
    let served = serve_with(data, &plugins, &["--sandbox-workers", "16"]);
    let pid = served.child.id();
    let url = format!("http://127.0.0.1:{}/api/v1/sandbox/run", served.port);
    let token = bench_token(data, served.port);
    println!("\nhost resident memory with 16 concurrent runs (sampled every 10 ms):");
    println!("  idle: {} MiB", rss_kib(pid) / 1024);
    let rt = tokio::runtime::Runtime::new().unwrap();
    for (label, code) in [
        ("sleep(1) (interpreter only)", "import time\ntime.sleep(1)"),
        (
            "30 MiB string + sleep(1)",
            "import time\ns = 'x' * (30 << 20)\ntime.sleep(1)",
        ),
    ] {
        let peak = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sampler = {
            let (peak, done) = (peak.clone(), done.clone());
            std::thread::spawn(move || {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    peak.fetch_max(rss_kib(pid), std::sync::atomic::Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
        };
        rt.block_on(async {
            let client = reqwest::Client::new();
            let token = &token;
            let runs = (0..16).map(|_| {
                let client = client.clone();
                let url = url.clone();
                async move {
                    let r: serde_json::Value = client
                        .post(&url)
                        .bearer_auth(token)
                        .json(&serde_json::json!({ "code": code }))
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    assert_eq!(r["status"], "ok", "{r}");
                }
            });
            futures::future::join_all(runs).await;
        });
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        sampler.join().unwrap();
        println!(
            "  16 x {label}: peak {} MiB, after {} MiB",
            peak.load(std::sync::atomic::Ordering::Relaxed) / 1024,
            rss_kib(pid) / 1024
        );
    }
}

/// A wrk GET with a bearer token.
fn wrk_get(url: &str, token: &str, data: &Path, args: &[&str]) -> String {
    wrk(url, None, token, data, args)
}

/// Runs `sql` with psql on the test server's database `db`; whether it succeeded.
fn psql(db: &str, sql: &str) -> bool {
    Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            db,
            "-q",
            "-c",
            sql,
        ])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Drops and creates the Postgres database `name`; false when Postgres is not reachable.
fn fresh_postgres(name: &str) -> bool {
    psql(
        "postgres",
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    ) && psql("postgres", &format!("CREATE DATABASE {name}"))
}

/// Identity figures: GET /me at 1000 connections on SQLite and Postgres, argon2id cost and
/// logins/s, and the rate limiter's cost per request in-process vs Redis.
fn identity(data: &Path) {
    let plugins = repo().join("plugins").display().to_string();
    let pg_name = "tessera_bench";
    let pg_ok = fresh_postgres(pg_name);
    let mut targets = vec![("SQLite", data.join("identity-sqlite"), None)];
    if pg_ok {
        targets.push((
            "Postgres",
            data.join("identity-pg"),
            Some(format!("postgres://postgres@127.0.0.1:5432/{pg_name}")),
        ));
    } else {
        println!("\n(Postgres not reachable: its /me figure is skipped)");
    }
    for (label, dir, url) in targets {
        let _ = std::fs::remove_dir_all(&dir);
        let mut extra: Vec<&str> = Vec::new();
        if let Some(url) = &url {
            extra.extend(["--database-url", url.as_str()]);
        }
        let db_args: Vec<String> = url
            .iter()
            .flat_map(|u| ["--database-url".to_owned(), u.clone()])
            .collect();
        // The account must exist before the server answers logins: create it with the CLI.
        let _ = Command::new(binary())
            .args([
                "user",
                "create",
                "--email",
                BENCH_EMAIL,
                "--role",
                "student",
            ])
            .args(&db_args)
            .arg("--data-dir")
            .arg(&dir)
            .env("TESSERA_USER_PASSWORD", BENCH_PASSWORD)
            .env("RUST_LOG", "error")
            .output();
        let served = serve_with(&dir, &plugins, &extra);
        let token = bench_token(&dir, served.port);
        let url = format!("http://127.0.0.1:{}/api/v1/me", served.port);
        let _ = wrk_get(&url, &token, data, &["-t2", "-c100", "-d2s"]);
        println!("\nGET /api/v1/me ({label}) with wrk, 2 threads, 1000 connections, 10 s:");
        print!(
            "{}",
            wrk_get(
                &url,
                &token,
                data,
                &["-t2", "-c1000", "-d10s", "--latency", "--timeout", "5s"]
            )
        );
        static_ceiling(served.port, data, 1000, 10);
        if label == "SQLite" {
            let login =
                format!("{{\"email\":\"{BENCH_EMAIL}\",\"password\":\"{BENCH_PASSWORD}\"}}");
            let login_url = format!("http://127.0.0.1:{}/api/v1/auth/login", served.port);
            println!(
                "POST /api/v1/auth/login (argon2id m=19 MiB, t=2, p=1) with wrk, 2 threads, 8 connections, 10 s:"
            );
            print!(
                "{}",
                wrk_post(
                    &login_url,
                    &login,
                    "",
                    data,
                    &["-t2", "-c8", "-d10s", "--latency"]
                )
            );
        }
    }

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let n = 50;
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            tessera::auth::password::hash("Bench-Password-2026!".into())
                .await
                .unwrap();
            samples.push(t.elapsed());
        }
        samples.sort();
        println!(
            "\nargon2id hash (m=19 MiB, t=2, p=1), 1 at a time: p50 {}  p99 {}",
            millis(percentile(&samples, 0.5)),
            millis(percentile(&samples, 0.99))
        );

        let stores: Vec<(&str, Arc<dyn tessera::kv::Kv>)> = {
            let mut v: Vec<(&str, Arc<dyn tessera::kv::Kv>)> =
                vec![("in-process", tessera::kv::connect(None, "").await.unwrap())];
            match tessera::kv::connect(Some("redis://127.0.0.1:6379"), "tessera-bench:").await {
                Ok(kv) => v.push(("Redis", kv)),
                Err(e) => println!("(Redis not reachable: {e})"),
            }
            v
        };
        println!("rate limiter: one sliding-window check (100/min per key, 1000 keys), 1 task:");
        for (label, kv) in stores {
            let n = 20_000;
            let mut samples = Vec::with_capacity(n);
            for i in 0..n {
                let key = format!("bench:{}", i % 1000);
                let t = Instant::now();
                kv.hit(&key, Duration::from_secs(60), 100).await.unwrap();
                samples.push(t.elapsed());
            }
            samples.sort();
            println!(
                "  {label:<10} p50 {}  p99 {}",
                micros(percentile(&samples, 0.5)),
                micros(percentile(&samples, 0.99))
            );
        }
    });
    session_check(data);
}

/// What every authenticated request adds: is the token's session still live, its role
/// current? One task, against a session of its own: a database read (the in-process store
/// shares nothing), with Redis one GET (a hit; the database on a miss), and the state this
/// replica remembers under its change epoch (the epochs read once a `--session-recheck-ms`).
fn session_check(data: &Path) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        println!("session check (is the token's session live, role current), 1 task:");
        let dir = data.join("session-check");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let pg_name = "tessera_bench_sessions";
        let mut dbs = vec![(
            "SQLite",
            format!("sqlite://{}", dir.join("tessera.db").display()),
        )];
        if fresh_postgres(pg_name) {
            dbs.push((
                "Postgres",
                format!("postgres://postgres@127.0.0.1:5432/{pg_name}"),
            ));
        }
        let redis = tessera::kv::connect(Some("redis://127.0.0.1:6379"), "tessera-bench:")
            .await
            .ok();
        for (label, url) in dbs {
            let db = tessera::store::Db::connect(&url, 2).await.unwrap();
            db.migrate().await.unwrap();
            let user = db
                .create_user(
                    tessera::store::users::NewUser {
                        email: BENCH_EMAIL.to_owned(),
                        password_hash: "-".to_owned(),
                        full_name: "Bench".to_owned(),
                        role: tessera::auth::Role::Student,
                    },
                    None,
                )
                .await
                .unwrap();
            let session = db
                .start_session(&user.id, 3_600_000, None, None)
                .await
                .unwrap();
            let keys = tessera::auth::TokenKeys::new(&[7; 32], "b", "b");
            let token = keys
                .issue(&user.id, &user.email, user.role, &session.session_id, 600)
                .unwrap();
            let claims = keys.check(&token).unwrap();
            let mut checks = vec![(format!("{label} read"), None, 0)];
            if let Some(kv) = &redis {
                checks.push((
                    format!("Redis GET ({label} on a miss)"),
                    Some(kv.clone()),
                    0,
                ));
            }
            checks.push(("remembered (1 s, the default)".to_owned(), None, 1000));
            for (what, kv, recheck_ms) in checks {
                let live = tessera::auth::Liveness::new(db.clone(), kv, recheck_ms);
                let n = 5_000;
                let mut samples = Vec::with_capacity(n);
                for _ in 0..n {
                    let t = Instant::now();
                    assert!(live.check(&claims).await.unwrap().is_ok());
                    samples.push(t.elapsed());
                }
                samples.sort();
                println!(
                    "  {what:<31} p50 {}  p99 {}",
                    micros(percentile(&samples, 0.5)),
                    micros(percentile(&samples, 0.99))
                );
            }
        }
    });
}

/// The safety gate on a 500-character message: the rules alone (native) and the whole
/// component call (fresh instance, screen, drop).
async fn safety_screen(data: &Path) {
    let message: String = "I have been working on this recursion exercise all evening and the \
        tests keep failing on the edge cases. My teacher says I should draw the call stack, \
        which helped a bit, but honestly this homework is killing me and I am tired of it. \
        Could you explain base cases again, slowly, with an example about factorials and \
        maybe one about walking a tree? Also, how do I kill a process that hangs in my \
        terminal? Thanks a lot, this course is great otherwise and I am learning plenty. \
        One more: what is tail recursion?"
        .chars()
        .take(500)
        .collect();
    assert_eq!(message.chars().count(), 500);
    let n = 20_000;
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let s = safety_filter::screen(&message);
        samples.push(t.elapsed());
        assert_eq!(s.level, safety_filter::Level::None);
    }
    samples.sort();
    println!("\nsafety screen of a 500-character message:");
    println!(
        "  rules alone (native): p50 {}  p99 {}",
        micros(percentile(&samples, 0.5)),
        micros(percentile(&samples, 0.99))
    );
    let runtime = Runtime::new(
        &RuntimeSettings {
            engine: EngineSettings::default(),
            cache_dir: data.join("cache"),
            plugin_kv_memory_bytes:
                tessera::runtime::capabilities::keyvalue::DEFAULT_KV_MEMORY_BYTES,
        },
        Arc::new(Metrics::new()),
    )
    .unwrap();
    let plugin = runtime
        .load_plugin(&repo().join("plugins/safety-filter/plugin.toml"))
        .await
        .unwrap();
    for _ in 0..200 {
        runtime.screen(&plugin, &message, Some("US")).await.unwrap();
    }
    let n = 5_000;
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        runtime.screen(&plugin, &message, Some("US")).await.unwrap();
        samples.push(t.elapsed());
    }
    samples.sort();
    println!(
        "  component call (fresh instance + screen): p50 {}  p99 {}",
        micros(percentile(&samples, 0.5)),
        micros(percentile(&samples, 0.99))
    );
    let plain: String = "Could you explain how list comprehensions work in Python? I understand \
        for loops, but when I see brackets with a for inside them I lose track of what is \
        produced first. For example, squares of even numbers from a range: is the condition \
        applied before or after the expression? Also, are comprehensions faster than loops, \
        or is that a myth? My teacher showed dictionary comprehensions too, and generator \
        expressions with round brackets, which seem lazy. When should I prefer a generator? \
        Thank you, this lesson was great."
        .chars()
        .take(500)
        .collect();
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        runtime.screen(&plugin, &plain, None).await.unwrap();
        samples.push(t.elapsed());
    }
    samples.sort();
    println!(
        "  component call, {}-character question without trigger words: p50 {}  p99 {}",
        plain.chars().count(),
        micros(percentile(&samples, 0.5)),
        micros(percentile(&samples, 0.99))
    );
    let short = "hello, how do loops work in python?";
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        runtime.screen(&plugin, short, None).await.unwrap();
        samples.push(t.elapsed());
    }
    samples.sort();
    println!(
        "  component call, {}-character message without trigger words: p50 {}  p99 {}",
        short.len(),
        micros(percentile(&samples, 0.5)),
        micros(percentile(&samples, 0.99))
    );
    // The whole gate: rules (the component) then meaning (embedding + head), on messages
    // made distinct so the stage's cache never answers; then the same message again.
    let registry = Arc::new(tessera::plugins::Registry::new(
        runtime.clone(),
        vec![repo().join("plugins")],
    ));
    registry.reload().await;
    let stage = Arc::new(tessera::safety::semantic::SemanticStage::new(
        embeddings_service(),
        tessera::safety::head::Head::from_json(tessera::safety::semantic::SHIPPED_HEAD).unwrap(),
    ));
    // The head alone on one embedded window: the kernel over every prototype, the wording
    // model over the window's n-grams, the kind model.
    let window = learner_message(0);
    let vector = stage
        .embeddings()
        .embed(vec![window.clone()])
        .await
        .unwrap()
        .remove(0);
    let head = stage.head();
    let mut samples = Vec::with_capacity(1000);
    for _ in 0..1000 {
        let t = Instant::now();
        std::hint::black_box(head.scores(std::hint::black_box(&window), &vector));
        samples.push(t.elapsed());
    }
    samples.sort();
    println!(
        "  head alone (meaning over {} prototypes + wording over {} n-grams), one window: p50 {}  p99 {}",
        head.risk.alpha.len(),
        head.lexical.len(),
        micros(percentile(&samples, 0.5)),
        micros(percentile(&samples, 0.99))
    );
    let gate = tessera::safety::SafetyGate::new(
        registry,
        tessera::safety::SafetySettings {
            semantic: Some(stage),
            hotlines: tessera::safety::resources::Hotlines::shipped(),
        },
    );
    for i in 0..20 {
        gate.screen(&learner_message(i), None).await.unwrap();
    }
    let n = 300;
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let text = learner_message(1000 + i);
        let t = Instant::now();
        let verdict = gate.screen(&text, None).await.unwrap();
        samples.push(t.elapsed());
        assert_eq!(verdict.level, tessera::safety::Level::None);
    }
    samples.sort();
    println!(
        "  whole gate (rules + meaning), 500-character message: p50 {}  p99 {}",
        micros(percentile(&samples, 0.5)),
        micros(percentile(&samples, 0.99))
    );
    let repeated = learner_message(1000);
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        gate.screen(&repeated, None).await.unwrap();
        samples.push(t.elapsed());
    }
    samples.sort();
    println!(
        "  whole gate, a message screened before (meaning cached): p50 {}  p99 {}",
        micros(percentile(&samples, 0.5)),
        micros(percentile(&samples, 0.99))
    );
}

/// Resident memory of this process, from /proc (Linux), in MiB.
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn embeddings_service() -> Arc<tessera::embeddings::Embeddings> {
    let dir = std::env::var_os("TESSERA_EMBEDDINGS_MODEL")
        .map(PathBuf::from)
        .or_else(tessera::embeddings::default_model_dir)
        .expect("a model folder");
    tessera::embeddings::Embeddings::start(&tessera::embeddings::EmbeddingSettings {
        model_dir: dir,
        workers: 1,
    })
    .expect("load the embeddings model (./dev fetches it)")
}

/// A 500-character learner message, made distinct by `n` (so no cache answers it).
fn learner_message(n: usize) -> String {
    format!(
        "Question {n}: I have been working on this recursion exercise all evening and the tests \
         keep failing on the edge cases. My teacher says I should draw the call stack, which \
         helped a bit, but I still get lost. Could you explain base cases again, slowly, with an \
         example about factorials and maybe one about walking a tree? Also, how do I stop a \
         process that hangs in my terminal? Thanks a lot, this course is great otherwise and I \
         am learning plenty. One more: what is tail recursion and does Python do it at all?"
    )
    .chars()
    .take(500)
    .collect()
}

/// The embeddings model: load time and memory, one 500-character message, batches.
fn embeddings_bench() {
    let before = rss_mib();
    let t = Instant::now();
    let service = embeddings_service();
    let load = t.elapsed();
    let after = rss_mib();
    println!("\nembeddings (all-MiniLM-L6-v2, candle, CPU):");
    println!(
        "  model load {} ms, resident memory +{:.0} MiB (process {:.0} MiB)",
        load.as_millis(),
        after - before,
        after
    );
    let one = vec![learner_message(0)];
    for _ in 0..20 {
        service.embed_blocking(&one).unwrap();
    }
    // One text at a time, 300 different ones: p50 and p99.
    let one_by_one = |label: &str, text: &dyn Fn(usize) -> String| {
        let mut samples: Vec<Duration> = (0..300)
            .map(|i| {
                let text = vec![text(i)];
                let t = Instant::now();
                service.embed_blocking(&text).unwrap();
                t.elapsed()
            })
            .collect();
        samples.sort();
        println!(
            "  {label}: p50 {}  p99 {}",
            micros(percentile(&samples, 0.5)),
            micros(percentile(&samples, 0.99))
        );
    };
    // A thought as Kalei's users write one: the meaning stage's commonest text.
    one_by_one("one short sentence (~15 tokens)", &|i| {
        format!("After {i} days of revising, I always fail my exams.")
    });
    one_by_one("one 500-character message", &learner_message);
    for batch in [8usize, 32, 64] {
        let texts: Vec<String> = (0..batch).map(learner_message).collect();
        let rounds = 10;
        let t = Instant::now();
        for _ in 0..rounds {
            service.embed_blocking(&texts).unwrap();
        }
        let per_sec = (rounds * batch) as f64 / t.elapsed().as_secs_f64();
        println!("  batches of {batch} 500-character messages: {per_sec:.0} messages/s");
    }
    let short: Vec<String> = (0..64)
        .map(|i| format!("how do loops work in python, part {i}?"))
        .collect();
    let t = Instant::now();
    for _ in 0..10 {
        service.embed_blocking(&short).unwrap();
    }
    println!(
        "  batches of 64 short questions (~40 characters): {:.0} messages/s",
        640.0 / t.elapsed().as_secs_f64()
    );
}

/// `POST /v1/chat/completions` end to end: token, AI rate class, safety screen of the
/// message, the AI gateway component answering with the offline model.
fn chat(data: &Path) {
    let served = serve(data, &repo().join("plugins").display().to_string());
    let url = format!("http://127.0.0.1:{}/v1/chat/completions", served.port);
    let token = bench_token(data, served.port);
    let body = r#"{"model":"tessera-offline","messages":[{"role":"user","content":"How do for loops work in Python?"}]}"#;
    post_figures(
        "POST /v1/chat/completions (safety screen + ai-gateway, offline model)",
        &url,
        body,
        &token,
        data,
        32,
    );
}

/// An OpenAI-compatible upstream that answers every request at once (for the gateway
/// overhead figure); returns its port.
fn instant_upstream() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            listener.set_nonblocking(true).unwrap();
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let body = r#"{"id":"x","object":"chat.completion","model":"gpt-bench","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}"#;
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            loop {
                let Ok((mut socket, _)) = listener.accept().await else { continue };
                let reply = reply.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 16384];
                    let mut seen = Vec::new();
                    loop {
                        let Ok(n) = socket.read(&mut buf).await else { return };
                        if n == 0 {
                            return;
                        }
                        seen.extend_from_slice(&buf[..n]);
                        // One request per read burst is enough for this client: answer
                        // once the headers and the declared body are in.
                        if let Some(i) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&seen[..i]).to_lowercase();
                            let len = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .and_then(|v| v.trim().parse::<usize>().ok())
                                .unwrap_or(0);
                            if seen.len() >= i + 4 + len {
                                seen.drain(..i + 4 + len);
                                if socket.write_all(reply.as_bytes()).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                });
            }
        });
    });
    port
}

/// `tessera serve` with the safety filter and an AI gateway whose one provider is an
/// instant upstream (`instant_upstream`), the day's token budget lifted; returns the
/// server and the upstream's port.
fn gateway_server(data: &Path) -> (Served, u16) {
    let port = instant_upstream();
    let dir = data.join("gateway-plugin");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let providers = serde_json::json!([{ "name": "bench", "kind": "openai",
        "base_url": format!("http://127.0.0.1:{port}/v1"), "models": ["gpt-bench"] }]);
    std::fs::write(
        dir.join("plugin.toml"),
        format!(
            "id = \"ai-gateway\"\nversion = \"0.1.0\"\ncontract = \"0.1.0\"\nworld = \"llm-plugin\"\n\
             component = {:?}\n[limits]\ntimeout_ms = 5000\n[grants]\noutbound_hosts = [\"127.0.0.1:{port}\"]\n\
             keyvalue = true\n[grants.config]\nproviders = {:?}\n",
            repo().join("dist/components/ai_gateway.wasm").display().to_string(),
            providers.to_string()
        ),
    )
    .unwrap();
    let plugins = format!(
        "{},{}",
        repo().join("plugins/safety-filter").display(),
        dir.display()
    );
    // The bench account's daily token budget would run out mid-run: lift it.
    let served = serve_with(data, &plugins, &["--ai-daily-tokens", r#"{"free": 0}"#]);
    (served, port)
}

/// The gateway against an upstream that answers instantly: what Tessera adds to a
/// provider call (front door, token, rate limit, safety screen, gateway component,
/// outbound HTTP).
fn gateway_overhead(data: &Path) {
    let (served, _) = gateway_server(data);
    let url = format!("http://127.0.0.1:{}/v1/chat/completions", served.port);
    let token = bench_token(data, served.port);
    let body = r#"{"model":"gpt-bench","messages":[{"role":"user","content":"How do for loops work in Python?"}]}"#;
    // Every request goes to the provider (no cache): breaker read and write, budget
    // check and charge, outbound HTTP.
    post_figures_with(
        "POST /v1/chat/completions to a provider that answers instantly (gateway overhead, cache off)",
        &url,
        body,
        &token,
        &[("cache-control", "no-cache")],
        data,
        32,
    );
    post_figures(
        "same request answered from the gateway's response cache",
        &url,
        body,
        &token,
        data,
        32,
    );
}

#[path = "bench/compare.rs"]
mod compare;
#[path = "bench/edge.rs"]
mod edge;
#[path = "bench/events.rs"]
mod events;
#[path = "bench/extism.rs"]
mod extism;
#[path = "bench/kalei.rs"]
mod kalei;
#[path = "bench/registry.rs"]
mod registry;
#[path = "bench/social.rs"]
mod social;
#[path = "bench/triage.rs"]
mod triage_rules;
#[path = "bench/tutor.rs"]
mod tutor;
#[path = "bench/tutorials.rs"]
mod tutorials;
#[path = "bench/web.rs"]
mod web;

fn main() {
    let data = std::env::temp_dir().join("tessera-bench");
    std::fs::create_dir_all(&data).unwrap();
    let only = std::env::args().nth(1).unwrap_or_default();
    if only.is_empty() || only == "calls" {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(call_overhead(&data));
    }
    if only.is_empty() || only == "extism" {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(extism::overhead(&data));
    }
    if only.is_empty() || only == "python" {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(python_runs(&data));
    }
    if only.is_empty() || only == "http" {
        http_load(&data);
    }
    if only.is_empty() || only == "python" || only == "sandbox-http" {
        sandbox_http(&data);
    }
    if only.is_empty() || only == "safety" {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(safety_screen(&data));
    }
    if only.is_empty() || only == "embeddings" {
        embeddings_bench();
    }
    if only.is_empty() || only == "chat" {
        chat(&data);
        gateway_overhead(&data);
    }
    if only.is_empty() || only == "identity" {
        identity(&data);
    }
    if only.is_empty() || only == "triage" {
        triage_rules::triage();
    }
    if only.is_empty() || only == "events" {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(events::events(&data));
    }
    if only.is_empty() || only == "tutor" {
        tutor::tutor(&data);
    }
    if only.is_empty() || only == "tutorials" {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(tutorials::in_component(&data));
        tutorials::over_http(&data);
    }
    if only.is_empty() || only == "web" {
        web::first_screen(&data);
    }
    if only.is_empty() || only == "edge" {
        edge::edge(&data);
    }
    if only.is_empty() || only == "kalei" {
        kalei::kalei(&data);
    }
    if only.is_empty() || only == "social" {
        social::social(&data);
    }
    if only.is_empty() || only == "registry" {
        registry::convergence(&data);
    }
    if only == "sessions" {
        session_check(&data);
    }
    if only.is_empty() || only == "compare" {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(compare::compare(&data));
    }
    if only.is_empty() || only == "learning" {
        learning(&data);
    }
    if only.is_empty() || only == "startup" {
        startup_and_memory(&data);
    }
}

/// The secret the learning benchmark's server signs tokens with, so the benchmark can mint
/// 10 000 learners' tokens itself.
const LEARNING_SECRET: &str = "bench-learning-secret-0123456789abcdef";

/// Creates `n` learners in the database at `url` (one password hash shared by all:
/// argon2id would take minutes for 10 000) and returns an access token for each.
async fn seed_learners(url: &str, n: usize) -> Vec<String> {
    use tessera::auth::{Role, TokenKeys};
    use tessera::store::Db;
    use tessera::store::users::NewUser;
    let db = Db::connect(url, 8).await.expect("bench database");
    let keys = TokenKeys::new(LEARNING_SECRET.as_bytes(), "lyoapp-backend", "lyoapp-users");
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hzYWx0YmVuY2g$0000000000000000000000000000000000000000000";
    let run = uuid_like();
    let mut tokens = Vec::with_capacity(n);
    let mut pending = Vec::new();
    for i in 0..n {
        let db = db.clone();
        let email = format!("learner{i}-{run}@bench.example");
        pending.push(tokio::spawn(async move {
            let user = db
                .create_user(
                    NewUser {
                        email: email.clone(),
                        password_hash: hash.to_owned(),
                        full_name: format!("Learner {i}"),
                        role: Role::Student,
                    },
                    None,
                )
                .await
                .expect("create learner");
            // Every request checks its token's session: give each learner a real one.
            let session = db
                .start_session(&user.id, 7_200_000, None, None)
                .await
                .expect("start a learner's session");
            (user.id, email, session.session_id)
        }));
        if pending.len() == 16 || i + 1 == n {
            for p in pending.drain(..) {
                let (id, email, sid) = p.await.unwrap();
                tokens.push(keys.issue(&id, &email, Role::Student, &sid, 7200).unwrap());
            }
        }
    }
    tokens
}

fn uuid_like() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

/// Runs `wrk` with bench/learning.lua in `mode`; returns its summary line.
fn wrk_learning(url: &str, mode: &str, tokens: &Path, extra: &[&str], wrk_args: &[&str]) -> String {
    let script = repo().join("bench/learning.lua");
    let out = Command::new("wrk")
        .args(wrk_args)
        .arg("-s")
        .arg(&script)
        .arg(url)
        .arg("--")
        .arg(mode)
        .arg(tokens)
        .args(extra)
        .output()
        .expect("wrk is installed by ./dev bench");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let summary: String = text
        .lines()
        .filter(|l| l.trim_start().starts_with("p50"))
        .map(|l| format!("{}\n", l.trim_end()))
        .collect();
    if summary.is_empty() {
        format!(
            "  wrk printed no summary: {text}{}\n",
            String::from_utf8_lossy(&out.stderr)
        )
    } else {
        summary
    }
}

fn learning(data: &Path) {
    let plugins = repo().join("plugins").display().to_string();
    let content = repo().join("content").display().to_string();
    let learners: usize = std::env::var("TESSERA_BENCH_LEARNERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let think_ms = std::env::var("TESSERA_BENCH_THINK_MS").unwrap_or_else(|_| "5000".into());
    // The server's database pool (`--db-max-connections`).
    let pool = std::env::var("TESSERA_BENCH_DB_POOL").unwrap_or_else(|_| "8".into());
    // `TESSERA_BENCH_STORM_ONLY=1`: the storm row alone (a minute a database), for sweeping
    // a setting such as `TESSERA_MAX_REQUESTS_IN_FLIGHT`.
    let storm_only = std::env::var("TESSERA_BENCH_STORM_ONLY").is_ok_and(|v| v == "1");
    // How long each learner's data is kept (`--learner-cache-seconds`; 0: read every time,
    // to compare with the kept figures in one sitting).
    let kept = std::env::var("TESSERA_BENCH_LEARNER_CACHE_SECONDS").unwrap_or_else(|_| "30".into());
    let pg_name = "tessera_bench_learning";
    let dir = data.join("learning");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut targets = vec![(
        "SQLite",
        format!("sqlite://{}", dir.join("learning.db").display()),
    )];
    if fresh_postgres(pg_name) {
        targets.push((
            "Postgres",
            format!("postgres://postgres@127.0.0.1:5432/{pg_name}"),
        ));
    } else {
        println!("\n(Postgres not reachable: the learning figures on Postgres are skipped)");
    }
    // `TESSERA_BENCH_DB=sqlite|postgres` runs one of the two.
    if let Ok(only) = std::env::var("TESSERA_BENCH_DB") {
        targets.retain(|(label, _)| label.eq_ignore_ascii_case(&only));
    }
    let solution = repo().join("content/python-basics/lessons/values-and-variables.json");
    let lesson: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(solution).unwrap()).unwrap();
    let code = lesson["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "values-and-variables.ex1")
        .unwrap()["solution"]
        .clone();
    let body_file = dir.join("code.json");
    std::fs::write(&body_file, serde_json::json!({ "code": code }).to_string()).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    for (label, url) in targets {
        let served = serve_with(
            &dir,
            &plugins,
            &[
                "--database-url",
                &url,
                "--jwt-secret",
                LEARNING_SECRET,
                "--content-dir",
                &content,
                "--db-max-connections",
                &pool,
                "--learner-cache-seconds",
                &kept,
                // Room for every learner's connection at once (the default, 4 096, would
                // leave the rest waiting in the listen backlog through the storm).
                "--max-connections",
                &(learners + 1_000).to_string(),
            ],
        );
        let started = Instant::now();
        let tokens = runtime.block_on(seed_learners(&url, learners));
        if label == "Postgres" {
            // After a bulk load, as an operator would: fresh planner statistics.
            psql(pg_name, "VACUUM ANALYZE");
        }
        let tokens_file = dir.join(format!("tokens-{label}.txt"));
        std::fs::write(&tokens_file, tokens.join("\n")).unwrap();
        println!(
            "\nlearning on {label} (learners' data kept {kept} s): {learners} learners created in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let base = format!("http://127.0.0.1:{}", served.port);
        // The storm as a morning's first wave meets it: every learner's first request
        // since the server started, so nothing of theirs is kept (their data, session,
        // persona are read from the database); once each learner has asked, the rest of
        // the 15 s is served from what is kept. It also warms the server for the rows after.
        println!(
            "GET /api/v1/lessons/daily, a cold storm: {learners} connections all asking at once and again at once, the first {learners} requests each a learner's first (nothing of them kept yet), 15 s:"
        );
        storm(&base, served.port, &tokens_file, learners);
        if !storm_only {
            println!(
                "GET /api/v1/lessons/daily, {learners} concurrent connections (one learner each, think time uniform 0-{} ms), 2 wrk threads, 30 s:",
                2 * think_ms.parse::<u64>().unwrap_or(0)
            );
            print!(
                "{}",
                wrk_learning(
                    &base,
                    "daily",
                    &tokens_file,
                    &[&think_ms],
                    &["-t2", &format!("-c{learners}"), "-d30s", "--timeout", "10s"],
                )
            );
        }
        println!(
            "GET /api/v1/lessons/daily, {learners} connections all asking at once and again at once, no think time (a storm; seed 000 asks p99 <= 2 s), 15 s:"
        );
        storm(&base, served.port, &tokens_file, learners);
        if storm_only {
            continue;
        }
        static_ceiling(served.port, &dir, learners, 15);
        println!("GET /api/v1/lessons/daily, 64 connections, no think time (throughput), 15 s:");
        print!(
            "{}",
            wrk_learning(
                &base,
                "daily",
                &tokens_file,
                &["0"],
                &["-t2", "-c64", "-d15s"]
            )
        );
        println!(
            "POST /api/v1/steps/{{id}}/quiz (graded, engine-recorded, stored), 64 connections, 15 s:"
        );
        print!(
            "{}",
            wrk_learning(&base, "quiz", &tokens_file, &[], &["-t2", "-c64", "-d15s"])
        );
        let body = body_file.display().to_string();
        println!(
            "POST /api/v1/exercises/{{id}}/submit (3 tests, each a sandboxed CPython run), 4 connections, 20 s:"
        );
        print!(
            "{}",
            wrk_learning(
                &base,
                "code",
                &tokens_file,
                &["0", &body],
                &["-t2", "-c4", "-d20s", "--timeout", "30s"],
            )
        );
        drop(served);
    }
}

/// `learners` connections asking for the daily lesson back to back for 15 s, each request
/// another learner's: wrk's figures, then the server's own (`print_inside_server`).
fn storm(base: &str, port: u16, tokens_file: &Path, learners: usize) {
    let before = storm_histograms(port);
    let refused_before = refused_daily(port);
    print!(
        "{}",
        wrk_learning(
            base,
            "daily",
            tokens_file,
            &["0"],
            &["-t2", &format!("-c{learners}"), "-d15s", "--timeout", "10s"],
        )
    );
    print_inside_server(&before, &storm_histograms(port));
    let refused: Vec<String> = refused_daily(port)
        .into_iter()
        .filter_map(|(status, n)| {
            let was = refused_before
                .iter()
                .find(|(s, _)| *s == status)
                .map_or(0, |(_, n)| *n);
            (n > was).then(|| format!("{status}: {}", n - was))
        })
        .collect();
    if !refused.is_empty() {
        println!(
            "  answered other than 200, by status: {}",
            refused.join(", ")
        );
    }
}

/// The daily lesson's answers other than 200 so far, by status
/// (`tessera_http_requests_total`).
fn refused_daily(port: u16) -> Vec<(String, u64)> {
    http_reply(port, "GET", "/metrics", "", None)
        .lines()
        .filter(|l| {
            l.starts_with("tessera_http_requests_total{")
                && l.contains("route=\"/api/v1/lessons/daily\"")
                && !l.contains("status=\"200\"")
        })
        .filter_map(|l| {
            let status = l.split("status=\"").nth(1)?.split('"').next()?;
            Some((status.to_owned(), l.rsplit(' ').next()?.parse().ok()?))
        })
        .collect()
}

/// The server's own histograms a storm of daily lessons is read from: the route's time
/// answered 2xx (`tessera_http_request_duration_seconds`) and the lesson engine's
/// `plan-day` calls (`tessera_plugin_call_duration_seconds`), and every limited request's
/// wait for a handler turn (`tessera_http_turn_wait_seconds`), each as cumulative counts by
/// upper bound in seconds.
fn storm_histograms(port: u16) -> [Vec<(f64, u64)>; 3] {
    let reply = http_reply(port, "GET", "/metrics", "", None);
    let buckets = |metric: &str, labels: &[&str]| -> Vec<(f64, u64)> {
        reply
            .lines()
            .filter(|l| {
                l.starts_with(metric)
                    && l[metric.len()..].starts_with("_bucket{")
                    && labels.iter().all(|label| l.contains(label))
            })
            .filter_map(|l| {
                let le = l.split("le=\"").nth(1)?.split('"').next()?;
                let le = if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().ok()?
                };
                Some((le, l.rsplit(' ').next()?.parse().ok()?))
            })
            .collect()
    };
    [
        buckets(
            "tessera_http_request_duration_seconds",
            &[
                "route=\"/api/v1/lessons/daily\"",
                "method=\"GET\"",
                "status_class=\"2xx\"",
            ],
        ),
        buckets(
            "tessera_plugin_call_duration_seconds",
            &["plugin=\"lesson-engine\"", "function=\"plan-day\""],
        ),
        buckets("tessera_http_turn_wait_seconds", &[]),
    ]
}

/// How long the requests between two scrapes of [`storm_histograms`] took *inside* the
/// server (from arrival to response head), and their engine calls: set beside wrk's
/// figures, they tell a wait inside the server (a shared read, the database pool, a task
/// queued behind the others after it yielded) from one before the server reads the
/// request (the socket, the run queue).
fn print_inside_server(before: &[Vec<(f64, u64)>; 3], after: &[Vec<(f64, u64)>; 3]) {
    for ((before, after), what) in before.iter().zip(after).zip([
        "inside the server",
        "its plan-day calls",
        "waiting for a turn (all limited routes)",
    ]) {
        let counts: Vec<(f64, u64)> = after
            .iter()
            .map(|(le, n)| {
                let was = before.iter().find(|(b, _)| b == le).map_or(0, |(_, n)| *n);
                (*le, n.saturating_sub(was))
            })
            .collect();
        let Some(&(_, total)) = counts.iter().find(|(le, _)| le.is_infinite()) else {
            continue;
        };
        if total == 0 {
            continue;
        }
        let bound = |q: f64| {
            let rank = (q * total as f64).ceil() as u64;
            counts
                .iter()
                .find(|(_, n)| *n >= rank)
                .map_or(f64::INFINITY, |(le, _)| *le)
        };
        let show = |s: f64| {
            if s.is_infinite() {
                "over the last bound".to_owned()
            } else if s < 1.0 {
                format!("<= {} ms", s * 1e3)
            } else {
                format!("<= {s} s")
            }
        };
        let under_ms = counts
            .iter()
            .find(|(le, _)| (*le - 0.001).abs() < 1e-9)
            .map_or(0, |(_, n)| *n);
        println!(
            "  {what} ({total}): p50 {}  p90 {}  p99 {}  ({:.0} % under 1 ms)",
            show(bound(0.5)),
            show(bound(0.9)),
            show(bound(0.99)),
            100.0 * under_ms as f64 / total as f64
        );
    }
}

/// The same load on a static file of the same server (the web app's manifest): what the
/// machine's HTTP stack alone answers with `connections` clients asking back to back, the
/// ceiling any route's figures at that load are to be read against (with `n` clients
/// always waiting, p99 is about `n` over the answers a second, whatever the route does).
fn static_ceiling(port: u16, data: &Path, connections: usize, seconds: u32) {
    let (status, _) = http_json(port, "GET", "/manifest.webmanifest", "", None);
    if status != 200 {
        println!(
            "  (no static file to compare with: build the web app first, as ./dev bench does)"
        );
        return;
    }
    println!(
        "GET /manifest.webmanifest (a static file: the HTTP stack's own ceiling), {connections} connections, {seconds} s:"
    );
    print!(
        "{}",
        wrk(
            &format!("http://127.0.0.1:{port}/manifest.webmanifest"),
            None,
            "",
            data,
            &[
                "-t2",
                &format!("-c{connections}"),
                &format!("-d{seconds}s"),
                "--timeout",
                "10s"
            ],
        )
    );
}

/// `connections` clients each sending GET `url` with `headers` on a fixed schedule (`rate`
/// requests a second in all, the clients' first requests spread over one period) for
/// `length`: the latency of each answer from the time it was due (so a stall is not hidden
/// by clients waiting for it), p50 and p99, the answers per second and the requests that
/// failed or were not 200.
async fn open_loop(
    url: &str,
    headers: &[(&str, &str)],
    connections: usize,
    rate: f64,
    length: Duration,
) -> (Duration, Duration, f64, usize) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .unwrap();
    let every = Duration::from_secs_f64(connections as f64 / rate);
    let started = Instant::now() + Duration::from_millis(200);
    let tasks: Vec<_> = (0..connections)
        .map(|i| {
            let (client, url) = (client.clone(), url.to_owned());
            let headers: Vec<(String, String)> = headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect();
            tokio::spawn(async move {
                let mut due = started + every.mul_f64(i as f64 / connections as f64);
                let (mut times, mut errors) = (Vec::new(), 0);
                while due < started + length {
                    tokio::time::sleep_until(due.into()).await;
                    let mut request = client.get(&url);
                    for (name, value) in &headers {
                        request = request.header(name, value);
                    }
                    let answer = request.send().await;
                    match answer {
                        Ok(r) if r.status() == 200 => {
                            let _ = r.bytes().await;
                            times.push(due.elapsed());
                        }
                        _ => errors += 1,
                    }
                    due += every;
                }
                (times, errors)
            })
        })
        .collect();
    let (mut times, mut errors) = (Vec::new(), 0);
    for task in tasks {
        let (t, e) = task.await.unwrap();
        times.extend(t);
        errors += e;
    }
    let elapsed = started.elapsed();
    times.sort();
    (
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.len() as f64 / elapsed.as_secs_f64(),
        errors,
    )
}
