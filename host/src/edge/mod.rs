//! `tessera edge serve`: serves a Spin application (`spin.toml`, manifest version 2) the
//! way `spin up` would, for machines without the Spin CLI and for the end-to-end tests
//! (docs/edge.md).
//!
//! - [`manifest`]: reading `spin.toml`;
//! - [`variables`]: application variables, their providers and `{{ name }}` templates;
//! - [`router`]: Spin's route matching;
//! - [`outbound`]: `allowed_outbound_hosts` and the outgoing-request check;
//! - [`keyvalue`]: `wasi:keyvalue` stores, in process;
//! - [`config`]: `wasi:config`, a component's variables;
//! - [`server`]: the HTTP server: route, instantiate, call the incoming handler, stream
//!   the answer back.
//!
//! Everything expensive happens once in [`EdgeApp::load`]: each component is compiled
//! (or read from the compile cache), linked and pre-instantiated; a request then costs one
//! instantiation from the pooling allocator and the call.

pub mod config;
mod guest_log;
pub mod keyvalue;
pub mod manifest;
pub mod outbound;
pub mod router;
pub mod server;
pub mod variables;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::runtime::cache::CompileCache;
use crate::runtime::engine::EpochTicker;
use config::EdgeConfig;
use guest_log::{GuestLog, Stream};
use keyvalue::{ComponentKv, EdgeKv, KvStores, UnknownStore};
use manifest::{Component, Manifest, ManifestError};
use outbound::{AllowedHost, OutboundError, OutboundHooks};
use router::{RouteError, Router};
use variables::{AppVariables, Providers, VariableError};

/// Host bindings for the imports the edge serves itself (`wit/world.wit`).
pub(crate) mod bindings {
    wasmtime::component::bindgen!({
        path: "src/edge/wit",
        world: "tessera:edge/edge-host",
        imports: { default: async },
        require_store_data_send: true,
        with: {
            "wasi:keyvalue/store.bucket": super::keyvalue::Bucket,
            "wasi:keyvalue/atomics.cas": super::keyvalue::Cas,
        },
    });
}

/// The largest linear memory an edge component may grow to, in MiB.
pub const MAX_MEMORY_MB: usize = 256;

/// Why the application cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum EdgeError {
    /// The manifest.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A variable without a value, or a bad template or flag.
    #[error(transparent)]
    Variables(#[from] VariableError),
    /// A route Spin would refuse.
    #[error(transparent)]
    Route(#[from] RouteError),
    /// A key-value store label that is not defined.
    #[error(transparent)]
    Store(#[from] UnknownStore),
    /// An `allowed_outbound_hosts` entry.
    #[error("component {component:?}: {source}")]
    Outbound {
        /// The component.
        component: String,
        /// The entry's problem.
        source: OutboundError,
    },
    /// A component's Wasm file is not there (not built yet).
    #[error(
        "component {component:?}: {} does not exist; build it with {build} or `spin build`",
        path.display()
    )]
    MissingSource {
        /// The component.
        component: String,
        /// Where `source` points.
        path: PathBuf,
        /// How to build it (its `build.command`).
        build: String,
    },
    /// A component that cannot be compiled, linked or used as an HTTP handler.
    #[error("component {component:?} ({}): {reason}", path.display())]
    Load {
        /// The component.
        component: String,
        /// Its file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The engine could not be built.
    #[error("cannot set up the wasm engine: {0}")]
    Engine(String),
}

/// What `tessera edge serve` was asked for.
#[derive(Debug, Clone)]
pub struct EdgeSettings {
    /// The manifest.
    pub manifest: PathBuf,
    /// `--variable` values.
    pub variables: BTreeMap<String, String>,
    /// Where compiled components are cached.
    pub cache_dir: PathBuf,
    /// Instance slots: the most requests in components at once (more wait for a slot).
    pub max_instances: u32,
    /// What all key-value stores may hold together, in bytes.
    pub kv_memory_bytes: u64,
}

/// The application, ready to serve.
pub struct EdgeApp {
    name: String,
    version: String,
    router: Router<usize>,
    components: Vec<Prepared>,
    engine: Engine,
    slots: Arc<tokio::sync::Semaphore>,
    _ticker: EpochTicker,
}

/// One component, compiled, linked and pre-instantiated, with what each of its instances
/// gets.
struct Prepared {
    id: Arc<str>,
    pre: ProxyPre<EdgeState>,
    environment: Arc<[(String, String)]>,
    outbound: Arc<[AllowedHost]>,
    kv: ComponentKv,
    config: EdgeConfig,
}

/// What one request's `Store` holds.
pub struct EdgeState {
    wasi: WasiCtx,
    table: ResourceTable,
    http: WasiHttpCtx,
    outbound: OutboundHooks,
    kv: EdgeKv,
    config: EdgeConfig,
}

impl WasiView for EdgeState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for EdgeState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outbound,
        }
    }
}

impl Prepared {
    /// A fresh state for one request: nothing inherited from the host (no environment
    /// but the manifest's `environment`, no arguments, files or sockets), stdout and
    /// stderr to the host's log.
    fn state(&self) -> EdgeState {
        let wasi = WasiCtx::builder()
            .stdout(GuestLog::new(self.id.clone(), Stream::Stdout))
            .stderr(GuestLog::new(self.id.clone(), Stream::Stderr))
            .envs(&self.environment)
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .socket_addr_check(|_, _| Box::pin(async { false }))
            .build();
        EdgeState {
            wasi,
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            outbound: OutboundHooks::new(self.id.clone(), self.outbound.clone()),
            kv: self.kv.instance(),
            config: self.config.clone(),
        }
    }
}

/// The engine: component model, epoch interruption (so a busy component yields to other
/// requests), and the pooling allocator with copy-on-write memory images, so that an
/// instantiation per request is cheap. No fuel metering: unlike plugins, edge components
/// have no fuel budget to meter, and metering slows every call.
fn build_engine(max_instances: u32) -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.memory_init_cow(true);
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(max_instances);
    // A component holds several core instances, memories and tables (libc, shims).
    pool.total_core_instances(max_instances.saturating_mul(4));
    pool.total_memories(max_instances.saturating_mul(2));
    pool.total_tables(max_instances.saturating_mul(4));
    pool.total_stacks(max_instances);
    pool.max_core_instances_per_component(64);
    pool.max_memories_per_component(4);
    pool.max_tables_per_component(32);
    pool.max_component_instance_size(1 << 20);
    pool.max_core_instance_size(1 << 20);
    pool.table_elements(100_000);
    pool.max_memory_size(MAX_MEMORY_MB << 20);
    // Reset touched pages with memset rather than madvise between instances: cheaper for
    // the short calls the edge makes (the plugin runtime measured the same).
    pool.linear_memory_keep_resident(crate::runtime::engine::KEEP_RESIDENT_BYTES);
    pool.table_keep_resident(64 << 10);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config)
}

/// Every import an edge component may have: WASI 0.2 (cli, clocks, io, random, and
/// filesystem and sockets with nothing granted), wasi:http, and the key-value and config
/// drafts. A component importing anything else fails to link, naming the import.
fn build_linker(engine: &Engine) -> wasmtime::Result<Linker<EdgeState>> {
    use bindings::wasi::{config as wasi_config, keyvalue};
    let mut linker: Linker<EdgeState> = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    keyvalue::store::add_to_linker::<_, HasSelf<EdgeKv>>(&mut linker, |s| &mut s.kv)?;
    keyvalue::atomics::add_to_linker::<_, HasSelf<EdgeKv>>(&mut linker, |s| &mut s.kv)?;
    keyvalue::batch::add_to_linker::<_, HasSelf<EdgeKv>>(&mut linker, |s| &mut s.kv)?;
    wasi_config::store::add_to_linker::<_, HasSelf<EdgeConfig>>(&mut linker, |s| &mut s.config)?;
    Ok(linker)
}

/// A component's settings once variables are known, before its code is loaded.
struct Resolved<'m> {
    component: &'m Component,
    config: BTreeMap<String, String>,
    outbound: Vec<AllowedHost>,
    kv: ComponentKv,
}

fn resolve_component<'m>(
    component: &'m Component,
    variables: &AppVariables,
    kv: &Arc<KvStores>,
) -> Result<Resolved<'m>, EdgeError> {
    let config = variables::component_values(&component.variables, variables)?;
    let outbound =
        outbound::resolve(&component.allowed_outbound_hosts, variables).map_err(|source| {
            EdgeError::Outbound {
                component: component.id.clone(),
                source,
            }
        })?;
    let kv = kv.grant(&component.id, &component.key_value_stores)?;
    if !component.source.is_file() {
        let build = match &component.build_command {
            Some(command) => format!("`{command}` (its build command)"),
            None => format!("`./dev component {}`", component.id),
        };
        return Err(EdgeError::MissingSource {
            component: component.id.clone(),
            path: component.source.clone(),
            build,
        });
    }
    Ok(Resolved {
        component,
        config,
        outbound,
        kv,
    })
}

/// Compiles (or reads from the cache) every component, in parallel, off the async
/// workers.
async fn compile_all(
    engine: &Engine,
    cache: &CompileCache,
    components: &[Resolved<'_>],
) -> Result<Vec<wasmtime::component::Component>, EdgeError> {
    let load_error = |c: &Component, reason: String| EdgeError::Load {
        component: c.id.clone(),
        path: c.source.clone(),
        reason,
    };
    let tasks: Vec<_> = components
        .iter()
        .map(|r| {
            let (engine, cache, path) = (engine.clone(), cache.clone(), r.component.source.clone());
            tokio::task::spawn_blocking(move || -> Result<_, String> {
                let bytes = std::fs::read(&path).map_err(|e| format!("cannot read: {e}"))?;
                let (component, outcome) = cache
                    .load(&engine, &bytes)
                    .map_err(|e| format!("not a usable component: {e:#}"))?;
                Ok((component, outcome))
            })
        })
        .collect();
    let mut compiled = Vec::with_capacity(tasks.len());
    for (task, r) in tasks.into_iter().zip(components) {
        let (component, outcome) = task
            .await
            .map_err(|e| load_error(r.component, format!("compilation task failed: {e}")))?
            .map_err(|reason| load_error(r.component, reason))?;
        tracing::debug!(component = %r.component.id, cache = ?outcome, "component compiled");
        compiled.push(component);
    }
    Ok(compiled)
}

impl EdgeApp {
    /// Reads the manifest, resolves variables, and compiles, links and pre-instantiates
    /// every routed component. Any problem (a required variable without a value, a
    /// component not built, an import that is not served) is an error here, before
    /// anything is served.
    pub async fn load(settings: &EdgeSettings) -> Result<Self, EdgeError> {
        let manifest = Manifest::load(&settings.manifest)?;
        let providers = Providers::with_process_env(settings.variables.clone());
        let variables = variables::resolve(&manifest.variables, &providers)?;
        let kv = KvStores::new(settings.kv_memory_bytes);
        let served = manifest.served_components();
        let resolved = served
            .iter()
            .map(|c| resolve_component(c, &variables, &kv))
            .collect::<Result<Vec<_>, _>>()?;

        let engine = build_engine(settings.max_instances)
            .map_err(|e| EdgeError::Engine(format!("{e:#}")))?;
        let ticker = EpochTicker::start(&engine).map_err(|e| EdgeError::Engine(e.to_string()))?;
        let cache = CompileCache::new(&settings.cache_dir, &engine);
        let compiled = compile_all(&engine, &cache, &resolved).await?;
        let linker = build_linker(&engine).map_err(|e| EdgeError::Engine(format!("{e:#}")))?;

        let mut components = Vec::with_capacity(resolved.len());
        for (r, component) in resolved.into_iter().zip(compiled) {
            let c = r.component;
            let load_error = |reason: String| EdgeError::Load {
                component: c.id.clone(),
                path: c.source.clone(),
                reason,
            };
            let pre = linker
                .instantiate_pre(&component)
                .map_err(|e| load_error(format!("cannot link: {e:#}")))?;
            let pre = ProxyPre::new(pre).map_err(|e| {
                load_error(format!(
                    "does not export wasi:http/incoming-handler@0.2: {e:#}"
                ))
            })?;
            components.push(Prepared {
                id: c.id.as_str().into(),
                pre,
                environment: c.environment.clone().into_iter().collect(),
                outbound: r.outbound.into(),
                kv: r.kv,
                config: EdgeConfig::new(r.config),
            });
        }
        let router = build_router(&manifest, &components)?;
        Ok(Self {
            name: manifest.application.name,
            version: manifest.application.version,
            router,
            components,
            engine,
            slots: Arc::new(tokio::sync::Semaphore::new(settings.max_instances as usize)),
            _ticker: ticker,
        })
    }

    /// How many components are served.
    pub fn component_count(&self) -> usize {
        self.components.len()
    }

    /// How many routes lead to them.
    pub fn route_count(&self) -> usize {
        self.router.len()
    }

    /// Each route as written and the component it runs, in match order.
    pub fn routes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.router
            .iter()
            .map(|(route, &i)| (route, &*self.components[i].id))
    }

    /// The application's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The router over the prepared components (by index), with Spin's warning for routes
/// written twice.
fn build_router(manifest: &Manifest, components: &[Prepared]) -> Result<Router<usize>, EdgeError> {
    let index = |id: &str| components.iter().position(|c| &*c.id == id);
    let entries = manifest
        .http_triggers
        .iter()
        .filter_map(|t| index(&t.component).map(|i| (t.route.clone(), i)));
    let (router, duplicates) = Router::build(entries)?;
    for d in duplicates {
        tracing::error!(route = %d.route, "route written more than once: only the last trigger's component serves it");
    }
    if let Some((route, _)) = router
        .iter()
        .find(|(route, _)| route.starts_with(server::WELL_KNOWN))
    {
        tracing::error!(%route, "routes under {} are answered by the host and never reach a component", server::WELL_KNOWN);
    }
    Ok(router)
}
