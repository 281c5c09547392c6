//! The edge's HTTP server: each request is routed as Spin routes it, given Spin's request
//! headers, and handed to a fresh instance of its component's `wasi:http/incoming-handler`;
//! the component's response streams back as it writes it (server-sent events included).
//!
//! Spin's `/.well-known/spin/health` (`OK`) and `/.well-known/spin/info` (the app's name
//! and version) are answered by the host, as by Spin; a path no route matches gets an
//! empty 404. A component that traps, or returns without setting a response, gets the
//! client a 500 with a short text body and the host a log line naming the component; the
//! server keeps serving.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_TYPE, HOST};
use http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use wasmtime::Store;
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use super::router::RouteMatch;
use super::{EdgeApp, Prepared};

/// Spin's reserved path prefix.
pub(crate) const WELL_KNOWN: &str = "/.well-known/spin/";
/// How long a client may take to send a request's headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long shutdown waits for open responses (a server-sent event stream never ends by
/// itself) before closing them.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` completes, then lets open requests finish
/// (up to [`DRAIN_TIMEOUT`]).
pub async fn serve(
    app: Arc<EdgeApp>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};

    let stopping = tokio_util::sync::CancellationToken::new();
    // Each connection task holds a clone of `open`: once all are dropped, all have ended.
    let (open, mut all_closed) = tokio::sync::mpsc::channel::<()>(1);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Answers are written as they come: do not hold small writes back (Nagle).
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let app = app.clone();
            async move { Ok::<_, Infallible>(app.handle(request, peer).await) }
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let (stop, open) = (stopping.clone(), open.clone());
        tokio::spawn(async move {
            tokio::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                () = stop.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(open);
        });
    }
    drop(listener);
    tracing::info!("edge shutting down: draining in-flight requests");
    stopping.cancel();
    drop(open);
    if tokio::time::timeout(DRAIN_TIMEOUT, all_closed.recv())
        .await
        .is_err()
    {
        tracing::warn!(
            "responses still streaming after {}s; closing them",
            DRAIN_TIMEOUT.as_secs()
        );
    }
    tracing::info!("edge stopped");
}

/// After a failed `accept`: a client that gave up is nothing; anything else (out of file
/// descriptors) is logged and waited out.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// A response the host writes itself.
fn plain(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<HyperOutgoingBody> {
    let mut response = Response::new(
        Full::new(body.into())
            .map_err(|never: Infallible| match never {})
            .boxed_unsync(),
    );
    *response.status_mut() = status;
    if !content_type.is_empty() {
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    response
}

/// Why a component gave no response.
#[derive(Debug, thiserror::Error)]
enum CallError {
    #[error("cannot pass the request to the component: {0:#}")]
    Setup(wasmtime::Error),
    #[error("no instance slot (the edge is shutting down)")]
    NoSlot,
    #[error("the component trapped or failed: {0:?}")]
    Trapped(wasmtime::Error),
    #[error("the component returned without setting a response")]
    NoResponse,
    #[error("the component answered with an error: {0:?}")]
    ErrorCode(wasmtime_wasi_http::p2::bindings::http::types::ErrorCode),
    #[error("the component's task panicked: {0}")]
    Panicked(tokio::task::JoinError),
}

impl EdgeApp {
    /// Answers one request.
    async fn handle(
        self: Arc<Self>,
        request: Request<Incoming>,
        peer: SocketAddr,
    ) -> Response<HyperOutgoingBody> {
        let path = request.uri().path();
        if let Some(name) = path.strip_prefix(WELL_KNOWN) {
            return self.well_known(name);
        }
        let Some(matched) = self.router.route(path) else {
            return plain(StatusCode::NOT_FOUND, "", Bytes::new());
        };
        let component = &self.components[*matched.handler()];
        let request = match spin_request(request, &matched, peer) {
            Ok(request) => request,
            Err(reason) => {
                return plain(StatusCode::BAD_REQUEST, "text/plain; charset=utf-8", reason);
            }
        };
        match self.call(component, request).await {
            Ok(response) => response,
            Err(e) => {
                tracing::error!(component = %component.id, error = %e, "request failed: answered 500");
                plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "text/plain; charset=utf-8",
                    format!("500: component {} failed to answer\n", component.id),
                )
            }
        }
    }

    fn well_known(&self, name: &str) -> Response<HyperOutgoingBody> {
        match name {
            "health" => plain(StatusCode::OK, "text/plain", Bytes::from_static(b"OK")),
            "info" => {
                let mut info = serde_json::json!({ "name": self.name });
                if !self.version.is_empty() {
                    info["version"] = self.version.clone().into();
                }
                plain(StatusCode::OK, "application/json", info.to_string())
            }
            _ => plain(StatusCode::NOT_FOUND, "", Bytes::new()),
        }
    }

    /// Runs `component`'s incoming handler on `request` in a fresh instance; returns its
    /// response as soon as it is set, while the instance goes on writing the body.
    async fn call(
        &self,
        component: &Prepared,
        request: Request<Incoming>,
    ) -> Result<Response<HyperOutgoingBody>, CallError> {
        // Waits for a slot rather than failing when every instance is busy: a burst
        // queues here instead of getting errors from the pooling allocator.
        let slot = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| CallError::NoSlot)?;
        let mut store = Store::new(&self.engine, component.state());
        // Yield to other requests at every epoch tick; no deadline (Spin sets none
        // either: a streamed response may last as long as the client listens).
        store.set_epoch_deadline(1);
        store.epoch_deadline_async_yield_and_update(1);
        let (sender, receiver) = tokio::sync::oneshot::channel();
        // Set once the component sets its response: a failure after that can no longer
        // become a 500, so the instance's task logs it instead.
        let responded = Arc::new(AtomicBool::new(false));
        let (incoming, outparam) = {
            let flag = responded.clone();
            let mut http = store.data_mut().http();
            let incoming = http
                .new_incoming_request(Scheme::Http, request)
                .map_err(CallError::Setup)?;
            let outparam = http
                .new_response_outparam_from_callback(move |response| {
                    flag.store(true, Ordering::Release);
                    // The client may have gone: nothing to answer then.
                    let _ = sender.send(response);
                })
                .map_err(CallError::Setup)?;
            (incoming, outparam)
        };
        let pre = component.pre.clone();
        let id = component.id.clone();
        let task = tokio::spawn(async move {
            let result = async {
                let proxy = pre.instantiate_async(&mut store).await?;
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut store, incoming, outparam)
                    .await
            }
            .await;
            // The instance and its slot go once the handler returns (after writing the
            // body, or dropping it).
            drop(store);
            drop(slot);
            if let Err(e) = &result
                && responded.load(Ordering::Acquire)
            {
                tracing::error!(component = %id, error = ?e, "component failed after its response began: the response may be cut short");
            }
            result
        });
        match receiver.await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(code)) => Err(CallError::ErrorCode(code)),
            Err(_) => match task.await {
                Ok(Ok(())) => Err(CallError::NoResponse),
                Ok(Err(e)) => Err(CallError::Trapped(e)),
                Err(e) => Err(CallError::Panicked(e)),
            },
        }
    }
}

/// The request as Spin hands it to a component: an absolute URI (scheme `http`, the
/// authority from `Host`), no `Connection` header, and Spin's `spin-*` headers set by the
/// host (replacing any a client sent, so `spin-client-addr` cannot be forged).
fn spin_request<B, T>(
    request: Request<B>,
    matched: &RouteMatch<'_, T>,
    peer: SocketAddr,
) -> Result<Request<B>, String> {
    let (mut parts, body) = request.into_parts();
    parts.headers.remove(CONNECTION);
    let host = match parts.headers.get(HOST) {
        Some(value) => value
            .to_str()
            .map_err(|_| "the Host header is not valid text".to_owned())?
            .to_owned(),
        None => match parts.uri.authority() {
            Some(authority) => authority.to_string(),
            None => "localhost".to_owned(),
        },
    };
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let full_url = format!("http://{host}{path_and_query}");
    parts.uri = full_url
        .parse()
        .map_err(|_| format!("the Host header {host:?} is not a valid authority"))?;
    let mut headers: Vec<(HeaderName, String)> = vec![
        (name("spin-full-url"), full_url),
        (name("spin-path-info"), matched.path_info().to_owned()),
        (name("spin-matched-route"), matched.based_route().to_owned()),
        (name("spin-base-path"), "/".to_owned()),
        (
            name("spin-raw-component-route"),
            matched.raw_route().to_owned(),
        ),
        (
            name("spin-component-route"),
            matched.component_route().to_owned(),
        ),
        (name("spin-client-addr"), peer.to_string()),
    ];
    for (param, value) in matched.params() {
        let header = format!("spin-path-match-{}", param.to_ascii_lowercase());
        let header = HeaderName::try_from(header)
            .map_err(|_| format!("route parameter {param:?} cannot be a header name"))?;
        headers.push((header, value.clone()));
    }
    for (header, value) in headers {
        let value = HeaderValue::try_from(value)
            .map_err(|_| format!("the request's {header} would not be a valid header"))?;
        parts.headers.insert(header, value);
    }
    Ok(Request::from_parts(parts, body))
}

fn name(s: &'static str) -> HeaderName {
    HeaderName::from_static(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edge::router::Router;

    fn headers_for(route: &str, uri: &str, host: Option<&str>) -> http::HeaderMap {
        let (router, _) = Router::build([(route.to_owned(), ())]).unwrap();
        let mut builder = Request::get(uri).header("spin-client-addr", "6.6.6.6:1");
        if let Some(host) = host {
            builder = builder.header(HOST, host);
        }
        let request = builder.header(CONNECTION, "keep-alive").body(()).unwrap();
        let path = request.uri().path().to_owned();
        let matched = router.route(&path).unwrap();
        let peer: SocketAddr = "127.0.0.1:8777".parse().unwrap();
        let prepared = spin_request(request, &matched, peer).unwrap();
        assert_eq!(prepared.uri().scheme_str(), Some("http"));
        prepared.headers().clone()
    }

    #[test]
    fn spin_headers_as_spin_sets_them() {
        let h = headers_for(
            "/foo/...",
            "/foo/bar?key1=value1&key2=value2",
            Some("fermyon.dev"),
        );
        let get = |n: &str| h.get(n).unwrap().to_str().unwrap().to_owned();
        assert_eq!(
            get("spin-full-url"),
            "http://fermyon.dev/foo/bar?key1=value1&key2=value2"
        );
        assert_eq!(get("spin-path-info"), "/bar");
        assert_eq!(get("spin-matched-route"), "/foo/...");
        assert_eq!(get("spin-base-path"), "/");
        assert_eq!(get("spin-raw-component-route"), "/foo/...");
        assert_eq!(get("spin-component-route"), "/foo");
        // The client's own value is replaced, never passed on.
        assert_eq!(get("spin-client-addr"), "127.0.0.1:8777");
        assert_eq!(h.get_all("spin-client-addr").iter().count(), 1);
        assert!(h.get(CONNECTION).is_none());
        assert_eq!(get("host"), "fermyon.dev");
    }

    #[test]
    fn named_parameters_become_path_match_headers() {
        let h = headers_for("/foo/:userid/...", "/foo/42/bar", Some("h:3000"));
        assert_eq!(h["spin-path-match-userid"], "42");
        assert_eq!(h["spin-component-route"], "/foo/:userid");
        assert_eq!(h["spin-full-url"], "http://h:3000/foo/42/bar");
    }

    #[test]
    fn without_a_host_header_the_authority_is_localhost() {
        let h = headers_for("/...", "/x", None);
        assert_eq!(h["spin-full-url"], "http://localhost/x");
    }
}
