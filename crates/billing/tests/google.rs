//! Google Play: the local double of `billing_testing::google` plays Google (JWKS, OAuth
//! token endpoint, Play Developer API) with the real wire shapes; pushes are signed the way
//! Pub/Sub signs them, with the keys the double publishes.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use billing::google::SubscriptionNotificationType as Kind;
use billing::{
    BillingError, Environment, GoogleBilling, GooglePushConfig, Outcome, Plan, PlanTable,
    PlayApiConfig, Store, SubscriptionStatus, SubscriptionUpdate,
};
use billing_testing::google::{
    GoogleDouble, Purchase, PurchaseState, Push, SigningKey, one_time_product_notification,
    sign_id_token, subscription_notification, test_notification, voided_subscription_notification,
};
use serde_json::{Value, json};

const PACKAGE: &str = "com.kalei.app";
const AUDIENCE: &str = "https://api.kalei.test/api/v1/billing/webhooks/google";
/// 2025-07-01T10:00:00.250Z
const EXPIRY_MS: i64 = 1_751_364_000_250;
const EVENT_MS: i64 = 1_748_772_001_123;

/// The push verifier reading keys from the double, refetching on every unknown `kid`.
fn push_config(d: &GoogleDouble) -> GooglePushConfig {
    GooglePushConfig {
        jwks_min_refetch: Duration::ZERO,
        ..d.push_config(AUDIENCE)
    }
}

fn billing(d: &GoogleDouble) -> GoogleBilling {
    GoogleBilling::new(push_config(d), d.play_api_config()).unwrap()
}

fn subscription(kind: Kind, token: &str) -> Value {
    subscription_notification(PACKAGE, kind, token, EVENT_MS)
}

/// A valid push of `notification`: (Authorization, body).
fn push(message_id: &str, notification: Value) -> (String, Vec<u8>) {
    Push::new(AUDIENCE, notification)
        .message_id(message_id)
        .sign()
}

/// A valid push's `Authorization` header value.
fn valid_bearer() -> String {
    Push::new(AUDIENCE, json!({})).authorization()
}

/// `purchases.subscriptionsv2.get` for the prism_plus subscription of user 42.
fn purchase(state: PurchaseState, auto_renew: bool) -> Purchase {
    let mut p = Purchase::new(state, "prism_plus", EXPIRY_MS)
        .auto_renew(auto_renew)
        .account_id("kalei-user-42")
        .linked_purchase_token("old-token-from-before-the-upgrade");
    p.order_id = "GPA.3312-4455-6677-88990".into();
    p
}

fn update(outcome: Outcome) -> SubscriptionUpdate {
    match outcome {
        Outcome::Update(u) => u,
        other => panic!("expected an update, got {other:?}"),
    }
}

fn assert_unauthenticated(result: Result<Outcome, BillingError>, needle: &str) {
    match result {
        Err(e @ BillingError::Unauthenticated(_)) => {
            assert!(
                e.to_string().contains(needle),
                "{e} should mention {needle:?}"
            );
            assert_eq!(e.http_status(), 401);
        }
        other => panic!("expected Unauthenticated({needle}…), got {other:?}"),
    }
}

fn unix_now() -> i64 {
    billing_testing::now_ms() / 1000
}

// ---- tests ------------------------------------------------------------------------------

#[tokio::test]
async fn a_valid_push_becomes_an_update_with_the_state_read_from_the_api() {
    let d = GoogleDouble::start(PACKAGE).await;
    d.set_purchase("tok-1", &purchase(PurchaseState::Active, true));
    let g = billing(&d);
    let (auth, body) = push("136969346945", subscription(Kind::Purchased, "tok-1"));
    let u = update(
        g.handle(Some(&auth), &body, SystemTime::now())
            .await
            .unwrap(),
    );

    assert_eq!(u.store, Store::Google);
    assert_eq!(u.notification_id, "136969346945");
    assert_eq!(u.notification_type, "SUBSCRIPTION_PURCHASED");
    assert_eq!(u.subscription_id, "tok-1");
    assert_eq!(
        u.linked_subscription_id.as_deref(),
        Some("old-token-from-before-the-upgrade")
    );
    assert_eq!(u.product_id.as_deref(), Some("prism_plus"));
    assert_eq!(u.status, SubscriptionStatus::Active);
    assert_eq!(u.expires_at_ms, Some(EXPIRY_MS));
    assert_eq!(u.will_renew, Some(true));
    assert_eq!(u.account_token.as_deref(), Some("kalei-user-42"));
    assert_eq!(
        u.transaction_id.as_deref(),
        Some("GPA.3312-4455-6677-88990")
    );
    assert_eq!(u.environment, Environment::Production);
    assert_eq!(u.event_time_ms, EVENT_MS);
    assert_eq!(u.acknowledged, Some(false));
    let plans = PlanTable::new([("prism", Plan::Prism), ("prism_plus", Plan::PrismPlus)]);
    assert_eq!(plans.plan_for(&u), Plan::PrismPlus);

    // The access token is cached: a second push costs no second token exchange, and the
    // JWKS is not refetched while fresh.
    let (auth, body) = push("136969346946", subscription(Kind::Renewed, "tok-1"));
    g.handle(Some(&auth), &body, SystemTime::now())
        .await
        .unwrap();
    assert_eq!(d.token_requests(), 1);
    assert_eq!(d.jwks_fetches(), 1);
    assert_eq!(d.purchase_reads(), 2);
    assert!(d.calls().iter().all(|c| c.status < 400), "{:?}", d.calls());
}

#[tokio::test]
async fn each_play_state_maps_to_its_status_and_plan() {
    let d = GoogleDouble::start(PACKAGE).await;
    let g = billing(&d);
    let plans = PlanTable::new([("prism_plus", Plan::PrismPlus)]);
    let cases = [
        (
            PurchaseState::InGracePeriod,
            SubscriptionStatus::GracePeriod,
            Plan::PrismPlus,
        ),
        (
            PurchaseState::OnHold,
            SubscriptionStatus::OnHold,
            Plan::Free,
        ),
        (
            PurchaseState::Paused,
            SubscriptionStatus::Paused,
            Plan::Free,
        ),
        (
            PurchaseState::Canceled,
            SubscriptionStatus::Cancelled,
            Plan::PrismPlus,
        ),
        (
            PurchaseState::Expired,
            SubscriptionStatus::Expired,
            Plan::Free,
        ),
        (
            PurchaseState::Pending,
            SubscriptionStatus::Pending,
            Plan::Free,
        ),
        (
            PurchaseState::PendingPurchaseCanceled,
            SubscriptionStatus::Expired,
            Plan::Free,
        ),
    ];
    for (i, (state, status, plan)) in cases.into_iter().enumerate() {
        let token = format!("tok-state-{i}");
        d.set_purchase(&token, &purchase(state, false));
        let (auth, body) = push(&format!("m-{i}"), subscription(Kind::Canceled, &token));
        let u = update(
            g.handle(Some(&auth), &body, SystemTime::now())
                .await
                .unwrap(),
        );
        assert_eq!(u.status, status, "{state:?}");
        assert_eq!(plans.plan_for(&u), plan, "{state:?}");
    }
}

#[tokio::test]
async fn a_license_testers_purchase_is_sandbox() {
    let d = GoogleDouble::start(PACKAGE).await;
    d.set_purchase(
        "tok-t",
        &Purchase::active("prism", EXPIRY_MS).test_purchase(true),
    );
    let (auth, body) = push("m-t", subscription(Kind::Purchased, "tok-t"));
    let u = update(
        billing(&d)
            .handle(Some(&auth), &body, SystemTime::now())
            .await
            .unwrap(),
    );
    assert_eq!(u.environment, Environment::Sandbox);
    assert_eq!(u.account_token, None);
}

#[tokio::test]
async fn a_revoked_notification_is_revoked_even_though_play_says_expired() {
    let d = GoogleDouble::start(PACKAGE).await;
    d.set_purchase("tok-r", &purchase(PurchaseState::Expired, false));
    let (auth, body) = push("m-rev", subscription(Kind::Revoked, "tok-r"));
    let u = update(
        billing(&d)
            .handle(Some(&auth), &body, SystemTime::now())
            .await
            .unwrap(),
    );
    assert_eq!(u.notification_type, "SUBSCRIPTION_REVOKED");
    assert_eq!(u.status, SubscriptionStatus::Revoked);
}

#[tokio::test]
async fn a_voided_subscription_purchase_is_revoked_even_when_play_forgot_the_token() {
    let d = GoogleDouble::start(PACKAGE).await;
    let voided =
        voided_subscription_notification(PACKAGE, "tok-gone", "GPA.0000-1111-2222-33333", EVENT_MS);
    let (auth, body) = push("m-void", voided);
    let u = update(
        billing(&d)
            .handle(Some(&auth), &body, SystemTime::now())
            .await
            .unwrap(),
    );
    assert_eq!(u.status, SubscriptionStatus::Revoked);
    assert_eq!(u.subscription_id, "tok-gone");
    assert_eq!(
        u.transaction_id.as_deref(),
        Some("GPA.0000-1111-2222-33333")
    );
    assert_eq!(d.purchase_reads(), 1, "Play was asked, and answered 404");
    assert_eq!(d.calls().last().unwrap().status, 404);
}

#[tokio::test]
async fn a_test_notification_is_recognised_and_calls_no_api() {
    let d = GoogleDouble::start(PACKAGE).await;
    let (auth, body) = push("m-test", test_notification(PACKAGE, EVENT_MS));
    let outcome = billing(&d)
        .handle(Some(&auth), &body, SystemTime::now())
        .await
        .unwrap();
    assert_eq!(
        outcome,
        Outcome::Test {
            store: Store::Google,
            notification_id: "m-test".into()
        }
    );
    assert_eq!(d.purchase_reads() + d.token_requests(), 0);
}

#[tokio::test]
async fn a_one_time_product_changes_no_subscription() {
    let d = GoogleDouble::start(PACKAGE).await;
    let (auth, body) = push(
        "m-otp",
        one_time_product_notification(PACKAGE, "t", "gems_100", EVENT_MS),
    );
    let outcome = billing(&d)
        .handle(Some(&auth), &body, SystemTime::now())
        .await
        .unwrap();
    assert!(matches!(outcome, Outcome::NoChange { .. }), "{outcome:?}");
}

#[tokio::test]
async fn a_token_for_another_audience_is_rejected() {
    let d = GoogleDouble::start(PACKAGE).await;
    let (auth, body) = Push::new(
        "https://someone-else.example/push",
        subscription(Kind::Purchased, "tok-1"),
    )
    .sign();
    assert_unauthenticated(
        billing(&d)
            .handle(Some(&auth), &body, SystemTime::now())
            .await,
        "InvalidAudience",
    );
}

#[tokio::test]
async fn an_expired_token_is_rejected() {
    let d = GoogleDouble::start(PACKAGE).await;
    let (auth, body) = Push::new(AUDIENCE, subscription(Kind::Purchased, "tok-1"))
        .issued_at(unix_now() - 7200)
        .expires_at(unix_now() - 3600)
        .sign();
    assert_unauthenticated(
        billing(&d)
            .handle(Some(&auth), &body, SystemTime::now())
            .await,
        "expired",
    );
}

#[tokio::test]
async fn a_token_from_another_issuer_or_service_account_is_rejected() {
    let d = GoogleDouble::start(PACKAGE).await;
    let g = billing(&d);
    let base = Push::new(AUDIENCE, subscription(Kind::Purchased, "tok-1"));
    for (push, needle) in [
        (base.clone().issuer("https://evil.example"), "InvalidIssuer"),
        (
            base.clone()
                .email(Some("someone@other-project.iam.gserviceaccount.com")),
            "service account",
        ),
        (base.clone().email(None), "service account"),
        (base.clone().email_verified(false), "not verified"),
    ] {
        let (auth, body) = push.sign();
        assert_unauthenticated(
            g.handle(Some(&auth), &body, SystemTime::now()).await,
            needle,
        );
    }
    // Both spellings of Google's issuer are Google's.
    let (auth, body) = base.issuer("accounts.google.com").sign();
    d.set_purchase("tok-1", &purchase(PurchaseState::Active, true));
    assert!(
        g.handle(Some(&auth), &body, SystemTime::now())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_missing_bearer_token_is_rejected() {
    let d = GoogleDouble::start(PACKAGE).await;
    let (_, body) = push("m", subscription(Kind::Purchased, "tok-1"));
    let g = billing(&d);
    assert_unauthenticated(g.handle(None, &body, SystemTime::now()).await, "Bearer");
    assert_unauthenticated(
        g.handle(Some("Basic dXNlcjpwYXNz"), &body, SystemTime::now())
            .await,
        "Bearer",
    );
}

#[tokio::test]
async fn a_tampered_token_signature_is_rejected() {
    let d = GoogleDouble::start(PACKAGE).await;
    let p = Push::new(AUDIENCE, subscription(Kind::Purchased, "tok-1"));
    let body = p.body();
    let token = p.id_token();
    let (head, sig) = token.rsplit_once('.').unwrap();
    let mut sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    sig[10] ^= 0x01;
    let tampered = format!("Bearer {head}.{}", URL_SAFE_NO_PAD.encode(sig));
    assert_unauthenticated(
        billing(&d)
            .handle(Some(&tampered), &body, SystemTime::now())
            .await,
        "InvalidSignature",
    );

    // Our claims under the signature of another token Google's key signed: a signature is
    // bound to its own header and claims.
    let other = sign_id_token(
        SigningKey::Primary,
        SigningKey::Primary.kid(),
        &json!({"aud": "x", "iss": "accounts.google.com", "exp": unix_now() + 60}),
    );
    let (_, other_sig) = other.rsplit_once('.').unwrap();
    let (good_head, _) = token.rsplit_once('.').unwrap();
    let spliced = format!("Bearer {good_head}.{other_sig}");
    assert_unauthenticated(
        billing(&d)
            .handle(Some(&spliced), &body, SystemTime::now())
            .await,
        "InvalidSignature",
    );
}

#[tokio::test]
async fn an_unknown_kid_refetches_the_jwks_once_then_fails() {
    let d = GoogleDouble::start(PACKAGE).await;
    let g = billing(&d);
    d.set_purchase("tok-1", &purchase(PurchaseState::Active, true));
    let (auth, body) = push("m", subscription(Kind::Purchased, "tok-1"));
    g.handle(Some(&auth), &body, SystemTime::now())
        .await
        .unwrap();
    assert_eq!(d.jwks_fetches(), 1);

    // Signed by a key Google never published.
    let (auth, body) = Push::new(AUDIENCE, subscription(Kind::Purchased, "tok-1"))
        .signed_with(SigningKey::Secondary)
        .kid("key-unknown")
        .sign();
    assert_unauthenticated(g.handle(Some(&auth), &body, SystemTime::now()).await, "kid");
    assert_eq!(d.jwks_fetches(), 2, "one refetch for the unknown kid");
}

#[tokio::test]
async fn unknown_kid_refetches_are_rate_limited() {
    let d = GoogleDouble::start(PACKAGE).await;
    let config = GooglePushConfig {
        jwks_min_refetch: Duration::from_secs(3600),
        ..push_config(&d)
    };
    let g = GoogleBilling::new(config, d.play_api_config()).unwrap();
    let (auth, body) = push("m", test_notification(PACKAGE, 1));
    g.handle(Some(&auth), &body, SystemTime::now())
        .await
        .unwrap();
    for _ in 0..3 {
        let auth = Push::new(AUDIENCE, json!({}))
            .signed_with(SigningKey::Secondary)
            .kid("forged")
            .authorization();
        assert_unauthenticated(g.handle(Some(&auth), &body, SystemTime::now()).await, "kid");
    }
    assert_eq!(d.jwks_fetches(), 1, "forged kids must not hammer Google");
}

#[tokio::test]
async fn a_rotated_google_key_is_picked_up_by_refetching() {
    let d = GoogleDouble::start(PACKAGE).await;
    let g = billing(&d);
    let (auth, body) = push("m", test_notification(PACKAGE, 1));
    g.handle(Some(&auth), &body, SystemTime::now())
        .await
        .unwrap();

    // Before the rotation, the new key's tokens do not verify.
    let rotated = Push::new(AUDIENCE, test_notification(PACKAGE, 1))
        .signed_with(SigningKey::Secondary)
        .authorization();
    assert_unauthenticated(
        g.handle(Some(&rotated), &body, SystemTime::now()).await,
        "kid",
    );
    d.publish_keys(&[SigningKey::Primary, SigningKey::Secondary]);
    assert!(matches!(
        g.handle(Some(&rotated), &body, SystemTime::now()).await,
        Ok(Outcome::Test { .. })
    ));
    assert_eq!(d.jwks_fetches(), 3);
}

#[tokio::test]
async fn a_jwks_outage_falls_back_to_the_keys_already_fetched() {
    let d = GoogleDouble::start(PACKAGE).await;
    let config = GooglePushConfig {
        jwks_ttl: Duration::ZERO, // every push wants fresh keys
        ..push_config(&d)
    };
    let g = GoogleBilling::new(config, d.play_api_config()).unwrap();
    let (auth, body) = push("m", test_notification(PACKAGE, 1));
    g.handle(Some(&auth), &body, SystemTime::now())
        .await
        .unwrap();

    d.set_jwks_down(true);
    let outcome = g.handle(Some(&auth), &body, SystemTime::now()).await;
    assert!(matches!(outcome, Ok(Outcome::Test { .. })), "{outcome:?}");
    assert_eq!(d.jwks_fetches(), 2, "the refetch was tried");
    assert_eq!(d.calls().last().unwrap().status, 503);

    // Without any keys yet, the outage is a retryable error, not a 401.
    let cold = billing(&d);
    let err = cold
        .handle(Some(&auth), &body, SystemTime::now())
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}

#[tokio::test]
async fn a_notification_for_another_package_is_wrong_app() {
    let d = GoogleDouble::start(PACKAGE).await;
    let n = subscription_notification("com.someone.else", Kind::Purchased, "tok-1", EVENT_MS);
    let (auth, body) = push("m", n);
    let err = billing(&d)
        .handle(Some(&auth), &body, SystemTime::now())
        .await
        .unwrap_err();
    match &err {
        BillingError::WrongApp {
            field,
            expected,
            actual,
        } => {
            assert_eq!(field, "packageName");
            assert_eq!(expected, PACKAGE);
            assert_eq!(actual, "com.someone.else");
        }
        other => panic!("expected WrongApp, got {other:?}"),
    }
    assert_eq!(d.purchase_reads(), 0, "no API call for another app");
}

#[tokio::test]
async fn api_404_is_purchase_not_found_and_500_is_a_retryable_upstream_error() {
    let d = GoogleDouble::start(PACKAGE).await;
    let g = billing(&d);
    let (auth, body) = push("m", subscription(Kind::Purchased, "tok-unknown"));
    let err = g
        .handle(Some(&auth), &body, SystemTime::now())
        .await
        .unwrap_err();
    assert!(
        matches!(err, BillingError::PurchaseNotFound { status: 404 }),
        "{err:?}"
    );
    assert!(!err.is_retryable());

    d.fail_purchase("tok-500", 500);
    let (auth, body) = push("m", subscription(Kind::Purchased, "tok-500"));
    let err = g
        .handle(Some(&auth), &body, SystemTime::now())
        .await
        .unwrap_err();
    match &err {
        BillingError::Upstream { status, message } => {
            assert_eq!(*status, 500);
            assert_eq!(message, "Backend Error");
        }
        other => panic!("expected Upstream, got {other:?}"),
    }
    assert!(err.is_retryable());
    assert_eq!(err.http_status(), 502);
}

#[tokio::test]
async fn an_unreachable_api_is_unavailable() {
    let d = GoogleDouble::start(PACKAGE).await;
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let api = PlayApiConfig {
        token_uri: format!("{dead}/token"),
        api_base: dead,
        ..d.play_api_config()
    };
    let g = GoogleBilling::new(push_config(&d), api).unwrap();
    let (auth, body) = push("m", subscription(Kind::Purchased, "tok-1"));
    let err = g
        .handle(Some(&auth), &body, SystemTime::now())
        .await
        .unwrap_err();
    assert!(matches!(err, BillingError::Unavailable(_)), "{err:?}");
    assert_eq!(err.http_status(), 503);
}

#[tokio::test]
async fn a_service_account_the_token_endpoint_refuses_is_an_upstream_error() {
    let d = GoogleDouble::start(PACKAGE).await;
    // Signed with a key that is not the service account's: the double's endpoint refuses
    // the assertion as Google would.
    let mut sa = d.service_account_key();
    assert_eq!(sa.token_uri.as_deref(), Some(d.token_uri().as_str()));
    sa.private_key = SigningKey::Secondary.private_key_pem();
    let api = PlayApiConfig {
        api_base: d.base_url().to_string(),
        ..PlayApiConfig::new(sa)
    };
    d.set_purchase("tok-1", &purchase(PurchaseState::Active, true));
    let g = GoogleBilling::new(push_config(&d), api).unwrap();
    let (auth, body) = push("m", subscription(Kind::Purchased, "tok-1"));
    let err = g
        .handle(Some(&auth), &body, SystemTime::now())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BillingError::Upstream { status: 400, message } if message.contains("InvalidSignature")),
        "{err:?}"
    );
    assert_eq!(d.purchase_reads(), 0);
}

#[tokio::test]
async fn malformed_pushes_name_the_field() {
    let d = GoogleDouble::start(PACKAGE).await;
    let g = billing(&d);
    let bad_base64 = json!({"message": {"data": "%%%", "messageId": "m"}}).to_string();
    let not_json =
        json!({"message": {"data": STANDARD.encode("hello"), "messageId": "m"}}).to_string();
    let no_data = json!({"message": {"messageId": "m"}}).to_string();
    for (body, field) in [
        (bad_base64, "message.data"),
        (not_json, "message.data"),
        (no_data, "message.data"),
        ("[]".to_string(), "message"),
    ] {
        let err = g
            .handle(Some(&valid_bearer()), body.as_bytes(), SystemTime::now())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, BillingError::Malformed { field: f, .. } if f == field),
            "{body}: {err:?}"
        );
    }
}

#[tokio::test]
async fn acknowledging_a_subscription_reaches_the_acknowledge_endpoint() {
    let d = GoogleDouble::start(PACKAGE).await;
    let g = billing(&d);
    d.set_purchase("tok-1", &purchase(PurchaseState::Active, true));
    assert_eq!(
        d.purchase("tok-1").unwrap()["acknowledgementState"],
        "ACKNOWLEDGEMENT_STATE_PENDING"
    );
    g.api
        .acknowledge_subscription(PACKAGE, "prism_plus", "tok-1")
        .await
        .unwrap();
    let acks = d.acknowledgements();
    assert_eq!(acks.len(), 1);
    assert_eq!(
        (
            acks[0].package_name.as_str(),
            acks[0].product_id.as_str(),
            acks[0].purchase_token.as_str()
        ),
        (PACKAGE, "prism_plus", "tok-1")
    );
    // Play reports it acknowledged from then on.
    let (auth, body) = push("m", subscription(Kind::Renewed, "tok-1"));
    let u = update(
        g.handle(Some(&auth), &body, SystemTime::now())
            .await
            .unwrap(),
    );
    assert_eq!(u.acknowledged, Some(true));

    // Another product's id, or a token Play does not know, is refused.
    let err = g
        .api
        .acknowledge_subscription(PACKAGE, "prism", "tok-1")
        .await
        .unwrap_err();
    assert!(
        matches!(err, BillingError::Upstream { status: 400, .. }),
        "{err:?}"
    );
    let err = g
        .api
        .acknowledge_subscription(PACKAGE, "prism_plus", "tok-unknown")
        .await
        .unwrap_err();
    assert!(
        matches!(err, BillingError::PurchaseNotFound { .. }),
        "{err:?}"
    );
    assert_eq!(d.acknowledgements().len(), 1);
}

#[tokio::test]
async fn the_service_account_file_is_a_cloud_console_key_pointing_at_the_double() {
    let d = GoogleDouble::start(PACKAGE).await;
    let path = std::env::temp_dir().join(format!("billing-sa-{}.json", std::process::id()));
    d.write_service_account(&path).unwrap();
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(file["type"], "service_account");
    assert_eq!(file["token_uri"], d.token_uri());
    assert!(
        file["private_key"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    // The key reads purchases through the double end to end.
    d.set_purchase("tok-1", &purchase(PurchaseState::Active, true));
    let api = billing::PlayDeveloperApi::new(PlayApiConfig {
        api_base: d.base_url().to_string(),
        ..PlayApiConfig::new(billing::ServiceAccountKey::from_json(&file.to_string()).unwrap())
    })
    .unwrap();
    let p = api.get_subscription_v2(PACKAGE, "tok-1").await.unwrap();
    assert_eq!(
        p.subscription_state.as_deref(),
        Some("SUBSCRIPTION_STATE_ACTIVE")
    );
    // Another package is not this app's.
    let err = api
        .get_subscription_v2("com.someone.else", "tok-1")
        .await
        .unwrap_err();
    assert!(
        matches!(err, BillingError::PurchaseNotFound { .. }),
        "{err:?}"
    );
}
