//! Structured output: the JSON in a model's reply, and the repair turn sent when a reply
//! does not satisfy the request's `response-schema`. The schema itself is compiled and
//! checked by the `json-schema` crate.

use serde_json::Value;

/// The JSON in a model's reply: the text itself, or the inside of a ```` ```json … ``` ````
/// fence around it (or, failing that, of the first fenced block in it). Returns the bare
/// JSON text (what the caller gets as `content`) and its value; the error says why it is
/// not JSON.
pub fn extract_json(reply: &str) -> Result<(String, Value), String> {
    let text = reply.trim();
    let candidate = unfence(text).unwrap_or(text);
    let first = match serde_json::from_str::<Value>(candidate) {
        Ok(v) => return Ok((candidate.to_owned(), v)),
        Err(e) => e,
    };
    // Prose around a fenced block ("Here is the JSON: ```json … ```").
    if let Some(start) = text.find("```")
        && start > 0
        && let Some(inner) = unfence(&text[start..])
        && let Ok(v) = serde_json::from_str::<Value>(inner)
    {
        return Ok((inner.to_owned(), v));
    }
    Err(format!("the reply is not JSON: {first}"))
}

/// The inside of a code fence opening `text`, if it opens with one.
fn unfence(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("```")?;
    let body = match rest.find('\n') {
        // An info string (`json`, `JSON`, empty) ends the opening line.
        Some(nl) if rest[..nl].trim().chars().all(|c| c.is_ascii_alphanumeric()) => &rest[nl + 1..],
        _ => rest,
    };
    let body = match body.find("```") {
        Some(end) => &body[..end],
        None => body,
    };
    Some(body.trim())
}

/// The user turn of the repair attempt: what was wrong and what to reply instead.
pub fn repair_prompt(errors: &[String], schema: &Value) -> String {
    let mut prompt =
        String::from("Your previous reply does not satisfy the required JSON Schema:\n");
    for e in errors {
        prompt.push_str("- ");
        prompt.push_str(e);
        prompt.push('\n');
    }
    prompt.push_str(
        "Reply again with only the corrected JSON (no prose, no code fence) satisfying this JSON Schema: ",
    );
    prompt.push_str(&schema.to_string());
    prompt
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_is_extracted_from_fences_and_prose() {
        let (text, v) = extract_json("```json\n{\"a\": 1}\n```").unwrap();
        assert_eq!((text.as_str(), v), ("{\"a\": 1}", json!({"a": 1})));
        assert_eq!(extract_json("  [1, 2] ").unwrap().0, "[1, 2]");
        assert_eq!(extract_json("```\n[1]\n```\n").unwrap().0, "[1]");
        assert_eq!(extract_json("```{\"a\":2}```").unwrap().0, "{\"a\":2}");
        assert_eq!(
            extract_json("Here it is:\n```json\n{\"b\": true}\n```\nEnjoy!")
                .unwrap()
                .0,
            "{\"b\": true}"
        );
        assert!(
            extract_json("Sure! The answer is 4.")
                .unwrap_err()
                .starts_with("the reply is not JSON")
        );
    }

    #[test]
    fn the_repair_prompt_lists_errors_and_the_schema() {
        let p = repair_prompt(
            &[
                "/a: expected string, got integer".into(),
                "(root): missing required property `b`".into(),
            ],
            &json!({"type": "object"}),
        );
        assert_eq!(
            p,
            "Your previous reply does not satisfy the required JSON Schema:\n\
             - /a: expected string, got integer\n\
             - (root): missing required property `b`\n\
             Reply again with only the corrected JSON (no prose, no code fence) satisfying this JSON Schema: {\"type\":\"object\"}"
        );
    }
}
