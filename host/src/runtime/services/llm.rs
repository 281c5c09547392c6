//! `tessera:platform/llm` as seen from a plugin (a tutor agent, a rubric grader): the host
//! serves the import through the AI gateway plugin, with the safety gate in front, never
//! by letting a plugin reach a provider itself. The gateway lives above the runtime, so it
//! registers itself as the [`LlmBackend`] when the server starts; until then (or in CLI
//! commands) the import answers `unavailable`, which plugins must handle anyway.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::runtime::bindings::v0_1_0::llm::{ChatRequest, ChatResponse, Host, LlmError, ModelInfo};
use crate::runtime::state::PluginState;

/// What serves plugins' completions.
pub trait LlmBackend: Send + Sync {
    /// Completes `request` for the plugin named `caller`.
    fn complete(
        self: Arc<Self>,
        caller: String,
        request: ChatRequest,
    ) -> Pin<Box<dyn Future<Output = Result<ChatResponse, LlmError>> + Send>>;

    /// The models the gateway serves (empty when it cannot say).
    fn models(self: Arc<Self>) -> Pin<Box<dyn Future<Output = Vec<ModelInfo>> + Send>>;
}

/// Where the backend is registered (see [`super::BackendSlot`]).
pub type LlmSlot = super::BackendSlot<dyn LlmBackend>;

impl Host for PluginState {
    async fn models(&mut self) -> Vec<ModelInfo> {
        match self.services.llm.get() {
            Some(backend) => backend.models().await,
            None => Vec::new(),
        }
    }

    async fn complete(&mut self, request: ChatRequest) -> Result<ChatResponse, LlmError> {
        match self.services.llm.get() {
            Some(backend) => {
                backend
                    .complete(self.services.plugin.to_string(), request)
                    .await
            }
            None => {
                tracing::debug!(plugin = %self.services.plugin, feature = %request.feature, "llm call without a gateway");
                Err(LlmError::Unavailable(
                    "no AI gateway is running on this host".into(),
                ))
            }
        }
    }
}
