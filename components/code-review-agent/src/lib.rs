//! The code-review agent (intent `code-review`): reviews a learner's Python for style and
//! correctness with an `ast`-based checker run in the sandbox, rates its quality from 0 to
//! 1 (`agent-reply.code-quality`, which feeds the code-quality term of mastery), and, with
//! a real model, adds the model's correctness remarks. README.md documents the checks, the
//! rating formula and the `data` shape.
//!
//! The rules live in plain modules, unit-tested natively with fakes: `source` picks the
//! code, `checker` runs `checker.py` and reads its report, `rating` rates it, `remarks`
//! asks the model, `review` writes the Markdown. [`respond`] is the turn; the `component`
//! module only adapts it to `tessera:platform/agent` and the real imports.

pub mod agent;
pub mod checker;
pub mod finding;
pub mod rating;
pub mod remarks;
pub mod review;
pub mod source;

use serde_json::json;
use tessera_plugin_sdk::model::Llm;
use tessera_plugin_sdk::sandbox::CodeRunner;

use agent::{AgentError, Reply, Request};

/// The agent's id (the plugin id).
pub const ID: &str = "code-review-agent";
/// The intent it answers.
pub const INTENT: &str = "code-review";

/// Reviews the code of `request`: the checker through `runner`, remarks through `llm`.
pub fn respond(
    request: &Request,
    runner: &mut impl CodeRunner,
    llm: &mut impl Llm,
) -> Result<Reply, AgentError> {
    let (code, from) = source::find(request.code.as_deref(), &request.messages)?;
    let question = request
        .messages
        .last()
        .map(|m| m.content.as_str())
        .unwrap_or_default();
    let checked = checker::read(&runner.run(&checker::request(&code)));
    let rating = checked
        .as_ref()
        .ok()
        // Prose taken for code does not parse: no rating rather than a false zero.
        .filter(|c| !(c.syntax_error && from == source::MESSAGE))
        .map(|c| rating::rate(&c.findings, &c.stats));
    let no_findings = Vec::new();
    let findings = checked.as_ref().map_or(&no_findings, |c| &c.findings);
    let remarks = remarks::ask(llm, &code, question, findings);

    let content = review::render(&checked, rating, remarks.as_ref());
    let data = json!({
        "source": from,
        "checker": match &checked {
            Ok(c) if c.syntax_error => "syntax_error",
            Ok(_) => "ok",
            Err(_) => "unavailable",
        },
        "checker_error": checked.as_ref().err(),
        "rating": rating,
        "findings": findings,
        "truncated": checked.as_ref().is_ok_and(|c| c.truncated),
        "stats": checked.as_ref().ok().map(|c| c.stats),
        "model": remarks.as_ref().map(|r| r.model.as_str()),
        "remarks": remarks.as_ref().map_or(&[][..], |r| r.remarks.as_slice()),
    });
    Ok(Reply {
        content,
        follow_ups: follow_ups(&checked, &request.topic),
        code_quality: rating,
        data,
    })
}

fn follow_ups(checked: &Result<checker::Checked, String>, topic: &str) -> Vec<String> {
    let mut out = Vec::new();
    match checked {
        Ok(c) if !c.findings.is_empty() => {
            out.push("How do I fix the first issue?".to_owned());
            out.push("Why does this matter?".to_owned());
        }
        Ok(_) => out.push("How could I make this code faster or shorter?".to_owned()),
        Err(_) => out.push("Review my code again".to_owned()),
    }
    if topic.starts_with("python.") {
        out.push(format!("Give me an exercise on {topic}"));
    } else {
        out.push("Give me an exercise to practise this".to_owned());
    }
    out
}

/// The component glue: built only for wasm32, where the exports and imports exist.
#[cfg(target_arch = "wasm32")]
mod component {
    use super::{ID, INTENT, respond};
    use crate::agent::{self as plain, AgentError};
    use tessera_plugin_sdk::model::{Message as PlainMessage, Role as PlainRole};

    wit_bindgen::generate!({
        path: "../../wit/0.2.0",
        world: "tessera:platform/agent-plugin@0.2.0",
        generate_all,
    });

    use exports::tessera::platform::agent::{AgentInfo, AgentReply, AgentRequest, Guest};
    use tessera::platform::types::{Error, FieldError, Role};

    tessera_plugin_sdk::code_runner_import!(tessera::platform::code_runner);
    tessera_plugin_sdk::llm_import!(tessera::platform::llm, tessera::platform::types);

    struct CodeReviewAgent;

    impl Guest for CodeReviewAgent {
        fn describe() -> AgentInfo {
            AgentInfo {
                id: ID.into(),
                name: "Code review".into(),
                description: "Reviews Python code for correctness and style: PEP 8 layout \
                    and naming, unused imports and variables, complexity, bare except, \
                    `== None`, mutable defaults, shadowed builtins and more, checked with \
                    Python's own parser in the sandbox; rates the code's quality from 0 to 1 \
                    and suggests one concrete next step."
                    .into(),
                intents: vec![INTENT.into()],
            }
        }

        fn respond(request: AgentRequest) -> Result<AgentReply, Error> {
            let plain_request = plain::Request {
                learner_id: request.learner.learner_id,
                messages: request
                    .messages
                    .into_iter()
                    .map(|m| PlainMessage {
                        role: match m.role {
                            Role::System => PlainRole::System,
                            Role::User => PlainRole::User,
                            Role::Assistant => PlainRole::Assistant,
                        },
                        content: m.content,
                    })
                    .collect(),
                topic: request.topic,
                code: request.code,
            };
            match respond(&plain_request, &mut Sandbox, &mut Gateway) {
                Ok(reply) => Ok(AgentReply {
                    content: reply.content,
                    follow_ups: reply.follow_ups,
                    code_quality: reply.code_quality,
                    exercise: None,
                    data: reply.data.to_string(),
                }),
                Err(AgentError::Invalid { field, message }) => {
                    Err(Error::InvalidInput(FieldError { field, message }))
                }
            }
        }
    }

    export!(CodeReviewAgent);
}

#[cfg(test)]
mod tests;
