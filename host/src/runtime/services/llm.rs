//! `tessera:platform/llm` as seen from a plugin. The AI gateway component that serves it
//! arrives with its own issue; until an `llm-plugin` is installed the import answers
//! `unavailable`, which plugins must handle anyway (providers go down).

use crate::runtime::bindings::v0_1_0::llm::{ChatRequest, ChatResponse, Host, LlmError};
use crate::runtime::state::PluginState;

impl Host for PluginState {
    async fn complete(&mut self, request: ChatRequest) -> Result<ChatResponse, LlmError> {
        tracing::debug!(plugin = %self.services.plugin, feature = %request.feature, "llm call without a gateway");
        Err(LlmError::Unavailable(
            "no llm-plugin (AI gateway) is installed on this host".into(),
        ))
    }
}
