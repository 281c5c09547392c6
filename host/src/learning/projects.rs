//! Mini-projects (`submitProject` → `ProjectScore`, docs/requirements.md#r-000-4), graded
//! asynchronously: a submission is stored as a queued job and answered with its id; a worker (on
//! any replica: the queue is the `mini_project_submissions` table) grades it with the grader plugin
//! that claims `mini_project` (the rubric grader, which asks a model through the `llm` import),
//! records the outcome like any other step, and stores the score for
//! `GET /api/v1/projects/submissions/{id}`. Each learner may have only a few submissions waiting
//! (`--max-queued-projects`), so one learner cannot fill the queue, and the grader's model calls
//! count against the learner's AI budget.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::answers::{Answer, find_step, next_attempt, raw, wrong_kind};
use super::views::{CriterionScore, ProjectScore};
use super::{Learning, LearningError, MAX_PROJECT_BYTES, Now};
use crate::content::spec::StepKind as ContentKind;
use crate::grading::{GradeError, GradeRequest, QuestionInput};
use crate::plugins::contract::lesson_engine::StepKind;
use crate::store::projects::{SubmissionRow, SubmissionStatus};
use crate::store::rfc3339;

/// Grading tries before a job fails (only a grader that is unavailable is retried).
const MAX_TRIES: i64 = 3;
/// How often an idle worker looks for jobs queued by other replicas.
const POLL: Duration = Duration::from_secs(1);

impl Learning {
    /// Queues `payload` for grading against mini-project `project_id`'s rubric.
    pub async fn submit_project(
        &self,
        user_id: &str,
        project_id: &str,
        payload: Value,
        now: Now,
    ) -> Result<ProjectScore, LearningError> {
        let catalog = self.catalog().await?;
        find_step(&catalog, project_id, ContentKind::MiniProject)?;
        let Value::Object(fields) = &payload else {
            return Err(LearningError::invalid(
                "payload",
                "must be a JSON object, e.g. {\"code\": \"…\", \"text\": \"…\"}",
            ));
        };
        if fields.is_empty() {
            return Err(LearningError::invalid(
                "payload",
                "is empty; send the work as `code`, `text`, `files` or `url`",
            ));
        }
        // The rubric grader refuses other shapes; refuse them now, not after queueing.
        for (key, value) in fields {
            let ok = match key.as_str() {
                "code" | "text" | "url" => value.is_string(),
                "files" => value
                    .as_object()
                    .is_some_and(|f| f.values().all(Value::is_string)),
                _ => {
                    return Err(LearningError::invalid(
                        &format!("payload.{key}"),
                        "unknown field; send `code`, `text`, `files` (name → content) or `url`",
                    ));
                }
            };
            if !ok {
                return Err(LearningError::invalid(
                    &format!("payload.{key}"),
                    if key == "files" {
                        "must be an object of file name → text"
                    } else {
                        "must be a string"
                    },
                ));
            }
        }
        let text = payload.to_string();
        if text.len() > MAX_PROJECT_BYTES {
            return Err(LearningError::TooLarge {
                field: "payload",
                size: text.len(),
                limit: MAX_PROJECT_BYTES,
            });
        }
        self.learner_data(user_id).await?;
        let max = self.settings.max_queued_projects;
        let row = self
            .db
            .queue_submission(user_id, project_id, &text, now.0, max)
            .await?
            .ok_or_else(|| LearningError::Conflict {
                code: "PROJECT_QUEUE_FULL",
                message: format!(
                    "{max} of your project submissions are waiting to be graded; submit again \
                     once one of them is graded"
                ),
            })?;
        self.jobs.notify_one();
        Ok(score_view(&row))
    }

    /// A submission and its score; only its author (or `may_see_all`) may read it.
    pub async fn project_submission(
        &self,
        user_id: &str,
        may_see_all: bool,
        id: &str,
    ) -> Result<ProjectScore, LearningError> {
        let row = self
            .db
            .submission(id)
            .await?
            .filter(|r| may_see_all || r.user_id == user_id)
            // Someone else's submission is as unknown as a missing one.
            .ok_or_else(|| LearningError::not_found("submission", id))?;
        Ok(score_view(&row))
    }

    /// Starts `workers` grading workers; they run until the process ends.
    pub fn spawn_project_workers(self: &Arc<Self>, workers: usize) {
        for _ in 0..workers {
            let this = self.clone();
            tokio::spawn(async move {
                loop {
                    match this
                        .db
                        .claim_submission(this.settings.project_lease_ms)
                        .await
                    {
                        Ok(Some(job)) => this.grade_job(job).await,
                        Ok(None) => {
                            let _ = tokio::time::timeout(POLL, this.jobs.notified()).await;
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "cannot claim a project grading job");
                            tokio::time::sleep(POLL).await;
                        }
                    }
                }
            });
        }
    }

    /// Grades `job`, renewing its lease every third of the lease while the grader works,
    /// then stores the outcome under the claim (a claim lost meanwhile stores nothing: the
    /// worker that took the job over stores its own).
    async fn grade_job(&self, job: SubmissionRow) {
        let lease = self.settings.project_lease_ms;
        let Some(mut held) = job.lease_until else {
            tracing::error!(submission = %job.id, "claimed a project job without a lease");
            return;
        };
        let every = Duration::from_millis(u64::try_from(lease / 3).unwrap_or(1).max(1));
        let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        let mut ours = true;
        let grading = self.grade_submission(&job);
        tokio::pin!(grading);
        let outcome = loop {
            tokio::select! {
                outcome = &mut grading => break outcome,
                _ = renew.tick(), if ours => {
                    let until = crate::store::now_ms() + lease;
                    match self.db.renew_submission(&job.id, held, until).await {
                        Ok(true) => held = until,
                        Ok(false) => {
                            tracing::warn!(submission = %job.id, "project job taken over by another worker");
                            ours = false;
                        }
                        // Keep grading: the next renewal may get through before the
                        // lease runs out.
                        Err(e) => tracing::warn!(submission = %job.id, error = %e, "cannot renew a project job's lease"),
                    }
                }
            }
        };
        let stored = match outcome {
            Ok(result) => {
                let score = result.score.unwrap_or(0.0);
                match serde_json::to_string(&result) {
                    Ok(json) => self.db.finish_submission(&job.id, held, score, &json).await,
                    Err(e) => {
                        self.db
                            .fail_submission(&job.id, held, &e.to_string(), false)
                            .await
                    }
                }
            }
            Err(e) => {
                let retry = matches!(&e, LearningError::Grade(GradeError::Unavailable(_)))
                    && job.tries < MAX_TRIES;
                tracing::warn!(submission = %job.id, error = %e, retry, "project grading failed");
                self.db
                    .fail_submission(&job.id, held, &e.to_string(), retry)
                    .await
            }
        };
        match stored {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(submission = %job.id, "project job taken over; its outcome is the other worker's")
            }
            // The lease runs out and another worker grades the job again.
            Err(e) => {
                tracing::error!(submission = %job.id, error = %e, "cannot store a project grade")
            }
        }
    }

    async fn grade_submission(&self, job: &SubmissionRow) -> Result<ProjectScore, LearningError> {
        let catalog = self.catalog().await?;
        let (lesson, step) = find_step(&catalog, &job.project_id, ContentKind::MiniProject)?;
        let project = step
            .row
            .spec
            .as_project()
            .ok_or_else(|| wrong_kind(&job.project_id, &step, ContentKind::MiniProject))?;
        let payload: Value = serde_json::from_str(&job.payload)
            .map_err(|e| LearningError::invalid("payload", e.to_string()))?;
        let request = GradeRequest {
            question: QuestionInput {
                kind: "mini_project".into(),
                prompt: step.row.body.clone(),
                options: Vec::new(),
                answer_key: raw(&serde_json::json!({ "rubric": project.rubric }))?,
            },
            answer: raw(&payload)?,
        };
        let grade = crate::grading::grade(&self.registry, request, Some(&job.user_id)).await?;
        let data = self.learner_data(&job.user_id).await?;
        let latest = self
            .db
            .latest_attempt(&job.user_id, &job.project_id)
            .await?;
        // Details of another shape show no criteria (the score and feedback still count).
        let details: RubricDetails = grade
            .details
            .clone()
            .and_then(|d| serde_json::from_value(d).ok())
            .unwrap_or_default();
        let needs_review = details.needs_review;
        let criteria = details
            .criteria
            .into_iter()
            .map(CriterionScore::from)
            .collect();
        // The grade is recorded at the time the learner submitted.
        let answer = Answer {
            user_id: &job.user_id,
            lesson: &lesson,
            step: &step,
            kind: StepKind::Project,
            score: grade.score,
            correct: grade.correct,
            review: false,
            attempt: next_attempt(latest.as_ref()),
            answer: job.payload.clone(),
            duration_ms: None,
            now: Now(job.created_at),
            run: None,
        };
        let graded_at = crate::store::now_ms();
        self.record(&catalog, &data, answer, |r| ProjectScore {
            submission_id: job.id.clone(),
            project_id: job.project_id.clone(),
            status: SubmissionStatus::Graded.as_str().into(),
            score: Some(grade.score),
            passed: Some(grade.correct),
            feedback: Some(grade.feedback.clone()),
            criteria,
            needs_review,
            submitted_at: rfc3339(job.created_at),
            graded_at: Some(rfc3339(graded_at)),
            error: None,
            progress: Some(r.progress.clone()),
        })
        .await
    }
}

/// What the rubric grader reports beside the score (docs/grading.md).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct RubricDetails {
    /// The score per criterion.
    criteria: Vec<CriterionDetail>,
    /// Whether a teacher should look at it.
    needs_review: bool,
}

/// One criterion's score as a grader reports it: a field it leaves out shows empty.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct CriterionDetail {
    id: String,
    criterion: String,
    points: f64,
    max_points: f64,
    feedback: String,
}

impl From<CriterionDetail> for CriterionScore {
    fn from(c: CriterionDetail) -> Self {
        CriterionScore {
            id: c.id,
            criterion: c.criterion,
            points: c.points,
            max_points: c.max_points,
            feedback: c.feedback,
        }
    }
}

/// A stored submission as the API shows it.
fn score_view(row: &SubmissionRow) -> ProjectScore {
    if row.status == SubmissionStatus::Graded
        && let Some(stored) = row
            .result
            .as_deref()
            .and_then(|r| serde_json::from_str::<ProjectScore>(r).ok())
    {
        return stored;
    }
    ProjectScore {
        submission_id: row.id.clone(),
        project_id: row.project_id.clone(),
        status: row.status.as_str().into(),
        score: row.score,
        passed: None,
        feedback: None,
        criteria: Vec::new(),
        needs_review: false,
        submitted_at: rfc3339(row.created_at),
        graded_at: row.graded_at.map(rfc3339),
        error: row
            .error
            .clone()
            .filter(|_| row.status == SubmissionStatus::Failed),
        progress: None,
    }
}
