//! Requests to the origin (`origin_url`, the only host spin.toml lets the edge reach).
//!
//! Every request carries the shared secret (`edge_secret`) in [`EDGE_SECRET_HEADER`] and
//! the client's address in [`CLIENT_ADDR_HEADER`]: the origin believes that address only
//! when the secret matches (docs/edge.md, "The client's address"), so a client cannot claim
//! another's address by sending the header itself — the edge drops whatever a client sent
//! under those names.

use spin_sdk::http::{Method, Request, Response};

/// The header proving a request came through the edge.
pub const EDGE_SECRET_HEADER: &str = "x-tessera-edge-secret";
/// The header carrying the client's address (meaningful only with the secret).
pub const CLIENT_ADDR_HEADER: &str = "x-tessera-client-addr";
/// The header Spin (and `tessera edge serve`) sets to the client's `ip:port`.
pub const SPIN_CLIENT_ADDR: &str = "spin-client-addr";

/// Request headers never passed on: hop-by-hop ones (RFC 9110 §7.6.1), the host (the
/// origin's is set from its URL), what only the edge may set, and Spin's own.
pub fn is_dropped(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
            | EDGE_SECRET_HEADER
            | CLIENT_ADDR_HEADER
    ) || name.starts_with("spin-")
}

/// The client's IP address from Spin's `spin-client-addr` (`ip:port`, `[v6]:port`).
pub fn client_ip(spin_client_addr: &str) -> Option<String> {
    let addr = spin_client_addr.trim();
    if let Ok(socket) = addr.parse::<std::net::SocketAddr>() {
        return Some(socket.ip().to_string());
    }
    addr.parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

/// A client's request headers worth passing on (text ones, minus [`is_dropped`]), and
/// its address (from Spin's `spin-client-addr`).
pub fn client_headers(request: &Request) -> (Vec<(String, String)>, Option<String>) {
    let client_ip = request
        .header(SPIN_CLIENT_ADDR)
        .and_then(|v| v.as_str())
        .and_then(client_ip);
    let headers = request
        .headers()
        .filter(|(name, _)| !is_dropped(name))
        .filter_map(|(name, value)| Some((name.to_owned(), value.as_str()?.to_owned())))
        .collect();
    (headers, client_ip)
}

/// Why the origin could not be asked.
#[derive(Debug)]
pub enum OriginError {
    /// A variable the call needs is missing (the message names it).
    Config(String),
    /// The request did not reach the origin, or its answer did not arrive whole.
    Unreachable(String),
}

impl std::fmt::Display for OriginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OriginError::Config(m) => f.write_str(m),
            OriginError::Unreachable(m) => write!(f, "the origin is unreachable: {m}"),
        }
    }
}

/// The origin as this component reaches it.
#[derive(Debug, Clone)]
pub struct Origin {
    base: String,
    secret: String,
    token: Option<String>,
}

impl Origin {
    /// From the variables `origin_url`, `edge_secret` and (when set) `origin_token`.
    pub fn from_config() -> Result<Self, OriginError> {
        let base = crate::config::require("origin_url").map_err(OriginError::Config)?;
        let secret = crate::config::require("edge_secret").map_err(OriginError::Config)?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            secret,
            token: crate::config::get("origin_token"),
        })
    }

    /// The origin's URL for `path_and_query` (which starts with `/`).
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base)
    }

    /// The headers every request to the origin carries: the secret, and the client's
    /// address when known.
    pub fn edge_headers(&self, client_ip: Option<&str>) -> Vec<(String, String)> {
        let mut headers = vec![(EDGE_SECRET_HEADER.to_owned(), self.secret.clone())];
        if let Some(ip) = client_ip {
            headers.push((CLIENT_ADDR_HEADER.to_owned(), ip.to_owned()));
        }
        headers
    }

    /// Sends `method path` with `headers` (the client's, already filtered by the caller)
    /// and `body`, as the client's request: its own `authorization`, if any, goes along.
    pub async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        headers: Vec<(String, String)>,
        client_ip: Option<&str>,
        body: Vec<u8>,
    ) -> Result<Response, OriginError> {
        let mut all = self.edge_headers(client_ip);
        all.extend(headers.into_iter().filter(|(name, _)| !is_dropped(name)));
        let request = Request::builder()
            .method(method)
            .uri(self.url(path_and_query))
            .headers(all)
            .body(body)
            .build();
        spin_sdk::http::send::<_, Response>(request)
            .await
            .map_err(|e| OriginError::Unreachable(e.to_string()))
    }

    /// A GET of an internal route as the edge itself (its service token, `origin_token`),
    /// with `If-None-Match` when `etag` is given.
    pub async fn internal_get(
        &self,
        path_and_query: &str,
        etag: Option<&str>,
    ) -> Result<Response, OriginError> {
        let token = self.token.as_deref().ok_or_else(|| {
            OriginError::Config(
                "the edge variable `origin_token` is not set (spin.toml [variables]; docs/deploy.md)"
                    .into(),
            )
        })?;
        let mut headers = vec![("authorization".to_owned(), format!("Bearer {token}"))];
        if let Some(etag) = etag {
            headers.push(("if-none-match".to_owned(), etag.to_owned()));
        }
        self.send(Method::Get, path_and_query, headers, None, Vec::new())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_addresses_lose_their_port() {
        assert_eq!(
            client_ip("203.0.113.9:5123").as_deref(),
            Some("203.0.113.9")
        );
        assert_eq!(
            client_ip("[2001:db8::1]:80").as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(client_ip("2001:db8::1").as_deref(), Some("2001:db8::1"));
        assert_eq!(client_ip("not an address"), None);
    }

    #[test]
    fn what_only_the_edge_may_say_is_dropped_from_clients() {
        assert!(is_dropped("X-Tessera-Edge-Secret"));
        assert!(is_dropped("x-tessera-client-addr"));
        assert!(is_dropped("spin-full-url"));
        assert!(is_dropped("Connection"));
        assert!(!is_dropped("authorization"));
        assert!(!is_dropped("x-kazi-anonymous-id"));
    }
}
