//! Where grants are checked: whether a component may import an interface, given its world,
//! its contract version and its manifest's grants. The loader refuses a component with any
//! import this denies, naming the import and what would allow it; `tessera plugin check`
//! prints the verdict of every import.

use super::{CAPABILITIES, Grant};
use crate::plugins::contract::{PACKAGE, Version, World, split_version};
use crate::plugins::manifest::Grants;

/// WASI interfaces every plugin gets: what a language's standard library needs to start
/// (environment, clocks, random, stdio, exit, a filesystem with nothing opened), and the
/// contract's `types`. (`wasi:logging` is always granted too, by the `logging` capability.)
///
/// `wasi:sockets` is linked but inert: language runtimes whose libc references sockets
/// (CPython built by componentize-py imports all seven interfaces) must be able to load,
/// but the WASI context grants no address and no name lookup, so every socket operation
/// fails with access-denied. Network access is outbound HTTP through the allow-list only.
pub const BASE_IMPORTS: &[&str] = &[
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
    "tessera:platform/types",
    // Type-only (the reflection worlds' shared records), from contract 0.2.0.
    "tessera:platform/reflection",
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
    /// A capability the manifest did not grant; names the grant to add.
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
    let platform = name
        .split_once('/')
        .is_some_and(|(package, _)| package == PACKAGE);
    if platform && version.is_some_and(|v| v != contract) {
        return ImportVerdict::WrongContract;
    }
    if BASE_IMPORTS.contains(&name) {
        return ImportVerdict::Allowed;
    }
    let Some(capability) = CAPABILITIES.iter().find(|c| c.imports.contains(&name)) else {
        return ImportVerdict::NotInWorld;
    };
    // An unknown contract is refused by the loader before imports are checked; here it
    // counts as the oldest, so nothing newer is allowed by mistake.
    let contract = Version::parse(contract).unwrap_or(Version::ALL[Version::ALL.len() - 1]);
    if !capability.in_world(world, contract) {
        return ImportVerdict::NotInWorld;
    }
    match capability.grant {
        Grant::Field { text, granted } if !granted(grants) => ImportVerdict::NotGranted(text),
        _ => ImportVerdict::Allowed,
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

    #[test]
    fn embeddings_need_their_grant_and_contract_0_2_0() {
        let mut g = Grants::default();
        let embed = "tessera:platform/embeddings@0.2.0";
        assert_eq!(
            check_import(World::Grader, "0.2.0", &g, embed),
            ImportVerdict::NotGranted("grants.embeddings = true")
        );
        g.embeddings = true;
        assert_eq!(
            check_import(World::Grader, "0.2.0", &g, embed),
            ImportVerdict::Allowed
        );
        assert_eq!(
            check_import(World::Safety, "0.2.0", &g, embed),
            ImportVerdict::Allowed
        );
        // 0.1.0 has no such interface, whatever a hand-made component claims.
        assert_eq!(
            check_import(
                World::Grader,
                "0.1.0",
                &g,
                "tessera:platform/embeddings@0.1.0"
            ),
            ImportVerdict::NotInWorld
        );
        assert_eq!(
            check_import(World::LessonEngine, "0.2.0", &g, embed),
            ImportVerdict::NotInWorld
        );
    }

    #[test]
    fn logging_needs_no_grant_in_any_world() {
        for world in World::ALL {
            assert_eq!(
                check_import(
                    world,
                    "0.1.0",
                    &Grants::default(),
                    "wasi:logging/logging@0.1.0-draft"
                ),
                ImportVerdict::Allowed,
                "{world}"
            );
        }
    }

    #[test]
    fn every_import_name_belongs_to_one_capability_or_the_base() {
        let mut seen: Vec<&str> = BASE_IMPORTS.to_vec();
        for capability in CAPABILITIES {
            for name in capability.imports {
                assert!(
                    !seen.contains(name),
                    "{name} is claimed twice (capability {})",
                    capability.name
                );
                seen.push(name);
            }
        }
    }
}
