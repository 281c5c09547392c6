//! Assignment: a unit's variant of a running experiment is decided once by the assigner
//! component and stored (`tutorial_assignments`), so it stays the same across restarts,
//! replicas and later changes of the weights (the first row wins a race between replicas).

use std::sync::Arc;

use super::{Device, ExperimentError, Experiments, Unit};
use crate::plugins::contract::assigner::{AssignUnit, Experiment, HashAlgorithm, Variation};
use crate::runtime::LoadedPlugin;
use crate::store::experiments::{ExperimentRow, VariantRow};
use crate::store::now_ms;

/// The experiment as the assigner reads it. Under `kazi-v1` the weights are the stored
/// integers (seed 004 §4.1 walks 100 buckets); GrowthBook's algorithms take shares that
/// sum to 1, or they fall back to equal weights.
pub fn contract_experiment(row: &ExperimentRow, variants: &[VariantRow]) -> Experiment {
    let algorithm = HashAlgorithm::parse(&row.algorithm).unwrap_or(HashAlgorithm::KaziV1);
    let total: i64 = variants.iter().map(|v| v.weight).sum::<i64>().max(1);
    Experiment {
        key: row.id.clone(),
        variations: variants
            .iter()
            .map(|v| Variation {
                key: v.id.clone(),
                weight: if algorithm == HashAlgorithm::KaziV1 {
                    v.weight as f64
                } else {
                    v.weight as f64 / total as f64
                },
            })
            .collect(),
        seed: Some(row.seed.clone()),
        hash_algorithm: algorithm,
        coverage: row.coverage,
        namespace: None,
        hash_attribute: "id".into(),
        fallback_attribute: None,
        condition: None,
        force: None,
        active: row.status == "running",
        bucket_version: 0,
        min_bucket_version: 0,
    }
}

/// The attributes a unit is assigned and targeted by: `id` (what is hashed), `device`,
/// `persona` and `anonymous` (feature rules may target them).
pub fn unit_attributes(unit: &Unit, device: Device, persona: &str) -> AssignUnit {
    AssignUnit {
        attributes: serde_json::json!({
            "id": unit.key(),
            "device": device.as_str(),
            "persona": persona,
            "anonymous": unit.user_id().is_none(),
        })
        .to_string(),
        forced_variations: Vec::new(),
        sticky_docs: None,
    }
}

impl Experiments {
    /// The installed assigner.
    pub(super) fn assigner(&self) -> Result<Arc<LoadedPlugin>, ExperimentError> {
        self.registry
            .snapshot()
            .assigner
            .clone()
            .ok_or(ExperimentError::NoAssigner)
    }

    /// The unit's stored variant, or the assigner's choice, stored now (`None`: the
    /// experiment's coverage leaves the unit out).
    pub(super) async fn variant_for(
        &self,
        experiment: &ExperimentRow,
        variants: &[VariantRow],
        attributes: &AssignUnit,
        unit: &Unit,
    ) -> Result<Option<VariantRow>, ExperimentError> {
        let key = unit.key();
        let cache_key = (key.clone(), experiment.id.clone());
        let stored = match self.assignments.get(&cache_key) {
            Some(id) => Some(id),
            None => self.db.assignment(&key, &experiment.id).await?,
        };
        if let Some(id) = &stored
            && let Some(v) = variants.iter().find(|v| &v.id == id)
        {
            self.assignments.put(cache_key, id.clone());
            return Ok(Some(v.clone()));
        }
        let plugin = self.assigner()?;
        let contract = contract_experiment(experiment, variants);
        let assignment = self
            .registry
            .runtime()
            .assign(&plugin, &contract, attributes)
            .await?
            .map_err(|e| ExperimentError::Refused {
                field: "variants",
                message: format!("{e:?}"),
            })?;
        if !assignment.result.in_experiment {
            return Ok(None);
        }
        let Some(chosen) = usize::try_from(assignment.result.variation_id)
            .ok()
            .and_then(|i| variants.get(i))
        else {
            return Err(ExperimentError::Refused {
                field: "variants",
                message: format!(
                    "the assigner chose variation {} of {}",
                    assignment.result.variation_id,
                    variants.len()
                ),
            });
        };
        let kept = if stored.is_some() {
            // The stored variant was removed by a forced change: the new choice replaces it.
            self.db
                .replace_assignment(&key, &experiment.id, &chosen.id, now_ms())
                .await?;
            chosen.id.clone()
        } else {
            self.db
                .keep_assignment(&key, &experiment.id, &chosen.id, now_ms())
                .await?
        };
        self.assignments.put(cache_key, kept.clone());
        Ok(variants.iter().find(|v| v.id == kept).cloned())
    }

    /// Seed 004 §2.3: the unit's variant of a running experiment (`None`: left out by
    /// coverage).
    pub async fn assign_unit(
        &self,
        experiment_id: &str,
        unit: &Unit,
    ) -> Result<Option<String>, ExperimentError> {
        super::check_id("experimentId", experiment_id)?;
        let (experiment, variants) =
            self.db
                .experiment(experiment_id)
                .await?
                .ok_or_else(|| ExperimentError::NotFound {
                    what: "experiment",
                    field: "experimentId",
                    id: experiment_id.to_owned(),
                })?;
        if experiment.status != "running" {
            return Err(ExperimentError::Conflict {
                field: "experimentId",
                message: format!(
                    "the experiment is {}: only running experiments assign",
                    experiment.status
                ),
            });
        }
        let (persona, _) = self.persona_of(unit).await?;
        let attributes = unit_attributes(unit, Device::Web, &persona);
        Ok(self
            .variant_for(&experiment, &variants, &attributes, unit)
            .await?
            .map(|v| v.id))
    }
}
