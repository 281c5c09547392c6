//! The turn end to end with a fake sandbox and a fake model; and, ignored by default
//! (`cargo test -p code-review-agent -- --ignored`), the real `checker.py` run by the
//! machine's `python3`.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;
use tessera_plugin_sdk::model::{
    ChatRequest, ChatResponse, Llm, LlmError, Message, OFFLINE_MODEL, Role,
};
use tessera_plugin_sdk::sandbox::{CodeRunner, RunError, RunRequest, RunResult, RunStatus};

use super::*;

struct FakeSandbox<F: FnMut(&RunRequest) -> RunResult> {
    respond: F,
    runs: usize,
}

impl<F: FnMut(&RunRequest) -> RunResult> CodeRunner for FakeSandbox<F> {
    fn run(&mut self, request: &RunRequest) -> RunResult {
        self.runs += 1;
        (self.respond)(request)
    }
}

fn sandbox_printing(stdout: &'static str) -> FakeSandbox<impl FnMut(&RunRequest) -> RunResult> {
    FakeSandbox {
        respond: move |_: &RunRequest| RunResult::ended(RunStatus::Ok, stdout),
        runs: 0,
    }
}

struct FakeModel {
    model: &'static str,
    content: &'static str,
    calls: usize,
}

impl Llm for FakeModel {
    fn complete(&mut self, _: &ChatRequest) -> Result<ChatResponse, LlmError> {
        self.calls += 1;
        if self.model.is_empty() {
            return Err(LlmError::Unavailable("no provider".into()));
        }
        Ok(ChatResponse {
            content: self.content.into(),
            model: self.model.into(),
        })
    }
}

fn offline() -> FakeModel {
    FakeModel {
        model: OFFLINE_MODEL,
        content: r#"{"remarks": [{"line": 1, "remark": "placeholder"}]}"#,
        calls: 0,
    }
}

fn request(code: &str) -> Request {
    Request {
        learner_id: "learner-1".into(),
        messages: vec![Message {
            role: Role::User,
            content: "Please review my code".into(),
        }],
        topic: "python.functions".into(),
        code: Some(code.into()),
    }
}

const REPORT: &str = r#"{"findings": [
    {"line": 1, "col": 0, "code": "unused-import", "message": "`os` is imported but never used", "severity": "warning"},
    {"line": 3, "col": 0, "code": "function-name", "message": "function `AddUp` is not snake_case (PEP 8)", "severity": "style"},
    {"line": 3, "col": 0, "code": "missing-docstring", "message": "public function `AddUp` has no docstring", "severity": "info"},
    {"line": 5, "col": 4, "code": "bare-except", "message": "bare `except:` also catches KeyboardInterrupt", "severity": "warning"}],
    "truncated": false,
    "stats": {"lines": 20, "functions": 1, "classes": 0, "public_functions": 1, "max_complexity": 2, "max_nesting": 1}}"#;

#[test]
fn findings_become_a_rated_grouped_review() {
    let mut sandbox = sandbox_printing(REPORT);
    let mut model = offline();
    let reply = respond(&request("import os\n..."), &mut sandbox, &mut model).unwrap();
    // P = 1 + 0.4 + 0.15 + 1 = 2.55, S = 2: 1 / (1 + 2.55 / 4) = 0.61.
    assert_eq!(reply.code_quality, Some(0.61));
    assert_eq!(sandbox.runs, 1);
    let c = &reply.content;
    assert!(
        c.contains("Quality: **0.61 / 1** (2 warnings, 1 style note, 1 suggestion in 20 lines)"),
        "{c}"
    );
    assert!(
        c.contains("**Likely bugs**\n- Line 5: bare `except:`"),
        "{c}"
    );
    assert!(
        c.contains("**Naming (PEP 8)**\n- Line 3: function `AddUp`"),
        "{c}"
    );
    assert!(
        c.contains("**What's good**\n- Functions stay simple"),
        "{c}"
    );
    // The next step is the most severe finding, the likely bug before the unused import.
    assert!(
        c.contains("**Next step:** start with line 5: bare `except:`"),
        "{c}"
    );
    // The offline model's placeholder is never shown.
    assert!(!c.contains("placeholder"));
    assert_eq!(model.calls, 1);
    assert_eq!(reply.data["checker"], "ok");
    assert_eq!(reply.data["findings"].as_array().unwrap().len(), 4);
    assert_eq!(reply.data["findings"][0]["code"], "unused-import");
    assert_eq!(reply.data["model"], Value::Null);
    assert_eq!(
        reply.follow_ups.last().unwrap(),
        "Give me an exercise on python.functions"
    );
}

#[test]
fn clean_code_rates_one_and_says_what_is_good() {
    let mut sandbox = sandbox_printing(
        r#"{"findings": [], "truncated": false, "stats": {"lines": 8, "functions": 2, "public_functions": 2, "max_complexity": 3, "max_nesting": 1}}"#,
    );
    let reply = respond(&request("def f(): ..."), &mut sandbox, &mut offline()).unwrap();
    assert_eq!(reply.code_quality, Some(1.0));
    assert!(reply.content.contains("nothing to flag in 8 lines"));
    assert!(reply.content.contains("the checks found nothing to fix"));
}

#[test]
fn a_syntax_error_is_reported_with_its_line_and_rates_zero() {
    let mut sandbox = sandbox_printing(
        r#"{"syntax_error": {"line": 2, "col": 9, "message": "expected ':'"}, "stats": {"lines": 2}}"#,
    );
    let reply = respond(&request("def f()\n  pass"), &mut sandbox, &mut offline()).unwrap();
    assert_eq!(reply.code_quality, Some(0.0));
    assert!(
        reply
            .content
            .contains("- Syntax error on line 2: expected ':'"),
        "{}",
        reply.content
    );
    assert!(
        reply.content.contains("fix the syntax error on line 2"),
        "{}",
        reply.content
    );
    assert!(!reply.content.contains("What's good"));
    assert_eq!(reply.data["checker"], "syntax_error");
    assert_eq!(reply.data["findings"][0]["line"], 2);
}

#[test]
fn without_the_sandbox_there_is_no_rating() {
    let mut sandbox = FakeSandbox {
        respond: |_: &RunRequest| {
            let mut r = RunResult::ended(RunStatus::InternalError, "");
            r.error = Some(RunError {
                error_type: "InternalError".into(),
                message: "no code sandbox is running on this host".into(),
                line: None,
            });
            r
        },
        runs: 0,
    };
    let reply = respond(&request("x = 1"), &mut sandbox, &mut offline()).unwrap();
    assert_eq!(reply.code_quality, None);
    assert!(
        reply
            .content
            .contains("could not run the automatic style and correctness checks")
    );
    assert!(reply.content.contains("no code sandbox is running"));
    assert_eq!(reply.data["checker"], "unavailable");
    assert_eq!(reply.data["rating"], Value::Null);
}

#[test]
fn a_real_model_adds_remarks_but_not_to_the_rating() {
    let mut model = FakeModel {
        model: "gpt-4o-mini",
        content: r#"{"remarks": [{"line": 4, "remark": "`total` is never returned."}]}"#,
        calls: 0,
    };
    let reply = respond(
        &request("import os\n...\n\n\n"),
        &mut sandbox_printing(REPORT),
        &mut model,
    )
    .unwrap();
    assert_eq!(reply.code_quality, Some(0.61));
    assert!(reply.content.contains("**Correctness notes** (from the model `gpt-4o-mini`)\n- Line 4: `total` is never returned."), "{}", reply.content);
    assert_eq!(reply.data["model"], "gpt-4o-mini");
    assert_eq!(reply.data["remarks"][0]["line"], 4);

    // A failing model changes nothing but the notes.
    let mut down = FakeModel {
        model: "",
        content: "",
        calls: 0,
    };
    let reply = respond(
        &request("import os"),
        &mut sandbox_printing(REPORT),
        &mut down,
    )
    .unwrap();
    assert_eq!(reply.code_quality, Some(0.61));
    assert!(!reply.content.contains("Correctness notes"));
}

#[test]
fn code_in_the_message_is_reviewed_and_no_code_is_invalid_input() {
    let mut sandbox = sandbox_printing(REPORT);
    let mut r = request("");
    r.code = None;
    r.messages[0].content = "```python\nimport os\n```".into();
    let reply = respond(&r, &mut sandbox, &mut offline()).unwrap();
    assert_eq!(reply.data["source"], "fenced");

    // Prose taken for code that does not parse earns no rating.
    r.messages[0].content = "if I use a list here, is that ok?".into();
    let mut broken = sandbox_printing(
        r#"{"syntax_error": {"line": 1, "col": 4, "message": "invalid syntax"}, "stats": {}}"#,
    );
    let reply = respond(&r, &mut broken, &mut offline()).unwrap();
    assert_eq!(
        (reply.data["source"].as_str(), reply.code_quality),
        (Some("message"), None)
    );

    r.messages[0].content = "what do you think?".into();
    let e = respond(&r, &mut sandbox, &mut offline()).unwrap_err();
    assert!(matches!(e, AgentError::Invalid { ref field, .. } if field == "code"));
    r.messages.clear();
    let e = respond(&r, &mut sandbox, &mut offline()).unwrap_err();
    assert!(matches!(e, AgentError::Invalid { ref field, .. } if field == "messages"));
}

/// Runs the checker as the sandbox would: `python3` with the code on stdin.
struct Python3;

impl CodeRunner for Python3 {
    fn run(&mut self, request: &RunRequest) -> RunResult {
        let mut child = Command::new("python3")
            .args(["-c", &request.code])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(request.stdin.as_bytes())
            .expect("stdin written");
        let out = child.wait_with_output().expect("python3 ends");
        let status = if out.status.success() {
            RunStatus::Ok
        } else {
            RunStatus::RuntimeError
        };
        RunResult::ended(status, &String::from_utf8_lossy(&out.stdout))
    }
}

fn codes(code: &str) -> (Vec<(u32, String)>, Option<f32>) {
    let reply = respond(&request(code), &mut Python3, &mut offline()).unwrap();
    let found = reply.data["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap() as u32,
                f["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (found, reply.code_quality)
}

#[test]
#[ignore = "needs python3 on the machine"]
fn the_real_checker_finds_what_it_should() {
    let (found, rating) = codes(
        "import os\n\n\ndef Total(list, seen=[]):\n    \"\"\"Sum.\"\"\"\n    unused = 1\n    \
         for i in range(len(list)):\n        if list[i] == None:\n            continue\n    \
         try:\n        pass\n    except:\n        pass\n    return 0\n",
    );
    let has = |line: u32, code: &str| found.contains(&(line, code.to_owned()));
    assert!(has(1, "unused-import"), "{found:?}");
    assert!(has(4, "function-name"), "{found:?}");
    assert!(has(4, "shadowed-builtin"), "{found:?}");
    assert!(has(4, "mutable-default"), "{found:?}");
    assert!(has(6, "unused-variable"), "{found:?}");
    assert!(has(7, "range-len"), "{found:?}");
    assert!(has(8, "none-comparison"), "{found:?}");
    assert!(has(12, "bare-except"), "{found:?}");
    assert!(rating.unwrap() < 0.5, "{rating:?}");

    let (found, rating) =
        codes("\"\"\"Clean.\"\"\"\n\n\ndef add(a, b):\n    \"\"\"Add.\"\"\"\n    return a + b\n");
    assert_eq!((found, rating), (vec![], Some(1.0)));

    let (found, rating) = codes("def f(:\n    pass\n");
    assert_eq!(
        (found, rating),
        (vec![(1, "syntax-error".to_owned())], Some(0.0))
    );

    let (found, _) = codes("class my_thing:\n  def go(self):\n    x=1   \n    return x\n");
    let found: Vec<&str> = found.iter().map(|(_, c)| c.as_str()).collect();
    assert!(
        found.contains(&"class-name")
            && found.contains(&"indentation")
            && found.contains(&"trailing-whitespace"),
        "{found:?}"
    );
}
