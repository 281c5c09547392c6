//! The outbox: events written in the transaction of the write they report (so a write
//! that commits always has its events, and one that rolls back has none), and the relay
//! that publishes them to the bus and deletes them. The relay also holds what
//! [`Bus::publish`] could not publish (NATS down): it retries with backoff until the
//! backend takes it. Delivery stays at least once: a relay that dies between publishing
//! and deleting publishes again, and consumers skip event ids they handled.

use std::time::Duration;

use sqlx::{Any, Row, Transaction};
use tokio_util::sync::CancellationToken;

use super::{Bus, Envelope, EventsError, Topic};
use crate::store::{Backend as DbBackend, Db, StoreError, now_ms};

/// Rows the relay publishes per pass.
const BATCH: i64 = 256;
/// How often the relay looks without being told (rows staged by another replica).
const IDLE_POLL: Duration = Duration::from_millis(500);
/// The longest wait between tries while the backend refuses.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Writes `envelopes` to the outbox in `tx` after checking each; call
/// [`Bus::outbox_written`] once the transaction committed. An envelope its topic's schema
/// refuses is a bug of the code that built it, and fails the write
/// ([`StoreError::Corrupt`]): a write must not commit without its events.
pub async fn stage(
    tx: &mut Transaction<'static, Any>,
    envelopes: &[Envelope],
) -> Result<(), StoreError> {
    for envelope in envelopes {
        envelope
            .check()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO event_outbox (id, topic, payload, user_id, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(envelope.topic.as_str())
        .bind(String::from_utf8_lossy(&envelope.to_bytes()).into_owned())
        .bind(envelope.user_id.as_deref())
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Writes one message to the outbox as it is.
pub(super) async fn insert_raw(
    db: &Db,
    message_id: &str,
    topic: Topic,
    bytes: &[u8],
) -> Result<(), EventsError> {
    let _turn = db.write_turn().await;
    sqlx::query(
        "INSERT INTO event_outbox (id, topic, payload, user_id, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(message_id)
    .bind(topic.as_str())
    .bind(String::from_utf8_lossy(bytes).into_owned())
    .bind(super::envelope::user_of(bytes))
    .bind(now_ms())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// How many messages wait in the outbox.
pub async fn pending(db: &Db) -> Result<i64, EventsError> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM event_outbox")
        .fetch_one(db.pool())
        .await?
        .try_get("n")?)
}

/// One pass: publishes up to [`BATCH`] of the oldest rows and deletes them. Returns how
/// many were published; stops at the first the backend refuses (order is kept).
pub async fn drain_once(bus: &Bus) -> Result<usize, EventsError> {
    let db = bus.db();
    // On Postgres the rows stay locked while they are published, so the relays of other
    // replicas skip them instead of publishing them twice.
    let mut tx = match db.backend() {
        DbBackend::Postgres => Some(db.pool().begin().await?),
        DbBackend::Sqlite => None,
    };
    let select = match db.backend() {
        DbBackend::Postgres => {
            "SELECT id, topic, payload FROM event_outbox ORDER BY created_at, id LIMIT $1 \
             FOR UPDATE SKIP LOCKED"
        }
        DbBackend::Sqlite => {
            "SELECT id, topic, payload FROM event_outbox ORDER BY created_at, id LIMIT $1"
        }
    };
    let query = sqlx::query(select).bind(BATCH);
    let rows = match tx.as_mut() {
        Some(tx) => query.fetch_all(&mut **tx).await?,
        None => query.fetch_all(db.pool()).await?,
    };
    let mut published = Vec::new();
    let mut failure = None;
    for row in &rows {
        let id: String = row.try_get("id")?;
        let topic: String = row.try_get("topic")?;
        let payload: String = row.try_get("payload")?;
        let Some(topic) = Topic::from_name(&topic) else {
            // Only this code writes the outbox; a row naming no topic cannot be published
            // anywhere, so it is dropped rather than blocking the rows behind it.
            tracing::error!(%id, %topic, "outbox row names no topic; dropped");
            published.push(id);
            continue;
        };
        match bus.backend().publish(&id, topic, payload.as_bytes()).await {
            Ok(()) => published.push(id),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let _turn = match tx {
        Some(_) => None,
        None => db.write_turn().await,
    };
    for id in &published {
        let delete = sqlx::query("DELETE FROM event_outbox WHERE id = $1").bind(id);
        match tx.as_mut() {
            Some(tx) => delete.execute(&mut **tx).await?,
            None => delete.execute(db.pool()).await?,
        };
    }
    if let Some(tx) = tx {
        tx.commit().await?;
    }
    match failure {
        Some(e) if published.is_empty() => Err(e),
        _ => Ok(published.len()),
    }
}

/// How long handled events (embedded bus) and consumers' handled ids are kept: as long
/// as JetStream keeps messages, so no redelivery outlives its record.
pub const RETENTION: Duration = Duration::from_secs(14 * 24 * 3600);
/// How often the relay prunes.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Deletes what is older than `retention`: embedded-bus events every group acknowledged
/// (dead letters stay until replayed), and consumers' records of handled ids. Returns the
/// rows deleted.
pub async fn prune(db: &Db, retention: Duration) -> Result<u64, EventsError> {
    let cutoff = now_ms() - i64::try_from(retention.as_millis()).unwrap_or(i64::MAX / 2);
    let _turn = db.write_turn().await;
    let events = sqlx::query(
        "DELETE FROM events WHERE published_at < $1 AND topic <> $2 \
         AND NOT EXISTS (SELECT 1 FROM event_deliveries d WHERE d.event_id = events.id)",
    )
    .bind(cutoff)
    .bind(Topic::DeadLetter.as_str())
    .execute(db.pool())
    .await?
    .rows_affected();
    let handled = sqlx::query("DELETE FROM event_processed WHERE processed_at < $1")
        .bind(cutoff)
        .execute(db.pool())
        .await?
        .rows_affected();
    Ok(events + handled)
}

/// Publishes the outbox until `shutdown`: at once when told ([`Bus::outbox_written`]),
/// else every [`IDLE_POLL`]; with backoff while the backend refuses.
pub(super) async fn relay(bus: Bus, shutdown: CancellationToken) {
    let mut backoff = Duration::from_millis(100);
    let mut failing = false;
    let mut pruned = tokio::time::Instant::now();
    loop {
        if pruned.elapsed() >= PRUNE_EVERY {
            pruned = tokio::time::Instant::now();
            match prune(bus.db(), RETENTION).await {
                Ok(n) => tracing::debug!(rows = n, "old events pruned"),
                Err(e) => tracing::warn!(error = %e, "cannot prune old events"),
            }
        }
        let wait = match drain_once(&bus).await {
            Ok(n) => {
                if failing {
                    tracing::info!("event bus reachable again; the outbox drains");
                    failing = false;
                }
                backoff = Duration::from_millis(100);
                if n as i64 == BATCH {
                    continue;
                }
                IDLE_POLL
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "cannot publish the outbox; retrying with backoff");
                    failing = true;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                backoff
            }
        };
        tokio::select! {
            () = shutdown.cancelled() => {
                // One last pass for what the last requests staged.
                if let Err(e) = drain_once(&bus).await {
                    tracing::warn!(error = %e, "events left in the outbox for the next start");
                }
                return;
            }
            () = bus.relay_wake.notified(), if !failing => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}
