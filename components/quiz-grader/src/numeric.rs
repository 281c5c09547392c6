//! `numeric`: a number within a tolerance (absolute, or relative to the expected value),
//! optionally with units converted to the canonical unit before comparing.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::Graded;
use crate::fields::deserialize as parse;
use crate::outcome::{Invalid, Outcome, invalid};

#[derive(Deserialize)]
struct AnswerKey {
    value: f64,
    #[serde(default)]
    tolerance: f64,
    #[serde(default)]
    tolerance_mode: Mode,
    unit: Option<String>,
    #[serde(default)]
    units: BTreeMap<String, f64>,
    #[serde(default)]
    require_unit: bool,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Mode {
    #[default]
    Absolute,
    Relative,
}

#[derive(Deserialize)]
struct Answer {
    value: Option<Value>,
    unit: Option<String>,
    text: Option<String>,
}

/// Splits `"1,234.5e0 cm/s^2"` into the number and the (possibly empty) unit.
fn split_number(text: &str) -> Option<(f64, String)> {
    let text = text.trim();
    let end = text
        .char_indices()
        .take_while(|&(i, c)| {
            c.is_ascii_digit()
                || c == '.'
                || c == ','
                || ((c == '-' || c == '+') && (i == 0 || text[..i].ends_with(['e', 'E'])))
                || ((c == 'e' || c == 'E') && i > 0)
        })
        .map(|(i, c)| i + c.len_utf8())
        .last()?;
    let (mut number, mut unit) = (&text[..end], &text[end..]);
    // A trailing `e` belongs to the unit, not an exponent.
    while number.ends_with(['e', 'E', '+', '-']) {
        unit = &text[number.len() - 1..];
        number = &number[..number.len() - 1];
    }
    let value: f64 = number.replace(',', "").parse().ok()?;
    Some((value, unit.trim().to_owned()))
}

fn answer_value(answer: &Answer) -> Result<(f64, Option<String>), Invalid> {
    let (value, unit) = match (&answer.value, &answer.text) {
        (Some(Value::Number(n)), _) => (n.as_f64().unwrap_or(f64::NAN), answer.unit.clone()),
        (Some(Value::String(s)), _) | (None, Some(s)) => {
            let field = if answer.value.is_some() {
                "answer.value"
            } else {
                "answer.text"
            };
            let (v, u) = split_number(s)
                .ok_or_else(|| invalid(field, format!("“{s}” does not start with a number")))?;
            (
                v,
                if u.is_empty() {
                    answer.unit.clone()
                } else {
                    Some(u)
                },
            )
        }
        (Some(other), _) => {
            return Err(invalid(
                "answer.value",
                format!("must be a number, not {other}"),
            ));
        }
        (None, None) => return Err(invalid("answer.value", "give `value` (a number) or `text`")),
    };
    if !value.is_finite() {
        return Err(invalid("answer.value", "must be a finite number"));
    }
    Ok((value, unit.filter(|u| !u.is_empty())))
}

/// Grades a numeric answer.
pub fn grade(answer_key: &str, answer: &str) -> Graded {
    let key: AnswerKey = parse(answer_key, "question.answer_key")?;
    if !key.value.is_finite() {
        return Err(invalid(
            "question.answer_key.value",
            "must be a finite number",
        ));
    }
    if !key.tolerance.is_finite() || key.tolerance < 0.0 {
        return Err(invalid(
            "question.answer_key.tolerance",
            "must be zero or positive",
        ));
    }
    if let Some((u, f)) = key.units.iter().find(|(_, f)| !f.is_finite() || **f <= 0.0) {
        return Err(invalid(
            "question.answer_key.units",
            format!("factor {f} for `{u}` must be a positive number"),
        ));
    }
    let answer: Answer = parse(answer, "answer")?;
    let (given, unit) = answer_value(&answer)?;

    let wrong = |feedback: String| Outcome::all_or_nothing(false, feedback);
    let canonical = key.unit.as_deref();
    let converted = match (&unit, canonical) {
        (None, Some(c)) if key.require_unit => {
            return Ok(wrong(format!("Include the unit (for example {c}).")));
        }
        (None, _) => given,
        (Some(u), Some(c)) if u == c => given,
        (Some(u), _) => match key.units.get(u) {
            Some(factor) => given * factor,
            None => {
                let mut accepted: Vec<&str> = key.units.keys().map(String::as_str).collect();
                if let Some(c) = canonical
                    && !accepted.contains(&c)
                {
                    accepted.insert(0, c);
                }
                return Ok(wrong(if accepted.is_empty() {
                    format!("This answer takes no unit, but you gave “{u}”.")
                } else {
                    format!(
                        "“{u}” is not a unit this question accepts ({}).",
                        accepted.join(", ")
                    )
                }));
            }
        },
    };
    let allowed = match key.tolerance_mode {
        Mode::Absolute => key.tolerance,
        Mode::Relative => key.tolerance * key.value.abs(),
    };
    // A hair of slack so that 0.1 + 0.2 style rounding never fails an exact answer.
    let correct = (converted - key.value).abs() <= allowed + 1e-9 * key.value.abs().max(1.0);
    let unit_text = canonical.map(|u| format!(" {u}")).unwrap_or_default();
    Ok(if correct {
        Outcome::all_or_nothing(
            true,
            format!("Correct! The answer is {}{unit_text}.", key.value),
        )
    } else {
        let within = if allowed > 0.0 {
            format!(" (within {allowed})")
        } else {
            String::new()
        };
        wrong(format!(
            "Not quite: you answered {converted}{unit_text}; the answer is {}{unit_text}{within}.",
            key.value
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(key: &str, answer: &str) -> Outcome {
        grade(key, answer).unwrap()
    }

    #[test]
    fn absolute_and_relative_tolerance() {
        assert!(g(r#"{"value":9.81,"tolerance":0.05}"#, r#"{"value":9.8}"#).correct);
        assert!(!g(r#"{"value":9.81,"tolerance":0.001}"#, r#"{"value":9.8}"#).correct);
        assert!(
            g(
                r#"{"value":100,"tolerance":0.05,"tolerance_mode":"relative"}"#,
                r#"{"value":104}"#
            )
            .correct
        );
        assert!(
            !g(
                r#"{"value":100,"tolerance":0.01,"tolerance_mode":"relative"}"#,
                r#"{"value":102}"#
            )
            .correct
        );
        assert!(g(r#"{"value":0.3}"#, r#"{"value":0.30000000000000004}"#).correct);
    }

    #[test]
    fn text_answers_with_units_are_converted() {
        let key =
            r#"{"value":9.81,"tolerance":0.01,"unit":"m/s^2","units":{"m/s^2":1.0,"cm/s^2":0.01}}"#;
        assert!(g(key, r#"{"text":"981 cm/s^2"}"#).correct);
        assert!(g(key, r#"{"text":"9.81m/s^2"}"#).correct);
        assert!(g(key, r#"{"value":981,"unit":"cm/s^2"}"#).correct);
        let wrong = g(key, r#"{"text":"9.81 ft/s^2"}"#);
        assert!(!wrong.correct);
        assert!(wrong.feedback.contains("cm/s^2"), "{}", wrong.feedback);
    }

    #[test]
    fn required_units_and_number_formats() {
        let key = r#"{"value":5,"unit":"kg","require_unit":true}"#;
        assert!(g(key, r#"{"text":"5"}"#).feedback.contains("unit"));
        assert!(g(key, r#"{"text":"5 kg"}"#).correct);
        assert!(g(r#"{"value":1234.5}"#, r#"{"text":"1,234.5"}"#).correct);
        assert!(g(r#"{"value":1500}"#, r#"{"text":"1.5e3"}"#).correct);
        assert!(g(r#"{"value":-2}"#, r#"{"text":"-2"}"#).correct);
        assert_eq!(split_number("3 eggs"), Some((3.0, "eggs".into())));
    }

    #[test]
    fn bad_input_names_the_field() {
        let err = |k: &str, a: &str| grade(k, a).unwrap_err().field;
        assert_eq!(err(r#"{"value":1}"#, r#"{"value":"lots"}"#), "answer.value");
        assert_eq!(err(r#"{"value":1}"#, r#"{"value":[1]}"#), "answer.value");
        assert_eq!(err(r#"{"value":1}"#, r#"{}"#), "answer.value");
        assert_eq!(err(r#"{"value":1}"#, r#"{"text":"abc"}"#), "answer.text");
        assert_eq!(
            err(r#"{"value":1,"tolerance":-1}"#, r#"{"value":1}"#),
            "question.answer_key.tolerance"
        );
        assert_eq!(
            err(r#"{"tolerance":1}"#, r#"{"value":1}"#),
            "question.answer_key.value"
        );
    }
}
