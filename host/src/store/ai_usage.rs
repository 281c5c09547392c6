//! AI usage events: one row per completion, and the cost report over them.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Db, StoreError, now_ms};

/// One completion to record.
#[derive(Debug, Clone)]
pub struct Usage {
    /// When, ms since the epoch.
    pub at: i64,
    /// The learner, hashed ([`user_hash`]), when known.
    pub user_hash: Option<String>,
    /// The feature, e.g. `chat-completions`, `tutor`.
    pub feature: String,
    /// Provider.
    pub provider: String,
    /// Model.
    pub model: String,
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
    /// Records completions, all in one transaction.
    pub async fn record_ai_usage(&self, events: &[Usage]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for u in events {
            sqlx::query(
                "INSERT INTO ai_usage_events (id, at, user_hash, feature, provider, model, \
                 input_tokens, output_tokens, latency_ms, cached, cost_micro_usd) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(u.at)
            .bind(u.user_hash.clone())
            .bind(&u.feature)
            .bind(&u.provider)
            .bind(&u.model)
            .bind(i64::from(u.input_tokens))
            .bind(i64::from(u.output_tokens))
            .bind(i64::try_from(u.latency_ms).unwrap_or(i64::MAX))
            .bind(i64::from(u.cached))
            .bind(u.cost_micro_usd)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
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

/// Writes usage events off the request path: completions hand their event to a channel
/// and a background task writes them in batches (one transaction per batch, gathering for
/// 50 ms after a batch's first event), so a burst of completions, or a lone client's
/// stream of them, costs one database write, not one each. While the database is down (a
/// restart) a batch is retried every second for up to a minute, events queueing behind it.
/// Events still in the channel when the process dies are lost; usage is accounting, not
/// state a request depends on.
#[derive(Clone)]
pub struct UsageRecorder {
    tx: tokio::sync::mpsc::Sender<Usage>,
    db: Db,
}

/// Most events waiting for the writer.
const QUEUE: usize = 8192;
/// Most events written in one transaction.
const BATCH: usize = 512;
/// How long the writer gathers events after the first of a batch.
const LINGER: std::time::Duration = std::time::Duration::from_millis(50);
/// Seconds a batch waits for a database that is down before it is dropped.
const OUTAGE_RETRIES: u32 = 60;

impl UsageRecorder {
    /// Starts the writer task for `db`.
    pub fn start(db: Db) -> Self {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Usage>(QUEUE);
        let writer = db.clone();
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            while let Some(first) = rx.recv().await {
                batch.push(first);
                // Events that follow within LINGER share the write: a lone client's
                // requests then cost one transaction (and one wake-up of the database's
                // thread) every LINGER, not one each.
                let until = tokio::time::Instant::now() + LINGER;
                while batch.len() < BATCH {
                    match tokio::time::timeout_at(until, rx.recv()).await {
                        Ok(Some(u)) => batch.push(u),
                        // The channel closed (shutdown) or the time is up: write what came.
                        Ok(None) | Err(_) => break,
                    }
                }
                let mut tries = 0;
                loop {
                    match writer.record_ai_usage(&batch).await {
                        Ok(()) => break,
                        Err(e) if e.is_unavailable() && tries < OUTAGE_RETRIES => {
                            tries += 1;
                            tracing::warn!(error = %e, events = batch.len(), "AI usage waits for the database");
                            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        }
                        Err(e) => {
                            tracing::error!(error = %e, events = batch.len(), "could not record AI usage");
                            break;
                        }
                    }
                }
                batch.clear();
            }
        });
        Self { tx, db }
    }

    /// Hands an event to the writer (written directly when the queue is full).
    pub fn record(&self, usage: Usage) {
        if let Err(tokio::sync::mpsc::error::TrySendError::Full(usage)) = self.tx.try_send(usage) {
            let db = self.db.clone();
            tokio::spawn(async move {
                if let Err(e) = db.record_ai_usage(&[usage]).await {
                    tracing::error!(error = %e, "could not record AI usage");
                }
            });
        }
    }
}
