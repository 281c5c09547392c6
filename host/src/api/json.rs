//! A JSON body extractor whose every rejection is an [`ApiError`] naming the field.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// Largest JSON body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The body limit of a route group that accepts more than [`MAX_BODY_BYTES`], so a 413
/// names the limit that applied.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

impl BodyLimit {
    /// A layer recording `limit` on every request (pair it with `DefaultBodyLimit::max`).
    pub fn layer(limit: usize) -> axum::Extension<BodyLimit> {
        axum::Extension(BodyLimit(limit))
    }
}

/// `axum::Json`, but with errors in the API's format.
pub struct ValidJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ValidJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                let v = v.trim();
                v.eq_ignore_ascii_case("application/json") || v.ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let limit = req
            .extensions()
            .get::<BodyLimit>()
            .map_or(MAX_BODY_BYTES, |l| l.0);
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(limit)
            } else {
                ApiError::BadRequest {
                    field: None,
                    message: rejection.body_text(),
                }
            }
        })?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(de)
            .map(ValidJson)
            .map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let mut field = (path != ".").then_some(path);
                // serde reports a missing field at its parent; name the field itself.
                if let Some(missing) = missing_field(&inner.to_string()) {
                    field = Some(match field {
                        Some(parent) => format!("{parent}.{missing}"),
                        None => missing.to_owned(),
                    });
                }
                let message = match inner.classify() {
                    serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                        format!("malformed JSON: {inner}")
                    }
                    _ => match &field {
                        Some(f) => format!("{f}: {inner}"),
                        None => inner.to_string(),
                    },
                };
                ApiError::BadRequest { field, message }
            })
    }
}

/// The field named by serde's "missing field `x`" message.
fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next()
}
