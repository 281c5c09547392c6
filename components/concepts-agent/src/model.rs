//! A real model's explanation of the learner's actual question, at their level, with an
//! example program and the output it claims. It is used only when it came from a real
//! model (not the gateway's offline fallback `tessera-offline`, whose content is
//! placeholder text) and passes the checks; its example only once the sandbox printed the
//! claimed output.

use serde_json::json;

use crate::level::Level;
use crate::library::Topic;
use crate::llm::{ChatRequest, Llm, LlmError, Message, OFFLINE_MODEL, Role};

/// The longest explanation taken from a model, in characters.
const MAX_EXPLANATION: usize = 2500;
/// The longest example program taken from a model, in characters.
const MAX_EXAMPLE: usize = 4000;

/// What a model answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// An explanation, and an example with the output it claims (still to be run).
    Explained {
        /// The explanation (Markdown, no code blocks).
        explanation: String,
        /// The example program.
        example_code: String,
        /// What the model says it prints.
        expected_output: String,
        /// The model's name.
        model: String,
    },
    /// The safety gate stopped the question; the text to show instead.
    Blocked(String),
    /// No usable answer (offline model, an error, a reply failing the checks).
    Nothing,
}

fn audience(level: Level) -> &'static str {
    match level {
        Level::Beginner => {
            "a beginner who is new to this topic: plain words, one idea at a time, no jargon"
        }
        Level::Intermediate => {
            "an intermediate learner who knows the basics: the details, idioms and pitfalls \
             that come next"
        }
        Level::Advanced => {
            "an advanced learner: how it works underneath, trade-offs and advanced features"
        }
    }
}

/// Asks the model to explain `question` on `topic` at `level`.
pub fn explain(
    model: &mut impl Llm,
    question: &str,
    topic: &Topic,
    level: Level,
    tone: Option<&str>,
) -> Answer {
    let tone = tone
        .map(|t| format!(" Write in a {t} tone."))
        .unwrap_or_default();
    let system = format!(
        "You are a Python tutor. Explain the learner's question (topic: {name}) to {who}, \
         correctly and briefly: at most six sentences of Markdown, without code blocks. Then \
         give `example_code`: a short, self-contained Python 3 program that illustrates the \
         explanation and prints something, using only the standard library, with no \
         input() and no files; and `expected_output`: exactly what it prints.{tone}",
        name = topic.name,
        who = audience(level)
    );
    let request = ChatRequest {
        feature: "tutor".to_owned(),
        messages: vec![
            Message {
                role: Role::System,
                content: system,
            },
            Message {
                role: Role::User,
                content: question.to_owned(),
            },
        ],
        max_tokens: Some(1200),
        temperature: Some(0.3),
        response_schema: json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["explanation", "example_code", "expected_output"],
            "properties": {
                "explanation": {"type": "string", "maxLength": MAX_EXPLANATION},
                "example_code": {"type": "string", "maxLength": MAX_EXAMPLE},
                "expected_output": {"type": "string"}
            }
        }),
        allow_cache: true,
    };
    let reply = match model.complete(&request) {
        Ok(reply) if reply.model != OFFLINE_MODEL => reply,
        Ok(_) => return Answer::Nothing,
        Err(LlmError::Blocked(text)) => return Answer::Blocked(text),
        Err(_) => return Answer::Nothing,
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&reply.content) else {
        return Answer::Nothing;
    };
    let field = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let (Some(explanation), Some(example_code), Some(expected_output)) = (
        field("explanation"),
        field("example_code"),
        field("expected_output"),
    ) else {
        return Answer::Nothing;
    };
    let explanation = explanation.trim().to_owned();
    let fine = !explanation.is_empty()
        && explanation.chars().count() <= MAX_EXPLANATION
        && !explanation.contains("```")
        && example_code.chars().count() <= MAX_EXAMPLE;
    if !fine {
        return Answer::Nothing;
    }
    Answer::Explained {
        explanation,
        example_code,
        expected_output,
        model: reply.model,
    }
}
