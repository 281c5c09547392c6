//! `POST /api/v1/grade`: grade one answer with the grader that claims its kind.

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

async fn grade(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(request): ValidJson<GradeRequest>,
) -> Result<Json<GradeResponse>, ApiError> {
    caller.require(Permission::ViewCourses)?;
    Ok(Json(grading::grade(&state.registry, request).await?))
}
