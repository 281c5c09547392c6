//! `tessera:platform/code-runner` as seen from a plugin (a code grader): the host serves
//! the import by running the code in the sandbox (`crate::sandbox`), in the code-runner
//! plugin's own fresh instance under its own limits, never inside the caller.
//!
//! The runtime sits below the sandbox, so the sandbox registers itself here as the
//! [`CodeRunnerBackend`] when the server starts; until then (or in CLI commands that have
//! no sandbox) a run ends with `internal-error` and says why, as the contract requires (a
//! run never fails as a call).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::runtime::bindings::v0_1_0::code_runner::{Host, RunRequest, RunResult, RunStatus};
use crate::runtime::state::PluginState;

/// What serves plugins' code runs.
pub trait CodeRunnerBackend: Send + Sync {
    /// Runs `request` to completion for `user` (the user the calling plugin works for,
    /// when known: their runs count against their share of the sandbox); every failure is
    /// a status in the result.
    fn run(
        self: Arc<Self>,
        request: RunRequest,
        user: Option<String>,
    ) -> Pin<Box<dyn Future<Output = RunResult> + Send>>;
}

/// Where the backend is registered (see [`super::BackendSlot`]).
pub type CodeRunnerSlot = super::BackendSlot<dyn CodeRunnerBackend>;

/// A run that could not be carried out, as a result.
pub fn failed_run(message: String) -> RunResult {
    RunResult {
        status: RunStatus::InternalError,
        stdout: String::new(),
        stderr: message,
        exit_code: -1,
        error: None,
        stdout_truncated: false,
        stderr_truncated: false,
        tests: Vec::new(),
    }
}

impl Host for PluginState {
    async fn run(&mut self, request: RunRequest) -> RunResult {
        match self.services.code_runner.get() {
            Some(backend) => {
                // A grader's runs count against the learner it grades for.
                let user = self.on_behalf_of.as_ref().map(|o| o.user_id.clone());
                backend.run(request, user).await
            }
            None => {
                tracing::debug!(plugin = %self.services.plugin, "code run without a sandbox");
                failed_run("no code sandbox is running on this host".into())
            }
        }
    }
}
