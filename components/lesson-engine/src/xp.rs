//! XP per outcome.
//!
//! | step kind | base XP |
//! |---|---|
//! | explanation | 5 |
//! | quiz | 10 |
//! | code | 20 |
//! | project | 50 |
//!
//! `earned = max(1, round(base · score))`: partial credit, and at least 1 XP for any
//! recorded attempt. First-try bonus: `+ base / 2` (rounded down) when the answer is correct
//! on attempt 1. Streak multiplier on the sum, with `streak` the streak after this outcome:
//! `× (1 + 0.1 · min(streak − 1, 5))`, i.e. ×1.0 on day 1 up to ×1.5 from day 6 on.
//! The product is rounded half up to whole XP.

use crate::model::StepKind;

/// Base XP of a step kind.
pub fn base(kind: StepKind) -> u32 {
    match kind {
        StepKind::Explanation => 5,
        StepKind::Quiz => 10,
        StepKind::Code => 20,
        StepKind::Project => 50,
    }
}

/// Streak days beyond the first that raise the multiplier (10 % each).
pub const STREAK_STEPS_CAP: u32 = 5;

/// Streak multiplier in tenths: 10 (×1.0) to 15 (×1.5).
pub fn streak_multiplier_tenths(streak_days: u32) -> u32 {
    10 + streak_days.saturating_sub(1).min(STREAK_STEPS_CAP)
}

/// XP for one outcome. `score` is already checked to be in 0..=1.
pub fn earned(kind: StepKind, score: f64, correct: bool, attempt: u32, streak_days: u32) -> u32 {
    let base = base(kind);
    let scored = ((f64::from(base) * score).round() as u32).clamp(1, base);
    let bonus = if correct && attempt == 1 { base / 2 } else { 0 };
    let tenths = (scored + bonus) * streak_multiplier_tenths(streak_days);
    (tenths + 5) / 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_table() {
        assert_eq!(base(StepKind::Explanation), 5);
        assert_eq!(base(StepKind::Quiz), 10);
        assert_eq!(base(StepKind::Code), 20);
        assert_eq!(base(StepKind::Project), 50);
    }

    #[test]
    fn score_scales_the_base_with_a_floor_of_one() {
        assert_eq!(earned(StepKind::Quiz, 1.0, true, 2, 1), 10);
        assert_eq!(earned(StepKind::Quiz, 0.5, false, 1, 1), 5);
        assert_eq!(earned(StepKind::Quiz, 0.44, false, 1, 1), 4);
        assert_eq!(earned(StepKind::Quiz, 0.0, false, 1, 1), 1);
        assert_eq!(earned(StepKind::Project, 0.74, false, 3, 1), 37);
    }

    #[test]
    fn first_try_correct_earns_half_the_base_again() {
        assert_eq!(earned(StepKind::Quiz, 1.0, true, 1, 1), 15);
        assert_eq!(earned(StepKind::Explanation, 1.0, true, 1, 1), 7);
        assert_eq!(earned(StepKind::Code, 1.0, true, 1, 1), 30);
        // Not on a retry, not when wrong.
        assert_eq!(earned(StepKind::Code, 1.0, true, 2, 1), 20);
        assert_eq!(earned(StepKind::Code, 0.5, false, 1, 1), 10);
    }

    #[test]
    fn streak_multiplier_grows_ten_percent_a_day_up_to_half() {
        assert_eq!(streak_multiplier_tenths(0), 10);
        assert_eq!(streak_multiplier_tenths(1), 10);
        assert_eq!(streak_multiplier_tenths(2), 11);
        assert_eq!(streak_multiplier_tenths(6), 15);
        assert_eq!(streak_multiplier_tenths(365), 15);
        assert_eq!(streak_multiplier_tenths(u32::MAX), 15);
        // 15 × 1.1 = 16.5 rounds half up to 17; 15 × 1.5 = 22.5 to 23.
        assert_eq!(earned(StepKind::Quiz, 1.0, true, 1, 2), 17);
        assert_eq!(earned(StepKind::Quiz, 1.0, true, 1, 7), 23);
        // The largest award: a first-try perfect project on a long streak.
        assert_eq!(earned(StepKind::Project, 1.0, true, 1, 100), 113);
    }
}
