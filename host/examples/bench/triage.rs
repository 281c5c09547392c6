//! Triage's rules stage (`components/triage`): one decision per labelled query of the
//! train and dev splits (test is never read here), p50/p99 and decisions per second.

use std::time::{Duration, Instant};

use super::{micros, percentile, repo};

pub fn triage() {
    let mut queries: Vec<(String, Option<String>, Option<String>)> = Vec::new();
    for split in ["train", "dev"] {
        let path = repo().join(format!("triage/data/{split}.jsonl"));
        let text = std::fs::read_to_string(&path).expect("triage data");
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let field = |k: &str| v[k].as_str().map(str::to_owned);
            queries.push((
                field("text").unwrap_or_default(),
                field("code"),
                field("error"),
            ));
        }
    }
    let classify = |(text, code, error): &(String, Option<String>, Option<String>)| {
        let mut q = triage::Query::new(text);
        if let Some(c) = code {
            q = q.with_code(c);
        }
        if let Some(e) = error {
            q = q.with_error(e);
        }
        triage::classify(&q)
    };
    for q in &queries {
        std::hint::black_box(classify(q));
    }
    let mut samples: Vec<Duration> = Vec::with_capacity(queries.len() * 20);
    let started = Instant::now();
    for _ in 0..20 {
        for q in &queries {
            let t = Instant::now();
            std::hint::black_box(classify(q));
            samples.push(t.elapsed());
        }
    }
    let elapsed = started.elapsed();
    samples.sort();
    println!(
        "\ntriage, rules stage ({} labelled queries x 20): p50 {}  p99 {}  {:.0} decisions/s on one core",
        queries.len(),
        micros(percentile(&samples, 0.5)),
        micros(percentile(&samples, 0.99)),
        samples.len() as f64 / elapsed.as_secs_f64()
    );
}
