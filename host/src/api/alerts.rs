//! Struggle alerts for teachers (`crate::learning::struggle` raises them): the list, the
//! live stream (server-sent events), and acknowledging one. A teacher sees the alerts of
//! learners in their classes (membership is the learner's consent); a role that sees
//! every user sees every alert.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::caller::Caller;
use super::error::{ApiError, ErrorBody};
use crate::auth::Permission;
use crate::learning::struggle::AlertView;

/// How often the stream looks for new alerts (they may be raised on another replica).
const STREAM_POLL: Duration = Duration::from_secs(1);

/// Routes under `/api/v1`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/teacher/alerts", get(list))
        .route("/teacher/alerts/stream", get(stream))
        .route("/teacher/alerts/{alert_id}/acknowledge", post(acknowledge))
}

/// Which alerts `GET /teacher/alerts` lists.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `open` (default: not acknowledged yet) or `all`.
    pub status: Option<String>,
}

/// The teacher whose learners the caller sees (`None`: every learner).
fn scope(caller: &Caller) -> Result<Option<&str>, ApiError> {
    caller.require(Permission::ManageClasses)?;
    Ok((!caller.role().allows(Permission::ViewAllUsers)).then(|| caller.user_id()))
}

#[utoipa::path(get, path = "/api/v1/teacher/alerts", operation_id = "list_alerts", tag = "teacher", security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "Struggle alerts about learners in your classes, newest first (at most 500)", body = Vec<AlertView>),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Not a teacher", body = ErrorBody),
        (status = 400, description = "An unknown query parameter, or a malformed query string", body = ErrorBody),
        (status = 422, description = "`status` is not `open` or `all`", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<AlertView>>, ApiError> {
    let teacher = scope(&caller)?;
    let Query(query) = query.map_err(|e| ApiError::BadRequest {
        field: Some("status".into()),
        message: format!("status: {}", e.body_text()),
    })?;
    let all = match query.status.as_deref() {
        None | Some("open") => false,
        Some("all") => true,
        Some(other) => {
            return Err(ApiError::Validation {
                field: "status".into(),
                issue: format!("`{other}` is not `open` or `all`"),
            });
        }
    };
    let alerts = state.learning.teacher_alerts(teacher, all, None).await?;
    Ok(Json(alerts.into_iter().map(|(_, a)| a).collect()))
}

#[utoipa::path(get, path = "/api/v1/teacher/alerts/stream", tag = "teacher", security(("bearer" = [])),
    responses(
        (status = 200, description = "Server-sent events: `alert` with an AlertView as JSON for each alert raised from now on about a learner in your classes", content_type = "text/event-stream", body = String),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Not a teacher", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn stream(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let teacher = scope(&caller)?.map(str::to_owned);
    // From now on: the list route has what came before.
    let since = crate::store::now_ms() - 1;
    let learning = state.learning.clone();
    let events = futures_util::stream::unfold(
        (since, Vec::<Event>::new()),
        move |(mut since, mut ready)| {
            let learning = learning.clone();
            let teacher = teacher.clone();
            async move {
                loop {
                    if let Some(event) = ready.pop() {
                        return Some((Ok::<_, Infallible>(event), (since, ready)));
                    }
                    tokio::time::sleep(STREAM_POLL).await;
                    match learning
                        .teacher_alerts(teacher.as_deref(), true, Some(since))
                        .await
                    {
                        Ok(alerts) => {
                            // Newest first from the store; `ready` pops from the end, so
                            // the oldest goes out first.
                            for (created_at, alert) in alerts {
                                since = since.max(created_at);
                                let data = serde_json::to_string(&alert).unwrap_or_default();
                                ready.push(Event::default().event("alert").id(alert.id).data(data));
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "alert stream: cannot read alerts"),
                    }
                }
            }
        },
    );
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/teacher/alerts/{alert_id}/acknowledge", tag = "teacher", security(("bearer" = [])),
    params(("alert_id" = String, Path, description = "An alert about a learner in your classes")),
    responses(
        (status = 200, description = "The alert, acknowledged (a second acknowledgement keeps the first)", body = AlertView),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Not a teacher", body = ErrorBody),
        (status = 404, description = "No alert of that id about a learner in your classes", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn acknowledge(
    State(state): State<AppState>,
    caller: Caller,
    Path(alert_id): Path<String>,
) -> Result<Json<AlertView>, ApiError> {
    let teacher = scope(&caller)?;
    Ok(Json(
        state
            .learning
            .acknowledge_alert(teacher, caller.user_id(), &alert_id)
            .await?,
    ))
}
