//! Administrators' tutorials, experiments, results and feature flags (`crate::experiments`;
//! docs/experiments.md), under `/api/v1/admin`; the flags' public side: GrowthBook's
//! features payload per SDK client key, and the caller's flags evaluated server-side.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::AppState;
use super::caller::Caller;
use super::error::{ApiError, ErrorBody};
use super::json::ValidJson;
use crate::auth::Permission;
use crate::experiments::admin::{
    ExperimentPatch, ExperimentSpec, ExperimentView, TutorialSpec, TutorialView,
};
use crate::experiments::flags::{EvaluatedFlag, FeaturesPayload, FlagSpec, FlagView};
use crate::experiments::results::ExperimentResults;
use crate::experiments::surveys::AnonymisedSurvey;
use crate::experiments::{Device, Unit};

/// `/api/v1/admin/…` (administrators and above) and `/api/v1/features` (any learner).
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/tutorials", get(tutorials))
        .route(
            "/admin/tutorials/{tutorial_id}",
            put(put_tutorial).get(tutorial).delete(delete_tutorial),
        )
        .route("/admin/tutorials/{tutorial_id}/surveys", get(surveys))
        .route(
            "/admin/experiments",
            get(experiments).post(create_experiment),
        )
        .route(
            "/admin/experiments/{experiment_id}",
            get(experiment)
                .patch(update_experiment)
                .delete(delete_experiment),
        )
        .route("/admin/experiments/{experiment_id}/results", get(results))
        .route("/admin/features", get(flags))
        .route("/admin/features/{key}", put(put_flag).delete(delete_flag))
        .route("/admin/feature-client-keys", post(create_client_key))
        .route("/features", get(my_flags))
}

/// The public SDK endpoint (no token: client keys are public, as in GrowthBook).
pub(super) fn public_routes() -> Router<AppState> {
    Router::new().route("/api/features/{client_key}", get(features_payload))
}

fn admin(caller: &Caller) -> Result<(), ApiError> {
    caller.require(Permission::ManageExperiments)
}

#[utoipa::path(get, path = "/api/v1/admin/tutorials", tag = "experiments", security(("bearer" = [])),
    responses((status = 200, description = "Every tutorial", body = Vec<TutorialView>)))]
pub(super) async fn tutorials(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<TutorialView>>, ApiError> {
    admin(&caller)?;
    Ok(Json(state.experiments.tutorials().await?))
}

#[utoipa::path(put, path = "/api/v1/admin/tutorials/{tutorial_id}", tag = "experiments", security(("bearer" = [])),
    params(("tutorial_id" = String, Path, description = "1-100 letters, digits, `-`, `_`, `.` or `:`")),
    request_body(content = TutorialSpec, example = json!({"title": "Welcome tour", "steps": [
        {"id": "intro", "title": "Welcome", "cta": "Next"},
        {"id": "dashboard", "title": "Dash Overview", "cta": "Try it"},
        {"id": "install", "title": "Get the app", "cta": "Install", "devices": ["web"]}]})),
    responses(
        (status = 200, description = "The tutorial as stored (created or replaced)", body = TutorialView),
        (status = 422, description = "A field out of bounds (details.field names it, e.g. steps[1].id)", body = ErrorBody)))]
pub(super) async fn put_tutorial(
    State(state): State<AppState>,
    caller: Caller,
    Path(tutorial_id): Path<String>,
    ValidJson(spec): ValidJson<TutorialSpec>,
) -> Result<Json<TutorialView>, ApiError> {
    admin(&caller)?;
    Ok(Json(
        state.experiments.put_tutorial(&tutorial_id, spec).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/admin/tutorials/{tutorial_id}", tag = "experiments", security(("bearer" = [])),
    params(("tutorial_id" = String, Path, description = "A tutorial")),
    responses((status = 200, description = "The tutorial", body = TutorialView),
              (status = 404, description = "No such tutorial", body = ErrorBody)))]
pub(super) async fn tutorial(
    State(state): State<AppState>,
    caller: Caller,
    Path(tutorial_id): Path<String>,
) -> Result<Json<TutorialView>, ApiError> {
    admin(&caller)?;
    Ok(Json(state.experiments.tutorial(&tutorial_id).await?))
}

#[utoipa::path(delete, path = "/api/v1/admin/tutorials/{tutorial_id}", tag = "experiments", security(("bearer" = [])),
    params(("tutorial_id" = String, Path, description = "A tutorial")),
    responses((status = 204, description = "Deleted (its experiments' results are kept)"),
              (status = 404, description = "No such tutorial", body = ErrorBody),
              (status = 409, description = "An experiment is running on it", body = ErrorBody)))]
pub(super) async fn delete_tutorial(
    State(state): State<AppState>,
    caller: Caller,
    Path(tutorial_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    admin(&caller)?;
    state.experiments.delete_tutorial(&tutorial_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/admin/tutorials/{tutorial_id}/surveys", tag = "experiments", security(("bearer" = [])),
    params(("tutorial_id" = String, Path, description = "A tutorial")),
    responses((status = 200, description = "The tutorial's survey answers for analytics, anonymised: no learner, no comment, the day only", body = Vec<AnonymisedSurvey>)))]
pub(super) async fn surveys(
    State(state): State<AppState>,
    caller: Caller,
    Path(tutorial_id): Path<String>,
) -> Result<Json<Vec<AnonymisedSurvey>>, ApiError> {
    admin(&caller)?;
    Ok(Json(state.experiments.survey_export(&tutorial_id).await?))
}

#[utoipa::path(get, path = "/api/v1/admin/experiments", tag = "experiments", security(("bearer" = [])),
    responses((status = 200, description = "Every experiment, newest first (without variants)", body = Vec<ExperimentView>)))]
pub(super) async fn experiments(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ExperimentView>>, ApiError> {
    admin(&caller)?;
    Ok(Json(state.experiments.experiments().await?))
}

#[utoipa::path(post, path = "/api/v1/admin/experiments", tag = "experiments", security(("bearer" = [])),
    request_body(content = ExperimentSpec, example = json!({"id": "welcome-v1", "tutorialId": "welcome-tour", "name": "Shorter welcome",
        "variants": [{"id": "v1_control", "weight": 50}, {"id": "v1_short", "weight": 50, "steps": [{"id": "intro", "title": "Hi!", "cta": "Go"}]}]})),
    responses(
        (status = 201, description = "Created as a draft", body = ExperimentView),
        (status = 409, description = "The id or a variant id is taken", body = ErrorBody),
        (status = 422, description = "A field out of bounds (details.field names it: variants[1].weight 1-100, kazi-v1 weights summing to 100, 2-10 variants, coverage 0-1, algorithm)", body = ErrorBody)))]
pub(super) async fn create_experiment(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(spec): ValidJson<ExperimentSpec>,
) -> Result<(StatusCode, Json<ExperimentView>), ApiError> {
    admin(&caller)?;
    Ok((
        StatusCode::CREATED,
        Json(state.experiments.create_experiment(spec).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/admin/experiments/{experiment_id}", tag = "experiments", security(("bearer" = [])),
    params(("experiment_id" = String, Path, description = "An experiment")),
    responses((status = 200, description = "The experiment with its variants", body = ExperimentView),
              (status = 404, description = "No such experiment", body = ErrorBody)))]
pub(super) async fn experiment(
    State(state): State<AppState>,
    caller: Caller,
    Path(experiment_id): Path<String>,
) -> Result<Json<ExperimentView>, ApiError> {
    admin(&caller)?;
    Ok(Json(state.experiments.experiment(&experiment_id).await?))
}

#[utoipa::path(patch, path = "/api/v1/admin/experiments/{experiment_id}", tag = "experiments", security(("bearer" = [])),
    params(("experiment_id" = String, Path, description = "An experiment")),
    request_body(content = ExperimentPatch, example = json!({"status": "running"})),
    responses(
        (status = 200, description = "The experiment as changed", body = ExperimentView),
        (status = 404, description = "No such experiment", body = ErrorBody),
        (status = 409, description = "Not a lifecycle step (draft → running → completed), another experiment runs on the tutorial, the tutorial is gone, a completed experiment's definition, or a running one's assignment changed without \"force\": true", body = ErrorBody),
        (status = 422, description = "A field out of bounds (details.field names it)", body = ErrorBody)))]
pub(super) async fn update_experiment(
    State(state): State<AppState>,
    caller: Caller,
    Path(experiment_id): Path<String>,
    ValidJson(patch): ValidJson<ExperimentPatch>,
) -> Result<Json<ExperimentView>, ApiError> {
    admin(&caller)?;
    Ok(Json(
        state
            .experiments
            .update_experiment(&experiment_id, patch)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/admin/experiments/{experiment_id}", tag = "experiments", security(("bearer" = [])),
    params(("experiment_id" = String, Path, description = "A draft experiment")),
    responses((status = 204, description = "Deleted"),
              (status = 404, description = "No such experiment", body = ErrorBody),
              (status = 409, description = "Not a draft (running and completed experiments are history)", body = ErrorBody)))]
pub(super) async fn delete_experiment(
    State(state): State<AppState>,
    caller: Caller,
    Path(experiment_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    admin(&caller)?;
    state.experiments.delete_experiment(&experiment_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/admin/experiments/{experiment_id}/results", tag = "experiments", security(("bearer" = [])),
    params(("experiment_id" = String, Path, description = "An experiment")),
    responses((status = 200, description = "The step funnel per variant, the completion test (z-test for 2 variants, chi-square for more), the sample-ratio-mismatch check, NPS per variant and persona", body = ExperimentResults),
              (status = 404, description = "No such experiment", body = ErrorBody)))]
pub(super) async fn results(
    State(state): State<AppState>,
    caller: Caller,
    Path(experiment_id): Path<String>,
) -> Result<Json<ExperimentResults>, ApiError> {
    admin(&caller)?;
    Ok(Json(state.experiments.results(&experiment_id).await?))
}

#[utoipa::path(get, path = "/api/v1/admin/features", tag = "experiments", security(("bearer" = [])),
    responses((status = 200, description = "Every feature flag", body = Vec<FlagView>)))]
pub(super) async fn flags(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<FlagView>>, ApiError> {
    admin(&caller)?;
    Ok(Json(state.experiments.flags().await?))
}

#[utoipa::path(put, path = "/api/v1/admin/features/{key}", tag = "experiments", security(("bearer" = [])),
    params(("key" = String, Path, description = "The flag's key, e.g. tutorial.v2_enabled")),
    request_body(content = FlagSpec, example = json!({"defaultValue": false, "description": "The adaptive tutorial engine",
        "rules": [{"condition": {"device": "web"}, "force": true, "coverage": 0.05, "hashAttribute": "id"}]})),
    responses((status = 200, description = "The flag as stored", body = FlagView),
              (status = 422, description = "A rule GrowthBook's SDKs would misread (details.field names it, e.g. rules[0].coverage)", body = ErrorBody)))]
pub(super) async fn put_flag(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    ValidJson(spec): ValidJson<FlagSpec>,
) -> Result<Json<FlagView>, ApiError> {
    admin(&caller)?;
    Ok(Json(state.experiments.put_flag(&key, spec).await?))
}

#[utoipa::path(delete, path = "/api/v1/admin/features/{key}", tag = "experiments", security(("bearer" = [])),
    params(("key" = String, Path, description = "A flag")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such flag", body = ErrorBody)))]
pub(super) async fn delete_flag(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> Result<StatusCode, ApiError> {
    admin(&caller)?;
    state.experiments.delete_flag(&key).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new SDK connection.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ClientKeyRequest {
    /// What connects with it (e.g. `web app`), 1-200 characters.
    name: String,
}

/// The created connection.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct ClientKeyAnswer {
    /// The key a GrowthBook SDK is given (`clientKey`), with this host as its `apiHost`.
    client_key: String,
}

#[utoipa::path(post, path = "/api/v1/admin/feature-client-keys", tag = "experiments", security(("bearer" = [])),
    request_body(content = ClientKeyRequest, example = json!({"name": "web app"})),
    responses((status = 201, description = "Created", body = ClientKeyAnswer)))]
pub(super) async fn create_client_key(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<ClientKeyRequest>,
) -> Result<(StatusCode, Json<ClientKeyAnswer>), ApiError> {
    admin(&caller)?;
    let client_key = state.experiments.create_client_key(&body.name).await?;
    Ok((StatusCode::CREATED, Json(ClientKeyAnswer { client_key })))
}

#[utoipa::path(get, path = "/api/v1/features", tag = "experiments", security(("bearer" = [])),
    params(("x-kazi-device" = Option<String>, Header, description = "web (default), ios or android: an attribute rules may target")),
    responses((status = 200, description = "Every flag evaluated for the caller server-side (the same rules the SDKs evaluate)", body = BTreeMap<String, EvaluatedFlag>),
              (status = 503, description = "No experiment assigner installed", body = ErrorBody)))]
pub(super) async fn my_flags(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Json<BTreeMap<String, EvaluatedFlag>>, ApiError> {
    let device = Device::parse(
        headers
            .get("x-kazi-device")
            .map(|v| v.to_str().unwrap_or("\u{0}")),
    )?;
    let unit = Unit::User(caller.user_id().to_owned());
    Ok(Json(state.experiments.evaluate_flags(&unit, device).await?))
}

#[utoipa::path(get, path = "/api/features/{client_key}", tag = "experiments",
    params(("client_key" = String, Path, description = "An SDK connection's client key")),
    responses((status = 200, description = "GrowthBook's features payload: give a GrowthBook SDK this host as apiHost and the key as clientKey", body = FeaturesPayload,
               headers(("Cache-Control" = String, description = "public, max-age=30"))),
              (status = 404, description = "No such client key", body = ErrorBody)))]
pub(super) async fn features_payload(
    State(state): State<AppState>,
    Path(client_key): Path<String>,
) -> Result<Response, ApiError> {
    let payload = state.experiments.features_payload(&client_key).await?;
    let mut response = Json(payload).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=30"),
    );
    Ok(response)
}
