//! Who is calling: the bearer token checked once, and the permission guard every route
//! uses (`caller.require(Permission::…)`), so seed 002 §6.1's matrix lives in one place
//! (`auth::roles`).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use super::AppState;
use super::error::ApiError;
use crate::auth::{Claims, Permission, Role};

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

    /// The caller's role.
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

/// Checks the `Authorization: Bearer` header of a request.
pub fn authenticate(headers: &HeaderMap, state: &AppState) -> Result<Caller, ApiError> {
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
        .map_err(ApiError::Unauthorized)?;
    super::request_id::note_user(&claims.sub);
    Ok(Caller { claims })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // The rate limiter may have checked the token already.
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        authenticate(&parts.headers, state)
    }
}
