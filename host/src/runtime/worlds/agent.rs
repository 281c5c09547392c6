//! `agent-plugin`: tutor agents, each answering the intents its manifest routes to it.
//! Served from contract 0.2.0 on, so one binding serves it.

use std::sync::Arc;

use super::{WorldPre, not_a};
use crate::plugins::contract::agent::{AgentInfo, AgentReply, AgentRequest};
use crate::plugins::contract::types::Error as ContractError;
use crate::plugins::contract::{Version, World};
use crate::runtime::bindings::{Convert, v0_2_0};
use crate::runtime::capabilities::llm::OnBehalfOf;
use crate::runtime::extism::wire::WireResult;
use crate::runtime::state::PluginState;
use crate::runtime::{LoadedPlugin, PluginError, Runtime};

/// An agent's pre-instance (contract 0.2.0 or later).
pub struct AgentPre(v0_2_0::agent_world::AgentPluginPre<PluginState>);

impl AgentPre {
    pub(super) fn new(
        version: Version,
        pre: wasmtime::component::InstancePre<PluginState>,
    ) -> wasmtime::Result<Self> {
        match version {
            Version::V0_2_0 => Ok(AgentPre(v0_2_0::agent_world::AgentPluginPre::new(pre)?)),
            Version::V0_1_0 => Err(wasmtime::Error::msg(
                "agents are served from contract 0.2.0 on",
            )),
        }
    }

    pub(super) fn instance_pre(&self) -> &wasmtime::component::InstancePre<PluginState> {
        self.0.instance_pre()
    }
}

impl Runtime {
    /// Calls `agent.describe()`.
    pub async fn describe_agent(&self, plugin: &LoadedPlugin) -> Result<AgentInfo, PluginError> {
        if let Some(pre) = plugin.pre.extism(World::Agent) {
            return self.call_extism(plugin, pre, "describe", &(), None).await;
        }
        let WorldPre::Agent(AgentPre(pre)) = &plugin.pre else {
            return Err(not_a(plugin, "agent"));
        };
        let info = self
            .run_call(plugin, "describe", |mut store| async move {
                let result = async {
                    let bindings = pre.instantiate_async(&mut store).await?;
                    bindings
                        .tessera_platform_agent()
                        .call_describe(&mut store)
                        .await
                }
                .await;
                (store, result)
            })
            .await?;
        Ok(info.convert())
    }

    /// Calls `agent.respond(request)` for `on_behalf_of` (the agent's model calls are
    /// that learner's, against their budget).
    pub async fn respond(
        &self,
        plugin: &LoadedPlugin,
        request: &AgentRequest,
        on_behalf_of: Option<&Arc<OnBehalfOf>>,
    ) -> Result<Result<AgentReply, ContractError>, PluginError> {
        if let Some(pre) = plugin.pre.extism(World::Agent) {
            let reply: WireResult<AgentReply> = self
                .call_extism(plugin, pre, "respond", request, on_behalf_of)
                .await?;
            return Ok(reply.into());
        }
        let WorldPre::Agent(AgentPre(pre)) = &plugin.pre else {
            return Err(not_a(plugin, "agent"));
        };
        let request: v0_2_0::agent_world::agent::AgentRequest = request.clone().convert();
        let reply = self
            .run_call(plugin, "respond", |mut store| async move {
                store.data_mut().on_behalf_of = on_behalf_of.cloned();
                let result = async {
                    let bindings = pre.instantiate_async(&mut store).await?;
                    bindings
                        .tessera_platform_agent()
                        .call_respond(&mut store, &request)
                        .await
                }
                .await;
                (store, result)
            })
            .await?;
        Ok(reply.convert())
    }
}

/// An agent must answer the intents its manifest routes to it, and no others.
pub(super) async fn smoke(runtime: &Runtime, plugin: &LoadedPlugin) -> Result<(), String> {
    let info = runtime
        .describe_agent(plugin)
        .await
        .map_err(|e| format!("smoke call describe() failed: {}", e.kind))?;
    let mut said = info.intents.clone();
    let mut routed = plugin.manifest.routing.intents.clone();
    said.sort();
    routed.sort();
    if said == routed {
        Ok(())
    } else {
        Err(format!(
            "routing.intents is {routed:?}, but the component's describe() says it answers {said:?}"
        ))
    }
}
