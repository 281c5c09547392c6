-- Seed 004 §3 (docs/experiments.md; host/src/experiments/): tutorials and their steps,
-- step-level experiments with weighted variants, the stable assignments, step events,
-- personas and NPS surveys; and the feature flags served as a GrowthBook features payload.
-- Written in the project's portable types (migrations/README.md): ids and user ids are TEXT
-- (a user's UUID, or `anon:<id>` for an anonymous learner), times BIGINT milliseconds, JSON
-- documents TEXT. The persona vector's column differs per database (the next migration).

-- A tutorial and its default steps (served when no running experiment covers it).
CREATE TABLE tutorials (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    steps TEXT NOT NULL,            -- JSON: [{"id", "title", "cta", "body"?, "devices"?}]
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Seed 004 §3.1. Only `running` experiments assign (seed 004 §4.2).
CREATE TABLE tutorial_experiments (
    id TEXT PRIMARY KEY,
    tutorial_id TEXT NOT NULL,
    name TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'running', 'completed')),
    algorithm TEXT NOT NULL,        -- kazi-v1 | growthbook-v1 | growthbook-v2
    seed TEXT NOT NULL,             -- the hash seed (GrowthBook) ; kazi-v1 uses none
    coverage DOUBLE PRECISION NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    started_at BIGINT,
    completed_at BIGINT
);
CREATE INDEX tutorial_experiments_tutorial ON tutorial_experiments (tutorial_id, status);

CREATE TABLE tutorial_variants (
    id TEXT PRIMARY KEY,
    experiment_id TEXT NOT NULL REFERENCES tutorial_experiments (id) ON DELETE CASCADE,
    name TEXT,
    weight BIGINT NOT NULL DEFAULT 50 CHECK (weight BETWEEN 1 AND 100),
    position BIGINT NOT NULL,       -- the order weights are walked in
    steps TEXT NOT NULL             -- JSON, as tutorials.steps
);
CREATE INDEX tutorial_variants_experiment ON tutorial_variants (experiment_id, position);

-- The first assignment of a unit, kept (seed 004 §4.1: "stored for analytics parity") so a
-- unit keeps its variant even if the experiment's weights are later forced to change.
CREATE TABLE tutorial_assignments (
    user_id TEXT NOT NULL,
    experiment_id TEXT NOT NULL,
    variant_id TEXT NOT NULL,
    assigned_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, experiment_id)
);
CREATE INDEX tutorial_assignments_experiment ON tutorial_assignments (experiment_id, variant_id);

-- Seed 004 §3.2. `event_id` is the client's id for a ping (offline replays store it once).
CREATE TABLE tutorial_step_events (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    tutorial_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    variant_id TEXT,
    persona TEXT,
    status TEXT NOT NULL CHECK (status IN ('started', 'completed')),
    duration_ms BIGINT,
    event_id TEXT,
    device TEXT,
    client_time BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX tutorial_step_events_step ON tutorial_step_events (tutorial_id, step_id, status);
CREATE INDEX tutorial_step_events_variant ON tutorial_step_events (variant_id);
CREATE INDEX tutorial_step_events_user ON tutorial_step_events (user_id, created_at);
CREATE UNIQUE INDEX tutorial_step_events_event ON tutorial_step_events (user_id, event_id);

-- Seed 004 §3.3 (the vector column: next migration).
CREATE TABLE user_personas (
    user_id TEXT PRIMARY KEY,
    persona TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Seed 004 §3.4. The comment is encrypted (AES-256-GCM; `comment_key_id` names the key it
-- was sealed with, so keys rotate); analytics exports leave it and the user out.
CREATE TABLE tutorial_surveys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    tutorial_id TEXT NOT NULL,
    nps BIGINT NOT NULL CHECK (nps BETWEEN 0 AND 10),
    comment_sealed TEXT,
    comment_key_id TEXT,
    persona TEXT,
    variant_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX tutorial_surveys_user ON tutorial_surveys (user_id, created_at);
CREATE INDEX tutorial_surveys_tutorial ON tutorial_surveys (tutorial_id, variant_id);

-- Feature flags (seed 000, seed 004 §7), GrowthBook's feature definitions: the default
-- value and the rules, JSON as in a GrowthBook features payload.
CREATE TABLE feature_flags (
    key TEXT PRIMARY KEY,
    definition TEXT NOT NULL,       -- {"defaultValue": …, "rules": [...]}
    description TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO feature_flags (key, definition, description, updated_at) VALUES
    ('tutorial.v2_enabled', '{"defaultValue": false}', 'Seed 004: serves /v2/tutorial/config (the shadow engine)', 0),
    ('spaced-repetition', '{"defaultValue": true}', 'Seed 000: the review queue schedules by spaced repetition', 0),
    ('multi-model-routing', '{"defaultValue": false}', 'Seed 000: route AI requests across several models', 0);

-- SDK connections: a client key names the payload GrowthBook SDKs fetch.
CREATE TABLE feature_client_keys (
    client_key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Jobs that exactly one replica runs (the nightly persona clustering): the replica holding
-- an unexpired lease runs it; `last_run_at` says when it last finished.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT,
    lease_until BIGINT NOT NULL,
    last_run_at BIGINT
);
