//! The first-party project grader component: `mini_project`, a learner's project graded
//! against the answer key's rubric by a language model through the `llm` import. Answer-key,
//! answer and result shapes are documented in `docs/grading.md`.
//!
//! The rules live in plain modules, unit-tested natively with a fake model: `rubric` and
//! `payload` parse and check the input, `prompt` builds the one chat request, `reply` reads
//! the model's answer, `heuristic` stands in when only the gateway's offline model answered,
//! `report` turns the assessments into the grade. [`grade`] ties them together; the
//! `component` module only adapts it to `tessera:platform/grader` and the real import.

pub mod heuristic;
pub mod payload;
pub mod prompt;
pub mod reply;
pub mod report;
pub mod rubric;

// The field reader and outcome types every grader shares (the plugin SDK, sdk/rust).
pub use tessera_plugin_sdk::model as llm;
pub use tessera_plugin_sdk::{fields, outcome};

use llm::{Llm, LlmError, OFFLINE_MODEL};
use outcome::{GradeError, Outcome, invalid};
use report::GradedBy;

/// The kind this grader serves.
pub const KIND: &str = "mini_project";

/// Grades the learner's work (`answer`) against the rubric in `answer_key`, for the project
/// described by `brief`, with one completion from `model`.
///
/// Input errors come before any model call. When the reply comes from the gateway's
/// offline model its numbers are ignored and the offline heuristic scores the work instead.
pub fn grade(
    brief: &str,
    answer_key: &str,
    answer: &str,
    model: &mut (impl Llm + ?Sized),
) -> Result<Outcome, GradeError> {
    let rubric = rubric::parse(answer_key)?;
    let work = payload::parse(answer)?;
    let request = prompt::build(brief, &rubric, &work);
    match model.complete(&request) {
        Ok(reply) if reply.model == OFFLINE_MODEL => Ok(report::build(
            &rubric,
            &heuristic::assess(&rubric, &work),
            report::HEURISTIC_SUMMARY,
            GradedBy::Heuristic(&reply.model),
        )),
        Ok(reply) => {
            let parsed = reply::parse(&reply.content, &rubric).map_err(|problem| {
                GradeError::Internal(format!(
                    "{problem} (model {}; the gateway had validated it against the schema)",
                    reply.model
                ))
            })?;
            Ok(report::build(
                &rubric,
                &parsed.criteria,
                &parsed.summary,
                GradedBy::Model(&reply.model),
            ))
        }
        Err(LlmError::Blocked(response)) => Ok(report::blocked(&rubric, &response)),
        Err(e) => Err(llm_error(e)),
    }
}

/// The grade error for a failed completion (all but `blocked`, which is a grade).
fn llm_error(e: LlmError) -> GradeError {
    match e {
        LlmError::RateLimited(ms) => GradeError::Unavailable(format!(
            "the grading model is rate-limited; try again in {} s",
            ms.div_ceil(1000).max(1)
        )),
        LlmError::Unavailable(m) => {
            GradeError::Unavailable(format!("no grading model is available now: {m}"))
        }
        LlmError::ProviderError(m) => GradeError::Unavailable(format!(
            "the grading model's provider answered something unusable: {m}"
        )),
        LlmError::BudgetExceeded(m) => {
            GradeError::Unavailable(format!("the model budget for grading is used up: {m}"))
        }
        // The model could not keep to the schema even after the gateway's repair attempt:
        // a model failure, likely passing, not a fault of the input or of this grader.
        LlmError::SchemaMismatch(m) => GradeError::Unavailable(format!(
            "the grading model did not answer in the required format: {m}"
        )),
        // The request carries the learner's work in `messages`, so that is what a refused
        // message points at (e.g. a prompt the gateway finds too large).
        LlmError::InvalidRequest(field, message) => {
            let named = if field.starts_with("messages") {
                payload::ANSWER
            } else {
                field.as_str()
            };
            GradeError::Invalid(invalid(
                named,
                format!("the model gateway refused the grading request ({field}: {message})"),
            ))
        }
        LlmError::Blocked(m) => GradeError::Internal(format!("unexpected safety block: {m}")),
    }
}

/// The grader as the SDK exports it (`tessera_plugin_sdk::export_grader!`): the rules above
/// with the `llm` import as the model.
pub struct ProjectGrader;

impl tessera_plugin_sdk::Grader for ProjectGrader {
    const KINDS: &'static [&'static str] = &[KIND];

    fn grade_with(
        question: &tessera_plugin_sdk::Question,
        answer: &str,
        host: &mut impl tessera_plugin_sdk::Host,
    ) -> Result<Outcome, GradeError> {
        let outcome = grade(&question.prompt, &question.answer_key, answer, host.llm())?;
        // Operators should know grades are estimates until a model is set up.
        if outcome.details["graded_by"] == "heuristic" {
            host.log(
                tessera_plugin_sdk::host::Level::Warn,
                "grade",
                "only the offline model answered; graded with the heuristic",
            );
        }
        Ok(outcome)
    }
}

tessera_plugin_sdk::export_grader!(ProjectGrader, "../../wit/0.1.0");

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::llm::{ChatRequest, ChatResponse};

    /// A fake model: answers with `respond` and records the requests.
    struct Fake<F: FnMut(&ChatRequest) -> Result<ChatResponse, LlmError>> {
        respond: F,
        requests: Vec<ChatRequest>,
    }

    impl<F: FnMut(&ChatRequest) -> Result<ChatResponse, LlmError>> Llm for Fake<F> {
        fn complete(&mut self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
            self.requests.push(request.clone());
            (self.respond)(request)
        }
    }

    fn fake<F: FnMut(&ChatRequest) -> Result<ChatResponse, LlmError>>(respond: F) -> Fake<F> {
        Fake {
            respond,
            requests: Vec::new(),
        }
    }

    fn answering(
        model: &str,
        content: serde_json::Value,
    ) -> impl FnMut(&ChatRequest) -> Result<ChatResponse, LlmError> {
        let model = model.to_owned();
        move |_| {
            Ok(ChatResponse {
                content: content.to_string(),
                model: model.clone(),
            })
        }
    }

    const BRIEF: &str = "# Word counter\nWrite a CLI that counts words in a text file.";
    const KEY: &str = r#"{"rubric": [
        {"id": "counts", "criterion": "Counts words correctly", "points": 6,
         "description": "Splits the text file on whitespace and prints the word count."},
        {"id": "errors", "criterion": "Handles a missing file", "points": 2},
        {"id": "readme", "criterion": "Explains usage in a README", "points": 2}
    ], "pass_ratio": 0.6}"#;

    fn work() -> String {
        json!({
            "code": "import sys\ntry:\n    text = open(sys.argv[1]).read()\nexcept FileNotFoundError:\n    sys.exit('missing file')\nprint(len(text.split()))\n",
            "files": {"README.md": "Usage: python count.py FILE prints the number of words."}
        })
        .to_string()
    }

    #[test]
    fn a_model_grade() {
        let mut model = fake(answering(
            "gpt-4o-mini",
            json!({
                "criteria": [
                    {"id": "counts", "points": 6, "feedback": "Splits and counts."},
                    {"id": "errors", "points": 2.5, "feedback": "Catches FileNotFoundError."},
                    {"id": "extra", "points": 9, "feedback": "ignored"}
                ],
                "summary": "A tidy word counter."
            }),
        ));
        let o = grade(BRIEF, KEY, &work(), &mut model).unwrap();
        assert_eq!(model.requests.len(), 1);
        let r = &model.requests[0];
        assert_eq!(r.feature, "project-grading");
        assert!(r.messages[0].content.contains(BRIEF));
        assert!(r.messages[1].content.contains("FileNotFoundError"));
        // 6 + 2 (clamped from 2.5) + 0 (not assessed) of 10.
        assert_eq!((o.score, o.correct), (0.8, true));
        assert_eq!(
            o.feedback,
            "A tidy word counter.\n\nPassed: 8 of 10 points (80%; 60% needed to pass)."
        );
        let parts: Vec<(&str, bool)> = o
            .parts
            .iter()
            .map(|p| (p.part.as_str(), p.correct))
            .collect();
        assert_eq!(
            parts,
            [("counts", true), ("errors", true), ("readme", false)]
        );
        assert_eq!(o.parts[2].feedback, reply::NOT_ASSESSED);
        assert_eq!(o.details["graded_by"], "model");
        assert_eq!(o.details["model"], "gpt-4o-mini");
        assert_eq!(o.details["needs_review"], true);
        assert_eq!(o.details["criteria"][1]["points"], 2.0);
        assert_eq!(o.details["earned"], 8.0);
    }

    #[test]
    fn the_offline_model_numbers_are_not_trusted() {
        // The offline model claims full marks; the heuristic decides instead.
        let full = json!({
            "criteria": [
                {"id": "counts", "points": 6, "feedback": "lorem"},
                {"id": "errors", "points": 2, "feedback": "lorem"},
                {"id": "readme", "points": 2, "feedback": "lorem"}
            ],
            "summary": "lorem ipsum"
        });
        let mut model = fake(answering(OFFLINE_MODEL, full.clone()));
        let on_topic = grade(BRIEF, KEY, &work(), &mut model).unwrap();
        let unrelated =
            json!({"text": "Here is my favourite soup recipe with carrots."}).to_string();
        let mut model = fake(answering(OFFLINE_MODEL, full));
        let off_topic = grade(BRIEF, KEY, &unrelated, &mut model).unwrap();
        assert!(
            on_topic.score > off_topic.score,
            "{} vs {}",
            on_topic.score,
            off_topic.score
        );
        assert!(on_topic.score < 1.0);
        assert_eq!(off_topic.score, 0.2);
        assert!(!off_topic.correct);
        for o in [&on_topic, &off_topic] {
            assert_eq!(o.details["graded_by"], "heuristic");
            assert_eq!(o.details["needs_review"], true);
            assert_eq!(o.details["model"], OFFLINE_MODEL);
            assert!(o.feedback.starts_with(report::HEURISTIC_SUMMARY));
            assert!(!o.feedback.contains("lorem"));
        }
        // Deterministic.
        let mut model = fake(answering(OFFLINE_MODEL, json!({})));
        assert_eq!(grade(BRIEF, KEY, &work(), &mut model).unwrap(), on_topic);
    }

    #[test]
    fn a_broken_reply_is_an_internal_error() {
        let mut model = fake(answering(
            "gpt-4o-mini",
            json!({"criteria": "none", "summary": ""}),
        ));
        let GradeError::Internal(m) = grade(BRIEF, KEY, &work(), &mut model).unwrap_err() else {
            panic!()
        };
        assert!(
            m.starts_with("the model's reply has no `criteria` array (model gpt-4o-mini"),
            "{m}"
        );
    }

    #[test]
    fn a_blocked_submission_gets_a_zero_grade() {
        let mut model = fake(|_| Err(LlmError::Blocked("Please reach out: call 112.".into())));
        let o = grade(BRIEF, KEY, &work(), &mut model).unwrap();
        assert_eq!((o.score, o.correct), (0.0, false));
        assert!(o.feedback.starts_with(report::BLOCKED_FEEDBACK));
        assert!(o.feedback.ends_with("call 112."));
        assert_eq!(o.details["blocked"], true);
        assert_eq!(o.parts.len(), 3);
    }

    #[test]
    fn model_failures_map_to_errors() {
        let cases = [
            (LlmError::RateLimited(1500), GradeError::Unavailable("the grading model is rate-limited; try again in 2 s".into())),
            (LlmError::Unavailable("gpt@x (HTTP 500)".into()), GradeError::Unavailable("no grading model is available now: gpt@x (HTTP 500)".into())),
            (LlmError::ProviderError("bad JSON".into()), GradeError::Unavailable("the grading model's provider answered something unusable: bad JSON".into())),
            (LlmError::BudgetExceeded("AI_BUDGET_EXCEEDED: day used up".into()), GradeError::Unavailable("the model budget for grading is used up: AI_BUDGET_EXCEEDED: day used up".into())),
            (LlmError::SchemaMismatch("criteria: expected array".into()), GradeError::Unavailable("the grading model did not answer in the required format: criteria: expected array".into())),
            (
                LlmError::InvalidRequest("messages".into(), "the prompt is too large".into()),
                GradeError::Invalid(invalid("answer", "the model gateway refused the grading request (messages: the prompt is too large)")),
            ),
        ];
        for (error, expected) in cases {
            let mut model = fake(move |_| Err(error.clone()));
            assert_eq!(
                grade(BRIEF, KEY, &work(), &mut model).unwrap_err(),
                expected
            );
        }
    }

    #[test]
    fn input_errors_come_before_any_call() {
        let mut model = fake(|_| panic!("no call expected"));
        let field =
            |key: &str, answer: &str, model: &mut Fake<_>| match grade(BRIEF, key, answer, model) {
                Err(GradeError::Invalid(e)) => e.field,
                other => panic!("{other:?}"),
            };
        assert_eq!(field(KEY, r#"{"code": 1}"#, &mut model), "answer.code");
        assert_eq!(field(KEY, "{}", &mut model), "answer");
        assert_eq!(
            field(
                r#"{"rubric": [{"id": "a", "criterion": "A", "points": 1}, {"id": "b", "criterion": "B", "points": "x"}]}"#,
                &work(),
                &mut model
            ),
            "question.answer_key.rubric[1].points"
        );
        assert!(model.requests.is_empty());
    }
}
