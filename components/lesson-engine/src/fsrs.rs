//! FSRS-5 (Free Spaced Repetition Scheduler, version 5), implemented from its published
//! formulas with its 19 default weights.
//!
//! Memory of an item is two numbers: stability `S` (days until recall probability falls to
//! 90 %) and difficulty `D` (1 to 10). Ratings `G` are Again = 1, Hard = 2, Good = 3,
//! Easy = 4.
//!
//! - Retrievability after `t` days: `R(t, S) = (1 + FACTOR · t / S)^DECAY`, `DECAY = -0.5`,
//!   `FACTOR = 19/81` (so that `R(S, S) = 0.9`).
//! - Interval for desired retention `r`: `I(r, S) = S / FACTOR · (r^(1/DECAY) − 1)`; with
//!   `r = 0.9` this is `S`. Rounded to whole days, at least 1, at most 36 500.
//! - First rating: `S0(G) = w[G−1]`; `D0(G) = w4 − e^(w5 · (G − 1)) + 1`, clamped to 1..10.
//! - Difficulty after a review: `ΔD = −w6 · (G − 3)`; linear damping
//!   `D' = D + ΔD · (10 − D) / 9`; mean reversion towards `D0(4)`:
//!   `D'' = w7 · D0(4) + (1 − w7) · D'`, clamped to 1..10.
//! - Stability after a success (Hard, Good, Easy) at retrievability `R`:
//!   `S' = S · (e^w8 · (11 − D) · S^(−w9) · (e^(w10 · (1 − R)) − 1) · h · b + 1)` with
//!   `h = w15` for Hard (else 1) and `b = w16` for Easy (else 1).
//! - Stability after a failure (Again):
//!   `S' = min(w11 · D^(−w12) · ((S + 1)^w13 − 1) · e^(w14 · (1 − R)), S / e^(w17 · w18))`.
//! - Same-day (short-term) review, when the previous review was on the same local day:
//!   `S' = S · e^(w17 · (G − 3 + w18))`; difficulty updates as above.
//!
//! Stability is kept within 0.01..36 500 days. `D` and `S` use the difficulty before the
//! review (`D`), as FSRS does. Elapsed time `t` for a review is counted in whole local days
//! between the two reviews, as FSRS's day-based scheduler does; retrievability shown for
//! ranking uses fractional days.
//!
//! Simplifications (documented; FSRS allows them): no learning or relearning steps (every
//! rating schedules by the formulas, so a failed item returns on the next local day at the
//! earliest), no interval fuzz (deterministic), and an item is due at the learner's local
//! midnight starting its due day.

use crate::day;
use crate::model::{ReviewState, StepKind, StepOutcome};

/// The FSRS-5 default weights `w0..w18`.
pub const W: [f64; 19] = [
    0.40255, 1.18385, 3.173, 15.69105, 7.1949, 0.5345, 1.4604, 0.0046, 1.54575, 0.1192, 1.01925,
    1.9395, 0.11, 0.29605, 2.2698, 0.2315, 2.9898, 0.51655, 0.6621,
];

/// Forgetting-curve exponent.
pub const DECAY: f64 = -0.5;
/// Forgetting-curve factor, `0.9^(1/DECAY) − 1 = 19/81`.
pub const FACTOR: f64 = 19.0 / 81.0;
/// Recall probability the scheduler aims for when an item comes due.
pub const DESIRED_RETENTION: f64 = 0.9;
/// Longest interval, days.
pub const MAX_INTERVAL_DAYS: i64 = 36_500;
/// Stability bounds, days.
pub const MIN_STABILITY: f64 = 0.01;
/// Stability bounds, days.
pub const MAX_STABILITY: f64 = 36_500.0;

/// An FSRS grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rating {
    /// Forgotten.
    Again = 1,
    /// Recalled with difficulty.
    Hard = 2,
    /// Recalled.
    Good = 3,
    /// Recalled with ease.
    Easy = 4,
}

impl Rating {
    fn g(self) -> f64 {
        f64::from(self as u8)
    }
}

/// Memory state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Memory {
    /// Stability, days.
    pub stability: f64,
    /// Difficulty, 1 to 10.
    pub difficulty: f64,
}

/// `R(t, S)`: probability of recall after `elapsed_days`.
pub fn retrievability(elapsed_days: f64, stability: f64) -> f64 {
    (1.0 + FACTOR * elapsed_days.max(0.0) / stability).powf(DECAY)
}

/// `I(r, S)` for the desired retention, in whole days (1 to 36 500).
pub fn interval_days(stability: f64) -> i64 {
    let raw = stability / FACTOR * (DESIRED_RETENTION.powf(1.0 / DECAY) - 1.0);
    (raw.round() as i64).clamp(1, MAX_INTERVAL_DAYS)
}

fn clamp_difficulty(d: f64) -> f64 {
    d.clamp(1.0, 10.0)
}

fn clamp_stability(s: f64) -> f64 {
    s.clamp(MIN_STABILITY, MAX_STABILITY)
}

/// `D0(G)` before clamping.
fn raw_initial_difficulty(rating: Rating) -> f64 {
    W[4] - (W[5] * (rating.g() - 1.0)).exp() + 1.0
}

/// `S0(G) = w[G−1]`.
pub fn initial_stability(rating: Rating) -> f64 {
    W[rating as usize - 1]
}

/// `D0(G)`, clamped to 1..10.
pub fn initial_difficulty(rating: Rating) -> f64 {
    clamp_difficulty(raw_initial_difficulty(rating))
}

/// Difficulty after a review: linear damping, then mean reversion towards `D0(4)`.
pub fn next_difficulty(d: f64, rating: Rating) -> f64 {
    let delta = -W[6] * (rating.g() - 3.0);
    let damped = d + delta * (10.0 - d) / 9.0;
    clamp_difficulty(W[7] * raw_initial_difficulty(Rating::Easy) + (1.0 - W[7]) * damped)
}

/// Stability after a successful recall (`rating` Hard, Good or Easy).
pub fn stability_after_success(s: f64, d: f64, r: f64, rating: Rating) -> f64 {
    let hard = if rating == Rating::Hard { W[15] } else { 1.0 };
    let easy = if rating == Rating::Easy { W[16] } else { 1.0 };
    s * (W[8].exp() * (11.0 - d) * s.powf(-W[9]) * ((W[10] * (1.0 - r)).exp() - 1.0) * hard * easy
        + 1.0)
}

/// Stability after a lapse (rating Again).
pub fn stability_after_failure(s: f64, d: f64, r: f64) -> f64 {
    let long_term =
        W[11] * d.powf(-W[12]) * ((s + 1.0).powf(W[13]) - 1.0) * (W[14] * (1.0 - r)).exp();
    long_term.min(s / (W[17] * W[18]).exp())
}

/// Stability after a review on the same day as the previous one.
pub fn short_term_stability(s: f64, rating: Rating) -> f64 {
    s * (W[17] * (rating.g() - 3.0 + W[18])).exp()
}

/// Memory after the first rating of a new item.
pub fn first_memory(rating: Rating) -> Memory {
    Memory {
        stability: initial_stability(rating),
        difficulty: initial_difficulty(rating),
    }
}

/// Memory after a review `elapsed_days` whole local days after the previous one
/// (0 = same day: the short-term formula).
pub fn next_memory(prev: Memory, elapsed_days: i64, rating: Rating) -> Memory {
    let s = prev.stability;
    let d = prev.difficulty;
    let stability = if elapsed_days <= 0 {
        short_term_stability(s, rating)
    } else {
        let r = retrievability(elapsed_days as f64, s);
        if rating == Rating::Again {
            stability_after_failure(s, d, r)
        } else {
            stability_after_success(s, d, r, rating)
        }
    };
    Memory {
        stability: clamp_stability(stability),
        difficulty: next_difficulty(d, rating),
    }
}

/// Default expected duration of a step, ms.
pub fn default_expected_ms(kind: StepKind) -> u32 {
    match kind {
        StepKind::Explanation => 60_000,
        StepKind::Quiz => 30_000,
        StepKind::Code => 300_000,
        StepKind::Project => 1_800_000,
    }
}

/// Score below which a correct answer counts as Hard.
pub const HARD_SCORE: f64 = 0.6;

/// Maps a step outcome to a rating. With `e` the expected duration (the outcome's or
/// [`default_expected_ms`]):
///
/// | condition (first match) | rating |
/// |---|---|
/// | not correct | Again |
/// | score < 0.6, or duration > 2·e (slow) | Hard |
/// | score = 1.0 and duration ≤ e/2 (fast) | Easy |
/// | otherwise | Good |
pub fn rate(outcome: &StepOutcome) -> Rating {
    if !outcome.correct {
        return Rating::Again;
    }
    let expected = u64::from(
        outcome
            .expected_duration_ms
            .unwrap_or_else(|| default_expected_ms(outcome.kind)),
    );
    let duration = u64::from(outcome.duration_ms);
    let slow = duration > 2 * expected;
    let fast = 2 * duration <= expected;
    if outcome.score < HARD_SCORE || slow {
        Rating::Hard
    } else if outcome.score >= 1.0 && fast {
        Rating::Easy
    } else {
        Rating::Good
    }
}

/// The item's new review state after `rating` at `now_ms` (local day `today` under
/// `offset_minutes`). `prev` is the stored state, or `None` for a first review.
pub fn schedule(
    prev: Option<&ReviewState>,
    item_id: &str,
    topic: &str,
    rating: Rating,
    now_ms: i64,
    today: i64,
    offset_minutes: i32,
) -> ReviewState {
    let (memory, reps, lapses) = match prev {
        None => (first_memory(rating), 0, 0),
        Some(p) => {
            let last_day = day::local_day(p.last_review_ms, offset_minutes);
            let elapsed = (today - last_day).max(0);
            let memory = next_memory(
                Memory {
                    stability: p.stability,
                    difficulty: p.difficulty,
                },
                elapsed,
                rating,
            );
            let lapses = p.lapses.saturating_add(u32::from(rating == Rating::Again));
            (memory, p.reps, lapses)
        }
    };
    let reps = reps.saturating_add(u32::from(rating != Rating::Again));
    ReviewState {
        item_id: item_id.to_string(),
        topic: topic.to_string(),
        stability: memory.stability,
        difficulty: memory.difficulty,
        due_at_ms: day::local_midnight_ms(today + interval_days(memory.stability), offset_minutes),
        last_review_ms: now_ms,
        reps,
        lapses,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{NOON_2025_03_10, outcome};

    const ALL: [Rating; 4] = [Rating::Again, Rating::Hard, Rating::Good, Rating::Easy];

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn forgetting_curve_hits_ninety_percent_at_stability() {
        for s in [0.5, 1.0, 3.173, 42.0, 1000.0] {
            assert!(close(retrievability(s, s), 0.9), "S = {s}");
            assert!(close(retrievability(0.0, s), 1.0));
            assert!(retrievability(2.0 * s, s) < 0.9);
        }
        assert!(close(FACTOR, 0.9f64.powf(1.0 / DECAY) - 1.0));
        // Negative elapsed time (clock skew) is treated as none.
        assert!(close(retrievability(-5.0, 2.0), 1.0));
    }

    #[test]
    fn interval_equals_stability_at_ninety_percent_rounded_and_bounded() {
        assert_eq!(interval_days(3.173), 3);
        assert_eq!(interval_days(15.69105), 16);
        assert_eq!(interval_days(0.40255), 1);
        assert_eq!(interval_days(0.01), 1);
        assert_eq!(interval_days(1e9), MAX_INTERVAL_DAYS);
    }

    #[test]
    fn initial_state_follows_the_weights() {
        assert_eq!(initial_stability(Rating::Again), 0.40255);
        assert_eq!(initial_stability(Rating::Hard), 1.18385);
        assert_eq!(initial_stability(Rating::Good), 3.173);
        assert_eq!(initial_stability(Rating::Easy), 15.69105);
        // D0(1) = w4.
        assert!(close(initial_difficulty(Rating::Again), 7.1949));
        assert!(close(
            initial_difficulty(Rating::Good),
            7.1949 - (0.5345f64 * 2.0).exp() + 1.0
        ));
        let ds: Vec<f64> = ALL.iter().map(|&r| initial_difficulty(r)).collect();
        assert!(ds.windows(2).all(|w| w[0] > w[1]), "{ds:?}");
        assert!(ds.iter().all(|d| (1.0..=10.0).contains(d)));
    }

    #[test]
    fn difficulty_moves_with_the_rating_damped_and_mean_reverting() {
        let d = 5.0;
        let again = next_difficulty(d, Rating::Again);
        let hard = next_difficulty(d, Rating::Hard);
        let good = next_difficulty(d, Rating::Good);
        let easy = next_difficulty(d, Rating::Easy);
        assert!(again > hard && hard > good && good > easy);
        // Good leaves only the mean reversion: D'' = w7·D0(4) + (1 − w7)·D.
        let d0_easy = 7.1949 - (0.5345f64 * 3.0).exp() + 1.0;
        assert!(close(good, 0.0046 * d0_easy + 0.9954 * 5.0));
        // Linear damping: Again at D = 5 adds w6·2·(10 − 5)/9 before reversion.
        assert!(close(
            again,
            0.0046 * d0_easy + 0.9954 * (5.0 + 1.4604 * 2.0 * 5.0 / 9.0)
        ));
        // Damping stops D at 10 and the clamp holds it in range.
        assert!(next_difficulty(10.0, Rating::Again) <= 10.0);
        assert!(next_difficulty(1.0, Rating::Easy) >= 1.0);
    }

    #[test]
    fn success_grows_stability_more_for_easier_ratings_and_lower_recall() {
        let (s, d) = (10.0, 5.0);
        let r = retrievability(10.0, s);
        let hard = stability_after_success(s, d, r, Rating::Hard);
        let good = stability_after_success(s, d, r, Rating::Good);
        let easy = stability_after_success(s, d, r, Rating::Easy);
        assert!(s < hard && hard < good && good < easy);
        // Reviewing later (lower R) grows stability more.
        let later = stability_after_success(s, d, retrievability(20.0, s), Rating::Good);
        assert!(later > good);
        // The formula, term by term.
        let expect = s
            * ((1.54575f64).exp()
                * (11.0 - d)
                * s.powf(-0.1192)
                * ((1.01925 * (1.0 - r)).exp() - 1.0)
                + 1.0);
        assert!(close(good, expect));
        // Harder items grow less.
        assert!(stability_after_success(s, 9.0, r, Rating::Good) < good);
    }

    #[test]
    fn failure_shrinks_stability_and_is_capped_by_the_short_term_bound() {
        let (s, d) = (10.0, 5.0);
        let r = retrievability(10.0, s);
        let f = stability_after_failure(s, d, r);
        assert!(f < s);
        let long_term =
            1.9395 * d.powf(-0.11) * ((s + 1.0).powf(0.29605) - 1.0) * (2.2698 * (1.0 - r)).exp();
        assert!(close(f, long_term.min(s / (0.51655f64 * 0.6621).exp())));
        // For a fragile item the cap S / e^(w17·w18) binds.
        let tiny = stability_after_failure(0.1, 5.0, 0.2);
        assert!(close(tiny, 0.1 / (0.51655f64 * 0.6621).exp()));
    }

    #[test]
    fn same_day_review_uses_the_short_term_formula() {
        let prev = Memory {
            stability: 3.0,
            difficulty: 5.0,
        };
        for rating in ALL {
            let m = next_memory(prev, 0, rating);
            let expect = 3.0 * (0.51655 * (rating as u8 as f64 - 3.0 + 0.6621)).exp();
            assert!(close(m.stability, expect), "{rating:?}");
            assert!(close(m.difficulty, next_difficulty(5.0, rating)));
        }
        // Good and Easy on the same day still strengthen; Again weakens.
        assert!(next_memory(prev, 0, Rating::Good).stability > 3.0);
        assert!(next_memory(prev, 0, Rating::Again).stability < 3.0);
    }

    #[test]
    fn a_later_day_review_uses_the_long_term_formulas() {
        let prev = Memory {
            stability: 3.0,
            difficulty: 5.0,
        };
        let r = retrievability(3.0, 3.0);
        let good = next_memory(prev, 3, Rating::Good);
        assert!(close(
            good.stability,
            stability_after_success(3.0, 5.0, r, Rating::Good)
        ));
        let again = next_memory(prev, 3, Rating::Again);
        assert!(close(again.stability, stability_after_failure(3.0, 5.0, r)));
    }

    #[test]
    fn stability_stays_in_bounds() {
        let m = next_memory(
            Memory {
                stability: 36_000.0,
                difficulty: 1.0,
            },
            36_000,
            Rating::Easy,
        );
        assert_eq!(m.stability, MAX_STABILITY);
        let mut m = first_memory(Rating::Again);
        for _ in 0..50 {
            m = next_memory(m, 0, Rating::Again);
        }
        assert_eq!(m.stability, MIN_STABILITY);
        // Mean reversion holds difficulty just below 10 under endless lapses.
        assert!(
            m.difficulty > 9.8 && m.difficulty <= 10.0,
            "{}",
            m.difficulty
        );
    }

    #[test]
    fn rating_mapping_covers_every_branch() {
        let quiz = |score, correct, ms| StepOutcome {
            duration_ms: ms,
            ..outcome(StepKind::Quiz, score, correct)
        };
        // Incorrect is Again whatever the score or speed.
        assert_eq!(rate(&quiz(0.9, false, 1_000)), Rating::Again);
        // Correct but low score: Hard.
        assert_eq!(rate(&quiz(0.59, true, 10_000)), Rating::Hard);
        // Correct but slow (> 2 × 30 s): Hard.
        assert_eq!(rate(&quiz(1.0, true, 60_001)), Rating::Hard);
        assert_eq!(rate(&quiz(1.0, true, 60_000)), Rating::Good);
        // Perfect and fast (≤ 15 s): Easy.
        assert_eq!(rate(&quiz(1.0, true, 15_000)), Rating::Easy);
        assert_eq!(rate(&quiz(1.0, true, 15_001)), Rating::Good);
        // Fast but not perfect: Good.
        assert_eq!(rate(&quiz(0.8, true, 1_000)), Rating::Good);
        assert_eq!(rate(&quiz(0.6, true, 20_000)), Rating::Good);
        // An explicit expected duration overrides the kind's default.
        let mut o = quiz(1.0, true, 4_000);
        o.expected_duration_ms = Some(6_000);
        assert_eq!(rate(&o), Rating::Good);
        o.expected_duration_ms = Some(8_000);
        assert_eq!(rate(&o), Rating::Easy);
        // Code steps default to 5 minutes: 4 minutes is neither fast nor slow.
        let mut c = outcome(StepKind::Code, 1.0, true);
        c.duration_ms = 240_000;
        assert_eq!(rate(&c), Rating::Good);
        // No overflow at the largest durations.
        let mut big = quiz(1.0, true, u32::MAX);
        big.expected_duration_ms = Some(u32::MAX);
        assert_eq!(rate(&big), Rating::Good);
    }

    #[test]
    fn schedule_a_new_item_from_its_first_rating() {
        let now = NOON_2025_03_10;
        let today = day::local_day(now, 60);
        let good = schedule(None, "q1", "t", Rating::Good, now, today, 60);
        assert_eq!(good.stability, 3.173);
        assert_eq!((good.reps, good.lapses), (1, 0));
        assert_eq!(good.last_review_ms, now);
        // Due at local midnight three days on (UTC+1: 23:00 UTC the day before).
        assert_eq!(good.due_at_ms, day::local_midnight_ms(today + 3, 60));
        assert_eq!(
            day::format_date(day::local_day(good.due_at_ms, 60)),
            "2025-03-13"
        );
        let again = schedule(None, "q1", "t", Rating::Again, now, today, 60);
        assert_eq!((again.reps, again.lapses), (0, 0));
        assert_eq!(again.due_at_ms, day::local_midnight_ms(today + 1, 60));
    }

    #[test]
    fn schedule_an_existing_item_counts_reps_and_lapses() {
        let now = NOON_2025_03_10;
        let today = day::local_day(now, 0);
        let prev = ReviewState {
            item_id: "q1".into(),
            topic: "t".into(),
            stability: 3.0,
            difficulty: 5.0,
            due_at_ms: now,
            last_review_ms: now - 3 * day::DAY_MS,
            reps: 2,
            lapses: 1,
        };
        let good = schedule(Some(&prev), "q1", "t", Rating::Good, now, today, 0);
        assert_eq!((good.reps, good.lapses), (3, 1));
        assert!(good.stability > 3.0);
        let again = schedule(Some(&prev), "q1", "t", Rating::Again, now, today, 0);
        assert_eq!((again.reps, again.lapses), (2, 2));
        assert!(again.stability < 3.0);
        // Same local day: short-term formula.
        let mut same = prev.clone();
        same.last_review_ms = now - 3_600_000;
        let s = schedule(Some(&same), "q1", "t", Rating::Good, now, today, 0);
        assert!(close(s.stability, short_term_stability(3.0, Rating::Good)));
        // A last review in the future (clock skew) counts as the same day.
        same.last_review_ms = now + 10 * day::DAY_MS;
        let s = schedule(Some(&same), "q1", "t", Rating::Good, now, today, 0);
        assert!(close(s.stability, short_term_stability(3.0, Rating::Good)));
    }

    #[test]
    fn elapsed_days_are_local_calendar_days() {
        // Reviewed 23:30 local, again 00:30 local the next day (UTC+1): one day elapsed,
        // so the long-term formula applies although only an hour passed.
        let offset = 60;
        let d = crate::day::parse_date("2025-03-10").unwrap_or_default();
        let first = day::local_midnight_ms(d, offset) + (23 * 60 + 30) * 60_000;
        let second = first + 3_600_000;
        let today = day::local_day(second, offset);
        assert_eq!(today, d + 1);
        let prev = schedule(None, "q", "t", Rating::Good, first, d, offset);
        let next = schedule(Some(&prev), "q", "t", Rating::Good, second, today, offset);
        let r1 = retrievability(1.0, prev.stability);
        assert!(close(
            next.stability,
            stability_after_success(prev.stability, prev.difficulty, r1, Rating::Good)
        ));
    }
}
