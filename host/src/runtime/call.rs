//! Execution under limits: one plugin call in a fresh store and instance, the plugin's
//! limits, and the mapping of whatever happened to a result or a typed [`PluginError`].
//! What each world's calls look like is in `runtime::worlds`.

use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tracing::Instrument;

use wasmtime::{Store, Trap};

use super::Runtime;
use super::capabilities::logging::{LogCounts, MAX_BYTES_PER_CALL, MAX_LINES_PER_CALL};
use super::error::{PluginError, PluginErrorKind};
use super::loader::LoadedPlugin;
use super::memory_limiter::MemoryWatch;
use super::output::CappedPipe;
use super::state::PluginState;
use crate::plugins::contract::World;
use crate::plugins::manifest::Limits;

/// Lets the runtime check a call's result against `limits.max_output_bytes`.
pub trait OutputSize {
    /// Size of the value in bytes, as the host counts it against the output cap.
    fn output_size(&self) -> usize;
}

/// A result is as large as its JSON encoding: every field counts, including ones added to
/// the contract later (a grade's `details` once slipped past a hand-written count), and it
/// is roughly what the host will hold and send on. Measured without building the text.
impl<T: serde::Serialize> OutputSize for T {
    fn output_size(&self) -> usize {
        let mut counter = ByteCounter(0);
        // Writing to a counter cannot fail; a value serde cannot encode counts as nothing
        // here and fails later where it is used.
        let _ = serde_json::to_writer(&mut counter, self);
        counter.0
    }
}

/// An `io::Write` that only counts.
struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 = self.0.saturating_add(buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The trace span of one plugin call (host imports it makes, such as a model call, nest
/// inside it).
pub(super) fn call_span(plugin: &LoadedPlugin, function: &str) -> tracing::Span {
    tracing::info_span!("plugin.call", plugin = %plugin.plugin_ref(), function)
}

/// How long a call runs before its first yield to the executor; past it, it yields at every
/// epoch tick (`engine::EPOCH_TICK`), so the outer timer can cut off a spinning plugin.
///
/// Why not yield from the first tick: a yield sends the call to the back of the executor's
/// run queue, and under seed 000's storm that queue holds 10 000 ready connections. A
/// 0.1 ms `plan-day` that happened to straddle a tick waited a second or more there, and
/// some missed their 200 ms timeout (1-80 `PLUGIN_TIMEOUT`s a storm). A short call now ends
/// before yielding; a timeout still ends a spinning one within this much of its deadline.
const RUN_BEFORE_YIELD: Duration = Duration::from_millis(5);

/// How much of a plugin's stderr is quoted in a trap message.
const STDERR_TAIL: usize = 600;

/// One captured output stream of a call.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// The bytes kept, at most `max_output_bytes`.
    pub bytes: Bytes,
    /// How many bytes the plugin wrote in total.
    pub written: u64,
}

impl Output {
    /// Whether the plugin wrote more than was kept.
    pub fn truncated(&self) -> bool {
        self.written > self.bytes.len() as u64
    }

    fn of(pipe: &CappedPipe) -> Self {
        let (bytes, written) = pipe.contents();
        Self { bytes, written }
    }
}

/// Everything a call left behind, for callers that judge the outcome themselves (the
/// sandbox turns limits into run statuses instead of errors).
pub struct Execution<R> {
    /// The value, or the limit/trap/exit the call really ended with. Output caps are not
    /// applied here.
    pub result: Result<R, PluginErrorKind>,
    /// What the plugin wrote to stdout.
    pub stdout: Output,
    /// What the plugin wrote to stderr.
    pub stderr: Output,
    /// Whether a memory grow past the cap was refused (the program may have survived it).
    pub memory_limit_hit: bool,
    /// The largest linear memory the instance had, in bytes.
    pub peak_memory_bytes: u64,
    /// Wall-clock time of the call, instantiation included.
    pub elapsed: Duration,
}

impl Runtime {
    /// Runs `body` against a fresh store for `plugin` under its manifest's limits, and
    /// applies the output cap: the plugin's result or an error naming what it did wrong.
    pub async fn run_call<R, F, Fut>(
        &self,
        plugin: &LoadedPlugin,
        function: &str,
        body: F,
    ) -> Result<R, PluginError>
    where
        R: OutputSize,
        F: FnOnce(Store<PluginState>) -> Fut,
        Fut: Future<Output = (Store<PluginState>, wasmtime::Result<R>)>,
    {
        self.run_call_capturing(plugin, function, body).await.0
    }

    /// [`Runtime::run_call`], also returning what the plugin wrote to stdout and stderr.
    pub async fn run_call_capturing<R, F, Fut>(
        &self,
        plugin: &LoadedPlugin,
        function: &str,
        body: F,
    ) -> (Result<R, PluginError>, Output, Output)
    where
        R: OutputSize,
        F: FnOnce(Store<PluginState>) -> Fut,
        Fut: Future<Output = (Store<PluginState>, wasmtime::Result<R>)>,
    {
        let limits = &plugin.services.limits;
        let run = self
            .execute(plugin, limits, body)
            .instrument(call_span(plugin, function))
            .await;
        log_output(plugin, "stdout", &run.stdout.bytes);
        log_output(plugin, "stderr", &run.stderr.bytes);
        let cap = limits.max_output_bytes;
        let outcome = run.result.and_then(|value| {
            let size = value.output_size() as u64;
            if size > cap {
                Err(PluginErrorKind::OutputTooLarge {
                    limit: cap,
                    actual: size,
                })
            } else {
                Ok(value)
            }
        });
        self.record(plugin, function, run.elapsed, outcome.as_ref().err());
        if let Err(kind) = &outcome {
            tracing::warn!(plugin = %plugin.plugin_ref(), function, error = %kind, "plugin call failed");
        }
        let outcome = outcome.map_err(|kind| PluginError {
            plugin: plugin.plugin_ref().clone(),
            kind,
        });
        (outcome, run.stdout, run.stderr)
    }

    /// Counts a finished call in the plugin's metrics.
    pub(super) fn record(
        &self,
        plugin: &LoadedPlugin,
        function: &str,
        elapsed: Duration,
        error: Option<&PluginErrorKind>,
    ) {
        self.metrics()
            .record_call(plugin.plugin_ref(), function, elapsed, error);
    }

    /// Runs `body` against a fresh store for `plugin` under `limits`.
    ///
    /// `body` owns the store and hands it back with its outcome, so the limiter can be
    /// inspected afterwards; on a timeout the future (and with it the store and instance)
    /// is dropped, and what the plugin printed until then is still returned.
    pub async fn execute<R, F, Fut>(
        &self,
        plugin: &LoadedPlugin,
        limits: &Limits,
        body: F,
    ) -> Execution<R>
    where
        F: FnOnce(Store<PluginState>) -> Fut,
        Fut: Future<Output = (Store<PluginState>, wasmtime::Result<R>)>,
    {
        let started = Instant::now();
        let state = PluginState::new(plugin.services.clone(), limits);
        let (stdout, stderr) = (state.stdout.clone(), state.stderr.clone());
        let memory = state.limiter.watch().clone();
        let log = state.log.clone();
        let result = match self.slots.clone().try_acquire_owned() {
            Err(_) => Err(wasmtime::Error::new(NoSlot)),
            Ok(_permit) => {
                let mut store = Store::new(self.engine(), state);
                store.limiter(|s| &mut s.limiter);
                store.set_epoch_deadline(1);
                let ran_from = Instant::now();
                store.epoch_deadline_callback(move |_| {
                    Ok(if ran_from.elapsed() < RUN_BEFORE_YIELD {
                        wasmtime::UpdateDeadline::Continue(1)
                    } else {
                        wasmtime::UpdateDeadline::Yield(1)
                    })
                });
                // `set_fuel` only fails when fuel is disabled, which the engine never is.
                let _ = store.set_fuel(limits.fuel.unwrap_or(u64::MAX));
                let deadline = Duration::from_millis(limits.timeout_ms);
                match tokio::time::timeout(deadline, body(store)).await {
                    Err(_) => Err(wasmtime::Error::new(TimedOut)),
                    Ok((_store, result)) => result,
                }
            }
        };
        let (stdout, stderr) = (Output::of(&stdout), Output::of(&stderr));
        self.report_dropped_logs(plugin, log.counts());
        // A stream past its cap outranks whatever else happened: the crossing write
        // trapped the call, or the plugin carried on after a refused write.
        let result = if stdout.truncated() || stderr.truncated() {
            Err(PluginErrorKind::OutputTooLarge {
                limit: limits.max_output_bytes,
                actual: stdout.written.max(stderr.written),
            })
        } else {
            result.map_err(|e| classify(limits, &memory, &stderr.bytes, e))
        };
        Execution {
            result,
            stdout,
            stderr,
            memory_limit_hit: memory.limit_hit(),
            peak_memory_bytes: memory.peak_bytes() as u64,
            elapsed: started.elapsed(),
        }
    }

    /// Counts the log lines a call had dropped; a plugin over its allowance (not a code
    /// runner, whose lines are all dropped by design) also gets one warning per call.
    fn report_dropped_logs(&self, plugin: &LoadedPlugin, counts: LogCounts) {
        if counts.dropped_lines == 0 {
            return;
        }
        let silenced = plugin.manifest.world == World::CodeRunner;
        let reason = if silenced { "code_runner" } else { "over_cap" };
        self.metrics()
            .record_dropped_logs(plugin.plugin_ref(), reason, counts.dropped_lines);
        if !silenced {
            tracing::warn!(
                plugin = %plugin.plugin_ref(),
                kept = counts.kept_lines,
                dropped = counts.dropped_lines,
                dropped_bytes = counts.dropped_bytes,
                "plugin log lines dropped: over the per-call cap of {MAX_LINES_PER_CALL} lines and {MAX_BYTES_PER_CALL} bytes"
            );
        }
    }
}

/// The outer deadline cut the call off.
#[derive(Debug, thiserror::Error)]
#[error("deadline passed")]
struct TimedOut;

/// No instance slot was free.
#[derive(Debug, thiserror::Error)]
#[error("no instance slot")]
struct NoSlot;

/// Names the limit, trap or exit a failed call really hit.
fn classify(
    limits: &Limits,
    memory: &MemoryWatch,
    stderr: &[u8],
    error: wasmtime::Error,
) -> PluginErrorKind {
    if error.is::<TimedOut>() {
        return PluginErrorKind::Timeout {
            timeout_ms: limits.timeout_ms,
        };
    }
    if error.is::<NoSlot>() {
        return PluginErrorKind::Busy;
    }
    if memory.limit_hit() {
        return PluginErrorKind::MemoryLimit {
            memory_mb: limits.memory_mb,
        };
    }
    if let Some(exit) = error.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return PluginErrorKind::Exited { code: exit.0 };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::StackOverflow) => PluginErrorKind::StackOverflow,
        Some(Trap::OutOfFuel) => PluginErrorKind::FuelExhausted {
            fuel: limits.fuel.unwrap_or(u64::MAX),
        },
        Some(trap) => PluginErrorKind::Trap {
            message: with_stderr_tail(trap.to_string(), stderr),
        },
        None => {
            let message = format!("{error:#}");
            if message.contains("concurrent") && message.contains("limit") {
                PluginErrorKind::Busy
            } else {
                PluginErrorKind::Trap {
                    message: with_stderr_tail(message, stderr),
                }
            }
        }
    }
}

/// Appends the last lines the plugin printed to stderr (a Rust panic message lands there).
fn with_stderr_tail(message: String, stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim();
    if text.is_empty() {
        return message;
    }
    let mut start = text.len().saturating_sub(STDERR_TAIL);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("{message}; stderr: {}", &text[start..])
}

fn log_output(plugin: &LoadedPlugin, stream: &str, bytes: &[u8]) {
    if !bytes.is_empty() {
        let shown = &bytes[..bytes.len().min(4096)];
        tracing::debug!(plugin = %plugin.plugin_ref(), stream, bytes = bytes.len(), "{}", String::from_utf8_lossy(shown));
    }
}
