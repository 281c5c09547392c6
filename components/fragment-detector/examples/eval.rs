//! Measures the rules (the model stage is off: no model runs natively) on the labelled
//! set in `data/`: precision, recall and F1 per distortion and overall (micro-averaged). A
//! predicted fragment counts when a gold fragment of the same kind overlaps it.
//!
//! ```text
//! cargo run -p fragment-detector --example eval                # dev
//! cargo run -p fragment-detector --example eval -- test        # dev, then test and fresh
//! cargo run -p fragment-detector --example eval -- errors dev  # dev's misses and false alarms
//! ```
//!
//! `errors` works on `train` and `dev` only: test items are never printed. The rules were
//! tuned on train and dev; the test split was run once, at the end, for the README.
//! `fresh` is a second held-out set, written after the rules were frozen (data/README.md).

use std::collections::BTreeMap;
use std::path::PathBuf;

use fragment_detector::labelled::{self, Counts, Item};
use fragment_detector::{Distortion, rules};

fn load(split: &str) -> Vec<Item> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("data/{split}.jsonl"));
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    labelled::parse(&raw).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn report(split: &str) {
    let items = load(split);
    let mut per: BTreeMap<Distortion, Counts> = BTreeMap::new();
    let (mut clean, mut clean_flagged) = (0, 0);
    for item in &items {
        let predicted = rules::detect(&item.text);
        if item.gold.is_empty() {
            clean += 1;
            if !predicted.is_empty() {
                clean_flagged += 1;
            }
        }
        for (k, c) in labelled::score(&predicted, &item.gold) {
            per.entry(k).or_default().add(c);
        }
    }
    println!(
        "\n{split}: {} messages, {clean} without any distortion",
        items.len()
    );
    println!(
        "{:<26} {:>5} {:>5} {:>5} {:>6} {:>9} {:>7} {:>6}",
        "kind", "right", "wrong", "found", "missed", "precision", "recall", "F1"
    );
    let mut all = Counts::default();
    for d in Distortion::ALL {
        let c = per.get(&d).copied().unwrap_or_default();
        all.add(c);
        println!(
            "{:<26} {:>5} {:>5} {:>5} {:>6} {:>9.3} {:>7.3} {:>6.3}",
            d.name(),
            c.right,
            c.wrong,
            c.found,
            c.missed,
            c.precision(),
            c.recall(),
            c.f1()
        );
    }
    println!(
        "{:<26} {:>5} {:>5} {:>5} {:>6} {:>9.3} {:>7.3} {:>6.3}",
        "overall (micro)",
        all.right,
        all.wrong,
        all.found,
        all.missed,
        all.precision(),
        all.recall(),
        all.f1()
    );
    #[allow(clippy::cast_precision_loss)]
    let macro_f1 = Distortion::ALL
        .iter()
        .map(|d| per.get(d).copied().unwrap_or_default().f1())
        .sum::<f64>()
        / Distortion::ALL.len() as f64;
    println!("{:<26} {:>46.3}", "macro F1", macro_f1);
    println!("messages without distortion given any fragment: {clean_flagged} of {clean}");
}

fn errors(split: &str) {
    assert!(
        split == "train" || split == "dev",
        "errors are shown for train and dev only"
    );
    for item in load(split) {
        let predicted = rules::detect(&item.text);
        let scored = labelled::score(&predicted, &item.gold);
        if scored.values().all(|c| c.wrong == 0 && c.missed == 0) {
            continue;
        }
        println!("\n{}", item.text);
        for g in &item.gold {
            let hit = predicted.iter().any(|p| labelled::matches(p, g));
            let quote: String = item
                .text
                .chars()
                .skip(g.start)
                .take(g.end - g.start)
                .collect();
            println!(
                "  gold {} {:<26} {quote:?}",
                if hit { "✓" } else { "✗" },
                g.kind.name()
            );
        }
        for p in &predicted {
            let hit = item.gold.iter().any(|g| labelled::matches(p, g));
            if !hit {
                println!(
                    "  false alarm {:<26} {:?} ({:.2})",
                    p.kind.name(),
                    p.text,
                    p.confidence
                );
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("errors") => errors(args.get(1).map_or("dev", String::as_str)),
        Some("test") => {
            report("dev");
            report("test");
            report("fresh");
        }
        Some("train") => report("train"),
        _ => report("dev"),
    }
}
