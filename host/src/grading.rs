//! Grading: routes a submission to the grader plugin that claims its question kind and
//! turns the plugin's answer into the API's. Used by `POST /api/v1/grade`, the learning
//! core (steps and project jobs) and the CLI.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::plugins::Registry;
use crate::plugins::contract::grader::{Question, Submission};
use crate::plugins::contract::types::Error as ContractError;
use crate::runtime::capabilities::llm::OnBehalfOf;
use crate::runtime::{PluginError, PluginErrorKind};

/// Longest prompt accepted, in bytes.
pub const MAX_PROMPT_BYTES: usize = 20_000;
/// Most options a choice question may have.
pub const MAX_OPTIONS: usize = 100;

/// A grading request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeRequest {
    /// The question, including its answer key.
    pub question: QuestionInput,
    /// The learner's answer; its shape depends on the kind (see docs/grading.md). Kept as
    /// the client's JSON text: the grader parses it, the host only passes it on.
    #[schema(value_type = Object)]
    pub answer: Box<RawValue>,
}

/// A question as the client sends it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionInput {
    /// Question kind, e.g. `multiple_choice`.
    pub kind: String,
    /// The prompt shown to the learner.
    #[serde(default)]
    pub prompt: String,
    /// Options of a choice question, in display order.
    #[serde(default)]
    pub options: Vec<String>,
    /// The kind-specific answer key, as JSON text.
    #[schema(value_type = Object)]
    pub answer_key: Box<RawValue>,
}

/// The grader that produced a grade.
#[derive(Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct GraderRef {
    /// Plugin id.
    pub id: String,
    /// Plugin version.
    pub version: String,
}

/// Feedback on one part of an answer.
#[derive(
    Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema, async_graphql::SimpleObject,
)]
pub struct PartFeedback {
    /// The part (option index, blank, test).
    pub part: String,
    /// Whether it was right.
    pub correct: bool,
    /// Feedback text.
    pub feedback: String,
}

/// A grade.
#[derive(Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct GradeResponse {
    /// 0.0 to 1.0.
    pub score: f64,
    /// Whether the answer counts as correct.
    pub correct: bool,
    /// Feedback for the learner.
    pub feedback: String,
    /// Feedback per part.
    pub parts: Vec<PartFeedback>,
    /// Kind-specific structured results (a code exercise's per-test runs; shapes per
    /// kind in docs/grading.md); absent for kinds that define none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
    /// Which grader answered.
    pub grader: GraderRef,
}

/// Why grading failed.
#[derive(Debug, thiserror::Error)]
pub enum GradeError {
    /// The request is malformed at `field`.
    #[error("{field}: {message}")]
    Invalid {
        /// Dotted path of the field.
        field: String,
        /// Why.
        message: String,
    },
    /// No installed grader claims the kind.
    #[error("no grader handles question kind `{0}`")]
    UnknownKind(String),
    /// The grader depends on a service that is down.
    #[error("{0}")]
    Unavailable(String),
    /// The grader reported an internal failure.
    #[error("grader {grader} failed: {message}")]
    Internal {
        /// The grader.
        grader: String,
        /// Its message.
        message: String,
    },
    /// The grader plugin misbehaved.
    #[error(transparent)]
    Plugin(#[from] PluginError),
    /// The learner's AI budget refused the model call the grader needed.
    #[error("{}", .0.message)]
    OverBudget(crate::ai::budget::Refusal),
}

/// Whether grading `kind` may call a model (its grader is granted `llm`): such grading is
/// an AI request for rate limits.
pub fn needs_model(registry: &Registry, kind: &str) -> bool {
    registry
        .snapshot()
        .graders
        .get(kind)
        .is_some_and(|p| p.manifest.grants.llm)
}

/// Grades `request` with the grader that claims its kind, for `user_id` when a learner's
/// request or job asks for it: the model calls a grader makes count against that
/// learner's AI budget, and a budget refusal is the answer.
pub async fn grade(
    registry: &Registry,
    request: GradeRequest,
    user_id: Option<&str>,
) -> Result<GradeResponse, GradeError> {
    let invalid = |field: &str, message: String| GradeError::Invalid {
        field: field.to_owned(),
        message,
    };
    let q = request.question;
    if q.kind.trim().is_empty() {
        return Err(invalid("question.kind", "must not be empty".into()));
    }
    if q.prompt.len() > MAX_PROMPT_BYTES {
        return Err(invalid(
            "question.prompt",
            format!(
                "is {} bytes; at most {MAX_PROMPT_BYTES} are accepted",
                q.prompt.len()
            ),
        ));
    }
    if q.options.len() > MAX_OPTIONS {
        return Err(invalid(
            "question.options",
            format!(
                "has {} options; at most {MAX_OPTIONS} are accepted",
                q.options.len()
            ),
        ));
    }
    let snapshot = registry.snapshot();
    let plugin = snapshot
        .graders
        .get(&q.kind)
        .map(|stable| snapshot.serving(stable, user_id))
        .ok_or_else(|| GradeError::UnknownKind(q.kind.clone()))?;
    let submission = Submission {
        question: Question {
            kind: q.kind,
            prompt: q.prompt,
            options: q.options,
            answer_key: q.answer_key.get().to_owned(),
        },
        answer: request.answer.get().to_owned(),
        learner: None,
    };
    let on_behalf_of = user_id.map(OnBehalfOf::new);
    let grade = registry
        .runtime()
        .grade(&plugin, &submission, on_behalf_of.as_ref())
        .await;
    // The grader may turn a refused model call into any error; the learner is told why.
    let refusal = on_behalf_of.as_deref().and_then(OnBehalfOf::refusal);
    let grade = match (grade, refusal) {
        (Ok(Ok(g)), _) => Ok(g),
        (_, Some(refusal)) => return Err(GradeError::OverBudget(refusal)),
        (Ok(Err(e)), None) => Err(e),
        (Err(e), None) => return Err(e.into()),
    };
    let grader = GraderRef {
        id: plugin.manifest.id.clone(),
        version: plugin.manifest.version.clone(),
    };
    match grade {
        Ok(g) => {
            if !(0.0..=1.0).contains(&g.score) {
                // A contract violation by the plugin, not an internal error of the host.
                return Err(GradeError::Plugin(PluginError {
                    plugin: plugin.plugin_ref().clone(),
                    kind: PluginErrorKind::BadOutput(format!(
                        "score {} is outside 0.0..=1.0",
                        g.score
                    )),
                }));
            }
            // The grader's details must be a JSON object; anything else is its fault.
            let details = match g
                .details
                .as_deref()
                .map(serde_json::from_str::<serde_json::Value>)
            {
                None => None,
                Some(Ok(v @ serde_json::Value::Object(_))) => Some(v),
                Some(_) => {
                    return Err(GradeError::Plugin(PluginError {
                        plugin: plugin.plugin_ref().clone(),
                        kind: PluginErrorKind::BadOutput(
                            "grade details are not a JSON object".into(),
                        ),
                    }));
                }
            };
            Ok(GradeResponse {
                score: g.score,
                correct: g.correct,
                feedback: g.feedback,
                parts: g
                    .parts
                    .into_iter()
                    .map(|p| PartFeedback {
                        part: p.part,
                        correct: p.correct,
                        feedback: p.feedback,
                    })
                    .collect(),
                details,
                grader,
            })
        }
        Err(ContractError::InvalidInput(f)) => Err(GradeError::Invalid {
            field: f.field,
            message: f.message,
        }),
        Err(ContractError::Unsupported(message)) => Err(GradeError::Invalid {
            field: "question.kind".into(),
            message,
        }),
        Err(ContractError::Unavailable(message)) => Err(GradeError::Unavailable(message)),
        Err(ContractError::Internal(message)) => Err(GradeError::Internal {
            grader: grader.id,
            message,
        }),
    }
}
