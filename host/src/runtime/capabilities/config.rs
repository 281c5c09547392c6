//! `wasi:config/store`: the plugin reads the values its manifest grants (`[grants.config]`)
//! and nothing else.

use crate::runtime::bindings::v0_1_0::config_store::{Error, Host};
use crate::runtime::state::PluginState;

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
