//! Seed 004's tables (`migrations/shared/20261204220000_tutorials.sql`): tutorials,
//! experiments and their variants, assignments, step events, personas, surveys, and the
//! feature flags. `crate::experiments` decides; this module only reads and writes.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Backend, Db, StoreError};

/// A tutorial and its default steps.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TutorialRow {
    /// Id, e.g. `welcome-tour`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Default steps, JSON.
    pub steps: String,
    /// When created, ms.
    pub created_at: i64,
    /// When last changed, ms.
    pub updated_at: i64,
}

/// An experiment on a tutorial's steps.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExperimentRow {
    /// Id, e.g. `welcome-v1` (also the GrowthBook experiment key).
    pub id: String,
    /// The tutorial it varies.
    pub tutorial_id: String,
    /// Display name.
    pub name: Option<String>,
    /// `draft`, `running` or `completed`.
    pub status: String,
    /// `kazi-v1`, `growthbook-v1` or `growthbook-v2`.
    pub algorithm: String,
    /// The hash seed (GrowthBook algorithms).
    pub seed: String,
    /// Share of units enrolled, 0-1 (GrowthBook algorithms).
    pub coverage: f64,
    /// When created, ms.
    pub created_at: i64,
    /// When last changed, ms.
    pub updated_at: i64,
    /// When it first ran, ms.
    pub started_at: Option<i64>,
    /// When it completed, ms.
    pub completed_at: Option<i64>,
}

/// One variant of an experiment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VariantRow {
    /// Id, e.g. `v1_short`.
    pub id: String,
    /// The experiment.
    pub experiment_id: String,
    /// Display name.
    pub name: Option<String>,
    /// Weight, 1-100.
    pub weight: i64,
    /// Order in which weights are walked.
    pub position: i64,
    /// The variant's steps, JSON (`null`: the tutorial's default steps).
    pub steps: String,
}

/// One step ping to store.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StepEventRow {
    /// Id (`step_<uuid>`).
    pub id: String,
    /// The learner (or `anon:<id>`).
    pub user_id: String,
    /// Tutorial.
    pub tutorial_id: String,
    /// Step.
    pub step_id: String,
    /// The variant the learner was served, if any.
    pub variant_id: Option<String>,
    /// The learner's persona then.
    pub persona: Option<String>,
    /// `started` or `completed`.
    pub status: String,
    /// The client's `t`: milliseconds on the step.
    pub duration_ms: Option<i64>,
    /// The client's id for the ping (stored once per learner).
    pub event_id: Option<String>,
    /// `web`, `ios` or `android`.
    pub device: Option<String>,
    /// When the client says it happened, ms (offline replays).
    pub client_time: Option<i64>,
    /// When received, ms.
    pub created_at: i64,
}

/// One row of a step funnel: a variant's counts on one step.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct FunnelCount {
    /// Variant (`None`: served without an experiment).
    pub variant_id: Option<String>,
    /// Step.
    pub step_id: String,
    /// Learners (distinct) with any ping on the step (one who only sent `completed`
    /// started it too).
    pub started: i64,
    /// Learners (distinct) with a `completed` ping.
    pub completed: i64,
}

/// A stored survey.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SurveyRow {
    /// Id (`survey_<uuid>`).
    pub id: String,
    /// The learner.
    pub user_id: String,
    /// Tutorial.
    pub tutorial_id: String,
    /// 0-10.
    pub nps: i64,
    /// The comment, sealed (base64 of nonce + ciphertext).
    pub comment_sealed: Option<String>,
    /// The key it was sealed with.
    pub comment_key_id: Option<String>,
    /// The learner's persona then.
    pub persona: Option<String>,
    /// The variant they were served.
    pub variant_id: Option<String>,
    /// When, ms.
    pub created_at: i64,
}

/// A feature flag: GrowthBook's feature definition.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FlagRow {
    /// Key, e.g. `tutorial.v2_enabled`.
    pub key: String,
    /// `{"defaultValue": …, "rules": [...]}`, JSON.
    pub definition: String,
    /// What it gates.
    pub description: String,
    /// When last changed, ms.
    pub updated_at: i64,
}

/// How a persona vector is stored on this database (detected at start-up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VectorColumn {
    /// pgvector's `vector(32)`.
    PgVector,
    /// Postgres `DOUBLE PRECISION[]` (pgvector not installed).
    PgArray,
    /// SQLite JSON text.
    Json,
}

const EXPERIMENT_COLUMNS: &str = "id, tutorial_id, name, status, algorithm, seed, coverage, \
     created_at, updated_at, started_at, completed_at";

/// Runs the DELETE `sql` (one placeholder, `$1` = `key`); whether it deleted a row.
async fn delete(db: &Db, sql: &str, key: &str) -> Result<bool, StoreError> {
    let _turn = db.write_turn().await;
    let done = sqlx::query(sql).bind(key).execute(db.pool()).await?;
    Ok(done.rows_affected() > 0)
}

/// Every row `sql` (one placeholder, `$1` = `key`) selects, decoded by column name.
async fn all<T>(db: &Db, sql: &str, key: &str) -> Result<Vec<T>, StoreError>
where
    T: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
{
    Ok(sqlx::query_as::<_, T>(sql)
        .bind(key)
        .fetch_all(db.pool())
        .await?)
}

impl Db {
    // ---- tutorials ----

    /// Creates or replaces a tutorial's title and default steps.
    pub async fn upsert_tutorial(
        &self,
        id: &str,
        title: &str,
        steps: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "INSERT INTO tutorials (id, title, steps, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) \
             ON CONFLICT (id) DO UPDATE SET title = excluded.title, steps = excluded.steps, \
             updated_at = excluded.updated_at",
        )
        .bind(id)
        .bind(title)
        .bind(steps)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A tutorial.
    pub async fn tutorial(&self, id: &str) -> Result<Option<TutorialRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, title, steps, created_at, updated_at FROM tutorials WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Every tutorial, by id.
    pub async fn tutorials(&self) -> Result<Vec<TutorialRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, title, steps, created_at, updated_at FROM tutorials ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Deletes a tutorial; whether it existed. Its experiments stay (their results are
    /// history) but can no longer serve.
    pub async fn delete_tutorial(&self, id: &str) -> Result<bool, StoreError> {
        delete(self, "DELETE FROM tutorials WHERE id = $1", id).await
    }

    // ---- experiments ----

    /// Creates an experiment with its variants in one transaction; `Conflict` when the id
    /// or a variant id is taken.
    pub async fn insert_experiment(
        &self,
        e: &ExperimentRow,
        variants: &[VariantRow],
    ) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO tutorial_experiments (id, tutorial_id, name, status, algorithm, seed, \
             coverage, created_at, updated_at, started_at, completed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&e.id)
        .bind(&e.tutorial_id)
        .bind(&e.name)
        .bind(&e.status)
        .bind(&e.algorithm)
        .bind(&e.seed)
        .bind(e.coverage)
        .bind(e.created_at)
        .bind(e.updated_at)
        .bind(e.started_at)
        .bind(e.completed_at)
        .execute(&mut *tx)
        .await
        .map_err(|err| StoreError::unique(err, "the experiment id"))?;
        insert_variants(&mut tx, variants).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces an experiment's fields and, when `variants` is given, its variants.
    /// Returns false when it does not exist.
    pub async fn update_experiment(
        &self,
        e: &ExperimentRow,
        variants: Option<&[VariantRow]>,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE tutorial_experiments SET tutorial_id = $2, name = $3, status = $4, \
             algorithm = $5, seed = $6, coverage = $7, updated_at = $8, started_at = $9, \
             completed_at = $10 WHERE id = $1",
        )
        .bind(&e.id)
        .bind(&e.tutorial_id)
        .bind(&e.name)
        .bind(&e.status)
        .bind(&e.algorithm)
        .bind(&e.seed)
        .bind(e.coverage)
        .bind(e.updated_at)
        .bind(e.started_at)
        .bind(e.completed_at)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        if let Some(variants) = variants {
            sqlx::query("DELETE FROM tutorial_variants WHERE experiment_id = $1")
                .bind(&e.id)
                .execute(&mut *tx)
                .await?;
            insert_variants(&mut tx, variants).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// An experiment and its variants in walking order.
    pub async fn experiment(
        &self,
        id: &str,
    ) -> Result<Option<(ExperimentRow, Vec<VariantRow>)>, StoreError> {
        let experiment: Option<ExperimentRow> = sqlx::query_as(&format!(
            "SELECT {EXPERIMENT_COLUMNS} FROM tutorial_experiments WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        let Some(experiment) = experiment else {
            return Ok(None);
        };
        let variants = self.variants(id).await?;
        Ok(Some((experiment, variants)))
    }

    async fn variants(&self, experiment_id: &str) -> Result<Vec<VariantRow>, StoreError> {
        all(
            self,
            "SELECT id, experiment_id, name, weight, position, steps FROM tutorial_variants \
             WHERE experiment_id = $1 ORDER BY position",
            experiment_id,
        )
        .await
    }

    /// Every experiment, newest first (without variants).
    pub async fn experiments(&self) -> Result<Vec<ExperimentRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {EXPERIMENT_COLUMNS} FROM tutorial_experiments ORDER BY created_at DESC, id"
        ))
        .fetch_all(self.pool())
        .await?)
    }

    /// The running experiment on a tutorial, with its variants (starting a second one on
    /// the same tutorial is refused, so there is at most one).
    pub async fn running_experiment(
        &self,
        tutorial_id: &str,
    ) -> Result<Option<(ExperimentRow, Vec<VariantRow>)>, StoreError> {
        let experiment: Option<ExperimentRow> = sqlx::query_as(&format!(
            "SELECT {EXPERIMENT_COLUMNS} FROM tutorial_experiments \
             WHERE tutorial_id = $1 AND status = 'running' ORDER BY started_at, id LIMIT 1"
        ))
        .bind(tutorial_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(experiment) = experiment else {
            return Ok(None);
        };
        let variants = self.variants(&experiment.id).await?;
        Ok(Some((experiment, variants)))
    }

    /// Deletes a draft experiment; whether one was deleted.
    pub async fn delete_draft_experiment(&self, id: &str) -> Result<bool, StoreError> {
        delete(
            self,
            "DELETE FROM tutorial_experiments WHERE id = $1 AND status = 'draft'",
            id,
        )
        .await
    }

    // ---- assignments ----

    /// A unit's stored variant of an experiment.
    pub async fn assignment(
        &self,
        user_id: &str,
        experiment_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT variant_id FROM tutorial_assignments WHERE user_id = $1 AND experiment_id = $2",
        )
        .bind(user_id)
        .bind(experiment_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.try_get("variant_id")).transpose()?)
    }

    /// Stores a unit's first assignment and returns the variant that counts: an earlier
    /// one wins (two replicas racing to assign keep the first row).
    pub async fn keep_assignment(
        &self,
        user_id: &str,
        experiment_id: &str,
        variant_id: &str,
        at: i64,
    ) -> Result<String, StoreError> {
        {
            let _turn = self.write_turn().await;
            sqlx::query(
                "INSERT INTO tutorial_assignments (user_id, experiment_id, variant_id, assigned_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, experiment_id) DO NOTHING",
            )
            .bind(user_id)
            .bind(experiment_id)
            .bind(variant_id)
            .bind(at)
            .execute(self.pool())
            .await?;
        }
        Ok(self
            .assignment(user_id, experiment_id)
            .await?
            .unwrap_or_else(|| variant_id.to_owned()))
    }

    /// Overwrites a unit's assignment (its stored variant no longer exists).
    pub async fn replace_assignment(
        &self,
        user_id: &str,
        experiment_id: &str,
        variant_id: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "INSERT INTO tutorial_assignments (user_id, experiment_id, variant_id, assigned_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, experiment_id) DO UPDATE SET \
             variant_id = excluded.variant_id, assigned_at = excluded.assigned_at",
        )
        .bind(user_id)
        .bind(experiment_id)
        .bind(variant_id)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Units assigned to each variant of an experiment (the sample-ratio check's input).
    pub async fn assignment_counts(
        &self,
        experiment_id: &str,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        all(
            self,
            "SELECT variant_id, COUNT(*) AS n FROM tutorial_assignments \
             WHERE experiment_id = $1 GROUP BY variant_id",
            experiment_id,
        )
        .await
    }

    // ---- step events ----

    /// Stores a ping with its events (the outbox, same transaction); false when the
    /// learner's client already sent this `event_id` (then nothing is written).
    pub async fn insert_step_event(
        &self,
        e: &StepEventRow,
        events: &[crate::events::Envelope],
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "INSERT INTO tutorial_step_events (id, user_id, tutorial_id, step_id, variant_id, \
             persona, status, duration_ms, event_id, device, client_time, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (user_id, event_id) DO NOTHING",
        )
        .bind(&e.id)
        .bind(&e.user_id)
        .bind(&e.tutorial_id)
        .bind(&e.step_id)
        .bind(&e.variant_id)
        .bind(&e.persona)
        .bind(&e.status)
        .bind(e.duration_ms)
        .bind(&e.event_id)
        .bind(&e.device)
        .bind(e.client_time)
        .bind(e.created_at)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        crate::events::outbox::stage(&mut tx, events).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Learners who started and completed each step of a tutorial, per variant.
    pub async fn step_funnel(&self, tutorial_id: &str) -> Result<Vec<FunnelCount>, StoreError> {
        all(
            self,
            "SELECT variant_id, step_id, \
             COUNT(DISTINCT user_id) AS started, \
             COUNT(DISTINCT CASE WHEN status = 'completed' THEN user_id END) AS completed \
             FROM tutorial_step_events WHERE tutorial_id = $1 GROUP BY variant_id, step_id",
            tutorial_id,
        )
        .await
    }

    /// Durations (ms) of every completed ping of a tutorial: (variant, step, ms).
    pub async fn completed_durations(
        &self,
        tutorial_id: &str,
    ) -> Result<Vec<(Option<String>, String, i64)>, StoreError> {
        all(
            self,
            "SELECT variant_id, step_id, duration_ms FROM tutorial_step_events \
             WHERE tutorial_id = $1 AND status = 'completed' AND duration_ms IS NOT NULL",
            tutorial_id,
        )
        .await
    }

    /// Learners with any ping in each variant of a tutorial: (variant, learners).
    pub async fn variant_entries(
        &self,
        tutorial_id: &str,
    ) -> Result<Vec<(Option<String>, i64)>, StoreError> {
        all(
            self,
            "SELECT variant_id, COUNT(DISTINCT user_id) AS n FROM tutorial_step_events \
             WHERE tutorial_id = $1 GROUP BY variant_id",
            tutorial_id,
        )
        .await
    }

    // ---- personas ----

    /// How this database stores persona vectors: pgvector's type when the column has it.
    pub async fn persona_vector_column(&self) -> Result<VectorColumn, StoreError> {
        if self.backend() == Backend::Sqlite {
            return Ok(VectorColumn::Json);
        }
        let row = sqlx::query(
            "SELECT udt_name::text AS udt_name FROM information_schema.columns \
             WHERE table_name = 'user_personas' AND column_name = 'embedding' \
             AND table_schema = current_schema()",
        )
        .fetch_optional(self.pool())
        .await?;
        let udt: Option<String> = row.map(|r| r.try_get("udt_name")).transpose()?;
        Ok(match udt.as_deref() {
            Some("vector") => VectorColumn::PgVector,
            _ => VectorColumn::PgArray,
        })
    }

    /// A learner's persona and confidence.
    pub async fn persona(&self, user_id: &str) -> Result<Option<(String, f64)>, StoreError> {
        let row = sqlx::query("SELECT persona, confidence FROM user_personas WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row
            .map(|r| Ok::<_, sqlx::Error>((r.try_get("persona")?, r.try_get("confidence")?)))
            .transpose()?)
    }

    /// Stores learners' personas with their vectors (user, persona, confidence, vector), in
    /// one transaction.
    pub async fn upsert_personas(
        &self,
        column: VectorColumn,
        rows: &[(String, String, f64, Vec<f32>)],
        at: i64,
    ) -> Result<(), StoreError> {
        // The vector goes in as text and the database casts it: pgvector reads `[1,2]`, a
        // float8[] reads `{1,2}`, SQLite keeps the JSON.
        let value = match column {
            VectorColumn::PgVector => "CAST($4 AS vector)",
            VectorColumn::PgArray => "CAST($4 AS DOUBLE PRECISION[])",
            VectorColumn::Json => "$4",
        };
        let sql = format!(
            "INSERT INTO user_personas (user_id, persona, confidence, embedding, updated_at) \
             VALUES ($1, $2, $3, {value}, $5) ON CONFLICT (user_id) DO UPDATE SET \
             persona = excluded.persona, confidence = excluded.confidence, \
             embedding = excluded.embedding, updated_at = excluded.updated_at"
        );
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        for (user_id, persona, confidence, vector) in rows {
            let numbers: Vec<String> = vector.iter().map(|x| format!("{x}")).collect();
            let text = match column {
                VectorColumn::PgArray => format!("{{{}}}", numbers.join(",")),
                VectorColumn::PgVector | VectorColumn::Json => format!("[{}]", numbers.join(",")),
            };
            sqlx::query(&sql)
                .bind(user_id)
                .bind(persona)
                .bind(confidence)
                .bind(text)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    // ---- surveys ----

    /// When the learner last answered a survey, ms.
    pub async fn last_survey_at(&self, user_id: &str) -> Result<Option<i64>, StoreError> {
        let row =
            sqlx::query("SELECT MAX(created_at) AS last FROM tutorial_surveys WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(self.pool())
                .await?;
        Ok(row.try_get("last")?)
    }

    /// Stores a survey unless the learner answered one after `since` (ms); false when
    /// refused. The check and the insert are one transaction, so two at once store one.
    pub async fn insert_survey_unless_since(
        &self,
        s: &SurveyRow,
        since: i64,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        if self.backend() == Backend::Postgres {
            // Serialises one learner's surveys (a count takes no row lock).
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind(&s.user_id)
                .execute(&mut *tx)
                .await?;
        }
        let recent: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM tutorial_surveys WHERE user_id = $1 AND created_at > $2",
        )
        .bind(&s.user_id)
        .bind(since)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if recent > 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO tutorial_surveys (id, user_id, tutorial_id, nps, comment_sealed, \
             comment_key_id, persona, variant_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&s.id)
        .bind(&s.user_id)
        .bind(&s.tutorial_id)
        .bind(s.nps)
        .bind(&s.comment_sealed)
        .bind(&s.comment_key_id)
        .bind(&s.persona)
        .bind(&s.variant_id)
        .bind(s.created_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A tutorial's surveys for analytics and results, anonymised: (variant, persona, nps,
    /// when), no learner and no comment, oldest first.
    pub async fn anonymised_surveys(
        &self,
        tutorial_id: &str,
    ) -> Result<Vec<(Option<String>, Option<String>, i64, i64)>, StoreError> {
        all(
            self,
            "SELECT variant_id, persona, nps, created_at FROM tutorial_surveys \
             WHERE tutorial_id = $1 ORDER BY created_at",
            tutorial_id,
        )
        .await
    }

    /// A learner's surveys (their export), newest first.
    pub async fn surveys_of(&self, user_id: &str) -> Result<Vec<SurveyRow>, StoreError> {
        all(
            self,
            "SELECT id, user_id, tutorial_id, nps, comment_sealed, comment_key_id, persona, \
             variant_id, created_at FROM tutorial_surveys WHERE user_id = $1 \
             ORDER BY created_at DESC",
            user_id,
        )
        .await
    }

    /// A unit's assignments (their export): (experiment, variant, when).
    pub async fn assignments_of(
        &self,
        user_id: &str,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        all(
            self,
            "SELECT experiment_id, variant_id, assigned_at FROM tutorial_assignments \
             WHERE user_id = $1 ORDER BY assigned_at",
            user_id,
        )
        .await
    }

    /// A unit's step pings (their export), oldest first.
    pub async fn step_events_of(&self, user_id: &str) -> Result<Vec<StepEventRow>, StoreError> {
        all(
            self,
            "SELECT id, user_id, tutorial_id, step_id, variant_id, persona, status, duration_ms, \
             event_id, device, client_time, created_at FROM tutorial_step_events \
             WHERE user_id = $1 ORDER BY created_at, id",
            user_id,
        )
        .await
    }

    // ---- feature flags ----

    /// Every feature flag, by key.
    pub async fn flags(&self) -> Result<Vec<FlagRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT key, definition, description, updated_at FROM feature_flags ORDER BY key",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Creates or replaces a flag.
    pub async fn upsert_flag(&self, f: &FlagRow) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "INSERT INTO feature_flags (key, definition, description, updated_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET \
             definition = excluded.definition, description = excluded.description, \
             updated_at = excluded.updated_at",
        )
        .bind(&f.key)
        .bind(&f.definition)
        .bind(&f.description)
        .bind(f.updated_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Deletes a flag; whether it existed.
    pub async fn delete_flag(&self, key: &str) -> Result<bool, StoreError> {
        delete(self, "DELETE FROM feature_flags WHERE key = $1", key).await
    }

    /// Whether a client key (an SDK connection) exists.
    pub async fn client_key_exists(&self, key: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 AS one FROM feature_client_keys WHERE client_key = $1")
            .bind(key)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.is_some())
    }

    /// Creates a client key.
    pub async fn insert_client_key(
        &self,
        key: &str,
        name: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "INSERT INTO feature_client_keys (client_key, name, created_at) VALUES ($1, $2, $3)",
        )
        .bind(key)
        .bind(name)
        .bind(at)
        .execute(self.pool())
        .await
        .map_err(|e| StoreError::unique(e, "the client key"))?;
        Ok(())
    }
}

async fn insert_variants(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    variants: &[VariantRow],
) -> Result<(), StoreError> {
    for v in variants {
        sqlx::query(
            "INSERT INTO tutorial_variants (id, experiment_id, name, weight, position, steps) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&v.id)
        .bind(&v.experiment_id)
        .bind(&v.name)
        .bind(v.weight)
        .bind(v.position)
        .bind(&v.steps)
        .execute(&mut **tx)
        .await
        .map_err(|e| StoreError::unique(e, "the variant id"))?;
    }
    Ok(())
}
