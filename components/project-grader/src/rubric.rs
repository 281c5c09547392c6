//! The answer key of a `mini_project`: the rubric the model grades against and the share of
//! points that passes (shape in `docs/grading.md`).

use std::collections::HashSet;

use crate::fields::{Fields, parse_object};
use crate::outcome::{Invalid, invalid};

/// Where the answer key sits in the submission.
pub const KEY: &str = "question.answer_key";
/// Most criteria in one rubric: each costs prompt and reply tokens, and a model grades a
/// long list less reliably.
pub const MAX_CRITERIA: usize = 30;
/// Longest criterion id, in bytes.
pub const MAX_ID_BYTES: usize = 100;
/// Longest criterion title, in bytes.
pub const MAX_CRITERION_BYTES: usize = 500;
/// Longest criterion description, in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 4 * 1024;
/// Most points one criterion may carry.
pub const MAX_POINTS: f64 = 1000.0;
/// Share of the points that passes when the key sets none.
pub const DEFAULT_PASS_RATIO: f64 = 0.7;

/// A checked answer key.
#[derive(Debug, Clone, PartialEq)]
pub struct Rubric {
    /// The criteria, in the key's order.
    pub criteria: Vec<Criterion>,
    /// Share of the total points (0.0 to 1.0) a submission needs to count as correct.
    pub pass_ratio: f64,
}

impl Rubric {
    /// Points available in total.
    pub fn total(&self) -> f64 {
        self.criteria.iter().fold(0.0, |sum, c| sum + c.points)
    }
}

/// One rubric criterion.
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    /// Unique within the rubric; the model answers per id.
    pub id: String,
    /// What is assessed, in a few words.
    pub criterion: String,
    /// Most points it can earn (above 0).
    pub points: f64,
    /// What earns the points; may be empty.
    pub description: String,
}

/// The path of criterion `index`'s field `name`.
pub fn criterion_field(index: usize, name: &str) -> String {
    format!("{KEY}.rubric[{index}].{name}")
}

/// Parses and checks an answer key.
pub fn parse(json: &str) -> Result<Rubric, Invalid> {
    let mut f = parse_object(
        json,
        KEY,
        r#"{"rubric": [{"id": "tests", "criterion": "Has tests", "points": 2, "description": "…"}], "pass_ratio": 0.7}"#,
    )?;
    let items = f.array("rubric")?;
    let pass_ratio = f.opt_number("pass_ratio")?.unwrap_or(DEFAULT_PASS_RATIO);
    if !(0.0..=1.0).contains(&pass_ratio) {
        return Err(invalid(
            &f.path("pass_ratio"),
            format!("must be from 0.0 to 1.0, not {pass_ratio}"),
        ));
    }
    f.finish()?;

    if items.is_empty() || items.len() > MAX_CRITERIA {
        return Err(invalid(
            &format!("{KEY}.rubric"),
            format!(
                "holds {} criteria; between 1 and {MAX_CRITERIA} are accepted",
                items.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    let mut criteria = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let c = criterion(index, item)?;
        if !seen.insert(c.id.clone()) {
            return Err(invalid(
                &criterion_field(index, "id"),
                format!(
                    "`{}` is used by an earlier criterion; ids must be unique",
                    c.id
                ),
            ));
        }
        criteria.push(c);
    }
    Ok(Rubric {
        criteria,
        pass_ratio,
    })
}

fn criterion(index: usize, item: serde_json::Value) -> Result<Criterion, Invalid> {
    let mut f = Fields::new(
        item,
        &format!("{KEY}.rubric[{index}]"),
        r#"{"id": "tests", "criterion": "Has tests", "points": 2, "description": "…"}"#,
    )?;
    let id = f.string("id")?;
    let criterion = f.string("criterion")?;
    let points = f.number("points")?;
    let description = f.opt_string("description")?.unwrap_or_default();
    f.finish()?;

    let field = |name| criterion_field(index, name);
    // The id travels to the model and back and names a part: it must be visible text on
    // one line. Spaces are allowed: content packs' rubrics (docs/content.md) set no rule.
    if id.trim().is_empty() || id.len() > MAX_ID_BYTES || id.chars().any(char::is_control) {
        return Err(invalid(
            &field("id"),
            format!("must be 1-{MAX_ID_BYTES} bytes of text without control characters"),
        ));
    }
    if criterion.trim().is_empty() || criterion.len() > MAX_CRITERION_BYTES {
        return Err(invalid(
            &field("criterion"),
            format!("must be 1-{MAX_CRITERION_BYTES} bytes of text"),
        ));
    }
    if !(points > 0.0 && points <= MAX_POINTS) {
        return Err(invalid(
            &field("points"),
            format!("must be above 0 and at most {MAX_POINTS}, not {points}"),
        ));
    }
    if description.len() > MAX_DESCRIPTION_BYTES {
        return Err(invalid(
            &field("description"),
            format!(
                "is {} bytes; at most {MAX_DESCRIPTION_BYTES} are accepted",
                description.len()
            ),
        ));
    }
    Ok(Criterion {
        id,
        criterion,
        points,
        description,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_JSON: &str = r#"{"rubric": [
        {"id": "runs", "criterion": "The program runs", "points": 3, "description": "Starts without errors."},
        {"id": "tests", "criterion": "Has tests", "points": 2}
    ]}"#;

    #[test]
    fn a_rubric_with_defaults() {
        let r = parse(KEY_JSON).unwrap();
        assert_eq!(r.pass_ratio, DEFAULT_PASS_RATIO);
        assert_eq!(r.criteria.len(), 2);
        assert_eq!(r.criteria[0].id, "runs");
        assert_eq!(r.criteria[0].description, "Starts without errors.");
        assert_eq!(r.criteria[1].description, "");
        assert_eq!(r.total(), 5.0);
        let r =
            parse(r#"{"rubric": [{"id": "a", "criterion": "A", "points": 0.5}], "pass_ratio": 1}"#)
                .unwrap();
        assert_eq!((r.pass_ratio, r.total()), (1.0, 0.5));
    }

    #[test]
    fn field_errors_name_the_field() {
        let one = |extra: &str| {
            format!(r#"{{"rubric": [{{"id": "a", "criterion": "A", "points": 1}}, {{{extra}}}]}}"#)
        };
        let cases = [
            ("[]".to_owned(), KEY, "must be an object like"),
            (
                "{}".to_owned(),
                "question.answer_key.rubric",
                "is missing: an array is required",
            ),
            (
                r#"{"rubric": []}"#.to_owned(),
                "question.answer_key.rubric",
                "holds 0 criteria",
            ),
            (
                r#"{"rubric": [{"id": "a", "criterion": "A", "points": 1}], "pass_ratio": 1.5}"#
                    .to_owned(),
                "question.answer_key.pass_ratio",
                "must be from 0.0 to 1.0, not 1.5",
            ),
            (
                r#"{"rubric": [{"id": "a", "criterion": "A", "points": 1}], "passratio": 0.5}"#
                    .to_owned(),
                "question.answer_key.passratio",
                "is not a known field here",
            ),
            (
                one(r#""id": "b", "criterion": "B", "points": "2""#),
                "question.answer_key.rubric[1].points",
                "must be a number, not a string",
            ),
            (
                one(r#""id": "b", "criterion": "B", "points": 0"#),
                "question.answer_key.rubric[1].points",
                "must be above 0",
            ),
            (
                one(r#""id": "b", "criterion": "B", "points": -1"#),
                "question.answer_key.rubric[1].points",
                "must be above 0",
            ),
            (
                one(r#""id": "b", "criterion": "B""#),
                "question.answer_key.rubric[1].points",
                "is missing: a number is required",
            ),
            (
                one(r#""id": "a", "criterion": "B", "points": 1"#),
                "question.answer_key.rubric[1].id",
                "`a` is used by an earlier criterion",
            ),
            (
                one(r#""id": "b\nc", "criterion": "B", "points": 1"#),
                "question.answer_key.rubric[1].id",
                "must be 1-100 bytes",
            ),
            (
                one(r#""id": "b", "criterion": " ", "points": 1"#),
                "question.answer_key.rubric[1].criterion",
                "must be 1-500 bytes",
            ),
            (
                one(r#""id": "b", "criterion": "B", "points": 1, "weight": 2"#),
                "question.answer_key.rubric[1].weight",
                "is not a known field here",
            ),
            (
                r#"{"rubric": [3]}"#.to_owned(),
                "question.answer_key.rubric[0]",
                "must be an object like",
            ),
        ];
        for (json, field, message) in cases {
            let e = parse(&json).unwrap_err();
            assert_eq!(e.field, field, "{json}");
            assert!(e.message.starts_with(message), "{json}: {e:?}");
        }
    }

    #[test]
    fn size_limits() {
        let many: Vec<String> = (0..=MAX_CRITERIA)
            .map(|i| format!(r#"{{"id": "c{i}", "criterion": "C", "points": 1}}"#))
            .collect();
        let e = parse(&format!(r#"{{"rubric": [{}]}}"#, many.join(","))).unwrap_err();
        assert_eq!(e.field, "question.answer_key.rubric");
        let long = "x".repeat(MAX_DESCRIPTION_BYTES + 1);
        let e = parse(&format!(
            r#"{{"rubric": [{{"id": "a", "criterion": "A", "points": 1, "description": "{long}"}}]}}"#
        ))
        .unwrap_err();
        assert_eq!(e.field, "question.answer_key.rubric[0].description");
    }
}
