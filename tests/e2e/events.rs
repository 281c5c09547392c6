//! The event bus (docs/events.md) on every backend: the embedded bus on SQLite and on
//! Postgres, and NATS JetStream; the outbox across a NATS outage; answers over HTTP
//! reaching the bus; and `tessera events` for an operator.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tessera::events::consumer::{self, ConsumerSettings, Handler, Outcome};
use tessera::events::embedded::Embedded;
use tessera::events::nats::{Nats, NatsSettings};
use tessera::events::{Backend, Bus, Envelope, Subscription, Topic, outbox};
use tessera::store::Db;

use crate::support::{
    FreshDatabase, Server, ci, client_with_token, eventually, free_port, fresh_postgres_database,
    plugins_dir, postgres_reachable, tessera, unique,
};

const NATS: &str = "nats://127.0.0.1:4222";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sqlite,
    Postgres,
    Nats,
}

/// Every backend this machine runs: all three under CI=true (a missing server fails).
fn kinds() -> Vec<Kind> {
    let mut kinds = vec![Kind::Sqlite];
    if postgres_reachable() {
        kinds.push(Kind::Postgres);
    }
    if nats_reachable() {
        kinds.push(Kind::Nats);
    } else {
        eprintln!("NOTE: NATS not reachable on 127.0.0.1:4222: its variant is skipped");
    }
    kinds
}

fn nats_reachable() -> bool {
    let up = std::net::TcpStream::connect("127.0.0.1:4222").is_ok();
    if ci() {
        assert!(
            up,
            "CI=true: NATS (JetStream) must be reachable on 127.0.0.1:4222"
        );
    }
    up
}

/// A bus for one test, with what keeps its database alive.
struct TestBus {
    bus: Bus,
    db: Db,
    _postgres: Option<FreshDatabase>,
}

async fn database(kind: Kind) -> (Db, Option<FreshDatabase>) {
    let (url, fresh) = if kind == Kind::Postgres {
        let fresh = fresh_postgres_database();
        (fresh.url.clone(), Some(fresh))
    } else {
        let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-db");
        std::fs::create_dir_all(&dir).unwrap();
        (
            format!(
                "sqlite://{}",
                dir.join(format!("{}.db", unique("events"))).display()
            ),
            None,
        )
    };
    let db = Db::connect(&url, 8).await.expect("connect");
    db.migrate().await.expect("migrate");
    (db, fresh)
}

fn nats_settings(url: &str, stream: &str, lease: Duration) -> NatsSettings {
    let mut settings = NatsSettings::new(url);
    settings.stream = stream.to_owned();
    settings.ack_wait = lease;
    settings.max_age = Duration::from_secs(600);
    settings
}

/// A bus of `kind`; on NATS in a stream of its own (`stream`, or a fresh one).
async fn test_bus(kind: Kind, lease: Duration, stream: Option<&str>) -> TestBus {
    let (db, postgres) = database(if kind == Kind::Postgres {
        Kind::Postgres
    } else {
        Kind::Sqlite
    })
    .await;
    let backend: Arc<dyn Backend> = match kind {
        Kind::Nats => {
            let stream = stream.map_or_else(|| unique("T"), str::to_owned);
            Arc::new(
                Nats::connect(nats_settings(NATS, &stream, lease))
                    .await
                    .expect("connect to NATS"),
            )
        }
        _ => Arc::new(Embedded::new(db.clone(), lease)),
    };
    TestBus {
        bus: Bus::new(backend, db.clone()),
        db,
        _postgres: postgres,
    }
}

fn progress(step: &str) -> Envelope {
    Envelope::new(
        Topic::ProgressEvents,
        "quiz.answered",
        json!({"step_id": step, "topic": "python.loops", "correct": false, "score": 0.0}),
    )
    .for_user("8d6e2b34-5a0e-4c47-9d61-0e6f1c2a7b10")
}

/// Records what it handled; fails for steps in `failing` while `broken` holds.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<String>>,
    failing: Mutex<Vec<String>>,
}

impl Recorder {
    fn failing_on(step: &str) -> Arc<Recorder> {
        let r = Recorder::default();
        r.failing.lock().unwrap().push(step.to_owned());
        Arc::new(r)
    }

    fn seen(&self) -> Vec<String> {
        let mut v = self.seen.lock().unwrap().clone();
        v.sort();
        v
    }
}

#[async_trait::async_trait]
impl Handler for Recorder {
    async fn handle(&self, event: &Envelope) -> Result<(), String> {
        let step = event.payload["step_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if self.failing.lock().unwrap().contains(&step) {
            return Err(format!("cannot handle {step} yet"));
        }
        self.seen.lock().unwrap().push(step);
        Ok(())
    }
}

fn quick() -> ConsumerSettings {
    ConsumerSettings {
        max_attempts: 3,
        backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        batch: 16,
        wait: Duration::from_millis(100),
    }
}

/// Fetches and processes for every subscription until `done` holds (or fails the test
/// after 20 s); returns every outcome seen per subscription.
async fn pump(
    bus: &Bus,
    groups: &[(Subscription, Arc<Recorder>)],
    done: impl Fn(&HashMap<&'static str, Vec<Outcome>>) -> bool,
) -> HashMap<&'static str, Vec<Outcome>> {
    let settings = quick();
    let mut outcomes: HashMap<&'static str, Vec<Outcome>> = HashMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !done(&outcomes) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the consumers did not settle; outcomes so far: {outcomes:?}"
        );
        for (sub, handler) in groups {
            let deliveries = bus
                .backend()
                .fetch(sub, 16, Duration::from_millis(50))
                .await
                .expect("fetch");
            for d in deliveries {
                let outcome = consumer::process(bus, sub, handler.as_ref(), &settings, &d)
                    .await
                    .expect("process");
                outcomes.entry(sub.consumer).or_default().push(outcome);
            }
        }
    }
    outcomes
}

fn count(outcomes: &HashMap<&'static str, Vec<Outcome>>, group: &str, what: &Outcome) -> usize {
    outcomes
        .get(group)
        .map_or(0, |v| v.iter().filter(|o| *o == what).count())
}

#[tokio::test]
async fn each_group_gets_each_event_retries_dead_letters_and_replays() {
    for kind in kinds() {
        let t = test_bus(kind, Duration::from_secs(30), None).await;
        let a = Subscription {
            consumer: "grp-a",
            topic: Topic::ProgressEvents,
        };
        let b = Subscription {
            consumer: "grp-b",
            topic: Topic::ProgressEvents,
        };
        t.bus.backend().subscribe(&[a, b]).await.unwrap();

        // Three events staged with a write that commits, one with a write rolled back.
        let mut tx = t.db.begin_write().await.unwrap();
        outbox::stage(&mut tx, &[progress("s1"), progress("s2"), progress("s3")])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = t.db.begin_write().await.unwrap();
        outbox::stage(&mut tx, &[progress("rolled-back")])
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(outbox::pending(&t.db).await.unwrap(), 3, "{kind:?}");
        assert_eq!(outbox::drain_once(&t.bus).await.unwrap(), 3, "{kind:?}");
        assert_eq!(outbox::pending(&t.db).await.unwrap(), 0, "{kind:?}");
        // A message that is not an envelope still travels, to be dead-lettered.
        t.bus
            .backend()
            .publish(
                &unique("m"),
                Topic::ProgressEvents,
                b"{\"id\": \"not an envelope\"",
            )
            .await
            .unwrap();

        let fails_s2 = Recorder::failing_on("s2");
        let handles_all = Arc::new(Recorder::default());
        let groups = [(a, fails_s2.clone()), (b, handles_all.clone())];
        let outcomes = pump(&t.bus, &groups, |o| {
            count(o, "grp-a", &Outcome::DeadLettered) == 2
                && count(o, "grp-b", &Outcome::DeadLettered) == 1
                && count(o, "grp-b", &Outcome::Handled) == 3
        })
        .await;
        assert_eq!(fails_s2.seen(), ["s1", "s3"], "{kind:?}");
        assert_eq!(handles_all.seen(), ["s1", "s2", "s3"], "{kind:?}");
        // s2 failed on its first two deliveries, then the third was its last.
        assert_eq!(count(&outcomes, "grp-a", &Outcome::Retried), 2, "{kind:?}");

        let letters = t.bus.dead_letters(100).await.unwrap();
        assert_eq!(letters.len(), 3, "{kind:?}: {letters:?}");
        let s2 = letters
            .iter()
            .find(|d| d.letter.original.contains("\"s2\""))
            .expect("s2's dead letter");
        assert_eq!(s2.letter.consumer, "grp-a");
        assert_eq!(s2.letter.attempts, 3);
        assert!(
            s2.letter.reason.contains("failed 3 times")
                && s2.letter.reason.contains("cannot handle s2"),
            "{kind:?}: {}",
            s2.letter.reason
        );
        let unparsable: Vec<_> = letters
            .iter()
            .filter(|d| d.letter.reason.starts_with("does not parse"))
            .collect();
        assert_eq!(unparsable.len(), 2, "{kind:?}: one per group");

        // Fixed, the dead letter replays: grp-a handles s2; grp-b, which handled it
        // already, skips it.
        fails_s2.failing.lock().unwrap().clear();
        let replayed = t.bus.replay(&s2.message_id).await.unwrap();
        assert_eq!(replayed.topic, "progress.events");
        let outcomes = pump(&t.bus, &groups, |o| {
            count(o, "grp-a", &Outcome::Handled) == 1 && count(o, "grp-b", &Outcome::Duplicate) == 1
        })
        .await;
        assert_eq!(fails_s2.seen(), ["s1", "s2", "s3"], "{kind:?}");
        assert_eq!(
            handles_all.seen(),
            ["s1", "s2", "s3"],
            "{kind:?}: no second effect"
        );
        assert_eq!(count(&outcomes, "grp-b", &Outcome::Handled), 0, "{kind:?}");
        assert_eq!(t.bus.dead_letters(100).await.unwrap().len(), 2, "{kind:?}");
        let err = t.bus.replay(&s2.message_id).await.unwrap_err();
        assert!(err.to_string().contains("no dead letter"), "{err}");
    }
}

#[tokio::test]
async fn a_delivery_never_acknowledged_comes_back_after_its_lease() {
    for kind in kinds() {
        let lease = Duration::from_secs(1);
        let t = test_bus(kind, lease, None).await;
        let sub = Subscription {
            consumer: "crashy",
            topic: Topic::ProgressEvents,
        };
        t.bus.backend().subscribe(&[sub]).await.unwrap();
        t.bus.publish(&progress("s1")).await.unwrap();
        let first = t
            .bus
            .backend()
            .fetch(&sub, 8, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(first.len(), 1, "{kind:?}");
        assert_eq!(first[0].attempt, 1);
        // The consumer "dies": no ack. Until the lease runs out nobody else gets it.
        drop(first);
        let during = t
            .bus
            .backend()
            .fetch(&sub, 8, Duration::from_millis(200))
            .await
            .unwrap();
        assert!(
            during.is_empty(),
            "{kind:?}: delivered again within its lease"
        );
        let again = eventually("the redelivery", Duration::from_secs(10), async || {
            let d = t
                .bus
                .backend()
                .fetch(&sub, 8, Duration::from_millis(500))
                .await
                .unwrap();
            if d.is_empty() {
                Err("nothing yet")
            } else {
                Ok(d)
            }
        })
        .await;
        assert_eq!(again.len(), 1, "{kind:?}");
        assert_eq!(again[0].attempt, 2, "{kind:?}");
        let envelope = Envelope::parse(&again[0].payload).unwrap();
        assert_eq!(envelope.payload["step_id"], "s1");
    }
}

#[tokio::test]
async fn two_replicas_of_a_group_split_its_events_and_handle_each_once() {
    for kind in kinds().into_iter().filter(|k| *k != Kind::Sqlite) {
        let stream = unique("T");
        let first = test_bus(kind, Duration::from_secs(30), Some(&stream)).await;
        // The second replica: its own connections to the same database or stream.
        let second_backend: Arc<dyn Backend> = match kind {
            Kind::Nats => Arc::new(
                Nats::connect(nats_settings(NATS, &stream, Duration::from_secs(30)))
                    .await
                    .unwrap(),
            ),
            _ => {
                let db = Db::connect(&first._postgres.as_ref().unwrap().url, 8)
                    .await
                    .unwrap();
                Arc::new(Embedded::new(db, Duration::from_secs(30)))
            }
        };
        let second = Bus::new(second_backend, first.db.clone());
        let sub = Subscription {
            consumer: "splitter",
            topic: Topic::ProgressEvents,
        };
        first.bus.backend().subscribe(&[sub]).await.unwrap();
        second.backend().subscribe(&[sub]).await.unwrap();
        let handled: Arc<Mutex<Vec<(usize, String)>>> = Arc::default();
        struct Slow(usize, Arc<Mutex<Vec<(usize, String)>>>);
        #[async_trait::async_trait]
        impl Handler for Slow {
            async fn handle(&self, event: &Envelope) -> Result<(), String> {
                // Long enough that one replica cannot take everything.
                tokio::time::sleep(Duration::from_millis(5)).await;
                self.1.lock().unwrap().push((self.0, event.id.clone()));
                Ok(())
            }
        }
        let stop = tokio_util::sync::CancellationToken::new();
        let mut settings = quick();
        settings.batch = 4;
        let runs = [(0, first.bus.clone()), (1, second.clone())].map(|(n, bus)| {
            tokio::spawn(consumer::run(
                bus,
                sub,
                Arc::new(Slow(n, handled.clone())),
                settings.clone(),
                stop.clone(),
            ))
        });
        let n = 200;
        let mut ids = Vec::new();
        for i in 0..n {
            let e = progress(&format!("s{i}"));
            ids.push(e.id.clone());
            first.bus.publish(&e).await.unwrap();
        }
        eventually("every event handled", Duration::from_secs(60), async || {
            let len = handled.lock().unwrap().len();
            if len >= n { Ok(()) } else { Err(len) }
        })
        .await;
        stop.cancel();
        for r in runs {
            r.await.unwrap();
        }
        let handled = handled.lock().unwrap().clone();
        let mut once: Vec<&String> = handled.iter().map(|(_, id)| id).collect();
        once.sort();
        once.dedup();
        assert_eq!(once.len(), n, "{kind:?}: every event handled");
        assert_eq!(handled.len(), n, "{kind:?}: none handled twice");
        let by_first = handled.iter().filter(|(r, _)| *r == 0).count();
        assert!(
            by_first > 0 && by_first < n,
            "{kind:?}: one replica did everything ({by_first} of {n} by the first)"
        );
    }
}

/// A NATS server of this test's own (so it can be stopped), on `port`, keeping its
/// JetStream store in `dir`.
struct PrivateNats {
    child: std::process::Child,
}

impl PrivateNats {
    fn start(port: u16, dir: &std::path::Path) -> PrivateNats {
        let binary = [
            "/usr/sbin/nats-server",
            "/usr/bin/nats-server",
            "nats-server",
        ]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok()
        });
        let Some(binary) = binary else {
            panic!("nats-server is not installed (apt-get install nats-server)");
        };
        let child = std::process::Command::new(binary)
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start nats-server");
        crate::support::eventually_blocking(
            "nats-server to listen",
            Duration::from_secs(10),
            || std::net::TcpStream::connect(("127.0.0.1", port)).map(drop),
        );
        PrivateNats { child }
    }
}

impl Drop for PrivateNats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn events_wait_in_the_outbox_while_nats_is_down_and_drain_when_it_returns() {
    if !nats_reachable() {
        return;
    }
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let server = PrivateNats::start(port, dir.path());
    let url = format!("nats://127.0.0.1:{port}");
    let (db, _pg) = database(Kind::Sqlite).await;
    let nats = Arc::new(
        Nats::connect(nats_settings(&url, "OUTAGE", Duration::from_secs(30)))
            .await
            .unwrap(),
    );
    let bus = Bus::new(nats.clone(), db.clone());
    let sub = Subscription {
        consumer: "after-outage",
        topic: Topic::ProgressEvents,
    };
    bus.backend().subscribe(&[sub]).await.unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let relay = bus.spawn_relay(stop.clone());

    drop(server);
    eventually(
        "the client to notice",
        Duration::from_secs(10),
        async || {
            if nats.is_connected() {
                Err("connected")
            } else {
                Ok(())
            }
        },
    )
    .await;
    let event = progress("during-outage");
    bus.publish(&event)
        .await
        .expect("accepted while NATS is down");
    assert_eq!(outbox::pending(&db).await.unwrap(), 1);

    let _server = PrivateNats::start(port, dir.path());
    eventually(
        "the outbox to drain",
        Duration::from_secs(30),
        async || match outbox::pending(&db).await.unwrap() {
            0 => Ok(()),
            n => Err(n),
        },
    )
    .await;
    let got = bus
        .backend()
        .fetch(&sub, 8, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(Envelope::parse(&got[0].payload).unwrap().id, event.id);
    stop.cancel();
    relay.await.unwrap();
}

#[test]
fn nats_unreachable_at_start_up_is_an_error_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("nats://127.0.0.1:{}", free_port());
    let (ok, _, stderr) = tessera(&[
        "events",
        "status",
        "--nats-url",
        &url,
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("--nats-url") && stderr.contains(&url),
        "{stderr}"
    );
}

#[tokio::test]
async fn answers_over_http_reach_the_bus_and_an_operator_replays_dead_letters() {
    let content = crate::support::repo().join("content");
    let server = Server::start_with(
        &[plugins_dir()],
        &["--content-dir", content.to_str().unwrap()],
    )
    .await;
    let learner = server.register("student").await;
    let client = client_with_token(learner["access_token"].as_str().unwrap());
    let (status, body) = server
        .post_as(
            &client,
            "/api/v1/steps/values-and-variables.q2/quiz",
            &json!({"answers": {"value": false}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let db = Db::connect(&server.database_url, 2).await.unwrap();
    let stored: Vec<(String, String)> =
        eventually("the answer's event", Duration::from_secs(10), async || {
            let rows: Vec<(String, String)> =
                sqlx::query_as("SELECT topic, payload FROM events ORDER BY published_at")
                    .fetch_all(db.pool())
                    .await
                    .unwrap();
            if rows.is_empty() {
                Err("none yet")
            } else {
                Ok(rows)
            }
        })
        .await;
    let (topic, payload) = &stored[0];
    assert_eq!(topic, "progress.events");
    let event = Envelope::parse(payload.as_bytes()).unwrap();
    assert_eq!(event.kind, "quiz.answered");
    assert_eq!(event.payload["step_id"], "values-and-variables.q2");
    assert_eq!(event.user_id.as_deref(), learner["user_id"].as_str());

    // An operator's view of the same database: a dead letter listed, then replayed. On a
    // topic the server's own groups (the struggle detector) do not read, so only this
    // test's group dead-letters it.
    let bus = Bus::new(
        Arc::new(Embedded::new(db.clone(), Duration::from_secs(30))),
        db.clone(),
    );
    let sub = Subscription {
        consumer: "cli-check",
        topic: Topic::LearningResponses,
    };
    bus.backend().subscribe(&[sub]).await.unwrap();
    bus.backend()
        .publish(&unique("m"), Topic::LearningResponses, b"garbage")
        .await
        .unwrap();
    let recorder = Arc::new(Recorder::default());
    pump(&bus, &[(sub, recorder)], |o| {
        count(o, "cli-check", &Outcome::DeadLettered) == 1
    })
    .await;
    let db_flag = format!("--database-url={}", server.database_url);
    let (ok, out, err) = tessera(&["events", "dlq", "list", &db_flag]);
    assert!(ok, "{err}");
    assert!(
        out.contains("learning.responses") && out.contains("cli-check"),
        "{out}"
    );
    assert_eq!(
        out.lines().count(),
        2,
        "a header and one dead letter: {out}"
    );
    assert!(out.contains("does not parse"), "{out}");
    let (ok, out, err) = tessera(&["events", "dlq", "list", "--json", &db_flag]);
    assert!(ok, "{err}");
    let line: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(line["original"], "garbage");
    let id = line["id"].as_str().unwrap().to_owned();
    let (ok, out, err) = tessera(&["events", "dlq", "replay", &id, &db_flag]);
    assert!(ok, "{err}");
    assert!(out.contains(&format!("replayed {id}")), "{out}");
    let (ok, out, _) = tessera(&["events", "status", &db_flag]);
    assert!(ok);
    assert!(
        out.contains("bus: embedded") && out.contains("dead letters: 0"),
        "{out}"
    );
    let (ok, _, err) = tessera(&["events", "dlq", "replay", "no-such-id", &db_flag]);
    assert!(!ok);
    assert!(err.contains("no dead letter no-such-id"), "{err}");

    // Deleting the account removes the events about it.
    let user_id = learner["user_id"].as_str().unwrap();
    let naming = async || -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(db.pool())
            .await
            .unwrap()
    };
    assert!(naming().await > 0);
    assert_eq!(server.delete_me(&client).await, 204);
    assert_eq!(naming().await, 0);
}

#[tokio::test]
async fn pruning_keeps_unacknowledged_events_and_dead_letters() {
    let t = test_bus(Kind::Sqlite, Duration::from_secs(30), None).await;
    let quick_group = Subscription {
        consumer: "quick",
        topic: Topic::ProgressEvents,
    };
    let slow_group = Subscription {
        consumer: "slow",
        topic: Topic::CodeSubmissions,
    };
    t.bus
        .backend()
        .subscribe(&[quick_group, slow_group])
        .await
        .unwrap();
    t.bus.publish(&progress("handled")).await.unwrap();
    t.bus
        .publish(&Envelope::new(
            Topic::CodeSubmissions,
            "exercise.submitted",
            json!({"attempt_id": "8d6e2b34-5a0e-4c47-9d61-0e6f1c2a7b11", "step_id": "s",
                   "topic": "python.loops", "code": "print(1)", "passed": true, "status": "ok"}),
        ))
        .await
        .unwrap();
    t.bus
        .backend()
        .publish(&unique("m"), Topic::ProgressEvents, b"garbage")
        .await
        .unwrap();
    pump(
        &t.bus,
        &[(quick_group, Arc::new(Recorder::default()))],
        |o| {
            count(o, "quick", &Outcome::Handled) == 1
                && count(o, "quick", &Outcome::DeadLettered) == 1
        },
    )
    .await;
    let topics = async || -> Vec<String> {
        sqlx::query_scalar("SELECT topic FROM events ORDER BY topic")
            .fetch_all(t.db.pool())
            .await
            .unwrap()
    };
    assert_eq!(
        topics().await,
        [
            "code.submissions",
            "dead-letter",
            "progress.events",
            "progress.events"
        ]
    );
    // Everything is "old" with no retention: what every group acknowledged goes (the
    // handled event and the garbage the group dead-lettered); the submission the slow
    // group has not taken and the dead letter stay.
    // (Past the millisecond the last row was written in: the cutoff is strict.)
    tokio::time::sleep(Duration::from_millis(5)).await;
    let deleted = outbox::prune(&t.db, Duration::ZERO).await.unwrap();
    assert_eq!(topics().await, ["code.submissions", "dead-letter"]);
    assert_eq!(deleted, 3, "two events and one handled id");
}

#[tokio::test]
async fn a_group_removed_from_the_code_can_be_unsubscribed_and_stops_collecting_events() {
    for kind in kinds() {
        let t = test_bus(kind, Duration::from_secs(30), None).await;
        let gone = Subscription {
            consumer: "gone",
            topic: Topic::ProgressEvents,
        };
        let kept = Subscription {
            consumer: "kept",
            topic: Topic::ProgressEvents,
        };
        t.bus.backend().subscribe(&[gone, kept]).await.unwrap();
        t.bus.publish(&progress("before")).await.unwrap();
        assert!(
            t.bus
                .backend()
                .unsubscribe("gone", Topic::ProgressEvents)
                .await
                .unwrap()
        );
        assert!(
            !t.bus
                .backend()
                .unsubscribe("gone", Topic::ProgressEvents)
                .await
                .unwrap(),
            "{kind:?}: a second time there is nothing to remove"
        );
        t.bus.publish(&progress("after")).await.unwrap();
        // The kept group still gets both; the removed one kept nothing waiting.
        let got = t
            .bus
            .backend()
            .fetch(&kept, 8, Duration::from_secs(5))
            .await
            .unwrap();
        let mut got: Vec<usize> = vec![got.len()];
        if got[0] < 2 {
            got.push(
                t.bus
                    .backend()
                    .fetch(&kept, 8, Duration::from_secs(5))
                    .await
                    .unwrap()
                    .len(),
            );
        }
        assert_eq!(got.iter().sum::<usize>(), 2, "{kind:?}");
        if kind != Kind::Nats {
            let waiting: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM event_deliveries WHERE consumer = 'gone'")
                    .fetch_one(t.db.pool())
                    .await
                    .unwrap();
            assert_eq!(waiting, 0, "{kind:?}");
        }
    }
    // The same from the CLI, with a topic it does not know refused by name.
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("t.db").display());
    let db = Db::connect(&db_url, 2).await.unwrap();
    db.migrate().await.unwrap();
    Embedded::new(db.clone(), Duration::from_secs(30))
        .subscribe(&[Subscription {
            consumer: "old-group",
            topic: Topic::CodeSubmissions,
        }])
        .await
        .unwrap();
    let db_flag = format!("--database-url={db_url}");
    let (ok, out, err) = tessera(&[
        "events",
        "unsubscribe",
        "--consumer",
        "old-group",
        "--topic",
        "code.submissions",
        &db_flag,
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("unsubscribed old-group from code.submissions"),
        "{out}"
    );
    let (ok, _, err) = tessera(&[
        "events",
        "unsubscribe",
        "--consumer",
        "old-group",
        "--topic",
        "code.submission",
        &db_flag,
    ]);
    assert!(!ok);
    assert!(err.contains("`code.submission` is not a topic"), "{err}");
}
