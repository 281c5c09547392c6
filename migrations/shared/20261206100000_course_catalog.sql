-- The course catalog (seed 002 §4.2-4.3): a listing per course of the content packs with what
-- a learner browses and searches by, the learners enrolled, and their reviews. A listing is
-- written by the pack's import (and a generated course's publication) and edited by its
-- teacher; the course's modules, lessons and steps stay in the content tables.
CREATE TABLE course_listings (
    course_id              TEXT PRIMARY KEY,
    pack_id                TEXT NOT NULL,
    title                  TEXT NOT NULL,
    description            TEXT NOT NULL,
    short_description      TEXT,
    difficulty             TEXT NOT NULL,   -- beginner | intermediate | advanced
    estimated_minutes      BIGINT NOT NULL,
    category               TEXT NOT NULL,
    tags                   TEXT NOT NULL,   -- JSON array of strings
    objectives             TEXT NOT NULL,   -- JSON array of strings
    prerequisites          TEXT NOT NULL,   -- JSON array of strings
    thumbnail_url          TEXT,
    preview_video_url      TEXT,
    created_by             TEXT,            -- a user id; NULL for a pack imported by the CLI
    is_published           BIGINT NOT NULL,
    is_ai_generated        BIGINT NOT NULL,
    ai_generation_metadata TEXT,            -- JSON object
    search_text            TEXT NOT NULL,   -- lower-cased title, short description and description
    enrollment_count       BIGINT NOT NULL,
    completion_count       BIGINT NOT NULL,
    rating_total           BIGINT NOT NULL, -- the sum of the reviews' ratings (1-5)
    review_count           BIGINT NOT NULL,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL
);
CREATE INDEX course_listings_browse ON course_listings (is_published, enrollment_count);
CREATE INDEX course_listings_category ON course_listings (category, difficulty);

-- One row per tag of a listing, for the tag filter.
CREATE TABLE course_tags (
    tag       TEXT NOT NULL,
    course_id TEXT NOT NULL,
    PRIMARY KEY (tag, course_id)
);
CREATE INDEX course_tags_course ON course_tags (course_id);

CREATE TABLE course_enrollments (
    user_id      TEXT NOT NULL,
    course_id    TEXT NOT NULL,
    enrolled_at  BIGINT NOT NULL,
    completed_at BIGINT,
    PRIMARY KEY (user_id, course_id)
);
CREATE INDEX course_enrollments_course ON course_enrollments (course_id);

-- One review per learner and course, editable.
CREATE TABLE course_reviews (
    course_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    rating     BIGINT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (course_id, user_id)
);
CREATE INDEX course_reviews_recent ON course_reviews (course_id, updated_at);

-- Courses imported before the catalog: listed, published, with their lessons' minutes.
INSERT INTO course_listings (course_id, pack_id, title, description, short_description,
    difficulty, estimated_minutes, category, tags, objectives, prerequisites, thumbnail_url,
    preview_video_url, created_by, is_published, is_ai_generated, ai_generation_metadata,
    search_text, enrollment_count, completion_count, rating_total, review_count, created_at,
    updated_at)
SELECT c.id, c.pack_id, c.title, c.description, NULL, 'beginner',
    COALESCE((SELECT SUM(l.estimated_minutes) FROM lessons l JOIN modules m ON m.id = l.module_id
              WHERE m.course_id = c.id), 0),
    t.title, '[]', '[]', '[]', NULL, NULL, NULL, 1, 0, NULL,
    LOWER(c.title || ' ' || c.description), 0, 0, 0, 0, p.imported_at, p.imported_at
FROM courses c
JOIN tracks t ON t.id = c.track_id
JOIN content_packs p ON p.id = c.pack_id;
