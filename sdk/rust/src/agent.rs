//! Tutor agents (`tessera:platform/agent-plugin@0.2.0`): an agent is a type implementing
//! [`Agent`] and one [`crate::export_agent!`] line. The types here are the contract's
//! records in plain Rust, so an agent's rules are unit-testable natively.

use serde_json::{Map, Value};

use crate::model::{Message, Role};
use crate::outcome::invalid;
use crate::{Error, Host, Learner};

/// What the agent is (`agent-info`).
#[derive(Debug, Clone, PartialEq)]
pub struct Info {
    /// Stable id, the plugin id by convention.
    pub id: String,
    /// Display name.
    pub name: String,
    /// One paragraph on what the agent is good at.
    pub description: String,
    /// The intents it answers; the manifest's `[routing] intents` must list the same.
    pub intents: Vec<String>,
}

/// A hidden test of an exercise (`exercise-test`): the shape of `code-runner`'s
/// `test-case`, so an exercise's tests run in the sandbox as they are.
pub use crate::sandbox::TestCase as ExerciseTest;

/// An exercise (`exercise`): a task, a reference solution and hidden tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exercise {
    /// A short title.
    pub title: String,
    /// The task as the learner reads it (Markdown).
    pub prompt: String,
    /// The topic, e.g. `python.loops`.
    pub topic: String,
    /// `easy`, `medium` or `hard`.
    pub difficulty: String,
    /// Code the learner starts from.
    pub starter_code: String,
    /// A solution that passes every test; never shown to the learner.
    pub reference_solution: String,
    /// The hidden tests, at least one.
    pub tests: Vec<ExerciseTest>,
}

/// A turn to answer (`agent-request`).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The learner being helped.
    pub learner: Learner,
    /// The conversation so far, oldest first; the last message is the learner's query.
    pub messages: Vec<Message>,
    /// The intent triage decided.
    pub intent: String,
    /// The topic triage decided (`general` when none).
    pub topic: String,
    /// The learner's mastery of the topic, 0.0 to 1.0, when known.
    pub mastery: Option<f32>,
    /// The query's code box, if filled.
    pub code: Option<String>,
    /// The query's error box, if filled.
    pub error: Option<String>,
    /// The difficulty asked for, for agents that generate.
    pub difficulty: Option<String>,
    /// The exercise to write a variation of.
    pub base_exercise: Option<Exercise>,
    /// The `data` of this agent's earlier replies in the conversation (JSON texts), oldest
    /// first: what it asked to remember.
    pub earlier: Vec<String>,
    /// The agent's settings from its manifest, as JSON text (`{}` when none).
    pub settings: String,
}

impl Request {
    /// A request with only the learner's `message` (and `intent`): what native tests start
    /// from.
    pub fn new(intent: &str, message: &str) -> Request {
        Request {
            learner: Learner::default(),
            messages: vec![Message {
                role: Role::User,
                content: message.to_owned(),
            }],
            intent: intent.to_owned(),
            topic: "general".to_owned(),
            mastery: None,
            code: None,
            error: None,
            difficulty: None,
            base_exercise: None,
            earlier: Vec::new(),
            settings: "{}".to_owned(),
        }
    }

    /// The learner's query: the last message, which must be theirs (else `invalid-input`
    /// naming `messages`).
    pub fn query(&self) -> Result<&str, Error> {
        match self.messages.last() {
            Some(m) if m.role == Role::User => Ok(&m.content),
            _ => Err(invalid("messages", "the last message must be the learner's").into()),
        }
    }

    /// The settings as a JSON object (else `invalid-input` naming `settings`).
    pub fn settings_object(&self) -> Result<Map<String, Value>, Error> {
        match serde_json::from_str(&self.settings) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(invalid("settings", "must be a JSON object").into()),
            Err(e) => Err(invalid("settings", format!("is not valid JSON: {e}")).into()),
        }
    }

    /// The earlier `data` that are JSON objects, oldest first; anything else is skipped
    /// (they are the agent's own, and a reply's data must never fail a later turn).
    pub fn earlier_objects(&self) -> Vec<Map<String, Value>> {
        self.earlier
            .iter()
            .filter_map(|e| match serde_json::from_str(e) {
                Ok(Value::Object(map)) => Some(map),
                _ => None,
            })
            .collect()
    }
}

/// An agent's answer (`agent-reply`).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The reply (Markdown).
    pub content: String,
    /// Suggested follow-up prompts.
    pub follow_ups: Vec<String>,
    /// A rating of the learner's code, 0.0 to 1.0, when the agent reviewed code.
    pub code_quality: Option<f32>,
    /// A generated exercise, validated by the agent.
    pub exercise: Option<Exercise>,
    /// What the agent wants back in `earlier` next turn: a JSON object (`{}` for nothing).
    pub data: Value,
}

impl Reply {
    /// A reply of `content` alone.
    pub fn text(content: impl Into<String>) -> Reply {
        Reply {
            content: content.into(),
            follow_ups: Vec::new(),
            code_quality: None,
            exercise: None,
            data: Value::Object(Map::new()),
        }
    }
}

/// A tutor agent.
pub trait Agent {
    /// What the agent is. Must not call services (the host calls it at load).
    fn describe() -> Info;

    /// Answers one turn. Implement this, or [`Agent::respond_with`] when the agent calls
    /// a host service.
    fn respond(request: &Request) -> Result<Reply, Error> {
        let _ = request;
        Err(Error::Internal(format!(
            "{} implements neither respond nor respond_with",
            std::any::type_name::<Self>()
        )))
    }

    /// Answers one turn with the host's services at hand (each needs its grant).
    fn respond_with(request: &Request, host: &mut impl Host) -> Result<Reply, Error> {
        let _ = host;
        Self::respond(request)
    }
}

/// Exports an [`Agent`] as the component's `tessera:platform/agent` interface (contract
/// 0.2.0), generating the bindings from the plugin's `wit/` folder (or the folder the
/// second argument names, relative to the crate's Cargo.toml).
#[macro_export]
macro_rules! export_agent {
    ($agent:ty) => {
        $crate::export_agent!($agent, "wit");
    };
    ($agent:ty, $wit:literal) => {
        #[cfg(target_arch = "wasm32")]
        #[doc(hidden)]
        mod __tessera_agent_export {
            $crate::wit_bindgen::generate!({
                path: $wit,
                world: "tessera:platform/agent-plugin@0.2.0",
                runtime_path: "::tessera_plugin_sdk::wit_bindgen::rt",
                generate_all,
            });

            #[allow(unused_imports)]
            use super::*;
            use exports::tessera::platform::agent::{
                AgentInfo, AgentReply, AgentRequest, Exercise, ExerciseTest, Guest,
            };
            use tessera::platform::types::{Error, FieldError, Role};

            $crate::__host_services!();

            fn plain_exercise(e: Exercise) -> $crate::agent::Exercise {
                $crate::agent::Exercise {
                    title: e.title,
                    prompt: e.prompt,
                    topic: e.topic,
                    difficulty: e.difficulty,
                    starter_code: e.starter_code,
                    reference_solution: e.reference_solution,
                    tests: e
                        .tests
                        .into_iter()
                        .map(|t| $crate::agent::ExerciseTest {
                            name: t.name,
                            stdin: t.stdin,
                            expected_stdout: t.expected_stdout,
                            assertion: t.assertion,
                        })
                        .collect(),
                }
            }

            fn wit_exercise(e: $crate::agent::Exercise) -> Exercise {
                Exercise {
                    title: e.title,
                    prompt: e.prompt,
                    topic: e.topic,
                    difficulty: e.difficulty,
                    starter_code: e.starter_code,
                    reference_solution: e.reference_solution,
                    tests: e
                        .tests
                        .into_iter()
                        .map(|t| ExerciseTest {
                            name: t.name,
                            stdin: t.stdin,
                            expected_stdout: t.expected_stdout,
                            assertion: t.assertion,
                        })
                        .collect(),
                }
            }

            struct Export;

            impl Guest for Export {
                fn describe() -> AgentInfo {
                    let i = <$agent as $crate::Agent>::describe();
                    AgentInfo {
                        id: i.id,
                        name: i.name,
                        description: i.description,
                        intents: i.intents,
                    }
                }

                fn respond(r: AgentRequest) -> Result<AgentReply, Error> {
                    let request = $crate::agent::Request {
                        learner: $crate::__plain_learner!(r.learner),
                        messages: r
                            .messages
                            .into_iter()
                            .map(|m| $crate::__plain_message!(m))
                            .collect(),
                        intent: r.intent,
                        topic: r.topic,
                        mastery: r.mastery,
                        code: r.code,
                        error: r.error,
                        difficulty: r.difficulty,
                        base_exercise: r.base_exercise.map(plain_exercise),
                        earlier: r.earlier,
                        settings: r.settings,
                    };
                    match <$agent as $crate::Agent>::respond_with(&request, &mut Services::new())
                    {
                        Ok(reply) => Ok(AgentReply {
                            content: reply.content,
                            follow_ups: reply.follow_ups,
                            code_quality: reply.code_quality,
                            exercise: reply.exercise.map(wit_exercise),
                            data: if reply.data.is_null() {
                                "{}".to_owned()
                            } else {
                                reply.data.to_string()
                            },
                        }),
                        Err(e) => Err($crate::__wit_error!(e)),
                    }
                }
            }

            export!(Export);
        }
    };
}
