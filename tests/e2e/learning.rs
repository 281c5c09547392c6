//! The learning core's daily loop over HTTP, for a new learner, on both databases:
//! register, today's lesson, an explanation, quiz answers right and wrong (and a replay),
//! a code exercise failing then passing, a tone switch, a review on the next day, a
//! mini-project graded asynchronously by the rubric grader through the AI gateway, a streak
//! kept across simulated days (with a freeze), a certificate, a badge link verified and
//! tampered with, progress, mastery, a teacher's class view, and GraphQL.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{
    Backend, PASSWORD, Server, backends, client_with_token, eventually, plugins_dir,
};
use crate::upstream::{Behaviour, Upstream, Wire, gateway_with, provider};

/// Two tracks: `py` (lessons `a` then `b`, a mini-project at the end) and `quick`
/// (lesson `c`, four easy steps).
pub fn write_pack(dir: &Path) {
    let lessons = dir.join("lessons");
    std::fs::create_dir_all(lessons.join("a")).unwrap();
    std::fs::create_dir_all(lessons.join("b")).unwrap();
    std::fs::create_dir_all(lessons.join("c")).unwrap();
    std::fs::write(
        dir.join("pack.json"),
        json!({ "id": "loop", "version": "1.0.0", "title": "Loop", "tracks": [
            { "id": "py", "title": "Python loop", "description": "Two lessons and a project.", "courses": [
                { "id": "py-course", "title": "Python course", "modules": [
                    { "id": "py-module", "title": "Basics", "lessons": ["a", "b"] } ] } ] },
            { "id": "quick", "title": "Quick wins", "description": "One easy lesson.", "courses": [
                { "id": "quick-course", "title": "Quick course", "modules": [
                    { "id": "quick-module", "title": "Easy", "lessons": ["c"] } ] } ] } ] })
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        lessons.join("a/read.md"),
        "# Printing\n\nYou don't need much to start: `print` shows text.\n\n```python\nprint(\"hi\")\n```\n\nIt's that simple.\n",
    )
    .unwrap();
    std::fs::write(
        lessons.join("a/task.md"),
        "Print `hi` and define `f()` returning 1.\n",
    )
    .unwrap();
    std::fs::write(
        lessons.join("a.json"),
        json!({ "id": "a", "title": "Printing", "topic": "py.a", "estimated_minutes": 5, "steps": [
            { "id": "a.read", "kind": "explanation", "title": "print", "text_file": "a/read.md" },
            { "id": "a.q1", "kind": "quiz", "question": { "kind": "multiple_choice", "prompt": "2 + 2?",
              "options": ["3", "4", "5"], "answer_key": { "correct": [1] } }, "explanation": "2 + 2 is 4." },
            { "id": "a.q2", "kind": "quiz", "question": { "kind": "true_false", "prompt": "print shows text",
              "answer_key": { "correct": true } } },
            { "id": "a.ex", "kind": "code_exercise", "prompt_file": "a/task.md", "starter_code": "# your code\n",
              "solution": "def f():\n    return 1\nprint('hi')\n",
              "tests": [ { "name": "prints hi", "expected_stdout": "hi\n" },
                         { "name": "f returns 1", "assert": "f() == 1" } ] } ] })
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        lessons.join("b/project.md"),
        "Write a grade book that prints the average of three scores.\n",
    )
    .unwrap();
    std::fs::write(
        lessons.join("b.json"),
        json!({ "id": "b", "title": "A project", "topic": "py.b", "prerequisites": ["a"], "steps": [
            { "id": "b.q1", "kind": "quiz", "question": { "kind": "true_false", "prompt": "len([1, 2]) == 2",
              "answer_key": { "correct": true } } },
            { "id": "b.order", "kind": "quiz", "question": { "kind": "ordering", "prompt": "Order the steps",
              "options": ["run it", "write code", "save the file"],
              "answer_key": { "order": ["write code", "save the file", "run it"], "partial_credit": true } } },
            { "id": "b.project", "kind": "mini_project", "prompt_file": "b/project.md", "rubric": [
                { "id": "works", "criterion": "It works", "points": 6, "description": "Prints the average of the scores" },
                { "id": "clear", "criterion": "Clear code", "points": 4, "description": "Readable names" } ] } ] })
        .to_string(),
    )
    .unwrap();
    std::fs::write(lessons.join("c/read.md"), "Booleans are True or False.\n").unwrap();
    let tf = |id: &str, prompt: &str| {
        json!({ "id": id, "kind": "quiz", "question": { "kind": "true_false", "prompt": prompt,
                "answer_key": { "correct": true } } })
    };
    std::fs::write(
        lessons.join("c.json"),
        json!({ "id": "c", "title": "Booleans", "topic": "quick.c", "steps": [
            { "id": "c.read", "kind": "explanation", "text_file": "c/read.md" },
            tf("c.q1", "True is a boolean"), tf("c.q2", "1 == 1 is True"), tf("c.q3", "not False is True") ] })
        .to_string(),
    )
    .unwrap();
}

/// The shipped plugins' folders by name.
pub fn plugin_dirs(names: &[&str]) -> Vec<std::path::PathBuf> {
    names.iter().map(|p| plugins_dir().join(p)).collect()
}

/// A session of the learner holding `token` on day `n`.
fn session<'a>(server: &'a Server, token: &str, n: i64) -> Session<'a> {
    Session {
        server,
        client: client_with_token(token),
        now: day(n),
    }
}

/// Day `n` of the simulated calendar, 09:00 UTC.
fn day(n: i64) -> String {
    let start = chrono::DateTime::parse_from_rfc3339("2030-03-01T09:00:00Z").unwrap();
    (start + chrono::Duration::days(n - 1)).to_rfc3339()
}

/// A learner's HTTP session on one simulated day.
struct Session<'a> {
    server: &'a Server,
    client: reqwest::Client,
    now: String,
}

impl Session<'_> {
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, self.server.url(path))
            .header("x-tessera-now", &self.now);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let r = request.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    async fn quiz(&self, step: &str, answers: Value) -> (u16, Value) {
        self.post(
            &format!("/api/v1/steps/{step}/quiz"),
            json!({ "answers": answers }),
        )
        .await
    }

    async fn graphql(&self, query: &str, variables: Value) -> Value {
        let (status, body) = self
            .post(
                "/graphql",
                json!({ "query": query, "variables": variables }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

fn field(body: &Value) -> &str {
    body["error"]["details"]["field"]
        .as_str()
        .unwrap_or_default()
}

/// A rubric grade as the model would send it: works 6/6, clear 2/4.
pub fn rubric_reply() -> String {
    json!({ "criteria": [
        { "id": "works", "points": 6, "feedback": "Prints the right average." },
        { "id": "clear", "points": 2, "feedback": "Name `x` says little." } ],
        "summary": "A working grade book; clearer names would help." })
    .to_string()
}

#[tokio::test]
async fn a_new_learner_goes_through_the_whole_daily_loop() {
    let model = Upstream::speaking(Wire::OpenAi, Behaviour::Say(rubric_reply())).await;
    let gateway = gateway_with(
        &[provider(
            "grader-model",
            Wire::OpenAi,
            model.port,
            &["rubric-1"],
        )],
        &[(
            "routes",
            json!({ "project-grading": ["rubric-1"], "default": ["tessera-offline"] }),
        )],
    );
    let pack = tempfile::tempdir().unwrap();
    write_pack(pack.path());
    let mut dirs: Vec<_> = plugin_dirs(&[
        "quiz-grader",
        "ordering-grader",
        "code-grader",
        "python-sandbox",
        "lesson-engine",
        "project-grader",
        "safety-filter",
        "experiment-assigner",
    ]);
    dirs.push(gateway.path().to_owned());
    for backend in backends() {
        let server = Server::start_on(
            backend,
            &dirs,
            &[
                "--content-dir",
                pack.path().to_str().unwrap(),
                "--learning-test-clock",
            ],
        )
        .await;
        run_loop(&server, &model).await;
    }
}

async fn run_loop(server: &Server, model: &Upstream) {
    let reg = server.register("student").await;
    let token = reg["access_token"].as_str().unwrap().to_owned();
    let user_id = reg["user_id"].as_str().unwrap().to_owned();
    let client = client_with_token(&token);
    let on = |n: i64| Session {
        server,
        client: client.clone(),
        now: day(n),
    };

    // Day 1: today's lesson is the first one, at its first step; no answer key is served.
    let d1 = on(1);
    let (status, daily) = d1.get("/api/v1/lessons/daily").await;
    assert_eq!(status, 200, "{daily}");
    assert_eq!(daily["mode"], "lesson", "{daily}");
    assert_eq!(daily["lesson"]["id"], "a");
    assert_eq!(daily["lesson"]["status"], "not_started");
    assert_eq!(daily["step"]["id"], "a.read");
    assert!(daily["step"]["body"].as_str().unwrap().contains("print"));
    let text = daily.to_string();
    assert!(
        !text.contains("answer_key") && !text.contains("solution"),
        "{daily}"
    );

    let (status, read) = d1.post("/api/v1/steps/a.read/complete", json!({})).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["progress"]["streak_change"], "started", "{read}");
    assert_eq!(read["progress"]["streak_days"], 1);
    assert_eq!(read["next_step_id"], "a.q1");

    // The quiz step is served with its options; a wrong answer is feedback, not an error.
    let (_, daily) = d1.get("/api/v1/lessons/daily").await;
    assert_eq!(daily["step"]["id"], "a.q1", "{daily}");
    assert_eq!(daily["step"]["question"]["options"], json!(["3", "4", "5"]));
    let (status, wrong) = d1.quiz("a.q1", json!({ "selected": [0] })).await;
    assert_eq!(status, 200, "{wrong}");
    assert_eq!(
        (wrong["correct"].as_bool(), wrong["score"].as_f64()),
        (Some(false), Some(0.0))
    );
    assert_eq!(wrong["explanation"], "2 + 2 is 4.");
    assert_eq!(wrong["replayed"], false);
    assert_eq!(wrong["next_step_id"], "a.q2");
    assert!(wrong["progress"]["next_review_at"].is_string(), "{wrong}");
    // Answered twice: the first feedback again, whatever the second answer says.
    let (status, again) = d1.quiz("a.q1", json!({ "selected": [1] })).await;
    assert_eq!(status, 200);
    assert_eq!(again["replayed"], true, "{again}");
    assert_eq!(again["correct"], false);
    assert_eq!(again["progress"], wrong["progress"]);

    // Bad input: each a 4xx naming the field; nothing recorded.
    let (status, e) = d1.quiz("a.q2", json!({ "value": 42 })).await;
    assert_eq!(status, 422, "{e}");
    assert!(field(&e).starts_with("answers"), "{e}");
    let (status, e) = d1.quiz("a.q2", json!([true])).await;
    assert_eq!((status, field(&e)), (422, "answers"), "{e}");
    let (status, e) = d1.quiz("no.such.step", json!({ "value": true })).await;
    assert_eq!((status, field(&e)), (404, "step_id"), "{e}");
    let (status, e) = d1.quiz("a.ex", json!({ "value": true })).await;
    assert_eq!((status, field(&e)), (422, "step_id"), "{e}");
    let (status, e) = d1
        .post("/api/v1/steps/a.q2/quiz", json!({ "answer": {} }))
        .await;
    assert_eq!(status, 400, "{e}");

    let (status, right) = d1.quiz("a.q2", json!({ "value": true })).await;
    assert_eq!(status, 200, "{right}");
    assert_eq!(right["correct"], true, "{right}");
    assert!(right["progress"]["xp_earned"].as_i64().unwrap() > 0);
    let earned: Vec<&str> = right["progress"]["achievements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(earned.contains(&"first-perfect-quiz"), "{right}");

    // Tone: an unknown tone is refused; `playful` rewrites the current step (the
    // exercise's task) through the AI gateway and is served from then on.
    let (status, e) = d1
        .post("/api/v1/lessons/a/tone", json!({ "tone": "shouty" }))
        .await;
    assert_eq!((status, field(&e)), (422, "tone"), "{e}");
    let (status, e) = d1
        .post("/api/v1/lessons/nope/tone", json!({ "tone": "formal" }))
        .await;
    assert_eq!((status, field(&e)), (404, "lesson_id"), "{e}");
    let (status, toned) = d1
        .post("/api/v1/lessons/a/tone", json!({ "tone": "formal" }))
        .await;
    assert_eq!(status, 200, "{toned}");
    assert_eq!(toned["tone"], "formal");
    assert_eq!(toned["step"]["id"], "a.ex", "{toned}");
    assert_eq!(toned["step"]["tone_applied"], true, "{toned}");
    let (_, daily) = d1.get("/api/v1/lessons/daily").await;
    assert_eq!(daily["tone"], "formal");
    assert_eq!(daily["step"]["body"], toned["step"]["body"]);

    // Code: too large, failing (with expected vs actual), the same code again, passing.
    let huge = "x = 1\n".repeat(12_000);
    let (status, e) = d1
        .post("/api/v1/exercises/a.ex/submit", json!({ "code": huge }))
        .await;
    assert_eq!((status, field(&e)), (413, "code"), "{e}");
    let failing = "def f():\n    return 2\nprint('hello')\n";
    let (status, fail) = d1
        .post("/api/v1/exercises/a.ex/submit", json!({ "code": failing }))
        .await;
    assert_eq!(status, 200, "{fail}");
    assert_eq!(fail["passed"], false, "{fail}");
    let test = &fail["details"]["tests"][0];
    assert_eq!(
        (test["expected"].as_str(), test["actual"].as_str()),
        (Some("hi\n"), Some("hello\n")),
        "{fail}"
    );
    assert_eq!(fail["next_step_id"], "a.ex");
    assert_eq!(fail["progress"]["lesson_completed"], false);
    let (_, replay) = d1
        .post("/api/v1/exercises/a.ex/submit", json!({ "code": failing }))
        .await;
    assert_eq!(replay["replayed"], true, "{replay}");
    let (status, pass) = d1
        .post(
            "/api/v1/exercises/a.ex/submit",
            json!({ "code": "def f():\n    return 1\nprint('hi')\n", "duration_ms": 90000 }),
        )
        .await;
    assert_eq!(status, 200, "{pass}");
    assert_eq!(
        (pass["passed"].as_bool(), pass["score"].as_f64()),
        (Some(true), Some(1.0)),
        "{pass}"
    );
    assert_eq!(pass["progress"]["lesson_completed"], true, "{pass}");
    let earned = pass["progress"]["achievements"].to_string();
    assert!(
        earned.contains("first-lesson") && earned.contains("first-code-exercise"),
        "{pass}"
    );

    // Lesson `b` (its prerequisite done) is next.
    let (_, daily) = d1.get("/api/v1/lessons/daily").await;
    assert_eq!(daily["lesson"]["id"], "b", "{daily}");
    assert_eq!(daily["step"]["id"], "b.q1");

    // Day 2: the forgotten question is due for review; answering it is a new attempt.
    let d2 = on(2);
    // With seed 000's flag `spaced-repetition` off for this learner, no review is served;
    // on again, the review is there, still due.
    let flag = |on: bool| {
        server
            .http
            .put(server.url("/api/v1/admin/features/spaced-repetition"))
            .json(&json!({"defaultValue": true,
                          "rules": [{"condition": {"id": user_id}, "force": on}]}))
            .send()
    };
    assert_eq!(flag(false).await.unwrap().status(), 200);
    let (_, daily) = d2.get("/api/v1/lessons/daily").await;
    assert_eq!(daily["reviews"], json!([]), "{daily}");
    assert_eq!(flag(true).await.unwrap().status(), 200);
    let (_, daily) = d2.get("/api/v1/lessons/daily").await;
    let due: Vec<&str> = daily["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["step_id"].as_str().unwrap())
        .collect();
    assert!(due.contains(&"a.q1"), "{daily}");
    // The assigner's answer is reused while the flags and the learner stay as they are:
    // asking again does not call it again (the ask above did, the flag having changed).
    let asked = server
        .plugin_calls("experiment-assigner", "evaluate-feature")
        .await;
    assert!(asked > 0, "the flag was evaluated by the assigner");
    let (_, again) = d2.get("/api/v1/lessons/daily").await;
    assert_eq!(again["reviews"], daily["reviews"], "{again}");
    assert_eq!(
        server
            .plugin_calls("experiment-assigner", "evaluate-feature")
            .await,
        asked
    );
    let (_, review) = d2.quiz("a.q1", json!({ "selected": [1] })).await;
    assert_eq!(
        (review["review"].as_bool(), review["replayed"].as_bool()),
        (Some(true), Some(false)),
        "{review}"
    );
    assert_eq!(review["correct"], true);
    assert_eq!(review["attempt"], 2);
    assert_eq!(review["progress"]["streak_change"], "extended");
    assert_eq!(review["progress"]["streak_days"], 2);
    let (_, b1) = d2.quiz("b.q1", json!({ "value": true })).await;
    assert_eq!(b1["correct"], true, "{b1}");
    // A question kind no first-party grader knows: the partner's Python plugin grades it.
    let (status, order) = d2
        .quiz(
            "b.order",
            json!({ "order": ["write code", "run it", "save the file"] }),
        )
        .await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["correct"], false, "{order}");
    let score = order["score"].as_f64().unwrap();
    assert!((score - 2.0 / 3.0).abs() < 1e-9, "{order}");

    // The mini-project: bad payloads refused at once; a good one is queued (202) and
    // graded in the background by the rubric grader, through the model.
    let (status, e) = d2
        .post(
            "/api/v1/projects/b.project/submissions",
            json!({ "notes": "hi" }),
        )
        .await;
    assert_eq!((status, field(&e)), (422, "payload.notes"), "{e}");
    let (status, e) = d2
        .post("/api/v1/projects/b.project/submissions", json!({}))
        .await;
    assert_eq!((status, field(&e)), (422, "payload"), "{e}");
    let (status, e) = d2
        .post("/api/v1/projects/a.q1/submissions", json!({ "text": "x" }))
        .await;
    assert_eq!((status, field(&e)), (422, "step_id"), "{e}");
    let (status, queued) = d2
        .post(
            "/api/v1/projects/b.project/submissions",
            json!({ "code": "scores = [70, 80, 90]\nx = sum(scores) / len(scores)\nprint(x)\n",
                    "text": "It prints the average." }),
        )
        .await;
    assert_eq!(status, 202, "{queued}");
    assert_eq!(queued["status"], "queued");
    let id = queued["submission_id"].as_str().unwrap().to_owned();
    let graded = poll_project(&d2, &id).await;
    assert_eq!(graded["score"].as_f64(), Some(0.8), "{graded}");
    assert_eq!(graded["passed"], true);
    assert_eq!(graded["needs_review"], false, "{graded}");
    let works = graded["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "works")
        .unwrap()
        .clone();
    assert_eq!(
        (works["points"].as_f64(), works["max_points"].as_f64()),
        (Some(6.0), Some(6.0))
    );
    assert_eq!(graded["progress"]["lesson_completed"], true, "{graded}");
    assert!(model.hits() >= 1);
    // The learner is told (docs/notifications.md: the `notifications` consumer group).
    let told = eventually(
        "the project-graded notification",
        Duration::from_secs(20),
        async || {
            let (_, page) = d2.get("/api/v1/notifications").await;
            let graded = page["notifications"]
                .as_array()
                .and_then(|n| n.iter().find(|n| n["kind"] == "project_graded").cloned());
            graded.ok_or(page)
        },
    )
    .await;
    assert_eq!(
        told["body"], "It scored 80%. See the feedback on each criterion.",
        "{told}"
    );
    let (status, e) = d2.get("/api/v1/projects/submissions/no-such-id").await;
    assert_eq!(status, 404, "{e}");

    // Day 4 (day 3 missed): the streak freeze forgives one day.
    let d4 = on(4);
    let (_, daily) = d4.get("/api/v1/lessons/daily").await;
    assert_eq!(daily["lesson"]["id"], "c", "{daily}");
    let (_, read) = d4.post("/api/v1/steps/c.read/complete", json!(null)).await;
    assert_eq!(read["progress"]["streak_change"], "frozen", "{read}");
    assert_eq!(read["progress"]["streak_days"], 3);
    let (_, replay) = d4.post("/api/v1/steps/c.read/complete", json!({})).await;
    assert_eq!(replay["replayed"], true);
    for step in ["c.q1", "c.q2"] {
        let (_, r) = d4.quiz(step, json!({ "value": true })).await;
        assert_eq!(r["correct"], true, "{r}");
    }
    // No certificate before it is earned: a clear 409 saying what is missing.
    let (status, e) = d4.post("/api/v1/tracks/quick/badge/share", json!({})).await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["error"]["code"], "CERTIFICATE_NOT_EARNED");
    assert!(e["error"]["message"].as_str().unwrap().contains('c'), "{e}");
    let (_, last) = d4.quiz("c.q3", json!({ "value": true })).await;
    assert_eq!(last["progress"]["lesson_completed"], true, "{last}");
    let certificate = &last["progress"]["certificate"];
    assert_eq!(certificate["track_id"], "quick", "{last}");

    // The badge: a signed public link, HTML with OpenGraph tags and an SVG; tampering
    // is caught.
    let (status, e) = d4.post("/api/v1/tracks/nope/badge/share", json!({})).await;
    assert_eq!((status, field(&e)), (404, "track_id"), "{e}");
    let (status, link) = d4.post("/api/v1/tracks/quick/badge/share", json!({})).await;
    assert_eq!(status, 200, "{link}");
    let url = link["url"].as_str().unwrap();
    let page = reqwest::get(url).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("og:title") && html.contains("Test Learner completed Quick wins"),
        "{html}"
    );
    assert!(html.contains(&format!("{url}.svg")), "{html}");
    let svg = reqwest::get(link["image_url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(svg.status(), 200);
    assert!(
        svg.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/svg+xml")
    );
    assert!(svg.text().await.unwrap().contains("Quick wins"));
    let token = link["token"].as_str().unwrap();
    let (payload, signature) = token.split_once('.').unwrap();
    let forged_payload = format!("{}A", &payload[..payload.len() - 1]);
    for forged in [
        format!("{forged_payload}.{signature}"),
        format!("{payload}.{}", &signature[1..]),
        "nonsense".to_owned(),
    ] {
        let r = reqwest::get(server.url(&format!("/badges/{forged}")))
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{forged}");
    }

    // Progress (docs/requirements.md#r-002-3.6) and mastery.
    let (status, progress) = d4.get(&format!("/api/v1/progress/user/{user_id}")).await;
    assert_eq!(status, 200, "{progress}");
    let overall = &progress["overall_progress"];
    assert_eq!(overall["learning_streak_days"], 3, "{progress}");
    assert_eq!(overall["lessons_completed"], 3);
    assert_eq!(overall["courses_completed"], 2, "{progress}");
    assert!(overall["total_xp"].as_i64().unwrap() >= 100, "{progress}");
    assert!(overall["average_quiz_score"].as_f64().unwrap() > 50.0);
    assert!(
        !progress["recent_achievements"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        progress["certificates"][0]["track_id"], "quick",
        "{progress}"
    );
    assert_eq!(
        progress["learning_analytics"]["retention_rate"], 1.0,
        "{progress}"
    );
    let (_, mastery) = d4.get("/api/v1/progress/mastery").await;
    let topics: Vec<&str> = mastery["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["topic"].as_str().unwrap())
        .collect();
    assert_eq!(topics, ["py.a", "py.b", "quick.c"], "{mastery}");
    let quick = &mastery["topics"][2];
    assert!(quick["mastery"].as_f64().unwrap() >= 0.7, "{mastery}");

    // Others: a student may not see this learner; their teacher may.
    let other = server.register("student").await;
    let peek = session(server, other["access_token"].as_str().unwrap(), 4);
    let (status, e) = peek.get(&format!("/api/v1/progress/user/{user_id}")).await;
    assert_eq!(status, 403, "{e}");
    let (status, _) = peek
        .post("/api/v1/teacher/classes", json!({ "name": "x" }))
        .await;
    assert_eq!(status, 403);
    let teacher = server.register("teacher").await;
    let teacher = session(server, teacher["access_token"].as_str().unwrap(), 4);
    let (status, class) = teacher
        .post("/api/v1/teacher/classes", json!({ "name": "Tuesday" }))
        .await;
    assert_eq!(status, 201, "{class}");
    let class_id = class["id"].as_str().unwrap();
    // The teacher invites; the same reply whether or not the address has an account.
    let invitations = format!("/api/v1/teacher/classes/{class_id}/invitations");
    let (status, e) = teacher
        .post(&invitations, json!({ "email": "not an address" }))
        .await;
    assert_eq!((status, field(&e)), (422, "email"), "{e}");
    let (status, _) = teacher
        .post(&invitations, json!({ "email": "nobody@example.com" }))
        .await;
    assert_eq!(status, 202);
    let (status, invited) = teacher
        .post(&invitations, json!({ "email": reg["email"] }))
        .await;
    assert_eq!(status, 202, "{invited}");
    let (status, _) = teacher
        .get(&format!("/api/v1/progress/user/{user_id}"))
        .await;
    assert_eq!(status, 403, "not their student until the learner accepts");
    let (status, pending) = d4.get("/api/v1/me/class-invitations").await;
    assert_eq!(status, 200, "{pending}");
    let invitation = pending[0]["id"].as_str().unwrap();
    let (status, accepted) = d4
        .post(
            &format!("/api/v1/me/class-invitations/{invitation}/accept"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{accepted}");
    let (status, view) = teacher
        .get(&format!("/api/v1/teacher/classes/{class_id}/progress"))
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["students"][0]["user_id"], user_id.as_str());
    assert_eq!(view["students"][0]["lessons_completed"], 3);
    assert!(
        view["topic_averages"]["quick.c"].as_f64().unwrap() >= 0.7,
        "{view}"
    );
    let (status, _) = teacher
        .get(&format!("/api/v1/progress/user/{user_id}"))
        .await;
    assert_eq!(status, 200);
    let (status, _) = teacher
        .get("/api/v1/teacher/classes/no-such-class/progress")
        .await;
    assert_eq!(status, 404);

    // GraphQL: the operations of docs/requirements.md#r-000-4 on the same services.
    let q = d4
        .graphql(
            "query($u: ID!) { getDailyLesson(userId: $u) { mode tone streakDays lesson { id } step { id kind } } }",
            json!({ "u": user_id }),
        )
        .await;
    assert!(q["errors"].is_null(), "{q}");
    assert_eq!(q["data"]["getDailyLesson"]["tone"], "formal", "{q}");
    assert_eq!(q["data"]["getDailyLesson"]["streakDays"], 3, "{q}");
    let m = d4
        .graphql(
            "mutation($s: ID!, $a: JSON!) { submitQuiz(stepId: $s, answers: $a) { correct replayed progress { streakDays } } }",
            json!({ "s": "c.q1", "a": { "value": false } }),
        )
        .await;
    assert_eq!(m["data"]["submitQuiz"]["replayed"], true, "{m}");
    assert_eq!(m["data"]["submitQuiz"]["correct"], true, "{m}");
    let m = d4
        .graphql(
            "mutation { switchTone(lessonId: \"c\", tone: PLAYFUL) { tone lesson { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(m["data"]["switchTone"]["tone"], "playful", "{m}");
    let m = d4
        .graphql(
            "mutation { shareBadge(trackId: \"quick\") { url certificateId } }",
            json!({}),
        )
        .await;
    assert_eq!(
        m["data"]["shareBadge"]["certificateId"], certificate["id"],
        "{m}"
    );
    let m = d4
        .graphql(
            "mutation { submitQuiz(stepId: \"zzz\", answers: {value: true}) { correct } }",
            json!({}),
        )
        .await;
    assert_eq!(m["errors"][0]["extensions"]["code"], "NOT_FOUND", "{m}");
    assert_eq!(m["errors"][0]["extensions"]["field"], "step_id", "{m}");
    let m = d4
        .graphql(
            "mutation { submitProject(projectId: \"b.project\", payload: {text: \"again\"}) { submissionId status } }",
            json!({}),
        )
        .await;
    assert_eq!(m["data"]["submitProject"]["status"], "queued", "{m}");
    let anonymous = server
        .anonymous
        .post(server.url("/graphql"))
        .json(&json!({ "query": "{ mastery { overall } }" }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"], "UNAUTHORIZED",
        "{anonymous}"
    );
    let graphiql = server.text(&server.anonymous, "/graphql").await;
    assert!(graphiql.to_lowercase().contains("graphiql"), "{graphiql}");

    // The learner's export holds every answer; deleting the account withdraws the badge.
    let (status, export) = d4.get("/api/v1/me/export").await;
    assert_eq!(status, 200, "{export}");
    let learning = &export["learning"];
    assert!(
        learning["attempts"].as_array().unwrap().len() >= 10,
        "{learning}"
    );
    assert_eq!(
        learning["certificates"][0]["track_id"], "quick",
        "{learning}"
    );
    assert_eq!(
        learning["project_submissions"].as_array().unwrap().len(),
        2,
        "{learning}"
    );
    let gone = client
        .delete(server.url("/api/v1/me"))
        .json(&json!({ "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 204);
    assert_eq!(reqwest::get(url).await.unwrap().status(), 410);
}

/// Polls a project submission until it is graded (the seed allows 30 s).
async fn poll_project(session: &Session<'_>, id: &str) -> Value {
    eventually(
        "the project to be graded",
        Duration::from_secs(30),
        async || {
            let (status, body) = session
                .get(&format!("/api/v1/projects/submissions/{id}"))
                .await;
            assert_eq!(status, 200, "{body}");
            match body["status"].as_str() {
                Some("graded") => Ok(body),
                Some("failed") => panic!("grading failed: {body}"),
                _ => Err(body),
            }
        },
    )
    .await
}

#[tokio::test]
async fn the_starter_pack_teaches_out_of_the_box() {
    let dirs: Vec<_> = plugin_dirs(&["quiz-grader", "lesson-engine"]);
    let content = crate::support::repo().join("content");
    let server = Server::start_with(&dirs, &["--content-dir", content.to_str().unwrap()]).await;
    let reg = server.register("student").await;
    let client = client_with_token(reg["access_token"].as_str().unwrap());
    let daily: Value = client
        .get(server.url("/api/v1/lessons/daily"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(daily["lesson"]["id"], "values-and-variables", "{daily}");
    assert_eq!(daily["lesson"]["course_title"], "Python basics");
    assert_eq!(daily["step"]["kind"], "explanation");
    assert!(daily["reason"].as_str().unwrap().len() > 10, "{daily}");
}

#[tokio::test]
async fn concurrent_copies_of_an_answer_are_recorded_once() {
    let pack = tempfile::tempdir().unwrap();
    write_pack(pack.path());
    let dirs: Vec<_> = plugin_dirs(&["quiz-grader", "lesson-engine"]);
    for backend in backends() {
        let server = Server::start_on(
            backend,
            &dirs,
            &["--content-dir", pack.path().to_str().unwrap()],
        )
        .await;
        let reg = server.register("student").await;
        let session = session(&server, reg["access_token"].as_str().unwrap(), 1);
        let answers = futures::future::join_all(
            (0..8).map(|_| session.quiz("a.q2", json!({ "value": true }))),
        )
        .await;
        let mut fresh = 0;
        for (status, body) in &answers {
            assert_eq!(*status, 200, "{body}");
            assert_eq!(body["correct"], true, "{body}");
            assert_eq!(body["attempt"], 1, "{body}");
            if body["replayed"] == false {
                fresh += 1;
            }
        }
        assert_eq!(fresh, 1, "exactly one copy is recorded: {answers:?}");
        let xp = answers
            .iter()
            .find(|(_, b)| b["replayed"] == false)
            .map(|(_, b)| b["progress"]["xp_earned"].as_i64().unwrap())
            .unwrap();
        let user_id = reg["user_id"].as_str().unwrap();
        let (_, progress) = session
            .get(&format!("/api/v1/progress/user/{user_id}"))
            .await;
        assert_eq!(progress["overall_progress"]["total_xp"], xp, "{progress}");
    }
}

#[tokio::test]
async fn an_answer_on_one_replica_moves_the_daily_lesson_on_every_replica() {
    let pack = tempfile::tempdir().unwrap();
    write_pack(pack.path());
    let dirs: Vec<_> = plugin_dirs(&["quiz-grader", "lesson-engine"]);
    // Replicas keep learners' data coherently through Redis: the shared backend (without
    // Redis a server is one node, docs/learning.md "What a replica keeps").
    for backend in backends().into_iter().filter(|b| *b == Backend::Shared) {
        let flags = [
            "--content-dir",
            pack.path().to_str().unwrap(),
            "--learner-cache-seconds",
            "3600",
        ];
        let one = Server::start_on(backend, &dirs, &flags).await;
        let two = one.replica(&dirs, &flags).await;
        let reg = one.register("student").await;
        let token = reg["access_token"].as_str().unwrap();
        let (on_one, on_two) = (session(&one, token, 1), session(&two, token, 1));
        let step = |daily: &Value| daily["step"]["id"].as_str().unwrap_or_default().to_owned();
        // Both replicas read (and keep) the learner at the first step.
        for s in [&on_one, &on_two, &on_one, &on_two] {
            let (status, daily) = s.get("/api/v1/lessons/daily").await;
            assert_eq!((status, step(&daily)), (200, "a.read".into()), "{daily}");
        }
        // A step done on one replica moves the other on at once...
        let (status, done) = on_one
            .post("/api/v1/steps/a.read/complete", json!({}))
            .await;
        assert_eq!(status, 200, "{done}");
        let (_, daily) = on_two.get("/api/v1/lessons/daily").await;
        assert_eq!(
            step(&daily),
            "a.q1",
            "the other replica kept the old step: {daily}"
        );
        // ...and an answer there moves the first one on.
        let (_, daily) = on_one.get("/api/v1/lessons/daily").await;
        assert_eq!(step(&daily), "a.q1", "{daily}");
        let (status, answer) = on_two.quiz("a.q1", json!({ "selected": [1] })).await;
        assert_eq!(
            (status, &answer["correct"]),
            (200, &json!(true)),
            "{answer}"
        );
        let (_, daily) = on_one.get("/api/v1/lessons/daily").await;
        assert_eq!(step(&daily), "a.q2", "{daily}");
        // A tone chosen on one replica is the other's at once too.
        let (status, me) = on_two
            .send(
                reqwest::Method::PATCH,
                "/api/v1/me/profile",
                Some(json!({ "tone": "formal" })),
            )
            .await;
        assert_eq!(status, 200, "{me}");
        let (_, daily) = on_one.get("/api/v1/lessons/daily").await;
        assert_eq!(daily["tone"], "formal", "{daily}");
    }
}

#[tokio::test]
async fn a_project_the_grader_cannot_grade_fails_with_the_reason() {
    let model = Upstream::speaking(Wire::OpenAi, Behaviour::Fail(503)).await;
    let gateway = gateway_with(
        &[provider("down", Wire::OpenAi, model.port, &["rubric-1"])],
        &[
            (
                "routes",
                json!({ "project-grading": ["rubric-1"], "default": ["tessera-offline"] }),
            ),
            ("retry", json!({ "max_attempts": 1 })),
        ],
    );
    let pack = tempfile::tempdir().unwrap();
    write_pack(pack.path());
    let mut dirs: Vec<_> = plugin_dirs(&[
        "quiz-grader",
        "lesson-engine",
        "project-grader",
        "safety-filter",
    ]);
    dirs.push(gateway.path().to_owned());
    let server = Server::start_with(&dirs, &["--content-dir", pack.path().to_str().unwrap()]).await;
    let reg = server.register("student").await;
    let session = session(&server, reg["access_token"].as_str().unwrap(), 1);
    let (status, queued) = session
        .post(
            "/api/v1/projects/b.project/submissions",
            json!({ "text": "My grade book." }),
        )
        .await;
    assert_eq!(status, 202, "{queued}");
    let id = queued["submission_id"].as_str().unwrap();
    let failed = eventually("the grading to fail", Duration::from_secs(30), async || {
        let (_, body) = session
            .get(&format!("/api/v1/projects/submissions/{id}"))
            .await;
        assert_ne!(body["status"], "graded", "{body}");
        if body["status"] == "failed" {
            Ok(body)
        } else {
            Err(body)
        }
    })
    .await;
    // Retried (the grader was unavailable), then given up with the reason.
    assert!(model.hits() >= 3, "{} model calls", model.hits());
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("no grading model is available"),
        "{failed}"
    );
    assert!(failed["score"].is_null(), "{failed}");
    // Nothing was recorded: the step is not done.
    let (_, daily) = session.get("/api/v1/lessons/daily").await;
    assert_eq!(daily["lesson"]["id"], "a", "{daily}");
}
