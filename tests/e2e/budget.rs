//! The cost guard over HTTP: per-user daily token budgets by tier, the monthly spend cap
//! with its alerts, and the degradation order (degradable features fall back to the
//! offline model's templates, deferrable ones pause, core ones stop last with a 429).

use serde_json::json;

use crate::gateway::Learner;
use crate::support::{Server, backends, binary, data_dir, plugins_dir};
use crate::upstream::{Behaviour, Upstream, Wire, gateway_with, provider};

fn dirs(gateway: &tempfile::TempDir) -> [std::path::PathBuf; 2] {
    [
        plugins_dir().join("safety-filter"),
        gateway.path().to_owned(),
    ]
}

#[tokio::test]
async fn a_users_daily_tokens_run_out_in_the_degradation_order() {
    for backend in backends() {
        let upstream = Upstream::start(Behaviour::Answer).await;
        let gateway = gateway_with(
            &[provider("a", Wire::OpenAi, upstream.port, &["gpt-a"])],
            &[],
        );
        // A free learner may spend 30 tokens a day. A request holds its prompt's bound
        // (here 10 bytes + 7 = 17) and an answer of at most what is left.
        let server = Server::start_on(
            backend,
            &dirs(&gateway),
            &["--ai-daily-tokens", r#"{"free": 30, "premium": 1000}"#],
        )
        .await;
        let learner = Learner::of(&server).await;
        // The first answer is 11 tokens (7 in, 4 out).
        let a = learner.say("tutor", "question 0").await;
        assert_eq!((a.status, a.provider.as_str()), (200, "a"), "{}", a.body);
        assert_eq!(a.body["usage"]["total_tokens"], 11, "{}", a.body);
        // 19 left: the answer is clamped to the 2 tokens past the prompt's bound.
        let a = learner.say("tutor", "question 1").await;
        assert_eq!((a.status, a.provider.as_str()), (200, "a"), "{}", a.body);
        assert_eq!(upstream.last()["max_tokens"], 2, "{}", upstream.last());
        // Core feature: refused with the budget's code and when it resets.
        let a = learner.say("tutor", "one more").await;
        assert_eq!(a.status, 429, "{backend:?}: {}", a.body);
        assert_eq!(a.body["error"]["code"], "AI_BUDGET_EXCEEDED");
        let retry: u64 = a.retry_after.as_deref().unwrap().parse().unwrap();
        assert!((1..=86_400).contains(&retry), "{retry}");
        // Degradable feature: the offline model's template, marked as degraded.
        let a = learner
            .say("tone", "Tone: formal\nhey, loops are gonna repeat stuff!")
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body["model"], "tessera-offline");
        assert!(a.degraded);
        assert!(!a.content().contains("gonna"), "{}", a.content());
        // Deferrable feature: paused.
        let a = learner.say("insights", "how am I doing").await;
        assert_eq!(a.status, 429);
        assert_eq!(a.body["error"]["code"], "AI_FEATURE_PAUSED");
        assert_eq!(
            upstream.hits(),
            2,
            "a refused or templated request reached the provider"
        );

        // The console's view of the learner's day: the tier's budget, nearly all used.
        let (_, page) = server
            .get_as(
                &server.http,
                &format!("/api/v1/admin/users?search={}", learner.email),
            )
            .await;
        let user_id = page["users"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(page["users"][0]["tier"], "free", "{page}");
        let budget_path = format!("/api/v1/admin/ai/users/{user_id}/budget");
        let (status, day) = server.get_as(&server.http, &budget_path).await;
        assert_eq!(status, 200, "{day}");
        assert_eq!(
            (&day["tier"], &day["daily_tokens"]),
            (&json!("free"), &json!(30))
        );
        let used = day["used_today"].as_u64().unwrap();
        assert!((20..=30).contains(&used), "{backend:?}: {day}");
        assert_eq!(day["remaining"], 30 - used, "{day}");
        assert!(
            day["resets_at"].as_str().unwrap().ends_with("T00:00:00Z"),
            "{day}"
        );
        let (_, report) = server.get_as(&server.http, "/api/v1/admin/ai/budget").await;
        assert_eq!(
            report["tiers"],
            json!([{"tier": "free", "daily_tokens": 30}, {"tier": "premium", "daily_tokens": 1000}]),
            "{report}"
        );

        // A premium learner has a bigger budget: a super admin moves them in the console.
        let user_path = format!("/api/v1/admin/users/{user_id}");
        let (status, body) = server
            .patch_as(&server.http, &user_path, &json!({"tier": "Gold!"}))
            .await;
        assert_eq!(
            (status, &body["error"]["details"]["field"]),
            (422, &json!("tier")),
            "{body}"
        );
        let (status, user) = server
            .patch_as(&server.http, &user_path, &json!({"tier": "premium"}))
            .await;
        assert_eq!((status, &user["tier"]), (200, &json!("premium")), "{user}");
        let (_, day) = server.get_as(&server.http, &budget_path).await;
        assert_eq!(
            (&day["daily_tokens"], &day["used_today"]),
            (&json!(1000), &json!(used))
        );
        let a = learner.say("tutor", "one more").await;
        assert_eq!((a.status, a.provider.as_str()), (200, "a"), "{}", a.body);
        let a = learner.say("tone", "Tone: formal\nhey there").await;
        assert!(!a.degraded);
        assert_eq!(a.provider, "a");

        // And back to free from the command line: the day is spent again.
        let out = binary()
            .args([
                "user",
                "set-tier",
                "--email",
                &learner.email,
                "--tier",
                "free",
            ])
            .args(["--database-url", &server.database_url])
            .arg("--data-dir")
            .arg(data_dir())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let a = learner.say("tutor", "and another").await;
        assert_eq!(a.status, 429, "{backend:?}: {}", a.body);

        let out = binary()
            .args([
                "user",
                "set-tier",
                "--email",
                &learner.email,
                "--tier",
                "Gold!",
            ])
            .args(["--database-url", &server.database_url])
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("--tier"));
    }
}

#[tokio::test]
async fn the_monthly_spend_cap_raises_alerts_then_degrades_and_stops() {
    for backend in backends() {
        let upstream = Upstream::start(Behaviour::Answer).await;
        let gateway = gateway_with(
            &[provider("a", Wire::OpenAi, upstream.port, &["gpt-a"])],
            &[],
        );
        // 11 tokens at $100,000 per million: $1.10 a completion; the cap is $2.
        let server = Server::start_on(
            backend,
            &dirs(&gateway),
            &[
                "--ai-prices",
                r#"{"gpt-a": {"input": 100000, "output": 100000}}"#,
                "--ai-monthly-cap-usd",
                "2",
                "--ai-daily-tokens",
                r#"{"free": 0}"#,
            ],
        )
        .await;
        let learner = Learner::of(&server).await;
        let a = learner.say("tutor", "first").await;
        assert_eq!(a.provider, "a");
        let report = server.get("/api/v1/admin/ai/budget").await.1;
        assert_eq!(report["spent_usd"], 1.1, "{report}");
        assert_eq!(report["cap_usd"], 2.0);
        assert_eq!(report["degraded"], false);
        let percents = |r: &serde_json::Value| -> Vec<i64> {
            r["alerts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["percent"].as_i64().unwrap())
                .collect()
        };
        assert_eq!(percents(&report), vec![50]);

        let a = learner.say("quiz-generation", "second").await;
        assert_eq!(a.provider, "a", "under 95 % every feature has its model");
        let report = server.get("/api/v1/admin/ai/budget").await.1;
        assert_eq!(percents(&report), vec![50, 80, 95, 100], "{report}");
        assert_eq!(report["degraded"], true);

        // Past the cap: core refused, degradable templated, deferrable paused.
        let a = learner.say("tutor", "third").await;
        assert_eq!(a.status, 429, "{backend:?}: {}", a.body);
        assert_eq!(a.body["error"]["code"], "AI_SPEND_CAP_REACHED");
        let a = learner
            .ask(
                "quiz-generation",
                json!({ "messages": [{ "role": "user", "content": "Python lists are ordered. A list can hold items of any type. The append method adds an item at the end." }],
                        "response_format": { "type": "json_schema", "json_schema": { "schema": {
                            "type": "object", "required": ["questions"], "properties": { "questions": {
                                "type": "array", "minItems": 2, "items": { "type": "object",
                                "required": ["question", "options", "answer"], "properties": {
                                    "question": { "type": "string" },
                                    "options": { "type": "array", "items": { "type": "string" }, "minItems": 3 },
                                    "answer": { "type": "string" } } } } } } } } }),
                true,
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert!(a.degraded);
        let quiz: serde_json::Value = serde_json::from_str(a.content()).unwrap();
        for q in quiz["questions"].as_array().unwrap() {
            let options: Vec<&str> = q["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o.as_str().unwrap())
                .collect();
            assert!(options.contains(&q["answer"].as_str().unwrap()), "{q}");
        }
        assert_eq!(upstream.hits(), 2);
        // Alerts are recorded once each.
        let report = server.get("/api/v1/admin/ai/budget").await.1;
        assert_eq!(percents(&report), vec![50, 80, 95, 100]);
        // Students may not read it.
        let r = learner
            .client
            .get(server.url("/api/v1/admin/ai/budget"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
}

#[tokio::test]
async fn bad_ai_requests_name_the_field() {
    let server = Server::start_with(
        &[
            plugins_dir().join("safety-filter"),
            plugins_dir().join("ai-gateway"),
        ],
        &["--ai-max-prompt-bytes", "100"],
    )
    .await;
    let learner = Learner::of(&server).await;
    let a = learner.say("Tutor Mode!", "hi").await;
    assert_eq!(a.status, 422);
    assert_eq!(a.body["error"]["details"]["field"], "X-Tessera-Feature");
    let a = learner.say("tutor", &"x".repeat(101)).await;
    assert_eq!(a.status, 422);
    assert_eq!(a.body["error"]["details"]["field"], "messages");
    let a = learner
        .ask(
            "tutor",
            json!({ "messages": [{ "role": "user", "content": "hi" }], "response_format": { "type": "xml" } }),
            true,
        )
        .await;
    assert_eq!(a.status, 422);
    assert_eq!(a.body["error"]["details"]["field"], "response_format.type");
    let a = learner
        .ask(
            "tutor",
            json!({ "messages": [{ "role": "user", "content": "hi" }], "max_tokens": 0 }),
            true,
        )
        .await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert_eq!(a.body["error"]["details"]["field"], "max_tokens");
}
