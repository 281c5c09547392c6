//! Outbound HTTP (`wasi:http/outgoing-handler`) limited to the hosts and ports a manifest
//! lists in `grants.outbound_hosts` (a bare host: ports 80 and 443). Anything else is
//! refused with `HTTP-request-denied` before a connection is made.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::Linker;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use super::{Capability, Grant};
use crate::plugins::contract::{Version, World};
use crate::plugins::manifest::{Manifest, OutboundGrant};
use crate::runtime::state::PluginState;

/// `wasi:http/outgoing-handler` (and the `wasi:http/types` it needs), for the worlds that
/// may call out: graders, agents, triage, and AI gateways (model providers).
pub const CAPABILITY: Capability = Capability {
    name: "outbound-http",
    imports: &["wasi:http/outgoing-handler", "wasi:http/types"],
    worlds: &[World::Grader, World::Agent, World::Triage, World::Llm],
    since: Version::V0_1_0,
    grant: Grant::Field {
        text: "a host in grants.outbound_hosts",
        granted: |grants| !grants.outbound_hosts.is_empty(),
    },
    link,
};

/// `wasi:http` 0.2 comes from wasmtime-wasi-http, not from the contract's bindings, so
/// every contract version links the same functions.
fn link(linker: &mut Linker<PluginState>, _: Version, _: World) -> wasmtime::Result<()> {
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)
}

/// The hosts and ports the plugin may reach.
pub fn plugin_state(manifest: &Manifest) -> Arc<[OutboundGrant]> {
    // Entries were checked when the manifest was parsed.
    manifest
        .grants
        .outbound_hosts
        .iter()
        .filter_map(|entry| OutboundGrant::parse(entry).ok())
        .collect()
}

/// The allow-list of one plugin.
pub struct OutboundPolicy {
    allowed: Arc<[OutboundGrant]>,
}

impl OutboundPolicy {
    /// A policy allowing `allowed`.
    pub fn new(allowed: Arc<[OutboundGrant]>) -> Self {
        Self { allowed }
    }

    /// Whether a request to `host` on `port` may go out; a request whose port is unknown
    /// (no port and a scheme other than http/https) never may.
    pub fn allows(&self, host: &str, port: Option<u16>) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        port.is_some_and(|port| self.allowed.iter().any(|grant| grant.allows(host, port)))
    }
}

/// What [`WasiHttpHooks::send_request`] returns.
pub(crate) type SendFuture = Box<
    dyn Future<
            Output = Result<
                (
                    http::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), Error>> + Send>,
                ),
                Error,
            >,
        > + Send,
>;

impl WasiHttpHooks for OutboundPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> SendFuture {
        let uri = request.uri();
        let host = uri.host().unwrap_or_default().to_owned();
        let port = uri.port_u16().or(match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        if !self.allows(&host, port) {
            tracing::warn!(%host, ?port, "outbound request refused: host and port not in grants.outbound_hosts");
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        _ = fut;
        send(request, options)
    }
}

/// Sends an allowed request: what a plugin's and an edge component's allow-lists hand on
/// once they have said yes. One client for the process keeps connections alive per host
/// (TLS sessions included) and reuses them: wasmtime-wasi-http's own client opened a TCP
/// connection, built a TLS configuration from the root store and shook hands for every
/// request, which for a model provider over HTTPS costs round trips on every call.
pub(crate) fn send(
    mut request: http::Request<WasiBody>,
    options: Option<RequestOptions>,
) -> SendFuture {
    Box::new(async move {
        let connect = options.and_then(|o| o.connect_timeout);
        let first_byte = options
            .and_then(|o| o.first_byte_timeout)
            .unwrap_or(DEFAULT_TIMEOUT);
        let between_bytes = options
            .and_then(|o| o.between_bytes_timeout)
            .unwrap_or(DEFAULT_TIMEOUT)
            .max(Duration::from_nanos(1));
        // The request's own scheme and authority say where it goes; a bare path has nowhere.
        if request.uri().authority().is_none() {
            return Err(Error::HttpRequestUriInvalid);
        }
        request.headers_mut().remove(http::header::HOST);
        // A pooled connection may already be open, so the connect and first-byte budgets
        // are one: the request has both to be answered.
        let budget = first_byte.saturating_add(connect.unwrap_or(Duration::ZERO));
        let response = match tokio::time::timeout(budget, pool::client().request(request)).await {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => return Err(pool::error(&e)),
            Err(_) if connect.is_some() => return Err(Error::ConnectionTimeout),
            Err(_) => return Err(Error::ConnectionReadTimeout),
        };
        let response = response.map(|incoming| {
            use http_body_util::BodyExt;
            pool::TimedBody::new(incoming, between_bytes).boxed_unsync()
        });
        // The pool drives the connection, so there is nothing left for the caller to await.
        let io: Box<dyn Future<Output = Result<(), Error>> + Send> =
            Box::new(std::future::ready(Ok(())));
        Ok((response, io))
    })
}

/// Outbound requests with no timeout of their own give up after this long (as
/// wasmtime-wasi-http's client does).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

mod pool {
    use std::pin::Pin;
    use std::sync::LazyLock;
    use std::task::{Context, Poll, ready};
    use std::time::Duration;

    use bytes::Bytes;
    use hyper_rustls::HttpsConnector;
    use hyper_util::client::legacy::Client;
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::rt::TokioExecutor;
    use wasmtime_wasi_http::{Error, WasiBody};

    /// The longest any connection attempt may take.
    const CONNECT_AT_MOST: Duration = Duration::from_secs(30);
    /// How long an idle kept-alive connection stays open.
    const IDLE: Duration = Duration::from_secs(60);
    /// Idle connections kept per host: plugin calls run concurrently, one request each.
    const IDLE_PER_HOST: usize = 64;

    type Pooled = Client<HttpsConnector<HttpConnector>, WasiBody>;

    static CLIENT: LazyLock<Pooled> = LazyLock::new(|| {
        let mut http = HttpConnector::new();
        // The scheme decides TLS; plain http stays allowed where a grant names a port.
        http.enforce_http(false);
        // Requests are small and answered at once: no Nagle delay on the body's write.
        http.set_nodelay(true);
        // A host that does not answer a connection attempt is given up on within this,
        // whatever budget the request has left (the pool shares connections, so a
        // request's own connect timeout bounds its whole wait for the response head).
        http.set_connect_timeout(Some(CONNECT_AT_MOST));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Client::builder(TokioExecutor::new())
            .pool_idle_timeout(IDLE)
            .pool_max_idle_per_host(IDLE_PER_HOST)
            .build(https)
    });

    pub(super) fn client() -> &'static Pooled {
        &CLIENT
    }

    /// The wasi:http error a failed request becomes.
    pub(super) fn error(e: &hyper_util::client::legacy::Error) -> Error {
        use std::error::Error as _;
        let mut source = e.source();
        while let Some(s) = source {
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                return match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => Error::ConnectionRefused,
                    std::io::ErrorKind::TimedOut => Error::ConnectionTimeout,
                    _ if e.is_connect() => {
                        Error::Connect(std::io::Error::new(io.kind(), e.to_string()))
                    }
                    _ => Error::ConnectionTerminated,
                };
            }
            if let Some(h) = s.downcast_ref::<hyper::Error>() {
                if h.is_incomplete_message() {
                    return Error::HttpResponseIncomplete;
                }
                if h.is_parse() {
                    return Error::HttpProtocolError;
                }
            }
            source = s.source();
        }
        if e.is_connect() {
            Error::Connect(std::io::Error::other(e.to_string()))
        } else {
            Error::InternalError(Some(e.to_string()))
        }
    }

    /// A response body that fails when the server sends nothing for `between` (the
    /// request's between-bytes timeout).
    pub(super) struct TimedBody {
        incoming: hyper::body::Incoming,
        timeout: tokio::time::Interval,
    }

    impl TimedBody {
        pub(super) fn new(incoming: hyper::body::Incoming, between: Duration) -> Self {
            let mut timeout = tokio::time::interval(between);
            timeout.reset();
            Self { incoming, timeout }
        }
    }

    impl http_body::Body for TimedBody {
        type Data = Bytes;
        type Error = Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<Bytes>, Error>>> {
            match Pin::new(&mut self.incoming).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    self.timeout.reset();
                    Poll::Ready(Some(Ok(frame)))
                }
                Poll::Ready(Some(Err(e))) if e.is_timeout() => {
                    Poll::Ready(Some(Err(Error::HttpResponseTimeout)))
                }
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(Error::from(e)))),
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => {
                    ready!(self.timeout.poll_tick(cx));
                    Poll::Ready(Some(Err(Error::ConnectionReadTimeout)))
                }
            }
        }

        fn is_end_stream(&self) -> bool {
            self.incoming.is_end_stream()
        }

        fn size_hint(&self) -> http_body::SizeHint {
            self.incoming.size_hint()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(hosts: &[&str]) -> OutboundPolicy {
        OutboundPolicy::new(
            hosts
                .iter()
                .map(|s| OutboundGrant::parse(s).unwrap())
                .collect(),
        )
    }

    #[test]
    fn host_without_port_allows_its_web_ports_only() {
        let p = policy(&["api.example.com"]);
        assert!(p.allows("api.example.com", Some(443)));
        assert!(p.allows("API.example.com", Some(80)));
        assert!(!p.allows("api.example.com", Some(8080)));
        assert!(!p.allows("evil.example.com", Some(443)));
        assert!(!p.allows("example.com", Some(443)));
        assert!(!p.allows("api.example.com", None));
    }

    #[test]
    fn host_with_port_allows_only_that_port() {
        let p = policy(&["127.0.0.1:8080", "[::1]:11434"]);
        assert!(p.allows("127.0.0.1", Some(8080)));
        assert!(!p.allows("127.0.0.1", Some(8081)));
        assert!(!p.allows("127.0.0.1", Some(80)));
        assert!(!p.allows("localhost", Some(8080)));
        assert!(p.allows("[::1]", Some(11434)));
    }

    #[test]
    fn empty_list_allows_nothing() {
        assert!(!policy(&[]).allows("127.0.0.1", Some(80)));
    }

    /// A server answering every request on a connection with `ok`, counting the
    /// connections it accepted; `silent` ones accept and never answer.
    async fn server(silent: bool) -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let mut seen = Vec::new();
                    loop {
                        let Ok(n) = socket.read(&mut buf).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        seen.extend_from_slice(&buf[..n]);
                        while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                            seen.drain(..end + 4);
                            if !silent {
                                let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                                if socket.write_all(reply).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                });
            }
        });
        (port, accepted)
    }

    fn get(port: u16) -> http::Request<WasiBody> {
        use http_body_util::BodyExt;
        http::Request::get(format!("http://127.0.0.1:{port}/v1/models"))
            .body(
                http_body_util::Empty::new()
                    .map_err(|never| match never {})
                    .boxed_unsync(),
            )
            .unwrap()
    }

    #[tokio::test]
    async fn requests_to_one_host_share_a_kept_alive_connection() {
        use http_body_util::BodyExt;
        let (port, accepted) = server(false).await;
        for _ in 0..3 {
            let (response, io) = Box::into_pin(send(get(port), None)).await.unwrap();
            assert_eq!(response.status(), 200);
            let body = response.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(&body[..], b"ok");
            Box::into_pin(io).await.unwrap();
        }
        assert_eq!(
            accepted.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "three requests in turn should reuse one connection"
        );
    }

    #[tokio::test]
    async fn a_server_that_never_answers_is_a_read_timeout_and_a_closed_port_refused() {
        let (port, _) = server(true).await;
        let options = RequestOptions {
            first_byte_timeout: Some(Duration::from_millis(200)),
            ..RequestOptions::default()
        };
        let silent = Box::into_pin(send(get(port), Some(options))).await;
        assert!(
            matches!(silent, Err(Error::ConnectionReadTimeout)),
            "{:?}",
            silent.map(|_| ())
        );
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed_port = closed.local_addr().unwrap().port();
        drop(closed);
        let refused = Box::into_pin(send(get(closed_port), None)).await;
        assert!(
            matches!(refused, Err(Error::ConnectionRefused)),
            "{:?}",
            refused.map(|_| ())
        );
    }
}
