//! The storage contract suite against every backend: the reference
//! `MemoryStore`, SQLite (a fresh database file per check, and the
//! in-memory variant) and PostgreSQL (a fresh schema per check, on the
//! server named by `QSCOPE_TEST_POSTGRES_URL`).

#![cfg(feature = "contract-tests")]

#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql_support;

use qscope::store::MemoryStore;

#[test]
fn memory_store_honours_the_contract() {
    qscope::store::contract::run_all(MemoryStore::new);
}

/// A backend with only the async interface: a `MemoryStore` whose every
/// call first returns `Pending` once (waking itself), as a call that waits
/// for a server would.
mod async_only {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use qscope::store::{Answers, Outcome, Query, StoreError, Transaction};
    use qscope::store::{AsyncStore, MemoryStore, Store};

    #[derive(Default)]
    pub(crate) struct AsyncOnly(MemoryStore);

    /// Answers `answer()` on its second poll.
    struct Later<F> {
        answer: Option<F>,
        polled: bool,
    }

    impl<T, F: FnOnce() -> T + Unpin> Future for Later<F> {
        type Output = T;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
            if !self.polled {
                self.polled = true;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            let answer = self.answer.take().expect("polled after it was ready");
            Poll::Ready(answer())
        }
    }

    fn later<T, F: FnOnce() -> T + Unpin>(answer: F) -> Later<F> {
        Later { answer: Some(answer), polled: false }
    }

    impl AsyncStore for AsyncOnly {
        fn read(
            &self,
            queries: &[Query],
        ) -> impl Future<Output = Result<Answers, StoreError>> + Send {
            later(move || Store::read(&self.0, queries))
        }

        fn apply(
            &self,
            transaction: &Transaction,
        ) -> impl Future<Output = Result<Outcome, StoreError>> + Send {
            later(move || Store::apply(&self.0, transaction))
        }
    }

    #[test]
    fn an_async_only_store_runs_the_contract() {
        qscope::store::contract::run_all_async(AsyncOnly::default);
    }
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
            let dir = std::env::temp_dir().join(super::sql_support::unique_name("qscope-contract"));
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
#[test]
fn postgres_store_honours_the_contract() {
    let Some(url) = sql_support::pg::url() else { return };
    qscope::store::contract::run_all(|| sql_support::pg::TempPostgres::new(&url));
}
