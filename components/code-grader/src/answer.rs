//! The learner's answer to a `code_exercise`: `{"code": "…"}`.

use crate::fields::parse_object;
use crate::outcome::{Invalid, invalid};

/// Longest program accepted, in bytes (the sandbox's limit).
pub const MAX_CODE_BYTES: usize = 64 * 1024;
/// Path of the code in the submission.
pub const CODE: &str = "answer.code";

/// Parses the answer and checks the code is something the sandbox accepts.
pub fn parse(json: &str) -> Result<String, Invalid> {
    let mut f = parse_object(json, "answer", r#"{"code": "def add(a, b): …"}"#)?;
    let code = f.string("code")?;
    f.finish()?;
    if code.len() > MAX_CODE_BYTES {
        return Err(invalid(
            CODE,
            format!(
                "is {} bytes; at most {MAX_CODE_BYTES} bytes (64 KiB) are accepted",
                code.len()
            ),
        ));
    }
    if let Some(at) = code.find('\0') {
        return Err(invalid(
            CODE,
            format!("contains a NUL character (at byte {at}); source code cannot"),
        ));
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code() {
        assert_eq!(
            parse(r#"{"code": "def add(a, b):\n    return a + b\n"}"#).unwrap(),
            "def add(a, b):\n    return a + b\n"
        );
        assert_eq!(parse(r#"{"code": ""}"#).unwrap(), "");
    }

    #[test]
    fn missing_ill_typed_and_unknown_fields() {
        let cases = [
            ("{}", "answer.code", "is missing: a string is required"),
            (
                r#"{"code": 42}"#,
                "answer.code",
                "must be a string, not a number",
            ),
            (
                r#"{"code": null}"#,
                "answer.code",
                "is missing: a string is required",
            ),
            (
                r#"{"code": "x", "lang": "python"}"#,
                "answer.lang",
                "is not a known field here (known: `code`)",
            ),
            (
                r#""print(1)""#,
                "answer",
                r#"must be an object like {"code": "def add(a, b): …"}, not a string"#,
            ),
        ];
        for (json, field, message) in cases {
            let e = parse(json).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.message.as_str()),
                (field, message),
                "{json}"
            );
        }
    }

    #[test]
    fn size_and_nul() {
        let at_limit = "#".repeat(MAX_CODE_BYTES);
        assert!(parse(&serde_json::json!({ "code": at_limit }).to_string()).is_ok());
        let over = "#".repeat(MAX_CODE_BYTES + 1);
        let e = parse(&serde_json::json!({ "code": over }).to_string()).unwrap_err();
        assert_eq!(e.field, "answer.code");
        assert!(e.message.starts_with("is 65537 bytes"), "{e:?}");
        let e = parse(r#"{"code": "x = 1\u0000"}"#).unwrap_err();
        assert_eq!(e.field, "answer.code");
        assert!(e.message.contains("NUL"), "{e:?}");
    }
}
