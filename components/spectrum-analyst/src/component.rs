//! The component glue: the `spectrum-analyst` export over [`crate::pipeline::insights`],
//! with the `llm` import behind [`tessera_plugin_sdk::model::Llm`]. Built only for wasm32,
//! where the imports exist.

use crate::pipeline;
use crate::{Distortion, Period, PeriodKind};

wit_bindgen::generate!({
    path: "../../wit/0.2.0",
    world: "tessera:platform/spectrum-analyst-plugin@0.2.0",
    generate_all,
});

use exports::tessera::platform::spectrum_analyst::{self as wit, Guest};
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

fn period(p: wit::PeriodAggregates) -> Period {
    Period {
        kind: match p.kind {
            wit::PeriodKind::Week => PeriodKind::Week,
            wit::PeriodKind::Month => PeriodKind::Month,
        },
        start: p.start,
        end: p.end,
        active_days: p.active_days,
        mirror_sessions: p.mirror_sessions,
        mirror_messages: p.mirror_messages,
        distortions: p
            .distortions
            .into_iter()
            .map(|d| (distortion(d.kind), d.count))
            .collect(),
        fragment_reframes: p.fragment_reframes,
        turns: p.turns,
        turns_saved: p.turns_saved,
        actions_completed: p.actions_completed,
        actions_open: p.actions_open,
    }
}

struct Analyst;

impl Guest for Analyst {
    fn insights(request: wit::InsightsRequest) -> Result<Vec<wit::Insight>, Error> {
        let tone = request.learner.as_ref().and_then(|l| l.tone.clone());
        let current = period(request.current);
        let previous = request.previous.map(period);
        let out = pipeline::insights(
            &current,
            previous.as_ref(),
            tone.as_deref(),
            Some(&mut Gateway),
        )
        .map_err(|e| {
            Error::InvalidInput(FieldError {
                field: e.field,
                message: e.message,
            })
        })?;
        if let Some(note) = &out.note {
            logging::log(logging::Level::Debug, "spectrum-analyst", note);
        }
        Ok(out
            .insights
            .into_iter()
            .map(|i| wit::Insight {
                kind: i.kind.as_str().to_owned(),
                title: i.title,
                body: i.body,
            })
            .collect())
    }
}

export!(Analyst);
