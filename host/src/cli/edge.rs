//! `tessera edge …`: the edge application (`spin.toml`; docs/edge.md).
//!
//! `tessera edge serve` serves the manifest as `spin up` would: each HTTP route to its
//! component, with the component's variables, key-value stores and outbound allow-list.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::edge::{EdgeApp, EdgeSettings, server, variables};

/// `tessera edge` subcommands.
#[derive(Debug, Subcommand)]
pub enum EdgeCommand {
    /// Serve spin.toml's HTTP routes as Spin would (for machines without the Spin CLI, and
    /// for tests): variables from --variable, then SPIN_VARIABLE_<NAME>, then defaults.
    Serve(ServeArgs),
    /// Print the edge's variables the origin derives (docs/deploy.md): `badge_key`, the
    /// key badge links are signed with, from this origin's token secret. The other secrets
    /// (`origin_token`: `tessera service-token`; `edge_secret`: any random text, also given
    /// to `tessera serve --edge-secret`) are the operator's to make.
    Variables(VariablesArgs),
}

/// `tessera edge variables` flags: the origin's token secret, as `tessera serve` takes it.
#[derive(Debug, Clone, Args)]
pub struct VariablesArgs {
    #[command(flatten)]
    pub jwt: super::shared::JwtArgs,
    /// The origin's data folder (where a generated token secret is kept when
    /// `--jwt-secret` is not given).
    #[arg(long, env = "TESSERA_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
}

/// `tessera edge serve` flags.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// The Spin manifest (version 2); component sources are relative to its folder.
    #[arg(long, env = "TESSERA_EDGE_MANIFEST", default_value = "spin.toml")]
    pub manifest: PathBuf,
    /// The address to listen on (`spin up`'s default).
    #[arg(long, env = "TESSERA_EDGE_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// An application variable, as `spin up --variable` takes it: NAME=VALUE,
    /// NAME=@file (the file's text), or @file.json / @file.toml (several). Repeatable;
    /// the last value for a name wins. Beats SPIN_VARIABLE_<NAME> and the default.
    #[arg(long = "variable", value_name = "NAME=VALUE")]
    pub variables: Vec<String>,
    /// Folder for local data: compiled components are cached in `<data-dir>/cache`, so a
    /// restart does not compile again.
    #[arg(long, env = "TESSERA_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Instance slots: the most requests inside components at once (more wait).
    #[arg(long, env = "TESSERA_EDGE_MAX_INSTANCES", default_value_t = 1000,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_instances: u32,
    /// What the in-process key-value stores may hold together, in MiB.
    #[arg(long, env = "TESSERA_EDGE_KV_MEMORY_MB", default_value_t = 256,
          value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub kv_memory_mb: u64,
}

/// Runs an edge subcommand.
pub async fn run(command: EdgeCommand) -> anyhow::Result<super::Outcome> {
    match command {
        EdgeCommand::Serve(args) => serve(args).await.map(Into::into),
        EdgeCommand::Variables(args) => {
            let keys = super::shared::token_keys(&args.jwt, &args.data_dir)?;
            // One NAME=VALUE per line: what `spin deploy --variable` takes.
            println!("badge_key={}", hex::encode(keys.badge_key()));
            Ok(super::Outcome(true))
        }
    }
}

/// `tessera edge serve`: loads everything, then serves until SIGINT/SIGTERM.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut cli_variables = BTreeMap::new();
    for flag in &args.variables {
        cli_variables.extend(variables::parse_flag(flag)?);
    }
    super::shared::private_dir(&args.data_dir)?;
    let settings = EdgeSettings {
        manifest: args.manifest.clone(),
        variables: cli_variables,
        cache_dir: args.data_dir.join("cache"),
        max_instances: args.max_instances,
        kv_memory_bytes: args.kv_memory_mb << 20,
    };
    let app = EdgeApp::load(&settings)
        .await
        .with_context(|| format!("cannot serve {}", args.manifest.display()))?;
    let listener = super::shared::listen(args.listen)?;
    let addr = listener.local_addr()?;
    for (route, component) in app.routes() {
        tracing::info!(%route, %component, "edge route");
    }
    let (components, routes) = (app.component_count(), app.route_count());
    tracing::info!(
        %addr,
        app = app.name(),
        components,
        routes,
        ready_ms = started.elapsed().as_millis() as u64,
        "edge listening on http://{addr} ({components} components, {routes} routes)"
    );
    server::serve(Arc::new(app), listener, super::serve::shutdown_signal()).await;
    Ok(())
}
