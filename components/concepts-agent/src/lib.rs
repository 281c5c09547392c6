//! The concepts agent (intent `concepts`): explains a Python concept at the learner's
//! level, with an example program it has run in the sandbox. See README.md.
//!
//! The rules live in plain modules, unit-tested natively with a fake sandbox and model:
//! `level` picks the level from the learner's mastery, `library` holds the built-in
//! lessons, `model` asks a real model about the learner's actual question, `examples` runs
//! examples before they are shown, `answer` writes the reply. [`respond`] ties them
//! together; the `component` module only adapts it to `tessera:platform/agent` and the
//! real imports.

pub mod answer;
pub mod examples;
pub mod level;
pub mod library;
pub mod model;
pub mod turn;

pub use tessera_plugin_sdk::model as llm;
pub use tessera_plugin_sdk::sandbox as runner;

use serde_json::json;

use answer::Missing;
use examples::{Run, Shown};
use level::Level;
use library::Lesson;
use llm::Llm;
use model::Answer;
use runner::CodeRunner;
use turn::{Invalid, Reply, Request};

/// The intent this agent answers.
pub const INTENT: &str = "concepts";

/// The agent's id (the plugin's).
pub const ID: &str = "concepts-agent";

/// Answers one turn: a real model's explanation of the question when there is one (with
/// its example if that ran as claimed, else the built-in one), else the built-in lesson of
/// the topic at the learner's level.
pub fn respond(
    request: &Request,
    runner: &mut impl CodeRunner,
    model: &mut impl Llm,
) -> Result<Reply, Invalid> {
    let question = request.query()?;
    let topic = library::topic(&request.topic);
    let level = Level::of(request.mastery);
    let lesson = &topic.lessons[level.index()];
    let mut runs = 0;
    let (explanation, explained_by, example, example_from) =
        match model::explain(model, question, topic, level, request.tone.as_deref()) {
            Answer::Blocked(text) => {
                return Ok(Reply {
                    content: text,
                    follow_ups: Vec::new(),
                    data: json!({}),
                });
            }
            Answer::Explained {
                explanation,
                example_code,
                expected_output,
                model,
            } => {
                runs += 1;
                match examples::run(runner, &example_code, &expected_output) {
                    Run::Passed(shown) => (explanation, model, Ok(shown), "model"),
                    Run::Failed => {
                        let example = built_in(runner, lesson, &mut runs);
                        (explanation, model, example, "built-in")
                    }
                    Run::Unavailable => (explanation, model, Err(Missing::Unavailable), "built-in"),
                }
            }
            Answer::Nothing => (
                lesson.explanation.to_owned(),
                "built-in".to_owned(),
                built_in(runner, lesson, &mut runs),
                "built-in",
            ),
        };
    Ok(Reply {
        content: answer::compose(topic, level, &explanation, example.as_ref().map_err(|m| *m)),
        follow_ups: answer::follow_ups(topic, level),
        data: json!({
            "topic": topic.id,
            "level": level.name(),
            "explained_by": explained_by,
            "example": if example.is_ok() { example_from } else { "none" },
        }),
    })
}

/// The first of the lesson's examples that runs as claimed, within [`examples::MAX_RUNS`]
/// runs in all.
fn built_in(
    runner: &mut impl CodeRunner,
    lesson: &Lesson,
    runs: &mut usize,
) -> Result<Shown, Missing> {
    for e in lesson.examples {
        if *runs >= examples::MAX_RUNS {
            break;
        }
        *runs += 1;
        match examples::run(runner, e.code, e.output) {
            Run::Passed(shown) => return Ok(shown),
            Run::Failed => {}
            Run::Unavailable => return Err(Missing::Unavailable),
        }
    }
    Err(Missing::NoneRan)
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

    struct ConceptsAgent;

    impl Guest for ConceptsAgent {
        fn describe() -> AgentInfo {
            AgentInfo {
                id: ID.to_owned(),
                name: "Concepts tutor".to_owned(),
                description: "Explains Python concepts at your level (beginner, intermediate \
                              or advanced, from your mastery of the topic), each with a small \
                              example program that was run in the sandbox and the output it \
                              printed."
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
                mastery: request.mastery,
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

    export!(ConceptsAgent);
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

    /// A sandbox that prints what the library claims for its examples (the real outputs
    /// are checked against Python by `examples_print_what_they_claim`), and `printed` for
    /// anything else.
    fn python(printed: &'static str) -> impl FnMut(&RunRequest) -> RunResult {
        move |r| {
            let claimed = library::TOPICS
                .iter()
                .chain(std::iter::once(&library::GENERAL))
                .flat_map(|t| t.lessons.iter())
                .flat_map(|l| l.examples.iter())
                .find(|e| e.code == r.code)
                .map_or(printed, |e| e.output);
            RunResult::ended(RunStatus::Ok, &format!("{claimed}\n"))
        }
    }

    fn crashing(_: &RunRequest) -> RunResult {
        let mut r = RunResult::ended(RunStatus::RuntimeError, "");
        r.error = Some(RunError {
            error_type: "NameError".into(),
            message: "name 'x' is not defined".into(),
            line: Some(1),
        });
        r
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

    fn offline() -> FakeModel<impl FnMut(&ChatRequest) -> Result<ChatResponse, LlmError>> {
        answering(
            OFFLINE_MODEL,
            json!({"explanation": "placeholder", "example_code": "print(1)", "expected_output": "1"}),
        )
    }

    fn request(query: &str, topic: &str, mastery: Option<f32>) -> Request {
        Request {
            messages: vec![Message {
                role: Role::User,
                content: query.into(),
            }],
            topic: topic.into(),
            mastery,
            tone: None,
        }
    }

    #[test]
    fn mastery_picks_the_built_in_lesson_and_its_example_runs_first() {
        let loops = library::topic("python.loops");
        for (mastery, level) in [(None, 0), (Some(0.2), 0), (Some(0.5), 1), (Some(0.9), 2)] {
            let mut runner = sandbox(python("?"));
            let reply = respond(
                &request("How do loops work?", "python.loops", mastery),
                &mut runner,
                &mut offline(),
            )
            .unwrap();
            let lesson = &loops.lessons[level];
            assert!(
                reply.content.contains(lesson.explanation),
                "{}",
                reply.content
            );
            assert!(reply.content.contains(lesson.examples[0].code.trim_end()));
            assert!(
                reply
                    .content
                    .contains(&format!("```text\n{}\n```", lesson.examples[0].output))
            );
            assert_eq!(runner.runs, [lesson.examples[0].code]);
            assert_eq!(
                reply.data["level"],
                ["beginner", "intermediate", "advanced"][level]
            );
            assert_eq!(reply.data["explained_by"], "built-in");
            assert_eq!(reply.data["example"], "built-in");
            assert_eq!(reply.follow_ups[1], "Give me an exercise on loops");
        }
    }

    #[test]
    fn a_failing_example_is_never_shown() {
        let variables = &library::topic("python.variables").lessons[0];
        // The first example crashes: the second is shown.
        let mut runner = sandbox(|r: &RunRequest| {
            if r.code == variables.examples[0].code {
                crashing(r)
            } else {
                python("?")(r)
            }
        });
        let reply = respond(
            &request("what is a variable", "python.variables", None),
            &mut runner,
            &mut offline(),
        )
        .unwrap();
        assert!(
            !reply
                .content
                .contains(variables.examples[0].code.trim_end())
        );
        assert!(
            reply
                .content
                .contains(variables.examples[1].code.trim_end())
        );
        assert_eq!(runner.runs.len(), 2);
        // An example printing something other than what is claimed is not shown either.
        let mut runner = sandbox(|_: &RunRequest| RunResult::ended(RunStatus::Ok, "surprise\n"));
        let reply = respond(
            &request("what is a variable", "python.variables", None),
            &mut runner,
            &mut offline(),
        )
        .unwrap();
        assert!(!reply.content.contains("```"), "{}", reply.content);
        assert!(reply.content.contains(variables.explanation));
        assert_eq!(reply.data["example"], "none");
        // Without a sandbox, no example, and the learner is told why.
        let mut runner = sandbox(|_: &RunRequest| RunResult::ended(RunStatus::InternalError, ""));
        let reply = respond(
            &request("what is a variable", "python.variables", None),
            &mut runner,
            &mut offline(),
        )
        .unwrap();
        assert!(!reply.content.contains("```"));
        assert!(reply.content.contains("couldn't run an example"));
        assert_eq!(runner.runs.len(), 1);
    }

    #[test]
    fn the_models_example_is_used_only_when_it_ran_as_claimed() {
        let answer = json!({
            "explanation": "A `for` loop walks over an iterable.",
            "example_code": "for c in 'ab':\n    print(c)\n",
            "expected_output": "a\nb\n",
        });
        // It ran and printed what it claims: the model's explanation and example.
        let mut runner = sandbox(python("a\nb\n"));
        let mut llm = answering("gpt-4o-mini", answer.clone());
        let reply = respond(
            &request("how does for work with strings?", "python.loops", Some(0.5)),
            &mut runner,
            &mut llm,
        )
        .unwrap();
        assert!(
            reply
                .content
                .contains("A `for` loop walks over an iterable.")
        );
        assert!(
            reply
                .content
                .contains("```python\nfor c in 'ab':\n    print(c)\n```")
        );
        assert!(reply.content.contains("```text\na\nb\n```"));
        assert_eq!(reply.data["explained_by"], "gpt-4o-mini");
        assert_eq!(reply.data["example"], "model");
        let call = &llm.calls[0];
        assert_eq!(call.feature, "tutor");
        assert!(call.messages[0].content.contains("intermediate learner"));
        assert_eq!(call.messages[1].content, "how does for work with strings?");
        assert_eq!(
            call.response_schema["required"],
            json!(["explanation", "example_code", "expected_output"])
        );
        // It printed something else: the built-in example instead.
        let mut runner = sandbox(python("x\n"));
        let mut llm = answering("gpt-4o-mini", answer.clone());
        let reply = respond(
            &request("how does for work with strings?", "python.loops", Some(0.5)),
            &mut runner,
            &mut llm,
        )
        .unwrap();
        assert!(
            reply
                .content
                .contains("A `for` loop walks over an iterable.")
        );
        assert!(!reply.content.contains("for c in 'ab'"));
        let builtin = &library::topic("python.loops").lessons[1].examples[0];
        assert!(reply.content.contains(builtin.code.trim_end()));
        assert_eq!(reply.data["example"], "built-in");
        // It crashed: the same.
        let mut runner = sandbox(|r: &RunRequest| {
            if r.code.contains("'ab'") {
                crashing(r)
            } else {
                python("?")(r)
            }
        });
        let mut llm = answering("gpt-4o-mini", answer);
        let reply = respond(
            &request("how does for work with strings?", "python.loops", Some(0.5)),
            &mut runner,
            &mut llm,
        )
        .unwrap();
        assert!(reply.content.contains(builtin.code.trim_end()));
        assert_eq!(runner.runs.len(), 2);
    }

    #[test]
    fn offline_failing_or_blocked_models_fall_back() {
        let lesson = &library::topic("python.dicts").lessons[0];
        let answers: [Result<ChatResponse, LlmError>; 3] = [
            Err(LlmError::Unavailable("no provider".into())),
            Ok(ChatResponse {
                content: "not json".into(),
                model: "gpt-4o-mini".into(),
            }),
            Ok(ChatResponse {
                content: json!({"explanation": "```python\nx\n```", "example_code": "",
                                "expected_output": ""})
                .to_string(),
                model: "gpt-4o-mini".into(),
            }),
        ];
        for answer in answers {
            let mut llm = model(move |_| answer.clone());
            let reply = respond(
                &request("what is a dict", "python.dicts", None),
                &mut sandbox(python("?")),
                &mut llm,
            )
            .unwrap();
            assert!(reply.content.contains(lesson.explanation));
        }
        let mut llm = model(|_| {
            Err(LlmError::Blocked(
                "Please reach out to someone you trust.".into(),
            ))
        });
        let mut runner = sandbox(|_: &RunRequest| panic!("nothing runs"));
        let reply = respond(&request("…", "python.dicts", None), &mut runner, &mut llm).unwrap();
        assert_eq!(reply.content, "Please reach out to someone you trust.");
    }

    #[test]
    fn general_and_unknown_topics_point_to_the_topics() {
        for topic in ["general", "partner.unknown"] {
            let reply = respond(
                &request("where do I start?", topic, Some(0.9)),
                &mut sandbox(python("?")),
                &mut offline(),
            )
            .unwrap();
            assert!(reply.content.contains("**variables**"), "{}", reply.content);
            assert!(reply.content.contains("Hello, world!"));
            assert_eq!(reply.data["topic"], "general");
        }
    }

    #[test]
    fn follow_ups_go_one_step_further() {
        let reply = respond(
            &request("what is a list", "python.lists", None),
            &mut sandbox(python("?")),
            &mut offline(),
        )
        .unwrap();
        assert_eq!(
            reply.follow_ups,
            [
                "What is the difference between `sort()` and `sorted()`?",
                "Give me an exercise on lists"
            ]
        );
        let reply = respond(
            &request("what is a list", "python.lists", Some(0.8)),
            &mut sandbox(python("?")),
            &mut offline(),
        )
        .unwrap();
        assert_eq!(reply.follow_ups[0], "How do dictionaries work in Python?");
    }

    #[test]
    fn a_query_must_have_text() {
        let mut runner = sandbox(|_: &RunRequest| panic!("nothing runs"));
        let mut empty = request("", "python.loops", None);
        assert_eq!(
            respond(&empty, &mut runner, &mut offline())
                .unwrap_err()
                .field,
            "messages"
        );
        empty.messages = vec![Message {
            role: Role::Assistant,
            content: "Hi!".into(),
        }];
        assert_eq!(
            respond(&empty, &mut runner, &mut offline())
                .unwrap_err()
                .field,
            "messages"
        );
    }
}
