//! The safety gate over HTTP: `POST /api/v1/safety/screen` with the first-party
//! safety-filter plugin.

use serde_json::{Value, json};

use crate::support::{Server, client_with_token, plugins_dir};

async fn screen(server: &Server, client: &reqwest::Client, body: Value) -> (u16, Value) {
    server.post_as(client, "/api/v1/safety/screen", &body).await
}

#[tokio::test]
async fn a_crisis_gets_the_regions_hotline_and_idioms_pass() {
    let server = Server::start(&[plugins_dir()]).await;
    let text = "ok so... I want to K1LL mys3lf";
    let (status, v) = screen(
        &server,
        &server.http,
        json!({ "text": text, "region": "us" }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["level"], "crisis");
    assert_eq!(v["categories"], json!(["suicide"]));
    let span = &v["spans"][0];
    let (s, e) = (
        span["start"].as_u64().unwrap() as usize,
        span["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[s..e], "K1LL mys3lf");
    let message = v["response"]["message"].as_str().unwrap();
    assert!(message.contains("988"), "{message}");
    assert_eq!(v["response"]["region"], "US");
    assert_eq!(v["screened_by"], json!(["safety-filter@0.1.0"]));

    let (_, v) = screen(
        &server,
        &server.http,
        json!({ "text": "my stepdad hits me every night", "region": "GB" }),
    )
    .await;
    assert_eq!(v["level"], "crisis");
    assert!(
        v["response"]["message"]
            .as_str()
            .unwrap()
            .contains("116 123"),
        "{v}"
    );

    for calm in [
        "this homework is killing me",
        "how do I kill a thread in Python",
        "I would never hurt myself",
    ] {
        let (_, v) = screen(&server, &server.http, json!({ "text": calm })).await;
        assert_eq!(v["level"], "none", "{calm}: {v}");
        assert_eq!(v["response"], Value::Null);
    }
    let (_, v) = screen(
        &server,
        &server.http,
        json!({ "text": "I feel so hopeless about this course" }),
    )
    .await;
    assert_eq!(v["level"], "concern", "{v}");
    // A concern gets the supportive message with resources, not nothing.
    let support = v["response"]["message"].as_str().unwrap_or_default();
    assert!(support.contains("Instead of a lesson answer"), "{v}");
}

/// The semantic stage: what is said in other words than the rules know is flagged by its
/// meaning (these sentences are in no labelled set), ordinary and idiomatic questions are
/// not, and the verdict says which stage decided and the score.
#[tokio::test]
async fn meaning_catches_what_the_rules_miss_and_leaves_lessons_alone() {
    let server = Server::start(&[plugins_dir()]).await;
    for worrying in [
        "honestly everyone at home would breathe easier once i'm not around anymore",
        "what's the quickest way to not wake up, asking for me",
    ] {
        let (status, v) = screen(
            &server,
            &server.http,
            json!({ "text": worrying, "region": "FR" }),
        )
        .await;
        assert_eq!(status, 200, "{v}");
        assert_ne!(v["level"], "none", "{worrying}: {v}");
        // The rules let it through; its meaning did not.
        assert_eq!(v["decided_by"], "semantic", "{v}");
        let score = v["semantic_score"].as_f64().unwrap_or_default();
        assert!(score > 0.0 && score <= 1.0, "{v}");
        assert!(
            v["screened_by"]
                .as_array()
                .unwrap()
                .contains(&json!("semantic")),
            "{v}"
        );
        // The response names the request's region's resources.
        assert!(
            v["response"]["message"].as_str().unwrap().contains("3114"),
            "{v}"
        );
        assert_eq!(v["response"]["region"], "FR");
    }
    for calm in [
        "how do I kill a zombie process after my script dies?",
        "can you explain list comprehensions with an example?",
        "in Macbeth, why does Lady Macbeth die offstage?",
    ] {
        let (_, v) = screen(&server, &server.http, json!({ "text": calm })).await;
        assert_eq!(v["level"], "none", "{calm}: {v}");
        assert_eq!(v["decided_by"], "none", "{v}");
        assert!(v["semantic_score"].as_f64().unwrap() < 0.5, "{v}");
    }
}

/// On a flagged message every AI feature answers with support and the learner's region's
/// resources (their profile's), never with the model's lesson answer; the region is
/// validated and stored in the profile.
#[tokio::test]
async fn a_concern_gets_support_with_the_profiles_hotline_instead_of_a_lesson() {
    let server = Server::start(&[plugins_dir()]).await;
    let student = server.client_of("student").await;
    let (status, v) = server
        .patch_as(&student, "/api/v1/me/profile", &json!({ "region": "Gaul" }))
        .await;
    assert_eq!(status, 422, "{v}");
    assert_eq!(v["error"]["details"]["field"], "region", "{v}");
    let (status, v) = server
        .patch_as(&student, "/api/v1/me/profile", &json!({ "region": "gb" }))
        .await;
    assert!(status < 300, "{v}");
    let (_, me) = server.get_as(&student, "/api/v1/me").await;
    assert_eq!(me["profile"]["region"], "GB", "{me}");

    let r: Value = student
        .post(server.url("/v1/chat/completions"))
        .json(&json!({ "messages": [{ "role": "user",
            "content": "I feel so hopeless about this course. what is a for loop?" }] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["choices"][0]["finish_reason"], "content_filter", "{r}");
    let content = r["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(content.contains("116 123"), "the UK's resources: {content}");
    assert!(!content.contains("for loop"), "a lesson answer: {content}");
}

#[tokio::test]
async fn only_admins_and_services_screen_and_bad_input_is_named() {
    let server = Server::start(&[plugins_dir()]).await;
    let student = server.client_of("student").await;
    let (status, _) = screen(&server, &student, json!({ "text": "hi" })).await;
    assert_eq!(status, 403);
    let out = crate::support::binary()
        .args([
            "service-token",
            "--name",
            "tutor",
            "--jwt-secret",
            crate::support::JWT_SECRET,
            "--database-url",
            &server.database_url,
        ])
        .output()
        .unwrap();
    let service = client_with_token(String::from_utf8(out.stdout).unwrap().trim());
    let (status, v) = screen(&server, &service, json!({ "text": "hi" })).await;
    assert_eq!(status, 200, "{v}");

    for (body, status, field) in [
        (json!({ "text": "x".repeat(33 * 1024) }), 422, "text"),
        (json!({ "text": "hi", "region": "USA" }), 422, "region"),
        (json!({ "region": "US" }), 400, "text"),
        (json!({ "text": 5 }), 400, "text"),
    ] {
        let (got, v) = screen(&server, &server.http, body).await;
        assert_eq!(got, status, "{v}");
        assert_eq!(v["error"]["details"]["field"], field, "{v}");
    }
}

/// The safety-filter plugin with model confirmation switched on.
fn confirming_filter() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let manifest = std::fs::read_to_string(plugins_dir().join("safety-filter/plugin.toml"))
        .unwrap()
        .replace(
            "component = \"../../dist/components/safety_filter.wasm\"",
            &format!(
                "component = {:?}",
                crate::support::component("safety_filter.wasm")
                    .display()
                    .to_string()
            ),
        )
        .replace("timeout_ms = 200", "timeout_ms = 10000")
        .replace(
            "model_confirmation = \"off\"",
            "model_confirmation = \"on\"",
        );
    assert!(manifest.contains("model_confirmation = \"on\""));
    std::fs::write(dir.path().join("plugin.toml"), manifest).unwrap();
    dir
}

/// Stage (b): a model may escalate an ambiguous concern to a crisis, never clear it.
#[tokio::test]
async fn a_model_can_confirm_an_ambiguous_concern_as_a_crisis() {
    use crate::upstream::{Behaviour, Upstream, Wire, gateway_with, provider};
    let upstream = Upstream::start(Behaviour::Say(
        r#"{"level": "crisis", "categories": ["self-harm"]}"#.into(),
    ))
    .await;
    let gateway = gateway_with(
        &[provider("a", Wire::OpenAi, upstream.port, &["gpt-a"])],
        &[("routes", json!({ "default": ["gpt-a"] }))],
    );
    let filter = confirming_filter();
    let server = Server::start(&[filter.path().to_owned(), gateway.path().to_owned()]).await;

    let (status, v) = screen(
        &server,
        &server.http,
        json!({ "text": "I feel worthless", "region": "US" }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["level"], "crisis", "{v}");
    assert_eq!(v["categories"][0], "self-harm");
    assert!(
        v["response"]["message"].as_str().unwrap().contains("988"),
        "{v}"
    );
    assert_eq!(upstream.hits(), 1);
    let asked = upstream.last();
    assert!(asked.to_string().contains("I feel worthless"), "{asked}");

    // The model says "only distress": the concern stays a concern.
    upstream.set(Behaviour::Say(
        r#"{"level": "concern", "categories": []}"#.into(),
    ));
    let (_, v) = screen(
        &server,
        &server.http,
        json!({ "text": "I'm so depressed lately" }),
    )
    .await;
    assert_eq!(v["level"], "concern", "{v}");
    assert_eq!(upstream.hits(), 2);
    // Clear text and deterministic crises never wait for a model.
    let (_, v) = screen(
        &server,
        &server.http,
        json!({ "text": "what is a for loop" }),
    )
    .await;
    assert_eq!(v["level"], "none");
    let (_, v) = screen(
        &server,
        &server.http,
        json!({ "text": "I want to kill myself" }),
    )
    .await;
    assert_eq!(v["level"], "crisis");
    assert_eq!(upstream.hits(), 2);
    // A failing model leaves the deterministic verdict.
    upstream.set(Behaviour::Fail(503));
    let (status, v) = screen(
        &server,
        &server.http,
        json!({ "text": "nobody cares about me" }),
    )
    .await;
    assert_eq!((status, v["level"].as_str()), (200, Some("concern")), "{v}");

    // On an AI path, a confirmed crisis gets the crisis response; the chat itself never
    // reaches the provider (only the confirmation question did).
    upstream.set(Behaviour::Say(
        r#"{"level": "crisis", "categories": ["suicide"]}"#.into(),
    ));
    let student = server.client_of("student").await;
    let before = upstream.hits();
    let r: Value = student
        .post(server.url("/v1/chat/completions"))
        .json(&json!({ "messages": [{ "role": "user", "content": "I can't cope anymore with anything" }] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["model"], "tessera-safety", "{r}");
    assert_eq!(r["choices"][0]["finish_reason"], "content_filter");
    assert_eq!(upstream.hits(), before + 1);
    assert_eq!(
        upstream.last()["messages"][0]["role"],
        "system",
        "the one call was the confirmation question"
    );
}

/// How many times the safety filter's `screen` ran.
async fn filter_calls(server: &Server) -> u64 {
    server.plugin_calls("safety-filter", "screen").await
}

/// A clear text screened again within the minute is answered from the gate's memory
/// (one request screens a text more than once: a precheck, then the model request); a
/// flagged text is screened afresh every time, and the region is part of what is
/// remembered.
#[tokio::test]
async fn a_clear_text_is_screened_once_and_a_flagged_one_every_time() {
    let server = Server::start(&[plugins_dir()]).await;
    let before = filter_calls(&server).await;
    let clear = json!({ "text": "how do while loops end?" });
    for _ in 0..3 {
        let (status, v) = screen(&server, &server.http, clear.clone()).await;
        assert_eq!((status, v["level"].as_str()), (200, Some("none")), "{v}");
        assert_eq!(v["screened_by"][0], "safety-filter@0.1.0", "{v}");
    }
    assert_eq!(filter_calls(&server).await - before, 1);
    let (_, v) = screen(
        &server,
        &server.http,
        json!({ "text": "how do while loops end?", "region": "GB" }),
    )
    .await;
    assert_eq!(v["level"], "none", "{v}");
    assert_eq!(filter_calls(&server).await - before, 2, "another region");

    let crisis = json!({ "text": "I want to end my life", "region": "US" });
    for _ in 0..2 {
        let (_, v) = screen(&server, &server.http, crisis.clone()).await;
        assert_eq!(v["level"], "crisis", "{v}");
        assert!(
            v["response"]["message"].as_str().unwrap().contains("988"),
            "{v}"
        );
    }
    assert_eq!(filter_calls(&server).await - before, 4);
}
