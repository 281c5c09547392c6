//! The OpenAI-compatible front door with the safety gate in front of the AI gateway.

use serde_json::{Value, json};

use crate::support::{Server, eventually, plugins_dir};

/// How many times the AI gateway's `complete` ran.
async fn gateway_calls(server: &Server) -> u64 {
    server.plugin_calls("ai-gateway", "complete").await
}

#[tokio::test]
async fn completions_come_from_the_gateway_and_crises_never_reach_it() {
    let server = Server::start(&[plugins_dir()]).await;
    let student = server.client_of("student").await;
    let chat = |body: Value| {
        let (student, url) = (student.clone(), server.url("/v1/chat/completions"));
        async move {
            let r = student.post(url).json(&body).send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };

    let (status, r) = chat(json!({ "model": "tessera-offline",
        "messages": [{ "role": "system", "content": "be kind" }, { "role": "user", "content": "How do for loops work?" }] })).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["object"], "chat.completion");
    assert_eq!(r["model"], "tessera-offline");
    assert_eq!(r["choices"][0]["finish_reason"], "stop");
    assert!(
        r["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .contains("for loops"),
        "{r}"
    );
    assert!(r["usage"]["total_tokens"].as_u64().unwrap() > 0);
    let calls = gateway_calls(&server).await;
    assert_eq!(calls, 1);

    let (status, r) = chat(
        json!({ "messages": [{ "role": "user", "content": "honestly i want to k1ll mys3lf" }] }),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["model"], "tessera-safety");
    assert_eq!(r["choices"][0]["finish_reason"], "content_filter");
    assert!(
        r["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .contains("helpline"),
        "{r}"
    );
    assert_eq!(
        gateway_calls(&server).await,
        calls,
        "the crisis message reached the gateway"
    );

    // Streaming: the same answer as server-sent events.
    let r = student
        .post(server.url("/v1/chat/completions"))
        .json(&json!({ "stream": true, "messages": [{ "role": "user", "content": "what is a list?" }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let body = r.text().await.unwrap();
    assert!(
        body.contains("chat.completion.chunk") && body.contains("a list"),
        "{body}"
    );
    assert!(body.trim_end().ends_with("data: [DONE]"), "{body}");

    let (status, models) = {
        let r = student.get(server.url("/v1/models")).send().await.unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 200);
    assert_eq!(models["data"][0]["id"], "tessera-offline");
}

#[tokio::test]
async fn bad_chat_requests_are_4xx_naming_the_field() {
    let server = Server::start(&[plugins_dir()]).await;
    let student = server.client_of("student").await;
    for (body, status, field) in [
        (json!({ "messages": [] }), 422, "messages"),
        (
            json!({ "messages": [{ "role": "tool", "content": "x" }] }),
            422,
            "messages[0].role",
        ),
        (
            json!({ "messages": [{ "role": "user", "content": 5 }] }),
            422,
            "messages[0].content",
        ),
        (
            json!({ "model": "gpt-9", "messages": [{ "role": "user", "content": "hi" }] }),
            422,
            "model",
        ),
        (
            json!({ "messages": [{ "role": "user", "content": "x".repeat(70_000) }] }),
            422,
            "messages",
        ),
        (
            json!({ "temperature": 3.0, "messages": [{ "role": "user", "content": "hi" }] }),
            422,
            "temperature",
        ),
        (json!({ "model": "tessera-offline" }), 400, "messages"),
    ] {
        let r = student
            .post(server.url("/v1/chat/completions"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{body}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["details"]["field"], field, "{v}");
    }
    let r = server
        .anonymous
        .post(server.url("/v1/chat/completions"))
        .json(&json!({ "messages": [{ "role": "user", "content": "hi" }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

/// A plugin's `llm` import goes through the same safety gate and gateway.
#[tokio::test]
async fn a_plugins_llm_calls_pass_the_safety_gate_too() {
    let server = Server::start(&[plugins_dir(), crate::support::fixtures_dir()]).await;
    let ask = |answer: &str| json!({ "question": { "kind": "fixture_llm", "answer_key": {} }, "answer": answer });
    let (status, r) = server.grade(ask("How do while loops end?")).await;
    assert_eq!(status, 200, "{r}");
    let feedback = r["feedback"].as_str().unwrap();
    assert!(feedback.starts_with("tessera-offline: "), "{feedback}");
    assert!(feedback.contains("while loops"), "{feedback}");
    let calls = gateway_calls(&server).await;

    let (_, r) = server.grade(ask("i want to end my life")).await;
    let feedback = r["feedback"].as_str().unwrap();
    assert!(feedback.starts_with("blocked: "), "{feedback}");
    assert_eq!(
        gateway_calls(&server).await,
        calls,
        "the crisis reached the gateway"
    );
}

/// Every completion is a usage event; the cost report prices it (on both backends).
#[tokio::test]
async fn usage_is_recorded_and_priced_by_day_feature_and_model() {
    for backend in crate::support::backends() {
        let server = Server::start_on(
            backend,
            &[plugins_dir()],
            &[
                "--ai-prices",
                r#"{"tessera-offline": {"input": 2.0, "output": 4.0}}"#,
            ],
        )
        .await;
        let student = server.client_of("student").await;
        let mut expected_micro = 0;
        for q in ["what is a variable?", "and a constant?"] {
            let r: Value = student
                .post(server.url("/v1/chat/completions"))
                .json(&json!({ "messages": [{ "role": "user", "content": q }] }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            expected_micro += 2 * r["usage"]["prompt_tokens"].as_u64().unwrap()
                + 4 * r["usage"]["completion_tokens"].as_u64().unwrap();
        }
        // Usage is written off the request path: wait for both events.
        let within = std::time::Duration::from_secs(10);
        let report = eventually("both usage events", within, async || {
            let (status, report) = server.get("/api/v1/admin/ai/usage?days=1").await;
            assert_eq!(status, 200, "{backend:?}: {report}");
            if report[0]["requests"] == 2 {
                Ok(report)
            } else {
                Err(report)
            }
        })
        .await;
        let line = &report[0];
        assert_eq!(line["feature"], "chat-completions");
        assert_eq!(line["model"], "tessera-offline");
        assert_eq!(line["requests"], 2);
        let cost = line["cost_usd"].as_f64().unwrap();
        assert!(
            (cost - expected_micro as f64 / 1e6).abs() < 1e-9,
            "{cost} vs {expected_micro}"
        );
        let r = student
            .get(server.url("/api/v1/admin/ai/usage"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let (status, body) = server.get("/api/v1/admin/ai/usage?days=0").await;
        assert_eq!(status, 422, "{body}");
    }
}

/// A configured OpenAI-compatible provider answers over real HTTP; a crisis never reaches
/// it; its errors are typed.
#[tokio::test]
async fn a_configured_provider_answers_and_never_sees_a_crisis() {
    use crate::upstream::{Behaviour, Upstream, gateway_plugin_dir};
    let upstream = Upstream::start(Behaviour::Answer).await;
    let gateway = gateway_plugin_dir(upstream.port);
    let safety = plugins_dir().join("safety-filter");
    let server = Server::start(&[safety, gateway.path().to_owned()]).await;
    let student = server.client_of("student").await;
    let chat = |model: &str, text: &str| {
        let body = json!({ "model": model, "messages": [{ "role": "user", "content": text }] });
        let (student, url) = (student.clone(), server.url("/v1/chat/completions"));
        async move {
            let r = student.post(url).json(&body).send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, r) = chat("gpt-test", "explain recursion").await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        r["choices"][0]["message"]["content"],
        "upstream says: explain recursion"
    );
    assert_eq!(r["model"], "gpt-test");
    assert_eq!(r["usage"]["total_tokens"], 11);
    assert_eq!(upstream.hits(), 1);
    let seen = upstream.last();
    assert_eq!(seen["model"], "gpt-test");
    assert!(
        seen["_head"]
            .as_str()
            .unwrap()
            .contains("authorization: bearer sk-local"),
        "{seen}"
    );

    let (status, r) = chat("gpt-test", "I want to kill myself").await;
    assert_eq!(status, 200);
    assert_eq!(r["choices"][0]["finish_reason"], "content_filter");
    assert_eq!(upstream.hits(), 1, "the crisis reached the provider");

    // The models list comes from the gateway's configuration.
    let models: Value = student
        .get(server.url("/v1/models"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<(&str, &str)> = models["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["id"].as_str().unwrap(), m["owned_by"].as_str().unwrap()))
        .collect();
    assert_eq!(
        ids,
        vec![("gpt-test", "local"), ("tessera-offline", "offline")]
    );

    let (status, r) = chat("gpt-unknown", "hi").await;
    assert_eq!(status, 422, "{r}");
    assert_eq!(r["error"]["details"]["field"], "model");

    // A 429 is retried (3 attempts by default) before it reaches the caller; garbage is
    // not retried on the same model.
    for (behaviour, status, hits) in [
        (Behaviour::RateLimit(Some("0")), 429, 3),
        (Behaviour::Garbage, 502, 1),
    ] {
        let failing = Upstream::start(behaviour).await;
        let dir = gateway_plugin_dir(failing.port);
        let safety = plugins_dir().join("safety-filter");
        let server = Server::start(&[safety, dir.path().to_owned()]).await;
        let student = server.client_of("student").await;
        let r = student
            .post(server.url("/v1/chat/completions"))
            .json(
                &json!({ "model": "gpt-test", "messages": [{ "role": "user", "content": "hi" }] }),
            )
            .send()
            .await
            .unwrap();
        let got = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        assert_eq!(got, status, "{body}");
        assert!(body["error"]["code"].is_string(), "{body}");
        assert_eq!(failing.hits(), hits);
    }
}
