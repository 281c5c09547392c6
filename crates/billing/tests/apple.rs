//! App Store Server Notifications V2: the test CA of `billing_testing::apple` (root →
//! intermediate → leaf, Apple's marker OIDs) signs notifications the way Apple does; the
//! verifier must accept exactly the authentic ones and say what they mean.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use billing::apple::{APPLE_INTERMEDIATE_MARKER_OID, APPLE_LEAF_MARKER_OID};
use billing::{
    AppleConfig, AppleEnvironment, AppleVerifier, BillingError, Environment, Outcome, Plan,
    PlanTable, Store, SubscriptionStatus, SubscriptionUpdate, apple_root_ca_g3,
};
use billing_testing::apple::{
    CaOptions, Notification, TEST_APP_APPLE_ID, TestCa, signed_payload_body as body, tamper_payload,
};
use serde_json::json;

const BUNDLE: &str = "com.kalei.app";
const ORIGINAL_TX: &str = "2000000900000001";
const TX: &str = "2000000900000002";
const ACCOUNT: &str = "7e3fb20b-4cdb-47cc-936d-99d65f608138";

/// 2025-06-01T00:00:00Z: inside every generated certificate's validity unless a test says
/// otherwise.
fn verification_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_748_736_000)
}
const NOW_MS: i64 = 1_748_736_000_000;
const DAY_MS: i64 = 86_400_000;

fn config(c: &TestCa) -> AppleConfig {
    AppleConfig {
        app_apple_id: Some(TEST_APP_APPLE_ID),
        ..c.config(
            BUNDLE,
            vec![AppleEnvironment::Production, AppleEnvironment::Sandbox],
        )
    }
}

fn verifier(c: &TestCa) -> AppleVerifier {
    AppleVerifier::new(config(c)).unwrap()
}

/// `n` signed at [`NOW_MS`] about the fixed subscription, for the user [`ACCOUNT`].
fn fixed(n: Notification) -> Notification {
    let uuid = format!("uuid-{}", n.notification_type);
    n.signed_date(NOW_MS)
        .original_transaction_id(ORIGINAL_TX)
        .transaction_id(TX)
        .app_account_token(ACCOUNT)
        .notification_uuid(&uuid)
}

/// A notification of `kind` about `product` expiring at `expires`.
fn notification(
    kind: &str,
    subtype: Option<&str>,
    status: Option<i64>,
    product: &str,
    expires: i64,
    auto_renew: bool,
) -> Notification {
    fixed(Notification::new(kind, BUNDLE, product))
        .subtype(subtype)
        .status(status)
        .expires_date(expires)
        .auto_renew(auto_renew)
}

fn handle(c: &TestCa, n: &Notification) -> Result<Outcome, BillingError> {
    verifier(c).handle(&n.body(c), verification_time())
}

fn update(outcome: Outcome) -> SubscriptionUpdate {
    match outcome {
        Outcome::Update(u) => u,
        other => panic!("expected an update, got {other:?}"),
    }
}

fn plans() -> PlanTable {
    PlanTable::new([
        ("com.kalei.prism.monthly", Plan::Prism),
        ("com.kalei.prism_plus.monthly", Plan::PrismPlus),
    ])
}

fn assert_unauthenticated(result: Result<impl std::fmt::Debug, BillingError>, needle: &str) {
    match result {
        Err(BillingError::Unauthenticated(reason)) => {
            assert!(
                reason.contains(needle),
                "reason {reason:?} should mention {needle:?}"
            )
        }
        other => panic!("expected Unauthenticated({needle}…), got {other:?}"),
    }
}

#[test]
fn subscribed_initial_buy_becomes_an_active_update_with_the_users_token() {
    let c = TestCa::new();
    let n = fixed(Notification::subscribed(
        BUNDLE,
        "com.kalei.prism_plus.monthly",
    ))
    .expires_date(NOW_MS + 30 * DAY_MS);
    // Fields Apple adds later, at the top and in the nested transaction, are ignored.
    let mut tx = n.transaction_info().unwrap();
    tx["someFieldAppleAddsLater"] = json!({"nested": true});
    let mut payload = n.decoded_payload(&c);
    payload["data"]["signedTransactionInfo"] = json!(c.sign(&tx));
    payload["someTopLevelFieldAppleAddsLater"] = json!([1, 2]);
    let u = update(
        verifier(&c)
            .handle(&body(&c.sign(&payload)), verification_time())
            .unwrap(),
    );

    assert_eq!(u.store, Store::Apple);
    assert_eq!(u.notification_id, "uuid-SUBSCRIBED");
    assert_eq!(u.notification_type, "SUBSCRIBED");
    assert_eq!(u.notification_subtype.as_deref(), Some("INITIAL_BUY"));
    assert_eq!(u.subscription_id, ORIGINAL_TX);
    assert_eq!(u.transaction_id.as_deref(), Some(TX));
    assert_eq!(
        u.product_id.as_deref(),
        Some("com.kalei.prism_plus.monthly")
    );
    assert_eq!(u.status, SubscriptionStatus::Active);
    assert_eq!(u.expires_at_ms, Some(NOW_MS + 30 * DAY_MS));
    assert_eq!(u.will_renew, Some(true));
    assert_eq!(u.account_token.as_deref(), Some(ACCOUNT));
    assert_eq!(u.environment, Environment::Production);
    assert_eq!(u.event_time_ms, NOW_MS);
    assert_eq!(plans().plan_for(&u), Plan::PrismPlus);
}

#[test]
fn the_builders_defaults_are_fresh_and_verify() {
    let c = TestCa::new();
    let a = Notification::subscribed(BUNDLE, "com.kalei.prism.monthly");
    let b = Notification::subscribed(BUNDLE, "com.kalei.prism.monthly");
    assert_ne!(a.notification_uuid, b.notification_uuid);
    assert_ne!(a.original_transaction_id, b.original_transaction_id);
    // Signed now, expiring in 30 days: verifies at the real clock.
    let u = update(verifier(&c).handle(&a.body(&c), SystemTime::now()).unwrap());
    assert_eq!(u.notification_id, a.notification_uuid);
    assert_eq!(u.status, SubscriptionStatus::Active);
    assert_eq!(u.account_token, None);
    assert!(u.expires_at_ms.unwrap() > u.event_time_ms + 29 * DAY_MS);
}

#[test]
fn did_renew_moves_the_expiry_forward() {
    let c = TestCa::new();
    let v = verifier(&c);
    let n = fixed(Notification::did_renew(BUNDLE, "com.kalei.prism.monthly"))
        .expires_date(NOW_MS + 31 * DAY_MS);
    let u = update(v.handle(&n.body(&c), verification_time()).unwrap());
    assert_eq!(u.notification_type, "DID_RENEW");
    assert_eq!(u.status, SubscriptionStatus::Active);
    assert_eq!(u.expires_at_ms, Some(NOW_MS + 31 * DAY_MS));
    assert_eq!(plans().plan_at(&u, NOW_MS + 30 * DAY_MS), Plan::Prism);
    // The decoded payloads are there for the host too, nested JWS verified.
    let decoded = v
        .verify_notification(&n.body(&c), verification_time())
        .unwrap();
    assert_eq!(decoded.renewal.unwrap().auto_renew_status, Some(1));
    let tx = decoded.transaction.unwrap();
    assert_eq!(tx.price, Some(9990));
    assert_eq!(tx.transaction_reason.as_deref(), Some("RENEWAL"));
}

#[test]
fn expired_maps_to_expired_and_the_free_plan() {
    let c = TestCa::new();
    let fresh = Notification::expired(BUNDLE, "com.kalei.prism.monthly");
    assert!(
        fresh.expires_date.unwrap() < fresh.signed_date,
        "ended before it was signed"
    );
    let n = fixed(fresh).expires_date(NOW_MS - DAY_MS);
    let u = update(handle(&c, &n).unwrap());
    assert_eq!(u.notification_subtype.as_deref(), Some("VOLUNTARY"));
    assert_eq!(u.status, SubscriptionStatus::Expired);
    assert_eq!(u.will_renew, Some(false));
    assert_eq!(plans().plan_for(&u), Plan::Free);
}

#[test]
fn expired_without_a_status_field_still_maps_to_expired() {
    let c = TestCa::new();
    let n = fixed(Notification::expired(BUNDLE, "com.kalei.prism.monthly"))
        .expires_date(NOW_MS - DAY_MS)
        .status(None);
    assert_eq!(
        update(handle(&c, &n).unwrap()).status,
        SubscriptionStatus::Expired
    );
}

#[test]
fn refund_and_revoke_map_to_revoked_and_the_free_plan() {
    let c = TestCa::new();
    let refund = fixed(Notification::refund(BUNDLE, "com.kalei.prism_plus.monthly"))
        .expires_date(NOW_MS + 20 * DAY_MS);
    let mut revoke = refund.clone();
    revoke.notification_type = "REVOKE".into();
    for n in [refund, revoke] {
        let kind = n.notification_type.clone();
        let u = update(handle(&c, &n).unwrap());
        assert_eq!(u.status, SubscriptionStatus::Revoked, "{kind}");
        // Revoked before its expiry: no access even though expires_at is in the future.
        assert_eq!(plans().plan_at(&u, NOW_MS), Plan::Free, "{kind}");
    }
    // The transaction's revocationDate alone (status absent) also revokes.
    let n = fixed(Notification::refund(BUNDLE, "com.kalei.prism_plus.monthly"))
        .status(None)
        .expires_date(NOW_MS + 20 * DAY_MS);
    let mut n = n;
    n.notification_type = "DID_RENEW".into();
    assert_eq!(
        update(handle(&c, &n).unwrap()).status,
        SubscriptionStatus::Revoked
    );
}

#[test]
fn auto_renew_disabled_keeps_the_plan_until_expiry_then_free() {
    let c = TestCa::new();
    let expires = NOW_MS + 10 * DAY_MS;
    let n = notification(
        "DID_CHANGE_RENEWAL_STATUS",
        Some("AUTO_RENEW_DISABLED"),
        Some(1),
        "com.kalei.prism.monthly",
        expires,
        false,
    );
    let u = update(handle(&c, &n).unwrap());
    assert_eq!(u.status, SubscriptionStatus::Cancelled);
    assert_eq!(u.will_renew, Some(false));
    assert_eq!(plans().plan_at(&u, expires - 1), Plan::Prism);
    assert_eq!(plans().plan_at(&u, expires), Plan::Free);

    let n = n.subtype(Some("AUTO_RENEW_ENABLED")).auto_renew(true);
    let u = update(handle(&c, &n).unwrap());
    assert_eq!(u.status, SubscriptionStatus::Active);
}

#[test]
fn billing_problems_map_to_grace_period_and_on_hold() {
    let c = TestCa::new();
    let n = notification(
        "DID_FAIL_TO_RENEW",
        Some("GRACE_PERIOD"),
        Some(4),
        "com.kalei.prism.monthly",
        NOW_MS - DAY_MS,
        true,
    );
    let u = update(handle(&c, &n).unwrap());
    assert_eq!(u.status, SubscriptionStatus::GracePeriod);
    assert_eq!(
        plans().plan_at(&u, NOW_MS),
        Plan::Prism,
        "grace keeps access past expiry"
    );

    let n = n.subtype(None).status(Some(3));
    let u = update(handle(&c, &n).unwrap());
    assert_eq!(u.status, SubscriptionStatus::OnHold);
    assert_eq!(plans().plan_for(&u), Plan::Free);
}

#[test]
fn test_notification_is_recognised_and_changes_nothing() {
    let c = TestCa::new();
    let n = Notification::test(BUNDLE)
        .notification_uuid("3838df56-31ab-4e2c-9535-e6e9591c4ae0")
        .signed_date(NOW_MS);
    let payload = n.decoded_payload(&c);
    assert_eq!(payload["data"].get("signedTransactionInfo"), None);
    assert_eq!(
        handle(&c, &n).unwrap(),
        Outcome::Test {
            store: Store::Apple,
            notification_id: "3838df56-31ab-4e2c-9535-e6e9591c4ae0".into()
        }
    );
}

#[test]
fn a_one_time_purchase_changes_no_subscription() {
    let c = TestCa::new();
    let mut n = fixed(Notification::new(
        "ONE_TIME_CHARGE",
        BUNDLE,
        "com.kalei.gems.100",
    ))
    .status(None)
    .auto_renew(false);
    n.transaction_type = "Consumable".into();
    n.expires_date = None;
    let outcome = handle(&c, &n).unwrap();
    assert!(matches!(outcome, Outcome::NoChange { .. }), "{outcome:?}");
}

#[test]
fn sandbox_notification_is_flagged_as_sandbox() {
    let c = TestCa::new();
    let n = fixed(Notification::subscribed(BUNDLE, "com.kalei.prism.monthly"))
        .subtype(Some("RESUBSCRIBE"))
        .expires_date(NOW_MS + DAY_MS)
        .environment("Sandbox");
    assert_eq!(
        n.app_apple_id, None,
        "Apple leaves appAppleId out in Sandbox"
    );
    let u = update(handle(&c, &n).unwrap());
    assert_eq!(u.environment, Environment::Sandbox);
}

// ---- failures ---------------------------------------------------------------------------

fn valid_notification() -> Notification {
    notification(
        "DID_RENEW",
        None,
        Some(1),
        "com.kalei.prism.monthly",
        NOW_MS + DAY_MS,
        true,
    )
}

#[test]
fn a_payload_byte_changed_after_signing_is_rejected() {
    let c = TestCa::new();
    let jws = valid_notification().signed_payload(&c);
    assert!(
        verifier(&c)
            .handle(&body(&jws), verification_time())
            .is_ok()
    );
    let tampered = tamper_payload(&jws);
    assert_ne!(tampered, jws);
    assert_unauthenticated(
        verifier(&c).handle(&body(&tampered), verification_time()),
        "signature",
    );

    // Another byte: "DID_RENEW" → "XID_RENEW", still valid JSON, no longer what was signed.
    let mut parts: Vec<String> = jws.split('.').map(str::to_string).collect();
    let mut payload = URL_SAFE_NO_PAD.decode(&parts[1]).unwrap();
    let at = payload.windows(9).position(|w| w == b"DID_RENEW").unwrap();
    payload[at] = b'X';
    parts[1] = URL_SAFE_NO_PAD.encode(&payload);
    assert_unauthenticated(
        verifier(&c).handle(&body(&parts.join(".")), verification_time()),
        "signature",
    );
}

#[test]
fn a_tampered_nested_transaction_is_rejected() {
    let c = TestCa::new();
    let n = valid_notification();
    let mut payload = n.decoded_payload(&c);
    let tx_jws = payload["data"]["signedTransactionInfo"]
        .as_str()
        .unwrap()
        .to_string();
    let mut parts: Vec<&str> = tx_jws.split('.').collect();
    let mut forged_tx = n.transaction_info().unwrap();
    forged_tx["productId"] = json!("com.kalei.prism_plus.monthly");
    forged_tx["expiresDate"] = json!(NOW_MS + 3650 * DAY_MS);
    let forged = URL_SAFE_NO_PAD.encode(forged_tx.to_string());
    parts[1] = &forged;
    payload["data"]["signedTransactionInfo"] = json!(parts.join("."));
    assert_unauthenticated(
        verifier(&c).handle(&body(&c.sign(&payload)), verification_time()),
        "data.signedTransactionInfo",
    );
}

#[test]
fn a_chain_from_another_ca_is_rejected() {
    let trusted = TestCa::new();
    let other = TestCa::new();
    let jws = valid_notification().signed_payload(&other);
    assert_unauthenticated(
        verifier(&trusted).handle(&body(&jws), verification_time()),
        "not a trusted root",
    );

    // Another CA's leaf and intermediate presented under the trusted root's certificate.
    let mut header = json!({"alg": "ES256", "x5c": other.x5c()});
    header["x5c"][2] = json!(STANDARD.encode(trusted.root_der()));
    let jws = other.sign_with_header(&header, &valid_notification().decoded_payload(&other));
    assert_unauthenticated(
        verifier(&trusted).handle(&body(&jws), verification_time()),
        "not signed by the trusted root",
    );

    // A notification the trusted CA signs, carrying a transaction another CA signed.
    let mut payload = valid_notification().decoded_payload(&trusted);
    payload["data"]["signedTransactionInfo"] =
        json!(other.sign(&valid_notification().transaction_info().unwrap()));
    assert_unauthenticated(
        verifier(&trusted).handle(&body(&trusted.sign(&payload)), verification_time()),
        "data.signedTransactionInfo",
    );
}

#[test]
fn a_leaf_without_apples_marker_oid_is_rejected() {
    let c = TestCa::with_options(&CaOptions {
        leaf_marker: false,
        ..CaOptions::default()
    });
    assert_unauthenticated(handle(&c, &valid_notification()), APPLE_LEAF_MARKER_OID);
}

#[test]
fn an_intermediate_without_apples_marker_oid_is_rejected() {
    let c = TestCa::with_options(&CaOptions {
        intermediate_marker: false,
        ..CaOptions::default()
    });
    assert_unauthenticated(
        handle(&c, &valid_notification()),
        APPLE_INTERMEDIATE_MARKER_OID,
    );
}

#[test]
fn the_test_ca_passes_with_apples_default_oids_and_only_its_root_trusted() {
    let c = TestCa::new();
    let production_defaults = AppleConfig::new(BUNDLE, vec![AppleEnvironment::Production]);
    let test_config = c.config(BUNDLE, vec![AppleEnvironment::Production]);
    assert_eq!(
        test_config.leaf_marker_oid,
        production_defaults.leaf_marker_oid
    );
    assert_eq!(
        test_config.intermediate_marker_oid,
        production_defaults.intermediate_marker_oid
    );
    assert_eq!(test_config.trusted_roots, vec![c.root_der().to_vec()]);
    let v = AppleVerifier::new(test_config).unwrap();
    assert!(
        v.handle(&valid_notification().body(&c), verification_time())
            .is_ok()
    );
    // Apple's production verifier does not trust it.
    assert_unauthenticated(
        AppleVerifier::new(production_defaults)
            .unwrap()
            .handle(&valid_notification().body(&c), verification_time()),
        "not a trusted root",
    );
}

#[test]
fn the_root_files_hold_the_root_as_der_and_pem() {
    let c = TestCa::new();
    let dir = std::env::temp_dir().join(format!("billing-root-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    c.write_root_der(dir.join("root.der")).unwrap();
    c.write_root_pem(dir.join("root.pem")).unwrap();
    assert_eq!(std::fs::read(dir.join("root.der")).unwrap(), c.root_der());
    let pem = std::fs::read_to_string(dir.join("root.pem")).unwrap();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(pem.lines().all(|l| l.len() <= 64));
    assert_eq!(STANDARD.decode(b64).unwrap(), c.root_der());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_leaf_expired_at_the_verification_time_is_rejected_but_valid_before() {
    let c = TestCa::with_options(&CaOptions {
        leaf_not_after: (2025, 1, 1),
        ..CaOptions::default()
    });
    let body = valid_notification().body(&c);
    assert_unauthenticated(verifier(&c).handle(&body, verification_time()), "expired");
    let before_expiry = UNIX_EPOCH + Duration::from_secs(1_719_792_000); // 2024-07-01
    assert!(verifier(&c).handle(&body, before_expiry).is_ok());
}

#[test]
fn a_notification_for_another_bundle_id_is_wrong_app_not_unauthenticated() {
    let c = TestCa::new();
    let mut payload = valid_notification().decoded_payload(&c);
    payload["data"]["bundleId"] = json!("com.someone.else");
    match verifier(&c).handle(&body(&c.sign(&payload)), verification_time()) {
        Err(BillingError::WrongApp {
            field,
            expected,
            actual,
        }) => {
            assert_eq!(field, "data.bundleId");
            assert_eq!(expected, BUNDLE);
            assert_eq!(actual, "com.someone.else");
        }
        other => panic!("expected WrongApp, got {other:?}"),
    }
    // The builder's bundle id goes everywhere: the notification's is checked first.
    let err = handle(&c, &valid_notification().bundle_id("com.someone.else")).unwrap_err();
    assert!(
        matches!(&err, BillingError::WrongApp { field, .. } if field == "data.bundleId"),
        "{err:?}"
    );
}

#[test]
fn a_transaction_for_another_bundle_or_a_wrong_environment_is_wrong_app() {
    let c = TestCa::new();
    let n = valid_notification();
    let mut tx = n.transaction_info().unwrap();
    tx["bundleId"] = json!("com.someone.else");
    let mut payload = n.decoded_payload(&c);
    payload["data"]["signedTransactionInfo"] = json!(c.sign(&tx));
    let err = verifier(&c)
        .handle(&body(&c.sign(&payload)), verification_time())
        .unwrap_err();
    assert!(
        matches!(&err, BillingError::WrongApp { field, .. } if field == "data.signedTransactionInfo.bundleId"),
        "{err:?}"
    );

    let production_only = AppleVerifier::new(AppleConfig {
        environments: vec![AppleEnvironment::Production],
        ..config(&c)
    })
    .unwrap();
    let err = production_only
        .handle(
            &valid_notification().environment("Sandbox").body(&c),
            verification_time(),
        )
        .unwrap_err();
    assert!(
        matches!(&err, BillingError::WrongApp { field, .. } if field == "data.environment"),
        "{err:?}"
    );
    assert_eq!(err.http_status(), 422);
}

#[test]
fn a_production_notification_for_another_app_apple_id_is_wrong_app() {
    let c = TestCa::new();
    let err = handle(&c, &valid_notification().app_apple_id(Some(42))).unwrap_err();
    assert!(
        matches!(&err, BillingError::WrongApp { field, .. } if field == "data.appAppleId"),
        "{err:?}"
    );
}

#[test]
fn an_alg_other_than_es256_is_rejected() {
    let c = TestCa::new();
    for alg in ["ES384", "HS256", "none", "RS256"] {
        let jws = c.sign_with_header(
            &json!({"alg": alg, "x5c": c.x5c()}),
            &valid_notification().decoded_payload(&c),
        );
        assert_unauthenticated(
            verifier(&c).handle(&body(&jws), verification_time()),
            "ES256",
        );
    }
}

#[test]
fn a_missing_or_short_x5c_is_rejected() {
    let c = TestCa::new();
    let payload = valid_notification().decoded_payload(&c);
    let jws = c.sign_with_header(&json!({"alg": "ES256"}), &payload);
    assert_unauthenticated(verifier(&c).handle(&body(&jws), verification_time()), "x5c");

    let two = json!({"alg": "ES256", "x5c": [STANDARD.encode(c.leaf_der()), STANDARD.encode(c.intermediate_der())]});
    let jws = c.sign_with_header(&two, &payload);
    assert_unauthenticated(
        verifier(&c).handle(&body(&jws), verification_time()),
        "3 certificates",
    );
}

#[test]
fn a_body_without_signed_payload_is_malformed_and_names_the_field() {
    let c = TestCa::new();
    for bad in [&b"{}"[..], b"not json", b"{\"signedPayload\": 7}"] {
        match verifier(&c).handle(bad, verification_time()) {
            Err(e @ BillingError::Malformed { .. }) => {
                assert!(
                    matches!(&e, BillingError::Malformed { field, .. } if field == "signedPayload")
                );
                assert_eq!(e.http_status(), 400);
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
    }
    assert_unauthenticated(
        verifier(&c).handle(&body("a.b"), verification_time()),
        "JWS",
    );
}

#[test]
fn a_signed_payload_missing_notification_uuid_is_malformed() {
    let c = TestCa::new();
    let mut payload = valid_notification().decoded_payload(&c);
    payload.as_object_mut().unwrap().remove("notificationUUID");
    let err = verifier(&c)
        .handle(&body(&c.sign(&payload)), verification_time())
        .unwrap_err();
    assert!(
        matches!(&err, BillingError::Malformed { field, reason } if field == "signedPayload" && reason.contains("notificationUUID")),
        "{err:?}"
    );
}

#[test]
fn config_with_a_bad_root_or_oid_fails_at_startup() {
    let c = TestCa::new();
    let bad_root = AppleConfig {
        trusted_roots: vec![b"not a certificate".to_vec()],
        ..config(&c)
    };
    assert!(matches!(
        AppleVerifier::new(bad_root),
        Err(BillingError::Config(_))
    ));
    let bad_oid = AppleConfig {
        leaf_marker_oid: "apple".into(),
        ..config(&c)
    };
    assert!(matches!(
        AppleVerifier::new(bad_oid),
        Err(BillingError::Config(_))
    ));
}

// ---- against Apple's own material -------------------------------------------------------

/// The embedded production root is Apple Root CA - G3, by its published SHA-256
/// fingerprint.
#[test]
fn the_embedded_root_is_apple_root_ca_g3() {
    let der = apple_root_ca_g3();
    let digest = ring::digest::digest(&ring::digest::SHA256, &der);
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "63343abfb89a6a03ebb57e9b3f5fa7be7c4f5c756f3017b3a8c488c3653e9179"
    );
}

// Public certificates of Apple's real App Store signing chain (as carried in the x5c of
// every production signed payload; copied from the test suite of Apple's
// app-store-server-library-python, MIT licence, Copyright 2023 Apple Inc.).
const REAL_APPLE_INTERMEDIATE: &str = "MIIDFjCCApygAwIBAgIUIsGhRwp0c2nvU4YSycafPTjzbNcwCgYIKoZIzj0EAwMwZzEbMBkGA1UEAwwSQXBwbGUgUm9vdCBDQSAtIEczMSYwJAYDVQQLDB1BcHBsZSBDZXJ0aWZpY2F0aW9uIEF1dGhvcml0eTETMBEGA1UECgwKQXBwbGUgSW5jLjELMAkGA1UEBhMCVVMwHhcNMjEwMzE3MjAzNzEwWhcNMzYwMzE5MDAwMDAwWjB1MUQwQgYDVQQDDDtBcHBsZSBXb3JsZHdpZGUgRGV2ZWxvcGVyIFJlbGF0aW9ucyBDZXJ0aWZpY2F0aW9uIEF1dGhvcml0eTELMAkGA1UECwwCRzYxEzARBgNVBAoMCkFwcGxlIEluYy4xCzAJBgNVBAYTAlVTMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEbsQKC94PrlWmZXnXgtxzdVJL8T0SGYngDRGpngn3N6PT8JMEb7FDi4bBmPhCnZ3/sq6PF/cGcKXWsL5vOteRhyJ45x3ASP7cOB+aao90fcpxSv/EZFbniAbNgZGhIhpIo4H6MIH3MBIGA1UdEwEB/wQIMAYBAf8CAQAwHwYDVR0jBBgwFoAUu7DeoVgziJqkipnevr3rr9rLJKswRgYIKwYBBQUHAQEEOjA4MDYGCCsGAQUFBzABhipodHRwOi8vb2NzcC5hcHBsZS5jb20vb2NzcDAzLWFwcGxlcm9vdGNhZzMwNwYDVR0fBDAwLjAsoCqgKIYmaHR0cDovL2NybC5hcHBsZS5jb20vYXBwbGVyb290Y2FnMy5jcmwwHQYDVR0OBBYEFD8vlCNR01DJmig97bB85c+lkGKZMA4GA1UdDwEB/wQEAwIBBjAQBgoqhkiG92NkBgIBBAIFADAKBggqhkjOPQQDAwNoADBlAjBAXhSq5IyKogMCPtw490BaB677CaEGJXufQB/EqZGd6CSjiCtOnuMTbXVXmxxcxfkCMQDTSPxarZXvNrkxU3TkUMI33yzvFVVRT4wxWJC994OsdcZ4+RGNsYDyR5gmdr0nDGg=";
const REAL_APPLE_LEAF: &str = "MIIEMTCCA7agAwIBAgIQR8KHzdn554Z/UoradNx9tzAKBggqhkjOPQQDAzB1MUQwQgYDVQQDDDtBcHBsZSBXb3JsZHdpZGUgRGV2ZWxvcGVyIFJlbGF0aW9ucyBDZXJ0aWZpY2F0aW9uIEF1dGhvcml0eTELMAkGA1UECwwCRzYxEzARBgNVBAoMCkFwcGxlIEluYy4xCzAJBgNVBAYTAlVTMB4XDTI1MDkxOTE5NDQ1MVoXDTI3MTAxMzE3NDcyM1owgZIxQDA+BgNVBAMMN1Byb2QgRUNDIE1hYyBBcHAgU3RvcmUgYW5kIGlUdW5lcyBTdG9yZSBSZWNlaXB0IFNpZ25pbmcxLDAqBgNVBAsMI0FwcGxlIFdvcmxkd2lkZSBEZXZlbG9wZXIgUmVsYXRpb25zMRMwEQYDVQQKDApBcHBsZSBJbmMuMQswCQYDVQQGEwJVUzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNnVvhcv7iT+7Ex5tBMBgrQspHzIsXRi0Yxfek7lv8wEmj/bHiWtNwJqc2BoHzsQiEjP7KFIIKg4Y8y0/nynuAmjggIIMIICBDAMBgNVHRMBAf8EAjAAMB8GA1UdIwQYMBaAFD8vlCNR01DJmig97bB85c+lkGKZMHAGCCsGAQUFBwEBBGQwYjAtBggrBgEFBQcwAoYhaHR0cDovL2NlcnRzLmFwcGxlLmNvbS93d2RyZzYuZGVyMDEGCCsGAQUFBzABhiVodHRwOi8vb2NzcC5hcHBsZS5jb20vb2NzcDAzLXd3ZHJnNjAyMIIBHgYDVR0gBIIBFTCCAREwggENBgoqhkiG92NkBQYBMIH+MIHDBggrBgEFBQcCAjCBtgyBs1JlbGlhbmNlIG9uIHRoaXMgY2VydGlmaWNhdGUgYnkgYW55IHBhcnR5IGFzc3VtZXMgYWNjZXB0YW5jZSBvZiB0aGUgdGhlbiBhcHBsaWNhYmxlIHN0YW5kYXJkIHRlcm1zIGFuZCBjb25kaXRpb25zIG9mIHVzZSwgY2VydGlmaWNhdGUgcG9saWN5IGFuZCBjZXJ0aWZpY2F0aW9uIHByYWN0aWNlIHN0YXRlbWVudHMuMDYGCCsGAQUFBwIBFipodHRwOi8vd3d3LmFwcGxlLmNvbS9jZXJ0aWZpY2F0ZWF1dGhvcml0eS8wHQYDVR0OBBYEFIFioG4wMMVA1ku9zJmGNPAVn3eqMA4GA1UdDwEB/wQEAwIHgDAQBgoqhkiG92NkBgsBBAIFADAKBggqhkjOPQQDAwNpADBmAjEA+qXnREC7hXIWVLsLxznjRpIzPf7VHz9V/CTm8+LJlrQepnmcPvGLNcX6XPnlcgLAAjEA5IjNZKgg5pQ79knF4IbTXdKv8vutIDMXDmjPVT3dGvFtsGRwXOywR2kZCdSrfeot";

/// Apple's real chain (P-384 root and WWDR G6 intermediate, ECDSA-SHA384, Apple's marker
/// extensions) passes every chain check at a time inside the leaf's validity, so the only
/// thing left to fail is the signature we cannot forge; after the leaf's expiry the chain
/// itself fails.
#[test]
fn apples_real_signing_chain_passes_the_chain_checks() {
    let header = json!({
        "alg": "ES256",
        "x5c": [REAL_APPLE_LEAF, REAL_APPLE_INTERMEDIATE, STANDARD.encode(apple_root_ca_g3())]
    });
    let payload = json!({"notificationType": "TEST", "notificationUUID": "x", "data": {"bundleId": BUNDLE, "environment": "Production"}});
    let jws = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        URL_SAFE_NO_PAD.encode([7u8; 64])
    );
    let verifier =
        AppleVerifier::new(AppleConfig::new(BUNDLE, vec![AppleEnvironment::Production])).unwrap();
    let inside_validity = UNIX_EPOCH + Duration::from_secs(1_761_962_975); // 2025-11-01
    assert_unauthenticated(
        verifier.handle(&body(&jws), inside_validity),
        "JWS signature does not verify",
    );
    let after_leaf_expiry = UNIX_EPOCH + Duration::from_secs(1_825_000_000); // 2027-10-31
    assert_unauthenticated(
        verifier.handle(&body(&jws), after_leaf_expiry),
        "leaf certificate: not valid",
    );
}

// A notification signed by the test CA of Apple's app-store-server-library-python
// (tests/resources/mock_signed_data/wrongBundleId and the test root from
// tests/test_x509_verifiction.py; MIT licence, Copyright 2023 Apple Inc.). Produced by
// Apple's tooling, not ours: the chain and signature must verify here, and only the bundle
// id must fail.
const APPLE_LIBRARY_TEST_ROOT: &str = "MIIBgjCCASmgAwIBAgIJALUc5ALiH5pbMAoGCCqGSM49BAMDMDYxCzAJBgNVBAYTAlVTMRMwEQYDVQQIDApDYWxpZm9ybmlhMRIwEAYDVQQHDAlDdXBlcnRpbm8wHhcNMjMwMTA1MjEzMDIyWhcNMzMwMTAyMjEzMDIyWjA2MQswCQYDVQQGEwJVUzETMBEGA1UECAwKQ2FsaWZvcm5pYTESMBAGA1UEBwwJQ3VwZXJ0aW5vMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEc+/Bl+gospo6tf9Z7io5tdKdrlN1YdVnqEhEDXDShzdAJPQijamXIMHf8xWWTa1zgoYTxOKpbuJtDplz1XriTaMgMB4wDAYDVR0TBAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwCgYIKoZIzj0EAwMDRwAwRAIgemWQXnMAdTad2JDJWng9U4uBBL5mA7WI05H7oH7c6iQCIHiRqMjNfzUAyiu9h6rOU/K+iTR0I/3Y/NSWsXHX+acc";
const APPLE_LIBRARY_WRONG_BUNDLE_ID: &str =
    include_str!("fixtures/apple-library-wrong-bundle-id.jws");

#[test]
fn a_notification_signed_by_apples_own_test_tooling_verifies() {
    let config = AppleConfig {
        trusted_roots: vec![STANDARD.decode(APPLE_LIBRARY_TEST_ROOT).unwrap()],
        ..AppleConfig::new("com.example", vec![AppleEnvironment::Sandbox])
    };
    let verifier = AppleVerifier::new(config).unwrap();
    let err = verifier
        .handle(
            &body(APPLE_LIBRARY_WRONG_BUNDLE_ID.trim()),
            verification_time(),
        )
        .unwrap_err();
    match err {
        BillingError::WrongApp { field, actual, .. } => {
            assert_eq!(field, "data.bundleId");
            assert_eq!(actual, "com.example.wrong");
        }
        other => panic!("expected WrongApp after a verified chain and signature, got {other:?}"),
    }
    // One flipped signature byte and the same vector is unauthenticated.
    let mut tampered: Vec<char> = APPLE_LIBRARY_WRONG_BUNDLE_ID.trim().chars().collect();
    let at = tampered.len() - 10;
    tampered[at] = if tampered[at] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    assert!(matches!(
        verifier.handle(&body(&tampered), verification_time()),
        Err(BillingError::Unauthenticated(_))
    ));
}
