//! Event bus figures (docs/events.md): publish → handled by a consumer group, p50/p99, on
//! the embedded bus (SQLite, Postgres) and NATS JetStream; events staged with a write
//! (outbox → relay → bus → consumer); and throughput with 32 publishers.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tessera::events::consumer::{self, ConsumerSettings, Handler};
use tessera::events::embedded::Embedded;
use tessera::events::nats::{Nats, NatsSettings};
use tessera::events::{Backend, Bus, Envelope, Subscription, Topic, outbox};
use tessera::store::Db;
use tokio::sync::mpsc;

use super::{fresh_postgres, micros, percentile};

/// Tells the bench when each event id was handled.
struct Timed(mpsc::UnboundedSender<(String, Instant)>);

#[async_trait::async_trait]
impl Handler for Timed {
    async fn handle(&self, event: &Envelope) -> Result<(), String> {
        let _ = self.0.send((event.id.clone(), Instant::now()));
        Ok(())
    }
}

fn event(i: usize) -> Envelope {
    Envelope::new(
        Topic::ProgressEvents,
        "quiz.answered",
        serde_json::json!({"step_id": format!("bench.q{i}"), "topic": "python.loops",
                           "correct": true, "score": 1.0, "xp": 10}),
    )
    .for_user("8d6e2b34-5a0e-4c47-9d61-0e6f1c2a7b10")
}

async fn database(url: &str) -> Db {
    let db = Db::connect(url, 16).await.expect("connect");
    db.migrate().await.expect("migrate");
    db
}

pub async fn events(data: &Path) {
    println!("\nevent bus: publish -> handled by a consumer group (one at a time, 1000 events):");
    let mut targets: Vec<(&str, Db, Option<String>)> = Vec::new();
    let sqlite = data.join(format!("events-{}.db", uuid::Uuid::new_v4().simple()));
    targets.push((
        "embedded, SQLite",
        database(&format!("sqlite://{}", sqlite.display())).await,
        None,
    ));
    if fresh_postgres("tessera_bench_events") {
        targets.push((
            "embedded, Postgres",
            database("postgres://postgres@127.0.0.1:5432/tessera_bench_events").await,
            None,
        ));
    } else {
        println!("  (Postgres not reachable: skipped)");
    }
    if std::net::TcpStream::connect("127.0.0.1:4222").is_ok() {
        let db = database(&format!(
            "sqlite://{}",
            data.join(format!("events-nats-{}.db", uuid::Uuid::new_v4().simple()))
                .display()
        ))
        .await;
        targets.push(("NATS JetStream", db, Some("nats://127.0.0.1:4222".into())));
    } else {
        println!("  (NATS not reachable on 127.0.0.1:4222: skipped)");
    }
    for (name, db, nats) in targets {
        let backend: Arc<dyn Backend> = match &nats {
            Some(url) => {
                let mut settings = NatsSettings::new(url);
                settings.stream = format!("BENCH_{}", uuid::Uuid::new_v4().simple());
                settings.max_age = Duration::from_secs(600);
                Arc::new(Nats::connect(settings).await.expect("NATS"))
            }
            None => Arc::new(Embedded::new(db.clone(), Duration::from_secs(30))),
        };
        let bus = Bus::new(backend, db.clone());
        one_backend(name, &bus).await;
    }
}

async fn one_backend(name: &str, bus: &Bus) {
    let sub = Subscription {
        consumer: "bench",
        topic: Topic::ProgressEvents,
    };
    bus.backend().subscribe(&[sub]).await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let stop = tokio_util::sync::CancellationToken::new();
    let settings = ConsumerSettings {
        wait: Duration::from_secs(1),
        batch: 64,
        ..ConsumerSettings::default()
    };
    let consumer = tokio::spawn(consumer::run(
        bus.clone(),
        sub,
        Arc::new(Timed(tx)),
        settings,
        stop.clone(),
    ));
    let relay = bus.spawn_relay(stop.clone());

    // Warm-up.
    for i in 0..50 {
        bus.publish(&event(i)).await.unwrap();
        rx.recv().await.unwrap();
    }
    // Direct publish, one event in flight.
    let mut samples = Vec::with_capacity(1000);
    for i in 0..1000 {
        let e = event(i);
        let t = Instant::now();
        bus.publish(&e).await.unwrap();
        let (id, at) = rx.recv().await.unwrap();
        assert_eq!(id, e.id);
        samples.push(at - t);
    }
    samples.sort();
    println!(
        "  {name}: published -> handled p50 {}  p99 {}",
        micros(percentile(&samples, 0.5)),
        micros(percentile(&samples, 0.99))
    );
    // Staged with a write, as the learning core does: commit, then the relay publishes.
    let mut samples = Vec::with_capacity(300);
    for i in 0..300 {
        let e = event(i);
        let t = Instant::now();
        {
            let _turn = bus.db().write_turn().await;
            let mut tx = bus.db().begin_write().await.unwrap();
            outbox::stage(&mut tx, std::slice::from_ref(&e))
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        bus.outbox_written();
        let (id, at) = rx.recv().await.unwrap();
        assert_eq!(id, e.id);
        samples.push(at - t);
    }
    samples.sort();
    println!(
        "  {name}: staged with a write (outbox) -> handled p50 {}  p99 {}",
        micros(percentile(&samples, 0.5)),
        micros(percentile(&samples, 0.99))
    );
    // Throughput: 32 publishers, 4000 events.
    let n = 4000;
    let started = Instant::now();
    let mut publishers = Vec::new();
    for p in 0..32 {
        let bus = bus.clone();
        publishers.push(tokio::spawn(async move {
            for i in (p..n).step_by(32) {
                bus.publish(&event(i)).await.unwrap();
            }
        }));
    }
    let mut handled: HashMap<String, ()> = HashMap::new();
    while handled.len() < n {
        let (id, _) = rx.recv().await.unwrap();
        handled.insert(id, ());
    }
    let elapsed = started.elapsed();
    for p in publishers {
        p.await.unwrap();
    }
    println!(
        "  {name}: {n} events from 32 publishers handled in {:.2} s: {:.0} events/s",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64()
    );
    stop.cancel();
    let _ = consumer.await;
    let _ = relay.await;
}
