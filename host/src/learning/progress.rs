//! Progress views: a learner's progress in the shape of docs/requirements.md#r-002-3.6, mastery per
//! topic (the lesson engine's formula, #r-003-fr-026), and a teacher's view of a class.
//!
//! Figures the seed lists that Tessera has no data for are derived or left out, never
//! invented: study time is the time clients report per answer, or the lesson engine's
//! expected time of the step when they report none; retention is the share of
//! spaced-repetition reviews answered correctly.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use serde::Serialize;
use utoipa::ToSchema;

use super::catalog::Lesson;
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
/// The most popular published courses a course recommendation is chosen among.
const RECOMMENDATION_CANDIDATES: i64 = 100;

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
    /// Last activity in the course, RFC 3339 (absent for a course enrolled in and not
    /// started).
    pub last_accessed: Option<String>,
    /// The local date (`YYYY-MM-DD`) the course is done at the learner's own pace: the
    /// minutes of lessons left over their minutes per active day (15 before they have one).
    pub estimated_completion: String,
    /// Whether the learner enrolled in it (else they started it without enrolling).
    pub enrolled: bool,
    /// The next milestone.
    pub next_milestone: Option<Milestone>,
}

/// A learner's progress in one course (seed 002 §4.3's `Progress`).
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseProgressRecord {
    /// The learner.
    pub user_id: String,
    /// The course.
    pub course_id: String,
    /// The module of the next lesson (absent once completed).
    pub module_id: Option<String>,
    /// The next lesson (absent once completed).
    pub lesson_id: Option<String>,
    /// `not_started`, `in_progress` or `completed`.
    pub status: String,
    /// Lessons completed, percent.
    pub progress_percentage: f64,
    /// First activity, RFC 3339.
    pub started_at: Option<String>,
    /// When the last lesson was completed, RFC 3339.
    pub completed_at: Option<String>,
    /// Last activity, RFC 3339.
    pub last_accessed: Option<String>,
    /// Seconds spent (reported per answer, or the step kind's expected time).
    pub time_spent: i64,
    /// Graded answers (quizzes, code, projects) in the course.
    pub attempts: i64,
    /// The best graded answer's score, percent.
    pub best_score: Option<f64>,
    /// The mean score of the latest graded answer to each step, percent.
    pub current_score: Option<f64>,
    /// Days with activity in the course over the last 14, per week, capped at 1.
    pub engagement_score: f64,
    /// Answers of every kind in the course (explanations read included).
    pub interaction_count: i64,
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
    /// The style chosen in the profile joined with the kind of step most time goes to
    /// (`reading`, `practice`, `hands_on`), e.g. `visual_hands_on` (docs/learning.md).
    pub preferred_learning_style: String,
    /// The part of the local day whose answers score best (`morning`, `afternoon`,
    /// `evening`, `night`), absent until one part has 5 graded answers.
    pub optimal_study_time: Option<String>,
    /// Lessons per week over the last 28 days: `slow` (< 1), `steady` (< 3) or `fast`;
    /// absent before the first lesson completed.
    pub learning_velocity: Option<String>,
}

/// A suggestion.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recommendation {
    /// `lesson`, `review` or `course`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What.
    pub title: String,
    /// Why.
    pub reason: String,
    /// The lesson, step or course id.
    pub target_id: String,
    /// How sure the suggestion is, 0-1 (docs/learning.md, "Recommendations"): a lesson the
    /// engine planned 0.9 when it continues one started, else 0.8; reviews 0.6 plus 0.05 per
    /// item due (at most 0.95); a course its interest match with the courses taken.
    pub confidence: f64,
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
        let briefs = self.db.attempt_briefs(user_id).await?;
        let stated_style = self
            .db
            .user_with_profile(user_id)
            .await?
            .and_then(|(_, p)| p)
            .map_or_else(|| "visual".to_owned(), |p| p.learning_style);
        let state = learner_state(&data, &catalog, now);
        let mastery = self.mastery_of(&data, &state).await?;
        let completed: HashSet<&str> = data.completed.iter().map(String::as_str).collect();
        let enrolled_in: HashSet<&str> = data.enrolled.iter().map(|(c, _, _)| c.as_str()).collect();
        let study_ms = totals.study_ms;
        let minutes_per_day = if totals.active_days == 0 {
            0.0
        } else {
            study_ms as f64 / 60_000.0 / totals.active_days as f64
        };
        let timezone = data.learner.timezone.as_str();
        let mut current_courses = Vec::new();
        let (mut enrolled, mut finished) = (0, 0);
        for course in &catalog.courses {
            let lessons: Vec<_> = catalog.course_lessons(&course.id).collect();
            let touched: Vec<&LessonProgressRow> = rows
                .iter()
                .filter(|r| lessons.iter().any(|l| l.row.id == r.lesson_id))
                .collect();
            let is_enrolled = enrolled_in.contains(course.id.as_str());
            if (touched.is_empty() && !is_enrolled) || lessons.is_empty() {
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
            let left = |l: &Lesson| !completed.contains(l.row.id.as_str());
            let minutes = |l: &Lesson| l.row.estimated_minutes.unwrap_or(10);
            let next = lessons.iter().find(|l| left(l));
            let milestone = next.map(|next| Milestone {
                kind: "module_completion".into(),
                title: format!("Complete {}", next.module.title),
                estimated_time: lessons
                    .iter()
                    .filter(|l| l.module.id == next.module.id && left(l))
                    .map(|l| minutes(l))
                    .sum(),
            });
            let course_left: i64 = lessons.iter().filter(|l| left(l)).map(|l| minutes(l)).sum();
            current_courses.push(CourseProgress {
                course_id: course.id.clone(),
                title: course.title.clone(),
                progress_percentage: round1(100.0 * done as f64 / lessons.len() as f64),
                current_module: next.map(|l| l.module.title.clone()),
                last_accessed: touched.iter().map(|r| r.updated_at).max().map(rfc3339),
                estimated_completion: super::analytics::estimated_completion(
                    now.0,
                    timezone,
                    course_left,
                    minutes_per_day,
                ),
                enrolled: is_enrolled,
                next_milestone: milestone,
            });
        }
        let average_quiz_score = average_quiz_percent(&totals);
        let retention_rate = (totals.reviews > 0)
            .then(|| round2(totals.reviews_correct as f64 / totals.reviews as f64));
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
            let started = rows.iter().any(|r| r.lesson_id == lesson.row.id);
            recommendations.push(Recommendation {
                kind: "lesson".into(),
                title: lesson.row.title.clone(),
                reason: plan.reason.clone(),
                target_id: lesson.row.id.clone(),
                confidence: if started { 0.9 } else { 0.8 },
            });
        }
        if !plan.review_ids.is_empty() {
            recommendations.push(Recommendation {
                kind: "review".into(),
                title: format!("{} review item(s) due", plan.review_ids.len()),
                reason: "Reviewing now, before you forget, makes it stick (spaced repetition)."
                    .into(),
                target_id: plan.review_ids[0].clone(),
                confidence: round2((0.6 + 0.05 * plan.review_ids.len() as f64).min(0.95)),
            });
        }
        recommendations.extend(self.course_recommendation(&data, &rows, &catalog).await?);
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
        let completions: Vec<i64> = rows.iter().filter_map(|r| r.completed_at).collect();
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
                average_session_duration: round1(minutes_per_day),
                preferred_learning_style: super::analytics::preferred_style(&stated_style, &briefs),
                optimal_study_time: super::analytics::optimal_study_time(&briefs, timezone)
                    .map(str::to_owned),
                learning_velocity: super::analytics::learning_velocity(&completions, now.0)
                    .map(str::to_owned),
            },
            recommendations,
            certificates,
        })
    }

    /// `user_id`'s progress in `course_id` (seed 002 §4.3); 404 for a course without lessons.
    pub async fn course_progress(
        &self,
        user_id: &str,
        course_id: &str,
        now: Now,
    ) -> Result<CourseProgressRecord, LearningError> {
        let catalog = self.catalog().await?;
        let lessons: Vec<&Arc<Lesson>> = catalog.course_lessons(course_id).collect();
        if lessons.is_empty() {
            return Err(LearningError::not_found("course", course_id));
        }
        let data = self.learner_data(user_id).await?;
        let ids: HashSet<&str> = lessons.iter().map(|l| l.row.id.as_str()).collect();
        let rows: Vec<LessonProgressRow> = self
            .db
            .lesson_progress(user_id)
            .await?
            .into_iter()
            .filter(|r| ids.contains(r.lesson_id.as_str()))
            .collect();
        let briefs: Vec<_> = self
            .db
            .attempt_briefs(user_id)
            .await?
            .into_iter()
            .filter(|a| ids.contains(a.lesson_id.as_str()))
            .collect();
        let completed: HashSet<&str> = data.completed.iter().map(String::as_str).collect();
        let done = lessons
            .iter()
            .filter(|l| completed.contains(l.row.id.as_str()))
            .count();
        let next = lessons
            .iter()
            .find(|l| !completed.contains(l.row.id.as_str()));
        let graded: Vec<_> = briefs.iter().filter(|a| a.kind != "explanation").collect();
        let days: HashSet<i64> = briefs
            .iter()
            .filter(|a| a.created_at > now.0 - 14 * 86_400_000 && a.created_at <= now.0)
            .map(|a| a.created_at.div_euclid(86_400_000))
            .collect();
        let status = if done == lessons.len() {
            "completed"
        } else if rows.is_empty() && briefs.is_empty() {
            "not_started"
        } else {
            "in_progress"
        };
        let latest = self.db.latest_scores(user_id, &ids).await?;
        Ok(CourseProgressRecord {
            user_id: user_id.to_owned(),
            course_id: course_id.to_owned(),
            module_id: next.map(|l| l.module.id.clone()),
            lesson_id: next.map(|l| l.row.id.clone()),
            status: status.into(),
            progress_percentage: round1(100.0 * done as f64 / lessons.len() as f64),
            started_at: rows
                .iter()
                .map(|r| r.started_at)
                .chain(briefs.first().map(|a| a.created_at))
                .min()
                .map(rfc3339),
            completed_at: (status == "completed")
                .then(|| rows.iter().filter_map(|r| r.completed_at).max())
                .flatten()
                .map(rfc3339),
            last_accessed: rows
                .iter()
                .map(|r| r.updated_at)
                .chain(briefs.last().map(|a| a.created_at))
                .max()
                .map(rfc3339),
            time_spent: briefs.iter().map(|a| a.study_ms).sum::<i64>() / 1000,
            attempts: graded.len() as i64,
            best_score: graded
                .iter()
                .map(|a| a.score)
                .max_by(f64::total_cmp)
                .map(|s| round1(100.0 * s)),
            current_score: (!latest.is_empty())
                .then(|| round1(100.0 * latest.iter().sum::<f64>() / latest.len() as f64)),
            engagement_score: round2((days.len() as f64 / 7.0).min(1.0)),
            interaction_count: briefs.len() as i64,
        })
    }

    /// A published course the learner has not taken whose tags best match the tags of the
    /// courses they enrolled in or started (Jaccard overlap, the confidence), if any
    /// overlaps.
    async fn course_recommendation(
        &self,
        data: &LearnerData,
        rows: &[LessonProgressRow],
        catalog: &super::catalog::Catalog,
    ) -> Result<Option<Recommendation>, LearningError> {
        let mut taken: HashSet<String> = data.enrolled.iter().map(|(c, _, _)| c.clone()).collect();
        for r in rows {
            if let Some(l) = catalog.lesson(&r.lesson_id) {
                taken.insert(l.course.id.clone());
            }
        }
        if taken.is_empty() {
            return Ok(None);
        }
        let mut interests: HashSet<String> = HashSet::new();
        for id in &taken {
            if let Some(l) = self.db.course_listing(id).await? {
                interests.extend(l.tags.iter().map(|t| t.to_lowercase()));
            }
        }
        if interests.is_empty() {
            return Ok(None);
        }
        let (candidates, _) = self
            .db
            .list_courses(
                &crate::store::catalog::CourseFilter::default(),
                crate::store::catalog::CourseOrder::Popular,
                RECOMMENDATION_CANDIDATES,
                0,
            )
            .await?;
        let best = candidates
            .into_iter()
            .filter(|c| !taken.contains(&c.course_id))
            .map(|c| {
                let tags: HashSet<String> = c.tags.iter().map(|t| t.to_lowercase()).collect();
                let shared = tags.intersection(&interests).count();
                let union = tags.union(&interests).count().max(1);
                (shared as f64 / union as f64, shared, c)
            })
            .filter(|(_, shared, _)| *shared > 0)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        Ok(best.map(|(score, shared, c)| Recommendation {
            kind: "course".into(),
            reason: format!(
                "Shares {shared} topic(s) with courses you took: {}",
                c.tags
                    .iter()
                    .filter(|t| interests.contains(&t.to_lowercase()))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            title: c.title,
            target_id: c.course_id,
            confidence: round2(score),
        }))
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
