//! Extism as a second plugin ABI (`abi = "extism"`): a grader written with extism-pdk
//! (tests/fixtures/extism-grader) is served over HTTP like a component, under the same
//! limits (each misbehaviour a typed error, the host serving on), with its grants mapped
//! onto Extism (config, key-value, outbound HTTP by host and port) and nothing ungranted
//! linked.

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use crate::support::{Server, component, hello_server, repo};

fn extism_fixtures() -> PathBuf {
    repo().join("tests/fixtures/extism")
}

fn question(kind: &str, prompt: &str, key: Value, answer: Value) -> Value {
    json!({"question": {"kind": kind, "prompt": prompt, "answer_key": key}, "answer": answer})
}

#[tokio::test]
async fn an_extism_grader_grades_over_http_and_its_contract_errors_map_like_a_components() {
    let server = Server::start(&[extism_fixtures()]).await;
    let key = json!({"text": "Paris"});
    let (status, right) = server
        .grade(question(
            "extism_exact",
            "Capital of France?",
            key.clone(),
            json!({"text": " paris "}),
        ))
        .await;
    assert_eq!(status, 200, "{right}");
    assert_eq!(right["score"], 1.0);
    assert_eq!(right["correct"], true);
    assert_eq!(right["feedback"], "Exactly right.");

    let (status, wrong) = server
        .grade(question(
            "extism_exact",
            "Capital of France?",
            key.clone(),
            json!({"text": "Lyon"}),
        ))
        .await;
    assert_eq!(status, 200, "{wrong}");
    assert_eq!(wrong["score"], 0.0);
    assert_eq!(wrong["feedback"], "Not quite: expected Paris.");

    // The plugin's `{"err": {"invalid-input": …}}` is a 422 naming its field.
    let (status, invalid) = server
        .grade(question(
            "extism_exact",
            "Capital of France?",
            key,
            json!({"text": 7}),
        ))
        .await;
    assert_eq!(status, 422, "{invalid}");
    assert_eq!(
        invalid["error"]["details"]["field"], "answer.text",
        "{invalid}"
    );

    // Granted config reaches the plugin through Extism's config.
    let (status, config) = server
        .grade(question("extism_config", "", json!({}), json!({})))
        .await;
    assert_eq!(status, 200, "{config}");
    assert_eq!(config["feedback"], "hello from config");

    // Output that is not the contract's JSON is the plugin's fault.
    let (status, bad) = server
        .grade(question("extism_bad_json", "", json!({}), json!({})))
        .await;
    assert_eq!(status, 502, "{bad}");
    assert_eq!(bad["error"]["details"]["kind"], "bad_output", "{bad}");
    assert_eq!(bad["error"]["details"]["plugin"], "extism-ok", "{bad}");
    let message = bad["error"]["message"].as_str().unwrap();
    assert!(message.contains("expected `ok` or `err`"), "{message}");
}

/// (kind, HTTP status, error kind)
const MISBEHAVIOURS: &[(&str, u16, &str)] = &[
    ("extism_loop", 504, "timeout"),
    ("extism_memory_bomb", 502, "memory_limit"),
    ("extism_huge_output", 502, "output_too_large"),
    ("extism_trap", 502, "trap"),
];

#[tokio::test]
async fn each_extism_misbehaviour_is_a_typed_error_and_the_host_keeps_serving() {
    let server = Server::start(&[extism_fixtures()]).await;
    for &(kind, status, error_kind) in MISBEHAVIOURS {
        let (got, body) = server.grade(question(kind, "", json!({}), json!({}))).await;
        assert_eq!(got, status, "{kind}: {body}");
        assert_eq!(
            body["error"]["details"]["kind"], error_kind,
            "{kind}: {body}"
        );
        assert!(
            body["error"]["details"]["plugin"]
                .as_str()
                .unwrap()
                .starts_with("extism-"),
            "{kind}: {body}"
        );
        let (ok, right) = server
            .grade(question(
                "extism_exact",
                "",
                json!({"text": "a"}),
                json!({"text": "a"}),
            ))
            .await;
        assert_eq!(ok, 200, "healthy call after {kind}: {right}");
    }
    let (_, trap) = server
        .grade(question("extism_trap", "", json!({}), json!({})))
        .await;
    let message = trap["error"]["message"].as_str().unwrap();
    assert!(message.contains("extism-trap@0.1.0"), "{message}");
    let metrics = server.text(&server.http, "/metrics").await;
    assert!(
        metrics.contains(
            r#"tessera_plugin_errors_total{kind="timeout",plugin="extism-loop",version="0.1.0"} 1"#
        ),
        "{metrics}"
    );
}

#[tokio::test]
async fn granted_keyvalue_keeps_an_extism_plugins_state_across_calls() {
    let server = Server::start(&[extism_fixtures()]).await;
    let count = question("extism_count", "", json!({}), json!({}));
    let (status, first) = server.grade(count.clone()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["feedback"], "attempt 1");
    let (_, second) = server.grade(count).await;
    assert_eq!(second["feedback"], "attempt 2");
}

/// `grants.llm` reaches the AI gateway through the same safety gate as a component's import.
#[tokio::test]
async fn an_extism_plugins_model_calls_go_through_the_gateway_and_the_safety_gate() {
    let server = Server::start(&[crate::support::plugins_dir(), extism_fixtures()]).await;
    let ask = |text: &str| question("extism_llm", "", json!({}), json!({"text": text}));
    let (status, r) = server.grade(ask("How do while loops end?")).await;
    assert_eq!(status, 200, "{r}");
    let feedback = r["feedback"].as_str().unwrap();
    assert!(feedback.starts_with("tessera-offline: "), "{feedback}");
    let (status, r) = server.grade(ask("i want to end my life")).await;
    assert_eq!(status, 200, "{r}");
    let feedback = r["feedback"].as_str().unwrap();
    assert!(feedback.starts_with("blocked: "), "{feedback}");
}

/// A folder with the Extism fixture as plugin `id`, granted `grants` (TOML lines).
fn extism_plugin(id: &str, grants: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("plugin.toml"),
        format!(
            "id = \"{id}\"\nversion = \"0.1.0\"\ncontract = \"0.1.0\"\nworld = \"grader-plugin\"\n\
             abi = \"extism\"\ncomponent = {:?}\n[limits]\ntimeout_ms = 2000\n\
             [grants]\n{grants}\n[routing]\nkinds = [\"extism_fetch\"]\n",
            component("extism_grader.wasm").display().to_string(),
        ),
    )
    .unwrap();
    dir
}

#[tokio::test]
async fn outbound_http_reaches_the_granted_host_and_port_only() {
    let (port, reached) = hello_server().await;
    let (other_port, other_reached) = hello_server().await;
    let plugin = extism_plugin(
        "extism-fetch",
        &format!("keyvalue = true\nllm = true\noutbound_hosts = [\"127.0.0.1:{port}\"]"),
    );
    let server = Server::start(&[plugin.path().to_owned()]).await;

    let fetch = |url: String| question("extism_fetch", &url, json!({}), json!({}));
    let (status, body) = server
        .grade(fetch(format!("http://127.0.0.1:{port}/")))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["feedback"], "200 hello");
    assert_eq!(reached.load(Ordering::SeqCst), 1);

    // The granted host on another port, and another name for it: refused unconnected.
    for url in [
        format!("http://127.0.0.1:{other_port}/"),
        format!("http://localhost:{port}/"),
    ] {
        let (status, body) = server.grade(fetch(url.clone())).await;
        assert_eq!(status, 502, "{url}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("is not allowed"), "{message}");
        assert!(message.contains("grants.outbound_hosts"), "{message}");
    }
    assert_eq!(reached.load(Ordering::SeqCst), 1);
    assert_eq!(
        other_reached.load(Ordering::SeqCst),
        0,
        "another port was reached"
    );
}

#[tokio::test]
async fn without_outbound_grants_no_request_leaves_the_host() {
    let (port, reached) = hello_server().await;
    let plugin = extism_plugin("extism-fetch-ungranted", "keyvalue = true\nllm = true");
    let server = Server::start(&[plugin.path().to_owned()]).await;
    let (status, body) = server
        .grade(question(
            "extism_fetch",
            &format!("http://127.0.0.1:{port}/"),
            json!({}),
            json!({}),
        ))
        .await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(reached.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_ungranted_host_function_a_component_and_a_wrong_world_are_refused_at_load() {
    // The fixture imports kv_get, kv_set and llm_complete: without `grants.keyvalue` and
    // `grants.llm` it does not load.
    let ungranted = extism_plugin("extism-no-kv", "");
    // A component file declared as an Extism plugin.
    let component_dir = tempfile::tempdir().unwrap();
    std::fs::write(
        component_dir.path().join("plugin.toml"),
        format!(
            "id = \"extism-component\"\nversion = \"0.1.0\"\ncontract = \"0.1.0\"\n\
             world = \"grader-plugin\"\nabi = \"extism\"\ncomponent = {:?}\n\
             [routing]\nkinds = [\"extism_component\"]\n",
            component("quiz_grader.wasm").display().to_string(),
        ),
    )
    .unwrap();
    let server =
        Server::start(&[ungranted.path().to_owned(), component_dir.path().to_owned()]).await;
    let (_, ready) = server.get("/health/ready").await;
    let failed = ready["details"]["plugins"]["failed"].as_array().unwrap();
    let reason = |id: &str| {
        failed
            .iter()
            .find(|f| f["plugin"] == id)
            .unwrap_or_else(|| panic!("{id} is reported as failed: {ready}"))["reason"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let no_kv = reason("extism-no-kv");
    assert!(no_kv.contains("extism:host/user::"), "{no_kv}");
    assert!(no_kv.contains("under [grants] in plugin.toml"), "{no_kv}");
    let not_module = reason("extism-component");
    assert!(
        not_module.contains("is a WebAssembly component"),
        "{not_module}"
    );

    // A world that is not JSON-shaped is a manifest error naming `abi`.
    let out = crate::support::binary()
        .args(["plugin", "validate"])
        .arg(
            write_manifest(
                "id = \"extism-safety\"\nversion = \"0.1.0\"\ncontract = \"0.1.0\"\n\
             world = \"safety-plugin\"\nabi = \"extism\"\ncomponent = \"x.wasm\"\n",
            )
            .path(),
        )
        .arg("--data-dir")
        .arg(crate::support::data_dir())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("field `abi`"), "{stderr}");
}

fn write_manifest(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plugin.toml"), text).unwrap();
    dir
}

#[tokio::test]
async fn an_extism_grader_passes_the_kit_is_published_and_serves_without_a_restart() {
    let empty = tempfile::tempdir().unwrap();
    let server = Server::start(&[empty.path().to_owned()]).await;
    let manifest = "id = \"exact-grader\"\nversion = \"0.1.0\"\ncontract = \"0.1.0\"\n\
                    world = \"grader-plugin\"\nabi = \"extism\"\ncomponent = \"exact.wasm\"\n\
                    [grants]\nkeyvalue = true\nllm = true\n[routing]\nkinds = [\"extism_exact\"]\n";
    let upload = |manifest: String| {
        let form = reqwest::multipart::Form::new()
            .text("manifest", manifest)
            .part(
                "component",
                reqwest::multipart::Part::bytes(
                    std::fs::read(component("extism_grader.wasm")).unwrap(),
                )
                .file_name("exact.wasm"),
            );
        server
            .http
            .post(server.url("/api/v1/plugins"))
            .multipart(form)
            .send()
    };
    let r = upload(manifest.to_owned()).await.unwrap();
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    let (status, graded) = server
        .grade(question(
            "extism_exact",
            "",
            json!({"text": "a"}),
            json!({"text": "A"}),
        ))
        .await;
    assert_eq!(status, 200, "{graded}");
    assert_eq!(graded["score"], 1.0);

    // A kind whose grades differ call to call fails the kit's determinism case: refused,
    // and the served version is unchanged.
    let flaky = manifest
        .replace("0.1.0\"\ncontract", "0.2.0\"\ncontract")
        .replace("[\"extism_exact\"]", "[\"extism_exact\", \"extism_count\"]");
    let r = upload(flaky).await.unwrap();
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "CONFORMANCE_FAILED", "{body}");
}
