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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)] // read by serde only
    struct Signup {
        email: String,
        age: u32,
        address: Address,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)] // read by serde only
    struct Address {
        city: String,
    }

    /// The extractor's verdict on `body` sent as `content_type`.
    async fn extract(content_type: Option<&str>, body: &str) -> Result<Signup, ApiError> {
        let mut request = axum::http::Request::builder().method("POST").uri("/");
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let request = request
            .body(axum::body::Body::from(body.to_owned()))
            .unwrap();
        ValidJson::<Signup>::from_request(request, &())
            .await
            .map(|j| j.0)
    }

    /// The `field` and message of a 400.
    fn bad_request(result: Result<Signup, ApiError>) -> (Option<String>, String) {
        match result {
            Err(e @ ApiError::BadRequest { .. }) => {
                assert_eq!(e.parts().0, StatusCode::BAD_REQUEST);
                let ApiError::BadRequest { field, message } = e else {
                    unreachable!()
                };
                (field, message)
            }
            other => panic!("not a 400: {other:?}"),
        }
    }

    const GOOD: &str = r#"{"email": "a@example.com", "age": 30, "address": {"city": "Lyon"}}"#;

    #[tokio::test]
    async fn a_good_body_is_accepted_with_any_json_media_type() {
        for content_type in [
            "application/json",
            "application/json; charset=utf-8",
            "application/merge-patch+json",
            "Application/JSON",
        ] {
            let signup = extract(Some(content_type), GOOD).await;
            assert!(signup.is_ok(), "{content_type}: {signup:?}");
        }
    }

    #[tokio::test]
    async fn a_body_that_is_not_json_is_refused_with_415() {
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
        ] {
            let e = extract(content_type, GOOD).await.unwrap_err();
            assert!(
                matches!(e, ApiError::UnsupportedMediaType),
                "{content_type:?}: {e:?}"
            );
            assert_eq!(e.parts().2["field"], "content-type");
        }
    }

    #[tokio::test]
    async fn a_missing_nested_field_is_named_by_its_own_path() {
        let (field, message) = bad_request(
            extract(
                Some("application/json"),
                r#"{"email": "a@example.com", "age": 1, "address": {}}"#,
            )
            .await,
        );
        assert_eq!(field.as_deref(), Some("address.city"));
        assert!(message.contains("missing field `city`"), "{message}");
        let (field, _) = bad_request(extract(Some("application/json"), r#"{"age": 1}"#).await);
        assert_eq!(field.as_deref(), Some("email"));
    }

    #[tokio::test]
    async fn a_value_of_the_wrong_type_is_named_with_its_path() {
        let (field, message) = bad_request(
            extract(
                Some("application/json"),
                r#"{"email": "a@example.com", "age": "thirty", "address": {"city": "Lyon"}}"#,
            )
            .await,
        );
        assert_eq!(field.as_deref(), Some("age"));
        assert!(message.starts_with("age: invalid type"), "{message}");
    }

    #[tokio::test]
    async fn malformed_json_says_so() {
        let (_, message) = bad_request(extract(Some("application/json"), r#"{"email": "#).await);
        assert!(message.starts_with("malformed JSON"), "{message}");
    }
}
