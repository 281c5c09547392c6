//! The console's administration routes: users, roles and plan tiers (`/admin/users`:
//! administrators list them; only super admins change roles, tiers or disable accounts, as
//! seed 002's permission matrix says), and the event
//! bus's dead letters with replay (`/admin/events/dead-letters`). The CLI does the same
//! (`tessera user …`, `tessera events dlq …`); these serve the web console.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::caller::Caller;
use super::error::{ApiError, ErrorBody};
use super::json::ValidJson;
use crate::auth::{Permission, Role};

/// Routes under `/api/v1`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list_users))
        .route("/admin/users/{user_id}", patch(update_user))
        .route("/admin/events/dead-letters", get(dead_letters))
        .route(
            "/admin/events/dead-letters/{message_id}/replay",
            post(replay),
        )
}

/// `?search=&role=&limit=&offset=` of the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UsersQuery {
    /// Part of the e-mail address or name (case-insensitive).
    pub search: Option<String>,
    /// Only this role.
    pub role: Option<Role>,
    /// Page size, 1-200 (default 50).
    pub limit: Option<i64>,
    /// Users skipped (default 0).
    pub offset: Option<i64>,
}

/// A user as administrators see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUser {
    /// UUID.
    pub id: String,
    /// E-mail address.
    pub email: String,
    /// Display name.
    pub full_name: String,
    /// Role.
    pub role: Role,
    /// `false`: disabled (tokens refused, sign-in refused).
    pub is_active: bool,
    /// Plan tier: picks the daily AI token budget (`--ai-daily-tokens`).
    pub tier: String,
    /// RFC 3339.
    pub created_at: String,
}

/// A page of users.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    /// The users, newest first.
    pub users: Vec<AdminUser>,
    /// How many match in all.
    pub total: i64,
}

/// `PATCH /admin/users/{id}`: any of these.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChangeBody {
    /// The new role (`student`, `teacher`, `admin`, `super_admin`; not `service`).
    pub role: Option<Role>,
    /// `false` disables the account at once; `true` enables it.
    pub is_active: Option<bool>,
    /// The new plan tier (1-32 characters of a-z, 0-9, `_`, `-`); a tier without a
    /// budget of its own in `--ai-daily-tokens` gets the `free` tier's.
    pub tier: Option<String>,
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn admin_user(u: crate::store::users::User) -> AdminUser {
    AdminUser {
        id: u.id,
        email: u.email,
        full_name: u.full_name,
        role: u.role,
        is_active: u.is_active,
        tier: u.tier,
        created_at: rfc3339(u.created_at),
    }
}

pub(super) fn no_such_user(user_id: &str) -> ApiError {
    ApiError::Refused {
        status: StatusCode::NOT_FOUND,
        code: "NOT_FOUND",
        message: format!("no user `{user_id}`"),
        field: Some("user_id"),
    }
}

#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", security(("bearer" = [])),
    params(UsersQuery),
    responses(
        (status = 200, description = "Users matching the search, newest first, and how many match", body = UserPage),
        (status = 400, description = "A query parameter of the wrong type, or an unknown role", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Administrators only", body = ErrorBody),
        (status = 422, description = "limit outside 1-200, a negative offset, or a search over 200 bytes", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<UsersQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<UserPage>, ApiError> {
    caller.require(Permission::ViewAllUsers)?;
    let Query(query) = query.map_err(|e| ApiError::BadRequest {
        field: None,
        message: e.body_text(),
    })?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::Validation {
            field: "limit".into(),
            issue: "must be between 1 and 200".into(),
        });
    }
    let offset = query.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::Validation {
            field: "offset".into(),
            issue: "must not be negative".into(),
        });
    }
    let search = query.search.unwrap_or_default();
    if search.len() > 200 {
        return Err(ApiError::Validation {
            field: "search".into(),
            issue: "at most 200 bytes".into(),
        });
    }
    let (users, total) = state
        .db
        .list_users(search.trim(), query.role, limit, offset)
        .await?;
    Ok(Json(UserPage {
        users: users.into_iter().map(admin_user).collect(),
        total,
    }))
}

#[utoipa::path(patch, path = "/api/v1/admin/users/{user_id}", tag = "admin", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The user")),
    request_body(content = UserChangeBody, example = json!({"role": "teacher"})),
    responses(
        (status = 200, description = "The user after the change (audited; a new role or a disabled account applies to their tokens at once, a new tier to their next AI request)", body = AdminUser),
        (status = 400, description = "Malformed JSON, an unknown field or role", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed: managing users is for super admins (docs/requirements.md#r-002-6.1: admins see users but do not change them), and nobody changes their own role or disables themselves", body = ErrorBody),
        (status = 404, description = "No such user (`details.field`: `user_id`)", body = ErrorBody),
        (status = 422, description = "`role` is `service` (service tokens are issued with `tessera service-token`), `tier` is not a tier's name, or nothing to change", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(user_id): Path<String>,
    ValidJson(body): ValidJson<UserChangeBody>,
) -> Result<Json<AdminUser>, ApiError> {
    caller.require(Permission::ManageUsers)?;
    if body.role.is_none() && body.is_active.is_none() && body.tier.is_none() {
        return Err(ApiError::Validation {
            field: "role".into(),
            issue: "give `role`, `is_active`, `tier` or several".into(),
        });
    }
    if let Some(tier) = &body.tier {
        crate::ai::budget::check_tier(tier).map_err(|issue| ApiError::Validation {
            field: "tier".into(),
            issue,
        })?;
    }
    if body.role == Some(Role::Service) {
        return Err(ApiError::Validation {
            field: "role".into(),
            issue: "`service` is not a person's role: issue a service token with `tessera service-token`".into(),
        });
    }
    // An administrator locking themselves out (or demoting the last operator by mistake)
    // has no way back from the console.
    if user_id == caller.user_id() {
        return Err(ApiError::Forbidden(
            "you cannot change your own role, tier or account status; ask another administrator"
                .into(),
        ));
    }
    let target = state
        .db
        .user_by_id(&user_id)
        .await?
        .ok_or_else(|| no_such_user(&user_id))?;
    let actor = Some(caller.user_id());
    if let Some(role) = body.role
        && role != target.role
    {
        state.auth.set_role(&user_id, role, actor).await?;
    }
    if let Some(active) = body.is_active
        && active != target.is_active
    {
        state.auth.set_active(&user_id, active, actor).await?;
    }
    if let Some(tier) = &body.tier
        && *tier != target.tier
    {
        state.db.set_tier(&user_id, tier, actor).await?;
    }
    let user = state
        .db
        .user_by_id(&user_id)
        .await?
        .ok_or_else(|| no_such_user(&user_id))?;
    Ok(Json(admin_user(user)))
}

/// `?limit=` of the dead letters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeadLettersQuery {
    /// At most this many, oldest first (1-500, default 100).
    pub limit: Option<usize>,
}

/// A dead letter: an event a consumer group gave up on.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterView {
    /// Its id (what replay takes).
    pub id: String,
    /// The original event's topic.
    pub topic: String,
    /// The consumer group that gave up.
    pub consumer: String,
    /// Attempts made.
    pub attempts: u32,
    /// The last failure.
    pub reason: String,
    /// When it was dead-lettered (RFC 3339).
    pub at: String,
    /// The original message's size in bytes (the message itself stays with the CLI:
    /// `tessera events dlq list --json`).
    pub original_bytes: usize,
}

#[utoipa::path(get, path = "/api/v1/admin/events/dead-letters", tag = "admin", security(("bearer" = [])),
    params(DeadLettersQuery),
    responses(
        (status = 200, description = "Dead letters, oldest first", body = Vec<DeadLetterView>),
        (status = 400, description = "limit is not a number", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Administrators only", body = ErrorBody),
        (status = 422, description = "limit outside 1-500", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody),
        (status = 503, description = "The bus is unreachable", body = ErrorBody)))]
pub(super) async fn dead_letters(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<DeadLettersQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<DeadLetterView>>, ApiError> {
    caller.require(Permission::ViewAllUsers)?;
    let Query(query) = query.map_err(|e| ApiError::BadRequest {
        field: Some("limit".into()),
        message: format!("limit: {}", e.body_text()),
    })?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::Validation {
            field: "limit".into(),
            issue: "must be between 1 and 500".into(),
        });
    }
    let letters = state.bus.dead_letters(limit).await.map_err(events_error)?;
    Ok(Json(
        letters
            .into_iter()
            .map(|d| DeadLetterView {
                id: d.message_id,
                at: d.envelope.occurred_at.clone(),
                topic: d.letter.topic,
                consumer: d.letter.consumer,
                attempts: d.letter.attempts,
                reason: d.letter.reason,
                original_bytes: d.letter.original.len(),
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/admin/events/dead-letters/{message_id}/replay", tag = "admin", security(("bearer" = [])),
    params(("message_id" = String, Path, description = "A dead letter's id")),
    responses(
        (status = 200, description = "Published again on its topic (consumers that handled it already skip it) and removed from the dead letters", body = Object),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Operators only (super_admin)", body = ErrorBody),
        (status = 404, description = "No such dead letter (`details.field`: `message_id`)", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody),
        (status = 503, description = "The bus is unreachable", body = ErrorBody)))]
pub(super) async fn replay(
    State(state): State<AppState>,
    caller: Caller,
    Path(message_id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Permission::SystemConfig)?;
    let letter = state.bus.replay(&message_id).await.map_err(events_error)?;
    tracing::info!(target: "tessera::audit", actor = caller.user_id(), %message_id, topic = %letter.topic, "dead letter replayed");
    Ok(Json(serde_json::json!({
        "replayed": message_id,
        "topic": letter.topic,
        "consumer": letter.consumer,
    })))
}

fn events_error(e: crate::events::EventsError) -> ApiError {
    use crate::events::EventsError;
    match e {
        EventsError::NoSuchDeadLetter(id) => ApiError::Refused {
            status: StatusCode::NOT_FOUND,
            code: "NOT_FOUND",
            message: format!("no dead letter `{id}`"),
            field: Some("message_id"),
        },
        EventsError::Store(s) => s.into(),
        other => ApiError::Unavailable(format!("the event bus: {other}")),
    }
}
