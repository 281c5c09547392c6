//! Grading (WIT `tessera:platform/grader`), as the host's own types.

use super::types::{Json, LearnerContext};
use serde::{Deserialize, Serialize};

/// A question as its author wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Question kind, e.g. `multiple_choice`, `true_false`, `short_answer`, `numeric`.
    pub kind: String,
    /// The prompt shown to the learner.
    pub prompt: String,
    /// Choices in display order for choice questions; empty for other kinds.
    pub options: Vec<String>,
    /// Kind-specific answer key as JSON (shapes per kind in `docs/grading.md`).
    pub answer_key: Json,
}

/// A learner's answer to a question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// The question being answered, including its answer key.
    pub question: Question,
    /// The learner's answer as JSON, in the shape the kind defines.
    pub answer: Json,
    /// The learner, when the grader may personalise feedback; absent in anonymous calls.
    pub learner: Option<LearnerContext>,
}

/// Feedback on one part of an answer (one option, one blank, one test).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartFeedback {
    /// What the part is: an option index, a blank's name, a test's name.
    pub part: String,
    /// Whether this part was right.
    pub correct: bool,
    /// Text shown next to the part.
    pub feedback: String,
}

/// The result of grading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeOutcome {
    /// Score from 0.0 (nothing right) to 1.0 (fully right); partial credit in between.
    pub score: f64,
    /// Whether the answer counts as correct for progress and streaks.
    pub correct: bool,
    /// Feedback text for the whole answer, shown to the learner.
    pub feedback: String,
    /// Feedback per part, in display order; may be empty.
    pub parts: Vec<PartFeedback>,
    /// Kind-specific structured results as a JSON object (shapes per kind in
    /// `docs/grading.md`), e.g. a code exercise's per-test runs with expected and actual
    /// values, output and errors; `none` for kinds that define none. For clients that
    /// show more than text: `feedback` and `parts` must make sense without it.
    pub details: Option<Json>,
}
