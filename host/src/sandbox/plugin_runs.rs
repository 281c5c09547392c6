//! Code runs asked for by other plugins through their `code-runner` import (a code grader
//! running a learner's exercise): the same checks, pool, limits and judging as the HTTP
//! API, answered as the contract's `run-result`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::outcome::{ErrorInfo, RunReport, RunStatus};
use super::request::{RunBody, TestBody};
use super::{Sandbox, SandboxError, SandboxSettings};
use crate::plugins::contract::code_runner as contract;
use crate::runtime::capabilities::code_runner::{CodeRunnerBackend, failed_run};

impl CodeRunnerBackend for Sandbox {
    fn run(
        self: Arc<Self>,
        request: contract::RunRequest,
        user: Option<String>,
    ) -> Pin<Box<dyn Future<Output = contract::RunResult> + Send>> {
        Box::pin(async move {
            let plain = request.tests.is_empty();
            let body = body(request, &self.settings);
            let answer = if plain {
                match body.check_run(&self.settings) {
                    Ok(spec) => Sandbox::run(&self, &spec, user.as_deref())
                        .await
                        .map(|r| to_wit(&r, Vec::new())),
                    Err(e) => Err(e),
                }
            } else {
                match body.check_tests(&self.settings) {
                    Ok(spec) => self.run_tests(&spec, user.as_deref()).await.map(|report| {
                        let tests = report
                            .tests
                            .iter()
                            .map(|t| contract::TestResult {
                                name: t.name.clone(),
                                status: t.run.status,
                                passed: t.passed,
                                expected: t.expected.clone(),
                                actual: t.actual.clone(),
                                stderr: t.run.stderr.clone(),
                                error: t.run.error.as_ref().map(error),
                            })
                            .collect();
                        // The run as a whole: the first test that did not end `ok`, if any.
                        let first_bad = report
                            .tests
                            .iter()
                            .find(|t| t.run.status != RunStatus::Ok)
                            .or(report.tests.first());
                        match first_bad {
                            Some(t) => to_wit(&t.run, tests),
                            None => failed_run("no tests ran".into()),
                        }
                    }),
                    Err(e) => Err(e),
                }
            };
            answer.unwrap_or_else(|e| match e {
                SandboxError::Invalid { field, message } => {
                    failed_run(format!("invalid run request: {field}: {message}"))
                }
                other => failed_run(other.to_string()),
            })
        })
    }
}

/// The request as an API body; limits above the operator's maximums are lowered to them
/// (a plugin asking for too much gets the most there is, not an error).
fn body(request: contract::RunRequest, settings: &SandboxSettings) -> RunBody {
    let cap = |v: Option<u32>, max: u64| v.map(|v| u64::from(v).clamp(1, max));
    RunBody {
        code: request.code,
        stdin: request.tests.is_empty().then_some(request.stdin),
        language: Some(request.language),
        tests: (!request.tests.is_empty()).then(|| {
            request
                .tests
                .into_iter()
                .map(|t| TestBody {
                    name: Some(t.name),
                    stdin: t.stdin,
                    expected_stdout: t.expected_stdout,
                    assertion: t.assertion,
                })
                .collect()
        }),
        timeout_ms: cap(request.limits.timeout_ms, settings.max_timeout_ms),
        memory_mb: cap(request.limits.memory_mb, settings.max_memory_mb),
        max_output_bytes: cap(request.limits.max_output_bytes, settings.max_output_bytes),
    }
}

fn to_wit(report: &RunReport, tests: Vec<contract::TestResult>) -> contract::RunResult {
    contract::RunResult {
        status: report.status,
        stdout: report.stdout.clone(),
        stderr: report.stderr.clone(),
        exit_code: report.exit_code.unwrap_or(-1),
        error: report.error.as_ref().map(error),
        stdout_truncated: report.truncated.stdout,
        stderr_truncated: report.truncated.stderr,
        tests,
    }
}

fn error(e: &ErrorInfo) -> contract::RunError {
    contract::RunError {
        error_type: e.error_type.clone(),
        message: e.message.clone(),
        line: e.line,
    }
}
