//! An Extism call's overhead against a component call (issue 17): the same trivial
//! function (`kinds()`) and a grade of similar work, each on a fresh instance as served
//! calls are, in-process (no HTTP), one task, p50/p99 and calls per second.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tessera::plugins::contract::grader::{Question, Submission};
use tessera::runtime::LoadedPlugin;

use super::{bench_runtime, micros, percentile, repo};

/// What one function costs per call, measured over `n` calls after a warm-up.
async fn measure<F, Fut>(label: &str, n: usize, mut call: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..n / 10 {
        call().await;
    }
    let mut samples: Vec<Duration> = Vec::with_capacity(n);
    let started = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        call().await;
        samples.push(t.elapsed());
    }
    let total = started.elapsed();
    samples.sort();
    println!(
        "  {label:<44} p50 {:>9}  p99 {:>9}  {:>7.0} calls/s",
        micros(percentile(&samples, 0.50)),
        micros(percentile(&samples, 0.99)),
        n as f64 / total.as_secs_f64()
    );
}

fn submission(kind: &str, key: serde_json::Value, answer: serde_json::Value) -> Submission {
    Submission {
        question: Question {
            kind: kind.into(),
            prompt: "Capital of France?".into(),
            options: vec!["Lyon".into(), "Paris".into(), "Nice".into()],
            answer_key: key.to_string(),
        },
        answer: answer.to_string(),
        learner: None,
    }
}

pub async fn overhead(data: &Path) {
    let runtime = bench_runtime(data);
    let load = |path: &str| {
        let runtime = runtime.clone();
        let path = repo().join(path);
        async move { Arc::new(runtime.load_plugin(&path).await.unwrap()) }
    };
    let component: Arc<LoadedPlugin> = load("plugins/quiz-grader/plugin.toml").await;
    let extism: Arc<LoadedPlugin> = load("tests/fixtures/extism/extism-ok/plugin.toml").await;
    let n = 5_000;
    println!(
        "Extism call overhead vs a component call (fresh instance per call, 1 task, {n} calls):"
    );
    measure("component (quiz-grader) kinds()", n, || async {
        runtime.grader_kinds(&component).await.unwrap();
    })
    .await;
    measure("extism (extism-grader) kinds()", n, || async {
        runtime.grader_kinds(&extism).await.unwrap();
    })
    .await;
    let choice = submission(
        "multiple_choice",
        json!({"correct": [1]}),
        json!({"selected": [1]}),
    );
    let exact = submission(
        "extism_exact",
        json!({"text": "Paris"}),
        json!({"text": "Paris"}),
    );
    measure("component grade() multiple_choice", n, || async {
        runtime
            .grade(&component, &choice, None)
            .await
            .unwrap()
            .unwrap();
    })
    .await;
    measure("extism grade() extism_exact (JSON in/out)", n, || async {
        runtime.grade(&extism, &exact, None).await.unwrap().unwrap();
    })
    .await;
}
