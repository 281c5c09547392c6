//! The component glue: the `reframer` export over [`crate::pipeline::reframe`], with the
//! `llm` import behind [`tessera_plugin_sdk::model::Llm`]. Built only for wasm32, where the
//! imports exist.

use crate::pipeline::{self, Refusal, Request};
use crate::{Distortion, Reframe as PlainReframe};

wit_bindgen::generate!({
    path: "../../wit/0.2.0",
    world: "tessera:platform/reframer-plugin@0.2.0",
    generate_all,
});

use exports::tessera::platform::reframer::{Guest, ReframeOption, ReframeRequest, Reframing};
use tessera::platform::reflection::Distortion as WitDistortion;
use tessera::platform::types::{Error, FieldError};
use wasi::logging::logging;

tessera_plugin_sdk::llm_import!(tessera::platform::llm, tessera::platform::types);

fn distortion(d: WitDistortion) -> Distortion {
    match d {
        WitDistortion::Catastrophising => Distortion::Catastrophising,
        WitDistortion::AllOrNothing => Distortion::AllOrNothing,
        WitDistortion::MindReading => Distortion::MindReading,
        WitDistortion::FortuneTelling => Distortion::FortuneTelling,
        WitDistortion::ShouldStatements => Distortion::ShouldStatements,
        WitDistortion::Labelling => Distortion::Labelling,
        WitDistortion::Personalisation => Distortion::Personalisation,
        WitDistortion::Overgeneralisation => Distortion::Overgeneralisation,
        WitDistortion::EmotionalReasoning => Distortion::EmotionalReasoning,
        WitDistortion::DiscountingThePositive => Distortion::DiscountingThePositive,
    }
}

struct Reframer;

impl Guest for Reframer {
    fn reframe(request: ReframeRequest) -> Result<Reframing, Error> {
        let distortions: Vec<Distortion> =
            request.distortions.iter().map(|d| distortion(*d)).collect();
        let tone = request.learner.as_ref().and_then(|l| l.tone.as_deref());
        let req = Request {
            thought: &request.thought,
            distortions: &distortions,
            context: request.context.as_deref(),
            tone,
        };
        match pipeline::reframe(&req, Some(&mut Gateway)) {
            Ok(out) => {
                if let Some(note) = &out.note {
                    logging::log(logging::Level::Debug, "reframer", note);
                }
                let r = out.reframing;
                Ok(Reframing {
                    reframes: r
                        .reframes
                        .into_iter()
                        .map(|PlainReframe { angle, text }| ReframeOption { angle, text })
                        .collect(),
                    micro_action: r.micro_action,
                    model: r.model,
                })
            }
            Err(Refusal::Invalid { field, message }) => {
                Err(Error::InvalidInput(FieldError { field, message }))
            }
            Err(Refusal::Unsupported(m)) => Err(Error::Unsupported(m)),
        }
    }
}

export!(Reframer);
