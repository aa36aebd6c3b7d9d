//! Commit throughput of the SQLite store for a transaction shaped like an
//! authorization-code exchange: check the code is unconsumed, consume it,
//! store an access and a refresh token, trim the client's refresh tokens
//! (FIFO), append an audit event — one `BEGIN IMMEDIATE` transaction.
//!
//! `cargo bench --features sqlite --bench sqlite_store`

#![allow(missing_docs, reason = "criterion's macros generate undocumented items")]

use std::path::PathBuf;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use qscope::adapter::sqlite::{SqliteOptions, SqliteStore};
use qscope::store::{
    AuditAction, AuditEvent, CodeRecord, Effect, FamilyId, Outcome, Precondition, Store, TokenHash,
    TokenKind, TokenOwner, TokenRecord, Transaction,
};
use qscope::{RequestId, Scopes, Seconds, UnixTime};

const T0: UnixTime = UnixTime::from_secs(1_700_000_000);

fn code(n: u64) -> CodeRecord {
    CodeRecord {
        hash: TokenHash::of(&format!("code-{n}")),
        client_id: "bench-client".into(),
        subject: "alice".into(),
        redirect_uri: Some("https://client.example.com/cb".into()),
        scopes: Scopes::from_names(["read"]),
        challenge: None,
        issued_at: T0,
        expires_at: T0.after(Seconds::new(60)),
        family: FamilyId::from_bytes((u128::from(n)).to_be_bytes()),
        consumed_at: None,
        resources: Vec::new(),
    }
}

fn token(name: String, kind: TokenKind, code: &CodeRecord) -> TokenRecord {
    TokenRecord {
        hash: TokenHash::of(&name),
        kind,
        client_id: code.client_id.clone(),
        subject: Some(code.subject.clone()),
        scopes: code.scopes.clone(),
        family: code.family,
        parent: None,
        issued_at: T0,
        expires_at: T0.after(Seconds::hours(1)),
        rotated_at: None,
        revoked_at: None,
        resources: Vec::new(),
    }
}

fn exchange(n: u64) -> (CodeRecord, Transaction) {
    let code = code(n);
    let transaction = Transaction {
        preconditions: vec![Precondition::CodeUnconsumed { hash: code.hash }],
        effects: vec![
            Effect::ConsumeCode { hash: code.hash, at: T0 },
            Effect::PutToken(token(format!("at-{n}"), TokenKind::Access, &code)),
            Effect::PutToken(token(format!("rt-{n}"), TokenKind::Refresh, &code)),
            Effect::RevokeOldest {
                kind: TokenKind::Refresh,
                owner: TokenOwner::ClientSubject {
                    client_id: code.client_id.clone(),
                    subject: Some(code.subject.clone()),
                },
                keep: 10,
                at: T0,
            },
            Effect::AppendAudit(AuditEvent {
                at: T0,
                request_id: RequestId(u128::from(n)),
                peer: None,
                action: AuditAction::TokenIssued,
                client_id: Some(code.client_id.clone()),
                subject: Some(code.subject.clone()),
                grant_type: None,
                family: Some(code.family),
                error: None,
                reason: None,
            }),
        ],
    };
    (code, transaction)
}

fn bench_store(c: &mut Criterion, name: &str, options: SqliteOptions) {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("qscope-bench-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = SqliteStore::open_with(dir.join("bench.db"), options).expect("open");
    let mut n = 0u64;
    c.bench_function(name, |b| {
        b.iter_batched(
            || {
                n += 1;
                let (code, transaction) = exchange(n);
                let put = Transaction::unconditional(vec![Effect::PutCode(code)]);
                assert_eq!(store.apply(&put).expect("put code"), Outcome::Applied);
                transaction
            },
            |transaction| assert_eq!(store.apply(&transaction).expect("apply"), Outcome::Applied),
            BatchSize::SmallInput,
        );
    });
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

fn code_exchange_commit(c: &mut Criterion) {
    bench_store(c, "sqlite_code_exchange_commit_sync_full", SqliteOptions::default());
    bench_store(
        c,
        "sqlite_code_exchange_commit_sync_normal",
        SqliteOptions { synchronous_full: false, ..SqliteOptions::default() },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = code_exchange_commit
}
criterion_main!(benches);
