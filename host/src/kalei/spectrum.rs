//! Spectrum (seed 001 §9.3, §10.5): weekly and monthly insights computed from counts only
//! (the feature-store rows `spectrum_session_analysis` and `spectrum_turn_analysis`, never
//! the sealed text), written by the spectrum analyst plugin.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDate};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::plans::{self, Feature};
use super::{Kalei, KaleiError, Member, invalid};
use crate::plugins::contract::reflection::{
    Distortion, DistortionCount, Insight, InsightsRequest, PeriodAggregates, PeriodKind,
};
use crate::runtime::capabilities::llm::OnBehalfOf;
use crate::store::kalei::{Activity, SpectrumRow};
use crate::store::rfc3339;

/// Users a run reads and writes per batch (its cursor moves after each).
pub const BATCH_USERS: i64 = 500;
/// Analyst calls in flight at once within a batch.
const CONCURRENT_CALLS: usize = 8;

/// The kinds of insight an analyst may write.
pub const INSIGHT_KINDS: [&str; 4] = ["trend", "pattern", "win", "suggestion"];

/// Whether an analyst's insights may be served: one to five, of the known kinds, each
/// with a title of at most 80 characters and a body.
pub fn check_insights(insights: &[Insight]) -> Result<(), String> {
    if insights.is_empty() || insights.len() > 5 {
        return Err(format!("{} insights, not 1 to 5", insights.len()));
    }
    for (i, insight) in insights.iter().enumerate() {
        if !INSIGHT_KINDS.contains(&insight.kind.as_str()) {
            return Err(format!(
                "insights[{i}].kind `{}` is not one of {}",
                insight.kind,
                INSIGHT_KINDS.join(", ")
            ));
        }
        let title = insight.title.trim().chars().count();
        if title == 0 || title > 80 {
            return Err(format!(
                "insights[{i}].title must be 1 to 80 characters (got {title})"
            ));
        }
        if insight.body.trim().is_empty() {
            return Err(format!("insights[{i}].body is empty"));
        }
    }
    Ok(())
}

/// A week (Monday to Sunday) or a calendar month, in users' local dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// Week or month.
    pub kind: PeriodKind,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
}

impl Period {
    /// The period of `kind` holding `day`.
    pub fn holding(kind: PeriodKind, day: NaiveDate) -> Period {
        match kind {
            PeriodKind::Week => {
                let start = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
                Period {
                    kind,
                    start,
                    end: start + Duration::days(6),
                }
            }
            PeriodKind::Month => {
                let start = day.with_day(1).unwrap_or(day);
                let next = if start.month() == 12 {
                    NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
                };
                Period {
                    kind,
                    start,
                    end: next.map_or(start, |n| n - Duration::days(1)),
                }
            }
        }
    }

    /// The period before this one.
    pub fn previous(self) -> Period {
        Period::holding(self.kind, self.start - Duration::days(1))
    }

    /// The key stored periods use: the Monday, or `YYYY-MM`.
    pub fn key(self) -> String {
        match self.kind {
            PeriodKind::Week => self.start.format("%Y-%m-%d").to_string(),
            PeriodKind::Month => self.start.format("%Y-%m").to_string(),
        }
    }

    /// The run's name (`week:2026-11-30`, `month:2026-11`).
    pub fn run_name(self) -> String {
        format!("{}:{}", self.kind.as_str(), self.key())
    }

    fn monthly(self) -> bool {
        self.kind == PeriodKind::Month
    }

    fn first_day(self) -> String {
        self.start.format("%Y-%m-%d").to_string()
    }

    fn last_day(self) -> String {
        self.end.format("%Y-%m-%d").to_string()
    }
}

/// The last period of `kind` that ended before `today` (UTC): what the scheduler runs.
pub fn last_complete(kind: PeriodKind, today: NaiveDate) -> NaiveDate {
    Period::holding(kind, today).previous().start
}

/// Each user's counts in `period`, from the feature-store rows.
pub fn aggregate(period: Period, activity: &[Activity]) -> BTreeMap<String, PeriodAggregates> {
    #[derive(Default)]
    struct Acc {
        days: BTreeSet<String>,
        sessions: u32,
        messages: u32,
        kinds: BTreeMap<Distortion, u32>,
        reframes: u32,
        turns: u32,
        saved: u32,
        completed: u32,
    }
    let mut by_user: BTreeMap<String, Acc> = BTreeMap::new();
    let clamp = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
    for a in activity {
        match a {
            Activity::Session {
                user_id,
                day,
                messages,
                fragments,
                reframes,
            } => {
                if *messages == 0 {
                    continue;
                }
                let acc = by_user.entry(user_id.clone()).or_default();
                acc.days.insert(day.clone());
                acc.sessions += 1;
                acc.messages += clamp(*messages);
                acc.reframes += clamp(*reframes);
                let counts: BTreeMap<String, i64> =
                    serde_json::from_str(fragments).unwrap_or_default();
                for (kind, n) in counts {
                    if let Some(kind) = Distortion::parse(&kind) {
                        *acc.kinds.entry(kind).or_default() += clamp(n);
                    }
                }
            }
            Activity::Turn {
                user_id,
                day,
                distortions,
                saved,
            } => {
                let acc = by_user.entry(user_id.clone()).or_default();
                acc.days.insert(day.clone());
                acc.turns += 1;
                acc.saved += u32::from(*saved);
                let kinds: Vec<Distortion> = serde_json::from_str(distortions).unwrap_or_default();
                for kind in kinds {
                    *acc.kinds.entry(kind).or_default() += 1;
                }
            }
            Activity::Completed { user_id, day } => {
                let acc = by_user.entry(user_id.clone()).or_default();
                acc.days.insert(day.clone());
                acc.completed += 1;
            }
            // Counted below, for users active in the period only (an open action alone
            // is no activity), whatever order the rows came in.
            Activity::Open { .. } => {}
        }
    }
    let mut open: HashMap<&str, u32> = HashMap::new();
    for a in activity {
        if let Activity::Open { user_id } = a {
            *open.entry(user_id.as_str()).or_default() += 1;
        }
    }
    by_user
        .into_iter()
        .map(|(user, acc)| {
            let aggregates = PeriodAggregates {
                kind: period.kind,
                start: period.first_day(),
                end: period.last_day(),
                active_days: u32::try_from(acc.days.len()).unwrap_or(u32::MAX),
                mirror_sessions: acc.sessions,
                mirror_messages: acc.messages,
                distortions: acc
                    .kinds
                    .into_iter()
                    .map(|(kind, count)| DistortionCount { kind, count })
                    .collect(),
                fragment_reframes: acc.reframes,
                turns: acc.turns,
                turns_saved: acc.saved,
                actions_completed: acc.completed,
                actions_open: open.get(user.as_str()).copied().unwrap_or(0),
            };
            (user, aggregates)
        })
        .collect()
}

/// A stored period, as served.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PeriodView {
    /// The period's counts.
    pub aggregates: PeriodAggregates,
    /// The analyst's insights.
    pub insights: Vec<Insight>,
    /// RFC 3339.
    pub computed_at: String,
}

/// A user's Spectrum of one kind.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SpectrumView {
    /// The current period so far: counts only (insights come with the period's run).
    pub current: Option<PeriodAggregates>,
    /// Computed periods, newest first.
    pub periods: Vec<PeriodView>,
}

/// What a run did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SpectrumRunReport {
    /// `week:2026-11-30` or `month:2026-11`.
    pub period: String,
    /// Users written by this call.
    pub users: i64,
    /// Batches.
    pub batches: i64,
    /// Whether it continued an interrupted run.
    pub resumed: bool,
    /// Whether another replica holds the run (this call did nothing).
    pub held_elsewhere: bool,
    /// Seconds it took.
    pub seconds: f64,
}

/// A run's progress.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunProgress {
    /// `week:2026-11-30` or `month:2026-11`.
    pub period: String,
    /// `running` or `done`.
    pub status: String,
    /// Users written so far.
    pub users_done: i64,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339, when done.
    pub finished_at: Option<String>,
}

/// Which sessions and Turns to leave out of Spectrum.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Exclusions {
    /// Mirror sessions of yours.
    #[serde(default)]
    pub session_ids: Vec<String>,
    /// Turns of yours.
    #[serde(default)]
    pub turn_ids: Vec<String>,
}

/// When a period is complete in every time zone: noon UTC the day after its last day
/// (UTC-12's Sunday ends at Monday 12:00 UTC). The scheduler runs it from then on.
pub fn due_at(period: Period) -> i64 {
    (period.end + Duration::days(1))
        .and_hms_opt(12, 0, 0)
        .map_or(i64::MAX, |t| t.and_utc().timestamp_millis())
}

impl Kalei {
    /// Runs each complete week and month once, on whichever replica takes its lease
    /// first (checked every five minutes until `shutdown`); an interrupted run resumes
    /// from its cursor at the next check.
    pub fn spawn_spectrum_job(
        self: &std::sync::Arc<Self>,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        let holder = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        tokio::spawn(async move {
            loop {
                for kind in [PeriodKind::Week, PeriodKind::Month] {
                    let now = crate::store::now_ms();
                    let today = chrono::DateTime::from_timestamp_millis(now)
                        .unwrap_or_default()
                        .date_naive();
                    let period = Period::holding(kind, last_complete(kind, today));
                    if now < due_at(period) {
                        continue;
                    }
                    let done = match this.db.spectrum_run(&period.run_name()).await {
                        Ok(run) => run.is_some_and(|r| r.status == "done"),
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot read the Spectrum runs");
                            continue;
                        }
                    };
                    if done {
                        continue;
                    }
                    match this.run_spectrum(period, &holder).await {
                        Ok(report) if !report.held_elsewhere => tracing::info!(
                            period = %report.period, users = report.users,
                            seconds = report.seconds, resumed = report.resumed,
                            "Spectrum computed"
                        ),
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "the Spectrum run failed; it resumes at the next check")
                        }
                    }
                }
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(std::time::Duration::from_secs(300)) => {}
                }
            }
        })
    }

    /// The analyst's insights for `current`, checked, for `user_id`.
    async fn insights_for(
        &self,
        user_id: &str,
        current: PeriodAggregates,
        previous: Option<PeriodAggregates>,
    ) -> Result<Vec<Insight>, KaleiError> {
        let snapshot = self.registry.snapshot();
        let stable = snapshot
            .spectrum_analyst
            .as_ref()
            .ok_or(KaleiError::NoPlugin("spectrum-analyst"))?;
        let plugin = snapshot.serving(stable, Some(user_id));
        let request = InsightsRequest {
            current,
            previous,
            learner: None,
        };
        // The analyst sees counts only: its prompts are screened by the rules alone.
        let on_behalf_of = OnBehalfOf::over_aggregates(user_id);
        let insights = match self
            .registry
            .runtime()
            .insights(&plugin, &request, Some(&on_behalf_of))
            .await?
        {
            Ok(i) => i,
            Err(error) => {
                return Err(KaleiError::Contract {
                    world: "spectrum-analyst",
                    error,
                });
            }
        };
        check_insights(&insights).map_err(|problem| KaleiError::Rejected {
            world: "spectrum-analyst",
            problem,
        })?;
        Ok(insights)
    }

    /// Computes and stores `period` for every user active in it, in batches of
    /// [`BATCH_USERS`] in user-id order, resuming an interrupted run after its cursor. One
    /// replica runs a period at a time (a database lease, renewed per batch).
    pub async fn run_spectrum(
        &self,
        period: Period,
        holder: &str,
    ) -> Result<SpectrumRunReport, KaleiError> {
        let started = Instant::now();
        let name = period.run_name();
        let lease = format!("spectrum:{name}");
        let lease_ms = 10 * 60 * 1000;
        let now = crate::store::now_ms();
        if !self
            .db
            .try_lease_job(&lease, holder, now, now + lease_ms)
            .await?
        {
            return Ok(SpectrumRunReport {
                period: name,
                users: 0,
                batches: 0,
                resumed: false,
                held_elsewhere: true,
                seconds: 0.0,
            });
        }
        let resumed = match self.db.spectrum_run(&name).await? {
            Some(run) if run.status == "running" => !run.cursor_user.is_empty(),
            _ => {
                self.db.start_spectrum_run(&name, now).await?;
                false
            }
        };
        let mut cursor = self
            .db
            .spectrum_run(&name)
            .await?
            .map(|r| r.cursor_user)
            .unwrap_or_default();
        let (mut users_done, mut batches) = (0i64, 0i64);
        let (from, to) = (period.first_day(), period.last_day());
        loop {
            let users = self
                .db
                .spectrum_users(&from, &to, &cursor, BATCH_USERS)
                .await?;
            let Some(last) = users.last().cloned() else {
                break;
            };
            let activity = self.db.spectrum_activity(&users, &from, &to).await?;
            let aggregates = aggregate(period, &activity);
            // One read of the batch's previous periods and one transaction for its rows:
            // a statement (and, on SQLite, a commit) per user was most of a run's time.
            let previous = self
                .db
                .spectrum_rows_of(period.monthly(), &period.previous().key(), &users)
                .await?;
            let computed_at = crate::store::now_ms();
            let results: Vec<(String, Result<SpectrumRow, KaleiError>)> =
                futures_util::stream::iter(aggregates)
                    .map(|(user, current)| {
                        let previous = previous.get(&user);
                        async move {
                            let row = self
                                .row_of(period, &user, current, previous, computed_at)
                                .await;
                            (user, row)
                        }
                    })
                    .buffer_unordered(CONCURRENT_CALLS)
                    .collect()
                    .await;
            let mut rows = Vec::with_capacity(results.len());
            for (user, r) in results {
                match r {
                    Ok(row) => rows.push((user, row)),
                    // One user's failure (a plugin trap) must not stop everyone's Spectrum.
                    Err(e) => {
                        tracing::warn!(error = %e, period = %name, "a user's Spectrum was not computed");
                    }
                }
            }
            self.db.put_spectrum_rows(period.monthly(), &rows).await?;
            self.tell_updated(period, &name, &rows).await;
            let n = i64::try_from(users.len()).unwrap_or(i64::MAX);
            self.db.advance_spectrum_run(&name, &last, n).await?;
            let now = crate::store::now_ms();
            self.db
                .try_lease_job(&lease, holder, now, now + lease_ms)
                .await?;
            cursor = last;
            users_done += n;
            batches += 1;
        }
        let now = crate::store::now_ms();
        self.db.finish_spectrum_run(&name, now).await?;
        self.db.finish_job(&lease, holder, now).await?;
        Ok(SpectrumRunReport {
            period: name,
            users: users_done,
            batches,
            resumed,
            held_elsewhere: false,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Seed 001 §9.3's "Spectrum updated" notifications for a batch's users. One id per
    /// user and period, so a resumed run tells nobody twice; a failure is logged, never
    /// stops the run (the Spectrum is stored either way).
    async fn tell_updated(&self, period: Period, name: &str, rows: &[(String, SpectrumRow)]) {
        let (which, open) = if period.monthly() {
            ("monthly", "/api/v1/spectrum/monthly")
        } else {
            ("weekly", "/api/v1/spectrum/weekly")
        };
        let notices = rows
            .iter()
            .map(|(user, _)| crate::notify::Notice {
                id: Some(format!("spectrum:{name}:{user}")),
                user_id: user.clone(),
                kind: crate::notify::Kind::SpectrumUpdated,
                title: format!("Your {which} Spectrum is ready"),
                body: "See what shifted in how you have been thinking.".into(),
                data: serde_json::json!({ "period": period.key(), "kind": which, "open": open }),
            })
            .collect();
        if let Err(e) = self
            .notifier
            .notify_all(notices, crate::store::now_ms())
            .await
        {
            tracing::warn!(error = %e, period = %name, "Spectrum notifications were not made");
        }
    }

    /// The member's Spectrum of `kind`: the current period so far and the computed ones.
    pub async fn spectrum(
        &self,
        member: &Member,
        kind: PeriodKind,
    ) -> Result<SpectrumView, KaleiError> {
        let feature = match kind {
            PeriodKind::Week => Feature::SpectrumWeekly,
            PeriodKind::Month => Feature::SpectrumMonthly,
        };
        plans::require(member, feature).map_err(KaleiError::Limit)?;
        let today = NaiveDate::parse_from_str(&member.local_date(), "%Y-%m-%d")
            .map_err(|e| invalid("timezone", e.to_string()))?;
        let period = Period::holding(kind, today);
        let users = vec![member.id().to_owned()];
        let activity = self
            .db
            .spectrum_activity(&users, &period.first_day(), &period.last_day())
            .await?;
        let current = aggregate(period, &activity).remove(member.id());
        let periods = self
            .db
            .spectrum_rows(period.monthly(), member.id(), 12)
            .await?
            .into_iter()
            .filter_map(|r| {
                Some(PeriodView {
                    aggregates: serde_json::from_str(&r.aggregates).ok()?,
                    insights: serde_json::from_str(&r.insights).ok()?,
                    computed_at: rfc3339(r.computed_at),
                })
            })
            .collect();
        Ok(SpectrumView { current, periods })
    }

    /// Marks `period`'s run as running (a done run starts over; an interrupted one keeps its
    /// cursor), so its progress can be read at once.
    pub async fn prepare_run(&self, period: Period) -> Result<(), KaleiError> {
        let name = period.run_name();
        match self.db.spectrum_run(&name).await? {
            Some(run) if run.status == "running" => Ok(()),
            _ => Ok(self
                .db
                .start_spectrum_run(&name, crate::store::now_ms())
                .await?),
        }
    }

    /// The progress of the run of `period` (`week:…`, `month:…`).
    pub async fn run_progress(&self, period: &str) -> Result<RunProgress, KaleiError> {
        let run = self
            .db
            .spectrum_run(period)
            .await?
            .ok_or_else(|| KaleiError::NotFound {
                what: "Spectrum run",
                field: "period",
                id: period.to_owned(),
            })?;
        Ok(RunProgress {
            period: period.to_owned(),
            status: run.status,
            users_done: run.users_done,
            started_at: rfc3339(run.started_at),
            finished_at: run.finished_at.map(rfc3339),
        })
    }

    /// Spectrum reset: every computed period and feature-store row of the member goes.
    pub async fn reset_spectrum(&self, member: &Member) -> Result<(), KaleiError> {
        Ok(self.db.reset_spectrum(member.id()).await?)
    }

    /// Leaves sessions and Turns out of Spectrum, and drops the computed periods (they
    /// counted them; the next run writes them again without).
    pub async fn exclude(&self, member: &Member, exclusions: Exclusions) -> Result<(), KaleiError> {
        if exclusions.session_ids.is_empty() && exclusions.turn_ids.is_empty() {
            return Err(invalid("session_ids", "name at least one session or Turn"));
        }
        if exclusions.session_ids.len() + exclusions.turn_ids.len() > 500 {
            return Err(invalid("session_ids", "at most 500 ids at once"));
        }
        let days = self
            .db
            .analysis_days(member.id(), &exclusions.session_ids, &exclusions.turn_ids)
            .await?;
        let unknown = self
            .db
            .exclude_from_spectrum(member.id(), &exclusions.session_ids, &exclusions.turn_ids)
            .await?;
        if let Some(id) = unknown.first() {
            let field = if exclusions.session_ids.contains(id) {
                "session_ids"
            } else {
                "turn_ids"
            };
            return Err(KaleiError::NotFound {
                what: "session or Turn",
                field,
                id: id.clone(),
            });
        }
        // The computed periods that counted them are written again without them.
        let mut periods: Vec<Period> = Vec::new();
        for day in days {
            let Ok(day) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") else {
                continue;
            };
            for kind in [PeriodKind::Week, PeriodKind::Month] {
                let period = Period::holding(kind, day);
                if !periods.contains(&period) {
                    periods.push(period);
                }
            }
        }
        for period in periods {
            if self
                .db
                .spectrum_row(period.monthly(), member.id(), &period.key())
                .await?
                .is_some()
            {
                self.recompute(member.id(), period).await?;
            }
        }
        Ok(())
    }

    /// Computes one user's `period` again from the feature store (deleting it when nothing
    /// is left to count).
    async fn recompute(&self, user_id: &str, period: Period) -> Result<(), KaleiError> {
        let users = vec![user_id.to_owned()];
        let activity = self
            .db
            .spectrum_activity(&users, &period.first_day(), &period.last_day())
            .await?;
        let Some(current) = aggregate(period, &activity).remove(user_id) else {
            return Ok(self
                .db
                .delete_spectrum_row(period.monthly(), user_id, &period.key())
                .await?);
        };
        self.compute_one(period, user_id, current, crate::store::now_ms())
            .await
    }

    /// One user's period: the previous one for trends, the analyst's insights, stored.
    async fn compute_one(
        &self,
        period: Period,
        user: &str,
        current: PeriodAggregates,
        computed_at: i64,
    ) -> Result<(), KaleiError> {
        let previous = self
            .db
            .spectrum_row(period.monthly(), user, &period.previous().key())
            .await?;
        let row = self
            .row_of(period, user, current, previous.as_ref(), computed_at)
            .await?;
        self.db
            .put_spectrum_rows(period.monthly(), &[(user.to_owned(), row)])
            .await?;
        Ok(())
    }

    /// `user`'s row of `period`: the counts and the analyst's insights on them, compared
    /// with the `previous` period's stored row.
    async fn row_of(
        &self,
        period: Period,
        user: &str,
        current: PeriodAggregates,
        previous: Option<&SpectrumRow>,
        computed_at: i64,
    ) -> Result<SpectrumRow, KaleiError> {
        let previous =
            previous.and_then(|r| serde_json::from_str::<PeriodAggregates>(&r.aggregates).ok());
        let insights = self.insights_for(user, current.clone(), previous).await?;
        Ok(SpectrumRow {
            period: period.key(),
            aggregates: serde_json::to_string(&current).unwrap_or_default(),
            insights: serde_json::to_string(&insights).unwrap_or_default(),
            computed_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weeks_start_on_monday_and_months_end_on_their_last_day() {
        let week = Period::holding(PeriodKind::Week, day("2026-12-03"));
        assert_eq!(
            (week.start, week.end),
            (day("2026-11-30"), day("2026-12-06"))
        );
        assert_eq!(week.key(), "2026-11-30");
        assert_eq!(week.previous().start, day("2026-11-23"));
        let feb = Period::holding(PeriodKind::Month, day("2028-02-10"));
        assert_eq!((feb.start, feb.end), (day("2028-02-01"), day("2028-02-29")));
        assert_eq!(feb.key(), "2028-02");
        let dec = Period::holding(PeriodKind::Month, day("2026-12-31"));
        assert_eq!(dec.end, day("2026-12-31"));
        assert_eq!(dec.previous().key(), "2026-11");
    }

    #[test]
    fn aggregates_count_each_user_separately_and_skip_empty_sessions() {
        let week = Period::holding(PeriodKind::Week, day("2026-12-03"));
        let activity = vec![
            Activity::Session {
                user_id: "a".into(),
                day: "2026-11-30".into(),
                messages: 3,
                fragments: r#"{"catastrophising": 2, "labelling": 1}"#.into(),
                reframes: 1,
            },
            Activity::Session {
                user_id: "a".into(),
                day: "2026-12-01".into(),
                messages: 0,
                fragments: "{}".into(),
                reframes: 0,
            },
            Activity::Turn {
                user_id: "a".into(),
                day: "2026-12-02".into(),
                distortions: r#"["catastrophising"]"#.into(),
                saved: true,
            },
            Activity::Completed {
                user_id: "b".into(),
                day: "2026-12-02".into(),
            },
            Activity::Open {
                user_id: "b".into(),
            },
            Activity::Open {
                user_id: "c".into(),
            },
        ];
        let by_user = aggregate(week, &activity);
        assert_eq!(by_user.len(), 2, "an open action alone is no activity");
        let a = &by_user["a"];
        assert_eq!(
            (a.active_days, a.mirror_sessions, a.mirror_messages),
            (2, 1, 3)
        );
        assert_eq!((a.turns, a.turns_saved, a.fragment_reframes), (1, 1, 1));
        assert_eq!(
            a.distortions,
            vec![
                DistortionCount {
                    kind: Distortion::Catastrophising,
                    count: 3
                },
                DistortionCount {
                    kind: Distortion::Labelling,
                    count: 1
                },
            ]
        );
        let b = &by_user["b"];
        assert_eq!(
            (b.active_days, b.actions_completed, b.actions_open),
            (1, 1, 1)
        );
    }

    #[test]
    fn insights_are_one_to_five_of_known_kinds() {
        let insight = |kind: &str, title: &str| Insight {
            kind: kind.into(),
            title: title.into(),
            body: "You wrote on four days.".into(),
        };
        assert!(check_insights(&[insight("win", "Four active days")]).is_ok());
        assert!(check_insights(&[]).is_err());
        assert!(check_insights(&vec![insight("win", "x"); 6]).is_err());
        assert!(check_insights(&[insight("prophecy", "x")]).is_err());
        assert!(check_insights(&[insight("win", &"x".repeat(81))]).is_err());
    }
}
