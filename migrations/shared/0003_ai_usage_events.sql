-- One row per model completion: who (hashed), what feature, which provider and model,
-- tokens, latency, cache hit and cost in millionths of a US dollar.
CREATE TABLE ai_usage_events (
    id             TEXT PRIMARY KEY,
    at             BIGINT NOT NULL,
    user_hash      TEXT,
    feature        TEXT NOT NULL,
    provider       TEXT NOT NULL,
    model          TEXT NOT NULL,
    input_tokens   BIGINT NOT NULL,
    output_tokens  BIGINT NOT NULL,
    latency_ms     BIGINT NOT NULL,
    cached         BIGINT NOT NULL DEFAULT 0,
    cost_micro_usd BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ai_usage_events_at ON ai_usage_events(at);
