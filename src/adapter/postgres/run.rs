//! Running the shared statements on PostgreSQL connections.

use std::error::Error as _;
use std::future::Future;
use std::pin::Pin;

use deadpool_postgres::{GenericClient, Pool, PoolError};
use futures_util::future::{join_all, try_join_all};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::UnixTime;
use crate::adapter::sql::locks::{self, KeyLock};
use crate::adapter::sql::queries::Rows;
use crate::adapter::sql::rows::{self, SqlRow};
use crate::adapter::sql::{Purged, Statement, Value, effects, preconditions, purge, queries};
use crate::store::{Answers, AuditEvent, Outcome, Query, Record, StoreError, Transaction};

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

fn params(values: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
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

async fn record<C: GenericClient>(client: &C, query: &Query) -> Result<Option<Record>, StoreError> {
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

/// Applies the transaction in one `READ COMMITTED` transaction, taking
/// its locks in the one order of [`locks`]: first every key lock, in one
/// statement; then each precondition's check, `FOR UPDATE` when it reads
/// the row it is about (if a concurrent transaction changed the row first,
/// the check waits for it and re-checks against the committed row — so of
/// two redemptions of one code the second always finds it consumed); then
/// the effects.
///
/// The statements are pipelined: sent together, answered in order, in one
/// round trip between `BEGIN` and `COMMIT`. The effects therefore run even
/// when a check found no row; the transaction is then rolled back, so they
/// never count, and the first failed check is answered as the conflict
/// (with the record read after the rollback).
pub(super) async fn apply(pool: &Pool, transaction: &Transaction) -> Result<Outcome, StoreError> {
    let plan = Plan::of(transaction)?;
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(error)?;
    match plan.run(&tx).await? {
        None => {
            tx.commit().await.map_err(error)?;
            Ok(Outcome::Applied)
        }
        Some(index) => {
            tx.rollback().await.map_err(error)?;
            let failed = &transaction.preconditions[index];
            let found = record(&client, &failed.subject()).await?;
            Ok(Outcome::Conflict { failed: failed.clone(), found })
        }
    }
}

/// Takes every key lock of a transaction, shared or exclusive, in
/// ascending order of the lock ids (volatile functions in the select list
/// run after the `ORDER BY`); a key named twice is locked once, exclusive
/// if either asked so.
const LOCK_KEYS: &str = "SELECT CASE WHEN l.shared THEN pg_advisory_xact_lock_shared(l.id) \
     ELSE pg_advisory_xact_lock(l.id) END \
     FROM (SELECT hashtextextended(k, 0) AS id, bool_and(s) AS shared \
     FROM unnest($1::text[], $2::bool[]) AS u(k, s) GROUP BY 1) AS l ORDER BY l.id";

/// A transaction as the statements PostgreSQL runs, in order.
struct Plan {
    /// Every key lock (from the preconditions, then the effects).
    keys: Vec<KeyLock>,
    /// One check per precondition, in order, already in `$N` form.
    checks: Vec<(String, Vec<Value>)>,
    /// Every statement of every effect, in order.
    writes: Vec<Statement>,
}

/// The answer to one pipelined statement.
enum Answer {
    /// A check: whether it returned its row.
    Check(bool),
    /// A lock or an effect.
    Done,
}

impl Plan {
    fn of(transaction: &Transaction) -> Result<Self, StoreError> {
        let mut keys = Vec::new();
        let mut checks = Vec::with_capacity(transaction.preconditions.len());
        for precondition in &transaction.preconditions {
            keys.extend(locks::for_precondition(precondition));
            let check = preconditions::check(precondition)?;
            let mut sql = dialect(check.statement.sql);
            if check.lock_row {
                sql.push_str(" FOR UPDATE");
            }
            checks.push((sql, check.statement.params));
        }
        let mut writes = Vec::new();
        for effect in &transaction.effects {
            keys.extend(locks::for_effect(effect));
            writes.extend(effects::statements(effect)?);
        }
        Ok(Self { keys, checks, writes })
    }

    /// Runs the plan inside `tx`: the index of the first precondition that
    /// does not hold, if any.
    async fn run<C: GenericClient + Sync>(&self, tx: &C) -> Result<Option<usize>, StoreError> {
        let lock_sql = (!self.keys.is_empty()).then_some(LOCK_KEYS.to_owned());
        let sql: Vec<String> = lock_sql
            .into_iter()
            .chain(self.checks.iter().map(|(sql, _)| sql.clone()))
            .chain(self.writes.iter().map(|w| dialect(w.sql)))
            .collect();
        // Prepared (or found in the connection's cache) together.
        let prepared =
            try_join_all(sql.iter().map(|sql| tx.prepare_cached(sql))).await.map_err(error)?;
        let key_names: Vec<&str> = self.keys.iter().map(|k| k.key.as_str()).collect();
        let key_modes: Vec<bool> = self.keys.iter().map(|k| k.shared).collect();
        let lock_params: [&(dyn ToSql + Sync); 2] = [&key_names, &key_modes];
        let check_params: Vec<_> = self.checks.iter().map(|(_, values)| params(values)).collect();
        let write_params: Vec<_> = self.writes.iter().map(|w| params(&w.params)).collect();

        let mut statements = prepared.iter();
        let mut pipeline: Vec<Pending<'_>> = Vec::with_capacity(prepared.len());
        if !self.keys.is_empty() {
            let lock = statements.next().unwrap_or_else(|| unreachable!("prepared above"));
            pipeline.push(Box::pin(async move {
                tx.execute(lock, &lock_params).await.map(|_| Answer::Done)
            }));
        }
        for values in &check_params {
            let check = statements.next().unwrap_or_else(|| unreachable!("prepared above"));
            pipeline.push(Box::pin(async move {
                tx.query_opt(check, values).await.map(|row| Answer::Check(row.is_some()))
            }));
        }
        for values in &write_params {
            let write = statements.next().unwrap_or_else(|| unreachable!("prepared above"));
            pipeline.push(Box::pin(async move {
                tx.execute(write, values).await.map(|_| Answer::Done)
            }));
        }
        // Every statement was sent when first polled, in this order, and
        // each is answered in turn; the first failure decides.
        let mut check_index = 0;
        for answer in join_all(pipeline).await {
            match answer.map_err(error)? {
                Answer::Check(true) => check_index += 1,
                Answer::Check(false) => return Ok(Some(check_index)),
                Answer::Done => {}
            }
        }
        Ok(None)
    }
}

/// A statement sent down the pipeline, waiting for its answer.
type Pending<'a> = Pin<Box<dyn Future<Output = Result<Answer, tokio_postgres::Error>> + Send + 'a>>;

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
