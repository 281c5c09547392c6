//! The first-party quiz grader component: `multiple_choice`, `true_false`, `short_answer`
//! and `numeric`, with feedback per answer. Answer-key and answer shapes are documented in
//! `docs/grading.md`. The rules live in plain modules (unit-tested natively); this file
//! only adapts them to the `tessera:platform/grader` interface.

pub mod multiple_choice;
pub mod numeric;
pub mod short_answer;
pub mod true_false;

// The input readers and outcome types every grader shares (components/grader-kit).
pub use grader_kit::{fields, outcome};

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

/// The component glue: built only for wasm32, where the exports exist.
#[cfg(target_arch = "wasm32")]
mod component {
    use super::{KINDS, grade_kind};

    wit_bindgen::generate!({
        path: "../../wit/0.1.0",
        world: "tessera:platform/grader-plugin@0.1.0",
        generate_all,
    });

    use exports::tessera::platform::grader::{GradeOutcome, Guest, PartFeedback, Submission};
    use tessera::platform::types::{Error, FieldError};

    struct QuizGrader;

    impl Guest for QuizGrader {
        fn kinds() -> Vec<String> {
            KINDS.map(String::from).to_vec()
        }

        fn grade(submission: Submission) -> Result<GradeOutcome, Error> {
            let q = &submission.question;
            match grade_kind(&q.kind, &q.options, &q.answer_key, &submission.answer) {
                None => Err(Error::Unsupported(format!(
                    "the quiz grader does not grade `{}` questions",
                    q.kind
                ))),
                Some(Err(e)) => Err(Error::InvalidInput(FieldError {
                    field: e.field,
                    message: e.message,
                })),
                Some(Ok(o)) => Ok(GradeOutcome {
                    score: o.score,
                    correct: o.correct,
                    feedback: o.feedback,
                    parts: o
                        .parts
                        .into_iter()
                        .map(|p| PartFeedback {
                            part: p.part,
                            correct: p.correct,
                            feedback: p.feedback,
                        })
                        .collect(),
                    details: (!o.details.is_null()).then(|| o.details.to_string()),
                }),
            }
        }
    }

    export!(QuizGrader);
}
