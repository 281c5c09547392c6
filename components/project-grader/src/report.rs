//! The grade from the assessed criteria: score, pass or fail, feedback, one part per
//! criterion, and the details object (`grade-outcome.details`, shape in `docs/grading.md`).

use serde_json::{Value, json};

use crate::outcome::{Outcome, Part};
use crate::prompt::points;
use crate::reply::Assessment;
use crate::rubric::Rubric;

/// Slack when comparing the score with `pass_ratio`: 7 of 10 points must pass at 0.7 even
/// when the division lands a hair below it.
const EPSILON: f64 = 1e-9;
/// Summary of a heuristic grade.
pub const HEURISTIC_SUMMARY: &str = "No grading model is configured, so this is an automatic \
    estimate from how many of each criterion's key terms your work mentions. A reviewer \
    should confirm it.";
/// Feedback of a submission the safety gate stopped.
pub const BLOCKED_FEEDBACK: &str = "This submission could not be graded because it contains \
    content the safety gate stopped.";
/// Part feedback of a criterion not graded because the safety gate stopped the work.
const BLOCKED_PART: &str = "Not graded: the safety gate stopped the submission.";

/// Who scored the criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GradedBy<'a> {
    /// The model with this id.
    Model(&'a str),
    /// The offline heuristic, because the reply came from this (offline) model.
    Heuristic(&'a str),
}

/// Builds the grade from one assessment per criterion (in rubric order) and the summary.
pub fn build(rubric: &Rubric, assessed: &[Assessment], summary: &str, by: GradedBy) -> Outcome {
    let total = rubric.total();
    // Folded from +0.0: `f64::sum` starts at -0.0, and nothing earned is 0, not -0.
    let earned = assessed.iter().fold(0.0, |sum, a| sum + a.points);
    let score = if total > 0.0 {
        (earned / total).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let correct = score + EPSILON >= rubric.pass_ratio;
    let verdict = format!(
        "{} {} of {} points ({:.0}%; {:.0}% needed to pass).",
        if correct {
            "Passed:"
        } else {
            "Not passed yet:"
        },
        points(earned),
        points(total),
        score * 100.0,
        rubric.pass_ratio * 100.0
    );
    let feedback = if summary.trim().is_empty() {
        verdict
    } else {
        format!("{}\n\n{verdict}", summary.trim())
    };
    let (graded_by, model) = match by {
        GradedBy::Model(m) => ("model", m),
        GradedBy::Heuristic(m) => ("heuristic", m),
    };
    let needs_review = matches!(by, GradedBy::Heuristic(_)) || assessed.iter().any(|a| !a.assessed);
    Outcome {
        score,
        correct,
        feedback,
        parts: rubric
            .criteria
            .iter()
            .zip(assessed)
            .map(|(c, a)| Part {
                part: c.id.clone(),
                correct: a.points + EPSILON >= 0.5 * c.points,
                feedback: a.feedback.clone(),
            })
            .collect(),
        details: json!({
            "criteria": criteria(rubric, assessed),
            "earned": earned,
            "total": total,
            "pass_ratio": rubric.pass_ratio,
            "graded_by": graded_by,
            "model": model,
            "needs_review": needs_review,
        }),
    }
}

/// The grade of a submission the safety gate stopped: nothing earned, nothing passed, the
/// gate's response shown, `blocked: true` in the details.
pub fn blocked(rubric: &Rubric, response: &str) -> Outcome {
    let assessed: Vec<Assessment> = rubric
        .criteria
        .iter()
        .map(|_| Assessment {
            points: 0.0,
            feedback: BLOCKED_PART.into(),
            assessed: false,
        })
        .collect();
    let feedback = if response.trim().is_empty() {
        BLOCKED_FEEDBACK.to_owned()
    } else {
        format!("{BLOCKED_FEEDBACK}\n\n{}", response.trim())
    };
    Outcome {
        score: 0.0,
        correct: false,
        feedback,
        parts: rubric
            .criteria
            .iter()
            .map(|c| Part {
                part: c.id.clone(),
                correct: false,
                feedback: BLOCKED_PART.into(),
            })
            .collect(),
        details: json!({
            "criteria": criteria(rubric, &assessed),
            "earned": 0.0,
            "total": rubric.total(),
            "pass_ratio": rubric.pass_ratio,
            "graded_by": "none",
            "model": null,
            "needs_review": true,
            "blocked": true,
            "safety_response": response,
        }),
    }
}

fn criteria(rubric: &Rubric, assessed: &[Assessment]) -> Vec<Value> {
    rubric
        .criteria
        .iter()
        .zip(assessed)
        .map(|(c, a)| {
            json!({
                "id": c.id,
                "criterion": c.criterion,
                "points": a.points,
                "max_points": c.points,
                "feedback": a.feedback,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rubric;

    fn rubric(pass_ratio: f64) -> Rubric {
        rubric::parse(&format!(
            r#"{{"rubric": [
                {{"id": "a", "criterion": "A", "points": 7}},
                {{"id": "b", "criterion": "B", "points": 3}}
            ], "pass_ratio": {pass_ratio}}}"#
        ))
        .unwrap()
    }

    fn assessed(a: f64, b: f64) -> Vec<Assessment> {
        [a, b]
            .into_iter()
            .map(|points| Assessment {
                points,
                feedback: format!("{points}"),
                assessed: true,
            })
            .collect()
    }

    #[test]
    fn the_pass_threshold_is_inclusive() {
        let o = build(
            &rubric(0.7),
            &assessed(7.0, 0.0),
            "Solid core.",
            GradedBy::Model("m"),
        );
        assert!((o.score - 0.7).abs() < 1e-12);
        assert!(o.correct);
        assert_eq!(
            o.feedback,
            "Solid core.\n\nPassed: 7 of 10 points (70%; 70% needed to pass)."
        );
        let o = build(&rubric(0.7), &assessed(6.5, 0.0), "", GradedBy::Model("m"));
        assert!(!o.correct);
        assert_eq!(
            o.feedback,
            "Not passed yet: 6.5 of 10 points (65%; 70% needed to pass)."
        );
        let o = build(&rubric(0.0), &assessed(0.0, 0.0), "", GradedBy::Model("m"));
        assert_eq!((o.score, o.correct), (0.0, true));
        let o = build(&rubric(1.0), &assessed(7.0, 3.0), "", GradedBy::Model("m"));
        assert_eq!((o.score, o.correct), (1.0, true));
    }

    #[test]
    fn parts_and_details() {
        let o = build(
            &rubric(0.7),
            &assessed(3.5, 1.0),
            "Ok.",
            GradedBy::Model("gpt-4o-mini"),
        );
        assert_eq!(o.parts.len(), 2);
        assert_eq!((o.parts[0].part.as_str(), o.parts[0].correct), ("a", true));
        assert_eq!((o.parts[1].part.as_str(), o.parts[1].correct), ("b", false));
        assert_eq!(
            o.details,
            json!({
                "criteria": [
                    {"id": "a", "criterion": "A", "points": 3.5, "max_points": 7.0, "feedback": "3.5"},
                    {"id": "b", "criterion": "B", "points": 1.0, "max_points": 3.0, "feedback": "1"}
                ],
                "earned": 4.5, "total": 10.0, "pass_ratio": 0.7,
                "graded_by": "model", "model": "gpt-4o-mini", "needs_review": false
            })
        );
        let o = build(
            &rubric(0.7),
            &assessed(3.5, 1.0),
            "",
            GradedBy::Heuristic("tessera-offline"),
        );
        assert_eq!(o.details["graded_by"], "heuristic");
        assert_eq!(o.details["needs_review"], true);
        assert_eq!(o.details["model"], "tessera-offline");
    }

    #[test]
    fn blocked_scores_nothing() {
        let o = blocked(&rubric(0.7), "If you are in danger, call 112.");
        assert_eq!((o.score, o.correct), (0.0, false));
        assert_eq!(
            o.feedback,
            format!("{BLOCKED_FEEDBACK}\n\nIf you are in danger, call 112.")
        );
        assert!(o.parts.iter().all(|p| !p.correct));
        assert_eq!(o.details["blocked"], true);
        assert_eq!(o.details["earned"], 0.0);
        assert_eq!(o.details["criteria"][1]["max_points"], 3.0);
    }
}
