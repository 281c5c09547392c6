-- The event pipeline (docs/events.md, host/src/events/).
--
-- event_outbox: envelopes written in the same transaction as the write they report, and
-- relayed to the bus afterwards (NATS), so an accepted write never loses its event.
CREATE TABLE event_outbox (
    id TEXT PRIMARY KEY,            -- message id (one per publish)
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,          -- the envelope, JSON, as it will be published
    user_id TEXT,                   -- the envelope's user (removed with the account)
    created_at BIGINT NOT NULL
);
CREATE INDEX event_outbox_created ON event_outbox (created_at);
CREATE INDEX event_outbox_user ON event_outbox (user_id);

-- The embedded bus: every published message, and one delivery row per consumer group
-- subscribed to its topic until that group acknowledges it. A delivery is leased while a
-- consumer works on it; a lease that runs out (a crashed consumer) makes it available
-- again. Dead letters are messages on the topic 'dead-letter'.
CREATE TABLE events (
    id TEXT PRIMARY KEY,            -- message id (a replay is a new message)
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,          -- as published: normally an envelope, JSON
    user_id TEXT,                   -- the envelope's user (removed with the account)
    published_at BIGINT NOT NULL
);
CREATE INDEX events_topic_published ON events (topic, published_at);
CREATE INDEX events_user ON events (user_id);

CREATE TABLE event_deliveries (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    consumer TEXT NOT NULL,         -- consumer group, e.g. 'struggle-detector'
    topic TEXT NOT NULL,            -- the event's topic (a group may read several)
    attempts BIGINT NOT NULL DEFAULT 0,
    available_at BIGINT NOT NULL,   -- not before (retry backoff)
    lease_until BIGINT,             -- held by a consumer until then
    PRIMARY KEY (event_id, consumer)
);
CREATE INDEX event_deliveries_ready ON event_deliveries (consumer, topic, available_at);

-- Which consumer groups read which topic: a publish makes one delivery per row here, so
-- a group's messages wait for it across restarts (like a durable JetStream consumer).
CREATE TABLE event_subscriptions (
    consumer TEXT NOT NULL,
    topic TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (consumer, topic)
);

-- Envelope ids each consumer group has handled, on both backends: consumers are
-- idempotent by event id, so a redelivery (after a crash, a replay) has no second effect.
CREATE TABLE event_processed (
    consumer TEXT NOT NULL,
    event_id TEXT NOT NULL,         -- envelope id
    processed_at BIGINT NOT NULL,
    PRIMARY KEY (consumer, event_id)
);
CREATE INDEX event_processed_at ON event_processed (processed_at);
