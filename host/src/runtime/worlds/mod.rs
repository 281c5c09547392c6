//! One file per world the host calls: its pre-instance (one variant per contract version it
//! serves), its typed calls taking and returning the host's own types
//! (`crate::plugins::contract`), and the smoke call a plugin of that world must pass before
//! it is offered to anyone. Execution under limits is `runtime::call`; a new world is a new
//! file here plus a variant of [`WorldPre`].

pub mod agent;
pub mod assigner;
pub mod code_runner;
pub mod grader;
pub mod lesson_engine;
pub mod llm;
pub mod safety;
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

/// Calls the plugin once before it is offered to anyone (each world says what it must show).
/// Returns the peak memory of that call (a code runner's baseline), or 0; an error says why
/// the plugin is refused.
pub(super) async fn smoke_call(runtime: &Runtime, plugin: &LoadedPlugin) -> Result<u64, String> {
    if let WorldPre::Extism(pre) = &plugin.pre {
        return match pre.world() {
            World::Grader => grader::smoke(runtime, plugin).await,
            World::Agent => agent::smoke(runtime, plugin).await,
            World::Triage => triage::smoke(runtime, plugin).await,
            World::Assigner => assigner::smoke(runtime, plugin).await,
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
        WorldPre::Llm(_) | WorldPre::Extism(_) => Ok(0),
    }
}

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
