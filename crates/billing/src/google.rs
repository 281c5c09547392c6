//! Google Play real-time developer notifications, delivered by Cloud Pub/Sub push.
//!
//! Pub/Sub authenticates a push with `Authorization: Bearer <OIDC ID token>`, an RS256 JWT
//! Google signs for the push subscription's service account. [`GooglePushVerifier`] checks
//! it against Google's JWKS (cached, refetched when an unknown `kid` shows up, as happens
//! when Google rotates keys), then decodes the base64 `message.data` into a
//! [`DeveloperNotification`]. A notification only says *that* a purchase changed; the state
//! is read from the Play Developer API ([`crate::play_api`]), and [`GoogleBilling`] does
//! both.

use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Deserializer, Serialize};
use tokio::sync::Mutex;

use crate::error::{BillingError, Result};
use crate::jws::{self, B64STD};
use crate::play_api::{PlayApiConfig, PlayDeveloperApi, SubscriptionPurchaseV2};
use crate::update::{Environment, Outcome, Store, SubscriptionStatus, SubscriptionUpdate};

/// Google's JWKS for the OIDC tokens Pub/Sub attaches.
pub const GOOGLE_JWKS_URL: &str = "https://www.googleapis.com/oauth2/v3/certs";
/// The two spellings of Google's issuer that its ID tokens carry.
pub const GOOGLE_ISSUERS: [&str; 2] = ["accounts.google.com", "https://accounts.google.com"];

/// What a [`GooglePushVerifier`] expects of a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GooglePushConfig {
    /// The app's package name (`com.kalei.app`); notifications for others are refused.
    pub package_name: String,
    /// The `aud` the push subscription was configured with (by default the push endpoint
    /// URL, e.g. `https://api.example.com/api/v1/billing/webhooks/google`).
    pub audience: String,
    /// The push subscription's service account (`email` claim). When set, the token must
    /// carry it with `email_verified: true`, so only our subscription can push here, not any
    /// Google-signed token for the same audience.
    pub service_account_email: Option<String>,
    /// Where Google's signing keys are: [`GOOGLE_JWKS_URL`].
    pub jwks_url: String,
    /// How long fetched keys are trusted before a refetch (Google rotates daily-ish and
    /// serves old keys for a while; an hour is plenty).
    pub jwks_ttl: Duration,
    /// The least time between two refetches caused by an unknown `kid`, so a stream of
    /// forged tokens with random `kid`s cannot make this server hammer Google.
    pub jwks_min_refetch: Duration,
    /// Clock skew tolerated on `exp` / `iat`.
    pub leeway: Duration,
    /// Timeout of one JWKS fetch.
    pub http_timeout: Duration,
}

impl GooglePushConfig {
    /// Google's JWKS, a one-hour key cache, at most one unknown-`kid` refetch per minute,
    /// 60 s leeway, 10 s timeout.
    pub fn new(package_name: impl Into<String>, audience: impl Into<String>) -> Self {
        GooglePushConfig {
            package_name: package_name.into(),
            audience: audience.into(),
            service_account_email: None,
            jwks_url: GOOGLE_JWKS_URL.to_string(),
            jwks_ttl: Duration::from_secs(3600),
            jwks_min_refetch: Duration::from_secs(60),
            leeway: Duration::from_secs(60),
            http_timeout: Duration::from_secs(10),
        }
    }
}

/// `DeveloperNotification`: the decoded `message.data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeveloperNotification {
    /// `1.0`.
    pub version: Option<String>,
    /// The app's package name.
    pub package_name: String,
    /// When the event happened, ms since the epoch (Google sends it as a JSON string).
    #[serde(deserialize_with = "int_or_string")]
    pub event_time_millis: i64,
    /// Present for subscription events.
    pub subscription_notification: Option<SubscriptionNotification>,
    /// Present for one-time product events.
    pub one_time_product_notification: Option<OneTimeProductNotification>,
    /// Present when a purchase was voided (refund, chargeback, revocation).
    pub voided_purchase_notification: Option<VoidedPurchaseNotification>,
    /// Present for a test notification from the Play Console.
    pub test_notification: Option<TestNotification>,
}

/// `SubscriptionNotification`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionNotification {
    /// `1.0`.
    pub version: Option<String>,
    /// What happened.
    pub notification_type: SubscriptionNotificationType,
    /// The purchase token: the subscription's id on our side.
    pub purchase_token: String,
    /// The subscription product id (Google no longer promises it; the API's line items are
    /// authoritative).
    pub subscription_id: Option<String>,
}

/// `SubscriptionNotification.notificationType`, Google's numeric codes named as Google
/// documents them. Unknown codes survive as [`SubscriptionNotificationType::Unknown`] so a
/// code Google adds later still reads the state from the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "i64", into = "i64")]
pub enum SubscriptionNotificationType {
    /// (1) Recovered from account hold, or resumed from a pause.
    Recovered,
    /// (2) An active subscription renewed.
    Renewed,
    /// (3) Cancelled, voluntarily or not; access continues until expiry.
    Canceled,
    /// (4) A new subscription was purchased.
    Purchased,
    /// (5) Entered account hold.
    OnHold,
    /// (6) Entered the grace period.
    InGracePeriod,
    /// (7) The user restored a cancelled subscription before it expired.
    Restarted,
    /// (8) The user confirmed a price change (deprecated).
    PriceChangeConfirmed,
    /// (9) The renewal time was deferred.
    Deferred,
    /// (10) Paused.
    Paused,
    /// (11) The pause schedule changed.
    PauseScheduleChanged,
    /// (12) Revoked before its expiry time (refund or chargeback).
    Revoked,
    /// (13) Expired.
    Expired,
    /// (17) Items of the subscription changed.
    ItemsChanged,
    /// (18) Cancellation scheduled.
    CancellationScheduled,
    /// (19) A price change was updated.
    PriceChangeUpdated,
    /// (20) A pending purchase was cancelled.
    PendingPurchaseCanceled,
    /// A code this crate does not name yet.
    Unknown(i64),
}

impl From<i64> for SubscriptionNotificationType {
    fn from(code: i64) -> Self {
        use SubscriptionNotificationType::*;
        match code {
            1 => Recovered,
            2 => Renewed,
            3 => Canceled,
            4 => Purchased,
            5 => OnHold,
            6 => InGracePeriod,
            7 => Restarted,
            8 => PriceChangeConfirmed,
            9 => Deferred,
            10 => Paused,
            11 => PauseScheduleChanged,
            12 => Revoked,
            13 => Expired,
            17 => ItemsChanged,
            18 => CancellationScheduled,
            19 => PriceChangeUpdated,
            20 => PendingPurchaseCanceled,
            other => Unknown(other),
        }
    }
}

impl From<SubscriptionNotificationType> for i64 {
    fn from(t: SubscriptionNotificationType) -> i64 {
        use SubscriptionNotificationType::*;
        match t {
            Recovered => 1,
            Renewed => 2,
            Canceled => 3,
            Purchased => 4,
            OnHold => 5,
            InGracePeriod => 6,
            Restarted => 7,
            PriceChangeConfirmed => 8,
            Deferred => 9,
            Paused => 10,
            PauseScheduleChanged => 11,
            Revoked => 12,
            Expired => 13,
            ItemsChanged => 17,
            CancellationScheduled => 18,
            PriceChangeUpdated => 19,
            PendingPurchaseCanceled => 20,
            Unknown(code) => code,
        }
    }
}

impl SubscriptionNotificationType {
    /// Google's constant name (`SUBSCRIPTION_RENEWED`), as logged and stored in
    /// [`SubscriptionUpdate::notification_type`].
    pub fn name(self) -> String {
        use SubscriptionNotificationType::*;
        let name = match self {
            Recovered => "SUBSCRIPTION_RECOVERED",
            Renewed => "SUBSCRIPTION_RENEWED",
            Canceled => "SUBSCRIPTION_CANCELED",
            Purchased => "SUBSCRIPTION_PURCHASED",
            OnHold => "SUBSCRIPTION_ON_HOLD",
            InGracePeriod => "SUBSCRIPTION_IN_GRACE_PERIOD",
            Restarted => "SUBSCRIPTION_RESTARTED",
            PriceChangeConfirmed => "SUBSCRIPTION_PRICE_CHANGE_CONFIRMED",
            Deferred => "SUBSCRIPTION_DEFERRED",
            Paused => "SUBSCRIPTION_PAUSED",
            PauseScheduleChanged => "SUBSCRIPTION_PAUSE_SCHEDULE_CHANGED",
            Revoked => "SUBSCRIPTION_REVOKED",
            Expired => "SUBSCRIPTION_EXPIRED",
            ItemsChanged => "SUBSCRIPTION_ITEMS_CHANGED",
            CancellationScheduled => "SUBSCRIPTION_CANCELLATION_SCHEDULED",
            PriceChangeUpdated => "SUBSCRIPTION_PRICE_CHANGE_UPDATED",
            PendingPurchaseCanceled => "SUBSCRIPTION_PENDING_PURCHASE_CANCELED",
            Unknown(code) => return format!("SUBSCRIPTION_NOTIFICATION_{code}"),
        };
        name.to_string()
    }
}

/// `OneTimeProductNotification`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OneTimeProductNotification {
    /// `1.0`.
    pub version: Option<String>,
    /// 1 purchased, 2 cancelled.
    pub notification_type: i64,
    /// The purchase token.
    pub purchase_token: String,
    /// The product's SKU.
    pub sku: Option<String>,
}

/// `VoidedPurchaseNotification`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoidedPurchaseNotification {
    /// The voided purchase's token.
    pub purchase_token: String,
    /// The voided order.
    pub order_id: Option<String>,
    /// 1 subscription, 2 one-time product.
    pub product_type: i64,
    /// 1 full refund, 2 quantity-based partial refund.
    pub refund_type: Option<i64>,
}

/// `TestNotification`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestNotification {
    /// `1.0`.
    pub version: Option<String>,
}

fn int_or_string<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum IntOrString {
        Int(i64),
        String(String),
    }
    match IntOrString::deserialize(d)? {
        IntOrString::Int(n) => Ok(n),
        IntOrString::String(s) => s.parse().map_err(serde::de::Error::custom),
    }
}

/// A verified push: Pub/Sub's envelope and the decoded notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GooglePush {
    /// Pub/Sub `message.messageId`, unique per published message (a redelivery keeps it).
    pub message_id: String,
    /// Pub/Sub `message.publishTime` (RFC 3339).
    pub publish_time: Option<String>,
    /// The push subscription's name (`projects/…/subscriptions/…`).
    pub subscription: Option<String>,
    /// The decoded `message.data`.
    pub notification: DeveloperNotification,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PushBody {
    message: Option<PushMessage>,
    subscription: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PushMessage {
    data: Option<String>,
    message_id: Option<String>,
    publish_time: Option<String>,
}

#[derive(Deserialize)]
struct IdTokenClaims {
    exp: i64,
    iat: Option<i64>,
    email: Option<String>,
    email_verified: Option<bool>,
}

#[derive(Default)]
struct KeyCache {
    keys: Option<JwkSet>,
    /// Last successful fetch: the TTL runs from here.
    fetched_at: Option<Instant>,
    /// Last fetch attempt, successful or not: refetches are spaced by `jwks_min_refetch`
    /// from here, so neither forged `kid`s nor an outage at Google turn every push into
    /// a request to Google.
    attempted_at: Option<Instant>,
}

/// Verifies Pub/Sub pushes; holds the JWKS cache, so build one and share it.
pub struct GooglePushVerifier {
    config: GooglePushConfig,
    http: reqwest::Client,
    cache: Mutex<KeyCache>,
}

impl std::fmt::Debug for GooglePushVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GooglePushVerifier")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl GooglePushVerifier {
    /// What this verifier expects (the package name the host also acknowledges under).
    pub fn config(&self) -> &GooglePushConfig {
        &self.config
    }

    /// Builds the verifier and its HTTP client; nothing is fetched until the first push.
    pub fn new(config: GooglePushConfig) -> Result<Self> {
        if config.package_name.is_empty() || config.audience.is_empty() {
            return Err(BillingError::Config(
                "package name and audience must be set".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(config.http_timeout)
            .build()
            .map_err(|e| BillingError::Config(format!("HTTP client: {e}")))?;
        Ok(GooglePushVerifier {
            config,
            http,
            cache: Mutex::new(KeyCache::default()),
        })
    }

    /// Verifies one push at time `now`: the `Authorization` header's value (`Bearer …`),
    /// then the body, then the package name.
    pub async fn verify_push(
        &self,
        authorization: Option<&str>,
        body: &[u8],
        now: SystemTime,
    ) -> Result<GooglePush> {
        let token = authorization
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                BillingError::unauthenticated("missing `Authorization: Bearer` token")
            })?;
        self.verify_token(token, now).await?;

        let body: PushBody = serde_json::from_slice(body).map_err(|e| {
            BillingError::malformed("message", format!("body is not a Pub/Sub push: {e}"))
        })?;
        let message = body
            .message
            .ok_or_else(|| BillingError::malformed("message", "missing"))?;
        let message_id = message
            .message_id
            .ok_or_else(|| BillingError::malformed("message.messageId", "missing"))?;
        let data = message
            .data
            .ok_or_else(|| BillingError::malformed("message.data", "missing"))?;
        let data = B64STD
            .decode(data.trim())
            .map_err(|e| BillingError::malformed("message.data", format!("not base64: {e}")))?;
        let notification: DeveloperNotification = serde_json::from_slice(&data)
            .map_err(|e| BillingError::malformed("message.data", e))?;
        if notification.package_name != self.config.package_name {
            return Err(BillingError::WrongApp {
                field: "packageName".into(),
                expected: self.config.package_name.clone(),
                actual: notification.package_name,
            });
        }
        Ok(GooglePush {
            message_id,
            publish_time: message.publish_time,
            subscription: body.subscription,
            notification,
        })
    }

    async fn verify_token(&self, token: &str, now: SystemTime) -> Result<()> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| BillingError::unauthenticated(format!("bearer token header: {e}")))?;
        if header.alg != Algorithm::RS256 {
            return Err(BillingError::unauthenticated(format!(
                "bearer token alg must be RS256, got {:?}",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| BillingError::unauthenticated("bearer token has no kid"))?;
        let key = self.key_for(&kid).await?;

        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&GOOGLE_ISSUERS);
        validation.set_audience(&[self.config.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        // Time is checked below against the caller's clock, not jsonwebtoken's.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let claims = jsonwebtoken::decode::<IdTokenClaims>(token, &key, &validation)
            .map_err(|e| BillingError::unauthenticated(format!("bearer token: {e}")))?
            .claims;

        let now = jws::unix_secs(now);
        let leeway = i64::try_from(self.config.leeway.as_secs()).unwrap_or(0);
        if claims.exp.saturating_add(leeway) < now {
            return Err(BillingError::unauthenticated(format!(
                "bearer token expired at {} (now {now})",
                claims.exp
            )));
        }
        if claims
            .iat
            .is_some_and(|iat| iat > now.saturating_add(leeway))
        {
            return Err(BillingError::unauthenticated(
                "bearer token issued in the future",
            ));
        }
        if let Some(expected) = &self.config.service_account_email {
            if claims.email.as_deref() != Some(expected.as_str()) {
                return Err(BillingError::unauthenticated(format!(
                    "bearer token email {:?} is not the push service account",
                    claims.email
                )));
            }
            if claims.email_verified != Some(true) {
                return Err(BillingError::unauthenticated(
                    "bearer token email is not verified",
                ));
            }
        }
        Ok(())
    }

    /// The key for `kid`: from the cache while fresh, else refetched; an unknown `kid`
    /// forces one refetch before giving up (rotation). Fetches are spaced by
    /// `jwks_min_refetch`; a failed fetch falls back to stale keys rather than refusing
    /// every push while Google's endpoint hiccups.
    async fn key_for(&self, kid: &str) -> Result<DecodingKey> {
        let mut cache = self.cache.lock().await;
        let fresh = cache
            .fetched_at
            .is_some_and(|t| t.elapsed() < self.config.jwks_ttl);
        let mut fetched_now = false;
        if !fresh && self.may_fetch(&cache) {
            fetched_now = true;
            if let Err(e) = self.refresh(&mut cache).await
                && cache.keys.is_none()
            {
                return Err(e);
            }
        }
        if cache.keys.is_none() {
            return Err(BillingError::Unavailable(
                "Google's JWKS could not be fetched; retry later".into(),
            ));
        }
        if let Some(key) = find_key(cache.keys.as_ref(), kid)? {
            return Ok(key);
        }
        if !fetched_now && self.may_fetch(&cache) {
            self.refresh(&mut cache).await?;
            if let Some(key) = find_key(cache.keys.as_ref(), kid)? {
                return Ok(key);
            }
        }
        Err(BillingError::unauthenticated(format!(
            "bearer token kid {kid:?} is not among Google's signing keys"
        )))
    }

    fn may_fetch(&self, cache: &KeyCache) -> bool {
        cache
            .attempted_at
            .is_none_or(|t| t.elapsed() >= self.config.jwks_min_refetch)
    }

    async fn refresh(&self, cache: &mut KeyCache) -> Result<()> {
        cache.attempted_at = Some(Instant::now());
        let keys = self.fetch_jwks().await?;
        cache.keys = Some(keys);
        cache.fetched_at = Some(Instant::now());
        Ok(())
    }

    async fn fetch_jwks(&self) -> Result<JwkSet> {
        let response = self
            .http
            .get(&self.config.jwks_url)
            .send()
            .await
            .map_err(|e| BillingError::Unavailable(format!("fetching Google's JWKS: {e}")))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(BillingError::Upstream {
                status: status.as_u16(),
                message: format!("JWKS: {}", truncate(&body)),
            });
        }
        response
            .json::<JwkSet>()
            .await
            .map_err(|e| BillingError::Unavailable(format!("Google's JWKS is not a JWK set: {e}")))
    }
}

fn find_key(keys: Option<&JwkSet>, kid: &str) -> Result<Option<DecodingKey>> {
    let Some(jwk) = keys.and_then(|k| k.find(kid)) else {
        return Ok(None);
    };
    DecodingKey::from_jwk(jwk)
        .map(Some)
        .map_err(|e| BillingError::unauthenticated(format!("Google key {kid:?} is unusable: {e}")))
}

pub(crate) fn truncate(body: &str) -> String {
    const MAX: usize = 300;
    match body.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &body[..cut]),
        None => body.to_string(),
    }
}

/// The Google webhook end to end: verify the push, read the purchase's state from the Play
/// Developer API, normalise. Build one at startup and share it.
#[derive(Debug)]
pub struct GoogleBilling {
    /// The push verifier (JWKS cache inside).
    pub verifier: GooglePushVerifier,
    /// The Play Developer API client (access-token cache inside).
    pub api: PlayDeveloperApi,
}

impl GoogleBilling {
    /// Builds both halves.
    pub fn new(push: GooglePushConfig, api: PlayApiConfig) -> Result<Self> {
        Ok(GoogleBilling {
            verifier: GooglePushVerifier::new(push)?,
            api: PlayDeveloperApi::new(api)?,
        })
    }

    /// Handles `POST /billing/webhooks/google`: `authorization` is the request's
    /// `Authorization` header, `body` its bytes, `now` the verification time.
    ///
    /// A test notification and one-time products change nothing and call no API. A
    /// subscription notification reads `purchases.subscriptionsv2.get` and reports the state
    /// found there (a `SUBSCRIPTION_REVOKED` notification is reported as revoked, since the
    /// API only says "expired" afterwards). A voided subscription purchase is reported as
    /// revoked even when the API no longer knows the token.
    pub async fn handle(
        &self,
        authorization: Option<&str>,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Outcome> {
        let push = self.verifier.verify_push(authorization, body, now).await?;
        let n = &push.notification;
        let no_change = |kind: &str, reason: &str| Outcome::NoChange {
            store: Store::Google,
            notification_id: push.message_id.clone(),
            notification_type: kind.to_string(),
            reason: reason.to_string(),
        };
        if n.test_notification.is_some() {
            return Ok(Outcome::Test {
                store: Store::Google,
                notification_id: push.message_id.clone(),
            });
        }
        if let Some(sub) = &n.subscription_notification {
            let purchase = self
                .api
                .get_subscription_v2(&n.package_name, &sub.purchase_token)
                .await?;
            let kind = sub.notification_type.name();
            let revoked = sub.notification_type == SubscriptionNotificationType::Revoked;
            return Ok(
                match subscription_update(&push, &sub.purchase_token, &kind, &purchase, revoked) {
                    Some(update) => Outcome::Update(update),
                    None => no_change(
                        &kind,
                        "Play answered a subscription state this crate does not know",
                    ),
                },
            );
        }
        if let Some(voided) = &n.voided_purchase_notification {
            if voided.product_type != 1 {
                return Ok(no_change(
                    "VOIDED_PURCHASE",
                    "voided purchase is not a subscription",
                ));
            }
            let update = match self
                .api
                .get_subscription_v2(&n.package_name, &voided.purchase_token)
                .await
            {
                Ok(purchase) => subscription_update(
                    &push,
                    &voided.purchase_token,
                    "VOIDED_PURCHASE",
                    &purchase,
                    true,
                ),
                Err(BillingError::PurchaseNotFound { .. }) => None,
                Err(e) => return Err(e),
            };
            let update = update.unwrap_or_else(|| SubscriptionUpdate {
                store: Store::Google,
                notification_id: push.message_id.clone(),
                notification_type: "VOIDED_PURCHASE".into(),
                notification_subtype: None,
                subscription_id: voided.purchase_token.clone(),
                linked_subscription_id: None,
                transaction_id: voided.order_id.clone(),
                product_id: None,
                status: SubscriptionStatus::Revoked,
                expires_at_ms: None,
                will_renew: Some(false),
                account_token: None,
                environment: Environment::Production,
                event_time_ms: n.event_time_millis,
                acknowledged: None,
            });
            return Ok(Outcome::Update(update));
        }
        if n.one_time_product_notification.is_some() {
            return Ok(no_change(
                "ONE_TIME_PRODUCT",
                "one-time products are not subscriptions",
            ));
        }
        Ok(no_change(
            "UNKNOWN",
            "notification has no part this crate reads",
        ))
    }
}

/// Builds the normalised update from a verified push and the purchase the Play Developer
/// API returned for it; `None` when the API reported a state this crate cannot map
/// (`SUBSCRIPTION_STATE_UNSPECIFIED` or a new one). `revoked` forces
/// [`SubscriptionStatus::Revoked`] (revocation and voided-purchase notifications).
pub fn subscription_update(
    push: &GooglePush,
    purchase_token: &str,
    notification_type: &str,
    purchase: &SubscriptionPurchaseV2,
    revoked: bool,
) -> Option<SubscriptionUpdate> {
    let status = if revoked {
        SubscriptionStatus::Revoked
    } else {
        purchase.status()?
    };
    let item = purchase.current_line_item();
    Some(SubscriptionUpdate {
        store: Store::Google,
        notification_id: push.message_id.clone(),
        notification_type: notification_type.to_string(),
        notification_subtype: None,
        subscription_id: purchase_token.to_string(),
        linked_subscription_id: purchase.linked_purchase_token.clone(),
        transaction_id: purchase
            .latest_order_id
            .clone()
            .or_else(|| item.and_then(|i| i.latest_successful_order_id.clone())),
        product_id: item.and_then(|i| i.product_id.clone()).or_else(|| {
            push.notification
                .subscription_notification
                .as_ref()
                .and_then(|s| s.subscription_id.clone())
        }),
        status,
        expires_at_ms: item.and_then(|i| i.expiry_time_ms()),
        will_renew: if revoked {
            Some(false)
        } else {
            item.and_then(|i| i.auto_renewing_plan.as_ref())
                .and_then(|p| p.auto_renew_enabled)
        },
        account_token: purchase
            .external_account_identifiers
            .as_ref()
            .and_then(|ids| ids.obfuscated_external_account_id.clone()),
        environment: if purchase.test_purchase.is_some() {
            Environment::Sandbox
        } else {
            Environment::Production
        },
        event_time_ms: push.notification.event_time_millis,
        acknowledged: purchase
            .acknowledgement_state
            .as_deref()
            .map(|s| s == "ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED"),
    })
}
