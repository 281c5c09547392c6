//! Kalei's Lens (seed 001 §10.4): small actions towards a goal ([`actions`]) and the daily
//! affirmation ([`affirmation`]).
//!
//! Each function of the plugin (`tessera:platform/lens-coach-plugin@0.2.0`) asks the model
//! once (features `lens-actions` and `lens-affirmation`), validates the answer, and falls
//! back to deterministic templates when the model fails, answers invalidly, or is the
//! offline model (`tessera-offline`). Seed 001 §12.2 degrades Lens first under budget or
//! latency pressure ("template fallback"): `budget-exceeded`, `unavailable` and every other
//! model error give templates, never an error.
//!
//! Everything is plain Rust, tested natively; the wasm32 `component` module only adapts
//! [`pipeline`] to the WIT export and the `llm` import.

pub mod actions;
pub mod affirmation;
pub mod pipeline;
pub mod text;

#[cfg(target_arch = "wasm32")]
mod component;

/// A goal the user set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Goal {
    /// What the user wants, in their words.
    pub title: String,
    /// Why it matters to them.
    pub why: Option<String>,
    /// The date they aim for (`YYYY-MM-DD`).
    pub target_date: Option<String>,
}

/// One small step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// What to do, starting with a verb.
    pub title: String,
    /// Roughly how many minutes, 1 to 120.
    pub minutes: u32,
}

/// A refused input: the field (as the host's JSON names it) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The field.
    pub field: String,
    /// Why.
    pub message: String,
}

impl InputError {
    fn new(field: &str, message: impl Into<String>) -> InputError {
        InputError {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}
