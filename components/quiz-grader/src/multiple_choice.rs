//! `multiple_choice`: one or several correct options, partial credit by the
//! Moodle/Canvas rule (right choices minus wrong choices, over the number of right
//! options, never below zero).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use serde_json::Value;

use crate::Graded;
use crate::fields::deserialize as parse;
use crate::outcome::{Outcome, Part, invalid};

#[derive(Deserialize)]
struct AnswerKey {
    correct: Vec<usize>,
    #[serde(default)]
    feedback: BTreeMap<String, String>,
    #[serde(default = "yes")]
    partial_credit: bool,
    correct_feedback: Option<String>,
    incorrect_feedback: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct Answer {
    selected: Vec<usize>,
}

fn unique(values: &[usize]) -> Option<BTreeSet<usize>> {
    let set: BTreeSet<usize> = values.iter().copied().collect();
    (set.len() == values.len()).then_some(set)
}

/// Grades a multiple-choice answer.
pub fn grade(options: &[String], answer_key: &str, answer: &str) -> Graded {
    if options.is_empty() {
        return Err(invalid(
            "question.options",
            "a multiple-choice question needs options",
        ));
    }
    let key: AnswerKey = parse(answer_key, "question.answer_key")?;
    let answer: Answer = parse(answer, "answer")?;
    let n = options.len();
    let correct = unique(&key.correct)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            invalid(
                "question.answer_key.correct",
                "must list at least one option index, without repeats",
            )
        })?;
    if let Some(bad) = correct.iter().find(|&&i| i >= n) {
        return Err(invalid(
            "question.answer_key.correct",
            format!(
                "option index {bad} is out of range: the question has {n} options (0-{})",
                n - 1
            ),
        ));
    }
    let selected = unique(&answer.selected)
        .ok_or_else(|| invalid("answer.selected", "lists an option more than once"))?;
    if let Some(bad) = selected.iter().find(|&&i| i >= n) {
        return Err(invalid(
            "answer.selected",
            format!(
                "option index {bad} is out of range: the question has {n} options (0-{})",
                n - 1
            ),
        ));
    }

    let right = selected.intersection(&correct).count();
    let wrong = selected.difference(&correct).count();
    let all_right = selected == correct;
    let score = if all_right {
        1.0
    } else if key.partial_credit && correct.len() > 1 {
        ((right as f64 - wrong as f64) / correct.len() as f64).max(0.0)
    } else {
        0.0
    };

    let quote = |i: usize| format!("“{}”", options[i]);
    let list = |set: &BTreeSet<usize>| set.iter().map(|&i| quote(i)).collect::<Vec<_>>().join(", ");
    let feedback = if all_right {
        key.correct_feedback.clone().unwrap_or_else(|| {
            if correct.len() == 1 {
                format!("Correct! {} is right.", list(&correct))
            } else {
                format!("Correct! You chose all {} right answers.", correct.len())
            }
        })
    } else {
        key.incorrect_feedback.clone().unwrap_or_else(|| {
            let chose = if selected.is_empty() {
                "you chose nothing".to_owned()
            } else {
                format!("you chose {}", list(&selected))
            };
            if score > 0.0 {
                format!(
                    "Partly right ({}): {right} of {} right options chosen, {wrong} wrong; the answer is {}.",
                    percent(score),
                    correct.len(),
                    list(&correct)
                )
            } else {
                format!("Not quite: {chose}; the answer is {}.", list(&correct))
            }
        })
    };

    let parts = (0..n)
        .filter(|i| selected.contains(i) || correct.contains(i))
        .map(|i| {
            let chosen = selected.contains(&i);
            let is_correct = correct.contains(&i);
            let default = match (chosen, is_correct) {
                (true, true) => format!("{} is correct.", quote(i)),
                (true, false) => format!("{} is not correct.", quote(i)),
                _ => format!("{} is also correct.", quote(i)),
            };
            Part {
                part: i.to_string(),
                correct: chosen && is_correct,
                feedback: key.feedback.get(&i.to_string()).cloned().unwrap_or(default),
            }
        })
        .collect();

    Ok(Outcome {
        score,
        correct: all_right,
        feedback,
        parts,
        details: Value::Null,
    })
}

/// A score as a percentage, for feedback text.
fn percent(score: f64) -> String {
    format!("{:.0}%", score * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("o{i}")).collect()
    }

    #[test]
    fn single_answer_is_all_or_nothing() {
        let right = grade(&opts(3), r#"{"correct":[1]}"#, r#"{"selected":[1]}"#).unwrap();
        assert_eq!((right.score, right.correct), (1.0, true));
        assert!(right.feedback.contains("o1"));
        let wrong = grade(&opts(3), r#"{"correct":[1]}"#, r#"{"selected":[0]}"#).unwrap();
        assert_eq!((wrong.score, wrong.correct), (0.0, false));
        assert!(
            wrong.feedback.contains("you chose “o0”"),
            "{}",
            wrong.feedback
        );
        assert_eq!(wrong.parts.len(), 2);
    }

    #[test]
    fn multiple_answers_get_partial_credit() {
        let g = grade(
            &opts(4),
            r#"{"correct":[0,1,2]}"#,
            r#"{"selected":[0,1,3]}"#,
        )
        .unwrap();
        assert!((g.score - 1.0 / 3.0).abs() < 1e-12);
        assert!(!g.correct);
        let g = grade(&opts(4), r#"{"correct":[0,1]}"#, r#"{"selected":[0,2,3]}"#).unwrap();
        assert_eq!(g.score, 0.0, "never below zero");
        let g = grade(&opts(4), r#"{"correct":[0,1]}"#, r#"{"selected":[1,0]}"#).unwrap();
        assert_eq!((g.score, g.correct), (1.0, true));
    }

    #[test]
    fn partial_credit_can_be_turned_off() {
        let g = grade(
            &opts(4),
            r#"{"correct":[0,1,2],"partial_credit":false}"#,
            r#"{"selected":[0,1]}"#,
        )
        .unwrap();
        assert_eq!(g.score, 0.0);
    }

    #[test]
    fn option_feedback_is_used_per_part() {
        let g = grade(
            &opts(3),
            r#"{"correct":[1],"feedback":{"0":"3 is one short"}}"#,
            r#"{"selected":[0]}"#,
        )
        .unwrap();
        assert_eq!(g.parts[0].feedback, "3 is one short");
        assert!(!g.parts[0].correct);
    }

    #[test]
    fn bad_input_names_the_field() {
        let field = |k: &str, a: &str| grade(&opts(2), k, a).unwrap_err().field;
        assert_eq!(
            field(r#"{"correct":[1]}"#, r#"{"selected":[7]}"#),
            "answer.selected"
        );
        assert_eq!(
            field(r#"{"correct":[1]}"#, r#"{"selected":[1,1]}"#),
            "answer.selected"
        );
        assert_eq!(
            field(r#"{"correct":[1]}"#, r#"{"chosen":[1]}"#),
            "answer.selected"
        );
        assert_eq!(
            field(r#"{"correct":[]}"#, r#"{"selected":[1]}"#),
            "question.answer_key.correct"
        );
        assert_eq!(
            field(r#"{"correct":[5]}"#, r#"{"selected":[1]}"#),
            "question.answer_key.correct"
        );
        assert_eq!(
            field(r#"{"correct":"1"}"#, r#"{"selected":[1]}"#),
            "question.answer_key"
        );
        assert_eq!(
            grade(&[], r#"{"correct":[0]}"#, r#"{"selected":[0]}"#)
                .unwrap_err()
                .field,
            "question.options"
        );
    }
}
