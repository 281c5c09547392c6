//! `allowed_outbound_hosts`, as Spin reads it: each entry is `scheme://host[:port]`, with
//! `*` for any scheme, any host or any port, `*.example.com` for any subdomain, a CIDR
//! range or an IP address for hosts, and `a..b` for a port range (end excluded). A missing
//! port means the scheme's well-known port (`https` 443, `http` 80, …); a scheme without
//! one must give a port. Templates (`{{ origin_url }}`) are resolved first, and an entry
//! that resolves to nothing (`""`, `http://`, `https://`) is skipped, so a variable can
//! leave an optional host unset.
//!
//! A request to anything else is refused with `HTTP-request-denied` before a connection is
//! made, like the plugin runtime's `outbound_http` capability does for plugin grants (that
//! one takes bare `host[:port]` entries; this one Spin's URL-shaped ones).

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;

use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use super::variables::{AppVariables, Template, VariableError};

/// An `allowed_outbound_hosts` entry Spin would refuse.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// Not `scheme://host[:port]`, or a part that does not parse.
    #[error("allowed_outbound_hosts entry {entry:?}: {reason}")]
    Invalid {
        /// The entry (after templates were resolved).
        entry: String,
        /// Why.
        reason: String,
    },
    /// A template that does not resolve.
    #[error(transparent)]
    Template(#[from] VariableError),
}

/// One parsed entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    original: String,
    scheme: SchemeRule,
    host: HostRule,
    port: PortRule,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum SchemeRule {
    Any,
    Is(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostRule {
    Any,
    /// `*.example.com`, kept as `.example.com`.
    Subdomain(String),
    /// `self`: Spin's relative requests to the app itself, not served here.
    ToSelf,
    Domain(String),
    Network(ipnet::IpNet),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PortRule {
    Any,
    Is(u16),
    /// `start..end`, `end` excluded (a Rust range, as in Spin).
    Range(u16, u16),
}

/// The port a scheme uses when a URL names none.
fn well_known_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        "postgres" => Some(5432),
        "mysql" => Some(3306),
        "redis" => Some(6379),
        "mqtt" => Some(1883),
        _ => None,
    }
}

impl AllowedHost {
    /// Parses one literal entry.
    pub fn parse(entry: &str) -> Result<Self, OutboundError> {
        let invalid = |reason: String| OutboundError::Invalid {
            entry: entry.to_owned(),
            reason,
        };
        let url = entry.trim();
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(invalid(if matches!(url, "*" | ":" | "" | "?") {
                "hosts must be in the form <scheme>://<host>[:<port>]; to allow everything, write '*://*:*'".into()
            } else {
                "no scheme (write e.g. 'https://' or '*://')".into()
            }));
        };
        // `host:port`, unless the whole rest is a host already (`[::1]`, a bare IPv6).
        let (host, port) = match rest.rsplit_once(':') {
            None => (rest, ""),
            Some((h, "")) => (h, ""),
            Some((h, tail)) => {
                if parse_host(rest).is_ok() {
                    (rest, "")
                } else {
                    match tail.split_once('/') {
                        Some((_, path)) if !path.is_empty() => {
                            return Err(invalid("a path is not allowed".into()));
                        }
                        Some((port, _)) => (h, port),
                        None => (h, tail),
                    }
                }
            }
        };
        let port = parse_port(port, scheme).map_err(invalid)?;
        let scheme = match scheme {
            "*" => SchemeRule::Any,
            s if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic()) => {
                SchemeRule::Is(s.to_ascii_lowercase())
            }
            s => return Err(invalid(format!("invalid scheme {s:?}"))),
        };
        let host = parse_host(host).map_err(invalid)?;
        Ok(Self {
            original: entry.to_owned(),
            scheme,
            host,
            port,
        })
    }

    /// Whether a request to `scheme://host:port` (`port` `None`: the scheme's own) is
    /// allowed by this entry.
    pub fn allows(&self, scheme: &str, host: &str, port: Option<u16>) -> bool {
        let scheme_ok = match &self.scheme {
            SchemeRule::Any => true,
            SchemeRule::Is(s) => s.eq_ignore_ascii_case(scheme),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let ip = host.parse::<IpAddr>().ok();
        let host_ok = match (&self.host, ip) {
            (HostRule::Any, _) => true,
            (HostRule::ToSelf, _) => false,
            (HostRule::Network(net), Some(ip)) => net.contains(&ip),
            (HostRule::Network(_), None) => false,
            (HostRule::Subdomain(_) | HostRule::Domain(_), Some(_)) => false,
            (HostRule::Subdomain(suffix), None) => {
                host.to_ascii_lowercase().ends_with(suffix.as_str())
            }
            (HostRule::Domain(domain), None) => host.eq_ignore_ascii_case(domain),
        };
        let port_ok = match self.port {
            PortRule::Any => true,
            rule => match port.or_else(|| well_known_port(&scheme.to_ascii_lowercase())) {
                None => false,
                Some(p) => match rule {
                    PortRule::Is(allowed) => p == allowed,
                    PortRule::Range(start, end) => (start..end).contains(&p),
                    PortRule::Any => true,
                },
            },
        };
        scheme_ok && host_ok && port_ok
    }
}

impl std::fmt::Display for AllowedHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.original)
    }
}

fn parse_port(port: &str, scheme: &str) -> Result<PortRule, String> {
    if port.is_empty() {
        return well_known_port(scheme).map(PortRule::Is).ok_or_else(|| {
            format!("no port was given and the scheme {scheme:?} has no well-known port")
        });
    }
    if port == "*" {
        return Ok(PortRule::Any);
    }
    if port.starts_with('{') {
        return Err("port lists are not supported".into());
    }
    let number = |s: &str| {
        s.parse::<u16>()
            .map_err(|_| format!("port {port:?} is not a number"))
    };
    match port.split_once("..") {
        Some((start, end)) => Ok(PortRule::Range(number(start)?, number(end)?)),
        None => Ok(PortRule::Is(number(port)?)),
    }
}

fn parse_host(host: &str) -> Result<HostRule, String> {
    let host = host.trim();
    match host {
        "*" => return Ok(HostRule::Any),
        "self" | "self.alt" => return Ok(HostRule::ToSelf),
        _ => {}
    }
    if host.starts_with('{') {
        return Err("host lists are not supported".into());
    }
    let unbracketed = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = unbracketed.parse::<IpAddr>() {
        return Ok(HostRule::Network(ipnet::IpNet::from(ip)));
    }
    if let Ok(net) = host.parse::<ipnet::IpNet>() {
        // Spin truncates host bits (`10.1.2.3/8` is `10.0.0.0/8`).
        return Ok(HostRule::Network(net.trunc()));
    }
    let host = host.strip_suffix('/').unwrap_or(host);
    if host.contains('/') {
        return Err("must not include a path".into());
    }
    if let Some(domain) = host.strip_prefix("*.") {
        if domain.contains('*') {
            return Err("wildcards are allowed only as prefixes".into());
        }
        check_domain(domain)?;
        return Ok(HostRule::Subdomain(format!(
            ".{}",
            domain.to_ascii_lowercase()
        )));
    }
    if host.contains('*') {
        return Err("wildcards are allowed only as subdomains (*.example.com)".into());
    }
    check_domain(host)?;
    Ok(HostRule::Domain(host.to_ascii_lowercase()))
}

fn check_domain(domain: &str) -> Result<(), String> {
    let ok = !domain.is_empty()
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    if ok {
        Ok(())
    } else {
        Err(format!("invalid host {domain:?}"))
    }
}

/// A component's entries with templates resolved; entries resolving to nothing are
/// skipped, as in Spin.
pub fn resolve(
    entries: &[String],
    variables: &AppVariables,
) -> Result<Vec<AllowedHost>, OutboundError> {
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let template = Template::parse(entry)?;
        let text = template.render(variables)?;
        let templated = template.names().next().is_some();
        if templated && matches!(text.as_str(), "" | "http://" | "https://") {
            continue;
        }
        if entry.trim() == "insecure:allow-all" {
            return Err(OutboundError::Invalid {
                entry: entry.clone(),
                reason: "use '*://*:*' to allow all outbound traffic".into(),
            });
        }
        out.push(AllowedHost::parse(&text)?);
    }
    Ok(out)
}

/// The outbound side of one request's instance: `wasi:http/outgoing-handler` refuses
/// what the component's list does not allow, then sends as wasmtime does by default.
pub struct OutboundHooks {
    component: Arc<str>,
    allowed: Arc<[AllowedHost]>,
}

impl OutboundHooks {
    /// The hooks for `component` allowed `allowed`.
    pub fn new(component: Arc<str>, allowed: Arc<[AllowedHost]>) -> Self {
        Self { component, allowed }
    }

    /// Whether a request to this URI may go out.
    fn allows(&self, uri: &http::Uri) -> bool {
        let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else {
            return false;
        };
        self.allowed
            .iter()
            .any(|a| a.allows(scheme, host, uri.port_u16()))
    }
}

use crate::runtime::capabilities::outbound_http::{SendFuture, send};

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> SendFuture {
        if !self.allows(request.uri()) {
            tracing::warn!(
                component = %self.component,
                uri = %request.uri(),
                "outbound request refused: not in the component's allowed_outbound_hosts"
            );
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        _ = fut;
        send(request, options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(entry: &str, scheme: &str, host: &str, port: Option<u16>) -> bool {
        AllowedHost::parse(entry)
            .unwrap()
            .allows(scheme, host, port)
    }

    #[test]
    fn a_url_allows_its_scheme_host_and_default_port() {
        let e = "https://api.example.com";
        assert!(allows(e, "https", "api.example.com", None));
        assert!(allows(e, "https", "API.example.com", Some(443)));
        assert!(!allows(e, "https", "api.example.com", Some(8443)));
        assert!(!allows(e, "http", "api.example.com", None));
        assert!(!allows(e, "https", "evil.example.com", None));
        assert!(!allows(e, "https", "example.com", None));
        assert!(allows(
            "http://127.0.0.1:8080",
            "http",
            "127.0.0.1",
            Some(8080)
        ));
        assert!(!allows(
            "http://127.0.0.1:8080",
            "http",
            "127.0.0.1",
            Some(8081)
        ));
        assert!(!allows(
            "http://127.0.0.1:8080",
            "http",
            "localhost",
            Some(8080)
        ));
        assert!(allows(
            "http://localhost:3000/",
            "http",
            "localhost",
            Some(3000)
        ));
    }

    #[test]
    fn wildcards_for_scheme_host_subdomain_and_port() {
        assert!(allows(
            "*://example.com:443",
            "http",
            "example.com",
            Some(443)
        ));
        assert!(allows("*://*:*", "ftp", "anything", Some(21)));
        assert!(allows(
            "https://*.example.com",
            "https",
            "a.b.example.com",
            None
        ));
        assert!(!allows(
            "https://*.example.com",
            "https",
            "example.com",
            None
        ));
        assert!(!allows(
            "https://*.example.com",
            "https",
            "notexample.com",
            None
        ));
        assert!(allows(
            "http://localhost:*",
            "http",
            "localhost",
            Some(1234)
        ));
        assert!(allows("http://localhost:*", "http", "localhost", None));
        assert!(allows("https://*", "https", "x.y", None));
        assert!(!allows("https://*", "https", "x.y", Some(8443)));
    }

    #[test]
    fn ips_networks_and_port_ranges() {
        assert!(allows("http://10.0.0.0/8:80", "http", "10.2.3.4", None));
        assert!(!allows("http://10.0.0.0/8:80", "http", "11.2.3.4", None));
        assert!(allows("http://[::1]:8080", "http", "[::1]", Some(8080)));
        assert!(allows("http://[::1]", "http", "::1", Some(80)));
        assert!(allows(
            "http://localhost:8000..8010",
            "http",
            "localhost",
            Some(8005)
        ));
        assert!(!allows(
            "http://localhost:8000..8010",
            "http",
            "localhost",
            Some(8010)
        ));
    }

    #[test]
    fn entries_spin_refuses() {
        for bad in [
            "example.com",
            "*",
            "*://example.com",
            "https://example.com/path",
            "https://ex*ample.com",
            "https://*.ex*.com",
            "ht-tp://example.com",
            "https://example.com:http",
            "https://{a,b}.com",
        ] {
            assert!(AllowedHost::parse(bad).is_err(), "{bad}");
        }
        assert!(!allows("http://self", "http", "self", None));
    }

    #[test]
    fn templates_resolve_and_empty_ones_are_skipped() {
        use crate::edge::variables::{Providers, VariableDecl, resolve as resolve_vars};
        use std::collections::BTreeMap;
        let decls: BTreeMap<String, VariableDecl> =
            [("origin_url", "http://127.0.0.1:4000"), ("optional", "")]
                .into_iter()
                .map(|(k, v)| {
                    (
                        k.to_owned(),
                        VariableDecl {
                            default: Some(v.to_owned()),
                            ..VariableDecl::default()
                        },
                    )
                })
                .collect();
        let providers = Providers {
            cli: BTreeMap::new(),
            env: Box::new(|_| Ok(None)),
        };
        let vars = resolve_vars(&decls, &providers).unwrap();
        let hosts = resolve(
            &[
                "{{ origin_url }}".to_owned(),
                "https://{{ optional }}".to_owned(),
                "{{ optional }}".to_owned(),
            ],
            &vars,
        )
        .unwrap();
        assert_eq!(hosts.len(), 1);
        assert!(hosts[0].allows("http", "127.0.0.1", Some(4000)));
        assert!(resolve(&["{{ nope }}".to_owned()], &vars).is_err());
        assert!(resolve(&["insecure:allow-all".to_owned()], &vars).is_err());
    }

    #[test]
    fn hooks_check_the_request_uri() {
        let hooks = OutboundHooks::new(
            "c".into(),
            vec![AllowedHost::parse("http://127.0.0.1:4000").unwrap()].into(),
        );
        let uri = |s: &str| s.parse::<http::Uri>().unwrap();
        assert!(hooks.allows(&uri("http://127.0.0.1:4000/api")));
        assert!(!hooks.allows(&uri("http://127.0.0.1:4001/api")));
        assert!(!hooks.allows(&uri("https://127.0.0.1:4000/api")));
        assert!(!hooks.allows(&uri("/relative")));
    }
}
