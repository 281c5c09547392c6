-- Content packs (tessera content import): tracks > courses > modules > lessons > steps.
-- Rows belong to their pack (pack_id); re-importing a changed pack replaces its rows in one
-- transaction. Learner progress refers to lesson and step ids, never to these rows, so a
-- step dropped from a pack loses no attempt already recorded.
CREATE TABLE content_packs (
    id          TEXT PRIMARY KEY,
    version     TEXT NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    checksum    TEXT NOT NULL,
    imported_at BIGINT NOT NULL
);

CREATE TABLE tracks (
    id          TEXT PRIMARY KEY,
    pack_id     TEXT NOT NULL,
    position    BIGINT NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL
);

CREATE TABLE courses (
    id          TEXT PRIMARY KEY,
    pack_id     TEXT NOT NULL,
    track_id    TEXT NOT NULL,
    position    BIGINT NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL
);

CREATE TABLE modules (
    id        TEXT PRIMARY KEY,
    pack_id   TEXT NOT NULL,
    course_id TEXT NOT NULL,
    position  BIGINT NOT NULL,
    title     TEXT NOT NULL
);

CREATE TABLE lessons (
    id                TEXT PRIMARY KEY,
    pack_id           TEXT NOT NULL,
    module_id         TEXT NOT NULL,
    position          BIGINT NOT NULL,
    title             TEXT NOT NULL,
    topic             TEXT NOT NULL,
    summary           TEXT NOT NULL,
    estimated_minutes BIGINT,
    prerequisites     TEXT NOT NULL
);
CREATE INDEX lessons_module ON lessons(module_id, position);

CREATE TABLE steps (
    id        TEXT PRIMARY KEY,
    pack_id   TEXT NOT NULL,
    lesson_id TEXT NOT NULL,
    position  BIGINT NOT NULL,
    kind      TEXT NOT NULL,
    title     TEXT NOT NULL,
    body      TEXT NOT NULL,
    xp        BIGINT NOT NULL,
    spec      TEXT NOT NULL
);
CREATE INDEX steps_lesson ON steps(lesson_id, position);
