-- Postgres indexes the catalog's search text by trigrams here (pg_trgm). SQLite has no such
-- index: its search reads the listings, which at an embedded deployment's size is quick.
SELECT 1;
