//! Running the shared statements on PostgreSQL connections.

use std::error::Error as _;

use deadpool_postgres::{GenericClient, Pool, PoolError};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::UnixTime;
use crate::adapter::sql::queries::Rows;
use crate::adapter::sql::rows::{self, SqlRow};
use crate::adapter::sql::{Purged, Statement, Value, purge, queries};
use crate::store::{Answers, AuditEvent, Query, Record, StoreError};

/// Serialization failures, deadlocks, lock timeouts, cancelled statements,
/// shutdowns, too many connections and lost connections may pass;
/// everything else (constraint violations, schema errors) is permanent.
pub(super) fn error(err: tokio_postgres::Error) -> StoreError {
    let transient = match err.code() {
        Some(state) => {
            let code = state.code();
            code.starts_with("08")
                || matches!(
                    code,
                    "40001" | "40P01" | "55P03" | "57014" | "57P01" | "57P02" | "57P03" | "53300"
                )
        }
        None => {
            err.is_closed()
                || err.source().is_some_and(|s| s.downcast_ref::<std::io::Error>().is_some())
        }
    };
    if transient { StoreError::transient(err) } else { StoreError::permanent(err) }
}

/// A pool timeout is transient; a backend error is classified as above.
pub(super) fn pool_error(err: PoolError) -> StoreError {
    match err {
        PoolError::Backend(err) => error(err),
        PoolError::Timeout(_) => StoreError::transient(err),
        other => StoreError::permanent(other),
    }
}

/// The shared `?N` placeholders in PostgreSQL's `$N` form (the shared SQL
/// has no `?` anywhere else).
pub(super) fn dialect(sql: &str) -> String {
    sql.replace('?', "$")
}

pub(super) fn params(values: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    values
        .iter()
        .map(|value| -> &(dyn ToSql + Sync) {
            match value {
                Value::Int(v) => v,
                Value::Text(v) => v,
                Value::Blob(v) => v,
                Value::Bool(v) => v,
            }
        })
        .collect()
}

impl SqlRow for Row {
    fn int(&self, index: usize) -> Result<Option<i64>, StoreError> {
        self.try_get(index).map_err(error)
    }

    fn text(&self, index: usize) -> Result<Option<String>, StoreError> {
        self.try_get(index).map_err(error)
    }

    fn blob(&self, index: usize) -> Result<Option<Vec<u8>>, StoreError> {
        self.try_get(index).map_err(error)
    }

    fn boolean(&self, index: usize) -> Result<bool, StoreError> {
        self.try_get(index).map_err(error)
    }
}

async fn execute<C: GenericClient>(client: &C, statement: &Statement) -> Result<u64, StoreError> {
    let prepared = client.prepare_cached(&dialect(statement.sql)).await.map_err(error)?;
    client.execute(&prepared, &params(&statement.params)).await.map_err(error)
}

pub(super) async fn record<C: GenericClient>(
    client: &C,
    query: &Query,
) -> Result<Option<Record>, StoreError> {
    let Some(lookup) = queries::lookup(query) else { return Ok(None) };
    let prepared = client.prepare_cached(&dialect(lookup.statement.sql)).await.map_err(error)?;
    let params = params(&lookup.statement.params);
    match lookup.rows {
        Rows::One => match client.query_opt(&prepared, &params).await.map_err(error)? {
            Some(row) => (lookup.decode)(&row).map(Some),
            None => Ok(None),
        },
        Rows::All(gather) => {
            let rows = client.query(&prepared, &params).await.map_err(error)?;
            let records = rows.iter().map(|row| (lookup.decode)(row)).collect::<Result<_, _>>()?;
            gather(records).map(Some)
        }
    }
}

/// Answers the queries on one pooled connection, one lookup each.
pub(super) async fn read(pool: &Pool, queries: &[Query]) -> Result<Answers, StoreError> {
    let client = pool.get().await.map_err(pool_error)?;
    let mut answers = Answers::with_capacity(queries.len());
    for query in queries {
        answers.push(query.clone(), record(&client, query).await?);
    }
    Ok(answers)
}

pub(super) async fn purge_expired(pool: &Pool, now: UnixTime) -> Result<Purged, StoreError> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(error)?;
    let mut purged = Purged::default();
    for (statement, counter) in purge::statements(now)? {
        *counter(&mut purged) += execute(&tx, &statement).await?;
    }
    tx.commit().await.map_err(error)?;
    Ok(purged)
}

pub(super) async fn audit_events(pool: &Pool) -> Result<Vec<AuditEvent>, StoreError> {
    let client = pool.get().await.map_err(pool_error)?;
    let prepared = client.prepare_cached(rows::SELECT_AUDIT_EVENTS).await.map_err(error)?;
    let rows = client.query(&prepared, &[]).await.map_err(error)?;
    rows.iter().map(|row| rows::audit_event(row)).collect()
}
