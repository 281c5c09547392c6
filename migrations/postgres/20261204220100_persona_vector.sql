-- Seed 004 §3.3's persona vector: pgvector's `vector(32)` when the extension can be
-- created here, else a plain `DOUBLE PRECISION[]` (the host detects which at start-up:
-- `Db::persona_vector_column`). SQLite's version keeps it as JSON text.
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS vector;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pgvector is not available (%): user_personas.embedding is DOUBLE PRECISION[]', SQLERRM;
    END;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
        EXECUTE 'ALTER TABLE user_personas ADD COLUMN embedding vector(32)';
    ELSE
        EXECUTE 'ALTER TABLE user_personas ADD COLUMN embedding DOUBLE PRECISION[]';
    END IF;
END
$$;
