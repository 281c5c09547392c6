//! The first-party lesson engine component: the daily plan, FSRS-5 spaced repetition,
//! streaks in the learner's local time, XP, per-topic mastery, achievements and
//! certificate eligibility. It decides only: the host passes the whole learner state and
//! stores what comes back. The formulas are documented in each module and summarised in
//! `README.md`. The rules live in plain modules (unit-tested natively); the `component`
//! module only adapts them to the `tessera:platform/lesson-engine` interface.

pub mod achievements;
pub mod certificates;
pub mod day;
pub mod engine;
pub mod fsrs;
pub mod mastery;
pub mod model;
pub mod plan;
pub mod streak;
pub mod xp;

/// The component glue: built only for wasm32, where the exports exist.
#[cfg(target_arch = "wasm32")]
mod component {
    use crate::certificates::{CertificateReport, TrackRef as PTrackRef};
    use crate::mastery::TopicMastery as PTopicMastery;
    use crate::{achievements, engine, fsrs, model, streak};

    wit_bindgen::generate!({
        path: "../../wit/0.1.0",
        world: "tessera:platform/lesson-engine-plugin@0.1.0",
        generate_all,
    });

    use exports::tessera::platform::lesson_engine::{
        AchievementInfo, CertificateReport as WCertificateReport, DailyPlan, Guest, LearnerState,
        LessonRef, ProgressUpdate, Rating, ReviewState, StepKind, StepOutcome, StreakChange,
        TopicMastery, TopicStats, TrackRef,
    };
    use tessera::platform::types::{Error, FieldError};

    struct LessonEngine;

    fn error(e: model::InputError) -> Error {
        Error::InvalidInput(FieldError {
            field: e.field,
            message: e.message,
        })
    }

    fn lesson_in(l: LessonRef) -> model::LessonRef {
        model::LessonRef {
            lesson_id: l.lesson_id,
            topic: l.topic,
            position: l.position,
            prerequisites: l.prerequisites,
            steps: l
                .steps
                .into_iter()
                .map(|s| model::LessonStep {
                    step_id: s.step_id,
                    kind: kind_in(s.kind),
                    done: s.done,
                })
                .collect(),
        }
    }

    fn review_in(r: ReviewState) -> model::ReviewState {
        model::ReviewState {
            item_id: r.item_id,
            topic: r.topic,
            stability: r.stability,
            difficulty: r.difficulty,
            due_at_ms: r.due_at_ms,
            last_review_ms: r.last_review_ms,
            reps: r.reps,
            lapses: r.lapses,
        }
    }

    fn review_out(r: model::ReviewState) -> ReviewState {
        ReviewState {
            item_id: r.item_id,
            topic: r.topic,
            stability: r.stability,
            difficulty: r.difficulty,
            due_at_ms: r.due_at_ms,
            last_review_ms: r.last_review_ms,
            reps: r.reps,
            lapses: r.lapses,
        }
    }

    fn stats_in(t: TopicStats) -> model::TopicStats {
        model::TopicStats {
            topic: t.topic,
            quiz_attempts: t.quiz_attempts,
            quiz_score: t.quiz_score,
            exercise_attempts: t.exercise_attempts,
            exercises_passed: t.exercises_passed,
            exercise_score: t.exercise_score,
            code_quality_ratings: t.code_quality_ratings,
            code_quality: t.code_quality,
        }
    }

    fn stats_out(t: model::TopicStats) -> TopicStats {
        TopicStats {
            topic: t.topic,
            quiz_attempts: t.quiz_attempts,
            quiz_score: t.quiz_score,
            exercise_attempts: t.exercise_attempts,
            exercises_passed: t.exercises_passed,
            exercise_score: t.exercise_score,
            code_quality_ratings: t.code_quality_ratings,
            code_quality: t.code_quality,
        }
    }

    fn state_in(s: LearnerState) -> model::LearnerState {
        model::LearnerState {
            now_ms: s.now_ms,
            utc_offset_minutes: s.utc_offset_minutes,
            completed: s.completed,
            available: s.available.into_iter().map(lesson_in).collect(),
            reviews: s.reviews.into_iter().map(review_in).collect(),
            streak_days: s.streak_days,
            last_active_date: s.last_active_date,
            last_freeze_date: s.last_freeze_date,
            xp: s.xp,
            earned_achievements: s.earned_achievements,
            topic_stats: s.topic_stats.into_iter().map(stats_in).collect(),
        }
    }

    fn kind_in(k: StepKind) -> model::StepKind {
        match k {
            StepKind::Explanation => model::StepKind::Explanation,
            StepKind::Quiz => model::StepKind::Quiz,
            StepKind::Code => model::StepKind::Code,
            StepKind::Project => model::StepKind::Project,
        }
    }

    fn outcome_in(o: StepOutcome) -> model::StepOutcome {
        model::StepOutcome {
            item_id: o.item_id,
            topic: o.topic,
            kind: kind_in(o.kind),
            score: o.score,
            correct: o.correct,
            duration_ms: o.duration_ms,
            expected_duration_ms: o.expected_duration_ms,
            attempt: o.attempt,
            lesson_id: o.lesson_id,
            lesson_completed: o.lesson_completed,
            code_quality: o.code_quality,
        }
    }

    fn rating_out(r: fsrs::Rating) -> Rating {
        match r {
            fsrs::Rating::Again => Rating::Again,
            fsrs::Rating::Hard => Rating::Hard,
            fsrs::Rating::Good => Rating::Good,
            fsrs::Rating::Easy => Rating::Easy,
        }
    }

    fn streak_out(c: streak::StreakChange) -> StreakChange {
        match c {
            streak::StreakChange::Started => StreakChange::Started,
            streak::StreakChange::Kept => StreakChange::Kept,
            streak::StreakChange::Extended => StreakChange::Extended,
            streak::StreakChange::Frozen => StreakChange::Frozen,
            streak::StreakChange::Reset => StreakChange::Reset,
        }
    }

    fn mastery_out(m: PTopicMastery) -> TopicMastery {
        TopicMastery {
            topic: m.topic,
            mastery: m.mastery,
            quiz: m.quiz,
            exercises: m.exercises,
            code_quality: m.code_quality,
            consistency: m.consistency,
        }
    }

    fn report_out(r: CertificateReport) -> WCertificateReport {
        WCertificateReport {
            track_id: r.track_id,
            eligible: r.eligible,
            missing_lessons: r.missing_lessons,
            weak_topics: r.weak_topics.into_iter().map(mastery_out).collect(),
            required_mastery: r.required_mastery,
        }
    }

    impl Guest for LessonEngine {
        fn plan_day(state: LearnerState) -> Result<DailyPlan, Error> {
            let p = engine::plan_day(&state_in(state)).map_err(error)?;
            Ok(DailyPlan {
                lesson_id: p.lesson_id,
                step_id: p.step_id,
                review_ids: p.review_ids,
                reason: p.reason,
            })
        }

        fn record_outcome(
            state: LearnerState,
            outcome: StepOutcome,
        ) -> Result<ProgressUpdate, Error> {
            let u =
                engine::record_outcome(&state_in(state), &outcome_in(outcome)).map_err(error)?;
            Ok(ProgressUpdate {
                review: u.review.map(review_out),
                rating: u.rating.map(rating_out),
                xp_earned: u.xp_earned,
                streak_days: u.streak_days,
                streak_change: streak_out(u.streak_change),
                last_active_date: u.last_active_date,
                last_freeze_date: u.last_freeze_date,
                topic_stats: stats_out(u.topic_stats),
                mastery: u.mastery,
                achievements: u.achievements,
            })
        }

        fn mastery(state: LearnerState) -> Result<Vec<TopicMastery>, Error> {
            let all = engine::mastery(&state_in(state)).map_err(error)?;
            Ok(all.into_iter().map(mastery_out).collect())
        }

        fn certificate_status(
            state: LearnerState,
            track: TrackRef,
        ) -> Result<WCertificateReport, Error> {
            let track = PTrackRef {
                track_id: track.track_id,
                lesson_ids: track.lesson_ids,
                topics: track.topics,
            };
            engine::certificate_status(&state_in(state), &track)
                .map(report_out)
                .map_err(error)
        }

        fn achievement_catalog() -> Vec<AchievementInfo> {
            achievements::CATALOG
                .iter()
                .map(|a| AchievementInfo {
                    id: a.id.to_string(),
                    title: a.title.to_string(),
                    description: a.description.to_string(),
                    per_topic: a.per_topic,
                })
                .collect()
        }
    }

    export!(LessonEngine);
}
