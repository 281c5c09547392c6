//! The plugin runtime: one engine, a compile cache, per-plugin linking of granted imports,
//! and calls that run in a fresh instance under the plugin's limits.
//!
//! - `engine`: the engine and its epoch ticker;
//! - `cache`: compiled artifacts on disk;
//! - `loader`: checks a component against its manifest and links it (`InstancePre`);
//! - `bindings`: the generated WIT bindings, one module per contract version, and the
//!   adapter between each and the host's own types (`crate::plugins::contract`);
//! - `worlds`: one file per world: its pre-instance per version, typed calls, smoke call;
//! - `call`: execution under limits: one call in a fresh store, with deadline, memory cap,
//!   output cap, and the mapping of every failure to a typed [`PluginError`];
//! - `output`: stdout/stderr captured up to the output cap;
//! - `dynamic`: calling any exported function with JSON input (for `tessera plugin call`);
//! - `extism`: the second ABI, Extism plugins (core modules, JSON in and out) for the
//!   JSON-shaped worlds, under the same limits and grants;
//! - `capabilities`: the host services plugins import, one module per capability, and the
//!   check of a component's imports against its grants.

pub mod bindings;
pub mod cache;
pub mod call;
pub mod capabilities;
pub mod dynamic;
pub mod engine;
pub mod error;
pub mod extism;
pub mod loader;
pub mod memory_limiter;
pub mod output;
pub mod state;
pub mod worlds;

use std::path::PathBuf;
use std::sync::Arc;

use wasmtime::Engine;

pub use error::{PluginError, PluginErrorKind, PluginRef};
pub use loader::{LoadError, LoadedPlugin};

use crate::metrics::Metrics;
use crate::plugins::manifest::LimitCeilings;
use cache::CompileCache;
use engine::{EngineSettings, EpochTicker};

/// Settings of the runtime.
#[derive(Debug, Clone)]
pub struct RuntimeSettings {
    /// Engine settings (instance slots, memory ceiling).
    pub engine: EngineSettings,
    /// Where compiled components are cached.
    pub cache_dir: PathBuf,
    /// What every plugin's in-process key-value buckets may hold together, in bytes.
    pub plugin_kv_memory_bytes: u64,
}

/// The runtime shared by every plugin.
pub struct Runtime {
    engine: Engine,
    cache: CompileCache,
    ceilings: LimitCeilings,
    slots: Arc<tokio::sync::Semaphore>,
    metrics: Arc<Metrics>,
    backends: capabilities::Backends,
    _ticker: EpochTicker,
}

impl Runtime {
    /// Builds the engine and starts its epoch ticker.
    pub fn new(settings: &RuntimeSettings, metrics: Arc<Metrics>) -> anyhow::Result<Arc<Self>> {
        let engine = engine::build_engine(settings.engine)
            .map_err(|e| anyhow::anyhow!("cannot build the wasm engine: {e:#}"))?;
        let ticker = EpochTicker::start(&engine)?;
        Ok(Arc::new(Self {
            cache: CompileCache::new(&settings.cache_dir, &engine),
            ceilings: LimitCeilings {
                max_memory_mb: settings.engine.max_memory_mb,
                ..LimitCeilings::default()
            },
            slots: Arc::new(tokio::sync::Semaphore::new(
                settings.engine.max_instances as usize,
            )),
            engine,
            backends: capabilities::Backends {
                metrics: metrics.clone(),
                kv_memory: Arc::new(capabilities::keyvalue::KvMemory::new(
                    settings.plugin_kv_memory_bytes,
                )),
                ..Default::default()
            },
            metrics,
            _ticker: ticker,
        }))
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The compile cache.
    pub fn cache(&self) -> &CompileCache {
        &self.cache
    }

    /// The ceilings manifests are checked against.
    pub fn ceilings(&self) -> LimitCeilings {
        self.ceilings
    }

    /// Registers what serves plugins' `llm` imports (the AI gateway behind the safety gate).
    pub fn set_llm(&self, backend: std::sync::Weak<dyn capabilities::llm::LlmBackend>) {
        self.backends.llm.set(backend);
    }

    /// Registers the embeddings model that serves plugins' `embeddings` imports.
    pub fn set_embeddings(&self, service: std::sync::Weak<crate::embeddings::Embeddings>) {
        self.backends.embeddings.set(service);
    }

    /// Keeps plugins' key-value buckets in `kv` (Redis, shared by replicas) instead of in
    /// process; plugins loaded before this call keep their in-process buckets.
    pub fn set_shared_kv(&self, kv: Arc<dyn crate::kv::Kv>) {
        let _ = self.backends.shared_kv.set(kv);
    }

    /// Registers what serves plugins' `code-runner` imports (the sandbox).
    pub fn set_code_runner(
        &self,
        backend: std::sync::Weak<dyn capabilities::code_runner::CodeRunnerBackend>,
    ) {
        self.backends.code_runner.set(backend);
    }

    /// Host metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }
}
