//! Achievements: a fixed catalog, each with a rule checked against the state right after
//! an outcome. Only ids not already in `earned-achievements` are returned, so a rule that
//! keeps holding never awards twice, and a rule that held before the engine was adopted is
//! awarded on the next outcome.
//!
//! | id | title | rule (after this outcome) |
//! |---|---|---|
//! | `first-lesson` | First Steps | at least one lesson completed |
//! | `first-perfect-quiz` | Perfect Score | this outcome is a quiz step with score 1.0 |
//! | `first-code-exercise` | Hello, World | this outcome is a correct code step |
//! | `consistent-learner` | Consistent Learner | streak ≥ 7 days (a freeze-forgiven day keeps the run) |
//! | `xp-100` | Century | total XP ≥ 100 |
//! | `xp-1000` | Thousand Club | total XP ≥ 1,000 |
//! | `topic-mastered` (per topic) | Topic Mastered | the outcome's topic reaches mastery ≥ 0.8; earned as `topic-mastered:<topic>` |

use crate::mastery::{MASTERED, reaches};
use crate::model::StepKind;

/// One catalog entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Achievement {
    /// Id.
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// What earns it.
    pub description: &'static str,
    /// Earned once per topic as `<id>:<topic>`.
    pub per_topic: bool,
}

/// Streak that earns `consistent-learner`.
pub const CONSISTENT_DAYS: u32 = 7;

/// The catalog, in award order.
pub const CATALOG: [Achievement; 7] = [
    Achievement {
        id: "first-lesson",
        title: "First Steps",
        description: "Complete your first lesson",
        per_topic: false,
    },
    Achievement {
        id: "first-perfect-quiz",
        title: "Perfect Score",
        description: "Answer a quiz question with a perfect score",
        per_topic: false,
    },
    Achievement {
        id: "first-code-exercise",
        title: "Hello, World",
        description: "Pass your first code exercise",
        per_topic: false,
    },
    Achievement {
        id: "consistent-learner",
        title: "Consistent Learner",
        description: "Study for 7 consecutive days",
        per_topic: false,
    },
    Achievement {
        id: "xp-100",
        title: "Century",
        description: "Earn 100 XP",
        per_topic: false,
    },
    Achievement {
        id: "xp-1000",
        title: "Thousand Club",
        description: "Earn 1,000 XP",
        per_topic: false,
    },
    Achievement {
        id: "topic-mastered",
        title: "Topic Mastered",
        description: "Reach 80% mastery in a topic",
        per_topic: true,
    },
];

/// What the rules look at, as it stands after the outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts<'a> {
    /// Lessons completed, including one this outcome completed.
    pub lessons_completed: usize,
    /// Kind of the outcome's step.
    pub kind: StepKind,
    /// Its score.
    pub score: f64,
    /// Whether it was correct.
    pub correct: bool,
    /// Streak after the outcome.
    pub streak_days: u32,
    /// Total XP after the outcome.
    pub xp_total: u64,
    /// The outcome's topic.
    pub topic: &'a str,
    /// Its mastery after the outcome.
    pub topic_mastery: f64,
}

fn holds(id: &str, f: &Facts) -> bool {
    match id {
        "first-lesson" => f.lessons_completed >= 1,
        "first-perfect-quiz" => f.kind == StepKind::Quiz && f.score >= 1.0,
        "first-code-exercise" => f.kind == StepKind::Code && f.correct,
        "consistent-learner" => f.streak_days >= CONSISTENT_DAYS,
        "xp-100" => f.xp_total >= 100,
        "xp-1000" => f.xp_total >= 1000,
        "topic-mastered" => reaches(f.topic_mastery, MASTERED),
        _ => false,
    }
}

/// Achievement ids newly earned, in catalog order.
pub fn newly_earned(facts: &Facts, earned: &[String]) -> Vec<String> {
    CATALOG
        .iter()
        .filter(|a| holds(a.id, facts))
        .map(|a| {
            if a.per_topic {
                format!("{}:{}", a.id, facts.topic)
            } else {
                a.id.to_string()
            }
        })
        .filter(|id| !earned.contains(id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts<'static> {
        Facts {
            lessons_completed: 0,
            kind: StepKind::Explanation,
            score: 0.5,
            correct: false,
            streak_days: 1,
            xp_total: 10,
            topic: "python.loops",
            topic_mastery: 0.1,
        }
    }

    fn earned(f: &Facts) -> Vec<String> {
        newly_earned(f, &[])
    }

    #[test]
    fn catalog_ids_are_unique_and_documented() {
        let mut ids: Vec<&str> = CATALOG.iter().map(|a| a.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CATALOG.len());
        assert!(
            CATALOG
                .iter()
                .all(|a| !a.title.is_empty() && !a.description.is_empty())
        );
        assert_eq!(CATALOG.iter().filter(|a| a.per_topic).count(), 1);
    }

    #[test]
    fn nothing_for_an_ordinary_outcome() {
        assert!(earned(&facts()).is_empty());
    }

    #[test]
    fn first_lesson() {
        let f = Facts {
            lessons_completed: 1,
            ..facts()
        };
        assert_eq!(earned(&f), ["first-lesson"]);
    }

    #[test]
    fn first_perfect_quiz_needs_a_quiz_and_full_score() {
        let quiz = |score| Facts {
            kind: StepKind::Quiz,
            score,
            correct: true,
            ..facts()
        };
        assert_eq!(earned(&quiz(1.0)), ["first-perfect-quiz"]);
        assert!(earned(&quiz(0.99)).is_empty());
        let code = Facts {
            kind: StepKind::Code,
            score: 1.0,
            correct: false,
            ..facts()
        };
        assert!(earned(&code).is_empty());
    }

    #[test]
    fn first_code_exercise_needs_a_passed_code_step() {
        let code = |correct| Facts {
            kind: StepKind::Code,
            correct,
            ..facts()
        };
        assert_eq!(earned(&code(true)), ["first-code-exercise"]);
        assert!(earned(&code(false)).is_empty());
        let project = Facts {
            kind: StepKind::Project,
            correct: true,
            ..facts()
        };
        assert!(earned(&project).is_empty());
    }

    #[test]
    fn consistent_learner_at_seven_days() {
        let streak = |d| Facts {
            streak_days: d,
            ..facts()
        };
        assert!(earned(&streak(6)).is_empty());
        assert_eq!(earned(&streak(7)), ["consistent-learner"]);
        assert_eq!(earned(&streak(40)), ["consistent-learner"]);
    }

    #[test]
    fn xp_thresholds() {
        let xp = |x| Facts {
            xp_total: x,
            ..facts()
        };
        assert!(earned(&xp(99)).is_empty());
        assert_eq!(earned(&xp(100)), ["xp-100"]);
        assert_eq!(earned(&xp(1000)), ["xp-100", "xp-1000"]);
        assert_eq!(newly_earned(&xp(1500), &["xp-100".into()]), ["xp-1000"]);
    }

    #[test]
    fn topic_mastered_is_per_topic() {
        let f = Facts {
            topic_mastery: 0.8,
            ..facts()
        };
        assert_eq!(earned(&f), ["topic-mastered:python.loops"]);
        let other = ["topic-mastered:python.lists".to_string()];
        assert_eq!(newly_earned(&f, &other), ["topic-mastered:python.loops"]);
        let same = ["topic-mastered:python.loops".to_string()];
        assert!(newly_earned(&f, &same).is_empty());
        let below = Facts {
            topic_mastery: 0.79,
            ..facts()
        };
        assert!(earned(&below).is_empty());
    }

    #[test]
    fn already_earned_ids_are_never_returned_and_order_is_the_catalogs() {
        let f = Facts {
            lessons_completed: 3,
            kind: StepKind::Quiz,
            score: 1.0,
            correct: true,
            streak_days: 7,
            xp_total: 2000,
            topic: "t",
            topic_mastery: 0.9,
        };
        assert_eq!(
            earned(&f),
            [
                "first-lesson",
                "first-perfect-quiz",
                "consistent-learner",
                "xp-100",
                "xp-1000",
                "topic-mastered:t"
            ]
        );
        let all: Vec<String> = earned(&f);
        assert!(newly_earned(&f, &all).is_empty());
    }
}
