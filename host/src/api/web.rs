//! The web app (`web/`: the learner app and the console), served at `/` by the host itself.
//!
//! `./dev build` builds it into `web/dist` (Vite); release builds embed that folder in the
//! binary (`rust-embed`), debug builds read it at run time, so `npm run build` shows up
//! without recompiling the host. What is served:
//! - hashed files under `/app/` with `Cache-Control: immutable` (a new build has new names);
//! - `index.html`, the service worker and the manifest with `no-cache`;
//! - `index.html` for any other GET that a browser navigates to (the app's own routes,
//!   `/learn`, `/console/ai`, …), so a reload or a shared link opens the right page;
//! - everything under a strict Content-Security-Policy: scripts, styles, fetches and workers
//!   from this origin only, no inline script, no `eval`.
//!
//! API paths never fall back to the page: an unknown `/api/…` is still the JSON 404.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use super::error::ApiError;

#[derive(RustEmbed)]
#[folder = "../web/dist"]
#[allow_missing = true]
struct Dist;

/// The app's policy. Inline *style attributes* are allowed (charts and the code editor set
/// element styles from script); inline `<script>` never, and an inline `<style>` element
/// only with the page's nonce (the code editor adds its theme that way).
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src-elem 'self'; \
                       style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self'; \
                       connect-src 'self'; manifest-src 'self'; worker-src 'self'; \
                       object-src 'none'; base-uri 'none'; form-action 'self'; \
                       frame-ancestors 'none'";

/// Where `index.html` (web/index.html) carries the nonce for the app's script to read.
const NONCE_PLACEHOLDER: &str = "__CSP_NONCE__";

/// The policy of one page: [`CSP`] with `nonce` allowed for `<style>` elements.
fn page_policy(nonce: &str) -> String {
    CSP.replace(
        "style-src-elem 'self';",
        &format!("style-src-elem 'self' 'nonce-{nonce}';"),
    )
}

/// Paths the app never answers: the API and the host's own pages.
const NOT_THE_APP: &[&str] = &[
    "/api/",
    "/v1/",
    "/v2/",
    "/_internal/",
    "/graphql",
    "/health",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/assets/",
    "/badges/",
];

/// Whether the app is in this build (or, in a debug build, on disk now).
pub fn is_built() -> bool {
    Dist::get("index.html").is_some()
}

/// The router's fallback: a file of the app, the app's page for a navigation, else the
/// JSON 404 (or 405 for other methods).
pub(super) async fn fallback(request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    let api = NOT_THE_APP
        .iter()
        .any(|p| path.starts_with(p) || path == p.trim_end_matches('/'));
    if api || (method != Method::GET && method != Method::HEAD) {
        return ApiError::NotFound(path).into_response();
    }
    let file = path.trim_start_matches('/');
    if !file.is_empty()
        && file != "index.html"
        && let Some(found) = Dist::get(file)
    {
        let immutable = file.starts_with("app/");
        let cache = if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        // The build's Brotli or gzip copy, when the browser takes it (web/vite.config.ts).
        let mut response = match encoded(file, request.headers()) {
            Some((encoding, bytes)) => {
                let mut r = asset(found, cache, request.headers());
                if r.status() == StatusCode::OK {
                    *r.body_mut() = axum::body::Body::from(bytes.data.into_owned());
                    r.headers_mut()
                        .insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
                    r.headers_mut().remove(header::CONTENT_LENGTH);
                }
                r
            }
            None => asset(found, cache, request.headers()),
        };
        response
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        return response;
    }
    // A missing script or style is a 404, never the page (the browser would run HTML as
    // script and fail obscurely).
    if file.starts_with("app/") || file.contains('.') && !file.ends_with(".html") {
        return ApiError::NotFound(path).into_response();
    }
    match Dist::get("index.html") {
        Some(index) => page(&index.data),
        None => not_built(),
    }
}

/// `index.html` with a fresh nonce in it and in its policy. Never revalidated by ETag: a
/// cached page's nonce would not match a new response's policy.
fn page(template: &[u8]) -> Response {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let html = String::from_utf8_lossy(template).replace(NONCE_PLACEHOLDER, &nonce);
    let mut headers = HeaderMap::new();
    let policy = HeaderValue::from_str(&page_policy(&nonce))
        .unwrap_or_else(|_| HeaderValue::from_static(CSP));
    super::ui::protect(&mut headers, policy);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    (headers, html).into_response()
}

/// The precompressed copy of `file` the request accepts: Brotli first, then gzip.
fn encoded(file: &str, request: &HeaderMap) -> Option<(&'static str, rust_embed::EmbeddedFile)> {
    let accepted = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let takes = |name: &str| {
        accepted.split(',').any(|part| {
            let mut fields = part.split(';');
            let coding = fields.next().unwrap_or_default().trim();
            let refused =
                fields.any(|q| matches!(q.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            coding.eq_ignore_ascii_case(name) && !refused
        })
    };
    [("br", "br"), ("gzip", "gz")]
        .into_iter()
        .filter(|(coding, _)| takes(coding))
        .find_map(|(coding, suffix)| Dist::get(&format!("{file}.{suffix}")).map(|f| (coding, f)))
}

fn asset(file: rust_embed::EmbeddedFile, cache: &'static str, request: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..16]));
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(file.metadata.mimetype()) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    secure(&mut headers);
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if fresh {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, file.data.into_owned()).into_response()
}

/// The headers every app response carries, under the app's policy.
fn secure(headers: &mut HeaderMap) {
    super::ui::protect(headers, HeaderValue::from_static(CSP));
}

/// A host built without the app (plain `cargo build` before `npm run build`): say how to
/// get it rather than a bare 404.
fn not_built() -> Response {
    let mut headers = HeaderMap::new();
    secure(&mut headers);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    (
        StatusCode::SERVICE_UNAVAILABLE,
        headers,
        axum::response::Html(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Tessera</title></head>\
             <body><h1>The web app is not built</h1><p>This <code>tessera</code> was built without \
             <code>web/dist</code>. Run <code>./dev build</code> (or <code>npm ci &amp;&amp; npm run build</code> \
             in <code>web/</code>). The API is served as usual: see <a href=\"/docs\">/docs</a>.</p></body></html>",
        ),
    )
        .into_response()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
