//! `tessera:platform/llm` as seen from a plugin (a tutor agent, a rubric grader): the host
//! serves the import through the AI gateway plugin, with the safety gate in front, never
//! by letting a plugin reach a provider itself. The gateway lives above the runtime, so it
//! registers itself as the [`LlmBackend`] when the server starts; until then (or in CLI
//! commands) the import answers `unavailable`, which plugins must handle anyway.
//!
//! A call the host makes for a user (a grade, a project job) carries that user in its
//! store ([`OnBehalfOf`]), so the completions the plugin asks for count against the
//! user's budget: host-side context, the WIT contract is unchanged.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use wasmtime::component::{HasSelf, Linker};

use super::{Backends, Capability, Grant};
use crate::plugins::contract::llm::{ChatRequest, ChatResponse, LlmError, ModelInfo};
use crate::plugins::contract::{Version, World};
use crate::plugins::manifest::Manifest;
use crate::runtime::bindings::{Convert, v0_1_0, v0_2_0};
use crate::runtime::state::PluginState;

/// `tessera:platform/llm`, for the worlds that reason in words: graders, agents, triage,
/// safety filters (a model's second opinion) and the reflection worlds.
pub const CAPABILITY: Capability = Capability {
    name: "llm",
    imports: &["tessera:platform/llm"],
    worlds: &[
        World::Grader,
        World::Agent,
        World::Triage,
        World::Safety,
        World::FragmentDetector,
        World::Reframer,
        World::LensCoach,
        World::SpectrumAnalyst,
    ],
    since: Version::V0_1_0,
    grant: Grant::Field {
        text: "grants.llm = true",
        granted: |grants| grants.llm,
    },
    link,
};

fn link(linker: &mut Linker<PluginState>, contract: Version, _: World) -> wasmtime::Result<()> {
    match contract {
        Version::V0_1_0 => v0_1_0::llm::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s),
        Version::V0_2_0 => v0_2_0::llm::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s),
    }
}

/// The plugin's way to the gateway: the runtime's slot when granted, an empty one (every
/// completion `unavailable`) otherwise.
pub fn plugin_state(manifest: &Manifest, backends: &Backends) -> LlmSlot {
    backends
        .llm
        .for_plugin(CAPABILITY.granted(&manifest.grants))
}

/// The user a plugin call works for, set by whoever calls the plugin for them.
#[derive(Debug)]
pub struct OnBehalfOf {
    /// The user's id.
    pub user_id: String,
    /// The budget refusal one of the call's completions met, if any: the plugin only
    /// sees `budget-exceeded(…)` and may turn it into anything, so the host keeps the
    /// refusal to answer the user with it (429 and when to retry).
    refusal: Mutex<Option<crate::ai::budget::Refusal>>,
    /// Whether the call's inputs may hold what the user wrote. `false` for a call over
    /// aggregates only (Kalei's Spectrum, seed 001 §11.2): the safety gate then screens
    /// its model requests with the rules alone, since the meaning stage judges people's
    /// words and there are none (docs/safety.md, "What is screened").
    pub holds_their_words: bool,
}

impl OnBehalfOf {
    /// A call for `user_id`.
    pub fn new(user_id: &str) -> Arc<Self> {
        Arc::new(OnBehalfOf {
            user_id: user_id.to_owned(),
            refusal: Mutex::new(None),
            holds_their_words: true,
        })
    }

    /// A call for `user_id` whose inputs are counts, never anything the user wrote.
    pub fn over_aggregates(user_id: &str) -> Arc<Self> {
        Arc::new(OnBehalfOf {
            user_id: user_id.to_owned(),
            refusal: Mutex::new(None),
            holds_their_words: false,
        })
    }

    /// Notes that the user's budget refused a completion.
    pub fn refused(&self, refusal: crate::ai::budget::Refusal) {
        *self.refusal.lock().unwrap_or_else(|e| e.into_inner()) = Some(refusal);
    }

    /// The budget refusal a completion of the call met, if any.
    pub fn refusal(&self) -> Option<crate::ai::budget::Refusal> {
        self.refusal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// What serves plugins' completions.
pub trait LlmBackend: Send + Sync {
    /// Completes `request` for the plugin named `caller`, working for `on_behalf_of`.
    fn complete(
        self: Arc<Self>,
        caller: String,
        on_behalf_of: Option<Arc<OnBehalfOf>>,
        request: ChatRequest,
    ) -> Pin<Box<dyn Future<Output = Result<ChatResponse, LlmError>> + Send>>;

    /// The models the gateway serves (empty when it cannot say).
    fn models(self: Arc<Self>) -> Pin<Box<dyn Future<Output = Vec<ModelInfo>> + Send>>;
}

/// Where the backend is registered (see [`super::BackendSlot`]).
pub type LlmSlot = super::BackendSlot<dyn LlmBackend>;

/// The import's host side for a contract version whose `llm` has the host's types
/// (converted by that version's adapter).
macro_rules! llm_host {
    ($($v:ident),*) => {$(
        impl $v::llm::Host for PluginState {
            async fn models(&mut self) -> Vec<$v::llm::ModelInfo> {
                match self.services.llm.get() {
                    Some(backend) => backend.models().await.convert(),
                    None => Vec::new(),
                }
            }

            async fn complete(
                &mut self,
                request: $v::llm::ChatRequest,
            ) -> Result<$v::llm::ChatResponse, $v::llm::LlmError> {
                complete(self, request.convert()).await.convert()
            }
        }
    )*};
}
llm_host!(v0_1_0, v0_2_0);

/// A plugin's completion, in the host's types.
async fn complete(state: &mut PluginState, request: ChatRequest) -> Result<ChatResponse, LlmError> {
    if crate::runtime::worlds::in_smoke_call() {
        return Err(LlmError::Unavailable(
            "a plugin's smoke call at load makes no model call".into(),
        ));
    }
    let Some(backend) = state.services.llm.get() else {
        tracing::debug!(plugin = %state.services.plugin, feature = %request.feature, "llm call without a gateway");
        return Err(LlmError::Unavailable(
            "no AI gateway is running on this host".into(),
        ));
    };
    backend
        .complete(
            state.services.plugin.to_string(),
            state.on_behalf_of.clone(),
            request,
        )
        .await
}
