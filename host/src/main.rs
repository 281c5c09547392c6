//! The `tessera` binary: the command line lives in [`tessera::cli`].

// The whole command line is one future: its type nests every command's, past the default
// depth (128) the compiler walks when laying it out.
#![recursion_limit = "256"]

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Each worker takes from the runtime's shared queue before its own on every task
    // (tokio's default: every few dozen). Under thousands of ready connections a worker's
    // own queue holds a few hundred of them and the rest spill into the shared one, so by
    // default those few hundred were served again and again while the others waited:
    // `bench learning`'s static file at 10 000 connections p99 750-970 ms with the default
    // against 275-340 ms with this (mean ~240 ms either way), and the paced lesson starts'
    // p99 3.6-77 ms against 3.4-5.4 ms (docs/benchmarks.md, issue 21).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .global_queue_interval(1)
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(tessera::cli::run()),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}
