//! `reframer-plugin` (Kalei's Turn, and Mirror's reframe): three reframes and one
//! micro-action. Served from contract 0.2.0 on.

use std::sync::Arc;

use super::{WorldPre, not_a, pre_from_0_2_0};
use crate::plugins::contract::World;
use crate::plugins::contract::reflection::{ReframeRequest, Reframing};
use crate::plugins::contract::types::Error as ContractError;
use crate::runtime::bindings::{Convert, v0_2_0};
use crate::runtime::capabilities::llm::OnBehalfOf;
use crate::runtime::extism::wire::WireResult;
use crate::runtime::state::PluginState;
use crate::runtime::{LoadedPlugin, PluginError, Runtime};

pre_from_0_2_0!(
    /// A reframer's pre-instance.
    ReframerPre,
    v0_2_0::reframer_world::ReframerPluginPre<PluginState>,
    "reframers"
);

impl Runtime {
    /// Calls `reframer.reframe(request)` for `on_behalf_of`.
    pub async fn reframe(
        &self,
        plugin: &LoadedPlugin,
        request: &ReframeRequest,
        on_behalf_of: Option<&Arc<OnBehalfOf>>,
    ) -> Result<Result<Reframing, ContractError>, PluginError> {
        if let Some(pre) = plugin.pre.extism(World::Reframer) {
            let reframing: WireResult<Reframing> = self
                .call_extism(plugin, pre, "reframe", request, on_behalf_of)
                .await?;
            return Ok(reframing.into());
        }
        let WorldPre::Reframer(ReframerPre(pre)) = &plugin.pre else {
            return Err(not_a(plugin, "reframer"));
        };
        let request: v0_2_0::reframer_world::reframer::ReframeRequest = request.clone().convert();
        let reframing = self
            .run_call(plugin, "reframe", |mut store| async move {
                store.data_mut().on_behalf_of = on_behalf_of.cloned();
                let result = async {
                    let bindings = pre.instantiate_async(&mut store).await?;
                    bindings
                        .tessera_platform_reframer()
                        .call_reframe(&mut store, &request)
                        .await
                }
                .await;
                (store, result)
            })
            .await?;
        Ok(reframing.convert())
    }
}

/// A reframer must answer exactly three reframes with distinct angles and a micro-action.
pub(super) async fn smoke(runtime: &Runtime, plugin: &LoadedPlugin) -> Result<(), String> {
    let request = ReframeRequest {
        thought: "I messed up the presentation, so I'll never get promoted.".into(),
        distortions: Vec::new(),
        context: None,
        learner: None,
    };
    match runtime.reframe(plugin, &request, None).await {
        Ok(Ok(reframing)) => crate::kalei::reframes::check(&reframing)
            .map_err(|problem| format!("smoke call reframe(): {problem}")),
        Ok(Err(e)) => Err(format!("smoke call reframe() answered an error: {e:?}")),
        Err(e) => Err(format!("smoke call reframe() failed: {}", e.kind)),
    }
}
