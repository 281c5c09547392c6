//! Who is calling: the bearer token checked once per request — its signature, then that
//! its session is still live, its account active and its role current (`auth::live`) —
//! and the permission guard every route uses (`caller.require(Permission::…)`), so seed
//! 002 §6.1's matrix lives in one place (`auth::roles`).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};

use super::AppState;
use super::error::ApiError;
use crate::auth::{Claims, Permission, Refusal, Role};

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's claims.
    pub claims: Claims,
}

impl Caller {
    /// The caller's user id.
    pub fn user_id(&self) -> &str {
        &self.claims.sub
    }

    /// The caller's role (checked against the account's current role).
    pub fn role(&self) -> Role {
        self.claims.user_type
    }

    /// Refuses with 403 unless the caller's role holds `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.role().allows(permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "role `{}` may not do this ({permission:?})",
                self.role()
            )))
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        let (status, code) = match r {
            Refusal::SessionEnded => (StatusCode::UNAUTHORIZED, "SESSION_ENDED"),
            Refusal::RoleChanged(_) => (StatusCode::UNAUTHORIZED, "ROLE_CHANGED"),
            Refusal::ServiceRevoked => (StatusCode::UNAUTHORIZED, "SERVICE_TOKEN_REVOKED"),
            Refusal::Disabled => (StatusCode::FORBIDDEN, "ACCOUNT_DISABLED"),
        };
        ApiError::Refused {
            status,
            code,
            message: r.to_string(),
            field: Some("authorization"),
        }
    }
}

/// Checks the `Authorization: Bearer` header of a request: the signature, then whether the
/// token's session (or service token) is still live and its role current.
pub async fn authenticate(headers: &HeaderMap, state: &AppState) -> Result<Caller, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("missing `Authorization: Bearer <token>`".into()))?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into())
        })?;
    let claims = state
        .auth
        .keys()
        .check(token)
        .map_err(|e| ApiError::Unauthorized(e.to_string()))?;
    match state.auth.check_live(&claims).await {
        Ok(Ok(())) => {
            super::request_id::note_user(&claims.sub);
            Ok(Caller { claims })
        }
        Ok(Err(refusal)) => Err(refusal.into()),
        Err(e) => {
            // Neither the cache nor the database answers: no way to tell a revoked token.
            tracing::error!(error = %e, "cannot check a token's session");
            Err(ApiError::Unavailable(
                "cannot check the token's session right now; retry shortly".into(),
            ))
        }
    }
}

/// The caller when the rate limiter has already authenticated one (routes where a token
/// is optional read the header themselves when it is not: `api::tutorials`).
impl axum::extract::OptionalFromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Option<Self>, ApiError> {
        Ok(parts.extensions.get::<Caller>().cloned())
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // The rate limiter authenticated the request already (session check included).
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        authenticate(&parts.headers, state).await
    }
}

/// Counts an attempt at something guessable (a password, a join code) against `limit`
/// per minute under `key`; 429 past it. A store outage lets the attempt through, as the
/// general limiter does.
pub async fn throttle(state: &AppState, key: &str, limit: u32) -> Result<(), ApiError> {
    let window = super::rate_limit::WINDOW;
    match state.kv.hit(key, window, limit).await {
        Ok(d) if !d.allowed => Err(super::rate_limit::refusal(state, "attempts", &d)),
        Ok(_) => Ok(()),
        Err(e) => {
            tracing::warn!(error = %e, "attempt limiter unavailable; attempt let through");
            Ok(())
        }
    }
}
