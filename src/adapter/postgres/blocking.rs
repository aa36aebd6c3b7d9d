//! [`BlockingPostgresStore`]: the PostgreSQL store behind the blocking
//! [`Store`] trait, for hosts without an async runtime.

use std::future::Future;

use tokio::runtime::Runtime;

use super::{PostgresOptions, PostgresStore};
use crate::UnixTime;
use crate::adapter::Purged;
use crate::store::{
    Answers, AsyncStore, AuditEvent, Outcome, Query, Store, StoreError, Transaction,
};

/// A [`PostgresStore`] with a small tokio runtime of its own (two worker
/// threads driving the connections); each call blocks the calling thread
/// until the database answers. Calls from many threads run concurrently,
/// each on its own pooled connection.
///
/// Use it only from blocking code: calling it (or dropping it) inside an
/// async runtime panics, as blocking there would stall the executor.
#[derive(Debug)]
pub struct BlockingPostgresStore {
    runtime: Runtime,
    store: PostgresStore,
}

impl BlockingPostgresStore {
    /// Connects as [`PostgresStore::connect`] does.
    pub fn connect(url: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("qscope-postgres")
            .enable_all()
            .build()
            .map_err(StoreError::permanent)?;
        let store = runtime.block_on(PostgresStore::connect(url, options))?;
        Ok(Self { runtime, store })
    }

    /// The async store inside.
    pub fn store(&self) -> &PostgresStore {
        &self.store
    }

    /// Runs `future` to completion on this store's runtime (for the host's
    /// own queries through [`PostgresStore::pool`]).
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// [`PostgresStore::purge_expired`], blocking.
    pub fn purge_expired(&self, now: UnixTime) -> Result<Purged, StoreError> {
        self.block_on(self.store.purge_expired(now))
    }

    /// [`PostgresStore::audit_events`], blocking.
    pub fn audit_events(&self) -> Result<Vec<AuditEvent>, StoreError> {
        self.block_on(self.store.audit_events())
    }
}

impl Store for BlockingPostgresStore {
    fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        self.block_on(AsyncStore::read(&self.store, queries))
    }

    fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        self.block_on(AsyncStore::apply(&self.store, transaction))
    }
}
