//! App Store Server Notifications V2: verifying Apple's signed JWS and reading it.
//!
//! Apple signs every notification (and the transaction and renewal info nested in it) as a
//! compact JWS with `alg: ES256` and the signing certificate chain in the `x5c` header
//! (leaf, intermediate, root). Verification follows Apple's own app-store-server-library:
//! the intermediate must be signed by a trusted root (Apple Root CA - G3 in production),
//! the leaf by the intermediate; every certificate must be valid at the verification time;
//! the leaf must carry Apple's receipt-signing marker extension and the intermediate
//! Apple's WWDR marker; then the JWS signature must verify with the leaf's P-256 key.
//! Apple's online OCSP revocation check is not done (see the README).

use std::time::SystemTime;

use base64::Engine as _;
use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use x509_parser::certificate::X509Certificate;
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_SIG_ECDSA_WITH_SHA256, OID_SIG_ECDSA_WITH_SHA384,
};
use x509_parser::prelude::FromDer;

use crate::error::{BillingError, Result};
use crate::jws::{self, B64STD};
use crate::update::{Environment, Outcome, Store, SubscriptionStatus, SubscriptionUpdate};

/// The extension Apple puts in the certificate that signs App Store data (the leaf).
pub const APPLE_LEAF_MARKER_OID: &str = "1.2.840.113635.100.6.11.1";
/// The extension Apple puts in its WWDR intermediate certificate.
pub const APPLE_INTERMEDIATE_MARKER_OID: &str = "1.2.840.113635.100.6.2.1";

/// Apple Root CA - G3 (DER, base64), the root of every App Store signing chain.
/// SHA-256 fingerprint 63:34:3A:BF:B8:9A:6A:03:EB:B5:7E:9B:3F:5F:A7:BE:7C:4F:5C:75:6F:30:17:
/// B3:A8:C4:88:C3:65:3E:91:79, valid 2014-04-30 to 2039-04-30; the same bytes Apple
/// publishes at apple.com/certificateauthority (checked in tests/apple.rs).
const APPLE_ROOT_CA_G3_B64: &str = "MIICQzCCAcmgAwIBAgIILcX8iNLFS5UwCgYIKoZIzj0EAwMwZzEbMBkGA1UEAwwSQXBwbGUgUm9vdCBDQSAtIEczMSYwJAYDVQQLDB1BcHBsZSBDZXJ0aWZpY2F0aW9uIEF1dGhvcml0eTETMBEGA1UECgwKQXBwbGUgSW5jLjELMAkGA1UEBhMCVVMwHhcNMTQwNDMwMTgxOTA2WhcNMzkwNDMwMTgxOTA2WjBnMRswGQYDVQQDDBJBcHBsZSBSb290IENBIC0gRzMxJjAkBgNVBAsMHUFwcGxlIENlcnRpZmljYXRpb24gQXV0aG9yaXR5MRMwEQYDVQQKDApBcHBsZSBJbmMuMQswCQYDVQQGEwJVUzB2MBAGByqGSM49AgEGBSuBBAAiA2IABJjpLz1AcqTtkyJygRMc3RCV8cWjTnHcFBbZDuWmBSp3ZHtfTjjTuxxEtX/1H7YyYl3J6YRbTzBPEVoA/VhYDKX1DyxNB0cTddqXl5dvMVztK517IDvYuVTZXpmkOlEKMaNCMEAwHQYDVR0OBBYEFLuw3qFYM4iapIqZ3r6966/ayySrMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMDA2gAMGUCMQCD6cHEFl4aXTQY2e3v9GwOAEZLuN+yRhHFD/3meoyhpmvOwgPUnPWTxnS4at+qIxUCMG1mihDK1A3UT82NQz60imOlM27jbdoXt2QfyFMm+YhidDkLF1vLUagM6BgD56KyKA==";

/// The DER bytes of Apple Root CA - G3, so production configuration needs no certificate
/// file on disk.
pub fn apple_root_ca_g3() -> Vec<u8> {
    // A compile-time constant that tests decode; an empty Vec can never match a chain, so a
    // (impossible) decode failure fails closed.
    B64STD.decode(APPLE_ROOT_CA_G3_B64).unwrap_or_default()
}

/// Apple's environments, spelled as Apple spells them in `environment` fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AppleEnvironment {
    /// Real purchases.
    Production,
    /// Sandbox and TestFlight purchases.
    Sandbox,
    /// StoreKit testing in Xcode (signed by a local certificate, so never verifies against
    /// Apple's root).
    Xcode,
    /// Local StoreKit testing.
    LocalTesting,
}

impl AppleEnvironment {
    /// Apple's spelling, for comparing with payload fields.
    pub fn as_str(self) -> &'static str {
        match self {
            AppleEnvironment::Production => "Production",
            AppleEnvironment::Sandbox => "Sandbox",
            AppleEnvironment::Xcode => "Xcode",
            AppleEnvironment::LocalTesting => "LocalTesting",
        }
    }
}

/// What an [`AppleVerifier`] trusts and expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppleConfig {
    /// DER certificates a chain may end at: the `x5c` root must equal one of them byte for
    /// byte and sign the intermediate. Production: `vec![apple_root_ca_g3()]`.
    pub trusted_roots: Vec<Vec<u8>>,
    /// The app's bundle id (`com.kalei.app`); data for any other app is refused.
    pub bundle_id: String,
    /// The app's Apple id (`appAppleId`). When set, a Production notification must carry
    /// it (sandbox notifications do not, as Apple documents).
    pub app_apple_id: Option<i64>,
    /// Environments accepted on this endpoint. Apple sends sandbox/TestFlight notifications
    /// to the sandbox URL set in App Store Connect; list both if both URLs point here.
    pub environments: Vec<AppleEnvironment>,
    /// Extension OID the leaf must carry; Apple's [`APPLE_LEAF_MARKER_OID`] unless a test
    /// CA is in use.
    pub leaf_marker_oid: String,
    /// Extension OID the intermediate must carry; Apple's
    /// [`APPLE_INTERMEDIATE_MARKER_OID`] unless a test CA is in use.
    pub intermediate_marker_oid: String,
}

impl AppleConfig {
    /// Production defaults: Apple Root CA - G3, Apple's marker OIDs, the given bundle id and
    /// environments, no `appAppleId` check (set [`AppleConfig::app_apple_id`] for it).
    pub fn new(bundle_id: impl Into<String>, environments: Vec<AppleEnvironment>) -> Self {
        AppleConfig {
            trusted_roots: vec![apple_root_ca_g3()],
            bundle_id: bundle_id.into(),
            app_apple_id: None,
            environments,
            leaf_marker_oid: APPLE_LEAF_MARKER_OID.to_string(),
            intermediate_marker_oid: APPLE_INTERMEDIATE_MARKER_OID.to_string(),
        }
    }
}

/// `ResponseBodyV2DecodedPayload`: the decoded `signedPayload` of a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseBodyV2DecodedPayload {
    /// `SUBSCRIBED`, `DID_RENEW`, `EXPIRED`, `TEST`, … (kept as a string so a type Apple adds
    /// later still parses).
    pub notification_type: String,
    /// `INITIAL_BUY`, `AUTO_RENEW_DISABLED`, `GRACE_PERIOD`, …
    pub subtype: Option<String>,
    /// Unique per notification; the same notification resent keeps it.
    #[serde(rename = "notificationUUID")]
    pub notification_uuid: String,
    /// `2.0`.
    pub version: Option<String>,
    /// When Apple signed it, ms since the epoch.
    pub signed_date: Option<i64>,
    /// App and transaction data (most notification types).
    pub data: Option<NotificationData>,
    /// Renewal-date-extension summary (`RENEWAL_EXTENSION` with subtype `SUMMARY`).
    pub summary: Option<NotificationSummary>,
    /// External purchase token (`EXTERNAL_PURCHASE_TOKEN`).
    pub external_purchase_token: Option<ExternalPurchaseToken>,
}

/// The `data` object of a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationData {
    /// The app's Apple id (absent in sandbox).
    pub app_apple_id: Option<i64>,
    /// The app's bundle id.
    pub bundle_id: Option<String>,
    /// The app's build version.
    pub bundle_version: Option<String>,
    /// `Production`, `Sandbox`, …
    pub environment: Option<String>,
    /// A JWS of [`JwsTransactionDecodedPayload`].
    pub signed_transaction_info: Option<String>,
    /// A JWS of [`JwsRenewalInfoDecodedPayload`].
    pub signed_renewal_info: Option<String>,
    /// The subscription's status: 1 active, 2 expired, 3 billing retry, 4 billing grace
    /// period, 5 revoked.
    pub status: Option<i64>,
    /// Why a customer asked for a refund (`CONSUMPTION_REQUEST`).
    pub consumption_request_reason: Option<String>,
}

/// The `summary` object of a `RENEWAL_EXTENSION` / `SUMMARY` notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationSummary {
    /// The extension request's id.
    pub request_identifier: Option<String>,
    /// `Production`, `Sandbox`, …
    pub environment: Option<String>,
    /// The app's Apple id.
    pub app_apple_id: Option<i64>,
    /// The app's bundle id.
    pub bundle_id: Option<String>,
    /// The extended product.
    pub product_id: Option<String>,
    /// Storefronts the extension applied to.
    pub storefront_country_codes: Option<Vec<String>>,
    /// Subscriptions that could not be extended.
    pub failed_count: Option<i64>,
    /// Subscriptions extended.
    pub succeeded_count: Option<i64>,
}

/// The `externalPurchaseToken` object of an `EXTERNAL_PURCHASE_TOKEN` notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalPurchaseToken {
    /// Starts with `SANDBOX` for sandbox tokens.
    pub external_purchase_id: Option<String>,
    /// When the token was created, ms since the epoch.
    pub token_creation_date: Option<i64>,
    /// The app's Apple id.
    pub app_apple_id: Option<i64>,
    /// The app's bundle id.
    pub bundle_id: Option<String>,
}

/// `JWSTransactionDecodedPayload`: one transaction, verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JwsTransactionDecodedPayload {
    /// The subscription's stable id across renewals.
    pub original_transaction_id: Option<String>,
    /// This transaction's id.
    pub transaction_id: Option<String>,
    /// Id of this subscription purchase event across devices.
    pub web_order_line_item_id: Option<String>,
    /// The app's bundle id.
    pub bundle_id: Option<String>,
    /// The product purchased.
    pub product_id: Option<String>,
    /// The subscription group.
    pub subscription_group_identifier: Option<String>,
    /// When this transaction was charged, ms since the epoch.
    pub purchase_date: Option<i64>,
    /// When the original transaction was charged, ms since the epoch.
    pub original_purchase_date: Option<i64>,
    /// When the subscription expires or renews, ms since the epoch.
    pub expires_date: Option<i64>,
    /// Units purchased.
    pub quantity: Option<i64>,
    /// `Auto-Renewable Subscription`, `Non-Consumable`, `Consumable`,
    /// `Non-Renewing Subscription`.
    #[serde(rename = "type")]
    pub transaction_type: Option<String>,
    /// The UUID the app passed at purchase (`appAccountToken`), linking the purchase to a
    /// user of ours.
    pub app_account_token: Option<String>,
    /// `PURCHASED` or `FAMILY_SHARED`.
    pub in_app_ownership_type: Option<String>,
    /// When Apple signed this, ms since the epoch.
    pub signed_date: Option<i64>,
    /// Why Apple refunded or revoked (0 other, 1 app issue).
    pub revocation_reason: Option<i64>,
    /// When Apple refunded or revoked, ms since the epoch; present means no access.
    pub revocation_date: Option<i64>,
    /// Whether the user upgraded to another subscription.
    pub is_upgraded: Option<bool>,
    /// Promotional offer type.
    pub offer_type: Option<i64>,
    /// Promotional offer id.
    pub offer_identifier: Option<String>,
    /// `Production`, `Sandbox`, …
    pub environment: Option<String>,
    /// Storefront country code.
    pub storefront: Option<String>,
    /// Storefront id.
    pub storefront_id: Option<String>,
    /// `PURCHASE` or `RENEWAL`.
    pub transaction_reason: Option<String>,
    /// ISO 4217 currency of `price`.
    pub currency: Option<String>,
    /// Price in milli-units of `currency`.
    pub price: Option<i64>,
    /// `FREE_TRIAL`, `PAY_AS_YOU_GO`, `PAY_UP_FRONT`, …
    pub offer_discount_type: Option<String>,
    /// The app transaction's id.
    pub app_transaction_id: Option<String>,
    /// ISO 8601 duration of the offer.
    pub offer_period: Option<String>,
}

/// `JWSRenewalInfoDecodedPayload`: the subscription's renewal information, verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JwsRenewalInfoDecodedPayload {
    /// Why the subscription expired (1 cancelled, 2 billing error, …).
    pub expiration_intent: Option<i64>,
    /// The subscription's stable id.
    pub original_transaction_id: Option<String>,
    /// The product that renews next (differs from `product_id` after a scheduled
    /// downgrade).
    pub auto_renew_product_id: Option<String>,
    /// The current product.
    pub product_id: Option<String>,
    /// 1 renews, 0 auto-renew turned off.
    pub auto_renew_status: Option<i64>,
    /// Whether Apple is still retrying a failed renewal.
    pub is_in_billing_retry_period: Option<bool>,
    /// Price increase consent status.
    pub price_increase_status: Option<i64>,
    /// End of the billing grace period, ms since the epoch.
    pub grace_period_expires_date: Option<i64>,
    /// Promotional offer type for the next renewal.
    pub offer_type: Option<i64>,
    /// Promotional offer id for the next renewal.
    pub offer_identifier: Option<String>,
    /// When Apple signed this, ms since the epoch.
    pub signed_date: Option<i64>,
    /// `Production`, `Sandbox`, …
    pub environment: Option<String>,
    /// Start of the current run of uninterrupted periods, ms since the epoch.
    pub recent_subscription_start_date: Option<i64>,
    /// When the next renewal is due, ms since the epoch.
    pub renewal_date: Option<i64>,
    /// ISO 4217 currency of `renewal_price`.
    pub currency: Option<String>,
    /// Next renewal price in milli-units.
    pub renewal_price: Option<i64>,
    /// Offer discount type for the next renewal.
    pub offer_discount_type: Option<String>,
    /// Win-back offers the customer may redeem.
    pub eligible_win_back_offer_ids: Option<Vec<String>>,
    /// The app transaction's id.
    pub app_transaction_id: Option<String>,
    /// ISO 8601 duration of the offer.
    pub offer_period: Option<String>,
    /// The UUID the app passed at purchase.
    pub app_account_token: Option<String>,
}

/// A verified notification with its nested JWS verified and decoded too, so the host (or
/// [`AppleNotification::outcome`]) never touches an unverified field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppleNotification {
    /// The notification itself.
    pub payload: ResponseBodyV2DecodedPayload,
    /// `data.signedTransactionInfo`, verified and decoded.
    pub transaction: Option<JwsTransactionDecodedPayload>,
    /// `data.signedRenewalInfo`, verified and decoded.
    pub renewal: Option<JwsRenewalInfoDecodedPayload>,
}

/// Verifies what Apple sends; built once from an [`AppleConfig`] and shared.
#[derive(Debug, Clone)]
pub struct AppleVerifier {
    config: AppleConfig,
}

#[derive(Deserialize)]
struct JwsHeader {
    alg: Option<String>,
    x5c: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NotificationBody {
    signed_payload: Option<String>,
}

impl AppleVerifier {
    /// Checks the configuration once (roots parse as certificates, OIDs are dotted
    /// numbers, a bundle id and at least one environment are set) so a bad deployment
    /// fails at startup rather than on Apple's first notification.
    pub fn new(config: AppleConfig) -> Result<Self> {
        if config.trusted_roots.is_empty() {
            return Err(BillingError::Config("no trusted Apple root".into()));
        }
        for (i, root) in config.trusted_roots.iter().enumerate() {
            parse_cert(root).map_err(|e| {
                BillingError::Config(format!("trusted root {i} is not a DER certificate: {e}"))
            })?;
        }
        for oid in [&config.leaf_marker_oid, &config.intermediate_marker_oid] {
            let dotted = oid
                .split('.')
                .all(|arc| !arc.is_empty() && arc.bytes().all(|b| b.is_ascii_digit()));
            if !dotted || !oid.contains('.') {
                return Err(BillingError::Config(format!(
                    "marker OID {oid:?} is not a dotted OID"
                )));
            }
        }
        if config.bundle_id.is_empty() {
            return Err(BillingError::Config("empty bundle id".into()));
        }
        if config.environments.is_empty() {
            return Err(BillingError::Config("no Apple environment accepted".into()));
        }
        Ok(AppleVerifier { config })
    }

    /// The whole webhook: verifies the body of `POST /billing/webhooks/apple` at time `now`
    /// and says what it means. `now` is a parameter so tests are deterministic; the host
    /// passes `SystemTime::now()`.
    pub fn handle(&self, body: &[u8], now: SystemTime) -> Result<Outcome> {
        Ok(self.verify_notification(body, now)?.outcome())
    }

    /// Verifies the webhook body `{"signedPayload": "<JWS>"}` and every JWS inside it.
    pub fn verify_notification(&self, body: &[u8], now: SystemTime) -> Result<AppleNotification> {
        let body: NotificationBody = serde_json::from_slice(body).map_err(|e| {
            BillingError::malformed("signedPayload", format!("body is not JSON: {e}"))
        })?;
        let signed = body
            .signed_payload
            .ok_or_else(|| BillingError::malformed("signedPayload", "missing"))?;
        self.verify_signed_payload(&signed, now)
    }

    /// Verifies a `signedPayload` JWS (e.g. one fetched from the App Store Server API's
    /// notification history), its app identity, and its nested transaction and renewal
    /// info.
    pub fn verify_signed_payload(
        &self,
        signed_payload: &str,
        now: SystemTime,
    ) -> Result<AppleNotification> {
        let now = jws::unix_secs(now);
        let payload: ResponseBodyV2DecodedPayload =
            self.verify_jws(signed_payload, "signedPayload", now)?;
        self.check_notification_identity(&payload)?;
        let data = payload.data.as_ref();
        let transaction = match data.and_then(|d| d.signed_transaction_info.as_deref()) {
            Some(jws) => Some(self.transaction_at(jws, "data.signedTransactionInfo", now)?),
            None => None,
        };
        let renewal = match data.and_then(|d| d.signed_renewal_info.as_deref()) {
            Some(jws) => Some(self.renewal_at(jws, "data.signedRenewalInfo", now)?),
            None => None,
        };
        Ok(AppleNotification {
            payload,
            transaction,
            renewal,
        })
    }

    /// Verifies a signed transaction on its own: the StoreKit 2 `jwsRepresentation` the app
    /// sends after a purchase, so the host can link `originalTransactionId` to the user
    /// before Apple's notification arrives.
    pub fn verify_transaction(
        &self,
        signed_transaction: &str,
        now: SystemTime,
    ) -> Result<JwsTransactionDecodedPayload> {
        self.transaction_at(
            signed_transaction,
            "signedTransactionInfo",
            jws::unix_secs(now),
        )
    }

    /// Verifies a signed renewal info on its own (from the app or the App Store Server API).
    pub fn verify_renewal_info(
        &self,
        signed_renewal_info: &str,
        now: SystemTime,
    ) -> Result<JwsRenewalInfoDecodedPayload> {
        self.renewal_at(
            signed_renewal_info,
            "signedRenewalInfo",
            jws::unix_secs(now),
        )
    }

    fn transaction_at(
        &self,
        jws: &str,
        field: &str,
        now: i64,
    ) -> Result<JwsTransactionDecodedPayload> {
        let tx: JwsTransactionDecodedPayload = self.verify_jws(jws, field, now)?;
        self.check_bundle(&format!("{field}.bundleId"), tx.bundle_id.as_deref())?;
        self.check_environment(&format!("{field}.environment"), tx.environment.as_deref())?;
        Ok(tx)
    }

    fn renewal_at(&self, jws: &str, field: &str, now: i64) -> Result<JwsRenewalInfoDecodedPayload> {
        let renewal: JwsRenewalInfoDecodedPayload = self.verify_jws(jws, field, now)?;
        self.check_environment(
            &format!("{field}.environment"),
            renewal.environment.as_deref(),
        )?;
        Ok(renewal)
    }

    /// Apple's library takes the app identity from `data`, else `summary`, else
    /// `externalPurchaseToken` (whose environment is implied by a `SANDBOX` id prefix).
    fn check_notification_identity(&self, payload: &ResponseBodyV2DecodedPayload) -> Result<()> {
        let (prefix, bundle, app_id, environment) = if let Some(d) = &payload.data {
            (
                "data",
                d.bundle_id.clone(),
                d.app_apple_id,
                d.environment.clone(),
            )
        } else if let Some(s) = &payload.summary {
            (
                "summary",
                s.bundle_id.clone(),
                s.app_apple_id,
                s.environment.clone(),
            )
        } else if let Some(t) = &payload.external_purchase_token {
            let sandbox = t
                .external_purchase_id
                .as_deref()
                .is_some_and(|id| id.starts_with("SANDBOX"));
            let env = if sandbox {
                AppleEnvironment::Sandbox
            } else {
                AppleEnvironment::Production
            };
            (
                "externalPurchaseToken",
                t.bundle_id.clone(),
                t.app_apple_id,
                Some(env.as_str().to_string()),
            )
        } else {
            return Err(BillingError::malformed(
                "data",
                "notification has none of data, summary, externalPurchaseToken",
            ));
        };
        self.check_bundle(&format!("{prefix}.bundleId"), bundle.as_deref())?;
        self.check_environment(&format!("{prefix}.environment"), environment.as_deref())?;
        if let Some(expected) = self.config.app_apple_id
            && environment.as_deref() == Some(AppleEnvironment::Production.as_str())
            && app_id != Some(expected)
        {
            return Err(BillingError::WrongApp {
                field: format!("{prefix}.appAppleId"),
                expected: expected.to_string(),
                actual: app_id.map_or_else(|| "(missing)".to_string(), |id| id.to_string()),
            });
        }
        Ok(())
    }

    fn check_bundle(&self, field: &str, actual: Option<&str>) -> Result<()> {
        if actual == Some(self.config.bundle_id.as_str()) {
            return Ok(());
        }
        Err(BillingError::WrongApp {
            field: field.to_string(),
            expected: self.config.bundle_id.clone(),
            actual: actual.unwrap_or("(missing)").to_string(),
        })
    }

    fn check_environment(&self, field: &str, actual: Option<&str>) -> Result<()> {
        if self
            .config
            .environments
            .iter()
            .any(|e| Some(e.as_str()) == actual)
        {
            return Ok(());
        }
        let expected: Vec<&str> = self
            .config
            .environments
            .iter()
            .map(|e| e.as_str())
            .collect();
        Err(BillingError::WrongApp {
            field: field.to_string(),
            expected: expected.join(" or "),
            actual: actual.unwrap_or("(missing)").to_string(),
        })
    }

    /// Verifies one JWS (header, chain, signature) and decodes its payload as `T`.
    fn verify_jws<T: DeserializeOwned>(&self, token: &str, field: &str, now: i64) -> Result<T> {
        let parts = jws::split(token)?;
        let header: JwsHeader = serde_json::from_slice(&jws::decode_part(parts.header, "header")?)
            .map_err(|e| {
                BillingError::unauthenticated(format!("{field}: JWS header is not JSON: {e}"))
            })?;
        match header.alg.as_deref() {
            Some("ES256") => {}
            other => {
                return Err(BillingError::unauthenticated(format!(
                    "{field}: JWS alg must be ES256, got {other:?}"
                )));
            }
        }
        let x5c = header.x5c.ok_or_else(|| {
            BillingError::unauthenticated(format!(
                "{field}: JWS header has no x5c certificate chain"
            ))
        })?;
        let ders = x5c
            .iter()
            .map(|c| B64STD.decode(c))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| {
                BillingError::unauthenticated(format!("{field}: x5c entry is not base64: {e}"))
            })?;
        let leaf_key = self.verify_chain(&ders, now).map_err(|e| match e {
            BillingError::Unauthenticated(reason) => {
                BillingError::Unauthenticated(format!("{field}: {reason}"))
            }
            other => other,
        })?;
        let signature = jws::decode_part(parts.signature, "signature")?;
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &leaf_key)
            .verify(parts.signing_input.as_bytes(), &signature)
            .map_err(|_| {
                BillingError::unauthenticated(format!(
                    "{field}: JWS signature does not verify with the leaf certificate's key"
                ))
            })?;
        let payload = jws::decode_part(parts.payload, "payload")?;
        serde_json::from_slice(&payload).map_err(|e| BillingError::malformed(field, e))
    }

    /// Verifies the x5c chain at `now` (Unix seconds) and returns the leaf's public key
    /// (an uncompressed P-256 point).
    fn verify_chain(&self, ders: &[Vec<u8>], now: i64) -> Result<Vec<u8>> {
        let [leaf_der, intermediate_der, root_der] = ders else {
            return Err(BillingError::unauthenticated(format!(
                "x5c must hold 3 certificates (leaf, intermediate, root), got {}",
                ders.len()
            )));
        };
        if !self
            .config
            .trusted_roots
            .iter()
            .any(|root| root == root_der)
        {
            return Err(BillingError::unauthenticated(
                "x5c root is not a trusted root certificate",
            ));
        }
        let leaf = parse_cert(leaf_der).map_err(|e| cert_error("leaf", e))?;
        let intermediate =
            parse_cert(intermediate_der).map_err(|e| cert_error("intermediate", e))?;
        let root = parse_cert(root_der).map_err(|e| cert_error("root", e))?;

        check_issued_by("intermediate", &intermediate, "the trusted root", &root)?;
        check_issued_by("leaf", &leaf, "the intermediate", &intermediate)?;
        if !is_ca(&intermediate) {
            return Err(cert_error("intermediate", "is not a CA (basicConstraints)"));
        }
        if is_ca(&leaf) {
            return Err(cert_error("leaf", "is a CA (basicConstraints)"));
        }
        for (what, cert) in [
            ("leaf", &leaf),
            ("intermediate", &intermediate),
            ("root", &root),
        ] {
            check_validity(what, cert, now)?;
        }
        for (what, cert, oid) in [
            ("leaf", &leaf, &self.config.leaf_marker_oid),
            (
                "intermediate",
                &intermediate,
                &self.config.intermediate_marker_oid,
            ),
        ] {
            if !cert
                .extensions()
                .iter()
                .any(|ext| ext.oid.to_id_string() == *oid)
            {
                return Err(cert_error(
                    what,
                    format!("lacks Apple's marker extension {oid}"),
                ));
            }
        }

        let spki = leaf.public_key();
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok());
        if spki.algorithm.algorithm != OID_KEY_TYPE_EC_PUBLIC_KEY
            || curve.as_ref() != Some(&OID_EC_P256)
        {
            return Err(cert_error(
                "leaf",
                "key is not an EC P-256 key (ES256 needs one)",
            ));
        }
        Ok(spki.subject_public_key.data.to_vec())
    }
}

fn cert_error(what: &str, reason: impl std::fmt::Display) -> BillingError {
    BillingError::unauthenticated(format!("{what} certificate: {reason}"))
}

/// `cert` names `issuer` as its issuer and carries a valid ECDSA signature by its key.
/// Apple's chain is ECDSA end to end, so other algorithms (RSA, SHA-1) are refused.
fn check_issued_by(
    what: &str,
    cert: &X509Certificate<'_>,
    issuer_name: &str,
    issuer: &X509Certificate<'_>,
) -> Result<()> {
    let alg = &cert.signature_algorithm.algorithm;
    if *alg != OID_SIG_ECDSA_WITH_SHA256 && *alg != OID_SIG_ECDSA_WITH_SHA384 {
        return Err(cert_error(
            what,
            format!("signature algorithm {} is not ECDSA", alg.to_id_string()),
        ));
    }
    if cert.issuer().as_raw() != issuer.subject().as_raw() {
        return Err(cert_error(what, format!("issuer is not {issuer_name}")));
    }
    cert.verify_signature(Some(issuer.public_key()))
        .map_err(|e| cert_error(what, format!("not signed by {issuer_name} ({e})")))
}

fn is_ca(cert: &X509Certificate<'_>) -> bool {
    cert.basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|bc| bc.value.ca)
}

fn check_validity(what: &str, cert: &X509Certificate<'_>, now: i64) -> Result<()> {
    let validity = cert.validity();
    let (from, until) = (
        validity.not_before.timestamp(),
        validity.not_after.timestamp(),
    );
    if now < from || now > until {
        return Err(cert_error(
            what,
            format!(
                "not valid at {now} (valid from {from} until {until}, Unix seconds): expired or not yet valid"
            ),
        ));
    }
    Ok(())
}

fn parse_cert(der: &[u8]) -> std::result::Result<X509Certificate<'_>, String> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok(_) => Err("trailing bytes after the certificate".into()),
        Err(e) => Err(e.to_string()),
    }
}

impl AppleNotification {
    /// What this notification means for the host, in the store-neutral vocabulary.
    ///
    /// `TEST` is a test; a notification without a transaction, or about a product that is
    /// not an auto-renewable subscription, changes nothing; everything else becomes a
    /// [`SubscriptionUpdate`] carrying the subscription's state after the event. The state
    /// comes from Apple's `data.status` when present (it is, for every subscription
    /// notification since 2023), refined by the renewal info's `autoRenewStatus` and the
    /// transaction's `revocationDate`, and otherwise from the notification type and subtype.
    pub fn outcome(&self) -> Outcome {
        let p = &self.payload;
        if p.notification_type == "TEST" {
            return Outcome::Test {
                store: Store::Apple,
                notification_id: p.notification_uuid.clone(),
            };
        }
        let no_change = |reason: &str| Outcome::NoChange {
            store: Store::Apple,
            notification_id: p.notification_uuid.clone(),
            notification_type: p.notification_type.clone(),
            reason: reason.to_string(),
        };
        let Some(tx) = &self.transaction else {
            return no_change("carries no transaction");
        };
        if tx.transaction_type.as_deref() != Some("Auto-Renewable Subscription") {
            return no_change("transaction is not an auto-renewable subscription");
        }
        let Some(subscription_id) = tx.original_transaction_id.clone() else {
            return no_change("transaction has no originalTransactionId");
        };
        let environment = match p.data.as_ref().and_then(|d| d.environment.as_deref()) {
            Some("Production") => Environment::Production,
            _ => Environment::Sandbox,
        };
        let will_renew = self
            .renewal
            .as_ref()
            .and_then(|r| r.auto_renew_status)
            .map(|s| s == 1);
        Outcome::Update(SubscriptionUpdate {
            store: Store::Apple,
            notification_id: p.notification_uuid.clone(),
            notification_type: p.notification_type.clone(),
            notification_subtype: p.subtype.clone(),
            subscription_id,
            linked_subscription_id: None,
            transaction_id: tx.transaction_id.clone(),
            product_id: tx.product_id.clone(),
            status: self.status(will_renew),
            expires_at_ms: tx.expires_date,
            will_renew,
            account_token: tx.app_account_token.clone().or_else(|| {
                self.renewal
                    .as_ref()
                    .and_then(|r| r.app_account_token.clone())
            }),
            environment,
            event_time_ms: p.signed_date.or(tx.signed_date).unwrap_or(0),
            acknowledged: None,
        })
    }

    fn status(&self, will_renew: Option<bool>) -> SubscriptionStatus {
        let p = &self.payload;
        let revoked = self
            .transaction
            .as_ref()
            .is_some_and(|t| t.revocation_date.is_some());
        if revoked || matches!(p.notification_type.as_str(), "REFUND" | "REVOKE") {
            return SubscriptionStatus::Revoked;
        }
        let active = if will_renew == Some(false) {
            SubscriptionStatus::Cancelled
        } else {
            SubscriptionStatus::Active
        };
        match p.data.as_ref().and_then(|d| d.status) {
            Some(1) => return active,
            Some(2) => return SubscriptionStatus::Expired,
            Some(3) => return SubscriptionStatus::OnHold,
            Some(4) => return SubscriptionStatus::GracePeriod,
            Some(5) => return SubscriptionStatus::Revoked,
            _ => {}
        }
        match (p.notification_type.as_str(), p.subtype.as_deref()) {
            ("EXPIRED", _) => SubscriptionStatus::Expired,
            ("DID_FAIL_TO_RENEW", Some("GRACE_PERIOD")) => SubscriptionStatus::GracePeriod,
            ("DID_FAIL_TO_RENEW", _) | ("GRACE_PERIOD_EXPIRED", _) => SubscriptionStatus::OnHold,
            ("DID_CHANGE_RENEWAL_STATUS", Some("AUTO_RENEW_DISABLED")) => {
                SubscriptionStatus::Cancelled
            }
            _ => {
                // No status and a type that does not imply one: judge by the clock Apple
                // signed with.
                let expires = self.transaction.as_ref().and_then(|t| t.expires_date);
                match (expires, p.signed_date) {
                    (Some(end), Some(signed)) if end <= signed => SubscriptionStatus::Expired,
                    _ => active,
                }
            }
        }
    }
}
