//! Request ids: taken from `X-Request-Id` when the client sends a sane one, generated
//! otherwise, echoed on the response, attached to log lines, error bodies and the request's
//! trace span. The same scope carries the caller's user id once a handler has
//! authenticated it, for the access log.

use std::sync::OnceLock;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The header carrying the id.
pub const HEADER: &str = "x-request-id";

/// What the request's task knows about it.
struct Context {
    id: String,
    user: OnceLock<String>,
}

tokio::task_local! {
    static CONTEXT: Context;
}

/// The id of the request being handled, or `""` outside one.
pub fn current() -> String {
    CONTEXT.try_with(|c| c.id.clone()).unwrap_or_default()
}

/// Notes the authenticated caller of the request being handled (the first one noted
/// stays); outside a request it does nothing.
pub fn note_user(user_id: &str) {
    let _ = CONTEXT.try_with(|c| c.user.set(user_id.to_owned()));
}

/// The caller noted for the request being handled.
pub fn user() -> Option<String> {
    CONTEXT.try_with(|c| c.user.get().cloned()).ok().flatten()
}

/// A fresh id: a random per-process prefix and a counter. Unique across replicas without a
/// random draw (a system call) per request.
fn generate() -> String {
    use std::sync::LazyLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PREFIX: LazyLock<String> =
        LazyLock::new(|| uuid::Uuid::new_v4().simple().to_string()[..12].to_owned());
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "req_{}{:08x}",
        *PREFIX,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn acceptable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// The matched route's template (`/api/v1/steps/{step_id}/quiz`), or `unmatched`. The
/// router has matched before its layers run, so every layer can name the route.
pub fn route(request: &Request) -> String {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned())
}

/// Middleware: assigns the id and runs the rest of the stack inside its scope and its
/// span: the trace's root, named `METHOD route`; `count_requests` records the status.
pub async fn middleware(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(str::to_owned)
        .unwrap_or_else(generate);
    let route = route(&request);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
        route = %route,
        status = tracing::field::Empty,
        otel.name = %format_args!("{} {route}", request.method()),
        otel.kind = "server",
    );
    let context = Context {
        id: id.clone(),
        user: OnceLock::new(),
    };
    let mut response = CONTEXT
        .scope(context, next.run(request).instrument(span))
        .await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    /// A router echoing the request id and noted user its handler sees.
    fn app() -> axum::Router {
        axum::Router::new()
            .route(
                "/steps/{id}",
                axum::routing::get(|| async {
                    let before = user();
                    note_user("u-1");
                    note_user("u-2");
                    format!("{}|{:?}|{:?}", current(), before, user())
                }),
            )
            .layer(axum::middleware::from_fn(middleware))
    }

    async fn call(id: Option<&str>) -> (String, String) {
        let mut request = axum::http::Request::get("/steps/a.q1");
        if let Some(id) = id {
            request = request.header(HEADER, id);
        }
        let response = app()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let echoed = response.headers()[HEADER].to_str().unwrap().to_owned();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (echoed, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_sane_client_id_is_kept_echoed_and_seen_by_the_handler() {
        let (echoed, seen) = call(Some("trace-42:a.b_c")).await;
        assert_eq!(echoed, "trace-42:a.b_c");
        // The first user noted stays; none before.
        assert_eq!(seen, r#"trace-42:a.b_c|None|Some("u-1")"#);
    }

    #[tokio::test]
    async fn an_unusable_client_id_is_replaced_by_a_fresh_one() {
        let long = "x".repeat(129);
        for bad in ["has space", "semi;colon", long.as_str()] {
            let (echoed, seen) = call(Some(bad)).await;
            assert!(
                echoed.starts_with("req_") && echoed != bad,
                "{bad}: {echoed}"
            );
            assert!(seen.starts_with(&format!("{echoed}|")), "{seen}");
        }
        let (first, _) = call(None).await;
        let (second, _) = call(None).await;
        assert_ne!(first, second, "each request gets its own id");
    }

    #[test]
    fn outside_a_request_there_is_no_id_and_no_user() {
        note_user("nobody");
        assert_eq!(current(), "");
        assert_eq!(user(), None);
    }
}
