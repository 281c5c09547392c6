//! `wasi:logging/logging`: plugin log lines become host `tracing` events tagged with the
//! plugin's id, so they share the host's log pipeline and request ids.
//!
//! Two limits keep a plugin from flooding the host's logs:
//!
//! - every call may log at most [`MAX_LINES_PER_CALL`] lines and [`MAX_BYTES_PER_CALL`]
//!   bytes; past either, lines are dropped and counted (not an error for the plugin), and
//!   the call ends with one warning and `tessera_plugin_log_lines_dropped_total`;
//! - code runners get an import that drops every line ([`Silenced`]): learner code shares
//!   the sandbox's interpreter, and componentize-py's bindings put the world's imports a
//!   Python `import` away, so anything the sandbox could log, learners could too.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use wasmtime::component::{HasData, HasSelf, Linker};

use super::{Backends, Capability, Grant};
use crate::plugins::contract::{Version, World};
use crate::plugins::manifest::Manifest;
use crate::runtime::bindings::v0_1_0::{
    self,
    logging::{Host, Level},
};
use crate::runtime::state::PluginState;

/// `wasi:logging/logging`, for every world and without a grant: every world imports it,
/// and a line a plugin logs costs the host little (capped per call, see below).
pub const CAPABILITY: Capability = Capability {
    name: "logging",
    imports: &["wasi:logging/logging"],
    worlds: &World::ALL,
    since: Version::V0_1_0,
    grant: Grant::Always,
    link,
};

fn link(linker: &mut Linker<PluginState>, contract: Version, world: World) -> wasmtime::Result<()> {
    // Every contract version imports the same `wasi:logging` (0.2.0 reuses 0.1.0's
    // bindings of it).
    match contract {
        // Learner code runs in a code runner's interpreter and can reach every import the
        // component has: its log lines would be the learner's.
        Version::V0_1_0 | Version::V0_2_0 if world == World::CodeRunner => {
            v0_1_0::logging::add_to_linker::<_, Silenced>(linker, SilencedLog::of)
        }
        Version::V0_1_0 | Version::V0_2_0 => {
            v0_1_0::logging::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)
        }
    }
}

/// For AI-gateway plugins only: where their breaker transitions are counted.
pub fn plugin_state(
    manifest: &Manifest,
    backends: &Backends,
) -> Option<Arc<crate::metrics::Metrics>> {
    (manifest.world == World::Llm).then(|| backends.metrics.clone())
}

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

/// Longest message kept; longer ones are cut.
const MAX_LOG_MESSAGE: usize = 8 * 1024;
/// Longest context kept; longer ones are cut.
const MAX_LOG_CONTEXT: usize = 256;
/// Most lines one call may log.
pub const MAX_LINES_PER_CALL: u64 = 100;
/// Most bytes (message and context, after cutting) one call may log.
pub const MAX_BYTES_PER_CALL: u64 = 64 * 1024;

/// What one call logged and dropped; the call's runner reads it when the call ends, even
/// after a timeout dropped the instance.
#[derive(Debug, Default)]
pub struct LogTally {
    kept_lines: AtomicU64,
    kept_bytes: AtomicU64,
    dropped_lines: AtomicU64,
    dropped_bytes: AtomicU64,
}

/// A [`LogTally`] as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogCounts {
    /// Lines that reached the log.
    pub kept_lines: u64,
    /// Lines dropped.
    pub dropped_lines: u64,
    /// Bytes of the dropped lines.
    pub dropped_bytes: u64,
}

impl LogTally {
    /// Whether a line of `bytes` still fits the call's allowance; counts it either way.
    fn admit(&self, bytes: u64) -> bool {
        // One call's lines arrive one at a time (a store is never used concurrently), so
        // reading and then adding cannot race.
        let lines = self.kept_lines.load(Ordering::Relaxed);
        let used = self.kept_bytes.load(Ordering::Relaxed);
        if lines < MAX_LINES_PER_CALL && used + bytes <= MAX_BYTES_PER_CALL {
            self.kept_lines.fetch_add(1, Ordering::Relaxed);
            self.kept_bytes.fetch_add(bytes, Ordering::Relaxed);
            true
        } else {
            self.drop_line(bytes);
            false
        }
    }

    fn drop_line(&self, bytes: u64) {
        self.dropped_lines.fetch_add(1, Ordering::Relaxed);
        self.dropped_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// The counts so far.
    pub fn counts(&self) -> LogCounts {
        LogCounts {
            kept_lines: self.kept_lines.load(Ordering::Relaxed),
            dropped_lines: self.dropped_lines.load(Ordering::Relaxed),
            dropped_bytes: self.dropped_bytes.load(Ordering::Relaxed),
        }
    }
}

/// Cuts `text` to at most `max` bytes on a character boundary, marking the cut.
fn cut(text: &mut String, max: usize) {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
}

impl Host for PluginState {
    async fn log(&mut self, level: Level, mut context: String, mut message: String) {
        cut(&mut message, MAX_LOG_MESSAGE);
        cut(&mut context, MAX_LOG_CONTEXT);
        // Counted before the per-call cap, so a transition is never lost to it (only
        // AI-gateway plugins hold `breaker_metrics`).
        if context == BREAKER_TRANSITION_CONTEXT
            && let Some(metrics) = &self.services.breaker_metrics
            && let Some((provider, from, to)) = breaker_transition(&message)
        {
            metrics.record_breaker_transition(provider, from, to);
        }
        if !self.log.admit((message.len() + context.len()) as u64) {
            return;
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

/// The logging import of code runners: linked, because the world imports it and a
/// componentize-py component imports everything its world does, but every line is dropped
/// and counted, never written.
pub struct Silenced;

impl HasData for Silenced {
    type Data<'a> = SilencedLog;
}

/// [`Silenced`]'s view of a call: only its tally.
pub struct SilencedLog(Arc<LogTally>);

impl SilencedLog {
    /// The silenced logger of the call `state` belongs to.
    pub fn of(state: &mut PluginState) -> Self {
        Self(state.log.clone())
    }
}

impl Host for SilencedLog {
    async fn log(&mut self, _level: Level, context: String, message: String) {
        self.0.drop_line((message.len() + context.len()) as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_past_either_cap_are_dropped_and_counted() {
        let tally = LogTally::default();
        for _ in 0..MAX_LINES_PER_CALL {
            assert!(tally.admit(10));
        }
        assert!(!tally.admit(10), "one line over the count");
        let counts = tally.counts();
        assert_eq!((counts.kept_lines, counts.dropped_lines), (100, 1));

        let tally = LogTally::default();
        assert!(tally.admit(MAX_BYTES_PER_CALL - 5));
        assert!(!tally.admit(6), "over the bytes");
        assert!(tally.admit(5), "what still fits is kept");
        assert_eq!(tally.counts().dropped_bytes, 6);
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let mut text = "é".repeat(10);
        cut(&mut text, 5);
        assert_eq!(text, "éé…");
    }

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
