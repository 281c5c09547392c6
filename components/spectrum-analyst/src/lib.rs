//! Kalei's Spectrum (seed 001 §9.3, §10.5): narrative insights about a week or a month,
//! from aggregates only: the plugin never sees what a user wrote (data minimisation, seed
//! 001 §11.2).
//!
//! The plugin (`tessera:platform/spectrum-analyst-plugin@0.2.0`) works in stages
//! ([`pipeline::insights`]):
//! 1. **Checks**: the periods' dates are `YYYY-MM-DD` and `end` is not before `start`.
//! 2. **Rules** ([`rules`]): candidate insights (the most frequent distortion, trends
//!    against the previous period, wins, a suggestion tied to the top distortion), 1 to 5,
//!    most useful first; an empty period gets one gentle "nothing yet" insight.
//! 3. **Model** ([`model`]), for a non-empty period: one completion (feature
//!    `spectrum-insights`) rephrasing the rule insights as narrative, accepted only when it
//!    passes the checks, including that every number it writes is one the rules computed.
//!    The offline model, a failure or an invalid answer leave the rule texts.

pub mod model;
pub mod pipeline;
pub mod rules;

#[cfg(target_arch = "wasm32")]
mod component;

/// A cognitive distortion (the WIT's `reflection.distortion`), in the WIT's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Distortion {
    /// Expecting the worst outcome.
    Catastrophising,
    /// Two categories only.
    AllOrNothing,
    /// Assuming what others think.
    MindReading,
    /// Predicting things will go badly.
    FortuneTelling,
    /// Rigid rules.
    ShouldStatements,
    /// Global labels.
    Labelling,
    /// Taking the blame.
    Personalisation,
    /// One event as a pattern.
    Overgeneralisation,
    /// A feeling as evidence.
    EmotionalReasoning,
    /// Dismissing what went well.
    DiscountingThePositive,
}

impl Distortion {
    /// How insights name it in a sentence.
    pub fn phrase(self) -> &'static str {
        match self {
            Distortion::Catastrophising => "catastrophising",
            Distortion::AllOrNothing => "all-or-nothing thinking",
            Distortion::MindReading => "mind-reading",
            Distortion::FortuneTelling => "fortune-telling",
            Distortion::ShouldStatements => "should-statements",
            Distortion::Labelling => "labelling",
            Distortion::Personalisation => "personalisation",
            Distortion::Overgeneralisation => "overgeneralising",
            Distortion::EmotionalReasoning => "emotional reasoning",
            Distortion::DiscountingThePositive => "discounting the positive",
        }
    }

    /// What it is, in a few words.
    pub fn gloss(self) -> &'static str {
        match self {
            Distortion::Catastrophising => "expecting the worst outcome",
            Distortion::AllOrNothing => "seeing things as all good or all bad",
            Distortion::MindReading => "assuming what others think",
            Distortion::FortuneTelling => "predicting that things will go badly",
            Distortion::ShouldStatements => "holding yourself to rigid rules",
            Distortion::Labelling => "judging a whole person by one moment",
            Distortion::Personalisation => "taking the blame for what you don't control",
            Distortion::Overgeneralisation => "reading one event as a never-ending pattern",
            Distortion::EmotionalReasoning => "taking a feeling as proof",
            Distortion::DiscountingThePositive => "brushing off what went well",
        }
    }

    /// A small thing to try, tied to it.
    pub fn try_this(self) -> &'static str {
        match self {
            Distortion::Catastrophising => {
                "When a worst case shows up, try writing the most likely outcome next to it."
            }
            Distortion::AllOrNothing => {
                "Try rating how things went on a scale from 0 to 10 instead of pass or fail."
            }
            Distortion::MindReading => {
                "When you catch yourself guessing what someone thinks, try asking, or listing two other explanations."
            }
            Distortion::FortuneTelling => {
                "Try writing a prediction down and checking it later against what actually happened."
            }
            Distortion::ShouldStatements => {
                "Try swapping one \"should\" for \"I'd like to\" and notice how it feels."
            }
            Distortion::Labelling => {
                "When a label comes up, try describing the moment instead of the person."
            }
            Distortion::Personalisation => {
                "Before taking the blame, try listing everything else that played a part."
            }
            Distortion::Overgeneralisation => {
                "When \"always\" or \"never\" shows up, try finding one exception."
            }
            Distortion::EmotionalReasoning => "Try writing the feeling and the facts side by side.",
            Distortion::DiscountingThePositive => {
                "Try writing down one thing you did well each day, without a \"but\"."
            }
        }
    }
}

/// Week or month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    /// Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
}

/// What a user did in one period, as counts (the WIT's `period-aggregates`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// Week or month.
    pub kind: PeriodKind,
    /// First day, `YYYY-MM-DD`.
    pub start: String,
    /// Last day, `YYYY-MM-DD`.
    pub end: String,
    /// Days with any activity.
    pub active_days: u32,
    /// Mirror sessions started.
    pub mirror_sessions: u32,
    /// Mirror messages written.
    pub mirror_messages: u32,
    /// Fragments found per distortion.
    pub distortions: Vec<(Distortion, u32)>,
    /// Reframes asked for on fragments.
    pub fragment_reframes: u32,
    /// Turns taken.
    pub turns: u32,
    /// Turns saved.
    pub turns_saved: u32,
    /// Lens actions completed.
    pub actions_completed: u32,
    /// Lens actions open at the end.
    pub actions_open: u32,
}

impl Period {
    /// An empty period of `kind` (a starting point for tests and callers).
    pub fn empty(kind: PeriodKind, start: &str, end: &str) -> Period {
        Period {
            kind,
            start: start.to_owned(),
            end: end.to_owned(),
            active_days: 0,
            mirror_sessions: 0,
            mirror_messages: 0,
            distortions: Vec::new(),
            fragment_reframes: 0,
            turns: 0,
            turns_saved: 0,
            actions_completed: 0,
            actions_open: 0,
        }
    }

    /// Fragments of `kind` (a kind listed twice counts twice).
    pub fn count(&self, kind: Distortion) -> u32 {
        self.distortions
            .iter()
            .filter(|(k, _)| *k == kind)
            .fold(0u32, |s, (_, c)| s.saturating_add(*c))
    }

    /// Fragments of every kind.
    pub fn total_fragments(&self) -> u32 {
        self.distortions
            .iter()
            .fold(0u32, |s, (_, c)| s.saturating_add(*c))
    }

    /// Whether nothing happened (open actions alone are not activity).
    pub fn is_empty(&self) -> bool {
        self.active_days == 0
            && self.mirror_sessions == 0
            && self.mirror_messages == 0
            && self.total_fragments() == 0
            && self.fragment_reframes == 0
            && self.turns == 0
            && self.turns_saved == 0
            && self.actions_completed == 0
    }
}

/// What kind of insight: the WIT's `trend`, `pattern`, `win` or `suggestion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A change against the previous period.
    Trend,
    /// A recurring distortion.
    Pattern,
    /// Something that went well.
    Win,
    /// A small thing to try.
    Suggestion,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 4] = [Kind::Trend, Kind::Pattern, Kind::Win, Kind::Suggestion];

    /// The WIT's string.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Trend => "trend",
            Kind::Pattern => "pattern",
            Kind::Win => "win",
            Kind::Suggestion => "suggestion",
        }
    }

    /// The kind named `s`.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One insight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insight {
    /// Its kind.
    pub kind: Kind,
    /// At most 80 characters.
    pub title: String,
    /// One to three sentences.
    pub body: String,
}
