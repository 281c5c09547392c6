//! Mini-project submissions (docs/requirements.md#r-000-5), which are also the queue of grading
//! jobs: a submission is `queued`, a worker on any replica claims it (`grading`, with a lease), and
//! it ends `graded` or `failed`. The worker renews its lease while it grades; one that dies
//! mid-job stops renewing, the lease runs out, and another worker takes the job again, so
//! nothing accepted is lost. The lease's end time is also the claim's fence: a worker
//! whose lease was taken over can neither renew it nor store its outcome.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::codec::text_enum;
use super::{Backend, Db, StoreError, now_ms};

text_enum! {
    /// Where a submission is in grading (the `status` column).
    pub enum SubmissionStatus as "submission status" {
        /// Waiting for a worker.
        Queued = "queued",
        /// A worker holds it (with a lease).
        Grading = "grading",
        /// Scored.
        Graded = "graded",
        /// Grading failed for good.
        Failed = "failed",
    }
}

/// A submission.
#[derive(Debug, Clone)]
pub struct SubmissionRow {
    /// Submission (job) id.
    pub id: String,
    /// Learner.
    pub user_id: String,
    /// The mini-project step id.
    pub project_id: String,
    /// The learner's payload, JSON.
    pub payload: String,
    /// Score 0-1 once graded.
    pub score: Option<f64>,
    /// Where it is in grading.
    pub status: SubmissionStatus,
    /// The grade, JSON, once graded.
    pub result: Option<String>,
    /// Why grading failed.
    pub error: Option<String>,
    /// Grading attempts started.
    pub tries: i64,
    /// Submitted, ms.
    pub created_at: i64,
    /// Graded, ms.
    pub graded_at: Option<i64>,
    /// While `grading`: when the worker's claim runs out, ms (also the claim's fence).
    pub lease_until: Option<i64>,
}

fn submission_row(r: &AnyRow) -> Result<SubmissionRow, sqlx::Error> {
    Ok(SubmissionRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        project_id: r.try_get("project_id")?,
        payload: r.try_get("payload")?,
        score: r.try_get("score")?,
        status: r.try_get("status")?,
        result: r.try_get("result")?,
        error: r.try_get("error")?,
        tries: r.try_get("tries")?,
        created_at: r.try_get("created_at")?,
        graded_at: r.try_get("graded_at")?,
        lease_until: r.try_get("lease_until")?,
    })
}

const COLUMNS: &str = "id, user_id, project_id, payload, score, status, result, error, tries, \
                       created_at, graded_at, lease_until";

impl Db {
    /// Queues a submission made at `at` (ms; the learner's "now") unless the learner
    /// already has `max_waiting` submissions queued or being graded (`None`); returns it
    /// as queued (a worker may have claimed it by the time this returns). Atomic across
    /// replicas: on Postgres the learner's row is locked for the count and the insert,
    /// and SQLite has one writer.
    pub async fn queue_submission(
        &self,
        user_id: &str,
        project_id: &str,
        payload: &str,
        at: i64,
        max_waiting: i64,
    ) -> Result<Option<SubmissionRow>, StoreError> {
        let id = uuid::Uuid::new_v4().to_string();
        let now = at;
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        let waiting: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM mini_project_submissions WHERE user_id = $1 \
             AND (status = 'queued' OR status = 'grading')",
        )
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if waiting >= max_waiting {
            return Ok(None);
        }
        sqlx::query(
            "INSERT INTO mini_project_submissions (id, user_id, project_id, payload, status, \
             tries, created_at, updated_at) VALUES ($1, $2, $3, $4, 'queued', 0, $5, $5)",
        )
        .bind(&id)
        .bind(user_id)
        .bind(project_id)
        .bind(payload)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(SubmissionRow {
            id,
            user_id: user_id.to_owned(),
            project_id: project_id.to_owned(),
            payload: payload.to_owned(),
            score: None,
            status: SubmissionStatus::Queued,
            result: None,
            error: None,
            tries: 0,
            created_at: now,
            graded_at: None,
            lease_until: None,
        }))
    }

    /// A submission by id.
    pub async fn submission(&self, id: &str) -> Result<Option<SubmissionRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM mini_project_submissions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(submission_row).transpose()?)
    }

    /// Claims the oldest job that is queued or whose lease ran out, leasing it for
    /// `lease_ms`; `None` when there is none. Safe across replicas: the claim is a
    /// conditional update, so two workers never hold one job.
    pub async fn claim_submission(
        &self,
        lease_ms: i64,
    ) -> Result<Option<SubmissionRow>, StoreError> {
        for _ in 0..4 {
            let now = now_ms();
            let candidate: Option<String> = sqlx::query(
                "SELECT id FROM mini_project_submissions WHERE status = 'queued' \
                 OR (status = 'grading' AND lease_until < $1) ORDER BY created_at LIMIT 1",
            )
            .bind(now)
            .fetch_optional(self.pool())
            .await?
            .map(|r| r.try_get("id"))
            .transpose()?;
            let Some(id) = candidate else {
                return Ok(None);
            };
            let claimed = sqlx::query(
                "UPDATE mini_project_submissions SET status = 'grading', lease_until = $2, \
                 tries = tries + 1, updated_at = $3 WHERE id = $1 AND (status = 'queued' \
                 OR (status = 'grading' AND lease_until < $3))",
            )
            .bind(&id)
            .bind(now + lease_ms)
            .bind(now)
            .execute(self.pool())
            .await?
            .rows_affected();
            if claimed == 1 {
                return self.submission(&id).await;
            }
            // Another worker won this one; look again.
        }
        Ok(None)
    }

    /// Extends the claim on job `id` held until `held` to `until`; `false` when the claim
    /// is no longer this worker's (it ran out and another worker took the job).
    pub async fn renew_submission(
        &self,
        id: &str,
        held: i64,
        until: i64,
    ) -> Result<bool, StoreError> {
        let renewed = sqlx::query(
            "UPDATE mini_project_submissions SET lease_until = $3 \
             WHERE id = $1 AND status = 'grading' AND lease_until = $2",
        )
        .bind(id)
        .bind(held)
        .bind(until)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(renewed == 1)
    }

    /// Records a finished grading by the worker whose claim ends at `held`; `false` (and
    /// nothing written) when the claim was taken over.
    pub async fn finish_submission(
        &self,
        id: &str,
        held: i64,
        score: f64,
        result: &str,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE mini_project_submissions SET status = 'graded', score = $3, result = $4, \
             error = NULL, lease_until = NULL, graded_at = $5, updated_at = $5 \
             WHERE id = $1 AND status = 'grading' AND lease_until = $2",
        )
        .bind(id)
        .bind(held)
        .bind(score)
        .bind(result)
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    /// Records a failed grading by the worker whose claim ends at `held`: back to the
    /// queue while `retry`, else `failed`; `false` (and nothing written) when the claim was
    /// taken over.
    pub async fn fail_submission(
        &self,
        id: &str,
        held: i64,
        error: &str,
        retry: bool,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE mini_project_submissions SET status = $3, error = $4, lease_until = NULL, \
             updated_at = $5 WHERE id = $1 AND status = 'grading' AND lease_until = $2",
        )
        .bind(id)
        .bind(held)
        .bind(if retry {
            SubmissionStatus::Queued
        } else {
            SubmissionStatus::Failed
        })
        .bind(error)
        .bind(now_ms())
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(done == 1)
    }
}

impl Db {
    /// The learner's submissions, oldest first (for the export).
    pub async fn submissions_of(&self, user_id: &str) -> Result<Vec<SubmissionRow>, StoreError> {
        Ok(sqlx::query(&format!(
            "SELECT {COLUMNS} FROM mini_project_submissions WHERE user_id = $1 ORDER BY created_at"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(submission_row)
        .collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use crate::store::users::NewUser;

    /// A learner's submission is counted and inserted in one transaction while workers
    /// claim jobs with single updates. On SQLite a transaction that reads before it
    /// writes used to fail at once with SQLITE_BUSY whenever a claim committed in
    /// between (the busy timeout does not apply), so submissions got a 503 at random.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn queueing_on_sqlite_survives_workers_claiming_at_the_same_time() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("tessera.db").display());
        let db = Db::connect(&url, 8).await.unwrap();
        db.migrate().await.unwrap();
        let mut learners = Vec::new();
        for n in 0..8 {
            let new = NewUser {
                email: format!("learner{n}@example.com"),
                password_hash: "not-a-hash".into(),
                full_name: format!("Learner {n}"),
                role: Role::Student,
            };
            learners.push(db.create_user(new, None).await.unwrap().id);
        }
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let claimers: Vec<_> = (0..2)
            .map(|_| {
                let (db, done) = (db.clone(), done.clone());
                tokio::spawn(async move {
                    let mut claimed = 0;
                    while !done.load(std::sync::atomic::Ordering::Relaxed) {
                        if db.claim_submission(60_000).await.unwrap().is_some() {
                            claimed += 1;
                        } else {
                            tokio::task::yield_now().await;
                        }
                    }
                    claimed
                })
            })
            .collect();
        let submissions = learners.iter().flat_map(|user| {
            (0..25).map(|n| {
                let db = db.clone();
                let user = user.clone();
                async move {
                    db.queue_submission(&user, "p", &format!("take {n}"), now_ms(), 1000)
                        .await
                }
            })
        });
        let results = futures::future::join_all(submissions).await;
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut claimed = 0;
        for claimer in claimers {
            claimed += claimer.await.unwrap();
        }
        let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        assert!(
            failed.is_empty(),
            "{} of 200 failed: {:?}",
            failed.len(),
            failed.first()
        );
        assert!(results.iter().all(|r| matches!(r, Ok(Some(_)))));
        assert!(claimed > 0, "the workers never ran beside the submissions");
    }
}
