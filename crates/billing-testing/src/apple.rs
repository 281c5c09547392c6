//! Acting as the App Store: a test CA signing notifications the way Apple does, and
//! builders of realistic App Store Server Notifications V2.
//!
//! The CA's certificates carry Apple's marker extensions
//! ([`APPLE_LEAF_MARKER_OID`], [`APPLE_INTERMEDIATE_MARKER_OID`]), so the production OID
//! defaults of [`AppleConfig::new`] apply and only the trusted root differs: configure
//! [`TestCa::root_der`] (or a file from [`TestCa::write_root_der`] /
//! [`TestCa::write_root_pem`]) as the trusted root.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DnType, IsCa, Issuer, KeyPair,
    PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, date_time_ymd,
};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use serde_json::{Value, json};

use super::{DAY_MS, now_ms, random_decimal, random_uuid};
use billing::apple::{
    APPLE_INTERMEDIATE_MARKER_OID, APPLE_LEAF_MARKER_OID, AppleConfig, AppleEnvironment,
};

/// The `appAppleId` builders put in Production notifications (Apple leaves it out in
/// Sandbox). Configure it as [`AppleConfig::app_apple_id`] to have it checked.
pub const TEST_APP_APPLE_ID: i64 = 1_234_567_890;

/// How a [`TestCa`] is made; [`CaOptions::default`] is a chain Apple's verifier accepts
/// from 2024 to 2035.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaOptions {
    /// Put Apple's leaf marker extension in the leaf (default `true`).
    pub leaf_marker: bool,
    /// Put Apple's WWDR marker extension in the intermediate (default `true`).
    pub intermediate_marker: bool,
    /// The leaf's `notBefore`, (year, month, day) UTC (default 2024-01-01).
    pub leaf_not_before: (i32, u8, u8),
    /// The leaf's `notAfter`, (year, month, day) UTC (default 2035-01-01).
    pub leaf_not_after: (i32, u8, u8),
}

impl Default for CaOptions {
    fn default() -> Self {
        CaOptions {
            leaf_marker: true,
            intermediate_marker: true,
            leaf_not_before: (2024, 1, 1),
            leaf_not_after: (2035, 1, 1),
        }
    }
}

/// A root → intermediate → leaf chain shaped like Apple's (P-384 root and intermediate
/// signing with ECDSA-SHA384, a P-256 leaf signing ES256), freshly generated: two
/// `TestCa`s never trust each other.
#[derive(Clone)]
pub struct TestCa {
    root: Vec<u8>,
    intermediate: Vec<u8>,
    leaf: Vec<u8>,
    leaf_key_pkcs8: Vec<u8>,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

impl Default for TestCa {
    fn default() -> Self {
        TestCa::new()
    }
}

/// A marker extension the way Apple's certificates carry it (an ASN.1 NULL).
fn marker(oid: &str) -> CustomExtension {
    let arcs: Vec<u64> = oid.split('.').filter_map(|a| a.parse().ok()).collect();
    CustomExtension::from_oid_content(&arcs, vec![0x05, 0x00])
}

impl TestCa {
    /// A chain with [`CaOptions::default`].
    pub fn new() -> Self {
        TestCa::with_options(&CaOptions::default())
    }

    /// A chain made as `options` says (a leaf without the marker, an expired leaf, …).
    ///
    /// # Panics
    /// If rcgen cannot generate keys or certificates (it does not, for these parameters).
    pub fn with_options(options: &CaOptions) -> Self {
        let mut root_params = CertificateParams::default();
        root_params
            .distinguished_name
            .push(DnType::CommonName, "Test Root CA - G3");
        root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        root_params.not_before = date_time_ymd(2020, 1, 1);
        root_params.not_after = date_time_ymd(2040, 1, 1);
        let root_key = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).expect("root key");
        let root_cert = root_params
            .self_signed(&root_key)
            .expect("root certificate");
        let root_issuer = Issuer::new(root_params, root_key);

        let mut int_params = CertificateParams::default();
        int_params.distinguished_name.push(
            DnType::CommonName,
            "Test Worldwide Developer Relations CA - G6",
        );
        int_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        int_params.not_before = date_time_ymd(2021, 1, 1);
        int_params.not_after = date_time_ymd(2036, 1, 1);
        if options.intermediate_marker {
            int_params
                .custom_extensions
                .push(marker(APPLE_INTERMEDIATE_MARKER_OID));
        }
        let int_key = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).expect("intermediate key");
        let int_cert = int_params
            .signed_by(&int_key, &root_issuer)
            .expect("intermediate certificate");
        let int_issuer = Issuer::new(int_params, int_key);

        let mut leaf_params = CertificateParams::default();
        leaf_params.distinguished_name.push(
            DnType::CommonName,
            "Test Mac App Store and iTunes Store Receipt Signing",
        );
        leaf_params.is_ca = IsCa::ExplicitNoCa;
        let (y, m, d) = options.leaf_not_before;
        leaf_params.not_before = date_time_ymd(y, m, d);
        let (y, m, d) = options.leaf_not_after;
        leaf_params.not_after = date_time_ymd(y, m, d);
        if options.leaf_marker {
            leaf_params
                .custom_extensions
                .push(marker(APPLE_LEAF_MARKER_OID));
        }
        let leaf_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("leaf key");
        let leaf_cert = leaf_params
            .signed_by(&leaf_key, &int_issuer)
            .expect("leaf certificate");

        TestCa {
            root: root_cert.der().to_vec(),
            intermediate: int_cert.der().to_vec(),
            leaf: leaf_cert.der().to_vec(),
            leaf_key_pkcs8: leaf_key.serialize_der(),
        }
    }

    /// The root certificate, DER: what the verifier must trust
    /// ([`AppleConfig::trusted_roots`], the host's `--apple-root-certs`).
    pub fn root_der(&self) -> &[u8] {
        &self.root
    }

    /// The intermediate certificate, DER.
    pub fn intermediate_der(&self) -> &[u8] {
        &self.intermediate
    }

    /// The leaf (signing) certificate, DER.
    pub fn leaf_der(&self) -> &[u8] {
        &self.leaf
    }

    /// The root certificate as PEM (`-----BEGIN CERTIFICATE-----`).
    pub fn root_pem(&self) -> String {
        let b64 = STANDARD.encode(&self.root);
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in b64.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        pem
    }

    /// Writes the root certificate to `path` as DER.
    pub fn write_root_der(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        std::fs::write(path, &self.root)
    }

    /// Writes the root certificate to `path` as PEM.
    pub fn write_root_pem(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        std::fs::write(path, self.root_pem())
    }

    /// The `x5c` header value: leaf, intermediate, root, standard base64 DER.
    pub fn x5c(&self) -> Value {
        json!([
            STANDARD.encode(&self.leaf),
            STANDARD.encode(&self.intermediate),
            STANDARD.encode(&self.root)
        ])
    }

    /// Signs `payload` as Apple does: a compact JWS, header `{"alg": "ES256", "x5c": …}`,
    /// ES256 with the leaf's key.
    pub fn sign(&self, payload: &Value) -> String {
        self.sign_with_header(&json!({"alg": "ES256", "x5c": self.x5c()}), payload)
    }

    /// Signs `payload` with the leaf's key (ES256) under any `header` (another `alg`, a
    /// missing or swapped `x5c`), for tests of what the verifier refuses.
    ///
    /// # Panics
    /// If ring refuses the leaf key it generated (it does not).
    pub fn sign_with_header(&self, header: &Value, payload: &Value) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(payload.to_string())
        );
        let rng = SystemRandom::new();
        let key =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &self.leaf_key_pkcs8, &rng)
                .expect("the leaf key");
        let sig = key.sign(&rng, input.as_bytes()).expect("ES256 signature");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
    }

    /// [`AppleConfig::new`] for `bundle_id` and `environments`, trusting this CA's root
    /// only (Apple's marker OIDs stay the defaults).
    pub fn config(&self, bundle_id: &str, environments: Vec<AppleEnvironment>) -> AppleConfig {
        AppleConfig {
            trusted_roots: vec![self.root.clone()],
            ..AppleConfig::new(bundle_id, environments)
        }
    }
}

/// The webhook body Apple posts: `{"signedPayload": "<jws>"}`.
pub fn signed_payload_body(jws: &str) -> Vec<u8> {
    json!({ "signedPayload": jws }).to_string().into_bytes()
}

/// `jws` with one byte of its payload changed after signing: the first character of the
/// `notificationUUID` value (else of the payload's first string value) becomes another hex
/// digit, so the payload is still valid JSON, still a notification (now with an id never
/// seen), and no longer what was signed. Header and signature are kept.
///
/// # Panics
/// If `jws` is not a compact JWS with a base64url payload containing a JSON string.
pub fn tamper_payload(jws: &str) -> String {
    let mut parts: Vec<String> = jws.split('.').map(str::to_string).collect();
    assert_eq!(parts.len(), 3, "not a compact JWS");
    let mut payload = URL_SAFE_NO_PAD
        .decode(&parts[1])
        .expect("base64url payload");
    let key = b"\"notificationUUID\":\"";
    let at = payload
        .windows(key.len())
        .position(|w| w == key)
        .map(|p| p + key.len())
        .or_else(|| payload.iter().position(|b| *b == b'"').map(|p| p + 1))
        .expect("a JSON string in the payload");
    payload[at] = if payload[at] == b'a' { b'b' } else { b'a' };
    parts[1] = URL_SAFE_NO_PAD.encode(&payload);
    parts.join(".")
}

/// A realistic App Store Server Notification V2 about one auto-renewable subscription (or
/// a `TEST`), built from a few fields; [`Notification::body`] signs it (and its nested
/// transaction and renewal info) with a [`TestCa`].
///
/// Every field is public; the setters chain. Defaults: a fresh random `notificationUUID`,
/// `originalTransactionId` and `transactionId`; `signedDate` now; Production with
/// [`TEST_APP_APPLE_ID`]; no `appAccountToken`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// `notificationType`: `SUBSCRIBED`, `DID_RENEW`, `EXPIRED`, `REFUND`, `TEST`, …
    pub notification_type: String,
    /// `subtype`: `INITIAL_BUY`, `VOLUNTARY`, …
    pub subtype: Option<String>,
    /// `notificationUUID`: the notification's id (a redelivery keeps it).
    pub notification_uuid: String,
    /// `signedDate` of the notification, transaction and renewal info, ms.
    pub signed_date: i64,
    /// `bundleId` of `data` and of the transaction.
    pub bundle_id: String,
    /// `data.appAppleId` (Apple omits it in Sandbox).
    pub app_apple_id: Option<i64>,
    /// `environment` everywhere: `Production` or `Sandbox`.
    pub environment: String,
    /// `data.status`: 1 active, 2 expired, 3 billing retry, 4 grace period, 5 revoked.
    pub status: Option<i64>,
    /// Whether `data` carries a signed transaction and renewal info (`false` for `TEST`).
    pub with_transaction: bool,
    /// The transaction's `productId`.
    pub product_id: String,
    /// `originalTransactionId`: the subscription's id across renewals.
    pub original_transaction_id: String,
    /// `transactionId` of this period.
    pub transaction_id: String,
    /// `appAccountToken`, the UUID the app passed at purchase (how the host finds the user).
    pub app_account_token: Option<String>,
    /// `expiresDate`, ms.
    pub expires_date: Option<i64>,
    /// `purchaseDate` of this period, ms.
    pub purchase_date: i64,
    /// The renewal info's `autoRenewStatus` (1 renews, 0 turned off).
    pub auto_renew: bool,
    /// The renewal info's `expirationIntent` (1 cancelled by the customer, 2 billing error).
    pub expiration_intent: Option<i64>,
    /// The transaction's `revocationDate`, ms (refunds and revocations).
    pub revocation_date: Option<i64>,
    /// The transaction's `revocationReason` (0 other, 1 an issue in the app).
    pub revocation_reason: Option<i64>,
    /// The transaction's `transactionReason`: `PURCHASE` or `RENEWAL`.
    pub transaction_reason: String,
    /// The transaction's `type` (default `Auto-Renewable Subscription`).
    pub transaction_type: String,
}

impl Notification {
    /// A notification of `notification_type` about a subscription to `product_id`: active
    /// (`status` 1), renewing, expiring in 30 days.
    pub fn new(notification_type: &str, bundle_id: &str, product_id: &str) -> Self {
        let now = now_ms();
        Notification {
            notification_type: notification_type.to_string(),
            subtype: None,
            notification_uuid: random_uuid(),
            signed_date: now,
            bundle_id: bundle_id.to_string(),
            app_apple_id: Some(TEST_APP_APPLE_ID),
            environment: "Production".to_string(),
            status: Some(1),
            with_transaction: true,
            product_id: product_id.to_string(),
            original_transaction_id: random_decimal("20000", 11),
            transaction_id: random_decimal("20000", 11),
            app_account_token: None,
            expires_date: Some(now + 30 * DAY_MS),
            purchase_date: now,
            auto_renew: true,
            expiration_intent: None,
            revocation_date: None,
            revocation_reason: None,
            transaction_reason: "PURCHASE".to_string(),
            transaction_type: "Auto-Renewable Subscription".to_string(),
        }
    }

    /// `SUBSCRIBED` / `INITIAL_BUY`: a first purchase, active for 30 days, renewing.
    pub fn subscribed(bundle_id: &str, product_id: &str) -> Self {
        Notification::new("SUBSCRIBED", bundle_id, product_id).subtype(Some("INITIAL_BUY"))
    }

    /// `DID_RENEW`: renewed for another 30 days.
    pub fn did_renew(bundle_id: &str, product_id: &str) -> Self {
        let mut n = Notification::new("DID_RENEW", bundle_id, product_id);
        n.transaction_reason = "RENEWAL".to_string();
        n
    }

    /// `EXPIRED` / `VOLUNTARY`: auto-renew was off and the period ended an hour ago
    /// (`status` 2, `expirationIntent` 1).
    pub fn expired(bundle_id: &str, product_id: &str) -> Self {
        let mut n = Notification::new("EXPIRED", bundle_id, product_id).subtype(Some("VOLUNTARY"));
        n.status = Some(2);
        n.auto_renew = false;
        n.expiration_intent = Some(1);
        n.expires_date = Some(n.signed_date - 3_600_000);
        n.purchase_date = n.signed_date - 30 * DAY_MS;
        n.transaction_reason = "RENEWAL".to_string();
        n
    }

    /// `REFUND`: Apple refunded the current period (`status` 5, `revocationDate` a minute
    /// ago, `revocationReason` 0); access ends at once.
    pub fn refund(bundle_id: &str, product_id: &str) -> Self {
        let mut n = Notification::new("REFUND", bundle_id, product_id);
        n.status = Some(5);
        n.auto_renew = false;
        n.revocation_date = Some(n.signed_date - 60_000);
        n.revocation_reason = Some(0);
        n
    }

    /// `TEST`: what "Request a Test Notification" sends; no transaction.
    pub fn test(bundle_id: &str) -> Self {
        let mut n = Notification::new("TEST", bundle_id, "");
        n.status = None;
        n.with_transaction = false;
        n
    }

    /// Sets `subtype`.
    #[must_use]
    pub fn subtype(mut self, subtype: Option<&str>) -> Self {
        self.subtype = subtype.map(str::to_string);
        self
    }

    /// Sets `notificationUUID`.
    #[must_use]
    pub fn notification_uuid(mut self, id: &str) -> Self {
        self.notification_uuid = id.to_string();
        self
    }

    /// Sets `signedDate` (ms). Other dates stay as they are: set `expiresDate` too when
    /// moving a notification far in time.
    #[must_use]
    pub fn signed_date(mut self, ms: i64) -> Self {
        self.signed_date = ms;
        self
    }

    /// Sets the bundle id.
    #[must_use]
    pub fn bundle_id(mut self, bundle_id: &str) -> Self {
        self.bundle_id = bundle_id.to_string();
        self
    }

    /// Sets `data.appAppleId`.
    #[must_use]
    pub fn app_apple_id(mut self, id: Option<i64>) -> Self {
        self.app_apple_id = id;
        self
    }

    /// Sets `environment` (`Production`, `Sandbox`); Apple omits `appAppleId` in Sandbox,
    /// so switching to Sandbox drops it.
    #[must_use]
    pub fn environment(mut self, environment: &str) -> Self {
        self.environment = environment.to_string();
        if environment != "Production" {
            self.app_apple_id = None;
        }
        self
    }

    /// Sets `data.status`.
    #[must_use]
    pub fn status(mut self, status: Option<i64>) -> Self {
        self.status = status;
        self
    }

    /// Sets the product.
    #[must_use]
    pub fn product_id(mut self, product_id: &str) -> Self {
        self.product_id = product_id.to_string();
        self
    }

    /// Sets `originalTransactionId`.
    #[must_use]
    pub fn original_transaction_id(mut self, id: &str) -> Self {
        self.original_transaction_id = id.to_string();
        self
    }

    /// Sets `transactionId`.
    #[must_use]
    pub fn transaction_id(mut self, id: &str) -> Self {
        self.transaction_id = id.to_string();
        self
    }

    /// Sets `appAccountToken` (the app sets it to the user's id, a UUID).
    #[must_use]
    pub fn app_account_token(mut self, token: &str) -> Self {
        self.app_account_token = Some(token.to_string());
        self
    }

    /// Sets `expiresDate` (ms).
    #[must_use]
    pub fn expires_date(mut self, ms: i64) -> Self {
        self.expires_date = Some(ms);
        self
    }

    /// Sets the renewal info's `autoRenewStatus`.
    #[must_use]
    pub fn auto_renew(mut self, renews: bool) -> Self {
        self.auto_renew = renews;
        self
    }

    /// `JWSTransactionDecodedPayload` as Apple fills it (`None` without a transaction).
    pub fn transaction_info(&self) -> Option<Value> {
        if !self.with_transaction {
            return None;
        }
        let mut tx = json!({
            "transactionId": self.transaction_id,
            "originalTransactionId": self.original_transaction_id,
            "webOrderLineItemId": format!("{}1", self.transaction_id),
            "bundleId": self.bundle_id,
            "productId": self.product_id,
            "subscriptionGroupIdentifier": "21400000",
            "purchaseDate": self.purchase_date,
            "originalPurchaseDate": self.purchase_date,
            "quantity": 1,
            "type": self.transaction_type,
            "inAppOwnershipType": "PURCHASED",
            "signedDate": self.signed_date,
            "environment": self.environment,
            "transactionReason": self.transaction_reason,
            "storefront": "USA",
            "storefrontId": "143441",
            "price": 9990,
            "currency": "USD",
        });
        if let Some(expires) = self.expires_date {
            tx["expiresDate"] = json!(expires);
        }
        if let Some(token) = &self.app_account_token {
            tx["appAccountToken"] = json!(token);
        }
        if let Some(at) = self.revocation_date {
            tx["revocationDate"] = json!(at);
        }
        if let Some(reason) = self.revocation_reason {
            tx["revocationReason"] = json!(reason);
        }
        Some(tx)
    }

    /// `JWSRenewalInfoDecodedPayload` as Apple fills it (`None` without a transaction).
    pub fn renewal_info(&self) -> Option<Value> {
        if !self.with_transaction {
            return None;
        }
        let mut renewal = json!({
            "originalTransactionId": self.original_transaction_id,
            "autoRenewProductId": self.product_id,
            "productId": self.product_id,
            "autoRenewStatus": i64::from(self.auto_renew),
            "signedDate": self.signed_date,
            "environment": self.environment,
            "recentSubscriptionStartDate": self.purchase_date,
        });
        if self.auto_renew
            && let Some(expires) = self.expires_date
        {
            renewal["renewalDate"] = json!(expires);
        }
        if let Some(intent) = self.expiration_intent {
            renewal["expirationIntent"] = json!(intent);
        }
        if let Some(token) = &self.app_account_token {
            renewal["appAccountToken"] = json!(token);
        }
        Some(renewal)
    }

    /// `ResponseBodyV2DecodedPayload`, with `data.signedTransactionInfo` and
    /// `data.signedRenewalInfo` signed by `ca`: the JSON Apple signs as `signedPayload`.
    /// Change it (e.g. put another CA's signed transaction in) and sign it with
    /// [`TestCa::sign`] for what the builder does not cover.
    pub fn decoded_payload(&self, ca: &TestCa) -> Value {
        let mut data = json!({
            "bundleId": self.bundle_id,
            "bundleVersion": "1.4.0",
            "environment": self.environment,
        });
        if let Some(id) = self.app_apple_id {
            data["appAppleId"] = json!(id);
        }
        if let Some(status) = self.status {
            data["status"] = json!(status);
        }
        if let Some(tx) = self.transaction_info() {
            data["signedTransactionInfo"] = json!(ca.sign(&tx));
        }
        if let Some(renewal) = self.renewal_info() {
            data["signedRenewalInfo"] = json!(ca.sign(&renewal));
        }
        let mut payload = json!({
            "notificationType": self.notification_type,
            "notificationUUID": self.notification_uuid,
            "version": "2.0",
            "signedDate": self.signed_date,
            "data": data,
        });
        if let Some(subtype) = &self.subtype {
            payload["subtype"] = json!(subtype);
        }
        payload
    }

    /// The `signedPayload` JWS, signed by `ca`.
    pub fn signed_payload(&self, ca: &TestCa) -> String {
        ca.sign(&self.decoded_payload(ca))
    }

    /// The webhook body Apple posts, `{"signedPayload": …}`, signed by `ca`.
    pub fn body(&self, ca: &TestCa) -> Vec<u8> {
        signed_payload_body(&self.signed_payload(ca))
    }
}
