//! `short_answer`: free text compared after normalisation (case, spacing, trailing
//! punctuation, accents) against accepted answers, or matched by an optional regex.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::Graded;
use crate::fields::deserialize as parse;
use crate::outcome::{Outcome, invalid};

/// Longest answer accepted, in characters.
pub const MAX_ANSWER_CHARS: usize = 10_000;

#[derive(Deserialize)]
struct AnswerKey {
    #[serde(default)]
    accepted: Vec<String>,
    regex: Option<String>,
    #[serde(default)]
    case_sensitive: bool,
    #[serde(default = "yes")]
    ignore_accents: bool,
    feedback: Option<String>,
    #[serde(default)]
    alternatives_feedback: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct Answer {
    text: String,
}

/// Drops the accent of a Latin letter (precomposed forms of the common European letters).
fn strip_accent(c: char) -> char {
    const FROM: &str = "àáâãäåāăąçćĉċčďđèéêëēĕėęěĝğġģĥìíîïĩīĭįĵķĺļľłñńņňòóôõöøōŏőŕŗřśŝşšţťùúûüũūŭůűųŵýÿŷźżž\
                        ÀÁÂÃÄÅĀĂĄÇĆĈĊČĎĐÈÉÊËĒĔĖĘĚĜĞĠĢĤÌÍÎÏĨĪĬĮĴĶĹĻĽŁÑŃŅŇÒÓÔÕÖØŌŎŐŔŖŘŚŜŞŠŢŤÙÚÛÜŨŪŬŮŰŲŴÝŸŶŹŻŽ";
    const TO: &str = "aaaaaaaaacccccddeeeeeeeeegggghiiiiiiiijklllnnnnnoooooooooorrrssssttuuuuuuuuuuwyyyzzz\
                      AAAAAAAAACCCCCDDEEEEEEEEEGGGGHIIIIIIIIJKLLLLNNNNOOOOOOOOORRRSSSSTTUUUUUUUUUUWYYYZZZ";
    FROM.chars()
        .position(|f| f == c)
        .and_then(|i| TO.chars().nth(i))
        .unwrap_or(c)
}

/// Normalises text for comparison.
pub fn normalise(text: &str, case_sensitive: bool, ignore_accents: bool) -> String {
    let mut s: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    while s.ends_with(['.', '!', '?']) {
        s.pop();
        s.truncate(s.trim_end().len());
    }
    if !case_sensitive {
        s = s.to_lowercase();
    }
    if ignore_accents {
        s = s.chars().map(strip_accent).collect();
    }
    s
}

/// Grades a short-answer response.
pub fn grade(answer_key: &str, answer: &str) -> Graded {
    let key: AnswerKey = parse(answer_key, "question.answer_key")?;
    let answer: Answer = parse(answer, "answer")?;
    if key.accepted.is_empty() && key.regex.is_none() {
        return Err(invalid(
            "question.answer_key.accepted",
            "list at least one accepted answer (or give a regex)",
        ));
    }
    if answer.text.chars().count() > MAX_ANSWER_CHARS {
        return Err(invalid(
            "answer.text",
            format!("is longer than {MAX_ANSWER_CHARS} characters"),
        ));
    }
    let norm = |t: &str| normalise(t, key.case_sensitive, key.ignore_accents);
    let given = norm(&answer.text);
    let regex = match &key.regex {
        Some(pattern) => Some(regex_lite::Regex::new(pattern).map_err(|e| {
            invalid(
                "question.answer_key.regex",
                format!("is not a valid regex: {e}"),
            )
        })?),
        None => None,
    };
    let matched = key.accepted.iter().find(|a| norm(a) == given);
    let correct = matched.is_some() || regex.as_ref().is_some_and(|r| r.is_match(&given));
    let feedback = key
        .alternatives_feedback
        .iter()
        .find(|(alt, _)| norm(alt) == given)
        .map(|(_, f)| f.clone())
        .or_else(|| key.feedback.clone())
        .unwrap_or_else(|| {
            if correct {
                "Correct!".to_owned()
            } else if let Some(first) = key.accepted.first() {
                format!("Not quite: the expected answer is “{first}”.")
            } else {
                "Not quite: that answer is not accepted.".to_owned()
            }
        });
    Ok(Outcome::all_or_nothing(correct, feedback))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(key: &str, text: &str) -> bool {
        grade(key, &serde_json::json!({ "text": text }).to_string())
            .unwrap()
            .correct
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            normalise("  Hello,   World!! ", false, true),
            "hello, world"
        );
        assert_eq!(normalise("Ça  Va?", false, true), "ca va");
        assert_eq!(normalise("Ça", true, false), "Ça");
    }

    #[test]
    fn accepted_answers_match_after_normalising() {
        let key = r#"{"accepted":["Paris","City of Light"]}"#;
        assert!(ok(key, "  paris. "));
        assert!(ok(key, "city  of LIGHT"));
        assert!(!ok(key, "London"));
        assert!(ok(r#"{"accepted":["São Paulo"]}"#, "sao paulo"));
        assert!(!ok(
            r#"{"accepted":["São Paulo"],"ignore_accents":false}"#,
            "sao paulo"
        ));
        assert!(!ok(
            r#"{"accepted":["Paris"],"case_sensitive":true}"#,
            "paris"
        ));
    }

    #[test]
    fn regex_matches_the_normalised_answer() {
        let key = r#"{"accepted":["Paris"],"regex":"^paris( city)?$"}"#;
        assert!(ok(key, "Paris City"));
        assert!(!ok(key, "Paris Town"));
    }

    #[test]
    fn wrong_answers_say_what_was_expected_and_alternatives_have_their_feedback() {
        let g = grade(r#"{"accepted":["Paris"]}"#, r#"{"text":"Lyon"}"#).unwrap();
        assert!(g.feedback.contains("Paris"));
        let g = grade(
            r#"{"accepted":["Paris"],"alternatives_feedback":{"lutetia":"That was its Roman name."}}"#,
            r#"{"text":"Lutetia"}"#,
        )
        .unwrap();
        assert!(!g.correct);
        assert_eq!(g.feedback, "That was its Roman name.");
    }

    #[test]
    fn bad_input_names_the_field() {
        let err = |k: &str, a: &str| grade(k, a).unwrap_err().field;
        assert_eq!(
            err(r#"{"accepted":["x"],"regex":"(("}"#, r#"{"text":"x"}"#),
            "question.answer_key.regex"
        );
        assert_eq!(
            err(r#"{"accepted":[]}"#, r#"{"text":"x"}"#),
            "question.answer_key.accepted"
        );
        assert_eq!(
            err(r#"{"accepted":["x"]}"#, r#"{"txt":"x"}"#),
            "answer.text"
        );
        let long = serde_json::json!({ "text": "a".repeat(MAX_ANSWER_CHARS + 1) }).to_string();
        assert_eq!(err(r#"{"accepted":["x"]}"#, &long), "answer.text");
    }
}
