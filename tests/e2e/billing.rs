//! Seed 001's billing webhooks end to end on both databases (docs/kalei.md, "Billing"):
//! the test acts as the App Store (a test CA whose root the server trusts, signing
//! notifications as Apple does) and as Google (a local double of the JWKS, the OAuth token
//! endpoint and the Play Developer API, and Pub/Sub pushes signed with its keys), both from
//! `billing::testing`. What a member notices: their plan and subscriptions in
//! `GET /api/v1/billing/entitlements`, and Lens opening (200) or answering 402; what a
//! store notices: the webhook's answer, and each notification stored once.

use std::path::PathBuf;

use billing::google::SubscriptionNotificationType as Kind;
use billing_testing::apple::{Notification, TestCa, signed_payload_body, tamper_payload};
use billing_testing::google::{
    DEFAULT_PUSH_EMAIL, GoogleDouble, Purchase, PurchaseState, Push, subscription_notification,
};
use billing_testing::{DAY_MS, now_ms};
use serde_json::{Value, json};
use tessera::store::Db;

use crate::support::{Backend, Server, backends, client_with_token, plugins_dir, unique};

const BUNDLE_ID: &str = "com.kalei.app";
const PACKAGE: &str = "com.kalei.app";
const PRISM: &str = "com.kalei.prism.monthly";
const PRISM_PLUS: &str = "com.kalei.prismplus.monthly";
const PRODUCTS: &str =
    r#"{"com.kalei.prism.monthly":"prism","com.kalei.prismplus.monthly":"prism_plus"}"#;
const APPLE: &str = "/api/v1/billing/webhooks/apple";
const GOOGLE: &str = "/api/v1/billing/webhooks/google";
const ENTITLEMENTS: &str = "/api/v1/billing/entitlements";
/// Needs Prism: 402 on the free plan.
const LENS: &str = "/api/v1/lens/goals";

/// A fresh folder for the files a server reads (the root certificate, the key file).
fn scratch() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e-billing")
        .join(unique("run"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A new member: their id (what the app puts in `appAccountToken` /
/// `obfuscatedExternalAccountId`) and a client sending their token.
async fn member(server: &Server) -> (String, reqwest::Client) {
    let account = server.register("student").await;
    (
        account["user_id"].as_str().unwrap().to_owned(),
        client_with_token(account["access_token"].as_str().unwrap()),
    )
}

/// POSTs a store's notification as the store does: JSON, no bearer token of ours.
async fn notify(
    server: &Server,
    path: &str,
    authorization: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut request = server
        .anonymous
        .post(server.url(path))
        .header("content-type", "application/json")
        .body(body);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// How many notifications from `store` the server stored.
async fn stored(server: &Server, store: &str) -> i64 {
    let db = Db::connect(&server.database_url, 2).await.unwrap();
    db.billing_event_count(store).await.unwrap()
}

/// The member's entitlements.
async fn entitlements(server: &Server, client: &reqwest::Client) -> Value {
    let (status, body) = server.get_as(client, ENTITLEMENTS).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// `GET /api/v1/lens/goals`'s status for the member (402 below Prism).
async fn lens(server: &Server, client: &reqwest::Client) -> u16 {
    let (status, body) = server.get_as(client, LENS).await;
    if status == 402 {
        assert_eq!(body["error"]["code"], "PLAN_REQUIRED", "{body}");
    }
    status
}

/// The host's spelling of a time (RFC 3339, seconds, UTC).
fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn assert_refused(answer: &(u16, Value), status: u16, code: &str, backend: Backend) {
    assert_eq!(answer.0, status, "{backend:?}: {}", answer.1);
    assert_eq!(answer.1["error"]["code"], code, "{backend:?}: {}", answer.1);
}

/// A server taking the App Store's notifications for [`BUNDLE_ID`], trusting `ca`'s root
/// (written to `dir`; the host reads DER or PEM: one backend each).
async fn apple_server(backend: Backend, ca: &TestCa, dir: &std::path::Path) -> Server {
    let root = if backend == Backend::Embedded {
        let path = dir.join("test-root.der");
        ca.write_root_der(&path).unwrap();
        path
    } else {
        let path = dir.join("test-root.pem");
        ca.write_root_pem(&path).unwrap();
        path
    };
    let root = root.display().to_string();
    Server::start_on(
        backend,
        &[plugins_dir()],
        &[
            "--apple-bundle-id",
            BUNDLE_ID,
            "--apple-root-certs",
            &root,
            "--billing-products",
            PRODUCTS,
        ],
    )
    .await
}

/// Notifications that would upgrade the member to Prism+ (the subscription `subscribed`
/// renewed into Prism+, from the member's own account) unless refused: tampered with,
/// signed by another CA, for another app. Each is refused, nothing is stored, nothing
/// changes for the member.
async fn forged_apple_upgrades_are_refused(
    server: &Server,
    ca: &TestCa,
    subscribed: &Notification,
    client: &reqwest::Client,
    backend: Backend,
) {
    let before = stored(server, "apple").await;
    let upgrade = || {
        Notification::did_renew(BUNDLE_ID, PRISM_PLUS)
            .original_transaction_id(&subscribed.original_transaction_id)
            .app_account_token(subscribed.app_account_token.as_deref().unwrap())
            .signed_date(subscribed.signed_date + 1)
    };
    // One byte of the payload changed after signing.
    let tampered = tamper_payload(&upgrade().signed_payload(ca));
    let answer = notify(server, APPLE, None, signed_payload_body(&tampered)).await;
    assert_refused(&answer, 401, "INVALID_SIGNATURE", backend);
    // Signed by another CA (a chain ending at a root the server does not trust).
    let answer = notify(server, APPLE, None, upgrade().body(&TestCa::new())).await;
    assert_refused(&answer, 401, "INVALID_SIGNATURE", backend);
    // Authentic, but for another app.
    let other_app = upgrade().bundle_id("com.someone.else");
    let answer = notify(server, APPLE, None, other_app.body(ca)).await;
    assert_refused(&answer, 422, "WRONG_APP", backend);
    assert_eq!(
        stored(server, "apple").await,
        before,
        "{backend:?}: nothing refused is stored"
    );
    let unchanged = entitlements(server, client).await;
    assert_eq!(unchanged["plan"], "prism", "{unchanged}");
    assert_eq!(unchanged["subscriptions"][0]["product_id"], PRISM);
    assert_eq!(lens(server, client).await, 200);
}

#[tokio::test]
async fn app_store_notifications_change_the_members_plan_once_each_and_only_when_authentic() {
    for backend in backends() {
        let ca = TestCa::new();
        let dir = scratch();
        let server = apple_server(backend, &ca, &dir).await;
        let (user, client) = member(&server).await;
        let before = entitlements(&server, &client).await;
        assert_eq!(before["plan"], "free", "{before}");
        assert_eq!(before["subscriptions"], json!([]), "{before}");
        assert_eq!(lens(&server, &client).await, 402);

        // The user buys Prism in the app.
        let expires = now_ms() + 30 * DAY_MS;
        let subscribed = Notification::subscribed(BUNDLE_ID, PRISM)
            .app_account_token(&user)
            .expires_date(expires);
        let body = subscribed.body(&ca);
        let answer = notify(&server, APPLE, None, body.clone()).await;
        assert_eq!(answer.0, 200, "{backend:?}: {}", answer.1);
        assert_eq!(answer.1, json!({"status": "applied", "plan": "prism"}));
        let after = entitlements(&server, &client).await;
        assert_eq!(after["plan"], "prism", "{after}");
        assert_eq!(after["limits"], entitlements_limits_of_prism(&server).await);
        let subscriptions = after["subscriptions"].as_array().unwrap();
        assert_eq!(subscriptions.len(), 1, "{after}");
        assert_eq!(
            subscriptions[0],
            json!({"store": "apple", "product_id": PRISM, "plan": "prism", "status": "active",
                   "grants_access": true, "expires_at": rfc3339(expires),
                   "environment": "production"}),
        );
        assert_eq!(lens(&server, &client).await, 200);

        // Apple retries: answered, not applied twice.
        let answer = notify(&server, APPLE, None, body).await;
        assert_eq!(answer.0, 200, "{}", answer.1);
        assert_eq!(answer.1["status"], "duplicate", "{}", answer.1);
        assert_eq!(stored(&server, "apple").await, 1);

        forged_apple_upgrades_are_refused(&server, &ca, &subscribed, &client, backend).await;

        // App Store Connect's "Request a Test Notification".
        let answer = notify(
            &server,
            APPLE,
            None,
            Notification::test(BUNDLE_ID).body(&ca),
        )
        .await;
        assert_eq!(answer.0, 200, "{}", answer.1);
        assert_eq!(answer.1["status"], "test", "{}", answer.1);
        assert_eq!(entitlements(&server, &client).await["plan"], "prism");

        // The subscription runs out: back to free, and Lens closes.
        let expired = Notification::expired(BUNDLE_ID, PRISM)
            .original_transaction_id(&subscribed.original_transaction_id)
            .app_account_token(&user)
            .signed_date(subscribed.signed_date + 60_000)
            .expires_date(subscribed.signed_date + 30_000);
        let answer = notify(&server, APPLE, None, expired.body(&ca)).await;
        assert_eq!(answer.0, 200, "{}", answer.1);
        assert_eq!(answer.1, json!({"status": "applied", "plan": "free"}));
        let last = entitlements(&server, &client).await;
        assert_eq!(last["plan"], "free", "{last}");
        let subscriptions = last["subscriptions"].as_array().unwrap();
        assert_eq!(subscriptions.len(), 1, "the same subscription: {last}");
        assert_eq!(subscriptions[0]["status"], "expired", "{last}");
        assert_eq!(subscriptions[0]["grants_access"], false, "{last}");
        assert_eq!(lens(&server, &client).await, 402);
        assert_eq!(stored(&server, "apple").await, 3);
        std::fs::remove_dir_all(dir).unwrap();
    }
}

/// Prism's limits as the server states them (a member the admin put on Prism).
async fn entitlements_limits_of_prism(server: &Server) -> Value {
    let (id, client) = member(server).await;
    let response = server
        .http
        .patch(server.url(&format!("/api/v1/admin/users/{id}")))
        .json(&json!({"tier": "prism"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    entitlements(server, &client).await["limits"].clone()
}

/// A server taking Google Play's notifications for [`PACKAGE`] pushed for `audience`,
/// with Google played by `double` (its key file written to `dir`).
async fn google_server(
    backend: Backend,
    double: &GoogleDouble,
    audience: &str,
    dir: &std::path::Path,
) -> Server {
    let key_file = dir.join("play-service-account.json");
    double.write_service_account(&key_file).unwrap();
    let key_file = key_file.display().to_string();
    let jwks = double.jwks_url();
    Server::start_on(
        backend,
        &[plugins_dir()],
        &[
            "--google-package-name",
            PACKAGE,
            "--google-push-audience",
            audience,
            "--google-push-email",
            DEFAULT_PUSH_EMAIL,
            "--google-jwks-url",
            &jwks,
            "--google-service-account",
            &key_file,
            "--google-api-base",
            double.base_url(),
            "--billing-products",
            PRODUCTS,
        ],
    )
    .await
}

#[tokio::test]
async fn google_play_notifications_read_the_purchase_acknowledge_it_and_change_the_plan() {
    for backend in backends() {
        let double = GoogleDouble::start(PACKAGE).await;
        let dir = scratch();
        let audience = format!("https://{}.kalei.test{GOOGLE}", unique("api"));
        let server = google_server(backend, &double, &audience, &dir).await;
        let (user, client) = member(&server).await;
        assert_eq!(entitlements(&server, &client).await["plan"], "free");
        assert_eq!(lens(&server, &client).await, 402);

        // The user buys Prism+ in the app; Play holds the purchase, not yet acknowledged.
        let token = unique("purchase-token");
        let expires = now_ms() + 30 * DAY_MS;
        double.set_purchase(
            &token,
            &Purchase::active(PRISM_PLUS, expires).account_id(&user),
        );
        let purchased = Push::new(
            &audience,
            subscription_notification(PACKAGE, Kind::Purchased, &token, now_ms()),
        );
        let (authorization, body) = purchased.sign();
        let answer = notify(&server, GOOGLE, Some(&authorization), body.clone()).await;
        assert_eq!(answer.0, 200, "{backend:?}: {}", answer.1);
        assert_eq!(answer.1, json!({"status": "applied", "plan": "prism_plus"}));
        // The host acknowledged it (else Google refunds it after three days).
        let acks = double.acknowledgements();
        assert_eq!(acks.len(), 1, "{:?}", double.calls());
        assert_eq!(
            (acks[0].product_id.as_str(), acks[0].purchase_token.as_str()),
            (PRISM_PLUS, token.as_str())
        );
        assert_eq!(
            double.purchase(&token).unwrap()["acknowledgementState"],
            "ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED"
        );
        let after = entitlements(&server, &client).await;
        assert_eq!(after["plan"], "prism_plus", "{after}");
        let subscriptions = after["subscriptions"].as_array().unwrap();
        assert_eq!(subscriptions.len(), 1, "{after}");
        assert_eq!(
            subscriptions[0],
            json!({"store": "google", "product_id": PRISM_PLUS, "plan": "prism_plus",
                   "status": "active", "grants_access": true, "expires_at": rfc3339(expires),
                   "environment": "production"}),
        );
        assert_eq!(lens(&server, &client).await, 200);

        // Pub/Sub redelivers the same message: answered, not applied twice.
        let answer = notify(&server, GOOGLE, Some(&authorization), body).await;
        assert_eq!(answer.0, 200, "{}", answer.1);
        assert_eq!(answer.1["status"], "duplicate", "{}", answer.1);
        assert_eq!(stored(&server, "google").await, 1);
        assert_eq!(double.acknowledgements().len(), 1);

        // Play now says the subscription expired; a push about it with a token minted for
        // another audience (someone else's push subscription), or with no token, is
        // refused before Play is asked anything, and nothing is stored.
        double.set_purchase(
            &token,
            &Purchase::new(PurchaseState::Expired, PRISM_PLUS, now_ms() - 60_000)
                .account_id(&user)
                .acknowledged(true),
        );
        let expiry = subscription_notification(PACKAGE, Kind::Expired, &token, now_ms() + 1);
        unauthenticated_pushes_are_refused(&server, &double, &audience, &expiry, backend).await;
        assert_eq!(entitlements(&server, &client).await["plan"], "prism_plus");

        // The same push, authentic: the member is back on free, and Lens closes.
        let (authorization, body) = Push::new(&audience, expiry).sign();
        let answer = notify(&server, GOOGLE, Some(&authorization), body).await;
        assert_eq!(answer.0, 200, "{}", answer.1);
        assert_eq!(answer.1, json!({"status": "applied", "plan": "free"}));
        let last = entitlements(&server, &client).await;
        assert_eq!(last["plan"], "free", "{last}");
        assert_eq!(last["subscriptions"][0]["status"], "expired", "{last}");
        assert_eq!(last["subscriptions"][0]["grants_access"], false, "{last}");
        assert_eq!(lens(&server, &client).await, 402);
        assert_eq!(stored(&server, "google").await, 2);
        assert_eq!(
            double.acknowledgements().len(),
            1,
            "an expired purchase is not acknowledged"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}

/// A push of `notification` with a token for another audience, or without a token, is
/// 401 and neither asks Play nor stores anything.
async fn unauthenticated_pushes_are_refused(
    server: &Server,
    double: &GoogleDouble,
    audience: &str,
    notification: &Value,
    backend: Backend,
) {
    let (reads, before) = (double.purchase_reads(), stored(server, "google").await);
    let (authorization, body) =
        Push::new("https://someone-else.example/push", notification.clone()).sign();
    let answer = notify(server, GOOGLE, Some(&authorization), body).await;
    assert_refused(&answer, 401, "INVALID_SIGNATURE", backend);
    let body = Push::new(audience, notification.clone()).body();
    let answer = notify(server, GOOGLE, None, body).await;
    assert_refused(&answer, 401, "INVALID_SIGNATURE", backend);
    assert_eq!(double.purchase_reads(), reads);
    assert_eq!(stored(server, "google").await, before);
}

#[tokio::test]
async fn a_server_without_store_settings_answers_503_on_both_webhooks() {
    for backend in backends() {
        let server = Server::start_on(backend, &[plugins_dir()], &[]).await;
        let (user, client) = member(&server).await;
        // Authentic-looking notifications: the server cannot check them, so it takes none.
        let ca = TestCa::new();
        let apple = Notification::subscribed(BUNDLE_ID, PRISM).app_account_token(&user);
        let answer = notify(&server, APPLE, None, apple.body(&ca)).await;
        assert_refused(&answer, 503, "SERVICE_UNAVAILABLE", backend);
        assert!(
            answer.1["error"]["message"]
                .as_str()
                .unwrap()
                .contains("--apple-bundle-id"),
            "{}",
            answer.1
        );
        let push = Push::new(
            "https://api.kalei.test/api/v1/billing/webhooks/google",
            subscription_notification(PACKAGE, Kind::Purchased, "token", now_ms()),
        );
        let (authorization, body) = push.sign();
        let answer = notify(&server, GOOGLE, Some(&authorization), body).await;
        assert_refused(&answer, 503, "SERVICE_UNAVAILABLE", backend);
        assert!(
            answer.1["error"]["message"]
                .as_str()
                .unwrap()
                .contains("--google-package-name"),
            "{}",
            answer.1
        );
        assert_eq!(
            stored(&server, "apple").await + stored(&server, "google").await,
            0
        );
        assert_eq!(entitlements(&server, &client).await["plan"], "free");
    }
}
