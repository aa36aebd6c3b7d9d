//! Applying a transaction on PostgreSQL: its locks in the one order of
//! [`locks`], and every statement from `BEGIN` to `COMMIT` in one
//! pipelined round trip.

use std::future::Future;
use std::pin::Pin;

use deadpool_postgres::Pool;
use futures_util::future::{join_all, try_join_all};
use tokio_postgres::types::ToSql;

use super::run::{dialect, error, params, pool_error, record};
use crate::adapter::sql::locks::{self, KeyLock};
use crate::adapter::sql::{Statement, Value, effects, preconditions};
use crate::store::{Outcome, StoreError, Transaction};

/// Applies the transaction in one `READ COMMITTED` transaction, taking
/// its locks in the one order of [`locks`]: first every key lock, in one
/// statement; then each precondition's check, `FOR UPDATE` when it reads
/// the row it is about (if a concurrent transaction changed the row first,
/// the check waits for it and re-checks against the committed row — so of
/// two redemptions of one code the second always finds it consumed); then
/// the effects.
///
/// The whole transaction is **one round trip**: `BEGIN`, the statements
/// and `COMMIT` are pipelined (sent together, answered in order). A check
/// that finds no row divides by zero, which aborts the transaction; the
/// statements after it are then ignored by the server and the `COMMIT`
/// rolls back. So the first error decides: division by zero in a check is
/// that precondition's conflict (its record is read afterwards), any other
/// error is the store's failure, and no error means the commit happened.
pub(super) async fn apply(pool: &Pool, transaction: &Transaction) -> Result<Outcome, StoreError> {
    let plan = Plan::of(transaction)?;
    let client = pool.get().await.map_err(pool_error)?;
    match plan.run(&client).await? {
        None => Ok(Outcome::Applied),
        Some(index) => {
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

/// SQLSTATE `division_by_zero`: how a check says its row is missing.
const NO_ROW: &str = "22012";

/// A precondition's check (a `SELECT` that returns its row iff the
/// precondition holds) as a statement that fails without its row.
fn failing_without_row(check: &str, lock_row: bool) -> String {
    let lock = if lock_row { " FOR UPDATE" } else { "" };
    format!("SELECT 1 / count(*)::integer FROM ({}{lock}) AS held", dialect(check))
}

/// A transaction as the statements PostgreSQL runs, in order.
struct Plan {
    /// Every key lock (from the preconditions, then the effects).
    keys: Vec<KeyLock>,
    /// One check per precondition, in order, failing without its row.
    checks: Vec<(String, Vec<Value>)>,
    /// Every statement of every effect, in order.
    writes: Vec<Statement>,
}

/// What one pipelined statement is, to read its answer.
#[derive(Clone, Copy)]
enum Sent {
    /// `BEGIN`, `COMMIT` or the key locks.
    Frame,
    /// The check of precondition `n`.
    Check(usize),
    /// A statement of an effect.
    Write,
}

impl Plan {
    fn of(transaction: &Transaction) -> Result<Self, StoreError> {
        let mut keys = Vec::new();
        let mut checks = Vec::with_capacity(transaction.preconditions.len());
        for precondition in &transaction.preconditions {
            keys.extend(locks::for_precondition(precondition));
            let check = preconditions::check(precondition)?;
            let sql = failing_without_row(check.statement.sql, check.lock_row);
            checks.push((sql, check.statement.params));
        }
        let mut writes = Vec::new();
        for effect in &transaction.effects {
            keys.extend(locks::for_effect(effect));
            writes.extend(effects::statements(effect)?);
        }
        Ok(Self { keys, checks, writes })
    }

    /// Runs the plan as one transaction on `client`: the index of the
    /// first precondition that does not hold, if any (then nothing was
    /// committed).
    async fn run(&self, client: &deadpool_postgres::Client) -> Result<Option<usize>, StoreError> {
        let lock_sql = (!self.keys.is_empty()).then_some(LOCK_KEYS.to_owned());
        let sql: Vec<String> = lock_sql
            .into_iter()
            .chain(self.checks.iter().map(|(sql, _)| sql.clone()))
            .chain(self.writes.iter().map(|w| dialect(w.sql)))
            .collect();
        // Prepared before BEGIN, so everything from BEGIN to COMMIT leaves
        // in one go.
        let prepared = prepare_all(client, &sql).await?;
        let key_names: Vec<&str> = self.keys.iter().map(|k| k.key.as_str()).collect();
        let key_modes: Vec<bool> = self.keys.iter().map(|k| k.shared).collect();
        let lock_params: [&(dyn ToSql + Sync); 2] = [&key_names, &key_modes];
        let check_params: Vec<_> = self.checks.iter().map(|(_, values)| params(values)).collect();
        let write_params: Vec<_> = self.writes.iter().map(|w| params(&w.params)).collect();

        let mut statements = prepared.iter();
        let mut next = || statements.next().unwrap_or_else(|| unreachable!("prepared above"));
        let mut pipeline: Vec<(Sent, Pending<'_>)> = Vec::with_capacity(prepared.len() + 2);
        pipeline.push((Sent::Frame, Box::pin(client.batch_execute("BEGIN"))));
        if !self.keys.is_empty() {
            let lock = next();
            pipeline.push((Sent::Frame, Box::pin(done(client.execute(lock, &lock_params)))));
        }
        for (n, values) in check_params.iter().enumerate() {
            let check = next();
            pipeline.push((Sent::Check(n), Box::pin(done(client.execute(check, values)))));
        }
        for values in &write_params {
            let write = next();
            pipeline.push((Sent::Write, Box::pin(done(client.execute(write, values)))));
        }
        pipeline.push((Sent::Frame, Box::pin(client.batch_execute("COMMIT"))));
        // Every statement is sent when first polled, in this order, so
        // all of them leave before the first answer is awaited; a dropped
        // future sends nothing or everything (the COMMIT included).
        let (kinds, pending): (Vec<Sent>, Vec<Pending<'_>>) = pipeline.into_iter().unzip();
        for (sent, answer) in kinds.into_iter().zip(join_all(pending).await) {
            match (sent, answer) {
                (_, Ok(())) => {}
                (Sent::Check(n), Err(err)) if err.code().is_some_and(|c| c.code() == NO_ROW) => {
                    return Ok(Some(n));
                }
                (Sent::Frame | Sent::Check(_) | Sent::Write, Err(err)) => return Err(error(err)),
            }
        }
        Ok(None)
    }
}

/// Every statement of `sql`, in order, each distinct text prepared once
/// (a batch of audit events repeats one) or found in the connection's
/// statement cache.
async fn prepare_all(
    client: &deadpool_postgres::Client,
    sql: &[String],
) -> Result<Vec<tokio_postgres::Statement>, StoreError> {
    let mut distinct: Vec<&str> = sql.iter().map(String::as_str).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let ready = try_join_all(distinct.iter().map(|text| client.prepare_cached(text)))
        .await
        .map_err(error)?;
    Ok(sql
        .iter()
        .map(|text| match distinct.binary_search(&text.as_str()) {
            Ok(index) => ready[index].clone(),
            Err(_) => unreachable!("every text was prepared above"),
        })
        .collect())
}

/// A statement sent down the pipeline, waiting for its answer.
type Pending<'a> = Pin<Box<dyn Future<Output = Result<(), tokio_postgres::Error>> + Send + 'a>>;

/// The answer to a statement, without its row count.
async fn done(
    statement: impl Future<Output = Result<u64, tokio_postgres::Error>>,
) -> Result<(), tokio_postgres::Error> {
    statement.await.map(drop)
}
