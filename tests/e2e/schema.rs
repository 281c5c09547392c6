//! The two databases' migrations describe one schema: the same tables, columns, column
//! types and nullability, so a query written once (through sqlx's Any driver) reads and
//! writes the same thing on both.

use std::collections::BTreeMap;

use tessera::store::Db;

/// A column's type family and whether it refuses NULL, keyed by (table, column).
type Columns = BTreeMap<(String, String), (String, bool)>;

/// sqlx's own bookkeeping table, which each driver creates with its own types.
const SQLX_TABLE: &str = "_sqlx_migrations";

/// Columns whose type differs by design: seed 004's persona vector is pgvector's
/// `vector(32)` (or `DOUBLE PRECISION[]` without pgvector) on Postgres and JSON text on
/// SQLite (`Db::persona_vector_column` reads it either way).
const PER_DATABASE: [(&str, &str); 1] = [("user_personas", "embedding")];

/// A freshly migrated database's columns.
async fn migrated_columns(url: &str, query: &str) -> Columns {
    let db = Db::connect(url, 1).await.expect("connect");
    db.migrate().await.expect("migrate a fresh database");
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(query)
        .fetch_all(db.pool())
        .await
        .expect("read the columns");
    rows.into_iter()
        .filter(|(table, ..)| table != SQLX_TABLE)
        .filter(|(table, column, ..)| !PER_DATABASE.contains(&(table.as_str(), column.as_str())))
        .map(|(table, column, ty, not_null)| ((table, column), (ty, not_null == 1)))
        .collect()
}

/// SQLite's declared types, lower-cased, with `REAL` read as Postgres's `double precision`
/// (both are 8-byte floats; Postgres's own `real` is a 4-byte one) and `BLOB` as `bytea`
/// (both are byte strings: the plugin registry's components), the dialect differences in
/// the released migrations. A primary-key column counts as NOT NULL, which
/// Postgres implies and SQLite (for non-integer keys) does not enforce; the host never
/// writes a NULL key.
const SQLITE_COLUMNS: &str = "SELECT m.name, p.name, \
       CASE lower(p.type) WHEN 'real' THEN 'double precision' WHEN 'blob' THEN 'bytea' ELSE lower(p.type) END, \
       CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 1 ELSE 0 END \
     FROM sqlite_master m JOIN pragma_table_info(m.name) p \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'";

const POSTGRES_COLUMNS: &str = "SELECT table_name::text, column_name::text, data_type::text, \
       CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END::bigint \
     FROM information_schema.columns WHERE table_schema = 'public'";

#[tokio::test]
async fn sqlite_and_postgres_migrate_to_the_same_tables_and_columns() {
    if !crate::support::postgres_reachable() {
        eprintln!("NOTE: Postgres not reachable: schema comparison skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}", dir.path().join("schema.db").display());
    let sqlite = migrated_columns(&sqlite_url, SQLITE_COLUMNS).await;
    let postgres_db = crate::support::fresh_postgres_database();
    let postgres = migrated_columns(&postgres_db.url, POSTGRES_COLUMNS).await;

    assert!(
        sqlite.contains_key(&("users".to_owned(), "email".to_owned())),
        "the migrated SQLite schema has the users table: {sqlite:?}"
    );
    let only = |a: &Columns, b: &Columns| -> Vec<String> {
        a.iter()
            .filter(|(k, v)| b.get(*k) != Some(*v))
            .map(|((table, column), (ty, not_null))| {
                let null = if *not_null { "NOT NULL" } else { "NULL" };
                format!("{table}.{column} {ty} {null}")
            })
            .collect()
    };
    let sqlite_only = only(&sqlite, &postgres);
    let postgres_only = only(&postgres, &sqlite);
    assert!(
        sqlite_only.is_empty() && postgres_only.is_empty(),
        "the schemas differ:\n  SQLite only: {sqlite_only:?}\n  Postgres only: {postgres_only:?}"
    );
}
