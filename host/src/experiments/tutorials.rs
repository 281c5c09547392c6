//! `GET /api/tutorial/config` (seed 004 §2.1): the unit's variant of the tutorial's running
//! experiment, their persona, and the variant's steps for their device, with an `ETag`
//! over what the client renders and an `expires` the `Cache-Control` header matches.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Device, ExperimentError, Experiments, Unit, check_id, check_text, invalid};
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
        let etag = {
            let validated = serde_json::json!([tutorial_id, persona, variant, steps, engine]);
            let digest = Sha256::digest(validated.to_string().as_bytes());
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
