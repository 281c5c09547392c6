//! `plugin.toml`: what a plugin is, what it may use, and how much of it.
//! Documented field by field in `docs/plugin-manifest.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::contract::World;

/// A parsed and checked plugin manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Unique plugin id: lowercase letters, digits and `-`.
    pub id: String,
    /// The plugin's own version (semver).
    pub version: String,
    /// The `tessera:platform` contract version the component was built against.
    pub contract: String,
    /// The world the component implements, e.g. `grader-plugin`.
    pub world: World,
    /// Path of the built component (or, for `abi = "extism"`, the core module), relative
    /// to the manifest's folder.
    pub component: PathBuf,
    /// How the host calls the plugin: a WIT component (the default) or an Extism plugin
    /// (a core module with JSON in and out, for the JSON-shaped worlds; docs/plugins/extism.md).
    #[serde(default)]
    pub abi: Abi,
    /// One line on what the plugin does.
    #[serde(default)]
    pub description: String,
    /// Resource limits applied to every call.
    #[serde(default)]
    pub limits: Limits,
    /// Host services the plugin may import.
    #[serde(default)]
    pub grants: Grants,
    /// Which requests the host routes to the plugin.
    #[serde(default)]
    pub routing: Routing,
}

/// The binary interface a plugin is built to.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Abi {
    /// A WebAssembly component exporting the world's WIT interface.
    #[default]
    Component,
    /// A core module built with an Extism PDK: each of the world's functions is an export
    /// taking the input as JSON and returning JSON (docs/plugins/extism.md).
    Extism,
}

impl Abi {
    /// The worlds an Extism plugin may implement: those whose calls are plain JSON-shaped
    /// records (no resources, no streams).
    pub const EXTISM_WORLDS: [World; 8] = [
        World::Grader,
        World::Agent,
        World::Triage,
        World::Assigner,
        World::FragmentDetector,
        World::Reframer,
        World::LensCoach,
        World::SpectrumAnalyst,
    ];
}

/// Per-call resource limits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Wall-clock deadline of one call in milliseconds (default 1000).
    #[serde(default = "Limits::default_timeout_ms")]
    pub timeout_ms: u64,
    /// Linear memory cap of one instance in MiB (default 64).
    #[serde(default = "Limits::default_memory_mb")]
    pub memory_mb: u64,
    /// Optional deterministic instruction budget of one call.
    #[serde(default)]
    pub fuel: Option<u64>,
    /// Cap on the size of a call's result and on each of stdout/stderr (default 1 MiB).
    #[serde(default = "Limits::default_max_output_bytes")]
    pub max_output_bytes: u64,
    /// Most keys the plugin may keep in its `wasi:keyvalue` buckets, all buckets together
    /// (default 10 000).
    #[serde(default = "Limits::default_keyvalue_max_keys")]
    pub keyvalue_max_keys: u64,
    /// Most bytes (keys + values) the plugin may keep in its `wasi:keyvalue` buckets
    /// (default 16 MiB).
    #[serde(default = "Limits::default_keyvalue_max_bytes")]
    pub keyvalue_max_bytes: u64,
}

impl Limits {
    fn default_timeout_ms() -> u64 {
        1000
    }
    fn default_memory_mb() -> u64 {
        64
    }
    fn default_max_output_bytes() -> u64 {
        1024 * 1024
    }
    fn default_keyvalue_max_keys() -> u64 {
        10_000
    }
    fn default_keyvalue_max_bytes() -> u64 {
        16 << 20
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout_ms: Self::default_timeout_ms(),
            memory_mb: Self::default_memory_mb(),
            fuel: None,
            max_output_bytes: Self::default_max_output_bytes(),
            keyvalue_max_keys: Self::default_keyvalue_max_keys(),
            keyvalue_max_bytes: Self::default_keyvalue_max_bytes(),
        }
    }
}

/// Host services granted to the plugin. Anything not granted is not linked, and a component
/// importing it is refused at load time.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Grants {
    /// May import `tessera:platform/llm`.
    #[serde(default)]
    pub llm: bool,
    /// May import `tessera:platform/embeddings` (contract 0.2.0 or later).
    #[serde(default)]
    pub embeddings: bool,
    /// May import `tessera:platform/code-runner`.
    #[serde(default)]
    pub code_runner: bool,
    /// May import `wasi:keyvalue/store` (a bucket private to this plugin).
    #[serde(default)]
    pub keyvalue: bool,
    /// Values readable through `wasi:config/store`; granting any value grants the import.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// Where `wasi:http/outgoing-handler` may connect: `host:port`, or a bare `host` for
    /// ports 80 and 443 only (see [`OutboundGrant`]); a non-empty list grants the import.
    #[serde(default)]
    pub outbound_hosts: Vec<String>,
}

/// One entry of `grants.outbound_hosts`, parsed.
///
/// A grant names a port because hosts run more than web servers: granting `127.0.0.1`
/// must not open Redis on 6379 or Postgres on 5432. A bare host stands for its web ports,
/// 80 and 443, the ports an `http://` or `https://` URL without a port uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundGrant {
    /// The host, lowercased; an IPv6 address without its brackets.
    pub host: String,
    /// The one port allowed, or `None` for 80 and 443.
    pub port: Option<u16>,
}

/// Ports a bare host grants.
pub const WEB_PORTS: [u16; 2] = [80, 443];

impl OutboundGrant {
    /// Parses `host`, `host:port`, `[ipv6]` or `[ipv6]:port`; the error says what is wrong.
    pub fn parse(entry: &str) -> Result<Self, &'static str> {
        if entry.contains("://") || entry.contains('/') {
            return Err("has a scheme or a path");
        }
        if entry.is_empty()
            || entry
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '@' || c == '*')
        {
            return Err("is not a host name");
        }
        let (host, port) = if let Some(rest) = entry.strip_prefix('[') {
            let (host, after) = rest.split_once(']').ok_or("opens `[` without `]`")?;
            match after {
                "" => (host, None),
                _ => (
                    host,
                    Some(after.strip_prefix(':').ok_or("has text after `]`")?),
                ),
            }
        } else {
            match entry.split_once(':') {
                // Several colons without brackets: an IPv6 address with no port.
                Some((_, rest)) if rest.contains(':') => (entry, None),
                Some((host, port)) => (host, Some(port)),
                None => (entry, None),
            }
        };
        if host.is_empty() {
            return Err("has no host");
        }
        let port = match port {
            None => None,
            Some(p) => match p.parse::<u16>() {
                Ok(p) if p > 0 => Some(p),
                _ => return Err("has a port that is not a number in 1..=65535"),
            },
        };
        Ok(Self {
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// Whether a request to `host` (no brackets) on `port` falls under this grant.
    pub fn allows(&self, host: &str, port: u16) -> bool {
        self.host.eq_ignore_ascii_case(host)
            && match self.port {
                Some(p) => p == port,
                None => WEB_PORTS.contains(&port),
            }
    }
}

/// Routing keys.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Routing {
    /// For graders: the question kinds this plugin grades.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// For code runners: the languages this plugin runs (e.g. `python`).
    #[serde(default)]
    pub languages: Vec<String>,
    /// For agents: the intents this agent answers (`concepts`, `debug`, or an intent of
    /// its own such as `career-advice`). Triage routes a query of one of them here.
    #[serde(default)]
    pub intents: Vec<String>,
    /// For agents declaring intents of their own: what triage needs to recognise each,
    /// by intent name (`[routing.triage.career-advice]`).
    #[serde(default)]
    pub triage: BTreeMap<String, IntentHints>,
}

/// What triage needs to recognise an intent an agent declares.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IntentHints {
    /// What queries of this intent ask for, in one sentence.
    pub description: String,
    /// Words or phrases that signal the intent.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Example queries, compared by meaning.
    #[serde(default)]
    pub examples: Vec<String>,
}

/// The intents triage knows without any agent declaring them.
pub const BUILT_IN_INTENTS: [&str; 4] = ["concepts", "code-review", "debug", "exercise"];

/// Why a manifest cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The manifest path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is malformed or has unknown/missing fields.
    #[error("{path}: {message}")]
    Parse {
        /// The manifest path.
        path: PathBuf,
        /// The parser's message, naming line and field.
        message: String,
    },
    /// A field has a value the host cannot accept.
    #[error("{path}: field `{field}`: {message}")]
    Invalid {
        /// The manifest path.
        path: PathBuf,
        /// The offending field.
        field: &'static str,
        /// Why.
        message: String,
    },
}

/// Host-wide ceilings a manifest may not exceed.
#[derive(Debug, Clone, Copy)]
pub struct LimitCeilings {
    /// Largest `limits.memory_mb` accepted.
    pub max_memory_mb: u64,
    /// Largest `limits.timeout_ms` accepted.
    pub max_timeout_ms: u64,
    /// Largest `limits.keyvalue_max_keys` accepted.
    pub max_keyvalue_keys: u64,
    /// Largest `limits.keyvalue_max_bytes` accepted.
    pub max_keyvalue_bytes: u64,
}

impl Default for LimitCeilings {
    fn default() -> Self {
        Self {
            max_memory_mb: 1024,
            max_timeout_ms: 60_000,
            max_keyvalue_keys: 1_000_000,
            max_keyvalue_bytes: 1 << 30,
        }
    }
}

impl Manifest {
    /// Parses and checks manifest text; `path` is used in messages only.
    pub fn parse(text: &str, path: &Path, ceilings: LimitCeilings) -> Result<Self, ManifestError> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| ManifestError::Parse {
            path: path.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        manifest.check(path, ceilings)?;
        Ok(manifest)
    }

    fn check(&self, path: &Path, ceilings: LimitCeilings) -> Result<(), ManifestError> {
        let invalid = |field: &'static str, message: String| ManifestError::Invalid {
            path: path.to_owned(),
            field,
            message,
        };
        if self.id.is_empty()
            || self.id.len() > 64
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(invalid(
                "id",
                format!(
                    "`{}` must be 1-64 characters of lowercase letters, digits and `-`",
                    self.id
                ),
            ));
        }
        if !is_semver(&self.version) {
            return Err(invalid(
                "version",
                format!("`{}` is not a semantic version like 1.2.3", self.version),
            ));
        }
        if !is_semver(&self.contract) {
            return Err(invalid(
                "contract",
                format!("`{}` is not a semantic version like 0.1.0", self.contract),
            ));
        }
        if self.grants.embeddings
            && crate::plugins::contract::Version::parse(&self.contract)
                .is_some_and(|v| v < crate::plugins::contract::Version::V0_2_0)
        {
            return Err(invalid(
                "grants.embeddings",
                format!(
                    "the embeddings import arrived in contract 0.2.0; this plugin declares {}",
                    self.contract
                ),
            ));
        }
        if self.abi == Abi::Extism {
            self.check_extism()
                .map_err(|(field, message)| invalid(field, message))?;
        }
        let l = &self.limits;
        if l.timeout_ms == 0 || l.timeout_ms > ceilings.max_timeout_ms {
            return Err(invalid(
                "limits.timeout_ms",
                format!(
                    "{} is outside 1..={} (the host's ceiling)",
                    l.timeout_ms, ceilings.max_timeout_ms
                ),
            ));
        }
        if l.memory_mb == 0 || l.memory_mb > ceilings.max_memory_mb {
            return Err(invalid(
                "limits.memory_mb",
                format!(
                    "{} is outside 1..={} (the host's ceiling)",
                    l.memory_mb, ceilings.max_memory_mb
                ),
            ));
        }
        if l.fuel == Some(0) {
            return Err(invalid("limits.fuel", "must be positive when set".into()));
        }
        if l.max_output_bytes == 0 {
            return Err(invalid(
                "limits.max_output_bytes",
                "must be positive".into(),
            ));
        }
        for (field, value, ceiling) in [
            (
                "limits.keyvalue_max_keys",
                l.keyvalue_max_keys,
                ceilings.max_keyvalue_keys,
            ),
            (
                "limits.keyvalue_max_bytes",
                l.keyvalue_max_bytes,
                ceilings.max_keyvalue_bytes,
            ),
        ] {
            if value == 0 || value > ceiling {
                return Err(invalid(
                    field,
                    format!("{value} is outside 1..={ceiling} (the host's ceiling)"),
                ));
            }
        }
        for entry in &self.grants.outbound_hosts {
            if let Err(why) = OutboundGrant::parse(entry) {
                return Err(invalid(
                    "grants.outbound_hosts",
                    format!(
                        "`{entry}` {why}; write `host:port` (e.g. `api.example.com:443`), or a bare `host` for its web ports 80 and 443"
                    ),
                ));
            }
        }
        if self.world == World::Grader && self.routing.kinds.is_empty() {
            return Err(invalid(
                "routing.kinds",
                "a grader must claim at least one question kind".into(),
            ));
        }
        if self.world == World::CodeRunner && self.routing.languages.is_empty() {
            return Err(invalid(
                "routing.languages",
                "a code runner must name at least one language it runs".into(),
            ));
        }
        self.validate_intents()
            .map_err(|(field, message)| invalid(field, message))
    }

    /// An Extism plugin implements a JSON-shaped world and asks only for the grants that
    /// map onto Extism (config, outbound HTTP, a key-value bucket, the model gateway).
    fn check_extism(&self) -> Result<(), (&'static str, String)> {
        if !Abi::EXTISM_WORLDS.contains(&self.world) {
            return Err((
                "abi",
                format!(
                    "extism plugins implement one of the JSON-shaped worlds ({}); `{}` needs a component",
                    Abi::EXTISM_WORLDS.map(|w| w.to_string()).join(", "),
                    self.world
                ),
            ));
        }
        let not_mapped = [
            ("grants.embeddings", self.grants.embeddings),
            ("grants.code_runner", self.grants.code_runner),
        ];
        if let Some((field, _)) = not_mapped.iter().find(|(_, granted)| *granted) {
            return Err((
                field,
                "is not offered to extism plugins (they get config, outbound_hosts, keyvalue and llm); build a component to use it".into(),
            ));
        }
        Ok(())
    }

    /// An agent names at least one intent; each intent of its own (not built in) says
    /// how triage recognises it, and only its own intents have hints.
    fn validate_intents(&self) -> Result<(), (&'static str, String)> {
        let routing = &self.routing;
        if self.world != World::Agent {
            if !routing.intents.is_empty() || !routing.triage.is_empty() {
                return Err((
                    "routing.intents",
                    format!(
                        "only agents declare intents; this plugin is a {}",
                        self.world
                    ),
                ));
            }
            return Ok(());
        }
        let served = crate::plugins::contract::Version::parse(&self.contract)
            .is_some_and(|v| v.serves(World::Agent));
        if !served {
            // The loader refuses it with the reason that matters: no agents at this version.
            return Ok(());
        }
        if routing.intents.is_empty() {
            return Err((
                "routing.intents",
                "an agent must name at least one intent it answers".into(),
            ));
        }
        for intent in &routing.intents {
            let well_formed = !intent.is_empty()
                && intent.len() <= 64
                && intent
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !well_formed {
                return Err((
                    "routing.intents",
                    format!(
                        "`{intent}` is not a name of lowercase letters, digits and dashes (at most 64)"
                    ),
                ));
            }
            let hints = routing.triage.get(intent);
            if !BUILT_IN_INTENTS.contains(&intent.as_str()) {
                let Some(hints) = hints else {
                    return Err((
                        "routing.triage",
                        format!(
                            "intent `{intent}` is not built in, so `[routing.triage.{intent}]` must say how triage recognises it (description, keywords, examples)"
                        ),
                    ));
                };
                if hints.description.trim().is_empty()
                    || (hints.keywords.is_empty() && hints.examples.is_empty())
                {
                    return Err((
                        "routing.triage",
                        format!(
                            "`[routing.triage.{intent}]` needs a description and at least one keyword or example"
                        ),
                    ));
                }
            }
        }
        if let Some(stray) = routing.triage.keys().find(|k| !routing.intents.contains(k)) {
            return Err((
                "routing.triage",
                format!(
                    "`[routing.triage.{stray}]` names an intent missing from `routing.intents`"
                ),
            ));
        }
        Ok(())
    }

    /// The component path resolved against the manifest's folder.
    pub fn component_path(&self, manifest_dir: &Path) -> PathBuf {
        manifest_dir.join(&self.component)
    }
}

fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
        id = "quiz-grader"
        version = "0.1.0"
        contract = "0.1.0"
        world = "grader-plugin"
        component = "quiz_grader.wasm"
        [limits]
        timeout_ms = 500
        [routing]
        kinds = ["numeric"]
    "#;

    fn parse(text: &str) -> Result<Manifest, ManifestError> {
        Manifest::parse(text, Path::new("plugin.toml"), LimitCeilings::default())
    }

    #[test]
    fn defaults_fill_unset_limits() {
        let m = parse(GOOD).unwrap();
        assert_eq!(m.limits.timeout_ms, 500);
        assert_eq!(m.limits.memory_mb, 64);
        assert_eq!(m.limits.max_output_bytes, 1024 * 1024);
        assert!(!m.grants.llm);
    }

    #[test]
    fn unknown_field_is_named() {
        let err = parse(&GOOD.replace("[limits]", "colour = 1\n[limits]")).unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }

    #[test]
    fn memory_over_ceiling_names_the_field() {
        let err = parse(&GOOD.replace("timeout_ms = 500", "memory_mb = 99999")).unwrap_err();
        assert!(err.to_string().contains("limits.memory_mb"), "{err}");
    }

    #[test]
    fn keyvalue_quotas_default_and_stay_under_the_ceiling() {
        let m = parse(GOOD).unwrap();
        assert_eq!(
            (m.limits.keyvalue_max_keys, m.limits.keyvalue_max_bytes),
            (10_000, 16 << 20)
        );
        for (line, field) in [
            ("keyvalue_max_keys = 0", "limits.keyvalue_max_keys"),
            ("keyvalue_max_keys = 1000001", "limits.keyvalue_max_keys"),
            (
                "keyvalue_max_bytes = 1073741825",
                "limits.keyvalue_max_bytes",
            ),
        ] {
            let err = parse(&GOOD.replace("timeout_ms = 500", line)).unwrap_err();
            assert!(err.to_string().contains(field), "{line}: {err}");
        }
    }

    #[test]
    fn embeddings_grant_needs_contract_0_2_0() {
        let granted = GOOD.replace("[routing]", "[grants]\nembeddings = true\n[routing]");
        let err = parse(&granted).unwrap_err();
        assert!(err.to_string().contains("grants.embeddings"), "{err}");
        let m = parse(&granted.replace("contract = \"0.1.0\"", "contract = \"0.2.0\"")).unwrap();
        assert!(m.grants.embeddings);
    }

    #[test]
    fn unknown_world_is_refused() {
        let err = parse(&GOOD.replace("grader-plugin", "toaster-plugin")).unwrap_err();
        assert!(err.to_string().contains("toaster-plugin"), "{err}");
    }

    #[test]
    fn grader_without_kinds_is_refused() {
        let err = parse(&GOOD.replace("kinds = [\"numeric\"]", "")).unwrap_err();
        assert!(err.to_string().contains("routing.kinds"), "{err}");
    }

    #[test]
    fn bad_id_and_version_are_named() {
        let err = parse(&GOOD.replace("quiz-grader", "Quiz Grader")).unwrap_err();
        assert!(err.to_string().contains("`id`"), "{err}");
        let err = parse(&GOOD.replace("version = \"0.1.0\"", "version = \"one\"")).unwrap_err();
        assert!(err.to_string().contains("`version`"), "{err}");
    }

    #[test]
    fn outbound_grants_name_a_port_or_mean_the_web_ports() {
        let g = OutboundGrant::parse("API.example.com:8443").unwrap();
        assert_eq!((g.host.as_str(), g.port), ("api.example.com", Some(8443)));
        assert!(g.allows("api.example.com", 8443));
        assert!(!g.allows("api.example.com", 443));

        let bare = OutboundGrant::parse("127.0.0.1").unwrap();
        assert!(bare.allows("127.0.0.1", 80) && bare.allows("127.0.0.1", 443));
        for port in [6379, 5432, 8080, 11434] {
            assert!(!bare.allows("127.0.0.1", port), "port {port}");
        }
        assert!(!bare.allows("localhost", 80));

        let v6 = OutboundGrant::parse("[::1]:11434").unwrap();
        assert_eq!((v6.host.as_str(), v6.port), ("::1", Some(11434)));
        assert_eq!(OutboundGrant::parse("::1").unwrap().port, None);
        assert_eq!(OutboundGrant::parse("[::1]").unwrap().port, None);

        for bad in [
            "",
            "host:",
            "host:0",
            "host:65536",
            "host:http",
            "[::1",
            "[::1]x",
            ":80",
            "a b",
            "*.example.com",
            "user@host",
        ] {
            assert!(OutboundGrant::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn outbound_host_with_bad_port_names_the_field() {
        let err = parse(&GOOD.replace(
            "[routing]",
            "[grants]\noutbound_hosts = [\"127.0.0.1:redis\"]\n[routing]",
        ))
        .unwrap_err();
        assert!(err.to_string().contains("grants.outbound_hosts"), "{err}");
        assert!(err.to_string().contains("1..=65535"), "{err}");
    }

    #[test]
    fn outbound_host_with_scheme_is_refused() {
        let err = parse(&GOOD.replace(
            "[routing]",
            "[grants]\noutbound_hosts = [\"https://api.example.com\"]\n[routing]",
        ))
        .unwrap_err();
        assert!(err.to_string().contains("grants.outbound_hosts"), "{err}");
    }
}
