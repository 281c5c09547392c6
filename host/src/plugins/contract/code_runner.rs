//! Running learner code (WIT `tessera:platform/code-runner`, both the import graders call and
//! the sandbox's export), as the host's own types.

use serde::{Deserialize, Serialize};

/// Limits a caller asks for. Each is capped by the operator's maximums; `none` means the
/// runner's default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunLimits {
    /// Wall-clock deadline in milliseconds.
    pub timeout_ms: Option<u32>,
    /// Memory for user code in MiB, on top of the interpreter's own baseline.
    pub memory_mb: Option<u32>,
    /// Cap on each of stdout and stderr in bytes.
    pub max_output_bytes: Option<u32>,
}

/// One test of a test-case run: either stdin with an expected stdout, or an assertion
/// expression evaluated after the learner's code. The host runs each test in its own
/// fresh instance, passing a single test in `run-request.tests`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestCase {
    /// Name shown in results.
    pub name: String,
    /// Standard input for this test.
    pub stdin: String,
    /// Expected standard output (compared after trimming trailing whitespace per line).
    pub expected_stdout: Option<String>,
    /// An expression that must evaluate truthy, e.g. `add(1, 2) == 3`. For a single `==`
    /// comparison a runner reports the right side as `expected` and the left as `actual`.
    pub assertion: Option<String>,
}

/// What to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRequest {
    /// Language of `code`, e.g. `python`.
    pub language: String,
    /// The program text.
    pub code: String,
    /// Standard input for a plain run.
    pub stdin: String,
    /// Test cases; empty for a plain run.
    pub tests: Vec<TestCase>,
    /// Requested limits.
    pub limits: RunLimits,
}

/// How a run ended: the one status shared by the contract, the sandbox and the code grader.
pub use run_status::RunStatus;

/// The error a run raised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunError {
    /// Exception type, e.g. `ZeroDivisionError`.
    pub error_type: String,
    /// Exception message.
    pub message: String,
    /// Line in the learner's code, when known.
    pub line: Option<u32>,
}

/// The outcome of one test case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    /// The test's name.
    pub name: String,
    /// How the test's run ended.
    pub status: RunStatus,
    /// Whether the test passed.
    pub passed: bool,
    /// What was expected (stdout or the assertion text).
    pub expected: String,
    /// What the code produced.
    pub actual: String,
    /// Captured standard error, possibly truncated.
    pub stderr: String,
    /// The error raised, if any.
    pub error: Option<RunError>,
}

/// The outcome of a run.
///
/// A runner writes the program's output to its own stdout and stderr as it goes; the
/// host captures both under the output cap and fills `stdout`, `stderr` and the
/// truncation flags from what it captured, so output printed before a timeout or a
/// crash survives and a program cannot forge it. The host also decides `timeout`,
/// `memory-limit` and `output-limit` itself. A caller importing `code-runner` (a
/// grader) receives the host's version of this record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// How the run ended.
    pub status: RunStatus,
    /// Captured standard output, possibly truncated (set by the host; a runner leaves it
    /// empty).
    pub stdout: String,
    /// Captured standard error (traceback included), possibly truncated (set by the
    /// host; a runner leaves it empty).
    pub stderr: String,
    /// Process exit code; 0 for a normal exit.
    pub exit_code: i32,
    /// The uncaught error, if any.
    pub error: Option<RunError>,
    /// Whether stdout was cut at the output cap (a runner sets it when its own writer
    /// stopped at the cap).
    pub stdout_truncated: bool,
    /// Whether stderr was cut at the output cap.
    pub stderr_truncated: bool,
    /// Per-test outcomes for a test-case run; empty for a plain run.
    pub tests: Vec<TestResult>,
}
