//! The `embeddings` import (contract 0.2.0): a plugin granted it compares meanings with the
//! host's model; the host caps what one call may embed and refuses a plugin that imports it
//! without the grant; a host running no model answers `unavailable`, and keeps serving.

use serde_json::{Value, json};

use crate::support::{Server, fixtures_dir};

fn meaning(answer: &str, key: &str) -> Value {
    json!({"question": {"kind": "meaning", "answer_key": key}, "answer": answer})
}

fn feedback(body: &Value) -> &str {
    body["feedback"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_granted_plugin_compares_meanings_with_the_hosts_model() {
    let server = Server::start(&[fixtures_dir()]).await;
    let key = "Recursion is when a function calls itself on a smaller part of the problem.";

    let (status, close) = server
        .grade(meaning(
            "a function that calls itself until it reaches a base case",
            key,
        ))
        .await;
    assert_eq!(status, 200, "{close}");
    assert!(
        feedback(&close).contains("all-MiniLM-L6-v2 (384 dimensions), 384 values"),
        "{close}"
    );
    let (status, unrelated) = server
        .grade(meaning("my favourite pizza has mushrooms and olives", key))
        .await;
    assert_eq!(status, 200, "{unrelated}");
    let (close, unrelated) = (
        close["score"].as_f64().unwrap(),
        unrelated["score"].as_f64().unwrap(),
    );
    // MiniLM puts a paraphrase near 0.5 and an unrelated text near 0: far apart.
    assert!(
        close > unrelated + 0.3,
        "a paraphrase scored {close}, an unrelated answer {unrelated}"
    );
    assert!(unrelated < 0.2, "an unrelated answer scored {unrelated}");

    // The same text is the same vector: cosine 1 (unit vectors, as the WIT promises).
    let (_, same) = server.grade(meaning(key, key)).await;
    assert!(same["score"].as_f64().unwrap() > 0.999, "{same}");
}

#[tokio::test]
async fn one_call_may_embed_only_so_much_and_long_texts_are_named() {
    let server = Server::start(&[fixtures_dir()]).await;
    let (status, flood) = server
        .grade(json!({"question": {"kind": "embed_flood", "answer_key": {}}, "answer": {}}))
        .await;
    assert_eq!(status, 200, "{flood}");
    // 16 batches of 64 fit the 1024-text allowance; the 17th is refused, not queued.
    assert!(
        feedback(&flood).starts_with("1024 budget-exceeded"),
        "{flood}"
    );

    let (status, long) = server
        .grade(json!({"question": {"kind": "embed_long", "answer_key": {}}, "answer": {}}))
        .await;
    assert_eq!(status, 200, "{long}");
    assert!(
        feedback(&long).starts_with("invalid-request texts[1]"),
        "{long}"
    );

    // The allowance is per call: the next call embeds again.
    let (status, _) = server
        .grade(meaning("a loop repeats", "a loop runs its body again"))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn importing_embeddings_without_the_grant_is_refused_at_load() {
    let server = Server::start(&[fixtures_dir()]).await;
    let (_, ready) = server.get("/health/ready").await;
    let failed = ready["details"]["plugins"]["failed"].as_array().unwrap();
    let ungranted = failed
        .iter()
        .find(|f| f["plugin"] == "fixture-meaning-ungranted")
        .unwrap_or_else(|| panic!("fixture-meaning-ungranted is reported as failed: {ready}"));
    let reason = ungranted["reason"].as_str().unwrap();
    assert!(
        reason.contains("tessera:platform/embeddings@0.2.0"),
        "{reason}"
    );
    assert!(reason.contains("grants.embeddings = true"), "{reason}");
    // The granted one, built from the same component, loaded.
    let loaded = ready["details"]["plugins"]["loaded"].to_string();
    assert!(loaded.contains("fixture-meaning"), "{ready}");
}

#[tokio::test]
async fn without_a_model_the_import_is_unavailable_and_the_host_serves_on() {
    let server = Server::start_with(&[fixtures_dir()], &["--semantic-safety", "off"]).await;
    let (status, body) = server.grade(meaning("a loop", "a loop")).await;
    assert_eq!(status, 503, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("no embeddings model"), "{body}");
    let (status, _) = server.get("/health/live").await;
    assert_eq!(status, 200);
}
