//! The storage contract suite against every backend: the reference
//! `MemoryStore`, SQLite (a fresh database file per check, and the
//! in-memory variant) and PostgreSQL (a fresh schema per check, on the
//! server named by `QSCOPE_TEST_POSTGRES_URL`).

#![cfg(feature = "contract-tests")]

use qscope::store::MemoryStore;

#[test]
fn memory_store_honours_the_contract() {
    qscope::store::contract::run_all(MemoryStore::new);
}

/// A unique name for a test database or schema: process id, a counter,
/// and a per-process random key.
#[allow(dead_code)]
fn unique_name(prefix: &str) -> String {
    use std::hash::{BuildHasher, RandomState};
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let random = RandomState::new().hash_one(std::process::id());
    format!(
        "{prefix}_{}_{}_{:08x}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        random as u32
    )
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use std::path::PathBuf;

    use qscope::adapter::sqlite::SqliteStore;
    use qscope::store::{Answers, Outcome, Query, Store, StoreError, Transaction};

    /// A `SqliteStore` on a database file of its own, removed on drop.
    struct TempSqlite {
        store: SqliteStore,
        dir: PathBuf,
    }

    impl TempSqlite {
        fn new() -> Self {
            let dir = std::env::temp_dir().join(super::unique_name("qscope-contract"));
            std::fs::create_dir_all(&dir).expect("create temp dir");
            let store = SqliteStore::open(dir.join("store.db")).expect("open SQLite store");
            Self { store, dir }
        }
    }

    impl Drop for TempSqlite {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    impl Store for TempSqlite {
        fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
            self.store.read(queries)
        }

        fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
            self.store.apply(transaction)
        }
    }

    #[test]
    fn sqlite_file_store_honours_the_contract() {
        qscope::store::contract::run_all(TempSqlite::new);
    }

    #[test]
    fn sqlite_memory_store_honours_the_contract() {
        qscope::store::contract::run_all(|| SqliteStore::open_in_memory().expect("open"));
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use qscope::adapter::postgres::{BlockingPostgresStore, PostgresOptions};
    use qscope::store::{Answers, Outcome, Query, Store, StoreError, Transaction};

    /// The server to test against; `None` (and a note why) when unset.
    fn url() -> Option<String> {
        let url = std::env::var("QSCOPE_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty());
        if url.is_none() {
            eprintln!("skipped: QSCOPE_TEST_POSTGRES_URL not set (see .ci/postgres.sh)");
        }
        url
    }

    /// A PostgreSQL store in a schema of its own, dropped with the store.
    /// Ten connections, so the contract's eight racing threads each hold
    /// one and really race inside the server.
    struct TempPostgres {
        store: BlockingPostgresStore,
        schema: String,
    }

    impl TempPostgres {
        fn new(url: &str) -> Self {
            let schema = super::unique_name("qscope_test");
            let options = PostgresOptions {
                max_connections: 10,
                schema: Some(schema.clone()),
                ..PostgresOptions::default()
            };
            let store =
                BlockingPostgresStore::connect(url, options).expect("connect to PostgreSQL");
            // Open every connection now: connecting (SCRAM) takes longer
            // than a transaction, and would stagger the racing threads.
            let pool = store.store().pool().clone();
            store.block_on(async move {
                let mut held = Vec::new();
                for _ in 0..10 {
                    held.push(pool.get().await.expect("connect to PostgreSQL"));
                }
            });
            Self { store, schema }
        }
    }

    impl Drop for TempPostgres {
        fn drop(&mut self) {
            let pool = self.store.store().pool().clone();
            let drop_schema = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.schema);
            let _ = self.store.block_on(async move {
                let client = pool.get().await.map_err(|e| e.to_string())?;
                client.batch_execute(&drop_schema).await.map_err(|e| e.to_string())
            });
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

    #[test]
    fn postgres_store_honours_the_contract() {
        let Some(url) = url() else { return };
        qscope::store::contract::run_all(|| TempPostgres::new(&url));
    }
}
