-- Seed 002's AI study endpoints (docs/study.md; host/src/study/): the quizzes generated
-- for learners, Socratic study sessions and their turns, and generated courses kept as
-- draft content packs until a teacher publishes them through the content import.

CREATE TABLE generated_quizzes (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    quiz TEXT NOT NULL,             -- the response body as answered (seed 002 §3.3), JSON
    created_at BIGINT NOT NULL
);
CREATE INDEX generated_quizzes_user ON generated_quizzes (user_id, created_at);

CREATE TABLE study_sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX study_sessions_user ON study_sessions (user_id, updated_at);

-- A session's conversationHistory, one row per turn, in order.
CREATE TABLE study_messages (
    session_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,             -- user | assistant
    content TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, position)
);
CREATE INDEX study_messages_user ON study_messages (user_id);

CREATE TABLE course_drafts (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,          -- who generated it
    pack_id TEXT NOT NULL,
    course TEXT NOT NULL,           -- the generated course as answered (seed 002 §3.4), JSON
    files TEXT NOT NULL,            -- the draft content pack: {"path": "text"}, JSON
    status TEXT NOT NULL,           -- draft | published
    published_by TEXT,
    published_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX course_drafts_user ON course_drafts (user_id, created_at);
