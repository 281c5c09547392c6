//! Seed 001's figures (docs/kalei.md, docs/benchmarks.md "Kalei"):
//!
//! 1. A Turn (`POST /api/v1/turns`) and a Mirror message (`POST /api/v1/mirror/messages`)
//!    over HTTP on SQLite with the offline model: one user alone, 32 users at once in a
//!    closed loop (a saturated host), and 32 users at once each sending again 0.9-2.7 s
//!    (1.8 s on average) after their answer, starting at spread moments (the pace a real
//!    model holds them to: seed 001 §12.1's p50). For each,
//!    p50, p95 and p99 of the whole request and of its platform share (the server's
//!    `Server-Timing`: the request less the time inside models, the AI gateway's call and
//!    the safety gate's meaning encoder), throughput, and the time inside each plugin and
//!    the meaning stage. Each round runs twice: with four thoughts said again and again
//!    (the gate remembers their verdicts), and with a thought nobody sent before on every
//!    request (each one screened afresh, its meaning embedded). Goal: platform p95 <= 20
//!    ms at 32 users (seed 001 §12.1 asks p50 < 1.8 s / p95 < 3.5 s with a real model).
//! 2. The weekly Spectrum run on SQLite over 100 000 users with 20 events each (4 Mirror
//!    sessions of 1 to 6 messages, 8 Turns, each user's counts drawn on their own), seeded
//!    straight into the feature store: time to done and users per second (goal <= 5
//!    minutes; the seed allows 2 hours).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{LEARNING_SECRET, bench_token, http_json, percentile, repo, seed_learners, serve_with};

/// Users at once in the request rounds.
const USERS: usize = 32;
/// How long each round runs.
const ROUND: Duration = Duration::from_secs(10);
/// Users of the Spectrum run (`TESSERA_BENCH_SPECTRUM_USERS` overrides).
fn spectrum_users() -> usize {
    std::env::var("TESSERA_BENCH_SPECTRUM_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// Every plan opens everything with room for the rounds (the bench measures the work, not
/// the daily limits).
const OPEN_PLANS: &str = r#"{"free": {"turns_per_day": 100000000, "mirror_messages_per_day": 100000000, "lens": true, "spectrum_weekly": true, "spectrum_monthly": true}}"#;

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

const THOUGHTS: [&str; 4] = [
    "I messed up the presentation, so I'll never get promoted.",
    "Everyone at work must think I'm useless.",
    "I should have finished this weeks ago; I always fail.",
    "If I fail this exam my life is ruined.",
];

/// What came before a thought in the "new thoughts" rounds: with a number, no two
/// requests of a run send the same text.
const LEADS: [&str; 6] = [
    "After {} days of revising",
    "On call number {} this month",
    "Having practised {} times",
    "With {} emails still unanswered",
    "After {} hours of waiting",
    "On my {} attempt at the report",
];

/// Texts sent in the "new thoughts" rounds so far: one counter, so no round repeats
/// another's text.
static SENT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// User `i`'s `n`-th thought: one of [`THOUGHTS`], or, when `new`, one of them after a
/// lead no request of this run used.
fn thought(i: usize, n: usize, new: bool) -> String {
    let base = THOUGHTS[(i + n) % THOUGHTS.len()];
    if !new {
        return base.to_owned();
    }
    let k = SENT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let lead = LEADS[k % LEADS.len()].replace("{}", &(k + 2).to_string());
    let mut rest = base.chars();
    let first = rest.next().map(|c| c.to_lowercase().collect::<String>());
    // "I" stays upper case.
    let first = if base.starts_with("I ") || base.starts_with("I'") {
        "I".to_owned()
    } else {
        first.unwrap_or_default()
    };
    format!("{lead}, {first}{}", rest.as_str())
}

/// The mean time inside each plugin and the gate's meaning stage between two readings.
fn print_inside(
    before: &BTreeMap<String, (f64, f64)>,
    after: &BTreeMap<String, (f64, f64)>,
    meaning_before: (f64, f64),
    meaning_after: (f64, f64),
) {
    for (key, (sum, count)) in after {
        let (sum0, count0) = before.get(key).copied().unwrap_or_default();
        let calls = count - count0;
        if calls >= 1.0 {
            println!(
                "      inside {key:<38} {:>7.2} ms mean over {calls:.0} calls",
                (sum - sum0) / calls * 1e3
            );
        }
    }
    let embedded = meaning_after.1 - meaning_before.1;
    if embedded >= 1.0 {
        println!(
            "      inside the gate's meaning stage            {:>7.2} ms mean over {embedded:.0} texts embedded",
            (meaning_after.0 - meaning_before.0) / embedded * 1e3
        );
    }
}

/// The sum and count of the gate's meaning stage for texts it embedded, from `/metrics`.
async fn meaning_time(client: &reqwest::Client, base: &str) -> (f64, f64) {
    let text = super::tutor::metrics_text(client, base).await;
    let value = |series: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(series))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (
        value("tessera_safety_meaning_duration_seconds_sum{outcome=\"embedded\"}"),
        value("tessera_safety_meaning_duration_seconds_count{outcome=\"embedded\"}"),
    )
}

/// `./dev bench kalei`.
pub fn kalei(data: &Path) {
    requests(data);
    spectrum(data);
}

fn requests(data: &Path) {
    let dir = data.join("kalei");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let plugins = repo().join("plugins").display().to_string();
    let url = format!("sqlite://{}", dir.join("kalei.db").display());
    let served = serve_with(
        &dir,
        &plugins,
        &[
            "--database-url",
            &url,
            "--jwt-secret",
            LEARNING_SECRET,
            "--kalei-plans",
            OPEN_PLANS,
            "--server-timing",
        ],
    );
    let base = format!("http://127.0.0.1:{}", served.port);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let tokens = Arc::new(seed_learners(&url, USERS).await);
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(2 * USERS)
            .build()
            .unwrap();
        let mut sessions = Vec::with_capacity(USERS);
        for token in tokens.iter() {
            let session: Value = client
                .post(format!("{base}/api/v1/mirror/sessions"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            sessions.push(session["id"].as_str().unwrap().to_owned());
        }
        let sessions = Arc::new(sessions);
        println!(
            "\nKalei over HTTP, SQLite, offline model, 1 and then {USERS} users at once, {} s per round ({} s at a model's pace); the whole request (gate, plugins, model path, sealing, storing), then its share outside models:",
            ROUND.as_secs(),
            Load::Paced(USERS).round().as_secs()
        );
        for (round, new) in [
            ("turn", false),
            ("turn", true),
            ("mirror message", false),
            ("mirror message", true),
        ] {
            // User `i`'s `n`-th request: its path and body.
            let body = {
                let sessions = sessions.clone();
                move |i: usize, n: usize| {
                    let text = thought(i, n, new);
                    if round == "turn" {
                        ("/api/v1/turns", json!({"text": text}))
                    } else {
                        (
                            "/api/v1/mirror/messages",
                            json!({"session_id": sessions[i], "text": text}),
                        )
                    }
                }
            };
            // Warm-up: every plugin's first instances.
            for i in 0..USERS {
                let (path, b) = body(i, 0);
                let r = client
                    .post(format!("{base}{path}"))
                    .bearer_auth(&tokens[i])
                    .json(&b)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 200, "{round}: {}", r.text().await.unwrap());
            }
            for load in [Load::Closed(1), Load::Closed(USERS), Load::Paced(USERS)] {
                let at_once = load.users();
                let round_for = load.round();
                let before = super::tutor::plugin_time(&client, &base).await;
                let meaning_before = meaning_time(&client, &base).await;
                let started = Instant::now();
                let mut tasks = Vec::new();
                for i in 0..at_once {
                    let (client, base, tokens, body) =
                        (client.clone(), base.clone(), tokens.clone(), body.clone());
                    tasks.push(tokio::spawn(async move {
                        let mut seen = Vec::new();
                        let mut n = 0;
                        if let Load::Paced(_) = load {
                            // Users who arrive together and wait alike would send in
                            // lockstep: 32 at once every 1.8 s. People do not: each starts
                            // at their own moment in the first pause.
                            tokio::time::sleep(MODEL_PACE * i as u32 / at_once as u32).await;
                        }
                        while started.elapsed() < round_for {
                            let (path, b) = body(i, n);
                            n += 1;
                            let t = Instant::now();
                            let r = client
                                .post(format!("{base}{path}"))
                                .bearer_auth(&tokens[i])
                                .json(&b)
                                .send()
                                .await
                                .unwrap();
                            let ok = r.status().as_u16() == 200;
                            let platform = platform_time(&r);
                            let _ = r.bytes().await;
                            seen.push((t.elapsed(), platform, ok));
                            if let Load::Paced(_) = load {
                                tokio::time::sleep(pause(i, n)).await;
                            }
                        }
                        seen
                    }));
                }
                let mut times = Vec::new();
                let mut platform = Vec::new();
                let mut failed = 0;
                for t in tasks {
                    for (d, p, ok) in t.await.unwrap() {
                        times.push(d);
                        platform.push(p);
                        failed += usize::from(!ok);
                    }
                }
                let elapsed = started.elapsed();
                times.sort();
                platform.sort();
                let after = super::tutor::plugin_time(&client, &base).await;
                let meaning_after = meaning_time(&client, &base).await;
                let texts = if new { "new thoughts" } else { "said again" };
                println!(
                    "  {round:<15} {texts:<13} {}  p50 {}  p95 {}  p99 {}  {:.0} req/s  ({} requests, {failed} not 200)",
                    load.label(),
                    ms(percentile(&times, 0.50)),
                    ms(percentile(&times, 0.95)),
                    ms(percentile(&times, 0.99)),
                    times.len() as f64 / elapsed.as_secs_f64(),
                    times.len(),
                );
                println!(
                    "      outside models (Server-Timing's platform)  p50 {}  p95 {}  p99 {}",
                    ms(percentile(&platform, 0.50)),
                    ms(percentile(&platform, 0.95)),
                    ms(percentile(&platform, 0.99)),
                );
                print_inside(&before, &after, meaning_before, meaning_after);
            }
        }
    });
}

/// How the users of a round send.
#[derive(Clone, Copy)]
enum Load {
    /// This many users, each sending again as soon as its answer arrives: a saturated host.
    Closed(usize),
    /// This many users, each sending again about [`MODEL_PACE`] after its answer (see
    /// [`pause`]), starting at moments spread over the first pause: the pace a real model
    /// holds each of them to, so the host does the work of that many users in production
    /// without a model to wait on.
    Paced(usize),
}

impl Load {
    fn users(self) -> usize {
        match self {
            Load::Closed(n) | Load::Paced(n) => n,
        }
    }

    fn round(self) -> Duration {
        match self {
            Load::Closed(_) => ROUND,
            // Fewer requests a second: a longer round for as many samples.
            Load::Paced(_) => 2 * ROUND,
        }
    }

    fn label(self) -> String {
        match self {
            Load::Closed(n) => format!("{n:>2} at once, closed loop      "),
            Load::Paced(n) => format!("{n:>2} at once, at a model's pace"),
        }
    }
}

/// A real model's reply time, seed 001 §12.1's p50 for a Turn: what each user of a
/// [`Load::Paced`] round waits before sending again.
const MODEL_PACE: Duration = Duration::from_millis(1800);

/// User `i`'s pause after their `n`-th answer: [`MODEL_PACE`] on average, drawn between
/// half and one and a half of it (a model's reply time varies, and so does the reader), the
/// same on every run.
fn pause(i: usize, n: usize) -> Duration {
    let k = Draw(((i as u64) << 32) | n as u64).below(1000);
    MODEL_PACE.mul_f64(0.5 + k as f64 / 1000.0)
}

/// The platform's share of a response's time, from its `Server-Timing` header (the server
/// runs with `--server-timing`).
fn platform_time(r: &reqwest::Response) -> Duration {
    r.headers()
        .get("server-timing")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',').find_map(|m| {
                let mut parts = m.trim().split(';');
                (parts.next()? == "platform")
                    .then(|| {
                        parts
                            .find_map(|p| p.strip_prefix("dur="))?
                            .parse::<f64>()
                            .ok()
                    })
                    .flatten()
            })
        })
        .map(|ms| Duration::from_secs_f64(ms / 1e3))
        .expect("the server runs with --server-timing")
}

/// A small deterministic generator (splitmix64): the same users on every run.
struct Draw(u64);

impl Draw {
    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// Seeds `users` users' week of 2026-03-09 straight into the feature store.
async fn seed_spectrum(url: &str, users: usize) {
    use tessera::store::Db;
    let db = Db::connect(url, 4).await.expect("bench database");
    let days = [
        "2026-03-09",
        "2026-03-10",
        "2026-03-11",
        "2026-03-12",
        "2026-03-13",
    ];
    let kinds = [
        "catastrophising",
        "labelling",
        "should-statements",
        "mind-reading",
    ];
    let chunk = 250;
    for start in (0..users).step_by(chunk) {
        let mut tx = db.pool().begin().await.unwrap();
        let mut sessions = Vec::new();
        let mut turns = Vec::new();
        for u in start..(start + chunk).min(users) {
            let user = format!("u{u:08}");
            // Each user's own counts (a generator seeded by the user), so the analyst's
            // prompts differ as real users' do: nothing is answered from a cache because
            // thousands of users share one week's shape.
            let mut r = Draw(u as u64);
            for s in 0..4 {
                let fragments = json!({
                    kinds[r.below(4)]: 1 + r.below(4),
                    kinds[r.below(4)]: r.below(3),
                })
                .to_string();
                sessions.push(format!(
                    "('{user}-s{s}', '{user}', '{}', {}, '{fragments}', {}, 0, 0)",
                    days[r.below(days.len())],
                    1 + r.below(6),
                    r.below(3),
                ));
            }
            for t in 0..8 {
                let distortions = json!([kinds[r.below(4)]]).to_string();
                turns.push(format!(
                    "('{user}-t{t}', '{user}', '{}', '{distortions}', {}, 0, 0)",
                    days[r.below(days.len())],
                    r.below(3) / 2
                ));
            }
        }
        sqlx::query(&format!(
            "INSERT INTO spectrum_session_analysis (session_id, user_id, local_date, messages, \
             fragments, reframes, excluded, updated_at) VALUES {}",
            sessions.join(", ")
        ))
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(&format!(
            "INSERT INTO spectrum_turn_analysis (turn_id, user_id, local_date, distortions, \
             saved, excluded, updated_at) VALUES {}",
            turns.join(", ")
        ))
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
}

fn spectrum(data: &Path) {
    let users = spectrum_users();
    let dir = data.join("kalei-spectrum");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let plugins = repo().join("plugins").display().to_string();
    // The data folder's own database: `bench_token` creates the admin there with the CLI.
    let url = format!("sqlite://{}", dir.join("tessera.db").display());
    // The server creates the schema; the feature store is then seeded beside it.
    let served = serve_with(&dir, &plugins, &["--database-url", &url]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let seeding = Instant::now();
    runtime.block_on(seed_spectrum(&url, users));
    let token = bench_token(&dir, served.port);
    println!(
        "\nSpectrum: the weekly run over {users} users with 20 events each (4 Mirror sessions of 1 to 6 messages, 8 Turns, counts drawn per user; seeded in {:.0} s), SQLite, the shipped analyst with the offline model:",
        seeding.elapsed().as_secs_f64()
    );
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{}", served.port);
    let before = runtime.block_on(super::tutor::plugin_time(&client, &base));
    let meaning_before = runtime.block_on(meaning_time(&client, &base));
    let started = Instant::now();
    let (status, run) = http_json(
        served.port,
        "POST",
        "/api/v1/admin/spectrum/run",
        r#"{"period": "week", "date": "2026-03-09"}"#,
        Some(&token),
    );
    assert_eq!(status, 202, "{run}");
    let mut last_print = Instant::now();
    let progress = loop {
        let (_, progress) = http_json(
            served.port,
            "GET",
            "/api/v1/admin/spectrum/runs/week:2026-03-09",
            "",
            Some(&token),
        );
        if progress["status"] == "done" {
            break progress;
        }
        if last_print.elapsed() > Duration::from_secs(30) {
            println!(
                "  … {} users after {:.0} s",
                progress["users_done"],
                started.elapsed().as_secs_f64()
            );
            last_print = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let elapsed = started.elapsed();
    let done = progress["users_done"].as_u64().unwrap_or(0);
    println!(
        "  {done} users in {:.1} s ({:.0} users/s; goal <= 300 s for 100 000)",
        elapsed.as_secs_f64(),
        done as f64 / elapsed.as_secs_f64()
    );
    let after = runtime.block_on(super::tutor::plugin_time(&client, &base));
    let meaning_after = runtime.block_on(meaning_time(&client, &base));
    print_inside(&before, &after, meaning_before, meaning_after);
}
