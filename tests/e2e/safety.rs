//! The safety gate over HTTP: `POST /api/v1/safety/screen` with the first-party
//! safety-filter plugin.

use serde_json::{Value, json};

use crate::support::{Server, client_with_token, plugins_dir};

async fn screen(server: &Server, client: &reqwest::Client, body: Value) -> (u16, Value) {
    server.post_as(client, "/api/v1/safety/screen", &body).await
}

#[tokio::test]
async fn a_crisis_gets_the_regions_hotline_and_idioms_pass() {
    let server = Server::start(&[plugins_dir()]).await;
    let text = "ok so... I want to K1LL mys3lf";
    let (status, v) = screen(
        &server,
        &server.http,
        json!({ "text": text, "region": "us" }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["level"], "crisis");
    assert_eq!(v["categories"], json!(["suicide"]));
    let span = &v["spans"][0];
    let (s, e) = (
        span["start"].as_u64().unwrap() as usize,
        span["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[s..e], "K1LL mys3lf");
    let message = v["response"]["message"].as_str().unwrap();
    assert!(message.contains("988"), "{message}");
    assert_eq!(v["response"]["region"], "US");
    assert_eq!(v["screened_by"], json!(["safety-filter@0.1.0"]));

    let (_, v) = screen(
        &server,
        &server.http,
        json!({ "text": "my stepdad hits me every night", "region": "GB" }),
    )
    .await;
    assert_eq!(v["level"], "crisis");
    assert!(
        v["response"]["message"]
            .as_str()
            .unwrap()
            .contains("116 123"),
        "{v}"
    );

    for calm in [
        "this homework is killing me",
        "how do I kill a thread in Python",
        "I would never hurt myself",
    ] {
        let (_, v) = screen(&server, &server.http, json!({ "text": calm })).await;
        assert_eq!(v["level"], "none", "{calm}: {v}");
        assert_eq!(v["response"], Value::Null);
    }
    let (_, v) = screen(
        &server,
        &server.http,
        json!({ "text": "I feel so hopeless about this course" }),
    )
    .await;
    assert_eq!(v["level"], "concern", "{v}");
    assert_eq!(v["response"], Value::Null);
}

#[tokio::test]
async fn only_admins_and_services_screen_and_bad_input_is_named() {
    let server = Server::start(&[plugins_dir()]).await;
    let student = client_with_token(
        server.register("student").await["access_token"]
            .as_str()
            .unwrap(),
    );
    let (status, _) = screen(&server, &student, json!({ "text": "hi" })).await;
    assert_eq!(status, 403);
    let out = crate::support::binary()
        .args([
            "service-token",
            "--name",
            "tutor",
            "--jwt-secret",
            crate::support::JWT_SECRET,
        ])
        .output()
        .unwrap();
    let service = client_with_token(String::from_utf8(out.stdout).unwrap().trim());
    let (status, v) = screen(&server, &service, json!({ "text": "hi" })).await;
    assert_eq!(status, 200, "{v}");

    for (body, status, field) in [
        (json!({ "text": "x".repeat(33 * 1024) }), 422, "text"),
        (json!({ "text": "hi", "region": "USA" }), 422, "region"),
        (json!({ "region": "US" }), 400, "text"),
        (json!({ "text": 5 }), 400, "text"),
    ] {
        let (got, v) = screen(&server, &server.http, body).await;
        assert_eq!(got, status, "{v}");
        assert_eq!(v["error"]["details"]["field"], field, "{v}");
    }
}
