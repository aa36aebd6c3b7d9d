//! Running the shared statements on a SQLite connection.

use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, ErrorCode, ToSql, TransactionBehavior, params_from_iter};

use crate::UnixTime;
use crate::adapter::sql::queries::Rows;
use crate::adapter::sql::rows::{self, SqlRow};
use crate::adapter::sql::{Purged, Statement, Value, effects, preconditions, purge, queries};
use crate::store::{
    Answers, AuditEvent, Outcome, Precondition, Query, Record, StoreError, Transaction,
};

/// Conditions of the machine rather than of the data are transient: a busy
/// or locked database (`SQLITE_BUSY`, `SQLITE_LOCKED`), a full disk
/// (`SQLITE_FULL`) and an I/O error (`SQLITE_IOERR` with any extended
/// code: a failed write, fsync or lock of the file or its WAL). They pass
/// once the lock is free or the disk has room again, and SQLite rolls back
/// whatever they interrupted. Everything else (constraint violations,
/// corrupt or foreign files, schema errors) is permanent.
pub(super) fn error(err: rusqlite::Error) -> StoreError {
    match err.sqlite_error_code() {
        Some(
            ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked
            | ErrorCode::DiskFull
            | ErrorCode::SystemIoFailure,
        ) => StoreError::transient(err),
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

/// Applies `transactions` in order in ONE `BEGIN IMMEDIATE` transaction
/// (group commit), and answers each: the write lock is taken first, so
/// nothing outside the batch changes between a precondition check and the
/// commit; inside the batch each transaction sees the effects of those
/// before it.
///
/// Each transaction runs in a savepoint: a failed precondition rolls it
/// back and answers [`Outcome::Conflict`] with the record found after the
/// rollback; an error in one of its statements rolls it back and answers
/// that error to it alone, the others go on. The answers hold only once
/// the single `COMMIT` succeeds: if it fails, or SQLite abandons the
/// transaction, or a savepoint cannot be rolled back, every transaction
/// of the batch is answered that error (none was applied).
pub(super) fn apply_batch(
    conn: &mut Connection,
    transactions: &[&Transaction],
) -> Vec<Result<Outcome, StoreError>> {
    match try_batch(conn, transactions) {
        Ok(answers) => answers,
        Err(err) => transactions.iter().map(|_| Err(copy(&err))).collect(),
    }
}

/// The answers, or the error that sank the whole batch.
fn try_batch(
    conn: &mut Connection,
    transactions: &[&Transaction],
) -> Result<Vec<Result<Outcome, StoreError>>, StoreError> {
    // Dropped without `commit` (an early return), the guard rolls back.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(error)?;
    let mut answers = Vec::with_capacity(transactions.len());
    for transaction in transactions {
        answers.push(apply_in_savepoint(&tx, transaction)?);
    }
    tx.commit().map_err(error)?;
    Ok(answers)
}

/// One transaction of a batch, in the savepoint `qscope_tx`. The outer
/// error means the batch transaction is no longer usable.
fn apply_in_savepoint(
    tx: &Connection,
    transaction: &Transaction,
) -> Result<Result<Outcome, StoreError>, StoreError> {
    tx.execute_batch("SAVEPOINT qscope_tx").map_err(error)?;
    match check_and_apply(tx, transaction) {
        Ok(None) => {
            tx.execute_batch("RELEASE qscope_tx").map_err(error)?;
            Ok(Ok(Outcome::Applied))
        }
        Ok(Some(failed)) => {
            roll_back_savepoint(tx)?;
            let found = record(tx, &failed.subject());
            Ok(found.map(|found| Outcome::Conflict { failed: failed.clone(), found }))
        }
        Err(err) => {
            // SQLite rolls the whole transaction back itself on some
            // errors (I/O, disk full, out of memory): then no savepoint is
            // left and the batch is lost.
            if tx.is_autocommit() {
                return Err(err);
            }
            roll_back_savepoint(tx)?;
            Ok(Err(err))
        }
    }
}

/// Checks the preconditions in order and, if they all hold, runs the
/// effects; the first precondition that does not hold, if any.
fn check_and_apply<'t>(
    tx: &Connection,
    transaction: &'t Transaction,
) -> Result<Option<&'t Precondition>, StoreError> {
    for precondition in &transaction.preconditions {
        if !exists(tx, &preconditions::check(precondition)?.statement)? {
            return Ok(Some(precondition));
        }
    }
    for effect in &transaction.effects {
        for statement in effects::statements(effect)? {
            execute(tx, &statement)?;
        }
    }
    Ok(None)
}

fn roll_back_savepoint(tx: &Connection) -> Result<(), StoreError> {
    tx.execute_batch("ROLLBACK TO qscope_tx; RELEASE qscope_tx").map_err(error)
}

/// The same failure for another caller of the batch (a [`StoreError`] is
/// not `Clone`): same kind, same message.
pub(super) fn copy(err: &StoreError) -> StoreError {
    let message = std::error::Error::source(err).map_or_else(|| err.to_string(), |s| s.to_string());
    if err.is_transient() { StoreError::transient(message) } else { StoreError::permanent(message) }
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

#[cfg(test)]
mod tests {
    use rusqlite::ffi;

    use super::error;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(ffi::Error::new(code), None)
    }

    #[test]
    fn machine_conditions_are_transient_and_data_errors_permanent() {
        for transient in [
            ffi::SQLITE_BUSY,
            ffi::SQLITE_LOCKED,
            ffi::SQLITE_FULL,
            ffi::SQLITE_IOERR,
            ffi::SQLITE_IOERR_WRITE,
            ffi::SQLITE_IOERR_FSYNC,
        ] {
            assert!(error(failure(transient)).is_transient(), "code {transient}");
        }
        for permanent in [
            ffi::SQLITE_CONSTRAINT_UNIQUE,
            ffi::SQLITE_CORRUPT,
            ffi::SQLITE_NOTADB,
            ffi::SQLITE_ERROR,
        ] {
            assert!(!error(failure(permanent)).is_transient(), "code {permanent}");
        }
    }
}
