//! The PostgreSQL store beyond the contract suite: the async front end
//! racing on one node and on two, migrations, error classes, purging and
//! the audit trail. Runs against `QSCOPE_TEST_POSTGRES_URL` (see
//! `.ci/postgres.sh`); without it every test says it was skipped.

mod sql_support;

use std::sync::Arc;

use qscope::adapter::SchemaTooNew;
use qscope::adapter::postgres::PostgresStore;
use qscope::store::{
    AsyncStore, CodeRecord, Effect, Outcome, Precondition, Record, TokenHash, Transaction,
};
use sql_support::pg::{self, TempPostgres};
use sql_support::{T0, full_code, token};

fn unconsumed_code(name: &str) -> CodeRecord {
    let mut code = full_code();
    code.hash = TokenHash::of(name);
    code.consumed_at = None;
    code
}

#[test]
fn every_field_round_trips() {
    let Some(url) = pg::url() else { return };
    sql_support::every_field_round_trips(&TempPostgres::new(&url));
}

#[test]
fn user_queries_answer_none() {
    let Some(url) = pg::url() else { return };
    sql_support::user_queries_answer_none(&TempPostgres::new(&url));
}

#[test]
fn failing_effect_rolls_back() {
    let Some(url) = pg::url() else { return };
    sql_support::failing_effect_rolls_back(&TempPostgres::new(&url));
}

#[test]
fn purge_deletes_only_expired_records() {
    let Some(url) = pg::url() else { return };
    let temp = TempPostgres::new(&url);
    sql_support::purge_deletes_only_expired(&temp, |now| {
        temp.store.purge_expired(now).map(|p| (p.codes, p.tokens, p.pending, p.device_grants))
    });
}

#[test]
fn audit_events_round_trip() {
    let Some(url) = pg::url() else { return };
    let temp = TempPostgres::new(&url);
    sql_support::audit_events_round_trip(&temp, || temp.store.audit_events());
}

/// Two pools on one schema stand for two server processes: eight tasks
/// on each redeem the same code at once, and exactly one of the sixteen
/// wins; every loser sees the consumed record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redemptions_on_two_nodes_race_and_one_wins() {
    let Some(url) = pg::url() else { return };
    let schema = sql_support::unique_name("qscope_test");
    let node_a = Arc::new(PostgresStore::connect(&url, pg::options(&schema)).await.expect("a"));
    let node_b = Arc::new(PostgresStore::connect(&url, pg::options(&schema)).await.expect("b"));
    pg::warm_up(&node_a).await;
    pg::warm_up(&node_b).await;
    let code = unconsumed_code("two-nodes");
    let put = Transaction::unconditional(vec![Effect::PutCode(code.clone())]);
    assert_eq!(node_a.apply(&put).await.expect("put"), Outcome::Applied);
    let consume = Transaction {
        preconditions: vec![Precondition::CodeUnconsumed { hash: code.hash }],
        effects: vec![Effect::ConsumeCode { hash: code.hash, at: T0 }],
    };
    let barrier = Arc::new(tokio::sync::Barrier::new(16));
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let node = Arc::clone(if i % 2 == 0 { &node_a } else { &node_b });
            let (consume, barrier) = (consume.clone(), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                node.apply(&consume).await
            })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        match task.await.expect("task").expect("apply") {
            Outcome::Applied => wins += 1,
            Outcome::Conflict { found: Some(Record::Code(found)), .. } => {
                assert_eq!(found.consumed_at, Some(T0));
            }
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    pg::drop_schema(&node_a, &schema).await;
    assert_eq!(wins, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_a_newer_qscope_is_refused() {
    let Some(url) = pg::url() else { return };
    let schema = sql_support::unique_name("qscope_test");
    let store = PostgresStore::connect(&url, pg::options(&schema)).await.expect("connect");
    let reopened = PostgresStore::connect(&url, pg::options(&schema)).await;
    assert!(reopened.is_ok(), "the same version opens again");
    let client = store.pool().get().await.expect("client");
    let versions: Vec<i64> = client
        .query("SELECT version FROM schema_version ORDER BY version", &[])
        .await
        .expect("schema_version")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, vec![1, 2, 3, 4], "migrated exactly once");
    client.execute("INSERT INTO schema_version (version) VALUES (99)", &[]).await.expect("insert");
    let err = PostgresStore::connect(&url, pg::options(&schema))
        .await
        .expect_err("a newer schema must be refused");
    pg::drop_schema(&store, &schema).await;
    assert!(!err.is_transient());
    let source = std::error::Error::source(&err).and_then(|s| s.downcast_ref::<SchemaTooNew>());
    assert_eq!(source, Some(&SchemaTooNew { found: 99, supported: 4 }));
}

/// A row locked by another transaction past `lock_timeout` is a transient
/// failure (SQLSTATE 55P03); nothing is applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_timeout_is_transient() {
    let Some(url) = pg::url() else { return };
    let schema = sql_support::unique_name("qscope_test");
    let separator = if url.contains('?') { '&' } else { '?' };
    let short_locks = format!("{url}{separator}options=-c%20lock_timeout%3D100");
    // Connecting migrates under one advisory lock that the other tests'
    // connects take too; with a 100 ms lock_timeout that wait can time out
    // on a loaded machine, so the connect (not the check) is retried.
    let mut attempts = 0;
    let store = loop {
        match PostgresStore::connect(&short_locks, pg::options(&schema)).await {
            Ok(store) => break store,
            Err(err) if err.is_transient() && attempts < 50 => attempts += 1,
            Err(err) => panic!("connect: {err}"),
        }
    };
    let code = unconsumed_code("locked");
    let put = Transaction::unconditional(vec![Effect::PutCode(code.clone())]);
    assert_eq!(store.apply(&put).await.expect("put"), Outcome::Applied);
    let mut holder = store.pool().get().await.expect("client");
    let held = holder.transaction().await.expect("begin");
    held.query("SELECT 1 FROM codes WHERE hash = $1 FOR UPDATE", &[&code.hash.as_bytes().to_vec()])
        .await
        .expect("lock the row");
    let consume = Transaction {
        preconditions: vec![Precondition::CodeUnconsumed { hash: code.hash }],
        effects: vec![
            Effect::ConsumeCode { hash: code.hash, at: T0 },
            Effect::PutToken(token("never", 60)),
        ],
    };
    let err = store.apply(&consume).await.expect_err("the lock must time out");
    held.rollback().await.expect("release");
    drop(holder);
    let after = store.read(&[qscope::store::Query::Token { hash: TokenHash::of("never") }]).await;
    pg::drop_schema(&store, &schema).await;
    assert!(err.is_transient(), "lock timeout must be transient: {err}");
    assert_eq!(after.expect("read").as_slice()[0].record, None, "nothing applied");
}

/// `bytes` as a PostgreSQL `bytea` literal.
fn bytea(bytes: &[u8]) -> String {
    format!("'\\x{}'::bytea", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// Empties `schema` and creates the version 1 tables in it, as qscope
/// wrote them then.
async fn empty_at_version_1(client: &deadpool_postgres::Client, schema: &str) {
    client
        .batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE; CREATE SCHEMA \"{schema}\""))
        .await
        .expect("an empty schema");
    client.batch_execute(include_str!("../src/adapter/sql/postgres_v1.sql")).await.expect("v1");
}

/// A schema that qscope wrote under version 1, with data, is brought to
/// version 2 on connect and reads as the new schema says.
#[test]
fn a_version_1_database_with_data_migrates_to_version_2() {
    let Some(url) = pg::url() else { return };
    let temp = TempPostgres::new(&url);
    let schema = temp.schema.clone();
    schema_at(&temp, &schema, 1);
    let migrated =
        qscope::adapter::postgres::BlockingPostgresStore::connect(&url, pg::options(&schema))
            .expect("connect and migrate");
    sql_support::v1_rows_read_as_migrated(&migrated, || migrated.audit_events());
    assert_eq!(migrated_versions(&migrated), vec![1, 2, 3, 4]);
}

/// A schema at version 2, with data, is brought to version 3 on connect:
/// its rows read as before, and accounts, sessions and consents can be
/// stored.
#[test]
fn a_version_2_database_with_data_migrates_to_version_3() {
    let Some(url) = pg::url() else { return };
    let temp = TempPostgres::new(&url);
    let schema = temp.schema.clone();
    schema_at(&temp, &schema, 2);
    let migrated =
        qscope::adapter::postgres::BlockingPostgresStore::connect(&url, pg::options(&schema))
            .expect("connect and migrate");
    sql_support::v1_rows_read_as_migrated(&migrated, || migrated.audit_events());
    sql_support::version_3_records_round_trip(&migrated);
    assert_eq!(migrated_versions(&migrated), vec![1, 2, 3, 4]);
}

/// A schema at version 3, with data, is brought to version 4 on connect:
/// its codes, tokens, pushed requests and device grants read as before
/// with no resources, and new records keep theirs (RFC 8707).
#[test]
fn a_version_3_database_with_data_migrates_to_version_4() {
    let Some(url) = pg::url() else { return };
    let temp = TempPostgres::new(&url);
    let schema = temp.schema.clone();
    schema_at(&temp, &schema, 3);
    let migrated =
        qscope::adapter::postgres::BlockingPostgresStore::connect(&url, pg::options(&schema))
            .expect("connect and migrate");
    sql_support::v1_rows_read_as_migrated(&migrated, || migrated.audit_events());
    sql_support::v3_rows_read_as_migrated(&migrated);
    assert_eq!(migrated_versions(&migrated), vec![1, 2, 3, 4]);
}

/// A transaction of a thousand statements (a batch of best-effort audit
/// events, as the demo server writes them) goes down one pipeline and
/// applies whole, in order.
#[test]
fn a_thousand_statements_apply_in_one_transaction() {
    let Some(url) = pg::url() else { return };
    let temp = TempPostgres::new(&url);
    let events: Vec<qscope::store::AuditEvent> = (0..1000u64)
        .map(|n| {
            let at = T0.after(qscope::Seconds::new(n));
            let ctx = qscope::Context::new(at, qscope::Entropy::from_bytes([0; 32]))
                .with_request_id(qscope::RequestId(u128::from(n)));
            qscope::store::AuditEvent::new(qscope::store::AuditAction::TokenIntrospected, &ctx)
        })
        .collect();
    let batch =
        Transaction::unconditional(events.iter().cloned().map(Effect::AppendAudit).collect());
    assert_eq!(qscope::store::Store::apply(&temp, &batch).expect("apply"), Outcome::Applied);
    assert_eq!(temp.store.audit_events().expect("audit events"), events);
}

/// Writes `schema` as qscope wrote it under `version` (1 to 3), with the
/// rows of `sql_support` for that version.
fn schema_at(temp: &TempPostgres, schema: &str, version: i64) {
    temp.store.block_on(async {
        let client = temp.store.store().pool().get().await.expect("client");
        empty_at_version_1(&client, schema).await;
        client.batch_execute(&sql_support::v1_rows(bytea, "false")).await.expect("v1 rows");
        if version >= 2 {
            let v2 = include_str!("../src/adapter/sql/postgres_v2.sql");
            client.batch_execute(v2).await.expect("v2");
        }
        if version >= 3 {
            let v3 = include_str!("../src/adapter/sql/postgres_v3.sql");
            client.batch_execute(v3).await.expect("v3");
            client.batch_execute(&sql_support::v3_rows(bytea)).await.expect("v3 rows");
        }
        for applied in 1..=version {
            let insert = "INSERT INTO schema_version (version) VALUES ($1)";
            client.execute(insert, &[&applied]).await.expect("schema_version");
        }
    });
}

/// The versions `schema_version` of `store`'s schema lists, in order.
fn migrated_versions(store: &qscope::adapter::postgres::BlockingPostgresStore) -> Vec<i64> {
    store.block_on(async {
        let client = store.store().pool().get().await.expect("client");
        let rows = client.query("SELECT version FROM schema_version ORDER BY version", &[]).await;
        rows.expect("schema_version").iter().map(|r| r.get(0)).collect()
    })
}
