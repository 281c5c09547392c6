//! Safety events: crises the safety gate stopped on AI paths, without the message.

use serde::Serialize;
use sqlx::Row;

use super::{Db, StoreError, now_ms, rfc3339};
use crate::safety::Level;

/// One stored event.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SafetyEvent {
    /// Event id.
    pub id: String,
    /// When, RFC 3339.
    pub at: String,
    /// The learner, when known.
    pub user_id: Option<String>,
    /// Where: `chat-completions`, or `plugin` for a plugin's `llm` call.
    pub surface: String,
    /// `crisis`.
    #[schema(value_type = String)]
    pub level: Level,
    /// Categories found.
    pub categories: Vec<String>,
    /// The plugin that made the call, for plugin calls.
    pub source: Option<String>,
}

impl Db {
    /// Records a stopped message (never its text).
    pub async fn record_safety_event(
        &self,
        user_id: Option<&str>,
        surface: &str,
        level: Level,
        categories: &[String],
        source: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO safety_events (id, at, user_id, surface, level, categories, source) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(now_ms())
        .bind(user_id.map(str::to_owned))
        .bind(surface)
        .bind(level)
        .bind(serde_json::to_string(categories).unwrap_or_else(|_| "[]".into()))
        .bind(source.map(str::to_owned))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The newest events, at most `limit`.
    pub async fn safety_events(&self, limit: i64) -> Result<Vec<SafetyEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, user_id, surface, level, categories, source FROM safety_events \
             ORDER BY at DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let categories: String = r.try_get("categories")?;
                Ok(SafetyEvent {
                    id: r.try_get("id")?,
                    at: rfc3339(r.try_get("at")?),
                    user_id: r.try_get("user_id")?,
                    surface: r.try_get("surface")?,
                    level: r.try_get("level")?,
                    categories: serde_json::from_str(&categories).unwrap_or_default(),
                    source: r.try_get("source")?,
                })
            })
            .collect()
    }
}
