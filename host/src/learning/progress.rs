//! Progress views: a learner's progress in the shape of docs/requirements.md#r-002-3.6, mastery per
//! topic (the lesson engine's formula, #r-003-fr-026), and a teacher's view of a class.
//!
//! Figures the seed lists that Tessera has no data for are derived or left out, never
//! invented: study time is the time clients report per answer, or the lesson engine's
//! expected time of the step when they report none; retention is the share of
//! spaced-repetition reviews answered correctly.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;
use utoipa::ToSchema;

use super::engine::learner_state;
use super::views::{AchievementView, MasteryReport, TopicMasteryView};
use super::{Learning, LearningError, Now};
use crate::plugins::contract::lesson_engine::LearnerState;
use crate::store::learning::{AttemptTotals, LearnerData, LessonProgressRow};
use crate::store::rfc3339;

/// Mastery at which a topic counts as mastered.
const MASTERED: f64 = 0.8;
/// Mastery under which a topic with evidence needs help.
const STRUGGLING: f64 = 0.5;

/// The user progress of docs/requirements.md#r-002-3.6.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserProgress {
    /// The learner.
    pub user_id: String,
    /// Totals.
    pub overall_progress: OverallProgress,
    /// Courses started and not finished.
    pub current_courses: Vec<CourseProgress>,
    /// The latest achievements, newest first (at most 5).
    pub recent_achievements: Vec<AchievementView>,
    /// Strengths and weaknesses.
    pub learning_analytics: LearningAnalytics,
    /// What to do next.
    pub recommendations: Vec<Recommendation>,
    /// Certificates held.
    pub certificates: Vec<super::views::CertificateView>,
}

/// Totals of a learner's progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverallProgress {
    /// Courses with at least one lesson started.
    pub courses_enrolled: i64,
    /// Courses whose every lesson is completed.
    pub courses_completed: i64,
    /// Started and not completed.
    pub courses_in_progress: i64,
    /// Lessons completed.
    pub lessons_completed: i64,
    /// Minutes spent (reported, or expected per step when not reported).
    pub total_study_time_minutes: i64,
    /// Mean quiz score in percent (0 without quiz answers).
    pub average_quiz_score: f64,
    /// Streak in days as of the last activity.
    pub learning_streak_days: i64,
    /// Longest streak.
    pub longest_streak_days: i64,
    /// Total XP.
    pub total_xp: i64,
}

/// A course in progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseProgress {
    /// Course id.
    pub course_id: String,
    /// Title.
    pub title: String,
    /// Lessons completed, percent.
    pub progress_percentage: f64,
    /// The module of the next lesson.
    pub current_module: Option<String>,
    /// Last activity in the course, RFC 3339.
    pub last_accessed: Option<String>,
    /// The next milestone.
    pub next_milestone: Option<Milestone>,
}

/// A milestone ahead.
#[derive(Debug, Serialize, ToSchema)]
pub struct Milestone {
    /// `module_completion` or `course_completion`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What it is.
    pub title: String,
    /// Minutes of lessons left to reach it (from the lessons' estimates).
    pub estimated_time: i64,
}

/// Strengths and weaknesses.
#[derive(Debug, Serialize, ToSchema)]
pub struct LearningAnalytics {
    /// Topics with the highest mastery (≥ 0.6), at most 3.
    pub strongest_subjects: Vec<String>,
    /// Topics with evidence and mastery under 0.5, lowest first, at most 3.
    pub improvement_areas: Vec<String>,
    /// Share of reviews answered correctly, absent before the first review.
    pub retention_rate: Option<f64>,
    /// Mean minutes per active day.
    pub average_session_duration: f64,
}

/// A suggestion.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recommendation {
    /// `lesson` or `review`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What.
    pub title: String,
    /// Why.
    pub reason: String,
    /// The lesson or step id.
    pub target_id: String,
}

/// A teacher's view of one class.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClassProgress {
    /// Class id.
    pub class_id: String,
    /// Name.
    pub name: String,
    /// Students, by name.
    pub students: Vec<StudentProgress>,
    /// Mean mastery per topic over the students who have evidence in it.
    pub topic_averages: BTreeMap<String, f64>,
}

/// One student in a class view.
#[derive(Debug, Serialize, ToSchema)]
pub struct StudentProgress {
    /// User id.
    pub user_id: String,
    /// Name.
    pub full_name: String,
    /// E-mail.
    pub email: String,
    /// Lessons completed.
    pub lessons_completed: i64,
    /// Total XP.
    pub total_xp: i64,
    /// Streak as of the last activity.
    pub streak_days: i64,
    /// Local date of the last activity.
    pub last_active_date: Option<String>,
    /// Mean quiz score in percent.
    pub average_quiz_score: f64,
    /// Mastery per topic.
    pub mastery: Vec<TopicMasteryView>,
    /// Topics with evidence and mastery under 0.5: where the student needs help.
    pub struggling_topics: Vec<String>,
}

impl Learning {
    /// Mastery per topic of `user_id`.
    pub async fn mastery(&self, user_id: &str, now: Now) -> Result<MasteryReport, LearningError> {
        let catalog = self.catalog().await?;
        let data = self.learner_data(user_id).await?;
        self.mastery_of(&data, &learner_state(&data, &catalog, now))
            .await
    }

    /// The engine's mastery for `state` (built from `data`).
    async fn mastery_of(
        &self,
        data: &LearnerData,
        state: &LearnerState,
    ) -> Result<MasteryReport, LearningError> {
        let topics: Vec<TopicMasteryView> = self
            .engine_mastery(state)
            .await?
            .into_iter()
            .map(|t| TopicMasteryView {
                mastered: t.mastery >= MASTERED - 1e-9,
                topic: t.topic,
                mastery: t.mastery,
                quiz: t.quiz,
                exercises: t.exercises,
                code_quality: t.code_quality,
                consistency: t.consistency,
            })
            .collect();
        let overall = if topics.is_empty() {
            0.0
        } else {
            topics.iter().map(|t| t.mastery).sum::<f64>() / topics.len() as f64
        };
        Ok(MasteryReport {
            user_id: data.learner.user_id.clone(),
            overall,
            topics,
        })
    }

    /// Whether `viewer` may see `student`'s progress: themselves, a role that sees every
    /// user, or the teacher of a class the student accepted to be in (`learning::classes`).
    pub async fn may_view(
        &self,
        viewer: &str,
        sees_everyone: bool,
        student: &str,
    ) -> Result<bool, LearningError> {
        Ok(viewer == student || sees_everyone || self.db.teaches(viewer, student).await?)
    }

    /// The progress of `user_id` (docs/requirements.md#r-002-3.6).
    pub async fn user_progress(
        &self,
        user_id: &str,
        now: Now,
    ) -> Result<UserProgress, LearningError> {
        let catalog = self.catalog().await?;
        let data = self.learner_data(user_id).await?;
        let rows = self.db.lesson_progress(user_id).await?;
        let totals = self.db.attempt_totals(user_id).await?;
        let state = learner_state(&data, &catalog, now);
        let mastery = self.mastery_of(&data, &state).await?;
        let completed: HashSet<&str> = data.completed.iter().map(String::as_str).collect();
        let mut current_courses = Vec::new();
        let (mut enrolled, mut finished) = (0, 0);
        for course in &catalog.courses {
            let lessons: Vec<_> = catalog.course_lessons(&course.id).collect();
            let touched: Vec<&LessonProgressRow> = rows
                .iter()
                .filter(|r| lessons.iter().any(|l| l.row.id == r.lesson_id))
                .collect();
            if touched.is_empty() || lessons.is_empty() {
                continue;
            }
            enrolled += 1;
            let done = lessons
                .iter()
                .filter(|l| completed.contains(l.row.id.as_str()))
                .count();
            if done == lessons.len() {
                finished += 1;
                continue;
            }
            let next = lessons
                .iter()
                .find(|l| !completed.contains(l.row.id.as_str()));
            let milestone = next.map(|next| {
                let module_left: i64 = lessons
                    .iter()
                    .filter(|l| {
                        l.module.id == next.module.id && !completed.contains(l.row.id.as_str())
                    })
                    .map(|l| l.row.estimated_minutes.unwrap_or(10))
                    .sum();
                Milestone {
                    kind: "module_completion".into(),
                    title: format!("Complete {}", next.module.title),
                    estimated_time: module_left,
                }
            });
            current_courses.push(CourseProgress {
                course_id: course.id.clone(),
                title: course.title.clone(),
                progress_percentage: round1(100.0 * done as f64 / lessons.len() as f64),
                current_module: next.map(|l| l.module.title.clone()),
                last_accessed: touched.iter().map(|r| r.updated_at).max().map(rfc3339),
                next_milestone: milestone,
            });
        }
        let average_quiz_score = average_quiz_percent(&totals);
        let retention_rate = (totals.reviews > 0)
            .then(|| round2(totals.reviews_correct as f64 / totals.reviews as f64));
        let study_ms = totals.study_ms;
        let mut ranked: Vec<&TopicMasteryView> = mastery.topics.iter().collect();
        ranked.sort_by(|a, b| b.mastery.total_cmp(&a.mastery));
        let strongest = ranked
            .iter()
            .filter(|t| t.mastery >= 0.6)
            .take(3)
            .map(|t| t.topic.clone())
            .collect();
        let weak: Vec<String> = ranked
            .iter()
            .rev()
            .filter(|t| t.mastery < STRUGGLING)
            .take(3)
            .map(|t| t.topic.clone())
            .collect();
        let plan = self.plan_day(&state).await?;
        let mut recommendations = Vec::new();
        if let Some(lesson) = plan.lesson_id.as_deref().and_then(|id| catalog.lesson(id)) {
            recommendations.push(Recommendation {
                kind: "lesson".into(),
                title: lesson.row.title.clone(),
                reason: plan.reason.clone(),
                target_id: lesson.row.id.clone(),
            });
        }
        if !plan.review_ids.is_empty() {
            recommendations.push(Recommendation {
                kind: "review".into(),
                title: format!("{} review item(s) due", plan.review_ids.len()),
                reason: "Reviewing now, before you forget, makes it stick (spaced repetition)."
                    .into(),
                target_id: plan.review_ids[0].clone(),
            });
        }
        let recent = self
            .achievement_views(data.achievements.iter().rev().take(5).cloned())
            .await?;
        let certificates = self
            .db
            .certificates(user_id)
            .await?
            .into_iter()
            .map(|c| super::views::CertificateView {
                track_title: catalog
                    .track(&c.track_id)
                    .map(|t| t.title.clone())
                    .unwrap_or_default(),
                id: c.id,
                track_id: c.track_id,
                issued_at: rfc3339(c.issued_at),
            })
            .collect();
        Ok(UserProgress {
            user_id: user_id.to_owned(),
            overall_progress: OverallProgress {
                courses_enrolled: enrolled,
                courses_completed: finished,
                courses_in_progress: enrolled - finished,
                lessons_completed: completed.len() as i64,
                total_study_time_minutes: study_ms / 60_000,
                average_quiz_score,
                learning_streak_days: data.learner.streak,
                longest_streak_days: data.learner.longest_streak.max(data.learner.streak),
                total_xp: data.learner.total_xp,
            },
            current_courses,
            recent_achievements: recent,
            learning_analytics: LearningAnalytics {
                strongest_subjects: strongest,
                improvement_areas: weak,
                retention_rate,
                average_session_duration: if totals.active_days == 0 {
                    0.0
                } else {
                    round1(study_ms as f64 / 60_000.0 / totals.active_days as f64)
                },
            },
            recommendations,
            certificates,
        })
    }

    /// Progress and mastery of every member of a class.
    pub async fn class_progress(
        &self,
        viewer: &str,
        sees_everyone: bool,
        class_id: &str,
        now: Now,
    ) -> Result<ClassProgress, LearningError> {
        let class = self.class_for(viewer, sees_everyone, class_id).await?;
        let catalog = self.catalog().await?;
        let mut students = Vec::new();
        let mut sums: BTreeMap<String, (f64, u32)> = BTreeMap::new();
        for m in self.db.class_members(&class.id).await? {
            let Some(data) = self.db.learner_data(&m.user_id).await? else {
                continue;
            };
            let mastery = self
                .mastery_of(&data, &learner_state(&data, &catalog, now))
                .await?;
            let totals = self.db.attempt_totals(&m.user_id).await?;
            let with_evidence: HashSet<&str> = data
                .topics
                .iter()
                .filter(|t| t.quiz_attempts + t.exercise_attempts > 0)
                .map(|t| t.topic.as_str())
                .collect();
            for t in &mastery.topics {
                if with_evidence.contains(t.topic.as_str()) {
                    let e = sums.entry(t.topic.clone()).or_default();
                    e.0 += t.mastery;
                    e.1 += 1;
                }
            }
            students.push(StudentProgress {
                user_id: m.user_id,
                full_name: m.full_name,
                email: m.email,
                lessons_completed: data.completed.len() as i64,
                total_xp: data.learner.total_xp,
                streak_days: data.learner.streak,
                last_active_date: data.learner.last_active_date.clone(),
                average_quiz_score: average_quiz_percent(&totals),
                struggling_topics: mastery
                    .topics
                    .iter()
                    .filter(|t| with_evidence.contains(t.topic.as_str()) && t.mastery < STRUGGLING)
                    .map(|t| t.topic.clone())
                    .collect(),
                mastery: mastery.topics,
            });
        }
        Ok(ClassProgress {
            class_id: class.id,
            name: class.name,
            students,
            topic_averages: sums
                .into_iter()
                .map(|(topic, (sum, n))| (topic, round2(sum / f64::from(n))))
                .collect(),
        })
    }
}

/// Mean score of the learner's quiz answers, in percent (0 without any).
fn average_quiz_percent(totals: &AttemptTotals) -> f64 {
    if totals.quiz_answers == 0 {
        0.0
    } else {
        round1(100.0 * totals.quiz_score_sum / totals.quiz_answers as f64)
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl Learning {
    /// Everything the learning core stores about `user_id`, for `GET /api/v1/me/export`.
    pub async fn export(&self, user_id: &str) -> Result<serde_json::Value, LearningError> {
        use serde_json::json;
        let Some(data) = self.db.learner_data(user_id).await? else {
            return Ok(json!({}));
        };
        let attempts: Vec<_> = self
            .db
            .attempts_with_answers(user_id)
            .await?
            .into_iter()
            .map(|(a, answer)| {
                json!({ "step_id": a.step_id, "lesson_id": a.lesson_id, "kind": a.kind,
                        "attempt": a.attempt, "answer": answer, "score": a.score,
                        "correct": a.correct, "review": a.review, "duration_ms": a.duration_ms,
                        "at": rfc3339(a.created_at) })
            })
            .collect();
        let lessons: Vec<_> = self
            .db
            .lesson_progress(user_id)
            .await?
            .into_iter()
            .map(|p| {
                json!({ "lesson_id": p.lesson_id, "step": p.step, "status": p.status,
                        "started_at": rfc3339(p.started_at),
                        "completed_at": p.completed_at.map(rfc3339) })
            })
            .collect();
        let projects: Vec<_> = self
            .db
            .submissions_of(user_id)
            .await?
            .into_iter()
            .map(|s| {
                json!({ "id": s.id, "project_id": s.project_id, "payload": s.payload,
                        "status": s.status, "score": s.score,
                        "submitted_at": rfc3339(s.created_at) })
            })
            .collect();
        let alerts = self.alerts_of(user_id).await?;
        let certificates: Vec<_> = self
            .db
            .certificates(user_id)
            .await?
            .into_iter()
            .map(|c| json!({ "id": c.id, "track_id": c.track_id, "issued_at": rfc3339(c.issued_at) }))
            .collect();
        Ok(json!({
            "streak_days": data.learner.streak,
            "last_active_date": data.learner.last_active_date,
            "total_xp": data.learner.total_xp,
            "lesson_progress": lessons,
            "struggle_alerts": alerts,
            "attempts": attempts,
            "achievements": data.achievements.iter()
                .map(|(id, at)| json!({ "id": id, "earned_at": rfc3339(*at) }))
                .collect::<Vec<_>>(),
            "review_schedule": data.reviews.iter()
                .map(|r| json!({ "item_id": r.item_id, "due_at": rfc3339(r.due_at),
                                 "stability": r.stability, "difficulty": r.difficulty }))
                .collect::<Vec<_>>(),
            "topic_stats": data.topics.iter()
                .map(|t| json!({ "topic": t.topic, "mastery": t.mastery }))
                .collect::<Vec<_>>(),
            "project_submissions": projects,
            "certificates": certificates,
        }))
    }
}
