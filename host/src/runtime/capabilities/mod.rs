//! The capabilities a plugin can import (Spin calls these "factors"), one module each:
//! `llm`, `embeddings`, `code_runner`, `keyvalue`, `config`, `outbound_http` and `logging`. A module owns
//! everything about its capability: the manifest grant that turns it on, the interfaces it
//! serves, the worlds allowed it, its linker glue and its per-plugin state. [`CAPABILITIES`]
//! lists them; [`grants`] checks a component's imports against that table and the loader
//! links a plugin by walking it, so a new capability is a new module and a row.

pub mod code_runner;
pub mod config;
pub mod embeddings;
pub mod grants;
pub mod keyvalue;
pub mod llm;
pub mod logging;
pub mod outbound_http;

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, Weak};

use wasmtime::component::{HasSelf, Linker};

use crate::plugins::contract::{Version, World};
use crate::plugins::manifest::{Grants, Limits, Manifest, OutboundGrant};
use crate::runtime::bindings::{v0_1_0, v0_2_0};
use crate::runtime::error::PluginRef;
use crate::runtime::state::PluginState;

/// Every capability, in the order the linker adds them.
pub static CAPABILITIES: [&Capability; 7] = [
    &logging::CAPABILITY,
    &llm::CAPABILITY,
    &embeddings::CAPABILITY,
    &code_runner::CAPABILITY,
    &keyvalue::CAPABILITY,
    &config::CAPABILITY,
    &outbound_http::CAPABILITY,
];

/// One capability: who may import it, and how it is linked.
pub struct Capability {
    /// Its name, e.g. `code-runner`.
    pub name: &'static str,
    /// The interfaces it serves, unversioned, e.g. `tessera:platform/llm`.
    pub imports: &'static [&'static str],
    /// The worlds that may import it (a plugin of one still needs the grant).
    pub worlds: &'static [World],
    /// The first contract version that has it.
    pub since: Version,
    /// How a manifest grants it.
    pub grant: Grant,
    /// Adds its host functions to a plugin's linker, from the bindings of the plugin's
    /// contract version, for the plugin's world. A match over [`Version`]: adding a
    /// version does not compile until every capability links it.
    pub link: fn(&mut Linker<PluginState>, Version, World) -> wasmtime::Result<()>,
}

/// How a manifest grants a capability.
pub enum Grant {
    /// No grant needed: every plugin of an allowed world has it.
    Always,
    /// A manifest field grants it.
    Field {
        /// What to add to `plugin.toml`, as a refusal tells the author, e.g.
        /// `grants.llm = true`.
        text: &'static str,
        /// Whether the grants hold it.
        granted: fn(&Grants) -> bool,
    },
}

impl Capability {
    /// Whether a plugin of `world` built against `contract` may import it at all, grant
    /// aside.
    pub fn in_world(&self, world: World, contract: Version) -> bool {
        self.worlds.contains(&world) && contract >= self.since
    }

    /// Whether `grants` grant it.
    pub fn granted(&self, grants: &Grants) -> bool {
        match self.grant {
            Grant::Always => true,
            Grant::Field { granted, .. } => granted(grants),
        }
    }
}

/// Links what every plugin gets whatever its world and grants: the base WASI interfaces
/// (`grants::BASE_IMPORTS`; sockets included but unusable, the WASI context grants no
/// network) and the contract's type-only interfaces (`types`, and from 0.2.0 `reflection`).
pub fn link_base(linker: &mut Linker<PluginState>, contract: Version) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    match contract {
        Version::V0_1_0 => v0_1_0::types::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s),
        Version::V0_2_0 => {
            v0_2_0::types::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
            v0_2_0::fragment_detector_world::reflection::add_to_linker::<_, HasSelf<PluginState>>(
                linker,
                |s| s,
            )
        }
    }
}

// The type-only interfaces: linking one needs an (empty) host impl.
impl v0_1_0::types::Host for PluginState {}
impl v0_2_0::types::Host for PluginState {}
impl v0_2_0::fragment_detector_world::reflection::Host for PluginState {}

/// Links the capabilities a plugin of `world` built against `contract` is granted by
/// `grants`, and nothing else.
pub fn link_granted(
    linker: &mut Linker<PluginState>,
    contract: Version,
    world: World,
    grants: &Grants,
) -> wasmtime::Result<()> {
    for capability in CAPABILITIES {
        if capability.in_world(world, contract) && capability.granted(grants) {
            (capability.link)(linker, contract, world)?;
        }
    }
    Ok(())
}

/// Where a host service that lives above the runtime (the sandbox, the AI gateway)
/// registers itself once the server starts; shared by the runtime and every plugin granted
/// the service. Weak, because those services own the registry that owns the plugins.
pub struct BackendSlot<T: ?Sized>(Arc<OnceLock<Weak<T>>>);

impl<T: ?Sized> Clone for BackendSlot<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: ?Sized> Default for BackendSlot<T> {
    fn default() -> Self {
        Self(Arc::new(OnceLock::new()))
    }
}

impl<T: ?Sized> BackendSlot<T> {
    /// Registers the backend; a second registration is ignored.
    pub fn set(&self, backend: Weak<T>) {
        let _ = self.0.set(backend);
    }

    /// The backend, while it is alive.
    pub fn get(&self) -> Option<Arc<T>> {
        self.0.get().and_then(Weak::upgrade)
    }

    /// What a plugin gets: this slot when it is `granted` the capability, else an empty
    /// slot that never holds a backend.
    pub fn for_plugin(&self, granted: bool) -> Self {
        if granted {
            self.clone()
        } else {
            Self::default()
        }
    }
}

impl<T: ?Sized> std::fmt::Debug for BackendSlot<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.get().is_some() {
            "BackendSlot(set)"
        } else {
            "BackendSlot(empty)"
        })
    }
}

/// The runtime's slots, one per capability served from above it.
#[derive(Clone, Default)]
pub struct Backends {
    /// The sandbox.
    pub code_runner: code_runner::CodeRunnerSlot,
    /// The AI gateway (with the safety gate in front).
    pub llm: llm::LlmSlot,
    /// The host's embeddings model.
    pub embeddings: embeddings::EmbeddingsSlot,
    /// The host's shared store (Redis), when one is configured: plugins' key-value
    /// buckets live there so every replica sees them.
    pub shared_kv: Arc<OnceLock<Arc<dyn crate::kv::Kv>>>,
    /// What in-process buckets may hold together (without a shared store).
    pub kv_memory: Arc<keyvalue::KvMemory>,
    /// The host's metrics, which AI-gateway plugins report breaker transitions into.
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl std::fmt::Debug for Backends {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backends")
            .field("code_runner", &self.code_runner)
            .field("llm", &self.llm)
            .field("embeddings", &self.embeddings)
            .field("shared_kv", &self.shared_kv.get().map(|kv| kv.kind()))
            .finish()
    }
}

/// Per-plugin state shared by all of the plugin's calls: who it is, its limits, and each
/// capability's state (built by the capability's module).
#[derive(Debug)]
pub struct PluginServices {
    /// Who the plugin is, for logs and errors.
    pub plugin: PluginRef,
    /// The manifest's limits.
    pub limits: Limits,
    /// Values served through `wasi:config/store`.
    pub config: BTreeMap<String, String>,
    /// Hosts and ports reachable through outbound HTTP.
    pub outbound_hosts: Arc<[OutboundGrant]>,
    /// The plugin's private key-value data.
    pub keyvalue: keyvalue::PluginKv,
    /// Serves `code-runner` runs (the sandbox), when granted.
    pub code_runner: code_runner::CodeRunnerSlot,
    /// Serves `llm` completions (the AI gateway), when granted.
    pub llm: llm::LlmSlot,
    /// Serves `embeddings` (the host's model), when granted.
    pub embeddings: embeddings::EmbeddingsSlot,
    /// For AI-gateway plugins only: where their breaker transitions are counted
    /// (`logging::BREAKER_TRANSITION_CONTEXT`).
    pub breaker_metrics: Option<Arc<crate::metrics::Metrics>>,
}

impl PluginServices {
    /// The state of the plugin `manifest` describes; `backends` are the runtime's slots.
    pub fn from_manifest(manifest: &Manifest, backends: &Backends) -> Self {
        Self {
            plugin: PluginRef {
                id: manifest.id.clone(),
                version: manifest.version.clone(),
            },
            limits: manifest.limits.clone(),
            config: config::plugin_state(manifest),
            outbound_hosts: outbound_http::plugin_state(manifest),
            keyvalue: keyvalue::plugin_state(manifest, backends),
            code_runner: code_runner::plugin_state(manifest, backends),
            llm: llm::plugin_state(manifest, backends),
            embeddings: embeddings::plugin_state(manifest, backends),
            breaker_metrics: logging::plugin_state(manifest, backends),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A supported contract version missing a capability's bindings, or two capabilities
    /// defining the same function, would refuse every plugin of the world at load.
    #[test]
    fn every_supported_contract_links_every_capability_of_every_world() {
        let engine = wasmtime::Engine::default();
        let everything = Grants {
            llm: true,
            embeddings: true,
            code_runner: true,
            keyvalue: true,
            config: [("key".to_owned(), "value".to_owned())].into(),
            outbound_hosts: vec!["example.com".into()],
        };
        for contract in Version::ALL {
            for world in World::ALL {
                let mut linker = Linker::new(&engine);
                link_base(&mut linker, contract)
                    .and_then(|()| link_granted(&mut linker, contract, world, &everything))
                    .unwrap_or_else(|e| panic!("{world} at {contract}: {e:#}"));
            }
        }
    }
}
