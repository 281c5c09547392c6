//! Turns one test's run into a pass or a failure with its reason.
//!
//! Everything the learner's code did is a failed test, never an error of the grader: a
//! syntax error, an exception, a non-zero exit, a timeout, running out of memory, too much
//! output. Only the sandbox's own failure (none installed, queue full, it crashed) is an
//! error, `unavailable`; a request it refused is `internal` (a bug of ours); an assertion
//! or setup that is not valid Python is the answer key's fault, `invalid-input`.

use crate::compare::{bounded, clip, describe_difference, output_matches};
use crate::key::{Check, Test, test_field};
use crate::outcome::{GradeError, invalid};
use crate::program::{Place, Program};
use crate::runner::{RunResult, RunStatus};

/// Longest text kept per field of a test's details (stdin, expected, actual, stdout,
/// stderr), in bytes.
pub const SHOWN_BYTES: usize = 2 * 1024;
/// Longest expected/actual value quoted in a reason, in characters.
const REASON_VALUE: usize = 100;
/// Longest exception message quoted in a reason, in characters.
const REASON_MESSAGE: usize = 200;

/// How a test ended, as reported: a run status, or not run at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The test ran and ended so.
    Ran(RunStatus),
    /// The test was not run (no code, or no grading time left).
    NotRun,
}

impl Status {
    /// As the results spell it: the sandbox's run statuses, plus `not_run`.
    pub fn label(self) -> &'static str {
        match self {
            Status::Ran(s) => s.label(),
            Status::NotRun => "not_run",
        }
    }
}

/// The error a test's run raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorInfo {
    /// Exception type, or the sandbox's `Timeout`, `MemoryError`, `OutputLimit`, …
    pub error_type: String,
    /// Its message.
    pub message: String,
    /// Line in the learner's code, when the error is there.
    pub line: Option<u32>,
    /// Where it was raised, when known.
    pub place: Option<Place>,
}

/// Text kept for the details, and whether it was cut (by the sandbox or here).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Shown {
    /// The text.
    pub text: String,
    /// Whether it was cut.
    pub truncated: bool,
}

impl Shown {
    /// `text` within [`SHOWN_BYTES`]; `already_cut` when the sandbox cut it.
    pub fn new(text: &str, already_cut: bool) -> Self {
        let (text, cut) = bounded(text, SHOWN_BYTES);
        Self {
            text,
            truncated: cut || already_cut,
        }
    }
}

/// The result of one test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestOutcome {
    /// The test's name.
    pub name: String,
    /// `output` or `assert`.
    pub kind: &'static str,
    /// Its weight.
    pub weight: f64,
    /// Whether its input and values are kept from the learner.
    pub hidden: bool,
    /// Whether it passed.
    pub passed: bool,
    /// How it ended.
    pub status: Status,
    /// `passed`, or why it failed, in one line for the learner.
    pub message: String,
    /// The test's stdin.
    pub stdin: Shown,
    /// Expected stdout, or the assertion's expected side (the expression when there is
    /// none).
    pub expected: Shown,
    /// The stdout, or the assertion's actual side.
    pub actual: Shown,
    /// Captured stdout.
    pub stdout: Shown,
    /// Captured stderr (a traceback).
    pub stderr: Shown,
    /// The error raised, if any.
    pub error: Option<ErrorInfo>,
}

impl TestOutcome {
    /// A test that was not run, failing for `reason`.
    pub fn not_run(test: &Test, reason: &str) -> Self {
        Self {
            name: test.name.clone(),
            kind: test.check.kind(),
            weight: test.weight,
            hidden: test.hidden,
            passed: false,
            status: Status::NotRun,
            message: reason.to_owned(),
            stdin: Shown::new(&test.stdin, false),
            expected: Shown::new(expected_of(test), false),
            actual: Shown::default(),
            stdout: Shown::default(),
            stderr: Shown::default(),
            error: None,
        }
    }

    /// This outcome (a syntax error) as the outcome of `test`, which would end the same.
    pub fn same_for(&self, test: &Test) -> Self {
        Self {
            name: test.name.clone(),
            kind: test.check.kind(),
            weight: test.weight,
            hidden: test.hidden,
            stdin: Shown::new(&test.stdin, false),
            expected: Shown::new(expected_of(test), false),
            ..self.clone()
        }
    }
}

/// What a test expects, before any run: the stdout, or the expression.
fn expected_of(test: &Test) -> &str {
    match &test.check {
        Check::Output { expected_stdout } => expected_stdout,
        Check::Assert { expression, .. } => expression,
    }
}

/// Judges test `index`, run as `program`, from its `result`.
pub fn judge(
    index: usize,
    test: &Test,
    program: &Program,
    result: &RunResult,
) -> Result<TestOutcome, GradeError> {
    if result.status == RunStatus::InternalError {
        return Err(sandbox_failure(result));
    }
    let assertion = match &test.check {
        Check::Assert { .. } => Some(result.tests.first().ok_or_else(|| {
            GradeError::Internal("the sandbox returned no result for an assertion test".into())
        })?),
        Check::Output { .. } => None,
    };
    let error = result.error.as_ref().map(|e| {
        let place = e.line.map(|line| match result.status {
            // The lines the grader appends always parse: a syntax error is the learner's
            // (a block left open at the end of their code is reported on the next line).
            RunStatus::SyntaxError => Place::Code,
            _ => program.place(line),
        });
        ErrorInfo {
            error_type: e.error_type.clone(),
            message: e.message.clone(),
            line: match place {
                Some(Place::Code) => e.line.map(|l| l.min(program.learner_lines)),
                _ => None,
            },
            place,
        }
    });
    if let Some(e) = &error {
        key_error(index, test, result.status, e)?;
    }

    let (expected, actual) = match (&test.check, assertion) {
        (Check::Output { expected_stdout }, _) => (
            Shown::new(expected_stdout, false),
            Shown::new(&result.stdout, result.stdout_truncated),
        ),
        (Check::Assert { expression, .. }, Some(t)) => (
            Shown::new(
                if t.expected.is_empty() {
                    expression
                } else {
                    &t.expected
                },
                false,
            ),
            Shown::new(&t.actual, false),
        ),
        (Check::Assert { expression, .. }, None) => {
            (Shown::new(expression, false), Shown::default())
        }
    };

    let (passed, message) = match result.status {
        RunStatus::Ok => match (&test.check, assertion) {
            (Check::Output { expected_stdout }, _) => {
                let passed =
                    !result.stdout_truncated && output_matches(expected_stdout, &result.stdout);
                let message = if passed {
                    String::new()
                } else if test.hidden {
                    "wrong output".into()
                } else {
                    describe_difference(expected_stdout, &result.stdout)
                };
                (passed, message)
            }
            (Check::Assert { expression, .. }, Some(t)) => {
                let message = if t.passed {
                    String::new()
                } else {
                    assertion_reason(expression, &t.expected, &t.actual, test.hidden)
                };
                (t.passed, message)
            }
            (Check::Assert { .. }, None) => (false, "the check did not run".into()),
        },
        status => (false, failure_reason(status, error.as_ref(), test, result)),
    };
    Ok(TestOutcome {
        name: test.name.clone(),
        kind: test.check.kind(),
        weight: test.weight,
        hidden: test.hidden,
        passed,
        status: Status::Ran(result.status),
        message: if passed { "passed".into() } else { message },
        stdin: Shown::new(&test.stdin, false),
        expected,
        actual,
        stdout: Shown::new(&result.stdout, result.stdout_truncated),
        stderr: Shown::new(&result.stderr, result.stderr_truncated),
        error,
    })
}

/// The sandbox could not run a test: busy, missing or broken (`unavailable`), or it
/// refused our request (`internal`).
fn sandbox_failure(result: &RunResult) -> GradeError {
    let message = result
        .error
        .as_ref()
        .map(|e| e.message.trim())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| result.stderr.trim());
    let message = clip(
        if message.is_empty() {
            "no reason given"
        } else {
            message
        },
        500,
    );
    if message.starts_with("invalid run request") {
        GradeError::Internal(format!("the sandbox refused a test's run: {message}"))
    } else {
        GradeError::Unavailable(format!(
            "the code sandbox could not run the tests: {message}"
        ))
    }
}

/// An assertion or setup that does not parse is the answer key's fault: the sandbox raises
/// its `SyntaxError` outside the learner's code.
fn key_error(
    index: usize,
    test: &Test,
    status: RunStatus,
    error: &ErrorInfo,
) -> Result<(), GradeError> {
    let Check::Assert { setup, .. } = &test.check else {
        return Ok(());
    };
    if status != RunStatus::RuntimeError || error.error_type != "SyntaxError" {
        return Ok(());
    }
    match error.place {
        None => Err(invalid(
            &test_field(index, "assert"),
            format!("is not a valid Python expression: {}", error.message),
        )
        .into()),
        Some(Place::Setup) if setup.is_some() => Err(invalid(
            &test_field(index, "setup"),
            format!("is not valid Python: {}", error.message),
        )
        .into()),
        _ => Ok(()),
    }
}

/// Why an assertion that ran came out false.
fn assertion_reason(expression: &str, expected: &str, actual: &str, hidden: bool) -> String {
    let v = |s: &str| clip(s, REASON_VALUE);
    if expected.is_empty() && !actual.is_empty() {
        // The sandbox's account of a program that ended before the check ran.
        v(actual)
    } else if hidden {
        "the check failed".into()
    } else if expected.trim() == expression.trim() {
        format!(
            "expected `{}` to be true but got {}",
            v(expression),
            v(actual)
        )
    } else {
        format!("expected {} but got {}", v(expected), v(actual))
    }
}

/// Why a run that did not end `ok` failed the test.
fn failure_reason(
    status: RunStatus,
    error: Option<&ErrorInfo>,
    test: &Test,
    result: &RunResult,
) -> String {
    let said = |fallback: &str| {
        error
            .map(|e| clip(&e.message, REASON_MESSAGE))
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| fallback.to_owned())
    };
    match status {
        RunStatus::SyntaxError => {
            let at = error
                .and_then(|e| e.line)
                .map(|l| format!(" on line {l}"))
                .unwrap_or_default();
            format!(
                "your code has a syntax error{at}: {}",
                said("invalid syntax")
            )
        }
        RunStatus::Timeout => format!("timed out: {}", said("the program did not finish in time")),
        RunStatus::MemoryLimit => {
            format!(
                "ran out of memory: {}",
                said("the program needed too much memory")
            )
        }
        RunStatus::OutputLimit => format!("printed too much: {}", said("too much output")),
        RunStatus::RuntimeError => {
            let Some(e) = error else {
                return format!("exited with code {}", result.exit_code);
            };
            if e.error_type == "SystemExit" {
                return said("exited with a non-zero code");
            }
            let mut reason = format!("raised {}", e.error_type);
            if !test.hidden && !e.message.is_empty() {
                reason.push_str(&format!(": {}", clip(&e.message, REASON_MESSAGE)));
            }
            match (e.place, e.line, &test.check) {
                (Some(Place::Code), Some(line), _) => reason.push_str(&format!(" (line {line})")),
                (Some(Place::Setup), _, _) => reason.push_str(" (in the test's setup)"),
                (None, _, Check::Assert { expression, .. }) if !test.hidden => {
                    reason.push_str(&format!(" (in `{}`)", clip(expression, REASON_VALUE)));
                }
                _ => {}
            }
            reason
        }
        RunStatus::Ok | RunStatus::InternalError => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{self, AnswerKey};
    use crate::program::build;
    use crate::runner::{RunError, TestResult};

    fn setup(key_json: &str, code: &str) -> (AnswerKey, Vec<Program>) {
        let key = key::parse(key_json).unwrap();
        let programs = key.tests.iter().map(|t| build(&key, t, code)).collect();
        (key, programs)
    }

    fn error(t: &str, message: &str, line: Option<u32>) -> Option<RunError> {
        Some(RunError {
            error_type: t.into(),
            message: message.into(),
            line,
        })
    }

    fn with_test(mut r: RunResult, passed: bool, expected: &str, actual: &str) -> RunResult {
        r.tests = vec![TestResult {
            name: "t".into(),
            status: r.status,
            passed,
            expected: expected.into(),
            actual: actual.into(),
            stderr: r.stderr.clone(),
            error: r.error.clone(),
        }];
        r
    }

    const OUTPUT: &str = r#"{"tests": [{"name": "sums", "kind": "output", "stdin": "1 2", "expected_stdout": "3\n"}]}"#;
    const ASSERT: &str =
        r#"{"tests": [{"name": "empty", "kind": "assert", "assert": "dedupe([]) == []"}]}"#;

    #[test]
    fn output_passes_ignoring_trailing_whitespace() {
        let (k, p) = setup(OUTPUT, "print(3)");
        let o = judge(
            0,
            &k.tests[0],
            &p[0],
            &RunResult::ended(RunStatus::Ok, "3  \n\n"),
        )
        .unwrap();
        assert!(o.passed);
        assert_eq!(o.message, "passed");
        assert_eq!(o.status.label(), "ok");
        assert_eq!(
            (o.expected.text.as_str(), o.actual.text.as_str()),
            ("3\n", "3  \n\n")
        );
        assert_eq!(o.stdin.text, "1 2");
    }

    #[test]
    fn wrong_output_says_where() {
        let (k, p) = setup(OUTPUT, "print(4)");
        let o = judge(
            0,
            &k.tests[0],
            &p[0],
            &RunResult::ended(RunStatus::Ok, "4\n"),
        )
        .unwrap();
        assert!(!o.passed);
        assert_eq!(o.message, r#"expected "3" but got "4""#);
    }

    #[test]
    fn assertion_results_come_from_the_sandbox() {
        let (k, p) = setup(ASSERT, "def dedupe(xs): pass");
        let ok = RunResult::ended(RunStatus::Ok, "debug\n");
        let o = judge(
            0,
            &k.tests[0],
            &p[0],
            &with_test(ok.clone(), false, "[]", "None"),
        )
        .unwrap();
        assert!(!o.passed);
        assert_eq!(o.message, "expected [] but got None");
        assert_eq!(
            (o.expected.text.as_str(), o.actual.text.as_str()),
            ("[]", "None")
        );
        assert_eq!(o.stdout.text, "debug\n");
        let o = judge(
            0,
            &k.tests[0],
            &p[0],
            &with_test(ok.clone(), true, "[]", "[]"),
        )
        .unwrap();
        assert!(o.passed);

        // Not a single `==`: the sandbox reports the expression and the value.
        let (k, p) = setup(
            r#"{"tests": [{"kind": "assert", "assert": "is_prime(7)"}]}"#,
            "def is_prime(n): return False",
        );
        let r = with_test(ok.clone(), false, "is_prime(7)", "False");
        let o = judge(0, &k.tests[0], &p[0], &r).unwrap();
        assert_eq!(o.message, "expected `is_prime(7)` to be true but got False");

        // The program ended itself before the check.
        let r = with_test(
            ok,
            false,
            "",
            "the program called exit() before the assertion ran",
        );
        let o = judge(0, &k.tests[0], &p[0], &r).unwrap();
        assert_eq!(
            o.message,
            "the program called exit() before the assertion ran"
        );
        assert_eq!(o.expected.text, "is_prime(7)");
    }

    #[test]
    fn exceptions_are_failed_tests() {
        let (k, p) = setup(OUTPUT, "x = 1\nprint(1 / 0)");
        let mut r = RunResult::ended(RunStatus::RuntimeError, "");
        r.error = error("ZeroDivisionError", "division by zero", Some(2));
        r.stderr = "Traceback …\nZeroDivisionError: division by zero\n".into();
        let o = judge(0, &k.tests[0], &p[0], &r).unwrap();
        assert!(!o.passed);
        assert_eq!(o.status.label(), "runtime_error");
        assert_eq!(
            o.message,
            "raised ZeroDivisionError: division by zero (line 2)"
        );
        assert_eq!(o.error.as_ref().unwrap().place, Some(Place::Code));
        assert!(o.stderr.text.contains("Traceback"));

        let mut r = RunResult::ended(RunStatus::RuntimeError, "");
        r.error = error("SystemExit", "exited with code 3", None);
        let o = judge(0, &k.tests[0], &p[0], &r).unwrap();
        assert_eq!(o.message, "exited with code 3");
    }

    #[test]
    fn an_error_in_the_assertion_names_it() {
        let (k, p) = setup(ASSERT, "def other(): pass");
        let mut r = RunResult::ended(RunStatus::RuntimeError, "");
        r.error = error("NameError", "name 'dedupe' is not defined", None);
        let o = judge(
            0,
            &k.tests[0],
            &p[0],
            &with_test(r, false, "dedupe([]) == []", ""),
        )
        .unwrap();
        assert_eq!(
            o.message,
            "raised NameError: name 'dedupe' is not defined (in `dedupe([]) == []`)"
        );
        assert_eq!(o.error.as_ref().unwrap().place, None);
    }

    #[test]
    fn errors_in_the_setup_are_placed() {
        let (k, p) = setup(
            r#"{"tests": [{"kind": "assert", "setup": "s = Stack()\ns.pop()", "assert": "True"}]}"#,
            "class Stack:\n    def pop(self):\n        return [].pop()\n",
        );
        // Raised inside the learner's method: their line.
        let mut r = RunResult::ended(RunStatus::RuntimeError, "");
        r.error = error("IndexError", "pop from empty list", Some(3));
        let o = judge(0, &k.tests[0], &p[0], &with_test(r, false, "", "")).unwrap();
        assert_eq!(o.message, "raised IndexError: pop from empty list (line 3)");
        // Raised by the setup itself: the appended exec line.
        let mut r = RunResult::ended(RunStatus::RuntimeError, "");
        r.error = error("TypeError", "Stack() takes no arguments", Some(5));
        let o = judge(0, &k.tests[0], &p[0], &with_test(r, false, "", "")).unwrap();
        assert_eq!(
            o.message,
            "raised TypeError: Stack() takes no arguments (in the test's setup)"
        );
        let e = o.error.unwrap();
        assert_eq!((e.place, e.line), (Some(Place::Setup), None));
    }

    #[test]
    fn syntax_errors_are_the_learners() {
        let (k, p) = setup(
            r#"{"tests": [{"kind": "assert", "setup": "x = f()", "assert": "x == 1"}]}"#,
            "def f():\n",
        );
        // Python reports a block left open at the end on the next line: one of ours.
        let mut r = RunResult::ended(RunStatus::SyntaxError, "");
        r.error = error(
            "IndentationError",
            "expected an indented block after function definition on line 1",
            Some(2),
        );
        let o = judge(0, &k.tests[0], &p[0], &with_test(r, false, "", "")).unwrap();
        assert_eq!(
            o.message,
            "your code has a syntax error on line 1: expected an indented block after function definition on line 1"
        );
        assert_eq!(o.status.label(), "syntax_error");
    }

    #[test]
    fn an_assertion_or_setup_that_does_not_parse_is_the_keys_fault() {
        let (k, p) = setup(ASSERT, "def dedupe(xs): return xs");
        let mut r = RunResult::ended(RunStatus::RuntimeError, "");
        r.error = error("SyntaxError", "invalid syntax (<assert>, line 1)", None);
        let e = judge(0, &k.tests[0], &p[0], &with_test(r, false, "", "")).unwrap_err();
        assert_eq!(
            e,
            GradeError::Invalid(invalid(
                "question.answer_key.tests[0].assert",
                "is not a valid Python expression: invalid syntax (<assert>, line 1)"
            ))
        );

        let (k, p) = setup(
            r#"{"tests": [{"kind": "output", "expected_stdout": ""}, {"kind": "assert", "setup": "x = (", "assert": "x"}]}"#,
            "y = 1",
        );
        let mut r = RunResult::ended(RunStatus::RuntimeError, "");
        r.error = error(
            "SyntaxError",
            "'(' was never closed (<setup>, line 1)",
            Some(3),
        );
        let e = judge(1, &k.tests[1], &p[1], &with_test(r.clone(), false, "", "")).unwrap_err();
        let GradeError::Invalid(e) = e else {
            panic!("{e:?}")
        };
        assert_eq!(e.field, "question.answer_key.tests[1].setup");

        // A SyntaxError the learner's code raises (eval) is theirs.
        r.error = error("SyntaxError", "bad input", Some(1));
        let o = judge(1, &k.tests[1], &p[1], &with_test(r, false, "", "")).unwrap();
        assert_eq!(o.message, "raised SyntaxError: bad input (line 1)");
    }

    #[test]
    fn limits_are_failed_tests() {
        let (k, p) = setup(OUTPUT, "while True: pass");
        let cases = [
            (
                RunStatus::Timeout,
                "Timeout",
                "the program did not finish within 2000 ms",
                "timed out: the program did not finish within 2000 ms",
            ),
            (
                RunStatus::MemoryLimit,
                "MemoryError",
                "the program needed more than its 32 MB of memory",
                "ran out of memory: the program needed more than its 32 MB of memory",
            ),
            (
                RunStatus::OutputLimit,
                "OutputLimit",
                "the program wrote more than 65536 bytes to one stream",
                "printed too much: the program wrote more than 65536 bytes to one stream",
            ),
        ];
        for (status, t, message, reason) in cases {
            let mut r = RunResult::ended(status, "partial");
            r.error = error(t, message, None);
            r.stdout_truncated = status == RunStatus::OutputLimit;
            let o = judge(0, &k.tests[0], &p[0], &r).unwrap();
            assert!(!o.passed);
            assert_eq!(o.message, reason);
            assert_eq!(o.stdout.truncated, status == RunStatus::OutputLimit);
        }
    }

    #[test]
    fn a_failing_sandbox_is_unavailable() {
        let (k, p) = setup(OUTPUT, "print(3)");
        let mut r = RunResult::ended(RunStatus::InternalError, "");
        r.stderr = "the sandbox queue is full (64 runs waiting); retry shortly".into();
        assert_eq!(
            judge(0, &k.tests[0], &p[0], &r).unwrap_err(),
            GradeError::Unavailable(
                "the code sandbox could not run the tests: the sandbox queue is full (64 runs waiting); retry shortly".into()
            )
        );
        let mut r = RunResult::ended(RunStatus::InternalError, "");
        r.error = error("InternalError", "the runner crashed", None);
        assert!(matches!(
            judge(0, &k.tests[0], &p[0], &r),
            Err(GradeError::Unavailable(m)) if m.ends_with("the runner crashed")
        ));
        let mut r = RunResult::ended(RunStatus::InternalError, "");
        r.stderr = "invalid run request: code: is 70000 bytes".into();
        assert!(matches!(
            judge(0, &k.tests[0], &p[0], &r),
            Err(GradeError::Internal(_))
        ));
        // An assertion test's run without the test's result breaks the contract.
        let (k, p) = setup(ASSERT, "x = 1");
        assert!(matches!(
            judge(0, &k.tests[0], &p[0], &RunResult::ended(RunStatus::Ok, "")),
            Err(GradeError::Internal(_))
        ));
    }

    #[test]
    fn hidden_tests_keep_their_values() {
        let hidden_output = r#"{"tests": [{"kind": "output", "stdin": "secret", "expected_stdout": "42", "hidden": true}]}"#;
        let (k, p) = setup(hidden_output, "print(41)");
        let o = judge(
            0,
            &k.tests[0],
            &p[0],
            &RunResult::ended(RunStatus::Ok, "41"),
        )
        .unwrap();
        assert_eq!(o.message, "wrong output");
        let mut r = RunResult::ended(RunStatus::RuntimeError, "");
        r.error = error("KeyError", "'secret'", Some(1));
        let o = judge(0, &k.tests[0], &p[0], &r).unwrap();
        assert_eq!(o.message, "raised KeyError (line 1)");

        let hidden_assert =
            r#"{"tests": [{"kind": "assert", "assert": "f(13) == 7", "hidden": true}]}"#;
        let (k, p) = setup(hidden_assert, "def f(n): return n");
        let r = with_test(RunResult::ended(RunStatus::Ok, ""), false, "7", "13");
        let o = judge(0, &k.tests[0], &p[0], &r).unwrap();
        assert_eq!(o.message, "the check failed");
    }

    #[test]
    fn shown_text_is_bounded() {
        let (k, p) = setup(OUTPUT, "print('x' * 10000)");
        let long = "x".repeat(10_000);
        let o = judge(
            0,
            &k.tests[0],
            &p[0],
            &RunResult::ended(RunStatus::Ok, &long),
        )
        .unwrap();
        assert_eq!(o.stdout.text.len(), SHOWN_BYTES);
        assert!(o.stdout.truncated && o.actual.truncated);
        assert!(o.message.len() < 200, "{}", o.message);
    }

    #[test]
    fn not_run_and_copied_outcomes() {
        let (k, p) = setup(
            r#"{"tests": [{"name": "a", "kind": "output", "expected_stdout": "1"},
                          {"name": "b", "kind": "assert", "assert": "f() == 1", "weight": 2}]}"#,
            "def f(:",
        );
        let o = TestOutcome::not_run(&k.tests[1], "no code was submitted");
        assert_eq!(
            (o.status.label(), o.passed, o.weight),
            ("not_run", false, 2.0)
        );
        assert_eq!(o.expected.text, "f() == 1");
        let mut r = RunResult::ended(RunStatus::SyntaxError, "");
        r.error = error("SyntaxError", "invalid syntax", Some(1));
        let first = judge(0, &k.tests[0], &p[0], &r).unwrap();
        let copy = first.same_for(&k.tests[1]);
        assert_eq!((copy.name.as_str(), copy.kind), ("b", "assert"));
        assert_eq!(copy.message, first.message);
        assert_eq!(copy.status, Status::Ran(RunStatus::SyntaxError));
    }
}
