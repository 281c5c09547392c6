//! What a client may ask the sandbox for, and the checks that turn it into a run.
//! Every refusal names the field at fault.

use serde::Deserialize;

use super::{SandboxError, SandboxSettings};

/// Longest program accepted, in bytes.
pub const MAX_CODE_BYTES: usize = 64 * 1024;
/// Longest stdin accepted, in bytes.
pub const MAX_STDIN_BYTES: usize = 1024 * 1024;
/// Most tests in one test-case run.
pub const MAX_TESTS: usize = 50;
/// Longest test name, in bytes.
pub const MAX_TEST_NAME_BYTES: usize = 200;
/// Longest assertion expression, in bytes.
pub const MAX_ASSERT_BYTES: usize = 4 * 1024;
/// Largest request body of the sandbox routes: a test-case run may carry several stdins.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The language a run is in when the request names none.
pub const DEFAULT_LANGUAGE: &str = "python";

/// The body of `POST /api/v1/sandbox/run` and `POST /api/v1/sandbox/run-tests`: a run
/// has `stdin` and no `tests`; a test-case run has `tests`, each with its own stdin.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunBody {
    /// The program.
    pub code: String,
    /// Standard input (a plain run only).
    #[serde(default)]
    pub stdin: Option<String>,
    /// Language of `code` (default `python`).
    #[serde(default)]
    pub language: Option<String>,
    /// The tests of a test-case run, each run in a fresh instance.
    #[serde(default)]
    pub tests: Option<Vec<TestBody>>,
    /// Wall-clock deadline of a run in ms (default and maximum: the operator's).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// Memory of a run in MiB, on top of the interpreter's baseline.
    #[serde(default)]
    pub memory_mb: Option<u64>,
    /// Cap on each of a run's stdout and stderr in bytes.
    #[serde(default)]
    pub max_output_bytes: Option<u64>,
}

/// One test: stdin + expected stdout, or an assertion over the program's names.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestBody {
    /// Shown in results (default `test N`).
    #[serde(default)]
    pub name: Option<String>,
    /// Standard input of this test's run.
    #[serde(default)]
    pub stdin: String,
    /// The stdout the program must print (compared ignoring trailing whitespace per
    /// line and trailing blank lines).
    #[serde(default)]
    pub expected_stdout: Option<String>,
    /// A Python expression that must be true after the program ran, e.g. `add(1, 2) == 3`.
    #[serde(default, rename = "assert")]
    pub assertion: Option<String>,
}

/// Limits of one run, within the operator's maximums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SandboxLimits {
    /// Wall-clock deadline in ms.
    pub timeout_ms: u64,
    /// Memory for learner code in MiB, on top of the interpreter's baseline.
    pub memory_mb: u64,
    /// Cap on each of stdout and stderr in bytes.
    pub max_output_bytes: u64,
}

/// A checked run.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// Language.
    pub language: String,
    /// Program text.
    pub code: String,
    /// Standard input.
    pub stdin: String,
    /// Limits.
    pub limits: SandboxLimits,
}

/// A checked test.
#[derive(Debug, Clone)]
pub struct TestSpec {
    /// Name.
    pub name: String,
    /// Standard input.
    pub stdin: String,
    /// Expected stdout, for an output test.
    pub expected_stdout: Option<String>,
    /// Assertion, for an assertion test.
    pub assertion: Option<String>,
}

/// A checked test-case run.
#[derive(Debug, Clone)]
pub struct TestsSpec {
    /// The program and limits shared by every test (its `stdin` is unused).
    pub run: RunSpec,
    /// The tests.
    pub tests: Vec<TestSpec>,
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> SandboxError {
    SandboxError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

fn check_code(code: &str) -> Result<(), SandboxError> {
    if code.len() > MAX_CODE_BYTES {
        return Err(invalid(
            "code",
            format!(
                "is {} bytes; the limit is {MAX_CODE_BYTES} bytes",
                code.len()
            ),
        ));
    }
    if let Some(at) = code.find('\0') {
        return Err(invalid(
            "code",
            format!("contains a NUL character (at byte {at}); source code cannot"),
        ));
    }
    Ok(())
}

fn check_stdin(field: &str, stdin: &str) -> Result<(), SandboxError> {
    if stdin.len() > MAX_STDIN_BYTES {
        return Err(invalid(
            field,
            format!(
                "is {} bytes; the limit is {MAX_STDIN_BYTES} bytes",
                stdin.len()
            ),
        ));
    }
    Ok(())
}

fn within(field: &str, value: Option<u64>, max: u64) -> Result<u64, SandboxError> {
    match value {
        None => Ok(max),
        Some(v) if (1..=max).contains(&v) => Ok(v),
        Some(v) => Err(invalid(
            field,
            format!("{v} is outside 1..={max} (the operator's maximum)"),
        )),
    }
}

fn language(value: Option<String>) -> Result<String, SandboxError> {
    let language = value.unwrap_or_else(|| DEFAULT_LANGUAGE.to_owned());
    if language.is_empty() || language.len() > 32 {
        return Err(invalid("language", "must be a language name like `python`"));
    }
    Ok(language)
}

fn limits(
    settings: &SandboxSettings,
    timeout_ms: Option<u64>,
    memory_mb: Option<u64>,
    max_output_bytes: Option<u64>,
) -> Result<SandboxLimits, SandboxError> {
    Ok(SandboxLimits {
        timeout_ms: within("timeout_ms", timeout_ms, settings.max_timeout_ms)?,
        memory_mb: within("memory_mb", memory_mb, settings.max_memory_mb)?,
        max_output_bytes: within(
            "max_output_bytes",
            max_output_bytes,
            settings.max_output_bytes,
        )?,
    })
}

impl RunBody {
    /// The checked program, language and limits shared by both kinds of run.
    fn base(
        code: String,
        language_name: Option<String>,
        settings: &SandboxSettings,
        wanted: [Option<u64>; 3],
    ) -> Result<RunSpec, SandboxError> {
        check_code(&code)?;
        let [timeout_ms, memory_mb, max_output_bytes] = wanted;
        Ok(RunSpec {
            language: language(language_name)?,
            limits: limits(settings, timeout_ms, memory_mb, max_output_bytes)?,
            code,
            stdin: String::new(),
        })
    }

    fn wanted(&self) -> [Option<u64>; 3] {
        [self.timeout_ms, self.memory_mb, self.max_output_bytes]
    }

    /// Checks a plain run against the limits and the operator's maximums.
    pub fn check_run(self, settings: &SandboxSettings) -> Result<RunSpec, SandboxError> {
        if self.tests.is_some() {
            return Err(invalid(
                "tests",
                "a run with tests goes to POST /api/v1/sandbox/run-tests",
            ));
        }
        let wanted = self.wanted();
        let stdin = self.stdin.unwrap_or_default();
        check_stdin("stdin", &stdin)?;
        let mut spec = Self::base(self.code, self.language, settings, wanted)?;
        spec.stdin = stdin;
        Ok(spec)
    }

    /// Checks a test-case run and every test in it.
    pub fn check_tests(self, settings: &SandboxSettings) -> Result<TestsSpec, SandboxError> {
        if self.stdin.is_some() {
            return Err(invalid("stdin", "each test carries its own `stdin`"));
        }
        let wanted = self.wanted();
        let bodies = self.tests.unwrap_or_default();
        check_code(&self.code)?;
        if bodies.is_empty() {
            return Err(invalid("tests", "must hold at least one test"));
        }
        if bodies.len() > MAX_TESTS {
            return Err(invalid(
                "tests",
                format!("holds {} tests; the limit is {MAX_TESTS}", bodies.len()),
            ));
        }
        let tests = bodies
            .into_iter()
            .enumerate()
            .map(|(i, t)| t.check(i))
            .collect::<Result<_, _>>()?;
        Ok(TestsSpec {
            run: Self::base(self.code, self.language, settings, wanted)?,
            tests,
        })
    }
}

impl TestBody {
    fn check(self, i: usize) -> Result<TestSpec, SandboxError> {
        let at = |f: &str| format!("tests[{i}].{f}");
        let name = self.name.unwrap_or_else(|| format!("test {}", i + 1));
        if name.len() > MAX_TEST_NAME_BYTES {
            return Err(invalid(
                at("name"),
                format!("is longer than {MAX_TEST_NAME_BYTES} bytes"),
            ));
        }
        check_stdin(&at("stdin"), &self.stdin)?;
        match (&self.expected_stdout, &self.assertion) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(invalid(
                    format!("tests[{i}]"),
                    "needs exactly one of `expected_stdout` and `assert`",
                ));
            }
            (Some(expected), None) => check_stdin(&at("expected_stdout"), expected)?,
            (None, Some(assertion)) => {
                if assertion.trim().is_empty() || assertion.len() > MAX_ASSERT_BYTES {
                    return Err(invalid(
                        at("assert"),
                        format!(
                            "must be a non-empty expression of at most {MAX_ASSERT_BYTES} bytes"
                        ),
                    ));
                }
                if assertion.contains('\0') {
                    return Err(invalid(at("assert"), "contains a NUL character"));
                }
            }
        }
        Ok(TestSpec {
            name,
            stdin: self.stdin,
            expected_stdout: self.expected_stdout,
            assertion: self.assertion,
        })
    }
}
