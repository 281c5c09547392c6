//! The reflection capabilities (WIT `tessera:platform/reflection`, `fragment-detector`,
//! `reframer`, `lens-coach`, `spectrum-analyst`; contract 0.2.0), as the host's own types.
//! Seed 001's Kalei decides with these: Mirror's fragments, Turn's reframes, Lens's actions
//! and affirmation, Spectrum's insights.

use serde::{Deserialize, Serialize};

use super::types::LearnerContext;

/// A cognitive distortion.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Distortion {
    /// Expecting the worst.
    Catastrophising,
    /// Two categories only.
    AllOrNothing,
    /// Assuming what others think.
    MindReading,
    /// Predicting a bad outcome.
    FortuneTelling,
    /// Rigid rules ("I should").
    ShouldStatements,
    /// A global label from one event.
    Labelling,
    /// Blame for what one does not control.
    Personalisation,
    /// One event as a never-ending pattern.
    Overgeneralisation,
    /// A feeling taken as evidence.
    EmotionalReasoning,
    /// Dismissing what went well.
    DiscountingThePositive,
}

impl Distortion {
    /// Every distortion, in the WIT's order.
    pub const ALL: [Distortion; 10] = [
        Distortion::Catastrophising,
        Distortion::AllOrNothing,
        Distortion::MindReading,
        Distortion::FortuneTelling,
        Distortion::ShouldStatements,
        Distortion::Labelling,
        Distortion::Personalisation,
        Distortion::Overgeneralisation,
        Distortion::EmotionalReasoning,
        Distortion::DiscountingThePositive,
    ];

    /// The name the API and the database use, e.g. `all-or-nothing`.
    pub fn as_str(self) -> &'static str {
        match self {
            Distortion::Catastrophising => "catastrophising",
            Distortion::AllOrNothing => "all-or-nothing",
            Distortion::MindReading => "mind-reading",
            Distortion::FortuneTelling => "fortune-telling",
            Distortion::ShouldStatements => "should-statements",
            Distortion::Labelling => "labelling",
            Distortion::Personalisation => "personalisation",
            Distortion::Overgeneralisation => "overgeneralisation",
            Distortion::EmotionalReasoning => "emotional-reasoning",
            Distortion::DiscountingThePositive => "discounting-the-positive",
        }
    }

    /// The distortion named `name` ([`Distortion::as_str`]).
    pub fn parse(name: &str) -> Option<Distortion> {
        Distortion::ALL.into_iter().find(|d| d.as_str() == name)
    }
}

/// Which stage found a fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FoundBy {
    /// The plugin's rules.
    Rules,
    /// A model call.
    Model,
}

impl FoundBy {
    /// `rules` or `model`.
    pub fn as_str(self) -> &'static str {
        match self {
            FoundBy::Rules => "rules",
            FoundBy::Model => "model",
        }
    }
}

/// A passage showing one distortion; offsets in characters (Unicode scalar values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fragment {
    /// First character.
    pub start: u32,
    /// One past the last character.
    pub end: u32,
    /// The passage; must equal the text's characters `start..end`.
    pub text: String,
    /// The distortion.
    pub kind: Distortion,
    /// Confidence, 0 to 1.
    pub confidence: f32,
    /// The stage that found it.
    pub found_by: FoundBy,
}

/// A message for the fragment detector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectionRequest {
    /// The message.
    pub text: String,
    /// The user's earlier messages of the session, oldest first.
    pub history: Vec<String>,
    /// The user.
    pub learner: Option<LearnerContext>,
}

/// A thought for the reframer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReframeRequest {
    /// The thought.
    pub thought: String,
    /// Distortions seen in it.
    pub distortions: Vec<Distortion>,
    /// The text around it.
    pub context: Option<String>,
    /// The user.
    pub learner: Option<LearnerContext>,
}

/// One reframe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reframe {
    /// The angle it takes (`evidence`, `perspective`, `compassion`, …).
    pub angle: String,
    /// The reframe.
    pub text: String,
}

/// Three reframes and a micro-action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reframing {
    /// Exactly three.
    pub reframes: Vec<Reframe>,
    /// One small action.
    pub micro_action: String,
    /// The model that wrote them, or `template`.
    pub model: String,
}

/// A Lens goal, as the coach sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    /// What the user wants.
    pub title: String,
    /// Why it matters.
    pub why: Option<String>,
    /// Target date, `YYYY-MM-DD`.
    pub target_date: Option<String>,
}

/// Asks for actions towards a goal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionsRequest {
    /// The goal.
    pub goal: Goal,
    /// Its existing actions' titles.
    pub existing: Vec<String>,
    /// How many, 1 to 7.
    pub count: u32,
    /// The user.
    pub learner: Option<LearnerContext>,
}

/// A suggested action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// What to do.
    pub title: String,
    /// Minutes it takes, 1 to 120.
    pub minutes: u32,
}

/// Asks for the day's affirmation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AffirmationRequest {
    /// Open goals' titles.
    pub goals: Vec<String>,
    /// Actions completed in the last seven days.
    pub completed_this_week: u32,
    /// The user's local date, `YYYY-MM-DD`.
    pub local_date: String,
    /// The user.
    pub learner: Option<LearnerContext>,
}

/// A distortion's count in a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DistortionCount {
    /// The distortion.
    pub kind: Distortion,
    /// How many fragments.
    pub count: u32,
}

/// Week or month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PeriodKind {
    /// Monday to Sunday, local time.
    Week,
    /// A calendar month.
    Month,
}

impl PeriodKind {
    /// `week` or `month`.
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Week => "week",
            PeriodKind::Month => "month",
        }
    }
}

/// A period's counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PeriodAggregates {
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
    /// Fragments per distortion (kinds never found left out).
    pub distortions: Vec<DistortionCount>,
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

/// Asks for a period's insights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsightsRequest {
    /// The period.
    pub current: PeriodAggregates,
    /// The period before.
    pub previous: Option<PeriodAggregates>,
    /// The user.
    pub learner: Option<LearnerContext>,
}

/// One insight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Insight {
    /// `trend`, `pattern`, `win` or `suggestion`.
    pub kind: String,
    /// Short title.
    pub title: String,
    /// One to three sentences.
    pub body: String,
}
