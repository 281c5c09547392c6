//! The agent and triage worlds' generated types (new in 0.2.0) ⇄ the host's own.

use crate::plugins::contract as host;
use crate::runtime::bindings::convert::{enumeration, record};

use super::agent_world::agent;
use super::triage_world::triage;

record!(agent::AgentInfo => host::agent::AgentInfo { id, name, description, intents });
record!(agent::ExerciseTest => host::code_runner::TestCase { name, stdin, expected_stdout, assertion });
record!(agent::Exercise => host::agent::Exercise { title, prompt, topic, difficulty, starter_code, reference_solution, tests });
record!(agent::AgentRequest => host::agent::AgentRequest { learner, messages, intent, topic, mastery, code, error, difficulty, base_exercise, earlier, settings });
record!(agent::AgentReply => host::agent::AgentReply { content, follow_ups, code_quality, exercise, data });

record!(triage::IntentOption => host::triage::IntentOption { name, description, keywords, examples });
record!(triage::Query => host::triage::TriageQuery { text, code, error, history, learner, intents });
enumeration!(triage::DecidedBy => host::triage::DecidedBy { Rules, Meaning, Model, Fallback });
record!(triage::Decision => host::triage::Decision { intent, topic, confidence, topic_confidence, decided_by, reason });
