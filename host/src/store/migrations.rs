//! The embedded migrations of each database: the ones written once for both
//! (`migrations/shared/`) and each database's own version of the few whose SQL differs
//! (`migrations/postgres/`, `migrations/sqlite/`), merged in version order.
//!
//! sqlx stores the SHA-384 of every migration it applies and refuses to start when the
//! embedded file's bytes differ, so the merge only chooses *which* file serves a version;
//! each file is embedded by `sqlx::migrate!` unchanged (see `migrations/README.md`).

use std::collections::BTreeMap;
use std::future::{Future, ready};
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, Migrator};

use super::Backend;

/// Migrations both databases run as written, embedded at build time.
static SHARED: Migrator = sqlx::migrate!("../migrations/shared");
/// Postgres's version of the migrations whose SQL differs between the databases.
static POSTGRES: Migrator = sqlx::migrate!("../migrations/postgres");
/// SQLite's version of the migrations whose SQL differs between the databases.
static SQLITE: Migrator = sqlx::migrate!("../migrations/sqlite");

/// A version found both in `shared/` and in a database's own folder: which file runs
/// would be ambiguous, and an applied migration's checksum could silently change.
#[derive(Debug, thiserror::Error)]
#[error("migration {version} is both in migrations/shared and in migrations/{backend}")]
pub struct AmbiguousMigration {
    version: i64,
    backend: &'static str,
}

/// The migrations `backend` runs, in ascending version order.
pub(crate) fn migrations(backend: Backend) -> Result<Vec<Migration>, AmbiguousMigration> {
    let (own, name) = match backend {
        Backend::Postgres => (&POSTGRES, "postgres"),
        Backend::Sqlite => (&SQLITE, "sqlite"),
    };
    let mut by_version: BTreeMap<i64, Migration> =
        SHARED.iter().map(|m| (m.version, m.clone())).collect();
    for m in own.iter() {
        if by_version.insert(m.version, m.clone()).is_some() {
            return Err(AmbiguousMigration {
                version: m.version,
                backend: name,
            });
        }
    }
    Ok(by_version.into_values().collect())
}

/// [`migrations`] as a source for [`Migrator::new`], the public way to build a migrator
/// from migrations resolved elsewhere.
#[derive(Debug)]
struct Merged(Backend);

impl MigrationSource<'static> for Merged {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 'static>> {
        Box::pin(ready(migrations(self.0).map_err(BoxDynError::from)))
    }
}

/// The migrator of `backend`.
pub(crate) async fn migrator(backend: Backend) -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Merged(backend)).await
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use sha2::{Digest, Sha384};

    use super::*;

    const BACKENDS: [(Backend, &str); 2] =
        [(Backend::Postgres, "postgres"), (Backend::Sqlite, "sqlite")];

    /// Every version is in `shared/` or in both databases' folders, never in one database's
    /// only (its schema would drift) nor in `shared/` and a database's folder (ambiguous).
    #[test]
    fn both_databases_run_the_same_versions() {
        let versions = |backend| -> Vec<i64> {
            migrations(backend)
                .expect("no version is both shared and per-database")
                .iter()
                .map(|m| m.version)
                .collect()
        };
        let postgres = versions(Backend::Postgres);
        assert_eq!(postgres, versions(Backend::Sqlite));
        assert!(postgres.is_sorted(), "migrations run in version order");
    }

    /// The checksum sqlx stores for each applied migration is the SHA-384 of the embedded
    /// file, and equals the one `migrations/checksums.txt` records for it: editing a
    /// released migration, or moving a per-database one to `shared/` with the other
    /// database's text, fails here rather than at the start of a deployed server.
    #[test]
    fn embedded_migrations_keep_their_recorded_checksums() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/checksums.txt");
        let list = std::fs::read_to_string(path).expect("read migrations/checksums.txt");
        let recorded: BTreeSet<(String, i64, String)> = list
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| {
                let fields: Vec<&str> = l.split_whitespace().collect();
                let [backend, version, sha384] = fields[..] else {
                    panic!("`{l}`: expected `<database> <version> <sha384>`");
                };
                let version = version.parse().expect("a numeric version");
                (backend.to_owned(), version, sha384.to_owned())
            })
            .collect();
        let mut embedded = BTreeSet::new();
        for (backend, name) in BACKENDS {
            for m in migrations(backend).expect("unambiguous migrations") {
                let digest = Sha384::digest(m.sql.as_bytes());
                assert_eq!(
                    &*m.checksum,
                    digest.as_slice(),
                    "{name} {}: sqlx's checksum is the SHA-384 of the embedded SQL",
                    m.version
                );
                embedded.insert((name.to_owned(), m.version, hex::encode(digest)));
            }
        }
        let unrecorded: Vec<_> = embedded.difference(&recorded).collect();
        let missing: Vec<_> = recorded.difference(&embedded).collect();
        assert!(
            unrecorded.is_empty() && missing.is_empty(),
            "the embedded migrations differ from migrations/checksums.txt: an applied \
             migration must never change (add a new one instead, and its lines here)\n  \
             embedded, not recorded: {unrecorded:?}\n  recorded, not embedded: {missing:?}"
        );
    }
}
