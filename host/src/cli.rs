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
}
