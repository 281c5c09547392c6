//! Change epochs: one counter per shard of a keyspace (a [`Domain`]), bumped in the same
//! transaction as a change that what replicas remember must not outlive. A replica that
//! remembers rows of a domain reads the domain's few counters once in a while instead of
//! re-reading every row it remembers: a row remembered under its shard's epoch stays good
//! while that epoch is unchanged, whoever made the change (another replica, the CLI).
//!
//! The shard of a key is FNV-1a of its bytes, so every process and every build agrees on
//! it (std's hasher is not promised to stay the same between Rust versions).

use sqlx::Row;

use super::{Db, StoreError};

/// Shards per domain: a change makes replicas re-read 1/64 of what they remember.
pub const SHARDS: usize = 64;

/// What a domain's epochs guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// Sessions and service tokens as the token check reads them (`auth::live`), sharded
    /// by the account (a user id) or the service token (its id).
    Sessions,
}

impl Domain {
    fn as_str(self) -> &'static str {
        match self {
            Domain::Sessions => "sessions",
        }
    }
}

/// The shard of `key` (FNV-1a, stable across processes and builds).
pub fn shard(key: &str) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % SHARDS as u64) as usize
}

/// Bumps the epoch of `key`'s shard in `domain`, inside the change's own transaction: the
/// epoch moves exactly when the change commits.
pub(super) async fn bump(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    domain: Domain,
    key: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO change_epochs (domain, shard, epoch) VALUES ($1, $2, 1) \
         ON CONFLICT (domain, shard) DO UPDATE SET epoch = change_epochs.epoch + 1",
    )
    .bind(domain.as_str())
    .bind(shard(key) as i64)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Db {
    /// Every shard's epoch in `domain` (0 for a shard never changed), indexed by shard.
    pub async fn epochs(&self, domain: Domain) -> Result<[i64; SHARDS], StoreError> {
        let rows = sqlx::query("SELECT shard, epoch FROM change_epochs WHERE domain = $1")
            .bind(domain.as_str())
            .fetch_all(&self.pool)
            .await?;
        let mut epochs = [0; SHARDS];
        for row in rows {
            let shard: i64 = row.try_get("shard")?;
            if let Some(slot) = usize::try_from(shard).ok().and_then(|s| epochs.get_mut(s)) {
                *slot = row.try_get("epoch")?;
            }
        }
        Ok(epochs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;

    #[test]
    fn shards_are_stable_and_spread() {
        // FNV-1a of "" is the offset basis; these pin the function, which every replica
        // and the database's stored shards must agree on.
        assert_eq!(shard(""), (0xcbf2_9ce4_8422_2325_u64 % 64) as usize);
        assert_eq!(shard("a"), (0xaf63_dc4c_8601_ec8c_u64 % 64) as usize);
        let used: std::collections::HashSet<usize> =
            (0..1000).map(|i| shard(&format!("user-{i}"))).collect();
        assert_eq!(used.len(), SHARDS, "a thousand keys reach every shard");
    }

    #[tokio::test]
    async fn a_committed_bump_moves_only_its_shard_and_a_rolled_back_one_nothing() {
        let (db, _dir) = testing::sqlite().await;
        assert_eq!(db.epochs(Domain::Sessions).await.unwrap(), [0; SHARDS]);
        let mut tx = db.begin_write().await.unwrap();
        bump(&mut tx, Domain::Sessions, "ada").await.unwrap();
        bump(&mut tx, Domain::Sessions, "ada").await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = db.begin_write().await.unwrap();
        bump(&mut tx, Domain::Sessions, "bea").await.unwrap();
        tx.rollback().await.unwrap();
        let epochs = db.epochs(Domain::Sessions).await.unwrap();
        assert_eq!(epochs[shard("ada")], 2);
        assert_eq!(epochs.iter().sum::<i64>(), 2, "no other shard moved");
    }
}
