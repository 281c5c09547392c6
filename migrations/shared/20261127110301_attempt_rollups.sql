-- Attempts past the per-step cap (`--max-attempts-per-step`, docs/learning.md): the first
-- attempt, the first correct one and the latest N stay in `attempts`; the ones in between
-- are deleted and folded in here, so progress views still count every answer. Emptied by
-- DELETE /me like every table with a user_id.
CREATE TABLE attempt_rollups (
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    step_id         TEXT NOT NULL,
    attempts        BIGINT NOT NULL,
    quiz_answers    BIGINT NOT NULL,
    quiz_score_sum  DOUBLE PRECISION NOT NULL,
    reviews         BIGINT NOT NULL,
    reviews_correct BIGINT NOT NULL,
    study_ms        BIGINT NOT NULL,
    PRIMARY KEY (user_id, step_id)
);

-- The UTC days (since the Unix epoch) of folded attempts, for the count of active days.
CREATE TABLE attempt_days (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day     BIGINT NOT NULL,
    PRIMARY KEY (user_id, day)
);
