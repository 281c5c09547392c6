//! Stored attempts are capped per learner and step (the first, the first correct one and
//! the latest N are kept), while progress views still count every answer.

use serde_json::{Value, json};

use crate::support::{Server, backends, client_with_token};

#[tokio::test]
async fn attempts_past_the_cap_are_pruned_and_progress_still_counts_them() {
    let pack = tempfile::tempdir().unwrap();
    crate::learning::write_pack(pack.path());
    let dirs = crate::learning::plugin_dirs(&[
        "quiz-grader",
        "lesson-engine",
        "code-grader",
        "python-sandbox",
    ]);
    for backend in backends() {
        let server = Server::start_on(
            backend,
            &dirs,
            &[
                "--content-dir",
                pack.path().to_str().unwrap(),
                "--max-attempts-per-step",
                "3",
            ],
        )
        .await;
        let reg = server.register("student").await;
        let user_id = reg["user_id"].as_str().unwrap();
        let client = client_with_token(reg["access_token"].as_str().unwrap());
        let post = |path: String, body: Value| {
            let (client, url) = (client.clone(), server.url(&path));
            async move {
                let r = client.post(url).json(&body).send().await.unwrap();
                (r.status().as_u16(), r.json::<Value>().await.unwrap())
            }
        };
        let get = |path: String| {
            let (client, url) = (client.clone(), server.url(&path));
            async move {
                client
                    .get(url)
                    .send()
                    .await
                    .unwrap()
                    .json::<Value>()
                    .await
                    .unwrap()
            }
        };

        let (status, r) = post("/api/v1/steps/a.read/complete".into(), json!({})).await;
        assert_eq!(status, 200, "{backend:?}: {r}");
        // Six different wrong programs, then a right one; a minute each.
        for n in 1..=7 {
            let returns = if n == 7 { 1 } else { n + 1 };
            let code = format!("def f():\n    return {returns}\nprint('hi')\n");
            let (status, r) = post(
                "/api/v1/exercises/a.ex/submit".into(),
                json!({ "code": code, "duration_ms": 60_000 }),
            )
            .await;
            assert_eq!(status, 200, "{backend:?}: {r}");
            assert_eq!(r["attempt"], n, "{backend:?}: {r}");
            assert_eq!(r["passed"], n == 7, "{backend:?}: {r}");
        }
        // Two quiz answers, half a minute each by the engine's estimate: one wrong, one
        // right.
        let (_, q) = post(
            "/api/v1/steps/a.q1/quiz".into(),
            json!({ "answers": { "selected": [0] } }),
        )
        .await;
        assert_eq!(q["correct"], false, "{q}");
        let (_, q) = post(
            "/api/v1/steps/a.q2/quiz".into(),
            json!({ "answers": { "value": true } }),
        )
        .await;
        assert_eq!(q["correct"], true, "{q}");

        // Stored: the first attempt and the latest three (the last is the first correct).
        let export = get("/api/v1/me/export".into()).await;
        let kept: Vec<i64> = export["learning"]["attempts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["step_id"] == "a.ex")
            .map(|a| a["attempt"].as_i64().unwrap())
            .collect();
        assert_eq!(kept, [1, 5, 6, 7], "{backend:?}: {export}");

        // Progress still counts all ten answers: 7 minutes of code, 1 of reading (the
        // engine's estimate) and 1 of quizzes.
        let progress = get(format!("/api/v1/progress/user/{user_id}")).await;
        let overall = &progress["overall_progress"];
        assert_eq!(
            overall["total_study_time_minutes"], 9,
            "{backend:?}: {progress}"
        );
        assert_eq!(overall["average_quiz_score"], 50.0, "{progress}");
        assert_eq!(overall["lessons_completed"], 1, "{progress}");
        assert_eq!(
            progress["learning_analytics"]["average_session_duration"], 9.0,
            "{progress}"
        );
        assert!(
            progress["learning_analytics"]["retention_rate"].is_null(),
            "{progress}"
        );
        // The lesson is done (its exercise passed): the next lesson is today's.
        let daily = get("/api/v1/lessons/daily".into()).await;
        assert_eq!(daily["lesson"]["id"], "b", "{daily}");
    }
}
