//! The `ast`-based checker (`checker.py`), run in the sandbox: the run that carries it, and
//! what its output means. The learner's code goes in as the run's stdin, never spliced into
//! the program, so no escaping can go wrong and the checker's own line numbers never mix
//! with the learner's; the checker parses it and never runs it.

use serde::Deserialize;

use crate::finding::{Finding, Severity, Stats};
use tessera_plugin_sdk::sandbox::{RunLimits, RunRequest, RunResult, RunStatus};

/// The checker's source, compiled into the component.
pub const CHECKER: &str = include_str!("checker.py");
/// Deadline of the checker's run: parsing 64 KiB of code takes well under a second.
pub const TIMEOUT_MS: u32 = 5000;
/// Memory for the checker's run, MiB (the AST of 64 KiB of code fits easily).
pub const MEMORY_MB: u32 = 50;

/// What the checker found.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The findings, sorted by line (a syntax error is the only one when there is one).
    pub findings: Vec<Finding>,
    /// Whether the checker kept only its first 60 findings.
    pub truncated: bool,
    /// What it measured.
    pub stats: Stats,
    /// Whether the code failed to parse.
    pub syntax_error: bool,
}

/// The run that checks `code`.
pub fn request(code: &str) -> RunRequest {
    RunRequest {
        language: "python".into(),
        code: CHECKER.into(),
        stdin: code.into(),
        tests: Vec::new(),
        limits: RunLimits {
            timeout_ms: Some(TIMEOUT_MS),
            memory_mb: Some(MEMORY_MB),
            max_output_bytes: Some(64 * 1024),
        },
    }
}

#[derive(Deserialize)]
struct Output {
    #[serde(default)]
    findings: Vec<Finding>,
    #[serde(default)]
    truncated: bool,
    #[serde(default)]
    stats: Stats,
    syntax_error: Option<SyntaxError>,
    too_complex: Option<String>,
}

#[derive(Deserialize)]
struct SyntaxError {
    #[serde(default)]
    line: u32,
    #[serde(default)]
    col: u32,
    message: String,
}

/// Reads the checker's run: its findings, or why there are none (the sandbox failed, the
/// checker did not finish, its output is not what it prints), said for the learner.
pub fn read(result: &RunResult) -> Result<Checked, String> {
    match result.status {
        RunStatus::Ok => {}
        RunStatus::InternalError => {
            let why = result
                .error
                .as_ref()
                .map(|e| e.message.trim().to_owned())
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| result.stderr.trim().to_owned());
            return Err(format!("the code sandbox is not available now ({why})"));
        }
        RunStatus::Timeout => return Err("the checks took too long".into()),
        status => {
            return Err(format!(
                "the checker stopped with {} ({})",
                status.label(),
                result
                    .error
                    .as_ref()
                    .map(|e| e.error_type.as_str())
                    .unwrap_or("no error")
            ));
        }
    }
    let output: Output = serde_json::from_str(result.stdout.trim())
        .map_err(|e| format!("the checker's report could not be read ({e})"))?;
    if let Some(why) = output.too_complex {
        return Err(why);
    }
    if let Some(e) = output.syntax_error {
        let at = if e.line > 0 {
            format!(" on line {}", e.line)
        } else {
            String::new()
        };
        return Ok(Checked {
            findings: vec![Finding {
                line: e.line,
                col: e.col,
                code: "syntax-error".into(),
                message: format!("syntax error{at}: {}", e.message),
                severity: Severity::Error,
            }],
            truncated: false,
            stats: output.stats,
            syntax_error: true,
        });
    }
    Ok(Checked {
        findings: output.findings,
        truncated: output.truncated,
        stats: output.stats,
        syntax_error: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_plugin_sdk::sandbox::RunError;

    #[test]
    fn the_code_goes_in_as_stdin() {
        let r = request("print('hi')\n");
        assert_eq!(r.code, CHECKER);
        assert_eq!(r.stdin, "print('hi')\n");
        assert!(r.tests.is_empty());
    }

    #[test]
    fn findings_are_read() {
        let out = r#"{"findings": [{"line": 3, "col": 4, "code": "bare-except",
            "message": "bare except", "severity": "warning"},
            {"line": 5, "col": 0, "code": "new-check", "message": "m", "severity": "odd"}],
            "truncated": false, "stats": {"lines": 9, "functions": 1}}"#;
        let c = read(&RunResult::ended(RunStatus::Ok, out)).unwrap();
        assert_eq!(c.findings.len(), 2);
        assert_eq!(c.findings[0].severity, Severity::Warning);
        // A severity the agent does not know counts as info.
        assert_eq!(c.findings[1].severity, Severity::Info);
        assert_eq!(
            (c.stats.lines, c.stats.functions, c.stats.classes),
            (9, 1, 0)
        );
        assert!(!c.syntax_error);
    }

    #[test]
    fn a_syntax_error_is_one_finding_with_its_line() {
        let out = r#"{"syntax_error": {"line": 2, "col": 7, "message": "invalid syntax"},
            "stats": {"lines": 2}}"#;
        let c = read(&RunResult::ended(RunStatus::Ok, out)).unwrap();
        assert!(c.syntax_error);
        assert_eq!(c.findings[0].code, "syntax-error");
        assert_eq!(c.findings[0].line, 2);
        assert_eq!(
            c.findings[0].message,
            "syntax error on line 2: invalid syntax"
        );
        assert_eq!(c.findings[0].severity, Severity::Error);
    }

    #[test]
    fn failures_say_why() {
        let mut down = RunResult::ended(RunStatus::InternalError, "");
        down.error = Some(RunError {
            error_type: "InternalError".into(),
            message: "no code sandbox is running on this host".into(),
            line: None,
        });
        assert_eq!(
            read(&down).unwrap_err(),
            "the code sandbox is not available now (no code sandbox is running on this host)"
        );
        assert!(read(&RunResult::ended(RunStatus::Ok, "not json")).is_err());
        assert!(read(&RunResult::ended(RunStatus::Timeout, "")).is_err());
        let deep = r#"{"too_complex": "the code is nested too deeply to check"}"#;
        assert_eq!(
            read(&RunResult::ended(RunStatus::Ok, deep)).unwrap_err(),
            "the code is nested too deeply to check"
        );
    }
}
