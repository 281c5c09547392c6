//! Plain-Rust outcome and error types, independent of the WIT bindings so the grading rules
//! are unit-testable natively.

use serde_json::Value;

/// A grade.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// 0.0 to 1.0: points earned / points available.
    pub score: f64,
    /// Whether the score reaches the key's `pass_ratio`.
    pub correct: bool,
    /// Feedback for the whole submission.
    pub feedback: String,
    /// One entry per rubric criterion, in the key's order.
    pub parts: Vec<Part>,
    /// The per-criterion results as a JSON object (`grade-outcome.details`).
    pub details: Value,
}

/// Feedback on one rubric criterion.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The criterion's id.
    pub part: String,
    /// Whether it earned at least half its points.
    pub correct: bool,
    /// Text shown next to it.
    pub feedback: String,
}

/// A field of the input is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// Dotted path of the field, e.g. `question.answer_key.rubric[1].points`.
    pub field: String,
    /// Why, for the person who sent it.
    pub message: String,
}

/// Shorthand for an [`Invalid`].
pub fn invalid(field: &str, message: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// Why a grade could not be given (the contract's `error` variant, minus `unsupported`,
/// which only the glue decides).
#[derive(Debug, Clone, PartialEq)]
pub enum GradeError {
    /// The answer key or the answer is malformed, or the gateway refused the request as
    /// malformed (`invalid-input`, HTTP 422).
    Invalid(Invalid),
    /// No model can grade now: none reachable, rate-limited, out of budget, or it answered
    /// garbage (`unavailable`, HTTP 503).
    Unavailable(String),
    /// The model's reply breaks the contract the gateway validated: a bug somewhere
    /// (`internal`, HTTP 500).
    Internal(String),
}

impl From<Invalid> for GradeError {
    fn from(e: Invalid) -> Self {
        GradeError::Invalid(e)
    }
}
