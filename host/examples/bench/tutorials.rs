//! Seed 004's figures (docs/experiments.md):
//!
//! 1. assignment alone inside the component: 20 000 `assign` calls per algorithm, 5 000 in
//!    each instance of the shipped experiment assigner, p50/p99 per call (goal p50 <= 2 us);
//! 2. `GET /api/tutorial/config` on SQLite under wrk at 1 000 connections (goal p99 <=
//!    10 ms): one learner fetching again and again (their stored variant), and anonymous
//!    visitors each new (a fresh id per request: the component assigns and the row is
//!    stored every time).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tessera::metrics::Metrics;
use tessera::plugins::contract::assigner::{AssignUnit, Experiment, HashAlgorithm};
use tessera::runtime::engine::EngineSettings;
use tessera::runtime::{Runtime, RuntimeSettings};

use super::{
    bench_token, http_json, micros, millis, open_loop, percentile, repo, serve_with, wrk_with,
};

fn experiment(algorithm: HashAlgorithm, weights: [f64; 2]) -> Experiment {
    Experiment::two_way("welcome-v1", algorithm, weights)
}

pub async fn in_component(data: &Path) {
    let settings = RuntimeSettings {
        engine: EngineSettings::default(),
        cache_dir: data.join("cache"),
        plugin_kv_memory_bytes: tessera::runtime::capabilities::keyvalue::DEFAULT_KV_MEMORY_BYTES,
    };
    let runtime = Runtime::new(&settings, Arc::new(Metrics::new())).unwrap();
    let plugin = runtime
        .load_plugin(&repo().join("plugins/experiment-assigner/plugin.toml"))
        .await
        .unwrap();
    let units: Vec<AssignUnit> = (0..20_000)
        .map(|i| AssignUnit {
            attributes: format!(r#"{{"id":"3f1c5b0e-3c38-4c4b-9f0a-{i:012}","device":"web"}}"#),
            forced_variations: Vec::new(),
            sticky_docs: None,
        })
        .collect();
    println!(
        "\nassignment inside an instance of the experiment assigner (5 000 calls per instance), 20 000 units each:"
    );
    for (label, experiment) in [
        (
            "kazi-v1 (xxh32 % 100)",
            experiment(HashAlgorithm::KaziV1, [50.0, 50.0]),
        ),
        (
            "growthbook-v2",
            experiment(HashAlgorithm::GrowthbookV2, [0.5, 0.5]),
        ),
        (
            "growthbook-v1",
            experiment(HashAlgorithm::GrowthbookV1, [0.5, 0.5]),
        ),
    ] {
        // One warm-up pass (the instance's first calls grow its memory).
        let _ = runtime
            .time_assignments(&plugin, &experiment, &units[..2000])
            .await
            .unwrap();
        // 5 000 calls per instance: the timings of one instance's calls come back as the
        // call's output, which the manifest bounds (max_output_bytes).
        let started = std::time::Instant::now();
        let mut times = Vec::with_capacity(units.len());
        for chunk in units.chunks(5_000) {
            times.extend(
                runtime
                    .time_assignments(&plugin, &experiment, chunk)
                    .await
                    .unwrap(),
            );
        }
        let elapsed = started.elapsed();
        times.sort();
        println!(
            "  {label:<24} p50 {}  p99 {}  -> {:.0} assignments/s on one core",
            micros(percentile(&times, 0.5)),
            micros(percentile(&times, 0.99)),
            times.len() as f64 / elapsed.as_secs_f64()
        );
    }
}

pub fn over_http(data: &Path) {
    let dir = data.join("tutorials-sqlite");
    let _ = std::fs::remove_dir_all(&dir);
    let plugins = repo().join("plugins").display().to_string();
    let served = serve_with(&dir, &plugins, &[]);
    let admin = bench_token(&dir, served.port);
    let tutorial = r#"{"title": "Welcome tour", "steps": [
        {"id": "intro", "title": "Welcome", "cta": "Next"},
        {"id": "dashboard", "title": "Dash Overview", "cta": "Try it"},
        {"id": "install", "title": "Get the app", "cta": "Install", "devices": ["web"]}]}"#;
    let (status, reply) = http_json(
        served.port,
        "PUT",
        "/api/v1/admin/tutorials/welcome-tour",
        tutorial,
        Some(&admin),
    );
    assert_eq!(status, 200, "{reply}");
    let experiment = r#"{"id": "welcome-v1", "tutorialId": "welcome-tour", "variants": [
        {"id": "v1_control", "weight": 50},
        {"id": "v1_short", "weight": 50, "steps": [{"id": "intro", "title": "Hi!", "cta": "Go"}]}]}"#;
    let (status, reply) = http_json(
        served.port,
        "POST",
        "/api/v1/admin/experiments",
        experiment,
        Some(&admin),
    );
    assert_eq!(status, 201, "{reply}");
    let (status, reply) = http_json(
        served.port,
        "PATCH",
        "/api/v1/admin/experiments/welcome-v1",
        r#"{"status": "running"}"#,
        Some(&admin),
    );
    assert_eq!(status, 200, "{reply}");
    let url = format!(
        "http://127.0.0.1:{}/api/tutorial/config?tutorialId=welcome-tour",
        served.port
    );
    // Warm up (first assignment stored, caches filled).
    let _ = wrk_with(&url, None, &admin, &[], data, &["-t2", "-c100", "-d2s"]);
    let closed_loop = |title: &str, url: &str, connections: &str| {
        println!("{title}, wrk 2 threads, {connections} connections, 10 s:");
        let connections = format!("-c{connections}");
        print!(
            "{}",
            wrk_with(
                url,
                None,
                &admin,
                &[],
                data,
                &["-t2", &connections, "-d10s", "--latency", "--timeout", "5s"]
            )
        );
    };
    closed_loop(
        "\nGET /api/tutorial/config (SQLite), one signed-in learner again and again (stored variant)",
        &url,
        "1000",
    );
    closed_loop(
        "GET /api/tutorial/config (SQLite), the same learner",
        &url,
        "16",
    );
    // 1000 connected learners who each ask now and then (open loop: requests leave on
    // schedule whether or not earlier ones were answered, and latency counts from the
    // scheduled time, so a stall is not hidden by the clients waiting for it).
    let rate: f64 = std::env::var("TESSERA_BENCH_TUTORIAL_RATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000.0);
    let (p50, p99, achieved, errors) = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(open_loop(
            &url,
            &[("authorization", &format!("Bearer {admin}"))],
            1000,
            rate,
            Duration::from_secs(10),
        ));
    println!(
        "GET /api/tutorial/config (SQLite), 1000 connections, open loop at {rate:.0} req/s in all, 10 s:\n  {achieved:.0} req/s answered  p50 {}  p99 {}  errors {errors}",
        millis(p50),
        millis(p99)
    );
    // The same server's GET /api/v1/me (token, session and rate limit, one row), the
    // baseline every signed-in route pays, to read the figures above against.
    let me = format!("http://127.0.0.1:{}/api/v1/me", served.port);
    closed_loop(
        "GET /api/v1/me on the same server (the baseline)",
        &me,
        "1000",
    );
    // Each request a new anonymous visitor: wrk's script gives each one a fresh id.
    let script = data.join("tutorials-anonymous.lua");
    let request = r#"counter = 0
request = function()
  counter = counter + 1
  local id = string.format("bench-%d-%d", math.random(1, 1000000000), counter)
  return wrk.format("GET", nil, {["x-kazi-anonymous-id"] = id})
end
"#;
    std::fs::write(&script, format!("{request}{}", super::WRK_DONE)).unwrap();
    println!(
        "GET /api/tutorial/config (SQLite), a new anonymous visitor each request (assigned by the component, stored), 1000 connections, 10 s:"
    );
    let out = std::process::Command::new("wrk")
        .args([
            "-t2",
            "-c1000",
            "-d10s",
            "--latency",
            "--timeout",
            "5s",
            "-s",
        ])
        .arg(&script)
        .arg(&url)
        .output()
        .expect("wrk is installed by ./dev bench");
    for line in String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("Requests/sec") || l.trim_start().starts_with("p50"))
    {
        println!("  {}", line.trim());
    }
    drop(served);
}
