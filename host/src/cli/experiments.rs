//! Seed 004's settings for `serve` (`ExperimentArgs`), and `tessera personas recompute`.

use std::path::Path;

use clap::{Args, Subcommand};

use super::Outcome;
use super::shared::DataArgs;
use crate::experiments::ExperimentSettings;

/// Tutorials, experiments and surveys (docs/experiments.md).
#[derive(Debug, Clone, Args)]
pub struct ExperimentArgs {
    /// Seconds a served tutorial config stays fresh (its `expires` and `Cache-Control`).
    #[arg(long, env = "TESSERA_TUTORIAL_CONFIG_TTL_SECS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub tutorial_config_ttl_secs: u64,
    /// Keys sealing survey comments (AES-256-GCM): `id:hex,id:hex,…`, 32-byte keys; the
    /// first seals new comments, every one opens old ones (rotate by putting a new key
    /// first). Default: one key generated once in <data-dir>/survey.key; replicas sharing
    /// a database must share the keys.
    #[arg(long, env = "TESSERA_SURVEY_KEYS", hide_env_values = true)]
    pub survey_keys: Option<String>,
    /// Hour (UTC) of the nightly persona clustering; exactly one replica runs it.
    #[arg(long, env = "TESSERA_PERSONA_HOUR", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(0..=23))]
    pub persona_hour: u32,
}

impl ExperimentArgs {
    /// The settings, the survey keys read or generated in `data_dir`.
    pub fn settings(&self, data_dir: &Path) -> anyhow::Result<ExperimentSettings> {
        let survey_keys = super::shared::sealing_keys(
            self.survey_keys.as_deref(),
            "TESSERA_SURVEY_KEYS",
            data_dir,
            "survey.key",
            "survey comment key",
        )?;
        Ok(ExperimentSettings {
            config_ttl: std::time::Duration::from_secs(self.tutorial_config_ttl_secs),
            survey_keys,
        })
    }
}

/// `tessera personas …`.
#[derive(Debug, Subcommand)]
pub enum PersonasCommand {
    /// Cluster every active learner now (what the nightly job does) and print the counts.
    Recompute(DataArgs),
}

/// Runs a `personas` subcommand.
pub async fn run(cmd: PersonasCommand) -> anyhow::Result<Outcome> {
    match cmd {
        PersonasCommand::Recompute(args) => {
            let db = super::shared::database(&args.db, &args.data_dir).await?;
            let summary = crate::experiments::personas::recompute(&db).await?;
            println!(
                "{} learner(s) clustered ({}; vectors stored as {})",
                summary.users, summary.method, summary.vector_column
            );
            for (persona, n) in &summary.personas {
                println!("  {persona:<16} {n}");
            }
            Ok(Outcome(true))
        }
    }
}
