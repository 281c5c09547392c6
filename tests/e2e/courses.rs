//! The course catalog over HTTP on both databases (seed 002 §4.2): browse with filters,
//! search and sorting in seed 002's pagination shape, a course with its modules, enrol and
//! unenrol, reviews with the rating they move (and a crisis review stopped), a teacher's and
//! an admin's edits, delisting, and the search limit.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::{Server, backends, call, client_with_token, plugins_dir};

/// Three courses on two tracks, the catalog's fields on two of them.
pub(crate) fn write_pack(dir: &Path) {
    let lessons = dir.join("lessons");
    std::fs::create_dir_all(&lessons).unwrap();
    std::fs::write(
        dir.join("pack.json"),
        json!({ "id": "catalog", "version": "1.0.0", "title": "Catalog", "tracks": [
            { "id": "code", "title": "Programming", "courses": [
                { "id": "loops", "title": "Loops in Python",
                  "description": "Repeat work with for and while loops.",
                  "short_description": "for, while, break",
                  "difficulty": "beginner", "category": "Programming",
                  "tags": ["Python", "loops"], "objectives": ["Write a for loop"],
                  "prerequisites": ["Printing"],
                  "thumbnail_url": "https://cdn.example.com/loops.png",
                  "modules": [
                    { "id": "loops-1", "title": "For", "lessons": ["for"] },
                    { "id": "loops-2", "title": "While", "lessons": ["while", "break"] } ] },
                { "id": "classes", "title": "Classes and objects",
                  "description": "Model the world with Python classes.",
                  "difficulty": "intermediate", "tags": ["python", "oop"],
                  "modules": [ { "id": "classes-1", "title": "Classes", "lessons": ["class"] } ] } ] },
            { "id": "data", "title": "Data", "courses": [
                { "id": "sql", "title": "SQL queries", "description": "SELECT, WHERE and JOIN.",
                  "modules": [ { "id": "sql-1", "title": "Select", "lessons": ["select"] } ] } ] } ] })
        .to_string(),
    )
    .unwrap();
    for (id, minutes) in [
        ("for", 5),
        ("while", 7),
        ("break", 3),
        ("class", 10),
        ("select", 8),
    ] {
        std::fs::write(
            lessons.join(format!("{id}.json")),
            json!({ "id": id, "title": format!("Lesson {id}"), "topic": id,
                    "estimated_minutes": minutes, "steps": [
                { "id": format!("{id}.q"), "kind": "quiz", "question": { "kind": "true_false",
                  "prompt": "Ready?", "answer_key": { "correct": true } } } ] })
            .to_string(),
        )
        .unwrap();
    }
}

async fn get(client: &reqwest::Client, server: &Server, path: &str) -> (u16, Value) {
    call(server, client, reqwest::Method::GET, path, None).await
}

async fn send(
    client: &reqwest::Client,
    server: &Server,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    call(server, client, method, path, body).await
}

fn ids(page: &Value) -> Vec<String> {
    page["courses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn learners_browse_enrol_and_review_and_staff_edit_the_catalog() {
    let pack = tempfile::tempdir().unwrap();
    write_pack(pack.path());
    for backend in backends() {
        let server = Server::start_on(
            backend,
            &[plugins_dir().join("safety-filter")],
            &["--content-dir", pack.path().to_str().unwrap()],
        )
        .await;
        let reg = server.register("student").await;
        let student = client_with_token(reg["access_token"].as_str().unwrap());
        let other = server.client_of("student").await;
        let teacher = server.client_of("teacher").await;
        let admin = &server.http;

        // Browse: every published course, seed 002's pagination.
        let (status, page) = get(&student, &server, "/api/v1/courses?sort=title&limit=2").await;
        assert_eq!(status, 200, "{backend:?}: {page}");
        assert_eq!(ids(&page), ["classes", "loops"], "{page}");
        assert_eq!(
            page["pagination"],
            json!({"current_page": 1, "total_pages": 2, "total_items": 3, "has_next": true})
        );
        let (_, rest) = get(
            &student,
            &server,
            "/api/v1/courses?sort=title&limit=2&offset=2",
        )
        .await;
        assert_eq!(ids(&rest), ["sql"]);
        assert_eq!(rest["pagination"]["has_next"], false);
        let loops = &page["courses"][1];
        assert_eq!(loops["difficulty"], "beginner");
        assert_eq!(
            loops["estimated_duration"], 15,
            "its lessons' minutes: {loops}"
        );
        assert_eq!(loops["tags"], json!(["Python", "loops"]));
        assert_eq!(loops["learning_objectives"], json!(["Write a for loop"]));
        assert_eq!(loops["thumbnail_url"], "https://cdn.example.com/loops.png");
        assert_eq!(loops["is_published"], true);
        assert_eq!(loops["is_ai_generated"], false);
        // A course that says nothing of its category is listed under its track.
        let (_, sql) = get(&student, &server, "/api/v1/courses/sql").await;
        assert_eq!(sql["category"], "Data", "{sql}");

        // Filters and search (any case, every word).
        for (query, want) in [
            ("difficulty=intermediate", vec!["classes"]),
            ("tag=PYTHON&sort=title", vec!["classes", "loops"]),
            ("category=Data", vec!["sql"]),
            ("search=WHILE%20loops", vec!["loops"]),
            ("search=python&sort=title", vec!["classes", "loops"]),
            ("search=100%25", vec![]),
        ] {
            let (status, page) = get(&student, &server, &format!("/api/v1/courses?{query}")).await;
            assert_eq!(status, 200, "{query}: {page}");
            assert_eq!(ids(&page), want, "{query}: {page}");
        }
        for (query, field) in [
            ("difficulty=expert", "difficulty"),
            ("sort=cheapest", "sort"),
            ("limit=0", "limit"),
            ("offset=-1", "offset"),
        ] {
            let (status, body) = get(&student, &server, &format!("/api/v1/courses?{query}")).await;
            assert_eq!(status, 422, "{query}: {body}");
            assert_eq!(body["error"]["details"]["field"], field, "{query}: {body}");
        }
        let (status, _) = get(&student, &server, "/api/v1/courses?colour=red").await;
        assert_eq!(status, 400);

        // One course with its modules and lessons.
        let (status, detail) = get(&student, &server, "/api/v1/courses/loops").await;
        assert_eq!(status, 200, "{detail}");
        assert_eq!(detail["enrolled"], false);
        let modules = detail["modules"].as_array().unwrap();
        assert_eq!(modules.len(), 2);
        assert_eq!(modules[1]["id"], "loops-2");
        assert_eq!(modules[1]["estimated_duration"], 10);
        assert_eq!(modules[1]["lessons"][1]["id"], "break");
        let (status, body) = get(&student, &server, "/api/v1/courses/nope").await;
        assert_eq!(status, 404, "{body}");

        // Enrol (twice: once counted), list mine, unenrol.
        let (status, e) = send(
            &student,
            &server,
            reqwest::Method::POST,
            "/api/v1/courses/loops/enroll",
            None,
        )
        .await;
        assert_eq!(status, 200, "{e}");
        assert_eq!(
            (e["newly_enrolled"].clone(), e["enrollment_count"].clone()),
            (json!(true), json!(1))
        );
        let (_, e) = send(
            &student,
            &server,
            reqwest::Method::POST,
            "/api/v1/courses/loops/enroll",
            None,
        )
        .await;
        assert_eq!(
            (e["newly_enrolled"].clone(), e["enrollment_count"].clone()),
            (json!(false), json!(1))
        );
        let (_, mine) = get(&student, &server, "/api/v1/courses?enrolled=true").await;
        assert_eq!(ids(&mine), ["loops"]);
        let (_, detail) = get(&student, &server, "/api/v1/courses/loops").await;
        assert_eq!(detail["enrolled"], true);
        let (_, popular) = get(&other, &server, "/api/v1/courses").await;
        assert_eq!(ids(&popular)[0], "loops", "most enrolled first: {popular}");
        send(
            &student,
            &server,
            reqwest::Method::POST,
            "/api/v1/courses/sql/enroll",
            None,
        )
        .await;
        let (status, _) = send(
            &student,
            &server,
            reqwest::Method::DELETE,
            "/api/v1/courses/sql/enroll",
            None,
        )
        .await;
        assert_eq!(status, 204);
        let (status, _) = send(
            &student,
            &server,
            reqwest::Method::DELETE,
            "/api/v1/courses/sql/enroll",
            None,
        )
        .await;
        assert_eq!(status, 404);
        let (_, sql) = get(&student, &server, "/api/v1/courses/sql").await;
        assert_eq!(sql["enrollment_count"], 0);

        // Reviews: enrolled learners only, one each, editable; the rating follows.
        let review = |rating: i64, body: &str| json!({"rating": rating, "body": body});
        let path = "/api/v1/courses/loops/reviews/me";
        let (status, body) = send(
            &other,
            &server,
            reqwest::Method::PUT,
            path,
            Some(review(2, "Too fast.")),
        )
        .await;
        assert_eq!(status, 403, "not enrolled: {body}");
        let (status, body) = send(
            &student,
            &server,
            reqwest::Method::PUT,
            path,
            Some(review(6, "")),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["details"]["field"], "rating");
        let (status, mine) = send(
            &student,
            &server,
            reqwest::Method::PUT,
            path,
            Some(review(4, "Clear.")),
        )
        .await;
        assert_eq!(status, 200, "{mine}");
        assert_eq!(mine["rating"], 4);
        send(
            &other,
            &server,
            reqwest::Method::POST,
            "/api/v1/courses/loops/enroll",
            None,
        )
        .await;
        send(
            &other,
            &server,
            reqwest::Method::PUT,
            path,
            Some(review(2, "Too fast.")),
        )
        .await;
        let (_, edited) = send(
            &student,
            &server,
            reqwest::Method::PUT,
            path,
            Some(review(5, "Clear and kind.")),
        )
        .await;
        assert_eq!(edited["body"], "Clear and kind.");
        let (status, reviews) = get(&student, &server, "/api/v1/courses/loops/reviews").await;
        assert_eq!(status, 200, "{reviews}");
        assert_eq!(reviews["average_rating"], 3.5, "{reviews}");
        assert_eq!(reviews["pagination"]["total_items"], 2);
        assert_eq!(
            reviews["reviews"][0]["body"], "Clear and kind.",
            "most recent first"
        );
        // A crisis in a review reaches nobody: the author gets support, nothing is stored.
        let (status, body) = send(
            &other,
            &server,
            reqwest::Method::PUT,
            path,
            Some(review(1, "I want to end my life, nothing matters anymore")),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["code"], "SAFETY_BLOCKED", "{body}");
        let (_, loops) = get(&student, &server, "/api/v1/courses/loops").await;
        assert_eq!(
            (
                loops["average_rating"].clone(),
                loops["total_reviews"].clone()
            ),
            (json!(3.5), json!(2)),
            "{loops}"
        );
        let (status, _) = send(&other, &server, reqwest::Method::DELETE, path, None).await;
        assert_eq!(status, 204);
        let (_, loops) = get(&student, &server, "/api/v1/courses/loops").await;
        assert_eq!(
            (
                loops["average_rating"].clone(),
                loops["total_reviews"].clone()
            ),
            (json!(5.0), json!(1))
        );

        // A deleted account's enrolment and review stop counting.
        let leaving = server.client_of("student").await;
        send(
            &leaving,
            &server,
            reqwest::Method::POST,
            "/api/v1/courses/sql/enroll",
            None,
        )
        .await;
        let (status, _) = send(
            &leaving,
            &server,
            reqwest::Method::PUT,
            "/api/v1/courses/sql/reviews/me",
            Some(review(1, "Not for me.")),
        )
        .await;
        assert_eq!(status, 200);
        let (_, sql) = get(&student, &server, "/api/v1/courses/sql").await;
        assert_eq!(
            (
                sql["enrollment_count"].clone(),
                sql["total_reviews"].clone()
            ),
            (json!(1), json!(1))
        );
        // Their export holds both.
        let (status, export) = get(&leaving, &server, "/api/v1/me/export").await;
        assert_eq!(status, 200, "{export}");
        assert_eq!(
            export["courses"]["enrollments"][0]["course_id"], "sql",
            "{export}"
        );
        assert_eq!(
            export["courses"]["reviews"][0]["body"], "Not for me.",
            "{export}"
        );
        assert_eq!(server.delete_me(&leaving).await, 204);
        let (_, sql) = get(&student, &server, "/api/v1/courses/sql").await;
        assert_eq!(
            (
                sql["enrollment_count"].clone(),
                sql["total_reviews"].clone(),
                sql["average_rating"].clone()
            ),
            (json!(0), json!(0), json!(0.0)),
            "{sql}"
        );

        // Edits: a teacher edits only courses they made; an admin any.
        let change = json!({"difficulty": "advanced", "tags": ["SQL", "joins"]});
        let (status, _) = send(
            &student,
            &server,
            reqwest::Method::PATCH,
            "/api/v1/courses/sql",
            Some(change.clone()),
        )
        .await;
        assert_eq!(status, 403);
        let (status, _) = send(
            &teacher,
            &server,
            reqwest::Method::PATCH,
            "/api/v1/courses/sql",
            Some(change.clone()),
        )
        .await;
        assert_eq!(status, 403, "a pack's course is not the teacher's");
        let (status, edited) = send(
            admin,
            &server,
            reqwest::Method::PATCH,
            "/api/v1/courses/sql",
            Some(change),
        )
        .await;
        assert_eq!(status, 200, "{edited}");
        assert_eq!(edited["difficulty"], "advanced");
        let (_, by_tag) = get(&student, &server, "/api/v1/courses?tag=joins").await;
        assert_eq!(ids(&by_tag), ["sql"]);
        let (status, body) = send(
            admin,
            &server,
            reqwest::Method::PATCH,
            "/api/v1/courses/sql",
            Some(json!({"thumbnail_url": "javascript:alert(1)"})),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(body["error"]["details"]["field"], "thumbnail_url");
        // Unpublished: gone for learners, there for staff who ask.
        send(
            admin,
            &server,
            reqwest::Method::PATCH,
            "/api/v1/courses/sql",
            Some(json!({"is_published": false})),
        )
        .await;
        let (_, page) = get(&student, &server, "/api/v1/courses").await;
        assert!(!ids(&page).contains(&"sql".to_owned()), "{page}");
        let (status, _) = get(&student, &server, "/api/v1/courses/sql").await;
        assert_eq!(status, 404);
        let (status, _) = send(
            &student,
            &server,
            reqwest::Method::POST,
            "/api/v1/courses/sql/enroll",
            None,
        )
        .await;
        assert_eq!(status, 404, "no enrolment in an unpublished course");
        let (status, _) = get(
            &student,
            &server,
            "/api/v1/courses?include_unpublished=true",
        )
        .await;
        assert_eq!(status, 403);
        let (_, all) = get(admin, &server, "/api/v1/courses?include_unpublished=true").await;
        assert!(ids(&all).contains(&"sql".to_owned()));

        // Delisting is for admins; the course's enrolments and reviews go with it.
        let (status, _) = send(
            &teacher,
            &server,
            reqwest::Method::DELETE,
            "/api/v1/courses/loops",
            None,
        )
        .await;
        assert_eq!(status, 403);
        let (status, _) = send(
            admin,
            &server,
            reqwest::Method::DELETE,
            "/api/v1/courses/loops",
            None,
        )
        .await;
        assert_eq!(status, 204);
        let (status, _) = get(&student, &server, "/api/v1/courses/loops").await;
        assert_eq!(status, 404);
        let (_, mine) = get(&student, &server, "/api/v1/courses?enrolled=true").await;
        assert_eq!(ids(&mine), Vec::<String>::new());

        // 30 searches a minute.
        let mut statuses = Vec::new();
        for _ in 0..31 {
            statuses.push(
                get(&other, &server, "/api/v1/courses?search=python")
                    .await
                    .0,
            );
        }
        assert_eq!(statuses[..30], [200; 30]);
        assert_eq!(statuses[30], 429);
        // Browsing without a search is not counted.
        assert_eq!(get(&other, &server, "/api/v1/courses").await.0, 200);
    }
}

/// A teacher's own course: one module of two lessons, as the files of a content pack.
fn teacher_pack(id: &str) -> Value {
    let lesson = |l: &str| {
        json!({ "id": l, "title": format!("Lesson {l}"), "topic": l, "estimated_minutes": 20,
                "steps": [ { "id": format!("{l}.q"), "kind": "quiz", "question": {
                    "kind": "true_false", "prompt": "Ready?", "answer_key": { "correct": true } } } ] })
        .to_string()
    };
    json!({
        "pack.json": json!({ "id": id, "version": "1.0.0", "title": "Mine", "tracks": [
            { "id": format!("{id}-track"), "title": "Teaching", "courses": [
                { "id": id, "title": "My own course", "description": "Made by a teacher.",
                  "tags": ["python"], "modules": [
                    { "id": format!("{id}-m"), "title": "Only", "lessons": [format!("{id}-a"), format!("{id}-b")] } ] } ] } ] })
        .to_string(),
        format!("lessons/{id}-a.json"): lesson(&format!("{id}-a")),
        format!("lessons/{id}-b.json"): lesson(&format!("{id}-b")),
    })
}

/// Teachers create courses (drafts until published, theirs alone to replace); enrolment
/// decides what the daily lesson draws from; finishing a course's last lesson counts as a
/// completion; per-course progress (seed 002 §4.3) and the progress page's analytics,
/// achievements' XP and recommendations with their confidence.
#[tokio::test]
async fn teachers_create_courses_and_enrolment_steers_the_daily_lesson_and_progress() {
    let pack = tempfile::tempdir().unwrap();
    write_pack(pack.path());
    let dirs = crate::learning::plugin_dirs(&["lesson-engine", "quiz-grader", "safety-filter"]);
    for backend in backends() {
        let server = Server::start_on(
            backend,
            &dirs,
            &["--content-dir", pack.path().to_str().unwrap()],
        )
        .await;
        let teacher = server.client_of("teacher").await;
        let rival = server.client_of("teacher").await;
        let reg = server.register("student").await;
        let student = client_with_token(reg["access_token"].as_str().unwrap());
        let student_id = reg["user_id"].as_str().unwrap().to_owned();
        let newcomer = server.client_of("student").await;

        // A course as a draft: listed for its teacher, unseen by learners, not in anyone's
        // daily lesson.
        let files = teacher_pack("mine");
        let (status, made) = send(
            &teacher,
            &server,
            reqwest::Method::POST,
            "/api/v1/courses",
            Some(json!({ "files": files })),
        )
        .await;
        assert_eq!(status, 201, "{backend:?}: {made}");
        assert_eq!(made["pack"]["outcome"], "imported");
        assert_eq!(made["courses"][0]["id"], "mine");
        assert_eq!(made["courses"][0]["is_published"], false, "{made}");
        assert_eq!(get(&student, &server, "/api/v1/courses/mine").await.0, 404);
        assert_eq!(get(&teacher, &server, "/api/v1/courses/mine").await.0, 200);
        let (status, _) = send(
            &student,
            &server,
            reqwest::Method::POST,
            "/api/v1/courses",
            Some(json!({ "files": teacher_pack("learner") })),
        )
        .await;
        assert_eq!(status, 403, "learners do not create courses");
        // Another teacher cannot replace it.
        let (status, body) = send(
            &rival,
            &server,
            reqwest::Method::POST,
            "/api/v1/courses",
            Some(json!({ "files": files })),
        )
        .await;
        assert_eq!(status, 403, "{body}");
        // A pack with a problem names its file and field; nothing is stored.
        let mut broken = teacher_pack("broken");
        broken["lessons/broken-a.json"] = json!("{\"id\": \"broken-a\"}");
        let (status, body) = send(
            &teacher,
            &server,
            reqwest::Method::POST,
            "/api/v1/courses",
            Some(json!({ "files": broken })),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert!(
            body["error"]["details"]["problems"]
                .to_string()
                .contains("broken-a.json"),
            "{body}"
        );

        // Without an enrolment the daily lesson starts at the first published lesson; enrolled
        // in `sql`, it draws from `sql` alone.
        let (_, daily) = get(&newcomer, &server, "/api/v1/lessons/daily").await;
        assert_eq!(daily["lesson"]["id"], "for", "{daily}");
        let (status, _) = send(
            &student,
            &server,
            reqwest::Method::POST,
            "/api/v1/courses/sql/enroll",
            None,
        )
        .await;
        assert_eq!(status, 200);
        let (_, daily) = get(&student, &server, "/api/v1/lessons/daily").await;
        assert_eq!(daily["lesson"]["id"], "select", "{daily}");
        let (_, before) = get(&student, &server, "/api/v1/courses/sql/progress").await;
        assert_eq!(before["status"], "not_started", "{before}");

        // Its one lesson answered: the course is finished, counted once.
        let (status, feedback) = send(
            &student,
            &server,
            reqwest::Method::POST,
            "/api/v1/steps/select.q/quiz",
            Some(json!({ "answers": { "value": true } })),
        )
        .await;
        assert_eq!(status, 200, "{feedback}");
        assert_eq!(feedback["progress"]["lesson_completed"], true, "{feedback}");
        let achievements = feedback["progress"]["achievements"].as_array().unwrap();
        assert!(
            !achievements.is_empty(),
            "a first lesson earns a badge: {feedback}"
        );
        let badge_xp: i64 = achievements
            .iter()
            .map(|a| a["xp_awarded"].as_i64().unwrap())
            .sum();
        assert!(badge_xp > 0, "achievements award XP: {feedback}");
        assert!(
            feedback["progress"]["xp_earned"].as_i64().unwrap() > badge_xp,
            "the step's XP and the badges': {feedback}"
        );
        let (_, sql) = get(&student, &server, "/api/v1/courses/sql").await;
        assert_eq!(sql["completion_count"], 1, "{sql}");
        let (_, done) = get(&student, &server, "/api/v1/courses/sql/progress").await;
        assert_eq!(
            (
                &done["status"],
                &done["progress_percentage"],
                &done["attempts"],
                &done["best_score"]
            ),
            (&json!("completed"), &json!(100.0), &json!(1), &json!(100.0)),
            "{done}"
        );
        assert!(
            done["completed_at"].is_string() && done["time_spent"].as_i64() > Some(0),
            "{done}"
        );
        // Others' course progress is not theirs to read.
        let (status, _) = get(
            &newcomer,
            &server,
            &format!("/api/v1/courses/sql/progress?user_id={student_id}"),
        )
        .await;
        assert_eq!(status, 403);

        // Enrolled in `loops` (not started): it is a current course with a date to finish by;
        // `classes` shares its Python tag and is recommended.
        send(
            &student,
            &server,
            reqwest::Method::POST,
            "/api/v1/courses/loops/enroll",
            None,
        )
        .await;
        let (status, progress) = get(
            &student,
            &server,
            &format!("/api/v1/progress/user/{student_id}"),
        )
        .await;
        assert_eq!(status, 200, "{progress}");
        let current = &progress["current_courses"][0];
        assert_eq!(
            (&current["course_id"], &current["enrolled"]),
            (&json!("loops"), &json!(true)),
            "{progress}"
        );
        let date = current["estimated_completion"].as_str().unwrap();
        assert!(
            chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
            "{date}"
        );
        assert_eq!(
            progress["overall_progress"]["courses_completed"], 1,
            "{progress}"
        );
        assert_eq!(
            progress["overall_progress"]["courses_enrolled"], 2,
            "{progress}"
        );
        assert!(
            progress["recent_achievements"][0]["xp_awarded"].as_i64() > Some(0),
            "{progress}"
        );
        let analytics = &progress["learning_analytics"];
        assert_eq!(
            analytics["preferred_learning_style"], "visual_practice",
            "{analytics}"
        );
        assert_eq!(
            analytics["learning_velocity"], "slow",
            "one lesson in four weeks: {analytics}"
        );
        assert!(
            analytics["optimal_study_time"].is_null(),
            "one answer is not enough: {analytics}"
        );
        let recommendations = progress["recommendations"].as_array().unwrap();
        assert!(
            recommendations.iter().all(|r| r["confidence"]
                .as_f64()
                .is_some_and(|c| c > 0.0 && c <= 1.0)),
            "{progress}"
        );
        let course = recommendations
            .iter()
            .find(|r| r["type"] == "course")
            .expect("a course recommendation");
        assert_eq!(course["target_id"], "classes", "{progress}");
        let (_, daily) = get(&student, &server, "/api/v1/lessons/daily").await;
        assert_eq!(daily["lesson"]["id"], "for", "now from `loops`: {daily}");

        // Published, the teacher's course is in the catalog with its author.
        let (status, edited) = send(
            &teacher,
            &server,
            reqwest::Method::PATCH,
            "/api/v1/courses/mine",
            Some(json!({ "is_published": true })),
        )
        .await;
        assert_eq!(status, 200, "{edited}");
        let (status, mine) = get(&student, &server, "/api/v1/courses/mine").await;
        assert_eq!(status, 200, "{mine}");
        assert_eq!(mine["estimated_duration"], 40, "{mine}");
        // Sent again unchanged: 200, nothing changes.
        let (status, again) = send(
            &teacher,
            &server,
            reqwest::Method::POST,
            "/api/v1/courses",
            Some(json!({ "files": files })),
        )
        .await;
        assert_eq!(
            (status, again["pack"]["outcome"].as_str()),
            (200, Some("unchanged")),
            "{again}"
        );
    }
}
