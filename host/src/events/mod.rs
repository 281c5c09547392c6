//! The durable event pipeline (docs/events.md): the topics of docs/requirements.md's
//! tutoring flow, one [`Envelope`] for all of them, and one [`Bus`] over two backends:
//!
//! - [`embedded`]: the default, in the database (SQLite or Postgres): an events table with
//!   one leased delivery row per consumer group;
//! - [`nats`]: NATS JetStream for scale-out (`--nats-url`): one stream, one durable pull
//!   consumer per consumer group and topic.
//!
//! Writes that report something (an answer, a submission) put their events in the
//! [`outbox`] in the same transaction, and the relay publishes them, so an accepted write
//! never loses its event; [`consumer`] runs a group's handler with at-least-once delivery,
//! idempotence by event id, retries with backoff and a dead-letter topic.

pub mod consumer;
pub mod embedded;
pub mod envelope;
pub mod nats;
pub mod outbox;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio_util::sync::CancellationToken;

pub use envelope::{DeadLetter, Envelope, SCHEMA_VERSION, Topic};

use crate::store::{Db, StoreError};

/// A failure of the event pipeline.
#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    /// An envelope or payload that is not what its topic's schema says.
    #[error("invalid event: {field}: {reason}")]
    Invalid {
        /// The envelope field at fault (`payload` for the topic-specific body).
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// The database (the outbox, the embedded bus) failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// NATS could not be reached when the server started.
    #[error("cannot reach NATS at {url} (--nats-url): {reason}")]
    NatsUnreachable {
        /// The URL tried.
        url: String,
        /// Why.
        reason: String,
    },
    /// NATS answered with an error, or is disconnected.
    #[error("NATS: {0}")]
    Nats(String),
    /// `tessera events dlq replay` named a dead letter that does not exist.
    #[error("no dead letter {0}")]
    NoSuchDeadLetter(String),
}

impl From<sqlx::Error> for EventsError {
    fn from(e: sqlx::Error) -> Self {
        EventsError::Store(StoreError::Database(e))
    }
}

/// One consumer group's interest in one topic. Each group sees every message of the
/// topic once (at least once); the replicas of a group share its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subscription {
    /// The group, e.g. `struggle-detector` (letters, digits and `-`).
    pub consumer: &'static str,
    /// The topic.
    pub topic: Topic,
}

/// A message taken from the bus for a subscription, to be acknowledged or retried.
#[derive(Debug)]
pub struct Delivery {
    /// The message's id on the bus (not the envelope's: a replay is a new message).
    pub message_id: String,
    /// The message as published.
    pub payload: Bytes,
    /// Which delivery this is, from 1.
    pub attempt: u32,
    pub(crate) token: DeliveryToken,
}

/// What a backend needs to acknowledge a delivery.
#[derive(Debug)]
pub(crate) enum DeliveryToken {
    /// The lease it holds (the fence: an ack after the lease was taken over is ignored).
    Embedded { lease_until: i64 },
    /// The JetStream message.
    Nats(Box<async_nats::jetstream::Message>),
}

/// A dead letter as stored: its message id (what `dlq replay` takes) and what it says.
#[derive(Debug, Clone)]
pub struct StoredDeadLetter {
    /// The dead letter's message id on the bus.
    pub message_id: String,
    /// Its envelope (topic `dead-letter`).
    pub envelope: Envelope,
    /// What it carries.
    pub letter: DeadLetter,
}

/// A bus backend. Messages are opaque bytes here (normally an envelope's JSON): a
/// malformed message must still travel, to be dead-lettered by its consumer.
#[async_trait::async_trait]
pub trait Backend: Send + Sync {
    /// `embedded` or `nats`.
    fn name(&self) -> &'static str;

    /// Makes the subscriptions durable: messages published from now on are kept for each
    /// until it takes them, across restarts.
    async fn subscribe(&self, subscriptions: &[Subscription]) -> Result<(), EventsError>;

    /// Forgets the group `consumer`'s interest in `topic` and what waits for it (a group
    /// removed from the code); false if there was none.
    async fn unsubscribe(&self, consumer: &str, topic: Topic) -> Result<bool, EventsError>;

    /// Publishes one message; done when the backend has stored it.
    async fn publish(
        &self,
        message_id: &str,
        topic: Topic,
        payload: &[u8],
    ) -> Result<(), EventsError>;

    /// Takes up to `max` messages for `subscription`, waiting up to `wait` for the first.
    async fn fetch(
        &self,
        subscription: &Subscription,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Delivery>, EventsError>;

    /// The subscription is done with the delivery.
    async fn ack(
        &self,
        subscription: &Subscription,
        delivery: &Delivery,
    ) -> Result<(), EventsError>;

    /// Delivers it again, not before `after`.
    async fn retry(
        &self,
        subscription: &Subscription,
        delivery: &Delivery,
        after: Duration,
    ) -> Result<(), EventsError>;

    /// Messages on the `dead-letter` topic, oldest first, at most `limit`.
    async fn dead_letters(&self, limit: usize) -> Result<Vec<(String, Bytes)>, EventsError>;

    /// Removes the dead letter `message_id`; false if there is none.
    async fn remove_dead_letter(&self, message_id: &str) -> Result<bool, EventsError>;

    /// Whether a publish would reach the backend now (NATS connected).
    fn is_connected(&self) -> bool {
        true
    }
}

/// The bus: publishing (directly, or through the outbox when the backend is away),
/// the dead letters, and the backend consumers read from.
#[derive(Clone)]
pub struct Bus {
    backend: Arc<dyn Backend>,
    db: Db,
    relay_wake: Arc<tokio::sync::Notify>,
}

impl Bus {
    /// A bus over `backend`, with its outbox in `db`.
    pub fn new(backend: Arc<dyn Backend>, db: Db) -> Bus {
        Bus {
            backend,
            db,
            relay_wake: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// The backend.
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    /// The database the outbox lives in.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Publishes `envelope` after checking it. When the backend cannot take it now (NATS
    /// down), it waits in the outbox and the relay publishes it when the backend returns.
    pub async fn publish(&self, envelope: &Envelope) -> Result<(), EventsError> {
        envelope.check()?;
        let message_id = uuid::Uuid::new_v4().to_string();
        let bytes = envelope.to_bytes();
        if self.backend.is_connected() {
            match self
                .backend
                .publish(&message_id, envelope.topic, &bytes)
                .await
            {
                Ok(()) => return Ok(()),
                Err(e) => {
                    tracing::warn!(error = %e, topic = %envelope.topic, "publish failed; the event waits in the outbox");
                }
            }
        }
        outbox::insert_raw(&self.db, &message_id, envelope.topic, &bytes).await?;
        self.relay_wake.notify_one();
        Ok(())
    }

    /// Tells the relay that the outbox has new rows (after a transaction that staged
    /// events with [`outbox::stage`] committed).
    pub fn outbox_written(&self) {
        self.relay_wake.notify_one();
    }

    /// The dead letters, oldest first.
    pub async fn dead_letters(&self, limit: usize) -> Result<Vec<StoredDeadLetter>, EventsError> {
        let mut out = Vec::new();
        for (message_id, bytes) in self.backend.dead_letters(limit).await? {
            // A dead letter is written by this code; one that does not parse is listed
            // with what can be read of it rather than hidden.
            match Envelope::parse(&bytes).and_then(|envelope| {
                let letter: DeadLetter =
                    serde_json::from_value(envelope.payload.clone()).map_err(|e| {
                        EventsError::Invalid {
                            field: "payload".into(),
                            reason: e.to_string(),
                        }
                    })?;
                Ok((envelope, letter))
            }) {
                Ok((envelope, letter)) => out.push(StoredDeadLetter {
                    message_id,
                    envelope,
                    letter,
                }),
                Err(e) => tracing::warn!(%message_id, error = %e, "unreadable dead letter"),
            }
        }
        Ok(out)
    }

    /// Publishes the dead letter's original message again on its topic (a new message:
    /// every group of the topic gets it; those that handled its event already skip it)
    /// and removes the dead letter.
    pub async fn replay(&self, message_id: &str) -> Result<DeadLetter, EventsError> {
        let letters = self.dead_letters(usize::MAX).await?;
        let Some(found) = letters.into_iter().find(|d| d.message_id == message_id) else {
            return Err(EventsError::NoSuchDeadLetter(message_id.to_owned()));
        };
        let topic = Topic::from_name(&found.letter.topic).ok_or_else(|| EventsError::Invalid {
            field: "topic".into(),
            reason: format!("`{}` is not a topic", found.letter.topic),
        })?;
        self.backend
            .publish(
                &uuid::Uuid::new_v4().to_string(),
                topic,
                found.letter.original.as_bytes(),
            )
            .await?;
        self.backend.remove_dead_letter(message_id).await?;
        Ok(found.letter)
    }

    /// Starts the outbox relay; it stops when `shutdown` is cancelled.
    pub fn spawn_relay(&self, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        let bus = self.clone();
        tokio::spawn(async move { outbox::relay(bus, shutdown).await })
    }
}
