//! Kalei's billing tables (`subscriptions`, `entitlement_snapshots`, `billing_events`;
//! `crate::kalei::billing` decides): each store notification is applied once, in one
//! transaction with the subscription it changes, the user's plan (their tier) and the
//! entitlement snapshot and audit event recording the change.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, StoreError, audit};

/// A subscription as stored.
#[derive(Debug, Clone)]
pub struct SubscriptionRow {
    /// Id (`sub_<uuid>`).
    pub id: String,
    /// The user, once the purchase names a known account.
    pub user_id: Option<String>,
    /// `apple` or `google`.
    pub store: String,
    /// Apple's originalTransactionId, Google's purchase token.
    pub external_id: String,
    /// The store's product id.
    pub product_id: String,
    /// The plan the product grants.
    pub plan: String,
    /// `active`, `grace`, `on_hold`, `paused`, `cancelled`, `expired` or `revoked`.
    pub status: String,
    /// When it ends, ms.
    pub expires_at: Option<i64>,
    /// `production` or `sandbox`.
    pub environment: String,
    /// The store's time of the newest event applied, ms.
    pub last_event_at: i64,
    /// When, ms.
    pub created_at: i64,
    /// Last change, ms.
    pub updated_at: i64,
}

/// A store notification, as recorded.
#[derive(Debug, Clone)]
pub struct BillingEventRow {
    /// Id.
    pub id: String,
    /// `apple` or `google`.
    pub store: String,
    /// The store's id of the notification (Apple's notificationUUID, Pub/Sub's messageId).
    pub notification_id: String,
    /// Its type, e.g. `DID_RENEW` or `SUBSCRIPTION_RENEWED`.
    pub notification_type: String,
    /// The user it concerns, when known.
    pub user_id: Option<String>,
    /// The subscription it changed.
    pub subscription_id: Option<String>,
    /// `applied`, `test`, or `ignored: <why>`.
    pub outcome: String,
    /// The verified, decoded notification, JSON.
    pub payload: String,
    /// When, ms.
    pub received_at: i64,
}

/// A plan a user held from a time on.
#[derive(Debug, Clone)]
pub struct EntitlementRow {
    /// The plan.
    pub plan: String,
    /// `apple`, `google`, `admin` or `expiry`.
    pub source: String,
    /// The subscription that decided it.
    pub subscription_id: Option<String>,
    /// Until when, ms (none: while the subscription lasts).
    pub valid_until: Option<i64>,
    /// When, ms.
    pub created_at: i64,
}

const SUBSCRIPTION_COLUMNS: &str = "id, user_id, store, external_id, product_id, plan, status, \
     expires_at, environment, last_event_at, created_at, updated_at";

fn subscription_row(r: &AnyRow) -> Result<SubscriptionRow, sqlx::Error> {
    Ok(SubscriptionRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        store: r.try_get("store")?,
        external_id: r.try_get("external_id")?,
        product_id: r.try_get("product_id")?,
        plan: r.try_get("plan")?,
        status: r.try_get("status")?,
        expires_at: r.try_get("expires_at")?,
        environment: r.try_get("environment")?,
        last_event_at: r.try_get("last_event_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// What applying a notification did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The notification was seen before: nothing changed.
    Duplicate,
    /// Recorded; the user's plan is now this (when the notification names a user).
    Recorded {
        /// The user's plan after it, when a user is known.
        plan: Option<String>,
    },
}

/// Decides a user's plan from their subscriptions at `now`: the dearest plan among those
/// that still grant access.
pub type PlanOf = fn(&[SubscriptionRow], i64) -> String;

impl Db {
    /// Records `event` once (by store and notification id) and, when it carries one,
    /// stores `subscription` (unless a newer event already updated it), then sets the
    /// user's plan to `plan_of` their subscriptions, with an entitlement snapshot and an
    /// audit event when it changes. One transaction.
    pub async fn apply_billing_event(
        &self,
        event: &BillingEventRow,
        subscription: Option<&SubscriptionRow>,
        replaced: Option<&str>,
        plan_of: PlanOf,
    ) -> Result<Applied, StoreError> {
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO billing_events (id, store, notification_id, notification_type, user_id, \
             subscription_id, outcome, payload, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (store, notification_id) DO NOTHING",
        )
        .bind(&event.id)
        .bind(&event.store)
        .bind(&event.notification_id)
        .bind(&event.notification_type)
        .bind(&event.user_id)
        .bind(&event.subscription_id)
        .bind(&event.outcome)
        .bind(&event.payload)
        .bind(event.received_at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            tx.rollback().await?;
            return Ok(Applied::Duplicate);
        }
        let Some(sub) = subscription else {
            tx.commit().await?;
            return Ok(Applied::Recorded { plan: None });
        };
        // A notification older than the newest applied (stores may deliver out of order)
        // is recorded but does not roll the subscription back.
        sqlx::query(&format!(
            "INSERT INTO subscriptions ({SUBSCRIPTION_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (store, external_id) DO UPDATE SET \
             user_id = COALESCE(excluded.user_id, subscriptions.user_id), \
             product_id = excluded.product_id, plan = excluded.plan, status = excluded.status, \
             expires_at = excluded.expires_at, environment = excluded.environment, \
             last_event_at = excluded.last_event_at, updated_at = excluded.updated_at \
             WHERE subscriptions.last_event_at <= excluded.last_event_at"
        ))
        .bind(&sub.id)
        .bind(&sub.user_id)
        .bind(&sub.store)
        .bind(&sub.external_id)
        .bind(&sub.product_id)
        .bind(&sub.plan)
        .bind(&sub.status)
        .bind(sub.expires_at)
        .bind(&sub.environment)
        .bind(sub.last_event_at)
        .bind(sub.created_at)
        .bind(sub.updated_at)
        .execute(&mut *tx)
        .await?;
        // An upgrade or downgrade replaces a purchase (Google's linkedPurchaseToken) and
        // the store says nothing more about the old one: it ends here.
        if let Some(old) = replaced {
            sqlx::query(
                "UPDATE subscriptions SET status = 'expired', updated_at = $1 \
                 WHERE store = $2 AND external_id = $3",
            )
            .bind(event.received_at)
            .bind(&sub.store)
            .bind(old)
            .execute(&mut *tx)
            .await?;
        }
        let stored = sqlx::query(&format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE store = $1 AND external_id = $2"
        ))
        .bind(&sub.store)
        .bind(&sub.external_id)
        .fetch_one(&mut *tx)
        .await?;
        let stored = subscription_row(&stored)?;
        sqlx::query("UPDATE billing_events SET subscription_id = $1 WHERE id = $2")
            .bind(&stored.id)
            .bind(&event.id)
            .execute(&mut *tx)
            .await?;
        let Some(user_id) = stored.user_id.clone() else {
            tx.commit().await?;
            return Ok(Applied::Recorded { plan: None });
        };
        let exists = sqlx::query("SELECT tier FROM users WHERE id = $1")
            .bind(&user_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(exists) = exists else {
            // The purchase names an account that is gone: kept, decides nothing.
            tx.commit().await?;
            return Ok(Applied::Recorded { plan: None });
        };
        let before: String = exists.try_get("tier")?;
        let subs = sqlx::query(&format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE user_id = $1"
        ))
        .bind(&user_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(subscription_row)
        .collect::<Result<Vec<_>, _>>()?;
        let plan = plan_of(&subs, event.received_at);
        if plan != before {
            sqlx::query("UPDATE users SET tier = $1, updated_at = $2 WHERE id = $3")
                .bind(&plan)
                .bind(event.received_at)
                .bind(&user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO entitlement_snapshots (id, user_id, plan, source, subscription_id, \
                 valid_until, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(format!("ent_{}", uuid::Uuid::new_v4().simple()))
            .bind(&user_id)
            .bind(&plan)
            .bind(&event.store)
            .bind(&stored.id)
            .bind(stored.expires_at)
            .bind(event.received_at)
            .execute(&mut *tx)
            .await?;
            audit::record(
                &mut tx,
                "entitlement.changed",
                None,
                Some(&user_id),
                None,
                serde_json::json!({"from": before, "to": plan, "store": event.store,
                    "notification": event.notification_type}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Applied::Recorded { plan: Some(plan) })
    }

    /// The user's subscriptions, newest first.
    pub async fn subscriptions_of(
        &self,
        user_id: &str,
    ) -> Result<Vec<SubscriptionRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE user_id = $1 \
             ORDER BY updated_at DESC"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(subscription_row)
            .collect::<Result<_, _>>()?)
    }

    /// The user's entitlement history, oldest first.
    pub async fn entitlements_of(&self, user_id: &str) -> Result<Vec<EntitlementRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT plan, source, subscription_id, valid_until, created_at \
             FROM entitlement_snapshots WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(EntitlementRow {
                    plan: r.try_get("plan")?,
                    source: r.try_get("source")?,
                    subscription_id: r.try_get("subscription_id")?,
                    valid_until: r.try_get("valid_until")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// The store notifications about the user, oldest first: (store, type, outcome,
    /// received).
    pub async fn billing_events_of(
        &self,
        user_id: &str,
    ) -> Result<Vec<(String, String, String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT store, notification_type, outcome, received_at FROM billing_events \
             WHERE user_id = $1 ORDER BY received_at, id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("store")?,
                    r.try_get("notification_type")?,
                    r.try_get("outcome")?,
                    r.try_get("received_at")?,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// How many notifications are stored for a store (for tests and operators).
    pub async fn billing_event_count(&self, store: &str) -> Result<i64, StoreError> {
        Ok(
            sqlx::query("SELECT COUNT(*) AS n FROM billing_events WHERE store = $1")
                .bind(store)
                .fetch_one(self.pool())
                .await?
                .try_get("n")?,
        )
    }
}
