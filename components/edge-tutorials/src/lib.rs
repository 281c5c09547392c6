//! `edge-tutorials` (spin.toml; docs/edge.md, "Tutorial config"): seed 004's
//! `GET /api/tutorial/config` answered at the edge for anonymous visitors, and
//! `POST /api/tutorial/step` forwarded to the origin — accepted (202) and queued in the
//! key-value store while the origin is down, replayed once it answers again.
//!
//! What the edge answers itself is exactly what the origin would: the definitions (the
//! tutorial's steps, its running experiment and variants) come from the origin's
//! `/_internal/edge/tutorials/{id}`, cached with the origin's ETag and revalidated after
//! `definitions_ttl_secs`; the variant is chosen by the first-party assigner's algorithms
//! (the `assignment` crate, linked) over the same attributes, and kept per visitor in the
//! cache so it does not move. Everything else — a signed-in learner (the origin owns
//! identity and personas), a malformed request (the origin words the error), another
//! tutorial route — goes to the origin unchanged.

mod config;
mod definitions;
mod steps;

use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

// spin-sdk reads the body whole before the call (a body that cannot be read is its 400).
#[http_component]
async fn handle(request: Request) -> Response {
    serve(request).await
}

async fn serve(request: Request) -> Response {
    let origin = match edge_kit::origin::Origin::from_config() {
        Ok(origin) => origin,
        Err(e) => return edge_kit::reply::misconfigured(&e.to_string()),
    };
    let path = request.path().to_owned();
    let answer = match (request.method(), path.as_str()) {
        (Method::Get, "/api/tutorial/config") => config::serve(&origin, &request).await,
        (Method::Post, "/api/tutorial/step") => steps::forward(&origin, &request).await,
        _ => None,
    };
    match answer {
        Some(response) => response,
        None => forward(&origin, &request).await,
    }
}

/// The client's request, sent to the origin as it came.
pub(crate) async fn forward(origin: &edge_kit::origin::Origin, request: &Request) -> Response {
    let (headers, client_ip) = edge_kit::origin::client_headers(request);
    let path = request.path_and_query().unwrap_or("/").to_owned();
    match origin
        .send(
            request.method().clone(),
            &path,
            headers,
            client_ip.as_deref(),
            request.body().to_vec(),
        )
        .await
    {
        Ok(response) => response,
        Err(e) => edge_kit::reply::unavailable(&e.to_string()),
    }
}

/// A request header as text.
pub(crate) fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.header(name).and_then(|v| v.as_str())
}
