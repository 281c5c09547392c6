-- The catalog's text search (`GET /courses?search=`) matches each word anywhere in
-- `search_text` (LIKE '%word%'). A trigram index answers that from the index instead of
-- reading every listing (docs/catalog.md, "Search"). pg_trgm ships with Postgres and is a
-- trusted extension: a role that may create objects in the database may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX course_listings_search ON course_listings USING gin (search_text gin_trgm_ops);
