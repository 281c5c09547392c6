//! Correctness remarks from a real model, added to the checker's findings. The rating
//! stays the checker's: a model's opinion never moves a learner's mastery. The offline
//! model's placeholder text is never shown, and a reply that fails the checks here is
//! dropped whole.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tessera_plugin_sdk::model::{ChatRequest, Llm, Message, OFFLINE_MODEL, Role};

use crate::finding::Finding;

/// The gateway feature this agent's calls are routed and budgeted under.
pub const FEATURE: &str = "code-review";
/// Most remarks kept.
pub const MAX_REMARKS: usize = 5;
/// Longest remark kept, in characters.
pub const MAX_REMARK_CHARS: usize = 400;

/// One correctness remark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remark {
    /// The line it is about (0: the whole program).
    pub line: u32,
    /// The remark.
    pub remark: String,
}

/// Remarks a model made, and which model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remarks {
    /// The model's id.
    pub model: String,
    /// The remarks that passed the checks (possibly none: the code looked right to it).
    pub remarks: Vec<Remark>,
}

/// The JSON Schema the model's reply must satisfy.
pub fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "remarks": {
                "type": "array",
                "maxItems": MAX_REMARKS,
                "items": {
                    "type": "object",
                    "properties": {
                        "line": {"type": "integer", "minimum": 0},
                        "remark": {"type": "string", "minLength": 1, "maxLength": MAX_REMARK_CHARS}
                    },
                    "required": ["line", "remark"],
                    "additionalProperties": false
                }
            }
        },
        "required": ["remarks"],
        "additionalProperties": false
    })
}

const INSTRUCTIONS: &str = "You review a Python learner's code for correctness only: bugs, \
wrong results, unhandled edge cases, misuse of the language. Style, naming and PEP 8 are \
checked separately; do not mention them. Give at most 5 short, specific remarks, each \
with the line it is about (0 for the whole program), and say how to fix it without \
rewriting the whole solution. If the code is correct, return an empty list. Reply with \
JSON only: {\"remarks\": [{\"line\": 3, \"remark\": \"...\"}]}.";

/// The request asking for remarks on `code`, given the learner's question and what the
/// checker already said.
pub fn request(code: &str, question: &str, findings: &[Finding]) -> ChatRequest {
    let numbered: String = code
        .lines()
        .enumerate()
        .map(|(i, line)| format!("{:>4} | {line}\n", i + 1))
        .collect();
    let already: String = findings
        .iter()
        .take(20)
        .map(|f| format!("- line {}: {}\n", f.line, f.message))
        .collect();
    let user = format!(
        "The learner asked: {question}\n\nTheir code, with line numbers:\n{numbered}\n\
         The automatic checker already reported:\n{}",
        if already.is_empty() {
            "- nothing\n".to_owned()
        } else {
            already
        }
    );
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
        max_tokens: Some(700),
        temperature: Some(0.2),
        response_schema: schema(),
        allow_cache: true,
    }
}

/// Asks `llm` for remarks; `None` when the model is the offline one, fails, or replies
/// with something that does not pass the checks (the review stands without them).
pub fn ask(
    llm: &mut impl Llm,
    code: &str,
    question: &str,
    findings: &[Finding],
) -> Option<Remarks> {
    let reply = llm.complete(&request(code, question, findings)).ok()?;
    if reply.model == OFFLINE_MODEL {
        return None;
    }
    let lines = u32::try_from(code.lines().count()).unwrap_or(u32::MAX);
    parse(&reply.content, lines).map(|remarks| Remarks {
        model: reply.model,
        remarks,
    })
}

/// The remarks of a model's reply, if every one is usable: a line within the code, a
/// non-empty remark within the length; at most [`MAX_REMARKS`] are kept.
pub fn parse(content: &str, lines: u32) -> Option<Vec<Remark>> {
    #[derive(Deserialize)]
    struct Reply {
        remarks: Vec<Remark>,
    }
    let reply: Reply = serde_json::from_str(content.trim()).ok()?;
    let usable = reply.remarks.iter().all(|r| {
        let text = r.remark.trim();
        r.line <= lines && !text.is_empty() && text.chars().count() <= MAX_REMARK_CHARS
    });
    usable.then(|| {
        reply
            .remarks
            .into_iter()
            .take(MAX_REMARKS)
            .map(|r| Remark {
                line: r.line,
                remark: r.remark.trim().to_owned(),
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usable_replies_are_kept() {
        let r = parse(
            r#"{"remarks": [{"line": 2, "remark": " Off by one. "}]}"#,
            3,
        )
        .unwrap();
        assert_eq!(
            r,
            vec![Remark {
                line: 2,
                remark: "Off by one.".into()
            }]
        );
        assert_eq!(parse(r#"{"remarks": []}"#, 3).unwrap(), vec![]);
    }

    #[test]
    fn unusable_replies_are_dropped_whole() {
        assert!(parse(r#"{"remarks": [{"line": 9, "remark": "x"}]}"#, 3).is_none());
        assert!(parse(r#"{"remarks": [{"line": 1, "remark": "  "}]}"#, 3).is_none());
        assert!(parse("the code is fine", 3).is_none());
        let long = format!(
            r#"{{"remarks": [{{"line": 1, "remark": "{}"}}]}}"#,
            "a".repeat(401)
        );
        assert!(parse(&long, 3).is_none());
    }

    #[test]
    fn the_prompt_numbers_lines_and_lists_what_the_checker_found() {
        let r = request("x = 1\ny = 2", "is this ok?", &[]);
        assert_eq!(r.feature, FEATURE);
        assert!(r.messages[1].content.contains("   2 | y = 2"));
        assert!(r.messages[1].content.contains("- nothing"));
        assert!(!r.response_schema.is_null());
    }
}
