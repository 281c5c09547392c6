//! The safety gate: every text on an AI path, and every text the screen endpoint gets,
//! passes two stages.
//!
//! 1. **Rules**: every installed safety-filter plugin screens the text and the strictest
//!    verdict wins (a partner's stricter filter adds to the first-party one). A rule crisis
//!    needs nothing more.
//! 2. **Meaning** ([`semantic`]): the text is embedded and scored by a trained head, which
//!    may raise `none` to `concern` or `crisis` and never lowers the rules' verdict.
//!
//! A flagged text gets the response of [`resources`]: the crisis message (or, for a
//! concern, the supportive one) with the hotline of the learner's region.

/// The trained head (its own crate, so training runs optimised in every profile).
pub use safety_head as head;
pub mod resources;
pub mod semantic;

use std::sync::Arc;

use serde::Serialize;

use crate::embeddings::EmbedError;
use crate::plugins::Registry;
pub use crate::plugins::contract::safety::Level;
use crate::plugins::contract::safety::Verdict;
use crate::runtime::PluginError;
use resources::Hotlines;
use semantic::SemanticStage;

/// Longest text screened, in bytes.
pub const MAX_TEXT_BYTES: usize = 32 * 1024;

/// A verdict as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Screening {
    /// `none`, `concern` or `crisis`.
    #[schema(value_type = String)]
    pub level: Level,
    /// Categories found, e.g. `suicide`, `self-harm`, `harm-to-others`, `abuse`, `distress`.
    pub categories: Vec<String>,
    /// Where, as byte offsets into the text (the rules' matches; the semantic stage
    /// judges the whole text and marks no span).
    pub spans: Vec<SpanOut>,
    /// For a crisis or a concern: what to show instead of a model's answer.
    pub response: Option<CrisisResponse>,
    /// Which stage decided the level: `rules` (a filter plugin's verdict) or `semantic`
    /// (the meaning raised it); `none` when neither flagged the text.
    pub decided_by: String,
    /// The semantic stage's risk score (0 to 1; 1 − the head's probability of an ordinary
    /// message), when it ran. Not run after a rule crisis.
    pub semantic_score: Option<f32>,
    /// The filters that screened it (`id@version`), and `semantic` when the meaning was
    /// scored.
    pub screened_by: Vec<String>,
}

/// A matched part of the text.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SpanOut {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
    /// Category.
    pub category: String,
}

/// The message for a flagged text.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CrisisResponse {
    /// The text to show, with hotline resources.
    pub message: String,
    /// The region whose resources it names (`null`: the global directory's).
    pub region: Option<String>,
}

/// Why screening failed.
#[derive(Debug, thiserror::Error)]
pub enum SafetyError {
    /// No safety filter is installed.
    #[error("no safety filter plugin is installed")]
    NoFilter,
    /// A filter failed.
    #[error(transparent)]
    Plugin(#[from] PluginError),
    /// The semantic stage could not score the text (fail closed: no model call).
    #[error(transparent)]
    Semantic(#[from] EmbedError),
}

/// The gate's parts besides the plugins.
#[derive(Debug, Clone)]
pub struct SafetySettings {
    /// The semantic stage; `None` only where the operator turned it off
    /// (`--semantic-safety off`).
    pub semantic: Option<Arc<SemanticStage>>,
    /// Crisis resources by region.
    pub hotlines: Hotlines,
}

impl Default for SafetySettings {
    fn default() -> Self {
        Self {
            semantic: None,
            hotlines: Hotlines::shipped(),
        }
    }
}

/// The gate: the safety-filter plugins, then the semantic stage.
pub struct SafetyGate {
    registry: Arc<Registry>,
    settings: SafetySettings,
}

impl std::fmt::Debug for SafetyGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SafetyGate")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl SafetyGate {
    /// The gate over the filters in `registry`.
    pub fn new(registry: Arc<Registry>, settings: SafetySettings) -> Self {
        Self { registry, settings }
    }

    /// The semantic stage, when on.
    pub fn semantic(&self) -> Option<&Arc<SemanticStage>> {
        self.settings.semantic.as_ref()
    }

    /// Screens `text`; a flagged verdict's response names the hotline of `region`.
    pub async fn screen(&self, text: &str, region: Option<&str>) -> Result<Screening, SafetyError> {
        let mut screening = rules(&self.registry, text, region).await?;
        if screening.level < Level::Crisis
            && let Some(stage) = &self.settings.semantic
        {
            let found = stage.assess(text).await?;
            screening.semantic_score = Some(found.risk);
            screening.screened_by.push("semantic".into());
            if found.level > screening.level {
                screening.level = found.level;
                screening.decided_by = "semantic".into();
                if let Some(c) = found.category
                    && !screening.categories.iter().any(|x| x == c)
                {
                    screening.categories.insert(0, c.to_owned());
                }
            }
        }
        screening.response = self.response(screening.level, &screening.categories, region);
        Ok(screening)
    }

    /// What to show for a verdict of `level` in `categories`, with `region`'s resources.
    pub fn response(
        &self,
        level: Level,
        categories: &[String],
        region: Option<&str>,
    ) -> Option<CrisisResponse> {
        self.settings
            .hotlines
            .response(level, categories, region)
            .map(|(region, message)| CrisisResponse { message, region })
    }
}

/// The rules stage: every safety filter plugin; the strictest verdict wins.
async fn rules(
    registry: &Registry,
    text: &str,
    region: Option<&str>,
) -> Result<Screening, SafetyError> {
    let snapshot = registry.snapshot();
    if snapshot.safety.is_empty() {
        return Err(SafetyError::NoFilter);
    }
    let mut verdicts: Vec<Verdict> = Vec::with_capacity(snapshot.safety.len());
    for plugin in &snapshot.safety {
        verdicts.push(registry.runtime().screen(plugin, text, region).await?);
    }
    let worst = verdicts
        .iter()
        .map(|v| v.level)
        .max()
        .unwrap_or(Level::None);
    let mut categories: Vec<String> = Vec::new();
    let mut spans = Vec::new();
    for v in &verdicts {
        for c in &v.categories {
            if !categories.contains(c) {
                categories.push(c.clone());
            }
        }
        spans.extend(
            v.spans
                .iter()
                .filter(|s| (s.end as usize) <= text.len() && s.start <= s.end)
                .map(|s| SpanOut {
                    start: s.start,
                    end: s.end,
                    category: s.category.clone(),
                }),
        );
    }
    Ok(Screening {
        level: worst,
        categories,
        spans,
        response: None,
        decided_by: if worst == Level::None {
            "none"
        } else {
            "rules"
        }
        .into(),
        semantic_score: None,
        screened_by: snapshot
            .safety
            .iter()
            .map(|p| p.plugin_ref().to_string())
            .collect(),
    })
}
