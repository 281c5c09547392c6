//! The behaviour the persona clustering reads (seed 004 §5; `crate::experiments::personas`):
//! one grouped query per source table, merged per learner into
//! [`BehaviourFeatures`] (its fields document their sources).

use std::collections::HashMap;

use experiment_analysis::personas::BehaviourFeatures;
use sqlx::Row;

use super::{Db, StoreError};

const DAY_MS: i64 = 86_400_000;

fn count(r: &sqlx::any::AnyRow, column: &str) -> Result<u64, sqlx::Error> {
    let n: Option<i64> = r.try_get(column)?;
    Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
}

type Users = HashMap<String, (BehaviourFeatures, i64)>;

/// Applies each row to the learner its `key` column names (rows naming no active account
/// are skipped); `apply` also gets the account's creation time.
fn merge(
    users: &mut Users,
    rows: Vec<sqlx::any::AnyRow>,
    key: &str,
    apply: &mut dyn FnMut(
        &sqlx::any::AnyRow,
        &mut BehaviourFeatures,
        i64,
    ) -> Result<(), sqlx::Error>,
) -> Result<(), StoreError> {
    for r in &rows {
        let id: String = r.try_get(key)?;
        if let Some((f, created)) = users.get_mut(&id) {
            apply(r, f, *created)?;
        }
    }
    Ok(())
}

impl Db {
    /// Every active account's behaviour as of `now` (ms), by user id.
    pub async fn persona_features(
        &self,
        now: i64,
    ) -> Result<HashMap<String, BehaviourFeatures>, StoreError> {
        let since = now - 30 * DAY_MS;
        let mut users: Users = HashMap::new();
        let rows = sqlx::query(
            "SELECT u.id, u.role, u.streak, u.created_at, \
             CAST(COALESCE(p.total_xp, 0) AS BIGINT) AS xp \
             FROM users u LEFT JOIN profiles p ON p.user_id = u.id WHERE u.is_active = 1",
        )
        .fetch_all(self.pool())
        .await?;
        for r in &rows {
            let role: String = r.try_get("role")?;
            let created: i64 = r.try_get("created_at")?;
            let features = BehaviourFeatures {
                is_teacher: matches!(role.as_str(), "teacher" | "admin" | "super_admin"),
                is_admin: matches!(role.as_str(), "admin" | "super_admin"),
                streak_days: count(r, "streak")?,
                total_xp: count(r, "xp")?,
                account_age_days: u64::try_from((now - created).max(0) / DAY_MS).unwrap_or(0),
                ..BehaviourFeatures::default()
            };
            users.insert(r.try_get("id")?, (features, created));
        }
        // Tutorial pings: counts and the devices they came from.
        let rows = sqlx::query(
            "SELECT user_id, \
             COUNT(CASE WHEN status = 'started' THEN 1 END) AS started, \
             COUNT(CASE WHEN status = 'completed' THEN 1 END) AS completed, \
             COUNT(CASE WHEN device = 'web' THEN 1 END) AS web, \
             COUNT(CASE WHEN device = 'ios' THEN 1 END) AS ios, \
             COUNT(CASE WHEN device = 'android' THEN 1 END) AS android \
             FROM tutorial_step_events GROUP BY user_id",
        )
        .fetch_all(self.pool())
        .await?;
        merge(&mut users, rows, "user_id", &mut |r, f, _| {
            f.tutorial_steps_started = count(r, "started")?;
            f.tutorial_steps_completed = count(r, "completed")?;
            f.requests_web = count(r, "web")?;
            f.requests_ios = count(r, "ios")?;
            f.requests_android = count(r, "android")?;
            Ok(())
        })?;
        let rows = sqlx::query(
            "SELECT user_id, duration_ms FROM tutorial_step_events \
             WHERE status = 'completed' AND duration_ms IS NOT NULL ORDER BY user_id, duration_ms",
        )
        .fetch_all(self.pool())
        .await?;
        let mut durations: HashMap<String, Vec<u64>> = HashMap::new();
        for r in &rows {
            let ms: i64 = r.try_get("duration_ms")?;
            durations
                .entry(r.try_get("user_id")?)
                .or_default()
                .push(u64::try_from(ms).unwrap_or(0));
        }
        for (id, ms) in durations {
            if let Some((f, _)) = users.get_mut(&id) {
                f.tutorial_median_step_ms = Some(ms[ms.len() / 2]);
            }
        }
        // Learning: active days, answers, lessons, projects.
        let rows = sqlx::query(
            "SELECT user_id, COUNT(DISTINCT created_at / 86400000) AS days FROM attempts \
             WHERE created_at >= $1 GROUP BY user_id",
        )
        .bind(since)
        .fetch_all(self.pool())
        .await?;
        merge(&mut users, rows, "user_id", &mut |r, f, _| {
            f.days_active_30d = u32::try_from(count(r, "days")?).unwrap_or(30);
            Ok(())
        })?;
        let rows = sqlx::query(
            "SELECT user_id, \
             COUNT(CASE WHEN kind <> 'code_exercise' THEN 1 END) AS quizzes, \
             COUNT(CASE WHEN kind <> 'code_exercise' AND correct = 1 THEN 1 END) AS right_answers, \
             COUNT(CASE WHEN kind = 'code_exercise' THEN 1 END) AS code \
             FROM attempts GROUP BY user_id",
        )
        .fetch_all(self.pool())
        .await?;
        merge(&mut users, rows, "user_id", &mut |r, f, _| {
            f.quiz_attempts = count(r, "quizzes")?;
            f.code_submissions = count(r, "code")?;
            if f.quiz_attempts > 0 {
                f.quiz_accuracy = Some(count(r, "right_answers")? as f64 / f.quiz_attempts as f64);
            }
            Ok(())
        })?;
        let rows = sqlx::query(
            "SELECT user_id, COUNT(*) AS n, MIN(completed_at) AS first FROM lesson_progress \
             WHERE completed_at IS NOT NULL GROUP BY user_id",
        )
        .fetch_all(self.pool())
        .await?;
        merge(&mut users, rows, "user_id", &mut |r, f, created| {
            f.lessons_completed = count(r, "n")?;
            let first: Option<i64> = r.try_get("first")?;
            f.time_to_first_value_secs =
                first.map(|at| u64::try_from((at - created).max(0) / 1000).unwrap_or(0));
            Ok(())
        })?;
        for (table, time, field) in [
            ("mini_project_submissions", None, 0),
            ("tutor_queries", Some("created_at"), 1),
            ("study_sessions", Some("created_at"), 2),
            ("generated_quizzes", None, 3),
            ("course_drafts", None, 4),
        ] {
            let window = time.map_or(String::new(), |c| format!(" WHERE {c} >= $1"));
            let rows = sqlx::query(&format!(
                "SELECT user_id, COUNT(*) AS n FROM {table}{window} GROUP BY user_id"
            ))
            .bind(since)
            .fetch_all(self.pool())
            .await?;
            merge(&mut users, rows, "user_id", &mut |r, f, _| {
                let n = count(r, "n")?;
                match field {
                    0 => f.project_submissions = n,
                    1 => f.tutor_queries_30d = n,
                    2 => f.study_sessions_30d = n,
                    3 => f.generated_quizzes = n,
                    _ => f.generated_courses = n,
                }
                Ok(())
            })?;
        }
        // AI requests are recorded by a hash of the user id, never the id itself.
        let rows = sqlx::query(
            "SELECT user_hash, COUNT(*) AS n FROM ai_usage_events \
             WHERE at >= $1 AND user_hash IS NOT NULL GROUP BY user_hash",
        )
        .bind(since)
        .fetch_all(self.pool())
        .await?;
        let mut by_hash = HashMap::new();
        for r in &rows {
            by_hash.insert(r.try_get::<String, _>("user_hash")?, count(r, "n")?);
        }
        for (id, (f, _)) in users.iter_mut() {
            if let Some(n) = by_hash.get(&super::ai_usage::user_hash(id)) {
                f.ai_requests_30d = *n;
            }
        }
        // Teaching: classes, their learners, invitations.
        let rows = sqlx::query(
            "SELECT c.teacher_id, COUNT(DISTINCT c.id) AS classes, COUNT(m.user_id) AS students \
             FROM classes c LEFT JOIN class_members m ON m.class_id = c.id GROUP BY c.teacher_id",
        )
        .fetch_all(self.pool())
        .await?;
        merge(&mut users, rows, "teacher_id", &mut |r, f, _| {
            f.classes_managed = count(r, "classes")?;
            f.students_managed = count(r, "students")?;
            Ok(())
        })?;
        let rows = sqlx::query(
            "SELECT invited_by, COUNT(*) AS n FROM class_invitations GROUP BY invited_by",
        )
        .fetch_all(self.pool())
        .await?;
        merge(&mut users, rows, "invited_by", &mut |r, f, _| {
            f.invitations_sent = count(r, "n")?;
            Ok(())
        })?;
        // The latest NPS each learner gave.
        let rows =
            sqlx::query("SELECT user_id, nps FROM tutorial_surveys ORDER BY user_id, created_at")
                .fetch_all(self.pool())
                .await?;
        merge(&mut users, rows, "user_id", &mut |r, f, _| {
            let nps: i64 = r.try_get("nps")?;
            f.nps = u8::try_from(nps).ok();
            Ok(())
        })?;
        Ok(users.into_iter().map(|(id, (f, _))| (id, f)).collect())
    }
}

impl Db {
    /// Takes the lease on job `name` for `holder` until `until` (ms) if nobody holds an
    /// unexpired one at `now`; whether it was taken. One statement, so two replicas
    /// racing cannot both win.
    pub async fn try_lease_job(
        &self,
        name: &str,
        holder: &str,
        now: i64,
        until: i64,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let done = sqlx::query(
            "INSERT INTO job_leases (name, holder, lease_until, last_run_at) \
             VALUES ($1, $2, $3, NULL) ON CONFLICT (name) DO UPDATE SET \
             holder = excluded.holder, lease_until = excluded.lease_until \
             WHERE job_leases.lease_until < $4",
        )
        .bind(name)
        .bind(holder)
        .bind(until)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Records that `holder` finished job `name` at `at` and frees the lease.
    pub async fn finish_job(&self, name: &str, holder: &str, at: i64) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "UPDATE job_leases SET last_run_at = $3, lease_until = 0 \
             WHERE name = $1 AND holder = $2",
        )
        .bind(name)
        .bind(holder)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// When job `name` last finished, ms.
    pub async fn job_last_run(&self, name: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT last_run_at FROM job_leases WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        Ok(row
            .map(|r| r.try_get::<Option<i64>, _>("last_run_at"))
            .transpose()?
            .flatten())
    }
}
