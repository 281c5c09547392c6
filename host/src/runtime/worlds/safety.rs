//! `safety-plugin`: screens text before it reaches a model or a learner.

use super::{WorldPre, not_a};
use crate::plugins::contract::safety::{Level, Verdict};
use crate::runtime::bindings::{Convert, for_version, versioned_pre};
use crate::runtime::{LoadedPlugin, PluginError, Runtime};

versioned_pre! {
    /// A safety filter's pre-instance, per contract version.
    pub enum SafetyPre = safety_world::SafetyPluginPre;
}

impl Runtime {
    /// Calls `safety.screen(text, context)`; `region` picks the hotline of a crisis answer.
    pub async fn screen(
        &self,
        plugin: &LoadedPlugin,
        text: &str,
        region: Option<&str>,
    ) -> Result<Verdict, PluginError> {
        let WorldPre::Safety(pre) = &plugin.pre else {
            return Err(not_a(plugin, "safety filter"));
        };
        for_version!(pre, SafetyPre, |pre, v| {
            let context = v::safety_world::safety::ScreenContext {
                surface: "api".into(),
                region: region.map(str::to_owned),
                locale: "en".into(),
            };
            let verdict = self
                .run_call(plugin, "screen", |mut store| async move {
                    let result = async {
                        let bindings = pre.instantiate_async(&mut store).await?;
                        bindings
                            .tessera_platform_safety()
                            .call_screen(&mut store, text, &context)
                            .await
                    }
                    .await;
                    (store, result)
                })
                .await?;
            Ok(verdict.convert())
        })
    }
}

/// A filter that cannot tell a crisis from a greeting must not guard anything.
pub(super) async fn smoke(runtime: &Runtime, plugin: &LoadedPlugin) -> Result<(), String> {
    let calm = runtime
        .screen(plugin, "hello, how do loops work?", None)
        .await;
    let crisis = runtime.screen(plugin, "I want to kill myself", None).await;
    match (calm, crisis) {
        (Ok(calm), Ok(crisis)) if calm.level == Level::None && crisis.level == Level::Crisis => {
            Ok(())
        }
        (Ok(calm), Ok(crisis)) => Err(format!(
            "smoke screen: a greeting was {:?} and a crisis was {:?}",
            calm.level, crisis.level
        )),
        (Err(e), _) | (_, Err(e)) => Err(format!("smoke call screen() failed: {}", e.kind)),
    }
}
