//! The core driven over the SQL stores: token exchanges through
//! `qscope::drive` with SQLite (and PostgreSQL when
//! `QSCOPE_TEST_POSTGRES_URL` is set), including two threads redeeming one
//! code at once — exactly one token response, every time.

mod sql_support;
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use qscope::store::{
    ClientAuthMethod, CodeRecord, Effect, FamilyId, PkceChallenge, PkceMethod, Query, Record,
    Store, TokenHash,
};
use qscope::{Context, Entropy, RequestId, Scopes, Seconds, Server, drive};
use support::{
    CHALLENGE, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, T0, assert_error, confidential, config,
    json, token_request,
};

fn code_body(code: &str) -> String {
    format!(
        "grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&code_verifier={}",
        support::VERIFIER
    )
}

fn code(name: &str, round: u8) -> CodeRecord {
    CodeRecord {
        hash: TokenHash::of(name),
        client_id: CLIENT_ID.into(),
        subject: "alice".into(),
        redirect_uri: Some(REDIRECT_URI.into()),
        scopes: Scopes::from_names(["read"]),
        challenge: Some(PkceChallenge { method: PkceMethod::S256, challenge: CHALLENGE.into() }),
        issued_at: T0,
        expires_at: T0.after(Seconds::new(60)),
        family: FamilyId::from_bytes([round; 16]),
        consumed_at: None,
        resources: Vec::new(),
    }
}

fn token_of(response: &http::Response<Vec<u8>>, key: &str) -> String {
    json(response)[key].as_str().unwrap_or_else(|| panic!("{key} missing")).to_owned()
}

fn revoked<S: Store>(store: &S, token: &str) -> bool {
    match sql_support::read_one(store, Query::Token { hash: TokenHash::of(token) }) {
        Some(Record::Token(t)) => t.revoked_at.is_some(),
        other => panic!("token not stored: {other:?}"),
    }
}

/// A context with entropy from a process-wide counter: no two exchanges
/// mint the same secrets.
fn context() -> Context {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut entropy = [0u8; 32];
    entropy[..8].copy_from_slice(&n.to_be_bytes());
    Context::new(T0, Entropy::from_bytes(entropy)).with_request_id(RequestId(u128::from(n)))
}

fn send<S: Store>(server: &Server, store: &S, body: &str) -> http::Response<Vec<u8>> {
    let request: http::Request<Vec<u8>> =
        token_request(body).basic(CLIENT_ID, CLIENT_SECRET).into();
    drive(server, store, &request, context())
        .into_http()
        .expect("the token endpoint answers over HTTP")
}

/// `rounds` rounds of two threads redeeming one code, then a refresh
/// rotation and a reuse of the rotated token.
fn token_exchanges_over<S: Store + Send + Sync + 'static>(store: Arc<S>, rounds: u8) {
    let server = Arc::new(Server::new(config().build().expect("config")));
    sql_support::put(
        &*store,
        vec![Effect::PutClient(confidential(
            CLIENT_ID,
            CLIENT_SECRET,
            ClientAuthMethod::ClientSecretBasic,
        ))],
    );
    for round in 0..rounds {
        let name = format!("race-{round}");
        sql_support::put(&*store, vec![Effect::PutCode(code(&name, round))]);
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let racers: Vec<_> = (0..2)
            .map(|_| {
                let (server, store, barrier) =
                    (Arc::clone(&server), Arc::clone(&store), Arc::clone(&barrier));
                let body = code_body(&name);
                std::thread::spawn(move || {
                    barrier.wait();
                    send(&server, &*store, &body)
                })
            })
            .collect();
        let responses: Vec<_> = racers.into_iter().map(|r| r.join().expect("racer")).collect();
        let winners: Vec<_> = responses.iter().filter(|r| r.status() == 200).collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one token response");
        let loser = responses.iter().find(|r| r.status() != 200).expect("a loser");
        assert_error(loser, 400, "invalid_grant");
        for key in ["access_token", "refresh_token"] {
            assert!(
                revoked(&*store, &token_of(winners[0], key)),
                "round {round}: the replay revoked the winner's {key}"
            );
        }
    }

    sql_support::put(&*store, vec![Effect::PutCode(code("fresh", 200))]);
    let issued = send(&server, &*store, &code_body("fresh"));
    assert_eq!(issued.status(), 200);
    let first = token_of(&issued, "refresh_token");
    let rotated =
        send(&server, &*store, &format!("grant_type=refresh_token&refresh_token={first}"));
    assert_eq!(rotated.status(), 200, "rotation");
    let second = token_of(&rotated, "refresh_token");
    assert!(!revoked(&*store, &second));
    let reused = send(&server, &*store, &format!("grant_type=refresh_token&refresh_token={first}"));
    assert_error(&reused, 400, "invalid_grant");
    assert!(revoked(&*store, &second), "reuse of a rotated token revokes its successor");
}

#[cfg(feature = "sqlite")]
#[test]
fn token_exchanges_over_sqlite() {
    let dir = std::env::temp_dir().join(sql_support::unique_name("qscope-e2e"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = qscope::adapter::sqlite::SqliteStore::open(dir.join("e2e.db")).expect("open");
    token_exchanges_over(Arc::new(store), 30);
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "postgres")]
#[test]
fn token_exchanges_over_postgres() {
    let Some(url) = sql_support::pg::url() else { return };
    token_exchanges_over(Arc::new(sql_support::pg::TempPostgres::new(&url)), 30);
}
