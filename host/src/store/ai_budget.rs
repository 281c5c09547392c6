//! What the AI cost guard keeps in the database: users' plan tiers, the month's spend as
//! recorded (to restore the running counter after a restart), and spend alerts.

use serde::Serialize;
use sqlx::Row;

use super::{Db, StoreError, now_ms};

/// A spend alert: the month's spend crossed `percent` of the cap.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BudgetAlert {
    /// `YYYY-MM` (UTC).
    pub month: String,
    /// 50, 80, 95 or 100.
    pub percent: i64,
    /// When it was crossed, RFC 3339.
    pub at: String,
    /// Spend when it was crossed, US dollars.
    pub spent_usd: f64,
    /// The cap then, US dollars.
    pub cap_usd: f64,
}

impl Db {
    /// The user's plan tier, `None` for an unknown user.
    pub async fn user_tier(&self, user_id: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query("SELECT tier FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?
            .map(|r| r.try_get("tier"))
            .transpose()?)
    }

    /// Sets the user's plan tier, with an audit event; whether the user exists.
    pub async fn set_tier(
        &self,
        user_id: &str,
        tier: &str,
        actor: Option<&str>,
    ) -> Result<bool, StoreError> {
        self.set_audited(user_id, super::users::UserChange::Tier(tier), actor)
            .await
    }

    /// Recorded spend since `since_ms`, in micro-dollars.
    pub async fn ai_spend_since(&self, since_ms: i64) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(cost_micro_usd), 0) AS BIGINT) AS spent \
             FROM ai_usage_events WHERE at >= $1",
        )
        .bind(since_ms)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("spent")?)
    }

    /// Records that `month`'s spend crossed `percent` of the cap; `false` when another
    /// request (or replica) recorded it first.
    pub async fn record_budget_alert(
        &self,
        month: &str,
        percent: i64,
        spent_micro_usd: i64,
        cap_micro_usd: i64,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "INSERT INTO ai_budget_alerts (month, percent, at, spent_micro_usd, cap_micro_usd) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (month, percent) DO NOTHING",
        )
        .bind(month)
        .bind(percent)
        .bind(now_ms())
        .bind(spent_micro_usd)
        .bind(cap_micro_usd)
        .execute(self.pool())
        .await?
        .rows_affected()
            > 0)
    }

    /// `month`'s alerts, lowest threshold first.
    pub async fn budget_alerts(&self, month: &str) -> Result<Vec<BudgetAlert>, StoreError> {
        let rows = sqlx::query(
            "SELECT month, percent, at, spent_micro_usd, cap_micro_usd FROM ai_budget_alerts \
             WHERE month = $1 ORDER BY percent",
        )
        .bind(month)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BudgetAlert {
                    month: r.try_get("month")?,
                    percent: r.try_get("percent")?,
                    at: super::rfc3339(r.try_get("at")?),
                    spent_usd: r.try_get::<i64, _>("spent_micro_usd")? as f64 / 1e6,
                    cap_usd: r.try_get::<i64, _>("cap_micro_usd")? as f64 / 1e6,
                })
            })
            .collect()
    }
}
