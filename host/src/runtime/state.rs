//! What a call's `Store` holds: the plugin's WASI context, its granted services and the
//! limiter. Built fresh for every call and dropped with the instance.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use super::capabilities::PluginServices;
use super::capabilities::llm::OnBehalfOf;
use super::capabilities::logging::LogTally;
use super::capabilities::outbound_http::OutboundPolicy;
use super::memory_limiter::CallLimiter;
use super::output::CappedPipe;
use crate::plugins::manifest::Limits;

/// The data of one call's store.
pub struct PluginState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) http: WasiHttpCtx,
    pub(crate) outbound: OutboundPolicy,
    pub(crate) limiter: CallLimiter,
    pub(crate) services: Arc<PluginServices>,
    pub(crate) stdout: CappedPipe,
    pub(crate) stderr: CappedPipe,
    pub(crate) log: Arc<LogTally>,
    /// The user the call works for, when the host calls the plugin for one (served
    /// imports such as `llm` charge that user).
    pub(crate) on_behalf_of: Option<Arc<OnBehalfOf>>,
    /// Texts the call has embedded so far (`capabilities::embeddings`' per-call cap).
    pub(crate) embedded_texts: usize,
}

impl PluginState {
    /// A fresh state for one call of the plugin `services` describes, under `limits`
    /// (the manifest's, or tighter ones a caller asked for).
    pub fn new(services: Arc<PluginServices>, limits: &Limits) -> Self {
        let cap = usize::try_from(limits.max_output_bytes).unwrap_or(usize::MAX);
        let stdout = CappedPipe::new(cap);
        let stderr = CappedPipe::new(cap);
        // No environment, no arguments, no preopened directories, and no network: sockets
        // are linked (language runtimes import them) but every address is refused.
        let wasi = wasmtime_wasi::WasiCtxBuilder::new()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .socket_addr_check(|_, _| Box::pin(async { false }))
            .build();
        Self {
            wasi,
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            outbound: OutboundPolicy::new(services.outbound_hosts.clone()),
            limiter: CallLimiter::new(limits.memory_mb),
            services,
            stdout,
            stderr,
            log: Arc::default(),
            on_behalf_of: None,
            embedded_texts: 0,
        }
    }
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for PluginState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outbound,
        }
    }
}
