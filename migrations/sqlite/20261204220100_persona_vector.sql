-- Seed 004 §3.3's persona vector, as JSON text (`[0.1, …]`, 32 numbers). Postgres's version
-- uses pgvector's `vector(32)` when it can (see there).
ALTER TABLE user_personas ADD COLUMN embedding TEXT;
