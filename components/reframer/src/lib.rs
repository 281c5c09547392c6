//! Reframing for Kalei's Turn and Mirror's reframe (seed 001 §9.2): three other ways to see
//! a thought, each from a different angle, and one small thing to do now.
//!
//! The plugin (`tessera:platform/reframer-plugin@0.2.0`) works in stages
//! ([`pipeline::reframe`]):
//! 1. **Checks**: the thought is non-empty and at most 4 000 characters; a thought (or its
//!    context) holding an unmistakable self-harm phrase ([`crisis`]) is refused as
//!    `unsupported`, a second line behind the host's safety gate (crisis content is never
//!    reframed).
//! 2. **Model** ([`model`]): one completion (feature `reframe`) with a response schema of
//!    exactly three `{angle, text}` and a `micro_action`, validated here.
//! 3. **Templates** ([`templates`]): deterministic, distortion-aware reframes and a
//!    micro-action picked by a hash of the thought, used when the model fails, answers
//!    something invalid, or is the offline model (`tessera-offline`), whose schema filler is
//!    generic where the templates know the distortion.
//!
//! Everything is plain Rust, tested natively; the wasm32 `component` module only adapts
//! [`pipeline::reframe`] to the WIT export and the `llm` import.

pub mod crisis;
pub mod model;
pub mod pipeline;
pub mod templates;
pub mod text;

#[cfg(target_arch = "wasm32")]
mod component;

/// A cognitive distortion (the WIT's `reflection.distortion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Distortion {
    /// Expecting the worst outcome and treating it as likely.
    Catastrophising,
    /// Seeing in two categories only.
    AllOrNothing,
    /// Assuming what others think without evidence.
    MindReading,
    /// Predicting that things will turn out badly.
    FortuneTelling,
    /// Rules about how one should or must be.
    ShouldStatements,
    /// A global label for oneself or another from one event.
    Labelling,
    /// Taking the blame for what one does not control.
    Personalisation,
    /// One event read as a never-ending pattern.
    Overgeneralisation,
    /// Taking a feeling as evidence.
    EmotionalReasoning,
    /// Dismissing what went well.
    DiscountingThePositive,
}

impl Distortion {
    /// How the prompt names and explains it.
    pub fn describe(self) -> &'static str {
        match self {
            Distortion::Catastrophising => {
                "catastrophising (expecting the worst and treating it as likely)"
            }
            Distortion::AllOrNothing => {
                "all-or-nothing thinking (two categories only, perfect or failure)"
            }
            Distortion::MindReading => "mind-reading (assuming what others think without evidence)",
            Distortion::FortuneTelling => {
                "fortune-telling (predicting that things will turn out badly)"
            }
            Distortion::ShouldStatements => {
                "should-statements (rigid rules about how one should be)"
            }
            Distortion::Labelling => "labelling (a global label from one event)",
            Distortion::Personalisation => {
                "personalisation (taking the blame for what one does not control)"
            }
            Distortion::Overgeneralisation => {
                "overgeneralisation (one event read as a never-ending pattern)"
            }
            Distortion::EmotionalReasoning => "emotional reasoning (taking a feeling as evidence)",
            Distortion::DiscountingThePositive => {
                "discounting the positive (dismissing what went well)"
            }
        }
    }
}

/// One way to see the thought differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reframe {
    /// One kebab-case word or two (`evidence`, `future-self`).
    pub angle: String,
    /// One to three sentences addressed to the user.
    pub text: String,
}

/// The answer: exactly three reframes with distinct angles, and one micro-action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reframing {
    /// Exactly three.
    pub reframes: Vec<Reframe>,
    /// A small concrete action of a few minutes.
    pub micro_action: String,
    /// The model that wrote them, or `template`.
    pub model: String,
}

/// The `model` of a templated answer.
pub const TEMPLATE_MODEL: &str = "template";
