//! A JSON body extractor whose every rejection is an [`ApiError`] naming the field.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// Largest JSON body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

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
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(MAX_BODY_BYTES)
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
                let field = (path != ".").then_some(path);
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
