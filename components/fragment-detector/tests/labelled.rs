//! The rules on the labelled set's train and dev splits (never test: its figures are
//! measured once, by `examples/eval.rs`, for the README): what the WIT promises of every
//! answer, and a floor under the dev figures so a rule change that breaks them is noticed.

use std::path::PathBuf;

use fragment_detector::labelled::{self, Counts, Item};
use fragment_detector::{rules, text};

fn load(split: &str) -> Vec<Item> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("data/{split}.jsonl"));
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    labelled::parse(&raw).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_answer_keeps_the_wits_promises() {
    for item in load("train").into_iter().chain(load("dev")) {
        let found = rules::detect(&item.text);
        for (i, f) in found.iter().enumerate() {
            assert!(f.end > f.start, "{}", item.text);
            assert_eq!(text::char_slice(&item.text, f.start, f.end), f.text);
            assert!((0.0..=1.0).contains(&f.confidence));
            if let Some(next) = found.get(i + 1) {
                assert!(f.end <= next.start, "overlap or unsorted in {}", item.text);
            }
        }
    }
}

#[test]
fn dev_figures_stay_above_a_floor() {
    let mut all = Counts::default();
    let (mut clean, mut flagged) = (0, 0);
    for item in load("dev") {
        let found = rules::detect(&item.text);
        if item.gold.is_empty() {
            clean += 1;
            flagged += usize::from(!found.is_empty());
        }
        for c in labelled::score(&found, &item.gold).into_values() {
            all.add(c);
        }
    }
    assert!(all.precision() >= 0.9, "precision {:.3}", all.precision());
    assert!(all.recall() >= 0.9, "recall {:.3}", all.recall());
    assert!(
        flagged * 20 <= clean,
        "{flagged} of {clean} clean messages flagged"
    );
}
