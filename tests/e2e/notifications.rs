//! Notifications over HTTP on both databases (docs/notifications.md): reminders made by a
//! test clock in the learner's own evening, once a day, held back by quiet hours and
//! turned off per kind; Web Push to a local push-service double that decrypts each message
//! with the subscription's keys and checks its VAPID token, answers 503 once (retried) and
//! 410 for a dead subscription (removed); the APNs/FCM outbox drained by a gateway with a
//! service token; a teacher's struggle alert whose push waits out their quiet hours.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Verifier as _;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Server, backends, call, client_with_token, service_client};

/// A push received by the double, decrypted.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    message: Value,
    vapid_key: String,
    audience: String,
    ttl: String,
}

/// Each subscription's path with the browser's private key and auth secret.
type BrowserKeys = Vec<(String, p256::SecretKey, [u8; 16])>;

/// A push service: each subscription path answers the statuses queued for it (then 201),
/// and decrypts what it accepts with that subscription's keys, as a browser would.
#[derive(Clone, Default)]
struct PushService {
    keys: Arc<Mutex<BrowserKeys>>,
    answers: Arc<Mutex<Vec<(String, u16)>>>,
    received: Arc<Mutex<Vec<Received>>>,
    port: u16,
}

impl PushService {
    async fn start() -> PushService {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let service = PushService {
            port: listener.local_addr().unwrap().port(),
            ..PushService::default()
        };
        let shared = service.clone();
        let app = axum::Router::new().route(
            "/push/{id}",
            axum::routing::post(
                move |axum::extract::Path(id): axum::extract::Path<String>,
                      headers: axum::http::HeaderMap,
                      body: axum::body::Bytes| {
                    let s = shared.clone();
                    async move { s.receive(&id, &headers, &body) }
                },
            ),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        service
    }

    /// A browser's subscription at `/push/<id>`: its keys as `PushSubscription.toJSON()`.
    fn subscription(&self, id: &str) -> Value {
        let secret = p256::SecretKey::random(&mut aes_gcm::aead::OsRng);
        let auth: [u8; 16] = rand::random();
        let p256dh = URL_SAFE_NO_PAD.encode(secret.public_key().to_encoded_point(false).as_bytes());
        self.keys
            .lock()
            .unwrap()
            .push((id.to_owned(), secret, auth));
        json!({ "channel": "web_push", "endpoint": format!("http://127.0.0.1:{}/push/{id}", self.port),
                "keys": { "p256dh": p256dh, "auth": URL_SAFE_NO_PAD.encode(auth) }, "expirationTime": null })
    }

    fn answer_next(&self, id: &str, status: u16) {
        self.answers.lock().unwrap().push((id.to_owned(), status));
    }

    fn receive(
        &self,
        id: &str,
        headers: &axum::http::HeaderMap,
        body: &[u8],
    ) -> axum::http::StatusCode {
        let queued = {
            let mut answers = self.answers.lock().unwrap();
            answers
                .iter()
                .position(|(p, _)| p == id)
                .map(|i| answers.remove(i).1)
        };
        if let Some(status) = queued {
            return axum::http::StatusCode::from_u16(status).unwrap();
        }
        let header = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(header("content-encoding"), "aes128gcm");
        // RFC 8292: `vapid t=<JWT>, k=<key>`; the JWT verifies with the key.
        let authorization = header("authorization");
        let (token, key) = authorization
            .strip_prefix("vapid t=")
            .and_then(|rest| rest.split_once(", k="))
            .expect("a VAPID authorization");
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let verifying =
            p256::ecdsa::VerifyingKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(key).unwrap())
                .unwrap();
        let signature =
            p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap())
                .unwrap();
        assert!(
            verifying.verify(signed.as_bytes(), &signature).is_ok(),
            "the VAPID token verifies"
        );
        let claims: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(signed.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap();
        let (secret, auth) = {
            let keys = self.keys.lock().unwrap();
            let (_, s, a) = keys
                .iter()
                .find(|(p, _, _)| p == id)
                .expect("a known subscription");
            (s.clone(), *a)
        };
        let plain = web_push_native::decrypt(
            body.to_vec(),
            &secret,
            &web_push_native::Auth::clone_from_slice(&auth),
        )
        .expect("the message decrypts with the subscription's keys");
        self.received.lock().unwrap().push(Received {
            path: id.to_owned(),
            message: serde_json::from_slice(&plain).unwrap(),
            vapid_key: key.to_owned(),
            audience: claims["aud"].as_str().unwrap_or_default().to_owned(),
            ttl: header("ttl"),
        });
        axum::http::StatusCode::CREATED
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

/// A request at the test clock's `now` (RFC 3339).
async fn at(
    server: &Server,
    client: &reqwest::Client,
    now: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = client
        .request(method, server.url(path))
        .header("x-tessera-now", now);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// One lesson of three true/false questions on one topic (three wrong answers make a
/// struggle alert).
fn write_pack(dir: &std::path::Path) {
    std::fs::create_dir_all(dir.join("lessons")).unwrap();
    std::fs::write(
        dir.join("pack.json"),
        json!({ "id": "notify", "version": "1", "title": "N", "tracks": [ { "id": "n", "title": "N",
            "courses": [ { "id": "n-course", "title": "N", "modules": [
                { "id": "n-m", "title": "M", "lessons": ["n1"] } ] } ] } ] })
        .to_string(),
    )
    .unwrap();
    let tf = |id: &str| {
        json!({ "id": id, "kind": "quiz", "question": { "kind": "true_false",
        "prompt": "True?", "answer_key": { "correct": true } } })
    };
    std::fs::write(
        dir.join("lessons/n1.json"),
        json!({ "id": "n1", "title": "N1", "topic": "n.topic", "steps": [tf("n1.a"), tf("n1.b"), tf("n1.c")] })
            .to_string(),
    )
    .unwrap();
}

#[tokio::test]
async fn reminders_and_alerts_reach_the_app_browsers_and_phones() {
    let pack = tempfile::tempdir().unwrap();
    write_pack(pack.path());
    let dirs = crate::learning::plugin_dirs(&["lesson-engine", "quiz-grader", "safety-filter"]);
    for backend in backends() {
        let push = PushService::start().await;
        let server = Server::start_on(
            backend,
            &dirs,
            &[
                "--content-dir",
                pack.path().to_str().unwrap(),
                "--learning-test-clock",
                "--web-push-allow-insecure",
                "--push-send-interval-ms",
                "0",
                "--reminder-sweep-interval-ms",
                "0",
                "--push-retry-base-ms",
                "60000",
            ],
        )
        .await;
        let admin = &server.http;
        let run = async |now: &str| {
            let (status, report) = at(
                &server,
                admin,
                now,
                Method::POST,
                "/api/v1/admin/notifications/run",
                None,
            )
            .await;
            assert_eq!(status, 200, "{report}");
            report
        };
        let reg = server.register("student").await;
        let ada = client_with_token(reg["access_token"].as_str().unwrap());
        let ada_id = reg["user_id"].as_str().unwrap().to_owned();
        call(
            &server,
            &ada,
            Method::PATCH,
            "/api/v1/me/profile",
            Some(json!({ "timezone": "Europe/Paris" })),
        )
        .await;
        // Only streak reminders in this test: reviews fall due on the engine's schedule.
        let (status, prefs) = call(
            &server,
            &ada,
            Method::PUT,
            "/api/v1/notifications/preferences",
            Some(json!({ "disabled_kinds": ["reviews_due"] })),
        )
        .await;
        assert_eq!(status, 200, "{prefs}");

        // A browser and a phone subscribe; bad keys are named.
        let (status, web) = call(
            &server,
            &ada,
            Method::POST,
            "/api/v1/notifications/subscriptions",
            Some(push.subscription("ada")),
        )
        .await;
        assert_eq!(status, 201, "{backend:?}: {web}");
        let (status, _) = call(
            &server,
            &ada,
            Method::POST,
            "/api/v1/notifications/subscriptions",
            Some(json!({ "channel": "fcm", "token": "fcm-token-ada" })),
        )
        .await;
        assert_eq!(status, 201);
        let mut bad = push.subscription("bad");
        bad["keys"]["auth"] = json!("AAAA");
        let (status, e) = call(
            &server,
            &ada,
            Method::POST,
            "/api/v1/notifications/subscriptions",
            Some(bad),
        )
        .await;
        assert_eq!(
            (status, &e["error"]["details"]["field"]),
            (422, &json!("keys.auth")),
            "{e}"
        );
        let (status, e) = call(
            &server,
            &ada,
            Method::POST,
            "/api/v1/notifications/subscriptions",
            Some(json!({ "channel": "pigeon" })),
        )
        .await;
        assert_eq!(
            (status, &e["error"]["details"]["field"]),
            (422, &json!("channel")),
            "{e}"
        );

        // Day 1 (1 March 2030, Paris): a lesson answered, a 1-day streak.
        let (status, _) = at(
            &server,
            &ada,
            "2030-03-01T10:00:00Z",
            Method::POST,
            "/api/v1/steps/n1.a/quiz",
            Some(json!({ "answers": { "value": true } })),
        )
        .await;
        assert_eq!(status, 200);
        // Day 2 at noon: not yet the evening. At 19:30 Paris (18:30 UTC) the streak is at risk.
        let report = run("2030-03-02T11:00:00Z").await;
        assert_eq!(report["sweep"]["streak_at_risk"], 0, "{report}");
        let report = run("2030-03-02T18:30:00Z").await;
        assert_eq!(report["sweep"]["streak_at_risk"], 1, "{report}");
        assert_eq!(report["sent"]["sent"], 1, "{report}");
        let got = push.received();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].message["kind"], "streak_at_risk");
        assert_eq!(got[0].message["title"], "Your 1-day streak ends tonight");
        assert_eq!(got[0].audience, format!("http://127.0.0.1:{}", push.port));
        assert_eq!(got[0].ttl, "86400");
        let (_, key) = call(
            &server,
            &ada,
            Method::GET,
            "/api/v1/notifications/web-push-key",
            None,
        )
        .await;
        assert_eq!(
            key["public_key"],
            got[0].vapid_key.as_str(),
            "signed with the server's key"
        );
        // Once a day: the next sweep that evening makes nothing.
        let report = run("2030-03-02T19:30:00Z").await;
        assert_eq!(report["sweep"]["streak_at_risk"], 0, "{report}");

        // In the app: listed unread, then read.
        let (_, page) = call(&server, &ada, Method::GET, "/api/v1/notifications", None).await;
        assert_eq!(page["unread_count"], 1, "{page}");
        let id = page["notifications"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(page["notifications"][0]["data"]["streak_days"], 1);
        let (status, marked) = call(
            &server,
            &ada,
            Method::POST,
            &format!("/api/v1/notifications/{id}/read"),
            None,
        )
        .await;
        assert_eq!((status, &marked["marked"]), (200, &json!(1)));
        let (_, page) = call(
            &server,
            &ada,
            Method::GET,
            "/api/v1/notifications?unread_only=true",
            None,
        )
        .await;
        assert_eq!(
            (page["unread_count"].clone(), page["notifications"].clone()),
            (json!(0), json!([]))
        );
        let other = server.client_of("student").await;
        let (status, _) = call(
            &server,
            &other,
            Method::POST,
            &format!("/api/v1/notifications/{id}/read"),
            None,
        )
        .await;
        assert_eq!(status, 404, "not theirs");

        // The phone's copy waits in the outbox in FCM's format; a gateway claims and reports it.
        let gateway = service_client(&server);
        let evening = "2030-03-02T19:31:00Z";
        let (status, items) = at(
            &server,
            &gateway,
            evening,
            Method::POST,
            "/_internal/push-outbox/claim",
            Some(json!({ "channel": "fcm" })),
        )
        .await;
        assert_eq!(status, 200, "{items}");
        let item = &items[0];
        assert_eq!(
            item["request"]["body"]["message"]["token"], "fcm-token-ada",
            "{items}"
        );
        assert_eq!(
            item["request"]["body"]["message"]["notification"]["title"],
            "Your 1-day streak ends tonight"
        );
        let (status, _) = call(
            &server,
            &gateway,
            Method::POST,
            &format!(
                "/_internal/push-outbox/{}/result",
                item["id"].as_str().unwrap()
            ),
            Some(json!({ "outcome": "sent" })),
        )
        .await;
        assert_eq!(status, 204);
        let (_, again) = at(
            &server,
            &gateway,
            evening,
            Method::POST,
            "/_internal/push-outbox/claim",
            Some(json!({ "channel": "fcm" })),
        )
        .await;
        assert_eq!(again, json!([]), "sent once");
        assert_eq!(
            call(
                &server,
                &ada,
                Method::POST,
                "/_internal/push-outbox/claim",
                Some(json!({ "channel": "fcm" }))
            )
            .await
            .0,
            403
        );

        // Active on day 3; quiet hours 18:00-23:00 hold the day-4 reminder back until 23:00.
        at(
            &server,
            &ada,
            "2030-03-03T10:00:00Z",
            Method::POST,
            "/api/v1/steps/n1.b/quiz",
            Some(json!({ "answers": { "value": true } })),
        )
        .await;
        let (status, prefs) = call(&server, &ada, Method::PUT, "/api/v1/notifications/preferences", Some(json!({ "quiet_hours": { "start": "18:00", "end": "23:00" }, "disabled_kinds": ["reviews_due"] }))).await;
        assert_eq!(status, 200, "{prefs}");
        let (_, read_back) = call(
            &server,
            &ada,
            Method::GET,
            "/api/v1/notifications/preferences",
            None,
        )
        .await;
        assert_eq!(read_back, prefs);
        let report = run("2030-03-04T18:30:00Z").await;
        assert_eq!(
            report["sweep"]["streak_at_risk"], 0,
            "19:30 is in quiet hours: {report}"
        );
        // The push service is briefly down: the push is retried a minute later.
        push.answer_next("ada", 503);
        let report = run("2030-03-04T22:10:00Z").await;
        assert_eq!(
            report["sweep"]["streak_at_risk"], 1,
            "23:10 is not: {report}"
        );
        assert_eq!(
            (&report["sent"]["sent"], &report["sent"]["retried"]),
            (&json!(0), &json!(1)),
            "{report}"
        );
        let report = run("2030-03-04T22:10:30Z").await;
        assert_eq!(
            report["sent"]["retried"], 0,
            "not before its backoff: {report}"
        );
        let report = run("2030-03-04T22:11:30Z").await;
        assert_eq!(report["sent"]["sent"], 1, "{report}");
        at(
            &server,
            &ada,
            "2030-03-05T10:00:00Z",
            Method::POST,
            "/api/v1/steps/n1.c/quiz",
            Some(json!({ "answers": { "value": true } })),
        )
        .await;
        // Turned off: no reminder of that kind at all.
        let (status, e) = call(
            &server,
            &ada,
            Method::PUT,
            "/api/v1/notifications/preferences",
            Some(json!({ "disabled_kinds": ["newsletters"] })),
        )
        .await;
        assert_eq!(
            (status, &e["error"]["details"]["field"]),
            (422, &json!("disabled_kinds")),
            "{e}"
        );
        call(
            &server,
            &ada,
            Method::PUT,
            "/api/v1/notifications/preferences",
            Some(json!({ "disabled_kinds": ["streak_at_risk", "reviews_due"] })),
        )
        .await;
        let report = run("2030-03-06T18:30:00Z").await;
        assert_eq!(report["sweep"]["streak_at_risk"], 0, "turned off: {report}");
        let (_, deliveries) = call(
            &server,
            &ada,
            Method::GET,
            "/api/v1/notifications/deliveries",
            None,
        )
        .await;
        let web_pushes: Vec<&Value> = deliveries
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["channel"] == "web_push")
            .collect();
        assert_eq!(web_pushes.len(), 2, "{deliveries}");
        assert!(
            web_pushes.iter().all(|d| d["status"] == "sent"),
            "{deliveries}"
        );
        assert_eq!(
            web_pushes[0]["attempts"], 2,
            "the retried one: {deliveries}"
        );

        // A teacher's struggle alert: three wrong answers on one topic by a learner of their
        // class. Inside the teacher's quiet hours (around the real time now), its push waits.
        let teacher_reg = server.register("teacher").await;
        let teacher = client_with_token(teacher_reg["access_token"].as_str().unwrap());
        let (_, class) = call(
            &server,
            &teacher,
            Method::POST,
            "/api/v1/teacher/classes",
            Some(json!({ "name": "Alerts" })),
        )
        .await;
        let bea = server.client_of("student").await;
        call(
            &server,
            &bea,
            Method::POST,
            "/api/v1/classes/join",
            Some(json!({ "code": class["join_code"] })),
        )
        .await;
        let hour = chrono::Timelike::hour(&chrono::Utc::now());
        let quiet = json!({ "start": format!("{:02}:00", (hour + 23) % 24), "end": format!("{:02}:00", (hour + 2) % 24) });
        call(
            &server,
            &teacher,
            Method::PUT,
            "/api/v1/notifications/preferences",
            Some(json!({ "quiet_hours": quiet, "disabled_kinds": [] })),
        )
        .await;
        call(
            &server,
            &teacher,
            Method::POST,
            "/api/v1/notifications/subscriptions",
            Some(push.subscription("teacher")),
        )
        .await;
        push.answer_next("gone", 410);
        for step in ["n1.a", "n1.b", "n1.c"] {
            let (status, _) = call(
                &server,
                &bea,
                Method::POST,
                &format!("/api/v1/steps/{step}/quiz"),
                Some(json!({ "answers": { "value": false } })),
            )
            .await;
            assert_eq!(status, 200);
        }
        let mut alert = Value::Null;
        for _ in 0..100 {
            let (_, page) = call(
                &server,
                &teacher,
                Method::GET,
                "/api/v1/notifications",
                None,
            )
            .await;
            if page["notifications"][0]["kind"] == "struggle_alert" {
                alert = page["notifications"][0].clone();
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert_eq!(alert["kind"], "struggle_alert", "the teacher is told");
        assert_eq!(alert["title"], "Test Learner may need help", "{alert}");
        let before = push.received().len();
        let (_, report) = call(
            &server,
            admin,
            Method::POST,
            "/api/v1/admin/notifications/run",
            None,
        )
        .await;
        assert_eq!(report["sent"]["sent"], 0, "quiet hours: {report}");
        assert_eq!(push.received().len(), before);
        let after_quiet = (chrono::Utc::now() + chrono::Duration::hours(3)).to_rfc3339();
        let report = run(&after_quiet).await;
        assert_eq!(report["sent"]["sent"], 1, "after the quiet hours: {report}");
        let last = push.received().pop().unwrap();
        assert_eq!(
            (last.path.as_str(), &last.message["kind"]),
            ("teacher", &json!("struggle_alert"))
        );
        assert_eq!(last.message["urgent"], true);

        // A subscription the push service says is gone is removed.
        let (_, dead) = call(
            &server,
            &ada,
            Method::POST,
            "/api/v1/notifications/subscriptions",
            Some(push.subscription("gone")),
        )
        .await;
        call(
            &server,
            &ada,
            Method::PUT,
            "/api/v1/notifications/preferences",
            Some(json!({ "disabled_kinds": ["reviews_due"] })),
        )
        .await;
        // Turned on again the same evening: the day-6 reminder is made now (none was that day).
        let report = run("2030-03-06T20:30:00Z").await;
        assert_eq!(report["sweep"]["streak_at_risk"], 1, "{report}");
        assert_eq!(report["sent"]["gone"], 1, "{report}");
        let (_, subs) = call(
            &server,
            &ada,
            Method::GET,
            "/api/v1/notifications/subscriptions",
            None,
        )
        .await;
        assert!(
            !subs.to_string().contains(dead["id"].as_str().unwrap()),
            "{subs}"
        );
        assert!(
            push.received()
                .iter()
                .any(|r| r.path == "ada" && r.message["kind"] == "streak_at_risk"),
            "the live browser still gets it"
        );

        // The export holds them; a deleted account's are gone with it.
        let (_, export) = call(&server, &ada, Method::GET, "/api/v1/me/export", None).await;
        assert!(
            export["notifications"]["notifications"]
                .as_array()
                .is_some_and(|n| n.len() >= 3),
            "{}",
            export["notifications"]
        );
        assert_eq!(server.delete_me(&ada).await, 204);
        let (_, deliveries) = call(
            &server,
            admin,
            Method::GET,
            "/api/v1/admin/notifications/deliveries",
            None,
        )
        .await;
        assert!(!deliveries.to_string().contains(&ada_id), "{deliveries}");
    }
}
