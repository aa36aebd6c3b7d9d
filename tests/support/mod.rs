//! The test harness: a `Server` over a `MemoryStore`, a virtual clock,
//! deterministic entropy, and the public driver over a store that asserts
//! the step bound and records every transaction.

#![allow(dead_code, unreachable_pub)]

use std::cell::{Cell, RefCell};

use base64::Engine as _;
use http::{Request, Response};
use qscope::store::{
    Answers, ClientAuthMethod, ClientRecord, CodeRecord, Effect, FamilyId, GrantType, MemoryStore,
    Outcome, PkceChallenge, PkceMethod, Query, Store, StoreError, TokenHash, TokenKind,
    TokenRecord, Transaction,
};
use qscope::{
    ClientSecret, Config, ConfigBuilder, Context, Decision, Entropy, Input, Interaction, MAX_STEPS,
    Reply, RequestId, Scopes, Seconds, Server, Step, UnixTime,
};
use serde_json::Value;

mod recording;

pub use recording::Recording;

/// The harness clock starts here.
pub const T0: UnixTime = UnixTime::from_secs(1_700_000_000);

/// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// The confidential client of the RFC 6749 examples.
pub const CLIENT_ID: &str = "s6BhdRkqt3";
pub const CLIENT_SECRET: &str = "gX1fBat3bV";
pub const REDIRECT_URI: &str = "https://client.example.com/cb";

pub struct Harness {
    pub server: Server,
    pub store: MemoryStore,
    now: Cell<UnixTime>,
    counter: Cell<u64>,
    /// Every transaction the last exchange committed, in order.
    pub committed: RefCell<Vec<Transaction>>,
    /// The best-effort effects of the last exchange.
    pub best_effort: RefCell<Vec<Effect>>,
}

/// The default test policy: known scopes `read` (default) and `write`.
pub fn config() -> ConfigBuilder {
    Config::builder("https://server.example.com").scope("read", "Read your data", true).scope(
        "write",
        "Change your data",
        false,
    )
}

impl Harness {
    pub fn new() -> Self {
        Self::with(config())
    }

    pub fn with(builder: ConfigBuilder) -> Self {
        let harness = Self {
            server: Server::new(builder.build().expect("test config")),
            store: MemoryStore::new(),
            now: Cell::new(T0),
            counter: Cell::new(0),
            committed: RefCell::new(Vec::new()),
            best_effort: RefCell::new(Vec::new()),
        };
        harness.store.insert_client(confidential(
            CLIENT_ID,
            CLIENT_SECRET,
            ClientAuthMethod::ClientSecretBasic,
        ));
        harness.store.insert_client(public_app());
        harness
    }

    pub fn now(&self) -> UnixTime {
        self.now.get()
    }

    pub fn advance(&self, secs: u64) {
        self.now.set(self.now.get().after(Seconds::new(secs)));
    }

    /// A fresh context: the clock's time, entropy from a counter.
    pub fn context(&self) -> Context {
        let n = self.counter.get() + 1;
        self.counter.set(n);
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&n.to_be_bytes());
        Context::new(self.now(), Entropy::from_bytes(bytes))
            .with_request_id(RequestId(u128::from(n)))
    }

    /// Drives `request` to its response through the store, asserting the
    /// step bound and recording transactions; the reply must be HTTP.
    pub fn send(&self, request: impl Into<Request<Vec<u8>>>) -> Response<Vec<u8>> {
        match self.exchange(request) {
            Reply::Http(response) => response,
            other => panic!("expected an HTTP reply, got {other:?}"),
        }
    }

    /// Drives `request` to its reply, whatever its kind.
    pub fn exchange(&self, request: impl Into<Request<Vec<u8>>>) -> Reply {
        self.ask(&request.into())
    }

    /// Drives any input (a request, a decision, a device prompt, a bearer
    /// check) to its reply with the public driver, asserting the step
    /// bound and recording the transactions and best-effort effects.
    pub fn ask<'a>(&self, input: impl Into<Input<'a>>) -> Reply {
        self.ask_with(input, self.context())
    }

    /// [`Harness::ask`] with the given context.
    pub fn ask_with<'a>(&self, input: impl Into<Input<'a>>, ctx: Context) -> Reply {
        self.committed.borrow_mut().clear();
        self.best_effort.borrow_mut().clear();
        let recording = Recording::new(&self.store);
        let respond = qscope::drive_deferred(&self.server, &recording, input, ctx);
        *self.committed.borrow_mut() = recording.commits.into_inner();
        let outcome = self
            .store
            .apply(&Transaction::unconditional(respond.best_effort.clone()))
            .expect("best effort");
        assert_eq!(outcome, Outcome::Applied);
        *self.best_effort.borrow_mut() = respond.best_effort;
        respond.reply
    }

    /// Drives `request`, whose reply must be an interaction.
    pub fn interaction(&self, request: impl Into<Request<Vec<u8>>>) -> Interaction {
        match self.exchange(request) {
            Reply::Interaction(interaction) => interaction,
            Reply::Http(response) => panic!(
                "expected an interaction, got {} {:?} {:?}",
                response.status(),
                response.headers(),
                String::from_utf8_lossy(response.body())
            ),
            other => panic!("expected an interaction, got {other:?}"),
        }
    }

    /// Drives the host's `decision` to its HTTP reply.
    pub fn decide(&self, decision: Decision) -> Response<Vec<u8>> {
        match self.ask(decision) {
            Reply::Http(response) => response,
            other => panic!("expected an HTTP reply, got {other:?}"),
        }
    }

    /// Finishes an exchange a race test stepped by hand (two exchanges
    /// interleaved at chosen points, which no driver does): the rest of
    /// it over the store, asserting the step bound and recording
    /// transactions like [`Harness::ask`].
    pub fn finish(&self, mut step: Step) -> Reply {
        self.committed.borrow_mut().clear();
        self.best_effort.borrow_mut().clear();
        for _ in 0..MAX_STEPS {
            step = match step {
                Step::Read(read) => {
                    let answers = self.store.read(read.queries()).expect("memory read");
                    read.resume(answers).expect("answers echo queries")
                }
                Step::Commit(commit) => {
                    let outcome = self.store.apply(commit.transaction()).expect("memory apply");
                    self.committed.borrow_mut().push(commit.transaction().clone());
                    commit.resume(outcome).expect("conflict names a precondition")
                }
                Step::Respond(respond) => {
                    let best_effort = respond.best_effort;
                    let outcome = self
                        .store
                        .apply(&Transaction::unconditional(best_effort.clone()))
                        .expect("best effort");
                    assert_eq!(outcome, Outcome::Applied);
                    *self.best_effort.borrow_mut() = best_effort;
                    return respond.reply;
                }
            };
        }
        panic!("exchange exceeded MAX_STEPS");
    }

    /// Stores an authorization code for `client_id` with the RFC 7636
    /// Appendix B S256 challenge; returns the code.
    pub fn code(&self, name: &str, client_id: &str) -> String {
        self.code_with(
            name,
            client_id,
            Some(PkceChallenge { method: PkceMethod::S256, challenge: CHALLENGE.into() }),
        )
    }

    pub fn code_with(
        &self,
        name: &str,
        client_id: &str,
        challenge: Option<PkceChallenge>,
    ) -> String {
        self.store.insert_code(CodeRecord {
            hash: TokenHash::of(name),
            client_id: client_id.into(),
            subject: "alice".into(),
            redirect_uri: Some(REDIRECT_URI.into()),
            scopes: Scopes::from_names(["read"]),
            challenge,
            issued_at: self.now(),
            expires_at: self.now().after(Seconds::new(60)),
            family: FamilyId::from_bytes(*b"family-of-code-1"),
            consumed_at: None,
            resources: Vec::new(),
        });
        name.to_owned()
    }
}

/// The public client: authorization code and refresh, both scopes.
pub fn public_app() -> ClientRecord {
    ClientRecord::public("public-app")
        .with_grants([GrantType::AuthorizationCode, GrantType::RefreshToken])
        .with_scopes(Scopes::from_names(["read", "write"]))
        .with_redirect_uris(["https://app.example.com/cb"])
}

/// A confidential client allowed every grant and both scopes.
pub fn confidential(id: &str, secret: &str, method: ClientAuthMethod) -> ClientRecord {
    ClientRecord::confidential(id, ClientSecret::new(secret).hash(), method)
        .with_grants([
            GrantType::AuthorizationCode,
            GrantType::ClientCredentials,
            GrantType::RefreshToken,
        ])
        .with_scopes(Scopes::from_names(["read", "write"]))
        .with_redirect_uris([REDIRECT_URI])
}

/// `Authorization: Basic` for `id:secret` (form-encoding is the caller's).
pub fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}")))
}

/// A request under construction: method, path, headers and body.
pub struct Req {
    builder: http::request::Builder,
    body: Vec<u8>,
}

impl Req {
    pub fn new(method: &str, path: &str, body: &str) -> Self {
        Self {
            builder: Request::builder().method(method).uri(path),
            body: body.as_bytes().to_vec(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.builder = self.builder.header(name, value);
        self
    }

    /// Adds `Authorization: Basic` for `id:secret`.
    pub fn basic(self, id: &str, secret: &str) -> Self {
        self.header("authorization", &basic(id, secret))
    }
}

impl From<Req> for Request<Vec<u8>> {
    fn from(req: Req) -> Self {
        req.builder.body(req.body).expect("valid test request")
    }
}

/// A form POST to the token endpoint.
pub fn token_request(body: &str) -> Req {
    Req::new("POST", "/token", body).header("content-type", "application/x-www-form-urlencoded")
}

/// The JSON body of a response.
pub fn json(response: &Response<Vec<u8>>) -> Value {
    serde_json::from_slice(response.body()).unwrap_or_else(|e| {
        panic!("body is not JSON ({e}): {:?}", String::from_utf8_lossy(response.body()))
    })
}

/// Asserts an RFC 6749 §5.2 error answer: status, `error`, no-store.
pub fn assert_error(response: &Response<Vec<u8>>, status: u16, error: &str) -> Value {
    let body = json(response);
    assert_eq!(response.status().as_u16(), status, "status for {body}");
    assert_eq!(body["error"], error, "error code in {body}");
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    assert_eq!(response.headers()["content-type"], "application/json");
    body
}

/// The `iss` parameter every authorization response carries (RFC 9207).
pub const ISS: &str = "iss=https%3A%2F%2Fserver.example.com";

/// The RFC 7636 Appendix B challenge as authorization request parameters.
pub const PKCE: &str =
    "code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";

/// The public client's registered redirect URI.
pub const APP_REDIRECT: &str = "https://app.example.com/cb";

/// `GET /authorize?<query>`.
pub fn authorize(query: &str) -> Req {
    Req::new("GET", &format!("/authorize?{query}"), "")
}

/// A form POST to the PAR endpoint.
pub fn par_request(body: &str) -> Req {
    Req::new("POST", "/par", body).header("content-type", "application/x-www-form-urlencoded")
}

/// Percent-encodes everything but unreserved characters.
pub fn enc(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes one percent-encoded query component.
pub fn dec(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&value[i + 1..i + 3], 16).expect("hex escape"));
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

/// Asserts the authorization endpoint's own redirect — a 302 with
/// `Cache-Control: no-store` — and returns its `Location`.
pub fn location(response: &Response<Vec<u8>>) -> String {
    redirect_to(response, 302)
}

/// Asserts a decision's redirect — a 303 (RFC 9700 §4.12) with
/// `Cache-Control: no-store` — and returns its `Location`.
pub fn decision_location(response: &Response<Vec<u8>>) -> String {
    redirect_to(response, 303)
}

fn redirect_to(response: &Response<Vec<u8>>, status: u16) -> String {
    assert_eq!(
        response.status(),
        status,
        "expected a {status} redirect, got {:?}",
        String::from_utf8_lossy(response.body())
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(response.body().is_empty());
    response.headers()["location"].to_str().expect("ASCII Location").to_owned()
}

/// The decoded value of `name` in the query of `url`.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (n, v) = pair.split_once('=').unwrap_or((pair, ""));
        (n == name).then(|| dec(v))
    })
}

/// Asserts a direct (never redirected) JSON error answer.
pub fn assert_direct(response: &Response<Vec<u8>>, status: u16, error: &str) -> Value {
    assert!(response.headers().get("location").is_none(), "a direct error never redirects");
    assert_error(response, status, error)
}

/// The best-effort effects of the last exchange: exactly one audit event.
pub fn refused_event(h: &Harness) -> qscope::store::AuditEvent {
    match h.best_effort.borrow().as_slice() {
        [Effect::AppendAudit(event)] => event.clone(),
        other => panic!("expected one best-effort audit event, got {other:?}"),
    }
}

/// A store whose reads or applies can be made to fail.
pub struct FailingStore {
    pub inner: MemoryStore,
    pub fail_reads: std::sync::atomic::AtomicBool,
    pub fail_applies: std::sync::atomic::AtomicBool,
    pub transient: bool,
}

impl FailingStore {
    pub fn new(inner: MemoryStore, transient: bool) -> Self {
        Self { inner, fail_reads: false.into(), fail_applies: false.into(), transient }
    }

    fn error(&self) -> StoreError {
        if self.transient {
            StoreError::transient("database busy")
        } else {
            StoreError::permanent("disk full")
        }
    }
}

impl Store for FailingStore {
    fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        if self.fail_reads.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(self.error());
        }
        self.inner.read(queries)
    }

    fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        if self.fail_applies.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(self.error());
        }
        self.inner.apply(transaction)
    }
}

/// A form POST to any path.
pub fn form_post(path: &str, body: &str) -> Req {
    Req::new("POST", path, body).header("content-type", "application/x-www-form-urlencoded")
}

/// A form POST to the revocation endpoint.
pub fn revoke_request(body: &str) -> Req {
    form_post("/revoke", body)
}

/// A form POST to the introspection endpoint.
pub fn introspect_request(body: &str) -> Req {
    form_post("/introspect", body)
}

/// The family of tokens stored with [`Harness::insert_token`] and `family` = `n`.
pub fn family(n: u8) -> FamilyId {
    FamilyId::from_bytes([n; 16])
}

impl Harness {
    /// Stores a live token named `name` (its hash is the key) for
    /// `client_id` and subject `alice`, issued now, expiring in an hour,
    /// scopes `read write`.
    pub fn insert_token(
        &self,
        name: &str,
        kind: TokenKind,
        client_id: &str,
        fam: u8,
    ) -> TokenRecord {
        let record = TokenRecord {
            hash: TokenHash::of(name),
            kind,
            client_id: client_id.into(),
            subject: Some("alice".into()),
            scopes: Scopes::from_names(["read", "write"]),
            family: family(fam),
            parent: None,
            issued_at: self.now(),
            expires_at: self.now().after(Seconds::hours(1)),
            rotated_at: None,
            revoked_at: None,
            resources: Vec::new(),
        };
        self.store.insert_token(record.clone());
        record
    }

    /// The stored token named `name`.
    pub fn token(&self, name: &str) -> TokenRecord {
        self.store.token(&TokenHash::of(name)).expect("token is stored")
    }

    /// The scopes of the stored token `token` (in clear), space-delimited.
    pub fn token_scopes(&self, token: &str) -> String {
        self.token(token).scopes.as_str().to_owned()
    }

    /// Redeems a fresh authorization code of the RFC client (PKCE S256)
    /// and returns `(access_token, refresh_token)`.
    pub fn redeem_code(&self, code: &str) -> (String, String) {
        let code = self.code(code, CLIENT_ID);
        let response = self.send(
            token_request(&format!(
                "grant_type=authorization_code&code={code}&redirect_uri={}&code_verifier={VERIFIER}",
                "https%3A%2F%2Fclient.example.com%2Fcb"
            ))
            .basic(CLIENT_ID, CLIENT_SECRET),
        );
        assert_eq!(response.status(), 200, "{:?}", json(&response));
        let body = json(&response);
        (
            body["access_token"].as_str().unwrap().into(),
            body["refresh_token"].as_str().unwrap().into(),
        )
    }

    /// Rotates `refresh` and returns the new `(access_token, refresh_token)`.
    pub fn refresh(&self, refresh: &str) -> (String, String) {
        let response = self.send(
            token_request(&format!("grant_type=refresh_token&refresh_token={refresh}"))
                .basic(CLIENT_ID, CLIENT_SECRET),
        );
        assert_eq!(response.status(), 200, "{:?}", json(&response));
        let body = json(&response);
        (
            body["access_token"].as_str().unwrap().into(),
            body["refresh_token"].as_str().unwrap().into(),
        )
    }

    /// The one best-effort audit event of the last exchange.
    pub fn best_effort_event(&self) -> qscope::store::AuditEvent {
        match self.best_effort.borrow().as_slice() {
            [Effect::AppendAudit(event)] => event.clone(),
            other => panic!("expected one best-effort audit event, got {other:?}"),
        }
    }
}

/// Asserts a response's exact header names (lower case, any order).
pub fn assert_header_names(response: &Response<Vec<u8>>, names: &[&str]) {
    let mut got: Vec<&str> = response.headers().keys().map(http::HeaderName::as_str).collect();
    got.sort_unstable();
    let mut want = names.to_vec();
    want.sort_unstable();
    assert_eq!(got, want, "header names");
}
