//! The exercise as the agent builds it: the `exercise` record of the contract, plus the
//! hints it keeps for the "Give me a hint" follow-up.

use serde::{Deserialize, Serialize};
use tessera_plugin_sdk::sandbox::TestCase;

/// How hard an exercise is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    /// One idea, a few lines.
    Easy,
    /// Two ideas combined, or an edge case to handle.
    Medium,
    /// Several steps, state, or a careful algorithm.
    Hard,
}

impl Difficulty {
    /// All three, easiest first.
    pub const ALL: [Difficulty; 3] = [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard];

    /// As the contract spells it.
    pub fn label(self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
        }
    }

    /// `easy`, `medium` or `hard` (any case, trimmed).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "easy" => Some(Difficulty::Easy),
            "medium" => Some(Difficulty::Medium),
            "hard" => Some(Difficulty::Hard),
            _ => None,
        }
    }

    /// The default for a learner's mastery of the topic: below 0.4 easy, below 0.75
    /// medium, else hard; easy without a record.
    pub fn for_mastery(mastery: Option<f32>) -> Self {
        match mastery {
            Some(m) if m >= 0.75 => Difficulty::Hard,
            Some(m) if m >= 0.4 => Difficulty::Medium,
            _ => Difficulty::Easy,
        }
    }

    /// One step harder (hard stays hard).
    pub fn harder(self) -> Self {
        match self {
            Difficulty::Easy => Difficulty::Medium,
            _ => Difficulty::Hard,
        }
    }

    /// One step easier (easy stays easy).
    pub fn easier(self) -> Self {
        match self {
            Difficulty::Hard => Difficulty::Medium,
            _ => Difficulty::Easy,
        }
    }
}

/// An exercise (`agent.exercise`): the SDK's, whose tests are assertion tests here.
pub use tessera_plugin_sdk::agent::Exercise;

/// An exercise and its hints, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// The exercise.
    pub exercise: Exercise,
    /// Hints, gentlest first.
    pub hints: Vec<String>,
}

/// An assertion test.
pub fn assertion(name: &str, expression: &str) -> TestCase {
    TestCase {
        name: name.into(),
        stdin: String::new(),
        expected_stdout: None,
        assertion: Some(expression.into()),
    }
}
