//! `POST /api/v1/grade`: grade one answer with the grader that claims its kind, for the
//! caller (a grader's model calls are the caller's AI requests).

use super::error::ErrorBody;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};

use super::AppState;
use super::caller::Caller;
use super::error::ApiError;
use super::json::ValidJson;
use crate::auth::Permission;
use crate::grading::{self, GradeRequest, GradeResponse};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/grade", post(grade))
}

#[utoipa::path(post, path = "/api/v1/grade", tag = "grading", security(("bearer" = [])),
    request_body(content = GradeRequest, example = json!({"question": {"kind": "multiple_choice", "prompt": "2+2?", "options": ["3", "4", "5"], "answer_key": {"correct": [1]}}, "answer": {"selected": [1]}})),
    responses(
        (status = 200, description = "The grade", body = GradeResponse,
         example = json!({"score": 1.0, "correct": true, "feedback": "Correct!", "parts": [], "grader": {"id": "quiz-grader", "version": "0.1.0"}})),
        (status = 401, description = "Missing, expired or invalid bearer token", body = ErrorBody), (status = 403, description = "The role lacks the permission", body = ErrorBody), (status = 400, description = "Malformed JSON, a missing or unknown field, a wrong type", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "A value breaks a rule; `details.field` names it", body = ErrorBody),
        (status = 429, description = "Rate limited (kinds graded by a model count as AI requests, 10/min), or the caller's AI budget refused the model call the grader needed (AI_BUDGET_EXCEEDED, AI_SPEND_CAP_REACHED, AI_FEATURE_PAUSED); see Retry-After", body = ErrorBody),
        (status = 502, description = "The grader plugin failed (PLUGIN_FAILED)", body = ErrorBody),
        (status = 503, description = "No instance slot free (PLUGIN_BUSY)", body = ErrorBody),
        (status = 504, description = "The grader timed out (PLUGIN_TIMEOUT)", body = ErrorBody)
    ))]
pub(super) async fn grade(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(request): ValidJson<GradeRequest>,
) -> Result<Json<GradeResponse>, ApiError> {
    caller.require(Permission::ViewCourses)?;
    // Grading with a model (a rubric the learner may have written) is an AI request: it
    // counts in the AI rate window and against the learner's AI budget.
    if grading::needs_model(&state.registry, &request.question.kind) {
        super::rate_limit::count_ai(&state, caller.user_id()).await?;
    }
    Ok(Json(
        grading::grade(&state.registry, request, Some(caller.user_id())).await?,
    ))
}
