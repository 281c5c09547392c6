//! Host services plugins import (Spin calls these "factors"): each is linked only for
//! plugins whose manifest grants it. One module per service.

pub mod code_runner;
pub mod config;
pub mod keyvalue;
pub mod llm;
pub mod logging;
pub mod outbound_http;

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, Weak};

use crate::plugins::manifest::{Limits, Manifest, OutboundGrant};
use crate::runtime::error::PluginRef;

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

/// The runtime's slots, one per service served from above it.
#[derive(Clone, Default)]
pub struct Backends {
    /// The sandbox.
    pub code_runner: code_runner::CodeRunnerSlot,
    /// The AI gateway (with the safety gate in front).
    pub llm: llm::LlmSlot,
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
            .field("shared_kv", &self.shared_kv.get().map(|kv| kv.kind()))
            .finish()
    }
}

/// Per-plugin state shared by all of the plugin's calls.
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
    /// For AI-gateway plugins only: where their breaker transitions are counted
    /// (`logging::BREAKER_TRANSITION_CONTEXT`).
    pub breaker_metrics: Option<Arc<crate::metrics::Metrics>>,
}

impl PluginServices {
    /// The services granted by `manifest`; `backends` are the runtime's slots.
    pub fn from_manifest(manifest: &Manifest, backends: &Backends) -> Self {
        Self {
            plugin: PluginRef {
                id: manifest.id.clone(),
                version: manifest.version.clone(),
            },
            limits: manifest.limits.clone(),
            config: manifest.grants.config.clone(),
            // Entries were checked when the manifest was parsed.
            outbound_hosts: manifest
                .grants
                .outbound_hosts
                .iter()
                .filter_map(|entry| OutboundGrant::parse(entry).ok())
                .collect(),
            keyvalue: keyvalue::PluginKv::new(
                &manifest.id,
                backends.shared_kv.get().cloned(),
                backends.kv_memory.clone(),
            ),
            code_runner: if manifest.grants.code_runner {
                backends.code_runner.clone()
            } else {
                Default::default()
            },
            llm: if manifest.grants.llm {
                backends.llm.clone()
            } else {
                Default::default()
            },
            breaker_metrics: (manifest.world == crate::plugins::contract::World::Llm)
                .then(|| backends.metrics.clone()),
        }
    }
}
