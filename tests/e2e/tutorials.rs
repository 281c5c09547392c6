//! Seed 004 over HTTP (docs/experiments.md), with the shipped experiment assigner: a new
//! learner's whole tutorial flow on both databases; assignment stable across replicas and
//! restarts; weights respected over 10 000 simulated users; results (funnel, p-value,
//! sample-ratio mismatch) on fixtures whose answers are known; anonymous visitors, ETags,
//! the v2 route behind its flag, GrowthBook's features payload; bad input named; personas
//! clustered from synthetic learners whose groups are known.

use std::collections::HashMap;

use serde_json::{Value, json};
use tessera::store::Db;

use crate::support::{Backend, Server, backends, client_with_token, plugins_dir, tessera, unique};

fn field(body: &Value) -> &Value {
    &body["error"]["details"]["field"]
}

async fn learner(server: &Server) -> (reqwest::Client, String) {
    let account = server.register("student").await;
    (
        client_with_token(account["access_token"].as_str().unwrap()),
        account["user_id"].as_str().unwrap().to_owned(),
    )
}

/// `welcome-tour`: intro, dashboard, and a web-only install step.
async fn put_tutorial(server: &Server, id: &str) {
    let r = server
        .http
        .put(server.url(&format!("/api/v1/admin/tutorials/{id}")))
        .json(&json!({"title": "Welcome tour", "steps": [
            {"id": "intro", "title": "Welcome", "cta": "Next"},
            {"id": "dashboard", "title": "Dash Overview", "cta": "Try it"},
            {"id": "install", "title": "Get the app", "cta": "Install", "devices": ["web"]},
            {"id": "power", "title": "Shortcuts", "cta": "Show me", "personas": ["ai-power"]}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

/// A running experiment on `tutorial` with two variants of these weights.
async fn run_experiment(server: &Server, tutorial: &str, id: &str, body: Value) {
    let mut spec = json!({"id": id, "tutorialId": tutorial});
    for (k, v) in body.as_object().unwrap() {
        spec[k] = v.clone();
    }
    let (status, created) = server.post("/api/v1/admin/experiments", &spec).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "draft");
    let (status, running) = server
        .patch_as(
            &server.http,
            &format!("/api/v1/admin/experiments/{id}"),
            &json!({"status": "running"}),
        )
        .await;
    assert_eq!(status, 200, "{running}");
    assert_eq!(running["status"], "running");
}

fn two_variants(prefix: &str, weights: [u32; 2]) -> Value {
    json!({"variants": [
        {"id": format!("{prefix}_control"), "weight": weights[0]},
        {"id": format!("{prefix}_short"), "weight": weights[1],
         "steps": [{"id": "intro", "title": "Hi!", "cta": "Go"},
                   {"id": "finish", "title": "Done", "cta": "Start learning"}]}]})
}

async fn config(
    server: &Server,
    client: &reqwest::Client,
    tutorial: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request =
        client.get(server.url(&format!("/api/tutorial/config?tutorialId={tutorial}")));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.json().await.unwrap_or(Value::Null))
}

fn step_ids(config: &Value) -> Vec<&str> {
    config["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_new_learner_goes_through_a_tutorial_experiment_on_both_databases() {
    for backend in backends() {
        let server = Server::start_on(backend, &[plugins_dir()], &[]).await;
        put_tutorial(&server, "welcome-tour").await;
        let (client, user_id) = learner(&server).await;

        // Before the experiment runs: the tutorial's own steps, variant `default`.
        let (status, _, before) = config(&server, &client, "welcome-tour", &[]).await;
        assert_eq!(status, 200, "{before}");
        assert_eq!(before["variant"], "default");
        assert_eq!(
            step_ids(&before),
            ["intro", "dashboard", "install", "power"]
        );

        run_experiment(
            &server,
            "welcome-tour",
            "welcome-v1",
            two_variants("v1", [50, 50]),
        )
        .await;
        let (status, headers, served) = config(&server, &client, "welcome-tour", &[]).await;
        assert_eq!(status, 200, "{served}");
        let variant = served["variant"].as_str().unwrap().to_owned();
        assert!(
            ["v1_control", "v1_short"].contains(&variant.as_str()),
            "{served}"
        );
        assert_eq!(served["tutorialId"], "welcome-tour");
        assert_eq!(served["persona"], "newbie");
        assert!(served.get("engine").is_none(), "{served}");
        let expires =
            chrono::DateTime::parse_from_rfc3339(served["expires"].as_str().unwrap()).unwrap();
        let ahead = expires.timestamp() - chrono::Utc::now().timestamp();
        assert!((290..=301).contains(&ahead), "expires in {ahead} s");
        assert_eq!(headers["cache-control"], "private, max-age=300");
        let etag = headers["etag"].to_str().unwrap().to_owned();

        // The same config again: the same variant; with its ETag, 304 and no body.
        let (status, headers, _) = config(
            &server,
            &client,
            "welcome-tour",
            &[("if-none-match", &etag)],
        )
        .await;
        assert_eq!(status, 304);
        assert_eq!(headers["etag"].to_str().unwrap(), etag);
        let (_, _, again) = config(&server, &client, "welcome-tour", &[]).await;
        assert_eq!(again["variant"], variant.as_str());
        // iOS: the web-only step is gone; the control's body differs from the web's, and
        // so does its ETag (the short variant has no web-only step: the same body, the
        // same ETag).
        let (_, headers, ios) = config(
            &server,
            &client,
            "welcome-tour",
            &[("x-kazi-device", "ios")],
        )
        .await;
        assert!(!step_ids(&ios).contains(&"install"), "{ios}");
        assert_eq!(
            headers["etag"].to_str().unwrap() == etag,
            variant == "v1_short",
            "{ios}"
        );
        // The v1 engine ignores persona-specific steps.
        if variant == "v1_control" {
            assert!(step_ids(&served).contains(&"power"), "{served}");
        } else {
            assert_eq!(step_ids(&served), ["intro", "finish"]);
        }

        // Step pings; an offline replay of the same event id is stored once.
        let first = step_ids(&served)[0].to_owned();
        for (status, t, event) in [
            ("started", 0, "evt-0000-start"),
            ("completed", 5300, "evt-0000-done"),
        ] {
            for _ in 0..2 {
                let r = client
                    .post(server.url("/api/tutorial/step"))
                    .header("x-kazi-device", "web")
                    .json(
                        &json!({"tutorialId": "welcome-tour", "stepId": first, "status": status,
                                  "t": t, "eventId": event,
                                  "clientTime": chrono::Utc::now().timestamp_millis() - 60_000}),
                    )
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 204, "{}", r.text().await.unwrap());
            }
        }
        let db = Db::connect(&server.database_url, 2).await.unwrap();
        let stored: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM tutorial_step_events WHERE user_id = $1")
                .bind(&user_id)
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert_eq!(stored, 2, "each ping once");

        // Published on tutorial.events and counted in Prometheus.
        let metrics = server.text(&server.anonymous, "/metrics").await;
        let line = format!(
            "tutorial_step_events_total{{status=\"completed\",step=\"{first}\",tutorial=\"welcome-tour\",variant=\"{variant}\"}} 1"
        );
        assert!(
            metrics.contains(&line),
            "no `{line}` in\n{}",
            metrics
                .lines()
                .filter(|l| l.contains("tutorial_step"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        crate::support::eventually(
            "the step events on the bus",
            std::time::Duration::from_secs(20),
            async || {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM events WHERE topic = 'tutorial.events' AND user_id = $1",
                )
                .bind(&user_id)
                .fetch_one(db.pool())
                .await
                .map_err(|e| e.to_string())?;
                if n == 2 {
                    Ok(())
                } else {
                    Err(format!("{n} events"))
                }
            },
        )
        .await;

        // The survey: sealed at rest; a second within 30 days is refused with Retry-After.
        let (status, receipt) = server
            .post_as(&client, "/api/tutorial/survey",
                &json!({"tutorialId": "welcome-tour", "nps": 9, "comment": "Loved the short tour", "persona": "newbie"}))
            .await;
        assert_eq!(status, 201, "{receipt}");
        assert_eq!(receipt["persona"], "newbie");
        let sealed: Option<String> =
            sqlx::query_scalar("SELECT comment_sealed FROM tutorial_surveys WHERE user_id = $1")
                .bind(&user_id)
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert!(
            !sealed.unwrap().contains("Loved"),
            "the comment is stored sealed"
        );
        let r = client
            .post(server.url("/api/tutorial/survey"))
            .json(&json!({"tutorialId": "welcome-tour", "nps": 3}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429);
        let retry: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            (29 * 86_400..=30 * 86_400).contains(&retry),
            "Retry-After {retry}"
        );
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "RATE_LIMIT_EXCEEDED", "{body}");

        // The analytics export has the score, not the learner or the comment.
        let (status, exported) = server
            .get("/api/v1/admin/tutorials/welcome-tour/surveys")
            .await;
        assert_eq!(status, 200, "{exported}");
        assert_eq!(exported[0]["nps"], 9);
        assert_eq!(exported[0]["variant"], variant.as_str());
        let text = exported.to_string();
        assert!(
            !text.contains("Loved") && !text.contains(&user_id),
            "{text}"
        );

        // The results see the learner in their variant.
        let (status, results) = server
            .get("/api/v1/admin/experiments/welcome-v1/results")
            .await;
        assert_eq!(status, 200, "{results}");
        let mine = results["variants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["variant"] == variant.as_str())
            .unwrap();
        assert_eq!(
            (&mine["assigned"], &mine["entered"]),
            (&json!(1), &json!(1)),
            "{results}"
        );
        assert_eq!(mine["steps"][0]["started"], 1);
        assert_eq!(mine["steps"][0]["completed"], 1);
        assert_eq!(mine["steps"][0]["medianDurationMs"], 5300.0);
        assert_eq!(mine["nps"]["responses"], 1);
        assert_eq!(mine["nps"]["score"], 100.0);

        // The learner's export holds it all, comment opened; deleting the account leaves
        // no row naming them.
        let (status, export) = server.get_as(&client, "/api/v1/me/export").await;
        assert_eq!(status, 200);
        let mine = &export["tutorials"];
        assert_eq!(
            mine["assignments"][0]["variant"],
            variant.as_str(),
            "{mine}"
        );
        assert_eq!(mine["stepEvents"].as_array().unwrap().len(), 2, "{mine}");
        assert_eq!(mine["surveys"][0]["comment"], "Loved the short tour");
        assert_eq!(server.delete_me(&client).await, 204);
        assert_eq!(db.rows_naming(&user_id).await.unwrap(), 0, "{backend:?}");
    }
}

#[tokio::test]
async fn a_learner_keeps_their_variant_across_replicas_restarts_and_the_internal_service() {
    for backend in backends() {
        let mut one = Server::start_on(backend, &[plugins_dir()], &[]).await;
        put_tutorial(&one, "tour").await;
        run_experiment(
            &one,
            "tour",
            &unique("exp"),
            two_variants(&unique("v"), [50, 50]),
        )
        .await;
        let mut two = one.replica(&[plugins_dir()], &[]).await;
        let service = crate::support::service_client(&one);
        let mut seen = HashMap::new();
        for i in 0..12 {
            let (client, id) = learner(&one).await;
            // Replica two assigns first for half of them: the hash decides, not who asks.
            let (first, second) = if i % 2 == 0 {
                (&one, &two)
            } else {
                (&two, &one)
            };
            let (_, _, a) = config(first, &client, "tour", &[]).await;
            let (_, _, b) = config(second, &client, "tour", &[]).await;
            assert_eq!(a["variant"], b["variant"], "{a} {b}");
            seen.insert(id, a["variant"].as_str().unwrap().to_owned());
        }
        let variants: std::collections::HashSet<_> = seen.values().collect();
        assert_eq!(
            variants.len(),
            2,
            "12 learners all in one variant: {seen:?}"
        );
        let (_, list) = one.get("/api/v1/admin/experiments").await;
        let exp_id = list[0]["id"].as_str().unwrap().to_owned();
        for (user, variant) in &seen {
            let (status, body) = two
                .post_as(
                    &service,
                    "/_internal/experiments/assign",
                    &json!({"userId": user, "experimentId": exp_id}),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["variant"], variant.as_str());
        }
        // A learner's token cannot reach the internal service.
        let (client, _) = learner(&one).await;
        let (status, _) = one
            .post_as(
                &client,
                "/_internal/experiments/assign",
                &json!({"userId": "x1234567", "experimentId": exp_id}),
            )
            .await;
        assert_eq!(status, 403);
        // After both stop: the stored variants still hold (the database outlives `one`'s
        // process until `one` is dropped).
        let database_url = one.database_url.clone();
        let redis = one.redis_url.clone();
        two.kill_9();
        one.kill_9();
        let again = Server::start_at(&database_url, redis.as_deref(), &[plugins_dir()], &[]).await;
        let service = crate::support::service_client(&again);
        for (user, variant) in &seen {
            let (_, body) = again
                .post_as(
                    &service,
                    "/_internal/experiments/assign",
                    &json!({"userId": user, "experimentId": exp_id}),
                )
                .await;
            assert_eq!(body["variant"], variant.as_str(), "{backend:?}");
        }
        let (status, persona) = again
            .get_as(
                &service,
                &format!("/_internal/persona/{}", seen.keys().next().unwrap()),
            )
            .await;
        assert_eq!((status, &persona["persona"]), (200, &json!("newbie")));
    }
}

#[tokio::test]
async fn weights_hold_over_10000_simulated_learners_and_coverage_leaves_units_out() {
    let server = Server::start(&[plugins_dir()]).await;
    put_tutorial(&server, "tour").await;
    put_tutorial(&server, "tour-gb").await;
    run_experiment(&server, "tour", "w-kazi", two_variants("wk", [20, 80])).await;
    run_experiment(
        &server,
        "tour-gb",
        "w-gb",
        json!({"algorithm": "growthbook-v2", "coverage": 0.5,
        "variants": [{"id": "wg_a", "weight": 50}, {"id": "wg_b", "weight": 50}]}),
    )
    .await;
    let service = crate::support::service_client(&server);
    let mut counts: HashMap<(String, String), u32> = HashMap::new();
    let units: Vec<String> = (0..10_000)
        .map(|i| format!("sim-{i:05}-{}", i * 7919 % 10_007))
        .collect();
    for experiment in ["w-kazi", "w-gb"] {
        for chunk in units.chunks(500) {
            let answers = futures::future::join_all(chunk.iter().map(|u| {
                let body = json!({"userId": u, "experimentId": experiment});
                let (server, service) = (&server, &service);
                async move {
                    server
                        .post_as(service, "/_internal/experiments/assign", &body)
                        .await
                }
            }))
            .await;
            for (status, body) in answers {
                assert_eq!(status, 200, "{body}");
                let variant = body["variant"].as_str().unwrap_or("out").to_owned();
                *counts.entry((experiment.to_owned(), variant)).or_default() += 1;
            }
        }
    }
    let n = |e: &str, v: &str| {
        counts
            .get(&(e.to_owned(), v.to_owned()))
            .copied()
            .unwrap_or(0)
    };
    // Binomial(10 000, 0.2): sd 40; four of them either side.
    assert!(
        (1840..=2160).contains(&n("w-kazi", "wk_control")),
        "{counts:?}"
    );
    assert_eq!(n("w-kazi", "wk_control") + n("w-kazi", "wk_short"), 10_000);
    // Coverage 0.5: half left out (sd 50), the rest split evenly (sd ~35).
    assert!((4800..=5200).contains(&n("w-gb", "out")), "{counts:?}");
    assert!((2360..=2640).contains(&n("w-gb", "wg_a")), "{counts:?}");
    // The split matches the weights: no sample-ratio mismatch.
    let (_, results) = server.get("/api/v1/admin/experiments/w-kazi/results").await;
    assert_eq!(results["sampleRatio"]["mismatch"], false, "{results}");
    assert_eq!(
        results["variants"][0]["assigned"],
        n("w-kazi", "wk_control")
    );
}

/// Writes a fixture straight into the tables: `assigned` units per variant and, per
/// variant, (learners who started, learners who completed) the one step `intro`.
async fn fixture(
    db: &Db,
    experiment: &str,
    variants: [&str; 2],
    assigned: [u32; 2],
    funnel: [(u32, u32); 2],
) {
    let mut tx = db.begin_write().await.unwrap();
    for (v, variant) in variants.iter().enumerate() {
        for i in 0..assigned[v] {
            let user = format!("{variant}-u{i}");
            sqlx::query("INSERT INTO tutorial_assignments (user_id, experiment_id, variant_id, assigned_at) VALUES ($1, $2, $3, 0)")
                .bind(&user).bind(experiment).bind(*variant)
                .execute(&mut *tx).await.unwrap();
            let (started, completed) = funnel[v];
            for (status, count) in [("started", started), ("completed", completed)] {
                if i < count {
                    sqlx::query("INSERT INTO tutorial_step_events (id, user_id, tutorial_id, step_id, variant_id, status, duration_ms, created_at) VALUES ($1, $2, 'fixture-tour', 'intro', $3, $4, $5, 0)")
                        .bind(format!("{user}-{status}")).bind(&user).bind(*variant).bind(status)
                        .bind(i64::from(1000 + i % 3 * 1000))
                        .execute(&mut *tx).await.unwrap();
                }
            }
        }
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn results_give_the_known_p_value_and_catch_a_sample_ratio_mismatch() {
    let server = Server::start(&[plugins_dir()]).await;
    let r = server
        .http
        .put(server.url("/api/v1/admin/tutorials/fixture-tour"))
        .json(
            &json!({"title": "Fixture", "steps": [{"id": "intro", "title": "Hi", "cta": "Next"}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let db = Db::connect(&server.database_url, 2).await.unwrap();
    for (experiment, assigned) in [("skewed", [5200, 4800]), ("balanced", [5030, 4970])] {
        let (status, body) = server
            .post("/api/v1/admin/experiments", &json!({"id": experiment, "tutorialId": "fixture-tour",
                "variants": [{"id": format!("{experiment}_a"), "weight": 50}, {"id": format!("{experiment}_b"), "weight": 50}]}))
            .await;
        assert_eq!(status, 201, "{body}");
        fixture(
            &db,
            experiment,
            [&format!("{experiment}_a"), &format!("{experiment}_b")],
            assigned,
            [(1000, 600), (1000, 660)],
        )
        .await;
    }
    let (status, skewed) = server.get("/api/v1/admin/experiments/skewed/results").await;
    assert_eq!(status, 200, "{skewed}");
    // scipy: chisquare([5200, 4800], [5000, 5000]) = (16.0, 6.334248366623988e-05)
    let srm = &skewed["sampleRatio"];
    assert_eq!(srm["mismatch"], true, "{srm}");
    assert!(
        (srm["chiSquare"].as_f64().unwrap() - 16.0).abs() < 1e-9,
        "{srm}"
    );
    assert!(
        (srm["pValue"].as_f64().unwrap() - 6.334248366623988e-05).abs() < 1e-12,
        "{srm}"
    );
    // 600/1000 against 660/1000, pooled two-proportion z-test:
    // z = 2.7788500718836446, p = 2 * norm.sf(z) = 0.005455169723464412 (scipy).
    let test = &skewed["significance"];
    assert_eq!(test["test"], "two-proportion z-test", "{test}");
    assert!(
        (test["statistic"].as_f64().unwrap() - 2.7788500718836446).abs() < 1e-9,
        "{test}"
    );
    assert!(
        (test["pValue"].as_f64().unwrap() - 0.005455169723464412).abs() < 1e-9,
        "{test}"
    );
    assert_eq!(test["significant"], true);
    let a = &skewed["variants"][0];
    assert_eq!(
        (&a["entered"], &a["finished"]),
        (&json!(1000), &json!(600)),
        "{a}"
    );
    assert_eq!(a["completionRate"], 0.6);
    // Durations 1000, 2000, 3000 in turn over 600 completions: the median is 2000.
    assert_eq!(a["steps"][0]["medianDurationMs"], 2000.0, "{a}");
    // chisquare([5030, 4970], [5000, 5000]): p = 0.5485: no mismatch.
    let (_, balanced) = server
        .get("/api/v1/admin/experiments/balanced/results")
        .await;
    assert_eq!(balanced["sampleRatio"]["mismatch"], false, "{balanced}");
}

#[tokio::test]
async fn anonymous_visitors_bad_input_the_v2_flag_and_the_growthbook_payload() {
    let server = Server::start(&[plugins_dir()]).await;
    put_tutorial(&server, "welcome-tour").await;
    run_experiment(
        &server,
        "welcome-tour",
        "anon-v1",
        two_variants("an", [50, 50]),
    )
    .await;

    // An anonymous visitor is given an id, as a header and a cookie, and keeps it.
    let (status, headers, first) = config(&server, &server.anonymous, "welcome-tour", &[]).await;
    assert_eq!(status, 200, "{first}");
    let id = headers["x-kazi-anonymous-id"].to_str().unwrap().to_owned();
    let cookie = headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with(&format!("kazi_anon={id};")), "{cookie}");
    let cookie_pair = format!("kazi_anon={id}");
    for (name, value) in [
        ("x-kazi-anonymous-id", id.as_str()),
        ("cookie", cookie_pair.as_str()),
    ] {
        let (status, headers, again) =
            config(&server, &server.anonymous, "welcome-tour", &[(name, value)]).await;
        assert_eq!(status, 200);
        assert!(headers.get("x-kazi-anonymous-id").is_none(), "no second id");
        assert_eq!(again["variant"], first["variant"]);
    }
    let r = server
        .anonymous
        .post(server.url("/api/tutorial/step"))
        .header("x-kazi-anonymous-id", &id)
        .json(
            &json!({"tutorialId": "welcome-tour", "stepId": "intro", "status": "started", "t": 0}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);

    // Bad input, each named.
    let (client, _) = learner(&server).await;
    // (path, request headers, status, the field the error names)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], u16, &'a str);
    let cases: [Case; 5] = [
        (
            "/api/tutorial/config?tutorialId=welcome-tour",
            &[("x-kazi-device", "tv")],
            422,
            "x-kazi-device",
        ),
        ("/api/tutorial/config", &[], 422, "tutorialId"),
        (
            "/api/tutorial/config?tutorialId=no-such-tour",
            &[],
            404,
            "tutorialId",
        ),
        (
            "/api/tutorial/config?tutorialId=bad%20id",
            &[],
            422,
            "tutorialId",
        ),
        (
            "/api/tutorial/config?tutorialId=welcome-tour",
            &[("x-kazi-anonymous-id", "short")],
            422,
            "x-kazi-anonymous-id",
        ),
    ];
    for (path, headers, expected, name) in cases {
        let client = if name == "x-kazi-anonymous-id" {
            &server.anonymous
        } else {
            &client
        };
        let mut request = client.get(server.url(path));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status().as_u16(), expected, "{path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(field(&body), name, "{path}: {body}");
    }
    for (body, name) in [
        (
            json!({"tutorialId": "welcome-tour", "stepId": "intro", "status": "started", "t": -1}),
            "t",
        ),
        (
            json!({"tutorialId": "welcome-tour", "stepId": "intro", "status": "started", "t": 0, "eventId": "x"}),
            "eventId",
        ),
        (
            json!({"tutorialId": "gone", "stepId": "intro", "status": "started", "t": 0}),
            "tutorialId",
        ),
        (
            json!({"tutorialId": "welcome-tour", "stepId": "intro", "status": "started", "t": 0, "clientTime": 1}),
            "clientTime",
        ),
    ] {
        let (status, answer) = server.post_as(&client, "/api/tutorial/step", &body).await;
        assert_eq!((status, field(&answer)), (422, &json!(name)), "{answer}");
    }
    let (status, answer) = server
        .post_as(
            &client,
            "/api/tutorial/survey",
            &json!({"tutorialId": "welcome-tour", "nps": 11}),
        )
        .await;
    assert_eq!((status, field(&answer)), (422, &json!("nps")), "{answer}");
    let (status, _) = server
        .post_as(
            &server.anonymous,
            "/api/tutorial/step",
            &json!({"tutorialId": "welcome-tour", "stepId": "intro", "status": "started", "t": 0}),
        )
        .await;
    assert_eq!(status, 401, "a ping needs a token or an anonymous id");
    let (status, answer) = server
        .post(
            "/api/v1/admin/experiments",
            &json!({"id": "bad", "tutorialId": "welcome-tour",
            "variants": [{"id": "b1", "weight": 30}, {"id": "b2", "weight": 30}]}),
        )
        .await;
    assert_eq!(
        (status, field(&answer)),
        (422, &json!("variants")),
        "kazi-v1 weights sum to 100: {answer}"
    );
    let (status, answer) = server
        .patch_as(&server.http, "/api/v1/admin/experiments/anon-v1", &json!({"variants": [{"id": "an_control", "weight": 10}, {"id": "an_short", "weight": 90}]}))
        .await;
    assert_eq!(
        status, 409,
        "reweighting a running experiment needs force: {answer}"
    );
    let (status, answer) = server
        .post_as(
            &client,
            "/api/v1/admin/experiments",
            &json!({"id": "mine", "tutorialId": "welcome-tour",
                    "variants": [{"id": "m1"}, {"id": "m2"}]}),
        )
        .await;
    assert_eq!(status, 403, "a learner manages no experiment: {answer}");

    // /v2 is behind tutorial.v2_enabled: off by default; on for newbies, it serves the
    // adaptive engine, which also picks steps by persona.
    let (status, _, _) = config_v2(&server, &client).await;
    assert_eq!(status, 404);
    let r = server.http.put(server.url("/api/v1/admin/features/tutorial.v2_enabled"))
        .json(&json!({"defaultValue": false, "rules": [{"condition": {"persona": "newbie"}, "force": true}]}))
        .send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let (status, _, v2) = config_v2(&server, &client).await;
    assert_eq!(status, 200, "{v2}");
    assert_eq!(v2["engine"], "v2");
    assert!(
        !step_ids(&v2).contains(&"power"),
        "an ai-power step is not a newbie's: {v2}"
    );
    let r = server
        .http
        .put(server.url("/api/v1/admin/features/broken"))
        .json(&json!({"defaultValue": 1, "rules": [{"force": 2, "coverage": "most"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert!(
        field(&body).as_str().unwrap().contains("coverage"),
        "{body}"
    );

    // GrowthBook SDKs fetch the same definitions with a client key.
    let (status, key) = server
        .post(
            "/api/v1/admin/feature-client-keys",
            &json!({"name": "web app"}),
        )
        .await;
    assert_eq!(status, 201, "{key}");
    let (status, payload) = server
        .get_as(
            &server.anonymous,
            &format!("/api/features/{}", key["clientKey"].as_str().unwrap()),
        )
        .await;
    assert_eq!(status, 200, "{payload}");
    assert_eq!(
        payload["features"]["tutorial.v2_enabled"]["rules"][0]["force"], true,
        "{payload}"
    );
    assert_eq!(
        payload["features"]["spaced-repetition"]["defaultValue"], true,
        "{payload}"
    );
    let (status, _) = server
        .get_as(&server.anonymous, "/api/features/sdk-unknown")
        .await;
    assert_eq!(status, 404);
    let (status, mine) = server.get_as(&client, "/api/v1/features").await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine["tutorial.v2_enabled"]["value"], true, "{mine}");
    assert_eq!(mine["tutorial.v2_enabled"]["source"], "force", "{mine}");
}

async fn config_v2(server: &Server, client: &reqwest::Client) -> (u16, (), Value) {
    let r = client
        .get(server.url("/v2/tutorial/config?tutorialId=welcome-tour"))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, (), r.json().await.unwrap_or(Value::Null))
}

/// Inserts an account straight into `users` (no password hashing: these never sign in).
async fn synthetic_user(db: &Db, role: &str, created_days_ago: i64) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let now = chrono::Utc::now().timestamp_millis();
    sqlx::query("INSERT INTO users (id, email, password_hash, full_name, role, created_at, updated_at) VALUES ($1, $2, 'x', 'Synthetic', $3, $4, $4)")
        .bind(&id).bind(format!("{id}@example.com")).bind(role).bind(now - created_days_ago * 86_400_000)
        .execute(db.pool()).await.unwrap();
    id
}

#[tokio::test]
async fn personas_are_clustered_from_synthetic_learners_whose_groups_are_known() {
    for backend in backends() {
        let server = Server::start_on(backend, &[plugins_dir()], &[]).await;
        let db = Db::connect(&server.database_url, 2).await.unwrap();
        let now = chrono::Utc::now().timestamp_millis();
        let day = 86_400_000;
        let mut expected = HashMap::new();
        for i in 0..12_i64 {
            // Newbies: a few tutorial steps, nothing else yet.
            let newbie = synthetic_user(&db, "student", 2).await;
            for s in 0..(2 + i % 2) {
                sqlx::query("INSERT INTO tutorial_step_events (id, user_id, tutorial_id, step_id, status, duration_ms, device, created_at) VALUES ($1, $2, 't', $3, 'started', 1000, 'web', $4)")
                    .bind(unique("e")).bind(&newbie).bind(format!("s{s}")).bind(now)
                    .execute(db.pool()).await.unwrap();
            }
            expected.insert(newbie, "newbie");
            // Freelancer-pros: many code submissions and projects, steady AI use, daily.
            let pro = synthetic_user(&db, "student", 200).await;
            for a in 0..(60 + i) {
                sqlx::query("INSERT INTO attempts (id, user_id, step_id, lesson_id, kind, attempt, answer_hash, answer, score, correct, review, feedback, created_at) VALUES ($1, $2, $3, 'l', 'code_exercise', 1, 'h', '{}', 1.0, 1, 0, '', $4)")
                    .bind(unique("a")).bind(&pro).bind(format!("s{a}")).bind(now - (a % 25) * day)
                    .execute(db.pool()).await.unwrap();
            }
            for p in 0..(8 + i % 3) {
                sqlx::query("INSERT INTO mini_project_submissions (id, user_id, project_id, payload, status, created_at, updated_at) VALUES ($1, $2, $3, '{}', 'graded', $4, $4)")
                    .bind(unique("p")).bind(&pro).bind(format!("p{p}")).bind(now)
                    .execute(db.pool()).await.unwrap();
            }
            ai_calls(&db, &pro, 5 * 25, 25).await;
            expected.insert(pro, "freelancer-pro");
            // Team managers: teachers with classes of learners.
            let teacher = synthetic_user(&db, "teacher", 120).await;
            for c in 0..(2 + i % 2) {
                let class = unique("c");
                sqlx::query("INSERT INTO classes (id, teacher_id, name, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(&class).bind(&teacher).bind(format!("class {c}")).bind(now)
                    .execute(db.pool()).await.unwrap();
                for _ in 0..6 {
                    let member = synthetic_user(&db, "student", 1).await;
                    sqlx::query("INSERT INTO class_members (class_id, user_id, added_at) VALUES ($1, $2, $3)")
                        .bind(&class).bind(&member).bind(now)
                        .execute(db.pool()).await.unwrap();
                    expected.insert(member, "newbie");
                }
            }
            expected.insert(teacher, "team-manager");
            // AI power users: 40 and more model calls a day.
            let power = synthetic_user(&db, "student", 90).await;
            ai_calls(&db, &power, (40 + i) * 10, 10).await;
            for a in 0..10 {
                sqlx::query("INSERT INTO attempts (id, user_id, step_id, lesson_id, kind, attempt, answer_hash, answer, score, correct, review, feedback, created_at) VALUES ($1, $2, $3, 'l', 'multiple_choice', 1, 'h', '{}', 1.0, 1, 0, '', $4)")
                    .bind(unique("a")).bind(&power).bind(format!("q{a}")).bind(now - a * day)
                    .execute(db.pool()).await.unwrap();
            }
            expected.insert(power, "ai-power");
        }
        let args = [
            "personas".to_owned(),
            "recompute".into(),
            "--database-url".into(),
            server.database_url.clone(),
        ];
        let (ok, out, err) = tessera(&args);
        assert!(ok, "{out}{err}");
        assert!(out.contains("k-means"), "{out}");
        let service = crate::support::service_client(&server);
        let mut right: HashMap<&str, (u32, u32)> = HashMap::new();
        for (user, persona) in &expected {
            let (status, body) = server
                .get_as(&service, &format!("/_internal/persona/{user}"))
                .await;
            assert_eq!(status, 200, "{body}");
            let entry = right.entry(persona).or_default();
            entry.1 += 1;
            if body["persona"] == *persona {
                entry.0 += 1;
                assert!(body["confidence"].as_f64().unwrap() > 0.0, "{body}");
            }
        }
        for (persona, (ok, all)) in &right {
            assert!(
                f64::from(*ok) >= 0.9 * f64::from(*all),
                "{persona}: {ok} of {all} right ({backend:?}): {right:?}"
            );
        }
        // The vectors are stored: 32 numbers each; on Postgres as pgvector's `vector(32)`
        // when the server has the extension, else as `DOUBLE PRECISION[]`.
        let dims: i64 = if backend == Backend::Embedded {
            let vector: String = sqlx::query_scalar("SELECT embedding FROM user_personas LIMIT 1")
                .fetch_one(db.pool())
                .await
                .unwrap();
            serde_json::from_str::<Vec<f64>>(&vector).unwrap().len() as i64
        } else {
            let pgvector: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_available_extensions WHERE name = 'vector'",
            )
            .fetch_one(db.pool())
            .await
            .unwrap();
            let udt: String = sqlx::query_scalar(
                "SELECT udt_name::text FROM information_schema.columns \
                 WHERE table_name = 'user_personas' AND column_name = 'embedding'",
            )
            .fetch_one(db.pool())
            .await
            .unwrap();
            let (expected, dims) = if pgvector > 0 {
                (
                    "vector",
                    "SELECT vector_dims(embedding)::bigint FROM user_personas LIMIT 1",
                )
            } else {
                (
                    "_float8",
                    "SELECT array_length(embedding, 1)::bigint FROM user_personas LIMIT 1",
                )
            };
            assert_eq!(udt, expected);
            sqlx::query_scalar(dims).fetch_one(db.pool()).await.unwrap()
        };
        assert_eq!(dims, 32, "{backend:?}");
    }
}

/// `calls` model calls by `user`, spread over the last `days` days.
async fn ai_calls(db: &Db, user: &str, calls: i64, days: i64) {
    let hash = tessera::store::ai_usage::user_hash(user);
    let now = chrono::Utc::now().timestamp_millis();
    let mut tx = db.begin_write().await.unwrap();
    for c in 0..calls {
        sqlx::query("INSERT INTO ai_usage_events (id, at, user_hash, feature, provider, model, input_tokens, output_tokens, latency_ms) VALUES ($1, $2, $3, 'tutor', 'offline', 'tessera-offline', 10, 10, 1)")
            .bind(unique("u")).bind(now - (c % days) * 86_400_000).bind(&hash)
            .execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}
