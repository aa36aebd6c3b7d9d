//! Token lifecycle properties: FIFO limits, races on one code or one
//! refresh token, commit conflicts, audit hygiene, determinism, store
//! failures and adapter misuse.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use qscope::store::{
    Answers, Effect, MemoryStore, Outcome, Query, Store, StoreError, TokenHash, TokenKind,
    Transaction,
};
use qscope::{Context, Entropy, FifoLimits, MisuseKind, Server, Step, UnixTime, drive};
use support::*;

fn code_body(code: &str) -> String {
    format!(
        "grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&code_verifier={VERIFIER}"
    )
}

fn token_of(response: &http::Response<Vec<u8>>, key: &str) -> String {
    json(response)[key].as_str().unwrap_or_else(|| panic!("{key} missing")).to_owned()
}

fn revoked(h: &Harness, token: &str) -> bool {
    h.store.token(&TokenHash::of(token)).expect("stored").revoked_at.is_some()
}

#[test]
fn fifo_refresh_tokens_per_client_revokes_the_oldest() {
    let fifo = FifoLimits { refresh_per_client: Some(2), ..FifoLimits::default() };
    let h = Harness::with(config().fifo(fifo));
    let mut refresh = Vec::new();
    for i in 0..4 {
        let code = h.code(&format!("fifo-code-{i}"), CLIENT_ID);
        let response = h.send(token_request(&code_body(&code)).basic(CLIENT_ID, CLIENT_SECRET));
        refresh.push(token_of(&response, "refresh_token"));
        h.advance(1);
    }
    let state: Vec<bool> = refresh.iter().map(|t| revoked(&h, t)).collect();
    assert_eq!(state, [true, true, false, false], "the two oldest refresh tokens were revoked");
    let live = h
        .store
        .tokens()
        .into_iter()
        .filter(|t| t.kind == TokenKind::Refresh && t.is_active(h.now()))
        .count();
    assert_eq!(live, 2);
}

#[test]
fn fifo_refresh_tokens_per_client_and_subject() {
    let fifo = FifoLimits { refresh_per_client_subject: Some(1), ..FifoLimits::default() };
    let h = Harness::with(config().fifo(fifo));
    let a = token_of(
        &h.send(
            token_request(&code_body(&h.code("s-a", CLIENT_ID))).basic(CLIENT_ID, CLIENT_SECRET),
        ),
        "refresh_token",
    );
    // A different subject is counted apart.
    let mut bob = h.store.code(&TokenHash::of(&h.code("s-bob", CLIENT_ID))).unwrap();
    bob.subject = "bob".into();
    h.store.insert_code(bob);
    let b = token_of(
        &h.send(token_request(&code_body("s-bob")).basic(CLIENT_ID, CLIENT_SECRET)),
        "refresh_token",
    );
    assert!(!revoked(&h, &a) && !revoked(&h, &b));
    h.advance(1);
    let a2 = token_of(
        &h.send(
            token_request(&code_body(&h.code("s-a2", CLIENT_ID))).basic(CLIENT_ID, CLIENT_SECRET),
        ),
        "refresh_token",
    );
    assert!(revoked(&h, &a) && !revoked(&h, &a2) && !revoked(&h, &b));
}

#[test]
fn fifo_access_tokens_per_refresh_chain() {
    let fifo = FifoLimits { access_per_refresh: Some(1), ..FifoLimits::default() };
    let h = Harness::with(config().fifo(fifo));
    let first = h.send(
        token_request(&code_body(&h.code("chain", CLIENT_ID))).basic(CLIENT_ID, CLIENT_SECRET),
    );
    let a0 = token_of(&first, "access_token");
    h.advance(1);
    let second = h.send(
        token_request(&format!(
            "grant_type=refresh_token&refresh_token={}",
            token_of(&first, "refresh_token")
        ))
        .basic(CLIENT_ID, CLIENT_SECRET),
    );
    let a1 = token_of(&second, "access_token");
    assert!(revoked(&h, &a0), "the chain's older access token was revoked");
    assert!(!revoked(&h, &a1));
    let trims = h.committed.borrow()[0]
        .effects
        .iter()
        .filter(|e| matches!(e, Effect::RevokeOldest { .. }))
        .count();
    assert_eq!(trims, 1, "FIFO applied in the issuing commit");
}

/// Two exchanges read the same code before either commits: the second
/// commit conflicts, and the core answers invalid_grant after revoking
/// the first exchange's tokens.
#[test]
fn interleaved_redemptions_conflict_and_clean_up() {
    let h = Harness::new();
    let code = h.code("interleaved", CLIENT_ID);
    let request = || -> http::Request<Vec<u8>> {
        token_request(&code_body(&code)).basic(CLIENT_ID, CLIENT_SECRET).into()
    };
    let read = |step: Step| match step {
        Step::Read(read) => {
            let answers = h.store.read(read.queries()).unwrap();
            match read.resume(answers).unwrap() {
                Step::Commit(commit) => commit,
                other => panic!("expected a commit, got {other:?}"),
            }
        }
        other => panic!("expected a read, got {other:?}"),
    };
    let first = read(h.server.begin(&request(), h.context()));
    let second = read(h.server.begin(&request(), h.context()));
    let outcome = h.store.apply(first.transaction()).unwrap();
    let Step::Respond(winner) = first.resume(outcome).unwrap() else { panic!("winner responds") };
    let winner = winner.reply.into_http().expect("an HTTP reply");
    assert_eq!(winner.status(), 200);

    let outcome = h.store.apply(second.transaction()).unwrap();
    assert!(matches!(outcome, Outcome::Conflict { .. }));
    let Step::Commit(cleanup) = second.resume(outcome).unwrap() else { panic!("loser cleans up") };
    assert!(cleanup.transaction().preconditions.is_empty());
    assert!(matches!(cleanup.transaction().effects[0], Effect::RevokeFamily { .. }));
    let outcome = h.store.apply(cleanup.transaction()).unwrap();
    let Step::Respond(loser) = cleanup.resume(outcome).unwrap() else { panic!("loser responds") };
    assert_error(&loser.reply.into_http().expect("an HTTP reply"), 400, "invalid_grant");
    assert!(revoked(&h, &token_of(&winner, "access_token")));
    assert!(revoked(&h, &token_of(&winner, "refresh_token")));
}

/// Many rounds of two threads redeeming one code through the generic
/// driver: exactly one token response each time, the loser gets
/// invalid_grant, and the winner's tokens end revoked.
#[test]
fn concurrent_redemption_has_exactly_one_winner() {
    let server = Arc::new(Server::new(config().build().unwrap()));
    let store = Arc::new(MemoryStore::new());
    store.insert_client(confidential(
        CLIENT_ID,
        CLIENT_SECRET,
        qscope::store::ClientAuthMethod::ClientSecretBasic,
    ));
    let counter = Arc::new(AtomicUsize::new(0));
    for round in 0..200 {
        let code = format!("race-{round}");
        let h = Harness::new();
        h.code(&code, CLIENT_ID);
        store.insert_code(h.store.code(&TokenHash::of(&code)).unwrap());
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (server, store, barrier, counter, body) = (
                    Arc::clone(&server),
                    Arc::clone(&store),
                    Arc::clone(&barrier),
                    Arc::clone(&counter),
                    code_body(&code),
                );
                std::thread::spawn(move || {
                    let n = counter.fetch_add(1, Ordering::SeqCst) as u64 + 1;
                    let mut entropy = [0u8; 32];
                    entropy[..8].copy_from_slice(&n.to_be_bytes());
                    let ctx = Context::new(T0, Entropy::from_bytes(entropy));
                    let request: http::Request<Vec<u8>> =
                        token_request(&body).basic(CLIENT_ID, CLIENT_SECRET).into();
                    barrier.wait();
                    drive(&server, &*store, &request, ctx).into_http().expect("an HTTP reply")
                })
            })
            .collect();
        let responses: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let winners: Vec<_> = responses.iter().filter(|r| r.status() == 200).collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one token response");
        let loser = responses.iter().find(|r| r.status() != 200).unwrap();
        assert_error(loser, 400, "invalid_grant");
        for key in ["access_token", "refresh_token"] {
            let token = token_of(winners[0], key);
            assert!(
                store.token(&TokenHash::of(&token)).unwrap().revoked_at.is_some(),
                "round {round}: winner's {key} revoked"
            );
        }
    }
}

#[test]
fn audit_events_never_carry_secrets() {
    let h = Harness::new();
    let code = h.code("SplxlOBeZQQYbYS6WxSbIA", CLIENT_ID);
    let response = h.send(token_request(&code_body(&code)).basic(CLIENT_ID, CLIENT_SECRET));
    let access = token_of(&response, "access_token");
    let refresh = token_of(&response, "refresh_token");
    h.send(
        token_request(&format!("grant_type=refresh_token&refresh_token={refresh}"))
            .basic(CLIENT_ID, CLIENT_SECRET),
    );
    h.send(token_request(&code_body(&code)).basic(CLIENT_ID, CLIENT_SECRET));
    h.send(token_request("grant_type=client_credentials").basic(CLIENT_ID, "wrong-secret-value"));
    let events = h.store.audit_events();
    assert!(events.len() >= 4);
    let trail = serde_json::to_string(&events).unwrap() + &format!("{events:?}");
    for secret in [code.as_str(), &access, &refresh, CLIENT_SECRET, "wrong-secret-value", VERIFIER]
    {
        assert!(!trail.contains(secret), "audit trail leaks {secret}");
    }
    for hash in [TokenHash::of(&access), TokenHash::of(&refresh)] {
        assert!(!trail.contains(&hash.to_text()), "audit trail leaks a token hash");
    }
    let issued =
        events.iter().find(|e| e.action == qscope::store::AuditAction::TokenIssued).unwrap();
    assert_eq!(issued.client_id.as_deref(), Some(CLIENT_ID));
    assert_eq!(issued.subject.as_deref(), Some("alice"));
    assert_eq!(issued.grant_type, Some(qscope::store::GrantType::AuthorizationCode));
    assert_eq!(issued.at, T0);
}

#[test]
fn steps_and_records_debug_without_secrets() {
    let h = Harness::new();
    let code = h.code("debug-code", CLIENT_ID);
    let step = h.server.begin(
        &http::Request::<Vec<u8>>::from(
            token_request(&code_body(&code)).basic(CLIENT_ID, CLIENT_SECRET),
        ),
        h.context(),
    );
    let text = format!("{step:?}");
    assert!(
        !text.contains(CLIENT_SECRET) && !text.contains(VERIFIER) && !text.contains("debug-code"),
        "{text}"
    );
    let Step::Read(read) = step else { panic!() };
    let answers = h.store.read(read.queries()).unwrap();
    let Step::Commit(commit) = read.resume(answers).unwrap() else { panic!() };
    let text = format!("{commit:?}");
    assert!(text.contains("<redacted>"));
    assert!(!text.contains(CLIENT_SECRET) && !text.contains(VERIFIER), "{text}");
}

#[test]
fn fixed_inputs_give_identical_bytes() {
    let run = || {
        let h = Harness::new();
        let code = h.code("det", CLIENT_ID);
        let response = h.send(token_request(&code_body(&code)).basic(CLIENT_ID, CLIENT_SECRET));
        (
            response.status(),
            response.headers().clone(),
            response.into_body(),
            h.committed.borrow().clone(),
        )
    };
    assert_eq!(run(), run());
}

struct FailingStore {
    transient: bool,
    fail_reads: bool,
    inner: MemoryStore,
}

impl Store for FailingStore {
    fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        if self.fail_reads {
            return Err(self.error());
        }
        self.inner.read(queries)
    }

    fn apply(&self, _: &Transaction) -> Result<Outcome, StoreError> {
        Err(self.error())
    }
}

impl FailingStore {
    fn error(&self) -> StoreError {
        let cause = std::io::Error::other("disk on fire");
        if self.transient { StoreError::transient(cause) } else { StoreError::permanent(cause) }
    }
}

#[test]
fn store_failures_become_rfc_errors() {
    let h = Harness::new();
    let ctx = || Context::new(T0, Entropy::from_bytes([9; 32]));
    for (transient, fail_reads, status, code) in [
        (true, true, 503, "temporarily_unavailable"),
        (false, true, 500, "server_error"),
        (true, false, 503, "temporarily_unavailable"),
        (false, false, 500, "server_error"),
    ] {
        let inner = MemoryStore::new();
        inner.insert_client(confidential(
            CLIENT_ID,
            CLIENT_SECRET,
            qscope::store::ClientAuthMethod::ClientSecretBasic,
        ));
        let store = FailingStore { transient, fail_reads, inner };
        let request: http::Request<Vec<u8>> =
            token_request("grant_type=client_credentials").basic(CLIENT_ID, CLIENT_SECRET).into();
        let response =
            drive(&h.server, &store, &request, ctx()).into_http().expect("an HTTP reply");
        let body = assert_error(&response, status, code);
        assert!(body.get("access_token").is_none(), "no token when the commit failed");
    }
}

#[test]
fn answers_must_echo_queries() {
    let h = Harness::new();
    let begin = || match h.server.begin(
        &http::Request::<Vec<u8>>::from(
            token_request("grant_type=client_credentials").basic(CLIENT_ID, CLIENT_SECRET),
        ),
        h.context(),
    ) {
        Step::Read(read) => read,
        other => panic!("expected a read, got {other:?}"),
    };
    assert_eq!(
        begin().resume(Answers::default()).unwrap_err(),
        MisuseKind::AnswerCount { expected: 1, got: 0 }
    );
    let mut wrong_key = Answers::default();
    wrong_key.push(Query::Client { client_id: "someone-else".into() }, None);
    assert_eq!(begin().resume(wrong_key).unwrap_err(), MisuseKind::AnswerKey { index: 0 });
    let mut wrong_record = Answers::default();
    let other =
        h.store.read(&[Query::Client { client_id: "public-app".into() }]).unwrap().as_slice()[0]
            .record
            .clone();
    wrong_record.push(Query::Client { client_id: CLIENT_ID.into() }, other);
    assert_eq!(begin().resume(wrong_record).unwrap_err(), MisuseKind::AnswerRecord { index: 0 });
}

#[test]
fn conflicts_must_name_a_precondition_of_the_transaction() {
    let h = Harness::new();
    let Step::Read(read) = h.server.begin(
        &http::Request::<Vec<u8>>::from(
            token_request("grant_type=client_credentials").basic(CLIENT_ID, CLIENT_SECRET),
        ),
        h.context(),
    ) else {
        panic!()
    };
    let answers = h.store.read(read.queries()).unwrap();
    let Step::Commit(commit) = read.resume(answers).unwrap() else { panic!() };
    let bogus = Outcome::Conflict {
        failed: qscope::store::Precondition::TokenActive { hash: TokenHash::of("x") },
        found: None,
    };
    assert_eq!(commit.resume(bogus).unwrap_err(), MisuseKind::UnknownPrecondition);
}

#[test]
fn context_time_drives_expiry() {
    let h = Harness::new();
    let response =
        h.send(token_request("grant_type=client_credentials").basic(CLIENT_ID, CLIENT_SECRET));
    let record = h.store.token(&TokenHash::of(&token_of(&response, "access_token"))).unwrap();
    assert_eq!(record.issued_at, T0);
    assert_eq!(record.expires_at, UnixTime::from_secs(T0.as_secs() + 3600));
}

/// A client deleted, or changed, between a token request's read and its
/// commit gets no token (the issuing commit carries `ClientRevision`).
#[test]
fn client_deleted_or_changed_mid_request_gets_no_token() {
    use qscope::store::{ClientAuthMethod, Precondition};
    for deleted in [true, false] {
        let h = Harness::new();
        let request: http::Request<Vec<u8>> =
            token_request("grant_type=client_credentials").basic(CLIENT_ID, CLIENT_SECRET).into();
        let Step::Read(read) = h.server.begin(&request, h.context()) else { panic!() };
        let answers = h.store.read(read.queries()).unwrap();
        let Step::Commit(commit) = read.resume(answers).unwrap() else { panic!() };
        assert!(
            commit.transaction().preconditions.contains(&Precondition::ClientRevision {
                client_id: CLIENT_ID.into(),
                revision: 0
            })
        );
        if deleted {
            let delete = Effect::DeleteClient { client_id: CLIENT_ID.into(), at: T0 };
            let _ = h.store.apply(&Transaction::unconditional(vec![delete]));
        } else {
            let mut rotated =
                confidential(CLIENT_ID, "new-secret", ClientAuthMethod::ClientSecretBasic);
            rotated.revision = 1;
            h.store.insert_client(rotated);
        }
        let outcome = h.store.apply(commit.transaction()).unwrap();
        assert!(matches!(
            outcome,
            Outcome::Conflict { failed: Precondition::ClientRevision { .. }, .. }
        ));
        let response = h.finish(commit.resume(outcome).unwrap()).into_http().unwrap();
        if deleted {
            assert_error(&response, 401, "invalid_client");
        } else {
            assert_error(&response, 503, "temporarily_unavailable");
        }
        assert!(h.store.tokens().is_empty(), "no token was stored");
    }
}
