//! The turn end to end with a fake sandbox and a fake model.

use std::cell::Cell;

use serde_json::{Value, json};
use tessera_plugin_sdk::model::{
    ChatRequest, ChatResponse, Llm, LlmError, Message, OFFLINE_MODEL, Role,
};
use tessera_plugin_sdk::sandbox::{
    Clock, CodeRunner, RunRequest, RunResult, RunStatus, TestResult,
};

use super::*;
use crate::exercise::{Difficulty, Exercise};

/// A fake sandbox: the reference passes, the starter code (it has `pass`) fails, the
/// wrong solution fails unless its reference says `# LENIENT`, and code saying `# BROKEN`
/// fails.
struct Fake {
    runs: Vec<RunRequest>,
    down: bool,
}

impl Fake {
    fn new() -> Self {
        Fake {
            runs: Vec::new(),
            down: false,
        }
    }

    fn count(&self, what: fn(&str) -> bool) -> usize {
        self.runs.iter().filter(|r| what(&r.code)).count()
    }
}

fn is_wrong(code: &str) -> bool {
    code.starts_with("import ast as __tessera_ast")
}

impl CodeRunner for Fake {
    fn run(&mut self, request: &RunRequest) -> RunResult {
        self.runs.push(request.clone());
        if self.down {
            let mut r = RunResult::ended(RunStatus::InternalError, "");
            r.stderr = "no code sandbox is running on this host".into();
            return r;
        }
        let code = request.code.as_str();
        let passed = if is_wrong(code) {
            code.contains("# LENIENT")
        } else {
            !code.contains("# BROKEN") && !code.contains("pass\n") && !code.trim().is_empty()
        };
        let mut r = RunResult::ended(RunStatus::Ok, "");
        r.tests = vec![TestResult {
            name: request.tests[0].name.clone(),
            status: RunStatus::Ok,
            passed,
            expected: String::new(),
            actual: String::new(),
            stderr: String::new(),
            error: None,
        }];
        r
    }
}

struct NoTime(Cell<u64>);

impl Clock for NoTime {
    fn elapsed_ms(&self) -> u64 {
        self.0.get()
    }
}

fn clock() -> NoTime {
    NoTime(Cell::new(0))
}

/// A fake model answering each call with the next of `replies` (the last repeats).
struct Model {
    name: &'static str,
    replies: Vec<String>,
    calls: usize,
}

impl Llm for Model {
    fn complete(&mut self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        assert_eq!(request.feature, "exercise-generation");
        self.calls += 1;
        if self.name.is_empty() {
            return Err(LlmError::Unavailable("no provider".into()));
        }
        let i = (self.calls - 1).min(self.replies.len() - 1);
        Ok(ChatResponse {
            content: self.replies[i].clone(),
            model: self.name.into(),
        })
    }
}

fn offline() -> Model {
    Model {
        name: OFFLINE_MODEL,
        replies: vec![model_exercise("")],
        calls: 0,
    }
}

fn model_exercise(marker: &str) -> String {
    json!({
        "title": "Double it",
        "prompt": "Write `double(n)` that returns twice `n`.",
        "starter_code": "def double(n):\n    pass\n",
        "reference_solution": format!("def double(n):\n    {marker}\n    return 2 * n\n"),
        "tests": [{"name": "positive", "assertion": "double(4) == 8"},
                  {"name": "zero", "assertion": "double(0) == 0"}],
        "hints": ["Multiply by 2."]
    })
    .to_string()
}

fn request(topic: &str) -> Request {
    Request {
        learner_id: "learner-7".into(),
        messages: vec![Message {
            role: Role::User,
            content: "Give me an exercise".into(),
        }],
        topic: topic.into(),
        mastery: Some(0.5),
        ..Request::default()
    }
}

#[test]
fn offline_the_bank_serves_a_validated_exercise() {
    let mut sandbox = Fake::new();
    let mut model = offline();
    let reply = respond(
        &request("python.strings"),
        &mut sandbox,
        &mut model,
        &clock(),
    )
    .unwrap();
    let ex = reply.exercise.clone().unwrap();
    assert_eq!(
        (ex.topic.as_str(), ex.difficulty.as_str()),
        ("python.strings", "medium")
    );
    assert_eq!(reply.data["source"], "bank");
    assert_eq!(reply.data["validated"], true);
    assert_eq!(reply.data["checks"]["reference_passed"], ex.tests.len());
    assert_eq!(reply.data["checks"]["wrong_solution_fails"], true);
    // Each test its own run: every test for the reference, one each for the wrong
    // solution and the starter code (both fail at once).
    assert_eq!(sandbox.runs.len(), ex.tests.len() + 2);
    assert!(sandbox.runs.iter().all(|r| r.tests.len() == 1));
    assert_eq!(sandbox.count(is_wrong), 1);
    // The learner reads the task, never the solution or the tests.
    assert!(reply.content.contains(&ex.title));
    assert!(!reply.content.contains(ex.reference_solution.trim()));
    for t in &ex.tests {
        assert!(!reply.content.contains(t.assertion.as_deref().unwrap()));
    }
    let data = reply.data.to_string();
    assert!(!data.contains("def ") && !data.contains(ex.tests[0].assertion.as_deref().unwrap()));
    assert_eq!(model.calls, 1);
    assert_eq!(reply.follow_ups[..2], ["Give me a hint", "Make it harder"]);
}

#[test]
fn a_real_models_valid_exercise_is_served() {
    let mut model = Model {
        name: "gpt-4o-mini",
        replies: vec![model_exercise("")],
        calls: 0,
    };
    let reply = respond(
        &request("python.functions"),
        &mut Fake::new(),
        &mut model,
        &clock(),
    )
    .unwrap();
    assert_eq!(reply.data["source"], "model");
    assert_eq!(reply.data["model"], "gpt-4o-mini");
    assert_eq!(reply.exercise.unwrap().title, "Double it");
    assert_eq!(reply.data["hints"], json!(["Multiply by 2."]));
}

#[test]
fn a_model_exercise_whose_reference_fails_is_rejected_and_the_bank_used() {
    let mut model = Model {
        name: "gpt-4o-mini",
        replies: vec![model_exercise("# BROKEN")],
        calls: 0,
    };
    let reply = respond(
        &request("python.loops"),
        &mut Fake::new(),
        &mut model,
        &clock(),
    )
    .unwrap();
    // Retried once, then the bank.
    assert_eq!(model.calls, 2);
    assert_eq!(reply.data["source"], "bank");
    let rejected = reply.data["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2);
    assert_eq!(
        rejected[0],
        "model: the reference solution fails test 'positive'"
    );
    assert_ne!(reply.exercise.unwrap().title, "Double it");
}

#[test]
fn a_model_exercise_a_wrong_solution_passes_is_rejected() {
    let mut model = Model {
        name: "gpt-4o-mini",
        replies: vec![model_exercise("# LENIENT"), model_exercise("")],
        calls: 0,
    };
    let reply = respond(
        &request("python.loops"),
        &mut Fake::new(),
        &mut model,
        &clock(),
    )
    .unwrap();
    // The retry, told why, is valid.
    assert_eq!(model.calls, 2);
    assert_eq!(reply.data["source"], "model");
    assert_eq!(
        reply.data["rejected"][0],
        "model: a trivially wrong solution (every function returning None) passes every test"
    );
}

#[test]
fn variations_differ_from_their_base() {
    let mut sandbox = Fake::new();
    let first = respond(
        &request("python.lists"),
        &mut sandbox,
        &mut offline(),
        &clock(),
    )
    .unwrap();
    let base = first.exercise.unwrap();
    for learner in ["a", "b", "c", "d"] {
        let mut r = request("python.lists");
        r.learner_id = learner.into();
        r.base_exercise = Some(base.clone());
        r.mastery = Some(0.0);
        let reply = respond(&r, &mut sandbox, &mut offline(), &clock()).unwrap();
        let v = reply.exercise.unwrap();
        assert!(bank::differs(&v, &base), "{} vs {}", v.title, base.title);
        // The base's topic and difficulty, not the learner's mastery.
        assert_eq!(
            (v.topic.as_str(), v.difficulty.as_str()),
            (base.topic.as_str(), base.difficulty.as_str())
        );
        assert_eq!(reply.data["variation_of"], base.title.as_str());
        assert!(reply.content.contains("a variation of"));
    }
}

#[test]
fn a_model_variation_identical_to_its_base_is_rejected() {
    let base: Value = serde_json::from_str(&model_exercise("")).unwrap();
    let base = Exercise {
        title: "Double it".into(),
        prompt: base["prompt"].as_str().unwrap().into(),
        topic: "python.functions".into(),
        difficulty: "easy".into(),
        starter_code: String::new(),
        reference_solution: base["reference_solution"].as_str().unwrap().into(),
        tests: vec![],
    };
    let mut r = request("python.functions");
    r.base_exercise = Some(base);
    let mut model = Model {
        name: "gpt-4o-mini",
        replies: vec![model_exercise("")],
        calls: 0,
    };
    let reply = respond(&r, &mut Fake::new(), &mut model, &clock()).unwrap();
    assert_eq!(reply.data["source"], "bank");
    assert_eq!(
        reply.data["rejected"][0],
        "model: the variation reads or solves the same as its base"
    );
}

#[test]
fn without_a_sandbox_nothing_is_served() {
    let mut sandbox = Fake::new();
    sandbox.down = true;
    let e = respond(
        &request("python.oop"),
        &mut sandbox,
        &mut offline(),
        &clock(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        AgentError::Unavailable(
            "the code sandbox could not run the checks: no code sandbox is running on this host"
                .into()
        )
    );
    // Out of time is the same: nothing unvalidated leaves.
    let late = NoTime(Cell::new(BUDGET_MS));
    let e = respond(
        &request("python.oop"),
        &mut Fake::new(),
        &mut offline(),
        &late,
    )
    .unwrap_err();
    assert!(matches!(e, AgentError::Unavailable(_)));
}

#[test]
fn an_unknown_topic_gets_a_general_exercise_and_says_so() {
    let reply = respond(
        &request("python.async"),
        &mut Fake::new(),
        &mut offline(),
        &clock(),
    )
    .unwrap();
    assert!(
        reply
            .content
            .starts_with("There is no built-in exercise on `python.async` yet")
    );
    assert_eq!(reply.exercise.unwrap().topic, "general");
}

#[test]
fn hints_and_harder_follow_the_earlier_exercise() {
    let mut sandbox = Fake::new();
    let first = respond(
        &request("python.dicts"),
        &mut sandbox,
        &mut offline(),
        &clock(),
    )
    .unwrap();
    let mut r = request("general");
    r.earlier = vec![first.data.to_string()];
    r.messages.push(Message {
        role: Role::Assistant,
        content: first.content.clone(),
    });
    r.messages.push(Message {
        role: Role::User,
        content: "Give me a hint".into(),
    });
    let runs = sandbox.runs.len();
    let hint = respond(&r, &mut sandbox, &mut offline(), &clock()).unwrap();
    assert!(
        hint.content.starts_with("**Hint 1 of 2"),
        "{}",
        hint.content
    );
    assert!(hint.exercise.is_none());
    assert_eq!(hint.data["hints_given"], 1);
    assert_eq!(sandbox.runs.len(), runs);

    r.messages.last_mut().unwrap().content = "Make it harder".into();
    let harder = respond(&r, &mut sandbox, &mut offline(), &clock()).unwrap();
    let ex = harder.exercise.unwrap();
    assert_eq!(
        (ex.topic.as_str(), ex.difficulty.as_str()),
        ("python.dicts", "hard")
    );
}

#[test]
fn invalid_input_names_the_field() {
    let mut r = request("python.loops");
    r.difficulty = Some("impossible".into());
    let e = respond(&r, &mut Fake::new(), &mut offline(), &clock()).unwrap_err();
    assert!(matches!(e, AgentError::Invalid { ref field, .. } if field == "difficulty"));
    r.difficulty = Some("easy".into());
    assert_eq!(
        respond(&r, &mut Fake::new(), &mut offline(), &clock())
            .unwrap()
            .exercise
            .unwrap()
            .difficulty,
        Difficulty::Easy.label()
    );
}
