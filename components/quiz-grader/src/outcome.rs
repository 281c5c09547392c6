//! Plain-Rust outcome types, independent of the WIT bindings so the grading rules are
//! unit-testable natively.

use serde::de::DeserializeOwned;

/// A grade.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// 0.0 to 1.0.
    pub score: f64,
    /// Whether the answer counts as correct.
    pub correct: bool,
    /// Feedback for the whole answer.
    pub feedback: String,
    /// Feedback per part.
    pub parts: Vec<Part>,
}

impl Outcome {
    /// A right-or-wrong outcome without parts: score 1.0 or 0.0.
    pub fn all_or_nothing(correct: bool, feedback: String) -> Self {
        Self {
            score: if correct { 1.0 } else { 0.0 },
            correct,
            feedback,
            parts: Vec::new(),
        }
    }
}

/// Feedback on one part of an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// Which part.
    pub part: String,
    /// Whether it was right.
    pub correct: bool,
    /// Text shown next to it.
    pub feedback: String,
}

/// Why grading could not happen: a field of the input is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// Dotted path of the field.
    pub field: String,
    /// Why.
    pub message: String,
}

/// Shorthand for an [`Invalid`].
pub fn invalid(field: &str, message: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// Result of grading one kind.
pub type Graded = Result<Outcome, Invalid>;

/// Parses `json` as `T`, naming `field` (and the inner field serde reports) on failure.
pub fn parse<T: DeserializeOwned>(json: &str, field: &str) -> Result<T, Invalid> {
    serde_json::from_str(json).map_err(|e| {
        let message = e.to_string();
        // serde names a missing or unknown field in backticks: point at it.
        let inner = message.split('`').nth(1).filter(|_| {
            message.starts_with("missing field") || message.starts_with("unknown field")
        });
        match inner {
            Some(name) => invalid(&format!("{field}.{name}"), message.clone()),
            None => invalid(field, message.clone()),
        }
    })
}

/// Formats a score for feedback text.
pub fn percent(score: f64) -> String {
    format!("{:.0}%", score * 100.0)
}
