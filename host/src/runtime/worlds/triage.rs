//! `triage-plugin`: decides a query's intent (hence the agent) and topic. Served from
//! contract 0.2.0 on, so one binding serves it.

use super::{WorldPre, not_a};
use crate::plugins::contract::triage::{Decision, IntentOption, TriageQuery};
use crate::plugins::contract::types::Error as ContractError;
use crate::plugins::contract::{Version, World};
use crate::runtime::bindings::{Convert, v0_2_0};
use crate::runtime::extism::wire::WireResult;
use crate::runtime::state::PluginState;
use crate::runtime::{LoadedPlugin, PluginError, Runtime};

/// A triage plugin's pre-instance (contract 0.2.0 or later).
pub struct TriagePre(v0_2_0::triage_world::TriagePluginPre<PluginState>);

impl TriagePre {
    pub(super) fn new(
        version: Version,
        pre: wasmtime::component::InstancePre<PluginState>,
    ) -> wasmtime::Result<Self> {
        match version {
            Version::V0_2_0 => Ok(TriagePre(v0_2_0::triage_world::TriagePluginPre::new(pre)?)),
            Version::V0_1_0 => Err(wasmtime::Error::msg(
                "triage is served from contract 0.2.0 on",
            )),
        }
    }

    pub(super) fn instance_pre(&self) -> &wasmtime::component::InstancePre<PluginState> {
        self.0.instance_pre()
    }
}

impl Runtime {
    /// Calls `triage.classify(query)`.
    pub async fn classify(
        &self,
        plugin: &LoadedPlugin,
        query: &TriageQuery,
    ) -> Result<Result<Decision, ContractError>, PluginError> {
        if let Some(pre) = plugin.pre.extism(World::Triage) {
            let decision: WireResult<Decision> = self
                .call_extism(plugin, pre, "classify", query, None)
                .await?;
            return Ok(decision.into());
        }
        let WorldPre::Triage(TriagePre(pre)) = &plugin.pre else {
            return Err(not_a(plugin, "triage"));
        };
        let query: v0_2_0::triage_world::triage::Query = query.clone().convert();
        let decision = self
            .run_call(plugin, "classify", |mut store| async move {
                let result = async {
                    let bindings = pre.instantiate_async(&mut store).await?;
                    bindings
                        .tessera_platform_triage()
                        .call_classify(&mut store, &query)
                        .await
                }
                .await;
                (store, result)
            })
            .await?;
        Ok(decision.convert())
    }
}

/// Triage must send a traceback to `debug` and answer with one of the offered intents.
pub(super) async fn smoke(runtime: &Runtime, plugin: &LoadedPlugin) -> Result<(), String> {
    let intents = crate::plugins::manifest::BUILT_IN_INTENTS
        .iter()
        .map(|name| IntentOption {
            name: (*name).to_owned(),
            description: String::new(),
            keywords: Vec::new(),
            examples: Vec::new(),
        })
        .collect();
    let query = TriageQuery {
        text: "Why does this crash?\nTraceback (most recent call last):\n  File \"main.py\", line 1, in <module>\nZeroDivisionError: division by zero".into(),
        code: None,
        error: None,
        history: Vec::new(),
        learner: None,
        intents,
    };
    match runtime.classify(plugin, &query).await {
        Ok(Ok(d)) if d.intent == "debug" => Ok(()),
        Ok(Ok(d)) => Err(format!(
            "smoke call classify(): a traceback went to `{}`, not `debug`",
            d.intent
        )),
        Ok(Err(e)) => Err(format!("smoke call classify() answered an error: {e:?}")),
        Err(e) => Err(format!("smoke call classify() failed: {}", e.kind)),
    }
}
