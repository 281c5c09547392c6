//! Seed 004 §5.2's `labelToName()`: which persona a centroid (or, without clusters, a user)
//! looks like, scored from the features its heuristics name.
//!
//! | persona | heuristic (seed 004) | what the score rewards |
//! |---------|----------------------|------------------------|
//! | `newbie` | few events, long time-to-first-value | long time to first value (×2), few tutorial steps, few active days, few lessons, few quiz answers, few AI requests, little XP |
//! | `freelancer-pro` | solo projects, high AI usage | project submissions (×2), code submissions, submissions per day, tutor queries per day, AI requests per day; no staff role, nobody managed, under the ai-power rate |
//! | `team-manager` | invites > 3 users, uses PM features | staff role (×2), more than 3 learners managed or invited (×2), classes, students, invitations |
//! | `ai-power` | ≥ 30 AI calls / day | at or over 30 AI calls per active day (×3), AI requests per day (×2), AI requests in 30 days, study sessions, generated quizzes, generated courses |
//!
//! A score is the weighted mean of its terms, each a dimension (`high`) or one minus it
//! (`low`), so it lies in `0..=1` like the dimensions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::features::{FeatureVector, dim};

/// Seed 004's four personas; the tutorial config (§2.1) and the persona service (§2.4)
/// return their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Persona {
    /// Few events, a long time to first value; also every user with no data.
    Newbie,
    /// Works alone on projects and submissions, with high (but not ai-power) AI usage.
    FreelancerPro,
    /// Manages others: Tessera's teachers and admins, with their classes and students.
    TeamManager,
    /// 30 or more AI calls per active day.
    AiPower,
}

impl Persona {
    /// The four, in seed 004's cluster order (0 to 3); ties in scoring go to the earlier.
    pub const ALL: [Self; 4] = [
        Self::Newbie,
        Self::FreelancerPro,
        Self::TeamManager,
        Self::AiPower,
    ];

    /// The name as seed 004 spells it (`"newbie"`, `"freelancer-pro"`, `"team-manager"`,
    /// `"ai-power"`), for `user_personas.persona` and the APIs.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Newbie => "newbie",
            Self::FreelancerPro => "freelancer-pro",
            Self::TeamManager => "team-manager",
            Self::AiPower => "ai-power",
        }
    }

    /// How much a vector (a centroid or a user) looks like this persona, `0..=1`: the
    /// weighted mean of the terms in [the `naming` module](self)'s table.
    #[must_use]
    pub fn score(self, vector: &FeatureVector) -> f64 {
        let terms = profile(self);
        let (mut sum, mut weights) = (0.0, 0.0);
        for &(index, direction, weight) in terms {
            let value = vector.get(index).copied().unwrap_or(0.0).clamp(0.0, 1.0);
            sum += weight
                * match direction {
                    Direction::High => value,
                    Direction::Low => 1.0 - value,
                };
            weights += weight;
        }
        if weights > 0.0 { sum / weights } else { 0.0 }
    }
}

impl fmt::Display for Persona {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of seed 004's four personas.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown persona {0:?}: expected newbie, freelancer-pro, team-manager or ai-power")]
pub struct UnknownPersona(pub String);

impl FromStr for Persona {
    type Err = UnknownPersona;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownPersona(s.to_owned()))
    }
}

/// Whether a term rewards a high or a low value of its dimension.
#[derive(Debug, Clone, Copy)]
enum Direction {
    High,
    Low,
}

use Direction::{High, Low};

/// The terms of each persona's score: (dimension, direction, weight).
fn profile(persona: Persona) -> &'static [(usize, Direction, f64)] {
    const NEWBIE: &[(usize, Direction, f64)] = &[
        (dim::TIME_TO_FIRST_VALUE, High, 2.0),
        (dim::TUTORIAL_STEPS_STARTED, Low, 1.0),
        (dim::DAYS_ACTIVE_30D, Low, 1.0),
        (dim::LESSONS_COMPLETED, Low, 1.0),
        (dim::QUIZ_ATTEMPTS, Low, 1.0),
        (dim::AI_REQUESTS_30D, Low, 1.0),
        (dim::TOTAL_XP, Low, 1.0),
    ];
    const FREELANCER_PRO: &[(usize, Direction, f64)] = &[
        (dim::PROJECT_SUBMISSIONS, High, 2.0),
        (dim::CODE_SUBMISSIONS, High, 1.0),
        (dim::SUBMISSIONS_PER_ACTIVE_DAY, High, 1.0),
        (dim::TUTOR_QUERIES_PER_ACTIVE_DAY, High, 1.0),
        (dim::AI_REQUESTS_PER_ACTIVE_DAY, High, 1.0),
        (dim::TEACHER_ROLE, Low, 1.0),
        (dim::MANAGES_MORE_THAN_THREE, Low, 1.0),
        (dim::AI_POWER_RATE, Low, 1.0),
    ];
    const TEAM_MANAGER: &[(usize, Direction, f64)] = &[
        (dim::TEACHER_ROLE, High, 2.0),
        (dim::MANAGES_MORE_THAN_THREE, High, 2.0),
        (dim::CLASSES_MANAGED, High, 1.0),
        (dim::STUDENTS_MANAGED, High, 1.0),
        (dim::INVITATIONS_SENT, High, 1.0),
    ];
    const AI_POWER: &[(usize, Direction, f64)] = &[
        (dim::AI_POWER_RATE, High, 3.0),
        (dim::AI_REQUESTS_PER_ACTIVE_DAY, High, 2.0),
        (dim::AI_REQUESTS_30D, High, 1.0),
        (dim::STUDY_SESSIONS_30D, High, 1.0),
        (dim::GENERATED_QUIZZES, High, 1.0),
        (dim::GENERATED_COURSES, High, 1.0),
    ];
    match persona {
        Persona::Newbie => NEWBIE,
        Persona::FreelancerPro => FREELANCER_PRO,
        Persona::TeamManager => TEAM_MANAGER,
        Persona::AiPower => AI_POWER,
    }
}

/// Names four centroids, each name once: the assignment of personas to centroids with the
/// highest total score, found by trying all 24 (ties go to the first in lexicographic
/// order of the personas, so the result is deterministic). `names[c]` is centroid `c`'s.
pub(crate) fn name_centroids(centroids: &[FeatureVector; 4]) -> [Persona; 4] {
    let mut best = (f64::NEG_INFINITY, Persona::ALL);
    for permutation in permutations() {
        let total: f64 = permutation
            .iter()
            .zip(centroids)
            .map(|(p, c)| p.score(c))
            .sum();
        if total > best.0 {
            best = (total, permutation);
        }
    }
    best.1
}

/// All 24 orderings of the four personas, in lexicographic order.
fn permutations() -> Vec<[Persona; 4]> {
    let mut all = Vec::with_capacity(24);
    for a in Persona::ALL {
        for b in Persona::ALL {
            for c in Persona::ALL {
                for d in Persona::ALL {
                    let distinct = a != b && a != c && a != d && b != c && b != d && c != d;
                    if distinct {
                        all.push([a, b, c, d]);
                    }
                }
            }
        }
    }
    all
}

/// The persona a single vector scores highest on, and the margin over the runner-up
/// (`best - second`, in `0..=1`) as its confidence: used when there are too few distinct
/// users to cluster. Names may repeat here, as each user is judged alone.
pub(crate) fn best_persona(vector: &FeatureVector) -> (Persona, f64) {
    let mut scored = Persona::ALL.map(|p| (p, p.score(vector)));
    // Stable sort, descending: ties keep seed 004's order.
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    let [(best, top), (_, second), ..] = scored;
    (best, (top - second).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::super::features::FEATURE_COUNT;
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Persona::ALL {
            assert_eq!(p.as_str().parse::<Persona>(), Ok(p));
            assert_eq!(
                serde_json::to_string(&p).ok(),
                Some(format!("\"{}\"", p.as_str()))
            );
        }
        assert!("manager".parse::<Persona>().is_err());
    }

    #[test]
    fn there_are_24_permutations() {
        let all = permutations();
        assert_eq!(all.len(), 24);
        let mut sorted = all.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 24);
    }

    #[test]
    fn naming_maximises_the_total_not_each_centroid_greedily() {
        // Centroid 0 scores a little higher as ai-power than centroid 1 does, but centroid
        // 1 is nothing else at all; the best total gives ai-power to 1.
        let mut c0 = [0.0; FEATURE_COUNT];
        c0[dim::AI_POWER_RATE] = 0.6;
        c0[dim::AI_REQUESTS_PER_ACTIVE_DAY] = 0.6;
        c0[dim::PROJECT_SUBMISSIONS] = 1.0;
        c0[dim::CODE_SUBMISSIONS] = 1.0;
        c0[dim::TIME_TO_FIRST_VALUE] = 0.2;
        c0[dim::LESSONS_COMPLETED] = 1.0;
        c0[dim::TOTAL_XP] = 1.0;
        c0[dim::DAYS_ACTIVE_30D] = 1.0;
        c0[dim::TUTORIAL_STEPS_STARTED] = 1.0;
        let mut c1 = c0;
        c1[dim::AI_POWER_RATE] = 0.55;
        c1[dim::PROJECT_SUBMISSIONS] = 0.0;
        c1[dim::CODE_SUBMISSIONS] = 0.0;
        let mut c2 = [0.0; FEATURE_COUNT];
        c2[dim::TEACHER_ROLE] = 1.0;
        c2[dim::MANAGES_MORE_THAN_THREE] = 1.0;
        let mut c3 = [0.0; FEATURE_COUNT];
        c3[dim::TIME_TO_FIRST_VALUE] = 1.0;
        let names = name_centroids(&[c0, c1, c2, c3]);
        assert_eq!(
            names,
            [
                Persona::FreelancerPro,
                Persona::AiPower,
                Persona::TeamManager,
                Persona::Newbie
            ]
        );
    }
}
