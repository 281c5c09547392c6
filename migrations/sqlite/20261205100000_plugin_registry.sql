-- The plugin registry (issue 17): versions uploaded over HTTP (`POST /api/v1/plugins`), kept
-- here so every replica loads the same bytes, and each plugin's rollout: its stable
-- version and an optional canary serving a share of the calls. The component is bytes:
-- BLOB here (the one line that differs between the two databases' versions).
CREATE TABLE plugin_versions (
    plugin_id    TEXT NOT NULL,
    version      TEXT NOT NULL,
    world        TEXT NOT NULL,
    manifest     TEXT NOT NULL,
    component    BLOB NOT NULL,
    sha256       TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    uploaded_by  TEXT,
    uploaded_at  BIGINT NOT NULL,
    PRIMARY KEY (plugin_id, version)
);

-- One row per published plugin: the stable version (NULL: the plugin folder's version
-- serves), the one it replaced (what a rollback without a canary returns to), the canary
-- and its share. `generation` numbers the registry's changes, for the record.
CREATE TABLE plugin_rollouts (
    plugin_id         TEXT PRIMARY KEY,
    stable_version    TEXT,
    previous_version  TEXT,
    canary_version    TEXT,
    canary_percent    BIGINT NOT NULL DEFAULT 0,
    generation        BIGINT NOT NULL,
    updated_by        TEXT,
    updated_at        BIGINT NOT NULL
);
