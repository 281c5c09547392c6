//! Rate limits (seed 002 §6.3): per user on general routes (100/min) and AI routes
//! (10/min), per client address on the auth routes (5/min), as sliding windows in the
//! key-value store (Redis when configured, so every replica shares them). Answers carry
//! `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds); a
//! refusal is 429 with `Retry-After`.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::caller::{self, Caller};
use super::error::ApiError;

/// The window every limit counts over.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Requests per minute for each class of route.
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    /// Per user, general routes.
    pub general: u32,
    /// Per user, AI routes.
    pub ai: u32,
    /// Per client address, the auth routes.
    pub auth: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            general: 100,
            ai: 10,
            auth: 5,
        }
    }
}

/// Which limit a route group counts against.
#[derive(Debug, Clone, Copy)]
pub enum RateClass {
    /// `/api/v1/auth/*`, per client address.
    Auth,
    /// Everything else under `/api/v1`, per user (per address without a valid token).
    General,
    /// Model-backed routes, per user.
    Ai,
}

impl RateClass {
    /// The class as metrics name it.
    pub fn label(self) -> &'static str {
        match self {
            RateClass::Auth => "auth",
            RateClass::General => "general",
            RateClass::Ai => "ai",
        }
    }
}

fn client_ip(request: &Request) -> String {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
}

/// The middleware; `class` picks the limit and the key.
pub async fn limit(
    State((state, class)): State<(AppState, RateClass)>,
    mut request: Request,
    next: Next,
) -> Response {
    let ip = client_ip(&request);
    // Auth routes count per address, so their token (if any) need not be checked here.
    let caller = match class {
        RateClass::Auth => None,
        _ => caller::authenticate(request.headers(), &state).ok(),
    };
    let limits = state.limits;
    let (key, limit) = match (class, &caller) {
        (RateClass::Auth, _) => (format!("auth:ip:{ip}"), limits.auth),
        (RateClass::General, Some(c)) => (format!("general:user:{}", c.user_id()), limits.general),
        (RateClass::General, None) => (format!("general:ip:{ip}"), limits.general),
        (RateClass::Ai, Some(c)) => (format!("ai:user:{}", c.user_id()), limits.ai),
        (RateClass::Ai, None) => (format!("ai:ip:{ip}"), limits.ai),
    };
    if let Some(caller) = caller {
        request.extensions_mut().insert::<Caller>(caller);
    }
    let decision = match state.kv.hit(&key, WINDOW, limit).await {
        Ok(d) => d,
        Err(e) => {
            // Fail open: a store outage must not take the API down; readiness reports it.
            tracing::warn!(error = %e, "rate limiter unavailable; request let through");
            return next.run(request).await;
        }
    };
    let reset_secs = decision
        .retry_after_ms
        .div_ceil(1000)
        .max(if decision.allowed { 0 } else { 1 });
    let mut response = if decision.allowed {
        next.run(request).await
    } else {
        state
            .registry
            .runtime()
            .metrics()
            .record_rate_limited(class.label());
        ApiError::TooManyRequests {
            limit,
            retry_after_secs: reset_secs,
        }
        .into_response()
    };
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(decision.limit));
    headers.insert(
        "x-ratelimit-remaining",
        HeaderValue::from(decision.remaining),
    );
    headers.insert(
        "x-ratelimit-reset",
        HeaderValue::from(if decision.allowed {
            WINDOW.as_secs()
        } else {
            reset_secs
        }),
    );
    response
}
