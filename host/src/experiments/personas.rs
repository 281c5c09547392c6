//! Persona clustering (seed 004 §5): every active learner's 32-dimensional behaviour
//! vector (`experiment_analysis::personas`, whose docs list the dimensions and their
//! sources; gathered by `Db::persona_features`), k-means with k = 4, clusters named from
//! their centroids (newbie, freelancer-pro, team-manager, ai-power), stored with a
//! distance-based confidence. It runs nightly on exactly one replica (a lease in the
//! database) and on demand (`tessera personas recompute`).

use std::collections::BTreeMap;
use std::time::Duration;

use experiment_analysis::personas::{ClusterConfig, Method, assign_personas};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::{ExperimentError, Experiments};
use crate::store::{Db, now_ms};

/// The persona of a learner the clustering has not seen (seed 004 §5).
pub const DEFAULT_PERSONA: &str = "newbie";

/// The job's name in `job_leases`.
const JOB: &str = "personas";
/// How long a run may hold the lease before another replica may take over.
const LEASE: Duration = Duration::from_secs(30 * 60);
/// Personas written per transaction.
const CHUNK: usize = 500;

/// What a run did.
#[derive(Debug, Clone, Serialize)]
pub struct PersonaSummary {
    /// Learners given a persona.
    pub users: usize,
    /// Learners per persona.
    pub personas: BTreeMap<String, usize>,
    /// `k-means`, or `heuristic` (fewer than 4 distinct learners).
    pub method: &'static str,
    /// How the vectors are stored (`pgvector`, `float8[]`, `json`).
    pub vector_column: &'static str,
}

/// Clusters every active learner now and stores their personas (the nightly job's work,
/// and `tessera personas recompute`'s).
pub async fn recompute(db: &Db) -> Result<PersonaSummary, ExperimentError> {
    let features = db.persona_features(now_ms()).await?;
    let (ids, features): (Vec<String>, Vec<_>) = features.into_iter().unzip();
    // k-means is CPU work (linfa runs it on rayon's pool): off the async runtime.
    let run =
        tokio::task::spawn_blocking(move || assign_personas(&features, &ClusterConfig::default()))
            .await
            .map_err(|e| ExperimentError::Analysis(format!("the clustering task failed: {e}")))?
            .map_err(|e| ExperimentError::Analysis(e.to_string()))?;
    let column = db.persona_vector_column().await?;
    let mut personas = BTreeMap::new();
    let rows: Vec<_> = ids
        .into_iter()
        .zip(run.assignments)
        .map(|(id, a)| {
            *personas.entry(a.persona.as_str().to_owned()).or_insert(0) += 1;
            #[allow(clippy::cast_possible_truncation)] // stored as float4 by pgvector
            let vector: Vec<f32> = a.embedding.iter().map(|x| *x as f32).collect();
            (id, a.persona.as_str().to_owned(), a.confidence, vector)
        })
        .collect();
    let at = now_ms();
    for chunk in rows.chunks(CHUNK) {
        db.upsert_personas(column, chunk, at).await?;
    }
    Ok(PersonaSummary {
        users: rows.len(),
        personas,
        method: match run.model.method {
            Method::KMeans => "k-means",
            Method::Heuristic => "heuristic",
        },
        vector_column: match column {
            crate::store::experiments::VectorColumn::PgVector => "pgvector",
            crate::store::experiments::VectorColumn::PgArray => "float8[]",
            crate::store::experiments::VectorColumn::Json => "json",
        },
    })
}

impl Experiments {
    /// Runs the clustering once a day at `hour` (UTC) on whichever replica takes the
    /// lease first, until `shutdown`. A replica that finds today's run done (or another
    /// replica holding the lease) waits for the next check.
    pub fn spawn_persona_job(
        self: &std::sync::Arc<Self>,
        hour: u32,
        shutdown: CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        let holder = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4());
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_secs(60)) => {}
                }
                if let Err(e) = this.persona_tick(hour, &holder).await {
                    tracing::warn!(error = %e, "persona clustering failed; retried at the next check");
                }
            }
        })
    }

    async fn persona_tick(&self, hour: u32, holder: &str) -> Result<(), ExperimentError> {
        let now = now_ms();
        let due = due_at(now, hour);
        if now < due
            || self
                .db
                .job_last_run(JOB)
                .await?
                .is_some_and(|last| last >= due)
        {
            return Ok(());
        }
        let until = now + i64::try_from(LEASE.as_millis()).unwrap_or(i64::MAX / 2);
        if !self.db.try_lease_job(JOB, holder, now, until).await? {
            return Ok(());
        }
        let summary = recompute(&self.db).await;
        self.personas.clear();
        // Finished or failed, the lease is freed: a failure is tried again next check.
        self.db.finish_job(JOB, holder, now_ms()).await?;
        let summary = summary?;
        tracing::info!(users = summary.users, method = summary.method, personas = ?summary.personas,
            "personas recomputed");
        Ok(())
    }
}

/// Today's run time (ms): `hour`:00 UTC of the day `now` falls in.
fn due_at(now: i64, hour: u32) -> i64 {
    const DAY: i64 = 86_400_000;
    now - now.rem_euclid(DAY) + i64::from(hour.min(23)) * 3_600_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_is_due_at_the_hour_of_the_current_utc_day() {
        // 2026-12-04T10:30:00Z
        let now = 1_796_380_200_000;
        assert_eq!(due_at(now, 3), 1_796_353_200_000); // 03:00 that day
        assert_eq!(due_at(now, 23), 1_796_425_200_000); // later the same day: not yet due
        assert!(due_at(now, 3) <= now && due_at(now, 23) > now);
    }
}
