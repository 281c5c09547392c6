//! The `tessera` binary: the command line lives in [`tessera::cli`].

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    tessera::cli::run().await
}
