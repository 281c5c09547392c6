//! The labelled set (`data/*.jsonl`) and the measures the eval reports, per kind: a
//! match is the same kind and overlapping spans ([`Counts`]).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{Distortion, Fragment};

/// A gold passage: its kind and character span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gold {
    /// The distortion.
    pub kind: Distortion,
    /// Character offset of the quote's start.
    pub start: usize,
    /// One past its end.
    pub end: usize,
}

/// One labelled message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The message.
    pub text: String,
    /// Its gold passages.
    pub gold: Vec<Gold>,
}

/// Parses a split file (JSON Lines of `{"text", "fragments": [{"kind", "quote"}]}`);
/// `Err` names the line that is wrong.
pub fn parse(raw: &str) -> Result<Vec<Item>, String> {
    raw.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, line)| {
            let v: Value =
                serde_json::from_str(line).map_err(|e| format!("line {}: {e}", n + 1))?;
            let text = v["text"]
                .as_str()
                .ok_or(format!("line {}: no text", n + 1))?
                .to_owned();
            let gold = v["fragments"]
                .as_array()
                .ok_or(format!("line {}: no fragments", n + 1))?
                .iter()
                .map(|f| {
                    let kind = f["kind"]
                        .as_str()
                        .and_then(Distortion::parse)
                        .ok_or(format!("line {}: bad kind", n + 1))?;
                    let quote = f["quote"].as_str().unwrap_or_default();
                    let b = text
                        .find(quote)
                        .ok_or(format!("line {}: quote not in text", n + 1))?;
                    let start = text[..b].chars().count();
                    Ok(Gold {
                        kind,
                        start,
                        end: start + quote.chars().count(),
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok(Item { text, gold })
        })
        .collect()
}

/// Counts for precision and recall. A prediction is right when a gold passage of its kind
/// overlaps it; a gold passage is found when a prediction of its kind overlaps it. (Two
/// predictions splitting one long gold passage are both right, and find it once.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Predictions overlapping a gold passage of their kind.
    pub right: usize,
    /// Predictions overlapping none.
    pub wrong: usize,
    /// Gold passages some prediction of their kind overlaps.
    pub found: usize,
    /// Gold passages no prediction of their kind overlaps.
    pub missed: usize,
}

impl Counts {
    /// Adds `other`.
    pub fn add(&mut self, other: Counts) {
        self.right += other.right;
        self.wrong += other.wrong;
        self.found += other.found;
        self.missed += other.missed;
    }

    /// right / predictions; 1 when nothing was predicted.
    pub fn precision(&self) -> f64 {
        ratio(self.right, self.right + self.wrong)
    }

    /// found / gold passages; 1 when there was nothing to find.
    pub fn recall(&self) -> f64 {
        ratio(self.found, self.found + self.missed)
    }

    /// The harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    #[allow(clippy::cast_precision_loss)] // small counts
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// Whether a prediction and a gold passage match: same kind, overlapping spans.
pub fn matches(p: &Fragment, g: &Gold) -> bool {
    p.kind == g.kind && g.start < p.end && p.start < g.end
}

/// Scores `predicted` against `gold` for one message, per kind.
pub fn score(predicted: &[Fragment], gold: &[Gold]) -> BTreeMap<Distortion, Counts> {
    let mut out: BTreeMap<Distortion, Counts> = BTreeMap::new();
    for p in predicted {
        let c = out.entry(p.kind).or_default();
        if gold.iter().any(|g| matches(p, g)) {
            c.right += 1;
        } else {
            c.wrong += 1;
        }
    }
    for g in gold {
        let c = out.entry(g.kind).or_default();
        if predicted.iter().any(|p| matches(p, g)) {
            c.found += 1;
        } else {
            c.missed += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FoundBy;

    #[test]
    fn parses_and_scores_by_kind_and_overlap() {
        let items = parse(r#"{"text": "Ça, I’m a loser", "fragments": [{"kind": "labelling", "quote": "I’m a loser"}], "batch": "b"}"#).expect("parses");
        assert_eq!(
            items[0].gold,
            [Gold {
                kind: Distortion::Labelling,
                start: 4,
                end: 15
            }]
        );
        let p = |kind, start, end| Fragment {
            start,
            end,
            text: String::new(),
            kind,
            confidence: 1.0,
            found_by: FoundBy::Rules,
        };
        let s = score(
            &[
                p(Distortion::Labelling, 10, 20),
                p(Distortion::MindReading, 0, 3),
            ],
            &items[0].gold,
        );
        assert_eq!(
            s[&Distortion::Labelling],
            Counts {
                right: 1,
                wrong: 0,
                found: 1,
                missed: 0
            }
        );
        assert_eq!(
            s[&Distortion::MindReading],
            Counts {
                right: 0,
                wrong: 1,
                found: 0,
                missed: 0
            }
        );
        let split = score(
            &[
                p(Distortion::Labelling, 4, 8),
                p(Distortion::Labelling, 9, 15),
            ],
            &items[0].gold,
        );
        assert_eq!(
            split[&Distortion::Labelling],
            Counts {
                right: 2,
                wrong: 0,
                found: 1,
                missed: 0
            }
        );
        assert!(parse("{").is_err());
    }
}
