//! Runs example programs in the sandbox before they are shown: an example is shown only
//! when it ran clean and printed what the explanation says it prints, and the output shown
//! is the sandbox's.

use crate::runner::{CodeRunner, RunLimits, RunRequest, RunStatus};

/// Each run's deadline, in ms: examples are tiny.
pub const RUN_TIMEOUT_MS: u32 = 3000;

/// At most this many programs are run for one reply.
pub const MAX_RUNS: usize = 3;

/// An example as shown: the program and what the sandbox printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The program.
    pub code: String,
    /// Its output, as the sandbox printed it.
    pub output: String,
}

/// How running one example went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    /// It ran clean and printed what was claimed.
    Passed(Shown),
    /// It failed, or printed something else.
    Failed,
    /// The sandbox could not run it: trying more is pointless.
    Unavailable,
}

/// Output as compared: line endings unified, trailing whitespace of each line and trailing
/// blank lines dropped.
pub fn normalise(output: &str) -> String {
    output
        .replace("\r\n", "\n")
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_owned()
}

/// Runs `code` and checks that it prints `claimed`.
pub fn run(runner: &mut impl CodeRunner, code: &str, claimed: &str) -> Run {
    let result = runner.run(&RunRequest {
        language: "python".to_owned(),
        code: code.to_owned(),
        stdin: String::new(),
        tests: Vec::new(),
        limits: RunLimits {
            timeout_ms: Some(RUN_TIMEOUT_MS),
            memory_mb: Some(32),
            max_output_bytes: Some(8 * 1024),
        },
    });
    match result.status {
        RunStatus::InternalError => Run::Unavailable,
        RunStatus::Ok
            if !result.stdout_truncated
                && !result.stdout.trim().is_empty()
                && normalise(&result.stdout) == normalise(claimed) =>
        {
            Run::Passed(Shown {
                code: code.to_owned(),
                output: normalise(&result.stdout),
            })
        }
        _ => Run::Failed,
    }
}
