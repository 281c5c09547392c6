//! Host services plugins import (Spin calls these "factors"): each is linked only for
//! plugins whose manifest grants it. One module per service.

pub mod code_runner;
pub mod config;
pub mod keyvalue;
pub mod llm;
pub mod logging;
pub mod outbound;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::plugins::manifest::{Limits, Manifest};
use crate::runtime::error::PluginRef;

/// Per-plugin state shared by all of the plugin's calls.
#[derive(Debug)]
pub struct PluginServices {
    /// Who the plugin is, for logs and errors.
    pub plugin: PluginRef,
    /// The manifest's limits.
    pub limits: Limits,
    /// Values served through `wasi:config/store`.
    pub config: BTreeMap<String, String>,
    /// Hosts reachable through outbound HTTP.
    pub outbound_hosts: Arc<[String]>,
    /// The plugin's private key-value data.
    pub keyvalue: Arc<keyvalue::KeyValueStore>,
    /// Serves `code-runner` runs (the sandbox), when granted.
    pub code_runner: code_runner::CodeRunnerSlot,
}

impl PluginServices {
    /// The services granted by `manifest`; `code_runner` is the runtime's slot.
    pub fn from_manifest(manifest: &Manifest, code_runner: &code_runner::CodeRunnerSlot) -> Self {
        Self {
            plugin: PluginRef {
                id: manifest.id.clone(),
                version: manifest.version.clone(),
            },
            limits: manifest.limits.clone(),
            config: manifest.grants.config.clone(),
            outbound_hosts: manifest.grants.outbound_hosts.clone().into(),
            keyvalue: Arc::new(keyvalue::KeyValueStore::default()),
            code_runner: if manifest.grants.code_runner {
                code_runner.clone()
            } else {
                code_runner::CodeRunnerSlot::default()
            },
        }
    }
}
