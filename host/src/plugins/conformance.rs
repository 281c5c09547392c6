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
//! - **triage**: a query gets one of the intents offered, the same twice;
//! - **agent**: `describe()` names the agent and the intents its manifest routes to it;
//!   for each of them an ordinary turn and a 256 KiB one are answered (a reply with
//!   content and `data` a JSON object, or a typed error), never a trap or a timeout;
//! - **assigner**: the same unit gets the same variation twice, an inactive experiment,
//!   one with a single variation and a unit without the hash attribute assign nobody,
//!   1 000 units split 50/50 within 40-60 %, and an unknown feature is `unknown-feature`;
//! - the other worlds: their smoke call at load is their kit for now.
//!
//! Author's cases (`tessera plugin test`): `tests.json` in the plugin folder, a list of
//! cases whose shape is the world's (`error` is always one of `invalid-input`,
//! `unsupported`, `unavailable` or `internal`):
//! - grader: `{"name", "question": {"kind", "prompt", "options", "answer_key"}, "answer",
//!   "expect": {"score"?, "correct"?, "error"?}}`;
//! - agent: `{"name", "request": {"message", "history"?, "intent"?, "topic"?, "code"?,
//!   "error"?, "earlier"?, "settings"?}, "expect": {"contains"?, "data"?, "error"?}}`
//!   (`intent` defaults to the manifest's first, `earlier` and `settings` are JSON values,
//!   `contains` substrings of the reply, `data` the reply's data exactly);
//! - triage: `{"name", "query": {"text", "code"?, "error"?, "history"?}, "intents"?,
//!   "expect": {"intent"?, "topic"?, "decided_by"?, "error"?}}` (`intents` defaults to the
//!   four built-in ones; an entry is a built-in's name or `{"name", "description",
//!   "keywords", "examples"}`).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::contract::World;
use super::contract::agent::{AgentReply, AgentRequest};
use super::contract::assigner::{AssignUnit, Experiment, FeatureSource, HashAlgorithm};
use super::contract::grader::{GradeOutcome, Question, Submission};
use super::contract::triage::{Decision, IntentOption, TriageQuery};
use super::contract::types::{Error as ContractError, LearnerContext, Message, Role};
use super::manifest::BUILT_IN_INTENTS;
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

/// An author's case for an agent (`tests.json`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentCase {
    /// What it checks.
    pub name: String,
    /// The turn.
    pub request: CaseRequest,
    /// What must come back.
    pub expect: AgentExpect,
}

/// The turn of an agent's case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseRequest {
    /// The learner's message (the last of the conversation).
    pub message: String,
    /// Earlier messages, oldest first.
    #[serde(default)]
    pub history: Vec<CaseMessage>,
    /// The intent (default: the manifest's first).
    pub intent: Option<String>,
    /// The topic (default `general`).
    pub topic: Option<String>,
    /// The code box.
    pub code: Option<String>,
    /// The error box.
    pub error: Option<String>,
    /// The difficulty asked for.
    pub difficulty: Option<String>,
    /// The learner's mastery of the topic.
    pub mastery: Option<f32>,
    /// The agent's earlier `data`, as JSON values.
    #[serde(default)]
    pub earlier: Vec<Value>,
    /// The agent's settings, a JSON value (default `{}`).
    pub settings: Option<Value>,
}

/// A message of a case's conversation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseMessage {
    /// `user`, `assistant` or `system`.
    pub role: CaseRole,
    /// Its text.
    pub content: String,
}

/// Who wrote a case's message.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseRole {
    /// The platform.
    System,
    /// The learner.
    User,
    /// A tutor.
    Assistant,
}

impl From<&CaseMessage> for Message {
    fn from(m: &CaseMessage) -> Message {
        Message {
            role: match m.role {
                CaseRole::System => Role::System,
                CaseRole::User => Role::User,
                CaseRole::Assistant => Role::Assistant,
            },
            content: m.content.clone(),
        }
    }
}

/// What an agent's case expects.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentExpect {
    /// Texts the reply's content contains.
    #[serde(default)]
    pub contains: Vec<String>,
    /// The reply's `data`, exactly.
    pub data: Option<Value>,
    /// An error instead.
    pub error: Option<String>,
}

/// An author's case for a triage plugin (`tests.json`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriageCase {
    /// What it checks.
    pub name: String,
    /// The query.
    pub query: CaseQuery,
    /// The intents offered (default: the built-in ones).
    pub intents: Option<Vec<CaseIntent>>,
    /// What must come back.
    pub expect: TriageExpect,
}

/// The query of a triage case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    /// What the learner typed.
    pub text: String,
    /// The code box.
    pub code: Option<String>,
    /// The error box.
    pub error: Option<String>,
    /// Earlier turns.
    #[serde(default)]
    pub history: Vec<CaseMessage>,
}

/// An intent offered in a triage case: a built-in's name, or a whole option.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum CaseIntent {
    /// A built-in intent by name.
    Name(String),
    /// An intent as an agent's manifest declares it.
    Option {
        /// Its name.
        name: String,
        /// What its queries ask for.
        #[serde(default)]
        description: String,
        /// Words that signal it.
        #[serde(default)]
        keywords: Vec<String>,
        /// Example queries.
        #[serde(default)]
        examples: Vec<String>,
    },
}

/// What a triage case expects.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriageExpect {
    /// The intent chosen.
    pub intent: Option<String>,
    /// The topic.
    pub topic: Option<String>,
    /// The stage that decided: `rules`, `meaning`, `model` or `fallback`.
    pub decided_by: Option<String>,
    /// An error instead.
    pub error: Option<String>,
}

/// Runs the world's kit on `plugin`, then `cases` (JSON from `tests.json`).
pub async fn run(runtime: &Runtime, plugin: &LoadedPlugin, cases: Option<&Value>) -> Report {
    let mut report = Report::default();
    report.pass("loads: manifest, contract, imports within its grants, smoke call");
    match plugin.manifest.world {
        World::Grader => grader(runtime, plugin, &mut report).await,
        World::Safety => safety(runtime, plugin, &mut report).await,
        World::Triage => triage(runtime, plugin, &mut report).await,
        World::Agent => agent(runtime, plugin, &mut report).await,
        World::Assigner => assigner(runtime, plugin, &mut report).await,
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

/// What a world function's call gave.
type Called<T> = Result<Result<T, ContractError>, PluginError>;
type Graded = Called<GradeOutcome>;

/// How a call's outcome reads in a report, `ok` saying how a value does.
fn outcome<T>(got: &Called<T>, ok: impl Fn(&T) -> String) -> String {
    match got {
        Ok(Ok(v)) => ok(v),
        Ok(Err(e)) => format!("error {}: {e:?}", error_name(e)),
        Err(e) => format!("a failed call: {}", e.kind),
    }
}

fn grade_shown(o: &GradeOutcome) -> String {
    format!("score {} (correct: {})", o.score, o.correct)
}

fn shown(g: &Graded) -> String {
    outcome(g, grade_shown)
}

/// Whether `got` is the error an author's case `want`s.
fn expected_error<T>(got: &Called<T>, want: &str, ok: impl Fn(&T) -> String) -> Result<(), String> {
    match got {
        Ok(Err(e)) if error_name(e) == want => Ok(()),
        other => Err(format!("expected error {want}, got {}", outcome(other, ok))),
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
    match plugin.manifest.world {
        World::Grader => grader_cases(runtime, plugin, cases, report).await,
        World::Agent => agent_cases(runtime, plugin, cases, report).await,
        World::Triage => triage_cases(runtime, plugin, cases, report).await,
        world => report.fail(
            "tests.json",
            format!(
                "author's cases are read for graders, agents and triage plugins; this plugin is a {world}"
            ),
        ),
    }
}

/// `cases` as a list of `T`, or a failed `tests.json` case saying why not.
fn parse_cases<T: serde::de::DeserializeOwned>(cases: &Value, report: &mut Report) -> Vec<T> {
    match serde_json::from_value(cases.clone()) {
        Ok(c) => c,
        Err(e) => {
            report.fail("tests.json", format!("not a list of cases: {e}"));
            Vec::new()
        }
    }
}

async fn grader_cases(
    runtime: &Runtime,
    plugin: &LoadedPlugin,
    cases: &Value,
    report: &mut Report,
) {
    for case in parse_cases::<GraderCase>(cases, report) {
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
            (_, Some(want)) => expected_error(&got, want, grade_shown),
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
            (_, None) => Err(format!("expected a grade, got {}", shown(&got))),
        };
        report.check(format!("case: {}", case.name), verdict);
    }
}

fn kit_learner() -> LearnerContext {
    LearnerContext {
        learner_id: "conformance-kit".into(),
        locale: "en".into(),
        timezone: "UTC".into(),
        tone: None,
    }
}

fn turn(intent: &str, history: Vec<Message>, message: &str) -> AgentRequest {
    let mut messages = history;
    messages.push(Message {
        role: Role::User,
        content: message.to_owned(),
    });
    AgentRequest {
        learner: kit_learner(),
        messages,
        intent: intent.to_owned(),
        topic: "general".into(),
        mastery: None,
        code: None,
        error: None,
        difficulty: None,
        base_exercise: None,
        earlier: Vec::new(),
        settings: "{}".into(),
    }
}

fn reply_shown(r: &AgentReply) -> String {
    let mut content: String = r.content.chars().take(120).collect();
    if content.len() < r.content.len() {
        content.push('…');
    }
    format!("a reply {content:?} with data {}", r.data)
}

async fn agent(runtime: &Runtime, plugin: &LoadedPlugin, report: &mut Report) {
    let routed = &plugin.manifest.routing.intents;
    match runtime.describe_agent(plugin).await {
        Ok(info) => {
            let (mut said, mut want) = (info.intents.clone(), routed.clone());
            said.sort();
            want.sort();
            report.check(
                "describe() names the agent and the intents its manifest routes to it",
                if info.id.trim().is_empty() || info.name.trim().is_empty() {
                    Err(format!(
                        "expected a non-empty id and name, got id {:?} and name {:?}",
                        info.id, info.name
                    ))
                } else if said != want {
                    Err(format!("expected intents {want:?}, got {said:?}"))
                } else {
                    Ok(())
                },
            );
        }
        Err(e) => report.fail("describe() answers", format!("a failed call: {}", e.kind)),
    }
    for intent in routed {
        let turns = [
            ("an ordinary turn", "Can you help me with this?".to_owned()),
            ("a 256 KiB message", "a ".repeat(128 << 10)),
        ];
        for (what, message) in turns {
            let got = runtime
                .respond(plugin, &turn(intent, Vec::new(), &message), None)
                .await;
            report.check(
                format!("{intent}: {what} gets a reply or a typed error within the limits"),
                match &got {
                    Ok(Ok(r)) if r.content.trim().is_empty() => {
                        Err("expected a reply with content, got an empty one".into())
                    }
                    Ok(Ok(r)) => match serde_json::from_str::<Value>(&r.data) {
                        Ok(Value::Object(_)) => Ok(()),
                        _ => Err(format!(
                            "expected data to be a JSON object ({{}} for none), got {}",
                            reply_shown(r)
                        )),
                    },
                    Ok(Err(ContractError::Internal(m))) => Err(format!(
                        "expected a reply or a typed error, got internal: {m}"
                    )),
                    Ok(Err(_)) => Ok(()),
                    Err(e) => Err(format!(
                        "expected a reply or a typed error, got a failed call: {}",
                        e.kind
                    )),
                },
            );
        }
    }
}

fn assigned_shown(got: &Called<super::contract::assigner::Assignment>) -> String {
    outcome(got, |a| {
        format!(
            "in-experiment {} with variation {} ({:?})",
            a.result.in_experiment, a.result.variation_id, a.result.key
        )
    })
}

/// Units the 50/50 split is checked over: with 500, 40-60 % is over four standard
/// deviations wide, so a fair hash never fails it.
const SPLIT_UNITS: usize = 500;

fn unit(attributes: Value) -> AssignUnit {
    AssignUnit {
        attributes: attributes.to_string(),
        forced_variations: Vec::new(),
        sticky_docs: None,
    }
}

/// Whether [`SPLIT_UNITS`] units of a 50/50 `experiment` land 40-60 % in each variation.
async fn even_split(
    runtime: &Runtime,
    plugin: &LoadedPlugin,
    experiment: &Experiment,
) -> Result<(), String> {
    let mut counts = [0usize; 2];
    for i in 0..SPLIT_UNITS {
        let got = runtime
            .assign(
                plugin,
                experiment,
                &unit(json!({"id": format!("unit-{i}")})),
            )
            .await;
        match &got {
            Ok(Ok(a)) if a.result.in_experiment && a.result.variation_id < 2 => {
                counts[a.result.variation_id as usize] += 1;
            }
            other => {
                return Err(format!(
                    "unit-{i}: expected variation 0 or 1, got {}",
                    assigned_shown(other)
                ));
            }
        }
    }
    let share = |n: usize| n as f64 / SPLIT_UNITS as f64;
    if counts.iter().all(|&n| (0.4..=0.6).contains(&share(n))) {
        Ok(())
    } else {
        Err(format!(
            "expected 40-60 % each, got {:?}",
            counts.map(share)
        ))
    }
}

async fn assigner(runtime: &Runtime, plugin: &LoadedPlugin, report: &mut Report) {
    let experiment =
        Experiment::two_way("conformance-kit", HashAlgorithm::GrowthbookV2, [0.5, 0.5]);
    let first = runtime
        .assign(plugin, &experiment, &unit(json!({"id": "u-1"})))
        .await;
    let second = runtime
        .assign(plugin, &experiment, &unit(json!({"id": "u-1"})))
        .await;
    report.check(
        "the same unit gets the same variation twice",
        match (&first, &second) {
            (Ok(Ok(a)), Ok(Ok(b))) if a == b && a.result.in_experiment => Ok(()),
            _ => Err(format!(
                "expected the unit in the experiment twice alike, got {} then {}",
                assigned_shown(&first),
                assigned_shown(&second)
            )),
        },
    );
    let mut inactive = experiment.clone();
    inactive.active = false;
    let mut single = experiment.clone();
    single.variations.truncate(1);
    let nobody = [
        (
            "an inactive experiment assigns nobody",
            &inactive,
            json!({"id": "u-1"}),
        ),
        (
            "an experiment with one variation assigns nobody",
            &single,
            json!({"id": "u-1"}),
        ),
        (
            "a unit without the hash attribute is not in the experiment",
            &experiment,
            json!({"country": "DE"}),
        ),
    ];
    for (name, e, attributes) in nobody {
        let got = runtime.assign(plugin, e, &unit(attributes)).await;
        report.check(
            name,
            match &got {
                Ok(Ok(a)) if !a.result.in_experiment => Ok(()),
                other => Err(format!(
                    "expected in-experiment false, got {}",
                    assigned_shown(other)
                )),
            },
        );
    }
    report.check(
        format!("{SPLIT_UNITS} units split 50/50 land within 40-60 % each"),
        even_split(runtime, plugin, &experiment).await,
    );
    let feature = runtime
        .evaluate_feature(
            plugin,
            r#"{"features": {}}"#,
            "conformance-kit-missing",
            &unit(json!({"id": "u-1"})),
        )
        .await;
    report.check(
        "a feature the payload lacks is unknown-feature, not an error",
        match &feature {
            Ok(Ok(r)) if r.source == FeatureSource::UnknownFeature => Ok(()),
            other => Err(format!(
                "expected source unknown-feature, got {}",
                outcome(other, |r| format!("source {:?}", r.source))
            )),
        },
    );
}

async fn agent_cases(runtime: &Runtime, plugin: &LoadedPlugin, cases: &Value, report: &mut Report) {
    let default_intent = plugin
        .manifest
        .routing
        .intents
        .first()
        .cloned()
        .unwrap_or_default();
    for case in parse_cases::<AgentCase>(cases, report) {
        let r = &case.request;
        let mut request = turn(
            r.intent.as_deref().unwrap_or(&default_intent),
            r.history.iter().map(Message::from).collect(),
            &r.message,
        );
        request.topic = r.topic.clone().unwrap_or_else(|| "general".into());
        request.code = r.code.clone();
        request.error = r.error.clone();
        request.difficulty = r.difficulty.clone();
        request.mastery = r.mastery;
        request.earlier = r.earlier.iter().map(Value::to_string).collect();
        request.settings = r
            .settings
            .as_ref()
            .map_or_else(|| "{}".into(), Value::to_string);
        let got = runtime.respond(plugin, &request, None).await;
        let e = &case.expect;
        let verdict = match (&got, &e.error) {
            (_, Some(want)) => expected_error(&got, want, reply_shown),
            (Ok(Ok(reply)), None) => {
                let missing: Vec<&String> = e
                    .contains
                    .iter()
                    .filter(|c| !reply.content.contains(c.as_str()))
                    .collect();
                let data: Option<Value> = serde_json::from_str(&reply.data).ok();
                if !missing.is_empty() {
                    Err(format!(
                        "expected the reply to contain {missing:?}, got {}",
                        reply_shown(reply)
                    ))
                } else if e.data.is_some() && e.data != data {
                    Err(format!(
                        "expected data {}, got {}",
                        e.data.as_ref().map(Value::to_string).unwrap_or_default(),
                        reply.data
                    ))
                } else {
                    Ok(())
                }
            }
            (other, None) => Err(format!(
                "expected a reply, got {}",
                outcome(other, reply_shown)
            )),
        };
        report.check(format!("case: {}", case.name), verdict);
    }
}

fn decision_shown(d: &Decision) -> String {
    format!(
        "intent {} (topic {}, decided by {:?}: {})",
        d.intent, d.topic, d.decided_by, d.reason
    )
}

async fn triage_cases(
    runtime: &Runtime,
    plugin: &LoadedPlugin,
    cases: &Value,
    report: &mut Report,
) {
    let built_in = |name: &str| IntentOption {
        name: name.to_owned(),
        description: crate::tutor::routing::built_in_description(name).to_owned(),
        keywords: Vec::new(),
        examples: Vec::new(),
    };
    for case in parse_cases::<TriageCase>(cases, report) {
        let intents = match &case.intents {
            None => BUILT_IN_INTENTS.iter().map(|n| built_in(n)).collect(),
            Some(list) => list
                .iter()
                .map(|i| match i {
                    CaseIntent::Name(n) => built_in(n),
                    CaseIntent::Option {
                        name,
                        description,
                        keywords,
                        examples,
                    } => IntentOption {
                        name: name.clone(),
                        description: description.clone(),
                        keywords: keywords.clone(),
                        examples: examples.clone(),
                    },
                })
                .collect(),
        };
        let q = &case.query;
        let query = TriageQuery {
            text: q.text.clone(),
            code: q.code.clone(),
            error: q.error.clone(),
            history: q.history.iter().map(Message::from).collect(),
            learner: Some(kit_learner()),
            intents,
        };
        let got = runtime.classify(plugin, &query).await;
        let e = &case.expect;
        let verdict = match (&got, &e.error) {
            (_, Some(want)) => expected_error(&got, want, decision_shown),
            (Ok(Ok(d)), None) => {
                let decided_by = serde_json::to_value(d.decided_by)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                let agrees = e.intent.as_ref().is_none_or(|i| *i == d.intent)
                    && e.topic.as_ref().is_none_or(|t| *t == d.topic)
                    && e.decided_by.as_ref().is_none_or(|b| *b == decided_by);
                if agrees {
                    Ok(())
                } else {
                    Err(format!(
                        "expected{}{}{}, got {}",
                        e.intent
                            .as_ref()
                            .map(|i| format!(" intent {i}"))
                            .unwrap_or_default(),
                        e.topic
                            .as_ref()
                            .map(|t| format!(" topic {t}"))
                            .unwrap_or_default(),
                        e.decided_by
                            .as_ref()
                            .map(|b| format!(" decided by {b}"))
                            .unwrap_or_default(),
                        decision_shown(d)
                    ))
                }
            }
            (other, None) => Err(format!(
                "expected a decision, got {}",
                outcome(other, decision_shown)
            )),
        };
        report.check(format!("case: {}", case.name), verdict);
    }
}
