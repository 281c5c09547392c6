-- Safety events: every crisis the safety gate stopped on an AI path. The message itself
-- is never stored (seed 001 §11.3: content encrypted or omitted; Tessera omits it).
CREATE TABLE safety_events (
    id          TEXT PRIMARY KEY,
    at          BIGINT NOT NULL,
    user_id     TEXT REFERENCES users(id) ON DELETE CASCADE,
    surface     TEXT NOT NULL,
    level       TEXT NOT NULL,
    categories  TEXT NOT NULL DEFAULT '[]',
    source      TEXT
);
CREATE INDEX safety_events_at ON safety_events(at);
CREATE INDEX safety_events_user ON safety_events(user_id);
