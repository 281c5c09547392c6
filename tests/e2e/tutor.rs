//! The tutor over HTTP (docs/tutor.md), with the shipped triage, agents and the Python
//! partner agent: each intent answered end to end (202, then SSE or GET), the hint
//! ladder, a code review feeding mastery, a generated exercise answerable at its submit
//! route, a partner's own intent routed by its manifest, crisis text never reaching an
//! agent, bad input, and a query surviving a kill -9 on SQLite, Postgres and NATS.

use std::time::Duration;

use serde_json::{Value, json};
use tessera::store::Db;

use crate::support::{Server, client_with_token, eventually, plugins_dir, repo};

/// How long an answer may take (agents run code in the sandbox; CI is slow).
const ANSWER_WITHIN: Duration = Duration::from_secs(90);

async fn learner_server(extra: &[&str]) -> Server {
    let content = repo().join("content");
    let mut flags = vec!["--content-dir", content.to_str().unwrap()];
    flags.extend_from_slice(extra);
    Server::start_with(&[plugins_dir()], &flags).await
}

async fn learner(server: &Server) -> (reqwest::Client, String) {
    let account = server.register("student").await;
    (
        client_with_token(account["access_token"].as_str().unwrap()),
        account["user_id"].as_str().unwrap().to_owned(),
    )
}

/// Asks and checks the 202 with its Location; the query's id.
async fn ask(server: &Server, client: &reqwest::Client, body: &Value) -> Value {
    let response = client
        .post(server.url("/api/v1/tutor/queries"))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let query: Value = response.json().await.unwrap();
    assert_eq!(status, 202, "{query}");
    assert_eq!(
        location.as_deref(),
        Some(format!("/api/v1/tutor/queries/{}", query["id"].as_str().unwrap()).as_str())
    );
    query
}

/// Polls the query until it is no longer queued.
async fn settled(server: &Server, client: &reqwest::Client, id: &str) -> Value {
    eventually("the query's answer", ANSWER_WITHIN, async || {
        let (status, q) = server
            .get_as(client, &format!("/api/v1/tutor/queries/{id}"))
            .await;
        assert_eq!(status, 200, "{q}");
        if q["status"] == "queued" {
            Err(q)
        } else {
            Ok(q)
        }
    })
    .await
}

/// Reads a query's whole event stream: (event name, data) in order.
async fn stream(server: &Server, client: &reqwest::Client, id: &str) -> Vec<(String, Value)> {
    let response = client
        .get(server.url(&format!("/api/v1/tutor/queries/{id}/events")))
        .timeout(ANSWER_WITHIN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let text = response.text().await.unwrap();
    let mut events = Vec::new();
    for block in text.split("\n\n") {
        let mut name = String::new();
        let mut data = String::new();
        for line in block.lines() {
            if let Some(n) = line.strip_prefix("event:") {
                name = n.trim().to_owned();
            } else if let Some(d) = line.strip_prefix("data:") {
                data.push_str(d.strip_prefix(' ').unwrap_or(d));
            }
        }
        if !name.is_empty() {
            events.push((name, serde_json::from_str(&data).unwrap_or(Value::Null)));
        }
    }
    events
}

fn answered(q: &Value, intent: &str, agent: &str) {
    assert_eq!(q["status"], "answered", "{q}");
    assert_eq!(q["triage"]["intent"], intent, "{q}");
    assert_eq!(q["answer"]["agent"], agent, "{q}");
    assert!(
        !q["answer"]["content"].as_str().unwrap().trim().is_empty(),
        "{q}"
    );
}

const TRACEBACK: &str = "Traceback (most recent call last):\n  File \"main.py\", line 2, in <module>\n    print(items[3])\nIndexError: list index out of range";

#[tokio::test]
async fn each_intent_is_answered_by_its_agent_over_sse_and_json() {
    let server = learner_server(&[]).await;
    let (client, _) = learner(&server).await;

    // debug, followed over SSE: status, triage, the answer in pieces, then whole.
    let q = ask(
        &server,
        &client,
        &json!({"text": "Why does my program crash?", "code": "items = [1, 2, 3]\nprint(items[3])\n", "error": TRACEBACK}),
    )
    .await;
    let events = stream(&server, &client, q["id"].as_str().unwrap()).await;
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"status"), "{names:?}");
    assert_eq!(names.last(), Some(&"answer"), "{names:?}");
    let triage = &events.iter().find(|(n, _)| n == "triage").unwrap().1;
    assert_eq!(triage["intent"], "debug");
    assert_eq!(triage["agent"], "debug-agent");
    assert_eq!(
        triage["decided_by"], "rules",
        "a traceback is a rule: {triage}"
    );
    let pieces: String = events
        .iter()
        .filter(|(n, _)| n == "delta")
        .map(|(_, d)| d["text"].as_str().unwrap())
        .collect();
    let answer = &events.last().unwrap().1;
    answered(answer, "debug", "debug-agent");
    assert_eq!(pieces, answer["answer"]["content"].as_str().unwrap());
    assert_eq!(answer["answer"]["data"]["rung"], 1, "{answer}");

    // concepts: an explanation with an example the sandbox ran.
    let q = ask(
        &server,
        &client,
        &json!({"text": "What is a for loop and how does it work in Python?"}),
    )
    .await;
    let q = settled(&server, &client, q["id"].as_str().unwrap()).await;
    answered(&q, "concepts", "concepts-agent");
    assert_eq!(q["triage"]["topic"], "python.loops", "{q}");
    assert!(
        q["answer"]["content"].as_str().unwrap().contains("```"),
        "an example: {q}"
    );

    // a partner's own intent, declared in its manifest, answered by the Python agent.
    let q = ask(
        &server,
        &client,
        &json!({"text": "How should I prepare for my first Python job interview?"}),
    )
    .await;
    let q = settled(&server, &client, q["id"].as_str().unwrap()).await;
    answered(&q, "career-advice", "career-agent");

    // The conversation holds each question and answer (ChatMessage).
    let (status, list) = server.get_as(&client, "/api/v1/tutor/conversations").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 3, "{list}");
    let id = q["conversation_id"].as_str().unwrap();
    let (status, conversation) = server
        .get_as(&client, &format!("/api/v1/tutor/conversations/{id}"))
        .await;
    assert_eq!(status, 200, "{conversation}");
    let roles: Vec<&str> = conversation["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "assistant"], "{conversation}");
}

#[tokio::test]
async fn a_code_review_rates_the_code_and_the_rating_reaches_mastery() {
    let server = learner_server(&[]).await;
    let (client, _) = learner(&server).await;
    let code = "import os\n\ndef AddNumbers(a,b):\n    list = [a, b]\n    total = 0\n    for i in range(len(list)):\n        total = total + list[i]\n    return total\n";
    let q = ask(
        &server,
        &client,
        &json!({"text": "Can you review my function and tell me what to improve?", "code": code}),
    )
    .await;
    let q = settled(&server, &client, q["id"].as_str().unwrap()).await;
    answered(&q, "code-review", "code-review-agent");
    let quality = q["answer"]["code_quality"].as_f64().expect("a rating");
    assert!(
        (0.0..1.0).contains(&quality),
        "flawed code is not perfect: {q}"
    );
    let topic = q["triage"]["topic"].as_str().unwrap().to_owned();
    assert_ne!(topic, "general", "{q}");
    let (status, mastery) = server.get_as(&client, "/api/v1/progress/mastery").await;
    assert_eq!(status, 200, "{mastery}");
    let entry = mastery["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["topic"] == topic.as_str())
        .unwrap_or_else(|| panic!("{topic} in {mastery}"));
    let stored = entry["code_quality"]
        .as_f64()
        .expect("code quality in mastery");
    assert!((stored - quality).abs() < 1e-6, "{entry} vs {quality}");
}

#[tokio::test]
async fn the_debug_agent_climbs_its_hint_ladder_and_shows_the_fix_only_on_the_last_rung() {
    let server = learner_server(&[]).await;
    let (client, _) = learner(&server).await;
    let code = "items = [1, 2, 3]\nfor i in range(len(items) + 1):\n    print(items[i])\n";
    let error = "Traceback (most recent call last):\n  File \"main.py\", line 3, in <module>\n    print(items[i])\nIndexError: list index out of range";
    let mut conversation: Option<String> = None;
    let mut answers = Vec::new();
    for _ in 0..4 {
        let mut body =
            json!({"text": "I still get this error, can you help?", "code": code, "error": error});
        if let Some(c) = &conversation {
            body["conversation_id"] = json!(c);
        }
        let q = ask(&server, &client, &body).await;
        let q = settled(&server, &client, q["id"].as_str().unwrap()).await;
        answered(&q, "debug", "debug-agent");
        conversation = Some(q["conversation_id"].as_str().unwrap().to_owned());
        answers.push(q["answer"].clone());
    }
    let rungs: Vec<i64> = answers
        .iter()
        .map(|a| a["data"]["rung"].as_i64().unwrap())
        .collect();
    assert_eq!(rungs, [1, 2, 3, 4], "{answers:?}");
    // The fix is `range(len(items))`: never before the last rung.
    for a in &answers[..3] {
        assert!(
            !a["content"].as_str().unwrap().contains("range(len(items))"),
            "a hint, not the fix: {a}"
        );
    }
    assert!(
        answers[3]["content"]
            .as_str()
            .unwrap()
            .contains("range(len(items))"),
        "the last rung shows the fix: {}",
        answers[3]
    );
    // A different error starts the ladder again.
    let q = ask(
        &server,
        &client,
        &json!({"text": "Now this fails", "code": "total = 10 / 0\n", "error": "ZeroDivisionError: division by zero", "conversation_id": conversation}),
    )
    .await;
    let q = settled(&server, &client, q["id"].as_str().unwrap()).await;
    assert_eq!(q["answer"]["data"]["rung"], 1, "{q}");
}

#[tokio::test]
async fn a_generated_exercise_is_validated_stored_and_graded_at_its_submit_route() {
    let server = learner_server(&[]).await;
    let (client, user_id) = learner(&server).await;
    let (status, exercise) = server
        .post_as(
            &client,
            "/api/v1/exercises/generate",
            &json!({"topic": "python.loops", "difficulty": "easy"}),
        )
        .await;
    assert_eq!(status, 201, "{exercise}");
    assert_eq!(exercise["topic"], "python.loops");
    assert_eq!(exercise["difficulty"], "easy");
    assert!(exercise["tests"].as_u64().unwrap() >= 1, "{exercise}");
    let id = exercise["id"].as_str().unwrap().to_owned();
    assert!(
        exercise.get("reference_solution").is_none(),
        "the solution stays hidden: {exercise}"
    );

    // The stored reference passes at the submit route; the starter code does not.
    let db = Db::connect(&server.database_url, 1).await.unwrap();
    let reference: String =
        sqlx::query_scalar("SELECT reference_solution FROM generated_exercises WHERE id = $1")
            .bind(&id)
            .fetch_one(db.pool())
            .await
            .unwrap();
    let submit = format!("/api/v1/exercises/{id}/submit");
    let (status, graded) = server
        .post_as(&client, &submit, &json!({"code": reference}))
        .await;
    assert_eq!(status, 200, "{graded}");
    assert_eq!(graded["passed"], true, "{graded}");
    let (status, graded) = server
        .post_as(&client, &submit, &json!({"code": exercise["starter_code"]}))
        .await;
    assert_eq!(status, 200, "{graded}");
    assert_eq!(graded["passed"], false, "{graded}");

    // A variation: same topic, a different exercise.
    let (status, variation) = server
        .post_as(
            &client,
            &format!("/api/v1/exercises/{id}/variation"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 201, "{variation}");
    assert_eq!(variation["variation_of"], id.as_str());
    assert_eq!(variation["topic"], "python.loops");
    assert_ne!(variation["prompt"], exercise["prompt"], "{variation}");

    // Someone else's exercise is not yours to vary.
    let (other, _) = learner(&server).await;
    let (status, body) = server
        .post_as(
            &other,
            &format!("/api/v1/exercises/{id}/variation"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = server
        .post_as(
            &client,
            "/api/v1/exercises/generate",
            &json!({"topic": "python.cooking", "difficulty": "easy"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["details"]["field"].clone()),
        (422, json!("topic")),
        "{body}"
    );
    let (status, body) = server
        .post_as(
            &client,
            "/api/v1/exercises/generate",
            &json!({"topic": "python.loops", "difficulty": "extreme"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["details"]["field"].clone()),
        (422, json!("difficulty")),
        "{body}"
    );

    // The learner's export holds the exercises and their conversations; deleting the
    // account leaves no tutor row naming them.
    let (status, export) = server.get_as(&client, "/api/v1/me/export").await;
    assert_eq!(status, 200, "{export}");
    assert_eq!(
        export["tutor"]["generated_exercises"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{export}"
    );
    assert_eq!(
        export["tutor"]["conversations"].as_array().unwrap().len(),
        2
    );
    assert_eq!(server.delete_me(&client).await, 204);
    assert_eq!(
        db.rows_naming(&user_id).await.unwrap(),
        0,
        "rows left behind"
    );
}

#[tokio::test]
async fn crisis_text_is_answered_by_the_gate_and_reaches_no_agent() {
    let server = learner_server(&[]).await;
    let (client, _) = learner(&server).await;
    for body in [
        json!({"text": "I want to kill myself, nothing matters anymore"}),
        json!({"text": "Can you review this?", "code": "# I want to kill myself\nprint('bye')\n"}),
    ] {
        let q = ask(&server, &client, &body).await;
        assert_eq!(q["status"], "blocked", "{q}");
        assert_eq!(q["answer"]["agent"], "safety-gate", "{q}");
        assert!(q["triage"].is_null(), "no triage: {q}");
        // Nothing else happens to it, ever.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (_, again) = server
            .get_as(
                &client,
                &format!("/api/v1/tutor/queries/{}", q["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(again["status"], "blocked", "{again}");
        assert!(again["triage"].is_null(), "{again}");
    }
}

#[tokio::test]
async fn bad_queries_get_a_4xx_naming_the_field() {
    let server = learner_server(&[]).await;
    let (client, _) = learner(&server).await;
    for (body, status, field) in [
        (json!({"text": "  "}), 422, "text"),
        (json!({"text": "x".repeat(8001)}), 422, "text"),
        (
            json!({"text": "hi", "code": "x".repeat(65_537)}),
            422,
            "code",
        ),
        (
            json!({"text": "hi", "conversation_id": "00000000-0000-0000-0000-000000000000"}),
            404,
            "conversation_id",
        ),
    ] {
        let (got, answer) = server
            .post_as(&client, "/api/v1/tutor/queries", &body)
            .await;
        assert_eq!(got, status, "{answer}");
        assert_eq!(answer["error"]["details"]["field"], field, "{answer}");
    }
    let (got, answer) = server
        .post_as(
            &client,
            "/api/v1/tutor/queries",
            &json!({"text": "hi", "colour": "red"}),
        )
        .await;
    assert_eq!(got, 400, "{answer}");
    // Another learner's query is not found.
    let q = ask(&server, &client, &json!({"text": "What is a variable?"})).await;
    let (other, _) = learner(&server).await;
    let (got, _) = server
        .get_as(
            &other,
            &format!("/api/v1/tutor/queries/{}", q["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(got, 404);
}

#[tokio::test]
async fn a_query_accepted_before_a_kill_9_is_answered_once_after_the_restart() {
    for (backend, stream) in crate::struggle::crash_variants() {
        let flags = crate::struggle::crash_flags(stream.as_deref());
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let mut first = Server::start_on(backend, &[plugins_dir()], &flags).await;
        let (client, _) = learner(&first).await;
        let q = ask(
            &first,
            &client,
            &json!({"text": "What does the return statement do in a function?"}),
        )
        .await;
        // Accepted, then the process dies: before, during or after the answer.
        first.kill_9();
        let second = Server::start_at(
            &first.database_url,
            first.redis_url.as_deref(),
            &[plugins_dir()],
            &flags,
        )
        .await;
        // The same token: sessions live in the database.
        let id = q["id"].as_str().unwrap();
        let answer = settled(&second, &client, id).await;
        answered(&answer, "concepts", "concepts-agent");
        // Past a lease, in case a dead consumer's delivery was still to come back.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let db = Db::connect(&first.database_url, 1).await.unwrap();
        let answers: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM chat_messages WHERE query_id = $1 AND role = 'assistant'",
        )
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(answers, 1, "{backend:?} {stream:?}: answered once");
    }
}

#[tokio::test]
async fn graphql_asks_the_tutor_and_streams_the_answer_over_a_websocket() {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let server = learner_server(&[]).await;
    let account = server.register("student").await;
    let token = account["access_token"].as_str().unwrap().to_owned();
    let client = client_with_token(&token);
    let (status, asked) = server
        .post_as(
            &client,
            "/graphql",
            &json!({"query": "mutation { tutorQuery(text: \"What is a dictionary in Python and when do I use one?\") }"}),
        )
        .await;
    assert_eq!(status, 200, "{asked}");
    let query = &asked["data"]["tutorQuery"];
    assert_eq!(query["status"], "queued", "{asked}");
    let id = query["id"].as_str().unwrap();

    let url = server.url("/graphql/ws").replacen("http", "ws", 1);
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let send = |v: Value| Message::Text(v.to_string().into());
    ws.send(send(
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}}),
    ))
    .await
    .unwrap();
    // graphql-transport-ws: subscribe only once the connection is acknowledged.
    loop {
        let Message::Text(text) = ws.next().await.unwrap().unwrap() else {
            continue;
        };
        if text.contains("connection_ack") {
            break;
        }
    }
    ws.send(send(json!({"id": "1", "type": "subscribe", "payload": {
        "query": format!("subscription {{ tutorAnswer(queryId: \"{id}\") }}")}})))
        .await
        .unwrap();
    let mut updates = Vec::new();
    let finished = tokio::time::timeout(ANSWER_WITHIN, async {
        while let Some(message) = ws.next().await {
            let Message::Text(text) = message.unwrap() else {
                continue;
            };
            let message: Value = serde_json::from_str(&text).unwrap();
            match message["type"].as_str().unwrap() {
                "next" => updates.push(message["payload"]["data"]["tutorAnswer"].clone()),
                "complete" => return,
                "error" => panic!("{message}"),
                _ => {}
            }
        }
    })
    .await;
    assert!(finished.is_ok(), "the subscription ended: {updates:?}");
    let last = updates.last().expect("updates");
    answered(last, "concepts", "concepts-agent");

    // Without a valid token the connection is refused.
    let mut request = server
        .url("/graphql/ws")
        .replacen("http", "ws", 1)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    ws.send(send(
        json!({"type": "connection_init", "payload": {"Authorization": "Bearer nope"}}),
    ))
    .await
    .unwrap();
    let refused = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(message) = ws.next().await {
            match message {
                Ok(Message::Close(_)) | Err(_) => return true,
                Ok(Message::Text(text)) if text.contains("connection_ack") => return false,
                _ => {}
            }
        }
        true
    })
    .await
    .unwrap();
    assert!(refused, "an invalid token is not acknowledged");
}

#[tokio::test]
async fn a_models_exercise_whose_reference_fails_its_tests_is_never_served() {
    use crate::upstream::{Behaviour, Upstream, Wire, gateway_with, provider};
    // A model that always proposes the same exercise, whose reference solution is wrong.
    let broken = json!({
        "title": "Add two numbers",
        "prompt": "Write a function add(a, b) that returns the sum of a and b.",
        "starter_code": "def add(a, b):\n    pass\n",
        "reference_solution": "def add(a, b):\n    return a - b\n",
        "tests": [
            {"name": "small", "assertion": "add(1, 2) == 3"},
            {"name": "zero", "assertion": "add(0, 5) == 5"}
        ]
    });
    let upstream = Upstream::start(Behaviour::Say(broken.to_string())).await;
    let gateway = gateway_with(
        &[provider("a", Wire::OpenAi, upstream.port, &["gpt-a"])],
        &[("routes", json!({"default": ["gpt-a"]}))],
    );
    let content = repo().join("content");
    let plugins = plugins_dir();
    let server = Server::start_with(
        &[
            plugins.join("safety-filter"),
            gateway.path().to_owned(),
            plugins.join("exercise-agent"),
            plugins.join("python-sandbox"),
            plugins.join("code-grader"),
            plugins.join("lesson-engine"),
        ],
        &["--content-dir", content.to_str().unwrap()],
    )
    .await;
    let (client, _) = learner(&server).await;
    let (status, exercise) = server
        .post_as(
            &client,
            "/api/v1/exercises/generate",
            &json!({"topic": "python.functions", "difficulty": "easy"}),
        )
        .await;
    assert_eq!(status, 201, "{exercise}");
    assert!(upstream.hits() >= 1, "the model was asked");
    let db = Db::connect(&server.database_url, 1).await.unwrap();
    let (reference, data): (String, String) = sqlx::query_as(
        "SELECT e.reference_solution, m.data FROM generated_exercises e \
         JOIN chat_messages m ON m.query_id = e.query_id AND m.role = 'assistant' WHERE e.id = $1",
    )
    .bind(exercise["id"].as_str().unwrap())
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert!(
        !reference.contains("a - b"),
        "the broken reference is not served"
    );
    let data: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(data["source"], "bank", "{data}");
    // What was served passes its own tests.
    let (status, graded) = server
        .post_as(
            &client,
            &format!(
                "/api/v1/exercises/{}/submit",
                exercise["id"].as_str().unwrap()
            ),
            &json!({"code": reference}),
        )
        .await;
    assert_eq!(status, 200, "{graded}");
    assert_eq!(graded["passed"], true, "{graded}");
}
