//! Bringing a SQLite database to the schema this build writes.

use rusqlite::{Connection, TransactionBehavior};

use super::run::error;
use crate::adapter::sql::{MIGRATIONS_SQLITE, pending};
use crate::store::StoreError;

/// As in `sqlite_v1.sql`; created first so the version can be read.
const SCHEMA_VERSION: &str = "CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
) STRICT";

/// Applies every migration newer than the database's version, in one
/// `BEGIN IMMEDIATE` transaction (a second process opening the same file
/// waits, then finds nothing to do). Refuses a newer database with
/// [`SchemaTooNew`](crate::adapter::SchemaTooNew).
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(error)?;
    tx.execute_batch(SCHEMA_VERSION).map_err(error)?;
    let current: i64 = tx
        .query_row("SELECT COALESCE(MAX(version), 0) FROM schema_version", [], |r| r.get(0))
        .map_err(error)?;
    for migration in pending(MIGRATIONS_SQLITE, current).map_err(StoreError::permanent)? {
        tx.execute_batch(migration.sql).map_err(error)?;
        tx.execute("INSERT INTO schema_version (version) VALUES (?1)", [migration.version])
            .map_err(error)?;
    }
    tx.commit().map_err(error)
}
