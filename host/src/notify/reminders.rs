//! The reminder sweep: every minute (on each replica; a reminder is made once a day per
//! kind whichever replica sees it first), learners who may need a nudge, in their own time
//! zone:
//!
//! - **streak at risk**: a streak of a day or more, last active yesterday (local), and it is
//!   now their evening (from 19:00 local): the streak ends at midnight;
//! - **reviews due**: spaced-repetition reviews whose time came, from 09:00 local.
//!
//! Quiet hours hold both back (a later sweep of the same day may make them); a kind turned
//! off makes neither. `POST /api/v1/admin/notifications/run` runs a sweep at once (at the
//! request's `X-Tessera-Now` under `--learning-test-clock`).

use chrono::{DateTime, Duration, NaiveDate};
use serde_json::json;

use super::{Kind, Notice, Notifier, NotifyError};
use crate::learning::clock::utc_offset_minutes;
use crate::store::Db;

/// Local hour from which a streak at risk is worth a reminder.
pub const EVENING_HOUR: i64 = 19;
/// Local hour from which reviews due are.
pub const MORNING_HOUR: i64 = 9;

/// The local date (`YYYY-MM-DD`) at `now` in `timezone`.
pub fn local_date(now: i64, timezone: &str) -> String {
    local(now, timezone).format("%Y-%m-%d").to_string()
}

fn local(now: i64, timezone: &str) -> chrono::NaiveDateTime {
    let offset = i64::from(utc_offset_minutes(timezone, now)) * 60_000;
    DateTime::from_timestamp_millis(now + offset)
        .unwrap_or_default()
        .naive_utc()
}

/// What one sweep made.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SweepReport {
    /// Learners looked at.
    pub candidates: u64,
    /// Streak-at-risk reminders made.
    pub streak_at_risk: u64,
    /// Reviews-due reminders made.
    pub reviews_due: u64,
}

/// The reminders due at `now` (ms).
pub fn due(c: &crate::store::notifications::ReminderCandidate, now: i64) -> Vec<Notice> {
    let local = local(now, &c.timezone);
    let hour = i64::from(chrono::Timelike::hour(&local));
    let yesterday = (local.date() - Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let mut notices = Vec::new();
    if c.streak > 0 && hour >= EVENING_HOUR && c.last_active_date.as_deref() == Some(&yesterday) {
        notices.push(Notice {
            id: None,
            user_id: c.user_id.clone(),
            kind: Kind::StreakAtRisk,
            title: format!("Your {}-day streak ends tonight", c.streak),
            body: "A few minutes of today's lesson keeps it going.".into(),
            data: json!({ "streak_days": c.streak, "open": "/api/v1/lessons/daily" }),
        });
    }
    if c.reviews_due > 0 && hour >= MORNING_HOUR {
        notices.push(Notice {
            id: None,
            user_id: c.user_id.clone(),
            kind: Kind::ReviewsDue,
            title: format!(
                "{} review{} due",
                c.reviews_due,
                if c.reviews_due == 1 { "" } else { "s" }
            ),
            body: "Reviewing now, before you forget, makes it stick.".into(),
            data: json!({ "count": c.reviews_due, "open": "/api/v1/lessons/daily" }),
        });
    }
    notices
}

/// Makes the reminders due at `now`.
pub async fn sweep(notifier: &Notifier, db: &Db, now: i64) -> Result<SweepReport, NotifyError> {
    // The earliest "local yesterday" anywhere on Earth is two UTC days back at most.
    let since = DateTime::from_timestamp_millis(now)
        .map(|d| d.date_naive() - Duration::days(2))
        .unwrap_or(NaiveDate::MIN)
        .format("%Y-%m-%d")
        .to_string();
    let candidates = db.reminder_candidates(now, &since).await?;
    let mut report = SweepReport {
        candidates: candidates.len() as u64,
        ..SweepReport::default()
    };
    let notices: Vec<Notice> = candidates.iter().flat_map(|c| due(c, now)).collect();
    for chunk in notices.chunks(500) {
        let kinds: Vec<Kind> = chunk.iter().map(|n| n.kind).collect();
        let made = notifier.notify_all(chunk.to_vec(), now).await?;
        for (kind, made) in kinds.into_iter().zip(made) {
            match (kind, made.is_some()) {
                (Kind::StreakAtRisk, true) => report.streak_at_risk += 1,
                (Kind::ReviewsDue, true) => report.reviews_due += 1,
                _ => {}
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::notifications::ReminderCandidate;

    /// 2030-03-01 at `h:00` UTC, ms.
    fn at(h: i64) -> i64 {
        1_898_553_600_000 + h * 3_600_000
    }

    fn learner(timezone: &str, streak: i64, last: &str, due: i64) -> ReminderCandidate {
        ReminderCandidate {
            user_id: "u".into(),
            timezone: timezone.into(),
            streak,
            last_active_date: Some(last.into()),
            reviews_due: due,
        }
    }

    fn kinds(c: &ReminderCandidate, now: i64) -> Vec<Kind> {
        due(c, now).into_iter().map(|n| n.kind).collect()
    }

    #[test]
    fn a_streak_is_at_risk_in_the_learners_own_evening() {
        let paris = learner("Europe/Paris", 5, "2030-02-28", 0);
        assert_eq!(kinds(&paris, at(17)), [], "18:00 in Paris");
        assert_eq!(
            kinds(&paris, at(18)),
            [Kind::StreakAtRisk],
            "19:00 in Paris"
        );
        // Active today already, or the streak broken: nothing at risk.
        assert_eq!(kinds(&learner("UTC", 5, "2030-03-01", 0), at(20)), []);
        assert_eq!(kinds(&learner("UTC", 0, "2030-02-28", 0), at(20)), []);
        // Tokyo's evening of 1 March is 10:00 UTC; its yesterday is 28 February.
        assert_eq!(
            kinds(&learner("Asia/Tokyo", 2, "2030-02-28", 0), at(10)),
            [Kind::StreakAtRisk]
        );
    }

    #[test]
    fn reviews_due_wait_for_the_morning() {
        let l = learner("UTC", 0, "2030-02-01", 3);
        assert_eq!(kinds(&l, at(8)), []);
        let notices = due(&l, at(9));
        assert_eq!(notices[0].kind, Kind::ReviewsDue);
        assert_eq!(notices[0].title, "3 reviews due");
    }
}
