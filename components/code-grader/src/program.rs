//! The run each test makes, in the shape the `code-runner` import takes.
//!
//! - An output test is a plain run of the learner's code with the test's stdin; the grader
//!   compares the captured stdout itself (`compare`).
//! - An assertion test is a one-test test-case run: the sandbox runs the program, then
//!   evaluates the expression in the program's globals and reports it (for a single `==`,
//!   both sides' `repr`), exactly as `POST /api/v1/sandbox/run-tests` does. A test's
//!   `setup` is appended to the learner's code as two lines that compile and run it
//!   separately (file name `<setup>`), so the learner's own line numbers stay intact, the
//!   combined program always parses when the learner's code does, and a setup that does
//!   not parse shows up as a `SyntaxError` raised at a known line instead of looking like
//!   the learner's syntax error.

use crate::answer::{CODE, MAX_CODE_BYTES};
use crate::key::{AnswerKey, Check, Test};
use crate::outcome::{Invalid, invalid};
use crate::runner::{RunLimits, RunRequest, TestCase};

/// The variable holding a test's setup source in the combined program.
const SETUP_VAR: &str = "__tessera_setup__";

/// One test's run, and how to read line numbers in its program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// What to send to the sandbox.
    pub request: RunRequest,
    /// Lines of the program that are the learner's; later lines are the test's setup
    /// (`u32::MAX` when there is no setup).
    pub learner_lines: u32,
}

/// Where a reported line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// In the learner's code (the line number is theirs).
    Code,
    /// In lines the grader appended (a test's setup).
    Setup,
}

impl Program {
    /// Where program line `line` is.
    pub fn place(&self, line: u32) -> Place {
        if line <= self.learner_lines {
            Place::Code
        } else {
            Place::Setup
        }
    }
}

/// A string as a Python string literal (double-quoted; newlines, quotes, backslashes and
/// other control characters escaped, everything else kept as UTF-8).
pub fn python_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The learner's code followed by `setup`, compiled and run as its own unit.
pub fn with_setup(code: &str, setup: &str) -> (String, u32) {
    let mut program = code.to_owned();
    if !program.is_empty() && !program.ends_with('\n') {
        program.push('\n');
    }
    let learner_lines = program.matches('\n').count() as u32;
    program.push_str(&format!("{SETUP_VAR} = {}\n", python_string(setup)));
    program.push_str(&format!(
        "exec(compile({SETUP_VAR}, \"<setup>\", \"exec\"))\n"
    ));
    (program, learner_lines)
}

/// The run of one test.
pub fn build(key: &AnswerKey, test: &Test, code: &str) -> Program {
    let limits = RunLimits {
        timeout_ms: Some(key.limits.timeout_ms),
        memory_mb: Some(key.limits.memory_mb),
        max_output_bytes: key.limits.max_output_bytes,
    };
    let (program, learner_lines, tests) = match &test.check {
        Check::Output { .. } => (code.to_owned(), u32::MAX, Vec::new()),
        Check::Assert { expression, setup } => {
            let (program, learner_lines) = match setup {
                Some(setup) => with_setup(code, setup),
                None => (code.to_owned(), u32::MAX),
            };
            let case = TestCase {
                name: test.name.clone(),
                stdin: test.stdin.clone(),
                expected_stdout: None,
                assertion: Some(expression.clone()),
            };
            (program, learner_lines, vec![case])
        }
    };
    Program {
        request: RunRequest {
            language: key.language.clone(),
            code: program,
            // A test-case run takes each test's stdin from the test.
            stdin: if tests.is_empty() {
                test.stdin.clone()
            } else {
                String::new()
            },
            tests,
            limits,
        },
        learner_lines,
    }
}

/// The runs of every test, refusing code that no longer fits the sandbox's program limit
/// once a test's setup is appended.
pub fn build_all(key: &AnswerKey, code: &str) -> Result<Vec<Program>, Invalid> {
    let programs: Vec<Program> = key.tests.iter().map(|t| build(key, t, code)).collect();
    let overhead = programs
        .iter()
        .map(|p| p.request.code.len().saturating_sub(code.len()))
        .max()
        .unwrap_or(0);
    if code.len() + overhead > MAX_CODE_BYTES {
        return Err(invalid(
            CODE,
            format!(
                "is {} bytes; with this exercise's test setup at most {} bytes fit",
                code.len(),
                MAX_CODE_BYTES.saturating_sub(overhead)
            ),
        ));
    }
    Ok(programs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key;

    fn key(json: &str) -> AnswerKey {
        key::parse(json).unwrap()
    }

    #[test]
    fn output_tests_are_plain_runs_with_stdin() {
        let k = key(r#"{"timeout_ms": 1500, "memory_mb": 16,
                "tests": [{"name": "sums", "kind": "output", "stdin": "1 2\n", "expected_stdout": "3"}]}"#);
        let p = build(
            &k,
            &k.tests[0],
            "a, b = map(int, input().split())\nprint(a + b)\n",
        );
        assert_eq!(
            p.request,
            RunRequest {
                language: "python".into(),
                code: "a, b = map(int, input().split())\nprint(a + b)\n".into(),
                stdin: "1 2\n".into(),
                tests: Vec::new(),
                limits: RunLimits {
                    timeout_ms: Some(1500),
                    memory_mb: Some(16),
                    max_output_bytes: None
                },
            }
        );
        assert_eq!(p.place(1000), Place::Code);
        // The sandbox never judges output for us: no expected_stdout is sent.
        assert!(p.request.tests.is_empty());
    }

    #[test]
    fn assertion_tests_are_one_test_runs() {
        let k = key(
            r#"{"tests": [{"name": "adds", "kind": "assert", "stdin": "x", "assert": "add(2, 3) == 5"}]}"#,
        );
        let code = "def add(a, b):\n    return a + b";
        let p = build(&k, &k.tests[0], code);
        assert_eq!(p.request.code, code);
        assert_eq!(p.request.stdin, "");
        assert_eq!(
            p.request.tests,
            vec![TestCase {
                name: "adds".into(),
                stdin: "x".into(),
                expected_stdout: None,
                assertion: Some("add(2, 3) == 5".into()),
            }]
        );
        assert_eq!(p.place(3), Place::Code);
    }

    #[test]
    fn setup_is_appended_as_its_own_unit() {
        let (program, lines) =
            with_setup("class Stack:\n    pass", "s = Stack()\ns.push(\"a\\b\")");
        assert_eq!(
            program,
            "class Stack:\n    pass\n\
             __tessera_setup__ = \"s = Stack()\\ns.push(\\\"a\\\\b\\\")\"\n\
             exec(compile(__tessera_setup__, \"<setup>\", \"exec\"))\n"
        );
        assert_eq!(lines, 2);
        // A trailing newline is not doubled; empty code has no lines.
        assert_eq!(with_setup("x = 1\n", "y = 2").1, 1);
        let (program, lines) = with_setup("", "y = 2");
        assert_eq!(lines, 0);
        assert!(program.starts_with("__tessera_setup__ = \"y = 2\"\n"));

        let k = key(
            r#"{"tests": [{"kind": "assert", "setup": "s = Stack()", "assert": "s.size() == 0"}]}"#,
        );
        let p = build(&k, &k.tests[0], "class Stack:\n    pass\n");
        assert_eq!(p.learner_lines, 2);
        assert_eq!((p.place(2), p.place(4)), (Place::Code, Place::Setup));
    }

    #[test]
    fn python_string_literals() {
        assert_eq!(python_string("plain"), "\"plain\"");
        assert_eq!(
            python_string("a\"b\\c\nd\re\tf\u{1}g\u{7f}"),
            "\"a\\\"b\\\\c\\nd\\re\\tf\\x01g\\x7f\""
        );
        assert_eq!(python_string("São Paulo — ✓"), "\"São Paulo — ✓\"");
    }

    #[test]
    fn code_that_no_longer_fits_with_the_setup_is_refused() {
        let k = key(r#"{"tests": [{"kind": "output", "expected_stdout": ""},
                          {"kind": "assert", "setup": "x = 1", "assert": "x == 1"}]}"#);
        let fits = "#".repeat(MAX_CODE_BYTES - 100);
        assert_eq!(build_all(&k, &fits).unwrap().len(), 2);
        let too_big = "#".repeat(MAX_CODE_BYTES - 10);
        let e = build_all(&k, &too_big).unwrap_err();
        assert_eq!(e.field, "answer.code");
        assert!(
            e.message.contains("with this exercise's test setup"),
            "{e:?}"
        );
        // Without a setup, the whole 64 KiB is the learner's.
        let k = key(r#"{"tests": [{"kind": "assert", "assert": "True"}]}"#);
        assert!(build_all(&k, &"#".repeat(MAX_CODE_BYTES)).is_ok());
    }
}
