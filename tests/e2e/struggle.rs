//! Struggle detection (docs/events.md, "Struggle detection"): a learner's repeated error
//! reaches their teacher's alert list and live stream over HTTP, only their teacher's; the
//! detector's rules on crafted events, on SQLite and Postgres; redelivery changes nothing.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tessera::events::consumer::Handler;
use tessera::events::{Envelope, Topic};
use tessera::learning::struggle::StruggleDetector;
use tessera::store::Db;

use crate::support::{
    Server, client_with_token, eventually, fresh_postgres_database, plugins_dir,
    postgres_reachable, repo, unique,
};

/// Code that raises IndexError, different each time (the same code again would be
/// answered from the stored attempt, not run).
fn index_error(n: usize) -> String {
    format!("items = [{n}]\nprint(items[{}])\n", n + 5)
}

#[tokio::test]
async fn a_repeated_error_alerts_the_learners_teacher_live_and_no_one_else() {
    let content = repo().join("content");
    let server = Server::start_with(
        &[plugins_dir()],
        &["--content-dir", content.to_str().unwrap()],
    )
    .await;
    let teacher = server.register("teacher").await;
    let teacher = client_with_token(teacher["access_token"].as_str().unwrap());
    let stranger = server.register("teacher").await;
    let stranger = client_with_token(stranger["access_token"].as_str().unwrap());
    let learner = server.register("student").await;
    let learner_id = learner["user_id"].as_str().unwrap().to_owned();
    let learner = client_with_token(learner["access_token"].as_str().unwrap());

    let (status, class) = server
        .post_as(
            &teacher,
            "/api/v1/teacher/classes",
            &json!({"name": "Tuesday"}),
        )
        .await;
    assert_eq!(status, 201, "{class}");
    let (status, joined) = server
        .post_as(
            &learner,
            "/api/v1/classes/join",
            &json!({"code": class["join_code"]}),
        )
        .await;
    assert!(status < 300, "{joined}");

    // The teacher listens before the learner struggles.
    let stream = teacher
        .get(server.url("/api/v1/teacher/alerts/stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut stream = stream;

    for n in 0..3 {
        let (status, result) = server
            .post_as(
                &learner,
                "/api/v1/exercises/values-and-variables.ex1/submit",
                &json!({"code": index_error(n)}),
            )
            .await;
        assert_eq!(status, 200, "{result}");
        assert_eq!(result["passed"], false, "{result}");
        if n < 2 {
            // Two are not a pattern yet.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let (_, alerts) = server.get_as(&teacher, "/api/v1/teacher/alerts").await;
            assert_eq!(alerts, json!([]), "after {} errors", n + 1);
        }
    }

    let alerts: Vec<Value> = eventually("the alert", Duration::from_secs(15), async || {
        let (status, alerts) = server.get_as(&teacher, "/api/v1/teacher/alerts").await;
        assert_eq!(status, 200, "{alerts}");
        match alerts.as_array().cloned().unwrap_or_default() {
            a if a.is_empty() => Err(alerts),
            a => Ok(a),
        }
    })
    .await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = &alerts[0];
    assert_eq!(alert["reason"], "repeated-error");
    assert_eq!(alert["learner_id"], learner_id.as_str());
    assert_eq!(alert["step_id"], "values-and-variables.ex1");
    assert_eq!(alert["count"], 3);
    assert!(
        alert["detail"].as_str().unwrap().contains("IndexError"),
        "{alert}"
    );
    assert!(alert["acknowledged_at"].is_null());

    // The same alert arrived on the live stream.
    let mut seen = String::new();
    let streamed = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(chunk) = stream.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("event: alert") && seen.contains(alert["id"].as_str().unwrap()) {
                return;
            }
        }
    })
    .await;
    assert!(streamed.is_ok(), "no alert on the stream; got {seen:?}");

    // Another teacher sees nothing and cannot acknowledge it; a learner may not list.
    let (_, theirs) = server.get_as(&stranger, "/api/v1/teacher/alerts").await;
    assert_eq!(theirs, json!([]));
    let ack = format!(
        "/api/v1/teacher/alerts/{}/acknowledge",
        alert["id"].as_str().unwrap()
    );
    let (status, body) = server.post_as(&stranger, &ack, &json!({})).await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = server.get_as(&learner, "/api/v1/teacher/alerts").await;
    assert_eq!(status, 403);
    let (status, body) = server
        .get_as(&teacher, "/api/v1/teacher/alerts?status=everything")
        .await;
    assert_eq!(
        (status, body["error"]["details"]["field"].as_str()),
        (422, Some("status")),
        "{body}"
    );

    // Acknowledged, it leaves the open list and stays in `all`.
    let (status, acked) = server.post_as(&teacher, &ack, &json!({})).await;
    assert_eq!(status, 200, "{acked}");
    assert!(acked["acknowledged_at"].is_string());
    let (_, open) = server.get_as(&teacher, "/api/v1/teacher/alerts").await;
    assert_eq!(open, json!([]));
    let (_, all) = server
        .get_as(&teacher, "/api/v1/teacher/alerts?status=all")
        .await;
    assert_eq!(all.as_array().unwrap().len(), 1);

    // The learner's export holds it; deleting the account removes it.
    let (status, export) = server.get_as(&learner, "/api/v1/me/export").await;
    assert_eq!(status, 200);
    assert_eq!(
        export["learning"]["struggle_alerts"][0]["id"], alert["id"],
        "{export}"
    );
    assert_eq!(server.delete_me(&learner).await, 204);
    let (_, all) = server
        .get_as(&teacher, "/api/v1/teacher/alerts?status=all")
        .await;
    assert_eq!(all, json!([]));
}

async fn databases() -> Vec<(Db, Option<crate::support::FreshDatabase>)> {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-db");
    std::fs::create_dir_all(&dir).unwrap();
    let mut out = Vec::new();
    let sqlite = format!(
        "sqlite://{}",
        dir.join(format!("{}.db", unique("struggle"))).display()
    );
    out.push((Db::connect(&sqlite, 4).await.unwrap(), None));
    if postgres_reachable() {
        let fresh = fresh_postgres_database();
        out.push((Db::connect(&fresh.url, 4).await.unwrap(), Some(fresh)));
    }
    for (db, _) in &out {
        db.migrate().await.unwrap();
    }
    out
}

/// A learner row the alerts can name.
async fn learner(db: &Db) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, full_name, role, created_at, updated_at) \
         VALUES ($1, $2, 'x', 'Grace', 'student', 0, 0)",
    )
    .bind(&id)
    .bind(format!("{}@example.com", unique("g")))
    .execute(db.pool())
    .await
    .unwrap();
    id
}

fn quiz(user: &str, topic: &str, correct: bool) -> Envelope {
    Envelope::new(
        Topic::ProgressEvents,
        "quiz.answered",
        json!({"step_id": format!("{topic}.q"), "topic": topic, "correct": correct,
               "score": if correct { 1.0 } else { 0.0 }}),
    )
    .for_user(user)
}

fn submission(user: &str, step: &str, status: &str, error: Option<&str>) -> Envelope {
    Envelope::new(
        Topic::CodeSubmissions,
        "exercise.submitted",
        json!({"attempt_id": uuid::Uuid::new_v4().to_string(), "step_id": step,
               "topic": "python.loops", "code": "x", "passed": false, "status": status,
               "error_type": error}),
    )
    .for_user(user)
}

async fn reasons(db: &Db, user: &str) -> Vec<String> {
    db.alerts_of(user)
        .await
        .unwrap()
        .into_iter()
        .map(|a| format!("{}:{}:{}", a.reason, a.subject, a.signal_count))
        .collect()
}

#[tokio::test]
async fn the_detector_needs_fresh_evidence_and_counts_a_redelivered_event_once() {
    for (db, _keep) in databases().await {
        let detector = Arc::new(StruggleDetector::new(db.clone()));
        let user = learner(&db).await;

        // Quizzes: two wrong, one right, then three wrong in a row on the topic.
        let mut events = vec![
            quiz(&user, "python.loops", false),
            quiz(&user, "python.loops", false),
            quiz(&user, "python.loops", true),
            quiz(&user, "python.loops", false),
            quiz(&user, "python.strings", false),
            quiz(&user, "python.loops", false),
        ];
        for e in &events {
            detector.handle(e).await.unwrap();
        }
        assert!(
            reasons(&db, &user).await.is_empty(),
            "two in a row is not three"
        );
        let third = quiz(&user, "python.loops", false);
        // Delivered twice: one signal, one alert.
        detector.handle(&third).await.unwrap();
        detector.handle(&third).await.unwrap();
        assert_eq!(reasons(&db, &user).await, ["quiz-failures:python.loops:3"]);
        events.push(third);
        // The next wrong answer is not a new alert: it needs three fresh ones.
        detector
            .handle(&quiz(&user, "python.loops", false))
            .await
            .unwrap();
        assert_eq!(reasons(&db, &user).await.len(), 1);

        // Errors: three of one type on one exercise; other types and exercises apart.
        for e in [
            submission(&user, "ex1", "runtime_error", Some("IndexError")),
            submission(&user, "ex1", "runtime_error", Some("KeyError")),
            submission(&user, "ex2", "runtime_error", Some("IndexError")),
            submission(&user, "ex1", "runtime_error", Some("IndexError")),
        ] {
            detector.handle(&e).await.unwrap();
        }
        assert_eq!(reasons(&db, &user).await.len(), 1);
        detector
            .handle(&submission(
                &user,
                "ex1",
                "runtime_error",
                Some("IndexError"),
            ))
            .await
            .unwrap();
        // A timeout alerts at once.
        detector
            .handle(&submission(&user, "ex3", "timeout", Some("Timeout")))
            .await
            .unwrap();
        let mut got = reasons(&db, &user).await;
        got.sort();
        assert_eq!(
            got,
            [
                "quiz-failures:python.loops:3",
                "repeated-error:ex1:3",
                "sandbox-timeout:ex3:1",
            ]
        );
        // An event still in flight for an account deleted meanwhile leaves nothing.
        let gone = uuid::Uuid::new_v4().to_string();
        for _ in 0..3 {
            detector
                .handle(&submission(
                    &gone,
                    "ex1",
                    "runtime_error",
                    Some("IndexError"),
                ))
                .await
                .unwrap();
        }
        let naming_gone: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM struggle_signals WHERE user_id = $1) + \
             (SELECT COUNT(*) FROM struggle_alerts WHERE user_id = $1)",
        )
        .bind(&gone)
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(naming_gone, 0);
        // Each alert staged its struggle.detected event with the write.
        let staged: Vec<String> = sqlx::query_scalar(
            "SELECT payload FROM event_outbox WHERE topic = 'struggle.detected'",
        )
        .fetch_all(db.pool())
        .await
        .unwrap();
        assert_eq!(staged.len(), 3);
        for p in staged {
            let e = Envelope::parse(p.as_bytes()).unwrap();
            assert_eq!(e.user_id.as_deref(), Some(user.as_str()));
        }
    }
}

/// The bus each variant of the crash test runs on: the embedded one (SQLite, and
/// Postgres with Redis), and NATS (with SQLite) in a stream of its own.
pub(crate) fn crash_variants() -> Vec<(crate::support::Backend, Option<String>)> {
    let mut variants: Vec<_> = crate::support::backends()
        .into_iter()
        .map(|b| (b, None))
        .collect();
    let nats = std::net::TcpStream::connect("127.0.0.1:4222").is_ok();
    if crate::support::ci() {
        assert!(
            nats,
            "CI=true: NATS (JetStream) must be reachable on 127.0.0.1:4222"
        );
    }
    if nats {
        variants.push((crate::support::Backend::Embedded, Some(unique("CRASH"))));
    }
    variants
}

/// A crash variant's server flags: the content, a short lease (a dead consumer's
/// delivery comes back soon), and NATS in its own stream when the variant names one.
pub(crate) fn crash_flags(stream: Option<&str>) -> Vec<String> {
    let mut flags = vec![
        "--content-dir".to_owned(),
        repo().join("content").display().to_string(),
        "--events-lease-secs".to_owned(),
        "2".to_owned(),
    ];
    if let Some(stream) = stream {
        flags.extend([
            "--nats-url".to_owned(),
            "nats://127.0.0.1:4222".to_owned(),
            "--nats-stream".to_owned(),
            stream.to_owned(),
        ]);
    }
    flags
}

#[tokio::test]
async fn a_server_killed_after_accepting_submissions_raises_their_alert_once_after_restart() {
    for (backend, stream) in crash_variants() {
        let flags = crash_flags(stream.as_deref());
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let mut first = Server::start_on(backend, &[plugins_dir()], &flags).await;
        let learner = first.register("student").await;
        let user_id = learner["user_id"].as_str().unwrap().to_owned();
        let client = client_with_token(learner["access_token"].as_str().unwrap());
        for n in 0..3 {
            let (status, result) = first
                .post_as(
                    &client,
                    "/api/v1/exercises/values-and-variables.ex1/submit",
                    &json!({"code": index_error(n)}),
                )
                .await;
            assert_eq!(status, 200, "{result}");
        }
        // Accepted, then the process dies: maybe before its events left the outbox, maybe
        // while the detector held them, maybe after.
        first.kill_9();
        let _second = Server::start_at(
            &first.database_url,
            first.redis_url.as_deref(),
            &[plugins_dir()],
            &flags,
        )
        .await;
        let db = Db::connect(&first.database_url, 2).await.unwrap();
        let count = async |table: &str| -> i64 {
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE user_id = $1"))
                .bind(&user_id)
                .fetch_one(db.pool())
                .await
                .unwrap()
        };
        eventually(
            "the alert after the restart",
            Duration::from_secs(30),
            async || match count("struggle_alerts").await {
                0 => Err(0),
                n => Ok(n),
            },
        )
        .await;
        // Past a lease, in case a dead consumer's delivery was still to come back.
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(
            count("struggle_alerts").await,
            1,
            "{backend:?} {stream:?}: one alert"
        );
        assert_eq!(
            count("struggle_signals").await,
            3,
            "{backend:?} {stream:?}: each error once"
        );
    }
}
