//! `POST /api/v1/sandbox/run` and `POST /api/v1/sandbox/run-tests`: learner code in the
//! sandbox (see `crate::sandbox` and docs/sandbox.md).

use axum::extract::{DefaultBodyLimit, State};
use axum::routing::post;
use axum::{Json, Router};

use super::AppState;
use super::caller::Caller;
use super::error::ApiError;
use super::json::{BodyLimit, ValidJson};
use crate::auth::Permission;
use crate::sandbox::request::{MAX_BODY_BYTES, RunBody};
use crate::sandbox::{RunReport, TestsReport};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/sandbox/run", post(run))
        .route("/sandbox/run-tests", post(run_tests))
        .layer(BodyLimit::layer(MAX_BODY_BYTES))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

async fn run(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<RunBody>,
) -> Result<Json<RunReport>, ApiError> {
    caller.require(Permission::ViewCourses)?;
    let spec = body.check_run(state.sandbox.settings())?;
    Ok(Json(state.sandbox.run(&spec).await?))
}

async fn run_tests(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<RunBody>,
) -> Result<Json<TestsReport>, ApiError> {
    caller.require(Permission::ViewCourses)?;
    let spec = body.check_tests(state.sandbox.settings())?;
    Ok(Json(state.sandbox.run_tests(&spec).await?))
}
