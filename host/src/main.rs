//! The `tessera` binary: the command line lives in [`tessera::cli`].

// The whole command line is one future: its type nests every command's, past the default
// depth (128) the compiler walks when laying it out.
#![recursion_limit = "256"]

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tessera::cli::run().await
}
