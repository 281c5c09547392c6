//! Command-line interface (clap). Every flag also reads an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    Serve(ServeArgs),
    /// Inspect, check and try plugins.
    #[command(subcommand)]
    Plugin(PluginCommand),
}

/// Plugin subcommands.
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// List the plugins in the plugin folders and whether each loads.
    List(RuntimeArgs),
    /// Check a plugin folder (with plugin.toml), a plugin.toml, or a bare .wasm component.
    /// Exits non-zero with the reason when it would not load.
    Validate {
        /// Folder, manifest or component to check.
        path: PathBuf,
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// Call one function of a plugin with JSON input and print the JSON result.
    Call {
        /// Plugin id.
        id: String,
        /// Function of the plugin's world interface, e.g. `grade` or `kinds`.
        function: String,
        /// Input as JSON: an object keyed by parameter name (or the bare value for a
        /// one-parameter function).
        #[arg(long, default_value = "{}")]
        input: String,
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
}

/// Settings shared by every command that loads plugins.
#[derive(Debug, Clone, Args)]
pub struct RuntimeArgs {
    /// Folder of plugins (each `<dir>/<plugin>/plugin.toml`); repeat or separate with commas.
    #[arg(
        long = "plugins-dir",
        env = "TESSERA_PLUGINS_DIR",
        value_delimiter = ',',
        default_value = "plugins"
    )]
    pub plugins_dirs: Vec<PathBuf>,
    /// Folder for local data: the compiled-component cache lives in `<data-dir>/cache`.
    #[arg(long, env = "TESSERA_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Instance slots: the most plugin instances alive at once.
    #[arg(long, env = "TESSERA_MAX_INSTANCES", default_value_t = 1000)]
    pub max_instances: u32,
    /// Ceiling for any plugin's `limits.memory_mb`.
    #[arg(long, env = "TESSERA_MAX_PLUGIN_MEMORY_MB", default_value_t = 1024)]
    pub max_plugin_memory_mb: u64,
}

/// `tessera serve` settings.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TESSERA_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Refuse to start when any plugin fails to load (default: start with the healthy ones
    /// and report the broken ones in /health/ready).
    #[arg(long, env = "TESSERA_STRICT")]
    pub strict: bool,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
    #[command(flatten)]
    pub sandbox: SandboxArgs,
}

/// Limits and capacity of the code sandbox (`/api/v1/sandbox/*`).
#[derive(Debug, Clone, Args)]
pub struct SandboxArgs {
    /// Largest (and default) wall-clock deadline of one sandbox run, in ms.
    #[arg(long, env = "TESSERA_SANDBOX_MAX_TIMEOUT_MS", default_value_t = 5_000)]
    pub sandbox_max_timeout_ms: u64,
    /// Largest (and default) memory of one run for learner code, in MiB, on top of the
    /// interpreter's own baseline.
    #[arg(long, env = "TESSERA_SANDBOX_MAX_MEMORY_MB", default_value_t = 50)]
    pub sandbox_max_memory_mb: u64,
    /// Largest (and default) cap on each of a run's stdout and stderr, in bytes.
    #[arg(
        long,
        env = "TESSERA_SANDBOX_MAX_OUTPUT_BYTES",
        default_value_t = 65_536
    )]
    pub sandbox_max_output_bytes: u64,
    /// Runs executing at once (default: two per core).
    #[arg(long, env = "TESSERA_SANDBOX_WORKERS")]
    pub sandbox_workers: Option<usize>,
    /// Runs that may wait for a worker; past that, requests get 503 with Retry-After.
    #[arg(long, env = "TESSERA_SANDBOX_QUEUE", default_value_t = 64)]
    pub sandbox_queue: usize,
}

impl SandboxArgs {
    /// The sandbox settings these flags describe.
    pub fn settings(&self) -> crate::sandbox::SandboxSettings {
        crate::sandbox::SandboxSettings {
            max_timeout_ms: self.sandbox_max_timeout_ms,
            max_memory_mb: self.sandbox_max_memory_mb,
            max_output_bytes: self.sandbox_max_output_bytes,
            workers: self
                .sandbox_workers
                .unwrap_or_else(crate::sandbox::default_workers),
            queue: self.sandbox_queue,
        }
    }
}
