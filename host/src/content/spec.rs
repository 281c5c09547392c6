//! A step's kind and its kind's data (`spec`) as types. The database keeps the spec as the
//! JSON it always held (`{}`, `{question, explanation}`, `{language, starter_code,
//! solution, tests}` or `{rubric}`, beside the `kind` column); a pack import builds the
//! typed form from checked files and the store parses it back when content is read, so
//! the learning services never index JSON.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::codec::text_enum;

text_enum! {
    /// A content step's kind: stored in `steps.kind` and sent as a step's `kind`.
    pub enum StepKind as "step kind" {
        /// Text to read.
        Explanation = "explanation",
        /// A question graded by the grader claiming its kind.
        Quiz = "quiz",
        /// Code run against hidden tests.
        CodeExercise = "code_exercise",
        /// A project graded against a rubric.
        MiniProject = "mini_project",
    }
}

impl StepKind {
    /// The REST route that answers a step of this kind, with `{id}` for the step id.
    pub fn answer_route(self) -> &'static str {
        match self {
            StepKind::Explanation => "POST /api/v1/steps/{id}/complete",
            StepKind::Quiz => "POST /api/v1/steps/{id}/quiz",
            StepKind::CodeExercise => "POST /api/v1/exercises/{id}/submit",
            StepKind::MiniProject => "POST /api/v1/projects/{id}/submissions",
        }
    }

    /// The path that answers step `id` of this kind.
    pub fn answer_path(self, id: &str) -> String {
        let route = self.answer_route();
        route
            .strip_prefix("POST ")
            .unwrap_or(route)
            .replace("{id}", id)
    }
}

/// A step's kind-specific data.
#[derive(Debug, Clone, PartialEq)]
pub enum StepSpec {
    /// An explanation has none (its text is the step's body).
    Explanation,
    /// A quiz's question and explanation.
    Quiz(QuizSpec),
    /// A code exercise's language, starter code, solution and tests.
    CodeExercise(CodeSpec),
    /// A mini-project's rubric.
    MiniProject(ProjectSpec),
}

/// A quiz step's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizSpec {
    /// The question, as `POST /api/v1/grade` takes it.
    pub question: Question,
    /// Shown after answering.
    #[serde(default)]
    pub explanation: String,
}

/// A quiz question with its answer key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Question kind, e.g. `multiple_choice`: the grader claiming it grades the answer.
    pub kind: String,
    /// The prompt.
    pub prompt: String,
    /// Options of a choice question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    /// The kind's answer key (an object; what it holds is the grader's business).
    pub answer_key: Value,
    /// Fields the host does not read, kept as written.
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

/// A code exercise's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeSpec {
    /// The language the tests run in.
    #[serde(default = "python")]
    pub language: String,
    /// Code the editor starts with.
    #[serde(default)]
    pub starter_code: String,
    /// A reference solution: never served.
    #[serde(default)]
    pub solution: Option<String>,
    /// Hidden tests, in the sandbox's run-tests shape (docs/sandbox.md).
    #[serde(default)]
    pub tests: Vec<Value>,
}

fn python() -> String {
    "python".into()
}

/// A mini-project's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectSpec {
    /// The rubric's criteria.
    pub rubric: Vec<RubricCriterion>,
}

/// One rubric criterion of a mini-project.
#[derive(
    Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema, async_graphql::SimpleObject,
)]
#[serde(deny_unknown_fields)]
pub struct RubricCriterion {
    /// Criterion id.
    pub id: String,
    /// What is judged.
    pub criterion: String,
    /// Points it is worth.
    pub points: u32,
    /// What earns the points.
    #[serde(default)]
    #[schema(required = true)]
    pub description: String,
}

impl StepSpec {
    /// The kind this data belongs to.
    pub fn kind(&self) -> StepKind {
        match self {
            StepSpec::Explanation => StepKind::Explanation,
            StepSpec::Quiz(_) => StepKind::Quiz,
            StepSpec::CodeExercise(_) => StepKind::CodeExercise,
            StepSpec::MiniProject(_) => StepKind::MiniProject,
        }
    }

    /// A quiz's data.
    pub fn as_quiz(&self) -> Option<&QuizSpec> {
        match self {
            StepSpec::Quiz(q) => Some(q),
            _ => None,
        }
    }

    /// A code exercise's data.
    pub fn as_code(&self) -> Option<&CodeSpec> {
        match self {
            StepSpec::CodeExercise(c) => Some(c),
            _ => None,
        }
    }

    /// A mini-project's data.
    pub fn as_project(&self) -> Option<&ProjectSpec> {
        match self {
            StepSpec::MiniProject(p) => Some(p),
            _ => None,
        }
    }

    /// The stored JSON `json` of a step of `kind`.
    pub fn parse(kind: StepKind, json: &str) -> Result<StepSpec, serde_json::Error> {
        Ok(match kind {
            StepKind::Explanation => StepSpec::Explanation,
            StepKind::Quiz => StepSpec::Quiz(serde_json::from_str(json)?),
            StepKind::CodeExercise => StepSpec::CodeExercise(serde_json::from_str(json)?),
            StepKind::MiniProject => StepSpec::MiniProject(serde_json::from_str(json)?),
        })
    }

    /// The JSON stored for it. Through `Value`, so keys come out sorted as they always
    /// were.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        let value = match self {
            StepSpec::Explanation => Value::Object(Default::default()),
            StepSpec::Quiz(q) => serde_json::to_value(q)?,
            StepSpec::CodeExercise(c) => serde_json::to_value(c)?,
            StepSpec::MiniProject(p) => serde_json::to_value(p)?,
        };
        Ok(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON an import stored before specs were typed reads back and is written again
    /// byte for byte.
    #[test]
    fn stored_specs_round_trip_unchanged() {
        let stored = [
            (StepKind::Explanation, "{}"),
            (
                StepKind::Quiz,
                r#"{"explanation":"Because.","question":{"answer_key":{"correct":[1]},"kind":"multiple_choice","options":["a","b"],"prompt":"Pick b","topic":"x"}}"#,
            ),
            (
                StepKind::CodeExercise,
                r#"{"language":"python","solution":null,"starter_code":"def f():\n","tests":[{"assert":"f() == 1","name":"one"}]}"#,
            ),
            (
                StepKind::MiniProject,
                r#"{"rubric":[{"criterion":"Works","description":"","id":"works","points":3}]}"#,
            ),
        ];
        for (kind, json) in stored {
            let spec = StepSpec::parse(kind, json).unwrap();
            assert_eq!(spec.kind(), kind);
            assert_eq!(spec.to_json().unwrap(), json);
        }
    }

    #[test]
    fn answer_paths_name_the_step() {
        assert_eq!(
            StepKind::CodeExercise.answer_path("l.ex"),
            "/api/v1/exercises/l.ex/submit"
        );
        assert_eq!(
            "mini_project".parse::<StepKind>(),
            Ok(StepKind::MiniProject)
        );
        assert!("code".parse::<StepKind>().is_err());
    }
}
