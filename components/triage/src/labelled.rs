//! The labelled queries the meaning stage compares with: `triage/data/train.jsonl`, compiled
//! in, so the component needs no file system and its example set changes only with a build.
//! Dev and test stay out: dev tunes the thresholds, test measures them.

use std::sync::OnceLock;

use serde_json::Value;

/// The training split, as `triage/data/split.py` wrote it.
const TRAIN: &str = include_str!("../../../triage/data/train.jsonl");

/// One labelled query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// What the learner typed.
    pub text: String,
    /// The code box, when filled.
    pub code: Option<String>,
    /// The error box, when filled.
    pub error: Option<String>,
    /// The intent label (`concepts`, `code-review`, `debug`, `exercise`).
    pub intent: String,
    /// The topic label (`python.loops`, …, `general`).
    pub topic: String,
}

/// Reads JSON Lines in the data set's format; lines without `text`, `intent` and `topic` are
/// skipped (`split.py` refuses them, so none ship).
pub fn parse(jsonl: &str) -> Vec<Example> {
    jsonl
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|v| {
            let field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
            Some(Example {
                text: field("text")?,
                code: field("code"),
                error: field("error"),
                intent: field("intent")?,
                topic: field("topic")?,
            })
        })
        .collect()
}

/// The compiled-in training examples, parsed on first use.
pub fn train() -> &'static [Example] {
    static TRAIN_SET: OnceLock<Vec<Example>> = OnceLock::new();
    TRAIN_SET.get_or_init(|| parse(TRAIN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_training_line_is_read() {
        let lines = TRAIN.lines().filter(|l| !l.trim().is_empty()).count();
        assert_eq!(train().len(), lines);
        assert!(train().len() > 300);
    }

    #[test]
    fn a_line_without_a_label_is_skipped() {
        let items = parse("{\"text\": \"hi\", \"intent\": \"concepts\"}\nnot json\n");
        assert!(items.is_empty());
    }
}
