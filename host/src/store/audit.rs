//! The audit log: sign-ins, role changes, deletions. Rows name users by id; deleting a
//! user replaces their id with a pseudonym and drops the details, so the log keeps what
//! happened and when, without a row that identifies them.

use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};

use super::{Db, StoreError, now_ms};

/// The stable, non-reversible name a deleted user keeps in the audit log.
pub fn pseudonym(user_id: &str) -> String {
    let digest = Sha256::digest(format!("tessera-audit:{user_id}").as_bytes());
    format!("deleted:{}", &hex::encode(digest)[..16])
}

/// Appends an event inside `tx`.
pub async fn record(
    tx: &mut Transaction<'_, Any>,
    kind: &str,
    actor: Option<&str>,
    subject: Option<&str>,
    ip: Option<&str>,
    details: serde_json::Value,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_events (id, at, kind, actor_id, subject_id, ip, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(now_ms())
    .bind(kind)
    .bind(actor.map(str::to_owned))
    .bind(subject.map(str::to_owned))
    .bind(ip.map(str::to_owned))
    .bind(details.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Replaces `user_id` by its pseudonym in every event and drops those events' details
/// and addresses.
pub async fn forget(tx: &mut Transaction<'_, Any>, user_id: &str) -> Result<(), StoreError> {
    let alias = pseudonym(user_id);
    sqlx::query(
        "UPDATE audit_events SET \
         actor_id = CASE WHEN actor_id = $1 THEN $2 ELSE actor_id END, \
         subject_id = CASE WHEN subject_id = $1 THEN $2 ELSE subject_id END, \
         ip = NULL, details = '{}' \
         WHERE actor_id = $1 OR subject_id = $1",
    )
    .bind(user_id)
    .bind(&alias)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One audit event, for exports.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEvent {
    /// When, RFC 3339.
    pub at: String,
    /// What happened, e.g. `user.signed_in`.
    pub kind: String,
    /// Client address, when known.
    pub ip: Option<String>,
    /// Event-specific details.
    pub details: serde_json::Value,
}

impl Db {
    /// Appends an event on its own.
    pub async fn audit(
        &self,
        kind: &str,
        actor: Option<&str>,
        subject: Option<&str>,
        ip: Option<&str>,
        details: serde_json::Value,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        record(&mut tx, kind, actor, subject, ip, details).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Events about or by a user, oldest first.
    pub async fn audit_events_of(&self, user_id: &str) -> Result<Vec<AuditEvent>, StoreError> {
        use sqlx::Row;
        let rows = sqlx::query(
            "SELECT at, kind, ip, details FROM audit_events \
             WHERE actor_id = $1 OR subject_id = $1 ORDER BY at",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let details: String = r.try_get("details")?;
                Ok(AuditEvent {
                    at: super::rfc3339(r.try_get("at")?),
                    kind: r.try_get("kind")?,
                    ip: r.try_get("ip")?,
                    details: serde_json::from_str(&details).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// How many rows anywhere still name `user_id` (for tests and checks after a delete).
    pub async fn rows_naming(&self, user_id: &str) -> Result<i64, StoreError> {
        use sqlx::Row;
        let row = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM users WHERE id = $1) + \
               (SELECT COUNT(*) FROM profiles WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM auth_sessions WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM refresh_tokens WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM safety_events WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM class_members WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM classes WHERE teacher_id = $1) + \
               (SELECT COUNT(*) FROM events WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM event_outbox WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM struggle_alerts WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM struggle_signals WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM chat_messages WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM tutor_queries WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM tutor_conversations WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM generated_exercises WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM generated_quizzes WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM study_sessions WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM study_messages WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM course_drafts WHERE user_id = $1 OR published_by = $1) + \
               (SELECT COUNT(*) FROM tutorial_assignments WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM tutorial_step_events WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM tutorial_surveys WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM user_personas WHERE user_id = $1) + \
               (SELECT COUNT(*) FROM audit_events WHERE actor_id = $1 OR subject_id = $1) AS n",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }
}
