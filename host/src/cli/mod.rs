//! The `tessera` command (clap): the root of the flags and the dispatch to one module per
//! subcommand, each holding its flags and its handler. Every flag also reads an environment
//! variable, and `tessera.toml` supplies the rest ([`config`]).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod config;
pub mod content;
pub mod edge;
pub mod events;
pub mod experiments;
pub mod kalei;
pub mod keys;
pub mod migrate;
pub mod notify;
pub mod plugin;
pub mod safety;
pub mod scaffold;
pub mod serve;
pub mod service_token;
pub mod shared;
pub mod user;

/// Tessera: a host for sandboxed WebAssembly learning capabilities.
#[derive(Debug, Parser)]
#[command(name = "tessera", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API with every plugin in the plugin folders.
    Serve(Box<serve::ServeArgs>),
    /// Inspect, check and try plugins.
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
    /// Apply pending database migrations (also done by `serve` at start-up).
    Migrate(migrate::MigrateArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Import and list learning content packs.
    #[command(subcommand)]
    Content(content::ContentCommand),
    /// Issue (`--name …`), list or revoke service tokens (role `service`) for other systems
    /// calling `/_internal/*`. Issuing prints the token, signed with the same key as
    /// `serve` uses and recorded in the database so it can be revoked.
    ServiceToken(service_token::ServiceTokenArgs),
    /// Train and evaluate the safety gate's semantic stage.
    #[command(subcommand)]
    Safety(safety::SafetyCommand),
    /// The event bus: the outbox and the dead letters (`events dlq list|replay`).
    #[command(subcommand)]
    Events(events::EventsCommand),
    /// Seed 004's personas: `personas recompute` clusters every active learner now.
    #[command(subcommand)]
    Personas(experiments::PersonasCommand),
    /// The edge application (spin.toml): `edge serve` serves it as Spin would.
    #[command(subcommand)]
    Edge(edge::EdgeCommand),
    /// The keys sealing what users write: `keys generate`, `keys rotate`.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
}

/// Exit status of a command that ran: success, or a reported failure.
pub struct Outcome(pub bool);

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> Self {
        if o.0 { Self::SUCCESS } else { Self::FAILURE }
    }
}

impl From<()> for Outcome {
    fn from(_: ()) -> Self {
        Outcome(true)
    }
}

/// The whole command line: reads `tessera.toml` into the flags, parses them, sets up logs
/// and traces, and runs the subcommand. Returns the process's exit status; an error is
/// printed to stderr.
pub async fn run() -> ExitCode {
    let args = match config::args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!("error: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    let cli = Cli::parse_from(args);
    let json = std::env::var("TESSERA_LOG_FORMAT").is_ok_and(|f| f == "json");
    let otlp = match &cli.command {
        Command::Serve(args) => args.otlp_endpoint.clone(),
        _ => None,
    };
    // Kept to the end of `run`: dropping it flushes the last trace spans.
    let _telemetry = match crate::telemetry::init(json, otlp.as_deref()) {
        Ok(t) => t,
        Err(error) => {
            eprintln!("error: cannot set up logging and traces: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    let result: anyhow::Result<Outcome> = match cli.command {
        Command::Serve(args) => serve::serve(*args).await.map(Into::into),
        Command::Plugin(cmd) => plugin::run(cmd).await,
        Command::Migrate(args) => migrate::run(&args).await,
        Command::User(cmd) => user::run(cmd).await,
        Command::Content(cmd) => content::run(cmd).await,
        Command::ServiceToken(args) => service_token::run(args).await,
        Command::Safety(cmd) => safety::run(cmd).await,
        Command::Events(cmd) => events::run(cmd).await,
        Command::Personas(cmd) => experiments::run(cmd).await,
        Command::Edge(cmd) => edge::run(cmd).await,
        Command::Keys(cmd) => keys::run(cmd).await,
    };
    match result {
        Ok(outcome) => outcome.into(),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
