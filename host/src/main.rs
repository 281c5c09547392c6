//! The `tessera` binary.

use std::process::ExitCode;

use clap::Parser;
use tessera::cli::{Cli, Command};
use tessera::plugin_cli::Outcome;

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,wasmtime=warn,cranelift=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("TESSERA_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.compact().init();
    }
}

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
    init_logging();
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
