//! Seed 001's product, Kalei (docs/kalei.md): Mirror (fragments of a message that show
//! cognitive distortions, and their reframes), Turn (three reframes and a micro-action,
//! kept in the Gallery when saved), Lens (goals, small actions, the daily affirmation),
//! Spectrum (weekly and monthly insights from counts), and the plans that gate them.
//!
//! Every decision is a plugin's (`runtime::worlds::{fragment_detector, reframer,
//! lens_coach, spectrum_analyst}`), called for the user so its model calls go through the
//! safety gate and the user's budget (`Ai::complete`). Each route follows seed 001 §9.1-9.2:
//! the plan is checked first, then the text is screened; a crisis is answered with the
//! gate's crisis response, recorded as a safety event and never reaches a plugin or a model
//! (even when the day's allowance is used up: nobody in crisis is answered with a 429).
//! What users write is sealed in the database (`store::sealing`).

pub mod billing;
mod export;
pub mod fragments;
pub mod lens;
pub mod mirror;
pub mod plans;
pub mod reframes;
pub mod spectrum;
pub mod turns;

use std::sync::Arc;

use crate::ai::{Ai, AiError, Origin};
use crate::learning::clock::{Now, utc_offset_minutes};
use crate::plugins::Registry;
use crate::plugins::contract::types::{Error as ContractError, LearnerContext};
use crate::runtime::capabilities::llm::OnBehalfOf;
use crate::runtime::{LoadedPlugin, PluginError};
use crate::store::sealing::{SealError, SealingKeys};
use crate::store::users::User;
use crate::store::{Db, StoreError};

pub use plans::{LimitRefusal, Plan};

/// Why a Kalei request cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum KaleiError {
    /// A field of the request is wrong (422 naming it).
    #[error("{field}: {message}")]
    Invalid {
        /// The field, as the client spelled it.
        field: String,
        /// Why.
        message: String,
    },
    /// No such session, fragment, turn, goal or action of this user's (404 naming the
    /// field).
    #[error("no {what} `{id}`")]
    NotFound {
        /// What was looked for.
        what: &'static str,
        /// The field that named it.
        field: &'static str,
        /// Its id.
        id: String,
    },
    /// The request conflicts with the stored state (409), e.g. a message to a closed
    /// session.
    #[error("{message}")]
    Conflict {
        /// Stable code.
        code: &'static str,
        /// What happened.
        message: String,
    },
    /// The plan does not include this, or the day's allowance is used up (402 or 429,
    /// naming the limit).
    #[error("{}", .0.message)]
    Limit(LimitRefusal),
    /// No plugin of the world is installed (503).
    #[error("no {0} plugin is installed")]
    NoPlugin(&'static str),
    /// The plugin answered something a served answer must not be (502, the problem
    /// named): a reframer without exactly three reframes, an action out of bounds.
    #[error("the {world} plugin's answer failed its checks: {problem}")]
    Rejected {
        /// The world.
        world: &'static str,
        /// What was wrong.
        problem: String,
    },
    /// The plugin answered a contract error.
    #[error("the {world} plugin refused: {error:?}")]
    Contract {
        /// The world.
        world: &'static str,
        /// Its error.
        error: ContractError,
    },
    /// The plugin misbehaved (trap, timeout, memory).
    #[error(transparent)]
    Plugin(#[from] PluginError),
    /// The safety gate or the AI path failed (not a crisis: that is an answer).
    #[error(transparent)]
    Ai(#[from] AiError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A sealed value does not open (a key was removed, or the row was tampered with).
    #[error(transparent)]
    Seal(#[from] SealError),
    /// A store notification failed verification or its store's API failed.
    #[error(transparent)]
    Billing(::billing::BillingError),
    /// A part this host was not configured for (503).
    #[error("{0} is not configured on this server")]
    NotConfigured(&'static str),
}

pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> KaleiError {
    KaleiError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// Checks a text a user wrote: 1 to `max` characters after trimming, no NUL.
pub(crate) fn check_text(field: &str, value: &str, max: usize) -> Result<(), KaleiError> {
    let chars = value.trim().chars().count();
    if chars == 0 || chars > max {
        return Err(invalid(
            field,
            format!("must be 1 to {max} characters (got {chars})"),
        ));
    }
    if value.contains('\0') {
        return Err(invalid(field, "must not contain NUL characters"));
    }
    Ok(())
}

/// A new id (`uuid`, simple form, with the resource's prefix).
pub(crate) fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// What the gate answers instead when a text is a crisis: shown to the user in place of
/// any plugin's answer.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CrisisAnswer {
    /// Always `crisis`.
    pub level: &'static str,
    /// The crisis response, with the hotline resources of the user's region.
    pub message: String,
}

/// The user a request is for, as Kalei needs them.
#[derive(Debug, Clone)]
pub struct Member {
    /// The account.
    pub user: User,
    /// Their plan (from their tier).
    pub plan: Plan,
    /// What each plan allows (the operator's table).
    pub plans: plans::PlanTable,
    /// "Now" for this request (the test clock's when enabled).
    pub now: Now,
}

impl Member {
    /// The account's id.
    pub fn id(&self) -> &str {
        &self.user.id
    }

    /// What their plan allows.
    pub fn limits(&self) -> plans::PlanLimits {
        self.plans.of(self.plan)
    }

    /// The user's local date now, `YYYY-MM-DD`.
    pub fn local_date(&self) -> String {
        local_date(&self.user.timezone, self.now.0)
    }

    /// Seconds until the user's local midnight (when daily allowances reset).
    pub fn seconds_to_local_midnight(&self) -> u64 {
        let offset_ms = i64::from(utc_offset_minutes(&self.user.timezone, self.now.0)) * 60_000;
        let local = self.now.0 + offset_ms;
        let day = 86_400_000;
        let left = day - local.rem_euclid(day);
        u64::try_from((left + 999) / 1000).unwrap_or(1).max(1)
    }

    /// The context plugins get.
    pub fn learner(&self) -> LearnerContext {
        LearnerContext {
            learner_id: self.user.id.clone(),
            locale: "en".into(),
            timezone: self.user.timezone.clone(),
            tone: Some(self.user.tone.to_string()),
        }
    }
}

/// The local date (`YYYY-MM-DD`) in `timezone` at `ms`.
pub fn local_date(timezone: &str, ms: i64) -> String {
    let offset_ms = i64::from(utc_offset_minutes(timezone, ms)) * 60_000;
    chrono::DateTime::from_timestamp_millis(ms + offset_ms)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string()
}

/// Seed 001's product features.
pub struct Kalei {
    db: Db,
    ai: Arc<Ai>,
    registry: Arc<Registry>,
    keys: SealingKeys,
    meter: plans::Meter,
    billing: self::billing::BillingSettings,
    plans: plans::PlanTable,
    /// Tells users their Spectrum is updated (seed 001 §9.3).
    notifier: Arc<crate::notify::Notifier>,
}

/// Kalei's settings.
#[derive(Debug)]
pub struct KaleiSettings {
    /// The keys sealing what users write (`--column-keys`).
    pub column_keys: SealingKeys,
    /// The stores' webhooks (`--apple-*`, `--google-*`, `--billing-products`).
    pub billing: self::billing::BillingSettings,
    /// What each plan allows (`--kalei-plans`).
    pub plans: plans::PlanTable,
}

impl Kalei {
    /// Kalei over `db`, its plugins in `registry`, model calls and screening through `ai`,
    /// daily counters in `kv`.
    pub fn new(
        db: Db,
        ai: Arc<Ai>,
        registry: Arc<Registry>,
        kv: Arc<dyn crate::kv::Kv>,
        settings: KaleiSettings,
        notifier: Arc<crate::notify::Notifier>,
    ) -> Self {
        Self {
            notifier,
            db,
            ai,
            registry,
            keys: settings.column_keys,
            meter: plans::Meter::new(kv),
            billing: settings.billing,
            plans: settings.plans,
        }
    }

    /// The keys sealing Kalei's columns.
    pub fn keys(&self) -> &SealingKeys {
        &self.keys
    }

    /// The caller as a member, at `now`.
    pub async fn member(&self, user_id: &str, now: Now) -> Result<Member, KaleiError> {
        let user = self
            .db
            .user_by_id(user_id)
            .await?
            .ok_or_else(|| KaleiError::NotFound {
                what: "user",
                field: "user_id",
                id: user_id.to_owned(),
            })?;
        // A user with store subscriptions has the plan they grant now (one lapses at its
        // end even when the store's expiry notification never came); otherwise their tier
        // (an administrator's grant).
        let subscriptions = self.db.subscriptions_of(&user.id).await?;
        let plan = if subscriptions.is_empty() {
            plans::of_tier(&user.tier)
        } else {
            plans::of_tier(&self::billing::plan_of(&subscriptions, now.0))
        };
        Ok(Member {
            user,
            plan,
            plans: self.plans,
            now,
        })
    }

    /// Screens what a member wrote: `Some(answer)` for a crisis (recorded as a safety
    /// event by the gate), `None` to go on.
    async fn crisis_check(
        &self,
        member: &Member,
        texts: &[&str],
        surface: &str,
    ) -> Result<Option<CrisisAnswer>, KaleiError> {
        let origin = Origin {
            user_id: Some(member.id()),
            surface,
            plugin: None,
            region: None,
        };
        match self.ai.screen_for_crisis(texts, origin).await {
            Ok(()) => Ok(None),
            Err(AiError::Blocked(message)) => Ok(Some(CrisisAnswer {
                level: "crisis",
                message,
            })),
            Err(e) => Err(e.into()),
        }
    }

    /// The plugin serving `world` for `member` (its canary for the canary's share).
    fn plugin(
        &self,
        member: &Member,
        world: &'static str,
        slot: fn(&crate::plugins::registry::Snapshot) -> Option<&Arc<LoadedPlugin>>,
    ) -> Result<Arc<LoadedPlugin>, KaleiError> {
        let snapshot = self.registry.snapshot();
        let stable = slot(&snapshot).ok_or(KaleiError::NoPlugin(world))?;
        Ok(snapshot.serving(stable, Some(member.id())))
    }

    /// Runs a plugin call for `member`, mapping a budget refusal met by its model calls
    /// to the user's 429 and a contract error to its HTTP meaning.
    async fn for_member<T, F, Fut>(
        &self,
        member: &Member,
        world: &'static str,
        call: F,
    ) -> Result<T, KaleiError>
    where
        F: FnOnce(Arc<OnBehalfOf>) -> Fut,
        Fut: Future<Output = Result<Result<T, ContractError>, PluginError>>,
    {
        let on_behalf_of = OnBehalfOf::new(member.id());
        let answer = call(on_behalf_of.clone()).await;
        if let Some(refusal) = on_behalf_of.refusal()
            && !matches!(answer, Ok(Ok(_)))
        {
            return Err(KaleiError::Ai(AiError::Budget(refusal)));
        }
        match answer? {
            Ok(value) => Ok(value),
            Err(ContractError::InvalidInput(f)) => Err(KaleiError::Invalid {
                field: f.field,
                message: f.message,
            }),
            Err(error) => Err(KaleiError::Contract { world, error }),
        }
    }

    /// Seals `text`: (key id, sealed).
    fn seal(&self, text: &str) -> (String, String) {
        self.keys.seal(text)
    }

    /// Opens a sealed column.
    fn open(&self, key_id: &str, sealed: &str) -> Result<String, KaleiError> {
        Ok(self.keys.open(key_id, sealed)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_date_follows_the_time_zone() {
        // 2026-01-15 23:30 UTC is already the 16th in Berlin and still the 15th in New York.
        let ms = 1_768_519_800_000;
        assert_eq!(local_date("UTC", ms), "2026-01-15");
        assert_eq!(local_date("Europe/Berlin", ms), "2026-01-16");
        assert_eq!(local_date("America/New_York", ms), "2026-01-15");
    }

    #[test]
    fn texts_are_bounded_in_characters() {
        assert!(check_text("text", "I always fail", 20).is_ok());
        assert!(check_text("text", "   ", 20).is_err());
        assert!(check_text("text", &"é".repeat(21), 20).is_err());
        assert!(check_text("text", "a\0b", 20).is_err());
    }
}
