//! `tessera content import | list`: learning content packs (docs/content.md).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;

use super::Outcome;
use super::shared::{DataArgs, database};
use crate::store::content::Imported;

/// Content subcommands.
#[derive(Debug, Subcommand)]
pub enum ContentCommand {
    /// Checks and imports content packs: a pack folder (holding `pack.json`) or a folder
    /// of them. All or nothing per pack; an unchanged pack is left as it is.
    Import {
        /// Pack folders, or folders of packs.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Check only; store nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Lists the imported packs.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
}

/// `tessera content import|list`.
pub async fn run(cmd: ContentCommand) -> anyhow::Result<Outcome> {
    match cmd {
        ContentCommand::Import {
            dirs,
            dry_run,
            data,
        } => {
            let db = database(&data.db, &data.data_dir).await?;
            let mut ok = true;
            for root in dirs {
                let packs = crate::content::pack_dirs(&root)
                    .with_context(|| format!("cannot read {}", root.display()))?;
                if packs.is_empty() {
                    bail!(
                        "{}: no pack.json here or in its sub-folders",
                        root.display()
                    );
                }
                for dir in packs {
                    let report = crate::content::import(&db, &dir, dry_run).await;
                    let name = report
                        .pack
                        .as_ref()
                        .map_or_else(|| dir.display().to_string(), |(id, v)| format!("{id} {v}"));
                    match report.outcome {
                        Ok(outcome) => println!(
                            "{name}: {} ({} lessons, {} steps)",
                            match (dry_run, outcome) {
                                (true, _) => "valid",
                                (false, Imported::New) => "imported",
                                (false, Imported::Updated) => "updated",
                                (false, Imported::Unchanged) => "unchanged",
                            },
                            report.size.0,
                            report.size.1
                        ),
                        Err(e) => {
                            ok = false;
                            eprintln!("{}: not imported: {e}", dir.display());
                        }
                    }
                }
            }
            Ok(Outcome(ok))
        }
        ContentCommand::List { data } => {
            let db = database(&data.db, &data.data_dir).await?;
            let packs = db.content_packs().await?;
            if packs.is_empty() {
                println!("no content packs imported");
            }
            for p in packs {
                println!(
                    "{} {} \"{}\": {} lessons, {} steps, imported {}",
                    p.id, p.version, p.title, p.lessons, p.steps, p.imported_at
                );
            }
            Ok(Outcome(true))
        }
    }
}
