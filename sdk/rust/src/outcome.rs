//! Plain-Rust outcome and error types, independent of the WIT bindings so the grading rules
//! are unit-testable natively.

use serde_json::Value;

/// A grade.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// 0.0 to 1.0 (how each grader computes it: its README).
    pub score: f64,
    /// Whether the answer counts as correct (passed).
    pub correct: bool,
    /// Feedback for the whole answer.
    pub feedback: String,
    /// One entry per part (test, criterion), in the answer key's order.
    pub parts: Vec<Part>,
    /// Kind-specific results as a JSON object (`grade-outcome.details`); `null` for none.
    pub details: Value,
}

impl Outcome {
    /// A right-or-wrong outcome without parts or details: score 1.0 or 0.0.
    pub fn all_or_nothing(correct: bool, feedback: String) -> Self {
        Self {
            score: if correct { 1.0 } else { 0.0 },
            correct,
            feedback,
            parts: Vec::new(),
            details: Value::Null,
        }
    }
}

/// Feedback on one part of an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The part's name (a test's name, a criterion's id).
    pub part: String,
    /// Whether it was right (passed, earned enough points).
    pub correct: bool,
    /// Text shown next to it.
    pub feedback: String,
}

/// A field of the input is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// Dotted path of the field, e.g. `question.answer_key.tests[2].stdin`.
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

/// Why a plugin could not answer: the contract's `error` variant in plain Rust. Graders
/// name it `GradeError`; agents and triage plugins `tessera_plugin_sdk::Error` (the same
/// type).
#[derive(Debug, Clone, PartialEq)]
pub enum GradeError {
    /// The input (an answer key, an answer, a request's field) is malformed
    /// (`invalid-input`, HTTP 422).
    Invalid(Invalid),
    /// The request asks for something this plugin does not do (`unsupported`, HTTP 422).
    /// The grader macro answers a kind outside `KINDS` with it by itself.
    Unsupported(String),
    /// A service the grader needs (the sandbox, a model) cannot serve now (`unavailable`,
    /// HTTP 503).
    Unavailable(String),
    /// A service refused what the grader asked, or answered against its contract: a bug
    /// somewhere (`internal`, HTTP 500).
    Internal(String),
}

impl From<Invalid> for GradeError {
    fn from(e: Invalid) -> Self {
        GradeError::Invalid(e)
    }
}
