//! Lens over HTTP (seed 001 §10.4).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::member;
use crate::api::AppState;
use crate::api::caller::Caller;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::json::ValidJson;
use crate::kalei::lens::{ActionView, AffirmationView, GoalAnswer, GoalView, NewActions, NewGoal};

pub(super) fn ai_routes() -> Router<AppState> {
    Router::new()
        .route("/lens/goals", post(create_goal))
        .route("/lens/goals/{goal_id}/actions", post(add_actions))
        .route("/lens/affirmation/today", get(affirmation_today))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/lens/goals", get(goals))
        .route("/lens/actions/{action_id}/complete", post(complete_action))
}

#[utoipa::path(post, path = "/api/v1/lens/goals", tag = "kalei", security(("bearer" = [])),
    request_body(content = NewGoal, example = json!({"title": "Sleep better", "why": "I want more energy for my kids", "target_date": "2027-02-01", "suggest": 3})),
    responses(
        (status = 201, description = "The goal with the coach's first actions", body = GoalAnswer),
        (status = 200, description = "A crisis: `crisis` holds the gate's response, `goal` is null and nothing is stored", body = GoalAnswer),
        (status = 400, description = "Malformed JSON or an unknown field", body = ErrorBody),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 402, description = "PLAN_REQUIRED: Lens opens with prism (details.limit = lens)", body = ErrorBody),
        (status = 422, description = "title 1-500 characters, why up to 1000, target_date YYYY-MM-DD, suggest 0-7", body = ErrorBody),
        (status = 429, description = "Over the AI rate limit or budget", body = ErrorBody),
        (status = 503, description = "No lens coach or safety filter installed", body = ErrorBody)))]
pub(in crate::api) async fn create_goal(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ValidJson(body): ValidJson<NewGoal>,
) -> Result<(StatusCode, Json<GoalAnswer>), ApiError> {
    let member = member(&state, &caller, &headers).await?;
    let answer = state.kalei.create_goal(&member, body).await?;
    let status = if answer.goal.is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(answer)))
}

#[utoipa::path(get, path = "/api/v1/lens/goals", tag = "kalei", security(("bearer" = [])),
    responses(
        (status = 200, description = "Your goals with their actions, newest first", body = Vec<GoalView>),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 402, description = "PLAN_REQUIRED: Lens opens with prism", body = ErrorBody)))]
pub(in crate::api) async fn goals(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Json<Vec<GoalView>>, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    Ok(Json(state.kalei.goals(&member).await?))
}

#[utoipa::path(post, path = "/api/v1/lens/goals/{goal_id}/actions", tag = "kalei", security(("bearer" = [])),
    params(("goal_id" = String, Path, description = "A goal of yours")),
    request_body(content = NewActions, example = json!({"suggest": 2})),
    responses(
        (status = 200, description = "The goal with the new actions (your own, or the coach's suggestions, none repeating an existing one)", body = GoalAnswer),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 402, description = "PLAN_REQUIRED: Lens opens with prism", body = ErrorBody),
        (status = 404, description = "No such goal of yours", body = ErrorBody),
        (status = 422, description = "title 1-200 characters, minutes 1-120, suggest 1-7, not title and suggest together", body = ErrorBody),
        (status = 503, description = "No lens coach installed", body = ErrorBody)))]
pub(in crate::api) async fn add_actions(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(goal_id): Path<String>,
    ValidJson(body): ValidJson<NewActions>,
) -> Result<Json<GoalAnswer>, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    Ok(Json(
        state.kalei.add_actions(&member, &goal_id, body).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/lens/actions/{action_id}/complete", tag = "kalei", security(("bearer" = [])),
    params(("action_id" = String, Path, description = "An action of yours")),
    responses(
        (status = 200, description = "The action, done (completing again changes nothing)", body = ActionView),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 402, description = "PLAN_REQUIRED: Lens opens with prism", body = ErrorBody),
        (status = 404, description = "No such action of yours", body = ErrorBody)))]
pub(in crate::api) async fn complete_action(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(action_id): Path<String>,
) -> Result<Json<ActionView>, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    Ok(Json(
        state.kalei.complete_action(&member, &action_id).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/lens/affirmation/today", tag = "kalei", security(("bearer" = [])),
    responses(
        (status = 200, description = "Today's affirmation (your local day): written on the first ask, the same all day", body = AffirmationView),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 402, description = "PLAN_REQUIRED: Lens opens with prism", body = ErrorBody),
        (status = 503, description = "No lens coach installed", body = ErrorBody)))]
pub(in crate::api) async fn affirmation_today(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Json<AffirmationView>, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    Ok(Json(state.kalei.affirmation_today(&member).await?))
}
