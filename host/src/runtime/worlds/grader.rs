//! `grader-plugin`: grades answers to the question kinds it claims.

use std::sync::Arc;

use wasmtime::component::InstancePre;

use super::{WorldPre, not_a};
use crate::plugins::contract::Version;
use crate::plugins::contract::grader::{GradeOutcome, Submission};
use crate::plugins::contract::types::Error as ContractError;
use crate::runtime::bindings::{Convert, v0_1_0};
use crate::runtime::capabilities::llm::OnBehalfOf;
use crate::runtime::{LoadedPlugin, PluginError, Runtime, state::PluginState};

/// A grader's pre-instance, per contract version.
pub enum GraderPre {
    /// Built against 0.1.0.
    V0_1_0(v0_1_0::GraderPluginPre<PluginState>),
}

impl GraderPre {
    pub(super) fn new(version: Version, pre: InstancePre<PluginState>) -> wasmtime::Result<Self> {
        match version {
            Version::V0_1_0 => Ok(Self::V0_1_0(v0_1_0::GraderPluginPre::new(pre)?)),
        }
    }

    pub(super) fn instance_pre(&self) -> &InstancePre<PluginState> {
        match self {
            Self::V0_1_0(pre) => pre.instance_pre(),
        }
    }
}

impl Runtime {
    /// Calls `grader.kinds()`.
    pub async fn grader_kinds(&self, plugin: &LoadedPlugin) -> Result<Vec<String>, PluginError> {
        let WorldPre::Grader(GraderPre::V0_1_0(pre)) = &plugin.pre else {
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
    ) -> Result<Result<GradeOutcome, ContractError>, PluginError> {
        let WorldPre::Grader(GraderPre::V0_1_0(pre)) = &plugin.pre else {
            return Err(not_a(plugin, "grader"));
        };
        let submission: v0_1_0::grader::Submission = submission.clone().convert();
        let outcome = self
            .run_call(plugin, "grade", |mut store| async move {
                store.data_mut().on_behalf_of = on_behalf_of.cloned();
                let result = async {
                    let bindings = pre.instantiate_async(&mut store).await?;
                    bindings
                        .tessera_platform_grader()
                        .call_grade(&mut store, &submission)
                        .await
                }
                .await;
                (store, result)
            })
            .await?;
        Ok(outcome.convert())
    }
}

/// A grader must list the kinds its manifest claims.
pub(super) async fn smoke(runtime: &Runtime, plugin: &LoadedPlugin) -> Result<(), String> {
    let kinds = runtime
        .grader_kinds(plugin)
        .await
        .map_err(|e| format!("smoke call kinds() failed: {}", e.kind))?;
    let missing: Vec<&String> = plugin
        .manifest
        .routing
        .kinds
        .iter()
        .filter(|k| !kinds.contains(k))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "routing.kinds claims {missing:?}, but the component's kinds() returns {kinds:?}"
        ))
    }
}
