//! Seed 001's Kalei over HTTP (`crate::kalei`; docs/kalei.md): Mirror, Turn, the
//! Gallery, Lens and Spectrum. Routes that may ask a model are AI requests for the rate limit and take an
//! `Idempotency-Key`; the rest are general routes.

mod billing;
mod lens;
mod mirror;
mod spectrum;
mod turns;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use super::caller::Caller;
use super::error::ApiError;
use crate::auth::Permission;
use crate::kalei::{KaleiError, Member};
use crate::learning::clock::Now;

pub(super) use billing::*;
pub(super) use lens::*;
pub(super) use mirror::*;
pub(super) use spectrum::*;
pub(super) use turns::*;

/// Routes that may ask a model (the AI rate class, idempotent).
pub(super) fn ai_routes() -> Router<AppState> {
    mirror::ai_routes()
        .merge(turns::ai_routes())
        .merge(lens::ai_routes())
}

/// Reading, saving and deleting. A list shares its path with the POST that asks a model
/// (`GET /turns`, `POST /turns`), but not its rate class: axum merges the two methods of
/// one path and each keeps the layers of its own router.
pub(super) fn routes() -> Router<AppState> {
    mirror::routes()
        .merge(turns::routes())
        .merge(lens::routes())
        .merge(spectrum::routes())
        .merge(billing::routes())
}

impl From<KaleiError> for ApiError {
    fn from(e: KaleiError) -> Self {
        use crate::plugins::contract::types::Error as ContractError;
        match e {
            KaleiError::Invalid { field, message } => ApiError::Validation {
                field,
                issue: message,
            },
            KaleiError::NotFound { what, field, id } => ApiError::Refused {
                status: StatusCode::NOT_FOUND,
                code: "NOT_FOUND",
                message: format!("no {what} `{id}`"),
                field: Some(field),
            },
            KaleiError::Conflict { code, message } => ApiError::Refused {
                status: StatusCode::CONFLICT,
                code,
                message,
                field: None,
            },
            KaleiError::Limit(refusal) => ApiError::PlanLimit(refusal),
            e @ KaleiError::NoPlugin(_) => ApiError::Unavailable(e.to_string()),
            e @ KaleiError::Rejected { .. } => ApiError::Refused {
                status: StatusCode::BAD_GATEWAY,
                code: "UPSTREAM_ERROR",
                message: e.to_string(),
                field: None,
            },
            KaleiError::Contract { world, error } => match error {
                ContractError::InvalidInput(f) => ApiError::Validation {
                    field: f.field,
                    issue: f.message,
                },
                ContractError::Unavailable(m) => ApiError::Unavailable(m),
                ContractError::Unsupported(m) | ContractError::Internal(m) => {
                    ApiError::Internal(format!("the {world} plugin failed: {m}"))
                }
            },
            KaleiError::Plugin(e) => ApiError::Plugin(e),
            KaleiError::Ai(e) => e.into(),
            KaleiError::Store(e) => e.into(),
            e @ KaleiError::Seal(_) => ApiError::Internal(e.to_string()),
            e @ KaleiError::NotConfigured(_) => ApiError::Unavailable(e.to_string()),
            KaleiError::Billing(e) => billing_error(e),
        }
    }
}

/// A store notification's failure, by its meaning: 401 when it does not verify (nothing is
/// stored), 400 malformed, 422 another app's or an unknown purchase, 502/503 the store's API.
fn billing_error(e: ::billing::BillingError) -> ApiError {
    use ::billing::BillingError as B;
    let message = e.to_string();
    match e {
        B::Unauthenticated(_) => ApiError::Refused {
            status: StatusCode::UNAUTHORIZED,
            code: "INVALID_SIGNATURE",
            message,
            field: None,
        },
        B::Malformed { field, .. } => ApiError::BadRequest {
            field: Some(field.to_string()),
            message,
        },
        B::WrongApp { .. } => ApiError::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "WRONG_APP",
            message,
            field: None,
        },
        B::PurchaseNotFound { .. } => ApiError::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "PURCHASE_NOT_FOUND",
            message,
            field: None,
        },
        B::Upstream { .. } => ApiError::Refused {
            status: StatusCode::BAD_GATEWAY,
            code: "UPSTREAM_ERROR",
            message,
            field: None,
        },
        B::Unavailable(_) => ApiError::Unavailable(message),
        B::Config(_) => ApiError::Internal(message),
    }
}

/// The caller as a Kalei member: any signed-in account, "now" from the test clock when
/// enabled.
pub(super) async fn member(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
) -> Result<Member, ApiError> {
    caller.require(Permission::AiGeneration)?;
    let now = Now::from_headers(headers, state.learning.test_clock())?;
    Ok(state.kalei.member(caller.user_id(), now).await?)
}

/// `?limit=&offset=` of a list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Page size, 1-100 (default 20).
    pub limit: Option<i64>,
    /// Items skipped (default 0).
    pub offset: Option<i64>,
}

impl PageQuery {
    /// (limit, offset), checked.
    pub(super) fn bounds(
        query: Result<axum::extract::Query<PageQuery>, axum::extract::rejection::QueryRejection>,
    ) -> Result<(i64, i64), ApiError> {
        let axum::extract::Query(q) = query.map_err(|e| ApiError::BadRequest {
            field: None,
            message: e.body_text(),
        })?;
        let limit = q.limit.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err(ApiError::Validation {
                field: "limit".into(),
                issue: "must be between 1 and 100".into(),
            });
        }
        let offset = q.offset.unwrap_or(0);
        if offset < 0 {
            return Err(ApiError::Validation {
                field: "offset".into(),
                issue: "must not be negative".into(),
            });
        }
        Ok((limit, offset))
    }
}
