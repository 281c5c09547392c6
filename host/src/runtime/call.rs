//! One plugin call: a fresh store and instance, the plugin's limits, and the mapping of
//! whatever happened to a result or a typed [`PluginError`].

use std::future::Future;
use std::time::{Duration, Instant};

use wasmtime::{Store, Trap};

use super::Runtime;
use super::bindings::v0_1_0::grader::{GradeOutcome as Grade, Submission};
use super::bindings::v0_1_0::types::Error as ContractError;
use super::error::{PluginError, PluginErrorKind};
use super::loader::{LoadedPlugin, WorldPre};
use super::state::PluginState;

/// Lets the runtime check a call's result against `limits.max_output_bytes`.
pub trait OutputSize {
    /// Approximate size of the value in bytes (string and list payloads).
    fn output_size(&self) -> usize;
}

impl OutputSize for Vec<String> {
    fn output_size(&self) -> usize {
        self.iter().map(String::len).sum()
    }
}

impl OutputSize for Grade {
    fn output_size(&self) -> usize {
        self.feedback.len()
            + self
                .parts
                .iter()
                .map(|p| p.part.len() + p.feedback.len())
                .sum::<usize>()
    }
}

impl OutputSize for ContractError {
    fn output_size(&self) -> usize {
        match self {
            ContractError::InvalidInput(f) => f.field.len() + f.message.len(),
            ContractError::Unsupported(s)
            | ContractError::Unavailable(s)
            | ContractError::Internal(s) => s.len(),
        }
    }
}

impl<T: OutputSize, E: OutputSize> OutputSize for Result<T, E> {
    fn output_size(&self) -> usize {
        match self {
            Ok(v) => v.output_size(),
            Err(e) => e.output_size(),
        }
    }
}

/// How much of a plugin's stderr is quoted in a trap message.
const STDERR_TAIL: usize = 600;

impl Runtime {
    /// Runs `body` against a fresh store for `plugin` under its limits.
    ///
    /// `body` owns the store and hands it back with its outcome, so the limiter and the
    /// captured output can be inspected afterwards; on a timeout the future (and with it the
    /// store and instance) is dropped.
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
        let started = Instant::now();
        let limits = &plugin.services.limits;
        let outcome = match self.slots.clone().try_acquire_owned() {
            Err(_) => Err(PluginErrorKind::Busy),
            Ok(_permit) => {
                let mut store =
                    Store::new(self.engine(), PluginState::new(plugin.services.clone()));
                store.limiter(|s| &mut s.limiter);
                store.set_epoch_deadline(1);
                store.epoch_deadline_async_yield_and_update(1);
                // `set_fuel` only fails when fuel is disabled, which the engine never is.
                let _ = store.set_fuel(limits.fuel.unwrap_or(u64::MAX));
                let deadline = Duration::from_millis(limits.timeout_ms);
                match tokio::time::timeout(deadline, body(store)).await {
                    Err(_) => Err(PluginErrorKind::Timeout {
                        timeout_ms: limits.timeout_ms,
                    }),
                    Ok((store, result)) => classify(plugin, store, result),
                }
            }
        };
        let elapsed = started.elapsed();
        self.metrics().record_call(
            plugin.plugin_ref(),
            function,
            elapsed,
            outcome.as_ref().err(),
        );
        outcome.map_err(|kind| {
            tracing::warn!(plugin = %plugin.plugin_ref(), function, error = %kind, "plugin call failed");
            PluginError {
                plugin: plugin.plugin_ref().clone(),
                kind,
            }
        })
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

    /// Calls `grader.grade(submission)`.
    pub async fn grade(
        &self,
        plugin: &LoadedPlugin,
        submission: &Submission,
    ) -> Result<Result<Grade, ContractError>, PluginError> {
        let WorldPre::Grader(pre) = &plugin.pre else {
            return Err(not_a(plugin, "grader"));
        };
        self.run_call(plugin, "grade", |mut store| async move {
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

fn not_a(plugin: &LoadedPlugin, what: &str) -> PluginError {
    PluginError {
        plugin: plugin.plugin_ref().clone(),
        kind: PluginErrorKind::NoSuchFunction(format!(
            "{what} (the plugin's world is {})",
            plugin.manifest.world
        )),
    }
}

/// Turns a finished call into its result or the limit/trap it really hit.
fn classify<R: OutputSize>(
    plugin: &LoadedPlugin,
    store: Store<PluginState>,
    result: wasmtime::Result<R>,
) -> Result<R, PluginErrorKind> {
    let limits = &plugin.services.limits;
    let state = store.data();
    let stdout = state.stdout.contents();
    let stderr = state.stderr.contents();
    log_output(plugin, "stdout", &stdout);
    log_output(plugin, "stderr", &stderr);
    let cap = limits.max_output_bytes;
    let printed = stdout.len().max(stderr.len()) as u64;
    if printed > cap {
        return Err(PluginErrorKind::OutputTooLarge {
            limit: cap,
            actual: printed,
        });
    }
    match result {
        Ok(value) => {
            let size = value.output_size() as u64;
            if size > cap {
                Err(PluginErrorKind::OutputTooLarge {
                    limit: cap,
                    actual: size,
                })
            } else {
                Ok(value)
            }
        }
        Err(error) => {
            if state.limiter.memory_limit_hit {
                return Err(PluginErrorKind::MemoryLimit {
                    memory_mb: limits.memory_mb,
                });
            }
            match error.downcast_ref::<Trap>() {
                Some(Trap::StackOverflow) => Err(PluginErrorKind::StackOverflow),
                Some(Trap::OutOfFuel) => Err(PluginErrorKind::FuelExhausted {
                    fuel: limits.fuel.unwrap_or(u64::MAX),
                }),
                Some(trap) => Err(PluginErrorKind::Trap {
                    message: with_stderr_tail(trap.to_string(), &stderr),
                }),
                None => {
                    if let Some(exit) = error.downcast_ref::<wasmtime_wasi::I32Exit>() {
                        return Err(PluginErrorKind::Trap {
                            message: with_stderr_tail(
                                format!("the plugin exited with code {}", exit.0),
                                &stderr,
                            ),
                        });
                    }
                    let message = format!("{error:#}");
                    if message.contains("concurrent") && message.contains("limit") {
                        Err(PluginErrorKind::Busy)
                    } else {
                        Err(PluginErrorKind::Trap {
                            message: with_stderr_tail(message, &stderr),
                        })
                    }
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
