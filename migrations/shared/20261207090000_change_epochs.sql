-- Change epochs (host/src/store/epochs.rs): a counter per shard of a keyspace, bumped in
-- the same transaction as a change that what replicas remember must not outlive (a
-- sign-out, a role change). A replica reads all of a domain's counters once a
-- `--session-recheck-ms` instead of re-reading each remembered row.
CREATE TABLE change_epochs (
    domain TEXT NOT NULL,     -- what is sharded: sessions
    shard  BIGINT NOT NULL,   -- 0..63, from the key (a user id) by FNV-1a
    epoch  BIGINT NOT NULL,   -- bumped by each change to the shard's keys
    PRIMARY KEY (domain, shard)
);
