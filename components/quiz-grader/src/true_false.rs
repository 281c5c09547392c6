//! `true_false`: the answer is a boolean (or the strings "true"/"false").

use serde::Deserialize;
use serde_json::Value;

use crate::Graded;
use crate::fields::deserialize as parse;
use crate::outcome::{Outcome, invalid};

#[derive(Deserialize)]
struct AnswerKey {
    correct: bool,
    feedback_true: Option<String>,
    feedback_false: Option<String>,
}

#[derive(Deserialize)]
struct Answer {
    value: Value,
}

/// Grades a true/false answer.
pub fn grade(answer_key: &str, answer: &str) -> Graded {
    let key: AnswerKey = parse(answer_key, "question.answer_key")?;
    let answer: Answer = parse(answer, "answer")?;
    let value = match &answer.value {
        Value::Bool(b) => *b,
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => true,
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => false,
        other => {
            return Err(invalid(
                "answer.value",
                format!("must be true or false, not {other}"),
            ));
        }
    };
    let correct = value == key.correct;
    let chosen = if value {
        &key.feedback_true
    } else {
        &key.feedback_false
    };
    let feedback = chosen.clone().unwrap_or_else(|| {
        if correct {
            format!("Correct! The statement is {}.", key.correct)
        } else {
            format!("Not quite: the statement is {}.", key.correct)
        }
    });
    Ok(Outcome::all_or_nothing(correct, feedback))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_and_strings() {
        assert!(
            grade(r#"{"correct":true}"#, r#"{"value":true}"#)
                .unwrap()
                .correct
        );
        assert!(
            grade(r#"{"correct":false}"#, r#"{"value":" False "}"#)
                .unwrap()
                .correct
        );
        let g = grade(r#"{"correct":true}"#, r#"{"value":"FALSE"}"#).unwrap();
        assert_eq!((g.score, g.correct), (0.0, false));
        assert!(g.feedback.contains("true"));
    }

    #[test]
    fn feedback_for_the_chosen_value() {
        let g = grade(
            r#"{"correct":true,"feedback_false":"Look again at the sky."}"#,
            r#"{"value":false}"#,
        )
        .unwrap();
        assert_eq!(g.feedback, "Look again at the sky.");
    }

    #[test]
    fn bad_values_name_the_field() {
        assert_eq!(
            grade(r#"{"correct":true}"#, r#"{"value":"maybe"}"#)
                .unwrap_err()
                .field,
            "answer.value"
        );
        assert_eq!(
            grade(r#"{"correct":true}"#, r#"{}"#).unwrap_err().field,
            "answer.value"
        );
        assert_eq!(
            grade(r#"{}"#, r#"{"value":true}"#).unwrap_err().field,
            "question.answer_key.correct"
        );
    }
}
