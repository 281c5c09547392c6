//! Daily streaks in the learner's local time.
//!
//! Every recorded outcome is activity on the learner's local day `today` (see [`crate::day`]).
//! With `last` the stored `last-active-date` and `gap = today − last` in days:
//!
//! | case | new streak | change |
//! |---|---|---|
//! | no `last`, or a stored streak of 0 and `gap` ≥ 1 | 1 | started |
//! | `gap` ≤ 0 (same day, or a stored date later than today after a time-zone change) | max(streak, 1), date unchanged | kept |
//! | `gap` = 1 (yesterday) | streak + 1 | extended |
//! | `gap` = 2 (one missed day) and a freeze is available | streak + 1 | frozen |
//! | otherwise | 1 | reset |
//!
//! **Grace rule (streak freeze):** a single missed day is forgiven when no freeze forgave
//! a day in the 7 days before it: with `missed = today − 1`, a freeze is available when
//! `last-freeze-date` is absent or `missed − last-freeze-date ≥ 7`. The missed day itself
//! does not count towards the streak; `last-freeze-date` becomes the missed day. Two or more
//! missed days are never forgiven.

/// Days a freeze must lie apart: at most one forgiven day per 7.
pub const FREEZE_EVERY_DAYS: i64 = 7;

/// How the streak changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreakChange {
    /// First activity: 1.
    Started,
    /// Already active today: unchanged.
    Kept,
    /// Active yesterday: +1.
    Extended,
    /// One missed day forgiven: +1.
    Frozen,
    /// Broken: back to 1.
    Reset,
}

/// The streak after an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreakUpdate {
    /// New streak, days.
    pub days: u32,
    /// How it changed.
    pub change: StreakChange,
    /// New last active day.
    pub last_active: i64,
    /// New last freeze day.
    pub last_freeze: Option<i64>,
}

/// Whether a freeze may forgive `missed`.
pub fn freeze_available(last_freeze: Option<i64>, missed: i64) -> bool {
    last_freeze.is_none_or(|f| missed - f >= FREEZE_EVERY_DAYS)
}

/// Applies activity on `today`.
pub fn record_activity(
    streak_days: u32,
    last_active: Option<i64>,
    last_freeze: Option<i64>,
    today: i64,
) -> StreakUpdate {
    let fresh = |change| StreakUpdate {
        days: 1,
        change,
        last_active: today,
        last_freeze,
    };
    let Some(last) = last_active else {
        return fresh(StreakChange::Started);
    };
    let gap = today - last;
    if gap <= 0 {
        return StreakUpdate {
            days: streak_days.max(1),
            change: StreakChange::Kept,
            last_active: last,
            last_freeze,
        };
    }
    if streak_days == 0 {
        return fresh(StreakChange::Started);
    }
    if gap == 1 {
        return StreakUpdate {
            days: streak_days.saturating_add(1),
            change: StreakChange::Extended,
            last_active: today,
            last_freeze,
        };
    }
    let missed = today - 1;
    if gap == 2 && freeze_available(last_freeze, missed) {
        return StreakUpdate {
            days: streak_days.saturating_add(1),
            change: StreakChange::Frozen,
            last_active: today,
            last_freeze: Some(missed),
        };
    }
    fresh(StreakChange::Reset)
}

/// The streak as it stands on `today` before any activity today: the stored streak while
/// it can still continue today (last active today or yesterday, or one missed day a freeze
/// would forgive), else 0.
pub fn current(
    streak_days: u32,
    last_active: Option<i64>,
    last_freeze: Option<i64>,
    today: i64,
) -> u32 {
    let Some(last) = last_active else {
        return 0;
    };
    match today - last {
        gap if gap <= 1 => streak_days,
        2 if freeze_available(last_freeze, today - 1) => streak_days,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::day::{self, DAY_MS};

    const D: i64 = 20_000; // 2024-10-04

    fn upd(
        days: u32,
        change: StreakChange,
        last_active: i64,
        last_freeze: Option<i64>,
    ) -> StreakUpdate {
        StreakUpdate {
            days,
            change,
            last_active,
            last_freeze,
        }
    }

    #[test]
    fn first_activity_starts_at_one() {
        assert_eq!(
            record_activity(0, None, None, D),
            upd(1, StreakChange::Started, D, None)
        );
        // A stale stored streak without a date is ignored.
        assert_eq!(record_activity(9, None, None, D).days, 1);
        // A stored streak of 0 after a gap starts, not resets.
        assert_eq!(
            record_activity(0, Some(D - 5), None, D),
            upd(1, StreakChange::Started, D, None)
        );
    }

    #[test]
    fn same_day_keeps_the_streak() {
        assert_eq!(
            record_activity(4, Some(D), None, D),
            upd(4, StreakChange::Kept, D, None)
        );
        // An inconsistent stored 0 becomes 1: today is active.
        assert_eq!(record_activity(0, Some(D), None, D).days, 1);
    }

    #[test]
    fn a_stored_date_after_today_keeps_the_streak_and_the_date() {
        // Flying west can make "today" earlier than the last active date.
        assert_eq!(
            record_activity(4, Some(D + 1), Some(D - 3), D),
            upd(4, StreakChange::Kept, D + 1, Some(D - 3))
        );
    }

    #[test]
    fn next_day_extends() {
        assert_eq!(
            record_activity(4, Some(D - 1), Some(D - 30), D),
            upd(5, StreakChange::Extended, D, Some(D - 30))
        );
        assert_eq!(
            record_activity(u32::MAX, Some(D - 1), None, D).days,
            u32::MAX
        );
        // Yesterday active but a stored 0 (inconsistent): starts.
        assert_eq!(
            record_activity(0, Some(D - 1), None, D).change,
            StreakChange::Started
        );
    }

    #[test]
    fn one_missed_day_is_forgiven_by_a_freeze() {
        // Never frozen before.
        assert_eq!(
            record_activity(6, Some(D - 2), None, D),
            upd(7, StreakChange::Frozen, D, Some(D - 1))
        );
        // Last freeze exactly 7 days before the missed day: available again.
        assert_eq!(
            record_activity(6, Some(D - 2), Some(D - 8), D),
            upd(7, StreakChange::Frozen, D, Some(D - 1))
        );
    }

    #[test]
    fn a_second_freeze_within_seven_days_resets() {
        assert_eq!(
            record_activity(6, Some(D - 2), Some(D - 7), D),
            upd(1, StreakChange::Reset, D, Some(D - 7))
        );
        // A freeze date in the future (bad clock) blocks freezes rather than granting them.
        assert_eq!(
            record_activity(6, Some(D - 2), Some(D + 3), D).change,
            StreakChange::Reset
        );
    }

    #[test]
    fn two_missed_days_reset() {
        assert_eq!(
            record_activity(30, Some(D - 3), None, D),
            upd(1, StreakChange::Reset, D, None)
        );
        assert_eq!(
            record_activity(30, Some(D - 400), None, D).change,
            StreakChange::Reset
        );
    }

    #[test]
    fn local_midnight_decides_the_day_not_utc() {
        // UTC+1: active at 23:30 local on day D, then 00:30 local on D + 1. Both instants
        // are on the same UTC day, but they are consecutive local days: extended.
        let offset = 60;
        let first = day::local_midnight_ms(D, offset) + (23 * 60 + 30) * 60_000;
        let second = first + 3_600_000;
        assert_eq!(first.div_euclid(DAY_MS), second.div_euclid(DAY_MS));
        let d1 = day::local_day(first, offset);
        let d2 = day::local_day(second, offset);
        assert_eq!((d1, d2), (D, D + 1));
        let after_first = record_activity(3, Some(D - 1), None, d1);
        assert_eq!(after_first.change, StreakChange::Extended);
        let after_second =
            record_activity(after_first.days, Some(after_first.last_active), None, d2);
        assert_eq!(after_second, upd(5, StreakChange::Extended, D + 1, None));
    }

    #[test]
    fn the_same_two_instants_are_one_day_west_of_utc() {
        // UTC−5: 18:30 and 19:30 local on the same local day: kept.
        let offset = -300;
        let first = day::local_midnight_ms(D, offset) + (18 * 60 + 30) * 60_000;
        let second = first + 3_600_000;
        let d1 = day::local_day(first, offset);
        let d2 = day::local_day(second, offset);
        assert_eq!(d1, d2);
        assert_eq!(
            record_activity(3, Some(d1), None, d2).change,
            StreakChange::Kept
        );
        // While 00:30 UTC the next UTC day is still 19:30 the previous local day.
        let utc_next = D * DAY_MS + DAY_MS + 30 * 60_000;
        assert_eq!(day::local_day(utc_next, offset), D);
    }

    #[test]
    fn current_streak_shows_what_can_still_continue() {
        assert_eq!(current(5, None, None, D), 0);
        assert_eq!(current(5, Some(D), None, D), 5);
        assert_eq!(current(5, Some(D - 1), None, D), 5);
        assert_eq!(current(5, Some(D - 2), None, D), 5);
        assert_eq!(current(5, Some(D - 2), Some(D - 4), D), 0);
        assert_eq!(current(5, Some(D - 3), None, D), 0);
        assert_eq!(current(5, Some(D + 1), None, D), 5);
    }
}
