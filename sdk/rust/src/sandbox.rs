//! The `tessera:platform/code-runner` contract in plain Rust types, and what a plugin that
//! runs code needs from its surroundings: something that runs it ([`CodeRunner`]) and a
//! clock. A component backs them with the real import ([`crate::code_runner_import!`]) and
//! the wall clock; its native tests with fakes.

/// Limits asked for one run (`run-limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunLimits {
    /// Wall-clock deadline in ms.
    pub timeout_ms: Option<u32>,
    /// Memory for the learner's code in MiB.
    pub memory_mb: Option<u32>,
    /// Cap on each of stdout and stderr in bytes.
    pub max_output_bytes: Option<u32>,
}

/// One test of a test-case run (`test-case`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCase {
    /// Name shown in results.
    pub name: String,
    /// Standard input.
    pub stdin: String,
    /// Expected stdout (the grader never sends it: it compares output itself).
    pub expected_stdout: Option<String>,
    /// An expression that must be true after the program ran.
    pub assertion: Option<String>,
}

/// What to run (`run-request`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRequest {
    /// Language of `code`.
    pub language: String,
    /// The program text.
    pub code: String,
    /// Standard input of a plain run.
    pub stdin: String,
    /// Empty for a plain run; one assertion test otherwise.
    pub tests: Vec<TestCase>,
    /// Requested limits.
    pub limits: RunLimits,
}

/// How a run ended (`run-status`): the one enum the host's sandbox uses too
/// (`crates/run-status`).
pub use run_status::RunStatus;

/// The error a run raised (`run-error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunError {
    /// Exception type, e.g. `ZeroDivisionError`, or the host's `Timeout`, `MemoryError`, …
    pub error_type: String,
    /// Exception message.
    pub message: String,
    /// Line in the program, when known.
    pub line: Option<u32>,
}

/// The outcome of one test of a test-case run (`test-result`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    /// The test's name.
    pub name: String,
    /// How its run ended.
    pub status: RunStatus,
    /// Whether it passed.
    pub passed: bool,
    /// For an assertion: the right side's repr of a single `==`, else the expression.
    pub expected: String,
    /// For an assertion: the left side's repr, else the value's repr.
    pub actual: String,
    /// Captured standard error.
    pub stderr: String,
    /// The error raised, if any.
    pub error: Option<RunError>,
}

/// The outcome of a run (`run-result`), as the host reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunResult {
    /// How the run ended.
    pub status: RunStatus,
    /// Captured standard output.
    pub stdout: String,
    /// Captured standard error.
    pub stderr: String,
    /// Exit code; -1 when the host stopped the program.
    pub exit_code: i32,
    /// The uncaught error, if any.
    pub error: Option<RunError>,
    /// Whether stdout was cut at the cap.
    pub stdout_truncated: bool,
    /// Whether stderr was cut at the cap.
    pub stderr_truncated: bool,
    /// Per-test outcomes of a test-case run.
    pub tests: Vec<TestResult>,
}

impl RunResult {
    /// A result with only a status and output: the base of the tests' fakes.
    pub fn ended(status: RunStatus, stdout: &str) -> Self {
        Self {
            status,
            stdout: stdout.into(),
            stderr: String::new(),
            exit_code: if status == RunStatus::Ok { 0 } else { 1 },
            error: None,
            stdout_truncated: false,
            stderr_truncated: false,
            tests: Vec::new(),
        }
    }
}

/// Runs code to completion (the `code-runner` import: never fails as a call).
pub trait CodeRunner {
    /// Runs `request`.
    fn run(&mut self, request: &RunRequest) -> RunResult;
}

/// Milliseconds since the call started.
pub trait Clock {
    /// Elapsed time in ms.
    fn elapsed_ms(&self) -> u64;
}

/// Wall-clock time since the call started.
pub struct WallClock(std::time::Instant);

impl WallClock {
    /// A clock started now.
    pub fn start() -> Self {
        WallClock(std::time::Instant::now())
    }
}

impl Clock for WallClock {
    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.0.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// Defines `Sandbox`, a [`CodeRunner`] calling the `code-runner` import of the
/// component's bindings, given the path of the generated module
/// (`code_runner_import!(tessera::platform::code_runner)`). Every contract version's
/// `code-runner` has the same types, so one glue serves all.
#[macro_export]
macro_rules! code_runner_import {
    ($($cr:ident)::+) => {
        /// The sandbox, through the granted `code-runner` import.
        pub struct Sandbox;

        impl $crate::sandbox::CodeRunner for Sandbox {
            fn run(&mut self, r: &$crate::sandbox::RunRequest) -> $crate::sandbox::RunResult {
                use $crate::sandbox as plain;
                use $($cr)::+ as cr;
                fn status(s: cr::RunStatus) -> plain::RunStatus {
                    match s {
                        cr::RunStatus::Ok => plain::RunStatus::Ok,
                        cr::RunStatus::RuntimeError => plain::RunStatus::RuntimeError,
                        cr::RunStatus::SyntaxError => plain::RunStatus::SyntaxError,
                        cr::RunStatus::Timeout => plain::RunStatus::Timeout,
                        cr::RunStatus::MemoryLimit => plain::RunStatus::MemoryLimit,
                        cr::RunStatus::OutputLimit => plain::RunStatus::OutputLimit,
                        cr::RunStatus::InternalError => plain::RunStatus::InternalError,
                    }
                }
                fn error(e: cr::RunError) -> plain::RunError {
                    plain::RunError {
                        error_type: e.error_type,
                        message: e.message,
                        line: e.line,
                    }
                }
                let result = cr::run(&cr::RunRequest {
                    language: r.language.clone(),
                    code: r.code.clone(),
                    stdin: r.stdin.clone(),
                    tests: r
                        .tests
                        .iter()
                        .map(|t| cr::TestCase {
                            name: t.name.clone(),
                            stdin: t.stdin.clone(),
                            expected_stdout: t.expected_stdout.clone(),
                            assertion: t.assertion.clone(),
                        })
                        .collect(),
                    limits: cr::RunLimits {
                        timeout_ms: r.limits.timeout_ms,
                        memory_mb: r.limits.memory_mb,
                        max_output_bytes: r.limits.max_output_bytes,
                    },
                });
                plain::RunResult {
                    status: status(result.status),
                    stdout: result.stdout,
                    stderr: result.stderr,
                    exit_code: result.exit_code,
                    error: result.error.map(error),
                    stdout_truncated: result.stdout_truncated,
                    stderr_truncated: result.stderr_truncated,
                    tests: result
                        .tests
                        .into_iter()
                        .map(|t| plain::TestResult {
                            name: t.name,
                            status: status(t.status),
                            passed: t.passed,
                            expected: t.expected,
                            actual: t.actual,
                            stderr: t.stderr,
                            error: t.error.map(error),
                        })
                        .collect(),
                }
            }
        }
    };
}
