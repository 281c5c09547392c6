//! The embedded bus, in the database (the default; SQLite or Postgres): `events` holds
//! every message, `event_deliveries` one row per subscribed group until the group
//! acknowledges it. A consumer leases a batch of its rows (`FOR UPDATE SKIP LOCKED` on
//! Postgres, so replicas split the work; SQLite has one writer); a lease that runs out
//! (the consumer crashed) makes the rows available again. Consumers in this process are
//! woken at once by a publish here; others poll.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use sqlx::Row;
use tokio::sync::Notify;

use super::{Backend, Delivery, DeliveryToken, EventsError, Subscription, Topic};
use crate::store::{Backend as DbBackend, Db, now_ms};

/// How often an idle consumer looks for messages published by another process.
const POLL: Duration = Duration::from_millis(200);

/// The database backend.
pub struct Embedded {
    db: Db,
    lease: Duration,
    published: Arc<Notify>,
}

impl Embedded {
    /// A backend in `db`; a delivery taken is leased for `lease` (then redelivered).
    pub fn new(db: Db, lease: Duration) -> Embedded {
        Embedded {
            db,
            lease,
            published: Arc::new(Notify::new()),
        }
    }

    async fn claim(
        &self,
        subscription: &Subscription,
        max: usize,
    ) -> Result<Vec<Delivery>, EventsError> {
        let now = now_ms();
        let lease_until = now + i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX / 2);
        let lock = match self.db.backend() {
            DbBackend::Postgres => " FOR UPDATE SKIP LOCKED",
            DbBackend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE event_deliveries SET attempts = attempts + 1, lease_until = $1 \
             WHERE consumer = $2 AND event_id IN (SELECT event_id FROM event_deliveries \
             WHERE consumer = $2 AND topic = $3 AND available_at <= $4 \
             AND (lease_until IS NULL OR lease_until < $4) \
             ORDER BY available_at, event_id LIMIT $5{lock}) \
             RETURNING event_id, attempts"
        );
        let claimed = {
            let _turn = self.db.write_turn().await;
            sqlx::query(&sql)
                .bind(lease_until)
                .bind(subscription.consumer)
                .bind(subscription.topic.as_str())
                .bind(now)
                .bind(i64::try_from(max).unwrap_or(i64::MAX))
                .fetch_all(self.db.pool())
                .await?
        };
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        let mut attempts = std::collections::HashMap::new();
        for row in &claimed {
            let id: String = row.try_get("event_id")?;
            let n: i64 = row.try_get("attempts")?;
            attempts.insert(id, u32::try_from(n).unwrap_or(u32::MAX));
        }
        let placeholders: Vec<String> = (1..=attempts.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, payload FROM events WHERE id IN ({}) ORDER BY published_at, id",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in attempts.keys() {
            query = query.bind(id.clone());
        }
        let mut out = Vec::with_capacity(attempts.len());
        for row in query.fetch_all(self.db.pool()).await? {
            let id: String = row.try_get("id")?;
            let payload: String = row.try_get("payload")?;
            let attempt = attempts.get(&id).copied().unwrap_or(1);
            out.push(Delivery {
                message_id: id,
                payload: Bytes::from(payload),
                attempt,
                token: DeliveryToken::Embedded { lease_until },
            });
        }
        Ok(out)
    }
}

fn fence(delivery: &Delivery) -> i64 {
    match delivery.token {
        DeliveryToken::Embedded { lease_until } => lease_until,
        // A NATS delivery never reaches this backend; a fence no lease has matches nothing.
        DeliveryToken::Nats(_) => i64::MIN,
    }
}

#[async_trait::async_trait]
impl Backend for Embedded {
    fn name(&self) -> &'static str {
        "embedded"
    }

    async fn subscribe(&self, subscriptions: &[Subscription]) -> Result<(), EventsError> {
        let _turn = self.db.write_turn().await;
        for s in subscriptions {
            sqlx::query(
                "INSERT INTO event_subscriptions (consumer, topic, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (consumer, topic) DO NOTHING",
            )
            .bind(s.consumer)
            .bind(s.topic.as_str())
            .bind(now_ms())
            .execute(self.db.pool())
            .await?;
        }
        Ok(())
    }

    async fn unsubscribe(&self, consumer: &str, topic: Topic) -> Result<bool, EventsError> {
        let _turn = self.db.write_turn().await;
        let mut tx = self.db.begin_write().await?;
        let removed =
            sqlx::query("DELETE FROM event_subscriptions WHERE consumer = $1 AND topic = $2")
                .bind(consumer)
                .bind(topic.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        sqlx::query("DELETE FROM event_deliveries WHERE consumer = $1 AND topic = $2")
            .bind(consumer)
            .bind(topic.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(removed == 1)
    }

    async fn publish(
        &self,
        message_id: &str,
        topic: Topic,
        payload: &[u8],
    ) -> Result<(), EventsError> {
        let now = now_ms();
        {
            let _turn = self.db.write_turn().await;
            let mut tx = self.db.begin_write().await?;
            // A message published again under the same id (a relay that died before
            // deleting its outbox row) is stored once.
            let inserted = sqlx::query(
                "INSERT INTO events (id, topic, payload, user_id, published_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
            )
            .bind(message_id)
            .bind(topic.as_str())
            .bind(String::from_utf8_lossy(payload).into_owned())
            .bind(super::envelope::user_of(payload))
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 1 {
                sqlx::query(
                    "INSERT INTO event_deliveries (event_id, consumer, topic, attempts, \
                     available_at) SELECT $1, consumer, topic, 0, $2 FROM event_subscriptions \
                     WHERE topic = $3",
                )
                .bind(message_id)
                .bind(now)
                .bind(topic.as_str())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        }
        self.published.notify_waiters();
        Ok(())
    }

    async fn fetch(
        &self,
        subscription: &Subscription,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Delivery>, EventsError> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Registered before looking, so a publish between the look and the wait
            // still wakes this consumer.
            let published = self.published.notified();
            tokio::pin!(published);
            published.as_mut().enable();
            let found = self.claim(subscription, max).await?;
            let now = tokio::time::Instant::now();
            if !found.is_empty() || now >= deadline {
                return Ok(found);
            }
            let nap = POLL.min(deadline - now);
            tokio::select! {
                () = published => {}
                () = tokio::time::sleep(nap) => {}
            }
        }
    }

    async fn ack(
        &self,
        subscription: &Subscription,
        delivery: &Delivery,
    ) -> Result<(), EventsError> {
        let _turn = self.db.write_turn().await;
        sqlx::query(
            "DELETE FROM event_deliveries WHERE event_id = $1 AND consumer = $2 \
             AND lease_until = $3",
        )
        .bind(&delivery.message_id)
        .bind(subscription.consumer)
        .bind(fence(delivery))
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    async fn retry(
        &self,
        subscription: &Subscription,
        delivery: &Delivery,
        after: Duration,
    ) -> Result<(), EventsError> {
        let at = now_ms() + i64::try_from(after.as_millis()).unwrap_or(i64::MAX / 2);
        let _turn = self.db.write_turn().await;
        sqlx::query(
            "UPDATE event_deliveries SET lease_until = NULL, available_at = $4 \
             WHERE event_id = $1 AND consumer = $2 AND lease_until = $3",
        )
        .bind(&delivery.message_id)
        .bind(subscription.consumer)
        .bind(fence(delivery))
        .bind(at)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    async fn dead_letters(&self, limit: usize) -> Result<Vec<(String, Bytes)>, EventsError> {
        let rows = sqlx::query(
            "SELECT id, payload FROM events WHERE topic = $1 ORDER BY published_at, id LIMIT $2",
        )
        .bind(Topic::DeadLetter.as_str())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let payload: String = r.try_get("payload")?;
                Ok((r.try_get("id")?, Bytes::from(payload)))
            })
            .collect()
    }

    async fn remove_dead_letter(&self, message_id: &str) -> Result<bool, EventsError> {
        let _turn = self.db.write_turn().await;
        let removed = sqlx::query("DELETE FROM events WHERE id = $1 AND topic = $2")
            .bind(message_id)
            .bind(Topic::DeadLetter.as_str())
            .execute(self.db.pool())
            .await?
            .rows_affected();
        Ok(removed == 1)
    }
}
