//! The `tessera:platform` contract: which versions this host serves, which worlds exist,
//! and which imports each world may use under which grant.
//!
//! A released contract version is frozen (its WIT and its host bindings never change);
//! a new version is added beside it and the host dispatches on the version a plugin
//! declares, the way Zed's extension host keeps one binding module per released WIT.

// The contract's values as the host's own types, one module per WIT interface. Host code
// uses these; the generated bindings stay inside `runtime::bindings`, which converts at the
// boundary (one adapter per contract version).
pub mod code_runner;
pub mod grader;
pub mod lesson_engine;
pub mod llm;
pub mod safety;
pub mod types;

use std::fmt;

use serde::{Deserialize, Serialize};

use super::manifest::Grants;

/// The WIT package name every first-class plugin builds against.
pub const PACKAGE: &str = "tessera:platform";

/// Contract versions this host can load, newest first (the strings of [`Version::ALL`]).
pub const SUPPORTED_CONTRACTS: &[&str] = &["0.1.0"];

/// A contract version this host serves. Each has its frozen WIT in `wit/<version>/` and its
/// bindings and adapter in `runtime::bindings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// `tessera:platform@0.1.0`.
    V0_1_0,
}

impl Version {
    /// Every version served, newest first.
    pub const ALL: [Version; 1] = [Version::V0_1_0];

    /// The version a manifest's `contract = "…"` names, if this host serves it.
    pub fn parse(text: &str) -> Option<Version> {
        Version::ALL.into_iter().find(|v| v.as_str() == text)
    }

    /// The version as written in WIT and manifests, e.g. `0.1.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V0_1_0 => "0.1.0",
        }
    }

    /// Whether a plugin of `world` built against this version can be served. Worlds marked
    /// `@unstable` in the version's WIT are declared but not yet served: no host code calls
    /// them, so nothing could check that a plugin implements them correctly.
    pub fn serves(self, world: World) -> bool {
        match self {
            Version::V0_1_0 => !matches!(world, World::Agent | World::Triage | World::Assigner),
        }
    }
}

/// A capability world of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum World {
    /// Grades answers (`tessera:platform/grader`).
    #[serde(rename = "grader-plugin")]
    Grader,
    /// Runs learner code (`tessera:platform/code-runner`).
    #[serde(rename = "code-runner-plugin")]
    CodeRunner,
    /// Tutor agents (`tessera:platform/agent`).
    #[serde(rename = "agent-plugin")]
    Agent,
    /// Routes queries to agents (`tessera:platform/triage`).
    #[serde(rename = "triage-plugin")]
    Triage,
    /// Screens text (`tessera:platform/safety`).
    #[serde(rename = "safety-plugin")]
    Safety,
    /// Serves model completions (`tessera:platform/llm`).
    #[serde(rename = "llm-plugin")]
    Llm,
    /// Assigns experiment variants (`tessera:platform/assigner`).
    #[serde(rename = "assigner-plugin")]
    Assigner,
    /// Plans lessons (`tessera:platform/lesson-engine`).
    #[serde(rename = "lesson-engine-plugin")]
    LessonEngine,
}

/// A host service a plugin can be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// `tessera:platform/code-runner`
    CodeRunner,
    /// `tessera:platform/llm`
    Llm,
    /// `wasi:keyvalue/store`
    KeyValue,
    /// `wasi:config/store`
    Config,
    /// `wasi:http/outgoing-handler` (+ `wasi:http/types`)
    OutboundHttp,
}

impl World {
    /// Every world, for listings and messages.
    pub const ALL: [World; 8] = [
        World::Grader,
        World::CodeRunner,
        World::Agent,
        World::Triage,
        World::Safety,
        World::Llm,
        World::Assigner,
        World::LessonEngine,
    ];

    /// The world's name in WIT, e.g. `grader-plugin`.
    pub fn wit_name(self) -> &'static str {
        match self {
            World::Grader => "grader-plugin",
            World::CodeRunner => "code-runner-plugin",
            World::Agent => "agent-plugin",
            World::Triage => "triage-plugin",
            World::Safety => "safety-plugin",
            World::Llm => "llm-plugin",
            World::Assigner => "assigner-plugin",
            World::LessonEngine => "lesson-engine-plugin",
        }
    }

    /// The interface the world exports, e.g. `grader`.
    pub fn export_interface(self) -> &'static str {
        match self {
            World::Grader => "grader",
            World::CodeRunner => "code-runner",
            World::Agent => "agent",
            World::Triage => "triage",
            World::Safety => "safety",
            World::Llm => "llm",
            World::Assigner => "assigner",
            World::LessonEngine => "lesson-engine",
        }
    }

    /// The host services the world may import (each still needs its grant).
    pub fn services(self) -> &'static [Service] {
        use Service::*;
        match self {
            World::Grader | World::Agent | World::Triage => {
                &[CodeRunner, Llm, KeyValue, Config, OutboundHttp]
            }
            World::CodeRunner | World::Assigner | World::LessonEngine => &[Config],
            World::Safety => &[Llm, Config],
            World::Llm => &[KeyValue, Config, OutboundHttp],
        }
    }

    /// Finds the world exporting `interface` (unversioned name such as `grader`).
    pub fn by_export(interface: &str) -> Option<World> {
        World::ALL
            .into_iter()
            .find(|w| w.export_interface() == interface)
    }
}

impl fmt::Display for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.wit_name())
    }
}

/// The fully qualified export name, e.g. `tessera:platform/grader@0.1.0`.
pub fn export_name(world: World, contract: &str) -> String {
    format!("{PACKAGE}/{}@{contract}", world.export_interface())
}

/// Whether this host can serve a plugin built against `contract`.
pub fn is_supported(contract: &str) -> bool {
    Version::parse(contract).is_some()
}

/// Splits `ns:pkg/iface@ver` into (`ns:pkg/iface`, `ver`).
pub fn split_version(name: &str) -> (&str, Option<&str>) {
    match name.split_once('@') {
        Some((n, v)) => (n, Some(v)),
        None => (name, None),
    }
}

/// WASI interfaces every plugin gets: what a language's standard library needs to start
/// (environment, clocks, random, stdio, exit, a filesystem with nothing opened).
///
/// `wasi:sockets` is linked but inert: language runtimes whose libc references sockets
/// (CPython built by componentize-py imports all seven interfaces) must be able to load,
/// but the WASI context grants no address and no name lookup, so every socket operation
/// fails with access-denied. Network access is outbound HTTP through the allow-list only.
const BASE_IMPORTS: &[&str] = &[
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:clocks/monotonic-clock",
    "wasi:clocks/wall-clock",
    "wasi:random/random",
    "wasi:random/insecure",
    "wasi:random/insecure-seed",
    "wasi:filesystem/types",
    "wasi:filesystem/preopens",
    "wasi:logging/logging",
    "tessera:platform/types",
    "wasi:sockets/network",
    "wasi:sockets/instance-network",
    "wasi:sockets/tcp",
    "wasi:sockets/tcp-create-socket",
    "wasi:sockets/udp",
    "wasi:sockets/udp-create-socket",
    "wasi:sockets/ip-name-lookup",
];

/// Why an import is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportVerdict {
    /// The import is linked.
    Allowed,
    /// A grantable service the manifest did not grant; names the grant to add.
    NotGranted(&'static str),
    /// Not available to this world at all.
    NotInWorld,
    /// A `tessera:platform` import of another contract version.
    WrongContract,
}

/// Decides whether a plugin of `world` built against `contract` with `grants` may import
/// `import` (a fully qualified, possibly versioned, interface name).
pub fn check_import(world: World, contract: &str, grants: &Grants, import: &str) -> ImportVerdict {
    let (name, version) = split_version(import);
    if name.starts_with("tessera:platform/") && version.is_some_and(|v| v != contract) {
        return ImportVerdict::WrongContract;
    }
    if BASE_IMPORTS.contains(&name) {
        return ImportVerdict::Allowed;
    }
    let (service, granted, grant_name) = match name {
        "tessera:platform/code-runner" => (
            Service::CodeRunner,
            grants.code_runner,
            "grants.code_runner = true",
        ),
        "tessera:platform/llm" => (Service::Llm, grants.llm, "grants.llm = true"),
        "wasi:keyvalue/store" => (Service::KeyValue, grants.keyvalue, "grants.keyvalue = true"),
        "wasi:config/store" => (
            Service::Config,
            !grants.config.is_empty(),
            "a value in [grants.config]",
        ),
        "wasi:http/outgoing-handler" | "wasi:http/types" => (
            Service::OutboundHttp,
            !grants.outbound_hosts.is_empty(),
            "a host in grants.outbound_hosts",
        ),
        _ => return ImportVerdict::NotInWorld,
    };
    if !world.services().contains(&service) {
        ImportVerdict::NotInWorld
    } else if granted {
        ImportVerdict::Allowed
    } else {
        ImportVerdict::NotGranted(grant_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_contracts_list_every_version_newest_first() {
        let listed: Vec<&str> = Version::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(listed, SUPPORTED_CONTRACTS);
        assert_eq!(Version::parse("0.1.0"), Some(Version::V0_1_0));
        assert_eq!(Version::parse("9.0.0"), None);
    }

    /// `sha256sum`'s output over every file of `dir`, sorted by path, hashed again: what
    /// the recipe in `wit/DIGESTS` computes with the shell.
    fn folder_digest(dir: &std::path::Path) -> String {
        use sha2::{Digest, Sha256};
        fn walk(dir: &std::path::Path, prefix: &str, out: &mut Vec<(String, std::path::PathBuf)>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let entry = entry.unwrap();
                let name = format!("{prefix}/{}", entry.file_name().to_string_lossy());
                if entry.file_type().unwrap().is_dir() {
                    walk(&entry.path(), &name, out);
                } else {
                    out.push((name, entry.path()));
                }
            }
        }
        let mut files = Vec::new();
        walk(dir, ".", &mut files);
        files.sort();
        let mut listing = String::new();
        for (name, path) in files {
            let bytes = std::fs::read(path).unwrap();
            listing.push_str(&format!(
                "{}  {name}\n",
                hex::encode(Sha256::digest(&bytes))
            ));
        }
        hex::encode(Sha256::digest(listing.as_bytes()))
    }

    #[test]
    fn released_contract_versions_are_frozen() {
        let wit = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
        let recorded = std::fs::read_to_string(wit.join("DIGESTS")).unwrap();
        let recorded: std::collections::BTreeMap<&str, &str> = recorded
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split_once(' '))
            .collect();
        for version in Version::ALL {
            let v = version.as_str();
            let expected = recorded
                .get(v)
                .unwrap_or_else(|| panic!("wit/DIGESTS has no digest for served version {v}"));
            assert_eq!(
                folder_digest(&wit.join(v)),
                *expected,
                "wit/{v} changed, but a released contract version never changes: put the \
                 change in the next version (docs/runtime.md, \"Contract versions\")"
            );
        }
    }

    #[test]
    fn unstable_worlds_are_not_served() {
        assert!(Version::V0_1_0.serves(World::Grader));
        for world in [World::Agent, World::Triage, World::Assigner] {
            assert!(!Version::V0_1_0.serves(world), "{world}");
        }
    }

    #[test]
    fn base_wasi_is_always_allowed() {
        let g = Grants::default();
        for name in ["wasi:cli/environment@0.2.0", "wasi:io/streams@0.2.6"] {
            assert_eq!(
                check_import(World::Grader, "0.1.0", &g, name),
                ImportVerdict::Allowed
            );
        }
    }

    #[test]
    fn services_need_their_grant() {
        let mut g = Grants::default();
        let llm = "tessera:platform/llm@0.1.0";
        assert_eq!(
            check_import(World::Grader, "0.1.0", &g, llm),
            ImportVerdict::NotGranted("grants.llm = true")
        );
        g.llm = true;
        assert_eq!(
            check_import(World::Grader, "0.1.0", &g, llm),
            ImportVerdict::Allowed
        );
        // A world that has no llm import never gets it, granted or not.
        assert_eq!(
            check_import(World::Assigner, "0.1.0", &g, llm),
            ImportVerdict::NotInWorld
        );
    }

    #[test]
    fn unknown_interfaces_are_refused_and_sockets_link_inert() {
        let g = Grants {
            outbound_hosts: vec!["example.com".into()],
            ..Grants::default()
        };
        assert_eq!(
            check_import(World::Grader, "0.1.0", &g, "acme:evil/backdoor"),
            ImportVerdict::NotInWorld
        );
        // Linked so CPython loads; the WASI context refuses every address.
        assert_eq!(
            check_import(
                World::CodeRunner,
                "0.1.0",
                &Grants::default(),
                "wasi:sockets/tcp@0.2.9"
            ),
            ImportVerdict::Allowed
        );
        assert_eq!(
            check_import(
                World::Grader,
                "0.1.0",
                &g,
                "wasi:http/outgoing-handler@0.2.0"
            ),
            ImportVerdict::Allowed
        );
    }

    #[test]
    fn platform_imports_must_match_the_contract() {
        let g = Grants {
            llm: true,
            ..Grants::default()
        };
        assert_eq!(
            check_import(World::Grader, "0.1.0", &g, "tessera:platform/llm@0.2.0"),
            ImportVerdict::WrongContract
        );
    }
}
