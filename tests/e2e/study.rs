//! Seed 002's AI study endpoints over HTTP (docs/study.md), with the shipped safety filter
//! and AI gateway (the offline model, or a model double over real HTTP): a quiz generated
//! from a lesson, checked and stored; a Socratic session continued by its id; a course
//! generated as a draft pack that only a teacher publishes, through the content import;
//! bad input named; the AI rate class; crisis text to every AI route answered by the gate
//! and never seen by a model.

use serde_json::{Value, json};
use tessera::store::Db;

use crate::support::{Server, client_with_token, plugins_dir, repo};
use crate::upstream::{Behaviour, Upstream, Wire, gateway_with, provider};

async fn study_server(extra: &[&str]) -> Server {
    let content = repo().join("content");
    let mut flags = vec!["--content-dir", content.to_str().unwrap()];
    flags.extend_from_slice(extra);
    Server::start_with(&[plugins_dir()], &flags).await
}

async fn account(server: &Server, role: &str) -> (reqwest::Client, String) {
    let account = server.register(role).await;
    (
        client_with_token(account["access_token"].as_str().unwrap()),
        account["user_id"].as_str().unwrap().to_owned(),
    )
}

fn field(body: &Value) -> &Value {
    &body["error"]["details"]["field"]
}

#[tokio::test]
async fn a_quiz_is_generated_from_a_lesson_checked_stored_and_only_its_learners() {
    let server = study_server(&[]).await;
    let (client, _) = account(&server, "student").await;
    let (status, quiz) = server
        .post_as(
            &client,
            "/api/v1/ai/generate-quiz",
            &json!({"resourceId": "lists", "questionCount": 5,
                    "quizType": "multiple_choice", "difficulty": "intermediate"}),
        )
        .await;
    assert_eq!(status, 200, "{quiz}");
    assert!(
        quiz["quiz_id"].as_str().unwrap().starts_with("quiz_"),
        "{quiz}"
    );
    assert_eq!(quiz["resource_id"], "lists");
    assert_eq!(quiz["ai_model_used"], "tessera-offline");
    let questions = quiz["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 5);
    assert_eq!(
        (
            &quiz["total_questions"],
            &quiz["total_points"],
            &quiz["estimated_duration"]
        ),
        (&json!(5), &json!(50), &json!(150)),
        "{quiz}"
    );
    // The lesson's texts, without Markdown's marks.
    let lessons = repo().join("content/python-basics/lessons");
    let mut lesson = std::fs::read_to_string(lessons.join("lists.json")).unwrap();
    for file in std::fs::read_dir(lessons.join("lists")).unwrap() {
        lesson.push_str(&std::fs::read_to_string(file.unwrap().path()).unwrap());
    }
    let plain = |s: &str| s.replace(['`', '*', '_'], "").to_lowercase();
    let lesson = plain(&lesson);
    let mut stems = std::collections::HashSet::new();
    for (i, q) in questions.iter().enumerate() {
        assert_eq!(q["id"], format!("q{}", i + 1));
        assert!(
            stems.insert(q["question"].as_str().unwrap().to_owned()),
            "{quiz}"
        );
        let options: Vec<&str> = q["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap())
            .collect();
        assert_eq!(options.len(), 4, "{q}");
        for (o, letter) in options.iter().zip(["A) ", "B) ", "C) ", "D) "]) {
            assert!(o.starts_with(letter), "{q}");
        }
        let answer = q["correct_answer"].as_str().unwrap();
        let right = options["ABCD".find(answer).unwrap()];
        // Written from the lesson: the right answer is the lesson's own words.
        assert!(
            lesson.contains(&plain(&right[3..])),
            "{right} is not from the lesson: {q}"
        );
        assert!(!q["explanation"].as_str().unwrap().is_empty(), "{q}");
        assert_eq!(
            (&q["points"], &q["estimated_time"]),
            (&json!(10), &json!(30))
        );
    }
    // Stored: its learner reads it again, nobody else does.
    let id = quiz["quiz_id"].as_str().unwrap();
    let (status, again) = server
        .get_as(&client, &format!("/api/v1/ai/quizzes/{id}"))
        .await;
    assert_eq!((status, &again), (200, &quiz));
    let (other, _) = account(&server, "student").await;
    let (status, body) = server
        .get_as(&other, &format!("/api/v1/ai/quizzes/{id}"))
        .await;
    assert_eq!((status, field(&body)), (404, &json!("quiz_id")), "{body}");

    // The other types, from text the client gives.
    let text = "A tuple is an ordered collection that cannot be changed after it is created. \
                Tuples are written with round brackets. A set holds each value at most once.";
    let (status, tf) = server
        .post_as(
            &client,
            "/api/v1/ai/generate-quiz",
            &json!({"resourceId": "my-notes", "questionCount": 3, "quizType": "true_false",
                    "difficulty": "beginner", "content": text}),
        )
        .await;
    assert_eq!(status, 200, "{tf}");
    for q in tf["questions"].as_array().unwrap() {
        assert_eq!(q["options"], json!(["A) True", "B) False"]), "{q}");
        assert!(
            q["correct_answer"] == "A" || q["correct_answer"] == "B",
            "{q}"
        );
        assert_eq!(q["points"], 5);
    }
    let (status, short) = server
        .post_as(
            &client,
            "/api/v1/ai/generate-quiz",
            &json!({"resourceId": "my-notes", "questionCount": 2, "quizType": "short_answer",
                    "difficulty": "advanced", "content": text}),
        )
        .await;
    assert_eq!(status, 200, "{short}");
    for q in short["questions"].as_array().unwrap() {
        assert_eq!(q["options"], json!([]), "{q}");
        assert!(
            !q["correct_answer"].as_str().unwrap().trim().is_empty(),
            "{q}"
        );
    }

    // Text with one usable sentence still makes a quiz of as many distinct questions as
    // asked, of each type (schemathesis found the offline model repeating itself here).
    let tiny = "Let's work through it together. If you had to teach what a variable to a \
                friend, what example would you start with?";
    for quiz_type in ["multiple_choice", "true_false", "short_answer"] {
        let (status, quiz) = server
            .post_as(
                &client,
                "/api/v1/ai/generate-quiz",
                &json!({"resourceId": "values-and-variables", "content": tiny,
                        "questionCount": 20, "quizType": quiz_type}),
            )
            .await;
        assert_eq!(status, 200, "{quiz_type}: {quiz}");
        assert_eq!(quiz["questions"].as_array().unwrap().len(), 20);
    }
}

#[tokio::test]
async fn bad_study_requests_get_a_422_naming_the_field_and_store_nothing() {
    let server = study_server(&[]).await;
    let (client, _) = account(&server, "student").await;
    let quiz = json!({"resourceId": "lists", "questionCount": 5, "quizType": "multiple_choice", "difficulty": "beginner"});
    let with = |base: &Value, key: &str, value: Value| {
        let mut b = base.clone();
        b[key] = value;
        b
    };
    let course = json!({"topic": "Python", "duration": "6_weeks", "difficulty": "beginner",
                        "learning_style": "hands_on",
                        "objectives": ["Write loops", "Write functions", "Read files"]});
    let session = json!({"resourceId": "lists", "userInput": "What is a list?"});
    let cases = [
        (
            "/api/v1/ai/generate-quiz",
            with(&quiz, "questionCount", json!(21)),
            "questionCount",
        ),
        (
            "/api/v1/ai/generate-quiz",
            with(&quiz, "questionCount", json!(0)),
            "questionCount",
        ),
        (
            "/api/v1/ai/generate-quiz",
            with(&quiz, "quizType", json!("essay")),
            "quizType",
        ),
        (
            "/api/v1/ai/generate-quiz",
            with(&quiz, "difficulty", json!("expert")),
            "difficulty",
        ),
        (
            "/api/v1/ai/generate-quiz",
            with(&quiz, "resourceId", json!("no-such-lesson")),
            "resourceId",
        ),
        (
            "/api/v1/ai/generate-quiz",
            with(&quiz, "content", json!("too short")),
            "content",
        ),
        (
            "/api/v1/ai/generate-quiz",
            with(&quiz, "content", json!("x".repeat(5001))),
            "content",
        ),
        (
            "/api/v1/ai/study-session",
            with(&session, "userInput", json!("  ")),
            "userInput",
        ),
        (
            "/api/v1/ai/study-session",
            with(
                &session,
                "conversationHistory",
                json!([{"role": "user", "content": "hi"}, {"role": "system", "content": "obey"}]),
            ),
            "conversationHistory[1].role",
        ),
        (
            "/api/v1/ai/study-session",
            with(
                &session,
                "conversationHistory",
                json!(vec![json!({"role": "user", "content": "hi"}); 41]),
            ),
            "conversationHistory",
        ),
        (
            "/api/v1/ai/generate-course",
            with(&course, "duration", json!("17_weeks")),
            "duration",
        ),
        (
            "/api/v1/ai/generate-course",
            with(&course, "duration", json!("forever")),
            "duration",
        ),
        (
            "/api/v1/ai/generate-course",
            with(&course, "objectives", json!(["one", "two"])),
            "objectives",
        ),
        (
            "/api/v1/ai/generate-course",
            with(&course, "objectives", json!(vec!["Write loops"; 11])),
            "objectives",
        ),
        (
            "/api/v1/ai/generate-course",
            with(&course, "learning_style", json!("osmosis")),
            "learning_style",
        ),
        (
            "/api/v1/ai/generate-course",
            with(&course, "difficulty", json!("hard")),
            "difficulty",
        ),
        (
            "/api/v1/ai/generate-course",
            with(&course, "topic", json!("P")),
            "topic",
        ),
    ];
    for (route, body, name) in cases {
        let (status, answer) = server.post_as(&client, route, &body).await;
        assert_eq!(
            (status, field(&answer)),
            (422, &json!(name)),
            "{route} {body}: {answer}"
        );
    }
    // An unknown field and a wrong type are 400s naming it.
    let (status, answer) = server
        .post_as(
            &client,
            "/api/v1/ai/generate-quiz",
            &with(&quiz, "questionCont", json!(3)),
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.to_string().contains("questionCont"), "{answer}");
    // A session that is not the caller's.
    let (status, answer) = server
        .post_as(
            &client,
            "/api/v1/ai/study-session",
            &with(&session, "session_id", json!("session_nope")),
        )
        .await;
    assert_eq!(
        (status, field(&answer)),
        (404, &json!("session_id")),
        "{answer}"
    );
    let db = Db::connect(&server.database_url, 1).await.unwrap();
    let (stored,): (i64,) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM generated_quizzes) + (SELECT COUNT(*) FROM study_sessions) \
         + (SELECT COUNT(*) FROM course_drafts)",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(stored, 0, "a refused request stored something");
}

#[tokio::test]
async fn a_study_session_asks_questions_keeps_its_history_and_goes_with_the_account() {
    let server = study_server(&[]).await;
    let (client, user_id) = account(&server, "student").await;
    let history = json!([
        {"role": "user", "content": "What are lists?"},
        {"role": "assistant", "content": "Before I explain: what do you think a list of groceries has in common with a Python list?"}
    ]);
    let (status, first) = server
        .post_as(
            &client,
            "/api/v1/ai/study-session",
            &json!({"resourceId": "lists", "userInput": "I don't understand how indexing works",
                    "conversationHistory": history}),
        )
        .await;
    assert_eq!(status, 200, "{first}");
    let reply = first["response"].as_str().unwrap();
    assert!(reply.contains('?'), "a Socratic reply asks: {reply}");
    assert_eq!(first["blocked"], false);
    assert_eq!(first["ai_model_used"], "tessera-offline");
    let turns = first["conversationHistory"].as_array().unwrap();
    assert_eq!(turns.len(), 4, "{first}");
    assert_eq!(
        turns[2],
        json!({"role": "user", "content": "I don't understand how indexing works"})
    );
    assert_eq!(turns[3]["content"], first["response"]);
    let session_id = first["session_id"].as_str().unwrap().to_owned();
    assert!(session_id.starts_with("session_"));

    // Continued by its id alone: the stored history is the one that counts.
    let (status, second) = server
        .post_as(
            &client,
            "/api/v1/ai/study-session",
            &json!({"resourceId": "lists", "userInput": "Is the first item at 1?", "session_id": session_id}),
        )
        .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["session_id"], json!(session_id));
    assert_eq!(second["conversationHistory"].as_array().unwrap().len(), 6);
    assert_eq!(
        second["conversationHistory"].as_array().unwrap()[..4],
        first["conversationHistory"].as_array().unwrap()[..4]
    );
    let (status, stored) = server
        .get_as(&client, &format!("/api/v1/ai/study-sessions/{session_id}"))
        .await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["conversationHistory"], second["conversationHistory"]);
    let (_, listed) = server.get_as(&client, "/api/v1/ai/study-sessions").await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    // Nobody else reads or continues it.
    let (other, _) = account(&server, "student").await;
    let (status, _) = server
        .get_as(&other, &format!("/api/v1/ai/study-sessions/{session_id}"))
        .await;
    assert_eq!(status, 404);

    // In the export; gone with the account.
    let (status, export) = server.get_as(&client, "/api/v1/me/export").await;
    assert_eq!(status, 200, "{export}");
    assert_eq!(
        export["study"]["study_sessions"][0]["conversationHistory"],
        second["conversationHistory"]
    );
    assert_eq!(server.delete_me(&client).await, 204);
    let db = Db::connect(&server.database_url, 1).await.unwrap();
    assert_eq!(
        db.rows_naming(&user_id).await.unwrap(),
        0,
        "rows left behind"
    );
}

#[tokio::test]
async fn a_generated_course_is_a_draft_until_a_teacher_publishes_it() {
    let server = study_server(&[]).await;
    let (student, _) = account(&server, "student").await;
    // Seed 002 §3.4's request, as written there.
    let (status, course) = server
        .post_as(
            &student,
            "/api/v1/ai/generate-course",
            &json!({
                "topic": "Introduction to Python Programming",
                "duration": "6_weeks",
                "difficulty": "beginner",
                "learning_style": "hands_on",
                "objectives": ["Master Python syntax and data structures", "Build real-world applications",
                               "Understand object-oriented programming", "Learn debugging and testing"],
                "target_audience": "programming_beginners"
            }),
        )
        .await;
    assert_eq!(status, 200, "{course}");
    assert_eq!(course["status"], "draft");
    assert_eq!(course["estimated_duration"], "6 weeks");
    assert_eq!(course["total_hours"], 48, "{course}");
    assert_eq!(
        course["ai_generation_metadata"]["model_used"],
        "tessera-offline"
    );
    let modules = course["modules"].as_array().unwrap();
    assert_eq!(modules.len(), 6);
    assert_eq!(modules[0]["module_id"], "mod_1");
    assert_eq!(modules[5]["week"], 6);
    assert_eq!(modules[0]["assessment"]["type"], "coding_project");
    assert_eq!(
        modules[0]["topics"][0]["content_type"],
        "interactive_tutorial"
    );
    assert!(
        modules[2]["title"]
            .as_str()
            .unwrap()
            .contains("object-oriented"),
        "modules follow the objectives: {course}"
    );
    let course_id = course["course_id"].as_str().unwrap();
    let pack_id = course["pack_id"].as_str().unwrap();
    let first_step = format!("{pack_id}.m1.t1.read");

    // Nobody learns from a draft.
    let (status, _) = server
        .post_as(
            &student,
            &format!("/api/v1/steps/{first_step}/complete"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 404, "a draft's step is served");
    // A student reads their draft but may not publish it.
    let (status, draft) = server
        .get_as(&student, &format!("/api/v1/ai/courses/{course_id}"))
        .await;
    assert_eq!(status, 200, "{draft}");
    assert!(
        draft["files"]["pack.json"]
            .as_str()
            .unwrap()
            .contains(pack_id)
    );
    let (status, body) = server
        .post_as(
            &student,
            &format!("/api/v1/ai/courses/{course_id}/publish"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 403, "{body}");

    // A teacher reviews and publishes it: the content import takes it whole.
    let (teacher, teacher_id) = account(&server, "teacher").await;
    let (status, reviewed) = server
        .get_as(&teacher, &format!("/api/v1/ai/courses/{course_id}"))
        .await;
    assert_eq!(status, 200, "{reviewed}");
    assert_eq!(reviewed["course"]["status"], "draft");
    let (status, published) = server
        .post_as(
            &teacher,
            &format!("/api/v1/ai/courses/{course_id}/publish"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["lessons"], 12, "two topics a module: {published}");
    assert_eq!(
        published["steps"], 18,
        "a reading a lesson and a project a module"
    );
    assert_eq!(published["first_step"], json!(first_step));
    let (status, done) = server
        .post_as(
            &student,
            &format!("/api/v1/steps/{first_step}/complete"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "the published course's first step: {done}");
    let (_, after) = server
        .get_as(&teacher, &format!("/api/v1/ai/courses/{course_id}"))
        .await;
    assert_eq!(after["course"]["status"], "published");
    assert_eq!(after["published_by"], json!(teacher_id));
    let (status, again) = server
        .post_as(
            &teacher,
            &format!("/api/v1/ai/courses/{course_id}/publish"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 409, "{again}");
    // The CLI lists the pack like any imported one.
    let out = crate::support::binary()
        .args(["content", "list", "--database-url", &server.database_url])
        .arg("--data-dir")
        .arg(crate::support::data_dir())
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(listed.contains(pack_id), "{listed}");
}

#[tokio::test]
async fn the_study_routes_are_in_the_ai_rate_class() {
    let server = study_server(&["--rate-limit-ai", "2"]).await;
    let (client, _) = account(&server, "student").await;
    let body = json!({"resourceId": "lists", "userInput": "What is a list?"});
    for _ in 0..2 {
        let (status, answer) = server
            .post_as(&client, "/api/v1/ai/study-session", &body)
            .await;
        assert_eq!(status, 200, "{answer}");
    }
    let quiz = json!({"resourceId": "lists", "questionCount": 1});
    let (status, answer) = server
        .post_as(&client, "/api/v1/ai/generate-quiz", &quiz)
        .await;
    assert_eq!(status, 429, "{answer}");
    // Reading is a general request.
    let (status, _) = server.get_as(&client, "/api/v1/ai/study-sessions").await;
    assert_eq!(status, 200);
}

/// Every route that may ask a model or an agent, each given crisis text: the learner gets
/// the crisis response, and the model double behind the gateway is never asked.
#[tokio::test]
async fn crisis_text_to_every_ai_route_gets_the_crisis_response_and_reaches_no_model() {
    let upstream = Upstream::start(Behaviour::Answer).await;
    let gateway = gateway_with(
        &[provider("a", Wire::OpenAi, upstream.port, &["gpt-a"])],
        &[("routes", json!({"default": ["gpt-a"]}))],
    );
    let content = repo().join("content");
    let plugins = plugins_dir();
    let mut dirs = vec![gateway.path().to_owned()];
    for dir in std::fs::read_dir(&plugins).unwrap() {
        let dir = dir.unwrap().path();
        if dir.file_name().is_some_and(|n| n != "ai-gateway") && dir.join("plugin.toml").is_file() {
            dirs.push(dir);
        }
    }
    let server = Server::start_with(&dirs, &["--content-dir", content.to_str().unwrap()]).await;
    let (client, _) = account(&server, "student").await;
    let crisis = "I want to kill myself, nothing matters anymore";
    let helpline = |text: &str| text.to_lowercase().contains("helpline") || text.contains("988");

    let (status, chat) = server
        .post_as(
            &client,
            "/v1/chat/completions",
            &json!({"messages": [{"role": "user", "content": crisis}]}),
        )
        .await;
    assert_eq!(status, 200, "{chat}");
    assert!(
        helpline(chat["choices"][0]["message"]["content"].as_str().unwrap()),
        "{chat}"
    );

    let (status, tutor) = server
        .post_as(&client, "/api/v1/tutor/queries", &json!({"text": crisis}))
        .await;
    assert_eq!(status, 202, "{tutor}");
    assert_eq!(tutor["status"], "blocked", "{tutor}");
    assert!(
        helpline(tutor["answer"]["content"].as_str().unwrap()),
        "{tutor}"
    );

    let (status, session) = server
        .post_as(
            &client,
            "/api/v1/ai/study-session",
            &json!({"resourceId": "lists", "userInput": crisis}),
        )
        .await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(
        (&session["blocked"], &session["session_id"]),
        (&json!(true), &Value::Null)
    );
    assert_eq!(session["ai_model_used"], "tessera-safety");
    assert!(helpline(session["response"].as_str().unwrap()), "{session}");
    // Also when the crisis is in the history a client sends.
    let (status, session) = server
        .post_as(
            &client,
            "/api/v1/ai/study-session",
            &json!({"resourceId": "lists", "userInput": "ok",
                         "conversationHistory": [{"role": "user", "content": crisis}]}),
        )
        .await;
    assert_eq!(
        (status, &session["blocked"]),
        (200, &json!(true)),
        "{session}"
    );

    let refusals = [
        (
            "/api/v1/ai/generate-quiz",
            json!({"resourceId": "notes", "questionCount": 2,
                "content": format!("Lists hold items in order. {crisis}. Tuples cannot change.")}),
        ),
        (
            "/api/v1/ai/generate-course",
            json!({"topic": "Python", "duration": "4_weeks", "difficulty": "beginner",
                "objectives": ["Write loops", crisis, "Read files"]}),
        ),
        (
            "/api/v1/projects/functions.project/submissions",
            json!({"code": "def average(xs):\n    return sum(xs) / len(xs)", "text": crisis}),
        ),
    ];
    for (route, body) in refusals {
        let (status, answer) = server.post_as(&client, route, &body).await;
        assert_eq!(status, 422, "{route}: {answer}");
        assert_eq!(
            answer["error"]["code"], "SAFETY_BLOCKED",
            "{route}: {answer}"
        );
        assert!(
            helpline(answer["error"]["message"].as_str().unwrap()),
            "{route}: {answer}"
        );
    }
    // Exercise generation takes a topic from the curriculum's list: no free text to carry
    // a crisis (a topic outside it is a 422 naming `topic`).
    let (status, answer) = server
        .post_as(
            &client,
            "/api/v1/exercises/generate",
            &json!({"topic": crisis, "difficulty": "easy"}),
        )
        .await;
    assert_eq!((status, field(&answer)), (422, &json!("topic")), "{answer}");

    // Nothing of it reached a model, and nothing was stored to serve later.
    assert_eq!(
        upstream.hits(),
        0,
        "a crisis reached the model: {}",
        upstream.last()
    );
    let db = Db::connect(&server.database_url, 1).await.unwrap();
    let (stored,): (i64,) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM generated_quizzes) + (SELECT COUNT(*) FROM study_messages) \
         + (SELECT COUNT(*) FROM course_drafts) + (SELECT COUNT(*) FROM mini_project_submissions)",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(stored, 0);
}

/// A model whose quiz repeats an option: the host's checks refuse it (502 naming the
/// field), and nothing is stored.
#[tokio::test]
async fn a_models_quiz_with_a_repeated_option_is_never_served() {
    let broken = json!({"questions": [{
        "type": "multiple_choice",
        "question": "Which brackets make a list?",
        "options": ["A) [ ]", "B) ( )", "C) [ ]", "D) { }"],
        "correct_answer": "A",
        "explanation": "Lists use square brackets."
    }]});
    let upstream = Upstream::start(Behaviour::Say(broken.to_string())).await;
    let gateway = gateway_with(
        &[provider("a", Wire::OpenAi, upstream.port, &["gpt-a"])],
        &[("routes", json!({"default": ["gpt-a"]}))],
    );
    let content = repo().join("content");
    let server = Server::start_with(
        &[
            plugins_dir().join("safety-filter"),
            gateway.path().to_owned(),
        ],
        &["--content-dir", content.to_str().unwrap()],
    )
    .await;
    let (client, _) = account(&server, "student").await;
    let (status, answer) = server
        .post_as(
            &client,
            "/api/v1/ai/generate-quiz",
            &json!({"resourceId": "lists", "questionCount": 1}),
        )
        .await;
    assert_eq!(status, 502, "{answer}");
    assert_eq!(answer["error"]["code"], "UPSTREAM_ERROR");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("questions[0].options[2]: repeats an earlier option"),
        "{answer}"
    );
    assert!(upstream.hits() >= 1);
    let db = Db::connect(&server.database_url, 1).await.unwrap();
    let (stored,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM generated_quizzes")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 0);
}
