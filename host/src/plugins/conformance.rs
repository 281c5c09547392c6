//! The conformance kit: what every plugin of a world must do beyond loading, run by
//! `tessera plugin test` (with the author's own cases) and before a published version is
//! stored (`POST /api/v1/plugins`). Each case names what it checks and, when it fails,
//! what was expected and what came back, so an author knows what to fix.
//!
//! Per world:
//! - **grader**: `kinds()` lists distinct, non-empty kinds (those the manifest claims among
//!   them); for each claimed kind, an answer that is not JSON is `invalid-input` naming a
//!   field (never a trap or a timeout), an empty key and answer are graded or refused as
//!   `invalid-input`, a 256 KiB answer is handled within the limits, the same submission
//!   grades the same twice (graders are deterministic: a learner's retry must not change
//!   the mark), and a kind it does not claim is `unsupported`;
//! - **safety filter**: empty and ordinary text are screened without a crisis, and the same
//!   text gets the same verdict twice;
//! - **triage**: a query gets one of the offered intents, the same twice;
//! - the other worlds: their smoke call at load is their kit for now.
//!
//! Author's cases (`tessera plugin test`): `tests.json` in the plugin folder, a list of
//! `{"name", "question": {"kind", "prompt", "options", "answer_key"}, "answer",
//! "expect": {"score"?, "correct"?, "error"?}}` for graders (`error`: `invalid-input`,
//! `unsupported`, `unavailable` or `internal`).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::contract::World;
use super::contract::grader::{GradeOutcome, Question, Submission};
use super::contract::types::Error as ContractError;
use crate::runtime::{LoadedPlugin, PluginError, Runtime};

/// One case's result.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CaseResult {
    /// What the case checks.
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// When it failed: what was expected and what came back.
    pub detail: Option<String>,
}

/// A kit's report.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Report {
    /// The cases, in the order they ran.
    pub cases: Vec<CaseResult>,
}

impl Report {
    fn pass(&mut self, name: impl Into<String>) {
        self.cases.push(CaseResult {
            name: name.into(),
            passed: true,
            detail: None,
        });
    }

    fn fail(&mut self, name: impl Into<String>, detail: impl Into<String>) {
        self.cases.push(CaseResult {
            name: name.into(),
            passed: false,
            detail: Some(detail.into()),
        });
    }

    fn check(&mut self, name: impl Into<String>, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => self.pass(name),
            Err(detail) => self.fail(name, detail),
        }
    }

    /// The failed cases.
    pub fn failures(&self) -> impl Iterator<Item = &CaseResult> {
        self.cases.iter().filter(|c| !c.passed)
    }

    /// Whether every case passed.
    pub fn passed(&self) -> bool {
        self.failures().next().is_none()
    }

    /// One line per case, for a terminal.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for c in &self.cases {
            let mark = if c.passed { "ok  " } else { "FAIL" };
            out.push_str(&format!("{mark} {}\n", c.name));
            if let Some(d) = &c.detail {
                out.push_str(&format!("     {d}\n"));
            }
        }
        let failed = self.failures().count();
        out.push_str(&format!(
            "{} cases, {} passed, {failed} failed\n",
            self.cases.len(),
            self.cases.len() - failed
        ));
        out
    }
}

/// An author's case for a grader (`tests.json`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraderCase {
    /// What it checks.
    pub name: String,
    /// The question, with its answer key as JSON.
    pub question: CaseQuestion,
    /// The answer as JSON.
    pub answer: Value,
    /// What must come back.
    pub expect: Expect,
}

/// A question in an author's case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseQuestion {
    /// Its kind.
    pub kind: String,
    /// Its prompt.
    #[serde(default)]
    pub prompt: String,
    /// Its options.
    #[serde(default)]
    pub options: Vec<String>,
    /// Its answer key.
    pub answer_key: Value,
}

/// What an author's case expects.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The score (within 1e-6).
    pub score: Option<f64>,
    /// Whether the answer counts as correct.
    pub correct: Option<bool>,
    /// An error instead: `invalid-input`, `unsupported`, `unavailable`, `internal`.
    pub error: Option<String>,
}

/// Runs the world's kit on `plugin`, then `cases` (JSON from `tests.json`, graders only).
pub async fn run(runtime: &Runtime, plugin: &LoadedPlugin, cases: Option<&Value>) -> Report {
    let mut report = Report::default();
    report.pass("loads: manifest, contract, imports within its grants, smoke call");
    match plugin.manifest.world {
        World::Grader => grader(runtime, plugin, &mut report).await,
        World::Safety => safety(runtime, plugin, &mut report).await,
        World::Triage => triage(runtime, plugin, &mut report).await,
        _ => {}
    }
    if let Some(cases) = cases {
        author_cases(runtime, plugin, cases, &mut report).await;
    }
    report
}

fn error_name(e: &ContractError) -> &'static str {
    match e {
        ContractError::InvalidInput(_) => "invalid-input",
        ContractError::Unsupported(_) => "unsupported",
        ContractError::Unavailable(_) => "unavailable",
        ContractError::Internal(_) => "internal",
    }
}

type Graded = Result<Result<GradeOutcome, ContractError>, PluginError>;

fn shown(g: &Graded) -> String {
    match g {
        Ok(Ok(o)) => format!("score {} (correct: {})", o.score, o.correct),
        Ok(Err(e)) => format!("error {}: {e:?}", error_name(e)),
        Err(e) => format!("a failed call: {}", e.kind),
    }
}

fn submission(kind: &str, key: &str, answer: String) -> Submission {
    Submission {
        question: Question {
            kind: kind.to_owned(),
            prompt: "Conformance kit question".into(),
            options: vec!["A".into(), "B".into()],
            answer_key: key.to_owned(),
        },
        answer,
        learner: None,
    }
}

async fn grader(runtime: &Runtime, plugin: &LoadedPlugin, report: &mut Report) {
    let kinds = match runtime.grader_kinds(plugin).await {
        Ok(k) => k,
        Err(e) => return report.fail("kinds() answers", format!("a failed call: {}", e.kind)),
    };
    let mut distinct = kinds.clone();
    distinct.sort();
    distinct.dedup();
    report.check(
        "kinds() lists distinct, non-empty kinds",
        if kinds.is_empty() {
            Err("expected at least one kind, got none".into())
        } else if kinds.iter().any(|k| k.trim().is_empty()) || distinct.len() != kinds.len() {
            Err(format!("expected distinct, non-empty kinds, got {kinds:?}"))
        } else {
            Ok(())
        },
    );
    for kind in &plugin.manifest.routing.kinds {
        let grade = |s: Submission| async move { runtime.grade(plugin, &s, None).await };
        let not_json = grade(submission(kind, "{}", "this is not JSON".into())).await;
        report.check(
            format!("{kind}: an answer that is not JSON is invalid-input naming a field"),
            match &not_json {
                Ok(Err(ContractError::InvalidInput(f))) if !f.field.trim().is_empty() => Ok(()),
                other => Err(format!(
                    "expected error invalid-input with a field, got {}",
                    shown(other)
                )),
            },
        );
        let empty = grade(submission(kind, "{}", "{}".into())).await;
        report.check(
            format!("{kind}: an empty key and answer are graded or refused as invalid-input"),
            match &empty {
                Ok(Ok(_)) | Ok(Err(ContractError::InvalidInput(_))) => Ok(()),
                other => Err(format!(
                    "expected a grade or invalid-input, got {}",
                    shown(other)
                )),
            },
        );
        let long = json!({ "text": "a".repeat(256 << 10), "value": "a".repeat(16) }).to_string();
        let huge = grade(submission(kind, "{}", long)).await;
        report.check(
            format!("{kind}: a 256 KiB answer is handled within the limits"),
            match &huge {
                Ok(_) => Ok(()),
                Err(e) => Err(format!(
                    "expected a grade or an error, got a failed call: {}",
                    e.kind
                )),
            },
        );
        let once = grade(submission(kind, "{}", "{}".into())).await;
        let twice = grade(submission(kind, "{}", "{}".into())).await;
        report.check(
            format!("{kind}: the same submission grades the same twice"),
            match (&once, &twice) {
                (Ok(a), Ok(b)) if a == b => Ok(()),
                _ => Err(format!(
                    "expected equal results, got {} then {}",
                    shown(&once),
                    shown(&twice)
                )),
            },
        );
    }
    let unknown = "tessera-conformance-unknown-kind";
    let other = runtime
        .grade(plugin, &submission(unknown, "{}", "{}".into()), None)
        .await;
    report.check(
        "a kind it does not grade is unsupported",
        match &other {
            Ok(Err(ContractError::Unsupported(_))) => Ok(()),
            o => Err(format!("expected error unsupported, got {}", shown(o))),
        },
    );
}

async fn safety(runtime: &Runtime, plugin: &LoadedPlugin, report: &mut Report) {
    use super::contract::safety::Level;
    for (name, text) in [
        ("empty text", ""),
        ("ordinary text", "How do I reverse a list in Python?"),
    ] {
        let first = runtime.screen(plugin, text, None).await;
        let second = runtime.screen(plugin, text, None).await;
        report.check(
            format!("{name} is screened without a crisis"),
            match &first {
                Ok(v) if v.level != Level::Crisis => Ok(()),
                Ok(v) => Err(format!("expected no crisis, got level {:?}", v.level)),
                Err(e) => Err(format!("a failed call: {}", e.kind)),
            },
        );
        report.check(
            format!("{name} gets the same verdict twice"),
            match (&first, &second) {
                (Ok(a), Ok(b)) if a == b => Ok(()),
                _ => Err(format!(
                    "expected equal verdicts, got {first:?} then {second:?}"
                )),
            },
        );
    }
}

async fn triage(runtime: &Runtime, plugin: &LoadedPlugin, report: &mut Report) {
    use super::contract::triage::{IntentOption, TriageQuery};
    let intents = vec![
        IntentOption {
            name: "concepts".into(),
            description: "Explains a concept".into(),
            keywords: Vec::new(),
            examples: Vec::new(),
        },
        IntentOption {
            name: "debug".into(),
            description: "Helps fix an error".into(),
            keywords: Vec::new(),
            examples: Vec::new(),
        },
    ];
    let query = TriageQuery {
        text: "Why do I get a KeyError here?".into(),
        code: Some("d = {}\nd['x']".into()),
        error: Some("KeyError: 'x'".into()),
        history: Vec::new(),
        learner: None,
        intents,
    };
    let first = runtime.classify(plugin, &query).await;
    let second = runtime.classify(plugin, &query).await;
    report.check(
        "a query gets one of the intents offered",
        match &first {
            Ok(Ok(d)) if ["concepts", "debug"].contains(&d.intent.as_str()) => Ok(()),
            Ok(Ok(d)) => Err(format!("expected concepts or debug, got {}", d.intent)),
            Ok(Err(e)) => Err(format!("expected a decision, got error {}", error_name(e))),
            Err(e) => Err(format!("a failed call: {}", e.kind)),
        },
    );
    report.check(
        "the same query gets the same decision twice",
        match (&first, &second) {
            (Ok(a), Ok(b)) if a == b => Ok(()),
            _ => Err("expected equal decisions".into()),
        },
    );
}

async fn author_cases(
    runtime: &Runtime,
    plugin: &LoadedPlugin,
    cases: &Value,
    report: &mut Report,
) {
    if plugin.manifest.world != World::Grader {
        return report.fail(
            "tests.json",
            format!(
                "author's cases are read for graders; this plugin is a {}",
                plugin.manifest.world
            ),
        );
    }
    let cases: Vec<GraderCase> = match serde_json::from_value(cases.clone()) {
        Ok(c) => c,
        Err(e) => return report.fail("tests.json", format!("not a list of cases: {e}")),
    };
    for case in cases {
        let s = Submission {
            question: Question {
                kind: case.question.kind.clone(),
                prompt: case.question.prompt.clone(),
                options: case.question.options.clone(),
                answer_key: case.question.answer_key.to_string(),
            },
            answer: case.answer.to_string(),
            learner: None,
        };
        let got = runtime.grade(plugin, &s, None).await;
        let e = &case.expect;
        let verdict = match (&got, &e.error) {
            (Ok(Err(err)), Some(want)) if error_name(err) == want => Ok(()),
            (Ok(Ok(o)), None) => {
                let score_ok = e.score.is_none_or(|s| (s - o.score).abs() < 1e-6);
                let correct_ok = e.correct.is_none_or(|c| c == o.correct);
                if score_ok && correct_ok {
                    Ok(())
                } else {
                    Err(format!(
                        "expected {}{}, got {}",
                        e.score.map(|s| format!("score {s} ")).unwrap_or_default(),
                        e.correct
                            .map(|c| format!("(correct: {c})"))
                            .unwrap_or_default(),
                        shown(&got)
                    ))
                }
            }
            (_, Some(want)) => Err(format!("expected error {want}, got {}", shown(&got))),
            (_, None) => Err(format!("expected a grade, got {}", shown(&got))),
        };
        report.check(format!("case: {}", case.name), verdict);
    }
}
