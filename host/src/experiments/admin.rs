//! Tutorials and experiments for administrators (seed 004 §4.2): an experiment is written
//! as a draft, runs (only running experiments assign), and completes. Changing what
//! decides assignment (variants, weights, coverage, algorithm, seed) while it runs would
//! reshuffle learners between variants mid-test, so it is refused unless forced; units
//! already assigned keep their stored variant either way.

use serde::{Deserialize, Serialize};

use super::tutorials::{StepSpec, parse_steps, stored_steps};
use super::{ExperimentError, Experiments, check_id, check_text, invalid};
use crate::store::experiments::{ExperimentRow, TutorialRow, VariantRow};
use crate::store::{now_ms, rfc3339};

/// The assignment algorithms an experiment may use (the assigner implements them).
pub const ALGORITHMS: [&str; 3] = ["kazi-v1", "growthbook-v1", "growthbook-v2"];

/// A tutorial as an administrator writes it.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TutorialSpec {
    /// Title, 1-200 characters.
    pub title: String,
    /// The default steps (served when no running experiment covers the learner).
    pub steps: Vec<StepSpec>,
}

/// A stored tutorial.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TutorialView {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Default steps.
    pub steps: Vec<StepSpec>,
    /// When created (RFC 3339).
    pub created_at: String,
    /// When last changed (RFC 3339).
    pub updated_at: String,
}

/// One variant as an administrator writes it.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantSpec {
    /// Id, unique across experiments (e.g. `v1_short`); what configs and results name.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Weight 1-100 (seed 004 §3.1). Under `kazi-v1` the weights sum to 100 (each is a
    /// percentage of the hash's 100 buckets); GrowthBook's algorithms use their shares.
    #[serde(default = "default_weight")]
    pub weight: i64,
    /// The variant's steps; absent: the tutorial's default steps (a control).
    #[serde(default)]
    pub steps: Option<Vec<StepSpec>>,
}

fn default_weight() -> i64 {
    50
}

/// A new experiment.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExperimentSpec {
    /// Id (e.g. `welcome-v1`); also the GrowthBook experiment key.
    pub id: String,
    /// The tutorial whose steps it varies.
    pub tutorial_id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// `kazi-v1` (seed 004 §4.1, the default), `growthbook-v1` or `growthbook-v2`.
    #[serde(default)]
    pub algorithm: Option<String>,
    /// The hash seed (GrowthBook algorithms; default: the id).
    #[serde(default)]
    pub seed: Option<String>,
    /// Share of learners enrolled, 0-1 (GrowthBook algorithms; default 1). The rest see
    /// the tutorial's default steps.
    #[serde(default)]
    pub coverage: Option<f64>,
    /// 2-10 variants, walked in this order.
    pub variants: Vec<VariantSpec>,
}

/// A change to an experiment; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExperimentPatch {
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// `running` (from draft) or `completed` (from running); completed is final.
    #[serde(default)]
    pub status: Option<String>,
    /// See [`ExperimentSpec::algorithm`].
    #[serde(default)]
    pub algorithm: Option<String>,
    /// See [`ExperimentSpec::seed`].
    #[serde(default)]
    pub seed: Option<String>,
    /// See [`ExperimentSpec::coverage`].
    #[serde(default)]
    pub coverage: Option<f64>,
    /// Replaces every variant.
    #[serde(default)]
    pub variants: Option<Vec<VariantSpec>>,
    /// Allows changing how a running experiment assigns (it reshuffles new learners;
    /// those already assigned keep their variant).
    #[serde(default)]
    pub force: bool,
}

/// A stored variant.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct VariantView {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Weight 1-100.
    pub weight: i64,
    /// Its steps; `null`: the tutorial's default steps.
    pub steps: Option<Vec<StepSpec>>,
}

/// A stored experiment.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExperimentView {
    /// Id.
    pub id: String,
    /// The tutorial.
    pub tutorial_id: String,
    /// Display name.
    pub name: Option<String>,
    /// `draft`, `running` or `completed`.
    pub status: String,
    /// The assignment algorithm.
    pub algorithm: String,
    /// The hash seed.
    pub seed: String,
    /// Share of learners enrolled, 0-1.
    pub coverage: f64,
    /// Variants in walking order (absent in listings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variants: Option<Vec<VariantView>>,
    /// When created (RFC 3339).
    pub created_at: String,
    /// When last changed (RFC 3339).
    pub updated_at: String,
    /// When it started running (RFC 3339).
    pub started_at: Option<String>,
    /// When it completed (RFC 3339).
    pub completed_at: Option<String>,
}

fn tutorial_view(row: TutorialRow) -> Result<TutorialView, ExperimentError> {
    Ok(TutorialView {
        steps: stored_steps(&row.steps)?,
        id: row.id,
        title: row.title,
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
    })
}

pub(super) fn experiment_view(
    row: ExperimentRow,
    variants: Option<Vec<VariantRow>>,
) -> Result<ExperimentView, ExperimentError> {
    let variants = variants
        .map(|vs| {
            vs.into_iter()
                .map(|v| {
                    Ok(VariantView {
                        steps: if v.steps == "null" {
                            None
                        } else {
                            Some(stored_steps(&v.steps)?)
                        },
                        id: v.id,
                        name: v.name,
                        weight: v.weight,
                    })
                })
                .collect::<Result<Vec<_>, ExperimentError>>()
        })
        .transpose()?;
    Ok(ExperimentView {
        id: row.id,
        tutorial_id: row.tutorial_id,
        name: row.name,
        status: row.status,
        algorithm: row.algorithm,
        seed: row.seed,
        coverage: row.coverage,
        variants,
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
        started_at: row.started_at.map(rfc3339),
        completed_at: row.completed_at.map(rfc3339),
    })
}

fn not_found(id: &str) -> ExperimentError {
    ExperimentError::NotFound {
        what: "experiment",
        field: "experiment_id",
        id: id.to_owned(),
    }
}

fn check_algorithm(value: &str) -> Result<(), ExperimentError> {
    if ALGORITHMS.contains(&value) {
        Ok(())
    } else {
        Err(invalid(
            "algorithm",
            format!("one of {}", ALGORITHMS.join(", ")),
        ))
    }
}

fn check_coverage(value: f64) -> Result<(), ExperimentError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(invalid("coverage", "a share from 0 to 1"))
    }
}

/// Checks variants and turns them into rows of `experiment_id`.
fn variant_rows(
    experiment_id: &str,
    algorithm: &str,
    variants: &[VariantSpec],
) -> Result<Vec<VariantRow>, ExperimentError> {
    if !(2..=10).contains(&variants.len()) {
        return Err(invalid("variants", "an experiment has 2-10 variants"));
    }
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::with_capacity(variants.len());
    for (i, v) in variants.iter().enumerate() {
        check_id(&format!("variants[{i}].id"), &v.id)?;
        if !seen.insert(v.id.as_str()) {
            return Err(invalid(
                format!("variants[{i}].id"),
                format!("variant `{}` appears twice", v.id),
            ));
        }
        if v.id == super::tutorials::DEFAULT_VARIANT {
            return Err(invalid(
                format!("variants[{i}].id"),
                "`default` names the tutorial's own steps",
            ));
        }
        if let Some(name) = &v.name {
            check_text(&format!("variants[{i}].name"), name, 200)?;
        }
        if !(1..=100).contains(&v.weight) {
            return Err(invalid(format!("variants[{i}].weight"), "from 1 to 100"));
        }
        let steps = match &v.steps {
            Some(steps) => {
                parse_steps(&format!("variants[{i}].steps"), steps)?;
                serde_json::to_string(steps).unwrap_or_else(|_| "null".into())
            }
            None => "null".to_owned(),
        };
        rows.push(VariantRow {
            id: v.id.clone(),
            experiment_id: experiment_id.to_owned(),
            name: v.name.clone(),
            weight: v.weight,
            position: i64::try_from(i).unwrap_or(0),
            steps,
        });
    }
    let total: i64 = rows.iter().map(|v| v.weight).sum();
    if algorithm == "kazi-v1" && total != 100 {
        return Err(invalid(
            "variants",
            format!("kazi-v1 walks 100 buckets: the weights must sum to 100 (they sum to {total})"),
        ));
    }
    Ok(rows)
}

impl Experiments {
    /// Creates or replaces a tutorial.
    pub async fn put_tutorial(
        &self,
        id: &str,
        spec: TutorialSpec,
    ) -> Result<TutorialView, ExperimentError> {
        check_id("tutorial_id", id)?;
        if spec.title.trim().is_empty() {
            return Err(invalid("title", "may not be empty"));
        }
        check_text("title", &spec.title, 200)?;
        parse_steps("steps", &spec.steps)?;
        let steps = serde_json::to_string(&spec.steps).unwrap_or_else(|_| "[]".into());
        self.db
            .upsert_tutorial(id, spec.title.trim(), &steps, now_ms())
            .await?;
        self.definitions_changed();
        self.tutorial(id).await
    }

    /// A tutorial.
    pub async fn tutorial(&self, id: &str) -> Result<TutorialView, ExperimentError> {
        let row = self
            .db
            .tutorial(id)
            .await?
            .ok_or_else(|| ExperimentError::NotFound {
                what: "tutorial",
                field: "tutorial_id",
                id: id.to_owned(),
            })?;
        tutorial_view(row)
    }

    /// Every tutorial.
    pub async fn tutorials(&self) -> Result<Vec<TutorialView>, ExperimentError> {
        self.db
            .tutorials()
            .await?
            .into_iter()
            .map(tutorial_view)
            .collect()
    }

    /// Deletes a tutorial no experiment is running on.
    pub async fn delete_tutorial(&self, id: &str) -> Result<(), ExperimentError> {
        if self.db.running_experiment(id).await?.is_some() {
            return Err(ExperimentError::Conflict {
                field: "tutorial_id",
                message: "an experiment is running on it: complete it first".into(),
            });
        }
        if self.db.delete_tutorial(id).await? {
            self.definitions_changed();
            Ok(())
        } else {
            Err(ExperimentError::NotFound {
                what: "tutorial",
                field: "tutorial_id",
                id: id.to_owned(),
            })
        }
    }

    /// Creates a draft experiment.
    pub async fn create_experiment(
        &self,
        spec: ExperimentSpec,
    ) -> Result<ExperimentView, ExperimentError> {
        check_id("id", &spec.id)?;
        check_id("tutorialId", &spec.tutorial_id)?;
        if let Some(name) = &spec.name {
            check_text("name", name, 200)?;
        }
        let algorithm = spec.algorithm.unwrap_or_else(|| "kazi-v1".into());
        check_algorithm(&algorithm)?;
        let seed = spec.seed.unwrap_or_else(|| spec.id.clone());
        check_text("seed", &seed, 100)?;
        let coverage = spec.coverage.unwrap_or(1.0);
        check_coverage(coverage)?;
        let variants = variant_rows(&spec.id, &algorithm, &spec.variants)?;
        let now = now_ms();
        let row = ExperimentRow {
            id: spec.id.clone(),
            tutorial_id: spec.tutorial_id,
            name: spec.name,
            status: "draft".into(),
            algorithm,
            seed,
            coverage,
            created_at: now,
            updated_at: now,
            started_at: None,
            completed_at: None,
        };
        self.db
            .insert_experiment(&row, &variants)
            .await
            .map_err(|e| match e {
                crate::store::StoreError::Conflict(what) => ExperimentError::Conflict {
                    field: if what.contains("variant") {
                        "variants"
                    } else {
                        "id"
                    },
                    message: format!("{what} is already taken"),
                },
                e => e.into(),
            })?;
        experiment_view(row, Some(variants))
    }

    /// An experiment with its variants.
    pub async fn experiment(&self, id: &str) -> Result<ExperimentView, ExperimentError> {
        let (row, variants) = self.db.experiment(id).await?.ok_or_else(|| not_found(id))?;
        experiment_view(row, Some(variants))
    }

    /// Every experiment, newest first.
    pub async fn experiments(&self) -> Result<Vec<ExperimentView>, ExperimentError> {
        self.db
            .experiments()
            .await?
            .into_iter()
            .map(|row| experiment_view(row, None))
            .collect()
    }

    /// Changes an experiment (see [`ExperimentPatch`]).
    pub async fn update_experiment(
        &self,
        id: &str,
        patch: ExperimentPatch,
    ) -> Result<ExperimentView, ExperimentError> {
        let (mut row, current) = self.db.experiment(id).await?.ok_or_else(|| not_found(id))?;
        let reshuffles = patch.algorithm.is_some()
            || patch.seed.is_some()
            || patch.coverage.is_some()
            || patch.variants.is_some();
        match row.status.as_str() {
            "completed" if reshuffles || patch.status.is_some() => {
                return Err(ExperimentError::Conflict {
                    field: "status",
                    message: "the experiment has completed; its definition is final".into(),
                });
            }
            "running" if reshuffles && !patch.force => {
                return Err(ExperimentError::Conflict {
                    field: "variants",
                    message: "the experiment is running: changing how it assigns reshuffles \
                              new learners between variants; send \"force\": true to do it \
                              anyway (learners already assigned keep their variant)"
                        .into(),
                });
            }
            _ => {}
        }
        if let Some(name) = &patch.name {
            check_text("name", name, 200)?;
            row.name = Some(name.clone());
        }
        if let Some(algorithm) = patch.algorithm {
            check_algorithm(&algorithm)?;
            row.algorithm = algorithm;
        }
        if let Some(seed) = patch.seed {
            check_text("seed", &seed, 100)?;
            row.seed = seed;
        }
        if let Some(coverage) = patch.coverage {
            check_coverage(coverage)?;
            row.coverage = coverage;
        }
        let variants = match &patch.variants {
            Some(specs) => Some(variant_rows(&row.id, &row.algorithm, specs)?),
            None if row.algorithm == "kazi-v1" => {
                // A switch to kazi-v1 must still find weights summing to 100.
                let specs: Vec<VariantSpec> = current
                    .iter()
                    .map(|v| VariantSpec {
                        id: v.id.clone(),
                        name: v.name.clone(),
                        weight: v.weight,
                        steps: None,
                    })
                    .collect();
                variant_rows(&row.id, &row.algorithm, &specs)?;
                None
            }
            None => None,
        };
        let now = now_ms();
        if let Some(status) = patch.status.as_deref() {
            match (row.status.as_str(), status) {
                (from, to) if from == to => {}
                ("draft", "running") => {
                    if self.db.tutorial(&row.tutorial_id).await?.is_none() {
                        return Err(ExperimentError::Conflict {
                            field: "tutorialId",
                            message: format!("no tutorial `{}` to run on", row.tutorial_id),
                        });
                    }
                    if let Some((other, _)) = self.db.running_experiment(&row.tutorial_id).await? {
                        return Err(ExperimentError::Conflict {
                            field: "status",
                            message: format!(
                                "experiment `{}` is already running on tutorial `{}`",
                                other.id, row.tutorial_id
                            ),
                        });
                    }
                    row.status = "running".into();
                    row.started_at = Some(now);
                }
                ("running", "completed") => {
                    row.status = "completed".into();
                    row.completed_at = Some(now);
                }
                (from, to) if ["draft", "running", "completed"].contains(&to) => {
                    return Err(ExperimentError::Conflict {
                        field: "status",
                        message: format!(
                            "an experiment goes draft → running → completed; not {from} → {to}"
                        ),
                    });
                }
                _ => return Err(invalid("status", "draft, running or completed")),
            }
        }
        row.updated_at = now;
        if !self.db.update_experiment(&row, variants.as_deref()).await? {
            return Err(not_found(id));
        }
        self.definitions_changed();
        self.experiment(id).await
    }

    /// Deletes a draft (running and completed experiments are history).
    pub async fn delete_experiment(&self, id: &str) -> Result<(), ExperimentError> {
        if self.db.delete_draft_experiment(id).await? {
            return Ok(());
        }
        match self.db.experiment(id).await? {
            None => Err(not_found(id)),
            Some((row, _)) => Err(ExperimentError::Conflict {
                field: "status",
                message: format!(
                    "only drafts are deleted; this one is {} (its results are kept)",
                    row.status
                ),
            }),
        }
    }
}
