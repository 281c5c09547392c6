//! Runs code in the sandbox: the learner's, to see the error they did not paste, and a
//! corrected program, so a fix is shown only once it has run without the error.

use crate::failure::{Failure, TIMEOUT};
use crate::rules::Candidate;
use crate::runner::{CodeRunner, RunLimits, RunRequest, RunStatus};

/// At most this many corrected programs are run for one reply.
pub const MAX_CANDIDATES: usize = 3;

/// Each run's deadline, in ms: the learner's programs are small; a loop that has not
/// ended by then is the bug being looked for.
pub const RUN_TIMEOUT_MS: u32 = 3000;

/// What an example program reads: a number on every line, so `int(input())` works.
const STDIN: &str = "3\n3\n3\n3\n3\n3\n3\n3\n3\n3\n";

/// Errors found before the program runs: once fixed, the program may stop at the next,
/// separate bug, and the fix is still right.
const SYNTAX_ERRORS: &[&str] = &["SyntaxError", "IndentationError", "TabError"];

/// A corrected program that ran without the error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The corrected program.
    pub code: String,
    /// A remark on the run, when it stopped at a different error.
    pub note: Option<String>,
}

/// How running the learner's own code went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LearnerRun {
    /// It raised (or timed out): the error.
    Failed(Failure),
    /// It ran to the end: what it printed.
    Finished(String),
    /// The sandbox could not run it.
    Unavailable,
}

fn request(code: &str) -> RunRequest {
    RunRequest {
        language: "python".to_owned(),
        code: code.to_owned(),
        stdin: STDIN.to_owned(),
        tests: Vec::new(),
        limits: RunLimits {
            timeout_ms: Some(RUN_TIMEOUT_MS),
            memory_mb: Some(32),
            max_output_bytes: Some(16 * 1024),
        },
    }
}

/// Runs the learner's code to find the error it raises.
pub fn run_learner(runner: &mut impl CodeRunner, code: &str) -> LearnerRun {
    let result = runner.run(&request(code));
    match result.status {
        RunStatus::Ok => LearnerRun::Finished(result.stdout),
        RunStatus::InternalError => LearnerRun::Unavailable,
        RunStatus::Timeout => LearnerRun::Failed(Failure {
            error_type: TIMEOUT.to_owned(),
            message: "the program did not finish".to_owned(),
            line: None,
        }),
        _ => match result.error {
            Some(e) => LearnerRun::Failed(Failure {
                error_type: e.error_type,
                message: e.message,
                line: e.line,
            }),
            None => LearnerRun::Unavailable,
        },
    }
}

/// The first of `candidates` that runs without `error`, trying at most
/// [`MAX_CANDIDATES`]; `None` when none does or the sandbox is unavailable.
pub fn first_clean(
    runner: &mut impl CodeRunner,
    error: &Failure,
    candidates: &[Candidate],
) -> Option<Verified> {
    for candidate in candidates.iter().take(MAX_CANDIDATES) {
        let result = runner.run(&request(&candidate.code));
        match result.status {
            RunStatus::Ok => {
                return Some(Verified {
                    code: candidate.code.clone(),
                    note: None,
                });
            }
            RunStatus::InternalError => return None,
            RunStatus::RuntimeError if SYNTAX_ERRORS.contains(&error.error_type.as_str()) => {
                let next = result.error.map_or_else(
                    || "another error".to_owned(),
                    |e| match e.line {
                        Some(l) => format!("`{}` on line {l}", e.error_type),
                        None => format!("`{}`", e.error_type),
                    },
                );
                return Some(Verified {
                    code: candidate.code.clone(),
                    note: Some(format!(
                        "With this change Python can read the program; it then stops at {next}, \
                         a separate problem to look at next."
                    )),
                });
            }
            _ => {}
        }
    }
    None
}
