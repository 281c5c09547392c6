//! Classes by consent (`crate::learning::classes` does the work): a teacher's classes,
//! invitations and join codes, and a learner's side — invitations to answer, joining by
//! code, the classes (and so the teachers) that see their data, and leaving.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::ToSchema;

use super::AppState;
use super::caller::{Caller, throttle};
use super::error::{ApiError, ErrorBody};
use super::json::ValidJson;
use super::learning::now;
use crate::auth::Permission;
use crate::learning::classes::{
    ClassDetail, ClassView, InvitationSent, InvitationView, Membership,
};
use crate::learning::progress::ClassProgress;

/// Join-code attempts per learner per minute: enough to fix a typo, far too few to guess.
const JOINS_PER_MINUTE: u32 = 10;

/// Routes under `/api/v1`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/teacher/classes", post(create_class).get(teacher_classes))
        .route("/teacher/classes/{class_id}", get(class_detail))
        .route("/teacher/classes/{class_id}/invitations", post(invite))
        .route("/teacher/classes/{class_id}/join-code", post(rotate_code))
        .route(
            "/teacher/classes/{class_id}/members/{user_id}",
            delete(remove_member),
        )
        .route("/teacher/classes/{class_id}/progress", get(class_progress))
        .route("/classes/join", post(join))
        .route("/me/classes", get(my_classes))
        .route("/me/classes/{class_id}", delete(leave))
        .route("/me/class-invitations", get(my_invitations))
        .route("/me/class-invitations/{invitation_id}/accept", post(accept))
        .route(
            "/me/class-invitations/{invitation_id}/decline",
            post(decline),
        )
}

/// Body of `POST /teacher/classes`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassBody {
    /// Class name, 1-200 characters.
    pub name: String,
}

/// Body of `POST /teacher/classes/{id}/invitations`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    /// The learner's e-mail address.
    pub email: String,
}

/// Body of `POST /classes/join`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinBody {
    /// The class's join code, as the teacher shows it (any case; spaces and dashes are
    /// ignored).
    pub code: String,
}

/// A class's teacher (or a role that sees every user) and whether they see everyone.
fn teacher(caller: &Caller) -> Result<bool, ApiError> {
    caller.require(Permission::ManageClasses)?;
    Ok(caller.role().allows(Permission::ViewAllUsers))
}

#[utoipa::path(post, path = "/api/v1/teacher/classes", tag = "teacher", security(("bearer" = [])),
    request_body(content = ClassBody, example = json!({"name": "Python, Tuesday group"})),
    responses(
        (status = 201, description = "The class, with its join code", body = ClassView),
        (status = 400, description = "Malformed JSON or a wrong field", body = ErrorBody),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Not a teacher", body = ErrorBody),
        (status = 422, description = "A name outside 1-200 characters", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn create_class(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<ClassBody>,
) -> Result<(StatusCode, Json<ClassView>), ApiError> {
    teacher(&caller)?;
    let class = state
        .learning
        .create_class(caller.user_id(), &body.name)
        .await?;
    Ok((StatusCode::CREATED, Json(class)))
}

#[utoipa::path(get, path = "/api/v1/teacher/classes", tag = "teacher", security(("bearer" = [])),
    responses(
        (status = 200, description = "Your classes, newest first, with their join codes", body = Vec<ClassView>),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Not a teacher", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn teacher_classes(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ClassView>>, ApiError> {
    teacher(&caller)?;
    Ok(Json(
        state.learning.teacher_classes(caller.user_id()).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/teacher/classes/{class_id}", tag = "teacher", security(("bearer" = [])),
    params(("class_id" = String, Path, description = "Your class")),
    responses(
        (status = 200, description = "The class, its members and its pending invitations", body = ClassDetail),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Not a teacher, or not your class", body = ErrorBody),
        (status = 404, description = "No such class", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn class_detail(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(class_id): Path<String>,
) -> Result<Json<ClassDetail>, ApiError> {
    let all = teacher(&caller)?;
    let now = now(&state, &headers)?;
    Ok(Json(
        state
            .learning
            .class_detail(caller.user_id(), all, &class_id, now)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/teacher/classes/{class_id}/invitations", tag = "teacher", security(("bearer" = [])),
    params(("class_id" = String, Path, description = "Your class")),
    request_body(content = InviteBody, example = json!({"email": "ada@example.com"})),
    responses(
        (status = 202, description = "Invited, for 14 days. The same reply whether or not the address has an account (or is a member already): the learner sees it in GET /me/class-invitations", body = InvitationSent),
        (status = 400, description = "Malformed JSON or a wrong field", body = ErrorBody),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Not a teacher, or not your class", body = ErrorBody),
        (status = 404, description = "No such class", body = ErrorBody),
        (status = 409, description = "TOO_MANY_INVITATIONS: as many invitations wait for an answer as the class has places", body = ErrorBody),
        (status = 422, description = "Not an e-mail address (details.field = email)", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(class_id): Path<String>,
    ValidJson(body): ValidJson<InviteBody>,
) -> Result<(StatusCode, Json<InvitationSent>), ApiError> {
    let all = teacher(&caller)?;
    let now = now(&state, &headers)?;
    let sent = state
        .learning
        .invite(caller.user_id(), all, &class_id, &body.email, now)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(sent)))
}

#[utoipa::path(post, path = "/api/v1/teacher/classes/{class_id}/join-code", tag = "teacher", security(("bearer" = [])),
    params(("class_id" = String, Path, description = "Your class")),
    responses(
        (status = 200, description = "The class with a new join code; the old one no longer works", body = ClassView),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Not a teacher, or not your class", body = ErrorBody),
        (status = 404, description = "No such class", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn rotate_code(
    State(state): State<AppState>,
    caller: Caller,
    Path(class_id): Path<String>,
) -> Result<Json<ClassView>, ApiError> {
    let all = teacher(&caller)?;
    Ok(Json(
        state
            .learning
            .rotate_join_code(caller.user_id(), all, &class_id)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/teacher/classes/{class_id}/members/{user_id}", tag = "teacher", security(("bearer" = [])),
    params(("class_id" = String, Path, description = "Your class"), ("user_id" = String, Path, description = "A member")),
    responses(
        (status = 204, description = "Removed: you no longer see their data"),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Not a teacher, or not your class", body = ErrorBody),
        (status = 404, description = "No such class, or not a member", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((class_id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let all = teacher(&caller)?;
    state
        .learning
        .remove_member(caller.user_id(), all, &class_id, &user_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/teacher/classes/{class_id}/progress", tag = "teacher", security(("bearer" = [])),
    params(("class_id" = String, Path, description = "Your class")),
    responses(
        (status = 200, description = "Progress and mastery of every member (learners who accepted)", body = ClassProgress),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "Not a teacher, or not your class", body = ErrorBody),
        (status = 404, description = "No such class", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn class_progress(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(class_id): Path<String>,
) -> Result<Json<ClassProgress>, ApiError> {
    let all = teacher(&caller)?;
    let now = now(&state, &headers)?;
    Ok(Json(
        state
            .learning
            .class_progress(caller.user_id(), all, &class_id, now)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/classes/join", tag = "classes", security(("bearer" = [])),
    request_body(content = JoinBody, example = json!({"code": "K7QX-M2PD"})),
    responses(
        (status = 200, description = "Joined (or a member already): the class's teacher now sees your progress", body = Membership),
        (status = 400, description = "Malformed JSON or a wrong field", body = ErrorBody),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "The role may not join classes", body = ErrorBody),
        (status = 404, description = "No class has this code (details.field = code)", body = ErrorBody),
        (status = 409, description = "CLASS_FULL", body = ErrorBody),
        (status = 429, description = "Rate limited (10 join attempts a minute); see Retry-After", body = ErrorBody)))]
pub(super) async fn join(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<JoinBody>,
) -> Result<Json<Membership>, ApiError> {
    caller.require(Permission::ViewCourses)?;
    throttle(
        &state,
        &format!("join:user:{}", caller.user_id()),
        JOINS_PER_MINUTE,
    )
    .await?;
    Ok(Json(
        state
            .learning
            .join_by_code(caller.user_id(), &body.code)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/me/classes", tag = "classes", security(("bearer" = [])),
    responses(
        (status = 200, description = "The classes you belong to, with their teachers: who can see your progress and mastery", body = Vec<Membership>),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "The role lacks the permission", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn my_classes(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Membership>>, ApiError> {
    caller.require(Permission::ViewOwnProfile)?;
    Ok(Json(state.learning.my_classes(caller.user_id()).await?))
}

#[utoipa::path(delete, path = "/api/v1/me/classes/{class_id}", tag = "classes", security(("bearer" = [])),
    params(("class_id" = String, Path, description = "A class you belong to")),
    responses(
        (status = 204, description = "Left: its teacher no longer sees your data"),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "The role lacks the permission", body = ErrorBody),
        (status = 404, description = "You are not a member of such a class", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn leave(
    State(state): State<AppState>,
    caller: Caller,
    Path(class_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::EditOwnProfile)?;
    state
        .learning
        .leave_class(caller.user_id(), &class_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me/class-invitations", tag = "classes", security(("bearer" = [])),
    responses(
        (status = 200, description = "Invitations to your e-mail address waiting for your answer", body = Vec<InvitationView>),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "The role lacks the permission", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn my_invitations(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Json<Vec<InvitationView>>, ApiError> {
    caller.require(Permission::ViewOwnProfile)?;
    let now = now(&state, &headers)?;
    Ok(Json(
        state.learning.my_invitations(caller.user_id(), now).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/me/class-invitations/{invitation_id}/accept", tag = "classes", security(("bearer" = [])),
    params(("invitation_id" = String, Path, description = "An invitation to you")),
    responses(
        (status = 200, description = "Joined: the class's teacher now sees your progress", body = Membership),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "The role lacks the permission", body = ErrorBody),
        (status = 404, description = "No such unexpired invitation to you", body = ErrorBody),
        (status = 409, description = "CLASS_FULL; the invitation is kept", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(invitation_id): Path<String>,
) -> Result<Json<Membership>, ApiError> {
    caller.require(Permission::ViewCourses)?;
    let now = now(&state, &headers)?;
    Ok(Json(
        state
            .learning
            .accept_invitation(caller.user_id(), &invitation_id, now)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/me/class-invitations/{invitation_id}/decline", tag = "classes", security(("bearer" = [])),
    params(("invitation_id" = String, Path, description = "An invitation to you")),
    responses(
        (status = 204, description = "Declined: the invitation is gone"),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "The role lacks the permission", body = ErrorBody),
        (status = 404, description = "No such unexpired invitation to you", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn decline(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(invitation_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ViewOwnProfile)?;
    let now = now(&state, &headers)?;
    state
        .learning
        .decline_invitation(caller.user_id(), &invitation_id, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
