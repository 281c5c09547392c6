//! Rate limits (docs/requirements.md#r-002-6.3): per user on general routes (100/min) and AI routes
//! (10/min), per client address on the auth routes (5/min), as sliding windows in the
//! key-value store (Redis when configured, so every replica shares them). Answers carry
//! `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds); a
//! refusal is 429 with `Retry-After`.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::caller::{self, Caller};
use super::error::ApiError;
use super::guard::ClientIp;
use crate::kv::RateDecision;

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
    /// Per account (e-mail address), sign-in attempts.
    pub login_account: u32,
    /// Per user, catalog searches (`GET /courses?search=`, seed 002 §6.3), on top of the
    /// general limit.
    pub search: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            general: 100,
            ai: 10,
            auth: 5,
            login_account: 10,
            search: 30,
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

/// The rate-limit key of the request's client address (see [`ClientIp::rate_key`]).
fn client_key(request: &Request) -> String {
    request
        .extensions()
        .get::<ClientIp>()
        .map_or_else(|| "unknown".to_owned(), |c| c.rate_key())
}

/// The key and limit `class` counts under for `caller` (or the client address `ip`).
pub fn key_for(
    limits: &RateLimits,
    class: RateClass,
    caller: Option<&Caller>,
    ip: &str,
) -> (String, u32) {
    match (class, caller) {
        (RateClass::Auth, _) => (format!("auth:ip:{ip}"), limits.auth),
        (RateClass::General, Some(c)) => (format!("general:user:{}", c.user_id()), limits.general),
        (RateClass::General, None) => (format!("general:ip:{ip}"), limits.general),
        (RateClass::Ai, Some(c)) => (ai_key(c.user_id()), limits.ai),
        (RateClass::Ai, None) => (format!("ai:ip:{ip}"), limits.ai),
    }
}

/// Counts one request of `class` against `key`. A store that does not answer lets the
/// request through, logged, unless the class guards sign-in (`fail_closed`): there a
/// limiter that cannot count must not open the door to password guessing, so the answer is
/// 503 until the store is back.
pub async fn charge(
    state: &AppState,
    key: &str,
    limit: u32,
    fail_closed: bool,
) -> Result<Option<RateDecision>, ApiError> {
    match state.kv.hit(key, WINDOW, limit).await {
        Ok(decision) => Ok(Some(decision)),
        Err(e) if fail_closed => {
            tracing::error!(error = %e, "rate limiter unavailable; sign-in refused");
            Err(ApiError::Unavailable(
                "sign-in is paused: the rate limiter cannot be reached".into(),
            ))
        }
        Err(e) => {
            // Fail open: a store outage must not take the API down; readiness reports it.
            tracing::warn!(error = %e, "rate limiter unavailable; request let through");
            Ok(None)
        }
    }
}

/// Counts a sign-in attempt against the account it names, from whatever address: a
/// guesser spread over many addresses (or an IPv6 block) still gets only
/// `login_account` tries a minute. Fails closed like the auth routes.
pub async fn charge_account(state: &AppState, email: &str) -> Result<(), ApiError> {
    let key = format!("auth:account:{}", email.trim().to_lowercase());
    match charge(state, &key, state.rate_limits.login_account, true).await? {
        Some(decision) if !decision.allowed => Err(refusal(state, "login_account", &decision)),
        _ => Ok(()),
    }
}

/// The refusal for a window that is full, counted in the metrics under `class` (a
/// [`RateClass::label`] or the name of a narrower limit).
pub fn refusal(state: &AppState, class: &'static str, decision: &RateDecision) -> ApiError {
    state
        .registry
        .runtime()
        .metrics()
        .record_rate_limited(class);
    ApiError::TooManyRequests {
        limit: decision.limit,
        retry_after_secs: reset_secs(decision),
    }
}

fn reset_secs(decision: &RateDecision) -> u64 {
    decision
        .retry_after_ms
        .div_ceil(1000)
        .max(if decision.allowed { 0 } else { 1 })
}

/// Sets the `X-RateLimit-*` headers of `decision` on `response`.
pub fn annotate(response: &mut Response, decision: &RateDecision) {
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
            reset_secs(decision)
        }),
    );
}

/// The middleware; `class` picks the limit and the key.
pub async fn limit(
    State((state, class)): State<(AppState, RateClass)>,
    mut request: Request,
    next: Next,
) -> Response {
    let ip = client_key(&request);
    // Auth routes count per address, so their token (if any) need not be checked here.
    let caller = match class {
        RateClass::Auth => None,
        _ => caller::authenticate(request.headers(), &state).await.ok(),
    };
    let (key, limit) = key_for(&state.rate_limits, class, caller.as_ref(), &ip);
    if let Some(caller) = caller {
        request.extensions_mut().insert::<Caller>(caller);
    }
    let decision = match charge(&state, &key, limit, matches!(class, RateClass::Auth)).await {
        Ok(Some(d)) => d,
        Ok(None) => return next.run(request).await,
        Err(e) => return e.into_response(),
    };
    let mut response = if decision.allowed {
        next.run(request).await
    } else {
        refusal(&state, class.label(), &decision).into_response()
    };
    annotate(&mut response, &decision);
    response
}

/// The window a user's AI requests count in.
fn ai_key(user_id: &str) -> String {
    format!("ai:user:{user_id}")
}

/// Counts one more request of `user_id` in the AI window, for a route whose requests are
/// general until one turns out to need a model (grading a kind whose grader asks one):
/// the same 429 the AI routes give once the window is full.
pub async fn count_ai(state: &AppState, user_id: &str) -> Result<(), ApiError> {
    let limit = state.rate_limits.ai;
    match state.kv.hit(&ai_key(user_id), WINDOW, limit).await {
        Ok(d) if !d.allowed => Err(refusal(state, RateClass::Ai.label(), &d)),
        Ok(_) => Ok(()),
        Err(e) => {
            // As the middleware does for AI routes: a store outage must not stop them.
            tracing::warn!(error = %e, "rate limiter unavailable; request let through");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(allowed: bool, remaining: u32, retry_after_ms: u64) -> RateDecision {
        RateDecision {
            allowed,
            limit: 5,
            remaining,
            retry_after_ms,
        }
    }

    fn headers(decision: &RateDecision) -> [String; 3] {
        let mut response = Response::default();
        annotate(&mut response, decision);
        [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        ]
        .map(|h| response.headers()[h].to_str().unwrap().to_owned())
    }

    #[test]
    fn an_allowed_request_is_told_its_room_and_the_window() {
        assert_eq!(headers(&decision(true, 3, 0)), ["5", "3", "60"]);
    }

    #[test]
    fn a_refused_request_is_told_the_whole_seconds_until_a_slot_frees() {
        assert_eq!(headers(&decision(false, 0, 1_200)), ["5", "0", "2"]);
        // Never "retry in 0 s" when refused.
        assert_eq!(reset_secs(&decision(false, 0, 0)), 1);
        assert_eq!(reset_secs(&decision(true, 4, 0)), 0);
    }

    #[test]
    fn sign_in_counts_per_address_and_the_rest_per_user_when_known() {
        let limits = RateLimits::default();
        assert_eq!(
            key_for(&limits, RateClass::Auth, None, "203.0.113.9"),
            ("auth:ip:203.0.113.9".to_owned(), 5)
        );
        assert_eq!(
            key_for(&limits, RateClass::General, None, "203.0.113.9"),
            ("general:ip:203.0.113.9".to_owned(), 100)
        );
        assert_eq!(
            key_for(&limits, RateClass::Ai, None, "::1"),
            ("ai:ip:::1".to_owned(), 10)
        );
    }
}
