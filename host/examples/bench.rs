//! Tessera's benchmarks (run with `./dev bench`, which builds everything in release first).
//!
//! 1. Plugin call overhead: instantiate from `InstancePre`, call a trivial export, drop;
//!    single task, then calls per second across every core.
//! 2. `POST /api/v1/grade` under `wrk` at 256 connections (installed by `./dev bench`).
//! 3. `tessera serve` start-to-ready, cold (empty compile cache) and warm.
//! 4. Resident memory of an idle host with every plugin loaded.
//! 5. A first Python sandbox figure: `print("hi")` per fresh CPython instance.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tessera::metrics::Metrics;
use tessera::runtime::engine::EngineSettings;
use tessera::runtime::{LoadedPlugin, Runtime, RuntimeSettings};

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

async fn call_overhead(data: &Path) {
    let settings = RuntimeSettings {
        engine: EngineSettings::default(),
        cache_dir: data.join("cache"),
    };
    let runtime = Runtime::new(&settings, Arc::new(Metrics::new())).unwrap();
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

/// A first figure for the Python sandbox (issue 3): `print("hi")` in a fresh CPython
/// instance, through the dynamic call path (JSON in, JSON out).
async fn python_runs(data: &Path) {
    let settings = RuntimeSettings {
        engine: EngineSettings::default(),
        cache_dir: data.join("cache"),
    };
    let runtime = Runtime::new(&settings, Arc::new(Metrics::new())).unwrap();
    let plugin: Arc<LoadedPlugin> = Arc::new(
        runtime
            .load_plugin(&repo().join("plugins/python-sandbox/plugin.toml"))
            .await
            .unwrap(),
    );
    let input = serde_json::json!({"request": {"language": "python", "code": "print('hi')",
        "stdin": "", "tests": [], "limits": {"timeout_ms": null, "memory_mb": null, "max_output_bytes": null}}});
    let call = |runtime: Arc<Runtime>, plugin: Arc<LoadedPlugin>, input: serde_json::Value| async move {
        let out = runtime.call_json(&plugin, "run", &input).await.unwrap();
        assert_eq!(out["stdout"], "hi\n");
    };
    for _ in 0..50 {
        call(runtime.clone(), plugin.clone(), input.clone()).await;
    }
    let n = 500;
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        call(runtime.clone(), plugin.clone(), input.clone()).await;
        samples.push(t.elapsed());
    }
    samples.sort();
    println!(
        "\npython-sandbox print('hi') (fresh CPython instance, dynamic call), 1 task, {n} runs:"
    );
    println!(
        "  p50 {}  p99 {}",
        micros(percentile(&samples, 0.50)),
        micros(percentile(&samples, 0.99))
    );
    let tasks = 8;
    let per_task = 200;
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let (runtime, plugin, input) = (runtime.clone(), plugin.clone(), input.clone());
            tokio::spawn(async move {
                for _ in 0..per_task {
                    call(runtime.clone(), plugin.clone(), input.clone()).await;
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    println!(
        "  all cores ({tasks} tasks): {:.0} runs/s",
        (tasks * per_task) as f64 / started.elapsed().as_secs_f64()
    );
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
    let script = data.join("grade.lua");
    std::fs::write(
        &script,
        r#"wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = '{"question":{"kind":"multiple_choice","prompt":"2+2?","options":["3","4","5"],"answer_key":{"correct":[1]}},"answer":{"selected":[1]}}'
done = function(summary, latency, requests)
  io.write(string.format("  p50 %.2f ms  p99 %.2f ms  requests %d  non-2xx/errors %d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"#,
    )
    .unwrap();
    println!(
        "\nPOST /api/v1/grade (quiz-grader, multiple_choice) with wrk, 2 threads, 256 connections, 10 s:"
    );
    let url = format!("http://127.0.0.1:{}/api/v1/grade", served.port);
    // Warm up the server's connection handling and the plugin path.
    let _ = Command::new("wrk")
        .args(["-t2", "-c256", "-d2s", "-s"])
        .arg(&script)
        .arg(&url)
        .output();
    let out = Command::new("wrk")
        .args(["-t2", "-c256", "-d10s", "--latency", "-s"])
        .arg(&script)
        .arg(&url)
        .output()
        .expect("wrk is installed by ./dev bench");
    let text = String::from_utf8_lossy(&out.stdout);
    for line in text.lines() {
        if line.starts_with("Requests/sec") || line.trim_start().starts_with("p50") {
            println!("  {}", line.trim());
        }
    }
}

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
    if only.is_empty() || only == "startup" {
        startup_and_memory(&data);
    }
}
