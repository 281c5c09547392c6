//! The first-party code grader component: `code_exercise`, a Python exercise graded by the
//! hidden tests in its answer key, each run in the sandbox through the `code-runner`
//! import. Answer-key, answer and result shapes are documented in `docs/grading.md`.
//!
//! The rules live in plain modules, unit-tested natively with a fake sandbox: `key` and
//! `answer` parse and check the input, `program` builds each test's run, `judge` turns a
//! run into a pass or a failure, `report` into the grade. [`grade`] is the loop; the
//! `component` module only adapts it to `tessera:platform/grader` and the real import.

pub mod answer;
pub mod compare;
pub mod judge;
pub mod key;
pub mod program;
pub mod report;

// The field reader and outcome types every grader shares (the plugin SDK, sdk/rust).
pub use tessera_plugin_sdk::sandbox as runner;
pub use tessera_plugin_sdk::{fields, outcome};

use judge::{Status, TestOutcome};
use outcome::{GradeError, Outcome};
use runner::{Clock, CodeRunner, RunStatus};

/// The kind this grader serves.
pub const KIND: &str = "code_exercise";

/// Sandbox time one grade may take, in ms. A test starts only if it can finish within it
/// (its own `timeout_ms` counted in full); the rest fail as not run. It stays below the
/// manifest's `limits.timeout_ms` (30 000) by enough for instantiation, queueing and the
/// result: keep the two in step.
pub const GRADING_BUDGET_MS: u64 = 27_000;

/// Why a test that was not run failed.
const NO_CODE: &str = "no code was submitted";
const NO_TIME: &str = "not run: earlier tests used up the time for grading";

/// Grades `answer` against `answer_key`, running each test through `runner`, one at a
/// time, in the key's order.
///
/// A syntax error in the learner's code fails every test the same way, so the remaining
/// tests are not run. Empty code fails every test without running any.
pub fn grade(
    answer_key: &str,
    answer: &str,
    runner: &mut (impl CodeRunner + ?Sized),
    clock: &impl Clock,
) -> Result<Outcome, GradeError> {
    let key = key::parse(answer_key)?;
    let code = answer::parse(answer)?;
    let programs = program::build_all(&key, &code)?;

    let mut outcomes: Vec<TestOutcome> = Vec::with_capacity(key.tests.len());
    let mut syntax_error: Option<TestOutcome> = None;
    let mut out_of_time = false;
    for (index, (test, program)) in key.tests.iter().zip(&programs).enumerate() {
        if code.trim().is_empty() {
            outcomes.push(TestOutcome::not_run(test, NO_CODE));
            continue;
        }
        if let Some(first) = &syntax_error {
            outcomes.push(first.same_for(test));
            continue;
        }
        out_of_time = out_of_time
            || clock.elapsed_ms() + u64::from(key.limits.timeout_ms) > GRADING_BUDGET_MS;
        if out_of_time {
            outcomes.push(TestOutcome::not_run(test, NO_TIME));
            continue;
        }
        let result = runner.run(&program.request);
        let outcome = judge::judge(index, test, program, &result)?;
        if outcome.status == Status::Ran(RunStatus::SyntaxError) {
            syntax_error = Some(outcome.clone());
        }
        outcomes.push(outcome);
    }
    Ok(report::build(&outcomes))
}

/// The grader as the SDK exports it (`tessera_plugin_sdk::export_grader!`): the rules above
/// with the `code-runner` import as the sandbox.
pub struct CodeGrader;

impl tessera_plugin_sdk::Grader for CodeGrader {
    const KINDS: &'static [&'static str] = &[KIND];

    fn grade_with(
        question: &tessera_plugin_sdk::Question,
        answer: &str,
        host: &mut impl tessera_plugin_sdk::Host,
    ) -> Result<Outcome, GradeError> {
        let clock = runner::WallClock::start();
        grade(&question.answer_key, answer, host.code_runner(), &clock)
    }
}

tessera_plugin_sdk::export_grader!(CodeGrader, "../../wit/0.1.0");

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use serde_json::json;

    use super::*;
    use crate::outcome::invalid;
    use crate::runner::{RunError, RunRequest, RunResult, TestResult};

    /// A fake sandbox: answers each run with `respond`, records the requests, and advances
    /// the clock by `ms_per_run`.
    struct Fake<'c, F: FnMut(&RunRequest) -> RunResult> {
        respond: F,
        requests: Vec<RunRequest>,
        clock: &'c FakeClock,
        ms_per_run: u64,
    }

    impl<F: FnMut(&RunRequest) -> RunResult> CodeRunner for Fake<'_, F> {
        fn run(&mut self, request: &RunRequest) -> RunResult {
            self.requests.push(request.clone());
            self.clock.0.set(self.clock.0.get() + self.ms_per_run);
            (self.respond)(request)
        }
    }

    struct FakeClock(Cell<u64>);

    impl Clock for FakeClock {
        fn elapsed_ms(&self) -> u64 {
            self.0.get()
        }
    }

    fn fake<F: FnMut(&RunRequest) -> RunResult>(clock: &FakeClock, respond: F) -> Fake<'_, F> {
        Fake {
            respond,
            requests: Vec::new(),
            clock,
            ms_per_run: 5,
        }
    }

    /// A stand-in for the sandbox running a small `add`/`dedupe` exercise: answers output
    /// tests by stdin and assertion tests by expression, as a correct or wrong solution.
    fn exercise(wrong: bool) -> impl FnMut(&RunRequest) -> RunResult {
        move |r| match r.tests.first() {
            None => {
                let sum: i64 = r
                    .stdin
                    .split_whitespace()
                    .map(|w| w.parse::<i64>().unwrap())
                    .sum();
                RunResult::ended(
                    RunStatus::Ok,
                    &format!("{}\n", if wrong { sum + 1 } else { sum }),
                )
            }
            Some(t) => {
                let expr = t.assertion.as_deref().unwrap();
                let (expected, actual) = match expr {
                    "add(2, 3) == 5" => ("5", "5"),
                    "dedupe([]) == []" => ("[]", if wrong { "None" } else { "[]" }),
                    other => panic!("unexpected assertion {other}"),
                };
                let mut result = RunResult::ended(RunStatus::Ok, "");
                result.tests = vec![TestResult {
                    name: t.name.clone(),
                    status: RunStatus::Ok,
                    passed: expected == actual,
                    expected: expected.into(),
                    actual: actual.into(),
                    stderr: String::new(),
                    error: None,
                }];
                result
            }
        }
    }

    const KEY: &str = r#"{
        "language": "python",
        "timeout_ms": 1000,
        "tests": [
            {"name": "adds two numbers", "kind": "output", "stdin": "2 3\n", "expected_stdout": "5\n"},
            {"name": "adds negatives", "kind": "output", "stdin": "-2 -3", "expected_stdout": "-5"},
            {"name": "add works", "kind": "assert", "assert": "add(2, 3) == 5"},
            {"name": "handles empty list", "kind": "assert", "assert": "dedupe([]) == []"}
        ]}"#;

    fn answer(code: &str) -> String {
        json!({ "code": code }).to_string()
    }

    #[test]
    fn a_right_answer_passes_every_test() {
        let clock = FakeClock(Cell::new(0));
        let mut sandbox = fake(&clock, exercise(false));
        let o = grade(KEY, &answer("def add(a, b): ..."), &mut sandbox, &clock).unwrap();
        assert_eq!((o.score, o.correct), (1.0, true));
        assert_eq!(o.feedback, "All 4 tests passed.");
        assert_eq!(sandbox.requests.len(), 4);
        // Output tests are plain runs with the test's stdin; assertion tests carry one test.
        assert_eq!(sandbox.requests[0].stdin, "2 3\n");
        assert!(sandbox.requests[0].tests.is_empty());
        assert_eq!(
            sandbox.requests[2].tests[0].assertion.as_deref(),
            Some("add(2, 3) == 5")
        );
        assert!(
            sandbox
                .requests
                .iter()
                .all(|r| r.limits.timeout_ms == Some(1000)
                    && r.limits.memory_mb == Some(32)
                    && r.language == "python")
        );
        assert_eq!(o.details["passed"], 4);
    }

    #[test]
    fn a_wrong_answer_gets_partial_credit_and_reasons() {
        let clock = FakeClock(Cell::new(0));
        let mut sandbox = fake(&clock, exercise(true));
        let o = grade(KEY, &answer("def add(a, b): ..."), &mut sandbox, &clock).unwrap();
        assert_eq!((o.score, o.correct), (0.25, false));
        assert_eq!(
            o.feedback,
            "1 of 4 tests passed; 'adds two numbers' failed: expected \"5\" but got \"6\"; \
             'adds negatives' failed: expected \"-5\" but got \"-4\"; \
             'handles empty list' failed: expected [] but got None"
        );
        assert_eq!(o.parts[3].feedback, "expected [] but got None");
        assert_eq!(o.details["tests"][3]["actual"], "None");
    }

    #[test]
    fn a_syntax_error_fails_every_test_after_one_run() {
        let clock = FakeClock(Cell::new(0));
        let mut sandbox = fake(&clock, |_| {
            let mut r = RunResult::ended(RunStatus::SyntaxError, "");
            r.error = Some(RunError {
                error_type: "SyntaxError".into(),
                message: "invalid syntax".into(),
                line: Some(1),
            });
            r.stderr = "  File \"<learner>\", line 1\nSyntaxError: invalid syntax\n".into();
            r
        });
        let o = grade(KEY, &answer("def add(a, b) return"), &mut sandbox, &clock).unwrap();
        assert_eq!(sandbox.requests.len(), 1);
        assert_eq!((o.score, o.correct), (0.0, false));
        assert_eq!(
            o.feedback,
            "0 of 4 tests passed; all 4 failed: your code has a syntax error on line 1: invalid syntax"
        );
        assert!(
            o.details["tests"]
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t["status"] == "syntax_error")
        );
        assert_eq!(o.details["tests"][3]["name"], "handles empty list");
    }

    #[test]
    fn empty_code_runs_nothing() {
        let clock = FakeClock(Cell::new(0));
        let mut sandbox = fake(&clock, |_| panic!("nothing should run"));
        let o = grade(KEY, &answer("  \n"), &mut sandbox, &clock).unwrap();
        assert_eq!((o.score, o.correct), (0.0, false));
        assert_eq!(
            o.feedback,
            "0 of 4 tests passed; all 4 failed: no code was submitted"
        );
        assert_eq!(o.details["tests"][0]["status"], "not_run");
    }

    #[test]
    fn tests_stop_when_the_budget_would_run_out() {
        let clock = FakeClock(Cell::new(0));
        // Every run times out after its full deadline (10 s): two fit in 27 s, a third not.
        let mut sandbox = fake(&clock, |_| {
            let mut r = RunResult::ended(RunStatus::Timeout, "");
            r.error = Some(RunError {
                error_type: "Timeout".into(),
                message: "the program did not finish within 10000 ms".into(),
                line: None,
            });
            r
        });
        sandbox.ms_per_run = 10_000;
        let key = KEY.replace("\"timeout_ms\": 1000", "\"timeout_ms\": 10000");
        let o = grade(&key, &answer("while True: pass"), &mut sandbox, &clock).unwrap();
        assert_eq!(sandbox.requests.len(), 2);
        let statuses: Vec<&str> = o.details["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["timeout", "timeout", "not_run", "not_run"]);
        assert_eq!(o.parts[2].feedback, NO_TIME);
        assert!(
            o.feedback
                .starts_with("0 of 4 tests passed; 'adds two numbers' failed: timed out"),
            "{}",
            o.feedback
        );
    }

    #[test]
    fn input_errors_come_before_any_run() {
        let clock = FakeClock(Cell::new(0));
        let mut sandbox = fake(&clock, |_| panic!("nothing should run"));
        assert_eq!(
            grade(KEY, r#"{"code": 1}"#, &mut sandbox, &clock).unwrap_err(),
            GradeError::Invalid(invalid("answer.code", "must be a string, not a number"))
        );
        let big = answer(&"#".repeat(64 * 1024 + 1));
        let GradeError::Invalid(e) = grade(KEY, &big, &mut sandbox, &clock).unwrap_err() else {
            panic!()
        };
        assert_eq!(e.field, "answer.code");
        let GradeError::Invalid(e) =
            grade(r#"{"tests": []}"#, &answer("x"), &mut sandbox, &clock).unwrap_err()
        else {
            panic!()
        };
        assert_eq!(e.field, "question.answer_key.tests");
    }

    #[test]
    fn an_unavailable_sandbox_fails_the_grade() {
        let clock = FakeClock(Cell::new(0));
        let mut calls = 0;
        let mut sandbox = fake(&clock, |r| {
            calls += 1;
            if calls == 1 {
                exercise(false)(r)
            } else {
                let mut r = RunResult::ended(RunStatus::InternalError, "");
                r.stderr = "no code sandbox is running on this host".into();
                r
            }
        });
        let e = grade(KEY, &answer("x = 1"), &mut sandbox, &clock).unwrap_err();
        assert_eq!(
            e,
            GradeError::Unavailable(
                "the code sandbox could not run the tests: no code sandbox is running on this host"
                    .into()
            )
        );
    }
}
