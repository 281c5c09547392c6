//! `wasi:logging/logging`: plugin log lines become host `tracing` events tagged with the
//! plugin's id, so they share the host's log pipeline and request ids.

use crate::runtime::bindings::v0_1_0::logging::{Host, Level};
use crate::runtime::state::PluginState;

/// The context under which an AI-gateway plugin reports a circuit-breaker transition,
/// as `provider=<name> from=<state> to=<state>: <human text>` (docs/ai-gateway.md). The
/// breaker lives inside the gateway component; this log line is its one channel to the
/// host's `tessera_ai_breaker_transitions_total`, so the plugin contract stays as it is.
pub const BREAKER_TRANSITION_CONTEXT: &str = "breaker-transition";

/// The breaker states a transition may name (anything else is not counted).
const BREAKER_STATES: [&str; 3] = ["closed", "open", "half-open"];

/// `(provider, from, to)` of a transition line, if it is one.
fn breaker_transition(message: &str) -> Option<(&str, &str, &str)> {
    let mut fields = message.split([' ', ':']).filter(|f| !f.is_empty());
    let mut field = |key: &str| fields.next()?.strip_prefix(key);
    let provider = field("provider=")?;
    let from = field("from=")?;
    let to = field("to=")?;
    let valid_provider = !provider.is_empty()
        && provider.len() <= 64
        && provider
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    (valid_provider && BREAKER_STATES.contains(&from) && BREAKER_STATES.contains(&to))
        .then_some((provider, from, to))
}

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
        if context == BREAKER_TRANSITION_CONTEXT
            && let Some(metrics) = &self.services.breaker_metrics
            && let Some((provider, from, to)) = breaker_transition(&message)
        {
            metrics.record_breaker_transition(provider, from, to);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transition_lines_are_read_strictly() {
        assert_eq!(
            breaker_transition("provider=openai from=closed to=open: closed → open after 5"),
            Some(("openai", "closed", "open"))
        );
        assert_eq!(
            breaker_transition("provider=a from=half-open to=closed"),
            Some(("a", "half-open", "closed"))
        );
        for bad in [
            "provider `openai`: closed → open",
            "provider=a from=closed to=exploded",
            "provider= from=closed to=open",
            "provider=a{b} from=closed to=open",
            "from=closed provider=a to=open",
        ] {
            assert_eq!(breaker_transition(bad), None, "{bad}");
        }
    }
}
