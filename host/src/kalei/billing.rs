//! Billing (seed 001 §10.6): the App Store's and Google Play's notifications, verified by
//! the `billing` crate, applied once each (by notification id) to the subscription they
//! name; the user's plan is the dearest plan any of their subscriptions still grants, kept
//! in their tier with an entitlement snapshot per change (`store::billing`).

use std::time::SystemTime;

use ::billing::{AppleVerifier, BillingError, GoogleBilling, Outcome, PlanTable};
use serde::Serialize;
use serde_json::{Value, json};

use super::plans::{self, Daily, Plan, PlanLimits};
use super::{Kalei, KaleiError, Member, new_id};
use crate::store::billing::{Applied, BillingEventRow, SubscriptionRow};
use crate::store::rfc3339;

/// The stores this host takes notifications from, and which products grant which plan.
#[derive(Default)]
pub struct BillingSettings {
    /// The App Store's verifier (`--apple-bundle-id`); `None`: the Apple webhook answers 503.
    pub apple: Option<AppleVerifier>,
    /// Google Play's verifier and API client (`--google-package-name`); `None`: 503.
    pub google: Option<GoogleBilling>,
    /// Store product id → plan (`--billing-products`).
    pub products: PlanTable,
}

impl std::fmt::Debug for BillingSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BillingSettings")
            .field("apple", &self.apple.is_some())
            .field("google", &self.google.is_some())
            .finish_non_exhaustive()
    }
}

/// What a webhook did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookAnswer {
    /// `applied`, `duplicate` (seen before: nothing changed), `test` or `ignored`.
    pub status: &'static str,
    /// The user's plan after it, when the notification names a known user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
}

fn event_row(
    store: &str,
    notification_id: &str,
    notification_type: &str,
    user_id: Option<String>,
    outcome: String,
    payload: String,
    at: i64,
) -> BillingEventRow {
    BillingEventRow {
        id: new_id("bev"),
        store: store.into(),
        notification_id: notification_id.into(),
        notification_type: notification_type.into(),
        user_id,
        subscription_id: None,
        outcome,
        payload,
        received_at: at,
    }
}

/// Maps a verification failure to its meaning: unauthenticated, malformed, another app's,
/// or the store's API failing.
impl From<BillingError> for KaleiError {
    fn from(e: BillingError) -> Self {
        KaleiError::Billing(e)
    }
}

/// Whether a subscription in `status`, ending at `expires_at`, still grants its plan at
/// `now`: active, in a grace period or cancelled (the user paid for the period) until it
/// ends, so a missed expiry notification does not keep a plan forever; a grace period
/// also while the store retries past the end; on hold, paused, pending, expired and
/// revoked never.
pub fn grants_access(status: &str, expires_at: Option<i64>, now: i64) -> bool {
    match status {
        "grace" => true,
        "active" | "cancelled" => expires_at.is_none_or(|t| t > now),
        _ => false,
    }
}

/// The user's plan from their subscriptions at `now`: the dearest one granting access,
/// else free.
pub fn plan_of(subscriptions: &[SubscriptionRow], now: i64) -> String {
    subscriptions
        .iter()
        .filter(|s| grants_access(&s.status, s.expires_at, now))
        .map(|s| plans::of_tier(&s.plan))
        .max()
        .unwrap_or(Plan::Free)
        .as_str()
        .to_owned()
}

/// A subscription as its owner sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubscriptionView {
    /// `apple` or `google`.
    pub store: String,
    /// The store's product.
    pub product_id: String,
    /// The plan it grants.
    pub plan: String,
    /// `active`, `grace`, `on_hold`, `paused`, `cancelled`, `expired` or `revoked`.
    pub status: String,
    /// Whether it grants its plan now.
    pub grants_access: bool,
    /// RFC 3339, when it ends.
    pub expires_at: Option<String>,
    /// `production` or `sandbox`.
    pub environment: String,
}

/// Today's use of a daily allowance.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Usage {
    /// The limit's name.
    pub limit: &'static str,
    /// Allowed a day.
    pub allowed: u32,
    /// Used today (your local day).
    pub used: u32,
}

/// What the member is entitled to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Entitlements {
    /// The plan: `free`, `prism` or `prism_plus`.
    #[schema(value_type = String)]
    pub plan: Plan,
    /// What it allows.
    pub limits: PlanLimits,
    /// Today's use of the daily allowances.
    pub usage: Vec<Usage>,
    /// Seconds until the allowances reset (your local midnight).
    pub resets_in_seconds: u64,
    /// The subscriptions behind it, newest first.
    pub subscriptions: Vec<SubscriptionView>,
}

impl Kalei {
    /// An App Store Server Notification V2 (`{"signedPayload": …}`): verified, then
    /// applied once.
    pub async fn apple_webhook(&self, body: &[u8]) -> Result<WebhookAnswer, KaleiError> {
        let verifier = self
            .billing
            .apple
            .as_ref()
            .ok_or(KaleiError::NotConfigured(
                "the App Store webhook (--apple-bundle-id)",
            ))?;
        let outcome = verifier.handle(body, SystemTime::now())?;
        self.apply_outcome(outcome).await
    }

    /// A Google Play real-time developer notification pushed by Pub/Sub: the push's token
    /// verified, the purchase's state read from the Play Developer API, then applied once.
    pub async fn google_webhook(
        &self,
        authorization: Option<&str>,
        body: &[u8],
    ) -> Result<WebhookAnswer, KaleiError> {
        let google = self
            .billing
            .google
            .as_ref()
            .ok_or(KaleiError::NotConfigured(
                "the Google Play webhook (--google-package-name)",
            ))?;
        let outcome = google
            .handle(authorization, body, SystemTime::now())
            .await?;
        if let Outcome::Update(update) = &outcome
            && update.acknowledged == Some(false)
            && update.status.grants_access()
            && let Some(product) = &update.product_id
        {
            // Google refunds a purchase not acknowledged within three days: a failure is
            // answered 503 before anything is stored, so Pub/Sub delivers it again.
            let package = &google.verifier.config().package_name;
            google
                .api
                .acknowledge_subscription(package, product, &update.subscription_id)
                .await?;
        }
        self.apply_outcome(outcome).await
    }

    async fn apply_outcome(&self, outcome: Outcome) -> Result<WebhookAnswer, KaleiError> {
        let now = crate::store::now_ms();
        let payload = serde_json::to_string(&outcome).unwrap_or_default();
        let replaced = match &outcome {
            Outcome::Update(u) => u.linked_subscription_id.clone(),
            _ => None,
        };
        let (event, subscription, label) = match &outcome {
            Outcome::Update(u) => {
                let plan = u
                    .product_id
                    .as_deref()
                    .and_then(|p| self.billing.products.plan_for_product(p))
                    .unwrap_or(Plan::Free);
                let subscription = SubscriptionRow {
                    id: new_id("sub"),
                    user_id: u.account_token.clone(),
                    store: u.store.as_str().into(),
                    external_id: u.subscription_id.clone(),
                    product_id: u.product_id.clone().unwrap_or_default(),
                    plan: plan.as_str().into(),
                    status: u.status.as_str().into(),
                    expires_at: u.expires_at_ms,
                    environment: u.environment.as_str().into(),
                    last_event_at: u.event_time_ms,
                    created_at: now,
                    updated_at: now,
                };
                let event = event_row(
                    u.store.as_str(),
                    &u.notification_id,
                    &u.notification_type,
                    u.account_token.clone(),
                    "applied".into(),
                    payload,
                    now,
                );
                (event, Some(subscription), "applied")
            }
            Outcome::Test {
                store,
                notification_id,
            } => (
                event_row(
                    store.as_str(),
                    notification_id,
                    "TEST",
                    None,
                    "test".into(),
                    payload,
                    now,
                ),
                None,
                "test",
            ),
            Outcome::NoChange {
                store,
                notification_id,
                notification_type,
                reason,
            } => (
                event_row(
                    store.as_str(),
                    notification_id,
                    notification_type,
                    None,
                    format!("ignored: {reason}"),
                    payload,
                    now,
                ),
                None,
                "ignored",
            ),
        };
        match self
            .db
            .apply_billing_event(&event, subscription.as_ref(), replaced.as_deref(), plan_of)
            .await?
        {
            Applied::Duplicate => Ok(WebhookAnswer {
                status: "duplicate",
                plan: None,
            }),
            Applied::Recorded { plan } => Ok(WebhookAnswer {
                status: label,
                plan,
            }),
        }
    }

    /// The member's plan, limits, today's use and subscriptions.
    pub async fn entitlements(&self, member: &Member) -> Result<Entitlements, KaleiError> {
        let limits = member.limits();
        let mut usage = Vec::new();
        for (daily, allowed) in [
            (Daily::Turns, limits.turns_per_day),
            (Daily::MirrorMessages, limits.mirror_messages_per_day),
        ] {
            usage.push(Usage {
                limit: daily.name(),
                allowed,
                used: self.meter.used(member, daily).await,
            });
        }
        let subscriptions = self
            .db
            .subscriptions_of(member.id())
            .await?
            .into_iter()
            .map(|s| SubscriptionView {
                grants_access: grants_access(&s.status, s.expires_at, member.now.0),
                store: s.store,
                product_id: s.product_id,
                plan: s.plan,
                status: s.status,
                expires_at: s.expires_at.map(rfc3339),
                environment: s.environment,
            })
            .collect();
        Ok(Entitlements {
            plan: member.plan,
            limits,
            usage,
            resets_in_seconds: member.seconds_to_local_midnight(),
            subscriptions,
        })
    }

    /// The member's billing records for their export.
    pub(super) async fn billing_export(&self, member: &Member) -> Result<Value, KaleiError> {
        let subscriptions: Vec<Value> = self
            .db
            .subscriptions_of(member.id())
            .await?
            .into_iter()
            .map(|s| {
                json!({"store": s.store, "external_id": s.external_id, "product_id": s.product_id,
                    "plan": s.plan, "status": s.status, "expires_at": s.expires_at.map(rfc3339),
                    "environment": s.environment, "created_at": rfc3339(s.created_at)})
            })
            .collect();
        let entitlements: Vec<Value> = self
            .db
            .entitlements_of(member.id())
            .await?
            .into_iter()
            .map(|e| {
                json!({"plan": e.plan, "source": e.source, "valid_until": e.valid_until.map(rfc3339),
                    "at": rfc3339(e.created_at)})
            })
            .collect();
        let events: Vec<Value> = self
            .db
            .billing_events_of(member.id())
            .await?
            .into_iter()
            .map(|(store, kind, outcome, at)| {
                json!({"store": store, "type": kind, "outcome": outcome, "received_at": rfc3339(at)})
            })
            .collect();
        Ok(
            json!({"subscriptions": subscriptions, "entitlements": entitlements, "notifications": events}),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(plan: &str, status: &str, expires_at: Option<i64>) -> SubscriptionRow {
        SubscriptionRow {
            id: "s".into(),
            user_id: Some("u".into()),
            store: "apple".into(),
            external_id: "x".into(),
            product_id: "p".into(),
            plan: plan.into(),
            status: status.into(),
            expires_at,
            environment: "sandbox".into(),
            last_event_at: 0,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn the_dearest_plan_still_granting_access_wins() {
        assert_eq!(plan_of(&[], 10), "free");
        assert_eq!(plan_of(&[sub("prism", "active", Some(15))], 10), "prism");
        assert_eq!(
            plan_of(
                &[
                    sub("prism", "active", None),
                    sub("prism_plus", "grace", None)
                ],
                10
            ),
            "prism_plus"
        );
        // Cancelled: paid up to its end.
        assert_eq!(
            plan_of(&[sub("prism_plus", "cancelled", Some(20))], 10),
            "prism_plus"
        );
        assert_eq!(
            plan_of(&[sub("prism_plus", "cancelled", Some(5))], 10),
            "free"
        );
        for status in ["expired", "revoked", "on_hold", "paused"] {
            assert_eq!(
                plan_of(&[sub("prism", status, Some(99))], 10),
                "free",
                "{status}"
            );
        }
    }
}
