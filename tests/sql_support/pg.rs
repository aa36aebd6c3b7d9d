//! Throw-away PostgreSQL stores, each in a schema of its own.

use qscope::adapter::postgres::{BlockingPostgresStore, PostgresOptions, PostgresStore};
use qscope::store::{Answers, Outcome, Query, Store, StoreError, Transaction};

/// Connections per test store: the contract's eight racing threads each
/// hold one and really race inside the server.
pub const CONNECTIONS: usize = 10;

/// The server to test against; `None` (and a note why) when unset.
pub fn url() -> Option<String> {
    let url = std::env::var("QSCOPE_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("skipped: QSCOPE_TEST_POSTGRES_URL not set (see .ci/postgres.sh)");
    }
    url
}

/// How long a test waits for a connection: opening ten SCRAM connections
/// takes seconds on a machine loaded by parallel test binaries, and the
/// default five seconds then fails tests that test nothing about it.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

pub fn options(schema: &str) -> PostgresOptions {
    PostgresOptions {
        max_connections: CONNECTIONS,
        timeout: CONNECT_TIMEOUT,
        schema: Some(schema.to_owned()),
        ..PostgresOptions::default()
    }
}

/// Opens every connection of the pool now: connecting (SCRAM) takes
/// longer than a transaction and would stagger racing callers.
pub async fn warm_up(store: &PostgresStore) {
    let mut held = Vec::new();
    for _ in 0..CONNECTIONS {
        held.push(store.pool().get().await.expect("connect to PostgreSQL"));
    }
}

pub async fn drop_schema(store: &PostgresStore, schema: &str) {
    if let Ok(client) = store.pool().get().await {
        let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE")).await;
    }
}

/// A blocking PostgreSQL store in a fresh schema, dropped with the store.
pub struct TempPostgres {
    pub store: BlockingPostgresStore,
    pub schema: String,
}

impl TempPostgres {
    pub fn new(url: &str) -> Self {
        let schema = super::unique_name("qscope_test");
        let store =
            BlockingPostgresStore::connect(url, options(&schema)).expect("connect to PostgreSQL");
        store.block_on(warm_up(store.store()));
        Self { store, schema }
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        self.store.block_on(drop_schema(self.store.store(), &self.schema));
    }
}

impl Store for TempPostgres {
    fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        self.store.read(queries)
    }

    fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        self.store.apply(transaction)
    }
}
