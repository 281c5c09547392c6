//! The AI gateway's resilience over real HTTP: routes with fallbacks across the OpenAI
//! and Anthropic wire formats, retries honouring Retry-After, per-attempt timeouts, every
//! circuit-breaker transition (and its state shared by replicas through Redis), the
//! response cache, and structured output with one repair.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Backend, Server, backends, client_with_token, eventually, plugins_dir};
use crate::upstream::{Behaviour, Upstream, Wire, gateway_with, provider};

/// One chat answer: status, `x-tessera-*` headers, body.
pub struct Answer {
    pub status: u16,
    pub provider: String,
    pub cache: String,
    pub degraded: bool,
    pub retry_after: Option<String>,
    pub body: Value,
}

impl Answer {
    pub fn content(&self) -> &str {
        self.body["choices"][0]["message"]["content"]
            .as_str()
            .unwrap_or_default()
    }
}

/// A learner of `server` posting chat requests for a feature.
pub struct Learner {
    pub client: reqwest::Client,
    pub email: String,
    url: String,
}

impl Learner {
    pub async fn of(server: &Server) -> Learner {
        let reg = server.register("student").await;
        Learner {
            client: client_with_token(reg["access_token"].as_str().unwrap()),
            email: reg["email"].as_str().unwrap().to_owned(),
            url: server.url("/v1/chat/completions"),
        }
    }

    /// Posts `body` as `feature`; `fresh` sends `Cache-Control: no-cache`.
    pub async fn ask(&self, feature: &str, body: Value, fresh: bool) -> Answer {
        let mut request = self
            .client
            .post(&self.url)
            .header("x-tessera-feature", feature)
            .json(&body);
        if fresh {
            request = request.header("cache-control", "no-cache");
        }
        let r = request.send().await.unwrap();
        let header = |name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (provider, cache, degraded, retry_after) = (
            header("x-tessera-provider").unwrap_or_default(),
            header("x-tessera-cache").unwrap_or_default(),
            header("x-tessera-degraded").is_some(),
            header("retry-after"),
        );
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        Answer {
            status,
            provider,
            cache,
            degraded,
            retry_after,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }

    /// Asks `text` as `feature` with no cache.
    pub async fn say(&self, feature: &str, text: &str) -> Answer {
        self.ask(
            feature,
            json!({ "messages": [{ "role": "user", "content": text }] }),
            true,
        )
        .await
    }
}

/// How long a test waits for a breaker to half-open or a cache entry to expire: far
/// past the `open_ms` and `cache_ttl_ms` the tests set, so only a broken timer reaches it.
const WAIT: Duration = Duration::from_secs(30);

fn safety() -> std::path::PathBuf {
    plugins_dir().join("safety-filter")
}

#[tokio::test]
async fn routes_fail_over_across_wire_formats_with_retries_and_timeouts() {
    let primary = Upstream::speaking(Wire::OpenAi, Behaviour::Fail(503)).await;
    let fallback = Upstream::speaking(Wire::Anthropic, Behaviour::Answer).await;
    let gateway = gateway_with(
        &[
            provider("a", Wire::OpenAi, primary.port, &["gpt-a"]),
            provider("b", Wire::Anthropic, fallback.port, &["claude-b"]),
        ],
        &[
            ("routes", json!({ "tutor": ["gpt-a", "claude-b"] })),
            (
                "retry",
                json!({ "max_attempts": 2, "base_ms": 1, "max_backoff_ms": 200 }),
            ),
            ("attempt_timeout_ms", json!(400)),
            // Never open during this test: it is about retries and fallbacks.
            (
                "breaker",
                json!({ "failures": 100, "open_ms": 60000, "successes": 1 }),
            ),
        ],
    );
    let server = Server::start(&[safety(), gateway.path().to_owned()]).await;
    let learner = Learner::of(&server).await;

    // A failing primary is retried, then the Anthropic fallback answers.
    let a = learner
        .ask(
            "tutor",
            json!({ "messages": [{ "role": "system", "content": "You are a patient tutor." },
                                 { "role": "user", "content": "what is a loop" }] }),
            true,
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["model"], "claude-b");
    assert_eq!(a.provider, "b");
    assert_eq!(a.content(), "upstream says: what is a loop");
    assert_eq!(primary.hits(), 2, "two attempts on the primary");
    assert_eq!(fallback.hits(), 1);
    // Anthropic's wire format: its headers, the system prompt apart, max_tokens set.
    let seen = fallback.last();
    let head = seen["_head"].as_str().unwrap();
    assert!(head.starts_with("post /v1/messages "), "{head}");
    assert!(head.contains("x-api-key: sk-b"), "{head}");
    assert!(head.contains("anthropic-version: 2023-06-01"), "{head}");
    assert_eq!(seen["system"], "You are a patient tutor.");
    assert_eq!(
        seen["messages"],
        json!([{ "role": "user", "content": "what is a loop" }])
    );
    assert!(seen["max_tokens"].as_u64().unwrap() > 0, "{seen}");

    // A 429 with a short Retry-After is waited out on the same model.
    primary.set(Behaviour::Answer);
    primary.script([Behaviour::RateLimit(Some("0.05"))]);
    let a = learner.say("tutor", "retry me").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.provider, "a");
    assert_eq!(primary.hits(), 4);

    // A Retry-After longer than the backoff cap moves straight to the fallback.
    primary.script([Behaviour::RateLimit(Some("30"))]);
    let a = learner.say("tutor", "too slow").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.provider, "b");
    assert_eq!((primary.hits(), fallback.hits()), (5, 2));

    // A stalled provider times out per attempt; the fallback answers.
    primary.set(Behaviour::Stall(Duration::from_secs(5)));
    let a = learner.say("tutor", "are you there").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.provider, "b");
    assert_eq!((primary.hits(), fallback.hits()), (7, 3));

    // Streaming through a provider: SSE chunks, then [DONE].
    let r = learner
        .client
        .post(server.url("/v1/chat/completions"))
        .header("x-tessera-feature", "tutor")
        .json(&json!({ "stream": true, "messages": [{ "role": "user", "content": "stream it" }] }))
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
    let text = r.text().await.unwrap();
    assert!(text.contains("upstream says: stream it"), "{text}");
    assert!(text.trim_end().ends_with("data: [DONE]"), "{text}");

    // Everything failing: 503 naming each model's fate.
    fallback.set(Behaviour::Fail(529));
    primary.set(Behaviour::Fail(500));
    let a = learner.say("tutor", "anyone").await;
    assert_eq!(a.status, 503, "{}", a.body);
    let message = a.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("gpt-a@a") && message.contains("claude-b@b"),
        "{message}"
    );
}

/// Each provider's breaker as the console reads it (`GET /api/v1/admin/ai/providers`),
/// by provider name.
async fn breakers(server: &Server) -> Value {
    let (status, report) = server
        .get_as(&server.http, "/api/v1/admin/ai/providers")
        .await;
    assert_eq!(status, 200, "{report}");
    assert!(
        report["gateway"]
            .as_str()
            .unwrap()
            .starts_with("ai-gateway@"),
        "{report}"
    );
    assert!(
        !report.to_string().contains("sk-"),
        "an API key in the report: {report}"
    );
    let mut by_name = serde_json::Map::new();
    for p in report["providers"].as_array().unwrap() {
        by_name.insert(p["name"].as_str().unwrap().to_owned(), p["breaker"].clone());
    }
    Value::Object(by_name)
}

/// The breaker of provider `a` as seen through its hit counter.
#[tokio::test]
async fn the_circuit_breaker_opens_half_opens_and_closes() {
    for backend in backends() {
        let primary = Upstream::start(Behaviour::Fail(503)).await;
        let fallback = Upstream::speaking(Wire::Anthropic, Behaviour::Answer).await;
        let gateway = gateway_with(
            &[
                provider("a", Wire::OpenAi, primary.port, &["gpt-a"]),
                provider("b", Wire::Anthropic, fallback.port, &["claude-b"]),
            ],
            &[
                ("routes", json!({ "default": ["gpt-a", "claude-b"] })),
                ("retry", json!({ "max_attempts": 1 })),
                (
                    "breaker",
                    json!({ "failures": 2, "open_ms": 600, "successes": 2 }),
                ),
            ],
        );
        let server = Server::start_on(backend, &[safety(), gateway.path().to_owned()], &[]).await;
        let learner = Learner::of(&server).await;
        let ask = |n: u32| {
            let learner = &learner;
            async move {
                let a = learner.say("tutor", &format!("question {n}")).await;
                assert_eq!(a.status, 200, "{backend:?} {}", a.body);
                a.provider
            }
        };
        // closed: failures are counted; the second opens the circuit.
        assert_eq!(ask(1).await, "b");
        assert_eq!(ask(2).await, "b");
        assert_eq!(primary.hits(), 2);
        // open: the provider is not called at all.
        assert_eq!(ask(3).await, "b");
        assert_eq!(
            primary.hits(),
            2,
            "{backend:?}: an open circuit let a call through"
        );
        // The console shows it open, and the healthy provider closed.
        let states = breakers(&server).await;
        assert_eq!(states["a"]["state"], "open", "{backend:?}: {states}");
        assert!(states["a"]["open_until"].is_string(), "{states}");
        assert_eq!(states["b"]["state"], "closed", "{states}");
        // half-open after open_ms: a probe goes through; two successes close it. Until
        // then every question goes to `b` without reaching `a`.
        primary.set(Behaviour::Answer);
        let mut n = 100;
        eventually("the circuit to half-open", WAIT, async || {
            n += 1;
            match ask(n).await.as_str() {
                "a" => Ok(()),
                other => Err(other.to_owned()),
            }
        })
        .await;
        assert_eq!(primary.hits(), 3, "{backend:?}: one probe, no more");
        let states = breakers(&server).await;
        assert_eq!(
            (&states["a"]["state"], &states["a"]["successes"]),
            (&json!("half-open"), &json!(1)),
            "{backend:?}: {states}"
        );
        assert_eq!(ask(5).await, "a");
        assert_eq!(primary.hits(), 4);
        assert_eq!(breakers(&server).await["a"]["state"], "closed");
        // closed again: one failure is not enough to open it.
        primary.set(Behaviour::Fail(503));
        assert_eq!(ask(6).await, "b");
        assert_eq!(ask(7).await, "b");
        assert_eq!(primary.hits(), 6);
        assert_eq!(ask(8).await, "b");
        assert_eq!(
            primary.hits(),
            6,
            "{backend:?}: two failures should have opened it"
        );
        // half-open probe fails: open again at once.
        let mut n = 200;
        eventually("a probe of the half-open circuit", WAIT, async || {
            n += 1;
            assert_eq!(ask(n).await, "b", "{backend:?}: a failing probe falls back");
            match primary.hits() {
                7 => Ok(()),
                hits => Err(format!("{hits} calls to a")),
            }
        })
        .await;
        assert_eq!(ask(10).await, "b");
        assert_eq!(
            primary.hits(),
            7,
            "{backend:?}: a failed probe must reopen the circuit"
        );
    }
}

/// Breaker state lives in the shared store, so a replica sees a circuit another opened.
#[tokio::test]
async fn replicas_share_breaker_state_and_cached_answers_through_redis() {
    if !backends().contains(&Backend::Shared) {
        return;
    }
    let primary = Upstream::start(Behaviour::Fail(503)).await;
    let fallback = Upstream::speaking(Wire::Anthropic, Behaviour::Answer).await;
    let gateway = gateway_with(
        &[
            provider("a", Wire::OpenAi, primary.port, &["gpt-a"]),
            provider("b", Wire::Anthropic, fallback.port, &["claude-b"]),
        ],
        &[
            ("routes", json!({ "default": ["gpt-a", "claude-b"] })),
            ("retry", json!({ "max_attempts": 1 })),
            (
                "breaker",
                json!({ "failures": 2, "open_ms": 60000, "successes": 1 }),
            ),
        ],
    );
    let dirs = [safety(), gateway.path().to_owned()];
    let one = Server::start_on(Backend::Shared, &dirs, &[]).await;
    let two = one.replica(&dirs, &[]).await;
    let (first, second) = (Learner::of(&one).await, Learner::of(&two).await);
    first.say("tutor", "one").await;
    first.say("tutor", "two").await;
    assert_eq!(primary.hits(), 2);
    let a = second.say("tutor", "three").await;
    assert_eq!(a.provider, "b");
    assert_eq!(
        primary.hits(),
        2,
        "the replica called a provider whose circuit is open"
    );
    // Either replica's console shows the circuit one of them opened.
    assert_eq!(breakers(&two).await["a"]["state"], "open");

    // An answer cached by one replica is a hit on the other.
    let body = json!({ "messages": [{ "role": "user", "content": "what is a tuple" }] });
    let a = first.ask("tutor", body.clone(), false).await;
    assert_eq!(a.cache, "miss");
    let b = second.ask("tutor", body, false).await;
    assert_eq!(b.cache, "hit");
    assert_eq!(a.content(), b.content());
    assert_eq!(fallback.hits(), 4, "three fallbacks and one cache miss");
}

#[tokio::test]
async fn identical_requests_are_answered_from_the_cache_until_it_expires() {
    for backend in backends() {
        let upstream = Upstream::start(Behaviour::Answer).await;
        let gateway = gateway_with(
            &[provider("a", Wire::OpenAi, upstream.port, &["gpt-a"])],
            &[("cache_ttl_ms", json!(1500))],
        );
        let server = Server::start_on(backend, &[safety(), gateway.path().to_owned()], &[]).await;
        let learner = Learner::of(&server).await;
        let body = |text: &str| json!({ "messages": [{ "role": "user", "content": text }] });
        let a = learner.ask("tutor", body("explain recursion"), false).await;
        assert_eq!((a.status, a.cache.as_str()), (200, "miss"), "{}", a.body);
        // Whitespace does not make a request different.
        let b = learner
            .ask("tutor", body("  explain   recursion "), false)
            .await;
        assert_eq!(b.cache, "hit", "{backend:?}");
        assert_eq!(a.content(), b.content());
        assert_eq!(upstream.hits(), 1);
        // Another feature or a no-cache request goes to the provider.
        learner
            .ask("reframe", body("explain recursion"), false)
            .await;
        learner.ask("tutor", body("explain recursion"), true).await;
        assert_eq!(upstream.hits(), 3);
        // Expired entries are not served: once cache_ttl_ms has passed, the same request
        // goes to the provider again (until then it is a hit, costing no call).
        eventually("the cached answer to expire", WAIT, async || {
            let c = learner.ask("tutor", body("explain recursion"), false).await;
            match c.cache.as_str() {
                "miss" => Ok(()),
                other => Err(format!("{other}, {} provider calls", upstream.hits())),
            }
        })
        .await;
        assert_eq!(upstream.hits(), 4, "{backend:?}");
        // Cache hits are recorded as such and cost nothing.
        let usage = server.get("/api/v1/admin/ai/usage?days=1").await.1;
        let requests: i64 = usage
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["requests"].as_i64().unwrap())
            .sum();
        assert!(requests >= 4, "{usage}");
    }
}

#[tokio::test]
async fn structured_output_is_validated_with_one_repair_then_a_typed_error() {
    let upstream = Upstream::start(Behaviour::Answer).await;
    let gateway = gateway_with(
        &[provider("a", Wire::OpenAi, upstream.port, &["gpt-a"])],
        &[],
    );
    let server = Server::start(&[safety(), gateway.path().to_owned()]).await;
    let learner = Learner::of(&server).await;
    let schema = json!({ "type": "object", "required": ["answer"], "additionalProperties": false,
                         "properties": { "answer": { "type": "integer" } } });
    let body = |model: &str| {
        json!({ "model": model, "messages": [{ "role": "user", "content": "what is 2 + 2" }],
                "response_format": { "type": "json_schema", "json_schema": { "name": "sum", "schema": schema } } })
    };

    // A wrong first reply is repaired once; a fenced reply is unwrapped.
    upstream.script([
        Behaviour::Say(r#"{"answer": "four"}"#.into()),
        Behaviour::Say("```json\n{\"answer\": 4}\n```".into()),
    ]);
    let a = learner.ask("tutor", body("gpt-a"), true).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        serde_json::from_str::<Value>(a.content()).unwrap(),
        json!({ "answer": 4 })
    );
    assert_eq!(upstream.hits(), 2);
    // The repair request told the model what was wrong.
    let repair = upstream.last();
    let turns = repair["messages"].as_array().unwrap();
    assert!(
        turns
            .iter()
            .any(|t| t["role"] == "assistant" && t["content"] == r#"{"answer": "four"}"#),
        "{repair}"
    );
    assert!(
        turns.last().unwrap()["content"]
            .as_str()
            .unwrap()
            .contains("/answer"),
        "{repair}"
    );
    // The schema went to the model too.
    assert!(repair.to_string().contains("JSON Schema"), "{repair}");

    // Still wrong after the repair: a typed upstream error, no third call.
    upstream.script([Behaviour::Say("no".into()), Behaviour::Say("[1]".into())]);
    let a = learner.ask("tutor", body("gpt-a"), true).await;
    assert_eq!(a.status, 502, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "SCHEMA_MISMATCH");
    assert_eq!(upstream.hits(), 4);

    // The offline model fills any schema.
    let a = learner.ask("tutor", body("tessera-offline"), true).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let value: Value = serde_json::from_str(a.content()).unwrap();
    assert!(value["answer"].is_i64(), "{value}");

    // An invalid schema is the caller's error.
    let bad = json!({ "model": "gpt-a", "messages": [{ "role": "user", "content": "hi" }],
        "response_format": { "type": "json_schema", "json_schema": { "schema": { "type": "banana" } } } });
    let a = learner.ask("tutor", bad, true).await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert_eq!(a.body["error"]["details"]["field"], "response_schema");
    assert_eq!(upstream.hits(), 4);
}
