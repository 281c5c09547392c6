//! The answer key of a `code_exercise`: the hidden tests and the limits of each run
//! (shape in `docs/grading.md`).

use std::collections::HashMap;

use serde_json::Value;

use crate::fields::{Fields, parse_object};
use crate::outcome::{Invalid, invalid};

/// Where the answer key sits in the submission.
pub const KEY: &str = "question.answer_key";
/// Most tests in one answer key (the sandbox's limit for one test-case request).
pub const MAX_TESTS: usize = 50;
/// Longest test name, in bytes (the sandbox's limit).
pub const MAX_NAME_BYTES: usize = 200;
/// Longest stdin or expected stdout of a test, in bytes (the sandbox's stdin limit).
pub const MAX_STDIN_BYTES: usize = 1024 * 1024;
/// Longest assertion expression, in bytes (the sandbox's limit).
pub const MAX_ASSERT_BYTES: usize = 4 * 1024;
/// Longest setup of an assertion test, in bytes.
pub const MAX_SETUP_BYTES: usize = 16 * 1024;
/// Deadline of each test's run when the key sets none, in ms.
pub const DEFAULT_TIMEOUT_MS: u32 = 2_000;
/// Largest `timeout_ms` a key may ask for (the operator's maximum may lower it further).
pub const MAX_TIMEOUT_MS: u32 = 10_000;
/// Memory of each test's run when the key sets none, in MiB on top of the interpreter's.
pub const DEFAULT_MEMORY_MB: u32 = 32;
/// Largest `memory_mb` a key may ask for (the operator's maximum may lower it further).
pub const MAX_MEMORY_MB: u32 = 1024;
/// Largest `max_output_bytes` a key may ask for.
pub const MAX_OUTPUT_BYTES: u32 = 1024 * 1024;

/// A checked answer key.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerKey {
    /// Always `python` for now.
    pub language: String,
    /// The tests, in order.
    pub tests: Vec<Test>,
    /// Limits of every test's run.
    pub limits: Limits,
}

/// Limits asked of the sandbox for each test's run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Wall-clock deadline in ms.
    pub timeout_ms: u32,
    /// Memory for the learner's code in MiB.
    pub memory_mb: u32,
    /// Cap on each of stdout and stderr in bytes; `None` is the sandbox's default.
    pub max_output_bytes: Option<u32>,
}

/// One hidden test.
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    /// Shown in results; unique within the key.
    pub name: String,
    /// Share of the score; 0 reports the test without counting it.
    pub weight: f64,
    /// Whether the learner may see the test's input, expected and actual values and output.
    pub hidden: bool,
    /// Standard input of the run.
    pub stdin: String,
    /// What decides a pass.
    pub check: Check,
}

/// What a test checks.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// The program's stdout equals this, ignoring trailing whitespace per line and trailing
    /// blank lines.
    Output {
        /// The expected standard output.
        expected_stdout: String,
    },
    /// After the program (and `setup`) ran, this Python expression is true.
    Assert {
        /// The expression, e.g. `add(2, 3) == 5`.
        expression: String,
        /// Python statements run after the learner's code and before the expression.
        setup: Option<String>,
    },
}

impl Check {
    /// The kind's name in the answer key and in results.
    pub fn kind(&self) -> &'static str {
        match self {
            Check::Output { .. } => "output",
            Check::Assert { .. } => "assert",
        }
    }
}

/// The path of test `index`'s field `name`.
pub fn test_field(index: usize, name: &str) -> String {
    format!("{KEY}.tests[{index}].{name}")
}

/// Parses and checks an answer key.
pub fn parse(json: &str) -> Result<AnswerKey, Invalid> {
    let mut f = parse_object(
        json,
        KEY,
        r#"{"language": "python", "tests": [{"kind": "output", "stdin": "…", "expected_stdout": "…"}]}"#,
    )?;
    let language = f.opt_string("language")?.unwrap_or_else(|| "python".into());
    if language != "python" {
        return Err(invalid(
            &f.path("language"),
            format!("`{language}` is not graded; only `python` is"),
        ));
    }
    let items = f.array("tests")?;
    let limits = Limits {
        timeout_ms: f
            .opt_u32_within("timeout_ms", 1, MAX_TIMEOUT_MS)?
            .unwrap_or(DEFAULT_TIMEOUT_MS),
        memory_mb: f
            .opt_u32_within("memory_mb", 1, MAX_MEMORY_MB)?
            .unwrap_or(DEFAULT_MEMORY_MB),
        max_output_bytes: f.opt_u32_within("max_output_bytes", 1, MAX_OUTPUT_BYTES)?,
    };
    f.finish()?;

    let tests_field = format!("{KEY}.tests");
    if items.is_empty() || items.len() > MAX_TESTS {
        return Err(invalid(
            &tests_field,
            format!(
                "holds {} tests; between 1 and {MAX_TESTS} are accepted",
                items.len()
            ),
        ));
    }
    let tests = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| parse_test(i, item))
        .collect::<Result<Vec<_>, _>>()?;

    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, t) in tests.iter().enumerate() {
        if let Some(first) = seen.insert(&t.name, i) {
            return Err(invalid(
                &test_field(i, "name"),
                format!(
                    "`{}` is already the name of tests[{first}]; names must differ",
                    t.name
                ),
            ));
        }
    }
    if !tests.iter().any(|t| t.weight > 0.0) {
        return Err(invalid(
            &tests_field,
            "every test has weight 0; at least one must count",
        ));
    }
    Ok(AnswerKey {
        language,
        tests,
        limits,
    })
}

fn parse_test(i: usize, item: Value) -> Result<Test, Invalid> {
    // Without `kind`, the sandbox's run-tests shape decides (docs/sandbox.md): a test with
    // `assert` is an assertion, any other an output test; content packs write tests so.
    let inferred = if item.get("assert").is_some() {
        "assert"
    } else {
        "output"
    };
    let mut f = Fields::new(
        item,
        &format!("{KEY}.tests[{i}]"),
        r#"{"name": "…", "kind": "output", "stdin": "…", "expected_stdout": "…"}"#,
    )?;
    let name = f
        .opt_string("name")?
        .unwrap_or_else(|| format!("test {}", i + 1));
    if name.trim().is_empty() || name.len() > MAX_NAME_BYTES {
        return Err(invalid(
            &f.path("name"),
            format!("must be 1 to {MAX_NAME_BYTES} bytes of text"),
        ));
    }
    let weight = f.opt_number("weight")?.unwrap_or(1.0);
    if weight < 0.0 {
        return Err(invalid(&f.path("weight"), "must not be negative"));
    }
    let hidden = f.opt_bool("hidden")?.unwrap_or(false);
    let stdin = f.opt_string("stdin")?.unwrap_or_default();
    check_text(&f.path("stdin"), &stdin, MAX_STDIN_BYTES)?;
    let kind = f.opt_string("kind")?.unwrap_or_else(|| inferred.to_owned());
    let check = match kind.as_str() {
        "output" => {
            let expected_stdout = f.string("expected_stdout")?;
            check_text(
                &f.path("expected_stdout"),
                &expected_stdout,
                MAX_STDIN_BYTES,
            )?;
            Check::Output { expected_stdout }
        }
        "assert" => {
            let expression = f.string("assert")?;
            check_assertion(&f.path("assert"), &expression)?;
            let setup = f.opt_string("setup")?;
            if let Some(setup) = &setup {
                check_text(&f.path("setup"), setup, MAX_SETUP_BYTES)?;
            }
            Check::Assert { expression, setup }
        }
        other => {
            return Err(invalid(
                &f.path("kind"),
                format!("`{other}` is not a test kind; use `output` or `assert`"),
            ));
        }
    };
    f.finish()?;
    Ok(Test {
        name,
        weight,
        hidden,
        stdin,
        check,
    })
}

/// Text the sandbox accepts: at most `max` bytes, no NUL.
fn check_text(field: &str, text: &str, max: usize) -> Result<(), Invalid> {
    if text.len() > max {
        return Err(invalid(
            field,
            format!("is {} bytes; at most {max} are accepted", text.len()),
        ));
    }
    if text.contains('\0') {
        return Err(invalid(field, "contains a NUL character"));
    }
    Ok(())
}

/// An assertion is one Python expression: the sandbox evaluates it, so a statement
/// (`assert x == 1, "msg"`) would fail for every learner.
fn check_assertion(field: &str, expression: &str) -> Result<(), Invalid> {
    check_text(field, expression, MAX_ASSERT_BYTES)?;
    let trimmed = expression.trim();
    if trimmed.is_empty() {
        return Err(invalid(
            field,
            "must be a Python expression, e.g. `add(2, 3) == 5`",
        ));
    }
    let after = trimmed
        .strip_prefix("assert")
        .map(|rest| rest.chars().next());
    if let Some(next) = after
        && next.is_none_or(|c| c.is_whitespace() || c == '(')
    {
        return Err(invalid(
            field,
            "must be an expression without the `assert` keyword, e.g. `add(2, 3) == 5`",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(json: &str) -> Invalid {
        parse(json).unwrap_err()
    }

    #[test]
    fn a_full_key() {
        let key = parse(
            r#"{"language": "python", "timeout_ms": 1500, "memory_mb": 16, "max_output_bytes": 4096,
                "tests": [
                  {"name": "sums", "kind": "output", "stdin": "1 2\n", "expected_stdout": "3\n"},
                  {"kind": "assert", "assert": "add(2, 3) == 5", "weight": 2, "hidden": true},
                  {"name": "stack", "kind": "assert", "setup": "s = Stack()\ns.push(1)", "assert": "s.pop() == 1", "weight": 0}
                ]}"#,
        )
        .unwrap();
        assert_eq!(
            key.limits,
            Limits {
                timeout_ms: 1500,
                memory_mb: 16,
                max_output_bytes: Some(4096)
            }
        );
        assert_eq!(key.tests.len(), 3);
        assert_eq!(
            key.tests[0],
            Test {
                name: "sums".into(),
                weight: 1.0,
                hidden: false,
                stdin: "1 2\n".into(),
                check: Check::Output {
                    expected_stdout: "3\n".into()
                },
            }
        );
        assert_eq!(key.tests[1].name, "test 2");
        assert_eq!((key.tests[1].weight, key.tests[1].hidden), (2.0, true));
        assert_eq!(
            key.tests[2].check,
            Check::Assert {
                expression: "s.pop() == 1".into(),
                setup: Some("s = Stack()\ns.push(1)".into())
            }
        );
        assert_eq!(key.tests[2].check.kind(), "assert");
    }

    #[test]
    fn defaults() {
        let key = parse(r#"{"tests": [{"kind": "output", "expected_stdout": "hi"}]}"#).unwrap();
        // The sandbox's shape, without `kind`, is inferred from the fields.
        let inferred = parse(
            r#"{"tests": [{"expected_stdout": "hi"}, {"name": "adds", "assert": "add(1, 2) == 3"}]}"#,
        )
        .unwrap();
        assert_eq!(inferred.tests[0].check.kind(), "output");
        assert_eq!(inferred.tests[1].check.kind(), "assert");
        assert_eq!(key.language, "python");
        assert_eq!(
            key.limits,
            Limits {
                timeout_ms: DEFAULT_TIMEOUT_MS,
                memory_mb: DEFAULT_MEMORY_MB,
                max_output_bytes: None
            }
        );
        assert_eq!(key.tests[0].stdin, "");
        assert_eq!(key.tests[0].name, "test 1");
    }

    #[test]
    fn top_level_errors_name_the_field() {
        let cases = [
            ("[]", "question.answer_key"),
            (r#"{"tests": []}"#, "question.answer_key.tests"),
            (r#"{}"#, "question.answer_key.tests"),
            (r#"{"tests": {}}"#, "question.answer_key.tests"),
            (
                r#"{"language": "ruby", "tests": []}"#,
                "question.answer_key.language",
            ),
            (
                r#"{"timeout_ms": 0, "tests": []}"#,
                "question.answer_key.timeout_ms",
            ),
            (
                r#"{"timeout_ms": 60000, "tests": []}"#,
                "question.answer_key.timeout_ms",
            ),
            (
                r#"{"memory_mb": "32", "tests": []}"#,
                "question.answer_key.memory_mb",
            ),
            (
                r#"{"max_output_bytes": 0, "tests": []}"#,
                "question.answer_key.max_output_bytes",
            ),
            (
                r#"{"tests": [], "timeout": 5}"#,
                "question.answer_key.timeout",
            ),
        ];
        for (json, field) in cases {
            assert_eq!(err(json).field, field, "{json}");
        }
        let many = format!(
            r#"{{"tests": [{}]}}"#,
            vec![r#"{"kind": "output", "expected_stdout": ""}"#; 51].join(",")
        );
        let e = err(&many);
        assert_eq!(e.field, "question.answer_key.tests");
        assert!(e.message.contains("51 tests"), "{e:?}");
    }

    #[test]
    fn test_errors_name_the_field() {
        let cases = [
            (r#""x""#, "question.answer_key.tests[0]"),
            (
                r#"{"stdin": "3"}"#,
                "question.answer_key.tests[0].expected_stdout",
            ),
            (
                r#"{"kind": "unit", "expected_stdout": "3"}"#,
                "question.answer_key.tests[0].kind",
            ),
            (
                r#"{"kind": "output"}"#,
                "question.answer_key.tests[0].expected_stdout",
            ),
            (
                r#"{"kind": "output", "expected_stdout": 3}"#,
                "question.answer_key.tests[0].expected_stdout",
            ),
            (
                r#"{"kind": "output", "expected_stdout": "3", "stdin": ["1"]}"#,
                "question.answer_key.tests[0].stdin",
            ),
            (
                r#"{"kind": "output", "expected_stdout": "3", "assert": "x"}"#,
                "question.answer_key.tests[0].assert",
            ),
            (
                r#"{"kind": "output", "expected_stdout": "3", "setup": "x = 1"}"#,
                "question.answer_key.tests[0].setup",
            ),
            (
                r#"{"kind": "assert"}"#,
                "question.answer_key.tests[0].assert",
            ),
            (
                r#"{"kind": "assert", "assert": "x", "expected_stdout": "3"}"#,
                "question.answer_key.tests[0].expected_stdout",
            ),
            (
                r#"{"kind": "assert", "assert": "   "}"#,
                "question.answer_key.tests[0].assert",
            ),
            (
                r#"{"kind": "assert", "assert": "x", "setup": 1}"#,
                "question.answer_key.tests[0].setup",
            ),
            (
                r#"{"kind": "output", "expected_stdout": "3", "name": ""}"#,
                "question.answer_key.tests[0].name",
            ),
            (
                r#"{"kind": "output", "expected_stdout": "3", "weight": -1}"#,
                "question.answer_key.tests[0].weight",
            ),
            (
                r#"{"kind": "output", "expected_stdout": "3", "weight": "2"}"#,
                "question.answer_key.tests[0].weight",
            ),
            (
                r#"{"kind": "output", "expected_stdout": "3", "hidden": "yes"}"#,
                "question.answer_key.tests[0].hidden",
            ),
            (
                r#"{"kind": "output", "expected_stdout": "a\u0000b"}"#,
                "question.answer_key.tests[0].expected_stdout",
            ),
        ];
        for (test, field) in cases {
            let json = format!(r#"{{"tests": [{test}]}}"#);
            assert_eq!(err(&json).field, field, "{json}");
        }
    }

    #[test]
    fn assertions_are_expressions() {
        for statement in ["assert add(2, 3) == 5", "  assert(x)", "assert"] {
            let json = format!(r#"{{"tests": [{{"kind": "assert", "assert": "{statement}"}}]}}"#);
            let e = err(&json);
            assert_eq!(e.field, "question.answer_key.tests[0].assert");
            assert!(e.message.contains("without the `assert` keyword"), "{e:?}");
        }
        // A name that merely starts with `assert` is an expression.
        parse(r#"{"tests": [{"kind": "assert", "assert": "asserted(1) == 1"}]}"#).unwrap();
        let long = "x".repeat(MAX_ASSERT_BYTES + 1);
        let e = err(&format!(
            r#"{{"tests": [{{"kind": "assert", "assert": "{long}"}}]}}"#
        ));
        assert!(e.message.contains("at most 4096"), "{e:?}");
    }

    #[test]
    fn names_are_unique() {
        let e = err(
            r#"{"tests": [{"name": "a", "kind": "output", "expected_stdout": "1"},
                          {"name": "a", "kind": "output", "expected_stdout": "2"}]}"#,
        );
        assert_eq!(e.field, "question.answer_key.tests[1].name");
        assert!(e.message.contains("tests[0]"), "{e:?}");
        // A default name counts too.
        let e = err(r#"{"tests": [{"kind": "output", "expected_stdout": "1"},
                          {"name": "test 1", "kind": "output", "expected_stdout": "2"}]}"#);
        assert_eq!(e.field, "question.answer_key.tests[1].name");
    }

    #[test]
    fn some_weight_must_count() {
        let e = err(r#"{"tests": [{"kind": "output", "expected_stdout": "1", "weight": 0}]}"#);
        assert_eq!(e.field, "question.answer_key.tests");
        assert!(e.message.contains("weight 0"), "{e:?}");
    }

    #[test]
    fn sizes() {
        let big = "x".repeat(MAX_SETUP_BYTES + 1);
        let e = err(&format!(
            r#"{{"tests": [{{"kind": "assert", "assert": "x", "setup": "{big}"}}]}}"#
        ));
        assert_eq!(e.field, "question.answer_key.tests[0].setup");
        let long_name = "n".repeat(MAX_NAME_BYTES + 1);
        let e = err(&format!(
            r#"{{"tests": [{{"name": "{long_name}", "kind": "output", "expected_stdout": ""}}]}}"#
        ));
        assert_eq!(e.field, "question.answer_key.tests[0].name");
    }
}
