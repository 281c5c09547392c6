//! `lesson-engine-plugin`: decides what a learner does next; the host keeps the data.

use super::{WorldPre, not_a};
use crate::plugins::contract::lesson_engine::{
    AchievementInfo, CertificateReport, DailyPlan, LearnerState, ProgressUpdate, StepOutcome,
    TopicMastery, TrackRef,
};
use crate::plugins::contract::types::Error as ContractError;
use crate::runtime::bindings::{Convert, for_version, versioned_pre};
use crate::runtime::{LoadedPlugin, PluginError, Runtime};

versioned_pre! {
    /// A lesson engine's pre-instance, per contract version.
    pub enum LessonEnginePre = lesson_engine_world::LessonEnginePluginPre;
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
            let WorldPre::LessonEngine(pre) = &plugin.pre else {
                return Err(not_a(plugin, "lesson engine"));
            };
            for_version!(pre, LessonEnginePre, |pre| {
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
            })
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
