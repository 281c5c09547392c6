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

use wasmtime::component::{HasSelf, Linker};

use super::{Backends, Capability, Grant};
use crate::plugins::contract::code_runner::{RunRequest, RunResult, RunStatus};
use crate::plugins::contract::{Version, World};
use crate::plugins::manifest::Manifest;
use crate::runtime::bindings::{Convert, v0_1_0, v0_2_0};
use crate::runtime::state::PluginState;

/// `tessera:platform/code-runner`, for the worlds that judge or explain code: graders,
/// agents and triage.
pub const CAPABILITY: Capability = Capability {
    name: "code-runner",
    imports: &["tessera:platform/code-runner"],
    worlds: &[World::Grader, World::Agent, World::Triage],
    since: Version::V0_1_0,
    grant: Grant::Field {
        text: "grants.code_runner = true",
        granted: |grants| grants.code_runner,
    },
    link,
};

fn link(linker: &mut Linker<PluginState>, contract: Version, _: World) -> wasmtime::Result<()> {
    match contract {
        Version::V0_1_0 => {
            v0_1_0::code_runner::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)
        }
        Version::V0_2_0 => {
            v0_2_0::code_runner::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)
        }
    }
}

/// The plugin's way to the sandbox: the runtime's slot when granted, an empty one (every
/// run `internal-error`) otherwise.
pub fn plugin_state(manifest: &Manifest, backends: &Backends) -> CodeRunnerSlot {
    backends
        .code_runner
        .for_plugin(CAPABILITY.granted(&manifest.grants))
}

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

/// The import's host side for a contract version whose `code-runner` has the host's types
/// (converted by that version's adapter).
macro_rules! code_runner_host {
    ($($v:ident),*) => {$(
        impl $v::code_runner::Host for PluginState {
            async fn run(&mut self, request: $v::code_runner::RunRequest) -> $v::code_runner::RunResult {
                run(self, request.convert()).await.convert()
            }
        }
    )*};
}
code_runner_host!(v0_1_0, v0_2_0);

/// A plugin's run, in the host's types.
async fn run(state: &mut PluginState, request: RunRequest) -> RunResult {
    match state.services.code_runner.get() {
        Some(backend) => {
            // A grader's runs count against the learner it grades for.
            let user = state.on_behalf_of.as_ref().map(|o| o.user_id.clone());
            backend.run(request, user).await
        }
        None => {
            tracing::debug!(plugin = %state.services.plugin, "code run without a sandbox");
            failed_run("no code sandbox is running on this host".into())
        }
    }
}
