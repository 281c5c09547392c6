//! `GET /api/tutorial/config` (seed 004 §2.1): the unit's variant of the tutorial's running
//! experiment, their persona, and the variant's steps for their device, with an `ETag`
//! over what the client renders and an `expires` the `Cache-Control` header matches.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Device, ExperimentError, Experiments, Unit, check_id, check_text, invalid};
use crate::plugins::contract::assigner::{Experiment, HashAlgorithm};
use crate::store::{now_ms, rfc3339};

/// The variant name served when no running experiment covers the unit.
pub const DEFAULT_VARIANT: &str = "default";

/// One step of a tutorial, as an administrator writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    /// Stable id, what step pings name (e.g. `intro`).
    pub id: String,
    /// Heading.
    pub title: String,
    /// The button's label (e.g. `Next`).
    pub cta: String,
    /// Optional text under the heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Devices that show the step; empty or absent: every device.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<Device>,
    /// Personas the step is for under the adaptive engine (`/v2/tutorial/config`); empty
    /// or absent: everyone. The v1 route ignores it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub personas: Vec<String>,
}

/// A step as the client renders it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ServedStep {
    /// Stable id, what step pings name.
    pub id: String,
    /// Heading.
    pub title: String,
    /// The button's label.
    pub cta: String,
    /// Optional text under the heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// Seed 004 §2.1's response.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TutorialConfig {
    /// The tutorial.
    pub tutorial_id: String,
    /// The learner's persona (`newbie` until the clustering has seen them).
    pub persona: String,
    /// The variant served (`default` when no running experiment covers the learner).
    pub variant: String,
    /// The steps, in order, for this device.
    pub steps: Vec<ServedStep>,
    /// When to fetch it again (RFC 3339); `Cache-Control: max-age` says the same.
    pub expires: String,
    /// `v2` on the adaptive engine's route (`/v2/tutorial/config`); absent on v1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
}

/// A config with its cache validators.
#[derive(Debug, Clone)]
pub struct ServedConfig {
    /// The body.
    pub config: TutorialConfig,
    /// Strong validator over everything but `expires` (which moves every request).
    pub etag: String,
    /// Seconds the config stays fresh.
    pub max_age: u64,
}

/// Which engine serves the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Seed 004's launch engine: the variant's steps for the device.
    V1,
    /// The adaptive engine behind `tutorial.v2_enabled`: also selects steps by persona.
    V2,
}

/// Parses and checks a list of steps (`field` names it in errors): 1-50 steps with
/// distinct ids, each title and CTA 1-200 characters, the body at most 2000.
pub fn parse_steps(field: &str, steps: &[StepSpec]) -> Result<(), ExperimentError> {
    if steps.is_empty() || steps.len() > 50 {
        return Err(invalid(field, "a tutorial has 1-50 steps"));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, step) in steps.iter().enumerate() {
        check_id(&format!("{field}[{i}].id"), &step.id)?;
        if !seen.insert(step.id.as_str()) {
            return Err(invalid(
                format!("{field}[{i}].id"),
                format!("step `{}` appears twice", step.id),
            ));
        }
        for (name, value, max) in [("title", &step.title, 200), ("cta", &step.cta, 200)] {
            if value.trim().is_empty() {
                return Err(invalid(format!("{field}[{i}].{name}"), "may not be empty"));
            }
            check_text(&format!("{field}[{i}].{name}"), value, max)?;
        }
        if let Some(body) = &step.body {
            check_text(&format!("{field}[{i}].body"), body, 2000)?;
        }
        for (j, persona) in step.personas.iter().enumerate() {
            check_id(&format!("{field}[{i}].personas[{j}]"), persona)?;
        }
    }
    Ok(())
}

/// Reads stored steps (written by [`parse_steps`]'s callers, so a failure is corruption).
pub(super) fn stored_steps(json: &str) -> Result<Vec<StepSpec>, ExperimentError> {
    serde_json::from_str(json)
        .map_err(|e| crate::store::StoreError::Corrupt(format!("tutorial steps: {e}")).into())
}

impl Experiments {
    /// The tutorial as `unit` on `device` sees it.
    pub async fn config(
        &self,
        tutorial_id: &str,
        unit: &Unit,
        device: Device,
        engine: Engine,
    ) -> Result<ServedConfig, ExperimentError> {
        check_id("tutorialId", tutorial_id)?;
        let state =
            self.tutorial_state(tutorial_id)
                .await?
                .ok_or_else(|| ExperimentError::NotFound {
                    what: "tutorial",
                    field: "tutorialId",
                    id: tutorial_id.to_owned(),
                })?;
        let tutorial = &state.tutorial;
        let (persona, _) = self.persona_of(unit).await?;
        let served = match &state.running {
            Some((experiment, variants)) => {
                let attributes = super::assign::unit_attributes(unit, device, &persona);
                self.variant_for(experiment, variants, &attributes, unit)
                    .await?
            }
            None => None,
        };
        let (variant, steps_json) = match &served {
            Some(v) if v.steps != "null" => (v.id.clone(), v.steps.as_str()),
            Some(v) => (v.id.clone(), tutorial.steps.as_str()),
            None => (DEFAULT_VARIANT.to_owned(), tutorial.steps.as_str()),
        };
        let steps = stored_steps(steps_json)?
            .into_iter()
            .filter(|s| s.devices.is_empty() || s.devices.contains(&device))
            .filter(|s| {
                engine == Engine::V1 || s.personas.is_empty() || s.personas.contains(&persona)
            })
            .map(|s| ServedStep {
                id: s.id,
                title: s.title,
                cta: s.cta,
                body: s.body,
            })
            .collect::<Vec<_>>();
        let engine = (engine == Engine::V2).then(|| "v2".to_owned());
        // Hashes a serialisation that does not depend on map ordering (a tuple of typed
        // values), so the edge, serialising the same tuple, computes the same validator.
        let etag = {
            let validated =
                serde_json::to_string(&(tutorial_id, &persona, &variant, &steps, &engine))
                    .unwrap_or_default();
            let digest = Sha256::digest(validated.as_bytes());
            format!("\"{}\"", &hex::encode(digest)[..32])
        };
        let max_age = self.settings.config_ttl.as_secs();
        let expires_ms = now_ms() + i64::try_from(max_age).unwrap_or(i64::MAX / 2) * 1000;
        Ok(ServedConfig {
            config: TutorialConfig {
                tutorial_id: tutorial_id.to_owned(),
                persona,
                variant,
                steps,
                expires: rfc3339(expires_ms),
                engine,
            },
            etag,
            max_age,
        })
    }
}

/// What the edge needs to answer a tutorial's config itself (`/_internal/edge/tutorials/{id}`;
/// docs/edge.md, "Tutorial config"): the steps, and the running experiment in the shape the
/// first-party assigner's algorithms take, which the edge links as a crate.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EdgeDefinitions {
    /// The tutorial.
    pub tutorial_id: String,
    /// Its own steps.
    pub steps: Vec<StepSpec>,
    /// The running experiment in GrowthBook's shape (crate `assignment`; variations are the
    /// variant ids in the order of `variants`), or null.
    #[schema(value_type = Option<Object>)]
    pub experiment: Option<assignment::Experiment>,
    /// The running experiment's variants.
    pub variants: Vec<EdgeVariant>,
    /// How long a served config stays fresh, in seconds.
    pub config_ttl_secs: u64,
}

/// A variant and its steps (`null`: the tutorial's).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EdgeVariant {
    /// Variant id.
    pub id: String,
    /// Its steps, or null.
    pub steps: Option<Vec<StepSpec>>,
}

/// The contract's experiment as the assignment library reads it: the same translation the
/// first-party assigner component makes of what the host sends it
/// (components/experiment-assigner, `experiment`), so the edge and the origin agree.
pub fn library_experiment(e: &Experiment) -> assignment::Experiment {
    let (algorithm, version) = match e.hash_algorithm {
        HashAlgorithm::GrowthbookV1 => (assignment::HashAlgorithm::GrowthBook, 1),
        HashAlgorithm::GrowthbookV2 => (assignment::HashAlgorithm::GrowthBook, 2),
        HashAlgorithm::KaziV1 => (assignment::HashAlgorithm::KaziV1, 1),
    };
    assignment::Experiment {
        key: e.key.clone(),
        variations: e
            .variations
            .iter()
            .map(|v| serde_json::Value::String(v.key.clone()))
            .collect(),
        weights: Some(e.variations.iter().map(|v| v.weight).collect()),
        meta: Some(
            e.variations
                .iter()
                .map(|v| assignment::VariationMeta {
                    key: Some(v.key.clone()),
                    ..assignment::VariationMeta::default()
                })
                .collect(),
        ),
        active: e.active,
        coverage: Some(e.coverage),
        condition: e
            .condition
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok()),
        force: e.force.map(i64::from),
        hash_attribute: Some(e.hash_attribute.clone()),
        fallback_attribute: e.fallback_attribute.clone().filter(|f| !f.is_empty()),
        hash_version: Some(version),
        hash_algorithm: algorithm,
        seed: e.seed.clone().filter(|s| !s.is_empty()),
        bucket_version: Some(e.bucket_version),
        min_bucket_version: Some(e.min_bucket_version),
        ..assignment::Experiment::default()
    }
}

impl Experiments {
    /// The tutorial's definitions for the edge; `None` for an unknown tutorial.
    pub async fn edge_definitions(
        &self,
        tutorial_id: &str,
    ) -> Result<Option<EdgeDefinitions>, ExperimentError> {
        check_id("tutorial_id", tutorial_id)?;
        let Some(state) = self.tutorial_state(tutorial_id).await? else {
            return Ok(None);
        };
        let (experiment, variants) = match &state.running {
            Some((row, variants)) => {
                let contract = super::assign::contract_experiment(row, variants);
                let variants = variants
                    .iter()
                    .map(|v| {
                        Ok(EdgeVariant {
                            id: v.id.clone(),
                            steps: if v.steps == "null" {
                                None
                            } else {
                                Some(stored_steps(&v.steps)?)
                            },
                        })
                    })
                    .collect::<Result<Vec<_>, ExperimentError>>()?;
                (Some(library_experiment(&contract)), variants)
            }
            None => (None, Vec::new()),
        };
        Ok(Some(EdgeDefinitions {
            tutorial_id: tutorial_id.to_owned(),
            steps: stored_steps(&state.tutorial.steps)?,
            experiment,
            variants,
            config_ttl_secs: self.settings.config_ttl.as_secs(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: &str) -> StepSpec {
        StepSpec {
            id: id.into(),
            title: "Welcome".into(),
            cta: "Next".into(),
            body: None,
            devices: Vec::new(),
            personas: Vec::new(),
        }
    }

    #[test]
    fn steps_are_checked_naming_the_field() {
        assert!(parse_steps("steps", &[step("intro"), step("dashboard")]).is_ok());
        let err = parse_steps("steps", &[step("intro"), step("intro")]).unwrap_err();
        assert!(err.to_string().starts_with("steps[1].id:"), "{err}");
        let mut blank = step("intro");
        blank.cta = " ".into();
        let err = parse_steps("variants[0].steps", &[blank]).unwrap_err();
        assert!(
            err.to_string().starts_with("variants[0].steps[0].cta:"),
            "{err}"
        );
        assert!(parse_steps("steps", &[]).is_err());
        assert!(parse_steps("steps", &[step("no spaces")]).is_err());
    }
}
