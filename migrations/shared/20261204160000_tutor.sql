-- The tutor (docs/tutor.md; host/src/tutor/): conversations, their messages (the
-- ChatMessage entity), the queries learners send and what answered them, and the
-- exercises agents generate.

CREATE TABLE tutor_conversations (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    title TEXT NOT NULL,            -- the first query's opening words
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tutor_conversations_user ON tutor_conversations (user_id, updated_at);

-- One row per message; `data` is the answering agent's `agent-reply.data`, handed back to
-- that agent on the conversation's next turns (its hint ladder's rung, say).
CREATE TABLE chat_messages (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,             -- user | assistant
    content TEXT NOT NULL,
    query_id TEXT,
    intent TEXT,
    agent TEXT,
    data TEXT NOT NULL,             -- JSON object
    follow_ups TEXT NOT NULL,       -- JSON list of strings
    created_at BIGINT NOT NULL
);
CREATE INDEX chat_messages_conversation ON chat_messages (conversation_id, created_at);
CREATE INDEX chat_messages_user ON chat_messages (user_id);

-- A learner's query and how it went: queued, then answered / failed, or blocked by the
-- safety gate before anything saw it.
CREATE TABLE tutor_queries (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    text TEXT NOT NULL,
    code TEXT,
    error TEXT,
    step_id TEXT,
    difficulty TEXT,
    base_exercise_id TEXT,
    forced_intent TEXT,             -- set by routes that name the agent (exercise generation)
    status TEXT NOT NULL,           -- queued | answered | failed | blocked
    decision TEXT,                  -- triage's decision, JSON
    agent TEXT,
    answer_id TEXT,                 -- the assistant's chat message
    exercise_id TEXT,
    code_quality DOUBLE PRECISION,
    failure TEXT,
    created_at BIGINT NOT NULL,
    answered_at BIGINT
);
CREATE INDEX tutor_queries_user ON tutor_queries (user_id, created_at);

-- Exercises an agent generated and validated, answerable at /exercises/{id}/submit.
CREATE TABLE generated_exercises (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    query_id TEXT,
    base_id TEXT,                   -- the exercise this is a variation of
    agent TEXT NOT NULL,
    topic TEXT NOT NULL,
    difficulty TEXT NOT NULL,
    title TEXT NOT NULL,
    prompt TEXT NOT NULL,
    starter_code TEXT NOT NULL,
    reference_solution TEXT NOT NULL,
    tests TEXT NOT NULL,            -- JSON list of code-runner test cases
    created_at BIGINT NOT NULL
);
CREATE INDEX generated_exercises_user ON generated_exercises (user_id, created_at);
