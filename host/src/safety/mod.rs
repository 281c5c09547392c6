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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::embeddings::EmbedError;
use crate::plugins::Registry;
pub use crate::plugins::contract::safety::Level;
use crate::plugins::contract::safety::Verdict;
use crate::runtime::LoadedPlugin;
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

/// Clear verdicts remembered, at most (each a digest and a few strings; a full cache
/// starts over).
const RECENT_VERDICTS: usize = 4096;
/// How long a clear verdict is remembered.
const RECENT_FOR: Duration = Duration::from_secs(60);

/// The gate: the safety-filter plugins, then the semantic stage.
pub struct SafetyGate {
    registry: Arc<Registry>,
    settings: SafetySettings,
    recent: Mutex<RecentVerdicts>,
}

/// Clear verdicts of texts screened in the last minute. One request screens the same
/// text more than once (a Turn's crisis precheck, then its model request; a plugin's
/// system prompt and response schema on every call), so a repeat costs a lookup instead
/// of every filter's call and an embedding. Only clear (`none`) verdicts are kept: a
/// flagged text is screened again each time, so a filter that asks a model to confirm a
/// concern (the model can only escalate) is asked again, and an outage's verdict is
/// never reused. Texts are kept as SHA-256 digests: no user's words stay in memory.
#[derive(Default)]
struct RecentVerdicts {
    /// The filters the verdicts came from, held so a replaced plugin's set cannot be
    /// mistaken for the current one; another set empties the cache.
    filters: Vec<Arc<LoadedPlugin>>,
    by_text: HashMap<[u8; 32], (Instant, Screening)>,
}

impl RecentVerdicts {
    fn same_filters(&self, filters: &[Arc<LoadedPlugin>]) -> bool {
        self.filters.len() == filters.len()
            && self
                .filters
                .iter()
                .zip(filters)
                .all(|(a, b)| Arc::ptr_eq(a, b))
    }
}

/// Whether a screening runs the meaning stage (when it is on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// The rules, then the meaning stage: for anything a person may have written.
    Judged,
    /// The rules alone: for text built from counts, with no one's words in it (a Spectrum
    /// analyst's prompts).
    Skipped,
}

/// The cache key of `text` screened for `region`, with or without the meaning stage.
fn digest(text: &str, region: Option<&str>, meaning: Meaning) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(region.unwrap_or_default().as_bytes());
    hash.update([0, u8::from(meaning == Meaning::Judged)]);
    hash.update(text.as_bytes());
    hash.finalize().into()
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
        Self {
            registry,
            settings,
            recent: Mutex::default(),
        }
    }

    /// The semantic stage, when on.
    pub fn semantic(&self) -> Option<&Arc<SemanticStage>> {
        self.settings.semantic.as_ref()
    }

    /// Screens `text`; a flagged verdict's response names the hotline of `region`.
    pub async fn screen(&self, text: &str, region: Option<&str>) -> Result<Screening, SafetyError> {
        self.screen_with(text, region, Meaning::Judged).await
    }

    /// [`SafetyGate::screen`], running the meaning stage or not.
    pub async fn screen_with(
        &self,
        text: &str,
        region: Option<&str>,
        meaning: Meaning,
    ) -> Result<Screening, SafetyError> {
        let snapshot = self.registry.snapshot();
        let key = digest(text, region, meaning);
        if let Some(seen) = self.recall(&snapshot.safety, &key) {
            return Ok(seen);
        }
        let screening = self
            .screen_afresh(&snapshot.safety, text, region, meaning)
            .await?;
        self.remember(&snapshot.safety, key, &screening);
        Ok(screening)
    }

    fn recall(&self, filters: &[Arc<LoadedPlugin>], key: &[u8; 32]) -> Option<Screening> {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if !recent.same_filters(filters) {
            return None;
        }
        recent
            .by_text
            .get(key)
            .filter(|(at, _)| at.elapsed() < RECENT_FOR)
            .map(|(_, screening)| screening.clone())
    }

    fn remember(&self, filters: &[Arc<LoadedPlugin>], key: [u8; 32], screening: &Screening) {
        if screening.level != Level::None {
            return;
        }
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if !recent.same_filters(filters) {
            *recent = RecentVerdicts {
                filters: filters.to_vec(),
                by_text: HashMap::new(),
            };
        }
        if recent.by_text.len() >= RECENT_VERDICTS {
            recent.by_text.clear();
        }
        recent
            .by_text
            .insert(key, (Instant::now(), screening.clone()));
    }

    async fn screen_afresh(
        &self,
        filters: &[Arc<LoadedPlugin>],
        text: &str,
        region: Option<&str>,
        meaning: Meaning,
    ) -> Result<Screening, SafetyError> {
        let mut screening = rules(&self.registry, filters, text, region).await?;
        if screening.level < Level::Crisis
            && meaning == Meaning::Judged
            && let Some(stage) = &self.settings.semantic
        {
            let started = Instant::now();
            let in_model = crate::timing::InModel::start(crate::timing::Model::Meaning);
            let (found, outcome) = stage.assess(text).await?;
            drop(in_model);
            self.registry
                .runtime()
                .metrics()
                .record_meaning(outcome.as_str(), started.elapsed());
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
    filters: &[Arc<LoadedPlugin>],
    text: &str,
    region: Option<&str>,
) -> Result<Screening, SafetyError> {
    if filters.is_empty() {
        return Err(SafetyError::NoFilter);
    }
    let mut verdicts: Vec<Verdict> = Vec::with_capacity(filters.len());
    for plugin in filters {
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
        screened_by: filters.iter().map(|p| p.plugin_ref().to_string()).collect(),
    })
}
