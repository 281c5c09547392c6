//! The one error type of the HTTP API, rendered as the body of docs/requirements.md#r-002-9.1:
//! `{"error":{"code","message","details","request_id","timestamp"}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

use super::request_id;
use crate::auth::AuthError;
use crate::grading::GradeError;
use crate::runtime::{PluginError, PluginErrorKind};
use crate::sandbox::SandboxError;
use crate::store::StoreError;

/// An API failure.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not valid JSON, or a field has the wrong type, or one is missing.
    #[error("{message}")]
    BadRequest {
        /// The field at fault (dotted path), when known.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// Well-formed JSON whose values are unacceptable.
    #[error("{field}: {issue}")]
    Validation {
        /// The field at fault.
        field: String,
        /// Why.
        issue: String,
    },
    /// The body is not `application/json`.
    #[error("expected a body of type application/json")]
    UnsupportedMediaType,
    /// The body is over the size limit.
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// No such route.
    #[error("no route for {0}")]
    NotFound(String),
    /// The route exists but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A dependency is down; retry later.
    #[error("{0}")]
    Unavailable(String),
    /// No valid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials without the permission.
    #[error("{0}")]
    Forbidden(String),
    /// The request conflicts with stored state at `field`.
    #[error("{field}: {message}")]
    Conflict {
        /// The field.
        field: String,
        /// Why.
        message: String,
    },
    /// A specific refusal with its own code (e.g. `TOKEN_REUSED`).
    #[error("{message}")]
    Refused {
        /// HTTP status.
        status: StatusCode,
        /// Stable error code.
        code: &'static str,
        /// What happened.
        message: String,
        /// The field at fault, when there is one.
        field: Option<&'static str>,
    },
    /// Over a rate limit.
    #[error("rate limit exceeded: {limit} requests per minute; retry in {retry_after_secs} s")]
    TooManyRequests {
        /// The limit.
        limit: u32,
        /// Seconds until a request is allowed again.
        retry_after_secs: u64,
    },
    /// An AI budget is used up: 429 with the refusal's code and `Retry-After`.
    #[error("{}", .0.message)]
    OverBudget(crate::ai::budget::Refusal),
    /// A plan limit (Kalei): 402 or 429 naming the limit, `Retry-After` for a 429.
    #[error("{}", .0.message)]
    PlanLimit(crate::kalei::LimitRefusal),
    /// A plugin misbehaved.
    #[error(transparent)]
    Plugin(#[from] PluginError),
    /// Input that breaks several rules at once (e.g. an uploaded content pack): 422 with
    /// its own code and every problem in `details`.
    #[error("{message}")]
    Unprocessable {
        /// Stable error code.
        code: &'static str,
        /// What happened.
        message: String,
        /// `{"field", "problems": [...]}`.
        details: Json,
    },
    /// An unexpected failure.
    #[error("{0}")]
    Internal(String),
}

/// One mapping for every AI-facing route. A safety stop is not an error for routes that
/// show the crisis response themselves; they match `Blocked` before converting.
impl From<crate::ai::AiError> for ApiError {
    fn from(e: crate::ai::AiError) -> Self {
        use crate::ai::AiError;
        use crate::plugins::contract::llm::LlmError;
        let refused = |status: StatusCode, code: &'static str, message: String| ApiError::Refused {
            status,
            code,
            message,
            field: None,
        };
        match e {
            AiError::Blocked(m) | AiError::Llm(LlmError::Blocked(m)) => {
                refused(StatusCode::UNPROCESSABLE_ENTITY, "SAFETY_BLOCKED", m)
            }
            e @ (AiError::NoSafetyFilter | AiError::NoGateway) => {
                ApiError::Unavailable(e.to_string())
            }
            AiError::Plugin(e) => ApiError::Plugin(e),
            AiError::SafetyUnavailable(m) => ApiError::Unavailable(m),
            AiError::Budget(r) => ApiError::OverBudget(r),
            AiError::Llm(LlmError::InvalidRequest(f)) => ApiError::Validation {
                field: f.field,
                issue: f.message,
            },
            AiError::Llm(LlmError::Unavailable(m)) => ApiError::Unavailable(m),
            AiError::Llm(LlmError::ProviderError(m)) => {
                refused(StatusCode::BAD_GATEWAY, "UPSTREAM_ERROR", m)
            }
            AiError::Llm(LlmError::RateLimited(ms)) => ApiError::TooManyRequests {
                limit: 0,
                retry_after_secs: ms.div_ceil(1000).max(1),
            },
            AiError::Llm(LlmError::BudgetExceeded(m)) => {
                refused(StatusCode::TOO_MANY_REQUESTS, "BUDGET_EXCEEDED", m)
            }
            AiError::Llm(LlmError::SchemaMismatch(m)) => {
                refused(StatusCode::BAD_GATEWAY, "SCHEMA_MISMATCH", m)
            }
        }
    }
}

impl From<GradeError> for ApiError {
    fn from(e: GradeError) -> Self {
        match e {
            GradeError::Invalid { field, message } => ApiError::Validation {
                field,
                issue: message,
            },
            GradeError::UnknownKind(kind) => ApiError::Validation {
                field: "question.kind".into(),
                issue: format!("no installed grader handles kind `{kind}`"),
            },
            GradeError::Unavailable(m) => ApiError::Unavailable(m),
            GradeError::Internal { grader, message } => {
                ApiError::Internal(format!("grader {grader} failed: {message}"))
            }
            GradeError::Plugin(p) => ApiError::Plugin(p),
            GradeError::OverBudget(r) => ApiError::OverBudget(r),
        }
    }
}

impl From<SandboxError> for ApiError {
    fn from(e: SandboxError) -> Self {
        match e {
            SandboxError::Invalid { field, message } => ApiError::Validation {
                field,
                issue: message,
            },
            SandboxError::NoRunner(language) => ApiError::Validation {
                field: "language".into(),
                issue: format!("no sandbox for language `{language}` is installed"),
            },
            full @ SandboxError::QueueFull(_) => ApiError::Unavailable(full.to_string()),
            busy @ SandboxError::UserBusy(_) => ApiError::Refused {
                status: StatusCode::TOO_MANY_REQUESTS,
                code: "TOO_MANY_RUNS",
                message: busy.to_string(),
                field: None,
            },
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        let refused = |status, code, field| ApiError::Refused {
            status,
            code,
            message: e.to_string(),
            field,
        };
        match &e {
            AuthError::Invalid { field, message } => ApiError::Validation {
                field: (*field).to_owned(),
                issue: message.clone(),
            },
            AuthError::EmailTaken => ApiError::Conflict {
                field: "email".into(),
                message: e.to_string(),
            },
            AuthError::BadCredentials => {
                refused(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS", None)
            }
            AuthError::Disabled => refused(StatusCode::FORBIDDEN, "ACCOUNT_DISABLED", None),
            AuthError::BadRefresh => refused(
                StatusCode::UNAUTHORIZED,
                "INVALID_REFRESH_TOKEN",
                Some("refresh_token"),
            ),
            AuthError::RefreshReused => refused(
                StatusCode::UNAUTHORIZED,
                "REFRESH_TOKEN_REUSED",
                Some("refresh_token"),
            ),
            AuthError::Store(s) if s.is_unstorable_text() => unstorable_text(),
            AuthError::Busy => ApiError::Unavailable(e.to_string()),
            AuthError::WrongPassword => {
                refused(StatusCode::FORBIDDEN, "INVALID_PASSWORD", Some("password"))
            }
            AuthError::Gone => ApiError::Unauthorized(e.to_string()),
            AuthError::Store(s) if s.is_unavailable() => database_unavailable(s),
            AuthError::Store(_) | AuthError::Crypto(_) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<crate::learning::LearningError> for ApiError {
    fn from(e: crate::learning::LearningError) -> Self {
        use crate::learning::LearningError as L;
        let refused = |status, code, message, field| ApiError::Refused {
            status,
            code,
            message,
            field,
        };
        match e {
            L::NotFound { what, id } => refused(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("no {what} `{id}`"),
                Some(match what {
                    "step" => "step_id",
                    "lesson" => "lesson_id",
                    "track" => "track_id",
                    "class" => "class_id",
                    "user" => "user_id",
                    "invitation" => "invitation_id",
                    "join code" => "code",
                    _ => "id",
                }),
            ),
            L::Invalid { field, message } => ApiError::Validation {
                field,
                issue: message,
            },
            L::Conflict { code, message } => refused(StatusCode::CONFLICT, code, message, None),
            L::Forbidden(m) => ApiError::Forbidden(m),
            e @ L::TooLarge { field, .. } => refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                e.to_string(),
                Some(field),
            ),
            e @ L::NoEngine => ApiError::Unavailable(e.to_string()),
            e @ L::Engine(_) => ApiError::Internal(e.to_string()),
            L::Grade(g) => g.into(),
            L::Ai(a) => a.into(),
            L::Plugin(p) => ApiError::Plugin(p),
            L::Store(s) => s.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if e.is_unstorable_text() {
            return unstorable_text();
        }
        if e.is_unavailable() {
            return database_unavailable(&e);
        }
        ApiError::Internal(e.to_string())
    }
}

/// The database is down or restarting: 503 with `Retry-After`, the cause in the log only
/// (it names hosts and ports).
fn database_unavailable(e: &StoreError) -> ApiError {
    tracing::warn!(error = %e, "database unavailable");
    ApiError::Unavailable("the database is unavailable; retry in a few seconds".into())
}

/// Text the database cannot hold (Postgres refuses NUL characters; SQLite keeps them):
/// bad input on every backend rather than a 500 on one.
fn unstorable_text() -> ApiError {
    ApiError::Refused {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: "VALIDATION_ERROR",
        message: "text may not contain the NUL character (U+0000)".into(),
        field: None,
    }
}

impl ApiError {
    /// A 422 naming `field` and what is wrong with it.
    pub fn invalid(field: &str, issue: impl Into<String>) -> ApiError {
        ApiError::Validation {
            field: field.into(),
            issue: issue.into(),
        }
    }

    /// A 404 naming `field` as the one whose value names nothing.
    pub fn not_found_at(field: &'static str, message: String) -> ApiError {
        ApiError::Refused {
            status: StatusCode::NOT_FOUND,
            code: "NOT_FOUND",
            message,
            field: Some(field),
        }
    }

    /// What the client is told. An internal failure's text (a database error, a grader's
    /// message) says how the server is built, so the client gets only the request id to
    /// quote; the text goes to the log under that id ([`ApiError::log`]).
    pub(crate) fn public_message(&self) -> String {
        match self {
            ApiError::Internal(_) => format!(
                "an internal error occurred; quote request id {} when reporting it",
                request_id::current()
            ),
            _ => self.to_string(),
        }
    }

    /// Logs a server-side failure with its full text (the request's span carries its id).
    pub(crate) fn log(&self) {
        let (status, code, _) = self.parts();
        if status.is_server_error() {
            tracing::error!(code, error = %self, "request failed");
        }
    }

    /// Status, stable code and details of the error body (also GraphQL's error extensions).
    pub(crate) fn parts(&self) -> (StatusCode, &'static str, Json) {
        match self {
            ApiError::BadRequest { field, .. } => (
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                field.as_ref().map_or(
                    Json::Null,
                    |f| json!({ "field": f, "issue": self.to_string() }),
                ),
            ),
            ApiError::Validation { field, issue } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_ERROR",
                json!({ "field": field, "issue": issue }),
            ),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                json!({ "field": "content-type", "issue": "must be application/json" }),
            ),
            ApiError::PayloadTooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                json!({ "limit_bytes": limit }),
            ),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "NOT_FOUND", Json::Null),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                Json::Null,
            ),
            ApiError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                Json::Null,
            ),
            ApiError::Plugin(e) => {
                let (status, code) = match e.kind {
                    PluginErrorKind::Timeout { .. } => {
                        (StatusCode::GATEWAY_TIMEOUT, "PLUGIN_TIMEOUT")
                    }
                    PluginErrorKind::Busy => (StatusCode::SERVICE_UNAVAILABLE, "PLUGIN_BUSY"),
                    _ => (StatusCode::BAD_GATEWAY, "PLUGIN_FAILED"),
                };
                (
                    status,
                    code,
                    json!({
                        "plugin": e.plugin.id,
                        "version": e.plugin.version,
                        "kind": e.kind.label(),
                    }),
                )
            }
            ApiError::Unauthorized(_) => (
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                json!({ "field": "authorization", "issue": self.to_string() }),
            ),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "FORBIDDEN", Json::Null),
            ApiError::Unprocessable { code, details, .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, *code, details.clone())
            }
            ApiError::Conflict { field, message } => (
                StatusCode::CONFLICT,
                "CONFLICT",
                json!({ "field": field, "issue": message }),
            ),
            ApiError::Refused {
                status,
                code,
                field,
                message,
            } => (
                *status,
                code,
                field.map_or(Json::Null, |f| json!({ "field": f, "issue": message })),
            ),
            ApiError::TooManyRequests {
                limit,
                retry_after_secs,
            } => (
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                json!({ "limit_per_minute": limit, "retry_after_seconds": retry_after_secs }),
            ),
            ApiError::OverBudget(r) => (
                StatusCode::TOO_MANY_REQUESTS,
                r.code,
                json!({ "retry_after_seconds": r.retry_after_secs }),
            ),
            ApiError::PlanLimit(r) => (
                StatusCode::from_u16(r.status).unwrap_or(StatusCode::PAYMENT_REQUIRED),
                r.code,
                r.details(),
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                Json::Null,
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, details) = self.parts();
        self.log();
        let body = json!({
            "error": {
                "code": code,
                "message": self.public_message(),
                "details": details,
                "request_id": request_id::current(),
                "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            }
        });
        let mut response = (status, axum::Json(body)).into_response();
        if matches!(self, ApiError::Unavailable(_))
            || matches!(&self, ApiError::Plugin(e) if e.kind == PluginErrorKind::Busy)
            || matches!(
                self,
                ApiError::Refused {
                    code: "TOO_MANY_RUNS",
                    ..
                }
            )
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if let ApiError::TooManyRequests {
            retry_after_secs, ..
        }
        | ApiError::OverBudget(crate::ai::budget::Refusal {
            retry_after_secs, ..
        }) = &self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
        }
        if let ApiError::PlanLimit(crate::kalei::LimitRefusal {
            retry_after_secs: Some(secs),
            ..
        }) = &self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The body of every error answer (docs/requirements.md#r-002-9.1), as the OpenAPI document shows
/// it.
#[derive(utoipa::ToSchema)]
#[schema(example = json!({"error": {"code": "VALIDATION_ERROR", "message": "password: must contain a digit",
    "details": {"field": "password", "issue": "must contain a digit"},
    "request_id": "req_550e8400", "timestamp": "2025-09-10T10:30:00.000Z"}}))]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The error inside [`ErrorBody`].
#[derive(utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `VALIDATION_ERROR`, `UNAUTHORIZED`, `RATE_LIMITED`.
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// `{"field", "issue"}` when a field is at fault; other details otherwise; or null.
    #[schema(value_type = Option<Object>)]
    pub details: Option<Json>,
    /// The request id (also in `X-Request-Id`).
    pub request_id: String,
    /// RFC 3339.
    pub timestamp: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a client receives for `error`: status, headers and the parsed body.
    async fn answer(error: ApiError) -> (StatusCode, axum::http::HeaderMap, Json) {
        let response = error.into_response();
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        (
            parts.status,
            parts.headers,
            serde_json::from_slice(&bytes).unwrap(),
        )
    }

    #[tokio::test]
    async fn a_validation_error_names_the_field_in_the_seed_body() {
        let (status, _, body) = answer(ApiError::Validation {
            field: "password".into(),
            issue: "must contain a digit".into(),
        })
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let error = &body["error"];
        assert_eq!(error["code"], "VALIDATION_ERROR");
        assert_eq!(error["message"], "password: must contain a digit");
        assert_eq!(
            error["details"],
            json!({ "field": "password", "issue": "must contain a digit" })
        );
        // Seed 002 §9.1: every body carries a request id (empty outside a request) and a
        // millisecond RFC 3339 timestamp.
        assert!(error["request_id"].is_string(), "{body}");
        let timestamp = error["timestamp"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(timestamp).is_ok() && timestamp.ends_with('Z'),
            "{timestamp}"
        );
    }

    #[tokio::test]
    async fn an_internal_error_hides_its_text_from_the_client() {
        let (status, _, body) = answer(ApiError::Internal(
            "connection to db.internal:5432 refused".into(),
        ))
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let message = body["error"]["message"].as_str().unwrap();
        assert!(!message.contains("db.internal"), "{message}");
        assert!(message.contains("request id"), "{message}");
    }

    #[tokio::test]
    async fn refusals_to_retry_say_when() {
        let (status, headers, _) = answer(ApiError::Unavailable("down".into())).await;
        assert_eq!(
            (status, &headers[header::RETRY_AFTER]),
            (
                StatusCode::SERVICE_UNAVAILABLE,
                &HeaderValue::from_static("1")
            )
        );
        let (status, headers, body) = answer(ApiError::TooManyRequests {
            limit: 5,
            retry_after_secs: 42,
        })
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(headers[header::RETRY_AFTER], "42");
        assert_eq!(body["error"]["code"], "RATE_LIMITED");
        assert_eq!(
            body["error"]["details"],
            json!({ "limit_per_minute": 5, "retry_after_seconds": 42 })
        );
        // A full queue and one's own busy share are both retried after a second.
        for busy in [SandboxError::QueueFull(3), SandboxError::UserBusy(2)] {
            let (status, headers, _) = answer(busy.into()).await;
            assert!(status == 503 || status == 429, "{status}");
            assert_eq!(headers[header::RETRY_AFTER], "1", "{status}");
        }
    }

    #[tokio::test]
    async fn an_unauthorized_answer_asks_for_a_bearer_token() {
        let (status, headers, body) = answer(ApiError::Unauthorized("token expired".into())).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
        assert_eq!(body["error"]["details"]["field"], "authorization");
    }

    #[test]
    fn auth_failures_map_to_their_status_code_and_field() {
        let parts = |e: AuthError| {
            let (status, code, details) = ApiError::from(e).parts();
            (status.as_u16(), code, details["field"].clone())
        };
        assert_eq!(
            parts(AuthError::EmailTaken),
            (409, "CONFLICT", json!("email"))
        );
        assert_eq!(
            parts(AuthError::BadCredentials),
            (401, "INVALID_CREDENTIALS", Json::Null)
        );
        assert_eq!(
            parts(AuthError::Disabled),
            (403, "ACCOUNT_DISABLED", Json::Null)
        );
        assert_eq!(
            parts(AuthError::RefreshReused),
            (401, "REFRESH_TOKEN_REUSED", json!("refresh_token"))
        );
        assert_eq!(
            parts(AuthError::WrongPassword),
            (403, "INVALID_PASSWORD", json!("password"))
        );
        assert_eq!(
            parts(AuthError::Store(StoreError::Database(
                sqlx::Error::PoolTimedOut
            ))),
            (503, "SERVICE_UNAVAILABLE", Json::Null)
        );
    }

    #[test]
    fn a_learning_not_found_names_the_id_field_of_what_is_missing() {
        use crate::learning::LearningError;
        for (what, field) in [
            ("step", "step_id"),
            ("lesson", "lesson_id"),
            ("join code", "code"),
            ("badge", "id"),
        ] {
            let e = ApiError::from(LearningError::NotFound {
                what,
                id: "x.y".into(),
            });
            let (status, code, details) = e.parts();
            assert_eq!((status, code), (StatusCode::NOT_FOUND, "NOT_FOUND"));
            assert_eq!(details["field"], field, "{what}");
            assert_eq!(e.to_string(), format!("no {what} `x.y`"));
        }
    }

    #[test]
    fn a_database_outage_is_a_503_without_the_cause() {
        let e = ApiError::from(StoreError::Database(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "db.internal:5432",
        ))));
        assert_eq!(e.parts().0, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            !e.public_message().contains("db.internal"),
            "{}",
            e.public_message()
        );
        // A row that cannot be read back is the server's fault.
        let corrupt = ApiError::from(StoreError::Corrupt("role".into()));
        assert_eq!(corrupt.parts().0, StatusCode::INTERNAL_SERVER_ERROR);
    }
}
