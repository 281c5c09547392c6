//! How a sandboxed run ended: one enum for the host's sandbox (which judges runs and
//! reports them over its API) and the code grader (which reads the statuses the sandbox
//! reports), so the two cannot drift apart. Its wire form is the snake_case name
//! ([`RunStatus::label`], and the serde form with the `serde` feature): `ok`,
//! `runtime_error`, `syntax_error`, `timeout`, `memory_limit`, `output_limit`,
//! `internal_error`.
//!
//! Dependency-free by default, so a wasm component can use it without pulling serde in;
//! the `serde` and `utoipa` features derive what the host's API needs.

use std::fmt;

/// How a run ended (as Judge0, Piston and Jobe report it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub enum RunStatus {
    /// Ran to the end (exit code 0).
    Ok,
    /// Raised an uncaught exception or exited non-zero.
    RuntimeError,
    /// Did not parse.
    SyntaxError,
    /// Passed its deadline.
    Timeout,
    /// Needed more memory than it was given.
    MemoryLimit,
    /// Wrote more than its output cap.
    OutputLimit,
    /// The sandbox failed (or could not run it): not the learner's fault.
    InternalError,
}

impl RunStatus {
    /// Every status, in declaration order.
    pub const ALL: [RunStatus; 7] = [
        RunStatus::Ok,
        RunStatus::RuntimeError,
        RunStatus::SyntaxError,
        RunStatus::Timeout,
        RunStatus::MemoryLimit,
        RunStatus::OutputLimit,
        RunStatus::InternalError,
    ];

    /// The status as the sandbox API spells it (its serde form, a metric label, the code
    /// grader's `details`).
    pub fn label(self) -> &'static str {
        match self {
            RunStatus::Ok => "ok",
            RunStatus::RuntimeError => "runtime_error",
            RunStatus::SyntaxError => "syntax_error",
            RunStatus::Timeout => "timeout",
            RunStatus::MemoryLimit => "memory_limit",
            RunStatus::OutputLimit => "output_limit",
            RunStatus::InternalError => "internal_error",
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_the_wire_names() {
        let labels: Vec<&str> = RunStatus::ALL.iter().map(|s| s.label()).collect();
        assert_eq!(
            labels,
            [
                "ok",
                "runtime_error",
                "syntax_error",
                "timeout",
                "memory_limit",
                "output_limit",
                "internal_error"
            ]
        );
        assert_eq!(RunStatus::MemoryLimit.to_string(), "memory_limit");
    }

    #[cfg(feature = "serde")]
    #[test]
    fn the_serde_form_is_the_label() {
        for status in RunStatus::ALL {
            let json = serde_json::to_value(status).unwrap();
            assert_eq!(json, status.label());
            assert_eq!(serde_json::from_value::<RunStatus>(json).unwrap(), status);
        }
        assert!(serde_json::from_str::<RunStatus>("\"Timeout\"").is_err());
    }
}
