//! The plugin registry's tables (`migrations/*/20261205100000_plugin_registry.sql`):
//! uploaded plugin versions (manifest text and component bytes) and each plugin's rollout
//! (stable version, canary version and share). `crate::plugins::published` decides; this
//! module only reads and writes. Every rollout change bumps one generation number, which
//! replicas compare with the one they loaded, and is audited in the same transaction.

use sqlx::Row;

use super::{Db, StoreError, audit, now_ms};

/// A stored version, without its bytes.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    /// The plugin.
    pub plugin_id: String,
    /// Its version (semver).
    pub version: String,
    /// Its world.
    pub world: String,
    /// SHA-256 of the component, hex.
    pub sha256: String,
    /// The component's size.
    pub size_bytes: i64,
    /// Who uploaded it.
    pub uploaded_by: Option<String>,
    /// When, ms.
    pub uploaded_at: i64,
}

/// A plugin's rollout.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RolloutRow {
    /// The plugin.
    pub plugin_id: String,
    /// The version serving every call not sent to the canary; `None` until one is
    /// promoted (a first upload started as a canary over a plugin folder's version).
    pub stable_version: Option<String>,
    /// The stable version before the last promotion (`None`: the plugin folder's), what a
    /// rollback without a canary returns to.
    pub previous_version: Option<String>,
    /// The canary version, if any.
    pub canary_version: Option<String>,
    /// Percent of users (0-100) whose calls the canary serves.
    pub canary_percent: i64,
    /// The registry's generation when this row last changed.
    pub generation: i64,
    /// Who changed it last.
    pub updated_by: Option<String>,
    /// When, ms.
    pub updated_at: i64,
}

/// A version to store.
pub struct NewVersion<'a> {
    /// The plugin.
    pub plugin_id: &'a str,
    /// Its version.
    pub version: &'a str,
    /// Its world's name.
    pub world: &'a str,
    /// The manifest's text, as uploaded.
    pub manifest: &'a str,
    /// The component.
    pub component: &'a [u8],
    /// SHA-256 of `component`, hex.
    pub sha256: &'a str,
}

const VERSION_COLUMNS: &str =
    "plugin_id, version, world, sha256, size_bytes, uploaded_by, uploaded_at";
const ROLLOUT_COLUMNS: &str = "plugin_id, stable_version, previous_version, canary_version, \
                               canary_percent, generation, updated_by, updated_at";

impl Db {
    /// Stores a new version, and the rollout `rollout` makes of it, in one transaction with
    /// its audit event; `Conflict` if the version exists.
    pub async fn store_plugin_version(
        &self,
        new: NewVersion<'_>,
        rollout: impl FnOnce(Option<RolloutRow>) -> RolloutRow,
        actor: Option<&str>,
    ) -> Result<RolloutRow, StoreError> {
        let mut tx = self.begin_write().await?;
        let exists =
            sqlx::query("SELECT 1 FROM plugin_versions WHERE plugin_id = $1 AND version = $2")
                .bind(new.plugin_id)
                .bind(new.version)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        if exists {
            return Err(StoreError::Conflict("this plugin version"));
        }
        sqlx::query(
            "INSERT INTO plugin_versions (plugin_id, version, world, manifest, component, sha256, \
             size_bytes, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(new.plugin_id)
        .bind(new.version)
        .bind(new.world)
        .bind(new.manifest)
        .bind(new.component.to_vec())
        .bind(new.sha256)
        .bind(new.component.len() as i64)
        .bind(actor.map(str::to_owned))
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            "plugin.uploaded",
            actor,
            None,
            None,
            serde_json::json!({"plugin": new.plugin_id, "version": new.version, "sha256": new.sha256}),
        )
        .await?;
        let current = rollout_in(&mut tx, new.plugin_id).await?;
        let next = rollout(current.clone());
        let row = write_rollout(&mut tx, current.as_ref(), next, actor).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Changes `plugin_id`'s rollout with `change` (given the current row, `None` when the
    /// plugin was never published), audited as `kind`; `change` may refuse with its own
    /// error, and then nothing changes.
    pub async fn change_rollout<E: From<StoreError>>(
        &self,
        plugin_id: &str,
        kind: &str,
        actor: Option<&str>,
        change: impl FnOnce(Option<RolloutRow>) -> Result<RolloutRow, E>,
    ) -> Result<RolloutRow, E> {
        let mut tx = self.begin_write().await.map_err(StoreError::from)?;
        let current = rollout_in(&mut tx, plugin_id).await?;
        let next = change(current.clone())?;
        let before = current.as_ref().map(describe);
        let row = write_rollout(&mut tx, current.as_ref(), next, actor).await?;
        audit::record(
            &mut tx,
            kind,
            actor,
            None,
            None,
            serde_json::json!({"plugin": plugin_id, "before": before, "after": describe(&row)}),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(row)
    }

    /// Every rollout.
    pub async fn plugin_rollouts(&self) -> Result<Vec<RolloutRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {ROLLOUT_COLUMNS} FROM plugin_rollouts ORDER BY plugin_id"
        ))
        .fetch_all(self.pool())
        .await?)
    }

    /// `plugin_id`'s versions, newest upload first.
    pub async fn plugin_versions(&self, plugin_id: &str) -> Result<Vec<VersionRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {VERSION_COLUMNS} FROM plugin_versions WHERE plugin_id = $1 \
             ORDER BY uploaded_at DESC, version DESC"
        ))
        .bind(plugin_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// A version's manifest text and component bytes.
    pub async fn plugin_version_files(
        &self,
        plugin_id: &str,
        version: &str,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let row = sqlx::query(
            "SELECT manifest, component FROM plugin_versions WHERE plugin_id = $1 AND version = $2",
        )
        .bind(plugin_id)
        .bind(version)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| Ok((r.try_get("manifest")?, r.try_get("component")?)))
            .transpose()
    }
}

/// What deleting a stored version did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionDeletion {
    /// It is gone (audited).
    Deleted,
    /// No such stored version.
    NotFound,
    /// The rollout still names it (`stable`, `previous` or `canary`): kept.
    InUse(&'static str),
}

impl Db {
    /// Deletes a stored version the rollout no longer names (not stable, previous or
    /// canary), in one transaction with its audit event, so a concurrent promotion cannot
    /// pick a version this removes.
    pub async fn delete_plugin_version(
        &self,
        plugin_id: &str,
        version: &str,
        actor: Option<&str>,
    ) -> Result<VersionDeletion, StoreError> {
        let mut tx = self.begin_write().await?;
        if let Some(r) = rollout_in(&mut tx, plugin_id).await? {
            let named = [
                ("stable", r.stable_version.as_deref()),
                ("previous", r.previous_version.as_deref()),
                ("canary", r.canary_version.as_deref()),
            ];
            if let Some((role, _)) = named.iter().find(|(_, v)| *v == Some(version)) {
                return Ok(VersionDeletion::InUse(role));
            }
        }
        let deleted =
            sqlx::query("DELETE FROM plugin_versions WHERE plugin_id = $1 AND version = $2")
                .bind(plugin_id)
                .bind(version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if deleted == 0 {
            return Ok(VersionDeletion::NotFound);
        }
        audit::record(
            &mut tx,
            "plugin.version_deleted",
            actor,
            None,
            None,
            serde_json::json!({"plugin": plugin_id, "version": version}),
        )
        .await?;
        tx.commit().await?;
        Ok(VersionDeletion::Deleted)
    }
}

/// `stable 0.2.0, canary 0.3.0 at 10 %` for the audit log.
fn describe(r: &RolloutRow) -> serde_json::Value {
    serde_json::json!({
        "stable": r.stable_version,
        "previous": r.previous_version,
        "canary": r.canary_version,
        "canary_percent": r.canary_percent,
    })
}

async fn rollout_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    plugin_id: &str,
) -> Result<Option<RolloutRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ROLLOUT_COLUMNS} FROM plugin_rollouts WHERE plugin_id = $1"
    ))
    .bind(plugin_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Writes `next` with the next generation (one more than any row's).
async fn write_rollout(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    current: Option<&RolloutRow>,
    mut next: RolloutRow,
    actor: Option<&str>,
) -> Result<RolloutRow, StoreError> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(MAX(generation), 0) AS BIGINT) AS g FROM plugin_rollouts",
    )
    .fetch_one(&mut **tx)
    .await?;
    let generation: i64 = row.try_get("g")?;
    next.generation = generation + 1;
    next.updated_by = actor.map(str::to_owned);
    next.updated_at = now_ms();
    let sql = if current.is_some() {
        "UPDATE plugin_rollouts SET stable_version = $2, previous_version = $3, \
         canary_version = $4, canary_percent = $5, generation = $6, updated_by = $7, \
         updated_at = $8 WHERE plugin_id = $1"
    } else {
        "INSERT INTO plugin_rollouts (plugin_id, stable_version, previous_version, \
         canary_version, canary_percent, generation, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    };
    sqlx::query(sql)
        .bind(&next.plugin_id)
        .bind(next.stable_version.clone())
        .bind(next.previous_version.clone())
        .bind(next.canary_version.clone())
        .bind(next.canary_percent)
        .bind(next.generation)
        .bind(next.updated_by.clone())
        .bind(next.updated_at)
        .execute(&mut **tx)
        .await?;
    Ok(next)
}
