//! Seed 004 (docs/experiments.md): tutorials whose steps are A/B tested, personas, NPS
//! surveys, and feature flags on the same assignment engine.
//!
//! Every assignment and every flag evaluation is decided by the `assigner-plugin`
//! component (`components/experiment-assigner`: GrowthBook's algorithms and seed 004's
//! `kazi-v1`); the host keeps the definitions and the first assignment of each unit, so a
//! unit keeps its variant across restarts and replicas.
//!
//! - [`tutorials`]: `GET /api/tutorial/config` (variant, persona, device-specific steps);
//! - [`steps`]: step pings, stored once per client event id, published on
//!   `tutorial.events` and counted in Prometheus;
//! - [`surveys`]: NPS surveys, one per learner per 30 days, comments sealed at rest;
//! - [`admin`]: tutorials and experiments with their lifecycle;
//! - [`results`]: the step funnel per variant, its significance and the sample-ratio check;
//! - [`personas`]: the nightly clustering job;
//! - [`flags`]: feature flags, as a GrowthBook features payload and evaluated here.

pub mod admin;
pub mod assign;
mod cache;
pub mod flags;
pub mod personas;
pub mod results;
pub mod steps;
pub mod surveys;
pub mod tutorials;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::events::Bus;
use crate::metrics::Metrics;
use crate::plugins::Registry;
use crate::runtime::PluginError;
use crate::store::experiments::{ExperimentRow, TutorialRow, VariantRow};
use crate::store::{Db, StoreError};

pub use surveys::SurveyKeys;

/// Why an experiments request cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// A field of the request is wrong (422 naming it).
    #[error("{field}: {message}")]
    Invalid {
        /// The field, as the client spelled it.
        field: String,
        /// Why.
        message: String,
    },
    /// No such tutorial, experiment, flag or client key (404 naming the field).
    #[error("no {what} `{id}`")]
    NotFound {
        /// What was looked for.
        what: &'static str,
        /// The field that named it.
        field: &'static str,
        /// Its id.
        id: String,
    },
    /// The request conflicts with the stored state (409 naming the field).
    #[error("{field}: {message}")]
    Conflict {
        /// The field.
        field: &'static str,
        /// Why.
        message: String,
    },
    /// A survey within 30 days of the learner's last one (429 with `Retry-After`).
    #[error("one survey per 30 days: the next one is welcome in {retry_after_secs} s")]
    SurveyTooSoon {
        /// Seconds until the learner may answer again.
        retry_after_secs: u64,
    },
    /// The route is behind a feature flag that is off for this caller (404).
    #[error("{0}")]
    Disabled(String),
    /// No assigner plugin is installed (503).
    #[error("no experiment assigner is installed (a plugin of world assigner-plugin)")]
    NoAssigner,
    /// The assigner answered with an error for this definition (422: the definition is
    /// at fault, e.g. a condition it cannot read).
    #[error("the assigner refused {field}: {message}")]
    Refused {
        /// The definition's field at fault.
        field: &'static str,
        /// What the assigner said.
        message: String,
    },
    /// The results or the clustering could not be computed (a bug or corrupt data: 500).
    #[error("{0}")]
    Analysis(String),
    /// The assigner plugin failed (trap, timeout, limit).
    #[error(transparent)]
    Plugin(#[from] PluginError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> ExperimentError {
    ExperimentError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// An id chosen by an administrator (tutorial, experiment, variant, flag key): 1-100
/// letters, digits, `-`, `_`, `.` or `:`, so it is safe in URLs, metrics labels and keys.
pub(crate) fn check_id(field: &str, value: &str) -> Result<(), ExperimentError> {
    let ok = !value.is_empty()
        && value.len() <= 100
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            "must be 1-100 letters, digits, `-`, `_`, `.` or `:`",
        ))
    }
}

/// A free text field: at most `max` characters, no NUL (Postgres stores none).
pub(crate) fn check_text(field: &str, value: &str, max: usize) -> Result<(), ExperimentError> {
    if value.contains('\0') {
        return Err(invalid(field, "may not contain the NUL character"));
    }
    if value.chars().count() > max {
        return Err(invalid(field, format!("at most {max} characters")));
    }
    Ok(())
}

/// The client's device (`x-kazi-device`), which selects device-specific steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Device {
    /// A browser.
    Web,
    /// The iOS app.
    Ios,
    /// The Android app.
    Android,
}

impl Device {
    /// The header's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Device::Web => "web",
            Device::Ios => "ios",
            Device::Android => "android",
        }
    }

    /// Reads `x-kazi-device`; absent means `web`.
    pub fn parse(value: Option<&str>) -> Result<Device, ExperimentError> {
        match value.map(str::trim) {
            None | Some("web") => Ok(Device::Web),
            Some("ios") => Ok(Device::Ios),
            Some("android") => Ok(Device::Android),
            Some(_) => Err(invalid("x-kazi-device", "must be web, ios or android")),
        }
    }
}

/// Who is asking: a signed-in learner, or an anonymous visitor by the stable id their
/// client keeps (cookie `kazi_anon` or header `x-kazi-anonymous-id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    /// A learner's user id.
    User(String),
    /// An anonymous visitor's id (without the `anon:` prefix).
    Anonymous(String),
}

impl Unit {
    /// The id stored in assignment and event rows (`anon:<id>` for visitors, so they can
    /// never collide with a user's UUID).
    pub fn key(&self) -> String {
        match self {
            Unit::User(id) => id.clone(),
            Unit::Anonymous(id) => format!("anon:{id}"),
        }
    }

    /// A signed-in learner's id.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Unit::User(id) => Some(id),
            Unit::Anonymous(_) => None,
        }
    }
}

/// Checks an anonymous id a client sent: 8-64 letters, digits or `-`.
pub fn check_anonymous_id(value: &str) -> Result<(), ExperimentError> {
    let ok = (8..=64).contains(&value.len())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "x-kazi-anonymous-id",
            "an anonymous id is 8-64 letters, digits or `-`",
        ))
    }
}

/// Tunables of the experiments service.
#[derive(Debug, Clone)]
pub struct ExperimentSettings {
    /// How long a served tutorial config stays fresh (its `expires` and `Cache-Control`).
    pub config_ttl: std::time::Duration,
    /// The keys sealing survey comments.
    pub survey_keys: SurveyKeys,
}

/// A tutorial with its running experiment (and that experiment's variants).
#[derive(Debug, Clone)]
pub(crate) struct TutorialState {
    tutorial: TutorialRow,
    running: Option<(ExperimentRow, Vec<VariantRow>)>,
}

/// Seed 004's service: tutorials, experiments, step events, surveys, personas and flags.
pub struct Experiments {
    db: Db,
    registry: Arc<Registry>,
    bus: Bus,
    settings: ExperimentSettings,
    payloads: flags::PayloadCache,
    /// Tutorials with their running experiment, a second (definitions change rarely;
    /// an administrator's change on another replica shows within it).
    tutorial_states: cache::TtlCache<String, Option<Arc<TutorialState>>>,
    /// Personas, a minute (they change nightly), each read again ahead of its expiry by
    /// the first request past half of that (`Kept::get_ahead`).
    personas: Arc<crate::kept::Kept<(String, f64)>>,
    /// Stored assignments (unit, experiment) → variant, five minutes (they only change
    /// when a forced change removes a variant, which this replica then forgets).
    assignments: cache::TtlCache<(String, String), String>,
    /// The assigner's answers by (flag, unit attributes), reused while the flags and the
    /// assigner are the same ones (`flags::FlagAnswer`).
    flag_answers: cache::TtlCache<(String, String), flags::FlagAnswer>,
}

/// Reads `id`'s persona (the default one for a learner the clustering has not seen) and
/// keeps it.
async fn read_persona(
    db: &Db,
    kept: &crate::kept::Kept<(String, f64)>,
    id: &str,
) -> Result<(String, f64), StoreError> {
    // Stamped before the read: what it says is at least that recent.
    let at = crate::store::now_ms();
    let persona = db
        .persona(id)
        .await?
        .unwrap_or_else(|| (personas::DEFAULT_PERSONA.to_owned(), 1.0));
    kept.put(id, at, persona.clone());
    Ok(persona)
}

impl Experiments {
    /// The service over `db`, asking the assigner among `registry`'s plugins.
    pub fn new(db: Db, registry: Arc<Registry>, bus: Bus, settings: ExperimentSettings) -> Self {
        Self {
            db,
            registry,
            bus,
            settings,
            payloads: flags::PayloadCache::default(),
            tutorial_states: cache::TtlCache::new(std::time::Duration::from_secs(1), 10_000),
            personas: Arc::new(crate::kept::Kept::new(60_000, 100_000)),
            assignments: cache::TtlCache::new(std::time::Duration::from_secs(300), 100_000),
            flag_answers: cache::TtlCache::new(flags::ANSWER_TTL, 100_000),
        }
    }

    fn metrics(&self) -> &Metrics {
        self.registry.runtime().metrics()
    }

    /// The learner's persona and its confidence; `newbie` (confidence 1) for a learner the
    /// clustering has not seen and for anonymous visitors (seed 004 §5).
    pub async fn persona_of(&self, unit: &Unit) -> Result<(String, f64), ExperimentError> {
        let Unit::User(id) = unit else {
            return Ok((personas::DEFAULT_PERSONA.to_owned(), 1.0));
        };
        let kept = self.personas.get_ahead(id, crate::store::now_ms());
        Ok(self
            .db
            .kept_or_read("persona", kept, || {
                let (db, kept, id) = (self.db.clone(), self.personas.clone(), id.clone());
                async move { read_persona(&db, &kept, &id).await }
            })
            .await?)
    }

    /// A tutorial with its running experiment (`None`: no such tutorial).
    pub(crate) async fn tutorial_state(
        &self,
        tutorial_id: &str,
    ) -> Result<Option<Arc<TutorialState>>, ExperimentError> {
        if let Some(state) = self.tutorial_states.get(&tutorial_id.to_owned()) {
            return Ok(state);
        }
        let state = match self.db.tutorial(tutorial_id).await? {
            Some(tutorial) => Some(Arc::new(TutorialState {
                tutorial,
                running: self.db.running_experiment(tutorial_id).await?,
            })),
            None => None,
        };
        self.tutorial_states
            .put(tutorial_id.to_owned(), state.clone());
        Ok(state)
    }

    /// Forgets what this replica cached about definitions (after an administrator's write).
    fn definitions_changed(&self) {
        self.tutorial_states.clear();
    }

    /// What seed 004's tables hold about a learner (their export): persona, assignments,
    /// step pings and surveys with their comments opened.
    pub async fn export(&self, user_id: &str) -> Result<serde_json::Value, ExperimentError> {
        use crate::store::rfc3339;
        let persona = self.db.persona(user_id).await?;
        let assignments: Vec<_> = self
            .db
            .assignments_of(user_id)
            .await?
            .into_iter()
            .map(|(experiment, variant, at)| {
                serde_json::json!({"experimentId": experiment, "variant": variant, "assignedAt": rfc3339(at)})
            })
            .collect();
        let steps: Vec<_> = self
            .db
            .step_events_of(user_id)
            .await?
            .into_iter()
            .map(|e| {
                serde_json::json!({
                    "tutorialId": e.tutorial_id, "stepId": e.step_id, "status": e.status,
                    "variant": e.variant_id, "persona": e.persona, "t": e.duration_ms,
                    "device": e.device, "eventId": e.event_id,
                    "clientTime": e.client_time.map(rfc3339), "receivedAt": rfc3339(e.created_at),
                })
            })
            .collect();
        let mut surveys = Vec::new();
        for s in self.db.surveys_of(user_id).await? {
            let comment = match (&s.comment_key_id, &s.comment_sealed) {
                (Some(key), Some(sealed)) => Some(
                    self.settings
                        .survey_keys
                        .open(key, sealed)
                        .unwrap_or_else(|e| format!("(unreadable: {e})")),
                ),
                _ => None,
            };
            surveys.push(serde_json::json!({
                "tutorialId": s.tutorial_id, "nps": s.nps, "comment": comment,
                "persona": s.persona, "variant": s.variant_id, "createdAt": rfc3339(s.created_at),
            }));
        }
        Ok(serde_json::json!({
            "persona": persona.map(|(p, c)| serde_json::json!({"persona": p, "confidence": c})),
            "assignments": assignments,
            "stepEvents": steps,
            "surveys": surveys,
        }))
    }
}
