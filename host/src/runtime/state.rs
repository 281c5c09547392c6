//! What a call's `Store` holds: the plugin's WASI context, its granted services and the
//! limiter. Built fresh for every call and dropped with the instance.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use super::limits::CallLimiter;
use super::services::PluginServices;
use super::services::outbound::OutboundPolicy;

/// The data of one call's store.
pub struct PluginState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) http: WasiHttpCtx,
    pub(crate) outbound: OutboundPolicy,
    pub(crate) limiter: CallLimiter,
    pub(crate) services: Arc<PluginServices>,
    pub(crate) stdout: MemoryOutputPipe,
    pub(crate) stderr: MemoryOutputPipe,
}

impl PluginState {
    /// A fresh state for one call of the plugin `services` describes.
    pub fn new(services: Arc<PluginServices>) -> Self {
        let limits = &services.limits;
        // One byte more than the cap, so "wrote exactly the cap" and "wanted more" differ.
        let pipe_capacity = (limits.max_output_bytes as usize).saturating_add(1);
        let stdout = MemoryOutputPipe::new(pipe_capacity);
        let stderr = MemoryOutputPipe::new(pipe_capacity);
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
