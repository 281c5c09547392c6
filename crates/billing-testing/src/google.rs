//! Acting as Google: a local double of the endpoints the Google webhook talks to, and
//! Pub/Sub pushes signed with the keys the double publishes.
//!
//! [`GoogleDouble`] serves, on `http://127.0.0.1:<random port>`:
//!
//! | Path | As Google's |
//! | --- | --- |
//! | `GET /oauth2/v3/certs` ([`GoogleDouble::jwks_url`]) | JWKS signing Pub/Sub's OIDC tokens |
//! | `POST /token` ([`GoogleDouble::token_uri`]) | OAuth token endpoint (JWT-bearer grant) |
//! | `GET /androidpublisher/v3/applications/{package}/purchases/subscriptionsv2/tokens/{token}` | `purchases.subscriptionsv2.get` |
//! | `POST /androidpublisher/v3/applications/{package}/purchases/subscriptions/{product}/tokens/{token}:acknowledge` | `purchases.subscriptions.acknowledge` |
//!
//! The token endpoint only grants an access token for an assertion signed by the
//! service account's key ([`GoogleDouble::service_account_json`]), issued by its email, for
//! this endpoint, with the Play scope; the API only answers that access token. Purchases
//! are what the test sets ([`GoogleDouble::set_purchase`]); every request is recorded
//! ([`GoogleDouble::calls`]), acknowledgements too ([`GoogleDouble::acknowledgements`]),
//! and an acknowledged purchase then reads `ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED`.
//!
//! The RSA keys (two Google signing keys, one service-account key) are generated once per
//! process and shared by every double, so a push signed before a double starts still
//! verifies against it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use axum::extract::{Form, Path as UrlPath, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::RsaPrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};

use super::{random_decimal, random_uuid};
use billing::google::{GooglePushConfig, SubscriptionNotificationType};
use billing::play_api::{
    ANDROIDPUBLISHER_SCOPE, JWT_BEARER_GRANT, PlayApiConfig, ServiceAccountKey,
};

/// The email of the service account whose key [`GoogleDouble::service_account_json`]
/// holds (the one that reads purchases).
pub const SERVICE_ACCOUNT_EMAIL: &str = "play-api@kalei-test.iam.gserviceaccount.com";
/// The push subscription's service account that [`Push`] puts in `email` by default.
pub const DEFAULT_PUSH_EMAIL: &str = "play-rtdn-push@kalei-test.iam.gserviceaccount.com";
/// The JWKS path on the double.
pub const JWKS_PATH: &str = "/oauth2/v3/certs";
/// The OAuth token endpoint's path on the double.
pub const TOKEN_PATH: &str = "/token";

struct Keys {
    primary: RsaPrivateKey,
    secondary: RsaPrivateKey,
    service_account: RsaPrivateKey,
}

/// RSA-2048 keys are slow to generate: once per process.
fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = rsa::rand_core::OsRng;
        let mut key = || RsaPrivateKey::new(&mut rng, 2048).expect("an RSA-2048 key");
        Keys {
            primary: key(),
            secondary: key(),
            service_account: key(),
        }
    })
}

fn pkcs8_pem(key: &RsaPrivateKey) -> String {
    key.to_pkcs8_pem(LineEnding::LF)
        .expect("PKCS#8 PEM of an RSA key")
        .to_string()
}

/// One of the two keys "Google" signs Pub/Sub's OIDC tokens with. A new double publishes
/// [`SigningKey::Primary`] only; [`GoogleDouble::publish_keys`] changes that (a rotation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningKey {
    /// Published from the start, `kid` `test-google-key-1`.
    Primary,
    /// Not published until a test says so, `kid` `test-google-key-2`.
    Secondary,
}

impl SigningKey {
    /// The key's id, as the JWKS and the token header name it.
    pub fn kid(self) -> &'static str {
        match self {
            SigningKey::Primary => "test-google-key-1",
            SigningKey::Secondary => "test-google-key-2",
        }
    }

    fn rsa(self) -> &'static RsaPrivateKey {
        match self {
            SigningKey::Primary => &keys().primary,
            SigningKey::Secondary => &keys().secondary,
        }
    }

    /// The private key, PKCS#8 PEM (e.g. to make a service-account key Google's token
    /// endpoint refuses).
    pub fn private_key_pem(self) -> String {
        pkcs8_pem(self.rsa())
    }

    /// The public key as a JWKS entry.
    pub fn jwk(self) -> Value {
        let key = self.rsa();
        json!({
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid(),
            "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
        })
    }
}

/// Signs `claims` as an RS256 JWT with `key`, naming `kid` in the header (any `kid`: a
/// test may name one the JWKS does not have).
///
/// # Panics
/// If jsonwebtoken cannot sign with the generated key (it can).
pub fn sign_id_token(key: SigningKey, kid: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_string());
    let der = key.rsa().to_pkcs1_der().expect("PKCS#1 DER of an RSA key");
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(der.as_bytes()))
        .expect("an RS256 JWT")
}

fn unix_now() -> i64 {
    super::now_ms() / 1000
}

/// A Pub/Sub push of a real-time developer notification, as Cloud Pub/Sub sends it with
/// authentication on: an OIDC ID token Google signs (`Authorization: Bearer …`) and the
/// wrapped message. Fields are public and setters chain; [`Push::sign`] makes the
/// request's `(Authorization header value, body)`.
///
/// Defaults: a random decimal `messageId`; `iss` `https://accounts.google.com`; `email`
/// [`DEFAULT_PUSH_EMAIL`], verified; issued now, expiring in an hour; signed with
/// [`SigningKey::Primary`].
#[derive(Debug, Clone, PartialEq)]
pub struct Push {
    /// The `DeveloperNotification` JSON, base64'd into `message.data`
    /// ([`subscription_notification`], [`test_notification`], …).
    pub notification: Value,
    /// `message.messageId` (a redelivery keeps it).
    pub message_id: String,
    /// The token's `aud`: the push subscription's audience.
    pub audience: String,
    /// The token's `email`: the push subscription's service account.
    pub email: Option<String>,
    /// The token's `email_verified`.
    pub email_verified: bool,
    /// The token's `iss`.
    pub issuer: String,
    /// The token's `iat`, Unix seconds.
    pub issued_at: i64,
    /// The token's `exp`, Unix seconds.
    pub expires_at: i64,
    /// The key signing the token.
    pub key: SigningKey,
    /// The header's `kid` (the key's own unless changed).
    pub kid: String,
    /// The push subscription's name in the envelope.
    pub subscription: String,
}

impl Push {
    /// A push of `notification` with a token for `audience`.
    pub fn new(audience: &str, notification: Value) -> Self {
        let now = unix_now();
        Push {
            notification,
            message_id: random_decimal("1", 15),
            audience: audience.to_string(),
            email: Some(DEFAULT_PUSH_EMAIL.to_string()),
            email_verified: true,
            issuer: "https://accounts.google.com".to_string(),
            issued_at: now,
            expires_at: now + 3600,
            key: SigningKey::Primary,
            kid: SigningKey::Primary.kid().to_string(),
            subscription: "projects/kalei-test/subscriptions/play-rtdn-push".to_string(),
        }
    }

    /// Sets `message.messageId`.
    #[must_use]
    pub fn message_id(mut self, id: &str) -> Self {
        self.message_id = id.to_string();
        self
    }

    /// Sets the token's `aud`.
    #[must_use]
    pub fn audience(mut self, audience: &str) -> Self {
        self.audience = audience.to_string();
        self
    }

    /// Sets the token's `email` (`None`: no `email` claim).
    #[must_use]
    pub fn email(mut self, email: Option<&str>) -> Self {
        self.email = email.map(str::to_string);
        self
    }

    /// Sets the token's `email_verified`.
    #[must_use]
    pub fn email_verified(mut self, verified: bool) -> Self {
        self.email_verified = verified;
        self
    }

    /// Sets the token's `iss`.
    #[must_use]
    pub fn issuer(mut self, issuer: &str) -> Self {
        self.issuer = issuer.to_string();
        self
    }

    /// Sets the token's `iat` (Unix seconds).
    #[must_use]
    pub fn issued_at(mut self, secs: i64) -> Self {
        self.issued_at = secs;
        self
    }

    /// Sets the token's `exp` (Unix seconds).
    #[must_use]
    pub fn expires_at(mut self, secs: i64) -> Self {
        self.expires_at = secs;
        self
    }

    /// Signs with `key` under its own `kid`.
    #[must_use]
    pub fn signed_with(mut self, key: SigningKey) -> Self {
        self.key = key;
        self.kid = key.kid().to_string();
        self
    }

    /// Names `kid` in the token header, whatever key signs.
    #[must_use]
    pub fn kid(mut self, kid: &str) -> Self {
        self.kid = kid.to_string();
        self
    }

    /// The ID token's claims, shaped like Google's.
    pub fn claims(&self) -> Value {
        let mut claims = json!({
            "aud": self.audience,
            "azp": "113000000000000000000",
            "exp": self.expires_at,
            "iat": self.issued_at,
            "iss": self.issuer,
            "sub": "113000000000000000000",
        });
        if let Some(email) = &self.email {
            claims["email"] = json!(email);
            claims["email_verified"] = json!(self.email_verified);
        }
        claims
    }

    /// The signed ID token.
    pub fn id_token(&self) -> String {
        sign_id_token(self.key, &self.kid, &self.claims())
    }

    /// The `Authorization` header's value: `Bearer <ID token>`.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.id_token())
    }

    /// The body Pub/Sub posts (wrapped message, both id spellings, as Pub/Sub sends them).
    pub fn body(&self) -> Vec<u8> {
        let publish_time = rfc3339(super::now_ms());
        json!({
            "message": {
                "attributes": {},
                "data": STANDARD.encode(self.notification.to_string()),
                "messageId": self.message_id,
                "message_id": self.message_id,
                "publishTime": publish_time,
                "publish_time": publish_time,
            },
            "subscription": self.subscription,
        })
        .to_string()
        .into_bytes()
    }

    /// `(Authorization header value, body)`: the request Pub/Sub makes.
    pub fn sign(&self) -> (String, Vec<u8>) {
        (self.authorization(), self.body())
    }
}

/// A `DeveloperNotification` with a `subscriptionNotification` of `kind` for
/// `purchase_token` (Google sends `eventTimeMillis` as a string).
pub fn subscription_notification(
    package_name: &str,
    kind: SubscriptionNotificationType,
    purchase_token: &str,
    event_time_ms: i64,
) -> Value {
    json!({
        "version": "1.0",
        "packageName": package_name,
        "eventTimeMillis": event_time_ms.to_string(),
        "subscriptionNotification": {
            "version": "1.0",
            "notificationType": i64::from(kind),
            "purchaseToken": purchase_token,
        },
    })
}

/// A `DeveloperNotification` with a `testNotification` (the Play Console's test button).
pub fn test_notification(package_name: &str, event_time_ms: i64) -> Value {
    json!({
        "version": "1.0",
        "packageName": package_name,
        "eventTimeMillis": event_time_ms.to_string(),
        "testNotification": {"version": "1.0"},
    })
}

/// A `DeveloperNotification` with a `voidedPurchaseNotification` of a subscription
/// (`productType` 1) refunded in full (`refundType` 1).
pub fn voided_subscription_notification(
    package_name: &str,
    purchase_token: &str,
    order_id: &str,
    event_time_ms: i64,
) -> Value {
    json!({
        "version": "1.0",
        "packageName": package_name,
        "eventTimeMillis": event_time_ms.to_string(),
        "voidedPurchaseNotification": {
            "purchaseToken": purchase_token,
            "orderId": order_id,
            "productType": 1,
            "refundType": 1,
        },
    })
}

/// A `DeveloperNotification` with a `oneTimeProductNotification` (purchased, type 1).
pub fn one_time_product_notification(
    package_name: &str,
    purchase_token: &str,
    sku: &str,
    event_time_ms: i64,
) -> Value {
    json!({
        "version": "1.0",
        "packageName": package_name,
        "eventTimeMillis": event_time_ms.to_string(),
        "oneTimeProductNotification": {
            "version": "1.0",
            "notificationType": 1,
            "purchaseToken": purchase_token,
            "sku": sku,
        },
    })
}

/// `SubscriptionPurchaseV2.subscriptionState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PurchaseState {
    /// `SUBSCRIPTION_STATE_PENDING`: awaiting the first payment.
    Pending,
    /// `SUBSCRIPTION_STATE_ACTIVE`.
    Active,
    /// `SUBSCRIPTION_STATE_PAUSED`.
    Paused,
    /// `SUBSCRIPTION_STATE_IN_GRACE_PERIOD`.
    InGracePeriod,
    /// `SUBSCRIPTION_STATE_ON_HOLD`.
    OnHold,
    /// `SUBSCRIPTION_STATE_CANCELED`: auto-renew off, paid until expiry.
    Canceled,
    /// `SUBSCRIPTION_STATE_EXPIRED`.
    Expired,
    /// `SUBSCRIPTION_STATE_PENDING_PURCHASE_CANCELED`.
    PendingPurchaseCanceled,
}

impl PurchaseState {
    /// Google's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PurchaseState::Pending => "SUBSCRIPTION_STATE_PENDING",
            PurchaseState::Active => "SUBSCRIPTION_STATE_ACTIVE",
            PurchaseState::Paused => "SUBSCRIPTION_STATE_PAUSED",
            PurchaseState::InGracePeriod => "SUBSCRIPTION_STATE_IN_GRACE_PERIOD",
            PurchaseState::OnHold => "SUBSCRIPTION_STATE_ON_HOLD",
            PurchaseState::Canceled => "SUBSCRIPTION_STATE_CANCELED",
            PurchaseState::Expired => "SUBSCRIPTION_STATE_EXPIRED",
            PurchaseState::PendingPurchaseCanceled => {
                "SUBSCRIPTION_STATE_PENDING_PURCHASE_CANCELED"
            }
        }
    }
}

/// A subscription purchase as `purchases.subscriptionsv2.get` answers it, from the fields
/// a test cares about. Fields are public and setters chain.
///
/// Defaults: unacknowledged, auto-renewing unless the state says otherwise, no external
/// account id, not a test purchase, a fresh order id, started 30 days before expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    /// `subscriptionState`.
    pub state: PurchaseState,
    /// The line item's `productId`.
    pub product_id: String,
    /// The line item's `expiryTime`, ms.
    pub expiry_ms: i64,
    /// `externalAccountIdentifiers.obfuscatedExternalAccountId` (the app sets it to the
    /// user's id; how the host finds the user).
    pub account_id: Option<String>,
    /// `acknowledgementState`: `…_ACKNOWLEDGED` or `…_PENDING`.
    pub acknowledged: bool,
    /// The line item's `autoRenewingPlan.autoRenewEnabled`.
    pub auto_renew: bool,
    /// `linkedPurchaseToken`: the purchase this one replaced (upgrade, resubscribe).
    pub linked_purchase_token: Option<String>,
    /// Whether `testPurchase` is present (a license tester's purchase).
    pub test_purchase: bool,
    /// `latestOrderId`.
    pub order_id: String,
    /// `startTime`, ms.
    pub start_ms: i64,
}

impl Purchase {
    /// A purchase of `product_id` in `state`, expiring at `expiry_ms`.
    pub fn new(state: PurchaseState, product_id: &str, expiry_ms: i64) -> Self {
        Purchase {
            state,
            product_id: product_id.to_string(),
            expiry_ms,
            account_id: None,
            acknowledged: false,
            auto_renew: matches!(
                state,
                PurchaseState::Active | PurchaseState::InGracePeriod | PurchaseState::OnHold
            ),
            linked_purchase_token: None,
            test_purchase: false,
            order_id: random_decimal("GPA.3312-4455-6677-", 5),
            start_ms: expiry_ms - super::DAY_MS * 30,
        }
    }

    /// An active, auto-renewing purchase of `product_id` until `expiry_ms`.
    pub fn active(product_id: &str, expiry_ms: i64) -> Self {
        Purchase::new(PurchaseState::Active, product_id, expiry_ms)
    }

    /// Sets `subscriptionState`.
    #[must_use]
    pub fn state(mut self, state: PurchaseState) -> Self {
        self.state = state;
        self
    }

    /// Sets `obfuscatedExternalAccountId`.
    #[must_use]
    pub fn account_id(mut self, id: &str) -> Self {
        self.account_id = Some(id.to_string());
        self
    }

    /// Sets `acknowledgementState`.
    #[must_use]
    pub fn acknowledged(mut self, acknowledged: bool) -> Self {
        self.acknowledged = acknowledged;
        self
    }

    /// Sets `autoRenewEnabled`.
    #[must_use]
    pub fn auto_renew(mut self, renews: bool) -> Self {
        self.auto_renew = renews;
        self
    }

    /// Sets the line item's `expiryTime` (ms).
    #[must_use]
    pub fn expiry_ms(mut self, ms: i64) -> Self {
        self.expiry_ms = ms;
        self
    }

    /// Sets `linkedPurchaseToken`.
    #[must_use]
    pub fn linked_purchase_token(mut self, token: &str) -> Self {
        self.linked_purchase_token = Some(token.to_string());
        self
    }

    /// Marks it a license tester's purchase (`testPurchase: {}`).
    #[must_use]
    pub fn test_purchase(mut self, test: bool) -> Self {
        self.test_purchase = test;
        self
    }

    /// The `SubscriptionPurchaseV2` JSON Google answers.
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "kind": "androidpublisher#subscriptionPurchaseV2",
            "regionCode": "US",
            "lineItems": [{
                "productId": self.product_id,
                "expiryTime": rfc3339(self.expiry_ms),
                "autoRenewingPlan": {
                    "autoRenewEnabled": self.auto_renew,
                    "recurringPrice": {"currencyCode": "USD", "units": "9", "nanos": 990_000_000},
                },
                "offerDetails": {"basePlanId": "monthly", "offerTags": []},
                "latestSuccessfulOrderId": self.order_id,
            }],
            "startTime": rfc3339(self.start_ms),
            "subscriptionState": self.state.as_str(),
            "latestOrderId": self.order_id,
            "acknowledgementState": if self.acknowledged {
                "ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED"
            } else {
                "ACKNOWLEDGEMENT_STATE_PENDING"
            },
        });
        if let Some(id) = &self.account_id {
            body["externalAccountIdentifiers"] = json!({"obfuscatedExternalAccountId": id});
        }
        if let Some(token) = &self.linked_purchase_token {
            body["linkedPurchaseToken"] = json!(token);
        }
        if self.test_purchase {
            body["testPurchase"] = json!({});
        }
        if self.state == PurchaseState::Canceled {
            body["canceledStateContext"] = json!({"userInitiatedCancellation": {}});
        }
        body
    }
}

/// RFC 3339 with milliseconds, UTC, as Google prints times.
fn rfc3339(ms: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// One request the double answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// `GET`, `POST`.
    pub method: String,
    /// The request path (as sent, percent-encoding kept).
    pub path: String,
    /// The status the double answered.
    pub status: u16,
}

/// One successful `purchases.subscriptions.acknowledge`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledgement {
    /// The package in the path.
    pub package_name: String,
    /// The subscription (product) id in the path.
    pub product_id: String,
    /// The purchase token.
    pub purchase_token: String,
}

struct Shared {
    base: String,
    package_name: String,
    access_token: String,
    published: Mutex<Vec<SigningKey>>,
    jwks_down: AtomicBool,
    /// purchase token → (status, body) the subscriptionsv2 endpoint answers.
    purchases: Mutex<HashMap<String, (u16, Value)>>,
    calls: Mutex<Vec<Call>>,
    acks: Mutex<Vec<Acknowledgement>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A local double of Google's JWKS, OAuth token endpoint and Play Developer API (see the
/// module docs). The server runs on the current tokio runtime until the double is dropped.
pub struct GoogleDouble {
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for GoogleDouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleDouble")
            .field("base", &self.shared.base)
            .field("package_name", &self.shared.package_name)
            .finish_non_exhaustive()
    }
}

impl Drop for GoogleDouble {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl GoogleDouble {
    /// Starts the double for the app `package_name` on 127.0.0.1 (a random port),
    /// publishing [`SigningKey::Primary`] and knowing no purchases.
    ///
    /// # Panics
    /// If it cannot bind a local port.
    pub async fn start(package_name: &str) -> GoogleDouble {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("the double's address");
        // Keys first: the first push or token request must not wait for RSA generation.
        let _ = keys();
        let shared = Arc::new(Shared {
            base: format!("http://{addr}"),
            package_name: package_name.to_string(),
            access_token: format!("ya29.test-{}", random_uuid()),
            published: Mutex::new(vec![SigningKey::Primary]),
            jwks_down: AtomicBool::new(false),
            purchases: Mutex::new(HashMap::new()),
            calls: Mutex::new(Vec::new()),
            acks: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route(JWKS_PATH, get(jwks))
            .route(TOKEN_PATH, post(token))
            .route(
                "/androidpublisher/v3/applications/{package}/purchases/subscriptionsv2/tokens/{token}",
                get(subscription_v2),
            )
            .route(
                "/androidpublisher/v3/applications/{package}/purchases/subscriptions/{product}/tokens/{token}",
                post(acknowledge),
            )
            .layer(middleware::from_fn_with_state(shared.clone(), record))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        GoogleDouble { shared, task }
    }

    /// `http://127.0.0.1:<port>`: the Play Developer API base (the host's
    /// `--google-api-base`, [`PlayApiConfig::api_base`]).
    pub fn base_url(&self) -> &str {
        &self.shared.base
    }

    /// The JWKS URL (the host's `--google-jwks-url`, [`GooglePushConfig::jwks_url`]).
    pub fn jwks_url(&self) -> String {
        format!("{}{JWKS_PATH}", self.shared.base)
    }

    /// The OAuth token endpoint (the service-account key's `token_uri`).
    pub fn token_uri(&self) -> String {
        format!("{}{TOKEN_PATH}", self.shared.base)
    }

    /// The app the double answers for.
    pub fn package_name(&self) -> &str {
        &self.shared.package_name
    }

    /// The service-account key file as the Cloud console downloads it, with `token_uri`
    /// pointing at the double (the host's `--google-service-account`).
    pub fn service_account_json(&self) -> String {
        json!({
            "type": "service_account",
            "project_id": "kalei-test",
            "private_key_id": "0123456789abcdef0123456789abcdef01234567",
            "private_key": pkcs8_pem(&keys().service_account),
            "client_email": SERVICE_ACCOUNT_EMAIL,
            "client_id": "100000000000000000001",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.token_uri(),
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/play-api%40kalei-test.iam.gserviceaccount.com",
            "universe_domain": "googleapis.com",
        })
        .to_string()
    }

    /// Writes [`GoogleDouble::service_account_json`] to `path`.
    pub fn write_service_account(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        std::fs::write(path, self.service_account_json())
    }

    /// The service-account key, parsed.
    ///
    /// # Panics
    /// Never: the JSON is the double's own.
    pub fn service_account_key(&self) -> ServiceAccountKey {
        ServiceAccountKey::from_json(&self.service_account_json()).expect("the double's key file")
    }

    /// A [`PlayApiConfig`] reading from the double.
    pub fn play_api_config(&self) -> PlayApiConfig {
        PlayApiConfig {
            api_base: self.shared.base.clone(),
            ..PlayApiConfig::new(self.service_account_key())
        }
    }

    /// A [`GooglePushConfig`] for the double's package and `audience`, fetching keys from
    /// the double and expecting [`DEFAULT_PUSH_EMAIL`].
    pub fn push_config(&self, audience: &str) -> GooglePushConfig {
        GooglePushConfig {
            service_account_email: Some(DEFAULT_PUSH_EMAIL.to_string()),
            jwks_url: self.jwks_url(),
            ..GooglePushConfig::new(self.shared.package_name.clone(), audience)
        }
    }

    /// What `purchases.subscriptionsv2.get` answers for `token` from now on (200).
    pub fn set_purchase(&self, token: &str, purchase: &Purchase) {
        self.set_purchase_json(token, purchase.to_json());
    }

    /// Answers `body` (200) for `token`, for shapes [`Purchase`] does not make.
    pub fn set_purchase_json(&self, token: &str, body: Value) {
        lock(&self.shared.purchases).insert(token.to_string(), (200, body));
    }

    /// Answers Google's error shape with `status` (e.g. 500, 410) for `token`.
    pub fn fail_purchase(&self, token: &str, status: u16) {
        lock(&self.shared.purchases).insert(token.to_string(), (status, Value::Null));
    }

    /// Forgets `token`: the API answers 404 for it.
    pub fn remove_purchase(&self, token: &str) {
        lock(&self.shared.purchases).remove(token);
    }

    /// What the API answers for `token` now (200 answers only).
    pub fn purchase(&self, token: &str) -> Option<Value> {
        match lock(&self.shared.purchases).get(token) {
            Some((200, body)) => Some(body.clone()),
            _ => None,
        }
    }

    /// Publishes exactly `keys` in the JWKS (a rotation: both, then the new one).
    pub fn publish_keys(&self, keys: &[SigningKey]) {
        *lock(&self.shared.published) = keys.to_vec();
    }

    /// While `down`, the JWKS answers 503.
    pub fn set_jwks_down(&self, down: bool) {
        self.shared.jwks_down.store(down, Ordering::SeqCst);
    }

    /// Every request so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        lock(&self.shared.calls).clone()
    }

    /// Every successful acknowledgement so far, in order.
    pub fn acknowledgements(&self) -> Vec<Acknowledgement> {
        lock(&self.shared.acks).clone()
    }

    /// How many times the JWKS was fetched.
    pub fn jwks_fetches(&self) -> usize {
        self.count(|c| c.path == JWKS_PATH)
    }

    /// How many access tokens were asked for.
    pub fn token_requests(&self) -> usize {
        self.count(|c| c.path == TOKEN_PATH)
    }

    /// How many times a purchase was read (`subscriptionsv2.get`).
    pub fn purchase_reads(&self) -> usize {
        self.count(|c| c.path.contains("/purchases/subscriptionsv2/tokens/"))
    }

    fn count(&self, which: impl Fn(&Call) -> bool) -> usize {
        lock(&self.shared.calls).iter().filter(|c| which(c)).count()
    }
}

async fn record(State(d): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    lock(&d.calls).push(Call {
        method,
        path,
        status: response.status().as_u16(),
    });
    response
}

async fn jwks(State(d): State<Arc<Shared>>) -> Response {
    if d.jwks_down.load(Ordering::SeqCst) {
        return google_error(503, "Service Unavailable");
    }
    let keys: Vec<Value> = lock(&d.published).iter().map(|k| k.jwk()).collect();
    Json(json!({ "keys": keys })).into_response()
}

/// Google's token endpoint: only a JWT-bearer grant whose assertion is signed by the
/// service account's key, issued by it, for this endpoint, with the Play scope, for at
/// most an hour.
async fn token(
    State(d): State<Arc<Shared>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let refuse = |why: String| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant", "error_description": why})),
        )
            .into_response()
    };
    if form.get("grant_type").map(String::as_str) != Some(JWT_BEARER_GRANT) {
        return refuse(format!("grant_type {:?}", form.get("grant_type")));
    }
    let Some(assertion) = form.get("assertion") else {
        return refuse("no assertion".into());
    };
    let sa = &keys().service_account;
    let key = DecodingKey::from_rsa_raw_components(&sa.n().to_bytes_be(), &sa.e().to_bytes_be());
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[format!("{}{TOKEN_PATH}", d.base)]);
    validation.set_issuer(&[SERVICE_ACCOUNT_EMAIL]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud"]);
    let claims = match jsonwebtoken::decode::<Value>(assertion, &key, &validation) {
        Ok(data) => data.claims,
        Err(e) => return refuse(format!("assertion: {e:?}")),
    };
    if claims["scope"] != ANDROIDPUBLISHER_SCOPE {
        return refuse(format!("scope {}", claims["scope"]));
    }
    if claims["exp"].as_i64().unwrap_or(0) - claims["iat"].as_i64().unwrap_or(0) > 3600 {
        return refuse("assertion lives longer than an hour".into());
    }
    Json(json!({"access_token": d.access_token, "expires_in": 3599, "token_type": "Bearer"}))
        .into_response()
}

fn authorized(d: &Shared, headers: &HeaderMap) -> bool {
    let expected = format!("Bearer {}", d.access_token);
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(expected.as_str())
}

async fn subscription_v2(
    State(d): State<Arc<Shared>>,
    UrlPath((package, token)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if !authorized(&d, &headers) {
        return google_error(401, "Request had invalid authentication credentials.");
    }
    if package != d.package_name {
        return google_error(404, "No application was found for the given package name.");
    }
    match lock(&d.purchases).get(&token) {
        Some((200, body)) => Json(body.clone()).into_response(),
        Some((status, _)) => google_error(*status, "Backend Error"),
        None => google_error(404, "The purchase token was not found."),
    }
}

async fn acknowledge(
    State(d): State<Arc<Shared>>,
    UrlPath((package, product, token)): UrlPath<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    if !authorized(&d, &headers) {
        return google_error(401, "Request had invalid authentication credentials.");
    }
    let Some(token) = token.strip_suffix(":acknowledge") else {
        return google_error(404, "Method not found.");
    };
    if package != d.package_name {
        return google_error(404, "No application was found for the given package name.");
    }
    let mut purchases = lock(&d.purchases);
    let Some((200, body)) = purchases.get_mut(token) else {
        return google_error(404, "The purchase token was not found.");
    };
    if body
        .pointer("/lineItems/0/productId")
        .and_then(Value::as_str)
        != Some(product.as_str())
    {
        return google_error(400, "The subscription id does not match the purchase.");
    }
    body["acknowledgementState"] = json!("ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED");
    drop(purchases);
    lock(&d.acks).push(Acknowledgement {
        package_name: package,
        product_id: product,
        purchase_token: token.to_string(),
    });
    StatusCode::NO_CONTENT.into_response()
}

/// Google's JSON error shape.
fn google_error(status: u16, message: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        code,
        Json(json!({"error": {"code": status, "message": message, "status": "ERROR"}})),
    )
        .into_response()
}
