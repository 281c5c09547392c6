//! `tessera:platform/embeddings` (contract 0.2.0 on): sentence embeddings from the host's
//! own model (`crate::embeddings`), granted by `grants.embeddings = true`. The model runs
//! natively on the host's worker pool, outside the plugin's fuel and memory, so each call
//! of a plugin may embed at most [`MAX_TEXTS_PER_CALL`] texts: a plugin cannot turn one
//! call into minutes of the pool's time that the safety gate shares.
//!
//! The service lives above the runtime and registers itself when the server starts; in CLI
//! commands, or with `--semantic-safety off` (no model loaded), the import answers
//! `unavailable`.

use wasmtime::component::{HasSelf, Linker};

use super::{Backends, Capability, Grant};
use crate::embeddings::{EmbedError, Embeddings, MAX_TEXT_BYTES, MAX_TEXTS, MODEL_NAME};
use crate::plugins::contract::types::FieldError;
use crate::plugins::contract::{Version, World};
use crate::plugins::manifest::Manifest;
use crate::runtime::bindings::{Convert, v0_2_0, v0_2_0::embeddings as wit};
use crate::runtime::state::PluginState;

/// Most texts all `embed` requests of one plugin call may pass together.
pub const MAX_TEXTS_PER_CALL: usize = 1024;

/// `tessera:platform/embeddings`, for the worlds that compare meanings: graders (free-text
/// answers), agents, triage (nearest labelled examples) and safety filters.
pub const CAPABILITY: Capability = Capability {
    name: "embeddings",
    imports: &["tessera:platform/embeddings"],
    worlds: &[World::Grader, World::Agent, World::Triage, World::Safety],
    since: Version::V0_2_0,
    grant: Grant::Field {
        text: "grants.embeddings = true",
        granted: |grants| grants.embeddings,
    },
    link,
};

fn link(linker: &mut Linker<PluginState>, contract: Version, _: World) -> wasmtime::Result<()> {
    match contract {
        // Not in 0.1.0's WIT: `link_granted` never asks (`since`).
        Version::V0_1_0 => Ok(()),
        Version::V0_2_0 => {
            v0_2_0::embeddings::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)
        }
    }
}

/// Where the service is registered (see [`super::BackendSlot`]).
pub type EmbeddingsSlot = super::BackendSlot<Embeddings>;

/// The plugin's way to the model: the runtime's slot when granted, an empty one (every
/// request `unavailable`) otherwise.
pub fn plugin_state(manifest: &Manifest, backends: &Backends) -> EmbeddingsSlot {
    backends
        .embeddings
        .for_plugin(CAPABILITY.granted(&manifest.grants))
}

impl wit::Host for PluginState {
    async fn embed(&mut self, texts: Vec<String>) -> Result<Vec<wit::Vector>, wit::EmbedError> {
        let Some(service) = self.services.embeddings.get() else {
            return Err(wit::EmbedError::Unavailable(
                "no embeddings model is running on this host".into(),
            ));
        };
        let used = self.embedded_texts.saturating_add(texts.len());
        if used > MAX_TEXTS_PER_CALL {
            return Err(wit::EmbedError::BudgetExceeded(format!(
                "one call may embed at most {MAX_TEXTS_PER_CALL} texts; this request would \
                 make it {used}"
            )));
        }
        self.embedded_texts = used;
        service.embed(texts).await.map_err(|e| {
            let field = |field: String| {
                wit::EmbedError::InvalidRequest(
                    FieldError {
                        field,
                        message: e.to_string(),
                    }
                    .convert(),
                )
            };
            match &e {
                EmbedError::TooManyTexts(_) => field("texts".into()),
                EmbedError::TextTooLong { index, .. } => field(format!("texts[{index}]")),
                EmbedError::Model(_) | EmbedError::Stopped => {
                    tracing::warn!(plugin = %self.services.plugin, error = %e, "a plugin's embed request failed");
                    wit::EmbedError::Unavailable(e.to_string())
                }
            }
        })
    }

    async fn model(&mut self) -> Option<wit::ModelInfo> {
        self.services.embeddings.get().map(|_| wit::ModelInfo {
            name: MODEL_NAME.into(),
            dimensions: crate::embeddings::DIMENSIONS as u32,
            max_texts: MAX_TEXTS as u32,
            max_text_bytes: MAX_TEXT_BYTES as u32,
            max_texts_per_call: MAX_TEXTS_PER_CALL as u32,
        })
    }
}
