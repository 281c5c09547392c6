//! The `tessera:platform` contract: which versions this host serves and which worlds
//! exist. Which imports a world may use, under which grant, is each capability's to say
//! (`runtime::capabilities`).
//!
//! A released contract version is frozen (its WIT and its host bindings never change);
//! a new version is added beside it and the host dispatches on the version a plugin
//! declares, the way Zed's extension host keeps one binding module per released WIT.

// The contract's values as the host's own types, one module per WIT interface. Host code
// uses these; the generated bindings stay inside `runtime::bindings`, which converts at the
// boundary (one adapter per contract version).
pub mod agent;
pub mod assigner;
pub mod code_runner;
pub mod grader;
pub mod lesson_engine;
pub mod llm;
pub mod reflection;
pub mod safety;
pub mod triage;
pub mod types;

use std::fmt;

use serde::{Deserialize, Serialize};

/// The WIT package name every first-class plugin builds against.
pub const PACKAGE: &str = "tessera:platform";

/// Contract versions this host can load, newest first (the strings of [`Version::ALL`]).
pub const SUPPORTED_CONTRACTS: &[&str] = &["0.2.0", "0.1.0"];

/// A contract version this host serves. Each has its frozen WIT in `wit/<version>/` and its
/// bindings and adapter in `runtime::bindings`.
///
/// Ordered oldest first (declaration order), so `contract >= Version::V0_2_0` reads as
/// "0.2.0 or later".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// `tessera:platform@0.1.0` (released).
    V0_1_0,
    /// `tessera:platform@0.2.0`: adds the `embeddings` import and serves the agent and
    /// triage worlds. Unreleased: served, but it may still change until it is recorded in
    /// `wit/DIGESTS`.
    V0_2_0,
}

impl Version {
    /// Every version served, newest first.
    pub const ALL: [Version; 2] = [Version::V0_2_0, Version::V0_1_0];

    /// The version a manifest's `contract = "…"` names, if this host serves it.
    pub fn parse(text: &str) -> Option<Version> {
        Version::ALL.into_iter().find(|v| v.as_str() == text)
    }

    /// The version as written in WIT and manifests, e.g. `0.1.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V0_1_0 => "0.1.0",
            Version::V0_2_0 => "0.2.0",
        }
    }

    /// Whether the version is released, so frozen: its WIT folder's digest is in
    /// `wit/DIGESTS` and never changes. The newest version may be in development.
    pub fn released(self) -> bool {
        match self {
            Version::V0_1_0 => true,
            Version::V0_2_0 => false,
        }
    }

    /// Whether a plugin of `world` built against this version can be served. Worlds marked
    /// `@unstable` in the version's WIT are declared but not yet served: no host code calls
    /// them, so nothing could check that a plugin implements them correctly.
    pub fn serves(self, world: World) -> bool {
        match self {
            Version::V0_1_0 => !matches!(
                world,
                World::Agent
                    | World::Triage
                    | World::Assigner
                    | World::FragmentDetector
                    | World::Reframer
                    | World::LensCoach
                    | World::SpectrumAnalyst
            ),
            Version::V0_2_0 => true,
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
    /// Finds cognitive-distortion fragments (`tessera:platform/fragment-detector`; Kalei's
    /// Mirror).
    #[serde(rename = "fragment-detector-plugin")]
    FragmentDetector,
    /// Reframes a thought (`tessera:platform/reframer`; Kalei's Turn).
    #[serde(rename = "reframer-plugin")]
    Reframer,
    /// Suggests actions and affirmations (`tessera:platform/lens-coach`; Kalei's Lens).
    #[serde(rename = "lens-coach-plugin")]
    LensCoach,
    /// Writes insights from aggregates (`tessera:platform/spectrum-analyst`; Kalei's
    /// Spectrum).
    #[serde(rename = "spectrum-analyst-plugin")]
    SpectrumAnalyst,
}

impl World {
    /// Every world, for listings and messages.
    pub const ALL: [World; 12] = [
        World::Grader,
        World::CodeRunner,
        World::Agent,
        World::Triage,
        World::Safety,
        World::Llm,
        World::Assigner,
        World::LessonEngine,
        World::FragmentDetector,
        World::Reframer,
        World::LensCoach,
        World::SpectrumAnalyst,
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
            World::FragmentDetector => "fragment-detector-plugin",
            World::Reframer => "reframer-plugin",
            World::LensCoach => "lens-coach-plugin",
            World::SpectrumAnalyst => "spectrum-analyst-plugin",
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
            World::FragmentDetector => "fragment-detector",
            World::Reframer => "reframer",
            World::LensCoach => "lens-coach",
            World::SpectrumAnalyst => "spectrum-analyst",
        }
    }

    /// Finds the world exporting `interface` (unversioned name such as `grader`).
    pub fn by_export(interface: &str) -> Option<World> {
        World::ALL
            .into_iter()
            .find(|w| w.export_interface() == interface)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_contracts_list_every_version_newest_first() {
        let listed: Vec<&str> = Version::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(listed, SUPPORTED_CONTRACTS);
        assert_eq!(Version::parse("0.1.0"), Some(Version::V0_1_0));
        assert_eq!(Version::parse("0.2.0"), Some(Version::V0_2_0));
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
            if !version.released() {
                assert!(
                    !recorded.contains_key(v),
                    "wit/DIGESTS records {v}: mark it released in `Version::released` too"
                );
                continue;
            }
            let expected = recorded
                .get(v)
                .unwrap_or_else(|| panic!("wit/DIGESTS has no digest for released version {v}"));
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
        for world in [
            World::Agent,
            World::Triage,
            World::Assigner,
            World::FragmentDetector,
            World::Reframer,
            World::LensCoach,
            World::SpectrumAnalyst,
        ] {
            assert!(!Version::V0_1_0.serves(world), "{world}");
        }
        // Agents, triage, the assigner and the reflection worlds arrived in 0.2.0.
        for world in World::ALL {
            assert!(Version::V0_2_0.serves(world), "{world}");
        }
    }
}
