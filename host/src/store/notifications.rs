//! Notifications (docs/notifications.md): in-app notifications, push subscriptions, the
//! deliveries of each notification to each subscription (the Web Push queue and the
//! APNs/FCM outbox), the once-a-day guard of reminders and the VAPID key. A notification
//! and its deliveries are written in one transaction, so a push is never lost or sent for a
//! notification that was not stored.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, StoreError, now_ms};

/// An in-app notification.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationRow {
    /// Id.
    pub id: String,
    /// Its user.
    pub user_id: String,
    /// `streak_at_risk`, `reviews_due`, `struggle_alert`, `project_graded`, `spectrum_updated`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// What the client opens (JSON object).
    pub data: String,
    /// When, ms.
    pub created_at: i64,
    /// When read, ms.
    pub read_at: Option<i64>,
}

/// A push subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionRow {
    /// Id.
    pub id: String,
    /// Its user.
    pub user_id: String,
    /// `web_push`, `apns` or `fcm`.
    pub channel: String,
    /// The push service URL (Web Push) or the device token.
    pub endpoint: String,
    /// Web Push: the browser's public key, base64url.
    pub p256dh: Option<String>,
    /// Web Push: the browser's auth secret, base64url.
    pub auth: Option<String>,
    /// When, ms.
    pub created_at: i64,
}

/// One push of a notification to one subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRow {
    /// Id.
    pub id: String,
    /// The notification.
    pub notification_id: String,
    /// Its user.
    pub user_id: String,
    /// The subscription.
    pub subscription_id: String,
    /// `web_push`, `apns` or `fcm`.
    pub channel: String,
    /// What to send (JSON).
    pub payload: String,
    /// `pending`, `sending`, `sent`, `failed` or `gone`.
    pub status: String,
    /// Tries so far.
    pub attempts: i64,
    /// Not sent before, ms.
    pub not_before: i64,
    /// The last failure.
    pub last_error: Option<String>,
    /// When, ms.
    pub created_at: i64,
    /// When sent, ms.
    pub sent_at: Option<i64>,
}

const NOTIFICATION_COLUMNS: &str = "id, user_id, kind, title, body, data, created_at, read_at";
const SUBSCRIPTION_COLUMNS: &str = "id, user_id, channel, endpoint, p256dh, auth, created_at";
const DELIVERY_COLUMNS: &str = "id, notification_id, user_id, subscription_id, channel, payload, \
     status, attempts, not_before, last_error, created_at, sent_at";

fn notification(r: &AnyRow) -> Result<NotificationRow, StoreError> {
    Ok(NotificationRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        kind: r.try_get("kind")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        data: r.try_get("data")?,
        created_at: r.try_get("created_at")?,
        read_at: r.try_get("read_at")?,
    })
}

fn subscription(r: &AnyRow) -> Result<SubscriptionRow, StoreError> {
    Ok(SubscriptionRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        channel: r.try_get("channel")?,
        endpoint: r.try_get("endpoint")?,
        p256dh: r.try_get("p256dh")?,
        auth: r.try_get("auth")?,
        created_at: r.try_get("created_at")?,
    })
}

fn delivery(r: &AnyRow) -> Result<DeliveryRow, StoreError> {
    Ok(DeliveryRow {
        id: r.try_get("id")?,
        notification_id: r.try_get("notification_id")?,
        user_id: r.try_get("user_id")?,
        subscription_id: r.try_get("subscription_id")?,
        channel: r.try_get("channel")?,
        payload: r.try_get("payload")?,
        status: r.try_get("status")?,
        attempts: r.try_get("attempts")?,
        not_before: r.try_get("not_before")?,
        last_error: r.try_get("last_error")?,
        created_at: r.try_get("created_at")?,
        sent_at: r.try_get("sent_at")?,
    })
}

/// Removes a deleted account's notifications, subscriptions, deliveries and reminders
/// inside its deletion's transaction.
pub(super) async fn forget_user(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: &str,
) -> Result<(), StoreError> {
    for table in [
        "notification_deliveries",
        "notifications",
        "push_subscriptions",
        "notification_reminders",
    ] {
        // The table name is one of the constants above, never input.
        sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Db {
    /// Stores notifications with their deliveries in one transaction; for each, whether it
    /// was stored. One whose id is stored already is not again (an event handled twice),
    /// and with a reminder day (its third part, a local date) only the first of its kind on
    /// that day is.
    pub async fn add_notifications(
        &self,
        items: &[(NotificationRow, Vec<DeliveryRow>, Option<String>)],
    ) -> Result<Vec<bool>, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        let mut stored = Vec::with_capacity(items.len());
        for (n, deliveries, reminder) in items {
            if let Some(local_date) = reminder {
                let first = sqlx::query(
                    "INSERT INTO notification_reminders (user_id, kind, local_date) \
                     VALUES ($1, $2, $3) ON CONFLICT (user_id, kind, local_date) DO NOTHING",
                )
                .bind(&n.user_id)
                .bind(&n.kind)
                .bind(local_date)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    > 0;
                if !first {
                    stored.push(false);
                    continue;
                }
            }
            let added = sqlx::query(
                "INSERT INTO notifications (id, user_id, kind, title, body, data, created_at, \
                 read_at) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&n.id)
            .bind(&n.user_id)
            .bind(&n.kind)
            .bind(&n.title)
            .bind(&n.body)
            .bind(&n.data)
            .bind(n.created_at)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            stored.push(added);
            if !added {
                continue;
            }
            for d in deliveries {
                sqlx::query(
                    "INSERT INTO notification_deliveries (id, notification_id, user_id, \
                     subscription_id, channel, payload, status, attempts, not_before, \
                     lease_until, last_error, created_at, sent_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, NULL, NULL, $8, NULL)",
                )
                .bind(&d.id)
                .bind(&d.notification_id)
                .bind(&d.user_id)
                .bind(&d.subscription_id)
                .bind(&d.channel)
                .bind(&d.payload)
                .bind(d.not_before)
                .bind(d.created_at)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(stored)
    }

    /// What notifying `users` needs of each (active) one: their time zone, their
    /// notification preferences document and their subscriptions.
    pub async fn notification_targets(
        &self,
        users: &[String],
    ) -> Result<Vec<NotificationTarget>, StoreError> {
        let mut targets: Vec<NotificationTarget> = Vec::with_capacity(users.len());
        for chunk in users.chunks(500) {
            let list = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT u.id, u.timezone, p.notification_preferences FROM users u \
                 LEFT JOIN profiles p ON p.user_id = u.id WHERE u.is_active = 1 AND u.id IN ({list})"
            );
            let mut q = sqlx::query_as::<_, (String, String, Option<String>)>(&sql);
            for u in chunk {
                q = q.bind(u);
            }
            let first = targets.len();
            for (user_id, timezone, prefs) in q.fetch_all(self.pool()).await? {
                targets.push(NotificationTarget {
                    user_id,
                    timezone,
                    preferences: prefs
                        .and_then(|p| serde_json::from_str(&p).ok())
                        .unwrap_or(serde_json::Value::Null),
                    subscriptions: Vec::new(),
                });
            }
            let sql = format!(
                "SELECT {SUBSCRIPTION_COLUMNS} FROM push_subscriptions WHERE user_id IN ({list}) \
                 ORDER BY created_at, id"
            );
            let mut q = sqlx::query(&sql);
            for u in chunk {
                q = q.bind(u);
            }
            for r in q.fetch_all(self.pool()).await? {
                let s = subscription(&r)?;
                if let Some(t) = targets[first..].iter_mut().find(|t| t.user_id == s.user_id) {
                    t.subscriptions.push(s);
                }
            }
        }
        Ok(targets)
    }

    /// A page of `user_id`'s notifications, newest first (only unread ones with
    /// `unread_only`), how many match and how many are unread.
    pub async fn notifications(
        &self,
        user_id: &str,
        unread_only: bool,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<NotificationRow>, i64, i64), StoreError> {
        let filter = if unread_only {
            "AND read_at IS NULL"
        } else {
            ""
        };
        // `filter` is one of the two constants above, never input.
        let rows = sqlx::query(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE user_id = $1 {filter} \
             ORDER BY created_at DESC, id LIMIT $2 OFFSET $3"
        ))
        .bind(user_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(notification)
        .collect::<Result<Vec<_>, _>>()?;
        let counts = sqlx::query(
            "SELECT COUNT(*) AS total, \
             CAST(COALESCE(SUM(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS unread \
             FROM notifications WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_one(self.pool())
        .await?;
        let (total, unread): (i64, i64) = (counts.try_get("total")?, counts.try_get("unread")?);
        Ok((rows, if unread_only { unread } else { total }, unread))
    }

    /// Marks one of `user_id`'s notifications read (all with `id` = `None`); how many
    /// changed. False-y (0) for a notification that is not theirs.
    pub async fn mark_read(&self, user_id: &str, id: Option<&str>) -> Result<u64, StoreError> {
        let _turn = self.write_turn().await;
        let q = match id {
            Some(id) => sqlx::query(
                "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND id = $3 \
                 AND read_at IS NULL",
            )
            .bind(now_ms())
            .bind(user_id)
            .bind(id),
            None => sqlx::query(
                "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
            )
            .bind(now_ms())
            .bind(user_id),
        };
        Ok(q.execute(self.pool()).await?.rows_affected())
    }

    /// Whether `user_id` has the notification `id`.
    pub async fn has_notification(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        Ok(
            sqlx::query("SELECT 1 AS x FROM notifications WHERE user_id = $1 AND id = $2")
                .bind(user_id)
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .is_some(),
        )
    }

    /// Adds (or renews: the same endpoint again keeps its id) a subscription.
    pub async fn add_subscription(
        &self,
        s: &SubscriptionRow,
    ) -> Result<SubscriptionRow, StoreError> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "INSERT INTO push_subscriptions (id, user_id, channel, endpoint, p256dh, auth, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, endpoint) DO UPDATE SET \
             channel = excluded.channel, p256dh = excluded.p256dh, auth = excluded.auth",
        )
        .bind(&s.id)
        .bind(&s.user_id)
        .bind(&s.channel)
        .bind(&s.endpoint)
        .bind(&s.p256dh)
        .bind(&s.auth)
        .bind(s.created_at)
        .execute(self.pool())
        .await?;
        let row = sqlx::query(&format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2"
        ))
        .bind(&s.user_id)
        .bind(&s.endpoint)
        .fetch_one(self.pool())
        .await?;
        subscription(&row)
    }

    /// `user_id`'s subscriptions, oldest first.
    pub async fn subscriptions(&self, user_id: &str) -> Result<Vec<SubscriptionRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM push_subscriptions WHERE user_id = $1 \
             ORDER BY created_at, id"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(subscription)
        .collect()
    }

    /// Removes a subscription of `user_id` (any user's with `None`: a push service said it
    /// is gone); false when there was none. Its pending deliveries go with it.
    pub async fn remove_subscription(
        &self,
        user_id: Option<&str>,
        id: &str,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        let removed = match user_id {
            Some(u) => sqlx::query("DELETE FROM push_subscriptions WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(u),
            None => sqlx::query("DELETE FROM push_subscriptions WHERE id = $1").bind(id),
        }
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if removed {
            sqlx::query(
                "UPDATE notification_deliveries SET status = 'gone', lease_until = NULL \
                 WHERE subscription_id = $1 AND status IN ('pending', 'sending')",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// A subscription by id.
    pub async fn subscription(&self, id: &str) -> Result<Option<SubscriptionRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM push_subscriptions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(subscription)
        .transpose()
    }

    /// Claims up to `limit` deliveries of `channel` due at `now`: pending ones whose time
    /// came, and ones whose claimer's lease ran out (a replica or gateway that died
    /// mid-send). Each is leased for `lease_ms` and counted as a try.
    pub async fn claim_deliveries(
        &self,
        channel: &str,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        let due: Vec<String> = sqlx::query(
            "SELECT id FROM notification_deliveries WHERE channel = $1 AND \
             ((status = 'pending' AND not_before <= $2) OR (status = 'sending' AND lease_until < $2)) \
             ORDER BY not_before, id LIMIT $3",
        )
        .bind(channel)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("id"))
        .collect::<Result<_, _>>()?;
        let mut claimed = Vec::with_capacity(due.len());
        for id in due {
            // Guarded again: on Postgres another replica may have claimed it meanwhile.
            let took = sqlx::query(
                "UPDATE notification_deliveries SET status = 'sending', lease_until = $1, \
                 attempts = attempts + 1 WHERE id = $2 AND ((status = 'pending' AND not_before <= $3) \
                 OR (status = 'sending' AND lease_until < $3))",
            )
            .bind(now + lease_ms)
            .bind(&id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if took {
                let row = sqlx::query(&format!(
                    "SELECT {DELIVERY_COLUMNS} FROM notification_deliveries WHERE id = $1"
                ))
                .bind(&id)
                .fetch_one(&mut *tx)
                .await?;
                claimed.push(delivery(&row)?);
            }
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// Records how a claimed delivery went: `sent`, `gone` (the subscription no longer
    /// exists), `failed` (given up), or back to `pending` at `retry_at` with the error.
    pub async fn finish_delivery(
        &self,
        id: &str,
        status: &str,
        error: Option<&str>,
        retry_at: Option<i64>,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let now = now_ms();
        let changed = sqlx::query(
            "UPDATE notification_deliveries SET status = $1, last_error = COALESCE($2, last_error), \
             not_before = COALESCE($3, not_before), lease_until = NULL, \
             sent_at = CASE WHEN $1 = 'sent' THEN $4 ELSE sent_at END \
             WHERE id = $5 AND status = 'sending'",
        )
        .bind(status)
        .bind(error)
        .bind(retry_at)
        .bind(now)
        .bind(id)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(changed > 0)
    }

    /// A delivery by id.
    pub async fn delivery(&self, id: &str) -> Result<Option<DeliveryRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM notification_deliveries WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(delivery)
        .transpose()
    }

    /// `user_id`'s deliveries (every one with `None`), newest first, a page of them.
    pub async fn deliveries(
        &self,
        user_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let sql = match user_id {
            Some(_) => format!(
                "SELECT {DELIVERY_COLUMNS} FROM notification_deliveries WHERE user_id = $1 \
                 ORDER BY created_at DESC, id LIMIT $2"
            ),
            None => format!(
                "SELECT {DELIVERY_COLUMNS} FROM notification_deliveries \
                 ORDER BY created_at DESC, id LIMIT $1"
            ),
        };
        // Placeholders are numbered in the order they appear (SQLite binds them so).
        let mut q = sqlx::query(&sql);
        if let Some(u) = user_id {
            q = q.bind(u);
        }
        q = q.bind(limit);
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(delivery)
            .collect()
    }

    /// The server's VAPID key pair (private, public; base64url), storing `make()`'s when
    /// there is none yet. Replicas starting at once agree: the first insert wins.
    pub async fn vapid_keys(
        &self,
        make: impl FnOnce() -> (String, String),
    ) -> Result<(String, String), StoreError> {
        let read = || async {
            sqlx::query("SELECT private_key, public_key FROM vapid_keys WHERE id = 'default'")
                .fetch_optional(self.pool())
                .await?
                .map(|r| Ok::<_, StoreError>((r.try_get("private_key")?, r.try_get("public_key")?)))
                .transpose()
        };
        if let Some(keys) = read().await? {
            return Ok(keys);
        }
        let (private, public) = make();
        sqlx::query(
            "INSERT INTO vapid_keys (id, private_key, public_key, created_at) \
             VALUES ('default', $1, $2, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&private)
        .bind(&public)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        read()
            .await?
            .ok_or_else(|| StoreError::Corrupt("the VAPID key just stored is not there".into()))
    }

    /// Learners who may need a reminder at `now`: a streak to keep (active on a day on or
    /// after `since_date`, the earliest local yesterday anywhere), or reviews due; with
    /// their time zone, streak, last active day and the reviews due.
    pub async fn reminder_candidates(
        &self,
        now: i64,
        since_date: &str,
    ) -> Result<Vec<ReminderCandidate>, StoreError> {
        sqlx::query(
            "SELECT u.id, u.timezone, u.streak, u.last_active_date, \
             (SELECT COUNT(*) FROM review_schedule r WHERE r.user_id = u.id AND r.due_at <= $1) AS due \
             FROM users u WHERE u.is_active = 1 AND ((u.streak > 0 AND u.last_active_date >= $2) \
             OR EXISTS (SELECT 1 FROM review_schedule r WHERE r.user_id = u.id AND r.due_at <= $1))",
        )
        .bind(now)
        .bind(since_date)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(ReminderCandidate {
                user_id: r.try_get("id")?,
                timezone: r.try_get("timezone")?,
                streak: r.try_get("streak")?,
                last_active_date: r.try_get("last_active_date")?,
                reviews_due: r.try_get("due")?,
            })
        })
        .collect()
    }
}

/// A user to notify, as [`Db::notification_targets`] reads them.
#[derive(Debug, Clone)]
pub struct NotificationTarget {
    /// The user.
    pub user_id: String,
    /// Their time zone.
    pub timezone: String,
    /// Their profile's `notification_preferences` document (`null` without one).
    pub preferences: serde_json::Value,
    /// Their push subscriptions.
    pub subscriptions: Vec<SubscriptionRow>,
}

/// A learner the reminder sweep looks at.
#[derive(Debug, Clone)]
pub struct ReminderCandidate {
    /// The learner.
    pub user_id: String,
    /// Their time zone.
    pub timezone: String,
    /// Their streak.
    pub streak: i64,
    /// Their last active local day.
    pub last_active_date: Option<String>,
    /// Reviews due now.
    pub reviews_due: i64,
}
