//! `lens-coach-plugin` (Kalei's Lens): small actions towards a goal, and the daily
//! affirmation. Served from contract 0.2.0 on.

use std::sync::Arc;

use super::{WorldPre, not_a, pre_from_0_2_0};
use crate::plugins::contract::World;
use crate::plugins::contract::reflection::{Action, ActionsRequest, AffirmationRequest, Goal};
use crate::plugins::contract::types::Error as ContractError;
use crate::runtime::bindings::{Convert, v0_2_0};
use crate::runtime::capabilities::llm::OnBehalfOf;
use crate::runtime::extism::wire::WireResult;
use crate::runtime::state::PluginState;
use crate::runtime::{LoadedPlugin, PluginError, Runtime};

pre_from_0_2_0!(
    /// A lens coach's pre-instance.
    LensCoachPre,
    v0_2_0::lens_coach_world::LensCoachPluginPre<PluginState>,
    "lens coaches"
);

impl Runtime {
    /// Calls `lens-coach.suggest-actions(request)` for `on_behalf_of`.
    pub async fn suggest_actions(
        &self,
        plugin: &LoadedPlugin,
        request: &ActionsRequest,
        on_behalf_of: Option<&Arc<OnBehalfOf>>,
    ) -> Result<Result<Vec<Action>, ContractError>, PluginError> {
        if let Some(pre) = plugin.pre.extism(World::LensCoach) {
            let actions: WireResult<Vec<Action>> = self
                .call_extism(plugin, pre, "suggest-actions", request, on_behalf_of)
                .await?;
            return Ok(actions.into());
        }
        let WorldPre::LensCoach(LensCoachPre(pre)) = &plugin.pre else {
            return Err(not_a(plugin, "lens coach"));
        };
        let request: v0_2_0::lens_coach_world::coach::ActionsRequest = request.clone().convert();
        let actions = self
            .run_call(plugin, "suggest-actions", |mut store| async move {
                store.data_mut().on_behalf_of = on_behalf_of.cloned();
                let result = async {
                    let bindings = pre.instantiate_async(&mut store).await?;
                    bindings
                        .tessera_platform_lens_coach()
                        .call_suggest_actions(&mut store, &request)
                        .await
                }
                .await;
                (store, result)
            })
            .await?;
        Ok(actions.convert())
    }

    /// Calls `lens-coach.affirmation(request)` for `on_behalf_of`.
    pub async fn affirmation(
        &self,
        plugin: &LoadedPlugin,
        request: &AffirmationRequest,
        on_behalf_of: Option<&Arc<OnBehalfOf>>,
    ) -> Result<Result<String, ContractError>, PluginError> {
        if let Some(pre) = plugin.pre.extism(World::LensCoach) {
            let text: WireResult<String> = self
                .call_extism(plugin, pre, "affirmation", request, on_behalf_of)
                .await?;
            return Ok(text.into());
        }
        let WorldPre::LensCoach(LensCoachPre(pre)) = &plugin.pre else {
            return Err(not_a(plugin, "lens coach"));
        };
        let request: v0_2_0::lens_coach_world::coach::AffirmationRequest =
            request.clone().convert();
        let text = self
            .run_call(plugin, "affirmation", |mut store| async move {
                store.data_mut().on_behalf_of = on_behalf_of.cloned();
                let result = async {
                    let bindings = pre.instantiate_async(&mut store).await?;
                    bindings
                        .tessera_platform_lens_coach()
                        .call_affirmation(&mut store, &request)
                        .await
                }
                .await;
                (store, result)
            })
            .await?;
        Ok(text.convert())
    }
}

/// A coach must suggest exactly the actions asked for, within their bounds, and write an
/// affirmation.
pub(super) async fn smoke(runtime: &Runtime, plugin: &LoadedPlugin) -> Result<(), String> {
    let request = ActionsRequest {
        goal: Goal {
            title: "Sleep better".into(),
            why: None,
            target_date: None,
        },
        existing: Vec::new(),
        count: 3,
        learner: None,
    };
    let actions = match runtime.suggest_actions(plugin, &request, None).await {
        Ok(Ok(actions)) => actions,
        Ok(Err(e)) => {
            return Err(format!(
                "smoke call suggest-actions() answered an error: {e:?}"
            ));
        }
        Err(e) => return Err(format!("smoke call suggest-actions() failed: {}", e.kind)),
    };
    crate::kalei::lens::check_actions(&actions, 3)
        .map_err(|problem| format!("smoke call suggest-actions(): {problem}"))?;
    let request = AffirmationRequest {
        goals: vec!["Sleep better".into()],
        completed_this_week: 2,
        local_date: "2026-01-05".into(),
        learner: None,
    };
    match runtime.affirmation(plugin, &request, None).await {
        Ok(Ok(text)) if !text.trim().is_empty() => Ok(()),
        Ok(Ok(_)) => Err("smoke call affirmation() answered an empty text".into()),
        Ok(Err(e)) => Err(format!("smoke call affirmation() answered an error: {e:?}")),
        Err(e) => Err(format!("smoke call affirmation() failed: {}", e.kind)),
    }
}
