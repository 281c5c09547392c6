//! The Google Play Developer API: reading a subscription purchase's state.
//!
//! Authenticated as a service account through OAuth 2.0's JWT-bearer grant (RFC 7523): an
//! RS256 JWT signed with the service account's key is exchanged at the token endpoint for
//! an access token, which is cached until shortly before it expires.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::error::{BillingError, Result};
use crate::google::truncate;
use crate::jws::{self, B64STD, B64URL};
use crate::update::SubscriptionStatus;

/// The Play Developer API's base URL.
pub const PLAY_API_BASE: &str = "https://androidpublisher.googleapis.com";
/// Google's OAuth 2.0 token endpoint.
pub const GOOGLE_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
/// The scope the Play Developer API requires.
pub const ANDROIDPUBLISHER_SCOPE: &str = "https://www.googleapis.com/auth/androidpublisher";
/// The JWT-bearer grant type (RFC 7523).
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// How long before its expiry a cached access token is replaced.
const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// The fields this crate uses from a service account's JSON key file (the one the Google
/// Cloud console downloads, granted access in the Play Console's "Users and permissions").
#[derive(Clone, Deserialize)]
pub struct ServiceAccountKey {
    /// The service account's email: the assertion's `iss`.
    pub client_email: String,
    /// PEM, PKCS#8 (`-----BEGIN PRIVATE KEY-----`) as Google issues it; PKCS#1 also read.
    pub private_key: String,
    /// The key's id, sent as the assertion's `kid`.
    pub private_key_id: Option<String>,
    /// Where to exchange the assertion; [`GOOGLE_TOKEN_URI`] in every key Google issues.
    pub token_uri: Option<String>,
}

impl std::fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the private key (config dumps, panics, logs).
        f.debug_struct("ServiceAccountKey")
            .field("client_email", &self.client_email)
            .field("private_key_id", &self.private_key_id)
            .field("token_uri", &self.token_uri)
            .finish_non_exhaustive()
    }
}

impl ServiceAccountKey {
    /// Reads the JSON key file's text.
    pub fn from_json(json: &str) -> Result<Self> {
        serde_json::from_str(json)
            .map_err(|e| BillingError::Config(format!("service account key: {e}")))
    }
}

/// How to reach and authenticate to the Play Developer API.
#[derive(Debug, Clone)]
pub struct PlayApiConfig {
    /// The service account.
    pub service_account: ServiceAccountKey,
    /// API base: [`PLAY_API_BASE`]; tests point it at a local double.
    pub api_base: String,
    /// Token endpoint, also the assertion's `aud`: the key's `token_uri`, else
    /// [`GOOGLE_TOKEN_URI`].
    pub token_uri: String,
    /// Timeout of one HTTP request.
    pub http_timeout: Duration,
}

impl PlayApiConfig {
    /// Google's endpoints and a 10 s timeout.
    pub fn new(service_account: ServiceAccountKey) -> Self {
        let token_uri = service_account
            .token_uri
            .clone()
            .unwrap_or_else(|| GOOGLE_TOKEN_URI.to_string());
        PlayApiConfig {
            service_account,
            api_base: PLAY_API_BASE.to_string(),
            token_uri,
            http_timeout: Duration::from_secs(10),
        }
    }
}

/// `SubscriptionPurchaseV2`, as `purchases.subscriptionsv2.get` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionPurchaseV2 {
    /// `androidpublisher#subscriptionPurchaseV2`.
    pub kind: Option<String>,
    /// Billing country (ISO 3166-1 alpha-2).
    pub region_code: Option<String>,
    /// One per item of the subscription.
    #[serde(default)]
    pub line_items: Vec<SubscriptionPurchaseLineItem>,
    /// When the subscription was granted (RFC 3339).
    pub start_time: Option<String>,
    /// `SUBSCRIPTION_STATE_ACTIVE`, `_IN_GRACE_PERIOD`, `_ON_HOLD`, `_PAUSED`, `_CANCELED`,
    /// `_EXPIRED`, `_PENDING`, `_PENDING_PURCHASE_CANCELED`.
    pub subscription_state: Option<String>,
    /// The latest order's id.
    pub latest_order_id: Option<String>,
    /// The token this purchase replaced (upgrade, downgrade, re-subscribe).
    pub linked_purchase_token: Option<String>,
    /// Present (as `{}`) for licence-tester purchases.
    pub test_purchase: Option<serde_json::Value>,
    /// `ACKNOWLEDGEMENT_STATE_PENDING` or `ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED`.
    pub acknowledgement_state: Option<String>,
    /// Ids the app attached at purchase.
    pub external_account_identifiers: Option<ExternalAccountIdentifiers>,
    /// Present when paused.
    pub paused_state_context: Option<serde_json::Value>,
    /// Present when cancelled.
    pub canceled_state_context: Option<serde_json::Value>,
}

/// `ExternalAccountIdentifiers`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalAccountIdentifiers {
    /// Set by the app at purchase (`setObfuscatedAccountId`): how the host finds the user.
    pub obfuscated_external_account_id: Option<String>,
    /// Set by the app at purchase (`setObfuscatedProfileId`).
    pub obfuscated_external_profile_id: Option<String>,
    /// Only for subscriptions bought outside the app.
    pub external_account_id: Option<String>,
}

/// `SubscriptionPurchaseLineItem`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionPurchaseLineItem {
    /// The subscription product id.
    pub product_id: Option<String>,
    /// End of the current period (RFC 3339).
    pub expiry_time: Option<String>,
    /// Present for auto-renewing base plans.
    pub auto_renewing_plan: Option<AutoRenewingPlan>,
    /// Base plan and offer.
    pub offer_details: Option<OfferDetails>,
    /// The latest successful order for this item.
    pub latest_successful_order_id: Option<String>,
}

impl SubscriptionPurchaseLineItem {
    /// `expiry_time` in ms since the epoch; `None` if absent or unparsable.
    pub fn expiry_time_ms(&self) -> Option<i64> {
        self.expiry_time.as_deref().and_then(rfc3339_ms)
    }
}

/// `AutoRenewingPlan`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoRenewingPlan {
    /// Whether it renews at `expiry_time`.
    pub auto_renew_enabled: Option<bool>,
}

/// `OfferDetails`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferDetails {
    /// The base plan (`monthly`, `yearly`).
    pub base_plan_id: Option<String>,
    /// The offer, if any.
    pub offer_id: Option<String>,
    /// The offer's tags.
    #[serde(default)]
    pub offer_tags: Vec<String>,
}

impl SubscriptionPurchaseV2 {
    /// `subscriptionState` in the store-neutral vocabulary; `None` for
    /// `SUBSCRIPTION_STATE_UNSPECIFIED` or a state Google adds later.
    pub fn status(&self) -> Option<SubscriptionStatus> {
        Some(match self.subscription_state.as_deref()? {
            "SUBSCRIPTION_STATE_ACTIVE" => SubscriptionStatus::Active,
            "SUBSCRIPTION_STATE_IN_GRACE_PERIOD" => SubscriptionStatus::GracePeriod,
            "SUBSCRIPTION_STATE_ON_HOLD" => SubscriptionStatus::OnHold,
            "SUBSCRIPTION_STATE_PAUSED" => SubscriptionStatus::Paused,
            "SUBSCRIPTION_STATE_CANCELED" => SubscriptionStatus::Cancelled,
            "SUBSCRIPTION_STATE_PENDING" => SubscriptionStatus::Pending,
            "SUBSCRIPTION_STATE_EXPIRED" | "SUBSCRIPTION_STATE_PENDING_PURCHASE_CANCELED" => {
                SubscriptionStatus::Expired
            }
            _ => return None,
        })
    }

    /// The line item that decides access: the one expiring last.
    pub fn current_line_item(&self) -> Option<&SubscriptionPurchaseLineItem> {
        self.line_items
            .iter()
            .max_by_key(|item| item.expiry_time_ms().unwrap_or(i64::MIN))
    }
}

fn rfc3339_ms(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

struct CachedToken {
    access_token: String,
    refresh_at: Instant,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
}

/// A Play Developer API client with its access-token cache; build one and share it.
pub struct PlayDeveloperApi {
    config: PlayApiConfig,
    key: Arc<RsaKeyPair>,
    http: reqwest::Client,
    token: Mutex<Option<CachedToken>>,
}

impl std::fmt::Debug for PlayDeveloperApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlayDeveloperApi")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl PlayDeveloperApi {
    /// Parses the service account's key now, so a broken key fails at startup.
    pub fn new(config: PlayApiConfig) -> Result<Self> {
        let key = parse_rsa_key(&config.service_account.private_key)?;
        let http = reqwest::Client::builder()
            .timeout(config.http_timeout)
            .build()
            .map_err(|e| BillingError::Config(format!("HTTP client: {e}")))?;
        Ok(PlayDeveloperApi {
            config,
            key: Arc::new(key),
            http,
            token: Mutex::new(None),
        })
    }

    /// `GET …/applications/{packageName}/purchases/subscriptionsv2/tokens/{token}`: the
    /// purchase's current state. 404/410 become [`BillingError::PurchaseNotFound`]; a 401
    /// drops the cached access token and retries once (Google revoked it early).
    pub async fn get_subscription_v2(
        &self,
        package_name: &str,
        purchase_token: &str,
    ) -> Result<SubscriptionPurchaseV2> {
        let url = self.url(&[
            "androidpublisher",
            "v3",
            "applications",
            package_name,
            "purchases",
            "subscriptionsv2",
            "tokens",
            purchase_token,
        ])?;
        let response = self
            .send_authorized(|http, token| http.get(url.clone()).bearer_auth(token))
            .await?;
        response
            .json::<SubscriptionPurchaseV2>()
            .await
            .map_err(|e| {
                BillingError::Unavailable(format!(
                    "Play answered a body that is not a SubscriptionPurchaseV2: {e}"
                ))
            })
    }

    /// `POST …/purchases/subscriptions/{subscriptionId}/tokens/{token}:acknowledge`. Google
    /// refunds a subscription not acknowledged within three days; apps usually acknowledge
    /// from the client, and the host calls this when an update arrives with
    /// `acknowledged == Some(false)`.
    pub async fn acknowledge_subscription(
        &self,
        package_name: &str,
        product_id: &str,
        purchase_token: &str,
    ) -> Result<()> {
        let last = format!("{purchase_token}:acknowledge");
        let url = self.url(&[
            "androidpublisher",
            "v3",
            "applications",
            package_name,
            "purchases",
            "subscriptions",
            product_id,
            "tokens",
            &last,
        ])?;
        self.send_authorized(|http, token| {
            http.post(url.clone())
                .bearer_auth(token)
                .json(&serde_json::json!({}))
        })
        .await?;
        Ok(())
    }

    fn url(&self, segments: &[&str]) -> Result<reqwest::Url> {
        let mut url = reqwest::Url::parse(&self.config.api_base)
            .map_err(|e| BillingError::Config(format!("Play API base URL: {e}")))?;
        url.path_segments_mut()
            .map_err(|()| BillingError::Config("Play API base URL cannot have a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    async fn send_authorized<F>(&self, build: F) -> Result<reqwest::Response>
    where
        F: Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
    {
        for attempt in 0..2 {
            let token = self.access_token().await?;
            let response = build(&self.http, &token)
                .send()
                .await
                .map_err(|e| BillingError::Unavailable(format!("Play Developer API: {e}")))?;
            let status = response.status().as_u16();
            if response.status().is_success() {
                return Ok(response);
            }
            if status == 401 && attempt == 0 {
                *self.token.lock().await = None;
                continue;
            }
            let body = response.text().await.unwrap_or_default();
            return Err(match status {
                404 | 410 => BillingError::PurchaseNotFound { status },
                _ => BillingError::Upstream {
                    status,
                    message: google_error_message(&body),
                },
            });
        }
        Err(BillingError::Upstream {
            status: 401,
            message: "Play Developer API refused a fresh access token".into(),
        })
    }

    /// The cached access token, or a new one from the token endpoint.
    async fn access_token(&self) -> Result<String> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref()
            && Instant::now() < token.refresh_at
        {
            return Ok(token.access_token.clone());
        }
        let assertion = self.assertion(SystemTime::now())?;
        let response = self
            .http
            .post(&self.config.token_uri)
            .form(&[
                ("grant_type", JWT_BEARER_GRANT),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|e| BillingError::Unavailable(format!("OAuth token endpoint: {e}")))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(BillingError::Upstream {
                status: status.as_u16(),
                message: format!("OAuth token endpoint: {}", google_error_message(&body)),
            });
        }
        let token: TokenResponse = response.json().await.map_err(|e| {
            BillingError::Unavailable(format!(
                "OAuth token endpoint answered no access token: {e}"
            ))
        })?;
        // Clamped: Google grants an hour; a huge value must not overflow the Instant.
        let lifetime = Duration::from_secs(token.expires_in.unwrap_or(3600).min(86_400));
        let margin = TOKEN_REFRESH_MARGIN.min(lifetime / 2);
        *cached = Some(CachedToken {
            access_token: token.access_token.clone(),
            refresh_at: Instant::now() + lifetime - margin,
        });
        Ok(token.access_token)
    }

    /// The signed JWT assertion (RFC 7523 §2.1) for the token endpoint.
    fn assertion(&self, now: SystemTime) -> Result<String> {
        let iat = jws::unix_secs(now);
        let sa = &self.config.service_account;
        let mut header = serde_json::json!({"alg": "RS256", "typ": "JWT"});
        if let Some(kid) = &sa.private_key_id {
            header["kid"] = serde_json::Value::String(kid.clone());
        }
        let claims = serde_json::json!({
            "iss": sa.client_email,
            "scope": ANDROIDPUBLISHER_SCOPE,
            "aud": self.config.token_uri,
            "iat": iat,
            "exp": iat + 3600,
        });
        let signing_input = format!(
            "{}.{}",
            B64URL.encode(header.to_string()),
            B64URL.encode(claims.to_string())
        );
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| {
                BillingError::Config("signing the service-account assertion failed".into())
            })?;
        Ok(format!("{signing_input}.{}", B64URL.encode(signature)))
    }
}

/// Google's JSON error body's `error.message` (or `error_description` from the token
/// endpoint), else the start of the body.
fn google_error_message(body: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let message = parsed.as_ref().and_then(|v| {
        v.pointer("/error/message")
            .or_else(|| v.get("error_description"))
            .or_else(|| v.get("error"))
            .and_then(|m| m.as_str())
            .map(str::to_string)
    });
    message.unwrap_or_else(|| truncate(body))
}

/// Reads a PEM RSA private key: PKCS#8 (what Google issues) or PKCS#1.
fn parse_rsa_key(pem: &str) -> Result<RsaKeyPair> {
    let bad = |what: String| BillingError::Config(format!("service account private key: {what}"));
    let (label, der) = pem_decode(pem).ok_or_else(|| bad("not PEM".into()))?;
    match label.as_str() {
        "PRIVATE KEY" => {
            RsaKeyPair::from_pkcs8(&der).map_err(|e| bad(format!("not an RSA PKCS#8 key ({e})")))
        }
        "RSA PRIVATE KEY" => {
            RsaKeyPair::from_der(&der).map_err(|e| bad(format!("not an RSA PKCS#1 key ({e})")))
        }
        other => Err(bad(format!("unexpected PEM label {other:?}"))),
    }
}

fn pem_decode(pem: &str) -> Option<(String, Vec<u8>)> {
    // JSON key files carry the PEM with real newlines after parsing; tolerate a literal
    // `\n` too (keys pasted into environment variables).
    let text = pem.replace("\\n", "\n");
    let begin = text.find("-----BEGIN ")?;
    let rest = &text[begin + "-----BEGIN ".len()..];
    let label_end = rest.find("-----")?;
    let label = rest[..label_end].to_string();
    let body_start = label_end + 5;
    let end_marker = format!("-----END {label}-----");
    let body_end = rest.find(&end_marker)?;
    let body: String = rest
        .get(body_start..body_end)?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = B64STD.decode(body).ok()?;
    Some((label, der))
}
