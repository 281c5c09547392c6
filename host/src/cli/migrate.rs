//! `tessera migrate [--dry-run]`: the database's pending migrations.

use anyhow::Context;
use clap::Args;

use super::Outcome;
use super::shared::DataArgs;
use crate::store::Db;

/// `tessera migrate` settings.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// List the pending migrations without applying them.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub data: DataArgs,
}

/// `tessera migrate [--dry-run]`.
pub async fn run(args: &MigrateArgs) -> anyhow::Result<Outcome> {
    let MigrateArgs { dry_run, data } = args;
    let url = data.db.url(&data.data_dir);
    let db = Db::connect(&url, 2)
        .await
        .context("cannot open the database")?;
    let pending = db.pending_migrations().await?;
    if *dry_run {
        if pending.is_empty() {
            println!("no pending migrations");
        }
        for m in &pending {
            println!("pending {} {}", m.version, m.description);
        }
        return Ok(Outcome(true));
    }
    let applied = db.migrate().await?;
    if applied.is_empty() {
        println!("no pending migrations");
    }
    for m in &applied {
        println!("applied {} {}", m.version, m.description);
    }
    Ok(Outcome(true))
}
