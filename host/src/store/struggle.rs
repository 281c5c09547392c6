//! Struggle detection's tables: the signals the detector saw (one row per event and
//! signal, so a redelivered event counts once) and the alerts for teachers
//! (`learning::struggle` decides; docs/events.md, "Struggle detection").

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, StoreError};
use crate::events::Envelope;

/// A stored alert, with the learner's name.
#[derive(Debug, Clone)]
pub struct AlertRow {
    /// The id of the event that raised it.
    pub id: String,
    /// The learner.
    pub user_id: String,
    /// The learner's full name.
    pub full_name: String,
    /// `repeated-error`, `sandbox-timeout` or `quiz-failures`.
    pub reason: String,
    /// The step or topic it is about.
    pub subject: String,
    /// The topic, when known.
    pub topic: Option<String>,
    /// The step, for exercise alerts.
    pub step_id: Option<String>,
    /// What happened, for a teacher.
    pub detail: String,
    /// How many signals raised it.
    pub signal_count: i64,
    /// When the signal that raised it was observed (µs): later signals are fresh evidence.
    pub evidence_until: i64,
    /// When, ms.
    pub created_at: i64,
    /// When a teacher acknowledged it, ms.
    pub acknowledged_at: Option<i64>,
    /// Who did.
    pub acknowledged_by: Option<String>,
}

fn alert_row(r: &AnyRow) -> Result<AlertRow, sqlx::Error> {
    Ok(AlertRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        full_name: r.try_get("full_name")?,
        reason: r.try_get("reason")?,
        subject: r.try_get("subject")?,
        topic: r.try_get("topic")?,
        step_id: r.try_get("step_id")?,
        detail: r.try_get("detail")?,
        signal_count: r.try_get("signal_count")?,
        evidence_until: r.try_get("evidence_until")?,
        created_at: r.try_get("created_at")?,
        acknowledged_at: r.try_get("acknowledged_at")?,
        acknowledged_by: r.try_get("acknowledged_by")?,
    })
}

const ALERT_COLUMNS: &str = "a.id, a.user_id, u.full_name, a.reason, a.subject, a.topic, \
    a.step_id, a.detail, a.signal_count, a.evidence_until, a.created_at, a.acknowledged_at, a.acknowledged_by";

/// Learners a teacher sees: members of the teacher's classes (membership is consent).
const TAUGHT_BY: &str = "a.user_id IN (SELECT m.user_id FROM class_members m \
    JOIN classes c ON c.id = m.class_id WHERE c.teacher_id = $1)";

impl Db {
    /// Records `signals` of the event `event_id` about `user_id` (once per event).
    pub async fn record_signals(
        &self,
        event_id: &str,
        user_id: &str,
        signals: &[String],
        at: i64,
    ) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        for signal in signals {
            // Only while the account exists: an event still in flight when its learner
            // deleted the account must not leave rows naming them.
            sqlx::query(
                "INSERT INTO struggle_signals (event_id, signal, user_id, observed_at) \
                 SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM users WHERE id = $3) \
                 ON CONFLICT (event_id, signal) DO NOTHING",
            )
            .bind(event_id)
            .bind(signal)
            .bind(user_id)
            .bind(at)
            .execute(self.pool())
            .await?;
        }
        Ok(())
    }

    /// How many times `user_id` showed `signal` after `since` (µs).
    pub async fn count_signal(
        &self,
        user_id: &str,
        signal: &str,
        since: i64,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query(
            "SELECT COUNT(*) AS n FROM struggle_signals \
             WHERE user_id = $1 AND signal = $2 AND observed_at > $3",
        )
        .bind(user_id)
        .bind(signal)
        .bind(since)
        .fetch_one(self.pool())
        .await?
        .try_get("n")?)
    }

    /// When `user_id` last showed `signal`, µs.
    pub async fn last_signal(
        &self,
        user_id: &str,
        signal: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query(
            "SELECT MAX(observed_at) AS at FROM struggle_signals WHERE user_id = $1 AND signal = $2",
        )
        .bind(user_id)
        .bind(signal)
        .fetch_one(self.pool())
        .await?
        .try_get("at")?)
    }

    /// Until when (µs) the learner's last alert for `reason` about `subject` took its
    /// evidence.
    pub async fn last_alert(
        &self,
        user_id: &str,
        reason: &str,
        subject: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query(
            "SELECT MAX(evidence_until) AS at FROM struggle_alerts \
             WHERE user_id = $1 AND reason = $2 AND subject = $3",
        )
        .bind(user_id)
        .bind(reason)
        .bind(subject)
        .fetch_one(self.pool())
        .await?
        .try_get("at")?)
    }

    /// Stores `alert` and stages its `struggle.detected` event in one transaction; false
    /// when it exists already (a redelivered event).
    pub async fn raise_alert(
        &self,
        alert: &AlertRow,
        event: &Envelope,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO struggle_alerts (id, user_id, reason, subject, topic, step_id, detail, \
             signal_count, evidence_until, created_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 \
             WHERE EXISTS (SELECT 1 FROM users WHERE id = $2) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&alert.id)
        .bind(&alert.user_id)
        .bind(&alert.reason)
        .bind(&alert.subject)
        .bind(&alert.topic)
        .bind(&alert.step_id)
        .bind(&alert.detail)
        .bind(alert.signal_count)
        .bind(alert.evidence_until)
        .bind(alert.created_at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            crate::events::outbox::stage(&mut tx, std::slice::from_ref(event)).await?;
        }
        tx.commit().await?;
        Ok(inserted == 1)
    }

    /// Alerts about learners in `teacher`'s classes (every learner's with `None`), newest
    /// first: only unacknowledged ones unless `all`, only those raised after `since`.
    pub async fn teacher_alerts(
        &self,
        teacher: Option<&str>,
        all: bool,
        since: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AlertRow>, StoreError> {
        let mut conditions = vec![if teacher.is_some() {
            TAUGHT_BY
        } else {
            "$1 = $1"
        }];
        if !all {
            conditions.push("a.acknowledged_at IS NULL");
        }
        conditions.push("a.created_at > $2");
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM struggle_alerts a JOIN users u ON u.id = a.user_id \
             WHERE {} ORDER BY a.created_at DESC, a.id LIMIT $3",
            conditions.join(" AND ")
        );
        sqlx::query(&sql)
            .bind(teacher.unwrap_or(""))
            .bind(since.unwrap_or(i64::MIN))
            .bind(limit)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| alert_row(r).map_err(StoreError::from))
            .collect()
    }

    /// Marks the alert acknowledged by `by` (once: a second acknowledgement keeps the
    /// first), if `teacher` sees its learner (`None`: every learner). `None` when the
    /// caller does not see it.
    pub async fn acknowledge_alert(
        &self,
        id: &str,
        teacher: Option<&str>,
        by: &str,
        at: i64,
    ) -> Result<Option<AlertRow>, StoreError> {
        let visible = format!(
            "SELECT {ALERT_COLUMNS} FROM struggle_alerts a JOIN users u ON u.id = a.user_id \
             WHERE a.id = $2 AND {}",
            if teacher.is_some() {
                TAUGHT_BY
            } else {
                "$1 = $1"
            }
        );
        let find = async || -> Result<Option<AlertRow>, StoreError> {
            sqlx::query(&visible)
                .bind(teacher.unwrap_or(""))
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .map(|r| alert_row(&r).map_err(StoreError::from))
                .transpose()
        };
        if find().await?.is_none() {
            return Ok(None);
        }
        {
            let _turn = self.write_turn().await;
            sqlx::query(
                "UPDATE struggle_alerts SET acknowledged_at = $2, acknowledged_by = $3 \
                 WHERE id = $1 AND acknowledged_at IS NULL",
            )
            .bind(id)
            .bind(at)
            .bind(by)
            .execute(self.pool())
            .await?;
        }
        find().await
    }

    /// The learner's own alerts, oldest first (for their export).
    pub async fn alerts_of(&self, user_id: &str) -> Result<Vec<AlertRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {ALERT_COLUMNS} FROM struggle_alerts a JOIN users u ON u.id = a.user_id \
             WHERE a.user_id = $1 ORDER BY a.created_at, a.id"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| alert_row(r).map_err(StoreError::from))
        .collect()
    }
}
