//! Outbound HTTP (`wasi:http/outgoing-handler`) limited to the hosts and ports a manifest
//! lists in `grants.outbound_hosts` (a bare host: ports 80 and 443). Anything else is
//! refused with `HTTP-request-denied` before a connection is made.

use std::future::Future;
use std::sync::Arc;

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

/// Sends an allowed request with wasmtime-wasi-http's own client: what a plugin's and an
/// edge component's allow-lists hand on once they have said yes.
pub(crate) fn send(
    request: http::Request<WasiBody>,
    options: Option<RequestOptions>,
) -> SendFuture {
    Box::new(async move {
        use http_body_util::BodyExt;
        let (res, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
        Ok((
            res.map(BodyExt::boxed_unsync),
            Box::new(io) as Box<dyn Future<Output = Result<(), Error>> + Send>,
        ))
    })
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
}
