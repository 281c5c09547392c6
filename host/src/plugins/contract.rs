//! The `tessera:platform` contract: which versions this host serves and which worlds
//! exist. Which imports a world may use, under which grant, is each capability's to say
//! (`runtime::capabilities`).
//!
//! A released contract version is frozen (its WIT and its host bindings never change);
//! a new version is added beside it and the host dispatches on the version a plugin
//! declares, the way Zed's extension host keeps one binding module per released WIT.

use std::fmt;

use serde::{Deserialize, Serialize};

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
