-- Identity (Postgres): users, profiles, auth sessions (refresh-token families), refresh tokens, audit.
-- Portable conventions shared with migrations/postgres (one SQL text serves both through
-- sqlx's Any driver): ids are UUID text, times are BIGINT milliseconds since the Unix epoch,
-- flags are BIGINT 0/1, JSON documents are TEXT.

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    full_name       TEXT NOT NULL,
    role            TEXT NOT NULL DEFAULT 'student',
    tone            TEXT NOT NULL DEFAULT 'friendly',
    streak          BIGINT NOT NULL DEFAULT 0,
    timezone        TEXT NOT NULL DEFAULT 'UTC',
    is_active       BIGINT NOT NULL DEFAULT 1,
    is_verified     BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE profiles (
    user_id                  TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    bio                      TEXT,
    avatar_url               TEXT,
    learning_style           TEXT NOT NULL DEFAULT 'visual',
    language                 TEXT NOT NULL DEFAULT 'en',
    notification_preferences TEXT NOT NULL DEFAULT '{}',
    privacy_settings         TEXT NOT NULL DEFAULT '{}',
    total_xp                 BIGINT NOT NULL DEFAULT 0,
    longest_streak           BIGINT NOT NULL DEFAULT 0,
    total_study_time         BIGINT NOT NULL DEFAULT 0,
    updated_at               BIGINT NOT NULL
);

CREATE TABLE auth_sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    user_agent   TEXT,
    ip           TEXT,
    revoked_at   BIGINT,
    revoke_reason TEXT
);
CREATE INDEX auth_sessions_user ON auth_sessions(user_id);

CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES auth_sessions(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    issued_at   BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);

CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,
    at          BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    actor_id    TEXT,
    subject_id  TEXT,
    ip          TEXT,
    details     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_actor ON audit_events(actor_id);
CREATE INDEX audit_events_subject ON audit_events(subject_id);
