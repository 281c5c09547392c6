-- Struggle detection (docs/events.md, "Struggle detection"; host/src/learning/struggle.rs).
--
-- struggle_signals: what the detector saw, one row per event and signal (so a redelivered
-- event counts once): `error:<step>:<type>`, `timeout:<step>`, `quiz-fail:<topic>`,
-- `quiz-pass:<topic>`.
CREATE TABLE struggle_signals (
    event_id TEXT NOT NULL,
    signal TEXT NOT NULL,
    user_id TEXT NOT NULL,
    observed_at BIGINT NOT NULL,    -- microseconds, strictly increasing within a process
    PRIMARY KEY (event_id, signal)
);
CREATE INDEX struggle_signals_user ON struggle_signals (user_id, signal, observed_at);

-- Alerts for the learner's teachers (the StruggleAlert entity). The id is the id of the
-- event that raised it, so a redelivered event raises it once.
CREATE TABLE struggle_alerts (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    reason TEXT NOT NULL,           -- repeated-error | sandbox-timeout | quiz-failures
    subject TEXT NOT NULL,          -- the step (errors, timeouts) or topic (quizzes) it is about
    topic TEXT,
    step_id TEXT,
    detail TEXT NOT NULL,
    signal_count BIGINT NOT NULL,
    evidence_until BIGINT NOT NULL, -- observed_at of the signal that raised it: later ones are fresh
    created_at BIGINT NOT NULL,
    acknowledged_at BIGINT,
    acknowledged_by TEXT
);
CREATE INDEX struggle_alerts_user ON struggle_alerts (user_id, created_at);
CREATE INDEX struggle_alerts_created ON struggle_alerts (created_at);
