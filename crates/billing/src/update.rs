//! The store-neutral result both webhooks produce, and the mapping from it to a plan.
//!
//! The host stores one row per subscription (keyed by [`Store`] and
//! [`SubscriptionUpdate::subscription_id`]) and derives the user's plan from it; it never
//! needs to know which store's vocabulary a status came from.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Which store a notification came from; part of a subscription's key because the two
/// stores' ids live in different namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Store {
    /// Apple App Store (App Store Server Notifications V2).
    Apple,
    /// Google Play (real-time developer notifications + Play Developer API).
    Google,
}

impl Store {
    /// `apple` / `google`, the spelling stored in the host's `store` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Store::Apple => "apple",
            Store::Google => "google",
        }
    }
}

/// Whether real money moved, so the host can keep sandbox and TestFlight/licence-tester
/// purchases away from revenue figures (or refuse them in production).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    /// A real purchase.
    Production,
    /// Apple `Sandbox` / `Xcode` / `LocalTesting`, or a Google `testPurchase`.
    Sandbox,
}

impl Environment {
    /// `production` / `sandbox`, the spelling stored in the host's `environment` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Sandbox => "sandbox",
        }
    }
}

/// A subscription's state in the vocabulary both stores map onto.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    /// Paid and renewing (Apple status 1 with auto-renew on; Google `ACTIVE`).
    Active,
    /// Renewal failed but the store keeps access open while it retries (Apple billing grace
    /// period, status 4; Google `IN_GRACE_PERIOD`). Serialised `grace`.
    #[serde(rename = "grace")]
    GracePeriod,
    /// Renewal failed and access is suspended while the store keeps retrying (Apple billing
    /// retry, status 3; Google account hold, `ON_HOLD`).
    OnHold,
    /// The user paused the subscription (Google only).
    Paused,
    /// The user turned auto-renew off: access continues until `expires_at_ms`, then the
    /// subscription expires (Apple status 1 with auto-renew off; Google `CANCELED`).
    Cancelled,
    /// Waiting for a first payment (Google `PENDING`); no access yet.
    Pending,
    /// Ended (Apple status 2; Google `EXPIRED`, `PENDING_PURCHASE_CANCELED`).
    Expired,
    /// Taken back before its end: refund, chargeback, family-sharing revocation (Apple
    /// status 5 / `REFUND` / `REVOKE`; Google `SUBSCRIPTION_REVOKED` / voided purchase).
    Revoked,
}

impl SubscriptionStatus {
    /// The wire/column spelling: `active`, `grace`, `on_hold`, `paused`, `cancelled`,
    /// `pending`, `expired`, `revoked` (the host's vocabulary, plus `pending`).
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::GracePeriod => "grace",
            SubscriptionStatus::OnHold => "on_hold",
            SubscriptionStatus::Paused => "paused",
            SubscriptionStatus::Cancelled => "cancelled",
            SubscriptionStatus::Pending => "pending",
            SubscriptionStatus::Expired => "expired",
            SubscriptionStatus::Revoked => "revoked",
        }
    }

    /// Whether a subscription in this state entitles the user to its plan (before looking
    /// at the clock); the single place that decides which states keep access.
    pub fn grants_access(self) -> bool {
        matches!(
            self,
            SubscriptionStatus::Active
                | SubscriptionStatus::GracePeriod
                | SubscriptionStatus::Cancelled
        )
    }
}

/// One authentic change to one subscription, normalised across stores. The host upserts it
/// by `(store, subscription_id)`, keeping the row with the greatest `event_time_ms` (stores
/// do not promise ordering), and dedups pushes by `notification_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionUpdate {
    /// Which store.
    pub store: Store,
    /// Apple `notificationUUID` / Pub/Sub `messageId`: the same push delivered twice has the
    /// same id.
    pub notification_id: String,
    /// The store's raw notification type (`SUBSCRIBED`, `DID_RENEW`, `SUBSCRIPTION_RENEWED`,
    /// `VOIDED_PURCHASE`, …) for logs and audit.
    pub notification_type: String,
    /// Apple's `subtype` (`INITIAL_BUY`, `AUTO_RENEW_DISABLED`, …); `None` for Google.
    pub notification_subtype: Option<String>,
    /// The subscription's stable id: Apple `originalTransactionId`, Google purchase token.
    pub subscription_id: String,
    /// Google `linkedPurchaseToken`: the token this one replaces after an upgrade,
    /// downgrade or re-subscribe. The host moves the user's entitlement off the old row.
    pub linked_subscription_id: Option<String>,
    /// Apple `transactionId` / Google `latestOrderId`: the payment behind this state.
    pub transaction_id: Option<String>,
    /// The store product the user currently has (Apple `productId`, Google
    /// `lineItems[].productId`); `None` only for a revoked Google purchase the API no longer
    /// returns.
    pub product_id: Option<String>,
    /// Normalised state.
    pub status: SubscriptionStatus,
    /// End of the current paid period, milliseconds since the Unix epoch.
    pub expires_at_ms: Option<i64>,
    /// Whether the store will try to renew (Apple `autoRenewStatus`, Google
    /// `autoRenewingPlan.autoRenewEnabled`).
    pub will_renew: Option<bool>,
    /// How the host finds the user: Apple `appAccountToken` (a UUID the app passed at
    /// purchase) / Google `obfuscatedExternalAccountId`. `None` when the app did not set one;
    /// the host then matches on `subscription_id` recorded when the app reported the
    /// purchase.
    pub account_token: Option<String>,
    /// Production or sandbox/test purchase.
    pub environment: Environment,
    /// When the store says the event happened (Apple `signedDate`, Google
    /// `eventTimeMillis`), milliseconds since the Unix epoch; the ordering key.
    pub event_time_ms: i64,
    /// Google `acknowledgementState` (`Some(false)` means the purchase must be acknowledged
    /// within three days or Google refunds it); `None` for Apple, which has no such step.
    pub acknowledged: Option<bool>,
}

/// What one verified notification means for the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// A subscription changed: store it.
    Update(SubscriptionUpdate),
    /// The store's test ping (Apple `TEST`, Google `testNotification`): answer 200, change
    /// nothing. Proves the webhook URL and credentials work.
    Test {
        /// Which store.
        store: Store,
        /// Apple `notificationUUID` / Pub/Sub `messageId`.
        notification_id: String,
    },
    /// Authentic, but nothing about a subscription's state (a one-time product, a
    /// consumption request, an external purchase token…): answer 200, change nothing.
    NoChange {
        /// Which store.
        store: Store,
        /// Apple `notificationUUID` / Pub/Sub `messageId`.
        notification_id: String,
        /// The store's notification type.
        notification_type: String,
        /// Why nothing changes, for the log line.
        reason: String,
    },
}

impl Outcome {
    /// The push's id, whatever the variant, so the host can dedup before doing anything.
    pub fn notification_id(&self) -> &str {
        match self {
            Outcome::Update(update) => &update.notification_id,
            Outcome::Test {
                notification_id, ..
            }
            | Outcome::NoChange {
                notification_id, ..
            } => notification_id,
        }
    }
}

/// Kalei's plans (seed 001 §10.6), ordered so a user holding two subscriptions at once
/// (during an upgrade) gets the larger: `plans.iter().max()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    /// No paid subscription.
    Free,
    /// `prism`.
    Prism,
    /// `prism_plus`.
    PrismPlus,
}

impl Plan {
    /// The plan's wire name (`free`, `prism`, `prism_plus`), as stored and sent to clients.
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Prism => "prism",
            Plan::PrismPlus => "prism_plus",
        }
    }
}

/// Which store products grant which plan. Configured, because product ids are chosen in
/// each store's console (`com.kalei.prism.monthly`, `prism_plus_yearly`, …) and change
/// without a code change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanTable {
    products: HashMap<String, Plan>,
}

impl PlanTable {
    /// A table from `(product id, plan)` pairs, Apple's and Google's ids side by side.
    pub fn new<I, S>(products: I) -> Self
    where
        I: IntoIterator<Item = (S, Plan)>,
        S: Into<String>,
    {
        PlanTable {
            products: products
                .into_iter()
                .map(|(id, plan)| (id.into(), plan))
                .collect(),
        }
    }

    /// The plan a product grants, or `None` for a product this table does not know (the
    /// host should log it: a product was added in a store console but not here).
    pub fn plan_for_product(&self, product_id: &str) -> Option<Plan> {
        self.products.get(product_id).copied()
    }

    /// The plan a subscription grants by its status alone: its product's plan while the
    /// status grants access, `free` once expired, revoked, on hold, paused or pending, and
    /// `free` for an unknown product.
    pub fn plan_for(&self, update: &SubscriptionUpdate) -> Plan {
        if !update.status.grants_access() {
            return Plan::Free;
        }
        update
            .product_id
            .as_deref()
            .and_then(|id| self.plan_for_product(id))
            .unwrap_or(Plan::Free)
    }

    /// Like [`PlanTable::plan_for`], but also `free` once an active or cancelled
    /// subscription's `expires_at_ms` is past `now_ms`, so a missed `EXPIRED` notification
    /// does not grant access forever. A grace period keeps access past the expiry (that is
    /// what it is for); the store reports its end.
    pub fn plan_at(&self, update: &SubscriptionUpdate, now_ms: i64) -> Plan {
        let lapsed = matches!(
            update.status,
            SubscriptionStatus::Active | SubscriptionStatus::Cancelled
        ) && update.expires_at_ms.is_some_and(|end| end <= now_ms);
        if lapsed {
            Plan::Free
        } else {
            self.plan_for(update)
        }
    }
}
