//! Write Tessera plugins in Rust.
//!
//! A grader is a type implementing [`Grader`] and one [`export_grader!`] line: the macro
//! generates the `tessera:platform/grader-plugin@0.1.0` bindings from the plugin's `wit/`
//! folder (which `tessera plugin new` writes) and adapts them to the trait, so the grading
//! rules are plain Rust, unit-testable natively:
//!
//! ```ignore
//! use tessera_plugin_sdk::{Grader, GradeError, Outcome, Question, fields};
//!
//! struct Keywords;
//!
//! impl Grader for Keywords {
//!     const KINDS: &'static [&'static str] = &["keywords"];
//!
//!     fn grade(question: &Question, answer: &str) -> Result<Outcome, GradeError> {
//!         let mut key = fields::parse_object(&question.answer_key, "question.answer_key",
//!             r#"{"keywords": ["loop"]}"#)?;
//!         // …
//!         Ok(Outcome::all_or_nothing(true, "Well done.".into()))
//!     }
//! }
//!
//! tessera_plugin_sdk::export_grader!(Keywords);
//! ```
//!
//! Only what a plugin calls is imported by its component (Rust drops the world's unused
//! imports), so a grader that calls no host service needs no grant. Errors a grader
//! returns reach the learner as the HTTP statuses of docs/grading.md: [`GradeError::Invalid`]
//! is a 422 naming the field, `Unavailable` a 503, `Internal` a 500; a kind the grader does
//! not list is answered `unsupported` (422) by the macro.

pub use grader_kit::fields;
pub use grader_kit::outcome::{self, GradeError, Invalid, Outcome, Part, invalid};
pub use serde_json;
pub use wit_bindgen;

/// A question as a grader receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Its kind (one of [`Grader::KINDS`]).
    pub kind: String,
    /// The prompt the learner saw.
    pub prompt: String,
    /// The choices, for choice questions.
    pub options: Vec<String>,
    /// The answer key, as JSON text (its shape is the kind's to define).
    pub answer_key: String,
}

/// A grader: the kinds it grades and how.
pub trait Grader {
    /// The question kinds it grades; its manifest's `routing.kinds` claims some or all.
    const KINDS: &'static [&'static str];

    /// Grades `answer` (JSON text, the kind's shape) to `question`. Must be
    /// deterministic: the same question and answer always get the same outcome (the
    /// conformance kit checks it). A score outside 0.0-1.0 is refused by the host.
    fn grade(question: &Question, answer: &str) -> Result<Outcome, GradeError>;
}

/// Exports a [`Grader`] as the component's `tessera:platform/grader` interface (contract
/// 0.1.0). The plugin crate needs the WIT in `wit/` beside its Cargo.toml (as
/// `tessera plugin new` lays it out) and `crate-type = ["cdylib"]`.
/// The WIT folder defaults to `wit`; a second argument names another (relative to the
/// crate's Cargo.toml), as the first-party graders inside the Tessera repository do:
/// `export_grader!(QuizGrader, "../../wit/0.1.0")`.
#[macro_export]
macro_rules! export_grader {
    ($grader:ty) => {
        $crate::export_grader!($grader, "wit");
    };
    ($grader:ty, $wit:literal) => {
        #[cfg(target_arch = "wasm32")]
        #[doc(hidden)]
        mod __tessera_grader_export {
            $crate::wit_bindgen::generate!({
                path: $wit,
                world: "tessera:platform/grader-plugin@0.1.0",
                runtime_path: "::tessera_plugin_sdk::wit_bindgen::rt",
                generate_all,
            });

            // The grader type, wherever the invocation names it from.
            #[allow(unused_imports)]
            use super::*;
            use exports::tessera::platform::grader::{
                GradeOutcome, Guest, PartFeedback, Submission,
            };
            use tessera::platform::types::{Error, FieldError};

            struct Export;

            impl Guest for Export {
                fn kinds() -> Vec<String> {
                    <$grader as $crate::Grader>::KINDS
                        .iter()
                        .map(|k| (*k).to_owned())
                        .collect()
                }

                fn grade(submission: Submission) -> Result<GradeOutcome, Error> {
                    let q = submission.question;
                    if !<$grader as $crate::Grader>::KINDS.contains(&q.kind.as_str()) {
                        return Err(Error::Unsupported(format!(
                            "this grader does not grade `{}` questions",
                            q.kind
                        )));
                    }
                    let question = $crate::Question {
                        kind: q.kind,
                        prompt: q.prompt,
                        options: q.options,
                        answer_key: q.answer_key,
                    };
                    match <$grader as $crate::Grader>::grade(&question, &submission.answer)
                    {
                        Ok(o) => Ok(GradeOutcome {
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
                        Err($crate::GradeError::Invalid(e)) => {
                            Err(Error::InvalidInput(FieldError {
                                field: e.field,
                                message: e.message,
                            }))
                        }
                        Err($crate::GradeError::Unavailable(m)) => Err(Error::Unavailable(m)),
                        Err($crate::GradeError::Internal(m)) => Err(Error::Internal(m)),
                    }
                }
            }

            export!(Export);
        }
    };
}
