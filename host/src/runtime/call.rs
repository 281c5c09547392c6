//! One plugin call: a fresh store and instance, the plugin's limits, and the mapping of
//! whatever happened to a result or a typed [`PluginError`].

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tracing::Instrument;

use wasmtime::{Store, Trap};

use super::Runtime;
use super::bindings::v0_1_0::code_runner_world::runner::{RunRequest, RunResult};
use super::bindings::v0_1_0::grader::{GradeOutcome as Grade, Submission};
use super::bindings::v0_1_0::llm_world::gateway::{ChatRequest, ChatResponse, LlmError, ModelInfo};
use super::bindings::v0_1_0::safety_world::safety::{ScreenContext, Verdict};
use super::bindings::v0_1_0::types::Error as ContractError;
use super::error::{PluginError, PluginErrorKind};
use super::loader::{LoadedPlugin, WorldPre};
use super::memory_limiter::MemoryWatch;
use super::output::CappedPipe;
use super::services::llm::OnBehalfOf;
use super::services::logging::{LogCounts, MAX_BYTES_PER_CALL, MAX_LINES_PER_CALL};
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
fn call_span(plugin: &LoadedPlugin, function: &str) -> tracing::Span {
    tracing::info_span!("plugin.call", plugin = %plugin.plugin_ref(), function)
}

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
    fn record(
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
                store.epoch_deadline_async_yield_and_update(1);
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

    /// Calls `grader.kinds()`.
    pub async fn grader_kinds(&self, plugin: &LoadedPlugin) -> Result<Vec<String>, PluginError> {
        let WorldPre::Grader(pre) = &plugin.pre else {
            return Err(not_a(plugin, "grader"));
        };
        self.run_call(plugin, "kinds", |mut store| async move {
            let result = async {
                let bindings = pre.instantiate_async(&mut store).await?;
                bindings
                    .tessera_platform_grader()
                    .call_kinds(&mut store)
                    .await
            }
            .await;
            (store, result)
        })
        .await
    }

    /// Calls `grader.grade(submission)`, for `on_behalf_of` when a user's request or job
    /// asks for it (the grader's model calls are then that user's).
    pub async fn grade(
        &self,
        plugin: &LoadedPlugin,
        submission: &Submission,
        on_behalf_of: Option<&Arc<OnBehalfOf>>,
    ) -> Result<Result<Grade, ContractError>, PluginError> {
        let WorldPre::Grader(pre) = &plugin.pre else {
            return Err(not_a(plugin, "grader"));
        };
        self.run_call(plugin, "grade", |mut store| async move {
            store.data_mut().on_behalf_of = on_behalf_of.cloned();
            let result = async {
                let bindings = pre.instantiate_async(&mut store).await?;
                bindings
                    .tessera_platform_grader()
                    .call_grade(&mut store, submission)
                    .await
            }
            .await;
            (store, result)
        })
        .await
    }
}

impl Runtime {
    /// Calls `code-runner.run(request)` under `limits`, returning everything the run left
    /// behind; the sandbox (`crate::sandbox`) judges it. Metrics are recorded here.
    pub async fn run_code(
        &self,
        plugin: &LoadedPlugin,
        limits: &Limits,
        request: &RunRequest,
    ) -> Execution<RunResult> {
        let run = match &plugin.pre {
            WorldPre::CodeRunner(pre) => {
                self.execute(plugin, limits, |mut store| async move {
                    let result = async {
                        let bindings = pre.instantiate_async(&mut store).await?;
                        bindings
                            .tessera_platform_code_runner()
                            .call_run(&mut store, request)
                            .await
                    }
                    .await;
                    (store, result)
                })
                .instrument(call_span(plugin, "run"))
                .await
            }
            _ => Execution {
                result: Err(not_a(plugin, "code runner").kind),
                stdout: Output::default(),
                stderr: Output::default(),
                memory_limit_hit: false,
                peak_memory_bytes: 0,
                elapsed: Duration::ZERO,
            },
        };
        // A learner's timeout or memory bomb is counted under its kind, but not logged as a
        // plugin failure: the sandbox reports it as the run's status.
        self.record(plugin, "run", run.elapsed, run.result.as_ref().err());
        run
    }
}

impl Runtime {
    /// Calls `llm.models()` on an AI-gateway plugin.
    pub async fn models(&self, plugin: &LoadedPlugin) -> Result<Vec<ModelInfo>, PluginError> {
        let WorldPre::Llm(pre) = &plugin.pre else {
            return Err(not_a(plugin, "AI gateway"));
        };
        self.run_call(plugin, "models", |mut store| async move {
            let result = async {
                let bindings = pre.instantiate_async(&mut store).await?;
                bindings
                    .tessera_platform_llm()
                    .call_models(&mut store)
                    .await
            }
            .await;
            (store, result)
        })
        .await
    }
}

impl Runtime {
    /// Calls `llm.complete(request)` on an AI-gateway plugin.
    pub async fn complete(
        &self,
        plugin: &LoadedPlugin,
        request: &ChatRequest,
    ) -> Result<Result<ChatResponse, LlmError>, PluginError> {
        let WorldPre::Llm(pre) = &plugin.pre else {
            return Err(not_a(plugin, "AI gateway"));
        };
        self.run_call(plugin, "complete", |mut store| async move {
            let result = async {
                let bindings = pre.instantiate_async(&mut store).await?;
                bindings
                    .tessera_platform_llm()
                    .call_complete(&mut store, request)
                    .await
            }
            .await;
            (store, result)
        })
        .await
    }
}

impl Runtime {
    /// Calls `safety.screen(text, context)`; `region` picks the hotline of a crisis answer.
    pub async fn screen(
        &self,
        plugin: &LoadedPlugin,
        text: &str,
        region: Option<&str>,
    ) -> Result<Verdict, PluginError> {
        let WorldPre::Safety(pre) = &plugin.pre else {
            return Err(not_a(plugin, "safety filter"));
        };
        let context = ScreenContext {
            surface: "api".into(),
            region: region.map(str::to_owned),
            locale: "en".into(),
        };
        self.run_call(plugin, "screen", |mut store| async move {
            let result = async {
                let bindings = pre.instantiate_async(&mut store).await?;
                bindings
                    .tessera_platform_safety()
                    .call_screen(&mut store, text, &context)
                    .await
            }
            .await;
            (store, result)
        })
        .await
    }
}

fn not_a(plugin: &LoadedPlugin, what: &str) -> PluginError {
    PluginError {
        plugin: plugin.plugin_ref().clone(),
        kind: PluginErrorKind::NoSuchFunction(format!(
            "{what} (the plugin's world is {})",
            plugin.manifest.world
        )),
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

mod lesson_engine_calls {
    //! Typed calls into the lesson engine (`tessera:platform/lesson-engine`).

    use super::super::bindings::v0_1_0::lesson_engine_world::engine::{
        AchievementInfo, CertificateReport, DailyPlan, LearnerState, ProgressUpdate, StepOutcome,
        TopicMastery, TrackRef,
    };
    use super::super::bindings::v0_1_0::types::Error as ContractError;
    use super::{LoadedPlugin, PluginError, Runtime, WorldPre, not_a};

    /// Defines a typed call on the lesson-engine world.
    macro_rules! engine_call {
        ($(#[$doc:meta])* $name:ident, $function:literal, $call:ident, ($($arg:ident: $ty:ty),*) -> $out:ty) => {
            $(#[$doc])*
            pub async fn $name(
                &self,
                plugin: &LoadedPlugin,
                $($arg: $ty),*
            ) -> Result<$out, PluginError> {
                let WorldPre::LessonEngine(pre) = &plugin.pre else {
                    return Err(not_a(plugin, "lesson engine"));
                };
                self.run_call(plugin, $function, |mut store| async move {
                    let result = async {
                        let bindings = pre.instantiate_async(&mut store).await?;
                        bindings
                            .tessera_platform_lesson_engine()
                            .$call(&mut store, $($arg),*)
                            .await
                    }
                    .await;
                    (store, result)
                })
                .await
            }
        };
    }

    impl Runtime {
        engine_call!(
            /// `lesson-engine.plan-day(state)`.
            plan_day, "plan-day", call_plan_day,
            (state: &LearnerState) -> Result<DailyPlan, ContractError>
        );
        engine_call!(
            /// `lesson-engine.record-outcome(state, outcome)`.
            record_outcome, "record-outcome", call_record_outcome,
            (state: &LearnerState, outcome: &StepOutcome) -> Result<ProgressUpdate, ContractError>
        );
        engine_call!(
            /// `lesson-engine.mastery(state)`.
            mastery, "mastery", call_mastery,
            (state: &LearnerState) -> Result<Vec<TopicMastery>, ContractError>
        );
        engine_call!(
            /// `lesson-engine.certificate-status(state, track)`.
            certificate_status, "certificate-status", call_certificate_status,
            (state: &LearnerState, track: &TrackRef) -> Result<CertificateReport, ContractError>
        );
        engine_call!(
            /// `lesson-engine.achievement-catalog()`.
            achievement_catalog, "achievement-catalog", call_achievement_catalog,
            () -> Vec<AchievementInfo>
        );
    }
}
