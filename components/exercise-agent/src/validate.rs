//! The rule an exercise must pass before it is served: its reference solution passes every
//! test in the sandbox, and a trivially wrong solution (every function's body replaced by
//! `return None`) and the starter code each fail at least one. Each test is its own run,
//! as the code grader runs it, so what passes here passes when the host grades it. Static
//! checks come first and cost no run.

use serde::Serialize;

use crate::exercise::Exercise;
use tessera_plugin_sdk::sandbox::{Clock, CodeRunner, RunLimits, RunRequest, RunStatus, TestCase};

/// Deadline of each validation run, ms: the code grader's default, so a reference that
/// passes here passes when graded.
pub const RUN_TIMEOUT_MS: u32 = 2000;
/// Memory of each run, MiB (the code grader's default).
pub const RUN_MEMORY_MB: u32 = 32;
/// Tests an exercise may have.
pub const TESTS: std::ops::RangeInclusive<usize> = 2..=12;
/// Longest reference solution or starter code, in bytes.
pub const MAX_CODE_BYTES: usize = 16 * 1024;
/// Longest assertion, in bytes.
pub const MAX_ASSERTION_BYTES: usize = 1024;

/// What validation ran and found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Checks {
    /// Tests of the exercise.
    pub tests: usize,
    /// Tests the reference solution passed.
    pub reference_passed: usize,
    /// Whether the trivially wrong solution failed a test.
    pub wrong_solution_fails: bool,
    /// Whether the starter code failed a test.
    pub starter_fails: bool,
    /// Sandbox runs made.
    pub runs: usize,
}

/// Why an exercise is not served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejected {
    /// The exercise itself is wrong (a static check, a failing reference, a wrong solution
    /// that passes).
    Invalid(String),
    /// The sandbox could not run the checks (down, or no time left).
    Sandbox(String),
}

/// Checks that need no run: sizes, shapes, and that the prompt gives nothing away.
pub fn static_checks(exercise: &Exercise) -> Result<(), String> {
    let e = exercise;
    if e.title.trim().is_empty() || e.title.chars().count() > 120 {
        return Err("the title must be 1 to 120 characters".into());
    }
    if e.prompt.trim().len() < 20 || e.prompt.len() > 8000 {
        return Err("the prompt must be 20 to 8000 bytes".into());
    }
    if e.reference_solution.trim().is_empty() || e.reference_solution.len() > MAX_CODE_BYTES {
        return Err("the reference solution must be 1 byte to 16 KiB".into());
    }
    if e.starter_code.len() > MAX_CODE_BYTES {
        return Err("the starter code must be at most 16 KiB".into());
    }
    if !e
        .reference_solution
        .lines()
        .any(|l| l.trim_start().starts_with("def "))
    {
        return Err(
            "the reference solution defines no function, so no wrong solution can be derived"
                .into(),
        );
    }
    if !TESTS.contains(&e.tests.len()) {
        return Err(format!(
            "an exercise needs 2 to 12 tests, not {}",
            e.tests.len()
        ));
    }
    let mut names = std::collections::BTreeSet::new();
    for t in &e.tests {
        let Some(expression) = t.assertion.as_deref() else {
            return Err(format!("test '{}' has no assertion", t.name));
        };
        if t.name.trim().is_empty() || t.name.len() > 200 || !names.insert(t.name.as_str()) {
            return Err("test names must be 1 to 200 bytes and unique".into());
        }
        if expression.trim().is_empty()
            || expression.len() > MAX_ASSERTION_BYTES
            || expression.contains('\n')
            || !expression.contains("==")
        {
            return Err(format!(
                "test '{}' must be one line of at most 1 KiB comparing with `==`",
                t.name
            ));
        }
        // An example in the prompt may not be a hidden test: its call would give away the
        // expected value.
        let call = expression.split(" == ").next().unwrap_or(expression).trim();
        if e.prompt.contains(expression.trim()) || (call.len() >= 6 && e.prompt.contains(call)) {
            return Err(format!("the prompt gives away test '{}'", t.name));
        }
    }
    let reference = e.reference_solution.trim();
    if e.prompt.contains(reference) || e.starter_code.trim() == reference {
        return Err("the prompt or the starter code gives away the reference solution".into());
    }
    Ok(())
}

/// A Python string literal of `text`.
pub fn python_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The trivially wrong solution: the reference with every function's (and method's) body
/// replaced by `return None`, done by Python's own parser in the sandbox so decorators,
/// multi-line signatures and nested functions need no parsing here.
pub fn wrong_solution(reference: &str) -> String {
    format!(
        "import ast as __tessera_ast\n\
         __tessera_tree = __tessera_ast.parse({})\n\
         for __tessera_node in __tessera_ast.walk(__tessera_tree):\n    \
             if isinstance(__tessera_node, (__tessera_ast.FunctionDef, __tessera_ast.AsyncFunctionDef)):\n        \
                 __tessera_node.body = [__tessera_ast.Return(value=__tessera_ast.Constant(value=None))]\n\
         exec(compile(__tessera_ast.fix_missing_locations(__tessera_tree), \"<learner>\", \"exec\"))\n",
        python_string(reference)
    )
}

/// The run of one test against `code`.
pub fn run_request(code: &str, test: &TestCase) -> RunRequest {
    RunRequest {
        language: "python".into(),
        code: code.into(),
        stdin: String::new(),
        tests: vec![test.clone()],
        limits: RunLimits {
            timeout_ms: Some(RUN_TIMEOUT_MS),
            memory_mb: Some(RUN_MEMORY_MB),
            max_output_bytes: None,
        },
    }
}

/// Runs `code` against `test`: whether it passed, or why the sandbox could not say.
fn passes(
    code: &str,
    test: &TestCase,
    runner: &mut impl CodeRunner,
    clock: &impl Clock,
    budget_ms: u64,
    checks: &mut Checks,
) -> Result<bool, Rejected> {
    if clock.elapsed_ms() + u64::from(RUN_TIMEOUT_MS) > budget_ms {
        return Err(Rejected::Sandbox(
            "no time was left to validate the exercise".into(),
        ));
    }
    checks.runs += 1;
    let result = runner.run(&run_request(code, test));
    if result.status == RunStatus::InternalError {
        let why = result
            .error
            .map(|e| e.message)
            .filter(|m| !m.trim().is_empty())
            .unwrap_or(result.stderr);
        return Err(Rejected::Sandbox(format!(
            "the code sandbox could not run the checks: {}",
            why.trim()
        )));
    }
    Ok(result.status == RunStatus::Ok && result.tests.first().is_some_and(|t| t.passed))
}

/// Validates `exercise` within `budget_ms` of the call's start.
pub fn validate(
    exercise: &Exercise,
    runner: &mut impl CodeRunner,
    clock: &impl Clock,
    budget_ms: u64,
) -> Result<Checks, Rejected> {
    static_checks(exercise).map_err(Rejected::Invalid)?;
    let mut checks = Checks {
        tests: exercise.tests.len(),
        ..Checks::default()
    };
    for test in &exercise.tests {
        if !passes(
            &exercise.reference_solution,
            test,
            runner,
            clock,
            budget_ms,
            &mut checks,
        )? {
            return Err(Rejected::Invalid(format!(
                "the reference solution fails test '{}'",
                test.name
            )));
        }
        checks.reference_passed += 1;
    }
    let wrong = wrong_solution(&exercise.reference_solution);
    for test in &exercise.tests {
        if !passes(&wrong, test, runner, clock, budget_ms, &mut checks)? {
            checks.wrong_solution_fails = true;
            break;
        }
    }
    if !checks.wrong_solution_fails {
        return Err(Rejected::Invalid(
            "a trivially wrong solution (every function returning None) passes every test".into(),
        ));
    }
    for test in &exercise.tests {
        if !passes(
            &exercise.starter_code,
            test,
            runner,
            clock,
            budget_ms,
            &mut checks,
        )? {
            checks.starter_fails = true;
            break;
        }
    }
    if !checks.starter_fails {
        return Err(Rejected::Invalid(
            "the starter code already passes every test".into(),
        ));
    }
    Ok(checks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercise::assertion;

    fn exercise() -> Exercise {
        Exercise {
            title: "Double".into(),
            prompt: "Write `double(n)` that returns twice `n`.".into(),
            topic: "python.functions".into(),
            difficulty: "easy".into(),
            starter_code: "def double(n):\n    pass\n".into(),
            reference_solution: "def double(n):\n    return 2 * n\n".into(),
            tests: vec![
                assertion("a", "double(2) == 4"),
                assertion("b", "double(-3) == -6"),
            ],
        }
    }

    #[test]
    fn static_checks_refuse_what_cannot_be_validated_or_gives_answers_away() {
        assert_eq!(static_checks(&exercise()), Ok(()));
        let refused = |change: fn(&mut Exercise)| {
            let mut e = exercise();
            change(&mut e);
            static_checks(&e).unwrap_err()
        };
        assert!(
            refused(|e| e.prompt.push_str(" Example: `double(2)` returns 4."))
                .contains("gives away test 'a'")
        );
        assert!(
            refused(|e| e.reference_solution = "x = 2\n".into()).contains("defines no function")
        );
        assert!(
            refused(|e| e.tests[1].assertion = Some("double(1) > 1".into()))
                .contains("comparing with `==`")
        );
        assert!(refused(|e| e.tests[1].name = "a".into()).contains("unique"));
        assert!(refused(|e| e.tests.truncate(1)).contains("2 to 12 tests"));
        assert!(
            refused(|e| e.starter_code = e.reference_solution.clone())
                .contains("gives away the reference")
        );
    }

    #[test]
    fn the_wrong_solution_embeds_the_reference_as_a_literal() {
        let w = wrong_solution("def f():\n    return \"a\\b\"\n");
        assert!(
            w.contains("__tessera_ast.parse(\"def f():\\n    return \\\"a\\\\b\\\"\\n\")"),
            "{w}"
        );
        assert!(w.contains("Return(value=__tessera_ast.Constant(value=None))"));
        let r = run_request("code", &assertion("a", "f() == 1"));
        assert_eq!(
            (r.tests.len(), r.limits.timeout_ms),
            (1, Some(RUN_TIMEOUT_MS))
        );
    }
}
