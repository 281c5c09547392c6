//! The plugin registry (docs/plugins/registry.md; goal: two replicas converge on a new
//! version within 1 s): two release servers on one Postgres database and one Redis,
//! `tessera plugin publish` sends a new version of quiz-grader (as the canary for every
//! user) to the first, and the second is asked to grade every millisecond until its answer
//! names the new version. 20 publishes; the time runs from the publish's answer.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::{binary, fresh_postgres, http_json, millis, percentile, repo, serve_with};

const EMAIL: &str = "bench-registry@example.com";
const PASSWORD: &str = "Tortoise-Lantern-2026!";

pub fn convergence(data: &Path) {
    let db = "tessera_bench_registry";
    if !fresh_postgres(db) {
        println!("plugin registry: Postgres is not reachable on 127.0.0.1:5432; skipped");
        return;
    }
    let url = format!("postgres://postgres@127.0.0.1:5432/{db}");
    let prefix = format!("tessera-bench-registry-{}:", std::process::id());
    let dir = data.join("registry");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let plugins = repo().join("plugins/quiz-grader").display().to_string();
    // One data folder: one compile cache and one token key for both replicas.
    let flags = [
        "--database-url",
        url.as_str(),
        "--redis-url",
        "redis://127.0.0.1:6379",
        "--redis-prefix",
        prefix.as_str(),
    ];
    let one = serve_with(&dir, &plugins, &flags);
    let two = serve_with(&dir, &plugins, &flags);
    let created = Command::new(binary())
        .args(["user", "create", "--email", EMAIL, "--role", "super_admin"])
        .args(["--database-url", &url])
        .arg("--data-dir")
        .arg(&dir)
        .env("TESSERA_USER_PASSWORD", PASSWORD)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let login = serde_json::json!({ "email": EMAIL, "password": PASSWORD }).to_string();
    let (_, reply) = http_json(two.port, "POST", "/api/v1/auth/login", &login, None);
    let token = reply["access_token"].as_str().unwrap().to_owned();
    let question = r#"{"question": {"kind": "true_false", "prompt": "2 + 2 = 4", "answer_key": {"correct": true}}, "answer": {"value": true}}"#;
    let served = |port: u16| -> String {
        let (status, reply) = http_json(port, "POST", "/api/v1/grade", question, Some(&token));
        assert_eq!(status, 200, "{reply}");
        reply["grader"]["version"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let folder = dir.join("plugin");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(
        repo().join("dist/components/quiz_grader.wasm"),
        folder.join("quiz_grader.wasm"),
    )
    .unwrap();
    let rounds = 20;
    let mut samples = Vec::with_capacity(rounds);
    for round in 1..=rounds {
        let version = format!("0.9.{round}");
        std::fs::write(
            folder.join("plugin.toml"),
            format!(
                "id = \"quiz-grader\"\nversion = \"{version}\"\ncontract = \"0.1.0\"\n\
                 world = \"grader-plugin\"\ncomponent = \"quiz_grader.wasm\"\n\
                 [routing]\nkinds = [\"multiple_choice\", \"true_false\", \"short_answer\", \"numeric\"]\n"
            ),
        )
        .unwrap();
        let out = Command::new(binary())
            .args(["plugin", "publish"])
            .arg(&folder)
            .args(["--server", &format!("http://127.0.0.1:{}", one.port)])
            .args(["--token", &token, "--canary-percent", "100"])
            .env("RUST_LOG", "error")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let published = Instant::now();
        assert_eq!(
            served(one.port),
            version,
            "the first replica serves it at once"
        );
        loop {
            if served(two.port) == version {
                samples.push(published.elapsed());
                break;
            }
            assert!(
                published.elapsed() < Duration::from_secs(30),
                "the second replica never served {version}"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        // Promote, so the next version is again a canary over a stable one.
        let path = "/api/v1/plugins/quiz-grader/promote";
        let (status, reply) = http_json(one.port, "POST", path, "{}", Some(&token));
        assert_eq!(status, 200, "{reply}");
    }
    samples.sort();
    println!(
        "plugin registry, a version published on one replica served by the other \
         (Postgres + Redis, {rounds} publishes): p50 {}  p99 {}  max {}",
        millis(percentile(&samples, 0.5)),
        millis(percentile(&samples, 0.99)),
        millis(samples[samples.len() - 1]),
    );
}
