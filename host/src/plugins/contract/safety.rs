//! Screening text (WIT `tessera:platform/safety`), as the host's own types.

use serde::{Deserialize, Serialize};

crate::store::codec::text_enum! {
    /// How serious a text is, from least to most (ordered so the strictest verdict is the
    /// largest): in verdicts, safety events and metrics labels. The one safety level of the
    /// host: the API, the store and the contract's adapter all use it.
    #[derive(PartialOrd, Ord)]
    pub enum Level as "safety level" {
        /// Nothing of concern.
        None = "none",
        /// Worth noting (e.g. distress without risk); the request proceeds.
        Concern = "concern",
        /// Risk of harm; the request stops and the crisis response is shown.
        Crisis = "crisis",
    }
}

/// A matched piece of the input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Span {
    /// Byte offset of the first byte in the input text.
    pub start: u32,
    /// Byte offset one past the last byte.
    pub end: u32,
    /// Category matched, e.g. `self-harm`.
    pub category: String,
}

/// Where the text comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreenContext {
    /// The product surface, e.g. `tutor`, `reframe`, `chat-completions`.
    pub surface: String,
    /// ISO 3166-1 region for hotline resources, e.g. `GB`.
    pub region: Option<String>,
    /// BCP 47 language tag of the text.
    pub locale: String,
}

/// The outcome of screening.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Overall level.
    pub level: Level,
    /// Categories found, e.g. `suicide`, `self-harm`, `harm-to-others`, `abuse`.
    pub categories: Vec<String>,
    /// Where they were found.
    pub spans: Vec<Span>,
    /// What to show the learner instead, for `crisis` (with hotline resources).
    pub response: Option<String>,
}
