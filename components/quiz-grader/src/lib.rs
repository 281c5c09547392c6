//! The first-party quiz grader component: `multiple_choice`, `true_false`, `short_answer`
//! and `numeric`, with feedback per answer. Answer-key and answer shapes are documented in
//! `docs/grading.md`. The rules live in plain modules (unit-tested natively); this file
//! only hands them to the SDK's `export_grader!`, which adapts them to the
//! `tessera:platform/grader` interface.

pub mod multiple_choice;
pub mod numeric;
pub mod short_answer;
pub mod true_false;

// The input readers and outcome types every grader shares (the plugin SDK, sdk/rust).
pub use tessera_plugin_sdk::{fields, outcome};

/// The result of grading one kind.
pub type Graded = Result<outcome::Outcome, outcome::Invalid>;

/// The kinds this grader serves.
pub const KINDS: [&str; 4] = ["multiple_choice", "true_false", "short_answer", "numeric"];

/// Grades by kind, in plain Rust types.
pub fn grade_kind(
    kind: &str,
    options: &[String],
    answer_key: &str,
    answer: &str,
) -> Option<Graded> {
    Some(match kind {
        "multiple_choice" => multiple_choice::grade(options, answer_key, answer),
        "true_false" => true_false::grade(answer_key, answer),
        "short_answer" => short_answer::grade(answer_key, answer),
        "numeric" => numeric::grade(answer_key, answer),
        _ => return None,
    })
}

/// The grader as the SDK exports it (`tessera_plugin_sdk::export_grader!`).
pub struct QuizGrader;

impl tessera_plugin_sdk::Grader for QuizGrader {
    const KINDS: &'static [&'static str] = &KINDS;

    fn grade(
        question: &tessera_plugin_sdk::Question,
        answer: &str,
    ) -> Result<outcome::Outcome, outcome::GradeError> {
        match grade_kind(
            &question.kind,
            &question.options,
            &question.answer_key,
            answer,
        ) {
            Some(graded) => Ok(graded?),
            // The macro answers `unsupported` for a kind outside KINDS before calling this.
            None => Err(outcome::GradeError::Internal(format!(
                "no rules for `{}`",
                question.kind
            ))),
        }
    }
}

tessera_plugin_sdk::export_grader!(QuizGrader, "../../wit/0.1.0");
