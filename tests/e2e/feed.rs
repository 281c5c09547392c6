//! The social feed over HTTP on both databases (seed 002 §3.5; docs/feed.md): the feed's
//! shape and pagination, follows and classes as its audience, activity shown only once a
//! learner shares it, likes, bookmarks, comments and shares with their counts, a crisis post
//! stopped, reports and the moderation queue, bad input named, and a deleted account's part
//! of the feed gone.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Server, backends, call};

async fn get(client: &reqwest::Client, server: &Server, path: &str) -> (u16, Value) {
    call(server, client, Method::GET, path, None).await
}

async fn post(client: &reqwest::Client, server: &Server, path: &str, body: Value) -> (u16, Value) {
    call(server, client, Method::POST, path, Some(body)).await
}

/// The feed's items as (type, author id) pairs, in order.
fn items(feed: &Value) -> Vec<(String, String)> {
    feed["feed_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["type"].as_str().unwrap().to_owned(),
                i["author"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn learners_follow_post_react_and_moderators_hide_what_is_reported() {
    let pack = tempfile::tempdir().unwrap();
    crate::courses::write_pack(pack.path());
    let dirs = crate::learning::plugin_dirs(&["lesson-engine", "quiz-grader", "safety-filter"]);
    for backend in backends() {
        let server = Server::start_on(
            backend,
            &dirs,
            &["--content-dir", pack.path().to_str().unwrap()],
        )
        .await;
        let person = async |role: &str| {
            let reg = server.register(role).await;
            (
                crate::support::client_with_token(reg["access_token"].as_str().unwrap()),
                reg["user_id"].as_str().unwrap().to_owned(),
            )
        };
        let (ada, ada_id) = person("student").await;
        let (bea, bea_id) = person("student").await;
        let (cal, _) = person("student").await;
        let (teacher, teacher_id) = person("teacher").await;
        let admin = &server.http;

        // Nobody followed: an empty feed in seed 002's shape.
        let (status, feed) = get(&ada, &server, "/api/v1/feeds/personalized").await;
        assert_eq!(status, 200, "{backend:?}: {feed}");
        assert_eq!(feed["feed_items"], json!([]));
        assert_eq!(feed["pagination"]["total_items"], 0);

        // Ada follows Bea; Bea posts about Python and enrols in `loops` (tagged Python).
        let (status, _) = post(
            &ada,
            &server,
            &format!("/api/v1/users/{bea_id}/follow"),
            json!({}),
        )
        .await;
        assert_eq!(status, 200);
        call(
            &server,
            &ada,
            Method::POST,
            "/api/v1/courses/loops/enroll",
            None,
        )
        .await;
        let (status, bea_post) = post(
            &bea,
            &server,
            "/api/v1/feeds/posts",
            json!({ "body": "Three tips for #python loops: use range, enumerate and zip." }),
        )
        .await;
        assert_eq!(status, 201, "{bea_post}");
        assert_eq!(bea_post["content"]["tags"], json!(["python"]));
        let post_id = bea_post["id"].as_str().unwrap().to_owned();

        // Bea finishes `sql` while not sharing her activity: only her post reaches Ada.
        call(
            &server,
            &bea,
            Method::POST,
            "/api/v1/courses/sql/enroll",
            None,
        )
        .await;
        let (status, _) = post(
            &bea,
            &server,
            "/api/v1/steps/select.q/quiz",
            json!({ "answers": { "value": true } }),
        )
        .await;
        assert_eq!(status, 200);
        let (_, feed) = get(&ada, &server, "/api/v1/feeds/personalized").await;
        assert_eq!(
            items(&feed),
            [("post".to_owned(), bea_id.clone())],
            "{feed}"
        );
        let first = &feed["feed_items"][0];
        assert_eq!(
            first["author"]["name"].as_str().map(str::is_empty),
            Some(false),
            "{first}"
        );
        let score = first["relevance_score"].as_f64().unwrap();
        assert!(score > 0.0 && score <= 1.0, "{first}");
        let factors = feed["personalization_factors"].to_string();
        assert!(
            factors.contains("social_connections") && factors.contains("interests_match"),
            "{feed}"
        );

        // She turns sharing on: her completion and badges appear, past ones included.
        let (status, settings) = call(
            &server,
            &bea,
            Method::PUT,
            "/api/v1/feeds/settings",
            Some(json!({ "share_activity": true })),
        )
        .await;
        assert_eq!(
            (status, settings["share_activity"].as_bool()),
            (200, Some(true))
        );
        let (_, feed) = get(&ada, &server, "/api/v1/feeds/personalized").await;
        let kinds: Vec<String> = items(&feed).into_iter().map(|(k, _)| k).collect();
        assert!(
            kinds.contains(&"course_completion".to_owned()) && kinds.contains(&"badge".to_owned()),
            "{feed}"
        );
        let completion = feed["feed_items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["type"] == "course_completion")
            .unwrap();
        assert_eq!(completion["content"]["course_id"], "sql", "{completion}");
        assert_eq!(
            completion["content"]["title"],
            "Just completed 'SQL queries'!"
        );
        // Pagination in seed 002's shape.
        let total = feed["pagination"]["total_items"].as_i64().unwrap();
        assert!(total >= 3, "{feed}");
        let (_, one) = get(&ada, &server, "/api/v1/feeds/personalized?limit=1&offset=1").await;
        assert_eq!(one["feed_items"].as_array().unwrap().len(), 1);
        assert_eq!(
            one["pagination"],
            json!({ "current_page": 2, "total_pages": total, "total_items": total, "has_next": total > 2 })
        );

        // Likes and bookmarks count once each; a comment and a share count too.
        let item = format!("/api/v1/feeds/items/{post_id}");
        for _ in 0..2 {
            let (status, r) = post(&ada, &server, &format!("{item}/like"), json!({})).await;
            assert_eq!((status, &r["engagement"]["likes"]), (200, &json!(1)), "{r}");
        }
        post(&ada, &server, &format!("{item}/bookmark"), json!({})).await;
        let (status, comment) = post(
            &ada,
            &server,
            &format!("{item}/comments"),
            json!({ "body": "Great tips!" }),
        )
        .await;
        assert_eq!(status, 201, "{comment}");
        let (status, shared) = post(
            &ada,
            &server,
            &format!("{item}/share"),
            json!({ "body": "Worth reading" }),
        )
        .await;
        assert_eq!(status, 201, "{shared}");
        assert_eq!(shared["content"]["shared_item_id"], post_id.as_str());
        let (_, seen) = get(&ada, &server, &item).await;
        assert_eq!(
            seen["engagement"],
            json!({ "likes": 1, "comments": 1, "shares": 1, "bookmarks": 1 }),
            "{seen}"
        );
        assert_eq!(seen["viewer"], json!({ "liked": true, "bookmarked": true }));
        let (_, marks) = get(&ada, &server, "/api/v1/feeds/bookmarks").await;
        assert_eq!(marks[0]["id"], post_id.as_str(), "{marks}");
        let (_, thread) = get(&bea, &server, &format!("{item}/comments")).await;
        assert_eq!(thread[0]["body"], "Great tips!", "{thread}");

        // Cal follows nobody and shares no class: Bea's post is not his to see.
        assert_eq!(get(&cal, &server, &item).await.0, 404);
        let (_, feed) = get(&cal, &server, "/api/v1/feeds/personalized").await;
        assert_eq!(feed["feed_items"], json!([]));
        // A class makes its members and teacher an audience.
        let (_, class) = post(
            &teacher,
            &server,
            "/api/v1/teacher/classes",
            json!({ "name": "Feed" }),
        )
        .await;
        let (status, _) = post(
            &cal,
            &server,
            "/api/v1/classes/join",
            json!({ "code": class["join_code"] }),
        )
        .await;
        assert_eq!(status, 200);
        post(
            &teacher,
            &server,
            "/api/v1/feeds/posts",
            json!({ "body": "Homework is up." }),
        )
        .await;
        let (_, feed) = get(&cal, &server, "/api/v1/feeds/personalized").await;
        assert_eq!(
            items(&feed),
            [("post".to_owned(), teacher_id.clone())],
            "{feed}"
        );

        // A crisis is answered with support and nothing is published.
        let (status, body) = post(
            &ada,
            &server,
            "/api/v1/feeds/posts",
            json!({ "body": "I want to end my life, nothing matters anymore" }),
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("SAFETY_BLOCKED")),
            "{body}"
        );
        post(
            &bea,
            &server,
            &format!("/api/v1/users/{ada_id}/follow"),
            json!({}),
        )
        .await;
        let (_, feed) = get(&bea, &server, "/api/v1/feeds/personalized").await;
        assert!(!feed.to_string().contains("end my life"), "{feed}");

        // Reported, the post is in the moderation queue; hidden, nobody sees it.
        let (status, r) = post(
            &ada,
            &server,
            &format!("{item}/report"),
            json!({ "reason": "spam" }),
        )
        .await;
        assert_eq!((status, r["newly_reported"].as_bool()), (200, Some(true)));
        assert_eq!(
            get(&ada, &server, "/api/v1/admin/feeds/reports").await.0,
            403
        );
        let (status, queue) = get(admin, &server, "/api/v1/admin/feeds/reports").await;
        assert_eq!(status, 200);
        assert!(
            queue
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["target_id"] == post_id.as_str() && r["reason"] == "spam"),
            "{queue}"
        );
        let (status, _) = post(
            admin,
            &server,
            "/api/v1/admin/feeds/moderation",
            json!({ "target_kind": "item", "target_id": post_id, "action": "hide" }),
        )
        .await;
        assert_eq!(status, 204);
        assert_eq!(get(&ada, &server, &item).await.0, 404);
        let (_, feed) = get(&ada, &server, "/api/v1/feeds/personalized").await;
        assert!(
            !feed.to_string().contains(&format!("\"id\":\"{post_id}\"")),
            "{feed}"
        );
        let (_, queue) = get(admin, &server, "/api/v1/admin/feeds/reports").await;
        assert!(!queue.to_string().contains(&post_id), "{queue}");

        // Follow lists; bad input is named.
        let (_, followers) = get(&bea, &server, &format!("/api/v1/users/{bea_id}/followers")).await;
        assert_eq!(followers["people"][0]["id"], ada_id.as_str(), "{followers}");
        let (status, e) = post(
            &ada,
            &server,
            &format!("/api/v1/users/{ada_id}/follow"),
            json!({}),
        )
        .await;
        assert_eq!(
            (status, &e["error"]["details"]["field"]),
            (422, &json!("user_id")),
            "{e}"
        );
        assert_eq!(
            post(&ada, &server, "/api/v1/users/nobody/follow", json!({}))
                .await
                .0,
            404
        );
        let (status, e) = get(&ada, &server, "/api/v1/feeds/personalized?limit=0").await;
        assert_eq!(
            (status, &e["error"]["details"]["field"]),
            (422, &json!("limit")),
            "{e}"
        );
        let (status, e) = post(&ada, &server, "/api/v1/feeds/posts", json!({ "body": "" })).await;
        assert_eq!(
            (status, &e["error"]["details"]["field"]),
            (422, &json!("body")),
            "{e}"
        );
        let (status, _) = post(
            &ada,
            &server,
            "/api/v1/feeds/posts",
            json!({ "body": "x", "mood": "happy" }),
        )
        .await;
        assert_eq!(status, 400, "unknown fields are refused");

        // A deleted account leaves no trace: its post leaves Ada's feed, its like stops
        // counting and it no longer follows Bea.
        let (dan, dan_id) = person("student").await;
        post(
            &dan,
            &server,
            &format!("/api/v1/users/{bea_id}/follow"),
            json!({}),
        )
        .await;
        post(
            &ada,
            &server,
            &format!("/api/v1/users/{dan_id}/follow"),
            json!({}),
        )
        .await;
        let (_, bea_again) = post(
            &bea,
            &server,
            "/api/v1/feeds/posts",
            json!({ "body": "Week two of SQL done." }),
        )
        .await;
        let again = format!("/api/v1/feeds/items/{}", bea_again["id"].as_str().unwrap());
        let (status, liked) = post(&dan, &server, &format!("{again}/like"), json!({})).await;
        assert_eq!(
            (status, &liked["engagement"]["likes"]),
            (200, &json!(1)),
            "{liked}"
        );
        let (status, dans) = post(
            &dan,
            &server,
            "/api/v1/feeds/posts",
            json!({ "body": "Hello from Dan" }),
        )
        .await;
        assert_eq!(status, 201, "{dans}");
        let likes_of_again = |feed: &Value| {
            feed["feed_items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["id"] == bea_again["id"])
                .map(|i| i["engagement"]["likes"].clone())
        };
        let (_, feed) = get(&ada, &server, "/api/v1/feeds/personalized").await;
        assert!(
            items(&feed).contains(&("post".to_owned(), dan_id.clone())),
            "{feed}"
        );
        assert_eq!(likes_of_again(&feed), Some(json!(1)), "{feed}");
        assert_eq!(server.delete_me(&dan).await, 204);
        // Read again within the kept feed's lifetime: the order is kept, what changed is not.
        let (_, feed) = get(&ada, &server, "/api/v1/feeds/personalized").await;
        assert!(
            !items(&feed).iter().any(|(_, author)| *author == dan_id),
            "{feed}"
        );
        assert_eq!(likes_of_again(&feed), Some(json!(0)), "{feed}");
        let (_, seen) = get(&ada, &server, &again).await;
        assert_eq!(seen["engagement"]["likes"], 0, "{seen}");
        let (_, followers) = get(&bea, &server, &format!("/api/v1/users/{bea_id}/followers")).await;
        assert!(!followers.to_string().contains(&dan_id), "{followers}");
    }
}
