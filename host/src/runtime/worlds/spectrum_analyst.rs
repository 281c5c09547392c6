//! `spectrum-analyst-plugin` (Kalei's Spectrum): insights from a period's aggregates.
//! Served from contract 0.2.0 on.

use std::sync::Arc;

use super::{WorldPre, not_a, pre_from_0_2_0};
use crate::plugins::contract::World;
use crate::plugins::contract::reflection::{
    Insight, InsightsRequest, PeriodAggregates, PeriodKind,
};
use crate::plugins::contract::types::Error as ContractError;
use crate::runtime::bindings::{Convert, v0_2_0};
use crate::runtime::capabilities::llm::OnBehalfOf;
use crate::runtime::extism::wire::WireResult;
use crate::runtime::state::PluginState;
use crate::runtime::{LoadedPlugin, PluginError, Runtime};

pre_from_0_2_0!(
    /// A spectrum analyst's pre-instance.
    SpectrumAnalystPre,
    v0_2_0::spectrum_analyst_world::SpectrumAnalystPluginPre<PluginState>,
    "spectrum analysts"
);

impl Runtime {
    /// Calls `spectrum-analyst.insights(request)` for `on_behalf_of`.
    pub async fn insights(
        &self,
        plugin: &LoadedPlugin,
        request: &InsightsRequest,
        on_behalf_of: Option<&Arc<OnBehalfOf>>,
    ) -> Result<Result<Vec<Insight>, ContractError>, PluginError> {
        if let Some(pre) = plugin.pre.extism(World::SpectrumAnalyst) {
            let insights: WireResult<Vec<Insight>> = self
                .call_extism(plugin, pre, "insights", request, on_behalf_of)
                .await?;
            return Ok(insights.into());
        }
        let WorldPre::SpectrumAnalyst(SpectrumAnalystPre(pre)) = &plugin.pre else {
            return Err(not_a(plugin, "spectrum analyst"));
        };
        let request: v0_2_0::spectrum_analyst_world::analyst::InsightsRequest =
            request.clone().convert();
        let insights = self
            .run_call(plugin, "insights", |mut store| async move {
                store.data_mut().on_behalf_of = on_behalf_of.cloned();
                let result = async {
                    let bindings = pre.instantiate_async(&mut store).await?;
                    bindings
                        .tessera_platform_spectrum_analyst()
                        .call_insights(&mut store, &request)
                        .await
                }
                .await;
                (store, result)
            })
            .await?;
        Ok(insights.convert())
    }
}

/// An analyst must write one to five insights of the known kinds for an active week.
pub(super) async fn smoke(runtime: &Runtime, plugin: &LoadedPlugin) -> Result<(), String> {
    let week = PeriodAggregates {
        kind: PeriodKind::Week,
        start: "2026-01-05".into(),
        end: "2026-01-11".into(),
        active_days: 4,
        mirror_sessions: 3,
        mirror_messages: 9,
        distortions: vec![crate::plugins::contract::reflection::DistortionCount {
            kind: crate::plugins::contract::reflection::Distortion::Catastrophising,
            count: 4,
        }],
        fragment_reframes: 2,
        turns: 5,
        turns_saved: 2,
        actions_completed: 3,
        actions_open: 2,
    };
    let request = InsightsRequest {
        current: week,
        previous: None,
        learner: None,
    };
    match runtime.insights(plugin, &request, None).await {
        Ok(Ok(insights)) => crate::kalei::spectrum::check_insights(&insights)
            .map_err(|problem| format!("smoke call insights(): {problem}")),
        Ok(Err(e)) => Err(format!("smoke call insights() answered an error: {e:?}")),
        Err(e) => Err(format!("smoke call insights() failed: {}", e.kind)),
    }
}
