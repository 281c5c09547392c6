//! The `tessera` binary.

use std::process::ExitCode;

use clap::Parser;
use tessera::cli::{Cli, Command};
use tessera::plugin_cli::Outcome;

#[tokio::main]
async fn main() -> ExitCode {
    let args = match tessera::config_file::args() {
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
        Command::Serve(args) => tessera::serve::serve(*args).await.map(Into::into),
        Command::Plugin(cmd) => tessera::plugin_cli::run(cmd).await,
        Command::Migrate { dry_run, data } => tessera::user_cli::migrate(&data, dry_run).await,
        Command::User(cmd) => tessera::user_cli::run(cmd).await,
        Command::Content(cmd) => tessera::user_cli::content(cmd).await,
        Command::ServiceToken(args) => tessera::user_cli::service_token(args).await,
    };
    match result {
        Ok(outcome) => outcome.into(),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
