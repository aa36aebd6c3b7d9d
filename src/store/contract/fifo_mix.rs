//! Contract check for FIFO limits meeting concurrent refresh rotation,
//! driven through the real core so the transactions are exactly the ones
//! a server commits: bursts of authorization-code exchanges together with
//! the rotation of every live refresh token, all at once, under all three
//! FIFO limits.
//!
//! On a backend that locks rows, every one of those transactions checks
//! the client (its revision), locks a token or code row, and trims tokens
//! of the same owners; taking those locks in different orders deadlocks
//! (PostgreSQL then aborts one transaction, and the core answers 503). A
//! backend must take them in one order (see the store's module docs), so
//! this mix must never fail transiently, and the limits must hold.

use std::collections::HashMap;
use std::sync::{Arc, Barrier};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::Request;

use super::{T0, put, read_one};
use crate::secret::{SecretHash, TokenHash};
use crate::store::{
    ClientAuthMethod, ClientRecord, CodeRecord, Effect, FamilyId, GrantType, PkceChallenge,
    PkceMethod, Record, Store,
};
use crate::{Config, Context, Entropy, FifoLimits, Reply, Scopes, Seconds, Server, UnixTime};

const CLIENT: &str = "fifo-mix";
const SECRET: &str = "fifo-mix-secret";
const REDIRECT_URI: &str = "https://client.example.com/cb";
/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const SUBJECTS: [&str; 2] = ["alice", "bob"];
/// The limits of the measurement this check reproduces.
const LIMITS: FifoLimits = FifoLimits {
    refresh_per_client: Some(5),
    refresh_per_client_subject: Some(3),
    access_per_refresh: Some(2),
};

/// How the answers of one check were distributed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MixTally {
    /// Requests sent.
    pub requests: usize,
    /// `200` with tokens.
    pub issued: usize,
    /// `400 invalid_grant`: a rotation whose token a concurrent trim revoked.
    pub refused: usize,
    /// `503 temporarily_unavailable`: transient store failures (deadlocks,
    /// serialization failures, timeouts).
    pub transient: usize,
}

/// One request of a burst, and what its tokens belong to.
#[derive(Clone)]
struct Job {
    form: String,
    subject: &'static str,
    family: FamilyId,
}

/// The tokens a `200` carried.
struct Issued {
    access: String,
    refresh: String,
    subject: &'static str,
    family: FamilyId,
}

/// `bursts` times: twelve new codes are redeemed while every live refresh
/// token is rotated, all at once, under limits of 5 live refresh tokens
/// per client, 3 per client and subject and 2 access tokens per family.
/// Every request must be answered `200` or (a rotation racing a trim that
/// revoked its token) `400 invalid_grant` — never a store failure — every
/// token answered must be stored, and no limit may be exceeded. Returns
/// the tally.
pub fn fifo_limits_meet_concurrent_rotation<S: Store + Send + Sync + 'static>(
    store: Arc<S>,
    bursts: usize,
) -> MixTally {
    let server = Server::new(config());
    let mut client = ClientRecord::confidential(
        CLIENT,
        SecretHash::of(SECRET),
        ClientAuthMethod::ClientSecretBasic,
    )
    .with_grants([GrantType::AuthorizationCode, GrantType::RefreshToken])
    .with_scopes(Scopes::from_names(["read"]))
    .with_redirect_uris([REDIRECT_URI]);
    client.created_at = T0;
    put(&*store, vec![Effect::PutClient(client)]);

    let mut tally = MixTally::default();
    let mut issued: Vec<Issued> = Vec::new();
    let mut next_id: u32 = 0;
    for burst in 0..bursts {
        let now = T0.after(Seconds::new(burst as u64 + 1));
        let mut jobs = Vec::new();
        let mut codes = Vec::new();
        for i in 0..12 {
            next_id += 1;
            let name = format!("fifo-mix-code-{next_id}");
            let subject = SUBJECTS[i % SUBJECTS.len()];
            let family = family_of(next_id);
            codes.push(Effect::PutCode(code(&name, subject, family, now)));
            let form = format!(
                "grant_type=authorization_code&code={name}&redirect_uri={}&code_verifier={VERIFIER}",
                "https%3A%2F%2Fclient.example.com%2Fcb"
            );
            jobs.push(Job { form, subject, family });
        }
        put(&*store, codes);
        for token in live_refresh_tokens(&*store, &issued, now) {
            let form = format!("grant_type=refresh_token&refresh_token={}", token.refresh);
            jobs.push(Job { form, subject: token.subject, family: token.family });
        }

        let answers = run_burst(&server, &store, &jobs, now, burst);
        for (job, (status, body)) in jobs.iter().zip(answers) {
            tally.requests += 1;
            match status {
                200 => {
                    tally.issued += 1;
                    let token = issued_tokens(job, &body);
                    for secret in [&token.access, &token.refresh] {
                        let stored = read_one(
                            &*store,
                            crate::store::Query::Token { hash: TokenHash::of(secret) },
                        );
                        assert!(
                            matches!(stored, Some(Record::Token(_))),
                            "contract: a token answered with 200 is stored"
                        );
                    }
                    issued.push(token);
                }
                400 if body["error"] == "invalid_grant" => tally.refused += 1,
                503 if body["error"] == "temporarily_unavailable" => tally.transient += 1,
                other => panic!("contract: unexpected answer {other} {body} to {}", job.form),
            }
        }
        assert_limits_hold(&*store, &issued, now);
    }
    assert_eq!(
        tally.transient, 0,
        "contract: FIFO limits meeting concurrent rotations never fail transiently \
         (a deadlock or lock timeout is a lock-order bug): {tally:?}"
    );
    assert_eq!(
        tally.issued + tally.refused,
        tally.requests,
        "contract: every request is answered 200 or invalid_grant: {tally:?}"
    );
    tally
}

fn config() -> Config {
    Config::builder("https://issuer.example.com")
        .grants([GrantType::AuthorizationCode, GrantType::RefreshToken])
        .scope("read", "Read", true)
        .fifo(LIMITS)
        .build()
        .unwrap_or_else(|err| panic!("the check's configuration is valid: {err}"))
}

fn family_of(id: u32) -> FamilyId {
    let mut bytes = [0xf1; 16];
    bytes[..4].copy_from_slice(&id.to_be_bytes());
    FamilyId::from_bytes(bytes)
}

fn code(name: &str, subject: &str, family: FamilyId, now: UnixTime) -> CodeRecord {
    CodeRecord {
        hash: TokenHash::of(name),
        client_id: CLIENT.into(),
        subject: subject.into(),
        redirect_uri: Some(REDIRECT_URI.into()),
        scopes: Scopes::from_names(["read"]),
        challenge: Some(PkceChallenge { method: PkceMethod::S256, challenge: CHALLENGE.into() }),
        issued_at: now,
        expires_at: now.after(Seconds::new(60)),
        family,
        consumed_at: None,
        resources: Vec::new(),
    }
}

/// Sends every job at once (one thread each, released together) and
/// returns each answer's status and JSON body, in job order.
fn run_burst<S: Store + Send + Sync + 'static>(
    server: &Server,
    store: &Arc<S>,
    jobs: &[Job],
    now: UnixTime,
    burst: usize,
) -> Vec<(u16, serde_json::Value)> {
    let barrier = Arc::new(Barrier::new(jobs.len()));
    let authorization = format!("Basic {}", STANDARD.encode(format!("{CLIENT}:{SECRET}")));
    let handles: Vec<_> = jobs
        .iter()
        .enumerate()
        .map(|(i, job)| {
            let (server, store, barrier) =
                (server.clone(), Arc::clone(store), Arc::clone(&barrier));
            let (form, authorization) = (job.form.clone(), authorization.clone());
            let mut entropy = [0x5a; 32];
            entropy[..8].copy_from_slice(&(burst as u64).to_be_bytes());
            entropy[8..16].copy_from_slice(&(i as u64).to_be_bytes());
            std::thread::spawn(move || {
                let request = Request::post("/token")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("authorization", authorization)
                    .body(form.into_bytes())
                    .unwrap_or_else(|err| panic!("a valid request: {err}"));
                barrier.wait();
                let ctx = Context::new(now, Entropy::from_bytes(entropy));
                match crate::drive(&server, &*store, &request, ctx) {
                    Reply::Http(response) => {
                        let body = serde_json::from_slice(response.body())
                            .unwrap_or(serde_json::Value::Null);
                        (response.status().as_u16(), body)
                    }
                    _ => panic!("contract: a token request is answered over HTTP"),
                }
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().expect("a request thread panicked")).collect()
}

fn issued_tokens(job: &Job, body: &serde_json::Value) -> Issued {
    let member = |name: &str| {
        body[name].as_str().map(str::to_owned).unwrap_or_else(|| panic!("no {name} in {body}"))
    };
    Issued {
        access: member("access_token"),
        refresh: member("refresh_token"),
        subject: job.subject,
        family: job.family,
    }
}

fn token_record<S: Store + ?Sized>(store: &S, secret: &str) -> crate::store::TokenRecord {
    match read_one(store, crate::store::Query::Token { hash: TokenHash::of(secret) }) {
        Some(Record::Token(token)) => token,
        other => panic!("contract: an issued token is stored, found {other:?}"),
    }
}

fn live_refresh_tokens<'a, S: Store + ?Sized>(
    store: &S,
    issued: &'a [Issued],
    now: UnixTime,
) -> Vec<&'a Issued> {
    issued.iter().filter(|t| token_record(store, &t.refresh).is_active(now)).collect()
}

fn assert_limits_hold<S: Store + ?Sized>(store: &S, issued: &[Issued], now: UnixTime) {
    let live = live_refresh_tokens(store, issued, now);
    let per_client = LIMITS.refresh_per_client.unwrap_or(u32::MAX) as usize;
    assert!(
        live.len() <= per_client,
        "contract: at most {per_client} live refresh tokens per client, found {}",
        live.len()
    );
    let per_subject = LIMITS.refresh_per_client_subject.unwrap_or(u32::MAX) as usize;
    for subject in SUBJECTS {
        let count = live.iter().filter(|t| t.subject == subject).count();
        assert!(
            count <= per_subject,
            "contract: at most {per_subject} live refresh tokens for {subject}, found {count}"
        );
    }
    let per_family = LIMITS.access_per_refresh.unwrap_or(u32::MAX) as usize;
    let mut access: HashMap<FamilyId, usize> = HashMap::new();
    for token in issued {
        if token_record(store, &token.access).is_active(now) {
            *access.entry(token.family).or_default() += 1;
        }
    }
    for (family, count) in access {
        assert!(
            count <= per_family,
            "contract: at most {per_family} live access tokens per family, {family:?} has {count}"
        );
    }
}
