-- Notifications (docs/notifications.md): what a user is told in the app, the devices and
-- browsers that receive pushes, every push to send (the Web Push queue and the APNs/FCM
-- outbox a mobile gateway drains), the once-a-day guard of reminders, and the server's
-- VAPID key.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,   -- streak_at_risk | reviews_due | struggle_alert | project_graded | spectrum_updated
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    data       TEXT NOT NULL,   -- JSON object: what the client opens (a step, an alert, a period)
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);

-- A browser's Web Push subscription (endpoint and keys) or a phone's APNs/FCM token.
CREATE TABLE push_subscriptions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    channel    TEXT NOT NULL,   -- web_push | apns | fcm
    endpoint   TEXT NOT NULL,   -- the push service URL, or the device token
    p256dh     TEXT,            -- web_push: the browser's public key (base64url)
    auth       TEXT,            -- web_push: the browser's auth secret (base64url)
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, endpoint)
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- One push of a notification to one subscription. Web Push rows are sent by the host and
-- retried; APNs/FCM rows wait for a gateway (`/_internal/push-outbox`).
CREATE TABLE notification_deliveries (
    id              TEXT PRIMARY KEY,
    notification_id TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    channel         TEXT NOT NULL,
    payload         TEXT NOT NULL,  -- JSON: the Web Push message, or the APNs/FCM request
    status          TEXT NOT NULL,  -- pending | sending | sent | failed | gone
    attempts        BIGINT NOT NULL,
    not_before      BIGINT NOT NULL, -- not sent before (quiet hours, a retry's backoff)
    lease_until     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (status, channel, not_before);
CREATE INDEX notification_deliveries_user ON notification_deliveries (user_id);

-- A reminder kind sent to a user on a local day: at most one each.
CREATE TABLE notification_reminders (
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    local_date TEXT NOT NULL,
    PRIMARY KEY (user_id, kind, local_date)
);

-- The server's VAPID key pair (RFC 8292), made on first start and shared by replicas.
CREATE TABLE vapid_keys (
    id          TEXT PRIMARY KEY,
    private_key TEXT NOT NULL,  -- the P-256 scalar, base64url
    public_key  TEXT NOT NULL,  -- the uncompressed point, base64url
    created_at  BIGINT NOT NULL
);
