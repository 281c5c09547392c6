//! The web console's administration routes over HTTP, on both databases: users listed,
//! searched and filtered by admins; a role changed and an account disabled by a super admin
//! (taking effect on the user's own token at once, audited); the guards (admins may not
//! change users, no self-change, no `service` role, teachers refused); dead letters listed,
//! replay for super admins.

use serde_json::{Value, json};

use crate::support::{
    PASSWORD, Server, backends, client_with_token, create_user, plugins_dir, unique,
};

#[tokio::test]
async fn admins_manage_users_and_roles() {
    for backend in backends() {
        let server = Server::start_on(backend, &[plugins_dir().join("quiz-grader")], &[]).await;
        let admin_email = format!("{}@example.com", unique("admin"));
        create_user(&server.database_url, &admin_email, "admin");
        let admin = client_with_token(&server.login(&admin_email).await);
        let learner = server.register("student").await;
        let learner_id = learner["user_id"].as_str().unwrap().to_owned();
        let learner_email = learner["email"].as_str().unwrap().to_owned();
        let learner_client = client_with_token(learner["access_token"].as_str().unwrap());
        server.register("teacher").await;

        // Search by a part of the e-mail (case-insensitive); `%` is literal, not a wildcard.
        let needle = learner_email[..learner_email.find('@').unwrap()].to_uppercase();
        let (status, page) = server
            .get_as(&admin, &format!("/api/v1/admin/users?search={needle}"))
            .await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total"], 1, "{page}");
        assert_eq!(page["users"][0]["email"], learner_email.as_str());
        assert_eq!(page["users"][0]["role"], "student");
        assert_eq!(page["users"][0]["is_active"], true);
        assert!(page["users"][0].get("password_hash").is_none(), "{page}");
        let (_, wildcard) = server
            .get_as(&admin, "/api/v1/admin/users?search=%25")
            .await;
        assert_eq!(
            wildcard["total"], 0,
            "`%` matched as a wildcard: {wildcard}"
        );
        let (_, teachers) = server
            .get_as(&admin, "/api/v1/admin/users?role=teacher")
            .await;
        assert!(teachers["total"].as_i64().unwrap() >= 1, "{teachers}");
        assert!(
            teachers["users"]
                .as_array()
                .unwrap()
                .iter()
                .all(|u| u["role"] == "teacher"),
            "{teachers}"
        );
        let (_, limited) = server.get_as(&admin, "/api/v1/admin/users?limit=1").await;
        assert_eq!(limited["users"].as_array().unwrap().len(), 1);
        assert!(limited["total"].as_i64().unwrap() >= 4, "{limited}");

        // Bad input names the field.
        for (query, field) in [("limit=0", "limit"), ("offset=-1", "offset")] {
            let (status, body) = server
                .get_as(&admin, &format!("/api/v1/admin/users?{query}"))
                .await;
            assert_eq!(status, 422, "{query}: {body}");
            assert_eq!(body["error"]["details"]["field"], field, "{body}");
        }
        let (status, body) = server
            .get_as(&admin, "/api/v1/admin/users?role=wizard")
            .await;
        assert_eq!(status, 400, "{body}");

        // Admins see users but do not change them (seed 002's matrix: super admins do).
        let path = format!("/api/v1/admin/users/{learner_id}");
        let (status, body) = server
            .patch_as(&admin, &path, &json!({"role": "teacher"}))
            .await;
        assert_eq!(status, 403, "{body}");
        let (status, body) = server
            .patch_as(&admin, &path, &json!({"tier": "premium"}))
            .await;
        assert_eq!(status, 403, "{body}");
        // Admins read a learner's AI budget; the providers' breakers are the super admins'.
        let (status, body) = server
            .get_as(
                &admin,
                &format!("/api/v1/admin/ai/users/{learner_id}/budget"),
            )
            .await;
        assert_eq!((status, &body["tier"]), (200, &json!("free")), "{body}");
        let (status, body) = server.get_as(&admin, "/api/v1/admin/ai/providers").await;
        assert_eq!(status, 403, "{body}");
        let (status, body) = server
            .get_as(&admin, "/api/v1/admin/ai/users/no-such-user/budget")
            .await;
        assert_eq!(
            (status, &body["error"]["details"]["field"]),
            (404, &json!("user_id")),
            "{body}"
        );
        let operator = &server.http;

        // A role change applies to the learner's own token at once, and is audited.
        let (status, user) = server
            .patch_as(operator, &path, &json!({"role": "teacher"}))
            .await;
        assert_eq!(status, 200, "{user}");
        assert_eq!(user["role"], "teacher");
        let (status, _) = server
            .get_as(&learner_client, "/api/v1/teacher/classes")
            .await;
        assert_ne!(
            status, 200,
            "the old student token must not act as a teacher unchecked"
        );
        let teacher = client_with_token(&server.login(&learner_email).await);
        let (status, classes) = server.get_as(&teacher, "/api/v1/teacher/classes").await;
        assert_eq!(status, 200, "{classes}");
        let export: Value = teacher
            .get(server.url("/api/v1/me/export"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            export["audit_events"]
                .to_string()
                .contains("user.role_changed"),
            "{}",
            export["audit_events"]
        );

        // Disabled: the token stops working and signing in is refused; enabled again.
        let (status, user) = server
            .patch_as(operator, &path, &json!({"is_active": false}))
            .await;
        assert_eq!((status, &user["is_active"]), (200, &json!(false)), "{user}");
        let (status, _) = server.get_as(&teacher, "/api/v1/me").await;
        assert_eq!(status, 403);
        let (status, body) = server
            .post_as(
                &server.anonymous,
                "/api/v1/auth/login",
                &json!({"email": learner_email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("ACCOUNT_DISABLED"))
        );
        let (status, _) = server
            .patch_as(operator, &path, &json!({"is_active": true}))
            .await;
        assert_eq!(status, 200);
        server.login(&learner_email).await;

        // The guards: not oneself, not `service`, something to change, a known field and user.
        let (_, me) = server.get_as(operator, "/api/v1/me").await;
        let own = format!("/api/v1/admin/users/{}", me["id"].as_str().unwrap());
        let (status, body) = server
            .patch_as(operator, &own, &json!({"is_active": false}))
            .await;
        assert_eq!(status, 403, "{body}");
        let (status, body) = server
            .patch_as(operator, &path, &json!({"role": "service"}))
            .await;
        assert_eq!(
            (status, &body["error"]["details"]["field"]),
            (422, &json!("role")),
            "{body}"
        );
        let (status, body) = server.patch_as(operator, &path, &json!({})).await;
        assert_eq!(status, 422, "{body}");
        let (status, body) = server
            .patch_as(operator, &path, &json!({"colour": "red"}))
            .await;
        assert_eq!(status, 400, "{body}");
        let nobody = "/api/v1/admin/users/00000000-0000-0000-0000-000000000000";
        let (status, body) = server
            .patch_as(operator, nobody, &json!({"role": "teacher"}))
            .await;
        assert_eq!(
            (status, &body["error"]["details"]["field"]),
            (404, &json!("user_id")),
            "{body}"
        );
        let (status, user) = server
            .patch_as(operator, &path, &json!({"role": "super_admin"}))
            .await;
        assert_eq!(
            (status, &user["role"]),
            (200, &json!("super_admin")),
            "{user}"
        );
        // Teachers and learners may not list users.
        let (status, _) = server.get_as(&teacher, "/api/v1/admin/users").await;
        assert_eq!(status, 401, "the promoted user's old token");
        let other_teacher = server.register("teacher").await;
        let other = client_with_token(other_teacher["access_token"].as_str().unwrap());
        let (status, _) = server.get_as(&other, "/api/v1/admin/users").await;
        assert_eq!(status, 403);
    }
}

#[tokio::test]
async fn dead_letters_are_listed_and_replay_is_for_operators() {
    for backend in backends() {
        let server = Server::start_on(backend, &[plugins_dir().join("quiz-grader")], &[]).await;
        let (status, letters) = server
            .get_as(&server.http, "/api/v1/admin/events/dead-letters")
            .await;
        assert_eq!(status, 200, "{letters}");
        assert!(letters.is_array(), "{letters}");
        let (status, body) = server
            .get_as(&server.http, "/api/v1/admin/events/dead-letters?limit=0")
            .await;
        assert_eq!(
            (status, &body["error"]["details"]["field"]),
            (422, &json!("limit")),
            "{body}"
        );
        let (status, body) = server
            .post_as(
                &server.http,
                "/api/v1/admin/events/dead-letters/nope/replay",
                &json!({}),
            )
            .await;
        assert_eq!(
            (status, &body["error"]["details"]["field"]),
            (404, &json!("message_id")),
            "{body}"
        );
        let admin_email = format!("{}@example.com", unique("admin"));
        create_user(&server.database_url, &admin_email, "admin");
        let admin = client_with_token(&server.login(&admin_email).await);
        let (status, _) = server
            .get_as(&admin, "/api/v1/admin/events/dead-letters")
            .await;
        assert_eq!(status, 200);
        let (status, _) = server
            .post_as(
                &admin,
                "/api/v1/admin/events/dead-letters/nope/replay",
                &json!({}),
            )
            .await;
        assert_eq!(status, 403, "replay is for super admins");
    }
}

/// A content pack uploaded as JSON (the console's folder upload): checked, refused with
/// every problem named and nothing stored, imported, idempotent, listed; paths outside the
/// folder and learners refused.
#[tokio::test]
async fn content_packs_are_uploaded_checked_and_listed() {
    let server = Server::start_on(
        crate::support::Backend::Embedded,
        &[plugins_dir().join("quiz-grader")],
        &[],
    )
    .await;
    let pack = json!({ "id": "up-pack", "version": "1.0.0", "title": "Uploaded", "tracks": [
        { "id": "up", "title": "Up", "description": "One lesson.", "courses": [
            { "id": "up-course", "title": "Up course", "modules": [
                { "id": "up-module", "title": "M", "lessons": ["u"] } ] } ] } ] });
    let lesson = json!({ "id": "u", "title": "Uploaded lesson", "topic": "up.u", "steps": [
        { "id": "u.read", "kind": "explanation", "text_file": "u/read.md" },
        { "id": "u.q1", "kind": "quiz", "question": { "kind": "true_false", "prompt": "Uploaded?",
          "answer_key": { "correct": true } } } ] });
    let mut files = json!({ "pack.json": pack.to_string(), "lessons/u.json": lesson.to_string() });
    let upload = async |files: &Value, dry_run: bool| {
        let body = json!({ "files": files, "dry_run": dry_run });
        server
            .post_as(&server.http, "/api/v1/admin/content/packs", &body)
            .await
    };

    // The explanation's text file is missing: refused, the problem named, nothing stored.
    let (status, body) = upload(&files, false).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "INVALID_PACK", "{body}");
    assert!(
        body["error"]["details"]["problems"]
            .to_string()
            .contains("u/read.md"),
        "{body}"
    );
    let (_, packs) = server
        .get_as(&server.http, "/api/v1/admin/content/packs")
        .await;
    assert!(!packs.to_string().contains("up-pack"), "{packs}");

    files["lessons/u/read.md"] = json!("Uploaded text.\n");
    let (status, report) = upload(&files, true).await;
    assert_eq!(
        (status, report["outcome"].as_str()),
        (200, Some("valid")),
        "{report}"
    );
    let (status, report) = upload(&files, false).await;
    assert_eq!(
        (status, report["outcome"].as_str()),
        (200, Some("imported")),
        "{report}"
    );
    assert_eq!(
        (report["lessons"].as_i64(), report["steps"].as_i64()),
        (Some(1), Some(2))
    );
    let (_, report) = upload(&files, false).await;
    assert_eq!(report["outcome"], "unchanged", "{report}");
    let (status, packs) = server
        .get_as(&server.http, "/api/v1/admin/content/packs")
        .await;
    assert_eq!(status, 200);
    let listed = packs
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "up-pack")
        .cloned();
    assert_eq!(
        listed.as_ref().map(|p| p["version"].clone()),
        Some(json!("1.0.0")),
        "{packs}"
    );

    // Paths must stay inside the folder; a pack.json is needed.
    for bad in ["../escape.json", "/etc/x.json", "lessons/../../x.md"] {
        let mut evil = files.clone();
        evil[bad] = json!("{}");
        let (status, body) = upload(&evil, true).await;
        assert_eq!(
            (status, &body["error"]["details"]["field"]),
            (422, &json!("files")),
            "{bad}: {body}"
        );
    }
    let (status, body) = upload(&json!({ "lessons/u.json": "{}" }), true).await;
    assert_eq!(status, 422, "{body}");

    // Learners may not upload or list.
    let learner = server.register("student").await;
    let learner = client_with_token(learner["access_token"].as_str().unwrap());
    let (status, _) = server.get_as(&learner, "/api/v1/admin/content/packs").await;
    assert_eq!(status, 403);
}
