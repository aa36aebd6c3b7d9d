//! [`PostgresStore`]: the storage contract on PostgreSQL, shared by any
//! number of server processes. Feature **`postgres`**.
//!
//! * **Schema**: `src/adapter/sql/postgres_v1.sql` and `postgres_v2.sql` (the SQLite schema in
//!   PostgreSQL types), applied on open under an advisory lock and
//!   recorded in `schema_version`; a database written by a newer qscope is
//!   refused ([`SchemaTooNew`](crate::adapter::SchemaTooNew)). With
//!   [`PostgresOptions::schema`] the tables live in a schema of their own.
//! * **Atomicity and locks**: every [`Transaction`] is one `READ COMMITTED`
//!   transaction that takes its locks in one order: first every key lock
//!   (transaction advisory locks, in one statement: the client's key
//!   shared to issue tokens and exclusive to change the client, the keys
//!   of the FIFO owners it trims and of the family it revokes, a claimed
//!   user code), then each precondition's row `SELECT … FOR UPDATE`, then
//!   the effects. So two redemptions of one code — on one node or two —
//!   serialize and the second finds it consumed; token issues for one
//!   client do not wait for each other; trims of one owner do, and see
//!   each other's tokens; and no mix of these deadlocks (see
//!   `src/adapter/sql/locks.rs`). The statements of a transaction are
//!   pipelined: one round trip between `BEGIN` and `COMMIT`.
//! * **Errors**: serialization failures (`40001`), deadlocks (`40P01`),
//!   lock and statement timeouts, shutdowns, connection loss and pool
//!   timeouts are [`StoreError::transient`]; everything else permanent.
//!   Failure episodes are reported once to [`PostgresOptions::events`].
//! * **Front ends**: [`AsyncStore`] on tokio (the connections are driven
//!   by tokio tasks), and [`BlockingPostgresStore`] for blocking hosts,
//!   which owns a small runtime of its own.
//!
//! Connections are plain TCP or Unix sockets without TLS when made by
//! [`PostgresStore::connect`]; for TLS, build a
//! [`deadpool_postgres::Pool`] with a TLS connector and pass it to
//! [`PostgresStore::open`].

mod apply;
mod blocking;
mod migrate;
mod run;

use std::sync::Arc;
use std::time::Duration;

pub use blocking::BlockingPostgresStore;
pub use deadpool_postgres;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};

use crate::UnixTime;
use crate::adapter::sql::episodes::Episodes;
use crate::adapter::{Purged, StoreEvents, StoreOperation};
use crate::store::{Answers, AsyncStore, AuditEvent, Outcome, Query, StoreError, Transaction};

/// How [`PostgresStore::connect`] builds its pool.
#[derive(Clone, Debug)]
pub struct PostgresOptions {
    /// The most connections open at once. Default 16.
    pub max_connections: usize,
    /// How long to wait for a free connection, and for a new one to
    /// connect, before failing as transient. Default 5 s.
    pub timeout: Duration,
    /// The schema to keep the tables in (created if missing, and set as
    /// the connections' `search_path`); `None` uses the server's default
    /// search path. Lower-case letters, digits and `_` only (so the name
    /// means the same quoted and unquoted).
    pub schema: Option<String>,
    /// Where the store reports failure episodes (reads or writes that start
    /// failing transiently — a stopped server, lost connections — and
    /// their recovery) and permanent failures; `None` (default) reports
    /// nothing. See [`StoreEvent`](crate::adapter::StoreEvent).
    pub events: Option<StoreEvents>,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self { max_connections: 16, timeout: Duration::from_secs(5), schema: None, events: None }
    }
}

/// The storage contract on PostgreSQL (see the [module docs](self)).
///
/// Cheap to clone: clones share one pool.
#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: Pool,
    episodes: Arc<Episodes>,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:pass@host/db`
    /// or the `key=value` form), without TLS, and brings its schema up to
    /// date. Must run inside a tokio runtime.
    pub async fn connect(url: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        let mut config: tokio_postgres::Config = url.parse().map_err(StoreError::permanent)?;
        if let Some(schema) = &options.schema {
            if !valid_schema_name(schema) {
                return Err(StoreError::permanent(format!("invalid schema name {schema:?}")));
            }
            let existing = config.get_options().unwrap_or_default();
            config.options(format!("{existing} -c search_path={schema}").trim_start());
        }
        config.connect_timeout(options.timeout);
        let manager = Manager::from_config(
            config,
            tokio_postgres::NoTls,
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let pool = Pool::builder(manager)
            .max_size(options.max_connections.max(1))
            .wait_timeout(Some(options.timeout))
            .create_timeout(Some(options.timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(StoreError::permanent)?;
        migrate::migrate(&pool, options.schema.as_deref()).await?;
        Ok(Self { pool, episodes: Arc::new(Episodes::new(options.events)) })
    }

    /// A store over a pool the host built (for TLS, hooks or its own
    /// limits); brings the schema of the pool's database up to date.
    /// Failure episodes go to `events`, if given.
    pub async fn open(pool: Pool, events: Option<StoreEvents>) -> Result<Self, StoreError> {
        migrate::migrate(&pool, None).await?;
        Ok(Self { pool, episodes: Arc::new(Episodes::new(events)) })
    }

    /// The connection pool, for the host's own queries.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Deletes every code and token that expired at or before `now`, in
    /// one transaction, and says how many went. Records are kept until
    /// they expire so replays are detected; after that they may go. Run it
    /// periodically from one node (running it from several is harmless).
    pub async fn purge_expired(&self, now: UnixTime) -> Result<Purged, StoreError> {
        run::purge_expired(&self.pool, now).await
    }

    /// The audit trail, oldest first.
    pub async fn audit_events(&self) -> Result<Vec<AuditEvent>, StoreError> {
        run::audit_events(&self.pool).await
    }
}

fn valid_schema_name(name: &str) -> bool {
    name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl AsyncStore for PostgresStore {
    async fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        let answers = run::read(&self.pool, queries).await;
        self.episodes.observe(StoreOperation::Read, &answers);
        answers
    }

    async fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        let outcome = apply::apply(&self.pool, transaction).await;
        self.episodes.observe(StoreOperation::Write, &outcome);
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(valid_schema_name("qscope_test_1"));
        assert!(!valid_schema_name("1abc"));
        assert!(!valid_schema_name("Upper"));
        assert!(!valid_schema_name("a; DROP TABLE x"));
        assert!(!valid_schema_name("a\"b"));
        assert!(!valid_schema_name(""));
    }

    #[test]
    fn placeholders_become_dollar_numbers() {
        assert_eq!(
            run::dialect("UPDATE t SET a = ?2 WHERE b = ?1"),
            "UPDATE t SET a = $2 WHERE b = $1"
        );
    }
}
