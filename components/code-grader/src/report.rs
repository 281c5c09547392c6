//! The grade from the tests' outcomes: score, summary feedback, one part per test, and the
//! per-test details (`grade-outcome.details`, shape in `docs/grading.md`).

use serde_json::{Map, Value, json};

use crate::compare::clip;
use crate::judge::{ErrorInfo, Shown, TestOutcome};
use crate::outcome::{Outcome, Part};
use crate::program::Place;

/// Failures named in the summary before "and N more".
const NAMED_FAILURES: usize = 3;
/// Longest reason quoted in the summary, in characters.
const SUMMARY_REASON: usize = 160;

/// Builds the grade.
pub fn build(outcomes: &[TestOutcome]) -> Outcome {
    // Folded from +0.0: `f64::sum` starts at -0.0, and a score of nothing is 0, not -0.
    let total_weight = outcomes.iter().fold(0.0, |sum, o| sum + o.weight);
    let passed_weight = outcomes
        .iter()
        .filter(|o| o.passed)
        .fold(0.0, |sum, o| sum + o.weight);
    let score = if total_weight > 0.0 {
        (passed_weight / total_weight).clamp(0.0, 1.0)
    } else {
        0.0
    };
    // Exact, not through floating point: every test that counts passed.
    let correct = outcomes.iter().all(|o| o.passed || o.weight == 0.0);
    let passed = outcomes.iter().filter(|o| o.passed).count();
    Outcome {
        score: if correct { 1.0 } else { score },
        correct,
        feedback: summary(outcomes),
        parts: outcomes
            .iter()
            .map(|o| Part {
                part: o.name.clone(),
                correct: o.passed,
                feedback: o.message.clone(),
            })
            .collect(),
        details: json!({
            "passed": passed,
            "total": outcomes.len(),
            "passed_weight": passed_weight,
            "total_weight": total_weight,
            "tests": outcomes.iter().map(test_details).collect::<Vec<_>>(),
        }),
    }
}

/// One line for the learner: how many passed, and why the first few failed, e.g.
/// `3 of 4 tests passed; 'handles empty list' failed: expected [] but got None`.
pub fn summary(outcomes: &[TestOutcome]) -> String {
    let total = outcomes.len();
    let failed: Vec<&TestOutcome> = outcomes.iter().filter(|o| !o.passed).collect();
    if failed.is_empty() {
        return match total {
            1 => "The test passed.".into(),
            2 => "Both tests passed.".into(),
            n => format!("All {n} tests passed."),
        };
    }
    let passed = total - failed.len();
    let head = if total == 1 {
        "The test failed".to_owned()
    } else {
        format!("{passed} of {total} tests passed")
    };
    let reason = |o: &TestOutcome| clip(&o.message, SUMMARY_REASON);
    // One cause for every failure (a syntax error, no code, a missing function): say it once.
    if failed.len() > 1 && failed.iter().all(|o| o.message == failed[0].message) {
        let all = if failed.len() == total {
            format!("all {total} failed")
        } else {
            format!("{} failed", failed.len())
        };
        return format!("{head}; {all}: {}", reason(failed[0]));
    }
    if total == 1 {
        return format!("{head}: {}", reason(failed[0]));
    }
    let mut text = head;
    for o in failed.iter().take(NAMED_FAILURES) {
        text.push_str(&format!("; '{}' failed: {}", o.name, reason(o)));
    }
    if failed.len() > NAMED_FAILURES {
        text.push_str(&format!("; {} more failed", failed.len() - NAMED_FAILURES));
    }
    text
}

fn shown(s: &Shown) -> Value {
    Value::String(s.text.clone())
}

fn error_details(e: &ErrorInfo, hidden: bool) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), json!(e.error_type));
    if !hidden {
        m.insert("message".into(), json!(e.message));
    }
    m.insert("line".into(), json!(e.line));
    m.insert(
        "in".into(),
        json!(match e.place {
            Some(Place::Code) => Some("code"),
            Some(Place::Setup) => Some("setup"),
            None => None,
        }),
    );
    Value::Object(m)
}

/// One test's entry in the details. A hidden test shows only its name, kind, weight,
/// result, status, message and the error's type and line.
fn test_details(o: &TestOutcome) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(o.name));
    m.insert("kind".into(), json!(o.kind));
    m.insert("passed".into(), json!(o.passed));
    m.insert("weight".into(), json!(o.weight));
    m.insert("hidden".into(), json!(o.hidden));
    m.insert("status".into(), json!(o.status.label()));
    m.insert("message".into(), json!(o.message));
    if !o.hidden {
        m.insert("stdin".into(), shown(&o.stdin));
        m.insert("expected".into(), shown(&o.expected));
        m.insert("actual".into(), shown(&o.actual));
        m.insert("stdout".into(), shown(&o.stdout));
        m.insert("stderr".into(), shown(&o.stderr));
        m.insert(
            "truncated".into(),
            json!({
                "stdin": o.stdin.truncated,
                "expected": o.expected.truncated,
                "actual": o.actual.truncated,
                "stdout": o.stdout.truncated,
                "stderr": o.stderr.truncated,
            }),
        );
    }
    m.insert(
        "error".into(),
        o.error
            .as_ref()
            .map_or(Value::Null, |e| error_details(e, o.hidden)),
    );
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::Status;
    use crate::runner::RunStatus;

    fn outcome(name: &str, passed: bool, weight: f64, message: &str) -> TestOutcome {
        TestOutcome {
            name: name.into(),
            kind: "assert",
            weight,
            hidden: false,
            passed,
            status: Status::Ran(RunStatus::Ok),
            message: if passed {
                "passed".into()
            } else {
                message.into()
            },
            stdin: Shown::default(),
            expected: Shown::new("[]", false),
            actual: Shown::new("None", false),
            stdout: Shown::new("debug\n", false),
            stderr: Shown::default(),
            error: None,
        }
    }

    #[test]
    fn score_is_passed_weight_over_total_weight() {
        let o = build(&[
            outcome("a", true, 1.0, ""),
            outcome("b", true, 1.0, ""),
            outcome("c", true, 1.0, ""),
            outcome("handles empty list", false, 1.0, "expected [] but got None"),
        ]);
        assert_eq!((o.score, o.correct), (0.75, false));
        assert_eq!(
            o.feedback,
            "3 of 4 tests passed; 'handles empty list' failed: expected [] but got None"
        );
        assert_eq!(o.parts.len(), 4);
        assert_eq!(
            o.parts[3],
            Part {
                part: "handles empty list".into(),
                correct: false,
                feedback: "expected [] but got None".into()
            }
        );
        assert_eq!(o.parts[0].feedback, "passed");

        let o = build(&[outcome("a", true, 3.0, ""), outcome("b", false, 1.0, "x")]);
        assert_eq!((o.score, o.correct), (0.75, false));

        // Nothing passed: 0.0, not -0.0 (which JSON would show as `-0.0`).
        let o = build(&[outcome("a", false, 1.0, "x")]);
        assert!(o.score == 0.0 && o.score.is_sign_positive(), "{}", o.score);
        assert_eq!(o.details["passed_weight"].to_string(), "0.0");
    }

    #[test]
    fn weight_zero_tests_do_not_count() {
        let o = build(&[outcome("a", true, 1.0, ""), outcome("b", false, 0.0, "x")]);
        assert_eq!((o.score, o.correct), (1.0, true));
        assert_eq!(o.feedback, "1 of 2 tests passed; 'b' failed: x");
    }

    #[test]
    fn all_passed() {
        let one = build(&[outcome("a", true, 1.0, "")]);
        assert_eq!(
            (one.score, one.correct, one.feedback.as_str()),
            (1.0, true, "The test passed.")
        );
        assert_eq!(
            build(&[outcome("a", true, 1.0, ""), outcome("b", true, 1.0, "")]).feedback,
            "Both tests passed."
        );
        let thirds = build(&[
            outcome("a", true, 0.1, ""),
            outcome("b", true, 0.2, ""),
            outcome("c", true, 0.3, ""),
        ]);
        assert_eq!(
            (thirds.score, thirds.feedback.as_str()),
            (1.0, "All 3 tests passed.")
        );
    }

    #[test]
    fn summaries_of_failures() {
        assert_eq!(
            summary(&[outcome("a", false, 1.0, "timed out")]),
            "The test failed: timed out"
        );
        let same = "your code has a syntax error on line 1: invalid syntax";
        assert_eq!(
            summary(&[
                outcome("a", false, 1.0, same),
                outcome("b", false, 1.0, same)
            ]),
            format!("0 of 2 tests passed; all 2 failed: {same}")
        );
        assert_eq!(
            summary(&[
                outcome("a", true, 1.0, ""),
                outcome("b", false, 1.0, "raised NameError"),
                outcome("c", false, 1.0, "raised NameError")
            ]),
            "1 of 3 tests passed; 2 failed: raised NameError"
        );
        let many: Vec<TestOutcome> = (0..6)
            .map(|i| outcome(&format!("t{i}"), false, 1.0, &format!("reason {i}")))
            .collect();
        assert_eq!(
            summary(&many),
            "0 of 6 tests passed; 't0' failed: reason 0; 't1' failed: reason 1; 't2' failed: reason 2; 3 more failed"
        );
        let long = "y".repeat(500);
        assert!(summary(&[outcome("a", false, 1.0, &long)]).chars().count() < 200);
    }

    #[test]
    fn details_carry_each_test() {
        let mut failed = outcome("b", false, 2.0, "raised ValueError: bad (line 3)");
        failed.status = Status::Ran(RunStatus::RuntimeError);
        failed.error = Some(ErrorInfo {
            error_type: "ValueError".into(),
            message: "bad".into(),
            line: Some(3),
            place: Some(Place::Code),
        });
        failed.stderr = Shown::new("Traceback …", true);
        let o = build(&[outcome("a", true, 1.0, ""), failed]);
        assert_eq!(
            o.details,
            json!({
                "passed": 1, "total": 2, "passed_weight": 1.0, "total_weight": 3.0,
                "tests": [
                    {"name": "a", "kind": "assert", "passed": true, "weight": 1.0, "hidden": false,
                     "status": "ok", "message": "passed", "stdin": "", "expected": "[]",
                     "actual": "None", "stdout": "debug\n", "stderr": "",
                     "truncated": {"stdin": false, "expected": false, "actual": false, "stdout": false, "stderr": false},
                     "error": null},
                    {"name": "b", "kind": "assert", "passed": false, "weight": 2.0, "hidden": false,
                     "status": "runtime_error", "message": "raised ValueError: bad (line 3)", "stdin": "",
                     "expected": "[]", "actual": "None", "stdout": "debug\n", "stderr": "Traceback …",
                     "truncated": {"stdin": false, "expected": false, "actual": false, "stdout": false, "stderr": true},
                     "error": {"type": "ValueError", "message": "bad", "line": 3, "in": "code"}}
                ]
            })
        );
    }

    #[test]
    fn hidden_details_leave_values_out() {
        let mut o = outcome("secret", false, 1.0, "raised KeyError (line 2)");
        o.hidden = true;
        o.error = Some(ErrorInfo {
            error_type: "KeyError".into(),
            message: "'the hidden input'".into(),
            line: Some(2),
            place: Some(Place::Code),
        });
        let d = build(&[o]).details;
        assert_eq!(
            d["tests"][0],
            json!({"name": "secret", "kind": "assert", "passed": false, "weight": 1.0, "hidden": true,
                   "status": "ok", "message": "raised KeyError (line 2)",
                   "error": {"type": "KeyError", "line": 2, "in": "code"}})
        );
    }
}
