//! `/api/v1/auth/*`: register, login, refresh, logout (docs/requirements.md#r-002-3.2,
//! #r-001-10.1).

use super::error::ErrorBody;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::caller::Caller;
use super::error::ApiError;
use super::idempotency::ReplayAs;
use super::json::ValidJson;
use crate::auth::{ClientInfo, Role, TokenPair, UserSummary};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(logout))
}

/// The creating route, separate so the idempotency layer wraps only it.
pub(super) fn register_route() -> Router<AppState> {
    Router::new().route("/auth/register", post(register))
}

/// `POST /api/v1/auth/register`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// E-mail address.
    pub email: String,
    /// Password (the rules of docs/requirements.md#r-002-6.2).
    pub password: String,
    /// Display name.
    pub full_name: String,
    /// `student` (default) or `teacher`.
    #[serde(default = "student")]
    pub user_type: Role,
}

fn student() -> Role {
    Role::Student
}

/// Reply to a registration (201).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Registered {
    /// The new user's id.
    pub user_id: String,
    /// E-mail address.
    pub email: String,
    /// Display name.
    pub full_name: String,
    /// The tokens.
    #[serde(flatten)]
    pub tokens: TokenPair,
}

/// What a replay of a registration (same `Idempotency-Key`, same body) answers: the
/// account, never tokens, which are handed out once. Sign in to get tokens.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegisteredAgain {
    /// The account's id.
    pub user_id: String,
    /// E-mail address.
    pub email: String,
    /// Display name.
    pub full_name: String,
    /// Why there are no tokens.
    pub message: &'static str,
}

/// The 201 of a registration: the first answer, or a replay's (for the OpenAPI document).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum RegisterReply {
    /// The first answer: the account and its tokens.
    Created(Registered),
    /// A replay (`Idempotent-Replayed: true`): the account without tokens.
    Replayed(RegisteredAgain),
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// E-mail address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// Reply to a login.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoggedIn {
    /// The tokens.
    #[serde(flatten)]
    pub tokens: TokenPair,
    /// Who signed in.
    pub user: UserSummary,
}

/// `POST /api/v1/auth/refresh`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshBody {
    /// The current refresh token.
    pub refresh_token: String,
}

/// The client's address (through trusted proxies), when the server knows it.
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<super::guard::ClientIp>()
                .map(|c| c.0),
        ))
    }
}

fn client(addr: Option<std::net::IpAddr>, headers: &HeaderMap) -> ClientInfo {
    ClientInfo {
        ip: addr.map(|a| a.to_string()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth",
    request_body(content = RegisterBody, example = json!({"email": "student@example.com", "password": "SecurePassword123!", "full_name": "John Student", "user_type": "student"})),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the account (never its tokens) for 24 h")),
    responses(
        (status = 201, description = "Account created and signed in; a replay (`Idempotent-Replayed: true`) answers the account without tokens (RegisteredAgain)", body = RegisterReply,
         example = json!({"user_id": "550e8400-e29b-41d4-a716-446655440000", "email": "student@example.com", "full_name": "John Student", "access_token": "eyJhbGciOiJIUzI1NiIs…", "refresh_token": "rt_…", "token_type": "bearer", "expires_in": 1800})),
        (status = 409, description = "E-mail address taken; or IDEMPOTENCY_IN_PROGRESS", body = ErrorBody),
        (status = 400, description = "Malformed JSON, a missing or unknown field, a wrong type", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "A value breaks a rule; `details.field` names it", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody),
        (status = 503, description = "Too many passwords being hashed, or the rate limiter is unreachable; see Retry-After", body = ErrorBody)
    ))]
pub(super) async fn register(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    ValidJson(body): ValidJson<RegisterBody>,
) -> Result<Response, ApiError> {
    let (user, tokens) = state
        .auth
        .register(
            &body.email,
            &body.password,
            &body.full_name,
            body.user_type,
            &client(addr, &headers),
        )
        .await?;
    let again = RegisteredAgain {
        user_id: user.id.clone(),
        email: user.email.clone(),
        full_name: user.full_name.clone(),
        message: "this account was created by an earlier request with the same Idempotency-Key; its tokens are not handed out again: sign in (POST /api/v1/auth/login)",
    };
    let mut response = (
        StatusCode::CREATED,
        Json(Registered {
            user_id: user.id,
            email: user.email,
            full_name: user.full_name,
            tokens,
        }),
    )
        .into_response();
    if let Ok(body) = serde_json::to_vec(&again) {
        response.extensions_mut().insert(ReplayAs(body));
    }
    Ok(response)
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body(content = LoginBody, example = json!({"email": "student@example.com", "password": "SecurePassword123!"})),
    responses(
        (status = 200, description = "Signed in", body = LoggedIn,
         example = json!({"access_token": "eyJhbGciOiJIUzI1NiIs…", "refresh_token": "rt_…", "token_type": "bearer", "expires_in": 1800, "user": {"id": "550e8400-e29b-41d4-a716-446655440000", "email": "student@example.com", "full_name": "John Student", "user_type": "student", "created_at": "2025-09-10T10:00:00Z"}})),
        (status = 401, description = "Wrong e-mail or password (INVALID_CREDENTIALS)", body = ErrorBody),
        (status = 400, description = "Malformed JSON, a missing or unknown field, a wrong type", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "A value breaks a rule; `details.field` names it", body = ErrorBody),
        (status = 429, description = "Rate limited per address or per account; see Retry-After", body = ErrorBody),
        (status = 503, description = "Too many passwords being hashed, or the rate limiter is unreachable; see Retry-After", body = ErrorBody)
    ))]
pub(super) async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    ValidJson(body): ValidJson<LoginBody>,
) -> Result<Json<LoggedIn>, ApiError> {
    super::rate_limit::charge_account(&state, &body.email).await?;
    let (user, tokens) = state
        .auth
        .login(&body.email, &body.password, &client(addr, &headers))
        .await?;
    Ok(Json(LoggedIn {
        tokens,
        user: UserSummary::from(&user),
    }))
}

#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth",
    request_body(content = RefreshBody, example = json!({"refresh_token": "rt_…"})),
    responses(
        (status = 200, description = "Rotated: the old refresh token is used up", body = TokenPair),
        (status = 401, description = "INVALID_REFRESH_TOKEN, or REFRESH_TOKEN_REUSED (the whole family is revoked)", body = ErrorBody),
        (status = 400, description = "Malformed JSON, a missing or unknown field, a wrong type", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "A value breaks a rule; `details.field` names it", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)
    ))]
pub(super) async fn refresh(
    State(state): State<AppState>,
    ValidJson(body): ValidJson<RefreshBody>,
) -> Result<Json<TokenPair>, ApiError> {
    Ok(Json(state.auth.refresh(&body.refresh_token).await?))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "The sign-in ends: its refresh tokens and access tokens stop working at once"),
        (status = 401, description = "Missing, expired or invalid bearer token", body = ErrorBody), (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)
    ))]
pub(super) async fn logout(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    state.auth.logout(&caller.claims).await?;
    Ok(StatusCode::NO_CONTENT)
}
