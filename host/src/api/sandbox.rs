//! `POST /api/v1/sandbox/run` and `POST /api/v1/sandbox/run-tests`: learner code in the
//! sandbox (see `crate::sandbox` and docs/sandbox.md).

use super::error::ErrorBody;
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

#[utoipa::path(post, path = "/api/v1/sandbox/run", tag = "sandbox", security(("bearer" = [])),
    request_body(content = RunBody, example = json!({"code": "name = input()\nprint('hi', name)", "stdin": "Ada", "timeout_ms": 2000, "memory_mb": 32})),
    responses(
        (status = 200, description = "How the run ended (the program's failure is a status, not an HTTP error)", body = RunReport,
         example = json!({"status": "ok", "stdout": "hi Ada\n", "stderr": "", "exit_code": 0, "error": null, "duration_ms": 1.9, "memory_bytes": 14942208, "truncated": {"stdout": false, "stderr": false}})),
        (status = 401, description = "Missing, expired or invalid bearer token", body = ErrorBody), (status = 403, description = "The role lacks the permission", body = ErrorBody), (status = 400, description = "Malformed JSON, a missing or unknown field, a wrong type", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "A value breaks a rule; `details.field` names it", body = ErrorBody),
        (status = 429, description = "Rate limited, or the caller already has their share of sandbox runs running or waiting (TOO_MANY_RUNS); see Retry-After", body = ErrorBody),
        (status = 503, description = "The sandbox queue is full (Retry-After)", body = ErrorBody)
    ))]
pub(super) async fn run(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<RunBody>,
) -> Result<Json<RunReport>, ApiError> {
    caller.require(Permission::ViewCourses)?;
    let spec = body.check_run(state.sandbox.settings())?;
    Ok(Json(
        state.sandbox.run(&spec, Some(caller.user_id())).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/sandbox/run-tests", tag = "sandbox", security(("bearer" = [])),
    request_body(content = RunBody, example = json!({"code": "def add(a, b):\n    return a + b", "tests": [{"name": "adds", "assert": "add(2, 3) == 5"}, {"name": "echo", "stdin": "1 2", "expected_stdout": "3"}]})),
    responses(
        (status = 200, description = "Per-test outcomes and a summary", body = TestsReport),
        (status = 401, description = "Missing, expired or invalid bearer token", body = ErrorBody), (status = 403, description = "The role lacks the permission", body = ErrorBody), (status = 400, description = "Malformed JSON, a missing or unknown field, a wrong type", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "A value breaks a rule; `details.field` names it", body = ErrorBody),
        (status = 429, description = "Rate limited, or the caller already has their share of sandbox runs running or waiting (TOO_MANY_RUNS); see Retry-After", body = ErrorBody),
        (status = 503, description = "The sandbox queue is full (Retry-After)", body = ErrorBody)
    ))]
pub(super) async fn run_tests(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<RunBody>,
) -> Result<Json<TestsReport>, ApiError> {
    caller.require(Permission::ViewCourses)?;
    let spec = body.check_tests(state.sandbox.settings())?;
    Ok(Json(
        state
            .sandbox
            .run_tests(&spec, Some(caller.user_id()))
            .await?,
    ))
}
