//! `llm-plugin`: the AI gateway, which reaches model providers.

use super::{WorldPre, not_a};
use crate::plugins::contract::llm::{ChatRequest, ChatResponse, LlmError, ModelInfo};
use crate::runtime::bindings::{Convert, for_version, versioned_pre};
use crate::runtime::{LoadedPlugin, PluginError, Runtime};

versioned_pre! {
    /// An AI gateway's pre-instance, per contract version.
    pub enum LlmPre = llm_world::LlmPluginPre;
}

impl Runtime {
    /// Calls `llm.models()` on an AI-gateway plugin.
    pub async fn models(&self, plugin: &LoadedPlugin) -> Result<Vec<ModelInfo>, PluginError> {
        let WorldPre::Llm(pre) = &plugin.pre else {
            return Err(not_a(plugin, "AI gateway"));
        };
        for_version!(pre, LlmPre, |pre| {
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
        })
    }

    /// Calls `llm.complete(request)` on an AI-gateway plugin.
    pub async fn complete(
        &self,
        plugin: &LoadedPlugin,
        request: &ChatRequest,
    ) -> Result<Result<ChatResponse, LlmError>, PluginError> {
        let WorldPre::Llm(pre) = &plugin.pre else {
            return Err(not_a(plugin, "AI gateway"));
        };
        for_version!(pre, LlmPre, |pre, v| {
            let request: v::llm_world::gateway::ChatRequest = request.clone().convert();
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
        })
    }
}
