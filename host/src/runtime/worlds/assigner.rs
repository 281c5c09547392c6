//! `assigner-plugin`: assigns experiment variants and evaluates feature flags (served from
//! contract 0.2.0 on, so one binding serves it).

use super::{WorldPre, not_a};
use crate::plugins::contract::assigner::{
    AssignUnit, Assignment, Experiment, FeatureResult, HashAlgorithm,
};
use crate::plugins::contract::types::Error as ContractError;
use crate::plugins::contract::{Version, World};
use crate::runtime::bindings::{Convert, v0_2_0};
use crate::runtime::extism::wire::WireResult;
use crate::runtime::state::PluginState;
use crate::runtime::{LoadedPlugin, PluginError, Runtime};

/// An assigner plugin's pre-instance (contract 0.2.0 or later).
pub struct AssignerPre(v0_2_0::assigner_world::AssignerPluginPre<PluginState>);

impl AssignerPre {
    pub(super) fn new(
        version: Version,
        pre: wasmtime::component::InstancePre<PluginState>,
    ) -> wasmtime::Result<Self> {
        match version {
            Version::V0_2_0 => Ok(AssignerPre(v0_2_0::assigner_world::AssignerPluginPre::new(
                pre,
            )?)),
            Version::V0_1_0 => Err(wasmtime::Error::msg(
                "the assigner is served from contract 0.2.0 on",
            )),
        }
    }

    pub(super) fn instance_pre(&self) -> &wasmtime::component::InstancePre<PluginState> {
        self.0.instance_pre()
    }
}

impl Runtime {
    /// Calls `assigner.assign(experiment, unit)`.
    pub async fn assign(
        &self,
        plugin: &LoadedPlugin,
        experiment: &Experiment,
        unit: &AssignUnit,
    ) -> Result<Result<Assignment, ContractError>, PluginError> {
        if let Some(pre) = plugin.pre.extism(World::Assigner) {
            let input = serde_json::json!({ "experiment": experiment, "unit": unit });
            let assignment: WireResult<Assignment> = self
                .call_extism(plugin, pre, "assign", &input, None)
                .await?;
            return Ok(assignment.into());
        }
        let WorldPre::Assigner(AssignerPre(pre)) = &plugin.pre else {
            return Err(not_a(plugin, "assigner"));
        };
        let experiment: v0_2_0::assigner_world::assigner::Experiment = experiment.clone().convert();
        let unit: v0_2_0::assigner_world::assigner::Unit = unit.clone().convert();
        let result = self
            .run_call(plugin, "assign", |mut store| async move {
                let result = async {
                    let bindings = pre.instantiate_async(&mut store).await?;
                    bindings
                        .tessera_platform_assigner()
                        .call_assign(&mut store, &experiment, &unit)
                        .await
                }
                .await;
                (store, result)
            })
            .await?;
        Ok(result.convert())
    }

    /// Calls `assigner.evaluate-feature(payload, key, unit)`.
    pub async fn evaluate_feature(
        &self,
        plugin: &LoadedPlugin,
        payload: &str,
        key: &str,
        unit: &AssignUnit,
    ) -> Result<Result<FeatureResult, ContractError>, PluginError> {
        if let Some(pre) = plugin.pre.extism(World::Assigner) {
            let input = serde_json::json!({ "payload": payload, "key": key, "unit": unit });
            let result: WireResult<FeatureResult> = self
                .call_extism(plugin, pre, "evaluate-feature", &input, None)
                .await?;
            return Ok(result.into());
        }
        let WorldPre::Assigner(AssignerPre(pre)) = &plugin.pre else {
            return Err(not_a(plugin, "assigner"));
        };
        let unit: v0_2_0::assigner_world::assigner::Unit = unit.clone().convert();
        let (payload, key) = (payload.to_owned(), key.to_owned());
        let result = self
            .run_call(plugin, "evaluate-feature", |mut store| async move {
                let result = async {
                    let bindings = pre.instantiate_async(&mut store).await?;
                    bindings
                        .tessera_platform_assigner()
                        .call_evaluate_feature(&mut store, &payload, &key, &unit)
                        .await
                }
                .await;
                (store, result)
            })
            .await?;
        Ok(result.convert())
    }
}

impl Runtime {
    /// Assigns every unit of `units` in **one** instance, timing each call: what an
    /// assignment costs inside the component, without instantiation (`./dev bench
    /// tutorials`). Served calls use a fresh instance each ([`Runtime::assign`]).
    pub async fn time_assignments(
        &self,
        plugin: &LoadedPlugin,
        experiment: &Experiment,
        units: &[AssignUnit],
    ) -> Result<Vec<std::time::Duration>, PluginError> {
        let WorldPre::Assigner(AssignerPre(pre)) = &plugin.pre else {
            return Err(not_a(plugin, "assigner"));
        };
        let experiment: v0_2_0::assigner_world::assigner::Experiment = experiment.clone().convert();
        let units: Vec<v0_2_0::assigner_world::assigner::Unit> =
            units.iter().cloned().map(Convert::convert).collect();
        self.run_call(plugin, "assign", |mut store| async move {
            let result = async {
                let bindings = pre.instantiate_async(&mut store).await?;
                let assigner = bindings.tessera_platform_assigner();
                let mut times = Vec::with_capacity(units.len());
                for unit in &units {
                    let started = std::time::Instant::now();
                    let _ = assigner.call_assign(&mut store, &experiment, unit).await?;
                    times.push(started.elapsed());
                }
                Ok(times)
            }
            .await;
            (store, result)
        })
        .await
    }
}

/// The unit `id` with no forced variations and sticky bucketing off.
pub fn unit_by_id(id: &str) -> AssignUnit {
    AssignUnit {
        attributes: serde_json::json!({ "id": id }).to_string(),
        forced_variations: Vec::new(),
        sticky_docs: None,
    }
}

/// An assigner must be deterministic and honour the weights' extremes: the same unit twice
/// gets the same variation, and a variation with all the weight gets every unit.
pub(super) async fn smoke(runtime: &Runtime, plugin: &LoadedPlugin) -> Result<(), String> {
    let experiment =
        |weights: [f64; 2]| Experiment::two_way("smoke", HashAlgorithm::GrowthbookV2, weights);
    let call = |weights: [f64; 2], unit: &'static str| {
        let experiment = experiment(weights);
        async move {
            match runtime.assign(plugin, &experiment, &unit_by_id(unit)).await {
                Ok(Ok(a)) => Ok(a.result),
                Ok(Err(e)) => Err(format!("smoke call assign() answered an error: {e:?}")),
                Err(e) => Err(format!("smoke call assign() failed: {}", e.kind)),
            }
        }
    };
    let first = call([0.5, 0.5], "smoke-unit").await?;
    let again = call([0.5, 0.5], "smoke-unit").await?;
    if first.key != again.key {
        return Err("smoke call assign(): the same unit got two variations".into());
    }
    let all_b = call([0.0, 1.0], "smoke-unit").await?;
    if !all_b.in_experiment || all_b.key != "b" {
        return Err(format!(
            "smoke call assign(): a variation with all the weight was not chosen (got `{}`)",
            all_b.key
        ));
    }
    Ok(())
}
