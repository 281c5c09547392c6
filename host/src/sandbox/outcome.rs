//! Judging a run: the status, output and error the host vouches for.
//!
//! The plugin's `run-result` comes from inside the instance, where learner code could have
//! tampered with it, so only what the host cannot see for itself is taken from it (ok vs
//! raised vs did not parse, the error's type/message/line, the exit code), every string is
//! bounded, and everything the host did see wins: the deadline, the memory cap, the output
//! caps, an exit, a crash. Output is what the host captured on the instance's stdout and
//! stderr; the record's `stdout`/`stderr` fields are ignored.

use serde::Serialize;

use super::request::SandboxLimits;
use crate::plugins::contract::code_runner::{
    RunError as GuestError, RunResult, RunStatus as GuestStatus,
};
use crate::runtime::PluginErrorKind;
use crate::runtime::call::{Execution, Output};

/// Longest error type taken from a run, in bytes.
const MAX_ERROR_TYPE: usize = 200;
/// Longest error message taken from a run, in bytes.
const MAX_ERROR_MESSAGE: usize = 2_000;
/// Longest assertion report taken from a run, in bytes (the runner keeps its own under
/// 1 MiB; a longer one is not a report).
const MAX_ASSERTION_REPORT: usize = 2 << 20;

/// How a run ended: the one enum the code grader uses too (`crates/run-status`), with its
/// serde and OpenAPI forms (`ok`, `runtime_error`, …).
pub use run_status::RunStatus;

/// The error a run raised.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorInfo {
    /// Exception type, e.g. `ZeroDivisionError`.
    #[serde(rename = "type")]
    pub error_type: String,
    /// Its message.
    pub message: String,
    /// Line in the learner's code, when known.
    pub line: Option<u32>,
}

/// Whether each stream was cut at the output cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Truncated {
    /// stdout was cut.
    pub stdout: bool,
    /// stderr was cut.
    pub stderr: bool,
}

/// The outcome of one run, as the API returns it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct RunReport {
    /// How the run ended.
    pub status: RunStatus,
    /// Standard output, at most the output cap.
    pub stdout: String,
    /// Standard error (with the traceback), at most the output cap.
    pub stderr: String,
    /// Exit code; `null` when the host stopped the run (deadline, memory, output, crash).
    pub exit_code: Option<i32>,
    /// The error, for every status but `ok`.
    pub error: Option<ErrorInfo>,
    /// Wall-clock time of the run, in ms, instance start-up included.
    pub duration_ms: f64,
    /// Peak linear memory of the instance in bytes, the interpreter's baseline included.
    pub memory_bytes: u64,
    /// Which streams were cut at the cap.
    pub truncated: Truncated,
    /// For an assertion test: the runner's report of the evaluated assertion (bounded).
    #[serde(skip)]
    pub assertion: Option<AssertionSeen>,
}

impl RunReport {
    /// A run the sandbox could not carry out.
    pub fn internal_error(message: &str) -> Self {
        RunReport {
            status: RunStatus::InternalError,
            stdout: String::new(),
            stderr: String::new(),
            exit_code: None,
            error: host_error("InternalError", message.to_owned()),
            duration_ms: 0.0,
            memory_bytes: 0,
            truncated: Truncated {
                stdout: false,
                stderr: false,
            },
            assertion: None,
        }
    }
}

/// What the runner reported for an assertion test: its `actual`, which a runner that
/// evaluated the assertion fills with the value's report (`super::assertions::Report`),
/// and otherwise with what happened instead. The runner's `passed` is not taken: the host
/// judges the values.
#[derive(Debug, Clone)]
pub struct AssertionSeen {
    /// The report, or what happened instead.
    pub report: String,
}

fn host_error(error_type: &str, message: String) -> Option<ErrorInfo> {
    Some(ErrorInfo {
        error_type: error_type.to_owned(),
        message,
        line: None,
    })
}

/// Cuts `text` to at most `max` bytes on a character boundary.
pub fn bounded(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// A captured stream as text (invalid UTF-8 replaced).
fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.bytes).into_owned()
}

/// Turns what a run left behind into the report the API returns.
pub fn judge(run: Execution<RunResult>, limits: &SandboxLimits) -> RunReport {
    let cap = limits.max_output_bytes;
    let (guest, failure) = match run.result {
        Ok(result) => (Some(result), None),
        Err(kind) => (None, Some(kind)),
    };
    // Output is what the host captured on the instance's streams, never what the record
    // claims; a runner's own cut (at exactly the cap) counts as truncation too.
    let truncated = Truncated {
        stdout: run.stdout.truncated() || guest.as_ref().is_some_and(|g| g.stdout_truncated),
        stderr: run.stderr.truncated() || guest.as_ref().is_some_and(|g| g.stderr_truncated),
    };
    let (stdout, stderr) = (text(&run.stdout), text(&run.stderr));

    let (status, exit_code, error) = match failure {
        Some(PluginErrorKind::Timeout { timeout_ms })
        | Some(PluginErrorKind::FuelExhausted { fuel: timeout_ms }) => (
            RunStatus::Timeout,
            None,
            host_error(
                "Timeout",
                format!("the program did not finish within {timeout_ms} ms"),
            ),
        ),
        Some(PluginErrorKind::MemoryLimit { .. }) => memory_limit(limits),
        Some(PluginErrorKind::OutputTooLarge { limit, .. }) => (
            RunStatus::OutputLimit,
            None,
            host_error(
                "OutputLimit",
                format!("the program wrote more than {limit} bytes to one stream"),
            ),
        ),
        Some(PluginErrorKind::StackOverflow) => (
            RunStatus::RuntimeError,
            None,
            host_error(
                "RecursionError",
                "maximum recursion depth exceeded (the interpreter's stack overflowed)".into(),
            ),
        ),
        Some(PluginErrorKind::Exited { code }) => (
            if code == 0 {
                RunStatus::Ok
            } else {
                RunStatus::RuntimeError
            },
            Some(code),
            (code != 0).then(|| ErrorInfo {
                error_type: "SystemExit".into(),
                message: format!("exited with code {code}"),
                line: None,
            }),
        ),
        Some(other) => (
            RunStatus::InternalError,
            None,
            host_error(
                "InternalError",
                bounded(other.to_string(), MAX_ERROR_MESSAGE),
            ),
        ),
        None => {
            let g = guest.as_ref();
            let guest_status = g.map_or(GuestStatus::InternalError, |g| g.status);
            let error = g.and_then(|g| g.error.clone()).map(guest_error);
            let exit_code = g.map(|g| g.exit_code);
            let status = match guest_status {
                GuestStatus::Ok => RunStatus::Ok,
                GuestStatus::SyntaxError => RunStatus::SyntaxError,
                GuestStatus::InternalError => RunStatus::InternalError,
                // Limits are the host's to call: a runner claiming one the host did not
                // see is reporting a failure of the program.
                GuestStatus::RuntimeError
                | GuestStatus::Timeout
                | GuestStatus::MemoryLimit
                | GuestStatus::OutputLimit => RunStatus::RuntimeError,
            };
            (status, exit_code, error)
        }
    };
    // What the host saw outranks the runner's account: a refused memory grow (even one the
    // program caught), then a stream cut at the cap.
    let (status, exit_code, error) = if run.memory_limit_hit && status != RunStatus::Timeout {
        memory_limit(limits)
    } else if (truncated.stdout || truncated.stderr)
        && matches!(status, RunStatus::Ok | RunStatus::RuntimeError)
    {
        (
            RunStatus::OutputLimit,
            exit_code,
            error.or_else(|| {
                host_error(
                    "OutputLimit",
                    format!("the program wrote more than {cap} bytes to one stream"),
                )
            }),
        )
    } else {
        (status, exit_code, error)
    };
    let assertion = guest
        .and_then(|g| g.tests.into_iter().next())
        .map(|t| AssertionSeen {
            report: bounded(t.actual, MAX_ASSERTION_REPORT),
        });
    RunReport {
        status,
        stdout,
        stderr,
        exit_code,
        error,
        duration_ms: (run.elapsed.as_secs_f64() * 1e6).round() / 1e3,
        memory_bytes: run.peak_memory_bytes,
        truncated,
        assertion,
    }
}

fn memory_limit(limits: &SandboxLimits) -> (RunStatus, Option<i32>, Option<ErrorInfo>) {
    (
        RunStatus::MemoryLimit,
        None,
        host_error(
            "MemoryError",
            format!(
                "the program needed more than its {} MB of memory",
                limits.memory_mb
            ),
        ),
    )
}

fn guest_error(e: GuestError) -> ErrorInfo {
    ErrorInfo {
        error_type: bounded(e.error_type, MAX_ERROR_TYPE),
        message: bounded(e.message, MAX_ERROR_MESSAGE),
        line: e.line,
    }
}
