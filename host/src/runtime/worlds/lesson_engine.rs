//! `lesson-engine-plugin`: decides what a learner does next; the host keeps the data.

use wasmtime::component::InstancePre;

use super::{WorldPre, not_a};
use crate::plugins::contract::Version;
use crate::plugins::contract::lesson_engine::{
    AchievementInfo, CertificateReport, DailyPlan, LearnerState, ProgressUpdate, StepOutcome,
    TopicMastery, TrackRef,
};
use crate::plugins::contract::types::Error as ContractError;
use crate::runtime::bindings::{Convert, v0_1_0};
use crate::runtime::{LoadedPlugin, PluginError, Runtime, state::PluginState};

/// A lesson engine's pre-instance, per contract version.
pub enum LessonEnginePre {
    /// Built against 0.1.0.
    V0_1_0(v0_1_0::lesson_engine_world::LessonEnginePluginPre<PluginState>),
}

impl LessonEnginePre {
    pub(super) fn new(version: Version, pre: InstancePre<PluginState>) -> wasmtime::Result<Self> {
        match version {
            Version::V0_1_0 => Ok(Self::V0_1_0(
                v0_1_0::lesson_engine_world::LessonEnginePluginPre::new(pre)?,
            )),
        }
    }

    pub(super) fn instance_pre(&self) -> &InstancePre<PluginState> {
        match self {
            Self::V0_1_0(pre) => pre.instance_pre(),
        }
    }
}

/// Defines a typed call on the lesson-engine world: host arguments converted in, the
/// result converted out.
macro_rules! engine_call {
    ($(#[$doc:meta])* $name:ident, $function:literal, $call:ident, ($($arg:ident: $ty:ty),*) -> $out:ty) => {
        $(#[$doc])*
        pub async fn $name(
            &self,
            plugin: &LoadedPlugin,
            $($arg: &$ty),*
        ) -> Result<$out, PluginError> {
            let WorldPre::LessonEngine(LessonEnginePre::V0_1_0(pre)) = &plugin.pre else {
                return Err(not_a(plugin, "lesson engine"));
            };
            $(let $arg = Convert::convert($arg.clone());)*
            let result = self.run_call(plugin, $function, |mut store| async move {
                let result = async {
                    let bindings = pre.instantiate_async(&mut store).await?;
                    bindings
                        .tessera_platform_lesson_engine()
                        .$call(&mut store, $(&$arg),*)
                        .await
                }
                .await;
                (store, result)
            })
            .await?;
            Ok(result.convert())
        }
    };
}

impl Runtime {
    engine_call!(
        /// `lesson-engine.plan-day(state)`.
        plan_day, "plan-day", call_plan_day,
        (state: LearnerState) -> Result<DailyPlan, ContractError>
    );
    engine_call!(
        /// `lesson-engine.record-outcome(state, outcome)`.
        record_outcome, "record-outcome", call_record_outcome,
        (state: LearnerState, outcome: StepOutcome) -> Result<ProgressUpdate, ContractError>
    );
    engine_call!(
        /// `lesson-engine.mastery(state)`.
        mastery, "mastery", call_mastery,
        (state: LearnerState) -> Result<Vec<TopicMastery>, ContractError>
    );
    engine_call!(
        /// `lesson-engine.certificate-status(state, track)`.
        certificate_status, "certificate-status", call_certificate_status,
        (state: LearnerState, track: TrackRef) -> Result<CertificateReport, ContractError>
    );
    engine_call!(
        /// `lesson-engine.achievement-catalog()`.
        achievement_catalog, "achievement-catalog", call_achievement_catalog,
        () -> Vec<AchievementInfo>
    );
}

/// An engine that cannot list its achievements cannot award them either.
pub(super) async fn smoke(runtime: &Runtime, plugin: &LoadedPlugin) -> Result<(), String> {
    runtime
        .achievement_catalog(plugin)
        .await
        .map(|_| ())
        .map_err(|e| format!("smoke call achievement-catalog() failed: {}", e.kind))
}
