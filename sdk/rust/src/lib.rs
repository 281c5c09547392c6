//! Write Tessera plugins in Rust.
//!
//! A plugin is a type implementing its world's trait and one export macro:
//!
//! | world | trait | macro | contract |
//! |---|---|---|---|
//! | `grader-plugin` | [`Grader`] | [`export_grader!`] | 0.1.0 |
//! | `agent-plugin` | [`Agent`] | [`export_agent!`] | 0.2.0 |
//! | `triage-plugin` | [`Triage`] | [`export_triage!`] | 0.2.0 |
//!
//! The macro generates the world's bindings from the plugin's `wit/` folder (which
//! `tessera plugin new` writes) and adapts them to the trait, so the rules are plain Rust,
//! unit-testable natively:
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
//! A plugin that calls a host service implements the `…_with` method instead
//! (`grade_with`, `respond_with`, `classify_with`), which receives a [`Host`]: the model
//! ([`model::Llm`]) and the code sandbox ([`sandbox::CodeRunner`]). Only what a plugin
//! calls is imported by its component (the linker drops the rest), so a plugin that calls
//! no service needs no grant. Errors reach the learner as the HTTP statuses of
//! docs/grading.md: [`Error::Invalid`] is a 422 naming the field, `Unsupported` a 422,
//! `Unavailable` a 503, `Internal` a 500; a grader asked for a kind it does not list is
//! answered `unsupported` by the macro.
//!
//! Besides the traits: [`fields`] reads JSON field by field so every refusal names the
//! exact field; [`text`] matches words in a learner's text; [`outcome`] holds the grade
//! and error types; [`model`] and [`sandbox`] the `llm` and `code-runner` contracts as
//! plain types, with [`llm_import!`] and [`code_runner_import!`] for components that
//! write their own glue (the first-party agents do).

pub mod agent;
pub mod fields;
pub mod host;
pub mod model;
pub mod outcome;
pub mod sandbox;
pub mod text;
pub mod triage;

pub use agent::Agent;
pub use host::Host;
pub use outcome::GradeError as Error;
pub use outcome::{GradeError, Invalid, Outcome, Part, invalid};
pub use serde_json;
pub use triage::Triage;
pub use wit_bindgen;

/// Who a call is made for (`learner-context`); read-only context, the host owns identity.
#[derive(Debug, Clone, PartialEq)]
pub struct Learner {
    /// Stable, opaque learner id.
    pub learner_id: String,
    /// BCP 47 language tag, e.g. `en-GB`.
    pub locale: String,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub timezone: String,
    /// Preferred tone of explanations, if chosen.
    pub tone: Option<String>,
}

impl Default for Learner {
    fn default() -> Self {
        Learner {
            learner_id: "learner".into(),
            locale: "en".into(),
            timezone: "UTC".into(),
            tone: None,
        }
    }
}

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
    /// Implement this, or [`Grader::grade_with`] when grading calls a host service.
    fn grade(question: &Question, answer: &str) -> Result<Outcome, GradeError> {
        let _ = (question, answer);
        Err(GradeError::Internal(format!(
            "{} implements neither grade nor grade_with",
            std::any::type_name::<Self>()
        )))
    }

    /// Grades with the host's services at hand (the model, the code sandbox; each needs
    /// its grant).
    fn grade_with(
        question: &Question,
        answer: &str,
        host: &mut impl Host,
    ) -> Result<Outcome, GradeError> {
        let _ = host;
        Self::grade(question, answer)
    }
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

            $crate::__host_services!();

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
                    match <$grader as $crate::Grader>::grade_with(
                        &question,
                        &submission.answer,
                        &mut Services::new(),
                    ) {
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
                        Err(e) => Err($crate::__wit_error!(e)),
                    }
                }
            }

            export!(Export);
        }
    };
}
