//! A user's notification preferences, kept in their profile's `notification_preferences`
//! document (seed 002 §4.1) under two keys the host reads; other keys a client stores there
//! are left alone:
//!
//! ```json
//! {"quiet_hours": {"start": "22:00", "end": "07:00"}, "disabled_kinds": ["reviews_due"]}
//! ```
//!
//! Quiet hours are local time (the profile's time zone) and may wrap midnight; no push is
//! sent inside them and no reminder is made.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Kind;
use crate::learning::clock::utc_offset_minutes;

const DAY_MS: i64 = 86_400_000;

/// Quiet hours, local `HH:MM` to `HH:MM` (`22:00` to `07:00` wraps midnight).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// From, `HH:MM`.
    pub start: String,
    /// Until, `HH:MM` (not included).
    pub end: String,
}

/// What the host reads of the preferences document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// No push and no reminder inside these hours; absent: none.
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// Kinds the user turned off (no notification of them at all): `streak_at_risk`,
    /// `reviews_due`, `struggle_alert`, `project_graded`, `spectrum_updated`.
    #[serde(default)]
    pub disabled_kinds: Vec<String>,
}

/// Minutes after midnight of `HH:MM`.
pub fn minutes(hhmm: &str) -> Option<i64> {
    let (h, m) = hhmm.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)
}

impl Preferences {
    /// The preferences in a profile's document; keys it does not know, or values of the
    /// wrong shape (written before the host read them), count as unset.
    pub fn of(document: &serde_json::Value) -> Preferences {
        let quiet_hours = serde_json::from_value::<QuietHours>(document["quiet_hours"].clone())
            .ok()
            .filter(|q| minutes(&q.start).is_some() && minutes(&q.end).is_some());
        let disabled_kinds =
            serde_json::from_value(document["disabled_kinds"].clone()).unwrap_or_default();
        Preferences {
            quiet_hours,
            disabled_kinds,
        }
    }

    /// Checks the preferences as a user sends them: the field at fault and why.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        if let Some(q) = &self.quiet_hours {
            for (field, value) in [("quiet_hours.start", &q.start), ("quiet_hours.end", &q.end)] {
                if minutes(value).is_none() {
                    return Err((field, format!("`{value}` is not a time as HH:MM")));
                }
            }
            if q.start == q.end {
                return Err(("quiet_hours.end", "must differ from the start".into()));
            }
        }
        if let Some(k) = self
            .disabled_kinds
            .iter()
            .find(|k| Kind::parse(k).is_none())
        {
            let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
            return Err((
                "disabled_kinds",
                format!("`{k}` is not one of {}", known.join(", ")),
            ));
        }
        Ok(())
    }

    /// Whether `kind` is turned off.
    pub fn disabled(&self, kind: Kind) -> bool {
        self.disabled_kinds.iter().any(|k| k == kind.as_str())
    }

    /// When the quiet hours around `now` (ms) end, in `timezone`; `None` outside them.
    pub fn quiet_until(&self, now: i64, timezone: &str) -> Option<i64> {
        let q = self.quiet_hours.as_ref()?;
        let (start, end) = (minutes(&q.start)?, minutes(&q.end)?);
        let offset = i64::from(utc_offset_minutes(timezone, now)) * 60_000;
        let local = now + offset;
        let minute = local.rem_euclid(DAY_MS) / 60_000;
        let inside = if start < end {
            (start..end).contains(&minute)
        } else {
            minute >= start || minute < end
        };
        if !inside {
            return None;
        }
        let midnight = local - local.rem_euclid(DAY_MS);
        let mut until = midnight + end * 60_000;
        if until <= local {
            until += DAY_MS;
        }
        Some(until - offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet(start: &str, end: &str) -> Preferences {
        Preferences {
            quiet_hours: Some(QuietHours {
                start: start.into(),
                end: end.into(),
            }),
            disabled_kinds: Vec::new(),
        }
    }

    /// 2030-03-01 at `h:m` UTC, ms.
    fn at(h: i64, m: i64) -> i64 {
        1_898_553_600_000 + (h * 60 + m) * 60_000
    }

    #[test]
    fn quiet_hours_wrap_midnight_and_end_at_their_end() {
        let p = quiet("22:00", "07:00");
        assert_eq!(p.quiet_until(at(21, 59), "UTC"), None);
        assert_eq!(p.quiet_until(at(23, 0), "UTC"), Some(at(31, 0)));
        assert_eq!(p.quiet_until(at(6, 30), "UTC"), Some(at(7, 0)));
        assert_eq!(p.quiet_until(at(7, 0), "UTC"), None);
        let day = quiet("12:00", "13:00");
        assert_eq!(day.quiet_until(at(12, 10), "UTC"), Some(at(13, 0)));
        assert_eq!(day.quiet_until(at(13, 10), "UTC"), None);
    }

    #[test]
    fn quiet_hours_are_the_users_local_time() {
        // 21:30 UTC is 22:30 in Paris in March (UTC+1): quiet until 07:00 Paris, 06:00 UTC.
        let p = quiet("22:00", "07:00");
        assert_eq!(p.quiet_until(at(21, 30), "Europe/Paris"), Some(at(30, 0)));
        assert_eq!(p.quiet_until(at(21, 30), "UTC"), None);
    }

    #[test]
    fn documents_are_read_leniently_and_checked_strictly() {
        let doc = serde_json::json!({"quiet_hours": {"start": "25:00", "end": "07:00"},
            "disabled_kinds": ["reviews_due"], "email": true});
        let p = Preferences::of(&doc);
        assert_eq!(p.quiet_hours, None, "a bad time is no quiet hours");
        assert!(p.disabled(Kind::ReviewsDue) && !p.disabled(Kind::StreakAtRisk));
        assert_eq!(
            quiet("7:00", "08:00").check().unwrap_err().0,
            "quiet_hours.start"
        );
        let mut bad = Preferences::default();
        bad.disabled_kinds.push("newsletters".into());
        assert_eq!(bad.check().unwrap_err().0, "disabled_kinds");
        assert!(quiet("22:00", "07:00").check().is_ok());
    }
}
