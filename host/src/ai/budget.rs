//! The cost guard (docs/requirements.md#r-001-13.2, #r-001-12.2): each user's daily token budget by
//! plan tier, the platform's monthly spend cap with alerts at 50/80/95/100 %, and the degradation
//! order when either runs short: degradable features (tone rewrites, quiz generation …)
//! are answered from templates by the offline model first, deferrable ones (insights)
//! pause, core ones (tutor, reframe, chat) keep their models until nothing is left, then
//! a 429 with a code saying which budget ran out.
//!
//! The running counters live in the shared store (Redis when configured, as the seed
//! asks), so every replica charges the same budget; the month's counter is restored from
//! `ai_usage_events` after a restart of an in-process store.
//!
//! A user's tokens are **reserved before a call**: the prompt's upper bound plus the
//! output it may generate (`max_tokens`, clamped to what the day has left) are added to
//! the day's counter atomically, refusing what would pass the budget, so concurrent
//! requests on any replica cannot overspend it; after the call the reservation is settled
//! to the tokens really used (a failed call gives everything back). The monthly spend cap
//! is in dollars of models chosen only inside the gateway, so it is checked before and
//! charged after a call. A failing store never stops AI requests: the guard then lets
//! them through and logs the failure (budgets protect cost, not safety).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{Datelike, TimeZone, Utc};

use crate::kv::Kv;
use crate::store::Db;

/// How a feature fares under budget pressure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureClass {
    /// Keeps its models until its budget is gone (tutor, reframe, chat).
    Core,
    /// Falls back to the offline model's templates first (tone, quiz generation).
    Degradable,
    /// Pauses under pressure (analytics, insights).
    Deferrable,
}

/// The defaults, after docs/requirements.md#r-001-12.2: Lens generation degrades first (here: tone
/// rewrites, quiz and summary generation), Turn and Mirror stay (tutor, reframe, chat),
/// Spectrum insights pause. Unlisted features are core.
const DEFAULT_CLASSES: &[(&str, FeatureClass)] = &[
    ("tutor", FeatureClass::Core),
    ("study-session", FeatureClass::Core),
    ("reframe", FeatureClass::Core),
    ("chat-completions", FeatureClass::Core),
    ("safety-confirmation", FeatureClass::Core),
    ("project-grading", FeatureClass::Core),
    ("tone", FeatureClass::Degradable),
    ("quiz-generation", FeatureClass::Degradable),
    ("course-generation", FeatureClass::Degradable),
    ("lens", FeatureClass::Degradable),
    ("fragment-detection", FeatureClass::Core),
    ("lens-actions", FeatureClass::Degradable),
    ("lens-affirmation", FeatureClass::Degradable),
    ("spectrum-insights", FeatureClass::Deferrable),
    ("summary", FeatureClass::Degradable),
    ("insights", FeatureClass::Deferrable),
    ("spectrum", FeatureClass::Deferrable),
];

/// Features only the host's own callers use (the safety filters' confirmations, the
/// project grader): never a client's to pick.
const RESERVED_FEATURES: &[&str] = &["safety-confirmation", "project-grading"];

impl FeatureClass {
    /// How long the guard spares the class when budgets run short: deferrable features
    /// pause first, degradable ones fall back to templates, core ones stop last.
    fn spared(self) -> u8 {
        match self {
            FeatureClass::Deferrable => 0,
            FeatureClass::Degradable => 1,
            FeatureClass::Core => 2,
        }
    }
}

/// Spend thresholds (percent of the cap) recorded as alerts.
pub const ALERT_PERCENTS: [i64; 4] = [50, 80, 95, 100];

/// The operator's budget settings.
#[derive(Debug, Clone)]
pub struct BudgetPolicy {
    daily_tokens: HashMap<String, u64>,
    monthly_cap_micro_usd: Option<i64>,
    degrade_at_percent: u8,
    classes: HashMap<String, FeatureClass>,
}

impl Default for BudgetPolicy {
    fn default() -> Self {
        Self {
            // Kalei's plans are tiers too (`crate::kalei::plans`): billing sets a user's.
            daily_tokens: HashMap::from([
                ("free".into(), 50_000),
                ("premium".into(), 500_000),
                ("prism".into(), 200_000),
                ("prism_plus".into(), 600_000),
            ]),
            monthly_cap_micro_usd: None,
            degrade_at_percent: 95,
            classes: DEFAULT_CLASSES
                .iter()
                .map(|(f, c)| ((*f).to_owned(), *c))
                .collect(),
        }
    }
}

/// Why the operator's budget flags are refused; each message names the flag.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// `--ai-daily-tokens` is not a tier → tokens object.
    #[error("--ai-daily-tokens: expected {{\"tier\": tokens, …}}: {0}")]
    DailyTokens(serde_json::Error),
    /// `--ai-monthly-cap-usd` is negative or not a number.
    #[error("--ai-monthly-cap-usd: must be a non-negative number")]
    MonthlyCap,
    /// `--ai-features` is not a feature → class object.
    #[error("--ai-features: expected {{\"feature\": \"core\"|\"degradable\"|\"deferrable\"}}: {0}")]
    Features(serde_json::Error),
}

/// A feature a client asked for that the route does not serve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{asked}` is not a feature this route serves; one of: {}", .choices.join(", "))]
pub struct FeatureNotServed {
    /// The feature asked for.
    pub asked: String,
    /// What the client may ask for instead, sorted.
    pub choices: Vec<String>,
}

/// The message, for callers that put it in an API error as text.
impl From<FeatureNotServed> for String {
    fn from(e: FeatureNotServed) -> String {
        e.to_string()
    }
}

impl BudgetPolicy {
    /// The policy from the flags' values; errors name the flag.
    pub fn parse(
        daily_tokens: &str,
        monthly_cap_usd: Option<f64>,
        degrade_at_percent: u8,
        features: Option<&str>,
    ) -> Result<Self, PolicyError> {
        let mut policy = Self {
            daily_tokens: serde_json::from_str(daily_tokens).map_err(PolicyError::DailyTokens)?,
            degrade_at_percent,
            ..Self::default()
        };
        if let Some(cap) = monthly_cap_usd {
            if !(cap.is_finite() && cap >= 0.0) {
                return Err(PolicyError::MonthlyCap);
            }
            policy.monthly_cap_micro_usd = Some((cap * 1e6).round() as i64);
        }
        if let Some(json) = features {
            let extra: HashMap<String, FeatureClass> =
                serde_json::from_str(json).map_err(PolicyError::Features)?;
            policy.classes.extend(extra);
        }
        Ok(policy)
    }

    /// The feature's class.
    pub fn class_of(&self, feature: &str) -> FeatureClass {
        self.classes
            .get(feature)
            .copied()
            .unwrap_or(FeatureClass::Core)
    }

    /// The feature a request on a route serves: the route's own `route_feature`, or one
    /// the client asked for that the route allows: a configured feature (the defaults and
    /// `--ai-features`), not one of the host's own callers', and never of a class the
    /// guard spares longer than the route's. The error lists what may be asked for.
    pub fn route_feature(
        &self,
        route_feature: &str,
        asked: Option<&str>,
    ) -> Result<String, FeatureNotServed> {
        let Some(asked) = asked else {
            return Ok(route_feature.to_owned());
        };
        let ceiling = self.class_of(route_feature).spared();
        let allowed = |f: &str| {
            !RESERVED_FEATURES.contains(&f)
                && self.classes.get(f).is_some_and(|c| c.spared() <= ceiling)
        };
        if asked == route_feature || allowed(asked) {
            return Ok(asked.to_owned());
        }
        let mut choices: Vec<String> = self
            .classes
            .keys()
            .filter(|f| allowed(f))
            .cloned()
            .collect();
        choices.sort_unstable();
        Err(FeatureNotServed {
            asked: asked.to_owned(),
            choices,
        })
    }

    /// The smallest limited daily budget of any tier, `None` when every tier is unlimited.
    pub fn smallest_daily_tokens(&self) -> Option<u64> {
        self.daily_tokens.values().copied().filter(|t| *t > 0).min()
    }

    /// The tier's daily token budget; 0 is unlimited.
    pub fn daily_tokens_of(&self, tier: &str) -> u64 {
        self.daily_tokens
            .get(tier)
            .or_else(|| self.daily_tokens.get("free"))
            .copied()
            .unwrap_or(0)
    }
}

impl BudgetPolicy {
    /// Every tier with a configured budget, smallest budget first (unlimited last).
    pub fn tiers(&self) -> Vec<TierBudget> {
        let mut tiers: Vec<TierBudget> = self
            .daily_tokens
            .iter()
            .map(|(tier, tokens)| TierBudget {
                tier: tier.clone(),
                daily_tokens: *tokens,
            })
            .collect();
        tiers.sort_by_key(|t| (t.daily_tokens == 0, t.daily_tokens, t.tier.clone()));
        tiers
    }
}

/// Whether `tier` is a plan tier's name: 1-32 characters of a-z, 0-9, `_` and `-` (a tier
/// with no budget of its own gets the `free` tier's).
pub fn check_tier(tier: &str) -> Result<(), String> {
    let ok = (1..=32).contains(&tier.len())
        && tier
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{tier}` must be 1-32 characters of a-z, 0-9, _ and -"
        ))
    }
}

/// One plan tier's daily token budget (`--ai-daily-tokens`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct TierBudget {
    /// The tier.
    pub tier: String,
    /// Tokens a user of the tier may use per UTC day; 0 is unlimited.
    pub daily_tokens: u64,
}

/// One user's AI budget today.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct UserBudget {
    /// The user.
    pub user_id: String,
    /// Their plan tier.
    pub tier: String,
    /// Their daily token budget; 0 is unlimited.
    pub daily_tokens: u64,
    /// Tokens used (and reserved by calls in flight) today, UTC.
    pub used_today: u64,
    /// Tokens left today; null when unlimited.
    pub remaining: Option<u64>,
    /// When the day's count starts again (RFC 3339, 00:00 UTC).
    pub resets_at: String,
}

/// Where the budgets stand for one request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    /// Tokens the user spent today.
    pub user_used: u64,
    /// The user's daily budget; 0 is unlimited (and plugin calls with no user).
    pub user_limit: u64,
    /// The month's spend so far, micro-dollars.
    pub spent: i64,
    /// The monthly cap, micro-dollars.
    pub cap: Option<i64>,
}

/// A refusal: HTTP 429 with `code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `AI_BUDGET_EXCEEDED` (the user's day), `AI_SPEND_CAP_REACHED` (the platform's
    /// month) or `AI_FEATURE_PAUSED` (a deferrable feature under pressure).
    pub code: &'static str,
    /// What happened and when it resets.
    pub message: String,
    /// Seconds until the budget resets.
    pub retry_after_secs: u64,
}

/// What to do with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Call the feature's models.
    Proceed,
    /// Answer from the offline model's templates.
    Template,
    /// Refuse.
    Refuse(Refusal),
}

/// The degradation order, as a pure function of the standing (unit-tested row by row).
pub fn decide(
    class: FeatureClass,
    s: Standing,
    degrade_at_percent: u8,
    now: chrono::DateTime<Utc>,
) -> Decision {
    let user_out = s.user_limit > 0 && s.user_used >= s.user_limit;
    let cap_out = s.cap.is_some_and(|cap| s.spent >= cap);
    let pressure = s.cap.is_some_and(|cap| {
        s.spent.saturating_mul(100) >= cap.saturating_mul(i64::from(degrade_at_percent))
    });
    let day = Refusal {
        code: "AI_BUDGET_EXCEEDED",
        message: format!(
            "your daily AI budget of {} tokens is used up (or what is left is too little \
             for this request); it resets at 00:00 UTC",
            s.user_limit
        ),
        retry_after_secs: secs_until_tomorrow(now),
    };
    match class {
        FeatureClass::Deferrable if user_out || pressure => Decision::Refuse(Refusal {
            code: "AI_FEATURE_PAUSED",
            message: "this feature is paused while AI budgets are short; try again later".into(),
            retry_after_secs: if user_out {
                secs_until_tomorrow(now)
            } else {
                secs_until_next_month(now)
            },
        }),
        FeatureClass::Degradable if user_out || pressure => Decision::Template,
        FeatureClass::Core if user_out => Decision::Refuse(day),
        FeatureClass::Core if cap_out => Decision::Refuse(Refusal {
            code: "AI_SPEND_CAP_REACHED",
            message:
                "the platform's monthly AI spend cap is reached; AI features resume next month"
                    .into(),
            retry_after_secs: secs_until_next_month(now),
        }),
        _ => Decision::Proceed,
    }
}

/// 00:00 UTC after `now`, when the users' daily budgets start again.
fn tomorrow(now: chrono::DateTime<Utc>) -> Option<chrono::DateTime<Utc>> {
    (now.date_naive() + chrono::Days::new(1))
        .and_hms_opt(0, 0, 0)
        .map(|t| Utc.from_utc_datetime(&t))
}

fn secs_until_tomorrow(now: chrono::DateTime<Utc>) -> u64 {
    tomorrow(now).map_or(3600, |t| (t - now).num_seconds().max(1) as u64)
}

fn month_start(now: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(now)
}

fn secs_until_next_month(now: chrono::DateTime<Utc>) -> u64 {
    let next = month_start(now) + chrono::Months::new(1);
    (next - now).num_seconds().max(1) as u64
}

/// The month's standing for the admin report.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct BudgetReport {
    /// `YYYY-MM` (UTC).
    pub month: String,
    /// Spend so far, US dollars.
    pub spent_usd: f64,
    /// The cap, US dollars; null without one.
    pub cap_usd: Option<f64>,
    /// Spend as a percentage of the cap.
    pub percent: Option<f64>,
    /// Whether degradable features are on templates and deferrable ones paused.
    pub degraded: bool,
    /// Alerts recorded this month.
    pub alerts: Vec<crate::store::ai_budget::BudgetAlert>,
    /// Each plan tier's daily token budget per user, smallest first.
    pub tiers: Vec<TierBudget>,
}

/// Output tokens reserved (and sent as `max_tokens`) when a request under a token budget
/// names none: generous for a chat answer, yet a bound the budget can hold.
pub const DEFAULT_MAX_OUTPUT: u32 = 4096;

/// Reservations retried after losing a race to a concurrent one.
const RESERVE_TRIES: usize = 4;

/// The size of a request, as the guard reserves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// An upper bound of the prompt's tokens (the gateway's additions included).
    pub prompt_tokens: u64,
    /// The output bound the request asked for.
    pub max_tokens: Option<u32>,
    /// For a reply that must satisfy a schema, an upper bound of the repair turn's own
    /// tokens (its instruction and the schema again): the gateway may ask a second time
    /// with the prompt again, the first reply quoted, the errors about it and the repair
    /// turn, for a second reply.
    pub repair_tokens: Option<u64>,
}

impl Need {
    /// Whether the reply must satisfy a schema.
    pub fn structured(&self) -> bool {
        self.repair_tokens.is_some()
    }

    /// Output tokens counted per token of `max_tokens`: one reply, or for a structured
    /// one two replies, the first quoted back and the errors about it.
    fn per_output(&self) -> u64 {
        if self.structured() { 4 } else { 1 }
    }

    /// Tokens a call of this size may use at most with `output` tokens of output per
    /// reply.
    pub fn tokens(&self, output: u64) -> u64 {
        let fixed = match self.repair_tokens {
            None => self.prompt_tokens,
            Some(repair) => self.prompt_tokens.saturating_mul(2).saturating_add(repair),
        };
        fixed.saturating_add(output.saturating_mul(self.per_output()))
    }

    /// The most output per reply that fits in `available` tokens (0: none).
    pub fn output_within(&self, available: u64) -> u64 {
        available.saturating_sub(self.tokens(0)) / self.per_output()
    }
}

/// How much of the user's day a request may reserve.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fit {
    /// No user budget applies.
    Unlimited,
    /// Reserve on `key`, never past `limit`, with `output` tokens of output (0: nothing
    /// fits).
    Within {
        key: String,
        limit: u64,
        output: u64,
    },
}

/// What the cost guard lets a request do.
#[derive(Debug)]
pub enum Admission {
    /// Call the feature's models with this output bound (the request's own, or clamped
    /// to what the user's day holds); settle `reservation` after the call.
    Proceed {
        /// The tokens held for the call.
        reservation: Reservation,
        /// The `max_tokens` to send.
        max_tokens: Option<u32>,
    },
    /// Answer from the offline model's templates.
    Template,
    /// Refuse.
    Refuse(Refusal),
}

impl Admission {
    fn proceed(max_tokens: Option<u32>) -> Self {
        Admission::Proceed {
            reservation: Reservation::none(),
            max_tokens,
        }
    }
}

/// Tokens held on a user's day for a call until [`Budget::settle`]. Dropped unsettled (a
/// cancelled request), it gives them back in the background.
#[derive(Debug)]
pub struct Reservation {
    held: Option<Held>,
}

struct Held {
    kv: Arc<dyn Kv>,
    key: String,
    tokens: u64,
}

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Held")
            .field("key", &self.key)
            .field("tokens", &self.tokens)
            .finish()
    }
}

impl Reservation {
    /// Nothing held (templated answers, requests no user budget applies to).
    pub fn none() -> Self {
        Reservation { held: None }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let Some(held) = self.held.take() else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = held
                    .kv
                    .incr_by(&held.key, -(held.tokens as i64), DAY_COUNTER_TTL)
                    .await
                {
                    tracing::error!(error = %e, "could not give back an AI token reservation");
                }
            });
        }
    }
}

/// The guard: the policy over the shared counters.
pub struct Budget {
    policy: BudgetPolicy,
    kv: Arc<dyn Kv>,
    db: Db,
    /// The month whose counter was restored from the database by this process.
    restored: tokio::sync::Mutex<Option<String>>,
}

/// The counters outlive their period a little, then expire by themselves.
const DAY_COUNTER_TTL: Duration = Duration::from_secs(2 * 86_400);
const MONTH_COUNTER_TTL: Duration = Duration::from_secs(40 * 86_400);

fn month_key(now: chrono::DateTime<Utc>) -> (String, String) {
    let month = now.format("%Y-%m").to_string();
    (format!("ai:spend:{month}"), month)
}

fn day_key(user_id: &str, now: chrono::DateTime<Utc>) -> String {
    format!("ai:tokens:{user_id}:{}", now.format("%Y-%m-%d"))
}

impl Budget {
    /// The guard over `kv` (counters) and `db` (tiers, alerts, restored spend).
    pub fn new(policy: BudgetPolicy, kv: Arc<dyn Kv>, db: Db) -> Self {
        Self {
            policy,
            kv,
            db,
            restored: tokio::sync::Mutex::new(None),
        }
    }

    /// The policy.
    pub fn policy(&self) -> &BudgetPolicy {
        &self.policy
    }

    /// The month's spend, restoring the counter from the recorded events the first time
    /// this process looks at a month (an in-process store starts empty).
    async fn spent(&self, now: chrono::DateTime<Utc>) -> anyhow::Result<i64> {
        let (key, month) = month_key(now);
        {
            let mut restored = self.restored.lock().await;
            if restored.as_deref() != Some(&month) {
                let recorded = self
                    .db
                    .ai_spend_since(month_start(now).timestamp_millis())
                    .await?;
                // put_new: a counter another replica is already running wins.
                self.kv
                    .put_new(&key, recorded.to_string().as_bytes(), MONTH_COUNTER_TTL)
                    .await?;
                *restored = Some(month);
            }
        }
        self.counter(&key).await
    }

    /// A counter's value (0 when absent), read without creating it.
    async fn counter(&self, key: &str) -> anyhow::Result<i64> {
        Ok(self
            .kv
            .get(key)
            .await?
            .and_then(|v| String::from_utf8(v).ok()?.trim().parse().ok())
            .unwrap_or(0))
    }

    /// Where the budgets stand for a request of size `need`, and how much of the user's
    /// day it may reserve.
    async fn standing(
        &self,
        user_id: Option<&str>,
        need: &Need,
        now: chrono::DateTime<Utc>,
    ) -> anyhow::Result<(Standing, Fit)> {
        let spent = if self.policy.monthly_cap_micro_usd.is_some() {
            self.spent(now).await?
        } else {
            0
        };
        let cap = self.policy.monthly_cap_micro_usd;
        let (Some(id), Some(smallest)) = (user_id, self.policy.smallest_daily_tokens()) else {
            let s = Standing {
                spent,
                cap,
                ..Standing::default()
            };
            return Ok((s, Fit::Unlimited));
        };
        let key = day_key(id, now);
        let used = self.counter(&key).await?.max(0) as u64;
        let wanted = need.tokens(u64::from(need.max_tokens.unwrap_or(DEFAULT_MAX_OUTPUT)));
        // Within every tier's budget the tier cannot matter: reserving against the
        // smallest one is safe, and the database is not asked (always so where only the
        // free offline model answers).
        let limit = if used.saturating_add(wanted) <= smallest {
            smallest
        } else {
            let tier = self
                .db
                .user_tier(id)
                .await?
                .unwrap_or_else(|| "free".into());
            self.policy.daily_tokens_of(&tier)
        };
        if limit == 0 {
            let s = Standing {
                user_used: used,
                spent,
                cap,
                ..Standing::default()
            };
            return Ok((s, Fit::Unlimited));
        }
        let room = need.output_within(limit.saturating_sub(used));
        let output = match need.max_tokens {
            // A structured reply cut short is no reply: all of it fits, or nothing.
            Some(asked) if need.structured() && room < u64::from(asked) => 0,
            asked => room.min(u64::from(asked.unwrap_or(DEFAULT_MAX_OUTPUT))),
        };
        let s = Standing {
            // Too little left for this request counts as a spent day.
            user_used: if output == 0 { limit } else { used },
            user_limit: limit,
            spent,
            cap,
        };
        Ok((s, Fit::Within { key, limit, output }))
    }

    /// Admits a request for `feature` by `user_id` of the size `need`: its models (with
    /// the user's tokens reserved and the output bound to send), the offline model's
    /// templates, or a refusal.
    pub async fn admit(&self, user_id: Option<&str>, feature: &str, need: &Need) -> Admission {
        let class = self.policy.class_of(feature);
        let now = Utc::now();
        let mut last = Standing::default();
        // A reservation lost to a concurrent one is retried on the new standing.
        for _ in 0..RESERVE_TRIES {
            let (standing, fit) = match self.standing(user_id, need, now).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "AI budget unreadable; letting the request through");
                    return Admission::proceed(need.max_tokens);
                }
            };
            last = standing;
            let decision = decide(class, standing, self.policy.degrade_at_percent, now);
            let (key, limit, output) = match (decision, fit) {
                (Decision::Proceed, Fit::Unlimited) => return Admission::proceed(need.max_tokens),
                (Decision::Proceed, Fit::Within { key, limit, output }) => (key, limit, output),
                (Decision::Template, _) => return Admission::Template,
                (Decision::Refuse(r), _) => return Admission::Refuse(r),
            };
            let tokens = need.tokens(output);
            match self
                .kv
                .incr_within(&key, tokens as i64, limit as i64, DAY_COUNTER_TTL)
                .await
            {
                Ok(Some(_)) => {
                    return Admission::Proceed {
                        reservation: Reservation {
                            held: Some(Held {
                                kv: self.kv.clone(),
                                key,
                                tokens,
                            }),
                        },
                        max_tokens: Some(u32::try_from(output).unwrap_or(u32::MAX)),
                    };
                }
                Ok(None) => continue,
                Err(e) => {
                    tracing::error!(error = %e, "AI budget unwritable; letting the request through");
                    return Admission::proceed(need.max_tokens);
                }
            }
        }
        // Still losing races: as far as this request knows, the day is spent.
        let spent = Standing {
            user_used: last.user_limit,
            ..last
        };
        match decide(class, spent, self.policy.degrade_at_percent, now) {
            Decision::Refuse(r) => Admission::Refuse(r),
            _ => Admission::Template,
        }
    }

    /// Settles a finished call: the user's reservation becomes the `tokens` really used
    /// (0 for a failed call, a cached or offline answer), the cost goes to the month;
    /// records the alerts the cost crossed.
    pub async fn settle(
        &self,
        reservation: Reservation,
        user_id: Option<&str>,
        tokens: u64,
        cost_micro_usd: i64,
    ) {
        if let Err(e) = self
            .try_settle(reservation, user_id, tokens, cost_micro_usd)
            .await
        {
            tracing::error!(error = %e, "could not charge an AI completion to its budgets");
        }
    }

    async fn try_settle(
        &self,
        mut reservation: Reservation,
        user_id: Option<&str>,
        tokens: u64,
        cost: i64,
    ) -> anyhow::Result<()> {
        let now = Utc::now();
        match reservation.held.take() {
            Some(held) => {
                let delta = tokens as i64 - held.tokens as i64;
                if delta != 0 {
                    self.kv.incr_by(&held.key, delta, DAY_COUNTER_TTL).await?;
                }
            }
            // Unlimited now, but the counter decides whether the tier matters next time.
            None => {
                if let Some(id) = user_id
                    && tokens > 0
                {
                    self.kv
                        .incr_by(&day_key(id, now), tokens as i64, DAY_COUNTER_TTL)
                        .await?;
                }
            }
        }
        let Some(cap) = self.policy.monthly_cap_micro_usd else {
            return Ok(());
        };
        if cost <= 0 {
            return Ok(());
        }
        self.spent(now).await?;
        let (key, month) = month_key(now);
        let after = self.kv.incr_by(&key, cost, MONTH_COUNTER_TTL).await?;
        let before = after - cost;
        for percent in ALERT_PERCENTS {
            let threshold = cap.saturating_mul(percent) / 100;
            if before < threshold
                && after >= threshold
                && self
                    .db
                    .record_budget_alert(&month, percent, after, cap)
                    .await?
            {
                tracing::warn!(%month, percent, spent_usd = after as f64 / 1e6,
                    cap_usd = cap as f64 / 1e6, "AI monthly spend crossed an alert threshold");
            }
        }
        Ok(())
    }

    /// The month's spend and the cap, micro-dollars, for the metrics gauges; `None`
    /// without a cap (no counter is kept then).
    pub async fn spend_and_cap(&self) -> anyhow::Result<Option<(i64, i64)>> {
        let Some(cap) = self.policy.monthly_cap_micro_usd else {
            return Ok(None);
        };
        Ok(Some((self.spent(Utc::now()).await?, cap)))
    }

    /// The month's standing and alerts.
    pub async fn report(&self) -> anyhow::Result<BudgetReport> {
        let now = Utc::now();
        let (_, month) = month_key(now);
        let cap = self.policy.monthly_cap_micro_usd;
        let spent = match cap {
            Some(_) => self.spent(now).await?,
            None => {
                self.db
                    .ai_spend_since(month_start(now).timestamp_millis())
                    .await?
            }
        };
        Ok(BudgetReport {
            spent_usd: spent as f64 / 1e6,
            cap_usd: cap.map(|c| c as f64 / 1e6),
            percent: cap
                .filter(|c| *c > 0)
                .map(|c| spent as f64 * 100.0 / c as f64),
            degraded: cap.is_some_and(|c| {
                spent.saturating_mul(100)
                    >= c.saturating_mul(i64::from(self.policy.degrade_at_percent))
            }),
            alerts: self.db.budget_alerts(&month).await?,
            tiers: self.policy.tiers(),
            month,
        })
    }

    /// `user_id`'s budget today, on plan tier `tier`.
    pub async fn user_today(&self, user_id: &str, tier: &str) -> anyhow::Result<UserBudget> {
        let now = Utc::now();
        let used = self.counter(&day_key(user_id, now)).await?.max(0) as u64;
        let limit = self.policy.daily_tokens_of(tier);
        Ok(UserBudget {
            user_id: user_id.to_owned(),
            tier: tier.to_owned(),
            daily_tokens: limit,
            used_today: used,
            remaining: (limit > 0).then(|| limit.saturating_sub(used)),
            resets_at: tomorrow(now)
                .unwrap_or(now)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FeatureClass::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn standing(user_used: u64, user_limit: u64, spent: i64, cap: Option<i64>) -> Standing {
        Standing {
            user_used,
            user_limit,
            spent,
            cap,
        }
    }

    fn code(d: Decision) -> &'static str {
        match d {
            Decision::Proceed => "proceed",
            Decision::Template => "template",
            Decision::Refuse(r) => r.code,
        }
    }

    #[test]
    fn the_degradation_order_row_by_row() {
        let now = at(2026, 11, 26, 12);
        // (class, standing, expected)
        let rows = [
            (Core, standing(0, 100, 0, None), "proceed"),
            (Degradable, standing(0, 100, 0, None), "proceed"),
            (Deferrable, standing(0, 100, 0, None), "proceed"),
            // The user's day is spent.
            (Core, standing(100, 100, 0, None), "AI_BUDGET_EXCEEDED"),
            (Degradable, standing(100, 100, 0, None), "template"),
            (Deferrable, standing(100, 100, 0, None), "AI_FEATURE_PAUSED"),
            // Unlimited tier.
            (Core, standing(10_000, 0, 0, None), "proceed"),
            // The month is under pressure (95 % of the cap), not over.
            (Core, standing(0, 100, 95, Some(100)), "proceed"),
            (Degradable, standing(0, 100, 95, Some(100)), "template"),
            (
                Deferrable,
                standing(0, 100, 95, Some(100)),
                "AI_FEATURE_PAUSED",
            ),
            (Degradable, standing(0, 100, 94, Some(100)), "proceed"),
            // The cap is reached: core stops; templates stay (they cost nothing).
            (
                Core,
                standing(0, 100, 100, Some(100)),
                "AI_SPEND_CAP_REACHED",
            ),
            (Degradable, standing(0, 100, 150, Some(100)), "template"),
        ];
        for (class, s, expected) in rows {
            assert_eq!(code(decide(class, s, 95, now)), expected, "{class:?} {s:?}");
        }
    }

    #[test]
    fn refusals_say_when_budgets_reset() {
        let now = at(2026, 11, 30, 23);
        let Decision::Refuse(day) = decide(Core, standing(5, 5, 0, None), 95, now) else {
            panic!("expected a refusal")
        };
        assert_eq!(day.retry_after_secs, 3600);
        let Decision::Refuse(month) = decide(Core, standing(0, 0, 9, Some(9)), 95, now) else {
            panic!("expected a refusal")
        };
        assert_eq!(month.retry_after_secs, 3600, "December starts in an hour");
    }

    #[test]
    fn a_route_decides_which_features_a_client_may_ask_for() {
        let p = BudgetPolicy::parse("{}", None, 95, Some(r#"{"homework": "core"}"#)).unwrap();
        assert_eq!(
            p.route_feature("chat-completions", None).unwrap(),
            "chat-completions"
        );
        for f in ["tutor", "tone", "insights", "homework"] {
            assert_eq!(p.route_feature("chat-completions", Some(f)).unwrap(), f);
        }
        for f in ["made-up", "safety-confirmation", "project-grading"] {
            let e = p.route_feature("chat-completions", Some(f)).unwrap_err();
            assert!(
                e.to_string().starts_with(&format!(
                    "`{f}` is not a feature this route serves; one of: "
                )),
                "{e}"
            );
            let offered = |c: &str| e.choices.iter().any(|o| o == c);
            assert!(offered("tutor"), "{e}");
            assert!(!offered("project-grading"), "{e}");
            assert!(!offered("safety-confirmation"), "{e}");
        }
        // A degradable route never lets a client pick a feature spared longer.
        assert!(p.route_feature("tone", Some("tutor")).is_err());
        assert_eq!(
            p.route_feature("tone", Some("insights")).unwrap(),
            "insights"
        );
    }

    #[test]
    fn a_reservation_holds_the_prompt_and_the_output_it_may_generate() {
        let plain = Need {
            prompt_tokens: 10,
            max_tokens: Some(5),
            repair_tokens: None,
        };
        assert_eq!(plain.tokens(5), 15);
        assert_eq!(plain.output_within(14), 4);
        assert_eq!(plain.output_within(10), 0);
        // A structured reply may take a repair turn: the prompt twice, the repair turn,
        // two replies, the first quoted back with errors about it.
        let structured = Need {
            repair_tokens: Some(100),
            ..plain
        };
        assert_eq!(structured.tokens(5), 10 * 2 + 100 + 5 * 4);
        assert_eq!(structured.output_within(140), 5);
        assert_eq!(structured.output_within(120), 0);
    }

    #[test]
    fn policy_parses_with_flag_named_errors() {
        let p = BudgetPolicy::parse(
            r#"{"free": 10, "premium": 0}"#,
            Some(12.5),
            80,
            Some(r#"{"tone": "core", "x": "deferrable"}"#),
        )
        .unwrap();
        assert_eq!(p.daily_tokens_of("free"), 10);
        assert_eq!(p.daily_tokens_of("premium"), 0);
        assert_eq!(
            p.daily_tokens_of("gold"),
            10,
            "unknown tiers get free's budget"
        );
        assert_eq!(p.monthly_cap_micro_usd, Some(12_500_000));
        assert_eq!(p.class_of("tone"), Core);
        assert_eq!(p.class_of("x"), Deferrable);
        assert_eq!(p.class_of("quiz-generation"), Degradable);
        assert_eq!(p.class_of("never-heard-of"), Core);
        let refused = |daily: &str, cap: Option<f64>, features: Option<&str>| {
            BudgetPolicy::parse(daily, cap, 95, features)
                .unwrap_err()
                .to_string()
        };
        assert!(refused("[]", None, None).starts_with("--ai-daily-tokens: expected {\"tier\""));
        assert_eq!(
            refused("{}", Some(-1.0), None),
            "--ai-monthly-cap-usd: must be a non-negative number"
        );
        assert!(
            refused("{}", None, Some(r#"{"a": "vip"}"#)).starts_with("--ai-features: expected")
        );
    }
}
