//! The edge's figures (docs/edge.md; docs/benchmarks.md, "Edge"), through `tessera edge
//! serve` on spin.toml in front of a real origin (`tessera serve`, SQLite):
//!
//! 1. `GET /api/tutorial/config` for an anonymous visitor and `GET /badges/{token}` from a
//!    warm edge cache, wrk at 1 000 connections (goal p99 <= 5 ms), with the origin's own
//!    answer to the same request beside each;
//! 2. `GET /api/v1/lessons/daily` through the edge and straight to the origin, side by
//!    side in one run: 1 000 learners, 1 000 connections, no think time.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{
    LEARNING_SECRET, bench_token, binary, free_port, http_json, repo, seed_learners, serve_with,
    wrk_learning, wrk_with,
};

const EDGE_SECRET: &str = "bench-edge-secret-0123456789";

/// A pack with one easy track (`bench-quick`: four true/false questions), so a
/// learner earns a certificate, and a badge, in five requests.
fn write_badge_pack(dir: &Path) {
    let pack = dir.join("edge-bench-pack");
    std::fs::create_dir_all(pack.join("lessons")).unwrap();
    std::fs::write(
        pack.join("pack.json"),
        serde_json::json!({"id": "edge-bench", "version": "1.0.0", "title": "Edge bench", "tracks": [
            {"id": "bench-quick", "title": "Quick badge", "description": "One easy lesson.", "courses": [
                {"id": "bench-course", "title": "Bench course", "modules": [
                    {"id": "bench-module", "title": "Easy", "lessons": ["bench-l1"]}]}]}]})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        pack.join("lessons/bench-l1.json"),
        serde_json::json!({"id": "bench-l1", "title": "Booleans", "topic": "bench.bool", "steps": [
            {"id": "bench-l1.q1", "kind": "quiz", "question": {"kind": "true_false",
             "prompt": "True is a boolean", "answer_key": {"correct": true}}},
            {"id": "bench-l1.q2", "kind": "quiz", "question": {"kind": "true_false",
             "prompt": "not False is True", "answer_key": {"correct": true}}},
            {"id": "bench-l1.q3", "kind": "quiz", "question": {"kind": "true_false",
             "prompt": "1 == 1 is True", "answer_key": {"correct": true}}},
            {"id": "bench-l1.q4", "kind": "quiz", "question": {"kind": "true_false",
             "prompt": "bool(1) is True", "answer_key": {"correct": true}}}]})
        .to_string(),
    )
    .unwrap();
}

struct Edge(Child);

impl Drop for Edge {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tessera_out(args: &[&str]) -> String {
    let out = Command::new(binary())
        .args(args)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tessera {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn start_edge(data: &Path, origin_port: u16, token: &str, badge_key: &str) -> (Edge, u16) {
    let port = free_port();
    let child = Command::new(binary())
        .args(["edge", "serve", "--manifest"])
        .arg(repo().join("spin.toml"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data.join("edge-data"))
        .args([
            "--variable",
            &format!("origin_url=http://127.0.0.1:{origin_port}"),
        ])
        .args(["--variable", &format!("origin_token={token}")])
        .args(["--variable", &format!("edge_secret={EDGE_SECRET}")])
        .args(["--variable", &format!("badge_key={badge_key}")])
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run target/release/tessera (build it with ./dev build)");
    let started = Instant::now();
    // Until it listens, then until the origin answers through it.
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
        || http_json(port, "GET", "/health/live", "", None).0 != 200
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the edge never answered"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (Edge(child), port)
}

pub fn edge(data: &Path) {
    let dir = data.join("edge");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // The repository's content packs and the badge pack, side by side.
    let content = dir.join("content");
    std::fs::create_dir_all(&content).unwrap();
    for entry in std::fs::read_dir(repo().join("content")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            std::os::unix::fs::symlink(entry.path(), content.join(entry.file_name())).unwrap();
        }
    }
    write_badge_pack(&content);
    let plugins = repo().join("plugins").display().to_string();
    // The data folder's default database, where `bench_token`'s CLI call creates the admin.
    let db = format!("sqlite://{}", dir.join("tessera.db").display());
    let origin = serve_with(
        &dir,
        &plugins,
        &[
            "--database-url",
            &db,
            "--jwt-secret",
            LEARNING_SECRET,
            "--content-dir",
            content.to_str().unwrap(),
            "--edge-secret",
            EDGE_SECRET,
        ],
    );
    let admin = bench_token(&dir, origin.port);
    let service = tessera_out(&[
        "service-token",
        "--name",
        "edge-bench",
        "--jwt-secret",
        LEARNING_SECRET,
        "--database-url",
        &db,
    ]);
    let variables = tessera_out(&["edge", "variables", "--jwt-secret", LEARNING_SECRET]);
    let badge_key = variables
        .lines()
        .find_map(|l| l.strip_prefix("badge_key="))
        .expect("tessera edge variables prints badge_key=")
        .to_owned();
    let (_edge, edge_port) = start_edge(&dir, origin.port, &service, &badge_key);

    // A tutorial with a running experiment, as seed 004's launch has.
    let (status, reply) = http_json(
        origin.port,
        "PUT",
        "/api/v1/admin/tutorials/welcome-tour",
        r#"{"title": "Welcome tour", "steps": [
            {"id": "intro", "title": "Welcome", "cta": "Next"},
            {"id": "dashboard", "title": "Your dashboard", "cta": "Show me"},
            {"id": "install", "title": "Get the app", "cta": "Install", "devices": ["web"]}]}"#,
        Some(&admin),
    );
    assert_eq!(status, 200, "{reply}");
    let (status, reply) = http_json(
        origin.port,
        "POST",
        "/api/v1/admin/experiments",
        r#"{"id": "welcome-v1", "tutorialId": "welcome-tour", "variants": [
            {"id": "v1_control", "weight": 50},
            {"id": "v1_short", "weight": 50, "steps": [{"id": "intro", "title": "Hi!", "cta": "Go"}]}]}"#,
        Some(&admin),
    );
    assert_eq!(status, 201, "{reply}");
    let (status, reply) = http_json(
        origin.port,
        "PATCH",
        "/api/v1/admin/experiments/welcome-v1",
        r#"{"status": "running"}"#,
        Some(&admin),
    );
    assert_eq!(status, 200, "{reply}");

    // A badge: a learner earns the quick track's certificate and shares it.
    let body = serde_json::json!({"email": "badge-bench@example.com", "password": "Tortoise-Lantern-2026!",
                                  "full_name": "Bench Learner", "user_type": "student"})
    .to_string();
    let (status, learner) = http_json(origin.port, "POST", "/api/v1/auth/register", &body, None);
    assert_eq!(status, 201, "{learner}");
    let learner = learner["access_token"].as_str().unwrap().to_owned();
    for step in ["bench-l1.q1", "bench-l1.q2", "bench-l1.q3", "bench-l1.q4"] {
        let (status, reply) = http_json(
            origin.port,
            "POST",
            &format!("/api/v1/steps/{step}/quiz"),
            r#"{"answers": {"value": true}}"#,
            Some(&learner),
        );
        assert_eq!(status, 200, "{reply}");
    }
    let (status, link) = http_json(
        origin.port,
        "POST",
        "/api/v1/tracks/bench-quick/badge/share",
        "{}",
        Some(&learner),
    );
    assert_eq!(status, 200, "{link}");
    let badge = format!("/badges/{}", link["token"].as_str().unwrap());

    let config = "/api/tutorial/config?tutorialId=welcome-tour";
    let visitor = [("x-kazi-anonymous-id", "bench-visitor-0001")];
    let rate: f64 = std::env::var("TESSERA_BENCH_EDGE_RATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000.0);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let run = |label: &str, port: u16, path: &str, headers: &[(&str, &str)]| {
        let url = format!("http://127.0.0.1:{port}{path}");
        // Warm: the edge's key-value cache and the origin's own caches.
        let _ = wrk_with(&url, None, "", headers, &dir, &["-t2", "-c100", "-d2s"]);
        // 1 000 connected clients asking on schedule (open loop: latency counts from when
        // each request was due, so queueing is not hidden), then the ceiling: 1 000
        // connections asking back to back (closed loop, wrk).
        let (p50, p99, achieved, errors) = runtime.block_on(super::open_loop(
            &url,
            headers,
            1000,
            rate,
            Duration::from_secs(10),
        ));
        println!(
            "{label}\n  1000 connections, open loop at {rate:.0} req/s in all, 10 s: {achieved:.0} req/s answered  p50 {}  p99 {}  errors {errors}",
            super::millis(p50),
            super::millis(p99)
        );
        println!("  1000 connections back to back (wrk, 2 threads, 10 s):");
        print!(
            "{}",
            wrk_with(
                &url,
                None,
                "",
                headers,
                &dir,
                &["-t2", "-c1000", "-d10s", "--latency", "--timeout", "5s"],
            )
        );
    };
    println!();
    run(
        "GET /api/tutorial/config, an anonymous visitor, through the edge (warm cache; goal p99 <= 5 ms)",
        edge_port,
        config,
        &visitor,
    );
    run(
        "GET /api/tutorial/config, the same visitor, straight to the origin",
        origin.port,
        config,
        &visitor,
    );
    run(
        "GET /badges/{token}, through the edge (warm cache; goal p99 <= 5 ms)",
        edge_port,
        &badge,
        &[],
    );
    run(
        "GET /badges/{token}, straight to the origin",
        origin.port,
        &badge,
        &[],
    );

    // The daily lesson: the same learners, through the edge and straight to the origin.
    let learners: usize = std::env::var("TESSERA_BENCH_EDGE_LEARNERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let tokens = runtime.block_on(seed_learners(&db, learners));
    let tokens_file = dir.join("tokens.txt");
    std::fs::write(&tokens_file, tokens.join("\n")).unwrap();
    let connections = format!("-c{learners}");
    for (label, port) in [
        ("through the edge", edge_port),
        ("straight to the origin", origin.port),
    ] {
        let base = format!("http://127.0.0.1:{port}");
        let _ = wrk_learning(
            &base,
            "daily",
            &tokens_file,
            &["0"],
            &["-t2", "-c64", "-d3s"],
        );
        println!(
            "GET /api/v1/lessons/daily {label}, {learners} learners on {learners} connections, no think time, 15 s:"
        );
        print!(
            "{}",
            wrk_learning(
                &base,
                "daily",
                &tokens_file,
                &["0"],
                &["-t2", &connections, "-d15s", "--timeout", "10s"],
            )
        );
    }
    drop(origin);
}
