//! The safety gate as a service: every installed safety-filter plugin screens the text and
//! the strictest verdict wins (a partner's stricter filter adds to the first-party one).
//! AI-facing routes will call this before any model sees a message (AI-gateway issue).

use serde::Serialize;

use crate::plugins::Registry;
pub use crate::plugins::contract::safety::Level;
use crate::plugins::contract::safety::Verdict;
use crate::runtime::PluginError;

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
    /// Where, as byte offsets into the text.
    pub spans: Vec<SpanOut>,
    /// For a crisis: what to show instead of a model's answer.
    pub response: Option<CrisisResponse>,
    /// The filters that screened it (`id@version`).
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

/// The message for a crisis.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CrisisResponse {
    /// The text to show, with hotline resources.
    pub message: String,
    /// The region whose resources it names, when one was given.
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
}

/// Screens `text` with every safety filter.
pub async fn screen(
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
    let response = verdicts
        .iter()
        .filter(|v| v.level == Level::Crisis)
        .find_map(|v| v.response.clone())
        .map(|message| CrisisResponse {
            message,
            region: region.map(str::to_owned),
        });
    Ok(Screening {
        level: worst,
        categories,
        spans,
        response,
        screened_by: snapshot
            .safety
            .iter()
            .map(|p| p.plugin_ref().to_string())
            .collect(),
    })
}
