//! The `tessera:platform` contract: which versions this host serves, which worlds exist,
//! and which imports each world may use under which grant.
//!
//! A released contract version is frozen (its WIT and its host bindings never change);
//! a new version is added beside it and the host dispatches on the version a plugin
//! declares, the way Zed's extension host keeps one binding module per released WIT.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::manifest::Grants;

/// The WIT package name every first-class plugin builds against.
pub const PACKAGE: &str = "tessera:platform";

/// Contract versions this host can load, newest first.
pub const SUPPORTED_CONTRACTS: &[&str] = &["0.1.0"];

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
    SUPPORTED_CONTRACTS.contains(&contract)
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
