//! The learning REST API (`crate::learning` does the work; GraphQL calls the same
//! services): today's lesson, answering steps, tone, projects, badges, progress. Classes
//! are in `api::classes`.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::AppState;
use super::caller::Caller;
use super::error::{ApiError, ErrorBody};
use super::json::ValidJson;
use crate::auth::Permission;
use crate::learning::badges::BadgeError;
use crate::learning::progress::UserProgress;
use crate::learning::views::{
    ExerciseResult, LessonStep, MasteryReport, ProjectScore, QuizFeedback, ShareLink,
    StepCompletion,
};
use crate::learning::{LearningError, Now};

/// Routes under `/api/v1` that need a caller.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/lessons/daily", get(daily))
        .route("/lessons/{lesson_id}/tone", post(tone))
        .route("/steps/{step_id}/quiz", post(quiz))
        .route("/steps/{step_id}/complete", post(complete))
        .route("/exercises/{step_id}/submit", post(exercise))
        .route("/projects/submissions/{id}", get(submission))
        .route("/tracks/{track_id}/badge/share", post(share))
        .route("/progress/user/{user_id}", get(progress))
        .route("/progress/mastery", get(mastery))
}

/// `POST /projects/{id}/submissions` (creates a job: `Idempotency-Key` applies).
pub(super) fn project_routes() -> Router<AppState> {
    Router::new().route("/projects/{project_id}/submissions", post(submit_project))
}

/// The public badge pages (no `/api/v1` prefix, no token).
pub(super) fn public_routes() -> Router<AppState> {
    Router::new().route("/badges/{token}", get(badge))
}

pub(super) fn now(state: &AppState, headers: &HeaderMap) -> Result<Now, ApiError> {
    Ok(Now::from_headers(headers, state.learning.test_clock())?)
}

/// Body of `POST /steps/{id}/quiz`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuizBody {
    /// The answer in the question kind's shape (docs/grading.md), e.g. `{"selected": [1]}`.
    #[schema(value_type = Object)]
    pub answers: Value,
    /// Time the learner spent, ms (study time and the recall rating).
    pub duration_ms: Option<u32>,
}

/// Body of `POST /exercises/{id}/submit`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExerciseBody {
    /// The learner's Python program, at most 64 KiB.
    pub code: String,
    /// Time the learner spent, ms.
    pub duration_ms: Option<u32>,
}

/// Optional body of `POST /steps/{id}/complete`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteBody {
    /// Time the learner spent reading, ms.
    pub duration_ms: Option<u32>,
}

/// Body of `POST /lessons/{id}/tone`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToneBody {
    /// `friendly`, `formal`, `socratic`, `concise` or `playful`.
    pub tone: String,
}

/// `?user_id=` of `GET /progress/mastery`.
#[derive(Debug, Deserialize)]
pub struct MasteryQuery {
    /// Another learner (self when absent).
    pub user_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/lessons/daily", tag = "learning", security(("bearer" = [])),
    responses(
        (status = 200, description = "Seed 000's getDailyLesson: the step to do now and the reviews due", body = LessonStep),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 503, description = "No lesson engine installed", body = ErrorBody)))]
pub(super) async fn daily(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Json<LessonStep>, ApiError> {
    caller.require(Permission::ViewCourses)?;
    let now = now(&state, &headers)?;
    Ok(Json(
        state.learning.daily_lesson(caller.user_id(), now).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/steps/{step_id}/quiz", operation_id = "submit_quiz", tag = "learning", security(("bearer" = [])),
    params(("step_id" = String, Path, description = "A quiz step")),
    request_body(content = QuizBody, example = json!({"answers": {"selected": [1]}})),
    responses(
        (status = 200, description = "Seed 000's QuizFeedback; a step answered before returns its stored feedback (`replayed`)", body = QuizFeedback),
        (status = 404, description = "No such step", body = ErrorBody),
        (status = 422, description = "Answers of the wrong shape, or not a quiz step; `details.field` names it", body = ErrorBody)))]
pub(super) async fn quiz(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(step_id): Path<String>,
    ValidJson(body): ValidJson<QuizBody>,
) -> Result<Json<QuizFeedback>, ApiError> {
    caller.require(Permission::ViewCourses)?;
    let now = now(&state, &headers)?;
    Ok(Json(
        state
            .learning
            .submit_quiz(
                caller.user_id(),
                &step_id,
                body.answers,
                body.duration_ms,
                now,
            )
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/steps/{step_id}/complete", tag = "learning", security(("bearer" = [])),
    params(("step_id" = String, Path, description = "An explanation step")),
    request_body(content = Option<CompleteBody>),
    responses(
        (status = 200, description = "The explanation is read; idempotent", body = StepCompletion),
        (status = 404, description = "No such step", body = ErrorBody),
        (status = 422, description = "Not an explanation step", body = ErrorBody)))]
pub(super) async fn complete(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(step_id): Path<String>,
    body: Bytes,
) -> Result<Json<StepCompletion>, ApiError> {
    caller.require(Permission::ViewCourses)?;
    let body: CompleteBody = if body.iter().all(u8::is_ascii_whitespace) {
        CompleteBody::default()
    } else {
        serde_json::from_slice::<Option<CompleteBody>>(&body)
            .map_err(|e| ApiError::BadRequest {
                field: None,
                message: format!("malformed body: {e}"),
            })?
            .unwrap_or_default()
    };
    let now = now(&state, &headers)?;
    Ok(Json(
        state
            .learning
            .complete_step(caller.user_id(), &step_id, body.duration_ms, now)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/exercises/{step_id}/submit", tag = "learning", security(("bearer" = [])),
    params(("step_id" = String, Path, description = "A code exercise step")),
    request_body(content = ExerciseBody, example = json!({"code": "print('Hello, world!')"})),
    responses(
        (status = 200, description = "Per-test results from the sandbox and the progress made", body = ExerciseResult),
        (status = 404, description = "No such step", body = ErrorBody),
        (status = 413, description = "Code over 64 KiB", body = ErrorBody),
        (status = 422, description = "Not a code exercise", body = ErrorBody)))]
pub(super) async fn exercise(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(step_id): Path<String>,
    ValidJson(body): ValidJson<ExerciseBody>,
) -> Result<Json<ExerciseResult>, ApiError> {
    caller.require(Permission::ViewCourses)?;
    let now = now(&state, &headers)?;
    let user = caller.user_id();
    // A step of the catalog, else an exercise the tutor generated for this learner.
    if state.learning.catalog().await?.step(&step_id).is_none()
        && let Ok(generated) = state.tutor.exercise_of(user, &step_id).await
    {
        return Ok(Json(
            state
                .learning
                .submit_generated(user, &generated, body.code)
                .await?,
        ));
    }
    Ok(Json(
        state
            .learning
            .submit_exercise(user, &step_id, body.code, body.duration_ms, now)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/lessons/{lesson_id}/tone", tag = "learning", security(("bearer" = [])),
    params(("lesson_id" = String, Path, description = "A lesson")),
    request_body(content = ToneBody, example = json!({"tone": "playful"})),
    responses(
        (status = 200, description = "Seed 000's switchTone: the learner's current step of the lesson in the tone", body = LessonStep),
        (status = 404, description = "No such lesson", body = ErrorBody),
        (status = 422, description = "Not a tone", body = ErrorBody),
        (status = 429, description = "AI budget used up", body = ErrorBody)))]
pub(super) async fn tone(
    State(state): State<AppState>,
    caller: Caller,
    Path(lesson_id): Path<String>,
    ValidJson(body): ValidJson<ToneBody>,
) -> Result<Json<LessonStep>, ApiError> {
    caller.require(Permission::ViewCourses)?;
    Ok(Json(
        state
            .learning
            .switch_tone(caller.user_id(), &lesson_id, &body.tone)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/projects/{project_id}/submissions", tag = "learning", security(("bearer" = [])),
    params(("project_id" = String, Path, description = "A mini-project step")),
    request_body(content = Object, example = json!({"code": "def average(xs):\n    return sum(xs) / len(xs)", "text": "My grade book reads scores and prints the average."})),
    responses(
        (status = 202, description = "Seed 000's submitProject: queued; poll the Location", body = ProjectScore),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such project", body = ErrorBody),
        (status = 409, description = "PROJECT_QUEUE_FULL: the learner already has --max-queued-projects submissions waiting to be graded", body = ErrorBody),
        (status = 413, description = "Payload over 64 KiB", body = ErrorBody),
        (status = 422, description = "Not a mini-project, or an empty payload; or SAFETY_BLOCKED: the safety gate stopped a text of it (the message is the crisis or supportive response) and nothing was queued", body = ErrorBody),
        (status = 429, description = "Rate limited: a submission is graded by a model, so it counts as an AI request (10/min); see Retry-After", body = ErrorBody)))]
pub(super) async fn submit_project(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    ValidJson(payload): ValidJson<Value>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ViewCourses)?;
    let now = now(&state, &headers)?;
    screen_submission(&state, caller.user_id(), &headers, &payload).await?;
    let score = state
        .learning
        .submit_project(caller.user_id(), &project_id, payload, now)
        .await?;
    let location = format!("/api/v1/projects/submissions/{}", score.submission_id);
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(score),
    )
        .into_response())
}

/// A submission is read by a model: the safety gate sees its texts first, so a learner in
/// crisis gets the crisis response now rather than a grade later. Without a safety filter
/// the submission is queued anyway (a rubric grader may not need a model, and one that
/// does is refused at its `llm` import, which fails closed).
async fn screen_submission(
    state: &AppState,
    user_id: &str,
    headers: &HeaderMap,
    payload: &Value,
) -> Result<(), ApiError> {
    fn texts<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::String(s) => out.push(s),
            Value::Array(items) => items.iter().for_each(|v| texts(v, out)),
            Value::Object(map) => map.values().for_each(|v| texts(v, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    texts(payload, &mut found);
    // One text, screened once: a payload of many small strings costs one pass of the gate
    // (whose meaning stage reads a long text in windows), not one per string.
    let joined = found.join("\n\n");
    let region = super::client_region(headers);
    let origin = crate::ai::Origin {
        user_id: Some(user_id),
        surface: "project-submission",
        plugin: None,
        region,
    };
    match state.ai.screen_texts(&[joined.as_str()], origin).await {
        Ok(()) | Err(crate::ai::AiError::NoSafetyFilter) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(get, path = "/api/v1/projects/submissions/{id}", tag = "learning", security(("bearer" = [])),
    params(("id" = String, Path, description = "Submission id")),
    responses(
        (status = 200, description = "The submission: queued, grading, graded (with the rubric score) or failed", body = ProjectScore),
        (status = 404, description = "No such submission of yours", body = ErrorBody)))]
pub(super) async fn submission(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ProjectScore>, ApiError> {
    caller.require(Permission::ViewCourses)?;
    let all = caller.role().allows(Permission::ViewAllUsers);
    Ok(Json(
        state
            .learning
            .project_submission(caller.user_id(), all, &id)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/tracks/{track_id}/badge/share", tag = "learning", security(("bearer" = [])),
    params(("track_id" = String, Path, description = "A track")),
    responses(
        (status = 200, description = "Seed 000's shareBadge: a signed public link", body = ShareLink),
        (status = 404, description = "No such track", body = ErrorBody),
        (status = 409, description = "CERTIFICATE_NOT_EARNED, with what is missing", body = ErrorBody)))]
pub(super) async fn share(
    State(state): State<AppState>,
    caller: Caller,
    Path(track_id): Path<String>,
) -> Result<Json<ShareLink>, ApiError> {
    caller.require(Permission::ViewCourses)?;
    Ok(Json(
        state
            .learning
            .share_badge(caller.user_id(), &track_id, state.learning.public_url())
            .await?,
    ))
}

#[utoipa::path(get, path = "/badges/{token}", tag = "learning",
    params(("token" = String, Path, description = "The signed token; append `.svg` for the image")),
    responses(
        (status = 200, description = "The badge: HTML with OpenGraph tags, or SVG (`.svg`, or `Accept: image/svg+xml`)", content_type = "text/html"),
        (status = 403, description = "The signature does not verify (altered or forged)"),
        (status = 410, description = "The certificate was withdrawn")))]
pub(super) async fn badge(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let (token, svg) = match token.strip_suffix(".svg") {
        Some(t) => (t.to_owned(), true),
        None => {
            let wants_svg = headers
                .get(header::ACCEPT)
                .and_then(|a| a.to_str().ok())
                .is_some_and(|a| a.starts_with("image/svg+xml"));
            (token, wants_svg)
        }
    };
    match state.learning.badge(&token).await {
        Ok(badge) if svg => (
            [
                (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            badge.svg(),
        )
            .into_response(),
        Ok(badge) => {
            let page = format!("{}/badges/{token}", state.learning.public_url());
            Html(badge.html(&page)).into_response()
        }
        Err(e) => {
            let status = match &e {
                BadgeError::Invalid(_) => StatusCode::FORBIDDEN,
                BadgeError::Gone => StatusCode::GONE,
                BadgeError::Store(s) if s.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
                BadgeError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            if status.is_server_error() {
                tracing::error!(error = %e, "badge lookup failed");
            }
            let message = if status.is_server_error() {
                "the badge cannot be shown right now".to_owned()
            } else {
                e.to_string()
            };
            (status, Html(badge::error_page(&message))).into_response()
        }
    }
}

#[utoipa::path(get, path = "/api/v1/progress/user/{user_id}", tag = "learning", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The learner")),
    responses(
        (status = 200, description = "Seed 002 §3.6's progress", body = UserProgress),
        (status = 403, description = "Not yourself, not a learner who accepted to be in your class, and not an administrator", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody)))]
pub(super) async fn progress(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(user_id): Path<String>,
) -> Result<Json<UserProgress>, ApiError> {
    caller.require(Permission::ViewOwnProfile)?;
    check_view(&state, &caller, &user_id).await?;
    let now = now(&state, &headers)?;
    Ok(Json(state.learning.user_progress(&user_id, now).await?))
}

pub(super) async fn check_view(
    state: &AppState,
    caller: &Caller,
    user_id: &str,
) -> Result<(), ApiError> {
    let all = caller.role().allows(Permission::ViewAllUsers);
    if state
        .learning
        .may_view(caller.user_id(), all, user_id)
        .await?
    {
        Ok(())
    } else {
        Err(LearningError::Forbidden(format!(
            "you may see only your own progress or your students' (not `{user_id}`)"
        ))
        .into())
    }
}

#[utoipa::path(get, path = "/api/v1/progress/mastery", tag = "learning", security(("bearer" = [])),
    params(("user_id" = Option<String>, Query, description = "Another learner (teachers: members of their classes)")),
    responses(
        (status = 200, description = "Mastery per topic (components/lesson-engine/README.md)", body = MasteryReport),
        (status = 400, description = "A malformed query string (`details.field`: `user_id`)", body = ErrorBody),
        (status = 403, description = "Not allowed to see that learner", body = ErrorBody),
        (status = 404, description = "No such learner (`details.field`: `user_id`)", body = ErrorBody)))]
pub(super) async fn mastery(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    query: Result<Query<MasteryQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<MasteryReport>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest {
        field: Some("user_id".into()),
        message: format!("user_id: {}", e.body_text()),
    })?;
    caller.require(Permission::ViewOwnProfile)?;
    let user_id = query.user_id.unwrap_or_else(|| caller.user_id().to_owned());
    check_view(&state, &caller, &user_id).await?;
    let now = now(&state, &headers)?;
    Ok(Json(state.learning.mastery(&user_id, now).await?))
}
