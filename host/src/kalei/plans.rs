//! Plans and their limits (seed 001 §7.1: `free`, `prism`, `prism_plus`). A user's plan is
//! their tier (`users.tier`, which also picks their daily AI token budget), set by billing
//! (`kalei::billing`) or an admin. Each plan decides the daily counts of Turns and Mirror
//! messages, and whether Lens and Spectrum (weekly, monthly) are open. The plan is checked
//! before any model call; refusals are 402 (not in the plan) or 429 (the day's allowance is
//! used up, `Retry-After` the user's local midnight) with the error body naming the limit.
//!
//! The daily counters live in the shared store (Redis when configured), keyed by the
//! user's local date, and are reserved atomically before the work (`incr_within`), so
//! concurrent requests on any replica cannot pass a limit; a request that ends without
//! using its allowance (a crisis answer, a failed plugin) gives it back. A failing store
//! lets requests through and logs it, as the AI budgets do: the limits protect cost, not
//! safety.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::Member;
use crate::kv::Kv;

/// A plan (`free`, `prism`, `prism_plus`): the billing crate's, ordered cheapest first, so
/// the host and the store verifiers share one vocabulary.
pub use ::billing::Plan;

/// What a plan allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanLimits {
    /// Turns a day.
    pub turns_per_day: u32,
    /// Mirror messages a day.
    pub mirror_messages_per_day: u32,
    /// Lens (goals, actions, the daily affirmation).
    pub lens: bool,
    /// Spectrum's weekly view.
    pub spectrum_weekly: bool,
    /// Spectrum's monthly view.
    pub spectrum_monthly: bool,
}

/// Every plan, cheapest first.
pub const PLANS: [Plan; 3] = [Plan::Free, Plan::Prism, Plan::PrismPlus];

/// The plan of a user's tier; a tier that is no Kalei plan (e.g. `premium`, seed 002's)
/// counts as `free` here.
pub fn of_tier(tier: &str) -> Plan {
    PLANS
        .into_iter()
        .find(|p| p.as_str() == tier)
        .unwrap_or(Plan::Free)
}

/// What each plan allows, as configured (`--kalei-plans` replaces a plan's limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanTable([PlanLimits; 3]);

impl Default for PlanTable {
    fn default() -> Self {
        PlanTable(PLANS.map(default_limits))
    }
}

impl PlanTable {
    /// The defaults with the plans in `json` (`{"prism": {…every limit…}}`) replaced.
    pub fn parse(json: &str) -> Result<PlanTable, String> {
        let given: std::collections::HashMap<Plan, PlanLimits> =
            serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut table = PlanTable::default();
        for (plan, limits) in given {
            table.0[index(plan)] = limits;
        }
        Ok(table)
    }

    /// What `plan` allows.
    pub fn of(&self, plan: Plan) -> PlanLimits {
        self.0[index(plan)]
    }

    /// The cheapest plan that opens `feature`.
    fn cheapest_with(&self, feature: Feature) -> Plan {
        PLANS
            .into_iter()
            .find(|p| feature.open_in(self.of(*p)))
            .unwrap_or(Plan::PrismPlus)
    }
}

fn index(plan: Plan) -> usize {
    PLANS.iter().position(|p| *p == plan).unwrap_or(0)
}

/// What `plan` allows by default. Free tries every daily feature a little; Prism opens
/// Lens and the weekly Spectrum; Prism+ adds the monthly view and room for daily use.
pub fn default_limits(plan: Plan) -> PlanLimits {
    match plan {
        Plan::Free => PlanLimits {
            turns_per_day: 3,
            mirror_messages_per_day: 10,
            lens: false,
            spectrum_weekly: false,
            spectrum_monthly: false,
        },
        Plan::Prism => PlanLimits {
            turns_per_day: 25,
            mirror_messages_per_day: 100,
            lens: true,
            spectrum_weekly: true,
            spectrum_monthly: false,
        },
        Plan::PrismPlus => PlanLimits {
            turns_per_day: 100,
            mirror_messages_per_day: 400,
            lens: true,
            spectrum_weekly: true,
            spectrum_monthly: true,
        },
    }
}

/// A feature a plan opens or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// Lens.
    Lens,
    /// Spectrum's weekly view (and its reset and exclusions).
    SpectrumWeekly,
    /// Spectrum's monthly view.
    SpectrumMonthly,
}

impl Feature {
    fn open_in(self, limits: PlanLimits) -> bool {
        match self {
            Feature::Lens => limits.lens,
            Feature::SpectrumWeekly => limits.spectrum_weekly,
            Feature::SpectrumMonthly => limits.spectrum_monthly,
        }
    }

    /// The limit's name in error bodies.
    fn name(self) -> &'static str {
        match self {
            Feature::Lens => "lens",
            Feature::SpectrumWeekly => "spectrum_weekly",
            Feature::SpectrumMonthly => "spectrum_monthly",
        }
    }
}

/// A daily allowance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Daily {
    /// Turns.
    Turns,
    /// Mirror messages.
    MirrorMessages,
}

impl Daily {
    /// The limit's name in error bodies and entitlements.
    pub fn name(self) -> &'static str {
        match self {
            Daily::Turns => "turns_per_day",
            Daily::MirrorMessages => "mirror_messages_per_day",
        }
    }

    fn allowed(self, limits: PlanLimits) -> u32 {
        match self {
            Daily::Turns => limits.turns_per_day,
            Daily::MirrorMessages => limits.mirror_messages_per_day,
        }
    }
}

/// A refusal by the plan: 402 (not in the plan) or 429 (used up today).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitRefusal {
    /// 402 or 429.
    pub status: u16,
    /// `PLAN_REQUIRED` or `DAILY_LIMIT_REACHED`.
    pub code: &'static str,
    /// What happened, for people.
    pub message: String,
    /// The limit's name (`lens`, `turns_per_day`, …).
    pub limit: &'static str,
    /// The user's plan.
    pub plan: Plan,
    /// The cheapest plan that opens the feature (402).
    pub required_plan: Option<Plan>,
    /// The day's allowance (429).
    pub allowed: Option<u32>,
    /// Seconds until the user's local midnight (429).
    pub retry_after_secs: Option<u64>,
}

impl LimitRefusal {
    /// The error body's `details`.
    pub fn details(&self) -> serde_json::Value {
        serde_json::json!({
            "limit": self.limit,
            "plan": self.plan.as_str(),
            "required_plan": self.required_plan.map(Plan::as_str),
            "allowed": self.allowed,
            "retry_after_seconds": self.retry_after_secs,
        })
    }
}

/// Refuses unless `member`'s plan opens `feature`.
pub fn require(member: &Member, feature: Feature) -> Result<(), LimitRefusal> {
    if feature.open_in(member.limits()) {
        return Ok(());
    }
    let required = member.plans.cheapest_with(feature);
    Err(LimitRefusal {
        status: 402,
        code: "PLAN_REQUIRED",
        message: format!(
            "{} is not part of the {} plan; it opens with {}",
            feature.name(),
            member.plan.as_str(),
            required.as_str()
        ),
        limit: feature.name(),
        plan: member.plan,
        required_plan: Some(required),
        allowed: None,
        retry_after_secs: None,
    })
}

/// The daily counters.
pub struct Meter {
    kv: Arc<dyn Kv>,
}

/// One unit of a daily allowance, taken; give it back with [`Meter::release`] when the
/// request did not use it.
#[derive(Debug)]
pub struct Reservation {
    key: Option<String>,
}

/// Counters outlive their day by one, whatever the user's time zone.
const COUNTER_TTL: Duration = Duration::from_secs(2 * 86_400);

impl Meter {
    /// Counters in `kv`.
    pub fn new(kv: Arc<dyn Kv>) -> Self {
        Self { kv }
    }

    fn key(member: &Member, daily: Daily) -> String {
        format!(
            "kalei:daily:{}:{}:{}",
            daily.name(),
            member.id(),
            member.local_date()
        )
    }

    /// Takes one unit of `daily` for `member` today, or refuses with 429.
    pub async fn reserve(
        &self,
        member: &Member,
        daily: Daily,
    ) -> Result<Reservation, LimitRefusal> {
        let allowed = daily.allowed(member.limits());
        let key = Self::key(member, daily);
        match self
            .kv
            .incr_within(&key, 1, i64::from(allowed), COUNTER_TTL)
            .await
        {
            Ok(Some(_)) => Ok(Reservation { key: Some(key) }),
            Ok(None) => Err(LimitRefusal {
                status: 429,
                code: "DAILY_LIMIT_REACHED",
                message: format!(
                    "the {} plan allows {allowed} {} a day; used up for today",
                    member.plan.as_str(),
                    match daily {
                        Daily::Turns => "turns",
                        Daily::MirrorMessages => "Mirror messages",
                    }
                ),
                limit: daily.name(),
                plan: member.plan,
                required_plan: None,
                allowed: Some(allowed),
                retry_after_secs: Some(member.seconds_to_local_midnight()),
            }),
            Err(e) => {
                tracing::error!(error = %e, limit = daily.name(), "daily counter unavailable; letting the request through");
                Ok(Reservation { key: None })
            }
        }
    }

    /// Gives an unused unit back.
    pub async fn release(&self, reservation: Reservation) {
        if let Some(key) = reservation.key
            && let Err(e) = self.kv.incr_by(&key, -1, COUNTER_TTL).await
        {
            tracing::warn!(error = %e, "could not give a daily allowance back");
        }
    }

    /// How much of `daily` the member used today.
    pub async fn used(&self, member: &Member, daily: Daily) -> u32 {
        match self.kv.get(&Self::key(member, daily)).await {
            Ok(Some(bytes)) => std::str::from_utf8(&bytes)
                .ok()
                .and_then(|s| s.trim().parse::<u32>().ok())
                .unwrap_or(0),
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_map_to_plans_and_unknown_tiers_are_free() {
        assert_eq!(of_tier("prism"), Plan::Prism);
        assert_eq!(of_tier("prism_plus"), Plan::PrismPlus);
        assert_eq!(of_tier("premium"), Plan::Free);
        let table = PlanTable::default();
        assert_eq!(table.cheapest_with(Feature::Lens), Plan::Prism);
        assert_eq!(
            table.cheapest_with(Feature::SpectrumMonthly),
            Plan::PrismPlus
        );
        // An operator opening Lens on the free plan makes it the cheapest with Lens.
        let table = PlanTable::parse(
            r#"{"free": {"turns_per_day": 5, "mirror_messages_per_day": 10, "lens": true,
                "spectrum_weekly": false, "spectrum_monthly": false}}"#,
        )
        .unwrap();
        assert_eq!(table.cheapest_with(Feature::Lens), Plan::Free);
        assert_eq!(table.of(Plan::Free).turns_per_day, 5);
        assert_eq!(table.of(Plan::Prism).turns_per_day, 25);
        assert!(PlanTable::parse(r#"{"gold": {}}"#).is_err());
        assert!(PlanTable::parse(r#"{"free": {"lens": true}}"#).is_err());
    }

    #[test]
    fn dearer_plans_never_allow_less() {
        for pair in PLANS.windows(2) {
            let (a, b) = (default_limits(pair[0]), default_limits(pair[1]));
            assert!(b.turns_per_day >= a.turns_per_day);
            assert!(b.mirror_messages_per_day >= a.mirror_messages_per_day);
            assert!(b.lens >= a.lens && b.spectrum_weekly >= a.spectrum_weekly);
            assert!(b.spectrum_monthly >= a.spectrum_monthly);
        }
    }
}
