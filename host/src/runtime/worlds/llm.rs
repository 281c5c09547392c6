//! `llm-plugin`: the AI gateway, which reaches model providers.

use wasmtime::component::InstancePre;

use super::{WorldPre, not_a};
use crate::plugins::contract::Version;
use crate::plugins::contract::llm::{ChatRequest, ChatResponse, LlmError, ModelInfo};
use crate::runtime::bindings::{Convert, v0_1_0};
use crate::runtime::{LoadedPlugin, PluginError, Runtime, state::PluginState};

/// An AI gateway's pre-instance, per contract version.
pub enum LlmPre {
    /// Built against 0.1.0.
    V0_1_0(v0_1_0::llm_world::LlmPluginPre<PluginState>),
}

impl LlmPre {
    pub(super) fn new(version: Version, pre: InstancePre<PluginState>) -> wasmtime::Result<Self> {
        match version {
            Version::V0_1_0 => Ok(Self::V0_1_0(v0_1_0::llm_world::LlmPluginPre::new(pre)?)),
        }
    }

    pub(super) fn instance_pre(&self) -> &InstancePre<PluginState> {
        match self {
            Self::V0_1_0(pre) => pre.instance_pre(),
        }
    }
}

impl Runtime {
    /// Calls `llm.models()` on an AI-gateway plugin.
    pub async fn models(&self, plugin: &LoadedPlugin) -> Result<Vec<ModelInfo>, PluginError> {
        let WorldPre::Llm(LlmPre::V0_1_0(pre)) = &plugin.pre else {
            return Err(not_a(plugin, "AI gateway"));
        };
        let models = self
            .run_call(plugin, "models", |mut store| async move {
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
            .await?;
        Ok(models.convert())
    }

    /// Calls `llm.complete(request)` on an AI-gateway plugin.
    pub async fn complete(
        &self,
        plugin: &LoadedPlugin,
        request: &ChatRequest,
    ) -> Result<Result<ChatResponse, LlmError>, PluginError> {
        let WorldPre::Llm(LlmPre::V0_1_0(pre)) = &plugin.pre else {
            return Err(not_a(plugin, "AI gateway"));
        };
        let request: v0_1_0::llm_world::gateway::ChatRequest = request.clone().convert();
        let response = self
            .run_call(plugin, "complete", |mut store| async move {
                let result = async {
                    let bindings = pre.instantiate_async(&mut store).await?;
                    bindings
                        .tessera_platform_llm()
                        .call_complete(&mut store, &request)
                        .await
                }
                .await;
                (store, result)
            })
            .await?;
        Ok(response.convert())
    }
}
