-- The social feed (seed 002 §3.5): who follows whom, feed items (activity a learner chose to
-- share, and posts), reactions, comments, reports for moderation, and each learner's choice
-- of whether their activity appears. Engagement counts move with the rows they count, in one
-- transaction.
CREATE TABLE follows (
    follower_id TEXT NOT NULL,
    followee_id TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id);

CREATE TABLE feed_items (
    id             TEXT PRIMARY KEY,
    author_id      TEXT NOT NULL,
    kind           TEXT NOT NULL,   -- course_completion | badge | certificate | streak_milestone | post | share
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    course_id      TEXT,
    badge          TEXT,
    tags           TEXT NOT NULL,   -- JSON array: the course's tags, or a post's (interest match)
    difficulty     TEXT,            -- the course's difficulty (skill level match)
    shared_item_id TEXT,            -- a share: the item shared
    likes          BIGINT NOT NULL,
    comments       BIGINT NOT NULL,
    shares         BIGINT NOT NULL,
    bookmarks      BIGINT NOT NULL,
    reports        BIGINT NOT NULL,
    hidden         BIGINT NOT NULL, -- hidden by a moderator
    created_at     BIGINT NOT NULL
);
CREATE INDEX feed_items_author ON feed_items (author_id, created_at);
CREATE INDEX feed_items_recent ON feed_items (created_at);

-- A like or a bookmark (kind), one of each per user and item.
CREATE TABLE feed_reactions (
    item_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (item_id, user_id, kind)
);
CREATE INDEX feed_reactions_user ON feed_reactions (user_id, kind, created_at);

CREATE TABLE feed_comments (
    id         TEXT PRIMARY KEY,
    item_id    TEXT NOT NULL,
    author_id  TEXT NOT NULL,
    body       TEXT NOT NULL,
    hidden     BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX feed_comments_item ON feed_comments (item_id, created_at);
CREATE INDEX feed_comments_author ON feed_comments (author_id);

-- A report of an item or a comment (target_kind), one per reporter and target; resolved
-- when a moderator hid or kept the target.
CREATE TABLE feed_reports (
    target_id   TEXT NOT NULL,
    reporter_id TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    resolved_at BIGINT,
    PRIMARY KEY (target_id, reporter_id)
);
CREATE INDEX feed_reports_open ON feed_reports (resolved_at, created_at);

-- Whether a learner's activity (completions, badges, certificates, streaks) appears in
-- other learners' feeds: off until they turn it on. Posts they write always appear.
CREATE TABLE feed_settings (
    user_id        TEXT PRIMARY KEY,
    share_activity BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
