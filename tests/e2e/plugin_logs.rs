//! Plugin logs: every plugin's `wasi:logging` lines are capped per call (the excess is
//! dropped and counted, never an error for the plugin), and learner code in the sandbox
//! cannot write host log lines at all, although CPython's bindings expose the import.

use std::time::Duration;

use serde_json::json;

use crate::support::{Server, eventually, fixture_request, fixtures_dir, plugins_dir};

/// The value of a Prometheus sample line starting with `prefix`, if present.
fn sample(metrics: &str, prefix: &str) -> Option<u64> {
    metrics
        .lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn a_plugin_logging_in_a_loop_is_capped_and_still_answers() {
    let server = Server::start_logged(&[fixtures_dir()], &[]).await;
    // fixture-chatty logs 10 000 lines of 16 KiB in one call.
    let (status, body) = server.grade(fixture_request("chatty")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["feedback"], "chatted");

    // The warning is written before the answer, but the test reads the server's output
    // through a pipe that may still be catching up with the kept 16 KiB lines.
    let log = eventually(
        "the drop report in the log",
        Duration::from_secs(30),
        async || {
            let log = server.log();
            if log.contains("plugin log lines dropped") {
                Ok(log)
            } else {
                Err(log.len())
            }
        },
    )
    .await;
    let kept: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("fixture-chatty") && l.contains(" line "))
        .collect();
    assert!(!kept.is_empty(), "the first lines are kept: {log}");
    assert!(kept.len() <= 100, "{} lines reached the log", kept.len());
    let kept_bytes: usize = kept.iter().map(|l| l.len()).sum();
    assert!(
        kept_bytes <= 80 * 1024,
        "{kept_bytes} bytes reached the log"
    );
    let reports: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("plugin log lines dropped"))
        .collect();
    assert_eq!(reports.len(), 1, "the drop is reported once: {reports:?}");
    assert!(reports[0].contains("fixture-chatty"), "{}", reports[0]);

    let metrics = server.text(&server.http, "/metrics").await;
    let dropped = sample(
        &metrics,
        r#"tessera_plugin_log_lines_dropped_total{plugin="fixture-chatty",reason="over_cap"}"#,
    )
    .unwrap_or_else(|| panic!("no drop counter: {metrics}"));
    assert_eq!(dropped as usize + kept.len(), 10_000);

    // The host keeps serving, and the next call gets a fresh allowance.
    let (status, _) = server.grade(fixture_request("chatty")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn learner_code_cannot_write_host_log_lines() {
    let server = Server::start_logged(&[plugins_dir()], &[]).await;
    // The componentize-py bindings put the world's imports a Python import away; the
    // low-level runtime module reaches every import by index as well.
    let code = r#"
import sys
from wit_world.imports import logging as L
for level in (L.Level.TRACE, L.Level.INFO, L.Level.ERROR, L.Level.CRITICAL):
    L.log(level, "learner", "LEARNER-LOG-MARKER")
for _ in range(1000):
    L.log(L.Level.ERROR, "learner", "LEARNER-LOG-MARKER " + "x" * 10000)
print("logged", "wit_world.imports.logging" in sys.modules)
"#;
    let (status, run) = server
        .post("/api/v1/sandbox/run", &json!({ "code": code }))
        .await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(run["status"], "ok", "{run}");
    assert_eq!(run["stdout"], "logged True\n", "{run}");

    let log = server.log();
    assert!(
        !log.contains("LEARNER-LOG-MARKER"),
        "learner code wrote to the host log: {}",
        &log[..log.len().min(2000)]
    );
    let metrics = server.text(&server.http, "/metrics").await;
    assert_eq!(
        sample(
            &metrics,
            r#"tessera_plugin_log_lines_dropped_total{plugin="python-sandbox",reason="code_runner"}"#
        ),
        Some(1004),
        "{metrics}"
    );
}
