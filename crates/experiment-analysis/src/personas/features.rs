//! The per-user behaviour features and their 32-dimensional vector (seed 004 §3.3's
//! `user_personas.embedding vector(32)`).
//!
//! Every dimension lies in `0..=1`, so that no raw count (XP in the tens of thousands next
//! to a 0/1 role flag) dominates k-means' Euclidean distance, and every transform is total:
//! a NaN, a negative or an absurdly large input maps to a bounded value, never to NaN. The
//! transforms are
//!
//! - `log(x, cap)` = `ln(1 + min(x, cap)) / ln(1 + cap)`: counts, whose spread is
//!   multiplicative (1 against 10 lessons matters as much as 10 against 100); `cap` is
//!   where the dimension saturates at 1;
//! - `share(a, b)` = `a / b` clamped to `0..=1`, 0 when `b` is 0;
//! - `flag` = 1 or 0;
//! - `scale(x, max)` = `x / max` clamped to `0..=1`.
//!
//! "Per active day" divides a 30-day count by `days_active_30d` clamped to `1..=30`.
//!
//! | # | name | transform of [`BehaviourFeatures`] |
//! |---|------|-----------|
//! | 0 | `tutorial_steps_started` | `log(tutorial_steps_started, 200)` |
//! | 1 | `tutorial_completion_rate` | `share(tutorial_steps_completed, tutorial_steps_started)` |
//! | 2 | `tutorial_median_step_seconds` | `log(tutorial_median_step_ms / 1000, 600)`, 0 without steps |
//! | 3 | `days_active_30d` | `scale(days_active_30d, 30)` |
//! | 4 | `lessons_completed` | `log(lessons_completed, 500)` |
//! | 5 | `quiz_attempts` | `log(quiz_attempts, 2000)` |
//! | 6 | `quiz_accuracy` | `quiz_accuracy` clamped to `0..=1`, 0 when unknown |
//! | 7 | `code_submissions` | `log(code_submissions, 2000)` |
//! | 8 | `project_submissions` | `log(project_submissions, 200)` |
//! | 9 | `submissions_per_active_day` | `log((code_submissions + project_submissions) / active days, 50)` |
//! | 10 | `tutor_queries_per_active_day` | `log(tutor_queries_30d / active days, 100)` |
//! | 11 | `ai_requests_per_active_day` | `log(ai_requests_30d / active days, 300)` |
//! | 12 | `ai_power_rate` | `flag(ai_requests_30d / active days >= 30)`: seed 004's "≥ 30 AI calls / day" |
//! | 13 | `ai_requests_30d` | `log(ai_requests_30d, 10000)` |
//! | 14 | `study_sessions_30d` | `log(study_sessions_30d, 300)` |
//! | 15 | `generated_quizzes` | `log(generated_quizzes, 200)` |
//! | 16 | `generated_courses` | `log(generated_courses, 50)` |
//! | 17 | `teacher_role` | `flag(is_teacher or is_admin)`: staff manage classes |
//! | 18 | `admin_role` | `flag(is_admin)` |
//! | 19 | `classes_managed` | `log(classes_managed, 50)` |
//! | 20 | `students_managed` | `log(students_managed, 1000)` |
//! | 21 | `invitations_sent` | `log(invitations_sent, 1000)` |
//! | 22 | `manages_more_than_three` | `flag(max(students_managed, invitations_sent) > 3)`: seed 004's "invites > 3 users" |
//! | 23 | `device_share_web` | `share(requests_web, all device requests)` |
//! | 24 | `device_share_ios` | `share(requests_ios, all device requests)` |
//! | 25 | `device_share_android` | `share(requests_android, all device requests)` |
//! | 26 | `nps_given` | `flag(nps is some)` |
//! | 27 | `nps_score` | `scale(nps, 10)`, 0 when not given (dimension 26 tells the two apart) |
//! | 28 | `time_to_first_value` | `log(time_to_first_value_secs / 3600, 720)` (hours, saturating at 30 days); 1 when no lesson was ever completed |
//! | 29 | `streak_days` | `log(streak_days, 365)` |
//! | 30 | `total_xp` | `log(total_xp, 100000)` |
//! | 31 | `account_age_days` | `log(account_age_days, 730)` |
//!
//! The order is part of the stored data (pgvector columns and saved centroids are
//! positional): append new dimensions in a new version, never reorder or reuse one.

use serde::{Deserialize, Serialize};

/// Dimensions of a [`FeatureVector`]: seed 004's `vector(32)`.
pub const FEATURE_COUNT: usize = 32;

/// A user's behaviour as 32 numbers in `0..=1`, in the order of [`FEATURE_NAMES`].
pub type FeatureVector = [f64; FEATURE_COUNT];

/// The name of each dimension, by index: the stable, documented order of the vector (see
/// [the `features` module](self) for each transform). Reports and dashboards label centroids
/// with these.
pub const FEATURE_NAMES: [&str; FEATURE_COUNT] = [
    "tutorial_steps_started",
    "tutorial_completion_rate",
    "tutorial_median_step_seconds",
    "days_active_30d",
    "lessons_completed",
    "quiz_attempts",
    "quiz_accuracy",
    "code_submissions",
    "project_submissions",
    "submissions_per_active_day",
    "tutor_queries_per_active_day",
    "ai_requests_per_active_day",
    "ai_power_rate",
    "ai_requests_30d",
    "study_sessions_30d",
    "generated_quizzes",
    "generated_courses",
    "teacher_role",
    "admin_role",
    "classes_managed",
    "students_managed",
    "invitations_sent",
    "manages_more_than_three",
    "device_share_web",
    "device_share_ios",
    "device_share_android",
    "nps_given",
    "nps_score",
    "time_to_first_value",
    "streak_days",
    "total_xp",
    "account_age_days",
];

/// Indices into a [`FeatureVector`] by name, so code that reads a dimension (the persona
/// naming heuristics, a report) says which one it means.
pub mod dim {
    /// Index of `tutorial_steps_started`, row 0 of [the table](super).
    pub const TUTORIAL_STEPS_STARTED: usize = 0;
    /// Index of `tutorial_completion_rate`, row 1 of [the table](super).
    pub const TUTORIAL_COMPLETION_RATE: usize = 1;
    /// Index of `tutorial_median_step_seconds`, row 2 of [the table](super).
    pub const TUTORIAL_MEDIAN_STEP_SECONDS: usize = 2;
    /// Index of `days_active_30d`, row 3 of [the table](super).
    pub const DAYS_ACTIVE_30D: usize = 3;
    /// Index of `lessons_completed`, row 4 of [the table](super).
    pub const LESSONS_COMPLETED: usize = 4;
    /// Index of `quiz_attempts`, row 5 of [the table](super).
    pub const QUIZ_ATTEMPTS: usize = 5;
    /// Index of `quiz_accuracy`, row 6 of [the table](super).
    pub const QUIZ_ACCURACY: usize = 6;
    /// Index of `code_submissions`, row 7 of [the table](super).
    pub const CODE_SUBMISSIONS: usize = 7;
    /// Index of `project_submissions`, row 8 of [the table](super).
    pub const PROJECT_SUBMISSIONS: usize = 8;
    /// Index of `submissions_per_active_day`, row 9 of [the table](super).
    pub const SUBMISSIONS_PER_ACTIVE_DAY: usize = 9;
    /// Index of `tutor_queries_per_active_day`, row 10 of [the table](super).
    pub const TUTOR_QUERIES_PER_ACTIVE_DAY: usize = 10;
    /// Index of `ai_requests_per_active_day`, row 11 of [the table](super).
    pub const AI_REQUESTS_PER_ACTIVE_DAY: usize = 11;
    /// Index of `ai_power_rate`, row 12 of [the table](super).
    pub const AI_POWER_RATE: usize = 12;
    /// Index of `ai_requests_30d`, row 13 of [the table](super).
    pub const AI_REQUESTS_30D: usize = 13;
    /// Index of `study_sessions_30d`, row 14 of [the table](super).
    pub const STUDY_SESSIONS_30D: usize = 14;
    /// Index of `generated_quizzes`, row 15 of [the table](super).
    pub const GENERATED_QUIZZES: usize = 15;
    /// Index of `generated_courses`, row 16 of [the table](super).
    pub const GENERATED_COURSES: usize = 16;
    /// Index of `teacher_role`, row 17 of [the table](super).
    pub const TEACHER_ROLE: usize = 17;
    /// Index of `admin_role`, row 18 of [the table](super).
    pub const ADMIN_ROLE: usize = 18;
    /// Index of `classes_managed`, row 19 of [the table](super).
    pub const CLASSES_MANAGED: usize = 19;
    /// Index of `students_managed`, row 20 of [the table](super).
    pub const STUDENTS_MANAGED: usize = 20;
    /// Index of `invitations_sent`, row 21 of [the table](super).
    pub const INVITATIONS_SENT: usize = 21;
    /// Index of `manages_more_than_three`, row 22 of [the table](super).
    pub const MANAGES_MORE_THAN_THREE: usize = 22;
    /// Index of `device_share_web`, row 23 of [the table](super).
    pub const DEVICE_SHARE_WEB: usize = 23;
    /// Index of `device_share_ios`, row 24 of [the table](super).
    pub const DEVICE_SHARE_IOS: usize = 24;
    /// Index of `device_share_android`, row 25 of [the table](super).
    pub const DEVICE_SHARE_ANDROID: usize = 25;
    /// Index of `nps_given`, row 26 of [the table](super).
    pub const NPS_GIVEN: usize = 26;
    /// Index of `nps_score`, row 27 of [the table](super).
    pub const NPS_SCORE: usize = 27;
    /// Index of `time_to_first_value`, row 28 of [the table](super).
    pub const TIME_TO_FIRST_VALUE: usize = 28;
    /// Index of `streak_days`, row 29 of [the table](super).
    pub const STREAK_DAYS: usize = 29;
    /// Index of `total_xp`, row 30 of [the table](super).
    pub const TOTAL_XP: usize = 30;
    /// Index of `account_age_days`, row 31 of [the table](super).
    pub const ACCOUNT_AGE_DAYS: usize = 31;
}

/// Seed 004's "≥ 30 AI calls / day": the `ai-power` persona's defining threshold.
pub const AI_POWER_CALLS_PER_DAY: f64 = 30.0;

/// One user's raw behaviour, as the host aggregates it from its tables (windows are the
/// 30 days before the nightly run unless a field says otherwise). Plain numbers, so the
/// host needs no knowledge of the transforms; [`BehaviourFeatures::default`] is a user with
/// no data at all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BehaviourFeatures {
    /// Tutorial steps the user started, all time: `tutorial_step_events` rows with
    /// `status = 'started'` (seed 004 §3.2). "Few events" marks a newbie.
    pub tutorial_steps_started: u64,
    /// Tutorial steps the user completed, all time: `tutorial_step_events` rows with
    /// `status = 'completed'`; with the above, the tutorial completion rate.
    pub tutorial_steps_completed: u64,
    /// The median `tutorial_step_events.duration_ms` of the user's completed steps;
    /// `None` without any.
    pub tutorial_median_step_ms: Option<u64>,
    /// Distinct UTC days with any learning activity in the last 30 days (0 to 30): days of
    /// `attempts.created_at` and `attempt_days.day`, `lesson_progress.updated_at`.
    pub days_active_30d: u32,
    /// Lessons completed, all time: `lesson_progress` rows with `status = 'completed'`.
    pub lessons_completed: u64,
    /// Quiz answers, all time: `attempts` rows of quiz kinds plus
    /// `attempt_rollups.quiz_answers`.
    pub quiz_attempts: u64,
    /// Share of those answers that were correct, 0 to 1 (`attempts.correct`, and
    /// `attempt_rollups.quiz_score_sum / quiz_answers` for folded ones); `None` without
    /// answers.
    pub quiz_accuracy: Option<f64>,
    /// Code submissions, all time: `attempts` rows with `kind = 'code_exercise'` plus
    /// submissions to generated exercises.
    pub code_submissions: u64,
    /// Mini-project submissions, all time: `mini_project_submissions` rows. Solo projects
    /// mark the `freelancer-pro`.
    pub project_submissions: u64,
    /// Tutor queries in the last 30 days: `tutor_queries` rows.
    pub tutor_queries_30d: u64,
    /// Model completions on the user's behalf in the last 30 days: `ai_usage_events` rows
    /// whose `user_hash` is the user's (`store::ai_usage::user_hash`). Per active day,
    /// this is seed 004's "AI calls / day".
    pub ai_requests_30d: u64,
    /// Socratic study sessions in the last 30 days: `study_sessions` rows.
    pub study_sessions_30d: u64,
    /// Quizzes generated for the user, all time: `generated_quizzes` rows.
    pub generated_quizzes: u64,
    /// Courses the user generated, all time: `course_drafts` rows with the user's `user_id`.
    pub generated_courses: u64,
    /// `users.role` is `teacher` (or above): Tessera's "team manager", who manages classes
    /// rather than learning alone.
    pub is_teacher: bool,
    /// `users.role` is `admin` or `super_admin`.
    pub is_admin: bool,
    /// Classes the user teaches: `classes` rows with `teacher_id` = the user.
    pub classes_managed: u64,
    /// Distinct learners in those classes: `class_members` joined to them.
    pub students_managed: u64,
    /// Class invitations the user sent, all time: `class_invitations` rows with
    /// `invited_by` = the user (seed 004's "invites > 3 users").
    pub invitations_sent: u64,
    /// Requests from the web client in the last 30 days (seed 004's
    /// `x-kazi-device: web`); only the shares of the three device counts matter.
    pub requests_web: u64,
    /// Requests from the iOS client (`x-kazi-device: ios`) in the last 30 days.
    pub requests_ios: u64,
    /// Requests from the Android client (`x-kazi-device: android`) in the last 30 days.
    pub requests_android: u64,
    /// The user's latest NPS answer, 0 to 10: `tutorial_surveys.nps` (seed 004 §3.4);
    /// `None` when the user never answered. Values above 10 count as 10.
    pub nps: Option<u8>,
    /// Seconds from sign-up (`users.created_at`) to the first completed lesson
    /// (`lesson_progress.completed_at`), the time to first value; `None` when no lesson
    /// was ever completed, which counts as the longest time.
    pub time_to_first_value_secs: Option<u64>,
    /// The current streak in days: `users.streak`.
    pub streak_days: u64,
    /// Total XP: `profiles.total_xp`.
    pub total_xp: u64,
    /// Days since sign-up (`users.created_at`). Not behaviour: a user with only an age
    /// still has no data (see [`BehaviourFeatures::has_no_data`]).
    pub account_age_days: u64,
}

impl BehaviourFeatures {
    /// True when the user has done nothing the features record (everything but
    /// `account_age_days` is at its default): seed 004 gives such a user the default
    /// persona `newbie`, and leaving them out of k-means keeps a crowd of empty accounts
    /// from claiming clusters of their own.
    #[must_use]
    pub fn has_no_data(&self) -> bool {
        let without_age = Self {
            account_age_days: 0,
            ..self.clone()
        };
        without_age == Self::default()
    }

    /// The 32-dimensional vector, every entry in `0..=1`, in the order of
    /// [`FEATURE_NAMES`] ([the `features` module](self) gives each transform).
    #[must_use]
    pub fn to_vector(&self) -> FeatureVector {
        let active_days = f64::from(self.days_active_30d.clamp(1, 30));
        let per_active_day = |count: u64| count as f64 / active_days;
        let ai_per_day = per_active_day(self.ai_requests_30d);
        let device_total = u128::from(self.requests_web)
            + u128::from(self.requests_ios)
            + u128::from(self.requests_android);
        let device_share = |count: u64| share_wide(u128::from(count), device_total);
        let submissions = self
            .code_submissions
            .saturating_add(self.project_submissions);

        let mut v = [0.0; FEATURE_COUNT];
        v[dim::TUTORIAL_STEPS_STARTED] = log_scaled(self.tutorial_steps_started as f64, 200.0);
        v[dim::TUTORIAL_COMPLETION_RATE] = share_wide(
            u128::from(self.tutorial_steps_completed),
            u128::from(self.tutorial_steps_started),
        );
        v[dim::TUTORIAL_MEDIAN_STEP_SECONDS] = self
            .tutorial_median_step_ms
            .map_or(0.0, |ms| log_scaled(ms as f64 / 1000.0, 600.0));
        v[dim::DAYS_ACTIVE_30D] = scaled(f64::from(self.days_active_30d), 30.0);
        v[dim::LESSONS_COMPLETED] = log_scaled(self.lessons_completed as f64, 500.0);
        v[dim::QUIZ_ATTEMPTS] = log_scaled(self.quiz_attempts as f64, 2000.0);
        v[dim::QUIZ_ACCURACY] = self.quiz_accuracy.map_or(0.0, |a| scaled(a, 1.0));
        v[dim::CODE_SUBMISSIONS] = log_scaled(self.code_submissions as f64, 2000.0);
        v[dim::PROJECT_SUBMISSIONS] = log_scaled(self.project_submissions as f64, 200.0);
        v[dim::SUBMISSIONS_PER_ACTIVE_DAY] = log_scaled(per_active_day(submissions), 50.0);
        v[dim::TUTOR_QUERIES_PER_ACTIVE_DAY] =
            log_scaled(per_active_day(self.tutor_queries_30d), 100.0);
        v[dim::AI_REQUESTS_PER_ACTIVE_DAY] = log_scaled(ai_per_day, 300.0);
        v[dim::AI_POWER_RATE] = flag(ai_per_day >= AI_POWER_CALLS_PER_DAY);
        v[dim::AI_REQUESTS_30D] = log_scaled(self.ai_requests_30d as f64, 10_000.0);
        v[dim::STUDY_SESSIONS_30D] = log_scaled(self.study_sessions_30d as f64, 300.0);
        v[dim::GENERATED_QUIZZES] = log_scaled(self.generated_quizzes as f64, 200.0);
        v[dim::GENERATED_COURSES] = log_scaled(self.generated_courses as f64, 50.0);
        v[dim::TEACHER_ROLE] = flag(self.is_teacher || self.is_admin);
        v[dim::ADMIN_ROLE] = flag(self.is_admin);
        v[dim::CLASSES_MANAGED] = log_scaled(self.classes_managed as f64, 50.0);
        v[dim::STUDENTS_MANAGED] = log_scaled(self.students_managed as f64, 1000.0);
        v[dim::INVITATIONS_SENT] = log_scaled(self.invitations_sent as f64, 1000.0);
        v[dim::MANAGES_MORE_THAN_THREE] =
            flag(self.students_managed.max(self.invitations_sent) > 3);
        v[dim::DEVICE_SHARE_WEB] = device_share(self.requests_web);
        v[dim::DEVICE_SHARE_IOS] = device_share(self.requests_ios);
        v[dim::DEVICE_SHARE_ANDROID] = device_share(self.requests_android);
        v[dim::NPS_GIVEN] = flag(self.nps.is_some());
        v[dim::NPS_SCORE] = self.nps.map_or(0.0, |n| scaled(f64::from(n), 10.0));
        v[dim::TIME_TO_FIRST_VALUE] = self
            .time_to_first_value_secs
            .map_or(1.0, |secs| log_scaled(secs as f64 / 3600.0, 720.0));
        v[dim::STREAK_DAYS] = log_scaled(self.streak_days as f64, 365.0);
        v[dim::TOTAL_XP] = log_scaled(self.total_xp as f64, 100_000.0);
        v[dim::ACCOUNT_AGE_DAYS] = log_scaled(self.account_age_days as f64, 730.0);
        v
    }
}

/// `ln(1 + min(x, cap)) / ln(1 + cap)`: 0 at 0, 1 from `cap` on; NaN and negatives are 0.
fn log_scaled(x: f64, cap: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return 0.0;
    }
    (x.min(cap).ln_1p() / cap.ln_1p()).clamp(0.0, 1.0)
}

/// `x / max` clamped to `0..=1`; NaN is 0.
fn scaled(x: f64, max: f64) -> f64 {
    if x.is_nan() {
        return 0.0;
    }
    (x / max).clamp(0.0, 1.0)
}

/// `part / whole` clamped to `0..=1`, 0 for an empty whole.
fn share_wide(part: u128, whole: u128) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    (part as f64 / whole as f64).clamp(0.0, 1.0)
}

/// 1 for true, 0 for false.
fn flag(set: bool) -> f64 {
    if set { 1.0 } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_index_constants() {
        let by_constant = [
            (dim::TUTORIAL_STEPS_STARTED, "tutorial_steps_started"),
            (dim::AI_POWER_RATE, "ai_power_rate"),
            (dim::TEACHER_ROLE, "teacher_role"),
            (dim::MANAGES_MORE_THAN_THREE, "manages_more_than_three"),
            (dim::TIME_TO_FIRST_VALUE, "time_to_first_value"),
            (dim::ACCOUNT_AGE_DAYS, "account_age_days"),
        ];
        for (index, name) in by_constant {
            assert_eq!(FEATURE_NAMES[index], name);
        }
        let mut unique = FEATURE_NAMES.to_vec();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), FEATURE_COUNT);
    }

    #[test]
    fn a_user_with_no_data_is_recognised_whatever_their_age() {
        let empty = BehaviourFeatures {
            account_age_days: 40,
            ..BehaviourFeatures::default()
        };
        assert!(empty.has_no_data());
        let one_lesson = BehaviourFeatures {
            lessons_completed: 1,
            ..empty
        };
        assert!(!one_lesson.has_no_data());
    }

    #[test]
    fn every_dimension_is_bounded_even_for_extreme_input() {
        let extreme = BehaviourFeatures {
            tutorial_steps_started: u64::MAX,
            tutorial_steps_completed: u64::MAX,
            tutorial_median_step_ms: Some(u64::MAX),
            days_active_30d: u32::MAX,
            lessons_completed: u64::MAX,
            quiz_attempts: u64::MAX,
            quiz_accuracy: Some(f64::NAN),
            code_submissions: u64::MAX,
            project_submissions: u64::MAX,
            tutor_queries_30d: u64::MAX,
            ai_requests_30d: u64::MAX,
            study_sessions_30d: u64::MAX,
            generated_quizzes: u64::MAX,
            generated_courses: u64::MAX,
            is_teacher: true,
            is_admin: true,
            classes_managed: u64::MAX,
            students_managed: u64::MAX,
            invitations_sent: u64::MAX,
            requests_web: u64::MAX,
            requests_ios: u64::MAX,
            requests_android: u64::MAX,
            nps: Some(u8::MAX),
            time_to_first_value_secs: Some(u64::MAX),
            streak_days: u64::MAX,
            total_xp: u64::MAX,
            account_age_days: u64::MAX,
        };
        for features in [extreme, BehaviourFeatures::default()] {
            for (i, x) in features.to_vector().iter().enumerate() {
                assert!((0.0..=1.0).contains(x), "{} = {x}", FEATURE_NAMES[i]);
            }
        }
        let negative_accuracy = BehaviourFeatures {
            quiz_accuracy: Some(-3.0),
            ..BehaviourFeatures::default()
        };
        assert_eq!(negative_accuracy.to_vector()[dim::QUIZ_ACCURACY], 0.0);
    }

    #[test]
    fn transforms_give_their_documented_values() {
        let user = BehaviourFeatures {
            tutorial_steps_started: 10,
            tutorial_steps_completed: 5,
            days_active_30d: 15,
            ai_requests_30d: 450, // 30 a day over 15 active days
            requests_web: 3,
            requests_android: 1,
            nps: Some(7),
            time_to_first_value_secs: Some(720 * 3600 * 2),
            students_managed: 4,
            ..BehaviourFeatures::default()
        };
        let v = user.to_vector();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(
            v[dim::TUTORIAL_STEPS_STARTED],
            11_f64.ln() / 201_f64.ln()
        ));
        assert!(close(v[dim::TUTORIAL_COMPLETION_RATE], 0.5));
        assert!(close(v[dim::DAYS_ACTIVE_30D], 0.5));
        assert!(close(
            v[dim::AI_REQUESTS_PER_ACTIVE_DAY],
            31_f64.ln() / 301_f64.ln()
        ));
        assert!(close(v[dim::AI_POWER_RATE], 1.0));
        assert!(close(v[dim::DEVICE_SHARE_WEB], 0.75));
        assert!(close(v[dim::DEVICE_SHARE_IOS], 0.0));
        assert!(close(v[dim::DEVICE_SHARE_ANDROID], 0.25));
        assert!(close(v[dim::NPS_GIVEN], 1.0));
        assert!(close(v[dim::NPS_SCORE], 0.7));
        assert!(close(v[dim::TIME_TO_FIRST_VALUE], 1.0));
        assert!(close(v[dim::MANAGES_MORE_THAN_THREE], 1.0));
        assert!(close(v[dim::TEACHER_ROLE], 0.0));
        // No lesson ever completed is the longest time to first value.
        assert!(close(
            BehaviourFeatures::default().to_vector()[dim::TIME_TO_FIRST_VALUE],
            1.0
        ));
    }
}
