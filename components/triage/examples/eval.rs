//! Measures the whole triage plugin (rules, meaning, fallback; the model stage is off, as
//! no model runs natively) on the labelled set, with the host's embedding model run
//! natively (crate `sentence-embeddings`, the same weights and pooling as the host).
//!
//! ```text
//! cargo run -p triage --example eval            # dev
//! cargo run -p triage --example eval -- tune    # dev, with the threshold grid
//! cargo run -p triage --example eval -- test    # dev, then test (aggregates only)
//! ```
//!
//! The model folder is `$TESSERA_EMBEDDINGS_MODEL`, else
//! `~/.cache/tessera/models/all-MiniLM-L6-v2` (`./dev build` fetches it). Test items are
//! never printed; run the test split once, after tuning on dev, and report what it says.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Instant;

use sentence_embeddings::Model;
use tessera_plugin_sdk::sandbox::WallClock;
use triage::labelled::{self, Example};
use triage::meaning::{self, EmbedError, Embedder, Labelled, Limits};
use triage::pipeline::{self, IntentOption, Request, Services, Stage, Thresholds};
use triage::vectors::Quantised;
use triage::{Intent, Query};

/// The native model, remembering every vector (the grid re-asks for the same texts).
struct Native {
    model: Model,
    memo: HashMap<String, Vec<f32>>,
    embedded: usize,
    seconds: f64,
}

impl Embedder for Native {
    fn model(&mut self) -> Option<Limits> {
        Some(Limits {
            model: "all-MiniLM-L6-v2".into(),
            dimensions: sentence_embeddings::DIMENSIONS,
            max_texts: 64,
            max_text_bytes: 32 << 10,
            max_texts_per_call: 1024,
        })
    }

    fn embed(&mut self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let todo: Vec<&String> = texts
            .iter()
            .filter(|t| !self.memo.contains_key(*t))
            .collect();
        if !todo.is_empty() {
            let start = Instant::now();
            let vectors = self
                .model
                .embed(&todo)
                .map_err(|e| EmbedError::Unavailable(e.to_string()))?;
            self.seconds += start.elapsed().as_secs_f64();
            self.embedded += todo.len();
            for (t, v) in todo.into_iter().zip(vectors) {
                self.memo.insert(t.clone(), v);
            }
        }
        Ok(texts.iter().map(|t| self.memo[t].clone()).collect())
    }
}

fn load(split: &str) -> Vec<Example> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../triage/data/{split}.jsonl"));
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    labelled::parse(&raw)
}

fn built_in() -> Vec<IntentOption> {
    Intent::BUILT_IN
        .iter()
        .map(|i| IntentOption::built_in(i.as_str()))
        .collect()
}

#[allow(clippy::cast_precision_loss)]
fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

/// Figures for one split: overall, and per stage (items, intent correct).
#[derive(Default)]
struct Figures {
    n: usize,
    intent_ok: usize,
    topic_ok: usize,
    stages: BTreeMap<&'static str, (usize, usize)>,
}

fn stage_name(s: Stage) -> &'static str {
    match s {
        Stage::Rules => "rules",
        Stage::Meaning => "meaning",
        Stage::Model => "model",
        Stage::Fallback => "fallback",
    }
}

fn measure(
    items: &[Example],
    native: &mut Native,
    store: &mut HashMap<String, Vec<u8>>,
    t: &Thresholds,
    show_misses: bool,
) -> Figures {
    let options = built_in();
    let mut f = Figures::default();
    for item in items {
        let request = Request {
            query: Query {
                text: &item.text,
                code: item.code.as_deref(),
                error: item.error.as_deref(),
            },
            history: &[],
            intents: &options,
        };
        let clock = WallClock::start();
        let services = Services {
            embedder: Some(native),
            store,
            llm: None,
            clock: &clock,
        };
        let Ok(d) = pipeline::classify_tuned(&request, services, t) else {
            panic!("a labelled query was refused");
        };
        let ok = d.intent == item.intent;
        f.n += 1;
        f.intent_ok += usize::from(ok);
        f.topic_ok += usize::from(d.topic == item.topic);
        let row = f.stages.entry(stage_name(d.decided_by)).or_default();
        row.0 += 1;
        row.1 += usize::from(ok);
        if show_misses && std::env::var_os("TRIAGE_MISSES").is_some() && !ok {
            println!(
                "  MISS gold {} got {} by {} ({}) :: {}",
                item.intent,
                d.intent,
                stage_name(d.decided_by),
                d.reason,
                item.text
                    .replace('\n', " | ")
                    .chars()
                    .take(100)
                    .collect::<String>()
            );
        }
    }
    f
}

fn report(split: &str, f: &Figures) {
    println!(
        "{split:5} n={:3}  intent {:5.1}%  topic {:5.1}%",
        f.n,
        pct(f.intent_ok, f.n),
        pct(f.topic_ok, f.n)
    );
    for (stage, (n, ok)) in &f.stages {
        println!(
            "      {stage:8} decides {:5.1}% of queries, intent accuracy {:5.1}% ({ok}/{n})",
            pct(*n, f.n),
            pct(*ok, *n)
        );
    }
}

/// One item under the meaning stage alone: the intent winner's share, the topic winner's
/// share, and whether each is right.
type Row = (f32, f32, bool, bool);

/// The meaning stage alone on every item of `items` (rules ignored): how often the
/// neighbours' winner is right, for the embedded text built by `text`, per share bucket.
fn meaning_alone(
    items: &[Example],
    native: &mut Native,
    text: &dyn Fn(&Example) -> String,
    params: meaning::Params,
) -> (usize, usize, Vec<Row>) {
    let train = labelled::train();
    let examples: Vec<Labelled> = train
        .iter()
        .map(|e| Labelled {
            text: text(e),
            intent: e.intent.clone(),
            topic: Some(e.topic.clone()),
        })
        .collect();
    let texts: Vec<String> = examples.iter().map(|e| e.text.clone()).collect();
    let Ok(vs) = native.embed(&texts) else {
        panic!("embedding failed")
    };
    let vectors: Vec<Quantised> = vs.iter().map(|v| Quantised::new(v)).collect();
    let queries: Vec<String> = items.iter().map(text).collect();
    let Ok(qs) = native.embed(&queries) else {
        panic!("embedding failed")
    };
    let mut ok = 0;
    let mut topic_ok = 0;
    let mut rows = Vec::new();
    for (item, q) in items.iter().zip(&qs) {
        let Some(v) = meaning::vote(q, &examples, &vectors, &|_| true, params) else {
            continue;
        };
        let i_ok = v.intent.label == item.intent;
        let t_ok = v.topic.as_ref().is_some_and(|t| t.label == item.topic);
        ok += usize::from(i_ok);
        topic_ok += usize::from(t_ok);
        rows.push((
            v.intent.share,
            v.topic.as_ref().map_or(0.0, |t| t.share),
            i_ok,
            t_ok,
        ));
    }
    (ok, topic_ok, rows)
}

/// Accuracy of the items at or above each share.
fn by_share(rows: &[(f32, bool)]) {
    for cut in [0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0_f32] {
        let above: Vec<bool> = rows
            .iter()
            .filter(|(s, _)| *s >= cut - 1e-6)
            .map(|r| r.1)
            .collect();
        let ok = above.iter().filter(|&&b| b).count();
        println!(
            "        share >= {cut:.1}: {:5.1}% of items, accuracy {:5.1}%",
            pct(above.len(), rows.len()),
            pct(ok, above.len())
        );
    }
}

fn tune(dev: &[Example], native: &mut Native, store: &mut HashMap<String, Vec<u8>>) {
    type TextOf = fn(&Example) -> String;
    let variants: [(&str, TextOf); 3] = [
        ("text only", |e| e.text.clone()),
        ("text + error", |e| {
            meaning::text_of(&e.text, None, e.error.as_deref())
        }),
        ("text + error + code", |e| {
            meaning::text_of(&e.text, e.code.as_deref(), e.error.as_deref())
        }),
    ];
    println!("meaning stage alone on dev (every item, rules ignored):");
    for (name, text) in variants {
        for k in [5, 9, 13] {
            let params = meaning::Params {
                k,
                k_topic: k,
                power: 1.0,
            };
            let (ok, topic_ok, _) = meaning_alone(dev, native, &text, params);
            println!(
                "  {name:20} k={k:2} power=1: intent {:5.1}%  topic {:5.1}%",
                pct(ok, dev.len()),
                pct(topic_ok, dev.len())
            );
        }
    }
    let text = |e: &Example| meaning::text_of(&e.text, e.code.as_deref(), e.error.as_deref());
    for k in [5, 7, 9, 13, 17, 25] {
        for power in [1.0, 4.0, 8.0] {
            let params = meaning::Params {
                k,
                k_topic: k,
                power,
            };
            let (ok, topic_ok, rows) = meaning_alone(dev, native, &text, params);
            print!(
                "  k={k:2} power={power}: intent {:5.1}% topic {:5.1}% |",
                pct(ok, dev.len()),
                pct(topic_ok, dev.len())
            );
            for cut in [0.6, 0.7, 0.8_f32] {
                let i: Vec<bool> = rows.iter().filter(|r| r.0 >= cut).map(|r| r.2).collect();
                let t: Vec<bool> = rows.iter().filter(|r| r.1 >= cut).map(|r| r.3).collect();
                let ok = |v: &[bool]| v.iter().filter(|&&b| b).count();
                print!(
                    " >={cut}: i {:4.1}%@{:5.1}% t {:4.1}%@{:5.1}% |",
                    pct(i.len(), rows.len()),
                    pct(ok(&i), i.len()),
                    pct(t.len(), rows.len()),
                    pct(ok(&t), t.len())
                );
            }
            println!();
        }
    }
    let params = pipeline::THRESHOLDS.vote;
    let (_, _, rows) = meaning_alone(dev, native, &text, params);
    println!("  with {params:?}, intent accuracy by the winner's share:");
    by_share(&rows.iter().map(|r| (r.0, r.2)).collect::<Vec<_>>());
    println!("  topic accuracy by the winner's share:");
    by_share(&rows.iter().map(|r| (r.1, r.3)).collect::<Vec<_>>());

    println!("whole pipeline on dev, by threshold:");
    for intent_share in [0.6, 0.7, 0.8, 1.01] {
        for topic_share in [0.5, 0.6, 0.7, 0.8, 1.01] {
            for guess_share in [0.0, 0.7, 1.01] {
                let t = Thresholds {
                    intent_share,
                    topic_share,
                    guess_share,
                    ..pipeline::THRESHOLDS
                };
                let f = measure(dev, native, store, &t, false);
                let meaning = f.stages.get("meaning").copied().unwrap_or_default();
                println!(
                    "  intent_share {intent_share:.2} topic_share {topic_share:.2} guess_share {guess_share:.2}: intent {:5.1}%  topic {:5.1}%  meaning decides {:4.1}% at {:5.1}%",
                    pct(f.intent_ok, f.n),
                    pct(f.topic_ok, f.n),
                    pct(meaning.0, f.n),
                    pct(meaning.1, meaning.0)
                );
            }
        }
    }
}

fn main() {
    let dir = std::env::var_os("TESSERA_EMBEDDINGS_MODEL")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".cache/tessera/models/all-MiniLM-L6-v2"))
        })
        .unwrap_or_default();
    let model = Model::load(&dir).unwrap_or_else(|e| panic!("the embeddings model: {e}"));
    let mut native = Native {
        model,
        memo: HashMap::new(),
        embedded: 0,
        seconds: 0.0,
    };
    let mut store = HashMap::new();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dev = load("dev");

    let start = Instant::now();
    let f = measure(&dev, &mut native, &mut store, &pipeline::THRESHOLDS, true);
    println!(
        "(first pass: {} texts embedded in {:.1} s, {:.1} s in all)",
        native.embedded,
        native.seconds,
        start.elapsed().as_secs_f64()
    );
    report("dev", &f);
    if args.iter().any(|a| a == "tune") {
        tune(&dev, &mut native, &mut store);
    }
    if args.iter().any(|a| a == "test") {
        // Aggregates only: test items are never printed, and nothing is tuned on them.
        let test = load("test");
        let f = measure(&test, &mut native, &mut store, &pipeline::THRESHOLDS, false);
        report("test", &f);
    }
}
