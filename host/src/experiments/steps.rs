//! `POST /api/tutorial/step` (seed 004 §2.2): a step started or completed. Each ping is
//! stored with the variant and persona the learner had, published on `tutorial.events`
//! (outbox, same transaction) and counted in `tutorial_step_events_total`. Offline
//! clients replay queued pings with the id they gave each: a ping already stored is
//! accepted again and written nowhere.

use serde::{Deserialize, Serialize};

use super::tutorials::{DEFAULT_VARIANT, stored_steps};
use super::{Device, ExperimentError, Experiments, Unit, check_id, invalid};
use crate::events::{Envelope, Topic};
use crate::store::experiments::StepEventRow;
use crate::store::{now_ms, rfc3339};

/// The longest time on one step a ping may report (a day): longer is a client bug.
const MAX_STEP_MS: i64 = 24 * 3600 * 1000;
/// How old a replayed ping may be (the client's queue outlived this: dropped, 422).
const MAX_REPLAY_AGE_MS: i64 = 30 * 24 * 3600 * 1000;
/// How far ahead of the server's clock a client's time may run.
const MAX_CLOCK_SKEW_MS: i64 = 24 * 3600 * 1000;

/// `started` or `completed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// The step was shown.
    Started,
    /// The learner finished it.
    Completed,
}

impl StepStatus {
    fn as_str(self) -> &'static str {
        match self {
            StepStatus::Started => "started",
            StepStatus::Completed => "completed",
        }
    }
}

/// Seed 004 §2.2's body, plus what offline replays need.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StepPing {
    /// The tutorial.
    pub tutorial_id: String,
    /// The step (an id from the config's `steps`).
    pub step_id: String,
    /// `started` or `completed`.
    pub status: StepStatus,
    /// Milliseconds the learner has spent on the step (0-86 400 000); a `completed`
    /// ping's `t` is the step's duration in the funnel.
    pub t: i64,
    /// The client's id for this ping (8-64 letters, digits or `-`), so a replay after
    /// being offline is stored once.
    #[serde(default)]
    pub event_id: Option<String>,
    /// When it happened on the client, ms since the epoch (queued pings; at most 30 days
    /// old).
    #[serde(default)]
    pub client_time: Option<i64>,
}

impl Experiments {
    /// Stores a ping; whether it was new (false: a replay already stored).
    pub async fn record_step(
        &self,
        unit: &Unit,
        device: Device,
        ping: StepPing,
    ) -> Result<bool, ExperimentError> {
        check_id("tutorialId", &ping.tutorial_id)?;
        check_id("stepId", &ping.step_id)?;
        if !(0..=MAX_STEP_MS).contains(&ping.t) {
            return Err(invalid("t", "milliseconds on the step, 0-86400000"));
        }
        if let Some(id) = &ping.event_id {
            let ok = (8..=64).contains(&id.len())
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !ok {
                return Err(invalid("eventId", "8-64 letters, digits or `-`"));
            }
        }
        let now = now_ms();
        if let Some(at) = ping.client_time
            && !(now - MAX_REPLAY_AGE_MS..=now + MAX_CLOCK_SKEW_MS).contains(&at)
        {
            return Err(invalid(
                "clientTime",
                "ms since the epoch, within the last 30 days",
            ));
        }
        let tutorial =
            self.db.tutorial(&ping.tutorial_id).await?.ok_or_else(|| {
                invalid("tutorialId", format!("no tutorial `{}`", ping.tutorial_id))
            })?;
        let (persona, _) = self.persona_of(unit).await?;
        // The variant the learner is in: their stored assignment to the running experiment.
        let running = self.db.running_experiment(&ping.tutorial_id).await?;
        let mut variant = None;
        let mut known_steps = stored_steps(&tutorial.steps)?;
        if let Some((experiment, variants)) = &running {
            // The stored assignment; a unit with none was served its config by the edge,
            // which assigns with the same algorithms over the same attributes
            // (docs/edge.md): the assigner's choice now is the one the edge made, stored
            // here so both agree from then on. Without an assigner, no variant.
            let attributes = super::assign::unit_attributes(unit, device, &persona);
            variant = match self
                .variant_for(experiment, variants, &attributes, unit)
                .await
            {
                Ok(chosen) => chosen.map(|v| (experiment.id.clone(), v.id)),
                Err(ExperimentError::NoAssigner) => None,
                Err(e) => return Err(e),
            };
            for v in variants.iter().filter(|v| v.steps != "null") {
                known_steps.extend(stored_steps(&v.steps)?);
            }
        }
        let variant_name = variant
            .as_ref()
            .map_or(DEFAULT_VARIANT, |(_, v)| v.as_str())
            .to_owned();
        let mut payload = serde_json::json!({
            "tutorial_id": ping.tutorial_id,
            "step_id": ping.step_id,
            "status": ping.status.as_str(),
            "variant": variant_name,
            "persona": persona,
            "device": device.as_str(),
            "duration_ms": ping.t,
            "anonymous": unit.user_id().is_none(),
        });
        if let Some((experiment_id, _)) = &variant {
            payload["experiment_id"] = experiment_id.clone().into();
        }
        if let Some(at) = ping.client_time {
            payload["client_time"] = rfc3339(at).into();
        }
        let mut envelope = Envelope::new(Topic::TutorialEvents, "tutorial.step", payload);
        if let Some(user) = unit.user_id() {
            envelope = envelope.for_user(user);
        }
        let row = StepEventRow {
            id: format!("step_{}", uuid::Uuid::new_v4()),
            user_id: unit.key(),
            tutorial_id: ping.tutorial_id.clone(),
            step_id: ping.step_id.clone(),
            variant_id: variant.map(|(_, v)| v),
            persona: Some(persona),
            status: ping.status.as_str().to_owned(),
            duration_ms: Some(ping.t),
            event_id: ping.event_id.clone(),
            device: Some(device.as_str().to_owned()),
            client_time: ping.client_time,
            created_at: now,
        };
        let stored = self.db.insert_step_event(&row, &[envelope]).await?;
        if stored {
            self.bus.outbox_written();
            // Label values come from the tutorial's definitions only, so a client sending
            // made-up step ids cannot grow the metric's series without bound.
            let step = if known_steps.iter().any(|s| s.id == ping.step_id) {
                ping.step_id.as_str()
            } else {
                "other"
            };
            self.metrics().record_tutorial_step(
                &ping.tutorial_id,
                step,
                ping.status.as_str(),
                &variant_name,
            );
        }
        Ok(stored)
    }
}
