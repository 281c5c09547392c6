-- Seed 001 (Kalei) §8.1: Mirror, Turn, Lens, Spectrum, billing and entitlements
-- (docs/kalei.md; host/src/kalei/ decides, host/src/store/kalei.rs reads and writes).
--
-- Text a user wrote about themselves, and model text that may quote it, is sealed
-- (AES-256-GCM, host/src/store/sealing.rs): `<column>_sealed` holds base64(nonce ‖
-- ciphertext ‖ tag) and `<column>_key` the id of the key that sealed it. The database
-- never holds that plaintext. Counts and kinds (what Spectrum reads) are plain.

CREATE TABLE mirror_sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    status TEXT NOT NULL,               -- open | closed
    excluded BIGINT NOT NULL,           -- 1: left out of Spectrum
    summary TEXT,                       -- at close: counts and kinds, JSON (no user text)
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX mirror_sessions_user ON mirror_sessions (user_id, created_at);

CREATE TABLE mirror_messages (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    content_key TEXT NOT NULL,
    content_sealed TEXT NOT NULL,
    chars BIGINT NOT NULL,
    crisis BIGINT NOT NULL,             -- 1: the gate answered with its crisis response
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX mirror_messages_position ON mirror_messages (session_id, position);
CREATE INDEX mirror_messages_user ON mirror_messages (user_id, created_at);
CREATE INDEX mirror_messages_key ON mirror_messages (content_key);

-- A fragment is a span of its message (offsets in characters); its text is the message's,
-- so it is not stored again.
CREATE TABLE mirror_fragments (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    start_char BIGINT NOT NULL,
    end_char BIGINT NOT NULL,
    kind TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    found_by TEXT NOT NULL,             -- rules | model
    reframe_key TEXT,                   -- the reframing asked for it (JSON), sealed
    reframe_sealed TEXT,
    reframed_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX mirror_fragments_message ON mirror_fragments (message_id);
CREATE INDEX mirror_fragments_user ON mirror_fragments (user_id);
CREATE INDEX mirror_fragments_key ON mirror_fragments (reframe_key);

CREATE TABLE turns (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    input_key TEXT NOT NULL,
    input_sealed TEXT NOT NULL,
    result_key TEXT NOT NULL,           -- reframes and micro-action, JSON, sealed
    result_sealed TEXT NOT NULL,
    distortions TEXT NOT NULL,          -- kinds seen in the input, JSON list
    model TEXT NOT NULL,
    saved BIGINT NOT NULL,              -- 1: in the gallery
    saved_at BIGINT,
    excluded BIGINT NOT NULL,           -- 1: left out of Spectrum
    created_at BIGINT NOT NULL
);
CREATE INDEX turns_user ON turns (user_id, created_at);
CREATE INDEX turns_gallery ON turns (user_id, saved, saved_at);
CREATE INDEX turns_input_key ON turns (input_key);
CREATE INDEX turns_result_key ON turns (result_key);

CREATE TABLE lens_goals (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    title_key TEXT NOT NULL,
    title_sealed TEXT NOT NULL,
    why_key TEXT,
    why_sealed TEXT,
    target_date TEXT,                   -- YYYY-MM-DD
    status TEXT NOT NULL,               -- active | achieved | archived
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX lens_goals_user ON lens_goals (user_id, created_at);
CREATE INDEX lens_goals_key ON lens_goals (title_key);

CREATE TABLE lens_actions (
    id TEXT PRIMARY KEY,
    goal_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    title_key TEXT NOT NULL,
    title_sealed TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    source TEXT NOT NULL,               -- user | coach
    status TEXT NOT NULL,               -- open | done
    completed_at BIGINT,
    completed_day TEXT,                 -- the user's local date it was completed
    created_at BIGINT NOT NULL
);
CREATE INDEX lens_actions_goal ON lens_actions (goal_id, created_at);
CREATE INDEX lens_actions_user ON lens_actions (user_id, status);
CREATE INDEX lens_actions_key ON lens_actions (title_key);

-- One affirmation per user per local day, stable once written.
CREATE TABLE lens_affirmations (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    local_date TEXT NOT NULL,
    text_key TEXT NOT NULL,
    text_sealed TEXT NOT NULL,
    model TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX lens_affirmations_day ON lens_affirmations (user_id, local_date);
CREATE INDEX lens_affirmations_key ON lens_affirmations (text_key);

-- Spectrum's feature store: one row per session and per turn, written as they happen,
-- counts and kinds only (data minimisation, seed 001 §11.2). The job aggregates these,
-- never the sealed text.
CREATE TABLE spectrum_session_analysis (
    session_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    local_date TEXT NOT NULL,           -- the day the session started, user's time zone
    messages BIGINT NOT NULL,
    fragments TEXT NOT NULL,            -- {"kind": count}, JSON
    reframes BIGINT NOT NULL,
    excluded BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX spectrum_session_analysis_user ON spectrum_session_analysis (user_id, local_date);

CREATE TABLE spectrum_turn_analysis (
    turn_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    local_date TEXT NOT NULL,
    distortions TEXT NOT NULL,          -- ["kind", …], JSON
    saved BIGINT NOT NULL,
    excluded BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX spectrum_turn_analysis_user ON spectrum_turn_analysis (user_id, local_date);

CREATE TABLE spectrum_weekly (
    user_id TEXT NOT NULL,
    week_start TEXT NOT NULL,           -- the Monday, YYYY-MM-DD
    aggregates TEXT NOT NULL,           -- the period's counts, JSON
    insights TEXT NOT NULL,             -- the analyst's insights, JSON
    computed_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, week_start)
);

CREATE TABLE spectrum_monthly (
    user_id TEXT NOT NULL,
    month TEXT NOT NULL,                -- YYYY-MM
    aggregates TEXT NOT NULL,
    insights TEXT NOT NULL,
    computed_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, month)
);

-- A Spectrum run: one per period, resumable from its cursor (the last user id done).
CREATE TABLE spectrum_runs (
    period TEXT PRIMARY KEY,            -- week:2026-11-30 | month:2026-11
    cursor_user TEXT NOT NULL,
    users_done BIGINT NOT NULL,
    status TEXT NOT NULL,               -- running | done
    started_at BIGINT NOT NULL,
    finished_at BIGINT
);

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    user_id TEXT,                       -- null until the purchase names a known account
    store TEXT NOT NULL,                -- apple | google
    external_id TEXT NOT NULL,          -- Apple's originalTransactionId, Google's purchase token
    product_id TEXT NOT NULL,
    plan TEXT NOT NULL,                 -- the plan the product grants
    status TEXT NOT NULL,               -- active | grace | on_hold | paused | cancelled | expired | revoked
    expires_at BIGINT,
    environment TEXT NOT NULL,          -- production | sandbox
    last_event_at BIGINT NOT NULL,      -- the store's time of the newest event applied
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX subscriptions_external ON subscriptions (store, external_id);
CREATE INDEX subscriptions_user ON subscriptions (user_id);

-- Every entitlement a user has had, newest last: what billing decided and why.
CREATE TABLE entitlement_snapshots (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    plan TEXT NOT NULL,
    source TEXT NOT NULL,               -- apple | google | admin | expiry
    subscription_id TEXT,
    valid_until BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX entitlement_snapshots_user ON entitlement_snapshots (user_id, created_at);

-- Each store notification once (its id), with what it did.
CREATE TABLE billing_events (
    id TEXT PRIMARY KEY,
    store TEXT NOT NULL,
    notification_id TEXT NOT NULL,
    notification_type TEXT NOT NULL,
    user_id TEXT,
    subscription_id TEXT,
    outcome TEXT NOT NULL,              -- applied | ignored: why | test
    payload TEXT NOT NULL,              -- the verified, decoded notification, JSON
    received_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX billing_events_notification ON billing_events (store, notification_id);
CREATE INDEX billing_events_user ON billing_events (user_id);
