//! Learning content: packs of tracks > courses > modules > lessons > steps, read from
//! folders (`pack`) and stored in the database (`store::content`). `tessera content import`
//! and `tessera serve` (every pack under `--content-dir` at start-up) use [`import`]; an
//! import is all or nothing and idempotent (an unchanged pack is not written again).

pub mod pack;
pub mod spec;

use std::path::{Path, PathBuf};

use crate::store::content::{Clash, Imported};
use crate::store::{Db, StoreError};

/// Why a pack was not imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The pack's files have problems; nothing was stored.
    #[error("{} problem(s):\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<pack::PackProblem>),
    /// Ids the pack uses belong to other packs; nothing was stored.
    #[error("ids owned by other packs:\n{}", .0.iter().map(|c| format!("  {} `{}` belongs to pack `{}`", c.what, c.id, c.owner)).collect::<Vec<_>>().join("\n"))]
    Clashes(Vec<Clash>),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One pack's import.
#[derive(Debug)]
pub struct Report {
    /// The pack folder.
    pub dir: PathBuf,
    /// Pack id and version, when the pack could be read.
    pub pack: Option<(String, String)>,
    /// Lessons and steps in the pack.
    pub size: (usize, usize),
    /// What happened.
    pub outcome: Result<Imported, ImportError>,
}

/// The pack folders at `root`: itself when it holds a `pack.json`, else its
/// sub-folders that do, in name order.
pub fn pack_dirs(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    if root.join("pack.json").is_file() {
        return Ok(vec![root.to_owned()]);
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("pack.json").is_file())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// Checks and (unless `dry_run`) stores the pack in `dir`.
pub async fn import(db: &Db, dir: &Path, dry_run: bool) -> Report {
    let loaded = match pack::load(dir) {
        Ok(p) => p,
        Err(problems) => {
            return Report {
                dir: dir.to_owned(),
                pack: None,
                size: (0, 0),
                outcome: Err(ImportError::Invalid(problems)),
            };
        }
    };
    let pack = Some((loaded.file.id.clone(), loaded.file.version.clone()));
    let size = (loaded.lessons.len(), loaded.step_ids().count());
    let outcome = async {
        // An unchanged pack (every start-up) needs no look at other packs' ids.
        if db.pack_checksum(&loaded.file.id).await?.as_deref() == Some(loaded.checksum.as_str()) {
            return Ok(Imported::Unchanged);
        }
        let clashes = db.content_clashes(&loaded).await?;
        if !clashes.is_empty() {
            return Err(ImportError::Clashes(clashes));
        }
        if dry_run {
            return Ok(Imported::Unchanged);
        }
        Ok(db.import_pack(&loaded).await?)
    }
    .await;
    Report {
        dir: dir.to_owned(),
        pack,
        size,
        outcome,
    }
}

/// Imports every pack under `root` (start-up of `tessera serve`): problems are logged,
/// never fatal, and leave what was imported before in place.
pub async fn import_at_start(db: &Db, root: &Path) {
    let dirs = match pack_dirs(root) {
        Ok(d) => d,
        Err(e) => {
            tracing::info!(dir = %root.display(), error = %e, "no content packs loaded");
            return;
        }
    };
    for dir in dirs {
        let report = import(db, &dir, false).await;
        match &report.outcome {
            Ok(outcome) => tracing::info!(
                pack = ?report.pack, lessons = report.size.0, steps = report.size.1,
                ?outcome, "content pack"
            ),
            Err(e) => {
                tracing::error!(dir = %dir.display(), error = %e, "content pack not imported")
            }
        }
    }
}
