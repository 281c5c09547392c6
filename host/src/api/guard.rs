//! What every request passes before any route sees it: the client's address (through
//! trusted proxies only), a whole-request deadline, and a body that is bounded in size and
//! read time, and never multipart.
//!
//! The body is read here, whole, under the route's limit, and handed on as bytes. Every
//! route takes JSON of at most a few MiB, which its extractor would buffer anyway; reading
//! it here means no extractor (async-graphql's streams its body) can read past the limit
//! or wait on a client that trickles bytes.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;

use super::error::ApiError;
use super::json::MAX_BODY_BYTES;

/// Deadlines and proxies of the HTTP layer (`docs/configuration.md`, "HTTP limits").
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Longest time to receive a request's body.
    pub body_timeout: Duration,
    /// Longest time from a request's head to its answer's head (a streamed answer's body
    /// is not cut).
    pub request_timeout: Duration,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Arc<[IpNet]>,
    /// Other origins whose pages may call the API from a browser (`--cors-origins`;
    /// `*` for any). Empty: no CORS headers, so only the app served here can.
    pub cors_origins: Arc<[String]>,
    /// The secret shared with the edge (`--edge-secret`): beside it, the edge's
    /// `X-Tessera-Client-Addr` names the client.
    pub edge_secret: Option<Arc<str>>,
    /// Whether responses carry `Server-Timing` (`--server-timing`): the time inside models
    /// and the platform's own.
    pub server_timing: bool,
    /// Turns for the API's handlers (`--max-requests-in-flight`; `None`: no limit): see
    /// [`admit`].
    pub in_flight: Option<Arc<Turns>>,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            body_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(120),
            trusted_proxies: Arc::from([]),
            cors_origins: Arc::from([]),
            edge_secret: None,
            server_timing: false,
            in_flight: None,
        }
    }
}

/// The client's address as the rate limits and audit events see it: the peer, or, when
/// the peer is a trusted proxy, the address the proxies say it forwarded for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The key rate limits count under: an IPv4 address, or an IPv6 address's /64 (one
    /// subscriber's network, which hands its host any of 2^64 addresses).
    pub fn rate_key(self) -> String {
        match self.0 {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let net = ipnet::Ipv6Net::new(v6, 64)
                        .map(|n| n.trunc())
                        .unwrap_or_else(|_| unreachable!("64 is a valid IPv6 prefix length"));
                    net.to_string()
                }
            },
        }
    }
}

/// The client's address behind `peer`: `peer` itself unless it is in `trusted`, else the
/// right-most `X-Forwarded-For` hop that is not a trusted proxy (hops left of it were
/// written by the client and prove nothing).
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // A hop we cannot read was not written by a proxy we trust: stop at the last one.
        let Some(ip) = parse_hop(hop) else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`[::1]:80`, `1.2.3.4:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// The header the edge proves itself with (docs/edge.md, "The client's address").
pub const EDGE_SECRET_HEADER: &str = "x-tessera-edge-secret";
/// The header the edge names the client's address in.
pub const EDGE_CLIENT_HEADER: &str = "x-tessera-client-addr";

/// The client's address the edge forwarded, when the request carries the edge's secret
/// (compared in constant time) and the address parses.
pub fn edge_client(headers: &HeaderMap, secret: Option<&str>) -> Option<IpAddr> {
    use subtle::ConstantTimeEq;
    let secret = secret?;
    let sent = headers.get(EDGE_SECRET_HEADER)?.as_bytes();
    if !bool::from(sent.ct_eq(secret.as_bytes())) {
        return None;
    }
    parse_hop(headers.get(EDGE_CLIENT_HEADER)?.to_str().ok()?.trim())
}

/// Middleware: resolves [`ClientIp`] for everything after it.
pub async fn resolve_client(
    State(limits): State<HttpLimits>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let from_edge = edge_client(request.headers(), limits.edge_secret.as_deref());
    // What only the edge may say is never passed further in, believed or not.
    request.headers_mut().remove(EDGE_SECRET_HEADER);
    request.headers_mut().remove(EDGE_CLIENT_HEADER);
    if let Some(ip) = from_edge {
        request.extensions_mut().insert(ClientIp(ip));
    } else if let Some(peer) = peer {
        let ip = client_ip(peer, request.headers(), &limits.trusted_proxies);
        request.extensions_mut().insert(ClientIp(ip));
    }
    next.run(request).await
}

/// Middleware: the whole-request deadline. Only the time to the answer's head counts, so
/// a server-sent event stream is not cut.
pub async fn deadline(State(limits): State<HttpLimits>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limits.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                timeout_ms = limits.request_timeout.as_millis() as u64,
                "request timed out"
            );
            ApiError::Unavailable(format!(
                "the request did not finish within {} ms",
                limits.request_timeout.as_millis()
            ))
            .into_response()
        }
    }
}

/// Middleware: a request's handler runs once one of `--max-requests-in-flight` turns is
/// free; the others wait their turn in arrival order, parked (the deadline counts the
/// wait). The turn ends with the answer's head, so a stream does not hold one. It guards
/// the routes whose work is the server's own (`api::v1`), after the token and rate-limit
/// check; the AI routes, which wait seconds on a model, take no turn, and a request that
/// comes to wait on a model (a model-graded answer) gives its turn back first
/// ([`give_back_turn`]).
///
/// Why: with 10 000 requests at once (seed 000's storm) every handler that waited for
/// anything, a database row or a read shared with others, was put back behind all 10 000
/// ready connections, seconds each time, while the requests that waited for nothing were
/// served in a millisecond: the answers came in 1 ms or in 5-10 s. With at most a few
/// hundred handlers running, such a wait costs a turn through those few hundred, and the
/// queue is first come, first served (docs/operations.md, "Many connections at once").
pub async fn admit(State(limits): State<HttpLimits>, request: Request, next: Next) -> Response {
    let Some(turns) = limits.in_flight else {
        return next.run(request).await;
    };
    let turn = turns.take().await;
    TURN.scope(std::sync::Mutex::new(turn), next.run(request))
        .await
}

tokio::task_local! {
    /// The turn of the request this task serves, while it holds one.
    static TURN: std::sync::Mutex<Option<tokio::sync::OwnedSemaphorePermit>>;
}

/// Gives the current request's turn back, if it holds one: called before a wait of
/// seconds that is not the server's work (a model's answer), so that such waits cannot
/// take every turn and stall the requests behind them. The request runs on without one.
pub fn give_back_turn() {
    let _ = TURN.try_with(|turn| {
        turn.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    });
}

/// One request counted in the waiting gauge for as long as it lives.
struct Waiting<'a>(&'a prometheus::IntGauge);

impl<'a> Waiting<'a> {
    fn new(gauge: &'a prometheus::IntGauge) -> Self {
        gauge.inc();
        Self(gauge)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The handler turns [`admit`] hands out, and what operators see of the queue for them:
/// `tessera_http_requests_waiting_for_turn` (now) and `tessera_http_turn_wait_seconds` (how
/// long each waited). A wait that grows says the turns, not the handlers, are the limit;
/// docs/operations.md, "Many connections at once", says how to read the two.
pub struct Turns {
    permits: Arc<tokio::sync::Semaphore>,
    waiting: prometheus::IntGauge,
    waited: prometheus::Histogram,
}

impl std::fmt::Debug for Turns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Turns")
            .field("free", &self.permits.available_permits())
            .field("waiting", &self.waiting.get())
            .finish()
    }
}

impl Turns {
    /// `count` turns, reported through `metrics`.
    pub fn new(count: usize, metrics: &crate::metrics::Metrics) -> Self {
        Self {
            permits: Arc::new(tokio::sync::Semaphore::new(count)),
            waiting: metrics.http_waiting_for_turn.clone(),
            waited: metrics.http_turn_wait.clone(),
        }
    }

    /// A turn, once one is free (first come, first served); it ends when dropped.
    async fn take(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        // Most requests find a turn free: no clock read, no gauge touched.
        if let Ok(turn) = self.permits.clone().try_acquire_owned() {
            self.waited.observe(0.0);
            return Some(turn);
        }
        let started = std::time::Instant::now();
        // Counted down on drop, so also when the client leaves while waiting.
        let _waiting = Waiting::new(&self.waiting);
        // The semaphore is never closed, so acquiring fails never; were it closed, the
        // request would run unlimited rather than fail.
        let turn = self.permits.clone().acquire_owned().await.ok();
        self.waited.observe(started.elapsed().as_secs_f64());
        turn
    }
}

/// The largest body `path` accepts: the sandbox's (learner code and tests), a content
/// pack upload's, a plugin upload's, or everyone else's. The one place a route's limit is decided, since this
/// guard runs before routing.
pub fn body_limit(path: &str) -> usize {
    if path.starts_with("/api/v1/sandbox/") {
        crate::sandbox::request::MAX_BODY_BYTES
    } else if path == "/api/v1/admin/content/packs" {
        super::content::MAX_UPLOAD_BYTES
    } else if path == "/api/v1/plugins" {
        super::plugins::MAX_UPLOAD_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

/// Middleware: refuses multipart bodies (but for a plugin upload), and reads the body under
/// the path's size limit and the body deadline before the route sees it.
pub async fn bounded_body(
    State(limits): State<HttpLimits>,
    request: Request,
    next: Next,
) -> Response {
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .get(..10)
                .is_some_and(|p| p.eq_ignore_ascii_case("multipart/"))
        });
    // The one route taking files (a plugin upload) reads its multipart body itself.
    if is_multipart && request.uri().path() != "/api/v1/plugins" {
        return ApiError::UnsupportedMediaType.into_response();
    }
    let limit = body_limit(request.uri().path());
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return ApiError::PayloadTooLarge(limit).into_response();
    }
    let (parts, body) = request.into_parts();
    let bytes = match tokio::time::timeout(limits.body_timeout, axum::body::to_bytes(body, limit))
        .await
    {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => {
            let too_large = std::iter::successors(std::error::Error::source(&e), |s| s.source())
                .any(|s| s.is::<http_body_util::LengthLimitError>());
            return if too_large {
                ApiError::PayloadTooLarge(limit).into_response()
            } else {
                ApiError::BadRequest {
                    field: None,
                    message: format!("the request body could not be read: {e}"),
                }
                .into_response()
            };
        }
        Err(_) => {
            return ApiError::Refused {
                status: StatusCode::REQUEST_TIMEOUT,
                code: "REQUEST_TIMEOUT",
                message: format!(
                    "the request body did not arrive within {} ms",
                    limits.body_timeout.as_millis()
                ),
                field: None,
            }
            .into_response();
        }
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The CORS layer for `origins` (`None` when empty: CORS stays off). Tokens travel in the
/// `Authorization` header, never in cookies, so credentials are not allowed.
pub fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use axum::http::{HeaderName, Method, header};
    use tower_http::cors::{AllowOrigin, CorsLayer};
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| o.parse().ok()))
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_NONE_MATCH,
                HeaderName::from_static("idempotency-key"),
                HeaderName::from_static("x-tessera-region"),
                HeaderName::from_static("x-request-id"),
            ])
            .expose_headers([
                header::LOCATION,
                header::RETRY_AFTER,
                header::ETAG,
                HeaderName::from_static("x-request-id"),
            ])
            .max_age(Duration::from_secs(600)),
    )
}

/// `--cors-origins` values: `*`, or origins as browsers send them (`https://app.example.com`,
/// `http://localhost:5173`): a scheme, a host and an optional port, nothing else.
pub fn parse_origin(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s == "*" {
        return Ok(s.to_owned());
    }
    let (scheme, rest) = s
        .split_once("://")
        .ok_or_else(|| format!("`{s}` is not an origin: write it as https://host[:port]"))?;
    let valid_host = !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@', ' '])
        && rest.parse::<axum::http::uri::Authority>().is_ok();
    if !matches!(scheme, "http" | "https") || !valid_host {
        return Err(format!(
            "`{s}` is not an origin: write it as https://host[:port], with no path or trailing slash"
        ));
    }
    Ok(s.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edge_names_the_client_only_with_its_secret() {
        let mut headers = HeaderMap::new();
        headers.insert(EDGE_CLIENT_HEADER, "203.0.113.7".parse().unwrap());
        // No secret configured, no secret sent, a wrong one: not believed.
        assert_eq!(edge_client(&headers, None), None);
        assert_eq!(edge_client(&headers, Some("s3cret")), None);
        headers.insert(EDGE_SECRET_HEADER, "guess".parse().unwrap());
        assert_eq!(edge_client(&headers, Some("s3cret")), None);
        headers.insert(EDGE_SECRET_HEADER, "s3cret".parse().unwrap());
        assert_eq!(
            edge_client(&headers, Some("s3cret")),
            Some("203.0.113.7".parse().unwrap())
        );
        headers.insert(EDGE_CLIENT_HEADER, "[2001:db8::1]:443".parse().unwrap());
        assert_eq!(
            edge_client(&headers, Some("s3cret")),
            Some("2001:db8::1".parse().unwrap())
        );
    }

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let proxies = [net("10.0.0.0/8"), net("fd00::/8")];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // An untrusted peer's header is ignored.
        assert_eq!(
            client_ip(ip("203.0.113.9"), &forwarded("1.2.3.4"), &proxies),
            ip("203.0.113.9")
        );
        // Through two trusted proxies: the first untrusted hop from the right.
        assert_eq!(
            client_ip(
                ip("10.0.0.1"),
                &forwarded("6.6.6.6, 198.51.100.7, 10.0.0.2"),
                &proxies
            ),
            ip("198.51.100.7")
        );
        // Garbage from the client's side stops the walk at the last trusted hop.
        assert_eq!(
            client_ip(ip("10.0.0.1"), &forwarded("not-an-ip, 10.0.0.3"), &proxies),
            ip("10.0.0.3")
        );
        // Ports and IPv6.
        assert_eq!(
            client_ip(ip("fd00::1"), &forwarded("[2001:db8::5]:443"), &proxies),
            ip("2001:db8::5")
        );
        // A trusted peer without the header is the client.
        assert_eq!(
            client_ip(ip("10.0.0.1"), &HeaderMap::new(), &proxies),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64() {
        let key = |s: &str| ClientIp(s.parse().unwrap()).rate_key();
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_eq!(key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.1"), "192.0.2.1");
        assert_eq!(key("192.0.2.1"), "192.0.2.1");
    }

    /// A router whose `/slow` handler holds its turn until `gate` opens, `/model` the same
    /// but giving its turn back first (as a wait on a model does), turns limited to one for
    /// those and `/quick`, and `/free` outside the limit.
    fn one_turn(gate: Arc<tokio::sync::Notify>, metrics: &crate::metrics::Metrics) -> axum::Router {
        use axum::routing::get;
        let limits = HttpLimits {
            in_flight: Some(Arc::new(Turns::new(1, metrics))),
            ..HttpLimits::default()
        };
        let model_gate = gate.clone();
        axum::Router::new()
            .route(
                "/slow",
                get(move || async move {
                    gate.notified().await;
                    "slow"
                }),
            )
            .route(
                "/model",
                get(move || async move {
                    give_back_turn();
                    model_gate.notified().await;
                    "model"
                }),
            )
            .route("/quick", get(|| async { "quick" }))
            .route_layer(axum::middleware::from_fn_with_state(limits, admit))
            .route("/free", get(|| async { "free" }))
    }

    async fn call(router: &axum::Router, path: &str) -> String {
        use tower::ServiceExt;
        let request = axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_request_waits_for_a_turn_while_routes_outside_the_limit_answer() {
        let metrics = crate::metrics::Metrics::new();
        let gate = Arc::new(tokio::sync::Notify::new());
        let router = one_turn(gate.clone(), &metrics);
        let slow = call(&router, "/slow");
        tokio::pin!(slow);
        assert!(futures::poll!(slow.as_mut()).is_pending(), "holds the turn");
        let quick = call(&router, "/quick");
        tokio::pin!(quick);
        assert!(
            futures::poll!(quick.as_mut()).is_pending(),
            "no turn free: waits"
        );
        assert_eq!(metrics.http_waiting_for_turn.get(), 1, "one waits, counted");
        assert_eq!(call(&router, "/free").await, "free", "outside the limit");
        assert!(futures::poll!(quick.as_mut()).is_pending(), "still waiting");
        gate.notify_one();
        assert_eq!(slow.await, "slow");
        assert_eq!(quick.await, "quick", "the turn passed on");
        assert_eq!(metrics.http_waiting_for_turn.get(), 0, "none waits now");
        assert_eq!(
            metrics.http_turn_wait.get_sample_count(),
            2,
            "both turns' waits observed"
        );
    }

    #[tokio::test]
    async fn a_client_leaving_while_it_waits_is_no_longer_counted_as_waiting() {
        let metrics = crate::metrics::Metrics::new();
        let gate = Arc::new(tokio::sync::Notify::new());
        let router = one_turn(gate.clone(), &metrics);
        let slow = call(&router, "/slow");
        tokio::pin!(slow);
        assert!(futures::poll!(slow.as_mut()).is_pending());
        {
            let quick = call(&router, "/quick");
            tokio::pin!(quick);
            assert!(futures::poll!(quick.as_mut()).is_pending());
            assert_eq!(metrics.http_waiting_for_turn.get(), 1);
        }
        assert_eq!(
            metrics.http_waiting_for_turn.get(),
            0,
            "the dropped wait left"
        );
        gate.notify_one();
        assert_eq!(slow.await, "slow");
        assert_eq!(
            call(&router, "/quick").await,
            "quick",
            "its turn was not lost"
        );
    }

    #[tokio::test]
    async fn a_request_waiting_on_a_model_gives_its_turn_back() {
        let metrics = crate::metrics::Metrics::new();
        let gate = Arc::new(tokio::sync::Notify::new());
        let router = one_turn(gate.clone(), &metrics);
        let model = call(&router, "/model");
        tokio::pin!(model);
        assert!(
            futures::poll!(model.as_mut()).is_pending(),
            "waits on the model"
        );
        assert_eq!(
            call(&router, "/quick").await,
            "quick",
            "the one turn is free meanwhile"
        );
        gate.notify_one();
        assert_eq!(model.await, "model", "and it still answers");
        // Outside a request (no turn held), giving back is nothing.
        give_back_turn();
    }
}
