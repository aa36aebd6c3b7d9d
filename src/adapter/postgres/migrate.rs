//! Bringing a PostgreSQL database (or one schema of it) to the schema this
//! build writes.

use deadpool_postgres::Pool;

use super::run::{error, pool_error};
use crate::adapter::sql::{MIGRATIONS_POSTGRES, pending};
use crate::store::StoreError;

/// As in `postgres_v1.sql`; created first so the version can be read.
const SCHEMA_VERSION: &str = "CREATE TABLE IF NOT EXISTS schema_version (
    version    BIGINT PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)";

/// The advisory lock key that serializes migrations across processes.
const MIGRATION_LOCK: i64 = 0x7173_636f_7065; // "qscope"

/// Creates `schema` if given, then applies every migration newer than the
/// database's version in one transaction under an advisory lock, so
/// several servers starting at once migrate exactly once. Refuses a newer
/// database with [`SchemaTooNew`](crate::adapter::SchemaTooNew).
pub(super) async fn migrate(pool: &Pool, schema: Option<&str>) -> Result<(), StoreError> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(error)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await.map_err(error)?;
    if let Some(schema) = schema {
        tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
            .await
            .map_err(error)?;
    }
    tx.batch_execute(SCHEMA_VERSION).await.map_err(error)?;
    let row = tx
        .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])
        .await
        .map_err(error)?;
    let current: i64 = row.try_get(0).map_err(error)?;
    for migration in pending(MIGRATIONS_POSTGRES, current).map_err(StoreError::permanent)? {
        tx.batch_execute(migration.sql).await.map_err(error)?;
        tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&migration.version])
            .await
            .map_err(error)?;
    }
    tx.commit().await.map_err(error)
}
