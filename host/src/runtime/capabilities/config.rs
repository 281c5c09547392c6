//! `wasi:config/store`: the plugin reads the values its manifest grants (`[grants.config]`)
//! and nothing else.

use std::collections::BTreeMap;

use wasmtime::component::{HasSelf, Linker};

use super::{Capability, Grant};
use crate::plugins::contract::{Version, World};
use crate::plugins::manifest::Manifest;
use crate::runtime::bindings::v0_1_0::{
    self,
    config_store::{Error, Host},
};
use crate::runtime::state::PluginState;

/// `wasi:config/store`, for every world: settings are how an operator tunes any plugin.
pub const CAPABILITY: Capability = Capability {
    name: "config",
    imports: &["wasi:config/store"],
    worlds: &World::ALL,
    since: Version::V0_1_0,
    grant: Grant::Field {
        text: "a value in [grants.config]",
        granted: |grants| !grants.config.is_empty(),
    },
    link,
};

fn link(linker: &mut Linker<PluginState>, contract: Version, _: World) -> wasmtime::Result<()> {
    // Every contract version imports the same `wasi:config` (0.2.0 reuses 0.1.0's
    // bindings of it).
    match contract {
        Version::V0_1_0 | Version::V0_2_0 => {
            v0_1_0::config_store::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)
        }
    }
}

/// The values the plugin may read: exactly the manifest's `[grants.config]`.
pub fn plugin_state(manifest: &Manifest) -> BTreeMap<String, String> {
    manifest.grants.config.clone()
}

impl Host for PluginState {
    async fn get(&mut self, key: String) -> Result<Option<String>, Error> {
        Ok(self.services.config.get(&key).cloned())
    }

    async fn get_all(&mut self) -> Result<Vec<(String, String)>, Error> {
        Ok(self
            .services
            .config
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}
