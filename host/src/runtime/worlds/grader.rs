//! `grader-plugin`: grades answers to the question kinds it claims.

use std::sync::Arc;

use super::{WorldPre, not_a};
use crate::plugins::contract::World;
use crate::plugins::contract::grader::{GradeOutcome, Submission};
use crate::plugins::contract::types::Error as ContractError;
use crate::runtime::bindings::{Convert, for_version, versioned_pre};
use crate::runtime::capabilities::llm::OnBehalfOf;
use crate::runtime::extism::wire::WireResult;
use crate::runtime::{LoadedPlugin, PluginError, Runtime};

versioned_pre! {
    /// A grader's pre-instance, per contract version.
    pub enum GraderPre = GraderPluginPre;
}

impl Runtime {
    /// Calls `grader.kinds()`.
    pub async fn grader_kinds(&self, plugin: &LoadedPlugin) -> Result<Vec<String>, PluginError> {
        if let Some(pre) = plugin.pre.extism(World::Grader) {
            return self.call_extism(plugin, pre, "kinds", &(), None).await;
        }
        let WorldPre::Grader(pre) = &plugin.pre else {
            return Err(not_a(plugin, "grader"));
        };
        for_version!(pre, GraderPre, |pre| {
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
        })
    }

    /// Calls `grader.grade(submission)`, for `on_behalf_of` when a user's request or job
    /// asks for it (the grader's model calls are then that user's).
    pub async fn grade(
        &self,
        plugin: &LoadedPlugin,
        submission: &Submission,
        on_behalf_of: Option<&Arc<OnBehalfOf>>,
    ) -> Result<Result<GradeOutcome, ContractError>, PluginError> {
        if let Some(pre) = plugin.pre.extism(World::Grader) {
            let outcome: WireResult<GradeOutcome> = self
                .call_extism(plugin, pre, "grade", submission, on_behalf_of)
                .await?;
            return Ok(outcome.into());
        }
        let WorldPre::Grader(pre) = &plugin.pre else {
            return Err(not_a(plugin, "grader"));
        };
        for_version!(pre, GraderPre, |pre, v| {
            let submission: v::grader::Submission = submission.clone().convert();
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
        })
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
