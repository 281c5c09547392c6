//! Grants: a component importing what its manifest does not grant is refused at load time;
//! outbound HTTP reaches only the hosts and ports in `grants.outbound_hosts`.

use std::sync::atomic::Ordering;

use serde_json::json;

use crate::support::{Server, binary, component, fixtures_dir, hello_server};

#[tokio::test]
async fn an_ungranted_import_is_refused_at_load_naming_plugin_and_import() {
    let server = Server::start(&[fixtures_dir()]).await;
    let (status, ready) = server.get("/health/ready").await;
    assert_eq!(status, 200);
    assert_eq!(ready["status"], "degraded");
    let failed = ready["details"]["plugins"]["failed"].as_array().unwrap();
    let sneaky = failed
        .iter()
        .find(|f| f["plugin"] == "fixture-sneaky")
        .expect("fixture-sneaky is reported as failed");
    let reason = sneaky["reason"].as_str().unwrap();
    assert!(reason.contains("tessera:platform/llm@0.1.0"), "{reason}");
    assert!(reason.contains("grants.llm"), "{reason}");
    // Its kind is not served by anyone.
    let (status, body) = server
        .grade(json!({"question": {"kind": "sneaky", "answer_key": {}}, "answer": {}}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["details"]["field"], "question.kind");
}

#[test]
fn validate_reports_the_ungranted_import_and_exits_non_zero() {
    let out = binary()
        .args(["plugin", "validate"])
        .arg(fixtures_dir().join("fixture-sneaky"))
        .arg("--data-dir")
        .arg(crate::support::data_dir())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("fixture-sneaky"), "{stderr}");
    assert!(stderr.contains("tessera:platform/llm@0.1.0"), "{stderr}");
}

fn fetch(url: String) -> serde_json::Value {
    json!({"question": {"kind": "fetch", "prompt": url, "answer_key": {}}, "answer": {}})
}

/// A plugin folder holding the fetch fixture granted exactly `outbound_hosts`.
fn fetch_plugin(outbound_hosts: &[String]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("plugin.toml"),
        format!(
            "id = \"fetch-granted\"\nversion = \"0.1.0\"\ncontract = \"0.1.0\"\n\
             world = \"grader-plugin\"\ncomponent = {:?}\n[limits]\ntimeout_ms = 2000\n\
             [grants]\noutbound_hosts = {:?}\n[routing]\nkinds = [\"fetch\"]\n",
            component("fetch_grader.wasm").display().to_string(),
            outbound_hosts,
        ),
    )
    .unwrap();
    dir
}

/// The host refused the request before connecting: the plugin saw HTTP-request-denied.
fn assert_denied(status: u16, body: &serde_json::Value) {
    assert_eq!(status, 503, "{body}");
    let message = body["error"]["message"].as_str().unwrap().to_lowercase();
    assert!(message.contains("denied"), "{message}");
}

#[tokio::test]
async fn outbound_http_reaches_the_granted_host_and_port_only() {
    let (port, reached) = hello_server().await;
    let (other_port, other_reached) = hello_server().await;
    let plugin = fetch_plugin(&[format!("127.0.0.1:{port}")]);
    let server = Server::start(&[plugin.path().to_owned()]).await;

    let (status, body) = server
        .grade(fetch(format!("http://127.0.0.1:{port}/")))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["feedback"].as_str().unwrap().contains("hello"),
        "{body}"
    );
    assert_eq!(reached.load(Ordering::SeqCst), 1);

    // `localhost` names the same machine but is not the granted host.
    let (status, body) = server
        .grade(fetch(format!("http://localhost:{port}/")))
        .await;
    assert_denied(status, &body);
    // The granted host on another port: refused before a connection is made.
    let (status, body) = server
        .grade(fetch(format!("http://127.0.0.1:{other_port}/")))
        .await;
    assert_denied(status, &body);
    assert_eq!(reached.load(Ordering::SeqCst), 1);
    assert_eq!(
        other_reached.load(Ordering::SeqCst),
        0,
        "another port was reached"
    );
}

#[tokio::test]
async fn a_bare_host_grant_opens_its_web_ports_only_not_redis_or_postgres() {
    // fixture-fetch grants the bare host `127.0.0.1`: ports 80 and 443 only. A listener on
    // any other port (here standing in for Redis on 6379 or Postgres on 5432) stays shut.
    let (port, reached) = hello_server().await;
    let server = Server::start(&[fixtures_dir()]).await;
    let (status, body) = server
        .grade(fetch(format!("http://127.0.0.1:{port}/")))
        .await;
    assert_denied(status, &body);
    for well_known in [6379, 5432] {
        let (status, body) = server
            .grade(fetch(format!("http://127.0.0.1:{well_known}/")))
            .await;
        assert_denied(status, &body);
    }
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "a non-web port was reached"
    );
}

#[tokio::test]
async fn granted_keyvalue_keeps_state_across_calls_and_config_serves_only_granted_keys() {
    let server = Server::start(&[fixtures_dir()]).await;
    let counter = json!({"question": {"kind": "counter", "answer_key": {}}, "answer": {}});
    let (status, first) = server.grade(counter.clone()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["feedback"], "hello #1 secret=false");
    let (_, second) = server.grade(counter).await;
    assert_eq!(second["feedback"], "hello #2 secret=false");
}

#[tokio::test]
async fn sockets_link_but_every_connection_is_refused() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = Server::start(&[fixtures_dir()]).await;
    let (status, body) = server
        .grade(json!({"question": {"kind": "socket", "prompt": format!("127.0.0.1:{port}"), "answer_key": {}}, "answer": {}}))
        .await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("socket refused"),
        "{body}"
    );
    // Nothing reached the listener.
    let accepted =
        tokio::time::timeout(std::time::Duration::from_millis(200), listener.accept()).await;
    assert!(accepted.is_err(), "the plugin opened a connection");
}
