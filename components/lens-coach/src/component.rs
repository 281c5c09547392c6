//! The component glue: the `lens-coach` export over [`crate::pipeline`], with the `llm`
//! import behind [`tessera_plugin_sdk::model::Llm`]. Built only for wasm32, where the
//! imports exist.

use crate::pipeline::{self, ActionsRequest, AffirmationRequest};
use crate::{Goal, InputError};

wit_bindgen::generate!({
    path: "../../wit/0.2.0",
    world: "tessera:platform/lens-coach-plugin@0.2.0",
    generate_all,
});

use exports::tessera::platform::lens_coach::{self as wit, Guest};
use tessera::platform::types::{Error, FieldError};
use wasi::logging::logging;

tessera_plugin_sdk::llm_import!(tessera::platform::llm, tessera::platform::types);

fn invalid(e: InputError) -> Error {
    Error::InvalidInput(FieldError {
        field: e.field,
        message: e.message,
    })
}

fn log(note: Option<&String>) {
    if let Some(note) = note {
        logging::log(logging::Level::Debug, "lens-coach", note);
    }
}

struct LensCoach;

impl Guest for LensCoach {
    fn suggest_actions(request: wit::ActionsRequest) -> Result<Vec<wit::Action>, Error> {
        let goal = Goal {
            title: request.goal.title,
            why: request.goal.why,
            target_date: request.goal.target_date,
        };
        let req = ActionsRequest {
            goal: &goal,
            existing: &request.existing,
            count: request.count,
        };
        let answer = pipeline::suggest_actions(&req, Some(&mut Gateway)).map_err(invalid)?;
        log(answer.note.as_ref());
        Ok(answer
            .value
            .into_iter()
            .map(|a| wit::Action {
                title: a.title,
                minutes: a.minutes,
            })
            .collect())
    }

    fn affirmation(request: wit::AffirmationRequest) -> Result<String, Error> {
        let req = AffirmationRequest {
            goals: &request.goals,
            completed_this_week: request.completed_this_week,
            local_date: &request.local_date,
            learner_id: request.learner.as_ref().map(|l| l.learner_id.as_str()),
        };
        let answer = pipeline::affirmation(&req, Some(&mut Gateway)).map_err(invalid)?;
        log(answer.note.as_ref());
        Ok(answer.value)
    }
}

export!(LensCoach);
