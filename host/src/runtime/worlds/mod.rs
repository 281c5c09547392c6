//! One file per world the host calls: its pre-instance (one variant per contract version it
//! serves), its typed calls taking and returning the host's own types
//! (`crate::plugins::contract`), and the smoke call a plugin of that world must pass before
//! it is offered to anyone. Execution under limits is `runtime::call`; a new world is a new
//! file here plus a variant of [`WorldPre`].

pub mod agent;
pub mod assigner;
pub mod code_runner;
pub mod fragment_detector;
pub mod grader;
pub mod lens_coach;
pub mod lesson_engine;
pub mod llm;
pub mod reframer;
pub mod safety;
pub mod spectrum_analyst;
pub mod triage;

use wasmtime::component::InstancePre;

use super::Runtime;
use super::error::{PluginError, PluginErrorKind};
use super::loader::LoadedPlugin;
use super::state::PluginState;
use crate::plugins::contract::{Version, World};

/// The linked, not yet instantiated, component of a plugin, typed by its world.
pub enum WorldPre {
    /// A grader.
    Grader(grader::GraderPre),
    /// A code runner (sandbox).
    CodeRunner(code_runner::CodeRunnerPre),
    /// A safety filter.
    Safety(safety::SafetyPre),
    /// An AI gateway (`llm`).
    Llm(llm::LlmPre),
    /// A lesson engine.
    LessonEngine(lesson_engine::LessonEnginePre),
    /// A tutor agent.
    Agent(agent::AgentPre),
    /// Triage.
    Triage(triage::TriagePre),
    /// The experiment assigner.
    Assigner(assigner::AssignerPre),
    /// A fragment detector (Kalei's Mirror).
    FragmentDetector(fragment_detector::FragmentDetectorPre),
    /// A reframer (Kalei's Turn).
    Reframer(reframer::ReframerPre),
    /// A lens coach (Kalei's Lens).
    LensCoach(lens_coach::LensCoachPre),
    /// A spectrum analyst (Kalei's Spectrum).
    SpectrumAnalyst(spectrum_analyst::SpectrumAnalystPre),
    /// An Extism plugin (`abi = "extism"`) of one of the JSON-shaped worlds (boxed: it
    /// holds Extism's whole compiled plugin and manifest).
    Extism(Box<super::extism::ExtismPre>),
}

impl WorldPre {
    /// Types `pre` as `world` at contract `version`; fails when the component's exports do
    /// not match the world's types.
    pub fn new(
        world: World,
        version: Version,
        pre: InstancePre<PluginState>,
    ) -> wasmtime::Result<Self> {
        Ok(match world {
            World::Grader => WorldPre::Grader(grader::GraderPre::new(version, pre)?),
            World::CodeRunner => {
                WorldPre::CodeRunner(code_runner::CodeRunnerPre::new(version, pre)?)
            }
            World::Safety => WorldPre::Safety(safety::SafetyPre::new(version, pre)?),
            World::Llm => WorldPre::Llm(llm::LlmPre::new(version, pre)?),
            World::LessonEngine => {
                WorldPre::LessonEngine(lesson_engine::LessonEnginePre::new(version, pre)?)
            }
            World::Agent => WorldPre::Agent(agent::AgentPre::new(version, pre)?),
            World::Triage => WorldPre::Triage(triage::TriagePre::new(version, pre)?),
            World::Assigner => WorldPre::Assigner(assigner::AssignerPre::new(version, pre)?),
            World::FragmentDetector => WorldPre::FragmentDetector(
                fragment_detector::FragmentDetectorPre::new(version, pre)?,
            ),
            World::Reframer => WorldPre::Reframer(reframer::ReframerPre::new(version, pre)?),
            World::LensCoach => WorldPre::LensCoach(lens_coach::LensCoachPre::new(version, pre)?),
            World::SpectrumAnalyst => {
                WorldPre::SpectrumAnalyst(spectrum_analyst::SpectrumAnalystPre::new(version, pre)?)
            }
        })
    }

    /// The untyped pre-instance of a component, for dynamic calls; `None` for an Extism
    /// plugin.
    pub fn instance_pre(&self) -> Option<&InstancePre<PluginState>> {
        Some(match self {
            WorldPre::Grader(pre) => pre.instance_pre(),
            WorldPre::CodeRunner(pre) => pre.instance_pre(),
            WorldPre::Safety(pre) => pre.instance_pre(),
            WorldPre::Llm(pre) => pre.instance_pre(),
            WorldPre::LessonEngine(pre) => pre.instance_pre(),
            WorldPre::Agent(pre) => pre.instance_pre(),
            WorldPre::Triage(pre) => pre.instance_pre(),
            WorldPre::Assigner(pre) => pre.instance_pre(),
            WorldPre::FragmentDetector(pre) => pre.instance_pre(),
            WorldPre::Reframer(pre) => pre.instance_pre(),
            WorldPre::LensCoach(pre) => pre.instance_pre(),
            WorldPre::SpectrumAnalyst(pre) => pre.instance_pre(),
            WorldPre::Extism(_) => return None,
        })
    }

    /// The Extism plugin of `world`, if this is one.
    pub fn extism(&self, world: World) -> Option<&super::extism::ExtismPre> {
        match self {
            WorldPre::Extism(pre) if pre.world() == world => Some(pre.as_ref()),
            _ => None,
        }
    }
}

tokio::task_local! {
    /// Set while a plugin's smoke call runs.
    static SMOKE: ();
}

/// Whether the current call is a smoke call: its model calls answer `unavailable`, so
/// loading a plugin never spends a model call or reaches a provider (the plugins fall back
/// to their rules and templates, which is what the smoke call checks).
pub fn in_smoke_call() -> bool {
    SMOKE.try_with(|()| ()).is_ok()
}

/// Calls the plugin once before it is offered to anyone (each world says what it must show).
/// Returns the peak memory of that call (a code runner's baseline), or 0; an error says why
/// the plugin is refused.
pub(super) async fn smoke_call(runtime: &Runtime, plugin: &LoadedPlugin) -> Result<u64, String> {
    SMOKE.scope((), smoke_world(runtime, plugin)).await
}

async fn smoke_world(runtime: &Runtime, plugin: &LoadedPlugin) -> Result<u64, String> {
    if let WorldPre::Extism(pre) = &plugin.pre {
        return match pre.world() {
            World::Grader => grader::smoke(runtime, plugin).await,
            World::Agent => agent::smoke(runtime, plugin).await,
            World::Triage => triage::smoke(runtime, plugin).await,
            World::Assigner => assigner::smoke(runtime, plugin).await,
            World::FragmentDetector => fragment_detector::smoke(runtime, plugin).await,
            World::Reframer => reframer::smoke(runtime, plugin).await,
            World::LensCoach => lens_coach::smoke(runtime, plugin).await,
            World::SpectrumAnalyst => spectrum_analyst::smoke(runtime, plugin).await,
            other => Err(format!("world `{other}` is not served to Extism plugins")),
        }
        .map(|()| 0);
    }
    match &plugin.pre {
        WorldPre::Grader(_) => grader::smoke(runtime, plugin).await.map(|()| 0),
        WorldPre::CodeRunner(_) => code_runner::smoke(runtime, plugin).await,
        WorldPre::Safety(_) => safety::smoke(runtime, plugin).await.map(|()| 0),
        WorldPre::LessonEngine(_) => lesson_engine::smoke(runtime, plugin).await.map(|()| 0),
        WorldPre::Agent(_) => agent::smoke(runtime, plugin).await.map(|()| 0),
        WorldPre::Triage(_) => triage::smoke(runtime, plugin).await.map(|()| 0),
        WorldPre::Assigner(_) => assigner::smoke(runtime, plugin).await.map(|()| 0),
        WorldPre::FragmentDetector(_) => {
            fragment_detector::smoke(runtime, plugin).await.map(|()| 0)
        }
        WorldPre::Reframer(_) => reframer::smoke(runtime, plugin).await.map(|()| 0),
        WorldPre::LensCoach(_) => lens_coach::smoke(runtime, plugin).await.map(|()| 0),
        WorldPre::SpectrumAnalyst(_) => spectrum_analyst::smoke(runtime, plugin).await.map(|()| 0),
        WorldPre::Llm(_) | WorldPre::Extism(_) => Ok(0),
    }
}

/// The pre-instance type of a world served from contract 0.2.0 on (one binding serves it):
/// `pre_from_0_2_0!(ReframerPre, v0_2_0::reframer_world::ReframerPluginPre<PluginState>,
/// "reframers")`.
macro_rules! pre_from_0_2_0 {
    ($(#[$doc:meta])* $name:ident, $pre:ty, $what:literal) => {
        $(#[$doc])*
        pub struct $name($pre);

        impl $name {
            pub(super) fn new(
                version: $crate::plugins::contract::Version,
                pre: wasmtime::component::InstancePre<$crate::runtime::state::PluginState>,
            ) -> wasmtime::Result<Self> {
                match version {
                    $crate::plugins::contract::Version::V0_2_0 => Ok($name(<$pre>::new(pre)?)),
                    $crate::plugins::contract::Version::V0_1_0 => Err(wasmtime::Error::msg(
                        concat!($what, " are served from contract 0.2.0 on"),
                    )),
                }
            }

            pub(super) fn instance_pre(
                &self,
            ) -> &wasmtime::component::InstancePre<$crate::runtime::state::PluginState> {
                self.0.instance_pre()
            }
        }
    };
}
use pre_from_0_2_0;

/// The error of calling a world's function on a plugin of another world.
fn not_a(plugin: &LoadedPlugin, what: &str) -> PluginError {
    PluginError {
        plugin: plugin.plugin_ref().clone(),
        kind: PluginErrorKind::NoSuchFunction(format!(
            "{what} (the plugin's world is {})",
            plugin.manifest.world
        )),
    }
}
