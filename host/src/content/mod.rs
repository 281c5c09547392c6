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
    /// The pack is stored already and its courses are another author's (or the
    /// operator's): only administrators replace them.
    #[error("pack `{pack}` is {}; only its author or an administrator replaces it", .author.as_deref().map_or_else(|| "the operator's".to_owned(), |a| format!("user `{a}`'s")))]
    NotYours {
        /// The pack.
        pack: String,
        /// Its courses' author (`None`: imported by the operator).
        author: Option<String>,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who uploads a pack over HTTP (the CLI and start-up imports have none).
#[derive(Debug, Clone, Copy)]
pub struct Uploader<'a> {
    /// The uploader.
    pub user_id: &'a str,
    /// Administrators replace any pack; teachers only the packs whose courses they made.
    pub replaces_any: bool,
    /// Whether its courses new to the catalog are published at once.
    pub publish: bool,
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
    import_by(db, dir, dry_run, None).await
}

/// [`import`] of an upload: `uploader` must own the pack when it is stored already, and
/// becomes the author of its new courses.
pub async fn import_by(
    db: &Db,
    dir: &Path,
    dry_run: bool,
    uploader: Option<Uploader<'_>>,
) -> Report {
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
        if let Some(u) = uploader.filter(|u| !u.replaces_any)
            && db.pack_checksum(&loaded.file.id).await?.is_some()
        {
            let authors = db.pack_authors(&loaded.file.id).await?;
            if let Some(other) = authors
                .into_iter()
                .find(|a| a.as_deref() != Some(u.user_id))
            {
                return Err(ImportError::NotYours {
                    pack: loaded.file.id.clone(),
                    author: other,
                });
            }
        }
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
        let author = uploader.map(|u| crate::store::catalog::ListingAuthor {
            user_id: u.user_id,
            publish: u.publish,
        });
        Ok(db.import_pack_by(&loaded, author).await?)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::pack::tests::Fixture;
    use crate::store::content::Imported;
    use crate::store::testing;

    fn imported(report: &Report) -> Imported {
        match &report.outcome {
            Ok(outcome) => *outcome,
            Err(e) => panic!("not imported: {e}"),
        }
    }

    #[tokio::test]
    async fn an_import_is_new_then_unchanged_then_an_update() {
        let (db, _db_dir) = testing::sqlite().await;
        let fixture = Fixture::new();
        let first = import(&db, fixture.dir.path(), false).await;
        assert_eq!(imported(&first), Imported::New);
        assert_eq!(first.pack, Some(("demo".into(), "1.0.0".into())));
        assert_eq!(first.size, (2, 4), "lessons and steps");
        let again = import(&db, fixture.dir.path(), false).await;
        assert_eq!(imported(&again), Imported::Unchanged);
        fixture.write("lessons/a/intro.md", "A value is a piece of data.");
        let edited = import(&db, fixture.dir.path(), false).await;
        assert_eq!(imported(&edited), Imported::Updated);
    }

    #[tokio::test]
    async fn a_dry_run_checks_and_stores_nothing() {
        let (db, _db_dir) = testing::sqlite().await;
        let fixture = Fixture::new();
        let report = import(&db, fixture.dir.path(), true).await;
        assert!(report.outcome.is_ok(), "{:?}", report.outcome);
        assert_eq!(db.pack_checksum("demo").await.unwrap(), None);
        assert!(db.content_packs().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_pack_using_another_packs_ids_is_refused_naming_the_owner() {
        let (db, _db_dir) = testing::sqlite().await;
        let first = Fixture::new();
        imported(&import(&db, first.dir.path(), false).await);
        let second = Fixture::new();
        second.edit("pack.json", |p| p["id"] = serde_json::json!("other"));
        let report = import(&db, second.dir.path(), false).await;
        let Err(ImportError::Clashes(clashes)) = &report.outcome else {
            panic!("imported over another pack: {:?}", report.outcome);
        };
        let lesson = clashes
            .iter()
            .find(|c| c.what == "lesson" && c.id == "a")
            .expect("lesson `a` clashes");
        assert_eq!(lesson.owner, "demo");
        let message = report.outcome.unwrap_err().to_string();
        assert!(
            message.contains("lesson `a` belongs to pack `demo`"),
            "{message}"
        );
        assert_eq!(
            db.pack_checksum("other").await.unwrap(),
            None,
            "nothing stored"
        );
    }

    #[tokio::test]
    async fn a_broken_pack_is_refused_with_every_problem_and_no_name() {
        let (db, _db_dir) = testing::sqlite().await;
        let fixture = Fixture::new();
        fixture.edit("lessons/a.json", |l| l["steps"] = serde_json::json!([]));
        let report = import(&db, fixture.dir.path(), false).await;
        assert_eq!(report.pack, None);
        let Err(ImportError::Invalid(problems)) = &report.outcome else {
            panic!("a lesson without steps was imported: {:?}", report.outcome);
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        let message = report.outcome.unwrap_err().to_string();
        assert!(
            message.starts_with("1 problem(s):\n  lessons/a.json: steps: "),
            "{message}"
        );
    }

    #[test]
    fn pack_folders_are_the_root_itself_or_its_packs_in_name_order() {
        let root = tempfile::tempdir().unwrap();
        for name in ["zeta", "alpha", "not-a-pack"] {
            std::fs::create_dir(root.path().join(name)).unwrap();
        }
        std::fs::write(root.path().join("zeta/pack.json"), "{}").unwrap();
        std::fs::write(root.path().join("alpha/pack.json"), "{}").unwrap();
        let found = pack_dirs(root.path()).unwrap();
        assert_eq!(found, [root.path().join("alpha"), root.path().join("zeta")]);
        assert_eq!(
            pack_dirs(&root.path().join("zeta")).unwrap(),
            [root.path().join("zeta")]
        );
        assert!(pack_dirs(&root.path().join("missing")).is_err());
    }
}
