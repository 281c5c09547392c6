//! `tessera events`: the event bus seen by an operator: what waits in the outbox, the dead
//! letters (`dlq list`, `dlq replay <id>|--all`), and forgetting a group that is gone
//! (`unsubscribe`). It talks to the bus `serve` uses:
//! the same database and, with `--nats-url`, the same JetStream stream.

use anyhow::Context;
use clap::{Args, Subcommand};

use super::Outcome;
use super::shared::{DataArgs, EventsArgs, bus, database};
use crate::events::{Topic, outbox};

/// `tessera events` subcommands.
#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// The bus in use, the events waiting in the outbox, and how many dead letters there are.
    Status(Target),
    /// Dead letters: events a consumer gave up on, with the reason.
    #[command(subcommand)]
    Dlq(DlqCommand),
    /// Forgets a consumer group's subscription to a topic and the events waiting for it:
    /// for a group no longer in the code (`serve` subscribes its own groups again at start).
    Unsubscribe {
        /// The consumer group, e.g. `struggle-detector`.
        #[arg(long)]
        consumer: String,
        /// The topic, e.g. `progress.events`.
        #[arg(long, value_parser = parse_topic)]
        topic: Topic,
        #[command(flatten)]
        target: Target,
    },
}

fn parse_topic(name: &str) -> Result<Topic, String> {
    Topic::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Topic::ALL.iter().map(|t| t.as_str()).collect();
        format!("`{name}` is not a topic ({})", names.join(", "))
    })
}

/// Dead-letter subcommands.
#[derive(Debug, Subcommand)]
pub enum DlqCommand {
    /// Lists dead letters, oldest first: id, topic, consumer, attempts, when, reason.
    List {
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// One JSON object per line (with the original message) instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        target: Target,
    },
    /// Publishes a dead letter's original message again on its topic and removes the
    /// dead letter. Consumers that handled its event already skip it.
    Replay {
        /// The dead letter's id, as `list` shows it.
        #[arg(required_unless_present = "all")]
        id: Option<String>,
        /// Every dead letter.
        #[arg(long, conflicts_with = "id")]
        all: bool,
        #[command(flatten)]
        target: Target,
    },
}

/// Which bus: the database and, with `--nats-url`, NATS.
#[derive(Debug, Args)]
pub struct Target {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    events: EventsArgs,
}

async fn open(target: &Target) -> anyhow::Result<crate::events::Bus> {
    let db = database(&target.data.db, &target.data.data_dir).await?;
    bus(&target.events, &db).await
}

/// Runs `tessera events …`.
pub async fn run(command: EventsCommand) -> anyhow::Result<Outcome> {
    match command {
        EventsCommand::Status(target) => {
            let bus = open(&target).await?;
            let waiting = outbox::pending(bus.db()).await?;
            let dead = bus.dead_letters(usize::MAX).await?.len();
            println!("bus: {}", bus.backend().name());
            println!("outbox: {waiting} event(s) waiting to be published");
            println!("dead letters: {dead}");
            Ok(Outcome(true))
        }
        EventsCommand::Unsubscribe {
            consumer,
            topic,
            target,
        } => {
            let bus = open(&target).await?;
            if bus.backend().unsubscribe(&consumer, topic).await? {
                println!("unsubscribed {consumer} from {topic}");
                Ok(Outcome(true))
            } else {
                println!("{consumer} was not subscribed to {topic}");
                Ok(Outcome(false))
            }
        }
        EventsCommand::Dlq(DlqCommand::List {
            limit,
            json,
            target,
        }) => {
            let bus = open(&target).await?;
            let letters = bus.dead_letters(limit).await?;
            if json {
                for d in &letters {
                    let line = serde_json::json!({
                        "id": d.message_id,
                        "dead_at": d.envelope.occurred_at,
                        "topic": d.letter.topic,
                        "consumer": d.letter.consumer,
                        "attempts": d.letter.attempts,
                        "reason": d.letter.reason,
                        "original": d.letter.original,
                    });
                    println!("{line}");
                }
            } else if letters.is_empty() {
                println!("no dead letters");
            } else {
                println!(
                    "{:<36}  {:<18}  {:<20}  {:>8}  {:<24}  reason",
                    "id", "topic", "consumer", "attempts", "dead at"
                );
                for d in &letters {
                    println!(
                        "{:<36}  {:<18}  {:<20}  {:>8}  {:<24}  {}",
                        d.message_id,
                        d.letter.topic,
                        d.letter.consumer,
                        d.letter.attempts,
                        d.envelope.occurred_at,
                        d.letter.reason
                    );
                }
            }
            Ok(Outcome(true))
        }
        EventsCommand::Dlq(DlqCommand::Replay { id, all, target }) => {
            let bus = open(&target).await?;
            let ids: Vec<String> = if all {
                bus.dead_letters(usize::MAX)
                    .await?
                    .into_iter()
                    .map(|d| d.message_id)
                    .collect()
            } else {
                id.into_iter().collect()
            };
            for id in &ids {
                let letter = bus
                    .replay(id)
                    .await
                    .with_context(|| format!("cannot replay dead letter {id}"))?;
                println!("replayed {id} on {} (was: {})", letter.topic, letter.reason);
            }
            if ids.is_empty() {
                println!("no dead letters");
            }
            Ok(Outcome(true))
        }
    }
}
