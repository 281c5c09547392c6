//! Seed 001's Kalei over HTTP on both databases (docs/kalei.md), with the shipped
//! reflection plugins, safety filter and AI gateway (the offline model, or a model double
//! over real HTTP): Mirror sessions, messages, fragments checked against the text, reframes,
//! summaries and deletes; Turns over JSON and SSE and the Gallery; Lens goals, actions and
//! the daily affirmation; Spectrum's views, run, exclusions and reset; plan limits (402 and
//! 429 naming the limit, reset at the user's local midnight); a crisis on every path
//! answered by the gate and never reframed; sealed columns read raw from the database;
//! export and account deletion.

use serde_json::{Value, json};
use tessera::store::Db;

use crate::support::{Backend, Server, backends, client_with_token, plugins_dir};
use crate::upstream::{Behaviour, Upstream, Wire, gateway_with, provider};

const CRISIS: &str = "I want to kill myself, nothing matters anymore";
const DISTORTED: &str = "I always ruin everything. Everyone must think I'm a failure.";

fn helpline(text: &str) -> bool {
    text.to_lowercase().contains("helpline") || text.contains("988")
}

/// A member on `plan` (their tier, set by the admin), with a client sending their token.
async fn member(server: &Server, plan: &str) -> (reqwest::Client, String) {
    let account = server.register("student").await;
    let id = account["user_id"].as_str().unwrap().to_owned();
    if plan != "free" {
        let response = server
            .http
            .patch(server.url(&format!("/api/v1/admin/users/{id}")))
            .json(&json!({"tier": plan}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    (
        client_with_token(account["access_token"].as_str().unwrap()),
        id,
    )
}

async fn start(backend: Backend, extra: &[&str]) -> Server {
    let mut flags = vec!["--learning-test-clock"];
    flags.extend_from_slice(extra);
    Server::start_on(backend, &[plugins_dir()], &flags).await
}

async fn db(server: &Server) -> Db {
    Db::connect(&server.database_url, 2).await.unwrap()
}

/// Every text value of a table's rows, as the database holds them.
async fn raw_texts(db: &Db, table: &str) -> Vec<String> {
    use sqlx::Row;
    let rows = sqlx::query(&format!("SELECT * FROM {table}"))
        .fetch_all(db.pool())
        .await
        .unwrap();
    let mut out = Vec::new();
    for row in &rows {
        for (i, _) in row.columns().iter().enumerate() {
            if let Ok(Some(text)) = row.try_get::<Option<String>, _>(i) {
                out.push(text);
            }
        }
    }
    out
}

fn chars(text: &str, start: &Value, end: &Value) -> String {
    let (start, end) = (
        start.as_u64().unwrap() as usize,
        end.as_u64().unwrap() as usize,
    );
    text.chars().skip(start).take(end - start).collect()
}

#[tokio::test]
async fn mirror_finds_fragments_that_quote_the_message_reframes_them_and_seals_the_text() {
    for backend in backends() {
        let server = start(backend, &[]).await;
        let (client, _) = member(&server, "prism").await;
        let (status, session) = server
            .post_as(&client, "/api/v1/mirror/sessions", &json!({}))
            .await;
        assert_eq!(status, 201, "{backend:?}: {session}");
        let sid = session["id"].as_str().unwrap().to_owned();
        assert_eq!(session["status"], "open");

        let (status, answer) = server
            .post_as(
                &client,
                "/api/v1/mirror/messages",
                &json!({"session_id": sid, "text": DISTORTED}),
            )
            .await;
        assert_eq!(status, 200, "{backend:?}: {answer}");
        assert_eq!(answer["crisis"], Value::Null);
        let message = &answer["message"];
        let fragments = message["fragments"].as_array().unwrap();
        assert!(!fragments.is_empty(), "the rules find `always`: {answer}");
        for f in fragments {
            assert_eq!(
                chars(DISTORTED, &f["start"], &f["end"]),
                f["text"].as_str().unwrap()
            );
            assert!(f["kind"].is_string() && f["confidence"].as_f64().unwrap() > 0.0);
        }
        let joined: String = message["highlights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["text"].as_str().unwrap())
            .collect();
        assert_eq!(joined, DISTORTED);

        // Reframing a fragment: three reframes, kept (asking again answers the same).
        let fid = fragments[0]["id"].as_str().unwrap();
        let path = format!("/api/v1/mirror/fragments/{fid}/reframe");
        let (status, reframe) = server.post_as(&client, &path, &json!({})).await;
        assert_eq!(status, 200, "{reframe}");
        assert_eq!(
            reframe["reframes"].as_array().unwrap().len(),
            3,
            "{reframe}"
        );
        assert!(!reframe["micro_action"].as_str().unwrap().is_empty());
        let (_, again) = server.post_as(&client, &path, &json!({})).await;
        assert_eq!(again, reframe);

        // A crisis: the gate's response, stored without fragments.
        let (status, crisis) = server
            .post_as(
                &client,
                "/api/v1/mirror/messages",
                &json!({"session_id": sid, "text": CRISIS}),
            )
            .await;
        assert_eq!(status, 200, "{crisis}");
        assert!(
            helpline(crisis["crisis"]["message"].as_str().unwrap()),
            "{crisis}"
        );
        assert_eq!(crisis["message"]["fragments"], json!([]));

        // Read back, opened.
        let (status, detail) = server
            .get_as(&client, &format!("/api/v1/mirror/sessions/{sid}"))
            .await;
        assert_eq!(status, 200, "{detail}");
        let texts: Vec<&str> = detail["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap())
            .collect();
        assert_eq!(texts, [DISTORTED, CRISIS]);
        assert_eq!(detail["messages"][0]["fragments"][0]["reframed"], true);

        // The database holds no plaintext of either message, nor of the reframes.
        let db = db(&server).await;
        for table in ["mirror_messages", "mirror_fragments"] {
            for value in raw_texts(&db, table).await {
                assert!(
                    !value.contains("ruin everything") && !value.contains("kill myself"),
                    "{table} holds plaintext: {value}"
                );
                for r in reframe["reframes"].as_array().unwrap() {
                    assert!(
                        !value.contains(r["text"].as_str().unwrap()),
                        "{table}: {value}"
                    );
                }
            }
        }

        // Closing summarises with counts and kinds; closed sessions take no message.
        let (status, closed) = server
            .post_as(
                &client,
                &format!("/api/v1/mirror/sessions/{sid}/close"),
                &json!({}),
            )
            .await;
        assert_eq!(status, 200, "{closed}");
        assert_eq!(closed["status"], "closed");
        assert_eq!(closed["summary"]["messages"], 2, "{closed}");
        assert_eq!(closed["summary"]["crisis_messages"], 1);
        assert_eq!(closed["summary"]["reframed"], 1);
        let (status, refused) = server
            .post_as(
                &client,
                "/api/v1/mirror/messages",
                &json!({"session_id": sid, "text": "one more"}),
            )
            .await;
        assert_eq!(
            (status, &refused["error"]["code"]),
            (409, &json!("SESSION_CLOSED"))
        );

        let (status, list) = server.get_as(&client, "/api/v1/mirror/sessions").await;
        assert_eq!((status, &list["total"]), (200, &json!(1)), "{list}");

        // Another member sees none of it.
        let (other, _) = member(&server, "prism").await;
        let (status, _) = server
            .get_as(&other, &format!("/api/v1/mirror/sessions/{sid}"))
            .await;
        assert_eq!(status, 404);
        let (status, body) = server.post_as(&other, &path, &json!({})).await;
        assert_eq!(
            (status, &body["error"]["details"]["field"]),
            (404, &json!("fragment_id"))
        );

        // Deleting removes the session, its messages and fragments.
        let response = client
            .delete(server.url(&format!("/api/v1/mirror/sessions/{sid}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        for table in [
            "mirror_sessions",
            "mirror_messages",
            "mirror_fragments",
            "spectrum_session_analysis",
        ] {
            assert!(raw_texts(&db, table).await.is_empty(), "{table}");
        }

        // Bad input names its field.
        let (status, body) = server
            .post_as(
                &client,
                "/api/v1/mirror/messages",
                &json!({"session_id": "nope", "text": ""}),
            )
            .await;
        assert_eq!(
            (status, &body["error"]["details"]["field"]),
            (422, &json!("text")),
            "{body}"
        );
        let (status, body) = server
            .post_as(
                &client,
                "/api/v1/mirror/messages",
                &json!({"session_id": "nope", "text": "hi"}),
            )
            .await;
        assert_eq!(
            (status, &body["error"]["details"]["field"]),
            (404, &json!("session_id"))
        );
    }
}

#[tokio::test]
async fn turns_reframe_three_ways_stream_over_sse_and_fill_the_gallery() {
    for backend in backends() {
        let server = start(backend, &[]).await;
        let (client, _) = member(&server, "prism").await;
        let thought = "I messed up the presentation, so I'll never get promoted.";
        let (status, answer) = server
            .post_as(&client, "/api/v1/turns", &json!({"text": thought}))
            .await;
        assert_eq!(status, 200, "{backend:?}: {answer}");
        let turn = &answer["turn"];
        assert_eq!(turn["text"], thought);
        let reframes = turn["reframes"].as_array().unwrap();
        assert_eq!(reframes.len(), 3, "{answer}");
        let mut angles: Vec<&str> = reframes
            .iter()
            .map(|r| r["angle"].as_str().unwrap())
            .collect();
        angles.dedup();
        assert_eq!(angles.len(), 3, "distinct angles: {answer}");
        assert!(!turn["micro_action"].as_str().unwrap().is_empty());
        let id = turn["id"].as_str().unwrap().to_owned();

        // The same over server-sent events.
        let response = client
            .post(server.url("/api/v1/turns"))
            .header("accept", "text/event-stream")
            .json(&json!({"text": "Nobody at work likes me."}))
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
        let body = response.text().await.unwrap();
        assert_eq!(body.matches("event: reframe").count(), 3, "{body}");
        assert!(
            body.contains("event: micro_action") && body.contains("event: done"),
            "{body}"
        );

        // Saved turns make the gallery; taking one out keeps the turn.
        let (status, saved) = server
            .post_as(&client, &format!("/api/v1/turns/{id}/save"), &json!({}))
            .await;
        assert_eq!((status, &saved["saved"]), (200, &json!(true)), "{saved}");
        let (_, gallery) = server.get_as(&client, "/api/v1/gallery").await;
        assert_eq!(gallery["total"], 1, "{gallery}");
        assert_eq!(gallery["turns"][0]["id"], id.as_str());
        let (_, turns) = server.get_as(&client, "/api/v1/turns?limit=1").await;
        assert_eq!(
            (&turns["total"], turns["turns"].as_array().unwrap().len()),
            (&json!(2), 1)
        );
        let response = client
            .delete(server.url(&format!("/api/v1/gallery/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        let (_, gallery) = server.get_as(&client, "/api/v1/gallery").await;
        assert_eq!(gallery["total"], 0);
        let (status, read) = server.get_as(&client, &format!("/api/v1/turns/{id}")).await;
        assert_eq!((status, &read["saved"]), (200, &json!(false)));

        // Sealed at rest.
        let db = db(&server).await;
        for value in raw_texts(&db, "turns").await {
            assert!(
                !value.contains("presentation") && !value.contains("Nobody"),
                "{value}"
            );
        }

        // A crisis is never reframed nor stored.
        let (status, crisis) = server
            .post_as(&client, "/api/v1/turns", &json!({"text": CRISIS}))
            .await;
        assert_eq!(status, 200, "{crisis}");
        assert_eq!(crisis["turn"], Value::Null);
        assert!(helpline(crisis["crisis"]["message"].as_str().unwrap()));
        let (_, turns) = server.get_as(&client, "/api/v1/turns").await;
        assert_eq!(turns["total"], 2);

        let response = client
            .delete(server.url(&format!("/api/v1/turns/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        let (status, _) = server.get_as(&client, &format!("/api/v1/turns/{id}")).await;
        assert_eq!(status, 404);
        let (status, body) = server
            .post_as(&client, "/api/v1/turns", &json!({"text": "x".repeat(4001)}))
            .await;
        assert_eq!(
            (status, &body["error"]["details"]["field"]),
            (422, &json!("text"))
        );
    }
}

#[tokio::test]
async fn plans_limit_daily_turns_and_messages_and_gate_lens_and_spectrum() {
    for backend in backends() {
        let server = start(backend, &[]).await;
        let (client, _) = member(&server, "free").await;
        let day = |d: &str| format!("2026-03-{d}T12:00:00Z");
        let turn = |text: &'static str, at: String| {
            let client = client.clone();
            let url = server.url("/api/v1/turns");
            async move {
                let r = client
                    .post(url)
                    .header("x-tessera-now", at)
                    .json(&json!({"text": text}))
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                let retry = r
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().to_owned());
                (status, retry, r.json::<Value>().await.unwrap())
            }
        };
        for _ in 0..3 {
            let (status, _, body) = turn("I always fail", day("10")).await;
            assert_eq!(status, 200, "{backend:?}: {body}");
        }
        let (status, retry, body) = turn("I always fail", day("10")).await;
        assert_eq!(status, 429, "{body}");
        assert_eq!(body["error"]["code"], "DAILY_LIMIT_REACHED");
        assert_eq!(body["error"]["details"]["limit"], "turns_per_day");
        assert_eq!(body["error"]["details"]["allowed"], 3);
        // Noon UTC: twelve hours to the user's (UTC) midnight.
        assert_eq!(retry.as_deref(), Some("43200"));
        // Someone in crisis is never answered with a 429.
        let (status, _, body) = turn(CRISIS, day("10")).await;
        assert_eq!(status, 200, "{body}");
        assert!(helpline(body["crisis"]["message"].as_str().unwrap()));
        // The next local day, the allowance is back.
        let (status, _, body) = turn("I always fail", day("11")).await;
        assert_eq!(status, 200, "{body}");

        for path in [
            "/api/v1/lens/goals",
            "/api/v1/spectrum/weekly",
            "/api/v1/lens/affirmation/today",
        ] {
            let (status, body) = server.get_as(&client, path).await;
            assert_eq!(status, 402, "{path}: {body}");
            assert_eq!(body["error"]["code"], "PLAN_REQUIRED");
            assert_eq!(body["error"]["details"]["required_plan"], "prism", "{body}");
        }
        let (status, body) = server
            .post_as(
                &client,
                "/api/v1/lens/goals",
                &json!({"title": "Sleep better"}),
            )
            .await;
        assert_eq!(
            (status, &body["error"]["details"]["limit"]),
            (402, &json!("lens"))
        );

        let (status, ent) = server.get_as(&client, "/api/v1/billing/entitlements").await;
        assert_eq!(status, 200, "{ent}");
        assert_eq!(ent["plan"], "free");
        assert_eq!(ent["limits"]["turns_per_day"], 3);

        // Prism opens Lens and the weekly Spectrum; the monthly one needs Prism+.
        let (prism, _) = member(&server, "prism").await;
        let (status, _) = server.get_as(&prism, "/api/v1/spectrum/weekly").await;
        assert_eq!(status, 200);
        let (status, body) = server.get_as(&prism, "/api/v1/spectrum/monthly").await;
        assert_eq!(
            (status, &body["error"]["details"]["required_plan"]),
            (402, &json!("prism_plus"))
        );
    }
}

/// Reading a list is a general request, though its path is an AI route's: a member over
/// the AI rate limit still reads their Turns, sessions and goals.
#[tokio::test]
async fn lists_on_the_paths_of_ai_routes_are_general_requests() {
    let server = start(Backend::Embedded, &["--rate-limit-ai", "2"]).await;
    let (client, _) = member(&server, "prism").await;
    for _ in 0..2 {
        let (status, body) = server
            .post_as(&client, "/api/v1/turns", &json!({"text": "I always fail"}))
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = server
        .post_as(&client, "/api/v1/turns", &json!({"text": "I always fail"}))
        .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "RATE_LIMITED", "{body}");
    assert_eq!(body["error"]["details"]["limit_per_minute"], 2, "{body}");
    for path in [
        "/api/v1/turns",
        "/api/v1/mirror/sessions",
        "/api/v1/lens/goals",
    ] {
        let (status, body) = server.get_as(&client, path).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (_, turns) = server.get_as(&client, "/api/v1/turns").await;
    assert_eq!(turns["total"], 2, "{turns}");
}

#[tokio::test]
async fn lens_suggests_actions_completes_them_and_keeps_one_affirmation_a_day() {
    for backend in backends() {
        let server = start(backend, &[]).await;
        let (client, _) = member(&server, "prism").await;
        let (status, answer) = server
            .post_as(
                &client,
                "/api/v1/lens/goals",
                &json!({"title": "Sleep better", "why": "More energy for my kids", "target_date": "2027-02-01"}),
            )
            .await;
        assert_eq!(status, 201, "{backend:?}: {answer}");
        let goal = &answer["goal"];
        assert_eq!(
            (&goal["title"], &goal["why"]),
            (&json!("Sleep better"), &json!("More energy for my kids"))
        );
        let actions = goal["actions"].as_array().unwrap();
        assert_eq!(actions.len(), 3, "{answer}");
        for a in actions {
            let minutes = a["minutes"].as_i64().unwrap();
            assert!(
                (1..=120).contains(&minutes) && a["source"] == "coach",
                "{a}"
            );
        }
        let gid = goal["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/lens/goals/{gid}/actions");
        let (status, own) = server
            .post_as(
                &client,
                &path,
                &json!({"title": "Phone out of the bedroom", "minutes": 2}),
            )
            .await;
        assert_eq!(status, 200, "{own}");
        let (status, more) = server.post_as(&client, &path, &json!({"suggest": 2})).await;
        assert_eq!(status, 200, "{more}");
        let titles: Vec<String> = more["goal"]["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_lowercase())
            .collect();
        assert_eq!(titles.len(), 6, "{more}");
        let mut unique = titles.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 6, "suggestions repeat none: {titles:?}");
        let aid = more["goal"]["actions"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (status, done) = server
            .post_as(
                &client,
                &format!("/api/v1/lens/actions/{aid}/complete"),
                &json!({}),
            )
            .await;
        assert_eq!((status, &done["status"]), (200, &json!("done")), "{done}");

        // One affirmation per local day, stable.
        let get = |at: &'static str| {
            let client = client.clone();
            let url = server.url("/api/v1/lens/affirmation/today");
            async move {
                client
                    .get(url)
                    .header("x-tessera-now", at)
                    .send()
                    .await
                    .unwrap()
                    .json::<Value>()
                    .await
                    .unwrap()
            }
        };
        let first = get("2026-03-10T08:00:00Z").await;
        assert!(!first["text"].as_str().unwrap().is_empty(), "{first}");
        assert_eq!(first["local_date"], "2026-03-10");
        assert_eq!(get("2026-03-10T21:00:00Z").await, first);
        assert_eq!(
            get("2026-03-11T08:00:00Z").await["local_date"],
            "2026-03-11"
        );

        // A crisis in a goal is answered by the gate, nothing stored.
        let (status, crisis) = server
            .post_as(&client, "/api/v1/lens/goals", &json!({"title": CRISIS}))
            .await;
        assert_eq!((status, &crisis["goal"]), (200, &Value::Null), "{crisis}");
        assert!(helpline(crisis["crisis"]["message"].as_str().unwrap()));
        let (_, goals) = server.get_as(&client, "/api/v1/lens/goals").await;
        assert_eq!(goals.as_array().unwrap().len(), 1);

        let db = db(&server).await;
        for table in ["lens_goals", "lens_actions", "lens_affirmations"] {
            for value in raw_texts(&db, table).await {
                assert!(
                    !value.contains("Sleep better") && !value.contains("bedroom"),
                    "{table}: {value}"
                );
            }
        }
        let (status, body) = server
            .post_as(
                &client,
                "/api/v1/lens/goals",
                &json!({"title": "x", "target_date": "soon"}),
            )
            .await;
        assert_eq!(
            (status, &body["error"]["details"]["field"]),
            (422, &json!("target_date"))
        );
    }
}

/// Runs the week of 2026-03-09 over HTTP and waits for it to finish; its progress.
async fn run_week(server: &Server) -> Value {
    let (status, started) = server
        .post(
            "/api/v1/admin/spectrum/run",
            &json!({"period": "week", "date": "2026-03-09"}),
        )
        .await;
    assert_eq!(status, 202, "{started}");
    assert_eq!(started["period"], "week:2026-03-09");
    crate::support::eventually(
        "the Spectrum run to finish",
        std::time::Duration::from_secs(60),
        async || {
            let (_, run) = server
                .get("/api/v1/admin/spectrum/runs/week:2026-03-09")
                .await;
            if run["status"] == "done" {
                Ok(run)
            } else {
                Err(run)
            }
        },
    )
    .await
}

#[tokio::test]
async fn spectrum_counts_the_week_runs_insights_honours_exclusions_and_resets() {
    for backend in backends() {
        let server = start(backend, &[]).await;
        let (client, _) = member(&server, "prism_plus").await;
        let monday = "2026-03-09T10:00:00Z";
        let post = |path: &'static str, body: Value| {
            let client = client.clone();
            let url = server.url(path);
            async move {
                client
                    .post(url)
                    .header("x-tessera-now", monday)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .json::<Value>()
                    .await
                    .unwrap()
            }
        };
        let session = post("/api/v1/mirror/sessions", json!({})).await;
        let sid = session["id"].as_str().unwrap().to_owned();
        post(
            "/api/v1/mirror/messages",
            json!({"session_id": sid, "text": DISTORTED}),
        )
        .await;
        let turn = post("/api/v1/turns", json!({"text": "I always mess things up"})).await;
        let tid = turn["turn"]["id"].as_str().unwrap().to_owned();

        let week = client
            .get(server.url("/api/v1/spectrum/weekly"))
            .header("x-tessera-now", "2026-03-12T10:00:00Z")
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        let current = &week["current"];
        assert_eq!(current["start"], "2026-03-09", "{week}");
        assert_eq!(
            (&current["mirror_messages"], &current["turns"]),
            (&json!(1), &json!(1)),
            "{week}"
        );
        assert!(
            !current["distortions"].as_array().unwrap().is_empty(),
            "{week}"
        );

        // The run writes the week with the analyst's insights. Its model request holds
        // counts only: the rules screen it, the meaning stage embeds nothing.
        let (embedded, screens) = (
            server.meaning_embeddings().await,
            server.plugin_calls("safety-filter", "screen").await,
        );
        assert!(
            embedded > 0,
            "the Turn and the message were judged by meaning"
        );
        let run = run_week(&server).await;
        assert_eq!(run["users_done"], 1, "{run}");
        assert_eq!(server.meaning_embeddings().await, embedded);
        assert!(server.plugin_calls("safety-filter", "screen").await > screens);
        let (_, week) = server.get_as(&client, "/api/v1/spectrum/weekly").await;
        let stored = &week["periods"][0];
        assert_eq!(stored["aggregates"]["start"], "2026-03-09", "{week}");
        let insights = stored["insights"].as_array().unwrap();
        assert!((1..=5).contains(&insights.len()), "{week}");
        // Seed 001 §9.3: the member is told their Spectrum is updated.
        let (_, told) = server.get_as(&client, "/api/v1/notifications").await;
        let updated = &told["notifications"][0];
        assert_eq!(
            (&updated["kind"], &updated["data"]["period"]),
            (&json!("spectrum_updated"), &json!("2026-03-09")),
            "{told}"
        );

        // Excluded items are left out: the computed week is written again without them
        // (nothing left: gone), and the next run finds no one.
        let response = client
            .post(server.url("/api/v1/spectrum/exclusions"))
            .json(&json!({"session_ids": [sid], "turn_ids": [tid]}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        let (_, week) = server.get_as(&client, "/api/v1/spectrum/weekly").await;
        assert_eq!(week["periods"], json!([]), "{week}");
        let run = run_week(&server).await;
        assert_eq!(run["users_done"], 0, "{run}");
        let (status, body) = server
            .post_as(
                &client,
                "/api/v1/spectrum/exclusions",
                &json!({"turn_ids": ["turn_nope"]}),
            )
            .await;
        assert_eq!(
            (status, &body["error"]["details"]["field"]),
            (404, &json!("turn_ids"))
        );

        // Reset: every computed period goes (run again first: a new message counts).
        let session2 = post("/api/v1/mirror/sessions", json!({})).await;
        post(
            "/api/v1/mirror/messages",
            json!({"session_id": session2["id"], "text": DISTORTED}),
        )
        .await;
        let run = run_week(&server).await;
        assert_eq!(run["users_done"], 1, "{run}");
        let (_, week) = server.get_as(&client, "/api/v1/spectrum/weekly").await;
        assert_eq!(week["periods"].as_array().unwrap().len(), 1, "{week}");
        let response = client
            .post(server.url("/api/v1/spectrum/reset"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        let (_, week) = server.get_as(&client, "/api/v1/spectrum/weekly").await;
        assert_eq!(week["periods"], json!([]), "{week}");
        let db = db(&server).await;
        assert!(raw_texts(&db, "spectrum_weekly").await.is_empty());
    }
}

/// The run pages through the week's active users in id order from its cursor: users active
/// in any one source (a session, a Turn, a completed Lens action) each come once, and
/// excluded, empty and other weeks' activity is passed over.
#[tokio::test]
async fn spectrum_pages_every_active_user_once_in_id_order() {
    for backend in backends() {
        let server = start(backend, &[]).await;
        let db = db(&server).await;
        let statements = [
            // Sessions: two of one user, one empty, one excluded, one another week.
            "INSERT INTO spectrum_session_analysis VALUES \
             ('s1', 'p01', '2026-03-09', 2, '{}', 0, 0, 0), \
             ('s2', 'p01', '2026-03-10', 1, '{}', 0, 0, 0), \
             ('s3', 'p04', '2026-03-11', 3, '{}', 0, 0, 0), \
             ('s4', 'p02', '2026-03-11', 0, '{}', 0, 0, 0), \
             ('s5', 'p03', '2026-03-12', 2, '{}', 0, 1, 0), \
             ('s6', 'p07', '2026-03-16', 2, '{}', 0, 0, 0)",
            "INSERT INTO spectrum_turn_analysis VALUES \
             ('t1', 'p04', '2026-03-09', '[]', 0, 0, 0), \
             ('t2', 'p05', '2026-03-15', '[]', 1, 0, 0), \
             ('t3', 'p06', '2026-03-13', '[]', 0, 1, 0)",
            "INSERT INTO lens_actions VALUES \
             ('a1', 'g1', 'p06', 'k', 'x', 5, 'user', 'done', 0, '2026-03-14', 0), \
             ('a2', 'g1', 'p08', 'k', 'x', 5, 'user', 'open', NULL, NULL, 0), \
             ('a3', 'g1', 'p09', 'k', 'x', 5, 'user', 'done', 0, '2026-03-10', 0)",
        ];
        for statement in statements {
            sqlx::query(statement).execute(db.pool()).await.unwrap();
        }
        let (mut seen, mut cursor) = (Vec::new(), String::new());
        loop {
            let page = db
                .spectrum_users("2026-03-09", "2026-03-15", &cursor, 2)
                .await
                .unwrap();
            assert!(page.len() <= 2, "{backend:?}: {page:?}");
            let Some(last) = page.last().cloned() else {
                break;
            };
            seen.extend(page);
            cursor = last;
        }
        assert_eq!(
            seen,
            ["p01", "p04", "p05", "p06", "p09"],
            "{backend:?}: p02 (empty), p03 (excluded), p07 (next week), p08 (open) left out"
        );
    }
}

/// A model that answers fragments whose quotes are not in the message: they are dropped,
/// and the one that quotes it exactly is kept, found by the model.
#[tokio::test]
async fn a_models_fragments_that_do_not_quote_the_text_are_dropped() {
    let reply = json!({"fragments": [
        {"text": "this sentence is not in the message", "kind": "labelling", "confidence": 0.95},
        {"text": "it went sideways", "kind": "catastrophising", "confidence": 0.9},
    ]});
    let upstream = Upstream::start(Behaviour::Say(reply.to_string())).await;
    let gateway = gateway_with(
        &[provider("a", Wire::OpenAi, upstream.port, &["gpt-a"])],
        &[("routes", json!({"default": ["gpt-a"]}))],
    );
    let mut dirs = vec![gateway.path().to_owned()];
    for dir in std::fs::read_dir(plugins_dir()).unwrap() {
        let dir = dir.unwrap().path();
        if dir.file_name().is_some_and(|n| n != "ai-gateway") && dir.join("plugin.toml").is_file() {
            dirs.push(dir);
        }
    }
    let server = Server::start_with(&dirs, &[]).await;
    let (client, _) = member(&server, "prism").await;
    let (_, session) = server
        .post_as(&client, "/api/v1/mirror/sessions", &json!({}))
        .await;
    let text = "We talked about the budget. Honestly, it went sideways.";
    let (status, answer) = server
        .post_as(
            &client,
            "/api/v1/mirror/messages",
            &json!({"session_id": session["id"], "text": text}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let fragments = answer["message"]["fragments"].as_array().unwrap();
    let by_model: Vec<&Value> = fragments
        .iter()
        .filter(|f| f["found_by"] == "model")
        .collect();
    assert_eq!(by_model.len(), 1, "{answer}");
    assert_eq!(by_model[0]["text"], "it went sideways");
    assert_eq!(
        chars(text, &by_model[0]["start"], &by_model[0]["end"]),
        "it went sideways"
    );
    assert!(
        fragments
            .iter()
            .all(|f| f["text"] != "this sentence is not in the message")
    );
    assert!(upstream.hits() >= 1, "the detector asked the model");
}

#[tokio::test]
async fn export_opens_everything_and_account_deletion_removes_it() {
    for backend in backends() {
        let server = start(backend, &[]).await;
        let account = server.register("student").await;
        let client = client_with_token(account["access_token"].as_str().unwrap());
        let (_, session) = server
            .post_as(&client, "/api/v1/mirror/sessions", &json!({}))
            .await;
        server
            .post_as(
                &client,
                "/api/v1/mirror/messages",
                &json!({"session_id": session["id"], "text": DISTORTED}),
            )
            .await;
        server
            .post_as(
                &client,
                "/api/v1/turns",
                &json!({"text": "I never get anything right"}),
            )
            .await;
        let (status, export) = server.get_as(&client, "/api/v1/me/export").await;
        assert_eq!(status, 200, "{backend:?}: {export}");
        let kalei = &export["kalei"];
        assert_eq!(
            kalei["mirror"][0]["session"]["messages"][0]["text"], DISTORTED,
            "{kalei}"
        );
        assert_eq!(kalei["turns"][0]["text"], "I never get anything right");
        assert_eq!(server.delete_me(&client).await, 204);
        let db = db(&server).await;
        for table in [
            "mirror_sessions",
            "mirror_messages",
            "mirror_fragments",
            "turns",
            "spectrum_session_analysis",
            "spectrum_turn_analysis",
        ] {
            assert!(
                raw_texts(&db, table).await.is_empty(),
                "{backend:?}: {table}"
            );
        }
    }
}

/// Key rotation: values sealed under an old key are re-sealed under the new one by
/// `tessera keys rotate`, after which a server holding only the new key reads everything;
/// a server missing the key a value was sealed with cannot open it (and says so, 500).
#[tokio::test]
async fn keys_rotate_reseals_every_value_under_the_new_key() {
    let old = format!("old:{}", "11".repeat(32));
    let new = format!("new:{}", "22".repeat(32));
    for backend in backends() {
        let server = start(backend, &["--column-keys", &old]).await;
        let (client, user_id) = member(&server, "prism").await;
        let (_, answer) = server
            .post_as(
                &client,
                "/api/v1/turns",
                &json!({"text": "I never get anything right"}),
            )
            .await;
        let id = answer["turn"]["id"].as_str().unwrap().to_owned();
        server
            .post_as(
                &client,
                "/api/v1/lens/goals",
                &json!({"title": "Run a 5k", "why": "To feel strong"}),
            )
            .await;
        let db = db(&server).await;
        let keys = |table: &'static str, column: &'static str| {
            let db = db.clone();
            async move {
                use sqlx::Row;
                sqlx::query(&format!(
                    "SELECT {column} AS k FROM {table} WHERE {column} IS NOT NULL"
                ))
                .fetch_all(db.pool())
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>("k"))
                .collect::<Vec<_>>()
            }
        };
        assert_eq!(keys("turns", "input_key").await, ["old"]);

        let mut args = vec![
            "keys".to_owned(),
            "rotate".to_owned(),
            "--column-keys".to_owned(),
            format!("{new},{old}"),
        ];
        args.extend(["--database-url".to_owned(), server.database_url.clone()]);
        args.extend([
            "--data-dir".to_owned(),
            std::env::temp_dir()
                .join(crate::support::unique("keys"))
                .display()
                .to_string(),
        ]);
        let dry: Vec<String> = args
            .iter()
            .cloned()
            .chain(["--dry-run".to_owned()])
            .collect();
        let (ok, out, err) = crate::support::tessera(&dry);
        assert!(ok, "{out}{err}");
        // A Turn (input and result), a goal (title and why), its three actions.
        assert!(
            out.starts_with("7 value(s) sealed with an older key"),
            "{backend:?}: {out}"
        );
        assert_eq!(
            keys("turns", "input_key").await,
            ["old"],
            "a dry run changes nothing"
        );
        let (ok, out, err) = crate::support::tessera(&args);
        assert!(ok, "{out}{err}");
        assert!(out.contains("0 value(s) left under an older key"), "{out}");
        for (table, column) in [
            ("turns", "input_key"),
            ("turns", "result_key"),
            ("lens_goals", "title_key"),
            ("lens_goals", "why_key"),
            ("lens_actions", "title_key"),
        ] {
            let found = keys(table, column).await;
            assert!(
                !found.is_empty() && found.iter().all(|k| k == "new"),
                "{table}.{column}: {found:?}"
            );
        }
        let email = db.user_by_id(&user_id).await.unwrap().unwrap().email;
        // Stopped, not dropped: dropping would drop its Postgres database.
        let mut first = server;
        first.terminate();
        first.wait_exit();
        // Only the new key now: everything still opens.
        let server = Server::start_at(
            &first.database_url,
            first.redis_url.as_deref(),
            &[plugins_dir()],
            &["--column-keys", &new],
        )
        .await;
        let client = client_with_token(&server.login(&email).await);
        let (status, turn) = server.get_as(&client, &format!("/api/v1/turns/{id}")).await;
        assert_eq!(
            (status, &turn["text"]),
            (200, &json!("I never get anything right")),
            "{turn}"
        );
    }
}
