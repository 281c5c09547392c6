//! Experiment results for seed 004's tutorial A/B tests (§4): whether a variant changed
//! completion, whether the assignment split is healthy, and where learners drop out.
//!
//! Every function takes counts the host has aggregated (from `tutorial_assignments` and
//! `tutorial_step_events`) and returns a result or a [`StatsError`] that names what is
//! wrong with the input; no function returns NaN or panics on any input.

mod chi_square;
mod funnel;
mod proportions;
mod summary;

pub use chi_square::{
    ChiSquare, SRM_ALPHA, SampleRatio, chi_square_independence, sample_ratio_mismatch,
};
pub use funnel::{FunnelReport, StepCounts, StepReport, VariantFunnel, completion_table, funnel};
pub use proportions::{ZTest, two_proportion_z_test};
pub use summary::{median_f64, median_u64};

/// Why a test could not be computed. Each is a property of the input (a 4xx for the host,
/// never a 500), so the message says which group, row or step and what was wrong with it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    /// A group had no trials, so it has no rate to compare.
    #[error("group {group} has no trials")]
    NoTrials {
        /// `"a"` or `"b"`.
        group: &'static str,
    },
    /// More successes than trials: the counts were aggregated over different populations.
    #[error("group {group} has {successes} successes out of only {trials} trials")]
    SuccessesExceedTrials {
        /// `"a"` or `"b"`.
        group: &'static str,
        /// The successes given.
        successes: u64,
        /// The trials given.
        trials: u64,
    },
    /// Every unit succeeded, or none did: the outcome does not vary, so there is no
    /// standard error and no test (not a p-value of 1, which would claim evidence of
    /// no difference).
    #[error("the outcome does not vary: every unit had the same result")]
    NoVariance,
    /// A test of k groups needs k >= 2.
    #[error("at least 2 groups are needed, got {got}")]
    TooFewGroups {
        /// How many were given.
        got: usize,
    },
    /// A variant with no units in a contingency table has an expected count of zero,
    /// which the chi-square statistic divides by; leave it out until it has traffic.
    #[error("row {row} of the table is empty (a variant with no units)")]
    EmptyRow {
        /// Index of the row in the table given.
        row: usize,
    },
    /// The observed counts and the expected weights must describe the same variants.
    #[error("{observed} observed counts but {weights} expected weights")]
    LengthMismatch {
        /// Length of the observed counts.
        observed: usize,
        /// Length of the expected weights.
        weights: usize,
    },
    /// A weight must be finite and positive (the schema's weights are 1 to 100): a zero
    /// weight makes any unit in that variant infinitely unlikely.
    #[error("expected weight {index} is {weight}, it must be finite and positive")]
    InvalidWeight {
        /// Index of the weight.
        index: usize,
        /// The weight given.
        weight: f64,
    },
    /// A duration that is NaN or infinite has no place in an ordering.
    #[error("value {index} is {value}, not a finite number")]
    NonFinite {
        /// Index of the value.
        index: usize,
        /// The value given.
        value: f64,
    },
    /// A step completed by more learners than started it: the host must count a learner
    /// with only a `completed` event (its `started` ping lost offline) as started too.
    #[error("variant {variant:?} step {step:?}: {completed} completed but only {started} started")]
    CompletedExceedsStarted {
        /// The variant's id.
        variant: String,
        /// The step's id.
        step: String,
        /// Learners who started the step.
        started: u64,
        /// Learners who completed it.
        completed: u64,
    },
    /// More learners finished the last step than entered the first: the per-step counts
    /// were taken over different populations.
    #[error("variant {variant:?}: {finished} finished the funnel but only {entered} entered it")]
    FinishedExceedsEntered {
        /// The variant's id.
        variant: String,
        /// Learners who started the first step.
        entered: u64,
        /// Learners who completed the last step.
        finished: u64,
    },
    /// The distribution could not be built (only for degrees of freedom the checks above
    /// already exclude; kept so a statrs change surfaces as an error, not a panic).
    #[error("distribution: {0}")]
    Distribution(String),
}
