//! Test-case runs: the learner's program once per test, each in a fresh instance started
//! from the same compiled component, in parallel across the worker pool.
//!
//! An output test passes when the run is `ok` and its stdout equals the expected text
//! (trailing whitespace of each line and trailing blank lines ignored); the host compares,
//! not the runner. An assertion test passes when the run is `ok` and the values the
//! runner reports make the assertion hold by the host's own comparison
//! (`super::assertions`): the runner's word that it passed counts for nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use tokio::task::JoinSet;

use super::assertions::Verdict;
use super::outcome::{RunReport, RunStatus, bounded};
use super::request::{TestSpec, TestsSpec};
use super::{Sandbox, admission::Ticket};
use crate::runtime::LoadedPlugin;

/// Longest `expected`/`actual` text shown per test, in bytes.
const MAX_SHOWN: usize = 4 * 1024;

/// The outcome of one test.
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct TestReport {
    /// The test's name.
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// What was expected: the stdout, or the assertion's expected side.
    pub expected: String,
    /// What the program produced: its stdout, or the assertion's actual side.
    pub actual: String,
    /// The run itself.
    #[serde(flatten)]
    pub run: RunReport,
}

/// Totals over the tests.
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Summary {
    /// Tests run.
    pub total: usize,
    /// Tests passed.
    pub passed: usize,
    /// Tests failed.
    pub failed: usize,
    /// Count per run status, e.g. `{"ok": 3, "timeout": 1}`.
    pub statuses: BTreeMap<String, usize>,
    /// Wall-clock time of the whole request in ms.
    pub duration_ms: f64,
}

/// The outcome of a test-case run.
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct TestsReport {
    /// Whether every test passed.
    pub passed: bool,
    /// Totals.
    pub summary: Summary,
    /// One entry per test, in request order.
    pub tests: Vec<TestReport>,
}

/// Runs every test of `spec` on `runner`; `ticket` holds room for all of them. Each test
/// is its own task, so tests spread over the runtime's threads; dropping the returned
/// future (the client went away) aborts them.
pub async fn run_all(
    sandbox: &Arc<Sandbox>,
    runner: Arc<LoadedPlugin>,
    ticket: Arc<Ticket>,
    spec: &TestsSpec,
) -> TestsReport {
    let started = std::time::Instant::now();
    let run = Arc::new(spec.run.clone());
    let mut tasks = JoinSet::new();
    for (index, test) in spec.tests.iter().cloned().enumerate() {
        let (sandbox, runner, ticket, run) =
            (sandbox.clone(), runner.clone(), ticket.clone(), run.clone());
        tasks.spawn(async move {
            let _worker = ticket.worker().await;
            let judged = match &test.assertion {
                Some(assertion) => {
                    let (report, verdict) =
                        sandbox.run_assertion(&runner, &run, &test, assertion).await;
                    judge_test(test, report, Some(verdict))
                }
                None => {
                    let report = sandbox
                        .run_one(&runner, &run, &test.stdin, Some(&test))
                        .await;
                    judge_test(test, report, None)
                }
            };
            (index, judged)
        });
    }
    let mut tests: Vec<Option<TestReport>> = (0..spec.tests.len()).map(|_| None).collect();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((index, report)) => tests[index] = Some(report),
            // A panic in a test's task is a bug of ours; the other tests still report.
            Err(e) => tracing::error!(error = %e, "a test-case task failed"),
        }
    }
    let tests: Vec<TestReport> = tests
        .into_iter()
        .zip(&spec.tests)
        .map(|(report, test)| report.unwrap_or_else(|| lost(test)))
        .collect();
    let passed = tests.iter().filter(|t| t.passed).count();
    let mut statuses = BTreeMap::new();
    for t in &tests {
        *statuses.entry(t.run.status.label().to_owned()).or_insert(0) += 1;
    }
    TestsReport {
        passed: passed == tests.len(),
        summary: Summary {
            total: tests.len(),
            passed,
            failed: tests.len() - passed,
            statuses,
            duration_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
        },
        tests,
    }
}

/// Whether a test passed, and what it expected and got; an assertion test brings its
/// verdict (`super::assertions`).
fn judge_test(test: TestSpec, report: RunReport, verdict: Option<Verdict>) -> TestReport {
    let (passed, expected, actual) = match (&test.expected_stdout, verdict) {
        (Some(expected), _) => (
            report.status == RunStatus::Ok && normalise(&report.stdout) == normalise(expected),
            expected.clone(),
            report.stdout.clone(),
        ),
        (None, Some(v)) => (
            report.status == RunStatus::Ok && v.passed,
            v.expected,
            v.actual,
        ),
        (None, None) => (
            false,
            test.assertion.clone().unwrap_or_default(),
            String::new(),
        ),
    };
    let (expected, actual) = (bounded(expected, MAX_SHOWN), bounded(actual, MAX_SHOWN));
    TestReport {
        name: test.name,
        passed,
        expected,
        actual,
        run: report,
    }
}

/// The report of a test whose task died (never expected; see `run_all`).
fn lost(test: &TestSpec) -> TestReport {
    judge_test(
        test.clone(),
        RunReport::internal_error("the test's run was lost; see the server log"),
        None,
    )
}

/// Output as compared: trailing whitespace of each line and trailing blank lines dropped.
pub fn normalise(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(0, |i| i + 1);
    lines[..end].join("\n")
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn trailing_whitespace_and_blank_lines_do_not_count() {
        assert_eq!(normalise("3 \n4\t\n\n\n"), normalise("3\n4"));
        assert_eq!(normalise("a\r\nb\r\n"), "a\nb");
    }

    #[test]
    fn inner_differences_count() {
        assert_ne!(normalise("3\n\n4"), normalise("3\n4"));
        assert_ne!(normalise(" 3"), normalise("3"));
    }
}
