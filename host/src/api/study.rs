//! Seed 002's AI study endpoints over HTTP (`crate::study`; docs/study.md): generate a
//! quiz, a Socratic study session, generate a course (a draft pack a teacher publishes).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::AppState;
use super::caller::Caller;
use super::error::{ApiError, ErrorBody};
use super::json::ValidJson;
use crate::auth::Permission;
use crate::study::StudyError;
use crate::study::course::{CourseDraft, CourseRequest, GeneratedCourse, Published};
use crate::study::quiz::{GeneratedQuiz, QuizRequest};
use crate::study::session::{SessionReply, SessionRequest, SessionView};

/// Routes that ask a model: the AI rate class, idempotent.
pub(super) fn ai_routes() -> Router<AppState> {
    Router::new()
        .route("/ai/generate-quiz", post(generate_quiz))
        .route("/ai/study-session", post(study_session))
        .route("/ai/generate-course", post(generate_course))
}

/// Reading and publishing routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/ai/quizzes/{quiz_id}", get(quiz))
        .route("/ai/study-sessions", get(sessions))
        .route("/ai/study-sessions/{session_id}", get(session))
        .route("/ai/courses/{course_id}", get(course))
        .route("/ai/courses/{course_id}/publish", post(publish))
}

impl From<StudyError> for ApiError {
    fn from(e: StudyError) -> Self {
        match e {
            StudyError::Invalid { field, message } => ApiError::Validation {
                field,
                issue: message,
            },
            StudyError::NotFound { what, field, id } => ApiError::Refused {
                status: StatusCode::NOT_FOUND,
                code: "NOT_FOUND",
                message: format!("no {what} `{id}`"),
                field: Some(field),
            },
            e @ StudyError::Rejected { .. } => ApiError::Refused {
                status: StatusCode::BAD_GATEWAY,
                code: "UPSTREAM_ERROR",
                message: e.to_string(),
                field: None,
            },
            StudyError::Unpublishable(message) => ApiError::Refused {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "INVALID_PACK",
                message,
                field: Some("course_id"),
            },
            StudyError::Conflict(message) => ApiError::Refused {
                status: StatusCode::CONFLICT,
                code: "CONFLICT",
                message,
                field: Some("course_id"),
            },
            StudyError::Ai(e) => e.into(),
            StudyError::Learning(e) => e.into(),
            StudyError::Store(e) => e.into(),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/ai/generate-quiz", tag = "study", security(("bearer" = [])),
    request_body(content = QuizRequest, example = json!({"resourceId": "values-and-variables", "questionCount": 5, "quizType": "multiple_choice", "difficulty": "intermediate"})),
    responses(
        (status = 200, description = "The quiz, checked (distinct questions and options, answers among the options) and stored", body = GeneratedQuiz),
        (status = 400, description = "Malformed JSON or an unknown field", body = ErrorBody),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 422, description = "A field out of bounds (details.field names it: resourceId, questionCount 1-20, quizType, difficulty, content 50-5000 characters); or SAFETY_BLOCKED: the text was stopped by the safety gate, and the message is the crisis or supportive response", body = ErrorBody),
        (status = 429, description = "Over the AI rate limit or the AI budget; see Retry-After", body = ErrorBody),
        (status = 502, description = "The model's quiz failed its checks (UPSTREAM_ERROR naming each problem) or its schema (SCHEMA_MISMATCH)", body = ErrorBody),
        (status = 503, description = "No safety filter or AI gateway installed, or no model reachable", body = ErrorBody)))]
pub(super) async fn generate_quiz(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ValidJson(body): ValidJson<QuizRequest>,
) -> Result<Json<GeneratedQuiz>, ApiError> {
    caller.require(Permission::AiGeneration)?;
    let region = super::client_region(&headers);
    Ok(Json(
        state
            .study
            .generate_quiz(caller.user_id(), region, body)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/ai/quizzes/{quiz_id}", operation_id = "generated_quiz", tag = "study", security(("bearer" = [])),
    params(("quiz_id" = String, Path, description = "A quiz generated for you")),
    responses(
        (status = 200, description = "The quiz as it was generated", body = GeneratedQuiz),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "No such quiz of yours", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn quiz(
    State(state): State<AppState>,
    caller: Caller,
    Path(quiz_id): Path<String>,
) -> Result<Json<GeneratedQuiz>, ApiError> {
    caller.require(Permission::AiGeneration)?;
    Ok(Json(state.study.quiz(caller.user_id(), &quiz_id).await?))
}

#[utoipa::path(post, path = "/api/v1/ai/study-session", tag = "study", security(("bearer" = [])),
    request_body(content = SessionRequest, example = json!({"resourceId": "values-and-variables", "userInput": "I don't understand what a variable really is", "conversationHistory": [{"role": "user", "content": "What is a variable?"}, {"role": "assistant", "content": "Before I explain: what do you think happens when you write x = 5?"}]})),
    responses(
        (status = 200, description = "The tutor's reply (a guiding question), the whole history and the stored session's id. A message the safety gate stops is answered with the crisis or supportive response (`blocked: true`, `ai_model_used: tessera-safety`) and not stored.", body = SessionReply),
        (status = 400, description = "Malformed JSON or an unknown field", body = ErrorBody),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "No such session of yours (details.field = session_id)", body = ErrorBody),
        (status = 409, description = "Another turn of the session was stored meanwhile; send it again", body = ErrorBody),
        (status = 422, description = "A field out of bounds (details.field names it, e.g. conversationHistory[2].role)", body = ErrorBody),
        (status = 429, description = "Over the AI rate limit or the AI budget; see Retry-After", body = ErrorBody),
        (status = 503, description = "No safety filter or AI gateway installed, or no model reachable", body = ErrorBody)))]
pub(super) async fn study_session(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ValidJson(body): ValidJson<SessionRequest>,
) -> Result<Json<SessionReply>, ApiError> {
    caller.require(Permission::AiGeneration)?;
    let region = super::client_region(&headers);
    Ok(Json(
        state
            .study
            .study_turn(caller.user_id(), region, body)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/ai/study-sessions", tag = "study", security(("bearer" = [])),
    responses(
        (status = 200, description = "Your study sessions, most recent first, each with its history", body = Vec<SessionView>),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn sessions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<SessionView>>, ApiError> {
    caller.require(Permission::AiGeneration)?;
    Ok(Json(state.study.study_sessions(caller.user_id()).await?))
}

#[utoipa::path(get, path = "/api/v1/ai/study-sessions/{session_id}", tag = "study", security(("bearer" = [])),
    params(("session_id" = String, Path, description = "A session of yours")),
    responses(
        (status = 200, description = "The session and its history", body = SessionView),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "No such session of yours", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn session(
    State(state): State<AppState>,
    caller: Caller,
    Path(session_id): Path<String>,
) -> Result<Json<SessionView>, ApiError> {
    caller.require(Permission::AiGeneration)?;
    Ok(Json(
        state
            .study
            .study_session(caller.user_id(), &session_id)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/ai/generate-course", tag = "study", security(("bearer" = [])),
    request_body(content = CourseRequest, example = json!({"topic": "Introduction to Python Programming", "duration": "6_weeks", "difficulty": "beginner", "learning_style": "hands_on", "objectives": ["Master Python syntax and data structures", "Build real-world applications", "Understand object-oriented programming", "Learn debugging and testing"], "target_audience": "programming_beginners"})),
    responses(
        (status = 200, description = "The course, stored as a draft content pack (`status: draft`) until a teacher publishes it", body = GeneratedCourse),
        (status = 400, description = "Malformed JSON or an unknown field", body = ErrorBody),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 422, description = "A field out of bounds (details.field names it: topic, duration 1-16 weeks, difficulty, learning_style, objectives 3-10, target_audience); or SAFETY_BLOCKED with the crisis or supportive response as the message", body = ErrorBody),
        (status = 429, description = "Over the AI rate limit or the AI budget; see Retry-After", body = ErrorBody),
        (status = 502, description = "The model's course failed its checks or its schema", body = ErrorBody),
        (status = 503, description = "No safety filter or AI gateway installed, or no model reachable", body = ErrorBody)))]
pub(super) async fn generate_course(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ValidJson(body): ValidJson<CourseRequest>,
) -> Result<Json<GeneratedCourse>, ApiError> {
    caller.require(Permission::AiGeneration)?;
    let region = super::client_region(&headers);
    Ok(Json(
        state
            .study
            .generate_course(caller.user_id(), region, body)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/ai/courses/{course_id}", tag = "study", security(("bearer" = [])),
    params(("course_id" = String, Path, description = "A generated course: yours, or any if you may create courses (teachers and above)")),
    responses(
        (status = 200, description = "The course, its state and its pack's files", body = CourseDraft),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 404, description = "No such course you may read", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn course(
    State(state): State<AppState>,
    caller: Caller,
    Path(course_id): Path<String>,
) -> Result<Json<CourseDraft>, ApiError> {
    caller.require(Permission::AiGeneration)?;
    let teacher = caller.role().allows(Permission::CreateCourses);
    Ok(Json(
        state
            .study
            .course_draft(caller.user_id(), teacher, &course_id)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/ai/courses/{course_id}/publish", tag = "study", security(("bearer" = [])),
    params(("course_id" = String, Path, description = "A generated course")),
    responses(
        (status = 200, description = "Imported through the content import (docs/content.md): its lessons are served from now on", body = Published),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Only teachers and above create courses", body = ErrorBody),
        (status = 404, description = "No such course", body = ErrorBody),
        (status = 409, description = "Published already, or another pack owns its ids", body = ErrorBody),
        (status = 422, description = "The draft does not import (INVALID_PACK, every problem named)", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    Path(course_id): Path<String>,
) -> Result<Json<Published>, ApiError> {
    caller.require(Permission::CreateCourses)?;
    let published = state
        .study
        .publish_course(caller.user_id(), &course_id)
        .await?;
    state.learning.content_changed().await?;
    Ok(Json(published))
}
