//! The operator's view over real HTTP: `/metrics` series move when a rate limit, the cost
//! guard, the safety gate, the gateway's circuit breaker and the sandbox do their work;
//! trace spans reach an OTLP/HTTP receiver with the request → plugin → model → database
//! chain; JSON access-log lines carry the hashed user, route, status and duration;
//! `Server-Timing` tells the time inside models from the platform's own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::gateway::Learner;
use crate::support::{
    Server, Watch, backends, client_with_token, eventually, fixtures_dir, plugins_dir,
};
use crate::upstream::{Behaviour, Upstream, Wire, gateway_with, provider, read_request};

/// The samples of one scrape, by series (`name{label="value",…}` as exposed).
struct Scrape(HashMap<String, f64>);

impl Scrape {
    async fn of(server: &Server) -> Scrape {
        let r = server
            .anonymous
            .get(server.url("/metrics"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let text = r.text().await.unwrap();
        Scrape(
            text.lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
                .filter_map(|l| {
                    let (series, value) = l.rsplit_once(' ')?;
                    Some((series.to_owned(), value.parse().ok()?))
                })
                .collect(),
        )
    }

    /// The sum of `name`'s samples whose labels include every pair of `labels`.
    fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.0
            .iter()
            .filter(|(series, _)| {
                let (n, rest) = series.split_once('{').unwrap_or((series, ""));
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
            })
            .map(|(_, v)| v)
            .sum()
    }
}

/// Every series this test provokes, with the labels that must move.
const PROVOKED: &[(&str, &[(&str, &str)])] = &[
    ("tessera_rate_limited_total", &[("class", "general")]),
    (
        "tessera_ai_budget_refusals_total",
        &[("code", "AI_BUDGET_EXCEEDED")],
    ),
    (
        "tessera_safety_escalations_total",
        &[("level", "crisis"), ("surface", "chat-completions")],
    ),
    (
        "tessera_safety_escalations_total",
        &[("level", "concern"), ("surface", "chat-completions")],
    ),
    (
        "tessera_safety_escalations_total",
        &[("level", "crisis"), ("surface", "screen")],
    ),
    (
        "tessera_ai_breaker_transitions_total",
        &[("provider", "b"), ("from", "closed"), ("to", "open")],
    ),
    ("tessera_sandbox_runs_total", &[("status", "timeout")]),
    (
        "tessera_model_call_duration_seconds_count",
        &[("model", "gpt-a"), ("feature", "tutor"), ("outcome", "ok")],
    ),
    (
        "tessera_model_call_duration_seconds_count",
        &[("feature", "tutor"), ("outcome", "unavailable")],
    ),
    (
        "tessera_http_request_duration_seconds_count",
        &[
            ("route", "/v1/chat/completions"),
            ("method", "POST"),
            ("status_class", "4xx"),
        ],
    ),
    (
        "tessera_plugin_call_duration_seconds_count",
        &[("plugin", "ai-gateway"), ("function", "complete")],
    ),
    (
        "tessera_safety_meaning_duration_seconds_count",
        &[("outcome", "embedded")],
    ),
    (
        "tessera_ai_tokens_total",
        &[("feature", "tutor"), ("direction", "output")],
    ),
];

#[tokio::test]
async fn metrics_move_for_rate_limits_budgets_safety_breakers_and_the_sandbox() {
    for backend in backends() {
        let good = Upstream::start(Behaviour::Answer).await;
        let bad = Upstream::start(Behaviour::Fail(503)).await;
        let gateway = gateway_with(
            &[
                provider("a", Wire::OpenAi, good.port, &["gpt-a"]),
                provider("b", Wire::OpenAi, bad.port, &["gpt-b"]),
            ],
            &[
                ("routes", json!({ "default": ["gpt-a"] })),
                ("retry", json!({ "max_attempts": 1 })),
                (
                    "breaker",
                    json!({ "failures": 2, "open_ms": 60000, "successes": 1 }),
                ),
            ],
        );
        // 11 tokens at $50,000 per million: $0.55 a completion against a $2 cap.
        let server = Server::start_on(
            backend,
            &[
                plugins_dir().join("safety-filter"),
                plugins_dir().join("python-sandbox"),
                gateway.path().to_owned(),
            ],
            &[
                "--rate-limit-general",
                "2",
                "--ai-daily-tokens",
                r#"{"free": 60}"#,
                "--ai-prices",
                r#"{"gpt-a": {"input": 50000, "output": 50000}}"#,
                "--ai-monthly-cap-usd",
                "2",
            ],
        )
        .await;
        let before = Scrape::of(&server).await;
        for (name, labels) in PROVOKED {
            assert_eq!(
                before.sum(name, labels),
                0.0,
                "{backend:?}: {name} {labels:?}"
            );
        }
        assert_eq!(before.sum("tessera_ai_monthly_spend_ratio", &[]), 0.0);
        assert_eq!(before.sum("tessera_ai_monthly_cap_usd", &[]), 2.0);

        // A concern is answered with support, not by a model (and costs nothing).
        let spender = Learner::of(&server).await;
        let a = spender
            .say("tutor", "I feel so hopeless about this course")
            .await;
        assert_eq!(a.status, 200, "{backend:?}: {}", a.body);
        assert_eq!(
            a.body["choices"][0]["finish_reason"], "content_filter",
            "{}",
            a.body
        );
        // A learner's first question fits their day (60 tokens: the cost guard holds the
        // prompt's bytes plus room for output, and one answer charges 11); a second one
        // longer than what is left is refused.
        let a = spender.say("tutor", "what is a loop in python").await;
        assert_eq!(a.status, 200, "{backend:?}: {}", a.body);
        assert_ne!(
            a.body["choices"][0]["finish_reason"], "content_filter",
            "{}",
            a.body
        );
        let a = spender
            .say(
                "tutor",
                &"and one more question, asked at some length. ".repeat(3),
            )
            .await;
        assert_eq!(a.status, 429, "{backend:?}: {}", a.body);
        assert_eq!(a.body["error"]["code"], "AI_BUDGET_EXCEEDED");

        // A crisis is stopped before any model.
        let other = Learner::of(&server).await;
        let a = other.say("tutor", "i want to end my life").await;
        assert_eq!(a.status, 200, "{backend:?}: {}", a.body);

        // The screening route counts its escalations too.
        let (status, verdict) = server
            .post(
                "/api/v1/safety/screen",
                &json!({ "text": "i want to end my life" }),
            )
            .await;
        assert_eq!(status, 200, "{verdict}");
        assert_eq!(verdict["level"], "crisis");

        // Provider b fails twice: its breaker opens.
        for n in 0..2 {
            let a = other
                .ask(
                    "tutor",
                    json!({ "model": "gpt-b", "messages": [{ "role": "user", "content": format!("q{n}") }] }),
                    true,
                )
                .await;
            assert!(a.status >= 500, "{backend:?}: {} {}", a.status, a.body);
        }
        assert_eq!(bad.hits(), 2);

        // A learner's busy loop times out.
        let coder = server.client_of("student").await;
        let (status, run) = server
            .post_as(
                &coder,
                "/api/v1/sandbox/run",
                &json!({ "code": "while True:\n    pass", "timeout_ms": 1000 }),
            )
            .await;
        assert_eq!(status, 200, "{run}");
        assert_eq!(run["status"], "timeout");

        // The third general request within the minute is refused.
        let mut last = 0;
        for _ in 0..3 {
            last = coder
                .get(server.url("/api/v1/progress/mastery"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
        }
        assert_eq!(last, 429);

        let after = Scrape::of(&server).await;
        for (name, labels) in PROVOKED {
            assert!(
                after.sum(name, labels) > 0.0,
                "{backend:?}: {name} {labels:?} did not move"
            );
        }
        assert_eq!(
            after.sum("tessera_ai_breaker_transitions_total", &[("provider", "a")]),
            0.0,
            "{backend:?}: a healthy provider's breaker never moved"
        );
        // One completion of $0.55 against the $2 cap.
        assert_eq!(after.sum("tessera_ai_monthly_spend_usd", &[]), 0.55);
        assert_eq!(after.sum("tessera_ai_monthly_spend_ratio", &[]), 0.275);
        assert_eq!(
            after.sum("tessera_ai_cost_usd_total", &[("feature", "tutor")]),
            0.55
        );
    }
}

/// What the receiver got: every span of every export.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Span>>>);

/// A tiny OTLP/HTTP collector: answers `POST /v1/traces` (protobuf) with 200 and keeps
/// the spans.
async fn collector() -> (u16, Received) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Received::default();
    let sink = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let sink = sink.clone();
            tokio::spawn(async move {
                while let Some((head, body)) = read_request(&mut socket).await {
                    let ok = head.starts_with("post /v1/traces ");
                    if ok && let Ok(export) = ExportTraceServiceRequest::decode(body.as_slice()) {
                        let spans = export
                            .resource_spans
                            .into_iter()
                            .flat_map(|r| r.scope_spans)
                            .flat_map(|s| s.spans);
                        sink.0.lock().unwrap().extend(spans);
                    }
                    let status = if ok { "200 OK" } else { "404 Not Found" };
                    let reply = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n"
                    );
                    if socket.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, received)
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes.iter().find(|a| a.key == key).and_then(|a| {
        match a.value.as_ref()?.value.as_ref()? {
            AnyValue::StringValue(s) => Some(s.clone()),
            AnyValue::IntValue(i) => Some(i.to_string()),
            other => Some(format!("{other:?}")),
        }
    })
}

/// The chain from `span` up to its root, by name.
fn ancestry(spans: &[Span], span: &Span) -> Vec<String> {
    let mut chain = vec![span.name.clone()];
    let mut current = span;
    while !current.parent_span_id.is_empty() {
        let Some(parent) = spans
            .iter()
            .find(|s| s.span_id == current.parent_span_id && s.trace_id == current.trace_id)
        else {
            chain.push("<missing parent>".into());
            break;
        };
        chain.push(parent.name.clone());
        current = parent;
    }
    chain.reverse();
    chain
}

/// A plugin asking its `llm` import: the request span (request id, route, status) holds
/// the grader's call, which holds the model call, which holds the gateway's call and the
/// cost guard's database read.
#[tokio::test]
async fn a_request_is_traced_through_plugin_model_and_database() {
    for backend in backends() {
        let (port, received) = collector().await;
        let endpoint = format!("http://127.0.0.1:{port}");
        let server = Server::start_watched(
            backend,
            &[plugins_dir(), fixtures_dir()],
            // A cap makes the cost guard read the month's spend from the database once.
            &["--otlp-endpoint", &endpoint, "--ai-monthly-cap-usd", "100"],
            &Watch {
                env: vec![("OTEL_BSP_SCHEDULE_DELAY", "100".into())],
                capture_stderr: false,
            },
        )
        .await;
        let request_id = format!("trace-test-{}", uuid::Uuid::new_v4().simple());
        let r = server
            .http
            .post(server.url("/api/v1/grade"))
            .header("x-request-id", &request_id)
            .json(
                &json!({ "question": { "kind": "fixture_llm", "answer_key": {} },
                           "answer": "How do while loops end?" }),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);

        // Spans are batched: wait for the whole chain to arrive.
        let want = [
            "POST /api/v1/grade",
            "plugin.call",
            "model.call",
            "plugin.call",
        ];
        let (spans, root) = eventually("a complete trace", Duration::from_secs(30), async || {
            let spans = received.0.lock().unwrap().clone();
            let root = spans
                .iter()
                .find(|s| attribute(s, "request_id").as_deref() == Some(request_id.as_str()))
                .cloned();
            let complete = root.as_ref().is_some_and(|root| {
                let in_trace = spans.iter().filter(|s| s.trace_id == root.trace_id);
                in_trace
                    .clone()
                    .any(|s| ancestry(&spans, s).starts_with(&want.map(String::from)))
                    && in_trace.clone().any(|s| s.name == "db.query")
            });
            if complete {
                return Ok((spans, root.unwrap()));
            }
            Err(format!(
                "{backend:?}: no complete trace for {request_id}; got {:?}",
                spans
                    .iter()
                    .map(|s| ancestry(&spans, s))
                    .collect::<Vec<_>>()
            ))
        })
        .await;
        assert_eq!(root.name, "POST /api/v1/grade");
        assert_eq!(attribute(&root, "route").as_deref(), Some("/api/v1/grade"));
        assert_eq!(attribute(&root, "status").as_deref(), Some("200"));
        assert!(
            root.parent_span_id.is_empty(),
            "the request span is the root"
        );
        let trace: Vec<&Span> = spans
            .iter()
            .filter(|s| s.trace_id == root.trace_id)
            .collect();
        let grader = trace
            .iter()
            .find(|s| s.name == "plugin.call" && s.parent_span_id == root.span_id)
            .expect("the grader's call under the request");
        assert_eq!(
            attribute(grader, "plugin").as_deref(),
            Some("fixture-runner@0.1.0")
        );
        let model = trace
            .iter()
            .find(|s| s.name == "model.call" && s.parent_span_id == grader.span_id)
            .expect("the model call under the grader's call");
        assert_eq!(attribute(model, "feature").as_deref(), Some("tutor"));
        assert_eq!(attribute(model, "outcome").as_deref(), Some("ok"));
        let gateway = trace
            .iter()
            .find(|s| s.name == "plugin.call" && s.parent_span_id == model.span_id)
            .expect("the gateway's call under the model call");
        assert!(
            attribute(gateway, "plugin").is_some_and(|p| p.starts_with("ai-gateway@")),
            "{gateway:?}"
        );
        let query = trace
            .iter()
            .find(|s| s.name == "db.query" && s.parent_span_id == model.span_id)
            .expect("the cost guard's database read under the model call");
        assert!(
            attribute(query, "db.query.text").is_some_and(|q| q.contains("ai_usage_events")),
            "{query:?}"
        );
        assert!(query.end_time_unix_nano >= query.start_time_unix_nano);
    }
}

/// The `Server-Timing` value's durations, by name (milliseconds).
fn server_timing(value: &str) -> HashMap<String, f64> {
    value
        .split(',')
        .filter_map(|metric| {
            let mut parts = metric.trim().split(';');
            let name = parts.next()?.to_owned();
            let dur = parts.find_map(|p| p.strip_prefix("dur="))?.parse().ok()?;
            Some((name, dur))
        })
        .collect()
}

/// `--server-timing`: a completion from a model that takes 1.5 s reports that wait as the
/// AI gateway's and the rest as the platform's, in the header and in
/// `tessera_http_platform_duration_seconds`; without the flag no header is sent.
#[tokio::test]
async fn server_timing_tells_the_models_time_from_the_platforms() {
    let slow = Upstream::start(Behaviour::SayAfter(
        Duration::from_millis(1500),
        "a loop repeats its body".into(),
    ))
    .await;
    let gateway = gateway_with(
        &[provider("a", Wire::OpenAi, slow.port, &["gpt-a"])],
        &[("routes", json!({ "default": ["gpt-a"] }))],
    );
    let dirs = [
        plugins_dir().join("safety-filter"),
        gateway.path().to_owned(),
    ];
    let server = Server::start_with(&dirs, &["--server-timing"]).await;
    let learner = Learner::of(&server).await;
    let r = learner
        .client
        .post(server.url("/v1/chat/completions"))
        .header("x-tessera-feature", "tutor")
        .json(&json!({ "messages": [{ "role": "user", "content": "How does a while loop end?" }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let header = r
        .headers()
        .get("server-timing")
        .and_then(|v| v.to_str().ok())
        .expect("a Server-Timing header")
        .to_owned();
    let split = server_timing(&header);
    let (ai, platform, total) = (split["ai"], split["platform"], split["total"]);
    // The provider's wait is the gateway's, not the platform's.
    assert!(ai >= 1500.0, "{header}");
    // The gate's meaning stage embedded the question (its own share when it ran).
    let meaning = split.get("meaning").copied().unwrap_or_default();
    // Sequential spans: the shares add up to the whole (each printed to 0.001 ms).
    assert!((ai + meaning + platform - total).abs() < 0.01, "{header}");
    assert!(platform < total - 1500.0, "{header}");

    let scrape = Scrape::of(&server).await;
    assert_eq!(
        scrape.sum(
            "tessera_http_platform_duration_seconds_count",
            &[("route", "/v1/chat/completions"), ("method", "POST")]
        ),
        1.0
    );
    // The histogram took the model's 1.5 s out of the request's time.
    let sum = |name: &str| {
        scrape.sum(
            name,
            &[("route", "/v1/chat/completions"), ("method", "POST")],
        )
    };
    assert!(
        sum("tessera_http_platform_duration_seconds_sum")
            <= sum("tessera_http_request_duration_seconds_sum") - 1.5,
        "{header}"
    );

    let quiet = Server::start(&dirs).await;
    let r = Learner::of(&quiet)
        .await
        .client
        .post(quiet.url("/v1/chat/completions"))
        .header("x-tessera-feature", "tutor")
        .json(&json!({ "messages": [{ "role": "user", "content": "How does a for loop end?" }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("server-timing").is_none());
}

/// `TESSERA_LOG_FORMAT=json`: one access line per request with the request id, the
/// hashed user (never the id or e-mail), route, method, status and duration.
#[tokio::test]
async fn json_access_logs_carry_the_hashed_user_route_status_and_duration() {
    let server = Server::start_watched(
        crate::support::Backend::Embedded,
        &[plugins_dir()],
        &[],
        &Watch {
            env: vec![
                ("TESSERA_LOG_FORMAT", "json".into()),
                ("RUST_LOG", "info".into()),
            ],
            capture_stderr: true,
        },
    )
    .await;
    let reg = server.register("student").await;
    let user_id = reg["user_id"].as_str().unwrap().to_owned();
    let email = reg["email"].as_str().unwrap().to_owned();
    let learner = client_with_token(reg["access_token"].as_str().unwrap());
    let request_id = format!("log-test-{}", uuid::Uuid::new_v4().simple());
    let r = learner
        .get(server.url("/api/v1/progress/mastery"))
        .header("x-request-id", &request_id)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let graphql_id = format!("log-graphql-{}", uuid::Uuid::new_v4().simple());
    let r = learner
        .post(server.url("/graphql"))
        .header("x-request-id", &graphql_id)
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let anonymous_id = format!("log-anon-{}", uuid::Uuid::new_v4().simple());
    let r = server
        .anonymous
        .get(server.url("/api/v1/progress/mastery"))
        .header("x-request-id", &anonymous_id)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let access = async |id: &str| -> Value {
        eventually("the access line", Duration::from_secs(10), async || {
            let found = server.log_lines().iter().find_map(|line| {
                let v: Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
                (v["target"] == "tessera::access" && v["fields"]["request_id"] == id).then_some(v)
            });
            found.ok_or_else(|| format!("no access line for {id}"))
        })
        .await
    };
    let line = access(&request_id).await;
    let fields = &line["fields"];
    assert_eq!(fields["route"], "/api/v1/progress/mastery", "{line}");
    assert_eq!(fields["method"], "GET");
    assert_eq!(fields["status"], 200);
    assert!(
        fields["duration_ms"].as_f64().is_some_and(|d| d >= 0.0),
        "{line}"
    );
    assert_eq!(
        fields["user_hash"],
        tessera::store::ai_usage::user_hash(&user_id),
        "{line}"
    );
    let text = line.to_string();
    assert!(!text.contains(&user_id) && !text.contains(&email), "{text}");

    let line = access(&graphql_id).await;
    assert_eq!(line["fields"]["route"], "/graphql");
    assert_eq!(
        line["fields"]["user_hash"],
        tessera::store::ai_usage::user_hash(&user_id),
        "{line}"
    );

    let line = access(&anonymous_id).await;
    assert_eq!(line["fields"]["status"], 401);
    assert_eq!(line["fields"]["user_hash"], Value::Null, "{line}");
    // No line anywhere names the learner.
    for line in server.log_lines() {
        assert!(!line.contains(&user_id) && !line.contains(&email), "{line}");
    }
}

/// The alert rules load and pass their unit tests (the latency and error alerts of
/// docs/requirements.md#r-000-8, the spend thresholds of #r-001-13.2). promtool comes from Debian's
/// `prometheus` package, which `./dev test` installs when it can; CI must have it.
#[test]
fn the_alert_rules_pass_promtool() {
    let dir = crate::support::repo().join("deploy/prometheus");
    let present = std::process::Command::new("promtool")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        assert!(
            !crate::support::ci(),
            "CI=true: promtool is missing (apt-get install prometheus)"
        );
        eprintln!("NOTE: promtool is not installed: the alert rules were not checked");
        return;
    }
    for args in [
        ["check", "rules", "tessera-rules.yml"],
        ["test", "rules", "tessera-rules.test.yml"],
    ] {
        let out = std::process::Command::new("promtool")
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "promtool {}: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
