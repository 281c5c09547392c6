//! Reads the model's reply: per-criterion points and feedback, matched to the rubric by id,
//! and a summary.
//!
//! The gateway already validated the reply against the schema, so a reply that does not fit
//! it is a broken contract, reported as such rather than guessed at. Within the schema the
//! model is not trusted: points are clamped to each criterion's range, ids the rubric does
//! not know are ignored (the first entry of a repeated id counts), and a criterion the
//! model left out scores 0.

use serde_json::Value;

use crate::rubric::Rubric;

/// Longest feedback kept per criterion, in characters.
pub const MAX_FEEDBACK_CHARS: usize = 2000;
/// Longest summary kept, in characters.
pub const MAX_SUMMARY_CHARS: usize = 4000;
/// Feedback of a criterion the model did not assess.
pub const NOT_ASSESSED: &str = "The grader did not assess this criterion, so it scores 0.";

/// The model's assessment of one criterion, in rubric order.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Points earned, within 0..=the criterion's points.
    pub points: f64,
    /// Feedback for the learner.
    pub feedback: String,
    /// Whether the reply covered the criterion.
    pub assessed: bool,
}

/// A parsed reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// One per rubric criterion, in the rubric's order.
    pub criteria: Vec<Assessment>,
    /// Overall feedback.
    pub summary: String,
}

/// Parses `content` against `rubric`; the error says how the reply breaks the schema.
pub fn parse(content: &str, rubric: &Rubric) -> Result<Reply, String> {
    let value: Value =
        serde_json::from_str(content).map_err(|e| format!("the model's reply is not JSON: {e}"))?;
    let Value::Object(mut top) = value else {
        return Err("the model's reply is not a JSON object".into());
    };
    let Some(Value::Array(entries)) = top.remove("criteria") else {
        return Err("the model's reply has no `criteria` array".into());
    };
    let Some(Value::String(summary)) = top.remove("summary") else {
        return Err("the model's reply has no `summary` string".into());
    };

    let mut criteria: Vec<Option<Assessment>> = vec![None; rubric.criteria.len()];
    for (i, entry) in entries.iter().enumerate() {
        let at = |name: &str| format!("the model's reply: `criteria[{i}].{name}`");
        let Value::Object(entry) = entry else {
            return Err(format!(
                "the model's reply: `criteria[{i}]` is not an object"
            ));
        };
        let Some(id) = entry.get("id").and_then(Value::as_str) else {
            return Err(format!("{} is missing or not a string", at("id")));
        };
        let Some(points) = entry.get("points").and_then(Value::as_f64) else {
            return Err(format!("{} is missing or not a number", at("points")));
        };
        let Some(feedback) = entry.get("feedback").and_then(Value::as_str) else {
            return Err(format!("{} is missing or not a string", at("feedback")));
        };
        let Some(index) = rubric.criteria.iter().position(|c| c.id == id) else {
            continue;
        };
        if criteria[index].is_some() {
            continue;
        }
        let max = rubric.criteria[index].points;
        criteria[index] = Some(Assessment {
            // `max` is above 0 and finite; JSON numbers are finite.
            points: points.clamp(0.0, max),
            feedback: clip(feedback.trim(), MAX_FEEDBACK_CHARS),
            assessed: true,
        });
    }
    Ok(Reply {
        criteria: criteria
            .into_iter()
            .map(|a| {
                a.unwrap_or_else(|| Assessment {
                    points: 0.0,
                    feedback: NOT_ASSESSED.into(),
                    assessed: false,
                })
            })
            .collect(),
        summary: clip(summary.trim(), MAX_SUMMARY_CHARS),
    })
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((at, _)) => format!("{}…", &text[..at]),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rubric;

    fn rubric() -> Rubric {
        rubric::parse(
            r#"{"rubric": [
                {"id": "runs", "criterion": "Runs", "points": 3},
                {"id": "tests", "criterion": "Tests", "points": 2},
                {"id": "docs", "criterion": "Docs", "points": 1}
            ]}"#,
        )
        .unwrap()
    }

    #[test]
    fn clamps_matches_by_id_and_fills_gaps() {
        let content = json!({
            "criteria": [
                {"id": "tests", "points": 5, "feedback": " Good tests. "},
                {"id": "bonus", "points": 10, "feedback": "Not in the rubric"},
                {"id": "runs", "points": -1, "feedback": "Crashes."},
                {"id": "tests", "points": 0, "feedback": "Repeated"}
            ],
            "summary": "Decent."
        })
        .to_string();
        let r = parse(&content, &rubric()).unwrap();
        assert_eq!(r.summary, "Decent.");
        assert_eq!(
            r.criteria,
            [
                Assessment {
                    points: 0.0,
                    feedback: "Crashes.".into(),
                    assessed: true
                },
                Assessment {
                    points: 2.0,
                    feedback: "Good tests.".into(),
                    assessed: true
                },
                Assessment {
                    points: 0.0,
                    feedback: NOT_ASSESSED.into(),
                    assessed: false
                },
            ]
        );
    }

    #[test]
    fn fractional_points_stay() {
        let content =
            r#"{"criteria": [{"id": "runs", "points": 1.5, "feedback": "ok"}], "summary": ""}"#;
        assert_eq!(parse(content, &rubric()).unwrap().criteria[0].points, 1.5);
    }

    #[test]
    fn contract_breaches_are_named() {
        let cases = [
            ("not json", "the model's reply is not JSON"),
            ("[]", "the model's reply is not a JSON object"),
            (
                r#"{"summary": "x"}"#,
                "the model's reply has no `criteria` array",
            ),
            (
                r#"{"criteria": []}"#,
                "the model's reply has no `summary` string",
            ),
            (
                r#"{"criteria": [1], "summary": ""}"#,
                "the model's reply: `criteria[0]` is not an object",
            ),
            (
                r#"{"criteria": [{"id": "runs", "points": "3", "feedback": ""}], "summary": ""}"#,
                "the model's reply: `criteria[0].points` is missing or not a number",
            ),
            (
                r#"{"criteria": [{"points": 3, "feedback": ""}], "summary": ""}"#,
                "the model's reply: `criteria[0].id` is missing or not a string",
            ),
            (
                r#"{"criteria": [{"id": "runs", "points": 3}], "summary": ""}"#,
                "the model's reply: `criteria[0].feedback` is missing or not a string",
            ),
        ];
        for (content, message) in cases {
            let e = parse(content, &rubric()).unwrap_err();
            assert!(e.starts_with(message), "{content}: {e}");
        }
    }

    #[test]
    fn long_texts_are_clipped() {
        assert_eq!(clip("abcdef", 3), "abc…");
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("ééé", 2), "éé…");
    }
}
