//! Broken plugins do not stop the host (unless --strict), and bad requests get a 4xx
//! naming the field.

use std::path::Path;

use serde_json::json;

use crate::support::{
    Server, backends, binary, client_with_token, component, data_dir, healthy_request, plugins_dir,
};

fn plugin(dir: &Path, id: &str, world: &str, component: &str) {
    let d = dir.join(id);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("plugin.toml"),
        format!(
            "id = \"{id}\"\nversion = \"1.0.0\"\ncontract = \"0.1.0\"\nworld = \"{world}\"\ncomponent = {component:?}\n[routing]\nkinds = [\"{id}\"]\n"
        ),
    )
    .unwrap();
}

/// A folder with one broken plugin of each sort, and the reason each must report.
fn broken_plugins(dir: &Path) -> Vec<(&'static str, &'static str)> {
    let quiz = component("quiz_grader.wasm").display().to_string();
    // Malformed TOML.
    std::fs::create_dir_all(dir.join("malformed")).unwrap();
    std::fs::write(
        dir.join("malformed/plugin.toml"),
        "id = \"malformed\"\nversion = [",
    )
    .unwrap();
    // Missing component file.
    plugin(dir, "missing-file", "grader-plugin", "nowhere.wasm");
    // The quiz grader declared as another world.
    plugin(dir, "wrong-world", "safety-plugin", &quiz);
    // A world the contract declares unstable (no host serves it yet).
    plugin(dir, "unstable-world", "agent-plugin", &quiz);
    // A truncated component.
    let bytes = std::fs::read(&quiz).unwrap();
    std::fs::write(dir.join("truncated.wasm"), &bytes[..bytes.len() / 3]).unwrap();
    plugin(dir, "truncated", "grader-plugin", "../truncated.wasm");
    // Not wasm at all.
    std::fs::write(dir.join("text.wasm"), "hello, I am not wasm").unwrap();
    plugin(dir, "not-wasm", "grader-plugin", "../text.wasm");
    // A core module, not a component.
    std::fs::write(dir.join("core.wasm"), b"\0asm\x01\0\0\0").unwrap();
    plugin(dir, "core-module", "grader-plugin", "../core.wasm");
    // A contract version the host does not serve.
    plugin(dir, "future", "grader-plugin", &quiz);
    let f = dir.join("future/plugin.toml");
    let text = std::fs::read_to_string(&f)
        .unwrap()
        .replace("contract = \"0.1.0\"", "contract = \"9.0.0\"");
    std::fs::write(f, text).unwrap();
    vec![
        ("malformed/plugin.toml", "version"),
        ("missing-file", "cannot read component"),
        (
            "wrong-world",
            "exports tessera:platform/grader@0.1.0 instead of tessera:platform/safety@0.1.0",
        ),
        (
            "unstable-world",
            "world `agent-plugin` is unstable in tessera:platform@0.1.0",
        ),
        ("truncated", "not a WebAssembly component"),
        ("not-wasm", "magic bytes"),
        ("core-module", "core WebAssembly module"),
        ("future", "tessera:platform@9.0.0"),
    ]
}

#[tokio::test]
async fn serve_starts_with_healthy_plugins_and_reports_each_broken_one() {
    let tmp = tempfile::tempdir().unwrap();
    let expected = broken_plugins(tmp.path());
    let server = Server::start(&[plugins_dir(), tmp.path().to_owned()]).await;
    let (status, ready) = server.get("/health/ready").await;
    assert_eq!(status, 200);
    assert_eq!(ready["status"], "degraded");
    let failed = ready["details"]["plugins"]["failed"].as_array().unwrap();
    assert_eq!(failed.len(), expected.len(), "{ready}");
    for (where_, reason) in expected {
        assert!(
            failed
                .iter()
                .any(|f| f["manifest"].as_str().unwrap().contains(where_)
                    && f["reason"].as_str().unwrap().contains(reason)),
            "no failure at {where_} mentioning {reason:?}: {failed:#?}"
        );
    }
    let (status, body) = server.grade(healthy_request()).await;
    assert_eq!(status, 200, "{body}");
}

#[test]
fn strict_refuses_to_start_with_a_broken_plugin() {
    let tmp = tempfile::tempdir().unwrap();
    broken_plugins(tmp.path());
    let out = binary()
        .args([
            "serve",
            "--strict",
            "--addr",
            "127.0.0.1:0",
            "--plugins-dir",
        ])
        .arg(tmp.path())
        .arg("--data-dir")
        .arg(data_dir())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--strict"), "{stderr}");
}

#[tokio::test]
async fn bad_requests_get_4xx_naming_the_field() {
    let server = Server::start(&[plugins_dir()]).await;
    let url = server.url("/api/v1/grade");
    let send = |body: &'static str, content_type: &'static str| {
        let http = server.http.clone();
        let url = url.clone();
        async move {
            let r = http
                .post(url)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let json = "application/json";
    let cases: &[(&str, &str, u16, Option<&str>)] = &[
        ("{not json", json, 400, None),
        (r#"{"answer":{}}"#, json, 400, None),
        (
            r#"{"question":{"kind":7,"answer_key":{}},"answer":{}}"#,
            json,
            400,
            Some("question.kind"),
        ),
        (
            r#"{"question":{"kind":"x","answer_key":{},"colour":1},"answer":{}}"#,
            json,
            400,
            Some("question.colour"),
        ),
        (
            r#"{"question":{"kind":"essay","answer_key":{}},"answer":{}}"#,
            json,
            422,
            Some("question.kind"),
        ),
        (
            r#"{"question":{"kind":"","answer_key":{}},"answer":{}}"#,
            json,
            422,
            Some("question.kind"),
        ),
        (
            r#"{"question":{"kind":"numeric","answer_key":{}},"answer":{}}"#,
            "text/plain",
            415,
            Some("content-type"),
        ),
    ];
    for &(body, content_type, status, field) in cases {
        let (got, reply) = send(body, content_type).await;
        assert_eq!(got, status, "{body}: {reply}");
        let error = &reply["error"];
        for key in ["code", "message", "request_id", "timestamp"] {
            assert!(!error[key].is_null(), "{key} missing in {reply}");
        }
        if let Some(field) = field {
            assert_eq!(error["details"]["field"], field, "{body}: {reply}");
        }
    }

    // Oversized body. A client of its own: the server closes the connection after answering
    // early, which must not break pooled connections of the other requests.
    let big = format!(
        r#"{{"question":{{"kind":"numeric","prompt":"{}","answer_key":{{}}}},"answer":{{}}}}"#,
        "x".repeat(2 << 20)
    );
    let (status, reply) = server.raw_post("/api/v1/grade", json, big.as_bytes());
    assert_eq!(status, 413, "{reply}");

    // Unknown route and wrong method, in the same error format.
    let (status, body) = server.get("/api/v1/nothing-here").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "NOT_FOUND");
    let (status, body) = server.get("/api/v1/grade").await;
    assert_eq!(status, 405);
    assert_eq!(body["error"]["code"], "METHOD_NOT_ALLOWED");

    // The request id is echoed.
    let r = server
        .http
        .post(&url)
        .header("x-request-id", "trace-123")
        .json(&json!({"question": {"kind": "essay", "answer_key": {}}, "answer": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-123");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["request_id"], "trace-123");
}

/// A NUL character in a query parameter or a JSON string (Postgres cannot store it) is bad
/// input on every backend, never a 500. Found by schemathesis (docs/testing.md).
#[tokio::test]
async fn text_with_a_nul_character_is_refused_not_a_server_error() {
    for backend in backends() {
        let server = Server::start_on(backend, &[plugins_dir()], &[]).await;
        let student = server.register("student").await;
        let client = client_with_token(student["access_token"].as_str().unwrap());
        let r = client
            .get(server.url("/api/v1/progress/mastery?user_id=a%00b"))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(
            (400..500).contains(&status) && body["error"]["code"].is_string(),
            "{backend:?}: mastery of a NUL user id: {status} {body}"
        );
        let (status, body) = server
            .post(
                "/api/v1/auth/register",
                &json!({"email": "nul@example.com", "password": "Correct-Horse-7-Battery",
                        "full_name": "Ada\u{0}Lovelace"}),
            )
            .await;
        assert!(
            (400..500).contains(&status) && body["error"]["code"].is_string(),
            "{backend:?}: a NUL in full_name: {status} {body}"
        );
    }
}
