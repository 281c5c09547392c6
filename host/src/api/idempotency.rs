//! `Idempotency-Key` on creating POSTs (docs/requirements.md#r-001-12.2): the first answer to a key
//! is kept for 24 h; a replay with the same key and the same body gets that answer again (with
//! `Idempotent-Replayed: true`), the same key with another body gets 422, and a replay
//! while the first is still running gets 409. Keys are scoped to the caller (user, or
//! client address before sign-in) and the route. 5xx answers are not kept, so a retry
//! after a server failure runs again.
//!
//! An answer that hands out secrets (registration's tokens) must not be kept or replayed:
//! its handler attaches a [`ReplayAs`] body without them, which is what the record keeps
//! and a replay answers.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::AppState;
use super::caller::{self, Caller};
use super::error::ApiError;
use super::json::MAX_BODY_BYTES;

/// How long an answer is kept.
pub const KEEP: Duration = Duration::from_secs(24 * 3600);
/// How long a request may hold its key before a replay may run it again.
const PENDING: Duration = Duration::from_secs(60);
/// The header.
pub const HEADER: &str = "idempotency-key";

/// The body a replay answers instead of the first answer's, for answers holding
/// secrets. A handler inserts it into its response's extensions; the status stays.
#[derive(Debug, Clone)]
pub struct ReplayAs(pub Vec<u8>);

#[derive(Serialize, Deserialize)]
struct Record {
    fingerprint: String,
    /// None while the first request runs.
    status: Option<u16>,
    content_type: Option<String>,
    body_b64: String,
}

fn field_error(message: &str) -> Response {
    ApiError::BadRequest {
        field: Some("Idempotency-Key".into()),
        message: format!("Idempotency-Key: {message}"),
    }
    .into_response()
}

/// The middleware.
pub async fn idempotent(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(raw) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    let Some(key) = raw
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
    else {
        return field_error("must be 1 to 255 visible ASCII characters");
    };
    let (parts, body) = request.into_parts();
    let caller = match parts.extensions.get::<Caller>() {
        Some(c) => Ok(c.clone()),
        None => caller::authenticate(&parts.headers, &state).await,
    };
    let scope = match caller {
        Ok(c) => format!("user:{}", c.user_id()),
        Err(_) => parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "ip:unknown".into(), |c| format!("ip:{}", c.0.ip())),
    };
    let path = parts.uri.path().to_owned();
    let bytes = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => return ApiError::PayloadTooLarge(MAX_BODY_BYTES).into_response(),
    };
    let fingerprint = hex::encode(Sha256::digest(
        [parts.method.as_str().as_bytes(), path.as_bytes(), &bytes].concat(),
    ));
    let store_key = format!("idem:{scope}:{path}:{key}");
    let kv = &state.kv;

    match kv.get(&store_key).await {
        Ok(Some(stored)) => return replay(&stored, &fingerprint),
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(error = %e, "idempotency store unavailable; request runs unguarded");
            return next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
        }
    }
    let pending = Record {
        fingerprint: fingerprint.clone(),
        status: None,
        content_type: None,
        body_b64: String::new(),
    };
    let pending = serde_json::to_vec(&pending).unwrap_or_default();
    match kv.put_new(&store_key, &pending, PENDING).await {
        Ok(true) => {}
        Ok(false) => {
            // Someone stored it between our read and write: answer as a replay would.
            return match kv.get(&store_key).await {
                Ok(Some(stored)) => replay(&stored, &fingerprint),
                _ => in_progress(),
            };
        }
        Err(e) => {
            tracing::warn!(error = %e, "idempotency store unavailable; request runs unguarded");
            return next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
        }
    }

    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (mut head, body) = response.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let kept = head
        .extensions
        .remove::<ReplayAs>()
        .map_or_else(|| body.to_vec(), |r| r.0);
    if head.status.is_server_error() {
        let _ = kv.delete(&store_key).await;
    } else {
        let record = Record {
            fingerprint,
            status: Some(head.status.as_u16()),
            content_type: head
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body_b64: base64::engine::general_purpose::STANDARD.encode(&kept),
        };
        if let Ok(bytes) = serde_json::to_vec(&record)
            && let Err(e) = kv.put(&store_key, &bytes, KEEP).await
        {
            tracing::warn!(error = %e, "could not keep an idempotent answer");
        }
    }
    head.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(head, Body::from(body))
}

fn in_progress() -> Response {
    ApiError::Refused {
        status: StatusCode::CONFLICT,
        code: "IDEMPOTENCY_IN_PROGRESS",
        message: "a request with this Idempotency-Key is still running; retry shortly".into(),
        field: Some("Idempotency-Key"),
    }
    .into_response()
}

fn replay(stored: &[u8], fingerprint: &str) -> Response {
    let Ok(record) = serde_json::from_slice::<Record>(stored) else {
        return in_progress();
    };
    if record.fingerprint != fingerprint {
        return ApiError::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "IDEMPOTENCY_KEY_REUSED",
            message: "this Idempotency-Key was used with a different request".into(),
            field: Some("Idempotency-Key"),
        }
        .into_response();
    }
    let Some(status) = record.status.and_then(|s| StatusCode::from_u16(s).ok()) else {
        return in_progress();
    };
    let body = base64::engine::general_purpose::STANDARD
        .decode(record.body_b64)
        .unwrap_or_default();
    let mut response = (status, body).into_response();
    if let Some(ct) = record
        .content_type
        .and_then(|c| HeaderValue::from_str(&c).ok())
    {
        response.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
