//! Fragment detection for Kalei's Mirror (seed 001 §9.1): finds the passages of a message
//! that show cognitive distortions, so the app can highlight them and offer a reframe.
//!
//! The plugin (`tessera:platform/fragment-detector-plugin@0.2.0`) works in stages
//! ([`pipeline::detect`]):
//! 1. **Rules** ([`rules`]): phrase patterns per distortion ([`pattern`]) over normalised
//!    words ([`text`]), each with a confidence; a match's span grows to its clause;
//!    overlapping candidates keep the most confident.
//! 2. **Model** ([`model`]), unless the rules are already sure about every sentence: one
//!    completion (feature `fragment-detection`) that quotes passages; a quote is located in
//!    the text ([`locate`]) or dropped, then merged with the rules' fragments.
//!    The offline model's answer (`tessera-offline`) is ignored, and a failed call leaves
//!    the rules' fragments: a model outage is never an error.
//!
//! Everything is plain Rust, tested natively; the wasm32 `component` module only adapts
//! [`pipeline::detect`] to the WIT export and the `llm` import. `examples/eval.rs` measures
//! the rules on the labelled set in `data/` (figures in the README).

pub mod labelled;
pub mod locate;
pub mod model;
pub mod pattern;
pub mod pipeline;
pub mod rules;
pub mod text;

#[cfg(target_arch = "wasm32")]
mod component;

/// A cognitive distortion (the WIT's `reflection.distortion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

    /// The kebab-case name the WIT and the model's schema use.
    pub fn name(self) -> &'static str {
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

    /// The distortion named `name` (kebab case, as [`Distortion::name`] writes it).
    pub fn parse(name: &str) -> Option<Distortion> {
        Distortion::ALL.into_iter().find(|d| d.name() == name)
    }

    /// A one-line description with an example, for the model's prompt.
    pub fn describe(self) -> &'static str {
        match self {
            Distortion::Catastrophising => {
                "expecting the worst outcome and treating it as likely (\"this will ruin everything\")"
            }
            Distortion::AllOrNothing => {
                "seeing in two categories only (\"if it is not perfect it is a failure\")"
            }
            Distortion::MindReading => {
                "assuming what others think without evidence (\"they think I am stupid\")"
            }
            Distortion::FortuneTelling => {
                "predicting that things will turn out badly (\"I will fail the interview\")"
            }
            Distortion::ShouldStatements => {
                "rigid rules about how one should or must be (\"I should never make mistakes\")"
            }
            Distortion::Labelling => {
                "a global label for oneself or another from one event (\"I am a loser\")"
            }
            Distortion::Personalisation => {
                "taking the blame for what one does not control (\"it is my fault they are upset\")"
            }
            Distortion::Overgeneralisation => {
                "one event read as a never-ending pattern (\"I always mess up\")"
            }
            Distortion::EmotionalReasoning => {
                "taking a feeling as evidence (\"I feel useless, so I am\")"
            }
            Distortion::DiscountingThePositive => {
                "dismissing what went well (\"that only worked out by luck\")"
            }
        }
    }
}

/// Which stage found a fragment (the WIT's `found-by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundBy {
    /// The rules.
    Rules,
    /// The model call.
    Model,
}

/// A passage of the message that shows one distortion (the WIT's `fragment`).
#[derive(Debug, Clone, PartialEq)]
pub struct Fragment {
    /// Offset of the first character, in characters (Unicode scalar values).
    pub start: usize,
    /// Offset one past the last character; `end > start`.
    pub end: usize,
    /// The characters `start..end` of the message, exactly.
    pub text: String,
    /// The distortion.
    pub kind: Distortion,
    /// 0.0 to 1.0.
    pub confidence: f32,
    /// The stage that found it.
    pub found_by: FoundBy,
}

impl Fragment {
    /// Whether the two passages share at least one character.
    pub fn overlaps(&self, other: &Fragment) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Keeps the most confident of overlapping fragments (ties: the earlier, then the longer),
/// and returns them sorted by start: what the WIT promises (no overlaps, sorted).
pub fn resolve_overlaps(mut candidates: Vec<Fragment>) -> Vec<Fragment> {
    candidates.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then(a.start.cmp(&b.start))
            .then((b.end - b.start).cmp(&(a.end - a.start)))
    });
    let mut kept: Vec<Fragment> = Vec::new();
    for c in candidates {
        if !kept.iter().any(|k| k.overlaps(&c)) {
            kept.push(c);
        }
    }
    kept.sort_by_key(|f| f.start);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frag(start: usize, end: usize, confidence: f32) -> Fragment {
        Fragment {
            start,
            end,
            text: String::new(),
            kind: Distortion::Labelling,
            confidence,
            found_by: FoundBy::Rules,
        }
    }

    #[test]
    fn names_round_trip() {
        for d in Distortion::ALL {
            assert_eq!(Distortion::parse(d.name()), Some(d));
        }
        assert_eq!(Distortion::parse("Labelling"), None);
    }

    #[test]
    fn overlaps_keep_the_most_confident_sorted_by_start() {
        let kept = resolve_overlaps(vec![
            frag(10, 20, 0.6),
            frag(15, 30, 0.9),
            frag(0, 5, 0.5),
            frag(30, 31, 0.1),
        ]);
        let spans: Vec<(usize, usize)> = kept.iter().map(|f| (f.start, f.end)).collect();
        assert_eq!(spans, [(0, 5), (15, 30), (30, 31)]);
    }
}
