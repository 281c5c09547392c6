//! The exercise agent (intent `exercise`): generates a Python exercise for a topic and a
//! difficulty, or a variation of a base exercise, with a reference solution and hidden
//! assertion tests, and serves it only after validating it in the sandbox (`validate`).
//! A real model writes it first (at most two attempts); the built-in bank (`bank`) stands
//! in when the model is offline, fails, or its exercise does not validate. README.md
//! documents the validation rule and the `data` shape.
//!
//! The rules live in plain modules, unit-tested natively with fakes: `plan` reads the
//! request, `generate` asks the model, `bank` renders templates, `validate` runs the
//! checks, `reply` writes the Markdown. [`respond`] is the turn; the `component` module
//! only adapts it to `tessera:platform/agent` and the real imports.

pub mod agent;
pub mod bank;
pub mod exercise;
pub mod generate;
pub mod plan;
pub mod reply;
pub mod seed;
pub mod validate;

use tessera_plugin_sdk::model::{Llm, LlmError, OFFLINE_MODEL};
use tessera_plugin_sdk::sandbox::{Clock, CodeRunner};

use agent::{AgentError, Reply, Request};
use exercise::Draft;
use plan::{Plan, Target};
use reply::Source;
use validate::{Checks, Rejected};

/// The agent's id (the plugin id).
pub const ID: &str = "exercise-agent";
/// The intent it answers.
pub const INTENT: &str = "exercise";
/// Time one turn may take, ms: validation runs stop past it. It stays below the manifest's
/// `limits.timeout_ms` (60 000) by enough for instantiation and the reply: keep the two in
/// step.
pub const BUDGET_MS: u64 = 55_000;
/// A model attempt starts only this early in the turn: the gateway bounds a completion at
/// 30 s, so validation (of the model's exercise, or the bank's) still fits after a slow
/// retry.
pub const MODEL_CUTOFF_MS: u64 = 15_000;
/// Model attempts per turn: the first, and one retry told why the first was rejected.
pub const MODEL_ATTEMPTS: usize = 2;
/// Bank renderings tried before giving up (each is validated; one normally suffices).
pub const BANK_TRIES: u64 = 3;

/// Answers one turn: the next hint of the earlier exercise, or a validated exercise.
pub fn respond(
    request: &Request,
    runner: &mut impl CodeRunner,
    llm: &mut impl Llm,
    clock: &impl Clock,
) -> Result<Reply, AgentError> {
    match plan::plan(request)? {
        Plan::Hint { earlier } => {
            let (content, data) = reply::hint(&earlier);
            Ok(Reply {
                content,
                follow_ups: vec!["Give me another hint".into(), "Make it easier".into()],
                exercise: None,
                data,
            })
        }
        Plan::Generate(target) => generate_validated(&target, runner, llm, clock),
    }
}

fn serve(
    draft: Draft,
    source: &Source,
    checks: &Checks,
    rejected: &[String],
    target: &Target,
    note: Option<&str>,
) -> Reply {
    let base = target.base.as_ref();
    Reply {
        content: reply::render(&draft.exercise, base, note),
        follow_ups: reply::follow_ups(target.difficulty),
        data: reply::data(&draft, source, checks, rejected, base),
        exercise: Some(draft.exercise),
    }
}

/// The model's exercise, validated, or `None` (with the reasons in `rejected`); an
/// unavailable sandbox ends the turn.
fn from_model(
    target: &Target,
    runner: &mut impl CodeRunner,
    llm: &mut impl Llm,
    clock: &impl Clock,
    rejected: &mut Vec<String>,
) -> Result<Option<(Draft, String, Checks)>, AgentError> {
    let mut last_reason: Option<String> = None;
    for _ in 0..MODEL_ATTEMPTS {
        if clock.elapsed_ms() > MODEL_CUTOFF_MS {
            break;
        }
        let request = generate::request(
            &target.topic,
            target.difficulty,
            target.base.as_ref(),
            last_reason.as_deref(),
        );
        let response = match llm.complete(&request) {
            Ok(r) => r,
            // The model answered, badly: worth the one retry.
            Err(LlmError::ProviderError(why) | LlmError::SchemaMismatch(why)) => {
                rejected.push(format!("model: {why}"));
                last_reason = Some(why);
                continue;
            }
            Err(_) => break,
        };
        if response.model == OFFLINE_MODEL {
            break;
        }
        let why = match generate::parse(&response.content, &target.topic, target.difficulty) {
            Err(why) => why,
            Ok(draft)
                if target
                    .base
                    .as_ref()
                    .is_some_and(|b| !bank::differs(&draft.exercise, b)) =>
            {
                "the variation reads or solves the same as its base".to_owned()
            }
            Ok(draft) => match validate::validate(&draft.exercise, runner, clock, BUDGET_MS) {
                Ok(checks) => return Ok(Some((draft, response.model, checks))),
                Err(Rejected::Sandbox(why)) => return Err(AgentError::Unavailable(why)),
                Err(Rejected::Invalid(why)) => why,
            },
        };
        rejected.push(format!("model: {why}"));
        last_reason = Some(why);
    }
    Ok(None)
}

fn generate_validated(
    target: &Target,
    runner: &mut impl CodeRunner,
    llm: &mut impl Llm,
    clock: &impl Clock,
) -> Result<Reply, AgentError> {
    let mut rejected = Vec::new();
    if let Some((draft, model, checks)) = from_model(target, runner, llm, clock, &mut rejected)? {
        return Ok(serve(
            draft,
            &Source::Model(model),
            &checks,
            &rejected,
            target,
            None,
        ));
    }
    let topic = plan::bank_topic(&target.topic);
    let note = (topic != target.topic).then(|| {
        format!(
            "There is no built-in exercise on `{}` yet, so here is a general one.",
            target.topic
        )
    });
    for i in 0..BANK_TRIES {
        let seed = target.seed.wrapping_add(i.wrapping_mul(7919));
        let draft = match &target.base {
            Some(base) => bank::variation(topic, target.difficulty, seed, base),
            None => bank::draft(topic, target.difficulty, seed),
        };
        let Some(draft) = draft else { break };
        match validate::validate(&draft.exercise, runner, clock, BUDGET_MS) {
            Ok(checks) => {
                return Ok(serve(
                    draft,
                    &Source::Bank,
                    &checks,
                    &rejected,
                    target,
                    note.as_deref(),
                ));
            }
            Err(Rejected::Sandbox(why)) => return Err(AgentError::Unavailable(why)),
            Err(Rejected::Invalid(why)) => rejected.push(format!("bank: {why}")),
        }
    }
    Err(AgentError::Unavailable(format!(
        "no exercise could be validated now ({})",
        if rejected.is_empty() {
            "the bank has no variation that differs from the base".to_owned()
        } else {
            rejected.join("; ")
        }
    )))
}

/// The component glue: built only for wasm32, where the exports and imports exist.
#[cfg(target_arch = "wasm32")]
mod component {
    use super::{ID, INTENT, respond};
    use crate::agent::{self as plain, AgentError};
    use crate::exercise::Exercise as PlainExercise;
    use tessera_plugin_sdk::model::{Message as PlainMessage, Role as PlainRole};
    use tessera_plugin_sdk::sandbox::{TestCase as PlainTest, WallClock};

    wit_bindgen::generate!({
        path: "../../wit/0.2.0",
        world: "tessera:platform/agent-plugin@0.2.0",
        generate_all,
    });

    use exports::tessera::platform::agent::{
        AgentInfo, AgentReply, AgentRequest, Exercise, ExerciseTest, Guest,
    };
    use tessera::platform::types::{Error, FieldError, Role};

    tessera_plugin_sdk::code_runner_import!(tessera::platform::code_runner);
    tessera_plugin_sdk::llm_import!(tessera::platform::llm, tessera::platform::types);

    fn to_plain(e: Exercise) -> PlainExercise {
        PlainExercise {
            title: e.title,
            prompt: e.prompt,
            topic: e.topic,
            difficulty: e.difficulty,
            starter_code: e.starter_code,
            reference_solution: e.reference_solution,
            tests: e
                .tests
                .into_iter()
                .map(|t| PlainTest {
                    name: t.name,
                    stdin: t.stdin,
                    expected_stdout: t.expected_stdout,
                    assertion: t.assertion,
                })
                .collect(),
        }
    }

    fn from_plain(e: PlainExercise) -> Exercise {
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

    struct ExerciseAgent;

    impl Guest for ExerciseAgent {
        fn describe() -> AgentInfo {
            AgentInfo {
                id: ID.into(),
                name: "Exercises".into(),
                description: "Writes Python exercises for a topic at an easy, medium or \
                    hard level, or a variation of an exercise, each with a reference \
                    solution and hidden tests; every exercise is validated in the sandbox \
                    before it is served (the reference passes every test, a trivially wrong \
                    solution fails one). Gives hints on request and makes the next one \
                    harder or easier."
                    .into(),
                intents: vec![INTENT.into()],
            }
        }

        fn respond(request: AgentRequest) -> Result<AgentReply, Error> {
            let clock = WallClock::start();
            let plain_request = plain::Request {
                learner_id: request.learner.learner_id,
                messages: request
                    .messages
                    .into_iter()
                    .map(|m| PlainMessage {
                        role: match m.role {
                            Role::System => PlainRole::System,
                            Role::User => PlainRole::User,
                            Role::Assistant => PlainRole::Assistant,
                        },
                        content: m.content,
                    })
                    .collect(),
                topic: request.topic,
                mastery: request.mastery,
                difficulty: request.difficulty,
                base_exercise: request.base_exercise.map(to_plain),
                earlier: request.earlier,
            };
            match respond(&plain_request, &mut Sandbox, &mut Gateway, &clock) {
                Ok(reply) => Ok(AgentReply {
                    content: reply.content,
                    follow_ups: reply.follow_ups,
                    code_quality: None,
                    exercise: reply.exercise.map(from_plain),
                    data: reply.data.to_string(),
                }),
                Err(AgentError::Invalid { field, message }) => {
                    Err(Error::InvalidInput(FieldError { field, message }))
                }
                Err(AgentError::Unavailable(why)) => Err(Error::Unavailable(why)),
            }
        }
    }

    export!(ExerciseAgent);
}

#[cfg(test)]
mod tests;
