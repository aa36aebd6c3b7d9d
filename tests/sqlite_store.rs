//! The SQLite store beyond the contract suite: its async front end,
//! persistence, migrations, busy handling, purging, the audit trail and
//! group commit (many transactions in one SQLite transaction).

mod sql_support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use qscope::adapter::SchemaTooNew;
use qscope::adapter::sqlite::{SqliteOptions, SqliteStore};
use qscope::store::{
    AsyncStore, Effect, Outcome, Precondition, Query, Record, Store, StoreError, Transaction,
};
use sql_support::{T0, full_code, put, read_one, token};

/// A directory of its own, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(sql_support::unique_name("qscope-sqlite"));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }

    fn db(&self) -> PathBuf {
        self.0.join("store.db")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn unconsumed_code(name: &str) -> qscope::store::CodeRecord {
    let mut code = full_code();
    code.hash = qscope::store::TokenHash::of(name);
    code.consumed_at = None;
    code
}

#[test]
fn every_field_round_trips() {
    let dir = TempDir::new();
    sql_support::every_field_round_trips(&SqliteStore::open(dir.db()).expect("open"));
}

#[test]
fn user_queries_answer_none() {
    sql_support::user_queries_answer_none(&SqliteStore::open_in_memory().expect("open"));
}

#[test]
fn failing_effect_rolls_back() {
    let dir = TempDir::new();
    sql_support::failing_effect_rolls_back(&SqliteStore::open(dir.db()).expect("open"));
}

#[test]
fn purge_deletes_only_expired_records() {
    let dir = TempDir::new();
    let store = SqliteStore::open(dir.db()).expect("open");
    sql_support::purge_deletes_only_expired(&store, |now| {
        store.purge_expired(now).map(|p| (p.codes, p.tokens, p.pending, p.device_grants))
    });
}

#[test]
fn audit_events_round_trip() {
    let store = SqliteStore::open_in_memory().expect("open");
    sql_support::audit_events_round_trip(&store, || store.audit_events());
}

#[test]
fn records_survive_reopening_and_the_schema_is_migrated_once() {
    let dir = TempDir::new();
    put(&SqliteStore::open(dir.db()).expect("open"), vec![Effect::PutCode(full_code())]);
    let store = SqliteStore::open(dir.db()).expect("reopen");
    assert_eq!(
        read_one(&store, Query::Code { hash: full_code().hash }),
        Some(Record::Code(full_code()))
    );
    let conn = rusqlite::Connection::open(dir.db()).expect("raw connection");
    assert_eq!(schema_versions(&conn), vec![1, 2, 3, 4]);
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).expect("pragma");
    assert_eq!(mode, "wal");
}

#[test]
fn a_database_from_a_newer_qscope_is_refused() {
    let dir = TempDir::new();
    drop(SqliteStore::open(dir.db()).expect("open"));
    rusqlite::Connection::open(dir.db())
        .and_then(|c| c.execute("INSERT INTO schema_version (version) VALUES (99)", []))
        .expect("raw insert");
    let err = SqliteStore::open(dir.db()).expect_err("a newer schema must be refused");
    assert!(!err.is_transient());
    let source = std::error::Error::source(&err).and_then(|s| s.downcast_ref::<SchemaTooNew>());
    assert_eq!(source, Some(&SchemaTooNew { found: 99, supported: 4 }));
}

#[test]
fn a_held_write_lock_is_a_transient_error_and_reads_go_on() {
    let dir = TempDir::new();
    let options =
        SqliteOptions { busy_timeout: Duration::from_millis(50), ..SqliteOptions::default() };
    let store = SqliteStore::open_with(dir.db(), options).expect("open");
    put(&store, vec![Effect::PutCode(unconsumed_code("locked"))]);
    let other = rusqlite::Connection::open(dir.db()).expect("raw connection");
    other.execute_batch("BEGIN IMMEDIATE").expect("take the write lock");
    let consume = Transaction {
        preconditions: vec![Precondition::CodeUnconsumed { hash: unconsumed_code("locked").hash }],
        effects: vec![Effect::ConsumeCode { hash: unconsumed_code("locked").hash, at: T0 }],
    };
    let err = Store::apply(&store, &consume).expect_err("the writer must time out");
    assert!(err.is_transient(), "busy must be transient: {err}");
    assert!(
        read_one(&store, Query::Code { hash: unconsumed_code("locked").hash }).is_some(),
        "WAL readers are not blocked by the writer"
    );
    other.execute_batch("ROLLBACK").expect("release");
    assert_eq!(Store::apply(&store, &consume).expect("apply"), Outcome::Applied);
}

#[tokio::test]
async fn async_front_end_applies_and_reads() {
    let dir = TempDir::new();
    let store = SqliteStore::open(dir.db()).expect("open");
    let code = unconsumed_code("async");
    let put = Transaction::unconditional(vec![Effect::PutCode(code.clone())]);
    assert_eq!(AsyncStore::apply(&store, &put).await.expect("apply"), Outcome::Applied);
    let answers = AsyncStore::read(&store, &[Query::Code { hash: code.hash }]).await.expect("read");
    assert_eq!(answers.as_slice()[0].record, Some(Record::Code(code)));
    let purged =
        store.purge_expired_async(T0.after(qscope::Seconds::hours(1))).await.expect("purge");
    assert_eq!((purged.codes, purged.tokens, purged.pending, purged.device_grants), (1, 0, 0, 0));
}

/// Eight tasks on a single-threaded runtime redeem one code at once: the
/// work runs on the blocking pool, so they really race, and one wins.
#[tokio::test]
async fn async_redemptions_race_and_one_wins() {
    let dir = TempDir::new();
    let store = Arc::new(SqliteStore::open(dir.db()).expect("open"));
    let code = unconsumed_code("async-race");
    put(&*store, vec![Effect::PutCode(code.clone())]);
    let consume = Transaction {
        preconditions: vec![Precondition::CodeUnconsumed { hash: code.hash }],
        effects: vec![Effect::ConsumeCode { hash: code.hash, at: T0 }],
    };
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (store, consume) = (Arc::clone(&store), consume.clone());
            tokio::spawn(async move { AsyncStore::apply(&*store, &consume).await })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        match task.await.expect("task").expect("apply") {
            Outcome::Applied => wins += 1,
            Outcome::Conflict { failed, found: Some(Record::Code(found)) } => {
                assert_eq!(failed, consume.preconditions[0]);
                assert_eq!(found.consumed_at, Some(T0));
            }
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(wins, 1);
}

#[test]
fn async_front_end_outside_tokio_is_an_error_not_a_panic() {
    let store = SqliteStore::open_in_memory().expect("open");
    let mut future = std::pin::pin!(AsyncStore::read(&store, &[]));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(Err(err)) => assert!(!err.is_transient()),
        other => panic!("expected an immediate error, got {other:?}"),
    }
}

fn consume(name: &str, at: qscope::UnixTime) -> Transaction {
    let hash = unconsumed_code(name).hash;
    Transaction {
        preconditions: vec![Precondition::CodeUnconsumed { hash }],
        effects: vec![Effect::ConsumeCode { hash, at }],
    }
}

fn put_code(name: &str, client_id: &str) -> Transaction {
    let mut code = unconsumed_code(name);
    code.client_id = client_id.into();
    Transaction::unconditional(vec![Effect::PutCode(code)])
}

/// Applies `transactions` from threads of their own, queued in this order
/// behind a first transaction that the writer has taken alone and that
/// waits for the write lock (held here by another connection): once the
/// lock is released, the writer commits that one, then takes all of
/// `transactions` together, as one batch.
fn apply_in_one_batch(
    store: &SqliteStore,
    db: &Path,
    transactions: Vec<Transaction>,
) -> Vec<Result<Outcome, StoreError>> {
    let lock = rusqlite::Connection::open(db).expect("raw connection");
    lock.execute_batch("BEGIN IMMEDIATE").expect("take the write lock");
    let queue = |transaction: Transaction| {
        let store = store.clone();
        let caller = std::thread::spawn(move || Store::apply(&store, &transaction));
        // Time for the thread to queue its transaction before the next.
        std::thread::sleep(Duration::from_millis(100));
        caller
    };
    let first = queue(Transaction::unconditional(Vec::new()));
    let batch: Vec<_> = transactions.into_iter().map(queue).collect();
    lock.execute_batch("ROLLBACK").expect("release the write lock");
    assert_eq!(first.join().expect("thread").expect("first"), Outcome::Applied);
    batch.into_iter().map(|caller| caller.join().expect("thread")).collect()
}

#[test]
fn two_redemptions_in_one_batch_the_first_applies_the_second_conflicts() {
    let dir = TempDir::new();
    let store = SqliteStore::open(dir.db()).expect("open");
    put(&store, vec![Effect::PutCode(unconsumed_code("batched"))]);
    let later = T0.after(qscope::Seconds::new(5));
    let answers = apply_in_one_batch(
        &store,
        &dir.db(),
        vec![consume("batched", T0), consume("batched", later)],
    );
    let answers: Vec<Outcome> = answers.into_iter().map(|a| a.expect("apply")).collect();
    assert_eq!(answers[0], Outcome::Applied);
    let mut found = unconsumed_code("batched");
    found.consumed_at = Some(T0);
    assert_eq!(
        answers[1],
        Outcome::Conflict {
            failed: consume("batched", later).preconditions[0].clone(),
            found: Some(Record::Code(found.clone())),
        },
        "the second sees the first's effect, inside the batch"
    );
    assert_eq!(read_one(&store, Query::Code { hash: found.hash }), Some(Record::Code(found)));
}

#[test]
fn a_failing_transaction_in_a_batch_fails_alone_and_the_others_apply() {
    let dir = TempDir::new();
    let store = SqliteStore::open(dir.db()).expect("open");
    put(&store, vec![Effect::PutToken(token("existing", 3600))]);
    let mut failing = put_code("failing", "c");
    // A second token with the same hash violates the primary key.
    failing.effects.push(Effect::PutToken(token("existing", 60)));
    let answers = apply_in_one_batch(
        &store,
        &dir.db(),
        vec![put_code("before", "c"), failing, put_code("after", "c")],
    );
    let mut answers = answers.into_iter();
    assert_eq!(answers.next().expect("1").expect("before"), Outcome::Applied);
    let err = answers.next().expect("2").expect_err("the failing transaction fails");
    assert!(!err.is_transient(), "a constraint violation is permanent: {err}");
    assert_eq!(answers.next().expect("3").expect("after"), Outcome::Applied);
    let code = |name: &str| read_one(&store, Query::Code { hash: unconsumed_code(name).hash });
    assert!(code("before").is_some() && code("after").is_some());
    assert_eq!(code("failing"), None, "the failing transaction was rolled back whole");
    assert_eq!(
        read_one(&store, Query::Token { hash: qscope::store::TokenHash::of("existing") }),
        Some(Record::Token(token("existing", 3600)))
    );
}

/// A trigger that makes SQLite roll the whole transaction back (as it does
/// itself on I/O errors or a full disk) sinks the batch: every caller in it
/// gets the error, none was applied, and the writer goes on afterwards.
#[test]
fn a_batch_sqlite_abandons_answers_every_caller_with_the_error() {
    let dir = TempDir::new();
    let store = SqliteStore::open(dir.db()).expect("open");
    rusqlite::Connection::open(dir.db())
        .and_then(|c| {
            c.execute_batch(
                "CREATE TRIGGER sink AFTER INSERT ON codes WHEN NEW.client_id = 'sink'
                 BEGIN SELECT RAISE(ROLLBACK, 'sunk by the test trigger'); END",
            )
        })
        .expect("create trigger");
    let answers = apply_in_one_batch(
        &store,
        &dir.db(),
        vec![put_code("before", "c"), put_code("sinking", "sink"), put_code("after", "c")],
    );
    for answer in answers {
        let err = answer.expect_err("every caller of the sunk batch gets the error");
        assert!(err.to_string().contains("sunk by the test trigger"), "{err}");
    }
    for name in ["before", "sinking", "after"] {
        let hash = unconsumed_code(name).hash;
        assert_eq!(read_one(&store, Query::Code { hash }), None, "{name} was not applied");
    }
    assert_eq!(Store::apply(&store, &put_code("later", "c")).expect("apply"), Outcome::Applied);
}

/// Many threads redeem one code at once through the batched writer (and
/// through a writer that commits one at a time): exactly one wins, every
/// other finds the winner's redemption.
#[test]
fn many_threads_race_one_code_and_exactly_one_wins() {
    for max_batch in [64, 1] {
        let dir = TempDir::new();
        let options = SqliteOptions { max_batch, ..SqliteOptions::default() };
        let store = SqliteStore::open_with(dir.db(), options).expect("open");
        put(&store, vec![Effect::PutCode(unconsumed_code("raced"))]);
        let threads = 32;
        let start = Arc::new(Barrier::new(threads));
        let callers: Vec<_> = (0..threads)
            .map(|i| {
                let (store, start) = (store.clone(), Arc::clone(&start));
                std::thread::spawn(move || {
                    let at = T0.after(qscope::Seconds::new(i as u64));
                    start.wait();
                    (at, Store::apply(&store, &consume("raced", at)).expect("apply"))
                })
            })
            .collect();
        let answers: Vec<_> = callers.into_iter().map(|c| c.join().expect("thread")).collect();
        let winners: Vec<_> =
            answers.iter().filter(|(_, o)| *o == Outcome::Applied).map(|(at, _)| *at).collect();
        assert_eq!(winners.len(), 1, "max_batch {max_batch}: {answers:?}");
        for (_, outcome) in &answers {
            match outcome {
                Outcome::Applied => {}
                Outcome::Conflict { found: Some(Record::Code(found)), .. } => {
                    assert_eq!(found.consumed_at, Some(winners[0]), "max_batch {max_batch}");
                }
                other => panic!("max_batch {max_batch}: unexpected {other:?}"),
            }
        }
    }
}

/// The async front end queues its transaction when first polled, as
/// futures do: a future dropped unpolled applies nothing.
#[test]
fn an_async_apply_never_polled_applies_nothing() {
    let dir = TempDir::new();
    let store = SqliteStore::open(dir.db()).expect("open");
    drop(AsyncStore::apply(&store, &put_code("unpolled", "c")));
    let hash = unconsumed_code("unpolled").hash;
    assert_eq!(Store::apply(&store, &put_code("polled", "c")).expect("apply"), Outcome::Applied);
    assert_eq!(read_one(&store, Query::Code { hash }), None);
}

/// A database that qscope wrote under schema version 1, with data, is
/// brought to version 2 on open and reads as the new schema says.
#[test]
fn a_version_1_database_with_data_migrates_to_version_2() {
    let dir = TempDir::new();
    database_at(&dir, 1);
    let store = SqliteStore::open(dir.db()).expect("open and migrate");
    sql_support::v1_rows_read_as_migrated(&store, || store.audit_events());
    let conn = rusqlite::Connection::open(dir.db()).expect("raw connection");
    assert_eq!(schema_versions(&conn), vec![1, 2, 3, 4]);
    let bad =
        conn.execute("UPDATE clients SET registrant = 'someone' WHERE client_id = 'v1-self'", []);
    assert!(bad.is_err(), "the registrant column only holds the two names");
}

/// A database at schema version 2, with data, is brought to version 3 on
/// open: its rows read as before, and accounts, sessions and consents can
/// be stored.
#[test]
fn a_version_2_database_with_data_migrates_to_version_3() {
    let dir = TempDir::new();
    database_at(&dir, 2);
    let store = SqliteStore::open(dir.db()).expect("open and migrate");
    sql_support::v1_rows_read_as_migrated(&store, || store.audit_events());
    sql_support::version_3_records_round_trip(&store);
    let conn = rusqlite::Connection::open(dir.db()).expect("raw connection");
    assert_eq!(schema_versions(&conn), vec![1, 2, 3, 4]);
}

/// A database at schema version 3, with data, is brought to version 4 on
/// open: its codes, tokens, pushed requests and device grants read as
/// before with no resources, and new records keep theirs (RFC 8707).
#[test]
fn a_version_3_database_with_data_migrates_to_version_4() {
    let dir = TempDir::new();
    database_at(&dir, 3);
    let store = SqliteStore::open(dir.db()).expect("open and migrate");
    sql_support::v1_rows_read_as_migrated(&store, || store.audit_events());
    sql_support::v3_rows_read_as_migrated(&store);
    let conn = rusqlite::Connection::open(dir.db()).expect("raw connection");
    assert_eq!(schema_versions(&conn), vec![1, 2, 3, 4]);
}

/// Writes the database of `dir` as qscope wrote it under schema `version`
/// (1 to 3), with the rows of `sql_support` for that version.
fn database_at(dir: &TempDir, version: u32) {
    let conn = rusqlite::Connection::open(dir.db()).expect("raw connection");
    conn.execute_batch(include_str!("../src/adapter/sql/sqlite_v1.sql")).expect("schema v1");
    conn.execute_batch(&sql_support::v1_rows(hex_blob, "0")).expect("version 1 rows");
    if version >= 2 {
        conn.execute_batch(include_str!("../src/adapter/sql/sqlite_v2.sql")).expect("schema v2");
    }
    if version >= 3 {
        conn.execute_batch(include_str!("../src/adapter/sql/sqlite_v3.sql")).expect("schema v3");
        conn.execute_batch(&sql_support::v3_rows(hex_blob)).expect("version 3 rows");
    }
    for applied in 1..=version {
        conn.execute("INSERT INTO schema_version (version) VALUES (?1)", [applied])
            .expect("schema_version");
    }
}

/// A SQLite blob literal, `X'…'`.
fn hex_blob(bytes: &[u8]) -> String {
    format!("X'{}'", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// The versions `schema_version` lists, in order.
fn schema_versions(conn: &rusqlite::Connection) -> Vec<i64> {
    conn.prepare("SELECT version FROM schema_version ORDER BY version")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("schema_version")
}
