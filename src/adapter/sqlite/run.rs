//! Running the shared statements on a SQLite connection.

use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, ErrorCode, ToSql, TransactionBehavior, params_from_iter};

use crate::UnixTime;
use crate::adapter::sql::queries::Rows;
use crate::adapter::sql::rows::{self, SqlRow};
use crate::adapter::sql::{Purged, Statement, Value, effects, preconditions, purge, queries};
use crate::store::{Answers, AuditEvent, Outcome, Query, Record, StoreError, Transaction};

/// Busy and locked databases may free up; every other failure is permanent.
pub(super) fn error(err: rusqlite::Error) -> StoreError {
    match err.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::transient(err),
        _ => StoreError::permanent(err),
    }
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Self::Int(v) => v.to_sql(),
            Self::Text(v) => v.to_sql(),
            Self::Blob(v) => v.to_sql(),
            Self::Bool(v) => v.to_sql(),
        }
    }
}

impl SqlRow for rusqlite::Row<'_> {
    fn int(&self, index: usize) -> Result<Option<i64>, StoreError> {
        self.get(index).map_err(error)
    }

    fn text(&self, index: usize) -> Result<Option<String>, StoreError> {
        self.get(index).map_err(error)
    }

    fn blob(&self, index: usize) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(index).map_err(error)
    }

    fn boolean(&self, index: usize) -> Result<bool, StoreError> {
        self.get(index).map_err(error)
    }
}

/// Runs a statement that returns no rows; the number of rows it changed.
fn execute(conn: &Connection, statement: &Statement) -> Result<usize, StoreError> {
    let mut prepared = conn.prepare_cached(statement.sql).map_err(error)?;
    prepared.execute(params_from_iter(&statement.params)).map_err(error)
}

/// Whether the statement returns at least one row.
fn exists(conn: &Connection, statement: &Statement) -> Result<bool, StoreError> {
    let mut prepared = conn.prepare_cached(statement.sql).map_err(error)?;
    let mut rows = prepared.query(params_from_iter(&statement.params)).map_err(error)?;
    Ok(rows.next().map_err(error)?.is_some())
}

fn record(conn: &Connection, query: &Query) -> Result<Option<Record>, StoreError> {
    let Some(lookup) = queries::lookup(query) else { return Ok(None) };
    let mut prepared = conn.prepare_cached(lookup.statement.sql).map_err(error)?;
    let mut rows = prepared.query(params_from_iter(&lookup.statement.params)).map_err(error)?;
    match lookup.rows {
        Rows::One => match rows.next().map_err(error)? {
            Some(row) => (lookup.decode)(row).map(Some),
            None => Ok(None),
        },
        Rows::All(gather) => {
            let mut records = Vec::new();
            while let Some(row) = rows.next().map_err(error)? {
                records.push((lookup.decode)(row)?);
            }
            gather(records).map(Some)
        }
    }
}

/// Answers every query from one read snapshot.
pub(super) fn read(conn: &mut Connection, queries: &[Query]) -> Result<Answers, StoreError> {
    let snapshot = conn.transaction().map_err(error)?;
    let mut answers = Answers::with_capacity(queries.len());
    for query in queries {
        answers.push(query.clone(), record(&snapshot, query)?);
    }
    Ok(answers)
}

/// Applies the transaction under `BEGIN IMMEDIATE`: the write lock is
/// taken first, so nothing changes between the precondition checks and
/// the commit. Any error rolls everything back (the transaction guard
/// rolls back on drop).
pub(super) fn apply(
    conn: &mut Connection,
    transaction: &Transaction,
) -> Result<Outcome, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(error)?;
    for precondition in &transaction.preconditions {
        if !exists(&tx, &preconditions::check(precondition)?.statement)? {
            let found = record(&tx, &precondition.subject())?;
            tx.rollback().map_err(error)?;
            return Ok(Outcome::Conflict { failed: precondition.clone(), found });
        }
    }
    for effect in &transaction.effects {
        for statement in effects::statements(effect)? {
            execute(&tx, &statement)?;
        }
    }
    tx.commit().map_err(error)?;
    Ok(Outcome::Applied)
}

pub(super) fn purge_expired(conn: &mut Connection, now: UnixTime) -> Result<Purged, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(error)?;
    let mut purged = Purged::default();
    for (statement, counter) in purge::statements(now)? {
        *counter(&mut purged) += execute(&tx, &statement)? as u64;
    }
    tx.commit().map_err(error)?;
    Ok(purged)
}

pub(super) fn audit_events(conn: &Connection) -> Result<Vec<AuditEvent>, StoreError> {
    let mut prepared = conn.prepare_cached(rows::SELECT_AUDIT_EVENTS).map_err(error)?;
    let mut rows = prepared.query([]).map_err(error)?;
    let mut events = Vec::new();
    while let Some(row) = rows.next().map_err(error)? {
        events.push(rows::audit_event(row)?);
    }
    Ok(events)
}
