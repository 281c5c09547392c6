//! The offline estimate: used instead of the model's numbers when the gateway answered with
//! its offline fallback (`tessera-offline`), whose replies fill the schema but mean nothing.
//!
//! Deterministic and documented in the README: a criterion's *key terms* are the content
//! words of its `criterion` and `description` (runs of letters, split at non-letters and at
//! camelCase humps, lowercased, 4+ letters, not a stop-word, lightly stemmed so `tests`,
//! `tested` and `testing` are one term). Its share is the fraction of key terms that also
//! occur in the submission (code, text, file names and contents, url). With non-blank work
//! a criterion earns `points × (FLOOR + (1 − FLOOR) × share)`, rounded to 0.01; a criterion
//! without key terms counts as half covered; blank work earns 0. Mentioning a criterion's
//! terms is weak evidence of meeting it, so every such grade is marked for review.

use std::collections::{BTreeMap, BTreeSet};

use crate::payload::Payload;
use crate::reply::Assessment;
use crate::rubric::{Criterion, Rubric};

/// Share of a criterion's points any non-blank work earns: an attempt the heuristic cannot
/// read well (other words, another language) should not score 0.
pub const FLOOR: f64 = 0.2;
/// Share assumed for a criterion without key terms: nothing to look for, so neither credit
/// nor blame.
pub const NO_TERMS_SHARE: f64 = 0.5;
/// Shortest word counted, in letters.
pub const MIN_LETTERS: usize = 4;
/// Key terms named in a criterion's feedback, each of found and not found.
const NAMED_TERMS: usize = 6;

/// Words of 4+ letters that say nothing about a project's content: English function words
/// and rubric filler ("clearly", "correctly", "should").
const STOP_WORDS: &[&str] = &[
    "about",
    "above",
    "after",
    "again",
    "against",
    "also",
    "always",
    "another",
    "anything",
    "appropriate",
    "appropriately",
    "because",
    "been",
    "before",
    "being",
    "below",
    "best",
    "better",
    "between",
    "both",
    "cannot",
    "clear",
    "clearly",
    "complete",
    "completely",
    "correct",
    "correctly",
    "could",
    "does",
    "doing",
    "done",
    "down",
    "during",
    "each",
    "easy",
    "either",
    "enough",
    "even",
    "every",
    "example",
    "few",
    "fully",
    "from",
    "further",
    "give",
    "given",
    "gives",
    "good",
    "great",
    "have",
    "having",
    "here",
    "however",
    "include",
    "included",
    "includes",
    "including",
    "into",
    "itself",
    "just",
    "learner",
    "least",
    "like",
    "made",
    "make",
    "makes",
    "many",
    "more",
    "most",
    "much",
    "must",
    "need",
    "needs",
    "neither",
    "none",
    "only",
    "other",
    "others",
    "ought",
    "over",
    "point",
    "points",
    "proper",
    "properly",
    "provide",
    "provided",
    "provides",
    "quite",
    "rather",
    "really",
    "same",
    "several",
    "shall",
    "should",
    "show",
    "shown",
    "shows",
    "some",
    "something",
    "student",
    "submission",
    "such",
    "sure",
    "than",
    "that",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "things",
    "this",
    "those",
    "though",
    "through",
    "under",
    "until",
    "upon",
    "used",
    "uses",
    "using",
    "very",
    "want",
    "well",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "will",
    "with",
    "within",
    "without",
    "work",
    "works",
    "would",
    "your",
    "yours",
];

/// The key terms of `text`: stem → the first word seen with that stem (for feedback).
pub fn terms(text: &str) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for word in words(text) {
        if word.chars().count() < MIN_LETTERS || STOP_WORDS.contains(&word.as_str()) {
            continue;
        }
        found.entry(stem(&word)).or_insert(word);
    }
    found
}

/// Lowercased runs of letters, split at anything else and at a lower-to-upper change
/// (`readFile` → `read`, `file`), so identifiers count as words.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in text.chars() {
        let boundary = !c.is_alphabetic() || (previous_lower && c.is_uppercase());
        if boundary && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if c.is_alphabetic() {
            current.extend(c.to_lowercase());
            previous_lower = c.is_lowercase();
        } else {
            previous_lower = false;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A light stemmer: drops one of `ing`, `ed`, `es`, `s` when at least 4 letters stay (`s`
/// not after `s`, `u` or `i`: `class`, `status`, `analysis`), then a final `e` of a longer
/// word, so `handle`, `handles`, `handled`, `handling` meet at `handl`.
pub fn stem(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut len = chars.len();
    for suffix in ["ing", "ed", "es", "s"] {
        let n = suffix.len();
        let ends = len >= n && chars[len - n..].iter().copied().eq(suffix.chars());
        let keeps_s = suffix == "s" && len >= 2 && matches!(chars[len - 2], 's' | 'u' | 'i');
        if ends && len - n >= MIN_LETTERS && !keeps_s {
            len -= n;
            break;
        }
    }
    if len > MIN_LETTERS && chars[len - 1] == 'e' {
        len -= 1;
    }
    chars[..len].iter().collect()
}

/// Estimates every criterion of `rubric` for `work`, in rubric order.
pub fn assess(rubric: &Rubric, work: &Payload) -> Vec<Assessment> {
    let all = work.all_text();
    let blank = all.trim().is_empty();
    let present: BTreeSet<String> = terms(&all).into_keys().collect();
    rubric
        .criteria
        .iter()
        .map(|c| estimate(c, &present, blank))
        .collect()
}

fn estimate(c: &Criterion, present: &BTreeSet<String>, blank: bool) -> Assessment {
    if blank {
        return Assessment {
            points: 0.0,
            feedback: "Estimated offline: there is no work to look at.".into(),
            assessed: true,
        };
    }
    let key = terms(&format!("{} {}", c.criterion, c.description));
    // The first word seen for each stem, in stem order (the map's), so feedback is stable.
    let found: Vec<&String> = key
        .iter()
        .filter(|(stem, _)| present.contains(*stem))
        .map(|(_, word)| word)
        .collect();
    let missing: Vec<&String> = key
        .iter()
        .filter(|(stem, _)| !present.contains(*stem))
        .map(|(_, word)| word)
        .collect();
    let share = if key.is_empty() {
        NO_TERMS_SHARE
    } else {
        found.len() as f64 / key.len() as f64
    };
    let points = round2(c.points * (FLOOR + (1.0 - FLOOR) * share)).min(c.points);
    let feedback = if key.is_empty() {
        "Estimated offline: this criterion has no key terms to look for, so it gets half \
         credit. A reviewer should confirm it."
            .to_owned()
    } else {
        let list = |terms: &[&String]| {
            let named: Vec<&str> = terms.iter().take(NAMED_TERMS).map(|t| t.as_str()).collect();
            let named = named.join(", ");
            match terms.len().saturating_sub(NAMED_TERMS) {
                0 => named,
                more => format!("{named} and {more} more"),
            }
        };
        let mut s = format!(
            "Estimated offline: your work mentions {} of {} key terms of this criterion",
            found.len(),
            key.len()
        );
        if !found.is_empty() {
            s.push_str(&format!(" (found: {})", list(&found)));
        }
        if !missing.is_empty() {
            s.push_str(&format!("; not found: {}", list(&missing)));
        }
        s.push_str(". A reviewer should confirm it.");
        s
    };
    Assessment {
        points,
        feedback,
        assessed: true,
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{payload, rubric};

    fn rubric() -> Rubric {
        rubric::parse(
            r#"{"rubric": [
                {"id": "parse", "criterion": "Parses the CSV input", "points": 4,
                 "description": "Reads rows from a CSV file and handles missing values."},
                {"id": "tests", "criterion": "Has unit tests", "points": 2},
                {"id": "ux", "criterion": "UX", "points": 1}
            ]}"#,
        )
        .unwrap()
    }

    #[test]
    fn words_stems_and_stop_words() {
        assert_eq!(
            words("readFile(path); HTTP_server2go"),
            ["read", "file", "path", "http", "server", "go"]
        );
        for (a, b) in [
            ("tests", "testing"),
            ("tested", "test"),
            ("handle", "handling"),
            ("handles", "handled"),
            ("classes", "class"),
            ("files", "file"),
            ("notes", "note"),
            ("statuses", "status"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} / {b}");
        }
        assert_eq!(stem("string"), "string");
        let t = terms("The program should clearly handle the CSV file's rows");
        assert_eq!(
            t.keys().collect::<Vec<_>>(),
            ["file", "handl", "program", "rows"]
        );
        assert_eq!(t["handl"], "handle");
    }

    #[test]
    fn work_on_the_criteria_scores_higher_than_unrelated_work() {
        let on_topic = payload::parse(
            r#"{"code": "import csv\ndef read_rows(path):\n    # skip missing values\n    with open(path) as f:\n        return [r for r in csv.reader(f) if all(r)]\n",
                "files": {"test_parse.py": "def test_reads_rows(): ...  # unit tests"}}"#,
        )
        .unwrap();
        let unrelated =
            payload::parse(r#"{"text": "I baked a lovely banana bread this weekend."}"#).unwrap();
        let r = rubric();
        let good = assess(&r, &on_topic);
        let bad = assess(&r, &unrelated);
        let total = |a: &[Assessment]| a.iter().map(|a| a.points).sum::<f64>();
        assert!(total(&good) > total(&bad), "{good:?} vs {bad:?}");
        // "parse" has 8 key terms (`csv` is too short, `from` a stop-word); the code
        // mentions 5: 4 × (0.2 + 0.8 × 5/8) = 2.8.
        assert_eq!(good[0].points, 2.8);
        assert_eq!(
            good[0].feedback,
            "Estimated offline: your work mentions 5 of 8 key terms of this criterion \
             (found: missing, parses, reads, rows, values); not found: file, handles, input. \
             A reviewer should confirm it."
        );
        assert_eq!(good[1].points, 2.0);
        // Unrelated work keeps the floor; a criterion without key terms gets half credit.
        assert_eq!(bad[0].points, 0.8);
        assert_eq!(bad[1].points, 0.4);
        assert_eq!(bad[2].points, 0.6);
        assert!(
            bad[0].feedback.ends_with(
                "0 of 8 key terms of this criterion; not found: file, handles, \
                    input, missing, parses, reads and 2 more. A reviewer should confirm it."
            ),
            "{}",
            bad[0].feedback
        );
    }

    #[test]
    fn deterministic() {
        let work =
            payload::parse(r#"{"text": "Rows are parsed and tested.", "url": "https://x.org"}"#)
                .unwrap();
        assert_eq!(assess(&rubric(), &work), assess(&rubric(), &work));
    }

    #[test]
    fn blank_work_earns_nothing() {
        let blank = Payload::default();
        assert!(assess(&rubric(), &blank).iter().all(|a| a.points == 0.0));
    }
}
