//! What `MemoryStore` costs per operation as it grows
//! (`cargo bench --bench memory_store`; `-- --operations N` changes the
//! operations per operation kind from 1,000,000).
//!
//! For each of three token requests, one store starts with the client
//! alone and takes the request's read and commit `N` times, exactly those
//! the core asks for (as `cargo run --example walkthrough` prints them):
//!
//! * **client credentials**: read the client; commit, under the client's
//!   revision, an access token and an audit event.
//! * **code exchange**: read the client and the code; commit, under the
//!   code unconsumed and the client's revision, the code consumed, a
//!   refresh and an access token and an audit event.
//! * **refresh rotation**: read the client and the refresh token; commit,
//!   under the token active and the client's revision, the token rotated,
//!   its successor and an access token and an audit event.
//!
//! The codes and refresh tokens presented are stored (untimed) before each
//! block of 10,000 operations, each in a family of its own; so the store
//! grows by three records (or four) per operation and holds millions at the
//! end. The operations are timed by blocks of 10,000; the table gives the
//! median time per operation of the first ten blocks (a store of under
//! 100,000 operations), of the last ten, their ratio (1.00: the cost does
//! not grow with the store), and the slowest block. Wall time of one
//! thread: on a shared machine run it more than once and note `uptime`.

#![allow(missing_docs, reason = "a benchmark binary")]

use std::hint::black_box;
use std::time::{Duration, Instant};

use qscope::store::{
    AuditAction, AuditEvent, ClientAuthMethod, ClientRecord, CodeRecord, Effect, FamilyId,
    GrantType, MemoryStore, Outcome, PkceChallenge, PkceMethod, Precondition, Query, Store,
    TokenHash, TokenKind, TokenRecord, Transaction,
};
use qscope::{ClientSecret, RequestId, Scopes, Seconds, UnixTime};

const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);
const CLIENT: &str = "bench";
const BLOCK: usize = 10_000;
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// The three operations measured.
#[derive(Clone, Copy)]
enum Operation {
    ClientCredentials,
    CodeExchange,
    RefreshRotation,
}

impl Operation {
    const ALL: [Self; 3] = [Self::ClientCredentials, Self::CodeExchange, Self::RefreshRotation];

    fn name(self) -> &'static str {
        match self {
            Self::ClientCredentials => "client credentials",
            Self::CodeExchange => "code exchange",
            Self::RefreshRotation => "refresh rotation",
        }
    }
}

/// A store holding the bench client, as the peers benchmark registers it.
fn store() -> MemoryStore {
    let store = MemoryStore::new();
    store.insert_client(
        ClientRecord::confidential(
            CLIENT,
            ClientSecret::new("bench-secret").hash(),
            ClientAuthMethod::ClientSecretBasic,
        )
        .with_grants([
            GrantType::AuthorizationCode,
            GrantType::ClientCredentials,
            GrantType::RefreshToken,
        ])
        .with_scopes(Scopes::from_names(["read"]))
        .with_redirect_uris(["https://client.example.com/cb"]),
    );
    store
}

/// The `n`th secret's hash, and a family of its own.
fn minted(n: u64, what: &str) -> (TokenHash, FamilyId) {
    let mut family = [0u8; 16];
    family[..8].copy_from_slice(&n.to_le_bytes());
    family[8] = what.as_bytes()[0];
    (TokenHash::of(&format!("{what}-{n:0>38}")), FamilyId::from_bytes(family))
}

fn token(hash: TokenHash, kind: TokenKind, family: FamilyId, subject: Option<&str>) -> TokenRecord {
    TokenRecord {
        hash,
        kind,
        client_id: CLIENT.into(),
        subject: subject.map(str::to_owned),
        scopes: Scopes::from_names(["read"]),
        family,
        parent: None,
        issued_at: NOW,
        expires_at: NOW.after(Seconds::hours(1)),
        rotated_at: None,
        revoked_at: None,
        resources: Vec::new(),
    }
}

fn code(hash: TokenHash, family: FamilyId) -> CodeRecord {
    CodeRecord {
        hash,
        client_id: CLIENT.into(),
        subject: "alice".into(),
        redirect_uri: Some("https://client.example.com/cb".into()),
        scopes: Scopes::from_names(["read"]),
        challenge: Some(PkceChallenge { method: PkceMethod::S256, challenge: CHALLENGE.into() }),
        issued_at: NOW,
        expires_at: NOW.after(Seconds::new(600)),
        family,
        consumed_at: None,
        resources: Vec::new(),
    }
}

fn issued(grant_type: GrantType, subject: Option<&str>, family: FamilyId) -> Effect {
    Effect::AppendAudit(AuditEvent {
        at: NOW,
        request_id: RequestId(0),
        peer: None,
        action: AuditAction::TokenIssued,
        client_id: Some(CLIENT.into()),
        subject: subject.map(str::to_owned),
        grant_type: Some(grant_type),
        family: Some(family),
        error: None,
        reason: None,
    })
}

/// One request's read and commit.
struct Request {
    queries: Vec<Query>,
    commit: Transaction,
}

/// The `n`th request of `operation`, with what it presents stored in `store`.
fn prepare(store: &MemoryStore, operation: Operation, n: u64) -> Request {
    let client = Query::Client { client_id: CLIENT.into() };
    let revision = Precondition::ClientRevision { client_id: CLIENT.into(), revision: 0 };
    let (access, _) = minted(n, "access");
    match operation {
        Operation::ClientCredentials => {
            let (_, family) = minted(n, "family");
            Request {
                queries: vec![client],
                commit: Transaction {
                    preconditions: vec![revision],
                    effects: vec![
                        Effect::PutToken(token(access, TokenKind::Access, family, None)),
                        issued(GrantType::ClientCredentials, None, family),
                    ],
                },
            }
        }
        Operation::CodeExchange => {
            let (hash, family) = minted(n, "code");
            store.insert_code(code(hash, family));
            let (refresh, _) = minted(n, "refresh");
            let subject = Some("alice");
            Request {
                queries: vec![client, Query::Code { hash }],
                commit: Transaction {
                    preconditions: vec![Precondition::CodeUnconsumed { hash }, revision],
                    effects: vec![
                        Effect::ConsumeCode { hash, at: NOW },
                        Effect::PutToken(token(refresh, TokenKind::Refresh, family, subject)),
                        Effect::PutToken(token(access, TokenKind::Access, family, subject)),
                        issued(GrantType::AuthorizationCode, subject, family),
                    ],
                },
            }
        }
        Operation::RefreshRotation => {
            let (hash, family) = minted(n, "presented");
            let subject = Some("alice");
            store.insert_token(token(hash, TokenKind::Refresh, family, subject));
            let (successor, _) = minted(n, "successor");
            let mut next = token(successor, TokenKind::Refresh, family, subject);
            next.parent = Some(hash);
            let mut access = token(access, TokenKind::Access, family, subject);
            access.parent = Some(successor);
            Request {
                queries: vec![client, Query::Token { hash }],
                commit: Transaction {
                    preconditions: vec![Precondition::TokenActive { hash }, revision],
                    effects: vec![
                        Effect::RotateToken { hash, at: NOW },
                        Effect::PutToken(next),
                        Effect::PutToken(access),
                        issued(GrantType::RefreshToken, subject, family),
                    ],
                },
            }
        }
    }
}

/// Times `blocks` blocks of [`BLOCK`] operations on one growing store.
#[expect(
    clippy::disallowed_methods,
    reason = "the benchmark measures wall time; qscope's ban on the clock is for its core"
)]
fn run(operation: Operation, blocks: usize) -> Vec<Duration> {
    let store = store();
    let mut n = 0;
    (0..blocks)
        .map(|_| {
            let requests: Vec<Request> = (0..BLOCK)
                .map(|_| {
                    n += 1;
                    prepare(&store, operation, n)
                })
                .collect();
            let start = Instant::now();
            for request in &requests {
                let answers = store.read(&request.queries).expect("read");
                black_box(answers);
                let outcome = store.apply(&request.commit).expect("apply");
                assert_eq!(outcome, Outcome::Applied, "every commit applies");
            }
            start.elapsed() / BLOCK as u32
        })
        .collect()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut operations = 1_000_000;
    while let Some(arg) = args.next() {
        if arg == "--operations" {
            operations = args.next().and_then(|n| n.parse().ok()).expect("--operations N");
        }
    }
    let blocks = (operations / BLOCK).max(20);
    println!(
        "MemoryStore, read + commit per operation, one store growing to {} operations",
        blocks * BLOCK
    );
    println!(
        "{:<20} {:>14} {:>14} {:>11} {:>14}",
        "operation", "first 100k", "last 100k", "last/first", "slowest block"
    );
    for operation in Operation::ALL {
        let times = run(operation, blocks);
        let first = median(times[..10].to_vec());
        let last = median(times[times.len() - 10..].to_vec());
        let slowest = times.iter().max().copied().unwrap_or_default();
        println!(
            "{:<20} {:>14.2?} {:>14.2?} {:>11.2} {:>14.2?}",
            operation.name(),
            first,
            last,
            last.as_secs_f64() / first.as_secs_f64(),
            slowest
        );
    }
}
