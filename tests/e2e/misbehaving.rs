//! Each misbehaving fixture yields its typed error, and the very next call to a healthy
//! plugin succeeds: the host keeps serving.

use std::time::{Duration, Instant};

use crate::support::{Server, fixture_request, fixtures_dir, healthy_request, plugins_dir};

/// (kind, expected HTTP status, expected error kind, the fixture's timeout in ms)
const CASES: &[(&str, u16, &str, u64)] = &[
    ("loop", 504, "timeout", 500),
    ("sleep", 504, "timeout", 300),
    ("memory_bomb", 502, "memory_limit", 500),
    ("deep_recursion", 502, "stack_overflow", 500),
    ("trap", 502, "trap", 500),
    ("huge_output", 502, "output_too_large", 2000),
    // 4 MiB of `details` behind a short feedback: details count toward the cap too.
    ("huge_details", 502, "output_too_large", 2000),
    ("stdout_flood", 502, "output_too_large", 2000),
    ("bad_score", 502, "bad_output", 500),
];

#[tokio::test]
async fn each_misbehaviour_is_a_typed_error_and_the_host_keeps_serving() {
    let server = Server::start(&[plugins_dir(), fixtures_dir()]).await;
    for &(kind, status, error_kind, timeout_ms) in CASES {
        let started = Instant::now();
        let (got_status, body) = server.grade(fixture_request(kind)).await;
        let elapsed = started.elapsed();
        assert_eq!(got_status, status, "{kind}: {body}");
        let error = &body["error"];
        assert_eq!(error["details"]["kind"], error_kind, "{kind}: {body}");
        assert!(
            error["details"]["plugin"]
                .as_str()
                .unwrap()
                .starts_with("fixture-"),
            "{kind}: the error names the plugin: {body}"
        );
        assert!(!error["request_id"].as_str().unwrap().is_empty());
        // Not a speed assertion: a call that never came back would hang the suite.
        assert!(
            elapsed < Duration::from_millis(timeout_ms) + Duration::from_secs(10),
            "{kind} took {elapsed:?}"
        );

        let (ok_status, ok) = server.grade(healthy_request()).await;
        assert_eq!(ok_status, 200, "healthy call after {kind}: {ok}");
        assert_eq!(ok["score"], 1.0);
    }
}

#[tokio::test]
async fn a_panic_message_reaches_the_error() {
    let server = Server::start(&[fixtures_dir()]).await;
    let (status, body) = server.grade(fixture_request("trap")).await;
    assert_eq!(status, 502);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("fixture panic: deliberate"), "{message}");
    assert!(message.contains("fixture-trap@0.1.0"), "{message}");
}

#[tokio::test]
async fn failures_are_counted_per_plugin_and_kind_in_metrics() {
    let server = Server::start(&[fixtures_dir()]).await;
    let (status, _) = server.grade(fixture_request("loop")).await;
    assert_eq!(status, 504);
    let (status, _) = server.grade(fixture_request("ok")).await;
    assert_eq!(status, 200);
    let text = server.text(&server.http, "/metrics").await;
    assert!(
        text.contains(
            r#"tessera_plugin_errors_total{kind="timeout",plugin="fixture-loop",version="0.1.0"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"tessera_plugin_calls_total{function="grade",plugin="fixture-ok",version="0.1.0"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains("tessera_plugin_call_duration_seconds_bucket"));
}

#[tokio::test]
async fn many_concurrent_runaway_calls_do_not_starve_healthy_ones() {
    let server = Server::start(&[plugins_dir(), fixtures_dir()]).await;
    let runaway: Vec<_> = (0..8)
        .map(|_| {
            let http = server.http.clone();
            let url = server.url("/api/v1/grade");
            tokio::spawn(async move {
                http.post(url)
                    .json(&fixture_request("loop"))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let (status, body) = server.grade(healthy_request()).await;
    assert_eq!(status, 200, "{body}");
    for r in runaway {
        assert_eq!(r.await.unwrap(), 504);
    }
}
