//! Access control over HTTP (issue 11): a learner's data opens to a teacher only by the
//! learner's consent (an accepted invitation or the class's join code, and leaving closes
//! it again); class sizes and invitations are bounded; access tokens end with their
//! session, account or role at once on the replica that changed it and within
//! `--session-recheck-ms` on every other; service tokens have an id, an expiry
//! of at most 90 days and a revocation list; reading safety events needs its own
//! permission; deleting an account asks for the password; the data folder and the JWT key
//! file are private.

use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use crate::support::{
    Backend, JWT_SECRET, PASSWORD, Server, backends, binary, call, client_with_token, create_user,
    eventually, eventually_blocking, plugins_dir, repo, tessera,
};

async fn start(backend: Backend, extra: &[&str]) -> Server {
    let content = repo().join("content");
    let mut flags = vec!["--content-dir", content.to_str().unwrap()];
    flags.extend_from_slice(extra);
    Server::start_on(backend, &[plugins_dir()], &flags).await
}

async fn get(server: &Server, client: &reqwest::Client, path: &str) -> (u16, Value) {
    call(server, client, reqwest::Method::GET, path, None).await
}

async fn post(server: &Server, client: &reqwest::Client, path: &str, body: Value) -> (u16, Value) {
    call(server, client, reqwest::Method::POST, path, Some(body)).await
}

async fn delete(server: &Server, client: &reqwest::Client, path: &str) -> (u16, Value) {
    call(server, client, reqwest::Method::DELETE, path, None).await
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

/// How long a change made through another process (a replica, the CLI) may take to reach
/// a replica that remembers a session's state: `--session-recheck-ms` (1 s), with room
/// for a loaded machine.
const ELSEWHERE: Duration = Duration::from_secs(10);

/// Waits until `ask` answers `status` with error `code` ("" for none): for a change made
/// through another process, which a replica sees within `--session-recheck-ms`.
async fn answers_soon(what: &str, expected: (u16, &str), ask: impl AsyncFn() -> (u16, Value)) {
    eventually(what, ELSEWHERE, async || {
        let (status, body) = ask().await;
        if (status, code(&body)) == expected {
            Ok(())
        } else {
            Err((status, body))
        }
    })
    .await;
}

fn field(body: &Value) -> &str {
    body["error"]["details"]["field"]
        .as_str()
        .unwrap_or_default()
}

/// A registered account and its client.
struct Person {
    id: String,
    email: String,
    token: String,
    client: reqwest::Client,
}

async fn person(server: &Server, role: &str) -> Person {
    let reg = server.register(role).await;
    Person {
        id: reg["user_id"].as_str().unwrap().to_owned(),
        email: reg["email"].as_str().unwrap().to_owned(),
        token: reg["access_token"].as_str().unwrap().to_owned(),
        client: client_with_token(reg["access_token"].as_str().unwrap()),
    }
}

/// Whether `teacher` sees `learner`'s data through every route that opens it to a
/// teacher: progress, mastery, GraphQL's daily lesson, and the class's progress view.
async fn sees(server: &Server, teacher: &Person, learner: &Person, class_id: &str) -> bool {
    let (progress, body) = get(
        server,
        &teacher.client,
        &format!("/api/v1/progress/user/{}", learner.id),
    )
    .await;
    assert!(matches!(progress, 200 | 403), "{body}");
    let (mastery, body) = get(
        server,
        &teacher.client,
        &format!("/api/v1/progress/mastery?user_id={}", learner.id),
    )
    .await;
    assert!(matches!(mastery, 200 | 403), "{body}");
    let (_, gql) = post(
        server,
        &teacher.client,
        "/graphql",
        json!({ "query": "query($u: ID!) { getDailyLesson(userId: $u) { mode } }",
                "variables": { "u": learner.id } }),
    )
    .await;
    let graphql_forbidden = gql["errors"][0]["extensions"]["code"] == "FORBIDDEN";
    let (status, view) = get(
        server,
        &teacher.client,
        &format!("/api/v1/teacher/classes/{class_id}/progress"),
    )
    .await;
    assert_eq!(status, 200, "{view}");
    let listed = view["students"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["user_id"] == learner.id.as_str());
    let all = [progress == 200, mastery == 200, !graphql_forbidden, listed];
    assert!(
        all.iter().all(|v| *v) || all.iter().all(|v| !v),
        "the routes disagree (progress, mastery, graphql, class view): {all:?} {gql}"
    );
    all[0]
}

#[tokio::test]
async fn a_teacher_sees_a_learner_only_after_the_learners_consent() {
    for backend in backends() {
        let server = start(backend, &[]).await;
        let ada = person(&server, "student").await;
        let eve = person(&server, "student").await;
        let teacher = person(&server, "teacher").await;
        let (status, class) = post(
            &server,
            &teacher.client,
            "/api/v1/teacher/classes",
            json!({ "name": "Tuesday" }),
        )
        .await;
        assert_eq!(status, 201, "{class}");
        let class_id = class["id"].as_str().unwrap().to_owned();
        let join_code = class["join_code"].as_str().unwrap().to_owned();
        assert!(join_code.len() >= 8, "{class}");

        // The old shortcut (a teacher adding an account by e-mail) adds nobody.
        let (status, _) = post(
            &server,
            &teacher.client,
            &format!("/api/v1/teacher/classes/{class_id}/students"),
            json!({ "email": ada.email }),
        )
        .await;
        assert!(status >= 400, "{backend:?}: the shortcut answered {status}");
        assert!(!sees(&server, &teacher, &ada, &class_id).await);

        // An invitation answers the same whether or not the address has an account.
        let invite = |email: String| {
            let (server, teacher, class_id) = (&server, &teacher, &class_id);
            async move {
                post(
                    server,
                    &teacher.client,
                    &format!("/api/v1/teacher/classes/{class_id}/invitations"),
                    json!({ "email": email }),
                )
                .await
            }
        };
        let (known, to_ada) = invite(ada.email.to_uppercase()).await;
        let stranger = format!("nobody-{}@example.com", uuid::Uuid::new_v4().simple());
        let (unknown, to_nobody) = invite(stranger).await;
        assert_eq!((known, unknown), (202, 202), "{to_ada} {to_nobody}");
        let shape = |v: &Value| {
            let mut v = v.clone();
            for k in ["email", "expires_at"] {
                v.as_object_mut().unwrap().remove(k);
            }
            v
        };
        assert_eq!(shape(&to_ada), shape(&to_nobody), "the replies differ");
        let (status, bad) = invite("not an address".into()).await;
        assert_eq!((status, field(&bad)), (422, "email"), "{bad}");
        assert!(
            !sees(&server, &teacher, &ada, &class_id).await,
            "an invitation is not consent"
        );

        // The learner sees the invitation; nobody else can use it.
        let (status, invitations) = get(&server, &ada.client, "/api/v1/me/class-invitations").await;
        assert_eq!(status, 200, "{invitations}");
        let list = invitations.as_array().unwrap();
        assert_eq!(list.len(), 1, "{invitations}");
        assert_eq!(list[0]["class_name"], "Tuesday");
        assert_eq!(list[0]["teacher_name"], "Test Learner");
        let invitation = list[0]["id"].as_str().unwrap().to_owned();
        let (_, none) = get(&server, &eve.client, "/api/v1/me/class-invitations").await;
        assert_eq!(none, json!([]));
        let accept = format!("/api/v1/me/class-invitations/{invitation}/accept");
        let (status, e) = post(&server, &eve.client, &accept, json!({})).await;
        assert_eq!(status, 404, "{e}");

        // Accepting opens the learner's data to the teacher, and the learner sees who.
        let (status, joined) = post(&server, &ada.client, &accept, json!({})).await;
        assert_eq!(status, 200, "{joined}");
        assert_eq!(joined["class_id"], class_id.as_str());
        assert!(sees(&server, &teacher, &ada, &class_id).await);
        let (status, mine) = get(&server, &ada.client, "/api/v1/me/classes").await;
        assert_eq!(status, 200, "{mine}");
        assert_eq!(mine[0]["class_id"], class_id.as_str(), "{mine}");
        assert_eq!(
            mine[0]["teacher"]["email"],
            teacher.email.as_str(),
            "{mine}"
        );
        let (_, left_over) = get(&server, &ada.client, "/api/v1/me/class-invitations").await;
        assert_eq!(left_over, json!([]), "an accepted invitation is used up");

        // Leaving closes it again.
        let (status, _) = delete(
            &server,
            &ada.client,
            &format!("/api/v1/me/classes/{class_id}"),
        )
        .await;
        assert_eq!(status, 204);
        assert!(!sees(&server, &teacher, &ada, &class_id).await);
        let (status, _) = delete(
            &server,
            &ada.client,
            &format!("/api/v1/me/classes/{class_id}"),
        )
        .await;
        assert_eq!(status, 404, "not a member any more");
        let (_, mine) = get(&server, &ada.client, "/api/v1/me/classes").await;
        assert_eq!(mine, json!([]));

        // The join code, typed loosely, is consent too.
        let loose = format!(
            " {}-{} ",
            join_code[..4].to_lowercase(),
            join_code[4..].to_lowercase()
        );
        let (status, joined) = post(
            &server,
            &ada.client,
            "/api/v1/classes/join",
            json!({ "code": loose }),
        )
        .await;
        assert_eq!(status, 200, "{joined}");
        assert!(sees(&server, &teacher, &ada, &class_id).await);
        let (status, e) = post(
            &server,
            &eve.client,
            "/api/v1/classes/join",
            json!({ "code": "ZZZZ-ZZZZ" }),
        )
        .await;
        assert_eq!((status, field(&e)), (404, "code"), "{e}");

        // Rotating the code retires the old one.
        let (status, rotated) = post(
            &server,
            &teacher.client,
            &format!("/api/v1/teacher/classes/{class_id}/join-code"),
            json!({}),
        )
        .await;
        assert_eq!(status, 200, "{rotated}");
        let fresh = rotated["join_code"].as_str().unwrap().to_owned();
        assert_ne!(fresh, join_code);
        let (status, _) = post(
            &server,
            &eve.client,
            "/api/v1/classes/join",
            json!({ "code": join_code }),
        )
        .await;
        assert_eq!(status, 404, "the old code still works");
        let (_, listed) = get(&server, &teacher.client, "/api/v1/teacher/classes").await;
        assert_eq!(listed[0]["join_code"], fresh.as_str(), "{listed}");
        assert_eq!(listed[0]["member_count"], 1, "{listed}");

        // Declining leaves the teacher blind.
        let bob = person(&server, "student").await;
        let (status, _) = invite(bob.email.clone()).await;
        assert_eq!(status, 202);
        let (_, invitations) = get(&server, &bob.client, "/api/v1/me/class-invitations").await;
        let id = invitations[0]["id"].as_str().unwrap().to_owned();
        let (status, _) = post(
            &server,
            &bob.client,
            &format!("/api/v1/me/class-invitations/{id}/decline"),
            json!({}),
        )
        .await;
        assert_eq!(status, 204);
        let (_, invitations) = get(&server, &bob.client, "/api/v1/me/class-invitations").await;
        assert_eq!(invitations, json!([]));
        assert!(!sees(&server, &teacher, &bob, &class_id).await);

        // Another teacher has no say over this class.
        let other = person(&server, "teacher").await;
        for (path, body) in [
            (
                format!("/api/v1/teacher/classes/{class_id}/invitations"),
                json!({ "email": bob.email }),
            ),
            (
                format!("/api/v1/teacher/classes/{class_id}/join-code"),
                json!({}),
            ),
        ] {
            let (status, e) = post(&server, &other.client, &path, body).await;
            assert_eq!(status, 403, "{path}: {e}");
        }
        let (status, _) = get(
            &server,
            &other.client,
            &format!("/api/v1/progress/user/{}", ada.id),
        )
        .await;
        assert_eq!(status, 403);
        // Students manage no class.
        let (status, _) = post(
            &server,
            &eve.client,
            &format!("/api/v1/teacher/classes/{class_id}/invitations"),
            json!({ "email": bob.email }),
        )
        .await;
        assert_eq!(status, 403);
    }
}

/// A client sending the token and a test-clock time.
fn client_at(token: &str, now: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    headers.insert("x-tessera-now", now.parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

#[tokio::test]
async fn classes_are_capped_and_invitations_are_bounded_and_expire() {
    for backend in backends() {
        let server = start(
            backend,
            &["--class-max-members", "2", "--learning-test-clock"],
        )
        .await;
        let teacher = person(&server, "teacher").await;
        let (_, class) = post(
            &server,
            &teacher.client,
            "/api/v1/teacher/classes",
            json!({ "name": "Small" }),
        )
        .await;
        let class_id = class["id"].as_str().unwrap().to_owned();
        let join_code = class["join_code"].as_str().unwrap().to_owned();
        let invitations = format!("/api/v1/teacher/classes/{class_id}/invitations");
        let (a, b, c, d) = (
            person(&server, "student").await,
            person(&server, "student").await,
            person(&server, "student").await,
            person(&server, "student").await,
        );

        // At most as many pending invitations as the class has places.
        for p in [&c, &d] {
            let (status, body) = post(
                &server,
                &teacher.client,
                &invitations,
                json!({ "email": p.email }),
            )
            .await;
            assert_eq!(status, 202, "{body}");
        }
        let (status, e) = post(
            &server,
            &teacher.client,
            &invitations,
            json!({ "email": "third@example.com" }),
        )
        .await;
        assert_eq!((status, code(&e)), (409, "TOO_MANY_INVITATIONS"), "{e}");

        // Two places: the third learner is refused, by code and by invitation.
        for p in [&a, &b] {
            let (status, body) = post(
                &server,
                &p.client,
                "/api/v1/classes/join",
                json!({ "code": join_code }),
            )
            .await;
            assert_eq!(status, 200, "{body}");
        }
        let (status, e) = post(
            &server,
            &c.client,
            "/api/v1/classes/join",
            json!({ "code": join_code }),
        )
        .await;
        assert_eq!((status, code(&e)), (409, "CLASS_FULL"), "{backend:?}: {e}");
        let (_, pending) = get(&server, &c.client, "/api/v1/me/class-invitations").await;
        let accept = format!(
            "/api/v1/me/class-invitations/{}/accept",
            pending[0]["id"].as_str().unwrap()
        );
        let (status, e) = post(&server, &c.client, &accept, json!({})).await;
        assert_eq!((status, code(&e)), (409, "CLASS_FULL"), "{e}");
        // A place frees up when someone leaves; the invitation was kept.
        let (status, _) = delete(
            &server,
            &a.client,
            &format!("/api/v1/me/classes/{class_id}"),
        )
        .await;
        assert_eq!(status, 204);
        let (status, body) = post(&server, &c.client, &accept, json!({})).await;
        assert_eq!(status, 200, "{body}");

        // Invitations expire: two weeks on, d's is gone and no longer counts.
        let later = (chrono::Utc::now() + chrono::Duration::days(15)).to_rfc3339();
        let d_later = client_at(&server.login(&d.email).await, &later);
        let (_, pending) = get(&server, &d_later, "/api/v1/me/class-invitations").await;
        assert_eq!(pending, json!([]), "{pending}");
        let (_, now_pending) = get(&server, &d.client, "/api/v1/me/class-invitations").await;
        let id = now_pending[0]["id"].as_str().unwrap().to_owned();
        let (status, _) = post(
            &server,
            &d_later,
            &format!("/api/v1/me/class-invitations/{id}/accept"),
            json!({}),
        )
        .await;
        assert_eq!(status, 404, "an expired invitation was accepted");
        let teacher_later = client_at(&server.login(&teacher.email).await, &later);
        for email in ["x@example.com", "y@example.com"] {
            let (status, body) = post(
                &server,
                &teacher_later,
                &invitations,
                json!({ "email": email }),
            )
            .await;
            assert_eq!(status, 202, "expired invitations still count: {body}");
        }

        // Deleting an account frees its place.
        let r = c
            .client
            .delete(server.url("/api/v1/me"))
            .json(&json!({ "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let (_, listed) = get(&server, &teacher.client, "/api/v1/teacher/classes").await;
        assert_eq!(listed[0]["member_count"], 1, "{listed}");
        let (status, body) = post(
            &server,
            &d.client,
            "/api/v1/classes/join",
            json!({ "code": join_code }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
}

/// Signs `email` in and returns the whole reply (both tokens).
async fn sign_in(server: &Server, email: &str) -> Value {
    let (status, body) = post(
        server,
        &server.anonymous,
        "/api/v1/auth/login",
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn cli_on(server: &Server, args: &[&str]) -> (bool, String, String) {
    let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    all.extend(server.store_flags());
    tessera(&all)
}

#[tokio::test]
async fn tokens_end_with_their_session_account_and_role_on_every_replica() {
    for backend in backends() {
        let one = start(backend, &[]).await;
        let two = one.replica(&[plugins_dir()], &[]).await;
        let ada = person(&one, "student").await;

        // Sign-out on one replica is refused there at once, and on the other (which had
        // the session as live a moment before) within --session-recheck-ms.
        let (status, _) = get(&two, &ada.client, "/api/v1/me").await;
        assert_eq!(status, 200);
        let cached = || async {
            let prefix = one.redis_prefix.as_deref()?;
            let kv = tessera::kv::connect(Some(crate::support::REDIS), prefix)
                .await
                .unwrap();
            let key = format!("live:s:{}", claim(&ada.token, "sid"));
            let state = kv.get(&key).await.unwrap()?;
            Some(serde_json::from_slice::<Value>(&state).unwrap()["state"].clone())
        };
        if backend == Backend::Shared {
            assert_eq!(cached().await, Some(json!("live")), "not cached in Redis");
        }
        let (status, _) = post(&one, &ada.client, "/api/v1/auth/logout", json!({})).await;
        assert_eq!(status, 204);
        if backend == Backend::Shared {
            assert_eq!(
                cached().await,
                Some(json!("ended")),
                "logout did not publish"
            );
        }
        let (status, e) = get(&one, &ada.client, "/api/v1/me").await;
        assert_eq!(
            (status, code(&e)),
            (401, "SESSION_ENDED"),
            "{backend:?}: {e}"
        );
        answers_soon(
            "the other replica to end the session",
            (401, "SESSION_ENDED"),
            async || get(&two, &ada.client, "/api/v1/me").await,
        )
        .await;

        // A token for a session that never existed is refused even though it is signed.
        let keys =
            tessera::auth::TokenKeys::new(JWT_SECRET.as_bytes(), "lyoapp-backend", "lyoapp-users");
        let forged = keys
            .issue(
                &ada.id,
                &ada.email,
                tessera::auth::Role::SuperAdmin,
                "made-up",
                600,
            )
            .unwrap();
        let (status, _) = get(&two, &client_with_token(&forged), "/api/v1/plugins").await;
        assert_eq!(status, 401);

        // A role change by the operator ends the role the token claims, on every replica
        // within --session-recheck-ms; the refreshed token carries the new role.
        let login = sign_in(&one, &ada.email).await;
        let client = client_with_token(login["access_token"].as_str().unwrap());
        let (status, _) = get(&two, &client, "/api/v1/me").await;
        assert_eq!(status, 200);
        let (ok, out, err) = cli_on(
            &one,
            &[
                "user", "set-role", "--email", &ada.email, "--role", "teacher",
            ],
        );
        assert!(ok, "{out}{err}");
        for server in [&two, &one] {
            answers_soon("the role change", (401, "ROLE_CHANGED"), async || {
                get(server, &client, "/api/v1/me").await
            })
            .await;
        }
        let (status, refreshed) = post(
            &two,
            &two.anonymous,
            "/api/v1/auth/refresh",
            json!({ "refresh_token": login["refresh_token"] }),
        )
        .await;
        assert_eq!(status, 200, "{refreshed}");
        let client = client_with_token(refreshed["access_token"].as_str().unwrap());
        let (status, me) = get(&one, &client, "/api/v1/me").await;
        assert_eq!(
            (status, me["user_type"].as_str()),
            (200, Some("teacher")),
            "{me}"
        );
        let (status, _) = post(
            &two,
            &client,
            "/api/v1/teacher/classes",
            json!({ "name": "Promoted" }),
        )
        .await;
        assert_eq!(status, 201);

        // Disabling the account stops its tokens; enabling lets them back.
        let (ok, out, err) = cli_on(&one, &["user", "disable", "--email", &ada.email]);
        assert!(ok, "{out}{err}");
        answers_soon(
            "the account disabled",
            (403, "ACCOUNT_DISABLED"),
            async || get(&two, &client, "/api/v1/me").await,
        )
        .await;
        let (ok, out, err) = cli_on(&one, &["user", "enable", "--email", &ada.email]);
        assert!(ok, "{out}{err}");
        answers_soon("the account enabled", (200, ""), async || {
            get(&two, &client, "/api/v1/me").await
        })
        .await;

        // Deleting the account on one replica ends every token there at once, and on
        // the other.
        let (status, _) = get(&one, &client, "/api/v1/me").await;
        assert_eq!(status, 200, "remembered as live");
        assert_eq!(one.delete_me(&client).await, 204);
        let (status, e) = get(&one, &client, "/api/v1/me").await;
        assert_eq!((status, code(&e)), (401, "SESSION_ENDED"), "{e}");
        answers_soon("the account deleted", (401, "SESSION_ENDED"), async || {
            get(&two, &client, "/api/v1/me").await
        })
        .await;
    }
}

#[tokio::test]
async fn deleting_an_account_asks_for_the_password() {
    let server = start(Backend::Embedded, &[]).await;
    let ada = person(&server, "student").await;
    let send = |body: Option<Value>| {
        let mut request = ada.client.delete(server.url("/api/v1/me"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    for (body, status, expected_field) in [
        (None, 400, "password"),
        (Some(json!({})), 400, "password"),
        (Some(json!({ "password": 12 })), 400, "password"),
        (
            Some(json!({ "password": "Wrong-Horse-7-Battery" })),
            403,
            "password",
        ),
    ] {
        let (got, e) = send(body.clone()).await;
        assert_eq!((got, field(&e)), (status, expected_field), "{body:?}: {e}");
        let (status, _) = get(&server, &ada.client, "/api/v1/me").await;
        assert_eq!(status, 200, "{body:?} deleted the account");
    }
    let (status, _) = send(Some(json!({ "password": PASSWORD }))).await;
    assert_eq!(status, 204);
    let (status, _) = get(&server, &ada.client, "/api/v1/me").await;
    assert_eq!(status, 401);
}

/// A claim of a JWT (empty when absent).
fn claim(token: &str, name: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: Value = serde_json::from_slice(&bytes).unwrap();
    claims[name].as_str().unwrap_or_default().to_owned()
}

async fn screen(server: &Server, client: &reqwest::Client) -> (u16, Value) {
    post(
        server,
        client,
        "/api/v1/safety/screen",
        json!({ "text": "hello" }),
    )
    .await
}

#[tokio::test]
async fn service_tokens_live_at_most_90_days_and_can_be_revoked() {
    for backend in backends() {
        let one = start(backend, &[]).await;
        let two = one.replica(&[plugins_dir()], &[]).await;
        let db = ["--database-url", one.database_url.as_str()];
        let issue = |days: &str| {
            tessera(
                &[
                    &["service-token", "--name", "analytics", "--days", days],
                    &["--jwt-secret", JWT_SECRET][..],
                    &db[..],
                ]
                .concat(),
            )
        };
        let (ok, _, err) = issue("91");
        assert!(!ok, "a 91-day token was issued");
        assert!(err.contains("--days"), "{err}");
        let (ok, out, err) = issue("90");
        assert!(ok, "{err}");
        let token = out.trim().to_owned();
        let id = claim(&token, "jti");
        assert!(!id.is_empty(), "the token has no jti");
        let service = client_with_token(&token);
        for server in [&one, &two] {
            let (status, body) = screen(server, &service).await;
            assert_eq!(status, 200, "{body}");
        }

        let (ok, listed, err) = tessera(&[&["service-token", "list"][..], &db[..]].concat());
        assert!(ok, "{err}");
        let line = listed.lines().find(|l| l.contains(&id)).unwrap_or_default();
        assert!(
            line.contains("analytics") && line.contains("active"),
            "{listed}"
        );

        let (ok, out, err) = cli_on(&one, &["service-token", "revoke", &id]);
        assert!(ok, "{out}{err}");
        for server in [&two, &one] {
            answers_soon(
                "the revocation",
                (401, "SERVICE_TOKEN_REVOKED"),
                async || screen(server, &service).await,
            )
            .await;
        }
        let (_, listed, _) = tessera(&[&["service-token", "list"][..], &db[..]].concat());
        let line = listed.lines().find(|l| l.contains(&id)).unwrap_or_default();
        assert!(line.contains("revoked"), "{listed}");
        let (ok, _, err) = cli_on(&one, &["service-token", "revoke", "no-such-token"]);
        assert!(!ok && err.contains("no-such-token"), "{err}");

        // A service token without an id (signed with the key, never recorded) is refused.
        let keys =
            tessera::auth::TokenKeys::new(JWT_SECRET.as_bytes(), "lyoapp-backend", "lyoapp-users");
        let bare = keys
            .issue("service:x", "", tessera::auth::Role::Service, "", 600)
            .unwrap();
        let (status, _) = screen(&one, &client_with_token(&bare)).await;
        assert_eq!(status, 401);
    }
}

#[tokio::test]
async fn reading_safety_events_needs_its_own_permission() {
    let server = start(Backend::Embedded, &[]).await;
    let (ok, out, err) = tessera(&[
        "service-token",
        "--name",
        "tutor",
        "--jwt-secret",
        JWT_SECRET,
        "--database-url",
        &server.database_url,
    ]);
    assert!(ok, "{err}");
    let service = client_with_token(out.trim());
    let teacher = person(&server, "teacher").await;
    let admin_email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
    create_user(&server.database_url, &admin_email, "admin");
    let admin = client_with_token(&server.login(&admin_email).await);
    for (who, client, expected) in [
        ("service", &service, 403),
        ("teacher", &teacher.client, 403),
        ("admin", &admin, 200),
        ("super_admin", &server.http, 200),
    ] {
        let (status, body) = get(&server, client, "/api/v1/admin/safety/events").await;
        assert_eq!(status, expected, "{who}: {body}");
    }
    // The service keeps what it is for: screening.
    let (status, body) = screen(&server, &service).await;
    assert_eq!(status, 200, "{body}");
}

/// Starts `tessera serve` on a fresh data folder with no secret configured; `Ok` once it
/// answers, `Err(stderr)` when it exits first.
fn ready(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reply = String::new();
    stream
        .write_all(b"GET /health/ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_ok()
        && stream.read_to_string(&mut reply).is_ok()
        && reply.split(' ').nth(1) == Some("200")
}

fn serve_on(data: &std::path::Path) -> Result<std::process::Child, String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let empty = data.parent().unwrap().join("no-plugins");
    std::fs::create_dir_all(&empty).unwrap();
    let mut child = binary()
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .arg("--plugins-dir")
        .arg(&empty)
        .arg("--content-dir")
        .arg(&empty)
        .arg("--data-dir")
        .arg(data)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let exited = eventually_blocking("tessera to start or stop", Duration::from_secs(60), || {
        if let Some(status) = child.try_wait().unwrap() {
            return Ok(Some(status));
        }
        // Ready, not merely listening: the port is bound before the key is read, so a
        // bare connect would succeed in the moment before a bad key stops the server.
        if ready(port) {
            return Ok(None);
        }
        Err("neither ready nor exited")
    });
    match exited {
        None => Ok(child),
        Some(status) => {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            Err(format!("{status}: {err}"))
        }
    }
}

#[test]
fn the_data_folder_is_private_and_a_readable_key_refuses_to_start() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut child = serve_on(&data).expect("first start");
    let _ = child.kill();
    let _ = child.wait();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the data folder");
    let key = data.join("jwt.key");
    assert_eq!(mode(&key), 0o600, "the key file");

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = match serve_on(&data) {
        Ok(mut child) => {
            let _ = child.kill();
            panic!("started with a world-readable key");
        }
        Err(err) => err,
    };
    assert!(
        err.contains(&key.display().to_string()) && err.contains("chmod 600"),
        "{err}"
    );
}
