//! The learner's work for a `mini_project`: `{"code"?, "text"?, "files"?, "url"?}`, at least
//! one of them non-blank, at most 64 KiB in all.

use serde_json::Value;

use crate::fields::{describe, parse_object};
use crate::outcome::{Invalid, invalid};

/// Where the answer sits in the submission.
pub const ANSWER: &str = "answer";
/// Most bytes of work accepted in all (code, text, file names and contents, url): it all
/// goes into one prompt, and the gateway's prompt limit is 64 KiB by default.
pub const MAX_TOTAL_BYTES: usize = 64 * 1024;
/// Most files in `files`.
pub const MAX_FILES: usize = 50;
/// Longest file name, in bytes.
pub const MAX_FILE_NAME_BYTES: usize = 255;
/// Longest url, in bytes.
pub const MAX_URL_BYTES: usize = 2048;

/// The learner's work, checked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Payload {
    /// Source code, `""` when none.
    pub code: String,
    /// Prose (a write-up, answers), `""` when none.
    pub text: String,
    /// Files as (name, content), sorted by name.
    pub files: Vec<(String, String)>,
    /// A link to the work (a repository, a deployed page), `""` when none. The grader does
    /// not fetch it: the model sees only the address.
    pub url: String,
}

impl Payload {
    /// Every piece of text the learner sent, for the offline heuristic.
    pub fn all_text(&self) -> String {
        let mut all = vec![self.code.as_str(), self.text.as_str(), self.url.as_str()];
        for (name, content) in &self.files {
            all.push(name);
            all.push(content);
        }
        all.join("\n")
    }
}

/// The path of file `name` in `answer.files`, quoted because names hold dots.
pub fn file_field(name: &str) -> String {
    format!("{ANSWER}.files[{}]", Value::String(name.to_owned()))
}

/// Parses the answer and checks it holds some work, within the size limit.
pub fn parse(json: &str) -> Result<Payload, Invalid> {
    let mut f = parse_object(
        json,
        ANSWER,
        r#"{"code": "…", "text": "…", "files": {"main.py": "…"}, "url": "https://…"}"#,
    )?;
    let code = f.opt_string("code")?.unwrap_or_default();
    let text = f.opt_string("text")?.unwrap_or_default();
    let files_map = f.opt_object("files")?.unwrap_or_default();
    let url = f.opt_string("url")?.unwrap_or_default();
    f.finish()?;

    let field = |name: &str| format!("{ANSWER}.{name}");
    for (name, value) in [("code", &code), ("text", &text)] {
        if value.len() > MAX_TOTAL_BYTES {
            return Err(too_big(&field(name), value.len()));
        }
    }
    if files_map.len() > MAX_FILES {
        return Err(invalid(
            &field("files"),
            format!(
                "holds {} files; at most {MAX_FILES} are accepted",
                files_map.len()
            ),
        ));
    }
    let mut files = Vec::with_capacity(files_map.len());
    for (name, content) in files_map {
        if name.trim().is_empty() || name.len() > MAX_FILE_NAME_BYTES {
            return Err(invalid(
                &file_field(&name),
                format!("a file name must be 1-{MAX_FILE_NAME_BYTES} bytes"),
            ));
        }
        match content {
            Value::String(s) if s.len() > MAX_TOTAL_BYTES => {
                return Err(too_big(&file_field(&name), s.len()));
            }
            Value::String(s) => files.push((name, s)),
            other => {
                return Err(invalid(
                    &file_field(&name),
                    format!("must be the file's text, not {}", describe(&other)),
                ));
            }
        }
    }
    // By name, whatever order the map kept (serde_json's `preserve_order` may be on in a
    // workspace build): the prompt, and so the cache key, must not depend on it.
    files.sort();
    if !url.is_empty() {
        let lower = url.to_ascii_lowercase();
        if url.len() > MAX_URL_BYTES
            || !(lower.starts_with("https://") || lower.starts_with("http://"))
            || url.chars().any(char::is_whitespace)
        {
            return Err(invalid(
                &field("url"),
                format!("must be an http(s) address of at most {MAX_URL_BYTES} bytes"),
            ));
        }
    }

    let payload = Payload {
        code,
        text,
        files,
        url,
    };
    let total = payload.code.len()
        + payload.text.len()
        + payload.url.len()
        + payload
            .files
            .iter()
            .map(|(n, c)| n.len() + c.len())
            .sum::<usize>();
    if total > MAX_TOTAL_BYTES {
        return Err(too_big(ANSWER, total));
    }
    let blank = payload.code.trim().is_empty()
        && payload.text.trim().is_empty()
        && payload.url.is_empty()
        && payload.files.iter().all(|(_, c)| c.trim().is_empty());
    if blank {
        return Err(invalid(
            ANSWER,
            "holds no work: send at least one non-empty `code`, `text`, `files` or `url`",
        ));
    }
    Ok(payload)
}

fn too_big(field: &str, bytes: usize) -> Invalid {
    invalid(
        field,
        format!("is {bytes} bytes; at most {MAX_TOTAL_BYTES} bytes (64 KiB) are accepted in all"),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_kind_of_work() {
        let p = parse(
            r#"{"code": "print(1)", "text": "My notes", "files": {"b.py": "x", "a.md": "y"},
                "url": "https://example.com/repo"}"#,
        )
        .unwrap();
        assert_eq!(p.code, "print(1)");
        assert_eq!(p.text, "My notes");
        // Sorted by name, so the prompt does not depend on key order.
        assert_eq!(
            p.files,
            [("a.md".into(), "y".into()), ("b.py".into(), "x".into())]
        );
        assert_eq!(p.url, "https://example.com/repo");
        assert!(p.all_text().contains("a.md\ny"));
        assert_eq!(
            parse(r#"{"text": "only prose", "code": null}"#)
                .unwrap()
                .code,
            ""
        );
    }

    #[test]
    fn field_errors_name_the_field() {
        let cases = [
            (
                json!("print(1)").to_string(),
                "answer",
                "must be an object like",
            ),
            ("{}".into(), "answer", "holds no work"),
            (
                json!({"code": "  \n", "files": {"a": ""}}).to_string(),
                "answer",
                "holds no work",
            ),
            (
                json!({"code": 1}).to_string(),
                "answer.code",
                "must be a string, not a number",
            ),
            (
                json!({"text": ["a"]}).to_string(),
                "answer.text",
                "must be a string, not an array",
            ),
            (
                json!({"files": "a"}).to_string(),
                "answer.files",
                "must be an object, not a string",
            ),
            (
                json!({"files": {"main.py": 3}}).to_string(),
                "answer.files[\"main.py\"]",
                "must be the file's text, not a number",
            ),
            (
                json!({"files": {"": "x"}}).to_string(),
                "answer.files[\"\"]",
                "a file name must be",
            ),
            (
                json!({"url": "ftp://x"}).to_string(),
                "answer.url",
                "must be an http(s) address",
            ),
            (
                json!({"code": "x", "link": "y"}).to_string(),
                "answer.link",
                "is not a known field here",
            ),
        ];
        for (json, field, message) in cases {
            let e = parse(&json).unwrap_err();
            assert_eq!(e.field, field, "{json}");
            assert!(e.message.starts_with(message), "{json}: {e:?}");
        }
    }

    #[test]
    fn size_limits() {
        let half = "x".repeat(MAX_TOTAL_BYTES / 2);
        // Each part fits, together they do not: the whole answer is named.
        let e = parse(&json!({"code": half, "text": format!("{half}!")}).to_string()).unwrap_err();
        assert_eq!(e.field, "answer");
        assert!(e.message.starts_with("is 65537 bytes"), "{e:?}");
        let all = "x".repeat(MAX_TOTAL_BYTES + 1);
        let e = parse(&json!({ "code": all }).to_string()).unwrap_err();
        assert_eq!(e.field, "answer.code");
        let e = parse(&json!({"files": {"big.txt": all}}).to_string()).unwrap_err();
        assert_eq!(e.field, "answer.files[\"big.txt\"]");
        let exact = "x".repeat(MAX_TOTAL_BYTES);
        assert!(parse(&json!({ "text": exact }).to_string()).is_ok());
    }
}
