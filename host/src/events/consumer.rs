//! Running a consumer group: take deliveries, parse and check each envelope, skip event ids
//! the group handled already, hand the rest to the group's [`Handler`], and acknowledge,
//! retry with backoff, or dead-letter (a message that does not parse at once; one whose
//! handler keeps failing after [`ConsumerSettings::max_attempts`] deliveries).
//!
//! Handlers must be idempotent by event id: the group records an id as handled after its
//! handler succeeded, so a crash between the two runs the handler again (derive stored ids
//! from the event id, insert with `ON CONFLICT DO NOTHING`).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{Bus, DeadLetter, Delivery, Envelope, EventsError, Subscription, Topic};
use crate::store::now_ms;

/// What a consumer group does with an event.
#[async_trait::async_trait]
pub trait Handler: Send + Sync {
    /// Handles one event; an error is retried (and dead-lettered after the last try),
    /// with the message as the dead letter's reason.
    async fn handle(&self, event: &Envelope) -> Result<(), String>;
}

/// How a consumer group runs.
#[derive(Debug, Clone)]
pub struct ConsumerSettings {
    /// Deliveries before a failing event is dead-lettered.
    pub max_attempts: u32,
    /// The wait before the first retry; doubled for each further one.
    pub backoff: Duration,
    /// The longest wait between retries.
    pub max_backoff: Duration,
    /// Deliveries taken at once.
    pub batch: usize,
    /// How long one fetch waits for a message before looking again.
    pub wait: Duration,
}

impl Default for ConsumerSettings {
    fn default() -> Self {
        ConsumerSettings {
            max_attempts: 5,
            backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(30),
            batch: 32,
            wait: Duration::from_secs(1),
        }
    }
}

impl ConsumerSettings {
    /// The wait before delivery `attempt + 1`.
    pub fn backoff_after(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(20);
        (self.backoff * 2u32.pow(doublings)).min(self.max_backoff)
    }
}

/// What became of one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The handler succeeded.
    Handled,
    /// The group had handled this event id already.
    Duplicate,
    /// It will be delivered again.
    Retried,
    /// It went to the dead-letter topic.
    DeadLettered,
}

/// Runs `handler` for `subscription` until `shutdown`. Errors of the bus itself (the
/// database or NATS away) are logged and retried after a pause; nothing is lost, since
/// an unacknowledged delivery comes back.
pub async fn run(
    bus: Bus,
    subscription: Subscription,
    handler: std::sync::Arc<dyn Handler>,
    settings: ConsumerSettings,
    shutdown: CancellationToken,
) {
    let mut failing = false;
    while !shutdown.is_cancelled() {
        let fetched = tokio::select! {
            () = shutdown.cancelled() => return,
            r = bus.backend().fetch(&subscription, settings.batch, settings.wait) => r,
        };
        let deliveries = match fetched {
            Ok(d) => {
                failing = false;
                d
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(consumer = subscription.consumer, topic = %subscription.topic, error = %e, "cannot fetch events; retrying");
                    failing = true;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        for delivery in deliveries {
            if let Err(e) =
                process(&bus, &subscription, handler.as_ref(), &settings, &delivery).await
            {
                // Not acknowledged: it comes back when its lease (ack wait) runs out.
                tracing::warn!(consumer = subscription.consumer, message = %delivery.message_id, error = %e, "event left for redelivery");
            }
        }
    }
}

/// Handles one delivery and settles it with the backend.
pub async fn process(
    bus: &Bus,
    subscription: &Subscription,
    handler: &dyn Handler,
    settings: &ConsumerSettings,
    delivery: &Delivery,
) -> Result<Outcome, EventsError> {
    let backend = bus.backend();
    let envelope = match Envelope::parse(&delivery.payload) {
        Ok(e) if e.topic == subscription.topic => e,
        Ok(e) => {
            let reason = format!(
                "published on {} but says topic {}",
                subscription.topic, e.topic
            );
            dead_letter(bus, subscription, delivery, &reason).await?;
            backend.ack(subscription, delivery).await?;
            return Ok(Outcome::DeadLettered);
        }
        Err(e) => {
            dead_letter(bus, subscription, delivery, &format!("does not parse: {e}")).await?;
            backend.ack(subscription, delivery).await?;
            return Ok(Outcome::DeadLettered);
        }
    };
    if handled(bus, subscription.consumer, &envelope.id).await? {
        backend.ack(subscription, delivery).await?;
        return Ok(Outcome::Duplicate);
    }
    match handler.handle(&envelope).await {
        Ok(()) => {
            mark_handled(bus, subscription.consumer, &envelope.id).await?;
            backend.ack(subscription, delivery).await?;
            Ok(Outcome::Handled)
        }
        Err(reason) if delivery.attempt >= settings.max_attempts => {
            let reason = format!("failed {} times; last: {reason}", delivery.attempt);
            dead_letter(bus, subscription, delivery, &reason).await?;
            backend.ack(subscription, delivery).await?;
            Ok(Outcome::DeadLettered)
        }
        Err(reason) => {
            let after = settings.backoff_after(delivery.attempt);
            tracing::info!(consumer = subscription.consumer, event = %envelope.id, attempt = delivery.attempt, ?after, %reason, "event handler failed; retrying");
            backend.retry(subscription, delivery, after).await?;
            Ok(Outcome::Retried)
        }
    }
}

async fn dead_letter(
    bus: &Bus,
    subscription: &Subscription,
    delivery: &Delivery,
    reason: &str,
) -> Result<(), EventsError> {
    tracing::warn!(consumer = subscription.consumer, topic = %subscription.topic, message = %delivery.message_id, %reason, "event dead-lettered");
    let letter = DeadLetter {
        topic: subscription.topic.as_str().to_owned(),
        consumer: subscription.consumer.to_owned(),
        attempts: delivery.attempt,
        reason: reason.to_owned(),
        original: String::from_utf8_lossy(&delivery.payload).into_owned(),
    };
    let payload = serde_json::to_value(&letter).map_err(|e| EventsError::Invalid {
        field: "payload".into(),
        reason: e.to_string(),
    })?;
    bus.publish(&Envelope::new(Topic::DeadLetter, "dead-letter", payload))
        .await
}

/// Whether `consumer` handled the event `event_id` already.
pub async fn handled(bus: &Bus, consumer: &str, event_id: &str) -> Result<bool, EventsError> {
    Ok(
        sqlx::query("SELECT event_id FROM event_processed WHERE consumer = $1 AND event_id = $2")
            .bind(consumer)
            .bind(event_id)
            .fetch_optional(bus.db().pool())
            .await?
            .is_some(),
    )
}

async fn mark_handled(bus: &Bus, consumer: &str, event_id: &str) -> Result<(), EventsError> {
    let db = bus.db();
    let _turn = db.write_turn().await;
    sqlx::query(
        "INSERT INTO event_processed (consumer, event_id, processed_at) VALUES ($1, $2, $3) \
         ON CONFLICT (consumer, event_id) DO NOTHING",
    )
    .bind(consumer)
    .bind(event_id)
    .bind(now_ms())
    .execute(db.pool())
    .await?;
    Ok(())
}
