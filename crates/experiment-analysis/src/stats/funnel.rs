//! A tutorial's funnel per variant: how many learners start and complete each step, how
//! long a step takes, and how many make it through the whole tutorial.

use serde::{Deserialize, Serialize};

use super::{StatsError, median_u64};

/// One step of one variant, as the host counts it from `tutorial_step_events`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepCounts {
    /// The step's id (`tutorial_step_events.step_id`), carried through to the report.
    pub step_id: String,
    /// Distinct learners with a `started` event for the step, or a `completed` one (a
    /// `started` ping can be lost offline; counting those learners keeps
    /// `completed <= started`).
    pub started: u64,
    /// Distinct learners with a `completed` event for the step.
    pub completed: u64,
    /// `duration_ms` of the step's `completed` events, in any order.
    pub durations_ms: Vec<u64>,
}

/// One variant's steps, in the tutorial's order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantFunnel {
    /// The variant's id (`tutorial_variants.id`), carried through to the report.
    pub variant_id: String,
    /// The steps in the order the tutorial shows them; the first is the funnel's entry and
    /// the last its exit.
    pub steps: Vec<StepCounts>,
}

/// One step's rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    /// The step's id.
    pub step_id: String,
    /// Learners who started it.
    pub started: u64,
    /// Learners who completed it.
    pub completed: u64,
    /// `completed / started`, `None` when nobody started the step (a rate of nothing is
    /// not 0 %).
    pub completion_rate: Option<f64>,
    /// `started / (learners who started the first step)`: how far into the tutorial
    /// learners get; `None` when nobody entered the funnel. Not clamped: above 1 means
    /// learners reached the step without starting the first one (a deep link).
    pub reach_rate: Option<f64>,
    /// The median of the step's durations in milliseconds, `None` without durations.
    pub median_duration_ms: Option<f64>,
}

/// One variant's funnel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelReport {
    /// The variant's id.
    pub variant_id: String,
    /// Per step, in the order given.
    pub steps: Vec<StepReport>,
    /// Learners who started the first step (0 for a tutorial without steps).
    pub entered: u64,
    /// Learners who completed the last step.
    pub finished: u64,
    /// `finished / entered`, the variant's tutorial completion rate (the metric the
    /// experiment compares); `None` when nobody entered.
    pub overall_completion_rate: Option<f64>,
}

/// Computes one variant's funnel: completion rate per step, reach, median duration, and
/// the overall completion rate.
///
/// # Errors
/// [`StatsError::CompletedExceedsStarted`] naming the step whose counts are inconsistent,
/// and [`StatsError::FinishedExceedsEntered`] when more learners completed the last step
/// than started the first: either means the counts came from different populations, and
/// a rate above 100 % would be reported as if it meant something.
pub fn funnel(variant: &VariantFunnel) -> Result<FunnelReport, StatsError> {
    let entered = variant.steps.first().map_or(0, |s| s.started);
    let finished = variant.steps.last().map_or(0, |s| s.completed);
    let mut steps = Vec::with_capacity(variant.steps.len());
    for step in &variant.steps {
        if step.completed > step.started {
            return Err(StatsError::CompletedExceedsStarted {
                variant: variant.variant_id.clone(),
                step: step.step_id.clone(),
                started: step.started,
                completed: step.completed,
            });
        }
        steps.push(StepReport {
            step_id: step.step_id.clone(),
            started: step.started,
            completed: step.completed,
            completion_rate: rate(step.completed, step.started),
            reach_rate: rate(step.started, entered),
            median_duration_ms: median_u64(&step.durations_ms),
        });
    }
    if finished > entered {
        return Err(StatsError::FinishedExceedsEntered {
            variant: variant.variant_id.clone(),
            entered,
            finished,
        });
    }
    Ok(FunnelReport {
        variant_id: variant.variant_id.clone(),
        steps,
        entered,
        finished,
        overall_completion_rate: rate(finished, entered),
    })
}

/// The contingency table of the experiment's outcome, one `[finished, entered - finished]`
/// row per report in the order given, ready for [`super::chi_square_independence`] (and
/// its two-row case for [`super::two_proportion_z_test`]).
#[must_use]
pub fn completion_table(reports: &[FunnelReport]) -> Vec<[u64; 2]> {
    reports
        .iter()
        .map(|r| [r.finished, r.entered.saturating_sub(r.finished)])
        .collect()
}

/// `part / whole`, `None` for an empty whole.
fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}
