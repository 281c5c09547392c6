//! What a learner's own record says about how they learn (seed 002 §3.6's
//! `learning_analytics` and `estimated_completion`), derived from their answers only,
//! each rule written here and in docs/learning.md so a learner can be told why:
//!
//! - **preferred learning style**: the style they chose in their profile, joined with the
//!   kind of step they spend most of their time on: `reading` (explanations), `practice`
//!   (quizzes) or `hands_on` (code exercises and projects), e.g. `visual_hands_on`;
//! - **optimal study time**: the part of their local day (`morning` 5-12 h, `afternoon`
//!   12-17 h, `evening` 17-22 h, `night`) in which their graded answers score best on
//!   average, among parts with at least 5 answers;
//! - **learning velocity**: lessons completed over the last 28 days, per week: under 1
//!   `slow`, under 3 `steady`, else `fast`;
//! - **estimated completion**: the minutes of lessons left at the learner's own pace
//!   (minutes per active day, 15 before they have one), as a local date.

use chrono::{DateTime, Duration, Timelike};

use super::clock::utc_offset_minutes;
use crate::store::learning::AttemptBrief;

/// Answers a part of the day needs before it can be the best one.
const MIN_ANSWERS_PER_PART: usize = 5;
/// Minutes a day assumed before a learner has an active day.
pub const DEFAULT_MINUTES_PER_DAY: f64 = 15.0;
const DAY_MS: i64 = 86_400_000;

/// The kind of step a learner spends most time on, as a style word.
fn observed_style(attempts: &[AttemptBrief]) -> Option<&'static str> {
    let mut time = [0i64; 3];
    for a in attempts {
        let slot = match a.kind.as_str() {
            "explanation" => 0,
            "quiz" => 1,
            _ => 2,
        };
        time[slot] += a.study_ms;
    }
    let (slot, most) = time.iter().enumerate().max_by_key(|(_, t)| **t)?;
    (*most > 0).then_some(["reading", "practice", "hands_on"][slot])
}

/// `preferred_learning_style`: the stated style joined with the observed one.
pub fn preferred_style(stated: &str, attempts: &[AttemptBrief]) -> String {
    match observed_style(attempts) {
        Some(observed) if observed != stated => format!("{stated}_{observed}"),
        _ => stated.to_owned(),
    }
}

fn part_of_day(hour: u32) -> usize {
    match hour {
        5..=11 => 0,
        12..=16 => 1,
        17..=21 => 2,
        _ => 3,
    }
}

/// `optimal_study_time`: the part of the local day whose graded answers score best.
pub fn optimal_study_time(attempts: &[AttemptBrief], timezone: &str) -> Option<&'static str> {
    let mut parts = [(0.0f64, 0usize); 4];
    for a in attempts.iter().filter(|a| a.kind != "explanation") {
        let local = a.created_at + i64::from(utc_offset_minutes(timezone, a.created_at)) * 60_000;
        let Some(at) = DateTime::from_timestamp_millis(local) else {
            continue;
        };
        let p = &mut parts[part_of_day(at.hour())];
        p.0 += a.score;
        p.1 += 1;
    }
    parts
        .iter()
        .enumerate()
        .filter(|(_, (_, n))| *n >= MIN_ANSWERS_PER_PART)
        .max_by(|(_, a), (_, b)| (a.0 / a.1 as f64).total_cmp(&(b.0 / b.1 as f64)))
        .map(|(i, _)| ["morning", "afternoon", "evening", "night"][i])
}

/// `learning_velocity`: lessons completed (at the times given, ms) over the 28 days before
/// `now`, per week; `None` before the first lesson completed.
pub fn learning_velocity(completed_at: &[i64], now: i64) -> Option<&'static str> {
    if completed_at.is_empty() {
        return None;
    }
    let recent = completed_at
        .iter()
        .filter(|t| **t > now - 28 * DAY_MS && **t <= now)
        .count();
    let per_week = recent as f64 / 4.0;
    Some(if per_week < 1.0 {
        "slow"
    } else if per_week < 3.0 {
        "steady"
    } else {
        "fast"
    })
}

/// `estimated_completion`: the local date (`YYYY-MM-DD`) on which `minutes_left` are done at
/// `minutes_per_day`.
pub fn estimated_completion(
    now: i64,
    timezone: &str,
    minutes_left: i64,
    minutes_per_day: f64,
) -> String {
    let pace = if minutes_per_day > 0.0 {
        minutes_per_day
    } else {
        DEFAULT_MINUTES_PER_DAY
    };
    let days = (minutes_left.max(0) as f64 / pace).ceil() as i64;
    let local = now + i64::from(utc_offset_minutes(timezone, now)) * 60_000;
    let date = DateTime::from_timestamp_millis(local).unwrap_or_default() + Duration::days(days);
    date.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(kind: &str, at: i64, score: f64, study_ms: i64) -> AttemptBrief {
        AttemptBrief {
            lesson_id: "l".into(),
            kind: kind.into(),
            score,
            created_at: at,
            study_ms,
        }
    }

    #[test]
    fn the_style_joins_the_stated_one_with_where_the_time_goes() {
        let coder = [
            attempt("explanation", 0, 1.0, 60_000),
            attempt("code", 0, 1.0, 900_000),
        ];
        assert_eq!(preferred_style("visual", &coder), "visual_hands_on");
        assert_eq!(
            preferred_style("reading", &[attempt("explanation", 0, 1.0, 1)]),
            "reading"
        );
        assert_eq!(preferred_style("visual", &[]), "visual");
    }

    #[test]
    fn the_best_part_of_the_day_is_local_and_needs_enough_answers() {
        // 2026-12-01 08:00 UTC is 09:00 in Paris (morning), 20:00 UTC is 21:00 (evening).
        let morning = 1_796_112_000_000;
        let evening = morning + 12 * 3_600_000;
        let mut answers: Vec<AttemptBrief> =
            (0..5).map(|_| attempt("quiz", morning, 0.9, 1)).collect();
        answers.extend((0..5).map(|_| attempt("quiz", evening, 0.5, 1)));
        assert_eq!(
            optimal_study_time(&answers, "Europe/Paris"),
            Some("morning")
        );
        // Four great night answers are not enough evidence.
        answers.extend((0..4).map(|_| attempt("quiz", morning - 7 * 3_600_000, 1.0, 1)));
        assert_eq!(
            optimal_study_time(&answers, "Europe/Paris"),
            Some("morning")
        );
        assert_eq!(optimal_study_time(&answers[..4], "UTC"), None);
    }

    #[test]
    fn velocity_counts_the_last_four_weeks() {
        let now = 100 * DAY_MS;
        assert_eq!(learning_velocity(&[], now), None);
        assert_eq!(learning_velocity(&[now - 40 * DAY_MS], now), Some("slow"));
        let steady: Vec<i64> = (0..6).map(|d| now - d * DAY_MS).collect();
        assert_eq!(learning_velocity(&steady, now), Some("steady"));
        let fast: Vec<i64> = (0..12).map(|d| now - d * DAY_MS).collect();
        assert_eq!(learning_velocity(&fast, now), Some("fast"));
    }

    #[test]
    fn completion_is_a_local_date_at_the_learners_pace() {
        // 2026-12-01 23:30 UTC is already 2026-12-02 in Tokyo.
        let now = 1_796_167_800_000;
        assert_eq!(estimated_completion(now, "UTC", 0, 30.0), "2026-12-01");
        assert_eq!(
            estimated_completion(now, "Asia/Tokyo", 0, 30.0),
            "2026-12-02"
        );
        assert_eq!(estimated_completion(now, "UTC", 61, 30.0), "2026-12-04");
        assert_eq!(estimated_completion(now, "UTC", 30, 0.0), "2026-12-03");
    }
}
