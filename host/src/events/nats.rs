//! The scale-out bus: NATS JetStream (`--nats-url`). One stream (`--nats-stream`, default
//! `TESSERA_EVENTS`) holds every topic under the subject `<stream>.<topic>`; each
//! subscription is a durable pull consumer `<group>--<topic>` (explicit acks, the lease
//! as ack wait), so the replicas of a group split its messages and a crashed consumer's
//! messages come back after the ack wait. Publishes carry the message id as
//! `Nats-Msg-Id`, so a relay publishing a message twice stores it once. Dead letters are
//! the subject `<stream>.dead-letter`; their ids are stream sequence numbers.

use std::collections::HashMap;
use std::time::Duration;

use async_nats::connection::State;
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, PullConsumer, pull};
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::{self, AckKind, stream};
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::Mutex;

use super::{Backend, Delivery, DeliveryToken, EventsError, Subscription, Topic};

/// How to reach JetStream.
#[derive(Debug, Clone)]
pub struct NatsSettings {
    /// Server URL, e.g. `nats://127.0.0.1:4222`.
    pub url: String,
    /// Stream name; also the subjects' prefix. Letters, digits, `-` and `_`.
    pub stream: String,
    /// How long a delivery may stay unacknowledged before it is delivered again.
    pub ack_wait: Duration,
    /// How long messages (and dead letters) are kept.
    pub max_age: Duration,
}

impl NatsSettings {
    /// Settings for `url` with the default stream, a 30 s ack wait and 14 days' keeping.
    pub fn new(url: &str) -> NatsSettings {
        NatsSettings {
            url: url.to_owned(),
            stream: "TESSERA_EVENTS".into(),
            ack_wait: Duration::from_secs(30),
            max_age: Duration::from_secs(14 * 24 * 3600),
        }
    }
}

/// The JetStream backend.
pub struct Nats {
    client: async_nats::Client,
    js: jetstream::Context,
    stream: stream::Stream,
    settings: NatsSettings,
    consumers: Mutex<HashMap<Subscription, PullConsumer>>,
}

fn nats_error(e: impl std::fmt::Display) -> EventsError {
    EventsError::Nats(e.to_string())
}

impl Nats {
    /// Connects and creates the stream if it is missing. An unreachable server is an
    /// error naming `--nats-url` (no silent retry at start-up); once connected, the
    /// client reconnects by itself and the outbox holds what cannot be published.
    pub async fn connect(settings: NatsSettings) -> Result<Nats, EventsError> {
        let unreachable = |reason: String| EventsError::NatsUnreachable {
            url: settings.url.clone(),
            reason,
        };
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(3))
            .connect(settings.url.as_str())
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let mut js = jetstream::new(client.clone());
        js.set_timeout(Duration::from_secs(3));
        let stream = js
            .get_or_create_stream(stream::Config {
                name: settings.stream.clone(),
                subjects: vec![format!("{}.>", settings.stream)],
                max_age: settings.max_age,
                storage: stream::StorageType::File,
                duplicate_window: Duration::from_secs(120),
                ..Default::default()
            })
            .await
            .map_err(|e| {
                unreachable(format!("cannot create the stream {}: {e}", settings.stream))
            })?;
        Ok(Nats {
            client,
            js,
            stream,
            settings,
            consumers: Mutex::new(HashMap::new()),
        })
    }

    fn subject(&self, topic: Topic) -> String {
        format!("{}.{}", self.settings.stream, topic.as_str())
    }

    /// The durable consumer's name of a group and topic.
    fn durable(consumer: &str, topic: Topic) -> String {
        format!("{consumer}--{}", topic.as_str().replace('.', "-"))
    }

    async fn consumer(&self, subscription: &Subscription) -> Result<PullConsumer, EventsError> {
        let mut consumers = self.consumers.lock().await;
        if let Some(c) = consumers.get(subscription) {
            return Ok(c.clone());
        }
        let name = Self::durable(subscription.consumer, subscription.topic);
        let consumer = self
            .stream
            .get_or_create_consumer(
                &name,
                pull::Config {
                    durable_name: Some(name.clone()),
                    filter_subject: self.subject(subscription.topic),
                    ack_policy: AckPolicy::Explicit,
                    ack_wait: self.settings.ack_wait,
                    // The consumer loop dead-letters after its own count; the server
                    // never drops a message silently.
                    max_deliver: -1,
                    deliver_policy: DeliverPolicy::All,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| nats_error(format!("consumer {name}: {e}")))?;
        consumers.insert(*subscription, consumer.clone());
        Ok(consumer)
    }

    /// What is available now, without waiting (at most `max`).
    async fn available(
        consumer: &PullConsumer,
        max: usize,
    ) -> Result<Vec<jetstream::Message>, EventsError> {
        let mut batch = consumer
            .fetch()
            .max_messages(max)
            .messages()
            .await
            .map_err(nats_error)?;
        let mut out = Vec::new();
        while let Some(message) = batch.next().await {
            out.push(message.map_err(nats_error)?);
        }
        Ok(out)
    }

    fn delivery(message: jetstream::Message) -> Result<Delivery, EventsError> {
        let info = message.info().map_err(nats_error)?;
        let (sequence, delivered) = (info.stream_sequence, info.delivered);
        Ok(Delivery {
            message_id: sequence.to_string(),
            payload: message.payload.clone(),
            attempt: u32::try_from(delivered).unwrap_or(u32::MAX).max(1),
            token: DeliveryToken::Nats(Box::new(message)),
        })
    }
}

fn message_of(delivery: &Delivery) -> Result<&jetstream::Message, EventsError> {
    match &delivery.token {
        DeliveryToken::Nats(m) => Ok(m),
        DeliveryToken::Embedded { .. } => Err(EventsError::Nats("not a NATS delivery".into())),
    }
}

#[async_trait::async_trait]
impl Backend for Nats {
    fn name(&self) -> &'static str {
        "nats"
    }

    async fn subscribe(&self, subscriptions: &[Subscription]) -> Result<(), EventsError> {
        for s in subscriptions {
            self.consumer(s).await?;
        }
        Ok(())
    }

    async fn unsubscribe(&self, consumer: &str, topic: Topic) -> Result<bool, EventsError> {
        self.consumers
            .lock()
            .await
            .retain(|s, _| !(s.consumer == consumer && s.topic == topic));
        let name = Self::durable(consumer, topic);
        match self.stream.delete_consumer(&name).await {
            Ok(_) => Ok(true),
            Err(e) if e.to_string().contains("not found") => Ok(false),
            Err(e) => Err(nats_error(format!("consumer {name}: {e}"))),
        }
    }

    async fn publish(
        &self,
        message_id: &str,
        topic: Topic,
        payload: &[u8],
    ) -> Result<(), EventsError> {
        self.js
            .send_publish(
                self.subject(topic),
                PublishMessage::build()
                    .payload(Bytes::copy_from_slice(payload))
                    .message_id(message_id),
            )
            .await
            .map_err(nats_error)?
            .await
            .map_err(nats_error)?;
        Ok(())
    }

    async fn fetch(
        &self,
        subscription: &Subscription,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Delivery>, EventsError> {
        let consumer = self.consumer(subscription).await?;
        let mut messages = Self::available(&consumer, max).await?;
        if messages.is_empty() {
            // Wait for one message (a pull of one ends as soon as it arrives, leaving no
            // pending request behind), then take whatever else is there.
            let mut one = consumer
                .batch()
                .max_messages(1)
                .expires(wait.max(Duration::from_millis(10)))
                .messages()
                .await
                .map_err(nats_error)?;
            if let Some(first) = one.next().await {
                messages.push(first.map_err(nats_error)?);
                if max > 1 {
                    messages.extend(Self::available(&consumer, max - 1).await?);
                }
            }
        }
        messages.into_iter().map(Self::delivery).collect()
    }

    async fn ack(&self, _: &Subscription, delivery: &Delivery) -> Result<(), EventsError> {
        // Confirmed by the server: an ack lost on the way would mean a second delivery.
        message_of(delivery)?.double_ack().await.map_err(nats_error)
    }

    async fn retry(
        &self,
        _: &Subscription,
        delivery: &Delivery,
        after: Duration,
    ) -> Result<(), EventsError> {
        message_of(delivery)?
            .ack_with(AckKind::Nak(Some(after)))
            .await
            .map_err(nats_error)
    }

    async fn dead_letters(&self, limit: usize) -> Result<Vec<(String, Bytes)>, EventsError> {
        // An ephemeral consumer that reads the subject from the start without acks; the
        // server forgets it shortly after.
        let reader: PullConsumer = self
            .stream
            .create_consumer(pull::Config {
                filter_subject: self.subject(Topic::DeadLetter),
                ack_policy: AckPolicy::None,
                deliver_policy: DeliverPolicy::All,
                inactive_threshold: Duration::from_secs(30),
                ..Default::default()
            })
            .await
            .map_err(nats_error)?;
        let mut out = Vec::new();
        while out.len() < limit {
            let batch = Self::available(&reader, (limit - out.len()).min(256)).await?;
            if batch.is_empty() {
                break;
            }
            for message in batch {
                let sequence = message.info().map_err(nats_error)?.stream_sequence;
                out.push((sequence.to_string(), message.payload.clone()));
            }
        }
        Ok(out)
    }

    async fn remove_dead_letter(&self, message_id: &str) -> Result<bool, EventsError> {
        let Ok(sequence) = message_id.parse::<u64>() else {
            return Ok(false);
        };
        // Only a message on the dead-letter subject: a sequence number names any message.
        match self.stream.get_raw_message(sequence).await {
            Ok(m) if m.subject.as_str() == self.subject(Topic::DeadLetter) => {}
            _ => return Ok(false),
        }
        self.stream
            .delete_message(sequence)
            .await
            .map_err(nats_error)
    }

    fn is_connected(&self) -> bool {
        self.client.connection_state() == State::Connected
    }
}
