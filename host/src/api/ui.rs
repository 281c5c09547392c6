//! The browser pages `/docs` (Swagger UI) and `GET /graphql` (GraphiQL), served entirely
//! from the binary: the npm packages' files are pinned by version and SHA-512 and bundled
//! at build time (`host/build.rs`), under `/assets/<package>@<version>/…`. The pages carry
//! a Content-Security-Policy that allows scripts, styles and requests from this origin only
//! (no inline script, no eval), so a compromised CDN or an injected tag cannot run.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use super::error::ApiError;

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/ui/assets.rs"));
}

pub(super) use bundled::{GRAPHIQL, REACT, REACT_DOM, SWAGGER_UI_DIST};

/// The pages' policy. Styles may be inline: both UIs set element styles from script.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
                   base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Tessera's own start-up scripts for the pages.
const OWN: &[(&str, &str)] = &[
    (
        "tessera/swagger-init.js",
        include_str!("ui/swagger-init.js"),
    ),
    (
        "tessera/graphiql-init.js",
        include_str!("ui/graphiql-init.js"),
    ),
    ("tessera/graphiql.css", include_str!("ui/graphiql.css")),
];

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/assets/{*path}", get(asset))
}

/// `html` as a page under the policy.
pub(super) fn page(html: String) -> Response {
    let mut response = Html(html).into_response();
    protect(response.headers_mut(), HeaderValue::from_static(CSP));
    response
}

/// The headers every page the host serves carries (these pages and the web app's):
/// `policy` as the Content-Security-Policy, no MIME sniffing, no referrer, no framing.
pub(super) fn protect(headers: &mut axum::http::HeaderMap, policy: HeaderValue) {
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    }
}

async fn asset(Path(path): Path<String>) -> Response {
    // Bundled files live under a versioned path, so browsers may keep them for good.
    let (bytes, cache): (&'static [u8], &'static str) =
        if let Some((_, bytes)) = bundled::ASSETS.iter().find(|(p, _)| *p == path) {
            (bytes, "public, max-age=31536000, immutable")
        } else if let Some((_, text)) = OWN.iter().find(|(p, _)| *p == path) {
            (text.as_bytes(), "no-cache")
        } else {
            return ApiError::NotFound(format!("/assets/{path}")).into_response();
        };
    (
        [
            (header::CONTENT_TYPE, content_type(&path)),
            (header::CACHE_CONTROL, cache),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response()
}
