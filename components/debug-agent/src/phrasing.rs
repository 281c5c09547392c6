//! A real model's wording for errors the rules don't know. The model is asked for one
//! rung's content only, and its text is used only when it came from a real model (not the
//! gateway's offline fallback) and passes the checks: before the last rung it may quote
//! only code that is already in the learner's program or error, so it cannot slip the
//! fix in.

use serde_json::{Value, json};

use crate::failure::Failure;
use crate::ladder::RUNGS;
use crate::llm::{ChatRequest, Llm, Message, OFFLINE_MODEL, Role};

/// The longest hint taken from a model, in characters.
const MAX_HINT: usize = 1500;

/// What each rung asks the model for.
fn rung_task(rung: u8) -> &'static str {
    match rung {
        1 => {
            "what this error means in plain words and where in the code to look. Do not say \
             what causes it in this code"
        }
        2 => "the likely cause of this error in this particular code. Do not say how to fix it",
        3 => {
            "one pointed question or hint that leads the learner to the fix without stating \
             it"
        }
        _ => "the fix: what to change and why, with the corrected program",
    }
}

fn system_prompt(rung: u8, tone: Option<&str>) -> String {
    let tone = tone
        .map(|t| format!(" Write in a {t} tone."))
        .unwrap_or_default();
    let rule = if rung < RUNGS {
        " Never give corrected code, never write a code block, and never say exactly which \
         change to make: the learner must find the fix. Quote only names and code that appear \
         in the learner's program or error."
    } else {
        " Give `fixed_code` as the whole corrected program."
    };
    format!(
        "You are a patient Python tutor helping a beginner debug. Hints come as a ladder of \
         {RUNGS} rungs; this is rung {rung}: give {task}. At most four sentences, Markdown \
         inline code for names.{rule}{tone}",
        task = rung_task(rung)
    )
}

fn user_prompt(error: &Failure, code: Option<&str>) -> String {
    let line = error
        .line
        .map(|l| format!(" (line {l})"))
        .unwrap_or_default();
    let code = code
        .map(|c| format!("\n\nMy code:\n```python\n{c}\n```"))
        .unwrap_or_default();
    format!(
        "I get this error{line}: {}: {}{code}",
        error.error_type, error.message
    )
}

fn ask(
    model: &mut impl Llm,
    rung: u8,
    error: &Failure,
    code: Option<&str>,
    tone: Option<&str>,
) -> Option<Value> {
    let schema = if rung < RUNGS {
        json!({"type": "object", "additionalProperties": false, "required": ["hint"],
               "properties": {"hint": {"type": "string", "maxLength": MAX_HINT}}})
    } else {
        json!({"type": "object", "additionalProperties": false,
               "required": ["explanation", "fixed_code"],
               "properties": {"explanation": {"type": "string", "maxLength": MAX_HINT},
                              "fixed_code": {"type": "string"}}})
    };
    let request = ChatRequest {
        feature: "tutor".to_owned(),
        messages: vec![
            Message {
                role: Role::System,
                content: system_prompt(rung, tone),
            },
            Message {
                role: Role::User,
                content: user_prompt(error, code),
            },
        ],
        max_tokens: Some(if rung < RUNGS { 300 } else { 1200 }),
        temperature: Some(0.2),
        response_schema: schema,
        allow_cache: true,
    };
    let reply = model.complete(&request).ok()?;
    if reply.model == OFFLINE_MODEL {
        return None;
    }
    serde_json::from_str(&reply.content).ok()
}

/// A real model's hint for rungs 1 to `RUNGS - 1`, if it passes the checks.
pub fn hint(
    model: &mut impl Llm,
    rung: u8,
    error: &Failure,
    code: Option<&str>,
    tone: Option<&str>,
) -> Option<String> {
    let value = ask(model, rung, error, code, tone)?;
    let text = value.get("hint")?.as_str()?.trim().to_owned();
    reveals_nothing(&text, error, code).then_some(text)
}

/// A real model's fix for the last rung: the explanation and the corrected program, still
/// to be verified.
pub fn fix(
    model: &mut impl Llm,
    error: &Failure,
    code: Option<&str>,
    tone: Option<&str>,
) -> Option<(String, String)> {
    let value = ask(model, RUNGS, error, code, tone)?;
    let explanation = value.get("explanation")?.as_str()?.trim().to_owned();
    let fixed = value.get("fixed_code")?.as_str()?.to_owned();
    let fine = !explanation.is_empty()
        && explanation.chars().count() <= MAX_HINT
        && !explanation.contains("```")
        && !fixed.trim().is_empty();
    fine.then_some((explanation, fixed))
}

/// Whether a hint keeps to the rules before the last rung: some text, not too long, no
/// code block, and inline code only from the learner's own program or error.
pub fn reveals_nothing(text: &str, error: &Failure, code: Option<&str>) -> bool {
    if text.is_empty() || text.chars().count() > MAX_HINT || text.contains("```") {
        return false;
    }
    let known = format!(
        "{} {} {}",
        error.error_type,
        error.message,
        code.unwrap_or("")
    );
    text.split('`')
        .skip(1)
        .step_by(2)
        .all(|span| known.contains(span.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_code_the_learner_has_may_be_quoted() {
        let e = Failure {
            error_type: "StopIteration".into(),
            message: String::new(),
            line: Some(2),
        };
        let code = Some("it = iter([])\nnext(it)\n");
        assert!(reveals_nothing(
            "The iterator `it` is empty when `next(it)` runs.",
            &e,
            code
        ));
        assert!(!reveals_nothing("Use `next(it, None)` instead.", &e, code));
        assert!(!reveals_nothing(
            "Try:\n```python\nnext(it, None)\n```",
            &e,
            code
        ));
        assert!(!reveals_nothing("", &e, code));
    }
}
