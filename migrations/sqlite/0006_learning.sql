-- Learning: what each learner did (attempts, lesson progress, project submissions) and what
-- the lesson engine decided from it (review schedule, XP events, achievements, topic
-- evidence for mastery, certificates). Content ids (lessons, steps, tracks) are plain text,
-- not foreign keys: re-importing a pack replaces content rows but keeps every learner's
-- history (see 0005_content.sql). Every table with a user_id is emptied by DELETE /me
-- (host/src/store/users.rs) and listed in the export.

-- Streak bookkeeping of the engine's freeze rule (users.streak holds the streak itself;
-- profiles.total_xp and profiles.longest_streak the totals).
ALTER TABLE users ADD COLUMN last_active_date TEXT;
ALTER TABLE users ADD COLUMN last_freeze_date TEXT;

-- Seed 000 §5: one row per learner and lesson; `step` is the position of the next step to
-- do (the step count once completed).
CREATE TABLE lesson_progress (
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    lesson_id    TEXT NOT NULL,
    step         BIGINT NOT NULL,
    status       TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    completed_at BIGINT,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (user_id, lesson_id)
);

-- Every answer to a step. (user_id, step_id, attempt) is unique, so two concurrent copies
-- of one submission record it once and both get the stored feedback.
CREATE TABLE attempts (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    step_id     TEXT NOT NULL,
    lesson_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    attempt     BIGINT NOT NULL,
    answer_hash TEXT NOT NULL,
    answer      TEXT NOT NULL,
    score       REAL NOT NULL,
    correct     BIGINT NOT NULL,
    review      BIGINT NOT NULL,
    duration_ms BIGINT,
    feedback    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (user_id, step_id, attempt)
);
CREATE INDEX attempts_user ON attempts(user_id, created_at);

CREATE TABLE xp_events (
    id      TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source  TEXT NOT NULL,
    amount  BIGINT NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX xp_events_user ON xp_events(user_id, at);

CREATE TABLE achievements (
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    achievement_id TEXT NOT NULL,
    earned_at      BIGINT NOT NULL,
    PRIMARY KEY (user_id, achievement_id)
);

-- FSRS-5 memory state per review item (quiz and code steps).
CREATE TABLE review_schedule (
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    item_id     TEXT NOT NULL,
    topic       TEXT NOT NULL,
    stability   REAL NOT NULL,
    difficulty  REAL NOT NULL,
    due_at      BIGINT NOT NULL,
    last_review BIGINT NOT NULL,
    reps        BIGINT NOT NULL,
    lapses      BIGINT NOT NULL,
    PRIMARY KEY (user_id, item_id)
);

-- Mastery evidence per topic, as the engine returns it.
CREATE TABLE topic_stats (
    user_id              TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    topic                TEXT NOT NULL,
    quiz_attempts        BIGINT NOT NULL,
    quiz_score           REAL NOT NULL,
    exercise_attempts    BIGINT NOT NULL,
    exercises_passed     BIGINT NOT NULL,
    exercise_score       REAL NOT NULL,
    code_quality_ratings BIGINT NOT NULL,
    code_quality         REAL NOT NULL,
    mastery              REAL NOT NULL,
    updated_at           BIGINT NOT NULL,
    PRIMARY KEY (user_id, topic)
);

-- Seed 000 §5.
CREATE TABLE certificates (
    id        TEXT PRIMARY KEY,
    user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    track_id  TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    UNIQUE (user_id, track_id)
);

-- Seed 000 §5, and the queue of project grading jobs: any replica claims a `queued` row (or
-- a `grading` one whose lease ran out) and grades it.
CREATE TABLE mini_project_submissions (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    project_id  TEXT NOT NULL,
    payload     TEXT NOT NULL,
    score       REAL,
    status      TEXT NOT NULL,
    result      TEXT,
    error       TEXT,
    tries       BIGINT NOT NULL DEFAULT 0,
    lease_until BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    graded_at   BIGINT
);
CREATE INDEX mini_project_submissions_status ON mini_project_submissions(status, created_at);
CREATE INDEX mini_project_submissions_user ON mini_project_submissions(user_id);

-- Step texts rewritten in a tone, shared by every learner; `source_hash` is the hash of the
-- text rewritten, so a changed step is rewritten again.
CREATE TABLE step_tone_variants (
    step_id     TEXT NOT NULL,
    tone        TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    body        TEXT NOT NULL,
    model       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (step_id, tone)
);

-- A teacher's classes and their students.
CREATE TABLE classes (
    id         TEXT PRIMARY KEY,
    teacher_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX classes_teacher ON classes(teacher_id);

CREATE TABLE class_members (
    class_id TEXT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (class_id, user_id)
);
CREATE INDEX class_members_user ON class_members(user_id);
