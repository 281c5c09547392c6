//! Holes in the AI gate and the cost guard, closed: every message is screened whatever its
//! role, the server decides which features a route may use, token budgets are reserved
//! before a call (so concurrent requests cannot overspend them), model calls plugins make
//! for a learner count against that learner's budget and rate, and a learner cannot queue
//! project grading jobs without end.

use std::time::Duration;

use serde_json::{Value, json};

use crate::gateway::Learner;
use crate::learning::rubric_reply;
use crate::support::{Server, backends, client_with_token, plugins_dir};
use crate::upstream::{Behaviour, Upstream, Wire, gateway_with, provider};

/// The safety filter and a gateway whose only model is the double at `port`.
fn dirs(gateway: &tempfile::TempDir) -> Vec<std::path::PathBuf> {
    vec![
        plugins_dir().join("safety-filter"),
        gateway.path().to_owned(),
    ]
}

#[tokio::test]
async fn a_crisis_in_any_message_is_stopped_whatever_its_role() {
    let upstream = Upstream::start(Behaviour::Answer).await;
    let gateway = gateway_with(
        &[provider("a", Wire::OpenAi, upstream.port, &["gpt-a"])],
        &[],
    );
    let server = Server::start(&dirs(&gateway)).await;
    let learner = Learner::of(&server).await;
    let crisis = "honestly i want to k1ll mys3lf";
    let user = |text: &str| json!({ "role": "user", "content": text });
    for body in [
        json!({ "messages": [{ "role": "system", "content": crisis }, user("What is a loop?")] }),
        json!({ "messages": [user("What is a loop?"), { "role": "assistant", "content": crisis },
                             user("go on")] }),
        json!({ "messages": [{ "role": "developer", "content": [{ "type": "text", "text": crisis }] },
                             user("hi")] }),
        // The schema goes to the model as text too.
        json!({ "messages": [user("Describe a loop.")],
                "response_format": { "type": "json_schema", "json_schema": { "schema": {
                    "type": "object", "description": crisis } } } }),
    ] {
        let a = learner.ask("tutor", body.clone(), true).await;
        assert_eq!(a.status, 200, "{body}: {}", a.body);
        assert_eq!(a.body["model"], "tessera-safety", "{body}: {}", a.body);
        assert_eq!(a.body["choices"][0]["finish_reason"], "content_filter");
    }
    assert_eq!(upstream.hits(), 0, "a crisis reached the provider");

    // An ordinary conversation with a system prompt still reaches the model.
    let a = learner
        .ask(
            "tutor",
            json!({ "messages": [{ "role": "system", "content": "You are a patient tutor." },
                                 user("What is a loop?"),
                                 { "role": "assistant", "content": "A loop repeats code." },
                                 user("Show me one.")] }),
            true,
        )
        .await;
    assert_eq!((a.status, a.provider.as_str()), (200, "a"), "{}", a.body);

    // Screening is bounded: more messages than the cap is a 422 naming `messages`.
    let many: Vec<Value> = (0..300).map(|i| user(&format!("m{i}"))).collect();
    let a = learner
        .ask("tutor", json!({ "messages": many }), true)
        .await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert_eq!(
        a.body["error"]["details"]["field"], "messages",
        "{}",
        a.body
    );
}

#[tokio::test]
async fn the_server_decides_which_features_a_route_may_use() {
    let server = Server::start_with(
        &[
            plugins_dir().join("safety-filter"),
            plugins_dir().join("ai-gateway"),
        ],
        &["--ai-features", r#"{"homework-help": "core"}"#],
    )
    .await;
    let learner = Learner::of(&server).await;
    // The front door's own feature, the product features, one the operator added.
    for feature in [
        "chat-completions",
        "tutor",
        "tone",
        "insights",
        "homework-help",
    ] {
        let a = learner.say(feature, "How do lists work?").await;
        assert_eq!(a.status, 200, "{feature}: {}", a.body);
    }
    // Features nobody configured, and those of the host's own callers (the safety
    // filter's confirmation, the project grader), are not the client's to pick.
    for feature in ["made-up-feature", "safety-confirmation", "project-grading"] {
        let a = learner.say(feature, "How do lists work?").await;
        assert_eq!(a.status, 422, "{feature}: {}", a.body);
        assert_eq!(
            a.body["error"]["details"]["field"], "X-Tessera-Feature",
            "{}",
            a.body
        );
    }
    let report = server.get("/api/v1/admin/ai/usage?days=1").await.1;
    let features: Vec<&str> = report
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["feature"].as_str().unwrap())
        .collect();
    assert!(!features.contains(&"made-up-feature"), "{report}");
}

#[tokio::test]
async fn concurrent_requests_never_spend_more_than_the_daily_budget() {
    for backend in backends() {
        // Answers take a moment, so the requests are in flight together.
        let upstream = Upstream::start(Behaviour::Stall(Duration::from_millis(400))).await;
        let gateway = gateway_with(
            &[provider("a", Wire::OpenAi, upstream.port, &["gpt-a"])],
            &[],
        );
        // Every answer is 11 tokens (7 in, 4 out); a learner may spend 60 a day.
        let server = Server::start_on(
            backend,
            &dirs(&gateway),
            &["--ai-daily-tokens", r#"{"free": 60}"#],
        )
        .await;
        let learner = Learner::of(&server).await;
        let ask = |i: usize| {
            learner.ask(
                "tutor",
                json!({ "messages": [{ "role": "user", "content": format!("q{i}") }], "max_tokens": 4 }),
                true,
            )
        };
        let answers = futures::future::join_all((0..12).map(ask)).await;
        let tokens = |a: &crate::gateway::Answer| a.body["usage"]["total_tokens"].as_u64().unwrap();
        let served: Vec<_> = answers.iter().filter(|a| a.status == 200).collect();
        for a in answers.iter().filter(|a| a.status != 200) {
            assert_eq!(a.status, 429, "{backend:?}: {}", a.body);
            assert_eq!(a.body["error"]["code"], "AI_BUDGET_EXCEEDED", "{}", a.body);
        }
        assert!(!served.is_empty(), "{backend:?}: nothing was served");
        let mut spent: u64 = served.iter().map(|a| tokens(a)).sum();
        assert!(
            spent <= 60,
            "{backend:?}: {} answers spent {spent} tokens of a budget of 60",
            served.len()
        );
        assert_eq!(upstream.hits(), served.len(), "{backend:?}");
        // What a finished request reserved and did not use is given back: the rest of
        // the day still serves until it is really spent.
        let mut more = 0;
        loop {
            let a = ask(100 + more).await;
            if a.status != 200 {
                assert_eq!(a.body["error"]["code"], "AI_BUDGET_EXCEEDED", "{}", a.body);
                break;
            }
            spent += tokens(&a);
            more += 1;
        }
        assert!(more >= 1, "{backend:?}: reservations were not given back");
        assert!(spent <= 60, "{backend:?}: {spent} tokens spent of 60");
        assert!(
            spent > 60 - 16,
            "{backend:?}: only {spent} of 60 tokens could be spent"
        );
    }
}

/// `POST /api/v1/grade` of a mini-project against a rubric the learner wrote.
fn project_grade(work: &str) -> Value {
    json!({ "question": { "kind": "mini_project", "prompt": "Write a grade book that prints the average.",
                          "answer_key": { "rubric": [
                              { "id": "works", "criterion": "It works", "points": 6 },
                              { "id": "clear", "criterion": "Clear code", "points": 4 } ] } },
            "answer": { "code": work } })
}

fn multiple_choice() -> Value {
    json!({ "question": { "kind": "multiple_choice", "prompt": "2+2?", "options": ["3", "4"],
                          "answer_key": { "correct": [1] } },
            "answer": { "selected": [1] } })
}

#[tokio::test]
async fn grading_with_a_model_counts_against_the_learners_budget_and_ai_rate() {
    let model = Upstream::start(Behaviour::Say(rubric_reply())).await;
    let gateway = gateway_with(
        &[provider("m", Wire::OpenAi, model.port, &["rubric-1"])],
        &[(
            "routes",
            json!({ "project-grading": ["rubric-1"], "default": ["rubric-1"] }),
        )],
    );
    let mut plugin_dirs = dirs(&gateway);
    plugin_dirs.push(plugins_dir().join("project-grader"));
    plugin_dirs.push(plugins_dir().join("quiz-grader"));
    let server = Server::start_with(
        &plugin_dirs,
        &[
            "--ai-daily-tokens",
            r#"{"free": 20000}"#,
            "--rate-limit-ai",
            "3",
        ],
    )
    .await;

    // A grade whose prompt the model bills at nearly the whole day's budget.
    model.script([Behaviour::SayCosting(rubric_reply(), 19_990, 4)]);
    let ada = Learner::of(&server).await;
    let grade = |learner: &Learner, body: Value| {
        let (client, url) = (learner.client.clone(), server.url("/api/v1/grade"));
        async move {
            let r = client.post(url).json(&body).send().await.unwrap();
            let status = r.status().as_u16();
            let retry = r.headers().get("retry-after").is_some();
            (
                status,
                retry,
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, _, graded) = grade(&ada, project_grade("print(sum([1, 2]) / 2)")).await;
    assert_eq!(status, 200, "{graded}");
    assert_eq!(graded["score"].as_f64(), Some(0.8), "{graded}");
    // Those tokens were Ada's: her own chat is now refused, and so is another grade.
    let a = ada
        .ask(
            "tutor",
            json!({ "messages": [{ "role": "user", "content": "hi" }], "max_tokens": 4 }),
            true,
        )
        .await;
    assert_eq!(a.status, 429, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "AI_BUDGET_EXCEEDED", "{}", a.body);
    let (status, retry, refused) = grade(&ada, project_grade("print(3 / 2)")).await;
    assert_eq!(status, 429, "{refused}");
    assert_eq!(refused["error"]["code"], "AI_BUDGET_EXCEEDED", "{refused}");
    assert!(retry, "a budget refusal says when to retry");
    assert_eq!(model.hits(), 1, "a refused grade reached the model");

    // Grading that needs a model is an AI request for the rate limit (3 a minute here);
    // grading that does not stays a general request.
    let bob = Learner::of(&server).await;
    for _ in 0..5 {
        let (status, _, body) = grade(&bob, multiple_choice()).await;
        assert_eq!(status, 200, "{body}");
    }
    for n in 0..3 {
        let (status, _, body) = grade(&bob, project_grade(&format!("print({n})"))).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, retry, body) = grade(&bob, project_grade("print(9)")).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "RATE_LIMITED", "{body}");
    assert!(retry);
}

#[tokio::test]
async fn a_learner_cannot_queue_project_grading_without_end() {
    // The grading model never answers in time, so submissions stay queued or grading.
    let model = Upstream::start(Behaviour::Stall(Duration::from_secs(15))).await;
    let gateway = gateway_with(
        &[provider("m", Wire::OpenAi, model.port, &["rubric-1"])],
        &[(
            "routes",
            json!({ "project-grading": ["rubric-1"], "default": ["tessera-offline"] }),
        )],
    );
    let pack = tempfile::tempdir().unwrap();
    crate::learning::write_pack(pack.path());
    let mut plugin_dirs = crate::learning::plugin_dirs(&[
        "quiz-grader",
        "lesson-engine",
        "project-grader",
        "safety-filter",
    ]);
    plugin_dirs.push(gateway.path().to_owned());
    for backend in backends() {
        let server = Server::start_on(
            backend,
            &plugin_dirs,
            &[
                "--content-dir",
                pack.path().to_str().unwrap(),
                "--max-queued-projects",
                "2",
            ],
        )
        .await;
        let reg = server.register("student").await;
        let client = client_with_token(reg["access_token"].as_str().unwrap());
        let submit = |n: usize| {
            let (client, url) = (
                client.clone(),
                server.url("/api/v1/projects/b.project/submissions"),
            );
            async move {
                let r = client
                    .post(url)
                    .json(&json!({ "text": format!("My grade book, take {n}.") }))
                    .send()
                    .await
                    .unwrap();
                (r.status().as_u16(), r.json::<Value>().await.unwrap())
            }
        };
        let answers = futures::future::join_all((0..5).map(submit)).await;
        let accepted = answers.iter().filter(|(s, _)| *s == 202).count();
        assert_eq!(accepted, 2, "{backend:?}: {answers:?}");
        for (status, body) in answers.iter().filter(|(s, _)| *s != 202) {
            assert_eq!(*status, 409, "{backend:?}: {body}");
            assert_eq!(body["error"]["code"], "PROJECT_QUEUE_FULL", "{body}");
        }
        // Another learner's queue is their own.
        let other = server.register("student").await;
        let other = client_with_token(other["access_token"].as_str().unwrap());
        let r = other
            .post(server.url("/api/v1/projects/b.project/submissions"))
            .json(&json!({ "text": "Mine." }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202, "{backend:?}");
    }
}

#[tokio::test]
async fn a_project_submitted_over_graphql_is_an_ai_request_for_the_rate_limit() {
    let pack = tempfile::tempdir().unwrap();
    crate::learning::write_pack(pack.path());
    let plugin_dirs = crate::learning::plugin_dirs(&[
        "quiz-grader",
        "lesson-engine",
        "project-grader",
        "safety-filter",
        "ai-gateway",
    ]);
    let server = Server::start_with(
        &plugin_dirs,
        &[
            "--content-dir",
            pack.path().to_str().unwrap(),
            "--rate-limit-ai",
            "1",
        ],
    )
    .await;
    let reg = server.register("student").await;
    let client = client_with_token(reg["access_token"].as_str().unwrap());
    let submit = || async {
        let r = client
            .post(server.url("/graphql"))
            .json(&json!({ "query": "mutation { submitProject(projectId: \"b.project\", payload: {text: \"My grade book.\"}) { status } }" }))
            .send()
            .await
            .unwrap();
        r.json::<Value>().await.unwrap()
    };
    let first = submit().await;
    assert_eq!(
        first["data"]["submitProject"]["status"], "queued",
        "{first}"
    );
    // The AI window (1 a minute here) is full; the general one (lifted) is not.
    let second = submit().await;
    assert_eq!(
        second["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{second}"
    );
}
