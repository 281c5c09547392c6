//! `tessera keys`: the sealing keys of what users write (docs/kalei.md, "Sealed columns").

use anyhow::Context;
use clap::{Args, Subcommand};

use super::Outcome;
use super::shared::DataArgs;
use crate::store::sealing::{COLUMN_KEY_COLUMNS, SURVEY_KEY_COLUMNS, SealedColumn, SealingKeys};

/// `tessera keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Print a new random key as `id:hex`, to put first in TESSERA_COLUMN_KEYS or
    /// TESSERA_SURVEY_KEYS.
    Generate,
    /// Re-seal every value sealed with an older key under the current (first) key, in
    /// batches, with progress; afterwards the old keys can be removed from the list.
    Rotate(Box<RotateArgs>),
}

/// `tessera keys rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub kalei: super::kalei::KaleiArgs,
    /// The survey comment keys (as `serve --survey-keys`).
    #[arg(long, env = "TESSERA_SURVEY_KEYS", hide_env_values = true)]
    pub survey_keys: Option<String>,
    /// Rows re-sealed per transaction.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(i64).range(1..=100_000))]
    pub batch: i64,
    /// Only count what would be re-sealed.
    #[arg(long)]
    pub dry_run: bool,
}

/// Runs a `keys` subcommand.
pub async fn run(cmd: KeysCommand) -> anyhow::Result<Outcome> {
    match cmd {
        KeysCommand::Generate => {
            let key: [u8; 32] = rand::random();
            let id = chrono::Utc::now().format("k%Y%m%d%H%M%S");
            println!("{id}:{}", hex::encode(key));
            Ok(Outcome(true))
        }
        KeysCommand::Rotate(args) => rotate(*args).await,
    }
}

async fn rotate(args: RotateArgs) -> anyhow::Result<Outcome> {
    let data_dir = &args.data.data_dir;
    let db = super::shared::database(&args.data.db, data_dir).await?;
    let column_keys = args.kalei.column_keys(data_dir)?;
    let survey_keys = super::shared::sealing_keys(
        args.survey_keys.as_deref(),
        "TESSERA_SURVEY_KEYS",
        data_dir,
        "survey.key",
        "survey comment key",
    )?;
    let plan: Vec<(SealedColumn, &SealingKeys)> = COLUMN_KEY_COLUMNS
        .iter()
        .map(|c| (*c, &column_keys))
        .chain(SURVEY_KEY_COLUMNS.iter().map(|c| (*c, &survey_keys)))
        .collect();
    let mut total = 0;
    for (column, keys) in &plan {
        total += db.stale_sealed(*column, keys).await?;
    }
    println!(
        "{total} value(s) sealed with an older key (column keys: current `{}`; survey keys: current `{}`)",
        column_keys.current_id(),
        survey_keys.current_id()
    );
    if args.dry_run || total == 0 {
        return Ok(Outcome(true));
    }
    let bar = indicatif::ProgressBar::new(u64::try_from(total).unwrap_or(0));
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} re-sealed ({per_sec}, {eta} left) {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    for (column, keys) in &plan {
        bar.set_message(format!("{}.{}", column.table, column.sealed));
        loop {
            let done = db
                .reseal_batch(*column, keys, args.batch)
                .await
                .with_context(|| format!("re-sealing {}.{}", column.table, column.sealed))?;
            if done == 0 {
                break;
            }
            bar.inc(done);
        }
    }
    bar.finish_with_message("done");
    let mut left = 0;
    for (column, keys) in &plan {
        left += db.stale_sealed(*column, keys).await?;
    }
    println!("{left} value(s) left under an older key");
    Ok(Outcome(left == 0))
}
