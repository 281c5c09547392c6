//! Service tokens on record (`tessera service-token`): each issued token's id (`jti`),
//! name and expiry, and when it was revoked. The token check refuses a service token whose
//! id is missing here or revoked.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, StoreError, audit, now_ms};

/// A service token on record.
#[derive(Debug, Clone)]
pub struct ServiceTokenRow {
    /// Its id (the `jti` claim).
    pub id: String,
    /// The calling service's name.
    pub name: String,
    /// Issued, ms.
    pub created_at: i64,
    /// Expires, ms.
    pub expires_at: i64,
    /// Revoked, ms.
    pub revoked_at: Option<i64>,
}

fn row(r: &AnyRow) -> Result<ServiceTokenRow, StoreError> {
    Ok(ServiceTokenRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

impl Db {
    /// Records a new service token for `name` valid until `expires_at` (ms); its id.
    pub async fn record_service_token(
        &self,
        name: &str,
        expires_at: i64,
    ) -> Result<String, StoreError> {
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO service_tokens (id, name, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(name)
        .bind(now_ms())
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            "service_token.issued",
            None,
            None,
            None,
            serde_json::json!({ "id": id, "name": name }),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The service token `id`, if on record.
    pub async fn service_token(&self, id: &str) -> Result<Option<ServiceTokenRow>, StoreError> {
        sqlx::query(
            "SELECT id, name, created_at, expires_at, revoked_at FROM service_tokens WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(row)
        .transpose()
    }

    /// Every service token on record, newest first.
    pub async fn service_tokens(&self) -> Result<Vec<ServiceTokenRow>, StoreError> {
        sqlx::query(
            "SELECT id, name, created_at, expires_at, revoked_at FROM service_tokens \
             ORDER BY created_at DESC, id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(row)
        .collect()
    }

    /// Revokes the service token `id`; `None` when there is no such token, else whether it
    /// was live until now.
    pub async fn revoke_service_token(&self, id: &str) -> Result<Option<bool>, StoreError> {
        let mut tx = self.begin_write().await?;
        let revoked = sqlx::query(
            "UPDATE service_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if revoked {
            super::epochs::bump(&mut tx, super::epochs::Domain::Sessions, id).await?;
            audit::record(
                &mut tx,
                "service_token.revoked",
                None,
                None,
                None,
                serde_json::json!({ "id": id }),
            )
            .await?;
        }
        tx.commit().await?;
        if revoked {
            return Ok(Some(true));
        }
        Ok(self.service_token(id).await?.map(|_| false))
    }
}
