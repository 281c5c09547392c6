//! An experiment's results (seed 004 §4.2's "completion calculation"): the step funnel per
//! variant (learners who started and completed each step, completion rate, median time
//! on the step), whether the variants' completion differs (two-proportion z-test for two
//! variants, chi-square test of independence for more), the sample-ratio-mismatch check
//! (assignments against the weights: a mismatch means the assignment or the logging is
//! broken and the results cannot be trusted), and NPS per variant and persona.

use std::collections::{BTreeMap, HashMap};

use experiment_analysis::stats::{
    chi_square_independence, median_u64, sample_ratio_mismatch, two_proportion_z_test,
};
use serde::{Deserialize, Serialize};

use super::admin::{ExperimentView, experiment_view};
use super::tutorials::stored_steps;
use super::{ExperimentError, Experiments};

/// The significance level the report's `significant` compares p against.
pub const ALPHA: f64 = 0.05;

/// One step of a variant's funnel.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepResult {
    /// The step.
    pub step_id: String,
    /// Learners with any ping on it.
    pub started: u64,
    /// Learners who completed it.
    pub completed: u64,
    /// completed / started (`null` when nobody started it).
    pub completion_rate: Option<f64>,
    /// The median `t` of its completed pings, ms.
    pub median_duration_ms: Option<f64>,
}

/// NPS of a group of answers.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NpsResult {
    /// Answers.
    pub responses: u64,
    /// % promoters (9-10) − % detractors (0-6), -100 to 100 (`null` without answers).
    pub score: Option<f64>,
    /// Mean score 0-10.
    pub mean: Option<f64>,
}

/// One variant's results.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VariantResult {
    /// The variant.
    pub variant: String,
    /// Its weight.
    pub weight: i64,
    /// Learners assigned to it.
    pub assigned: u64,
    /// Learners with any step ping.
    pub entered: u64,
    /// Learners who completed its last step.
    pub finished: u64,
    /// finished / entered.
    pub completion_rate: Option<f64>,
    /// The funnel, in the variant's step order.
    pub steps: Vec<StepResult>,
    /// Survey answers of its learners.
    pub nps: NpsResult,
}

/// Whether completion differs between the variants.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Significance {
    /// `two-proportion z-test` (2 variants; the first is the control) or `chi-square`.
    pub test: String,
    /// z, or χ².
    pub statistic: Option<f64>,
    /// Two-sided p-value.
    pub p_value: Option<f64>,
    /// p < 0.05.
    pub significant: bool,
    /// Why there is no p-value (e.g. no learner entered a variant yet).
    pub note: Option<String>,
}

/// The sample-ratio-mismatch check.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SampleRatio {
    /// Learners assigned per variant, in variant order.
    pub observed: Vec<u64>,
    /// What the weights expect, in learners.
    pub expected: Vec<f64>,
    /// χ² goodness of fit.
    pub chi_square: f64,
    /// Its p-value.
    pub p_value: f64,
    /// p < 0.001: the split is not what the weights say.
    pub mismatch: bool,
}

/// NPS of one persona in one variant.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonaNps {
    /// The variant (`default`: answered outside the experiment).
    pub variant: String,
    /// The persona at answer time.
    pub persona: String,
    /// Its answers.
    pub nps: NpsResult,
}

/// An experiment's results.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExperimentResults {
    /// The experiment.
    pub experiment: ExperimentView,
    /// Per variant, in walking order.
    pub variants: Vec<VariantResult>,
    /// Completion compared across variants.
    pub significance: Significance,
    /// The split compared with the weights (`null` while nobody is assigned).
    pub sample_ratio: Option<SampleRatio>,
    /// NPS per variant and persona.
    pub nps_by_persona: Vec<PersonaNps>,
}

fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn nps(scores: &[i64]) -> NpsResult {
    let n = scores.len() as u64;
    let promoters = scores.iter().filter(|s| **s >= 9).count() as f64;
    let detractors = scores.iter().filter(|s| **s <= 6).count() as f64;
    NpsResult {
        responses: n,
        score: (n > 0).then(|| 100.0 * (promoters - detractors) / n as f64),
        mean: (n > 0).then(|| scores.iter().sum::<i64>() as f64 / n as f64),
    }
}

fn unsigned(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Experiments {
    /// The results of experiment `id` so far.
    pub async fn results(&self, id: &str) -> Result<ExperimentResults, ExperimentError> {
        let (experiment, variants) =
            self.db
                .experiment(id)
                .await?
                .ok_or_else(|| ExperimentError::NotFound {
                    what: "experiment",
                    field: "experiment_id",
                    id: id.to_owned(),
                })?;
        let tutorial = self.db.tutorial(&experiment.tutorial_id).await?;
        let counts = self.db.step_funnel(&experiment.tutorial_id).await?;
        let entries: HashMap<Option<String>, i64> = self
            .db
            .variant_entries(&experiment.tutorial_id)
            .await?
            .into_iter()
            .collect();
        let assigned: HashMap<String, i64> = self
            .db
            .assignment_counts(&experiment.id)
            .await?
            .into_iter()
            .collect();
        let mut durations: HashMap<(String, String), Vec<u64>> = HashMap::new();
        for (variant, step, ms) in self.db.completed_durations(&experiment.tutorial_id).await? {
            if let Some(variant) = variant {
                durations
                    .entry((variant, step))
                    .or_default()
                    .push(unsigned(ms));
            }
        }
        let default_steps = match &tutorial {
            Some(t) => stored_steps(&t.steps)?,
            None => Vec::new(),
        };
        let mut results = Vec::with_capacity(variants.len());
        for v in &variants {
            let steps = if v.steps == "null" {
                default_steps.clone()
            } else {
                stored_steps(&v.steps)?
            };
            let step_results: Vec<StepResult> = steps
                .iter()
                .map(|s| {
                    let c = counts
                        .iter()
                        .find(|c| c.variant_id.as_deref() == Some(&v.id) && c.step_id == s.id);
                    let (started, completed) =
                        c.map_or((0, 0), |c| (unsigned(c.started), unsigned(c.completed)));
                    let mut ms = durations
                        .remove(&(v.id.clone(), s.id.clone()))
                        .unwrap_or_default();
                    ms.sort_unstable();
                    StepResult {
                        step_id: s.id.clone(),
                        started,
                        completed,
                        completion_rate: rate(completed, started),
                        median_duration_ms: median_u64(&ms),
                    }
                })
                .collect();
            let entered = unsigned(entries.get(&Some(v.id.clone())).copied().unwrap_or(0));
            let finished = step_results.last().map_or(0, |s| s.completed).min(entered);
            results.push(VariantResult {
                variant: v.id.clone(),
                weight: v.weight,
                assigned: unsigned(assigned.get(&v.id).copied().unwrap_or(0)),
                entered,
                finished,
                completion_rate: rate(finished, entered),
                steps: step_results,
                nps: nps(&[]),
            });
        }
        let significance = significance(&results);
        let sample_ratio = {
            let observed: Vec<u64> = results.iter().map(|r| r.assigned).collect();
            let weights: Vec<f64> = results.iter().map(|r| r.weight as f64).collect();
            if observed.iter().sum::<u64>() == 0 {
                None
            } else {
                let srm = sample_ratio_mismatch(&observed, &weights)
                    .map_err(|e| ExperimentError::Analysis(e.to_string()))?;
                Some(SampleRatio {
                    observed,
                    expected: srm.expected,
                    chi_square: srm.test.statistic,
                    p_value: srm.test.p_value,
                    mismatch: srm.mismatch,
                })
            }
        };
        let mut by_variant: HashMap<String, Vec<i64>> = HashMap::new();
        let mut by_persona: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
        for (variant, persona, score, _) in
            self.db.anonymised_surveys(&experiment.tutorial_id).await?
        {
            let variant = variant.unwrap_or_else(|| super::tutorials::DEFAULT_VARIANT.to_owned());
            by_variant.entry(variant.clone()).or_default().push(score);
            by_persona
                .entry((variant, persona.unwrap_or_else(|| "unknown".into())))
                .or_default()
                .push(score);
        }
        for r in &mut results {
            r.nps = nps(by_variant.get(&r.variant).map_or(&[][..], Vec::as_slice));
        }
        let ids: Vec<&str> = variants.iter().map(|v| v.id.as_str()).collect();
        let nps_by_persona = by_persona
            .into_iter()
            .filter(|((variant, _), _)| ids.contains(&variant.as_str()))
            .map(|((variant, persona), scores)| PersonaNps {
                variant,
                persona,
                nps: nps(&scores),
            })
            .collect();
        Ok(ExperimentResults {
            experiment: experiment_view(experiment, Some(variants))?,
            variants: results,
            significance,
            sample_ratio,
            nps_by_persona,
        })
    }
}

/// Completion (finished of entered) compared across the variants.
fn significance(results: &[VariantResult]) -> Significance {
    let outcome = if let [a, b] = results {
        two_proportion_z_test(a.finished, a.entered, b.finished, b.entered)
            .map(|t| ("two-proportion z-test", t.z, t.p_value))
    } else {
        let table: Vec<[u64; 2]> = results
            .iter()
            .map(|r| [r.finished, r.entered - r.finished])
            .collect();
        chi_square_independence(&table).map(|t| ("chi-square", t.statistic, t.p_value))
    };
    match outcome {
        Ok((test, statistic, p)) => Significance {
            test: test.into(),
            statistic: Some(statistic),
            p_value: Some(p),
            significant: p < ALPHA,
            note: None,
        },
        Err(e) => Significance {
            test: if results.len() == 2 {
                "two-proportion z-test"
            } else {
                "chi-square"
            }
            .into(),
            statistic: None,
            p_value: None,
            significant: false,
            note: Some(e.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nps_is_promoters_minus_detractors() {
        let r = nps(&[10, 9, 8, 7, 6, 0]);
        assert_eq!(r.responses, 6);
        // 2 promoters, 2 detractors of 6.
        assert_eq!(r.score, Some(0.0));
        assert_eq!(nps(&[9, 10, 3]).score, Some(100.0 / 3.0));
        assert_eq!(nps(&[]).score, None);
    }
}
