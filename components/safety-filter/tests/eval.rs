//! The filter on the labelled evaluation set (`safety/data/eval.jsonl` at the repository
//! root): crisis recall and false-positive rates, printed (`cargo test -p safety-filter
//! --test eval -- --nocapture`) and held above floors so a change that makes the filter
//! worse fails.

use safety_filter::{Level, screen, screen_unfiltered};

fn label(s: &str) -> Level {
    match s {
        "crisis" => Level::Crisis,
        "concern" => Level::Concern,
        _ => Level::None,
    }
}

#[test]
fn recall_and_false_positives_on_the_labelled_set() {
    // At run time, not compile time: builds share one target directory (~/.cache/tessera), so
    // this binary may have been built in another clone of the repository, since deleted.
    let manifest =
        std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or(env!("CARGO_MANIFEST_DIR").into());
    let path = std::path::Path::new(&manifest).join("../../safety/data/eval.jsonl");
    let text = std::fs::read_to_string(path).expect("read the evaluation set");
    let mut rows = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        rows.push((
            v["text"].as_str().unwrap().to_owned(),
            label(v["level"].as_str().unwrap()),
        ));
    }
    let count = |f: &dyn Fn(Level, Level) -> bool| {
        rows.iter().filter(|(t, l)| f(*l, screen(t).level)).count()
    };
    let crisis = count(&|l, _| l == Level::Crisis);
    let concern = count(&|l, _| l == Level::Concern);
    let none = count(&|l, _| l == Level::None);
    let crisis_caught = count(&|l, got| l == Level::Crisis && got == Level::Crisis);
    let concern_flagged = count(&|l, got| l == Level::Concern && got >= Level::Concern);
    let none_as_crisis = count(&|l, got| l == Level::None && got == Level::Crisis);
    let none_flagged = count(&|l, got| l == Level::None && got != Level::None);
    let concern_as_crisis = count(&|l, got| l == Level::Concern && got == Level::Crisis);
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    println!("safety-filter on {} labelled messages:", rows.len());
    println!(
        "  crisis recall: {crisis_caught}/{crisis} = {:.1}%",
        pct(crisis_caught, crisis)
    );
    println!(
        "  concern flagged (concern or crisis): {concern_flagged}/{concern} = {:.1}%",
        pct(concern_flagged, concern)
    );
    println!(
        "  false crisis on non-crisis messages: {} / {} = {:.1}%",
        none_as_crisis + concern_as_crisis,
        none + concern,
        pct(none_as_crisis + concern_as_crisis, none + concern)
    );
    println!(
        "  any flag on 'none' messages: {none_flagged}/{none} = {:.1}%",
        pct(none_flagged, none)
    );
    for (t, l) in &rows {
        let got = screen(t).level;
        let missed = *l == Level::Crisis && got != Level::Crisis;
        let false_alarm = *l != Level::Crisis && got == Level::Crisis;
        if missed || false_alarm {
            println!(
                "  {} [{l:?} -> {got:?}] {t}",
                if missed { "MISS " } else { "FALSE" }
            );
        }
    }
    for (t, _) in &rows {
        assert_eq!(
            screen(t),
            screen_unfiltered(t),
            "the prefilter changed the verdict on: {t}"
        );
    }
    assert!(
        pct(crisis_caught, crisis) >= 90.0,
        "crisis recall fell below 90%"
    );
    assert!(
        pct(none_as_crisis + concern_as_crisis, none + concern) <= 3.0,
        "false crisis rate above 3%"
    );
}
