//! `code-runner-plugin`: the sandbox that runs learner code. Its calls are judged by the
//! caller (`crate::sandbox`), so they return everything the run left behind.

use std::time::Duration;

use tracing::Instrument;

use super::{WorldPre, not_a};
use crate::plugins::contract::code_runner::{RunLimits, RunRequest, RunResult, RunStatus};
use crate::plugins::manifest::Limits;
use crate::runtime::bindings::{Convert, for_version, versioned_pre};
use crate::runtime::call::{Execution, Output, call_span};
use crate::runtime::{LoadedPlugin, Runtime};

versioned_pre! {
    /// A code runner's pre-instance, per contract version.
    pub enum CodeRunnerPre = code_runner_world::CodeRunnerPluginPre;
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
            WorldPre::CodeRunner(pre) => for_version!(pre, CodeRunnerPre, |pre, v| {
                let request: v::code_runner_world::runner::RunRequest = request.clone().convert();
                self.execute(plugin, limits, |mut store| async move {
                    let result = async {
                        let bindings = pre.instantiate_async(&mut store).await?;
                        bindings
                            .tessera_platform_code_runner()
                            .call_run(&mut store, &request)
                            .await
                    }
                    .await;
                    (store, result.map(Convert::convert))
                })
                .instrument(call_span(plugin, "run"))
                .await
            }),
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

/// A code runner must run an empty program of each language it claims cleanly; the
/// largest peak memory of those runs is its baseline.
pub(super) async fn smoke(runtime: &Runtime, plugin: &LoadedPlugin) -> Result<u64, String> {
    let mut baseline = 0;
    for language in &plugin.manifest.routing.languages {
        let request = empty_program(language);
        let run = runtime
            .run_code(plugin, &plugin.services.limits, &request)
            .await;
        match run.result {
            Ok(result) if result.status == RunStatus::Ok => {}
            Ok(result) => {
                return Err(format!(
                    "smoke run of an empty {language} program ended with {:?}: {}",
                    result.status,
                    String::from_utf8_lossy(&run.stderr.bytes).trim()
                ));
            }
            Err(kind) => {
                return Err(format!(
                    "smoke run of an empty {language} program failed: {kind}"
                ));
            }
        }
        baseline = baseline.max(run.peak_memory_bytes);
    }
    Ok(baseline)
}

fn empty_program(language: &str) -> RunRequest {
    RunRequest {
        language: language.to_owned(),
        code: String::new(),
        stdin: String::new(),
        tests: Vec::new(),
        limits: RunLimits {
            timeout_ms: None,
            memory_mb: None,
            max_output_bytes: None,
        },
    }
}
