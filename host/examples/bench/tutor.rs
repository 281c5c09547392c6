//! Tutor figures (docs/tutor.md): a query end to end over HTTP with the shipped triage and
//! agents and the offline model, 32 learners asking at once, each in a closed loop: POST
//! the query, then read its SSE stream until the answer. Per intent: the time to accept
//! (the 202), the time to the whole answer, throughput, and where the time went (the mean
//! wall-clock time per query inside each plugin, from the server's own metrics).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{LEARNING_SECRET, percentile, repo, seed_learners, serve_with};

/// Learners asking at once (`TESSERA_BENCH_TUTOR_LEARNERS` overrides; 1 shows a query's
/// own latency, without queueing behind others).
fn learners() -> usize {
    std::env::var("TESSERA_BENCH_TUTOR_LEARNERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(32)
}
/// How long each intent's round runs.
const ROUND: Duration = Duration::from_secs(10);

/// The queries of each round: what a learner asks, answered by the agent named.
fn intents() -> Vec<(&'static str, Value)> {
    vec![
        (
            "debug (traceback, hint rung 1)",
            json!({"text": "Why does this crash?", "code": "items = [1, 2, 3]\nprint(items[3])\n",
                   "error": "Traceback (most recent call last):\n  File \"main.py\", line 2, in <module>\n    print(items[3])\nIndexError: list index out of range"}),
        ),
        (
            "concepts (example run in the sandbox)",
            json!({"text": "What is a for loop and how does it work in Python?"}),
        ),
        (
            "code-review (ast checks in the sandbox)",
            json!({"text": "Can you review my code please?",
                   "code": "def AddNumbers(a,b):\n    list = [a, b]\n    return sum(list)\n"}),
        ),
    ]
}

/// The server's `/metrics` page.
pub(super) async fn metrics_text(client: &reqwest::Client, base: &str) -> String {
    client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// `tessera_plugin_call_duration_seconds` sum and count per plugin and function.
pub(super) async fn plugin_time(
    client: &reqwest::Client,
    base: &str,
) -> BTreeMap<String, (f64, f64)> {
    let text = metrics_text(client, base).await;
    let mut out: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for line in text.lines() {
        let (name, is_sum) = if let Some(rest) =
            line.strip_prefix("tessera_plugin_call_duration_seconds_sum{")
        {
            (rest, true)
        } else if let Some(rest) = line.strip_prefix("tessera_plugin_call_duration_seconds_count{")
        {
            (rest, false)
        } else {
            continue;
        };
        let Some((labels, value)) = name.split_once("} ") else {
            continue;
        };
        let label = |key: &str| {
            labels
                .split(',')
                .find_map(|kv| kv.strip_prefix(&format!("{key}=\"")))
                .map(|v| v.trim_end_matches('"').to_owned())
                .unwrap_or_default()
        };
        let key = format!("{}.{}", label("plugin"), label("function"));
        let v: f64 = value.trim().parse().unwrap_or(0.0);
        let entry = out.entry(key).or_default();
        if is_sum {
            entry.0 = v;
        } else {
            entry.1 = v;
        }
    }
    out
}

/// One query: (time to the 202, time to the end of the answer stream, the answer).
async fn one(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    body: &Value,
) -> (Duration, Duration, Value) {
    let started = Instant::now();
    let accepted = client
        .post(format!("{base}/api/v1/tutor/queries"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status().as_u16(), 202);
    let query: Value = accepted.json().await.unwrap();
    let accept = started.elapsed();
    let stream = client
        .get(format!(
            "{base}/api/v1/tutor/queries/{}/events",
            query["id"].as_str().unwrap()
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let done = started.elapsed();
    let answer = stream
        .split("\n\n")
        .find_map(|block| {
            block
                .strip_prefix("event: answer\n")
                .and_then(|rest| rest.strip_prefix("data: "))
        })
        .and_then(|data| serde_json::from_str(data).ok())
        .unwrap_or(Value::Null);
    (accept, done, answer)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// `./dev bench tutor`.
pub fn tutor(data: &Path) {
    let dir = data.join("tutor");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let plugins = repo().join("plugins").display().to_string();
    let content = repo().join("content").display().to_string();
    let url = format!("sqlite://{}", dir.join("tutor.db").display());
    let served = serve_with(
        &dir,
        &plugins,
        &[
            "--database-url",
            &url,
            "--jwt-secret",
            LEARNING_SECRET,
            "--content-dir",
            &content,
        ],
    );
    let base = format!("http://127.0.0.1:{}", served.port);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let learners = learners();
    runtime.block_on(async {
        let tokens = Arc::new(seed_learners(&url, learners).await);
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(2 * learners)
            .build()
            .unwrap();
        // Warm-up: the plugins' first instances, and triage's vector cache (it embeds the
        // labelled examples over its first few unsure queries).
        let warm = [
            json!({"text": "hmm so what happens with this thing"}),
            json!({"text": "my list thing is weird"}),
            json!({"text": "can you help me with dictionaries"}),
            json!({"text": "something about strings I do not get"}),
            json!({"text": "files and stuff"}),
            json!({"text": "classes are confusing"}),
        ];
        for body in warm.iter().chain(intents().iter().map(|(_, b)| b)) {
            let _ = one(&client, &base, &tokens[0], body).await;
        }
        println!(
            "\ntutor query end to end (POST /api/v1/tutor/queries, then its SSE stream to the answer), SQLite, offline model, {learners} learners asking at once in a closed loop, {} s per intent:",
            ROUND.as_secs()
        );
        for (label, body) in intents() {
            let before = plugin_time(&client, &base).await;
            let started = Instant::now();
            let mut tasks = Vec::new();
            for i in 0..learners {
                let (client, base, tokens, body) =
                    (client.clone(), base.clone(), tokens.clone(), body.clone());
                tasks.push(tokio::spawn(async move {
                    let mut seen = Vec::new();
                    while started.elapsed() < ROUND {
                        seen.push(one(&client, &base, &tokens[i], &body).await);
                    }
                    seen
                }));
            }
            let mut accepts = Vec::new();
            let mut totals = Vec::new();
            let mut agents: BTreeMap<String, usize> = BTreeMap::new();
            for t in tasks {
                for (accept, total, answer) in t.await.unwrap() {
                    accepts.push(accept);
                    totals.push(total);
                    let agent = answer["answer"]["agent"].as_str().unwrap_or("(none)").to_owned();
                    *agents.entry(agent).or_default() += 1;
                }
            }
            let elapsed = started.elapsed();
            let after = plugin_time(&client, &base).await;
            accepts.sort();
            totals.sort();
            let n = totals.len();
            println!(
                "  {label}: {n} queries, {:.1} queries/s; accepted (202) p50 {} p99 {}; answered p50 {} p99 {}; answered by {agents:?}",
                n as f64 / elapsed.as_secs_f64(),
                ms(percentile(&accepts, 0.5)),
                ms(percentile(&accepts, 0.99)),
                ms(percentile(&totals, 0.5)),
                ms(percentile(&totals, 0.99)),
            );
            let mut inside: Vec<String> = after
                .iter()
                .filter_map(|(key, (sum, count))| {
                    let (sum0, count0) = before.get(key).copied().unwrap_or_default();
                    let calls = count - count0;
                    (calls > 0.0).then(|| {
                        format!(
                            "{key} {:.1} ms ({:.1} calls)",
                            (sum - sum0) * 1e3 / n as f64,
                            calls / n as f64
                        )
                    })
                })
                .collect();
            inside.sort();
            println!("    plugin time per query: {}", inside.join(", "));
        }
    });
}
