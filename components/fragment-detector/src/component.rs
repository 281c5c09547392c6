//! The component glue: the `fragment-detector` export over [`crate::pipeline::detect`],
//! with the `llm` import behind [`tessera_plugin_sdk::model::Llm`]. Built only for wasm32,
//! where the imports exist.

use crate::pipeline::{self, Request};
use crate::{Distortion, FoundBy};

wit_bindgen::generate!({
    path: "../../wit/0.2.0",
    world: "tessera:platform/fragment-detector-plugin@0.2.0",
    generate_all,
});

use exports::tessera::platform::fragment_detector::{DetectionRequest, Guest};
use tessera::platform::reflection::{self as wit, Fragment};
use tessera::platform::types::{Error, FieldError};
use wasi::logging::logging;

tessera_plugin_sdk::llm_import!(tessera::platform::llm, tessera::platform::types);

fn distortion(d: Distortion) -> wit::Distortion {
    match d {
        Distortion::Catastrophising => wit::Distortion::Catastrophising,
        Distortion::AllOrNothing => wit::Distortion::AllOrNothing,
        Distortion::MindReading => wit::Distortion::MindReading,
        Distortion::FortuneTelling => wit::Distortion::FortuneTelling,
        Distortion::ShouldStatements => wit::Distortion::ShouldStatements,
        Distortion::Labelling => wit::Distortion::Labelling,
        Distortion::Personalisation => wit::Distortion::Personalisation,
        Distortion::Overgeneralisation => wit::Distortion::Overgeneralisation,
        Distortion::EmotionalReasoning => wit::Distortion::EmotionalReasoning,
        Distortion::DiscountingThePositive => wit::Distortion::DiscountingThePositive,
    }
}

/// A character offset as the WIT's `u32` (messages are at most 8 000 characters).
fn offset(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

struct Detector;

impl Guest for Detector {
    fn detect(request: DetectionRequest) -> Result<Vec<Fragment>, Error> {
        let req = Request {
            text: &request.text,
            history: &request.history,
        };
        let detection = pipeline::detect(&req, Some(&mut Gateway)).map_err(|e| {
            Error::InvalidInput(FieldError {
                field: e.field,
                message: e.message,
            })
        })?;
        for note in &detection.notes {
            logging::log(logging::Level::Debug, "fragment-detector", note);
        }
        Ok(detection
            .fragments
            .into_iter()
            .map(|f| Fragment {
                start: offset(f.start),
                end: offset(f.end),
                text: f.text,
                kind: distortion(f.kind),
                confidence: f.confidence,
                found_by: match f.found_by {
                    FoundBy::Rules => wit::FoundBy::Rules,
                    FoundBy::Model => wit::FoundBy::Model,
                },
            })
            .collect())
    }
}

export!(Detector);
