//! AI usage events: one row per completion, and the cost report over them.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Db, StoreError, now_ms};

/// One completion to record.
#[derive(Debug, Clone)]
pub struct Usage<'a> {
    /// The learner (stored hashed), when known.
    pub user_id: Option<&'a str>,
    /// The feature, e.g. `chat-completions`, `tutor`.
    pub feature: &'a str,
    /// Provider.
    pub provider: &'a str,
    /// Model.
    pub model: &'a str,
    /// Prompt tokens.
    pub input_tokens: u32,
    /// Generated tokens.
    pub output_tokens: u32,
    /// Wall-clock time of the call.
    pub latency_ms: u64,
    /// Whether it came from the cache.
    pub cached: bool,
    /// Price in millionths of a US dollar.
    pub cost_micro_usd: i64,
}

/// One line of the cost report: a day, a feature, a model.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UsageLine {
    /// UTC day, `YYYY-MM-DD`.
    pub day: String,
    /// Feature.
    pub feature: String,
    /// Model.
    pub model: String,
    /// Completions.
    pub requests: i64,
    /// Prompt tokens.
    pub input_tokens: i64,
    /// Generated tokens.
    pub output_tokens: i64,
    /// Cost in US dollars.
    pub cost_usd: f64,
}

/// The stored form of a user id: not reversible, stable per user.
pub fn user_hash(user_id: &str) -> String {
    hex::encode(&Sha256::digest(format!("tessera-usage:{user_id}").as_bytes())[..12])
}

const DAY_MS: i64 = 86_400_000;

impl Db {
    /// Records one completion.
    pub async fn record_ai_usage(&self, u: &Usage<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO ai_usage_events (id, at, user_hash, feature, provider, model, \
             input_tokens, output_tokens, latency_ms, cached, cost_micro_usd) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(now_ms())
        .bind(u.user_id.map(user_hash))
        .bind(u.feature)
        .bind(u.provider)
        .bind(u.model)
        .bind(i64::from(u.input_tokens))
        .bind(i64::from(u.output_tokens))
        .bind(i64::try_from(u.latency_ms).unwrap_or(i64::MAX))
        .bind(i64::from(u.cached))
        .bind(u.cost_micro_usd)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Cost by UTC day, feature and model over the last `days` days, newest first.
    pub async fn ai_usage_report(&self, days: i64) -> Result<Vec<UsageLine>, StoreError> {
        let since = (now_ms() / DAY_MS - days + 1) * DAY_MS;
        let rows = sqlx::query(
            // CASTs: Postgres sums BIGINTs as NUMERIC.
            "SELECT at / 86400000 AS day, feature, model, COUNT(*) AS requests, \
             CAST(SUM(input_tokens) AS BIGINT) AS input_tokens, \
             CAST(SUM(output_tokens) AS BIGINT) AS output_tokens, \
             CAST(SUM(cost_micro_usd) AS BIGINT) AS cost FROM ai_usage_events WHERE at >= $1 \
             GROUP BY at / 86400000, feature, model ORDER BY day DESC, feature, model",
        )
        .bind(since)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let day: i64 = r.try_get("day")?;
                let cost: i64 = r.try_get("cost")?;
                Ok(UsageLine {
                    day: chrono::DateTime::from_timestamp_millis(day * DAY_MS)
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                    feature: r.try_get("feature")?,
                    model: r.try_get("model")?,
                    requests: r.try_get("requests")?,
                    input_tokens: r.try_get("input_tokens")?,
                    output_tokens: r.try_get("output_tokens")?,
                    cost_usd: cost as f64 / 1e6,
                })
            })
            .collect()
    }
}
