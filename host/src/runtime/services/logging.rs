//! `wasi:logging/logging`: plugin log lines become host `tracing` events tagged with the
//! plugin's id, so they share the host's log pipeline and request ids.

use crate::runtime::bindings::v0_1_0::logging::{Host, Level};
use crate::runtime::state::PluginState;

/// Longest message kept; longer ones are cut so a plugin cannot flood the logs.
const MAX_LOG_MESSAGE: usize = 8 * 1024;

impl Host for PluginState {
    async fn log(&mut self, level: Level, context: String, mut message: String) {
        if message.len() > MAX_LOG_MESSAGE {
            let mut cut = MAX_LOG_MESSAGE;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push('…');
        }
        let plugin = &self.services.plugin.id;
        match level {
            Level::Trace => tracing::trace!(target: "plugin", plugin, context, "{message}"),
            Level::Debug => tracing::debug!(target: "plugin", plugin, context, "{message}"),
            Level::Info => tracing::info!(target: "plugin", plugin, context, "{message}"),
            Level::Warn => tracing::warn!(target: "plugin", plugin, context, "{message}"),
            Level::Error | Level::Critical => {
                tracing::error!(target: "plugin", plugin, context, "{message}")
            }
        }
    }
}

/// `tessera:platform/types` holds only types; linking it needs an (empty) host impl.
impl crate::runtime::bindings::v0_1_0::types::Host for PluginState {}
