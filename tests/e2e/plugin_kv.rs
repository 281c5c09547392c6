//! The plugin key-value store (`wasi:keyvalue`) under quotas: each plugin may keep at most
//! its manifest's `limits.keyvalue_max_keys` keys and `limits.keyvalue_max_bytes` bytes, on
//! both backends (in process, and Redis shared by replicas), and the in-process store as a
//! whole at most `--plugin-kv-memory-mb`. A refused write is the `wasi:keyvalue` error the
//! plugin sees; the host keeps serving.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::support::{Backend, Server, backends, component};

/// A plugin folder: the stateful fixture as plugin `id`, claiming `kinds`, with `limits`.
fn kv_plugin(id: &str, kinds: &[&str], limits: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("plugin.toml"),
        format!(
            "id = {id:?}\nversion = \"0.1.0\"\ncontract = \"0.1.0\"\nworld = \"grader-plugin\"\n\
             component = {:?}\n[limits]\ntimeout_ms = 5000\n{limits}\n[grants]\nkeyvalue = true\n\
             [grants.config]\ngreeting = \"hello\"\n[routing]\nkinds = {kinds:?}\n",
            component("stateful_grader.wasm").display().to_string(),
        ),
    )
    .unwrap();
    dir
}

fn ask(kind: &str, prompt: &str) -> Value {
    json!({"question": {"kind": kind, "prompt": prompt, "answer_key": {}}, "answer": {}})
}

async fn feedback(server: &Server, kind: &str, prompt: &str) -> String {
    let (status, body) = server.grade(ask(kind, prompt)).await;
    assert_eq!(status, 200, "{kind} {prompt}: {body}");
    body["feedback"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn each_plugin_keeps_at_most_its_keys_and_bytes_on_both_backends() {
    for backend in backends() {
        let plugin = kv_plugin(
            "kv-quota",
            &["kv_fill", "kv_clear"],
            "keyvalue_max_keys = 5\nkeyvalue_max_bytes = 4096",
        );
        let server = Server::start_on(backend, &[plugin.path().to_owned()], &[]).await;

        // Ten small keys: the sixth is refused, and the plugin hears why.
        let said = feedback(&server, "kv_fill", "10 10").await;
        assert!(
            said.starts_with("stored 5; refused: "),
            "{backend:?}: {said}"
        );
        assert!(said.contains("keyvalue_max_keys"), "{backend:?}: {said}");
        // Rewriting the keys it has is no growth.
        assert_eq!(feedback(&server, "kv_fill", "5 10").await, "stored 5");

        // Deleting frees the room again.
        assert_eq!(feedback(&server, "kv_clear", "").await, "cleared 5");
        // 1007 bytes an entry (key + value): four fit in 4096, the fifth does not.
        let said = feedback(&server, "kv_fill", "5 1000").await;
        assert!(
            said.starts_with("stored 4; refused: "),
            "{backend:?}: {said}"
        );
        assert!(said.contains("keyvalue_max_bytes"), "{backend:?}: {said}");

        assert_eq!(feedback(&server, "kv_clear", "").await, "cleared 4");
        assert_eq!(feedback(&server, "kv_fill", "4 1000").await, "stored 4");
    }
}

#[tokio::test]
async fn a_manifest_quota_above_the_host_ceiling_is_refused_at_load() {
    let plugin = kv_plugin(
        "kv-greedy",
        &["kv_fill"],
        "keyvalue_max_bytes = 1099511627776",
    );
    let server = Server::start(&[plugin.path().to_owned()]).await;
    let (_, ready) = server.get("/health/ready").await;
    let failed = &ready["details"]["plugins"]["failed"][0];
    let reason = failed["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("limits.keyvalue_max_bytes"), "{ready}");
    assert!(reason.contains("ceiling"), "{ready}");
    assert_eq!(ready["details"]["plugins"]["loaded"], json!([]), "{ready}");
}

#[tokio::test]
async fn the_in_process_store_as_a_whole_stays_under_its_cap() {
    let first = kv_plugin("kv-first", &["kv_fill"], "keyvalue_max_bytes = 4194304");
    let second = kv_plugin("kv-second", &["kv_fill_2"], "keyvalue_max_bytes = 4194304");
    let dirs: Vec<PathBuf> = vec![first.path().to_owned(), second.path().to_owned()];
    let server = Server::start_on(Backend::Embedded, &dirs, &["--plugin-kv-memory-mb", "1"]).await;
    // 100 007 bytes an entry: eight for the first plugin (800 056 bytes of the 1 MiB) ...
    assert_eq!(feedback(&server, "kv_fill", "8 100000").await, "stored 8");
    // ... leave room for two of the second's, although its own quota is 4 MiB.
    let said = feedback(&server, "kv_fill_2", "8 100000").await;
    assert!(said.starts_with("stored 2; refused: "), "{said}");
    assert!(said.contains("plugin-kv-memory-mb"), "{said}");
}
