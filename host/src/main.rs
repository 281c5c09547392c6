//! The `tessera` binary.

use std::process::ExitCode;

use clap::Parser;
use tessera::cli::plugin::Outcome;
use tessera::cli::{Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let args = match tessera::cli::config::args() {
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
    // Kept to the end of `main`: dropping it flushes the last trace spans.
    let _telemetry = match tessera::telemetry::init(json, otlp.as_deref()) {
        Ok(t) => t,
        Err(error) => {
            eprintln!("error: cannot set up logging and traces: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    let result: anyhow::Result<Outcome> = match cli.command {
        Command::Serve(args) => tessera::cli::serve::serve(*args).await.map(Into::into),
        Command::Plugin(cmd) => tessera::cli::plugin::run(cmd).await,
        Command::Migrate { dry_run, data } => tessera::cli::user::migrate(&data, dry_run).await,
        Command::User(cmd) => tessera::cli::user::run(cmd).await,
        Command::Content(cmd) => tessera::cli::user::content(cmd).await,
        Command::ServiceToken(args) => tessera::cli::user::service_token(args).await,
    };
    match result {
        Ok(outcome) => outcome.into(),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
