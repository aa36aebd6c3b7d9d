//! [`SqliteStore`]: the storage contract on SQLite, for one machine.
//! Feature **`sqlite`**.
//!
//! * **Schema**: `src/adapter/sql/sqlite_v1.sql` and `sqlite_v2.sql`, applied on open and
//!   recorded in `schema_version`; a database written by a newer qscope is
//!   refused ([`SchemaTooNew`](crate::adapter::SchemaTooNew)).
//! * **Durability**: WAL journal, `synchronous = FULL` by default (a
//!   commit reported applied survives power loss; [`SqliteOptions`] can
//!   trade that for speed).
//! * **Atomicity and group commit**: one writer thread per store applies
//!   every [`Transaction`]. It takes every transaction queued at that
//!   moment (at most [`SqliteOptions::max_batch`]; it never waits to
//!   gather more) and runs them in order in ONE `BEGIN IMMEDIATE`
//!   transaction, each in a savepoint: its preconditions are checked, then
//!   its effects applied; a failed precondition rolls the savepoint back
//!   and answers [`Outcome::Conflict`] with the record found after the
//!   rollback; a failing statement rolls it back and answers that error to
//!   that caller alone. Then one `COMMIT` (one fsync), and only then is
//!   every caller answered; if the `COMMIT` fails, every caller of the
//!   batch gets the error (none was applied). So each transaction is
//!   atomic, the write lock is held from the first check to the commit,
//!   and transactions of one batch see each other's effects in queue
//!   order: two redemptions of one code, batched or not, serialize and the
//!   second finds it consumed. Reads run in a read snapshot and never
//!   block the writer.
//! * **Errors**: `SQLITE_BUSY` / `SQLITE_LOCKED` (after the busy
//!   timeout), `SQLITE_FULL` (a full disk) and `SQLITE_IOERR` (a failed
//!   write, fsync or lock) are [`StoreError::transient`] — the core answers
//!   `503 temporarily_unavailable` with `Retry-After`, and the store is
//!   usable again as soon as the disk is: nothing that failed was applied;
//!   everything else is permanent. A failure episode is reported once to
//!   [`SqliteOptions::events`], not once per request.
//! * **Front ends**: [`Store`] (blocking) and [`AsyncStore`]. Both queue
//!   their transactions for the same writer (the blocking one waits on a
//!   channel, the async one awaits a oneshot without holding a thread).
//!   Async reads run on tokio's blocking thread pool (`spawn_blocking`) and
//!   so never block the executor; they must be polled inside a tokio
//!   runtime and report a permanent error otherwise.
//!
//! ```
//! use qscope::adapter::sqlite::SqliteStore;
//! use qscope::store::{ClientRecord, Effect, Query, Store, Transaction};
//!
//! let store = SqliteStore::open_in_memory()?;
//! let put = Transaction::unconditional(vec![Effect::PutClient(ClientRecord::public("app"))]);
//! store.apply(&put)?;
//! let answers = store.read(&[Query::Client { client_id: "app".into() }])?;
//! assert!(answers.as_slice()[0].record.is_some());
//! # Ok::<(), qscope::store::StoreError>(())
//! ```

mod migrate;
#[cfg(test)]
mod plans;
mod pool;
mod run;
mod writer;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use pool::{Pool, Settings, Target};
use writer::Writer;

use crate::UnixTime;
use crate::adapter::Purged;
use crate::adapter::sql::episodes::Episodes;
use crate::adapter::{StoreEvents, StoreOperation};
use crate::store::{
    Answers, AsyncStore, AuditEvent, Outcome, Query, Store, StoreError, Transaction,
};

/// How a [`SqliteStore`] opens its connections.
#[derive(Clone, Debug)]
pub struct SqliteOptions {
    /// How long a writer waits for the write lock (and a caller for a free
    /// connection) before the attempt fails as transient. Default 5 s. The
    /// writer waits this long per batch: while another process holds the
    /// lock, a caller queued behind a full batch may wait longer.
    pub busy_timeout: Duration,
    /// The most connections open at once for reads and purging (readers
    /// run in parallel in WAL mode); the writer has one more of its own.
    /// Default 8.
    pub max_connections: usize,
    /// `synchronous = FULL` (default, `true`): every commit is on disk
    /// before it is reported applied. `false` selects `NORMAL`: faster, and
    /// still consistent, but the last commits may be lost on power loss —
    /// a consumed code could then be redeemed again.
    pub synchronous_full: bool,
    /// The most transactions committed together by the writer (group
    /// commit, see the [module docs](self)). `1` commits each transaction
    /// on its own. Default 64.
    pub max_batch: usize,
    /// Where the store reports failure episodes (reads or writes that start
    /// failing transiently, and their recovery) and permanent failures;
    /// `None` (default) reports nothing. See
    /// [`StoreEvent`](crate::adapter::StoreEvent).
    pub events: Option<StoreEvents>,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            busy_timeout: Duration::from_secs(5),
            max_connections: 8,
            synchronous_full: true,
            max_batch: 64,
            events: None,
        }
    }
}

/// The storage contract on a SQLite database (see the [module docs](self)).
///
/// Cheap to clone: clones share one connection pool and one writer
/// thread, which ends when the last clone is dropped.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: Arc<Pool>,
    writer: Arc<Writer>,
    episodes: Arc<Episodes>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` with default
    /// options, and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, SqliteOptions::default())
    }

    /// Opens the database file at `path` with `options`.
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self, StoreError> {
        Self::start(Target::File(path.as_ref().to_owned()), options)
    }

    /// A private in-memory database (one connection; nothing persists).
    /// For tests and demos.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::start(Target::Memory, SqliteOptions::default())
    }

    fn start(target: Target, options: SqliteOptions) -> Result<Self, StoreError> {
        let settings = Settings {
            busy_timeout: options.busy_timeout,
            synchronous_full: options.synchronous_full,
            max_connections: options.max_connections,
        };
        let mut first = pool::open(&target, &settings)?;
        migrate::migrate(&mut first)?;
        let own = match target {
            Target::File(_) => Some(pool::open(&target, &settings)?),
            Target::Memory => None,
        };
        let pool = Arc::new(Pool::new(target, settings, first));
        let episodes = Arc::new(Episodes::new(options.events));
        let writer = Arc::new(Writer::start(
            Arc::clone(&pool),
            own,
            options.max_batch,
            Arc::clone(&episodes),
        )?);
        Ok(Self { pool, writer, episodes })
    }

    /// Deletes every code and token that expired at or before `now`, in
    /// one transaction, and says how many went. Records are kept until
    /// they expire so replays are detected; after that they may go. Run it
    /// periodically (e.g. hourly); it blocks writers while it runs.
    pub fn purge_expired(&self, now: UnixTime) -> Result<Purged, StoreError> {
        run::purge_expired(self.pool.get()?.conn(), now)
    }

    /// [`purge_expired`](Self::purge_expired) on tokio's blocking pool.
    pub fn purge_expired_async(
        &self,
        now: UnixTime,
    ) -> impl Future<Output = Result<Purged, StoreError>> + Send + 'static {
        let store = self.clone();
        blocking(move || store.purge_expired(now))
    }

    /// The audit trail, oldest first.
    pub fn audit_events(&self) -> Result<Vec<AuditEvent>, StoreError> {
        run::audit_events(self.pool.get()?.conn())
    }
}

impl Store for SqliteStore {
    fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        let answers = self.pool.get().and_then(|mut conn| run::read(conn.conn(), queries));
        self.episodes.observe(StoreOperation::Read, &answers);
        answers
    }

    fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        self.writer.apply(transaction)
    }
}

impl AsyncStore for SqliteStore {
    fn read(&self, queries: &[Query]) -> impl Future<Output = Result<Answers, StoreError>> + Send {
        let (store, queries) = (self.clone(), queries.to_vec());
        blocking(move || Store::read(&store, &queries))
    }

    fn apply(
        &self,
        transaction: &Transaction,
    ) -> impl Future<Output = Result<Outcome, StoreError>> + Send {
        Arc::clone(&self.writer).apply_async(transaction.clone())
    }
}

/// Runs `work` on tokio's blocking pool of the current runtime.
async fn blocking<T, F>(work: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
{
    let runtime = tokio::runtime::Handle::try_current().map_err(StoreError::permanent)?;
    runtime.spawn_blocking(work).await.map_err(StoreError::permanent)?
}
