//! `edge-badges` (spin.toml; docs/edge.md, "Badges"): `GET /badges/{token}` (the page,
//! with OpenGraph tags) and `/badges/{token}.svg` (the image), as the origin serves them
//! and with the same code (the `badge` crate). The signature is checked here with the
//! badge key (the secret variable `badge_key`), so a forged or altered link is refused
//! (403) without troubling the origin. What a valid token's certificate shows — and
//! whether it was withdrawn — comes from the origin's `/_internal/edge/badges/{token}`,
//! kept `revocation_ttl_secs` (60 s unless set): a withdrawn badge stops showing within
//! that time. While the origin is unreachable the last answer keeps serving.

use edge_kit::cache;
use edge_kit::origin::Origin;
use serde::{Deserialize, Serialize};
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

/// Seconds a certificate's status is trusted before the origin is asked again.
const DEFAULT_REVOCATION_TTL_SECS: u64 = 60;

/// What the edge knows about a certificate.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Status {
    /// Shown as this.
    Valid(badge::Badge),
    /// Withdrawn (410).
    Gone,
}

// spin-sdk reads the body whole before the call (a body that cannot be read is its 400).
#[http_component]
async fn handle(request: Request) -> Response {
    serve(&request).await
}

async fn serve(request: &Request) -> Response {
    if !matches!(request.method(), Method::Get | Method::Head) {
        return Response::builder()
            .status(405)
            .header("allow", "GET, HEAD")
            .body("badges are read with GET")
            .build();
    }
    let Some(token) = request
        .path()
        .strip_prefix("/badges/")
        .filter(|t| !t.is_empty() && !t.contains('/'))
    else {
        return page(404, "no such badge");
    };
    let (token, svg) = match token.strip_suffix(".svg") {
        Some(token) => (token, true),
        None => (
            token,
            request
                .header("accept")
                .and_then(|v| v.as_str())
                .is_some_and(|a| a.starts_with("image/svg+xml")),
        ),
    };
    let key = match edge_kit::config::require("badge_key").map(|k| hex::decode(k.trim())) {
        Ok(Ok(key)) if !key.is_empty() => key,
        Ok(_) => {
            return page(
                500,
                "the edge variable `badge_key` is not hex (docs/deploy.md: `tessera edge variables` prints it)",
            );
        }
        Err(message) => return page(500, &message),
    };
    let claims = match badge::decode(&key, token) {
        Ok(claims) => claims,
        Err(e) => return page(403, &e.to_string()),
    };
    let status = match status(token, &claims.c).await {
        Ok(status) => status,
        Err(message) => return page(503, &message),
    };
    match status {
        Status::Gone => page(410, "this badge was withdrawn"),
        Status::Valid(badge) if svg => Response::builder()
            .status(200)
            .header("content-type", "image/svg+xml; charset=utf-8")
            .header("cache-control", "public, max-age=300")
            .body(badge.svg())
            .build(),
        Status::Valid(badge) => {
            let page_url = page_url(request, token);
            Response::builder()
                .status(200)
                .header("content-type", "text/html; charset=utf-8")
                .body(badge.html(&page_url))
                .build()
        }
    }
}

/// The certificate's status: cached while fresh, else the origin's word (cached), else —
/// the origin unreachable — the last word however old.
async fn status(token: &str, certificate_id: &str) -> Result<Status, String> {
    let key = format!("badge/{certificate_id}");
    let ttl = edge_kit::config::secs("revocation_ttl_secs", DEFAULT_REVOCATION_TTL_SECS);
    let cached = cache::get::<Status>(&key);
    if let Some(entry) = &cached
        && entry.fresh(ttl)
    {
        return Ok(entry.value.clone());
    }
    let stale = |why: String| match &cached {
        Some(entry) => Ok(entry.value.clone()),
        None => Err(format!("the badge cannot be shown right now ({why})")),
    };
    let origin = Origin::from_config().map_err(|e| e.to_string())?;
    let response = match origin
        .internal_get(&format!("/_internal/edge/badges/{token}"), None)
        .await
    {
        Ok(response) => response,
        Err(e) => return stale(e.to_string()),
    };
    let status = match *response.status() {
        200 => match serde_json::from_slice::<badge::Badge>(response.body()) {
            Ok(badge) => Status::Valid(badge),
            Err(e) => return stale(format!("the origin's answer was not a badge: {e}")),
        },
        410 => Status::Gone,
        other => return stale(format!("the origin answered {other}")),
    };
    cache::put(&key, &status);
    Ok(status)
}

/// The badge page's own address (its OpenGraph `og:url`): `public_url` when set, else the
/// address the client asked (Spin's `spin-full-url`), without a query or `.svg`.
fn page_url(request: &Request, token: &str) -> String {
    if let Some(base) = edge_kit::config::get("public_url") {
        return format!("{}/badges/{token}", base.trim_end_matches('/'));
    }
    let full = request
        .header("spin-full-url")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let base = full.split("/badges/").next().unwrap_or_default();
    format!("{base}/badges/{token}")
}

/// The page shown instead of a badge, as the origin words it.
fn page(status: u16, message: &str) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .body(badge::error_page(message))
        .build()
}
