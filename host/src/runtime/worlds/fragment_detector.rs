//! `fragment-detector-plugin` (Kalei's Mirror): finds cognitive-distortion passages in a
//! message. Served from contract 0.2.0 on.

use std::sync::Arc;

use super::{WorldPre, not_a, pre_from_0_2_0};
use crate::plugins::contract::World;
use crate::plugins::contract::reflection::{DetectionRequest, Fragment};
use crate::plugins::contract::types::Error as ContractError;
use crate::runtime::bindings::{Convert, v0_2_0};
use crate::runtime::capabilities::llm::OnBehalfOf;
use crate::runtime::extism::wire::WireResult;
use crate::runtime::state::PluginState;
use crate::runtime::{LoadedPlugin, PluginError, Runtime};

pre_from_0_2_0!(
    /// A fragment detector's pre-instance.
    FragmentDetectorPre,
    v0_2_0::fragment_detector_world::FragmentDetectorPluginPre<PluginState>,
    "fragment detectors"
);

impl Runtime {
    /// Calls `fragment-detector.detect(request)` for `on_behalf_of` (its model call is that
    /// user's, against their budget). The fragments are as the plugin returned them: the
    /// caller checks them against the text ([`crate::kalei::fragments`]).
    pub async fn detect_fragments(
        &self,
        plugin: &LoadedPlugin,
        request: &DetectionRequest,
        on_behalf_of: Option<&Arc<OnBehalfOf>>,
    ) -> Result<Result<Vec<Fragment>, ContractError>, PluginError> {
        if let Some(pre) = plugin.pre.extism(World::FragmentDetector) {
            let found: WireResult<Vec<Fragment>> = self
                .call_extism(plugin, pre, "detect", request, on_behalf_of)
                .await?;
            return Ok(found.into());
        }
        let WorldPre::FragmentDetector(FragmentDetectorPre(pre)) = &plugin.pre else {
            return Err(not_a(plugin, "fragment detector"));
        };
        let request: v0_2_0::fragment_detector_world::detector::DetectionRequest =
            request.clone().convert();
        let found = self
            .run_call(plugin, "detect", |mut store| async move {
                store.data_mut().on_behalf_of = on_behalf_of.cloned();
                let result = async {
                    let bindings = pre.instantiate_async(&mut store).await?;
                    bindings
                        .tessera_platform_fragment_detector()
                        .call_detect(&mut store, &request)
                        .await
                }
                .await;
                (store, result)
            })
            .await?;
        Ok(found.convert())
    }
}

/// A detector must answer a plain message with fragments that quote it exactly.
pub(super) async fn smoke(runtime: &Runtime, plugin: &LoadedPlugin) -> Result<(), String> {
    let text = "I always ruin everything. Everyone must think I'm a failure.";
    let request = DetectionRequest {
        text: text.into(),
        history: Vec::new(),
        learner: None,
    };
    match runtime.detect_fragments(plugin, &request, None).await {
        Ok(Ok(found)) => {
            let checked = crate::kalei::fragments::checked(text, found.clone());
            if checked.len() == found.len() {
                Ok(())
            } else {
                Err(format!(
                    "smoke call detect(): {} of {} fragments do not quote the text at their span, or overlap",
                    found.len() - checked.len(),
                    found.len()
                ))
            }
        }
        Ok(Err(e)) => Err(format!("smoke call detect() answered an error: {e:?}")),
        Err(e) => Err(format!("smoke call detect() failed: {}", e.kind)),
    }
}
