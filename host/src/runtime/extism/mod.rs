//! Extism as a second plugin ABI (`abi = "extism"` in a manifest): a core module built with
//! an Extism PDK implements one of the JSON-shaped worlds, each function an export taking
//! the input as JSON and returning JSON (`wire` has the shapes; docs/plugins/extism.md).
//!
//! The same manifest governs both ABIs: the call's deadline, linear memory and fuel are the
//! manifest's limits (Extism's manifest `timeout_ms`, `memory.max_pages`, fuel limit), the
//! result is held to `limits.max_output_bytes`, calls share the runtime's instance slots,
//! and every failure becomes the same typed [`PluginError`]. Grants map onto Extism's
//! features: `grants.config` is Extism's config, `grants.outbound_hosts` is served by the
//! host's own `http_request` (host and port checked, as for components; `host_functions`),
//! `grants.keyvalue` adds `kv_get`/`kv_set`/`kv_delete`, `grants.llm` adds `llm_complete`
//! (the AI gateway behind the safety gate, on the calling user's budget). Nothing else is
//! linked, so an import of anything ungranted refuses the module at load.
//!
//! - `load`: checks the module (core wasm, the world's exports, imports against grants)
//!   and compiles it;
//! - `host_functions`: what the host offers a module, per grant;
//! - `wire`: the JSON of results and errors.

mod host_functions;
mod load;
pub mod wire;

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use super::Runtime;
use super::call::call_span;
use super::capabilities::llm::OnBehalfOf;
use super::error::{PluginError, PluginErrorKind};
use super::loader::LoadedPlugin;
use crate::plugins::contract::World;
use crate::plugins::manifest::Limits;
use host_functions::CallContext;

/// A compiled Extism plugin, instantiated afresh for every call.
pub struct ExtismPre {
    world: World,
    compiled: ::extism::CompiledPlugin,
    exports: Vec<String>,
}

impl ExtismPre {
    /// The world the module implements.
    pub fn world(&self) -> World {
        self.world
    }

    /// The functions the module exports.
    pub fn exports(&self) -> &[String] {
        &self.exports
    }
}

/// The export an Extism plugin of `world` provides for the WIT function `function`: the
/// WIT name with `-` as `_` (what a PDK's function name can be, e.g. `evaluate_feature`).
pub fn export_name(function: &str) -> String {
    function.replace('-', "_")
}

impl Runtime {
    /// Calls `function` of an Extism plugin with `input` as JSON and reads its output as
    /// `O` (output that is not `O` is the plugin's error: `bad_output`).
    pub(crate) async fn call_extism<I, O>(
        &self,
        plugin: &LoadedPlugin,
        pre: &ExtismPre,
        function: &str,
        input: &I,
        on_behalf_of: Option<&Arc<OnBehalfOf>>,
    ) -> Result<O, PluginError>
    where
        I: Serialize + ?Sized,
        O: DeserializeOwned,
    {
        let input = serde_json::to_vec(input).map_err(|e| PluginError {
            plugin: plugin.plugin_ref().clone(),
            kind: PluginErrorKind::BadInput(e.to_string()),
        })?;
        self.call_extism_with(plugin, pre, function, input, on_behalf_of, |output| {
            serde_json::from_slice(output).map_err(|e| {
                PluginErrorKind::BadOutput(format!(
                    "`{}` did not return the contract's JSON: {e}",
                    export_name(function)
                ))
            })
        })
        .await
    }

    /// Calls `function` with `input` bytes under the plugin's limits and output cap, and
    /// reads the output with `parse`; counted in the plugin's metrics either way.
    pub(crate) async fn call_extism_with<O>(
        &self,
        plugin: &LoadedPlugin,
        pre: &ExtismPre,
        function: &str,
        input: Vec<u8>,
        on_behalf_of: Option<&Arc<OnBehalfOf>>,
        parse: impl FnOnce(&[u8]) -> Result<O, PluginErrorKind>,
    ) -> Result<O, PluginError> {
        let started = Instant::now();
        let limits = plugin.services.limits.clone();
        let result = async {
            let _permit = self
                .slots
                .clone()
                .try_acquire_owned()
                .map_err(|_| PluginErrorKind::Busy)?;
            let compiled = pre.compiled.clone();
            let context = CallContext::new(plugin.services.clone(), on_behalf_of.cloned());
            let export = export_name(function);
            let limits_in = limits.clone();
            // Extism calls are synchronous (its own deadline timer interrupts the guest):
            // off the async workers.
            tokio::task::spawn_blocking(move || {
                let mut instance = ::extism::Plugin::new_from_compiled(&compiled)
                    .map_err(|e| PluginErrorKind::Instantiate(format!("{e:#}")))?;
                instance
                    .call_with_host_context::<&[u8], Vec<u8>, CallContext>(
                        &export,
                        input.as_slice(),
                        context,
                    )
                    .map_err(|e| classify(&limits_in, &e))
            })
            .await
            .map_err(|e| PluginErrorKind::Trap {
                message: format!("the call's thread failed: {e}"),
            })?
        }
        .instrument(call_span(plugin, function))
        .await
        .and_then(|output| {
            if output.len() as u64 > limits.max_output_bytes {
                Err(PluginErrorKind::OutputTooLarge {
                    limit: limits.max_output_bytes,
                    actual: output.len() as u64,
                })
            } else {
                parse(&output)
            }
        });
        self.record(plugin, function, started.elapsed(), result.as_ref().err());
        if let Err(kind) = &result {
            tracing::warn!(plugin = %plugin.plugin_ref(), function, error = %kind, "plugin call failed");
        }
        result.map_err(|kind| PluginError {
            plugin: plugin.plugin_ref().clone(),
            kind,
        })
    }
}

/// Names the limit or trap an Extism call hit. Extism reports its own deadline as the
/// message `timeout`, its memory limiter as the root cause `oom`, and fuel as `plugin ran
/// out of fuel`; traps and WASI exits come through as wasmtime's own errors.
fn classify(limits: &Limits, error: &::extism::Error) -> PluginErrorKind {
    let message = error.to_string();
    if message == "timeout" {
        return PluginErrorKind::Timeout {
            timeout_ms: limits.timeout_ms,
        };
    }
    if error.root_cause().to_string() == "oom" {
        return PluginErrorKind::MemoryLimit {
            memory_mb: limits.memory_mb,
        };
    }
    if message == "plugin ran out of fuel" {
        return PluginErrorKind::FuelExhausted {
            fuel: limits.fuel.unwrap_or(u64::MAX),
        };
    }
    for cause in error.chain() {
        if let Some(exit) = cause.downcast_ref::<wasmtime_wasi::I32Exit>() {
            return PluginErrorKind::Exited { code: exit.0 };
        }
        match cause.downcast_ref::<wasmtime::Trap>() {
            Some(wasmtime::Trap::StackOverflow) => return PluginErrorKind::StackOverflow,
            Some(wasmtime::Trap::Interrupt) => {
                return PluginErrorKind::Timeout {
                    timeout_ms: limits.timeout_ms,
                };
            }
            Some(wasmtime::Trap::OutOfFuel) => {
                return PluginErrorKind::FuelExhausted {
                    fuel: limits.fuel.unwrap_or(u64::MAX),
                };
            }
            _ => {}
        }
    }
    PluginErrorKind::Trap {
        message: format!("{error:#}"),
    }
}
