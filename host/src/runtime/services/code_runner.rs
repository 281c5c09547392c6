//! `tessera:platform/code-runner` as seen from a plugin. The Python sandbox that serves it
//! arrives with its own issue; until a `code-runner-plugin` is installed a run ends with
//! `internal-error` and says why, as the contract requires (a run never fails as a call).

use crate::runtime::bindings::v0_1_0::code_runner::{Host, RunRequest, RunResult, RunStatus};
use crate::runtime::state::PluginState;

impl Host for PluginState {
    async fn run(&mut self, request: RunRequest) -> RunResult {
        tracing::debug!(plugin = %self.services.plugin, language = %request.language, "code run without a sandbox");
        RunResult {
            status: RunStatus::InternalError,
            stdout: String::new(),
            stderr: "no code-runner-plugin (sandbox) is installed on this host".into(),
            exit_code: -1,
            error: None,
            stdout_truncated: false,
            stderr_truncated: false,
            tests: Vec::new(),
        }
    }
}
