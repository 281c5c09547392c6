//! Identity over HTTP, on the embedded backend (SQLite + in-process store) and the shared
//! one (Postgres + Redis): registration, login, refresh rotation and family revocation,
//! logout, the profile, roles, export and deletion, rate limits and idempotency.

use serde_json::{Value, json};

use crate::support::{
    Backend, JWT_SECRET, PASSWORD, Server, backends, client_with_token, create_user,
};

async fn start(backend: Backend, extra: &[&str]) -> Server {
    Server::start_on(backend, &[crate::support::plugins_dir()], extra).await
}

async fn post(server: &Server, client: &reqwest::Client, path: &str, body: Value) -> (u16, Value) {
    server.post_as(client, path, &body).await
}

async fn get(client: &reqwest::Client, server: &Server, path: &str) -> (u16, Value) {
    let r = client.get(server.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn register_login_me_and_profile() {
    for backend in backends() {
        let server = start(backend, &[]).await;
        let anon = &server.anonymous;
        let email = format!("Ada.{}@Example.com", uuid::Uuid::new_v4().simple());
        let body = json!({ "email": email, "password": "SecurePassword123!",
                           "full_name": "Ada Lovelace", "user_type": "student" });
        let (status, reg) = post(&server, anon, "/api/v1/auth/register", body.clone()).await;
        assert_eq!(status, 201, "{backend:?}: {reg}");
        for key in ["user_id", "access_token", "refresh_token"] {
            assert!(
                reg[key].as_str().is_some_and(|v| !v.is_empty()),
                "{key}: {reg}"
            );
        }
        assert_eq!(reg["email"], email.to_lowercase());
        assert_eq!(reg["token_type"], "bearer");
        assert_eq!(reg["expires_in"], 1800);

        let (status, dup) = post(&server, anon, "/api/v1/auth/register", body).await;
        assert_eq!(status, 409, "{dup}");
        assert_eq!(dup["error"]["details"]["field"], "email");

        let (status, bad) = post(
            &server,
            anon,
            "/api/v1/auth/login",
            json!({ "email": email, "password": "SecurePassword124!" }),
        )
        .await;
        assert_eq!(status, 401, "{bad}");
        assert_eq!(bad["error"]["code"], "INVALID_CREDENTIALS");

        let (status, login) = post(
            &server,
            anon,
            "/api/v1/auth/login",
            json!({ "email": email.to_uppercase(), "password": "SecurePassword123!" }),
        )
        .await;
        assert_eq!(status, 200, "{login}");
        assert_eq!(login["user"]["user_type"], "student");
        assert_eq!(login["user"]["id"], reg["user_id"]);

        let me = client_with_token(login["access_token"].as_str().unwrap());
        let (status, profile) = get(&me, &server, "/api/v1/me").await;
        assert_eq!(status, 200, "{profile}");
        assert_eq!(profile["full_name"], "Ada Lovelace");
        assert_eq!(profile["tone"], "friendly");
        assert_eq!(profile["timezone"], "UTC");
        assert_eq!(profile["profile"]["learning_style"], "visual");

        let r = me
            .patch(server.url("/api/v1/me/profile"))
            .json(
                &json!({ "tone": "socratic", "timezone": "Europe/Paris", "bio": "Counts",
                           "notification_preferences": { "email": false } }),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let updated: Value = r.json().await.unwrap();
        assert_eq!(updated["tone"], "socratic");
        assert_eq!(updated["timezone"], "Europe/Paris");
        assert_eq!(updated["profile"]["bio"], "Counts");
        assert_eq!(
            updated["profile"]["notification_preferences"]["email"],
            false
        );

        // null clears, absence keeps.
        let r = me
            .patch(server.url("/api/v1/me/profile"))
            .json(&json!({ "bio": null }))
            .send()
            .await
            .unwrap();
        let cleared: Value = r.json().await.unwrap();
        assert_eq!(cleared["profile"]["bio"], Value::Null, "{cleared}");
        assert_eq!(cleared["tone"], "socratic");

        for (patch, field) in [
            (json!({ "tone": "sarcastic" }), "tone"),
            (json!({ "timezone": "Mars/Olympus Mons" }), "timezone"),
            (json!({ "learning_style": "osmosis" }), "learning_style"),
            (json!({ "full_name": "   " }), "full_name"),
            (json!({ "avatar_url": "javascript:alert(1)" }), "avatar_url"),
            (json!({ "privacy_settings": [1] }), "privacy_settings"),
            (json!({ "bio": "x".repeat(2001) }), "bio"),
        ] {
            let r = me
                .patch(server.url("/api/v1/me/profile"))
                .json(&patch)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 422, "{patch}");
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"]["details"]["field"], field, "{body}");
        }
        let (_, after) = get(&me, &server, "/api/v1/me").await;
        assert_eq!(after["tone"], "socratic", "refused patches changed nothing");
    }
}

#[tokio::test]
async fn password_rules_and_roles_at_registration() {
    for backend in backends() {
        let server = start(backend, &[]).await;
        let anon = &server.anonymous;
        let reg = |password: &str, role: &str| {
            json!({ "email": format!("{}@example.com", uuid::Uuid::new_v4().simple()),
                    "password": password, "full_name": "X", "user_type": role })
        };
        for (password, issue) in [
            ("Short1!", "12"),
            ("nouppercase123!", "uppercase"),
            ("NoDigitsHere!!", "digit"),
            ("NoSpecials1234", "special"),
            ("P@ssw0rd2024!", "common"),
        ] {
            let (status, body) = post(
                &server,
                anon,
                "/api/v1/auth/register",
                reg(password, "student"),
            )
            .await;
            assert_eq!(status, 422, "{password}: {body}");
            assert_eq!(body["error"]["details"]["field"], "password");
            assert!(
                body["error"]["details"]["issue"]
                    .as_str()
                    .unwrap()
                    .contains(issue),
                "{body}"
            );
        }
        let (status, body) = post(
            &server,
            anon,
            "/api/v1/auth/register",
            reg(PASSWORD, "admin"),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["details"]["field"], "user_type");
        let (status, body) = post(
            &server,
            anon,
            "/api/v1/auth/register",
            reg(PASSWORD, "teacher"),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    for backend in backends() {
        let server = start(backend, &[]).await;
        let anon = &server.anonymous;
        let reg = server.register("student").await;
        let first = reg["refresh_token"].as_str().unwrap().to_owned();

        let (status, r2) = post(
            &server,
            anon,
            "/api/v1/auth/refresh",
            json!({ "refresh_token": first }),
        )
        .await;
        assert_eq!(status, 200, "{r2}");
        let second = r2["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(first, second);
        let (status, _) = get(
            &client_with_token(r2["access_token"].as_str().unwrap()),
            &server,
            "/api/v1/me",
        )
        .await;
        assert_eq!(status, 200);

        // The first token again: a leak. The family is revoked...
        let (status, body) = post(
            &server,
            anon,
            "/api/v1/auth/refresh",
            json!({ "refresh_token": first }),
        )
        .await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["error"]["code"], "REFRESH_TOKEN_REUSED");
        // ...so the current one stops working too.
        let (status, body) = post(
            &server,
            anon,
            "/api/v1/auth/refresh",
            json!({ "refresh_token": second }),
        )
        .await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["error"]["code"], "INVALID_REFRESH_TOKEN");

        // Another sign-in (another family) is unaffected; logout ends it.
        let email = reg["email"].as_str().unwrap();
        let (_, login) = post(
            &server,
            anon,
            "/api/v1/auth/login",
            json!({ "email": email, "password": PASSWORD }),
        )
        .await;
        let token = login["access_token"].as_str().unwrap();
        let r = client_with_token(token)
            .post(server.url("/api/v1/auth/logout"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let (status, _) = post(
            &server,
            anon,
            "/api/v1/auth/refresh",
            json!({ "refresh_token": login["refresh_token"] }),
        )
        .await;
        assert_eq!(status, 401);

        let (status, body) = post(
            &server,
            anon,
            "/api/v1/auth/refresh",
            json!({ "refresh_token": "rt_nonsense" }),
        )
        .await;
        assert_eq!(status, 401);
        assert_eq!(body["error"]["details"]["field"], "refresh_token");
    }
}

/// (method, path, lowest role allowed) over HTTP; the full matrix is unit-tested in
/// `auth::roles`.
#[tokio::test]
async fn roles_are_enforced_over_http() {
    for backend in backends() {
        let server = start(backend, &[]).await;
        let student = server.client_of("student").await;
        let teacher = server.client_of("teacher").await;
        let admin_email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
        create_user(&server.database_url, &admin_email, "admin");
        let admin = client_with_token(&server.login(&admin_email).await);
        let super_admin = &server.http;

        for (who, client, expected) in [
            ("student", &student, 403),
            ("teacher", &teacher, 403),
            ("admin", &admin, 403),
            ("super_admin", super_admin, 200),
        ] {
            let (status, body) = get(client, &server, "/api/v1/plugins").await;
            assert_eq!(status, expected, "{who} GET /plugins: {body}");
            if expected == 403 {
                assert_eq!(body["error"]["code"], "FORBIDDEN");
            }
            let (status, _) = get(client, &server, "/api/v1/me").await;
            assert_eq!(status, 200, "{who} GET /me");
        }
        let (status, body) = get(&server.anonymous, &server, "/api/v1/me").await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["error"]["details"]["field"], "authorization");
    }
}

#[tokio::test]
async fn bad_expired_and_tampered_tokens_are_401() {
    let server = start(Backend::Embedded, &[]).await;
    let keys =
        tessera::auth::TokenKeys::new(JWT_SECRET.as_bytes(), "lyoapp-backend", "lyoapp-users");
    let expired = keys
        .issue(
            "someone",
            "a@b.c",
            tessera::auth::Role::SuperAdmin,
            "s",
            -3600,
        )
        .unwrap();
    let foreign = tessera::auth::TokenKeys::new(
        b"another-secret-another-secret-0123456789",
        "lyoapp-backend",
        "lyoapp-users",
    )
    .issue(
        "someone",
        "a@b.c",
        tessera::auth::Role::SuperAdmin,
        "s",
        3600,
    )
    .unwrap();
    let mut tampered: Vec<String> = server.token.split('.').map(str::to_owned).collect();
    // Claim super powers in the payload without re-signing.
    tampered[1] = tampered[1].chars().rev().collect();
    for (name, header) in [
        ("garbage", "Bearer not.a.jwt".to_owned()),
        ("expired", format!("Bearer {expired}")),
        ("foreign key", format!("Bearer {foreign}")),
        ("tampered", format!("Bearer {}", tampered.join("."))),
        ("no scheme", server.token.clone()),
        ("empty", "Bearer ".to_owned()),
    ] {
        let r = server
            .anonymous
            .get(server.url("/api/v1/me"))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{name}");
        assert!(r.headers().contains_key("www-authenticate"), "{name}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(
            body["error"]["details"]["field"], "authorization",
            "{name}: {body}"
        );
    }
}

#[tokio::test]
async fn export_then_delete_leaves_no_row_of_the_user() {
    for backend in backends() {
        let server = start(backend, &[]).await;
        let reg = server.register("student").await;
        let user_id = reg["user_id"].as_str().unwrap().to_owned();
        let me = client_with_token(reg["access_token"].as_str().unwrap());
        let (status, export) = get(&me, &server, "/api/v1/me/export").await;
        assert_eq!(status, 200, "{export}");
        assert_eq!(export["account"]["email"], reg["email"]);
        assert_eq!(export["sessions"].as_array().unwrap().len(), 1, "{export}");
        let kinds: Vec<&str> = export["audit_events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert!(
            kinds.contains(&"user.registered") && kinds.contains(&"user.signed_in"),
            "{kinds:?}"
        );

        let db = tessera::store::Db::connect(&server.database_url, 1)
            .await
            .unwrap();
        assert!(db.rows_naming(&user_id).await.unwrap() > 0);
        assert_eq!(server.delete_me(&me).await, 204);
        assert_eq!(
            db.rows_naming(&user_id).await.unwrap(),
            0,
            "{backend:?}: rows left behind"
        );

        let (status, _) = get(&me, &server, "/api/v1/me").await;
        assert_eq!(status, 401, "the token's account is gone");
        let (status, _) = post(
            &server,
            &server.anonymous,
            "/api/v1/auth/login",
            json!({ "email": reg["email"], "password": PASSWORD }),
        )
        .await;
        assert_eq!(status, 401);
        let (status, _) = post(
            &server,
            &server.anonymous,
            "/api/v1/auth/refresh",
            json!({ "refresh_token": reg["refresh_token"] }),
        )
        .await;
        assert_eq!(status, 401);
    }
}

#[tokio::test]
async fn rate_limits_answer_429_with_headers() {
    for backend in backends() {
        let server = start(
            backend,
            &["--rate-limit-auth", "3", "--rate-limit-general", "4"],
        )
        .await;
        let login = json!({ "email": "nobody@example.com", "password": "Whatever-123!" });
        // The test harness signed in once from this address already: 2 attempts are left.
        let mut remaining = Vec::new();
        let r = loop {
            let r = server
                .anonymous
                .post(server.url("/api/v1/auth/login"))
                .json(&login)
                .send()
                .await
                .unwrap();
            if r.status() == 429 || remaining.len() > 3 {
                break r;
            }
            assert_eq!(r.status(), 401);
            assert_eq!(r.headers()["x-ratelimit-limit"], "3");
            remaining.push(
                r.headers()["x-ratelimit-remaining"]
                    .to_str()
                    .unwrap()
                    .to_owned(),
            );
        };
        assert_eq!(remaining, ["1", "0"], "{backend:?}");
        assert_eq!(r.status(), 429, "{backend:?}");
        assert_eq!(r.headers()["x-ratelimit-remaining"], "0");
        let retry: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "RATE_LIMITED");

        // General routes count per user: the admin's 4 requests, then 429; another user
        // is unaffected (its own window).
        for _ in 0..4 {
            let (status, _) = get(&server.http, &server, "/api/v1/me").await;
            assert_eq!(status, 200);
        }
        let (status, body) = get(&server.http, &server, "/api/v1/me").await;
        assert_eq!(status, 429, "{body}");
        let other_email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
        create_user(&server.database_url, &other_email, "student");
        let keys =
            tessera::auth::TokenKeys::new(JWT_SECRET.as_bytes(), "lyoapp-backend", "lyoapp-users");
        let db = tessera::store::Db::connect(&server.database_url, 1)
            .await
            .unwrap();
        let other = db.user_by_email(&other_email).await.unwrap().unwrap();
        // The auth routes' window is used up: open the session in the database directly.
        let session = db
            .start_session(&other.id, 3_600_000, None, None)
            .await
            .unwrap();
        let token = keys
            .issue(
                &other.id,
                &other.email,
                other.role,
                &session.session_id,
                600,
            )
            .unwrap();
        let (status, _) = get(&client_with_token(&token), &server, "/api/v1/me").await;
        assert_eq!(status, 200, "another user's window is separate");
    }
}

#[tokio::test]
async fn idempotent_registration_replays_and_refuses_another_body() {
    for backend in backends() {
        let server = start(backend, &[]).await;
        let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
        let body = json!({ "email": email, "password": PASSWORD, "full_name": "Once" });
        let send = |body: Value, key: &'static str| {
            let client = server.anonymous.clone();
            let url = server.url("/api/v1/auth/register");
            async move {
                let r = client
                    .post(url)
                    .header("idempotency-key", key)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let replayed = r.headers().contains_key("idempotent-replayed");
                (
                    r.status().as_u16(),
                    replayed,
                    r.json::<Value>().await.unwrap(),
                )
            }
        };
        let (s1, replay1, first) = send(body.clone(), "key-1").await;
        assert_eq!((s1, replay1), (201, false), "{first}");
        let (s2, replay2, second) = send(body.clone(), "key-1").await;
        assert_eq!((s2, replay2), (201, true), "{second}");
        assert_eq!(second["user_id"], first["user_id"], "{second}");
        assert_eq!(second["email"], first["email"], "{second}");
        // A replay hands out no tokens: whoever holds the key and body must sign in.
        for token in ["access_token", "refresh_token"] {
            assert!(second.get(token).is_none(), "{token} replayed: {second}");
        }
        assert!(
            second["message"].as_str().unwrap().contains("sign in"),
            "{second}"
        );
        // Nor does the stored record keep them.
        if let Some(prefix) = &server.redis_prefix {
            let kv = tessera::kv::connect(Some(crate::support::REDIS), prefix)
                .await
                .unwrap();
            let (keys, _) = kv.scan("idem:", 0, 1000).await.unwrap();
            assert!(
                !keys.is_empty(),
                "no idempotency record under {prefix}idem:"
            );
            for key in keys {
                let record = kv.get(&key).await.unwrap().unwrap_or_default();
                let record: Value = serde_json::from_slice(&record).unwrap();
                use base64::Engine;
                let body = base64::engine::general_purpose::STANDARD
                    .decode(record["body_b64"].as_str().unwrap_or_default())
                    .unwrap();
                let text = format!("{record}{}", String::from_utf8_lossy(&body));
                for token in ["access_token", "refresh_token"] {
                    let value = first[token].as_str().unwrap();
                    assert!(!text.contains(value), "{token} kept in {key}");
                }
            }
        }
        let mut other = body.clone();
        other["full_name"] = json!("Twice");
        let (s3, _, third) = send(other, "key-1").await;
        assert_eq!(s3, 422, "{third}");
        assert_eq!(third["error"]["code"], "IDEMPOTENCY_KEY_REUSED");
        assert_eq!(third["error"]["details"]["field"], "Idempotency-Key");
        // Without the key the duplicate is a conflict: exactly one account exists.
        let (s4, _, fourth) = send(body, "key-2").await;
        assert_eq!(s4, 409, "{fourth}");
    }
}

#[tokio::test]
async fn hostile_input_is_a_4xx_and_changes_nothing() {
    for backend in backends() {
        let server = start(backend, &[]).await;
        let reg = server.register("student").await;
        let email = reg["email"].as_str().unwrap().to_owned();
        let anon = &server.anonymous;
        let url = server.url("/api/v1/auth/register");
        let raw = |body: String, content_type: &'static str| {
            let (anon, url) = (anon.clone(), url.clone());
            async move {
                let r = anon
                    .post(url)
                    .header("content-type", content_type)
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                (
                    r.status().as_u16(),
                    r.json::<Value>().await.unwrap_or(Value::Null),
                )
            }
        };
        let ok = |extra: Value| {
            let mut b = json!({ "email": "x@example.com", "password": PASSWORD, "full_name": "X" });
            for (k, v) in extra.as_object().unwrap() {
                b[k] = v.clone();
            }
            b.to_string()
        };
        let cases: Vec<(String, &str, u16, &str)> = vec![
            ("{\"email\": ".into(), "application/json", 400, ""),
            (
                json!({ "password": PASSWORD, "full_name": "X" }).to_string(),
                "application/json",
                400,
                "email",
            ),
            (
                ok(json!({ "admin": true })),
                "application/json",
                400,
                "admin",
            ),
            (ok(json!({ "email": 5 })), "application/json", 400, "email"),
            (
                ok(json!({ "user_type": "root" })),
                "application/json",
                400,
                "user_type",
            ),
            (ok(json!({})), "text/plain", 415, "content-type"),
            (
                ok(json!({ "email": "'; DROP TABLE users; --" })),
                "application/json",
                422,
                "email",
            ),
            (
                ok(json!({ "email": format!("{}@example.com", "a".repeat(300)) })),
                "application/json",
                422,
                "email",
            ),
            (
                ok(json!({ "full_name": "\u{0}\u{202e}evil" })),
                "application/json",
                422,
                "full_name",
            ),
            (
                ok(json!({ "full_name": "名".repeat(300) })),
                "application/json",
                422,
                "full_name",
            ),
            (
                ok(json!({ "password": "Ä".repeat(300) + "a1!" })),
                "application/json",
                422,
                "password",
            ),
        ];
        for (body, content_type, status, field) in cases {
            let shown: String = body.chars().take(60).collect();
            let (got, reply) = raw(body, content_type).await;
            assert_eq!(got, status, "{backend:?} {shown}: {reply}");
            if !field.is_empty() {
                assert_eq!(
                    reply["error"]["details"]["field"], field,
                    "{shown}: {reply}"
                );
            }
        }
        let big = format!("{{\"email\":\"{}\"}}", "x".repeat(2 << 20));
        let (status, reply) =
            server.raw_post("/api/v1/auth/register", "application/json", big.as_bytes());
        assert_eq!(status, 413, "{reply}");
        assert_eq!(reply["error"]["code"], "PAYLOAD_TOO_LARGE");
        // A SQL-looking but valid address is just data.
        let sqlish = format!("o'brien+{}@example.com", uuid::Uuid::new_v4().simple());
        let (status, _) = raw(ok(json!({ "email": sqlish })), "application/json").await;
        assert_eq!(status, 201);
        let (status, _) = post(
            &server,
            anon,
            "/api/v1/auth/login",
            json!({ "email": "' OR '1'='1", "password": "' OR '1'='1" }),
        )
        .await;
        assert_eq!(status, 401);
        // The account registered before the sweep is intact.
        let (status, _) = post(
            &server,
            anon,
            "/api/v1/auth/login",
            json!({ "email": email, "password": PASSWORD }),
        )
        .await;
        assert_eq!(status, 200);
    }
}

#[test]
fn migrate_lists_then_applies_pending_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    let run = |args: &[&str]| {
        let out = crate::support::binary()
            .args(args)
            .args(["--database-url", &url])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let dry = run(&["migrate", "--dry-run"]);
    assert!(dry.contains("pending 1 identity"), "{dry}");
    let applied = run(&["migrate"]);
    assert!(applied.contains("applied 1 identity"), "{applied}");
    assert!(run(&["migrate", "--dry-run"]).contains("no pending migrations"));
}

#[tokio::test]
async fn a_service_token_reaches_no_user_route() {
    let server = start(Backend::Embedded, &[]).await;
    let out = crate::support::binary()
        .args(["service-token", "--name", "experiments", "--days", "1"])
        .args(["--jwt-secret", JWT_SECRET])
        .args(["--database-url", &server.database_url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let service = client_with_token(&token);
    for path in ["/api/v1/me", "/api/v1/plugins"] {
        let (status, body) = get(&service, &server, path).await;
        assert_eq!(status, 403, "{path}: {body}");
    }
}

#[tokio::test]
async fn the_openapi_document_covers_every_route_with_examples_and_errors() {
    let server = start(Backend::Embedded, &[]).await;
    let (status, doc) = get(&server.anonymous, &server, "/openapi.json").await;
    assert_eq!(status, 200);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let routes = [
        ("post", "/api/v1/auth/register"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/refresh"),
        ("post", "/api/v1/auth/logout"),
        ("get", "/api/v1/me"),
        ("delete", "/api/v1/me"),
        ("patch", "/api/v1/me/profile"),
        ("get", "/api/v1/me/export"),
        ("post", "/api/v1/grade"),
        ("get", "/api/v1/lessons/daily"),
        ("post", "/api/v1/steps/{step_id}/quiz"),
        ("post", "/api/v1/steps/{step_id}/complete"),
        ("post", "/api/v1/exercises/{step_id}/submit"),
        ("post", "/api/v1/lessons/{lesson_id}/tone"),
        ("post", "/api/v1/projects/{project_id}/submissions"),
        ("get", "/api/v1/projects/submissions/{id}"),
        ("post", "/api/v1/tracks/{track_id}/badge/share"),
        ("get", "/api/v1/progress/user/{user_id}"),
        ("get", "/api/v1/progress/mastery"),
        ("post", "/api/v1/teacher/classes"),
        ("get", "/api/v1/teacher/classes/{class_id}/progress"),
        ("get", "/api/v1/teacher/classes"),
        ("get", "/api/v1/teacher/classes/{class_id}"),
        ("post", "/api/v1/teacher/classes/{class_id}/invitations"),
        ("post", "/api/v1/teacher/classes/{class_id}/join-code"),
        (
            "delete",
            "/api/v1/teacher/classes/{class_id}/members/{user_id}",
        ),
        ("post", "/api/v1/classes/join"),
        ("get", "/api/v1/me/classes"),
        ("delete", "/api/v1/me/classes/{class_id}"),
        ("get", "/api/v1/me/class-invitations"),
        (
            "post",
            "/api/v1/me/class-invitations/{invitation_id}/accept",
        ),
        (
            "post",
            "/api/v1/me/class-invitations/{invitation_id}/decline",
        ),
        ("post", "/api/v1/sandbox/run"),
        ("post", "/api/v1/sandbox/run-tests"),
        ("post", "/api/v1/safety/screen"),
        ("get", "/api/v1/admin/safety/events"),
        ("get", "/api/v1/admin/ai/usage"),
        ("post", "/v1/chat/completions"),
        ("get", "/v1/models"),
        ("get", "/api/v1/plugins"),
        ("post", "/api/v1/plugins/reload"),
        ("get", "/health/live"),
        ("get", "/health/ready"),
        ("get", "/health/startup"),
        ("get", "/metrics"),
    ];
    for (method, path) in routes {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not documented");
        let responses = op["responses"].as_object().unwrap();
        if path.starts_with("/api/") || path.starts_with("/v1/") {
            assert!(
                responses.keys().any(|k| k.starts_with('4')),
                "{method} {path} documents no error response"
            );
        }
    }
    // Request bodies carry examples.
    for path in [
        "/api/v1/auth/register",
        "/api/v1/grade",
        "/api/v1/sandbox/run",
    ] {
        let body = &doc["paths"][path]["post"]["requestBody"]["content"]["application/json"];
        assert!(!body["example"].is_null(), "{path}: {body}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let html = server.text(&server.anonymous, "/docs").await;
    assert!(html.contains("/openapi.json"), "{html}");
}

/// The plugin-backed routes behave the same on both backends (they read the caller from
/// the token and the limits from the shared store).
#[tokio::test]
async fn grading_and_the_sandbox_work_on_every_backend() {
    for backend in backends() {
        let server = start(backend, &[]).await;
        let student = server.client_of("student").await;
        let (status, grade) = post(
            &server,
            &student,
            "/api/v1/grade",
            json!({
            "question": { "kind": "true_false", "answer_key": { "correct": true } },
            "answer": { "value": true } }),
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {grade}");
        assert_eq!(grade["correct"], true);
        let (status, run) = post(
            &server,
            &student,
            "/api/v1/sandbox/run",
            json!({ "code": "print(6 * 7)" }),
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {run}");
        assert_eq!(run["stdout"], "42\n");
        let (status, body) = post(&server, &server.anonymous, "/api/v1/grade", json!({})).await;
        assert_eq!(status, 401, "{body}");
    }
}
