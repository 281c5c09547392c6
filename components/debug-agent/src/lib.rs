//! The debug agent (intent `debug`): helps a learner fix a Python error with a hint
//! ladder, never giving the fix first. See README.md for the ladder and the data shape.
//!
//! The rules live in plain modules, unit-tested natively with a fake sandbox and model:
//! `failure` reads the error, `signature` decides what counts as the same error, `ladder`
//! keeps the rung across turns, `rules` knows common errors, `verify` runs a corrected
//! program, `phrasing` asks a real model to word hints for errors the rules don't know,
//! `answer` writes the reply. [`respond`] ties them together; the `component` module only
//! adapts it to `tessera:platform/agent` and the real imports.

pub mod answer;
pub mod edit;
pub mod failure;
pub mod ladder;
pub mod phrasing;
pub mod rules;
pub mod signature;
pub mod turn;
pub mod verify;

pub use tessera_plugin_sdk::model as llm;
pub use tessera_plugin_sdk::sandbox as runner;

use serde_json::json;

use failure::Failure;
use ladder::{RUNGS, State};
use llm::Llm;
use rules::{Candidate, Case};
use runner::CodeRunner;
use turn::{Invalid, Reply, Request};
use verify::LearnerRun;

/// The intent this agent answers.
pub const INTENT: &str = "debug";

/// The agent's id (the plugin's).
pub const ID: &str = "debug-agent";

/// Answers one turn: finds the error (pasted, in the error box, by running the code, or
/// the one the earlier turns were about), climbs the ladder one rung on the same error,
/// and writes that rung.
pub fn respond(
    request: &Request,
    runner: &mut impl CodeRunner,
    model: &mut impl Llm,
) -> Result<Reply, Invalid> {
    let query = request.query()?;
    let (fenced, prose) = failure::fenced_code(query);
    let previous = ladder::latest(&request.earlier);
    let mut code = request.code_box().map(str::to_owned).or(fenced);
    let pasted = request.error_box().unwrap_or(&prose).to_owned();
    let mut error = request
        .error_box()
        .and_then(failure::find)
        .or_else(|| failure::find(&prose));
    if error.is_none()
        && let Some(c) = &code
    {
        match verify::run_learner(runner, c) {
            LearnerRun::Failed(f) => error = Some(f),
            LearnerRun::Finished(stdout) => return Ok(ran_clean(&stdout)),
            LearnerRun::Unavailable => {}
        }
    }
    let error = match (error, &previous) {
        (Some(e), _) => e,
        // A follow-up ("another hint") quotes no error: continue with the last one.
        (None, Some(p)) => {
            code = code.or_else(|| p.code.clone());
            p.error.clone()
        }
        (None, None) => return Ok(ask_for_error()),
    };
    let error = locate(error, code.as_deref(), runner);
    let source = code
        .as_deref()
        .and_then(|c| error.line.and_then(|l| edit::line(c, l)))
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .or_else(|| failure::quoted_source(&pasted));
    let state = State::next(
        previous.as_ref(),
        signature::of(&error),
        error.clone(),
        code.as_deref(),
    );
    let case = Case {
        error: &error,
        code: code.as_deref(),
        source,
    };
    let diagnosis = rules::diagnose(&case);
    let tone = request.tone.as_deref();
    let content = if state.rung < RUNGS {
        let rule_text = match state.rung {
            1 => &diagnosis.meaning,
            2 => &diagnosis.cause,
            _ => &diagnosis.nudge,
        };
        let text = if diagnosis.known {
            None
        } else {
            phrasing::hint(model, state.rung, &error, case.code, tone)
        };
        answer::hint(
            state.rung,
            &case,
            text.as_deref().unwrap_or(rule_text),
            tone,
        )
    } else {
        last_rung(&case, &diagnosis, runner, model, tone)
    };
    Ok(Reply {
        content,
        follow_ups: follow_ups(state.rung, &error, &request.topic),
        data: state.to_data(),
    })
}

/// The last rung: a rule's (or, for errors the rules don't know, a real model's) corrected
/// program when one runs clean, else the described change.
fn last_rung(
    case: &Case<'_>,
    diagnosis: &rules::Diagnosis,
    runner: &mut impl CodeRunner,
    model: &mut impl Llm,
    tone: Option<&str>,
) -> String {
    if !diagnosis.known
        && case.code.is_some()
        && let Some((explanation, fixed)) = phrasing::fix(model, case.error, case.code, tone)
        && let Some(v) = verify::first_clean(runner, case.error, &[Candidate { code: fixed }])
    {
        return answer::fix(case, &explanation, &answer::Fix::Checked(&v));
    }
    if diagnosis.candidates.is_empty() {
        return answer::fix(case, &diagnosis.fix, &answer::Fix::Described);
    }
    match verify::first_clean(runner, case.error, &diagnosis.candidates) {
        Some(v) => answer::fix(case, &diagnosis.fix, &answer::Fix::Checked(&v)),
        None => answer::fix(case, &diagnosis.fix, &answer::Fix::Unchecked),
    }
}

/// `error` with its line filled in by running the code, when the learner's text named
/// none and the run raises the same type.
fn locate(error: Failure, code: Option<&str>, runner: &mut impl CodeRunner) -> Failure {
    if error.line.is_some() || error.error_type == failure::TIMEOUT {
        return error;
    }
    let Some(code) = code else {
        return error;
    };
    match verify::run_learner(runner, code) {
        LearnerRun::Failed(found) if found.error_type == error.error_type => Failure {
            line: found.line,
            ..error
        },
        _ => error,
    }
}

fn follow_ups(rung: u8, error: &Failure, topic: &str) -> Vec<String> {
    let topic = topic.strip_prefix("python.").unwrap_or(topic);
    let topic = if topic.is_empty() || topic == "general" {
        error.error_type.as_str()
    } else {
        topic
    };
    if rung < RUNGS {
        vec![
            "Show me another hint".to_owned(),
            format!("What does {} mean?", error.error_type),
        ]
    } else {
        vec![
            format!("How can I avoid {} in the future?", error.error_type),
            format!("Give me an exercise on {topic}"),
        ]
    }
}

/// The reply when the learner's code runs without an error.
fn ran_clean(stdout: &str) -> Reply {
    let printed = if stdout.trim().is_empty() {
        "It printed nothing.".to_owned()
    } else {
        format!("It printed:\n\n```text\n{}\n```", stdout.trim_end())
    };
    Reply {
        content: format!(
            "I ran your code and it finished without an error. {printed}\n\nIf that isn't what \
             you expected, tell me what you expected to see, or paste the error message you \
             got."
        ),
        follow_ups: vec!["Review my code".to_owned()],
        data: json!({}),
    }
}

/// The reply when there is no error to work on.
fn ask_for_error() -> Reply {
    Reply {
        content: "Paste the error message (the whole traceback, if you have it) and the code \
                  that raised it, and I'll help you find the bug one hint at a time."
            .to_owned(),
        follow_ups: Vec::new(),
        data: json!({}),
    }
}

/// The component glue: built only for wasm32, where the exports and imports exist.
#[cfg(target_arch = "wasm32")]
mod component {
    use super::{ID, INTENT, respond};
    use crate::llm as plain;
    use crate::turn::{Message, Request};

    wit_bindgen::generate!({
        path: "../../wit/0.2.0",
        world: "tessera:platform/agent-plugin@0.2.0",
        generate_all,
    });

    use exports::tessera::platform::agent::{AgentInfo, AgentReply, AgentRequest, Guest};
    use tessera::platform::types::{Error, FieldError, Role};

    tessera_plugin_sdk::code_runner_import!(tessera::platform::code_runner);
    tessera_plugin_sdk::llm_import!(tessera::platform::llm, tessera::platform::types);

    struct DebugAgent;

    impl Guest for DebugAgent {
        fn describe() -> AgentInfo {
            AgentInfo {
                id: ID.to_owned(),
                name: "Debug helper".to_owned(),
                description: "Helps you fix a Python error one hint at a time: what the error \
                              means, the likely cause in your code, a pointed hint, and only \
                              then the fix, checked in the sandbox."
                    .to_owned(),
                intents: vec![INTENT.to_owned()],
            }
        }

        fn respond(request: AgentRequest) -> Result<AgentReply, Error> {
            let plain_request = Request {
                messages: request
                    .messages
                    .into_iter()
                    .map(|m| Message {
                        role: match m.role {
                            Role::System => plain::Role::System,
                            Role::User => plain::Role::User,
                            Role::Assistant => plain::Role::Assistant,
                        },
                        content: m.content,
                    })
                    .collect(),
                topic: request.topic,
                code: request.code,
                error: request.error,
                earlier: request.earlier,
                tone: request.learner.tone,
            };
            match respond(&plain_request, &mut Sandbox, &mut Gateway) {
                Ok(reply) => Ok(AgentReply {
                    content: reply.content,
                    follow_ups: reply.follow_ups,
                    code_quality: None,
                    exercise: None,
                    data: reply.data.to_string(),
                }),
                Err(e) => Err(Error::InvalidInput(FieldError {
                    field: e.field,
                    message: e.message,
                })),
            }
        }
    }

    export!(DebugAgent);
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::llm::{ChatRequest, ChatResponse, LlmError, OFFLINE_MODEL};
    use crate::runner::{RunError, RunRequest, RunResult, RunStatus};
    use crate::turn::{Message, Role};

    struct FakeSandbox<F: FnMut(&RunRequest) -> RunResult> {
        respond: F,
        runs: Vec<String>,
    }

    impl<F: FnMut(&RunRequest) -> RunResult> CodeRunner for FakeSandbox<F> {
        fn run(&mut self, request: &RunRequest) -> RunResult {
            self.runs.push(request.code.clone());
            (self.respond)(request)
        }
    }

    fn sandbox<F: FnMut(&RunRequest) -> RunResult>(respond: F) -> FakeSandbox<F> {
        FakeSandbox {
            respond,
            runs: Vec::new(),
        }
    }

    struct FakeModel<F: FnMut(&ChatRequest) -> Result<ChatResponse, LlmError>> {
        respond: F,
        calls: Vec<ChatRequest>,
    }

    impl<F: FnMut(&ChatRequest) -> Result<ChatResponse, LlmError>> Llm for FakeModel<F> {
        fn complete(&mut self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
            self.calls.push(request.clone());
            (self.respond)(request)
        }
    }

    fn model<F: FnMut(&ChatRequest) -> Result<ChatResponse, LlmError>>(respond: F) -> FakeModel<F> {
        FakeModel {
            respond,
            calls: Vec::new(),
        }
    }

    fn no_model() -> FakeModel<impl FnMut(&ChatRequest) -> Result<ChatResponse, LlmError>> {
        model(|_| Err(LlmError::Unavailable("no gateway".into())))
    }

    fn answering(
        name: &'static str,
        content: Value,
    ) -> FakeModel<impl FnMut(&ChatRequest) -> Result<ChatResponse, LlmError>> {
        model(move |_| {
            Ok(ChatResponse {
                content: content.to_string(),
                model: name.to_owned(),
            })
        })
    }

    fn failed(error_type: &str, message: &str, line: Option<u32>) -> RunResult {
        let mut r = RunResult::ended(RunStatus::RuntimeError, "");
        r.error = Some(RunError {
            error_type: error_type.into(),
            message: message.into(),
            line,
        });
        r
    }

    /// A sandbox in which a program runs clean exactly when it has `fixed` as a line.
    fn clean_with(fixed: &'static str) -> impl FnMut(&RunRequest) -> RunResult {
        move |r| {
            if r.code.lines().any(|l| l == fixed) {
                RunResult::ended(RunStatus::Ok, "")
            } else {
                failed("SomeError", "still broken", Some(1))
            }
        }
    }

    fn request(query: &str, code: Option<&str>, error: Option<&str>) -> Request {
        Request {
            messages: vec![Message {
                role: Role::User,
                content: query.into(),
            }],
            topic: "python.loops".into(),
            code: code.map(Into::into),
            error: error.map(Into::into),
            earlier: Vec::new(),
            tone: None,
        }
    }

    /// Asks `turns` times about the same error, feeding each reply's data back.
    fn climb(
        first: &Request,
        turns: usize,
        runner: &mut impl CodeRunner,
        llm: &mut impl Llm,
    ) -> Vec<Reply> {
        let mut replies: Vec<Reply> = Vec::new();
        let mut r = first.clone();
        for _ in 0..turns {
            let reply = respond(&r, runner, llm).unwrap();
            r.earlier.push(reply.data.to_string());
            replies.push(reply);
        }
        replies
    }

    const TYPO: &str = "total = 0\nfor n in [1, 2]:\n    total += n\nprint(totl)\n";
    const TYPO_TB: &str = "Traceback (most recent call last):\n  File \"main.py\", line 4, in <module>\n    print(totl)\n          ^^^^\nNameError: name 'totl' is not defined. Did you mean: 'total'?";

    #[test]
    fn the_ladder_climbs_to_a_verified_fix_and_stays_there() {
        let mut runner = sandbox(clean_with("print(total)"));
        let mut llm = model(|_| panic!("a known error needs no model"));
        let first = request("why does this crash?", Some(TYPO), Some(TYPO_TB));
        let replies = climb(&first, 5, &mut runner, &mut llm);
        for (i, reply) in replies.iter().enumerate() {
            let rung = (i + 1).min(4);
            assert!(
                reply.content.contains(&format!("**Hint {rung} of 4")),
                "turn {i}: {}",
                reply.content
            );
            assert_eq!(reply.data["rung"], rung);
            assert_eq!(reply.data["asks"], i + 1);
        }
        for reply in &replies[..3] {
            assert!(!reply.content.contains("print(total)"), "{}", reply.content);
            assert!(!reply.content.contains("`total`"), "{}", reply.content);
            assert_eq!(reply.follow_ups[0], "Show me another hint");
        }
        assert!(
            replies[0]
                .content
                .contains("Where to look: line 4: `print(totl)`")
        );
        let fix = &replies[3].content;
        assert!(
            fix.contains(
                "```python\ntotal = 0\nfor n in [1, 2]:\n    total += n\nprint(total)\n```"
            ),
            "{fix}"
        );
        assert!(
            fix.contains("I ran the corrected program in the sandbox"),
            "{fix}"
        );
        assert_eq!(replies[3].follow_ups[1], "Give me an exercise on loops");
        // Only the fix was run (the error named its line), once per fix shown.
        assert_eq!(runner.runs.len(), 2);
        assert_eq!(
            replies[0].data,
            json!({
                "signature": "NameError: name 'totl' is not defined",
                "rung": 1,
                "asks": 1,
                "error": {"type": "NameError",
                          "message": "name 'totl' is not defined. Did you mean: 'total'?",
                          "line": 4},
                "code": TYPO,
            })
        );
    }

    /// Common errors: the code, the error, the line a verified fix has (empty when the
    /// fix can only be described), and a text only the last rung may show.
    const CASES: &[(&str, &str, &str, &str)] = &[
        (
            TYPO,
            "line 4 NameError: name 'totl' is not defined. Did you mean: 'total'?",
            "print(total)",
            "print(total)",
        ),
        (
            "n = input(\"How many? \")\nprint(n + 1)\n",
            "line 2 TypeError: can only concatenate str (not \"int\") to str",
            "n = int(input(\"How many? \"))",
            "int(input(",
        ),
        (
            "n = input()\nprint(10 - n)\n",
            "line 2 TypeError: unsupported operand type(s) for -: 'int' and 'str'",
            "n = int(input())",
            "int(input())",
        ),
        (
            "def fact(n):\n    return n * fact(n - 1)\n\nprint(fact(5))\n",
            "RecursionError: maximum recursion depth exceeded (line 2)",
            "",
            "if n <= 1: return 1",
        ),
        (
            "age = 12\nprint(\"Age: \" + age)\n",
            "  File \"a.py\", line 2\nTypeError: can only concatenate str (not \"int\") to str",
            "print(\"Age: \" + str(age))",
            "str(age)",
        ),
        (
            "xs = [1, 2, 3]\nfor i in range(len(xs) + 1):\n    print(xs[i])\n",
            "IndexError: list index out of range on line 3",
            "for i in range(len(xs)):",
            "range(len(xs))",
        ),
        (
            "counts = {}\nfor w in [\"a\", \"b\", \"a\"]:\n    counts[w] += 1\n",
            "line 3\nKeyError: 'a'",
            "    counts[w] = counts.get(w, 0) + 1",
            "counts.get(w, 0)",
        ),
        (
            "nums = []\nnums = nums.append(1)\nnums.append(2)\n",
            "line 3: AttributeError: 'NoneType' object has no attribute 'append'",
            "nums.append(1)",
            "`nums.append(1)`",
        ),
        (
            "for i in range(2):\nprint(i)\n",
            "File \"a.py\", line 2\nIndentationError: expected an indented block after 'for' statement on line 1",
            "    print(i)",
            "    print(i)",
        ),
        (
            "x = 5\nif x > 3\n    print(x)\n",
            "File \"a.py\", line 2\nSyntaxError: expected ':'",
            "if x > 3:",
            "if x > 3:",
        ),
        (
            "print(\"hi\"\n",
            "File \"a.py\", line 1\nSyntaxError: '(' was never closed",
            "print(\"hi\")",
            "print(\"hi\")",
        ),
        (
            "count = 0\ndef bump():\n    count += 1\nbump()\n",
            "line 3, UnboundLocalError: cannot access local variable 'count' where it is not associated with a value",
            "    global count",
            "global count",
        ),
        (
            "i = 0\nwhile i < 3:\n    print(i)\n",
            "my loop runs forever",
            "    i += 1",
            "i += 1",
        ),
        (
            "nums = []\navg = sum(nums) / len(nums)\n",
            "line 2 ZeroDivisionError: division by zero",
            "if len(nums) != 0:",
            "!= 0:",
        ),
        (
            "import maths\nprint(maths.pi)\n",
            "line 1 ModuleNotFoundError: No module named 'maths'",
            "import math",
            "`math`",
        ),
        (
            "text = \"\"\ntext.append(\"a\")\n",
            "line 2 AttributeError: 'str' object has no attribute 'append'",
            "text += \"a\"",
            "+=",
        ),
    ];

    #[test]
    fn rungs_before_the_last_never_show_the_fix() {
        for (code, error, fixed, secret) in CASES {
            let mut runner = sandbox(clean_with(fixed));
            let mut llm = model(|_| panic!("a known error needs no model"));
            let first = request(&format!("help: {error}"), Some(code), None);
            let replies = climb(&first, 4, &mut runner, &mut llm);
            for (i, reply) in replies[..3].iter().enumerate() {
                assert!(
                    !reply.content.contains(secret),
                    "rung {} of {error} shows {secret}: {}",
                    i + 1,
                    reply.content
                );
            }
            let fix = &replies[3].content;
            assert!(fix.contains(secret), "{error}: {fix}");
            if fixed.is_empty() {
                assert!(!fix.contains("```"), "{error}: {fix}");
                continue;
            }
            assert!(fix.contains("```python"), "{error}: {fix}");
            assert!(
                fix.contains("I ran the corrected program"),
                "{error}: {fix}"
            );
            assert!(
                runner.runs.iter().any(|c| c.lines().any(|l| l == *fixed)),
                "{error}: {:?}",
                runner.runs
            );
        }
    }

    #[test]
    fn a_fix_that_does_not_run_clean_is_only_described() {
        let mut runner = sandbox(|_| failed("NameError", "name 'totl' is not defined", Some(4)));
        let replies = climb(
            &request("help", Some(TYPO), Some(TYPO_TB)),
            4,
            &mut runner,
            &mut no_model(),
        );
        let fix = &replies[3].content;
        assert!(!fix.contains("```"), "{fix}");
        assert!(fix.contains("change `totl` to `total` on line 4"), "{fix}");
        assert!(
            fix.contains("couldn't confirm a corrected version"),
            "{fix}"
        );
        // An unavailable sandbox: the same.
        let mut runner = sandbox(|_| RunResult::ended(RunStatus::InternalError, ""));
        let replies = climb(
            &request("help", Some(TYPO), Some(TYPO_TB)),
            4,
            &mut runner,
            &mut no_model(),
        );
        assert!(replies[3].content.contains("couldn't confirm"));
    }

    #[test]
    fn a_different_error_starts_again_at_rung_one() {
        let mut runner = sandbox(clean_with("print(total)"));
        let replies = climb(
            &request("help", Some(TYPO), Some(TYPO_TB)),
            2,
            &mut runner,
            &mut no_model(),
        );
        assert_eq!(replies[1].data["rung"], 2);
        let mut next = request(
            "now this",
            Some("print(1 / 0)\n"),
            Some("ZeroDivisionError: division by zero (line 1)"),
        );
        next.earlier = replies.iter().map(|r| r.data.to_string()).collect();
        let reply = respond(&next, &mut runner, &mut no_model()).unwrap();
        assert_eq!(reply.data["rung"], 1);
        assert_eq!(reply.data["asks"], 1);
        assert!(reply.content.contains("ZeroDivisionError"));
        // The same error on another line, with another quoted key, is the same error.
        let mut again = request("still", None, Some("KeyError: 'b' on line 9"));
        again.earlier = vec![
            json!({"signature": "KeyError: '…'", "rung": 2, "asks": 2,
                   "error": {"type": "KeyError", "message": "'a'", "line": 3}})
            .to_string(),
        ];
        let reply = respond(&again, &mut runner, &mut no_model()).unwrap();
        assert_eq!(reply.data["rung"], 3);
    }

    #[test]
    fn another_hint_continues_with_the_stored_error_and_code() {
        let mut runner = sandbox(clean_with("print(total)"));
        let first = respond(
            &request("help", Some(TYPO), Some(TYPO_TB)),
            &mut runner,
            &mut no_model(),
        )
        .unwrap();
        let mut r = request("Show me another hint", None, None);
        r.earlier = vec![first.data.to_string()];
        let second = respond(&r, &mut runner, &mut no_model()).unwrap();
        assert_eq!(second.data["rung"], 2);
        assert_eq!(second.data["code"], TYPO);
        assert!(
            second
                .content
                .contains("`totl` looks very much like a name")
        );
    }

    #[test]
    fn code_without_an_error_is_run_to_find_it() {
        let mut runner = sandbox(|_| failed("ZeroDivisionError", "division by zero", Some(2)));
        let code = "n = 0\nprint(10 / n)\n";
        let reply = respond(
            &request(&format!("what's wrong?\n```python\n{code}```"), None, None),
            &mut runner,
            &mut no_model(),
        )
        .unwrap();
        assert_eq!(runner.runs, [code]);
        assert_eq!(reply.data["error"]["line"], 2);
        assert!(
            reply
                .content
                .contains("Where to look: line 2: `print(10 / n)`")
        );
        let mut runner = sandbox(|_| RunResult::ended(RunStatus::Ok, "10\n"));
        let reply = respond(
            &request("is it broken?", Some("print(10)"), None),
            &mut runner,
            &mut no_model(),
        )
        .unwrap();
        assert!(reply.content.contains("finished without an error"));
        assert!(reply.content.contains("```text\n10\n```"));
        assert_eq!(reply.data, json!({}));
        let reply = respond(
            &request("help me", None, None),
            &mut runner,
            &mut no_model(),
        )
        .unwrap();
        assert!(reply.content.contains("Paste the error message"));
    }

    #[test]
    fn a_real_model_words_unknown_errors_within_the_rules() {
        let code = "it = iter([])\nnext(it)\n";
        let error = "line 2: StopIteration";
        let mut runner = sandbox(|r| {
            if r.code.contains("next(it, None)") {
                RunResult::ended(RunStatus::Ok, "")
            } else {
                failed("StopIteration", "", Some(2))
            }
        });
        // A hint quoting only the learner's code is used.
        let mut llm = answering(
            "gpt-4o-mini",
            json!({"hint": "`next(it)` asked an empty iterator `it` for an item."}),
        );
        let reply = respond(&request(error, Some(code), None), &mut runner, &mut llm).unwrap();
        assert!(
            reply.content.contains("asked an empty iterator"),
            "{}",
            reply.content
        );
        assert_eq!(llm.calls[0].feature, "tutor");
        assert!(llm.calls[0].messages[0].content.contains("rung 1"));
        assert!(!llm.calls[0].response_schema.is_null());
        // One that slips in new code is not, nor is the offline model's.
        for mut llm in [
            answering("gpt-4o-mini", json!({"hint": "Write `next(it, None)`."})),
            answering(OFFLINE_MODEL, json!({"hint": "placeholder"})),
        ] {
            let reply = respond(&request(error, Some(code), None), &mut runner, &mut llm).unwrap();
            assert!(!reply.content.contains("next(it, None)"));
            assert!(
                reply.content.contains("A `StopIteration` means"),
                "{}",
                reply.content
            );
        }
        // The last rung: the model's corrected program is shown only once it ran clean.
        let mut last = request(error, Some(code), None);
        last.earlier = vec![
            json!({"signature": "StopIteration: ", "rung": 3, "asks": 3,
                   "error": {"type": "StopIteration", "message": "", "line": 2}})
            .to_string(),
        ];
        let mut llm = answering(
            "gpt-4o-mini",
            json!({"explanation": "Give `next` a default.", "fixed_code": "it = iter([])\nnext(it, None)\n"}),
        );
        let reply = respond(&last, &mut runner, &mut llm).unwrap();
        assert_eq!(reply.data["rung"], 4);
        assert!(
            reply
                .content
                .contains("```python\nit = iter([])\nnext(it, None)\n```"),
            "{}",
            reply.content
        );
        let mut llm = answering(
            "gpt-4o-mini",
            json!({"explanation": "Give `next` a default.", "fixed_code": "next(it)\n"}),
        );
        let reply = respond(&last, &mut runner, &mut llm).unwrap();
        assert!(!reply.content.contains("```"), "{}", reply.content);
        assert!(!reply.content.contains("Give `next` a default"));
    }

    #[test]
    fn odd_input_never_panics() {
        let texts = [
            "İstanbul: NameError: name 'İ' is not defined on LINE 2",
            "KeyError",
            "line 99999999999999999999 ValueError: x",
            "```\n```",
            "```python\nprint('é' + 1)\n",
            "SyntaxError: '(' was never closed",
            "IndexError: list index out of range",
            "TypeError: can only concatenate str (not \"int\") to str",
            "  File \"<stdin>\", line 0\nIndentationError: unexpected indent",
        ];
        let codes = [
            None,
            Some(""),
            Some("é = [1]\nprint(é[len(é)] + 'ü' + é)\n"),
            Some("\n\n\n"),
            Some("while x:\n"),
            Some("d = {}\nd['ключ'] += 1\n"),
        ];
        for text in texts {
            for code in codes {
                let mut runner = sandbox(|_| failed("SomeError", "é", Some(2)));
                let first = request(text, code, None);
                let replies = climb(&first, 4, &mut runner, &mut no_model());
                assert!(replies.iter().all(|r| !r.content.is_empty()));
            }
        }
    }

    #[test]
    fn a_query_must_have_text() {
        let mut runner = sandbox(|_| panic!("nothing runs"));
        let mut empty = request("  ", None, None);
        let e = respond(&empty, &mut runner, &mut no_model()).unwrap_err();
        assert_eq!(e.field, "messages");
        empty.messages.clear();
        let e = respond(&empty, &mut runner, &mut no_model()).unwrap_err();
        assert_eq!(e.field, "messages");
    }

    /// Runs programs with a local `python3`, reporting like the sandbox does.
    fn local_python(r: &RunRequest) -> RunResult {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let mut child = Command::new("timeout")
            .args(["3", "python3", "-c", &r.code])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(r.stdin.as_bytes());
        }
        let out = child.wait_with_output().expect("python3 ends");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        match out.status.code() {
            Some(0) => RunResult::ended(RunStatus::Ok, &stdout),
            Some(124) => RunResult::ended(RunStatus::Timeout, &stdout),
            _ => {
                let f = failure::find(&stderr).expect("a traceback");
                let syntax = ["SyntaxError", "IndentationError", "TabError"]
                    .contains(&f.error_type.as_str());
                let mut result = failed(&f.error_type, &f.message, f.line);
                result.status = if syntax {
                    RunStatus::SyntaxError
                } else {
                    RunStatus::RuntimeError
                };
                result
            }
        }
    }

    /// Every rule case end to end against a real Python: the learner gives only the code
    /// (the agent runs it to find the error), and the fix shown on the last rung is one
    /// that Python ran without the error. Ignored by default (it needs `python3` and
    /// `timeout`): `cargo test -p debug-agent -- --ignored`.
    #[test]
    #[ignore = "needs python3 on PATH"]
    fn every_rule_fix_runs_clean_in_python() {
        for (code, error, fixed, secret) in CASES {
            let mut runner = sandbox(local_python);
            let hang = error.contains("forever");
            let query = if hang { *error } else { "why does this fail?" };
            let replies = climb(
                &request(query, Some(code), None),
                4,
                &mut runner,
                &mut no_model(),
            );
            for reply in &replies[..3] {
                assert!(!reply.content.contains(secret), "{code}: {}", reply.content);
            }
            let fix = &replies[3].content;
            if fixed.is_empty() {
                assert!(fix.contains(secret), "{code}:\n{fix}");
                continue;
            }
            assert!(
                fix.contains("I ran the corrected program"),
                "{code}:\n{fix}"
            );
            let shown = runner.runs.last().expect("a fix was run");
            assert_eq!(
                local_python(&RunRequest {
                    code: shown.clone(),
                    ..request_for(shown)
                })
                .status,
                RunStatus::Ok,
                "{shown}"
            );
        }
    }

    fn request_for(code: &str) -> RunRequest {
        RunRequest {
            language: "python".into(),
            code: code.into(),
            stdin: "3\n".repeat(10),
            tests: Vec::new(),
            limits: crate::runner::RunLimits {
                timeout_ms: None,
                memory_mb: None,
                max_output_bytes: None,
            },
        }
    }
}
