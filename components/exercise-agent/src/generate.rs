//! Exercises from a real model: the request (with the base exercise for a variation, and
//! on the retry why the first attempt was rejected), the response schema, and reading the
//! reply into a draft. Whatever the model writes is validated like a bank exercise before
//! it is served; the offline model's placeholders are never used.

use serde::Deserialize;
use serde_json::{Value, json};
use tessera_plugin_sdk::model::{ChatRequest, Message, Role};

use crate::exercise::{Difficulty, Draft, Exercise, assertion};

/// The gateway feature the calls are routed and budgeted under.
pub const FEATURE: &str = "exercise-generation";

/// The JSON Schema the model's reply must satisfy.
pub fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": 120},
            "prompt": {"type": "string", "minLength": 20, "maxLength": 4000},
            "starter_code": {"type": "string", "maxLength": 4000},
            "reference_solution": {"type": "string", "minLength": 1, "maxLength": 8000},
            "tests": {
                "type": "array",
                "minItems": 2,
                "maxItems": 12,
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string", "minLength": 1, "maxLength": 200},
                        "assertion": {"type": "string", "minLength": 3, "maxLength": 1000}
                    },
                    "required": ["name", "assertion"],
                    "additionalProperties": false
                }
            },
            "hints": {"type": "array", "maxItems": 3, "items": {"type": "string", "maxLength": 300}}
        },
        "required": ["title", "prompt", "starter_code", "reference_solution", "tests"],
        "additionalProperties": false
    })
}

const INSTRUCTIONS: &str = "You write Python exercises for learners. Reply with JSON only, \
matching the schema: a short title; a Markdown prompt that states exactly what to write \
(function names, parameters, return values, edge cases) with at most one worked example, \
never the solution and never the tests; starter_code with the function signatures and \
`pass`; a correct reference_solution that defines at least one function, uses only the \
standard library, reads no input, opens no files and uses no network; and 4 to 8 hidden \
tests. Each test's assertion is ONE Python expression (no `assert` keyword) of the form \
`actual == expected`, where the left side calls the learner's code and the right side is \
a literal value (numbers, strings, lists, tuples, dicts, sets, booleans, None) that does \
not depend on the learner's code, e.g. `count_vowels(\"banana\") == 3`. Compare built-in \
values only: to test a class, compare what it holds (`Stack().size() == 0`), never an \
object. Cover normal cases and edge cases (empty input, zero, negatives). Optionally give \
up to 3 hints, gentlest first, that do not reveal the solution.";

/// The request for an exercise on `topic` at `difficulty`; a variation of `base` when
/// given; `rejected` says why the previous attempt was not used.
pub fn request(
    topic: &str,
    difficulty: Difficulty,
    base: Option<&Exercise>,
    rejected: Option<&str>,
) -> ChatRequest {
    let mut user = match base {
        Some(b) => format!(
            "Write a VARIATION of this {} exercise on `{}`: the same skill, but different \
             names, story and numbers, so a learner who solved it cannot reuse the answer \
             unchanged.\n\nTitle: {}\nPrompt:\n{}\nReference solution:\n{}\n",
            difficulty.label(),
            topic,
            b.title,
            b.prompt,
            b.reference_solution
        ),
        None => format!(
            "Write a new {} Python exercise on the topic `{topic}`.",
            difficulty.label()
        ),
    };
    if let Some(why) = rejected {
        user.push_str(&format!(
            "\n\nYour previous exercise was rejected: {why}. Write a corrected one."
        ));
    }
    ChatRequest {
        feature: FEATURE.into(),
        messages: vec![
            Message {
                role: Role::System,
                content: INSTRUCTIONS.into(),
            },
            Message {
                role: Role::User,
                content: user,
            },
        ],
        max_tokens: Some(2000),
        temperature: Some(0.7),
        response_schema: schema(),
        // A retry, or another learner's turn, should get a fresh exercise.
        allow_cache: false,
    }
}

#[derive(Deserialize)]
struct Reply {
    title: String,
    prompt: String,
    #[serde(default)]
    starter_code: String,
    reference_solution: String,
    tests: Vec<ReplyTest>,
    #[serde(default)]
    hints: Vec<String>,
}

#[derive(Deserialize)]
struct ReplyTest {
    #[serde(default)]
    name: String,
    assertion: String,
}

/// The draft in a model's reply, or why it cannot be one.
pub fn parse(content: &str, topic: &str, difficulty: Difficulty) -> Result<Draft, String> {
    let reply: Reply = serde_json::from_str(content.trim())
        .map_err(|e| format!("the reply is not the exercise JSON asked for ({e})"))?;
    let tests = reply
        .tests
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let name = if t.name.trim().is_empty() {
                format!("check {}", i + 1)
            } else {
                t.name.trim().to_owned()
            };
            // Models often write the keyword the contract leaves out.
            let expression = t.assertion.trim();
            let expression = expression
                .strip_prefix("assert ")
                .unwrap_or(expression)
                .trim();
            assertion(&name, expression)
        })
        .collect();
    Ok(Draft {
        exercise: Exercise {
            title: reply.title.trim().to_owned(),
            prompt: reply.prompt.trim().to_owned(),
            topic: topic.into(),
            difficulty: difficulty.label().into(),
            starter_code: reply.starter_code,
            reference_solution: reply.reference_solution,
            tests,
        },
        hints: reply
            .hints
            .into_iter()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .take(3)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_becomes_a_draft() {
        let content = r#"{"title": "Add", "prompt": "Write add(a, b) returning the sum.",
            "starter_code": "def add(a, b):\n    pass\n",
            "reference_solution": "def add(a, b):\n    return a + b\n",
            "tests": [{"name": "", "assertion": "assert add(1, 2) == 3"},
                      {"name": "negatives", "assertion": "add(-1, -2) == -3"}],
            "hints": ["Use +.", " "]}"#;
        let d = parse(content, "python.functions", Difficulty::Easy).unwrap();
        assert_eq!(d.exercise.tests[0].name, "check 1");
        assert_eq!(
            d.exercise.tests[0].assertion.as_deref(),
            Some("add(1, 2) == 3")
        );
        assert_eq!(d.exercise.tests[1].name, "negatives");
        assert_eq!(d.hints, vec!["Use +."]);
        assert_eq!(d.exercise.difficulty, "easy");
        assert!(parse("not json", "general", Difficulty::Easy).is_err());
    }

    #[test]
    fn a_variation_request_carries_the_base_and_the_retry_says_why() {
        let base = Exercise {
            title: "Count vowels".into(),
            prompt: "Write count_vowels(s).".into(),
            topic: "python.strings".into(),
            difficulty: "easy".into(),
            starter_code: String::new(),
            reference_solution: "def count_vowels(s): ...".into(),
            tests: vec![],
        };
        let r = request(
            "python.strings",
            Difficulty::Easy,
            Some(&base),
            Some("the reference fails test 'x'"),
        );
        assert_eq!(r.feature, FEATURE);
        assert!(r.messages[1].content.contains("VARIATION"));
        assert!(r.messages[1].content.contains("Count vowels"));
        assert!(
            r.messages[1]
                .content
                .contains("was rejected: the reference fails test 'x'")
        );
        assert!(!r.allow_cache);
    }
}
