//! Typed errors of plugin calls. Every way a plugin can misbehave ends here, named with the
//! plugin's id and version, so the host can answer the client and keep serving.

use std::fmt;

/// Which plugin (and which version of it) an error came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginRef {
    /// The plugin's id from its manifest.
    pub id: String,
    /// The plugin's version from its manifest.
    pub version: String,
}

impl fmt::Display for PluginRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.id, self.version)
    }
}

/// A plugin call that did not produce a usable result.
#[derive(Debug, thiserror::Error)]
#[error("plugin {plugin}: {kind}")]
pub struct PluginError {
    /// The plugin that failed.
    pub plugin: PluginRef,
    /// How it failed.
    pub kind: PluginErrorKind,
}

/// How a plugin call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PluginErrorKind {
    /// The call ran past the plugin's `limits.timeout_ms`.
    #[error("timed out after {timeout_ms} ms")]
    Timeout {
        /// The deadline that was exceeded.
        timeout_ms: u64,
    },
    /// The plugin tried to grow its memory past `limits.memory_mb`.
    #[error("exceeded its memory limit of {memory_mb} MiB")]
    MemoryLimit {
        /// The limit that was hit.
        memory_mb: u64,
    },
    /// The plugin overflowed its WebAssembly stack (for example unbounded recursion).
    #[error("overflowed its stack")]
    StackOverflow,
    /// The plugin used up `limits.fuel`.
    #[error("ran out of fuel ({fuel} units)")]
    FuelExhausted {
        /// The fuel the call was given.
        fuel: u64,
    },
    /// The plugin trapped (panic, abort, unreachable, bad memory access …).
    #[error("trapped: {message}")]
    Trap {
        /// The trap and, when the plugin printed one, its panic message.
        message: String,
    },
    /// The plugin's result or its stdout/stderr exceeded `limits.max_output_bytes`.
    #[error("produced {actual} bytes of output, more than its limit of {limit}")]
    OutputTooLarge {
        /// The limit from the manifest.
        limit: u64,
        /// What the plugin produced (at least; writing stops at the limit).
        actual: u64,
    },
    /// The plugin called `exit` (e.g. Rust's `std::process::exit`, Python's `os._exit`).
    #[error("exited with code {code}")]
    Exited {
        /// The exit code.
        code: i32,
    },
    /// The plugin returned something the contract does not allow.
    #[error("returned an invalid result: {0}")]
    BadOutput(String),
    /// Every instance slot is busy; the caller may retry shortly.
    #[error("no instance slot is free (all busy); retry shortly")]
    Busy,
    /// The instance could not be created.
    #[error("could not be instantiated: {0}")]
    Instantiate(String),
    /// The plugin does not export the function asked for.
    #[error("has no function `{0}`")]
    NoSuchFunction(String),
    /// The input given to a dynamic call does not fit the function's parameters.
    #[error("input does not fit: {0}")]
    BadInput(String),
}

impl PluginErrorKind {
    /// A stable, snake_case label for metrics and error bodies.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Timeout { .. } => "timeout",
            Self::MemoryLimit { .. } => "memory_limit",
            Self::StackOverflow => "stack_overflow",
            Self::FuelExhausted { .. } => "fuel_exhausted",
            Self::Trap { .. } => "trap",
            Self::OutputTooLarge { .. } => "output_too_large",
            Self::Exited { .. } => "exited",
            Self::BadOutput(_) => "bad_output",
            Self::Busy => "busy",
            Self::Instantiate(_) => "instantiate",
            Self::NoSuchFunction(_) => "no_such_function",
            Self::BadInput(_) => "bad_input",
        }
    }
}
