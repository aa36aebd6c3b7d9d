//! Shared by the SQL store tests: throw-away databases and the checks that
//! go beyond the contract suite (every column round-trips, purging, the
//! audit trail, errors roll back).

#![allow(dead_code, unreachable_pub)]

use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, Ipv6Addr};
use std::sync::atomic::{AtomicU64, Ordering};

use qscope::store::{
    AuditAction, AuditEvent, AuditReason, ClientAuthMethod, ClientRecord, CodeRecord,
    DeviceGrantRecord, DeviceStatus, Effect, FamilyId, GrantType, Outcome, Password,
    PendingAuthorizationRecord, PendingKind, PkceChallenge, PkceMethod, Query, Record, Registrant,
    SecretHash, Store, StoreError, TokenHash, TokenKind, TokenRecord, Transaction,
};
use qscope::{ErrorCode, RequestId, Scopes, Seconds, UnixTime};

#[cfg(feature = "postgres")]
pub mod pg;

pub const T0: UnixTime = UnixTime::from_secs(1_700_000_000);

/// A unique name for a test database or schema: process id, a counter,
/// and a per-process random key.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let random = RandomState::new().hash_one(std::process::id()) as u32;
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}_{}_{n}_{random:08x}", std::process::id())
}

pub fn put<S: Store + ?Sized>(store: &S, effects: Vec<Effect>) {
    assert_eq!(store.apply(&Transaction::unconditional(effects)).expect("apply"), Outcome::Applied);
}

pub fn read_one<S: Store + ?Sized>(store: &S, query: Query) -> Option<Record> {
    let answers = store.read(std::slice::from_ref(&query)).expect("read");
    answers.as_slice()[0].record.clone()
}

/// A client with every optional field set.
pub fn full_client() -> ClientRecord {
    let mut client = ClientRecord::confidential(
        "full-client",
        SecretHash::of("a secret"),
        ClientAuthMethod::ClientSecretPost,
    )
    .with_grants(GrantType::ALL)
    .with_scopes(Scopes::from_names(["openid", "read", "write"]))
    .with_redirect_uris(["https://a.example/cb", "https://b.example/cb?x=\"1\""]);
    client.name = Some("Full \u{e9}xample".into());
    client.uri = Some("https://a.example".into());
    client.resource_server = true;
    client.require_par = true;
    client.created_at = T0;
    client.logo_uri = Some("https://a.example/logo.png".into());
    client.contacts = vec!["ops@a.example".into(), "sec@a.example".into()];
    client.software_id = Some("4NRB1-0XZABZI9E6-5SM3R".into());
    client.software_version = Some("2.1".into());
    client.registration_token_hash = Some(TokenHash::of("registration-token"));
    client.revision = 7;
    client.registrant = Registrant::SelfRegistered;
    client
}

/// A pushed authorization request with every optional field set.
pub fn full_pending() -> PendingAuthorizationRecord {
    PendingAuthorizationRecord {
        hash: TokenHash::of("urn:ietf:params:oauth:request_uri:full"),
        kind: PendingKind::PushedRequest,
        client_id: "full-client".into(),
        redirect_uri: Some("https://a.example/cb".into()),
        resolved_redirect_uri: "https://a.example/cb".into(),
        scopes: Scopes::from_names(["read"]),
        state: Some("af0ifjsldkj".into()),
        challenge: Some(PkceChallenge { method: PkceMethod::Plain, challenge: "plain-one".into() }),
        created_at: T0,
        expires_at: T0.after(Seconds::new(60)),
        resources: vec!["https://api.example/".into(), "urn:example:ledger".into()],
    }
}

/// An approved device grant with every optional field set.
pub fn full_device() -> DeviceGrantRecord {
    DeviceGrantRecord {
        device_code_hash: TokenHash::of("device-code"),
        user_code_hash: TokenHash::of("WDJBMJHT"),
        client_id: "full-client".into(),
        scopes: Scopes::from_names(["read", "write"]),
        status: DeviceStatus::Approved,
        subject: Some("alice".into()),
        granted_scopes: Some(Scopes::from_names(["read"])),
        interval: 10,
        last_poll_at: Some(T0.after(Seconds::new(5))),
        issued_at: T0,
        expires_at: T0.after(Seconds::new(60)),
        family: FamilyId::from_bytes([0xde; 16]),
        resources: vec!["urn:example:ledger".into()],
    }
}

/// A code with PKCE and a consumption time.
pub fn full_code() -> CodeRecord {
    CodeRecord {
        hash: TokenHash::of("full-code"),
        client_id: "full-client".into(),
        subject: "alice".into(),
        redirect_uri: None,
        scopes: Scopes::from_names(["read"]),
        challenge: Some(PkceChallenge {
            method: PkceMethod::S256,
            challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
        }),
        issued_at: T0,
        expires_at: T0.after(Seconds::new(60)),
        family: FamilyId::from_bytes([0xab; 16]),
        consumed_at: Some(T0.after(Seconds::new(5))),
        resources: vec!["https://api.example/".into(), "https://other.example/v1?x=\"q\"".into()],
    }
}

pub fn token(name: &str, expires_in: u64) -> TokenRecord {
    TokenRecord {
        hash: TokenHash::of(name),
        kind: TokenKind::Access,
        client_id: "full-client".into(),
        subject: None,
        scopes: Scopes::new(),
        family: FamilyId::from_bytes([0xcd; 16]),
        parent: Some(TokenHash::of("parent")),
        issued_at: T0,
        expires_at: T0.after(Seconds::new(expires_in)),
        rotated_at: Some(T0),
        revoked_at: Some(T0.after(Seconds::new(1))),
        resources: vec!["https://api.example/".into()],
    }
}

/// Every column of every record kind is read back unchanged, including
/// public clients (no secret), codes without PKCE and tokens without subject.
pub fn every_field_round_trips<S: Store + ?Sized>(store: &S) {
    let public = ClientRecord::public("public-client");
    let mut plain = full_code();
    plain.hash = TokenHash::of("plain-code");
    plain.challenge = None;
    plain.redirect_uri = Some("https://a.example/cb".into());
    plain.consumed_at = None;
    let mut bare_pending = full_pending();
    bare_pending.hash = TokenHash::of("bare-pending");
    bare_pending.kind = PendingKind::PushedInteraction;
    bare_pending.redirect_uri = None;
    bare_pending.state = None;
    bare_pending.challenge = None;
    let mut bare_device = full_device();
    bare_device.device_code_hash = TokenHash::of("bare-device");
    bare_device.user_code_hash = TokenHash::of("BCDFGHJK");
    bare_device.status = DeviceStatus::Pending;
    bare_device.subject = None;
    bare_device.granted_scopes = Some(Scopes::new());
    bare_device.last_poll_at = None;
    let cases = [
        (Effect::PutClient(full_client()), Query::Client { client_id: "full-client".into() }),
        (Effect::PutClient(public), Query::Client { client_id: "public-client".into() }),
        (Effect::PutCode(full_code()), Query::Code { hash: full_code().hash }),
        (Effect::PutCode(plain), Query::Code { hash: TokenHash::of("plain-code") }),
        (
            Effect::PutToken(token("full-token", 3600)),
            Query::Token { hash: TokenHash::of("full-token") },
        ),
    ];
    put(store, cases.iter().map(|(effect, _)| effect.clone()).collect());
    for (effect, query) in cases {
        let expected = match effect {
            Effect::PutClient(c) => Record::Client(c),
            Effect::PutCode(c) => Record::Code(c),
            Effect::PutToken(t) => Record::Token(t),
            Effect::PutPending(p) => Record::Pending(p),
            Effect::PutDeviceGrant(d) => Record::Device(d),
            other => unreachable!("not a put: {other:?}"),
        };
        assert_eq!(read_one(store, query), Some(expected));
    }
    // PutClient replaces.
    let mut changed = full_client();
    changed.secret_hash = None;
    changed.auth_method = ClientAuthMethod::None;
    changed.redirect_uris.clear();
    changed.registration_token_hash = None;
    changed.contacts.clear();
    put(store, vec![Effect::PutClient(changed.clone())]);
    assert_eq!(
        read_one(store, Query::Client { client_id: "full-client".into() }),
        Some(Record::Client(changed))
    );
}

/// The SQL stores keep no users: a user query is answered "no record"
/// (the host answers it in front of the store).
pub fn user_queries_answer_none<S: Store + ?Sized>(store: &S) {
    let query = Query::User { username: "alice".into(), password: Password::new("secret") };
    assert_eq!(read_one(store, query), None);
}

/// A transaction that fails part-way (a value SQL cannot hold, a duplicate
/// key) applies nothing and reports a permanent error.
pub fn failing_effect_rolls_back<S: Store + ?Sized>(store: &S) {
    put(store, vec![Effect::PutToken(token("existing", 3600))]);
    let mut too_late = token("too-late", 0);
    too_late.expires_at = UnixTime::from_secs(u64::MAX);
    for bad in [Effect::PutToken(too_late), Effect::PutToken(token("existing", 60))] {
        let mut code = full_code();
        code.hash = TokenHash::of("rolled-back");
        let err = store
            .apply(&Transaction::unconditional(vec![Effect::PutCode(code.clone()), bad]))
            .expect_err("the transaction must fail");
        assert!(!err.is_transient(), "{err}");
        assert_eq!(read_one(store, Query::Code { hash: code.hash }), None, "nothing applied");
    }
    assert_eq!(
        read_one(store, Query::Token { hash: TokenHash::of("existing") }),
        Some(Record::Token(token("existing", 3600))),
        "the first record is untouched"
    );
}

/// Purging deletes exactly the records with `expires_at <= now`, in any
/// state, of every kind that expires; the counts are (codes, tokens,
/// pending authorizations, device grants).
pub fn purge_deletes_only_expired<S: Store + ?Sized>(
    store: &S,
    purge: impl Fn(UnixTime) -> Result<(u64, u64, u64, u64), StoreError>,
) {
    let mut live_code = full_code();
    live_code.hash = TokenHash::of("live-code");
    live_code.expires_at = T0.after(Seconds::new(61));
    let mut live_pending = full_pending();
    live_pending.hash = TokenHash::of("live-pending");
    live_pending.expires_at = T0.after(Seconds::new(61));
    put(
        store,
        vec![
            Effect::PutCode(full_code()), // expires at T0 + 60, consumed
            Effect::PutCode(live_code.clone()),
            Effect::PutToken(token("t-60", 60)), // revoked and rotated
            Effect::PutToken(token("t-59", 59)),
            Effect::PutToken(token("t-61", 61)),
            Effect::PutPending(full_pending()), // expires at T0 + 60
            Effect::PutPending(live_pending.clone()),
            Effect::PutDeviceGrant(full_device()), // expires at T0 + 60, approved
        ],
    );
    assert_eq!(purge(T0.after(Seconds::new(59))).expect("purge"), (0, 1, 0, 0));
    assert_eq!(purge(T0.after(Seconds::new(60))).expect("purge"), (1, 1, 1, 1));
    assert_eq!(read_one(store, Query::Code { hash: full_code().hash }), None);
    assert_eq!(read_one(store, Query::Token { hash: TokenHash::of("t-60") }), None);
    assert_eq!(read_one(store, Query::Pending { hash: full_pending().hash }), None);
    assert_eq!(read_one(store, Query::DeviceCode { hash: full_device().device_code_hash }), None);
    assert_eq!(
        read_one(store, Query::Code { hash: live_code.hash }),
        Some(Record::Code(live_code))
    );
    assert_eq!(
        read_one(store, Query::Pending { hash: live_pending.hash }),
        Some(Record::Pending(live_pending))
    );
    assert!(read_one(store, Query::Token { hash: TokenHash::of("t-61") }).is_some());
    assert_eq!(purge(T0.after(Seconds::new(60))).expect("purge"), (0, 0, 0, 0), "idempotent");
}

/// Audit events, one with every field and one with none, come back in order.
pub fn audit_events_round_trip<S: Store + ?Sized>(
    store: &S,
    events: impl Fn() -> Result<Vec<AuditEvent>, StoreError>,
) {
    let full = AuditEvent {
        at: T0,
        request_id: RequestId(u128::MAX - 7),
        peer: Some(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        action: AuditAction::CodeReplayed,
        client_id: Some("full-client".into()),
        subject: Some("alice".into()),
        grant_type: Some(GrantType::DeviceCode),
        family: Some(FamilyId::from_bytes([7; 16])),
        error: Some(ErrorCode::InvalidGrant),
        reason: Some(AuditReason::IssuedToAnotherClient),
    };
    let ctx = qscope::Context::new(T0.after(Seconds::new(1)), qscope::Entropy::from_bytes([0; 32]))
        .with_request_id(RequestId(0));
    let bare = AuditEvent::new(AuditAction::TokenIssued, &ctx);
    put(store, vec![Effect::AppendAudit(full.clone())]);
    put(store, vec![Effect::AppendAudit(bare.clone())]);
    assert_eq!(events().expect("audit events"), vec![full, bare]);
}

/// The registration access token of the version 1 client that registered
/// itself, in [`v1_rows`].
pub const V1_REGISTRATION_TOKEN: &str = "v1-registration-token";

/// Rows as qscope wrote them under schema version 1 (without the version 2
/// columns): a client that registered itself (it holds a registration
/// access token), one an administrator made, a token of the first, and an
/// audit event. `blob` writes a byte-string literal in the engine's dialect,
/// `no` the false boolean.
pub fn v1_rows(blob: impl Fn(&[u8]) -> String, no: &str) -> String {
    let token = blob(TokenHash::of(V1_REGISTRATION_TOKEN).as_bytes());
    let secret = blob(SecretHash::of("v1 secret").as_bytes());
    let hash = blob(TokenHash::of("v1-refresh").as_bytes());
    let family = blob(&[9; 16]);
    let t0 = T0.as_secs();
    format!(
        "INSERT INTO clients (client_id, secret_hash, auth_method, redirect_uris, grant_types, \
         scopes, name, uri, resource_server, require_par, created_at, logo_uri, contacts, \
         software_id, software_version, registration_token_hash, revision) VALUES \
         ('v1-self', NULL, 'none', '[\"https://evil.example/landing\"]', \
          '[\"authorization_code\",\"refresh_token\"]', 'read', 'Self', NULL, {no}, {no}, {t0}, \
          NULL, '[]', NULL, NULL, {token}, 2), \
         ('v1-admin', {secret}, 'client_secret_basic', '[\"https://client.example.com/cb\"]', \
          '[\"client_credentials\"]', 'read write', NULL, NULL, {no}, {no}, {t0}, NULL, '[]', \
          NULL, NULL, NULL, 0);
         INSERT INTO tokens (hash, kind, client_id, subject, scopes, family, parent, issued_at, \
         expires_at, rotated_at, revoked_at) VALUES ({hash}, 'refresh_token', 'v1-self', 'alice', \
         'read', {family}, NULL, {t0}, {}, NULL, NULL);
         INSERT INTO audit_events (at, request_id, peer, action, client_id, subject, grant_type, \
         family, error) VALUES ({t0}, '0000000000000000000000000000002a', NULL, 'token_refused', \
         'v1-admin', NULL, 'client_credentials', NULL, 'invalid_client');",
        t0 + 3600
    )
}

/// What [`v1_rows`] read as after the version 2 migration: the client with a
/// registration access token is self-registered, the other an
/// administrator's, the old event has no reason, the rest is unchanged; and
/// records written now keep the new fields.
pub fn v1_rows_read_as_migrated<S: Store + ?Sized>(
    store: &S,
    events: impl Fn() -> Result<Vec<AuditEvent>, StoreError>,
) {
    let client = |id: &str| match read_one(store, Query::Client { client_id: id.into() }) {
        Some(Record::Client(client)) => client,
        other => panic!("client {id} after the migration: {other:?}"),
    };
    let own = client("v1-self");
    assert_eq!(own.registrant, Registrant::SelfRegistered);
    assert_eq!(own.registration_token_hash, Some(TokenHash::of(V1_REGISTRATION_TOKEN)));
    assert_eq!((own.name.as_deref(), own.revision), (Some("Self"), 2));
    assert_eq!(own.redirect_uris, ["https://evil.example/landing"]);
    let made = client("v1-admin");
    assert_eq!(made.registrant, Registrant::Administrator);
    assert!(made.secret_hash.expect("a secret").verify("v1 secret"));
    assert_eq!(made.scopes, Scopes::from_names(["read", "write"]));
    match read_one(store, Query::Token { hash: TokenHash::of("v1-refresh") }) {
        Some(Record::Token(token)) => {
            assert_eq!((token.client_id.as_str(), token.kind), ("v1-self", TokenKind::Refresh));
        }
        other => panic!("token after the migration: {other:?}"),
    }
    let old = events().expect("audit events");
    assert_eq!(old.len(), 1);
    assert_eq!((old[0].action, old[0].reason), (AuditAction::TokenRefused, None));
    assert_eq!(old[0].error, Some(ErrorCode::InvalidClient));
    // Written after the migration, both registrants and reasons round-trip.
    let mut changed = own;
    changed.registrant = Registrant::Administrator;
    changed.revision = 3;
    put(store, vec![Effect::PutClient(changed.clone()), Effect::PutClient(full_client())]);
    assert_eq!(client("v1-self"), changed);
    assert_eq!(client("full-client"), full_client());
}

/// What schema version 3 adds reads back after a migration: an account, a
/// session and a consent put now are read whole, and the account page
/// lists the account.
pub fn version_3_records_round_trip<S: Store + ?Sized>(store: &S) {
    use qscope::store::{AccountRecord, ConsentRecord, PasswordHash, SessionRecord};
    let account = AccountRecord {
        username: "migrated-user".into(),
        subject: "sub-migrated".into(),
        password_hash: PasswordHash::new("$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA"),
        disabled: false,
        created_at: T0,
        updated_at: T0,
        revision: 1,
    };
    let session = SessionRecord {
        hash: TokenHash::of("migrated-session"),
        username: Some("migrated-user".into()),
        subject: Some("sub-migrated".into()),
        pending: Vec::new(),
        created_at: T0,
        expires_at: T0.after(Seconds::new(60)),
        revision: 1,
    };
    let consent = ConsentRecord {
        id: ConsentRecord::id_of("sub-migrated", "v1-self"),
        subject: "sub-migrated".into(),
        client_id: "v1-self".into(),
        scopes: Scopes::from_names(["read"]),
        granted_at: T0,
        last_used_at: T0,
    };
    put(
        store,
        vec![
            Effect::PutAccount(account.clone()),
            Effect::PutSession(session.clone()),
            Effect::PutConsent(consent.clone()),
        ],
    );
    let username = account.username.clone();
    assert_eq!(
        read_one(store, Query::Account { username }),
        Some(Record::Account(account.clone()))
    );
    assert_eq!(
        read_one(store, Query::Session { hash: session.hash }),
        Some(Record::Session(session))
    );
    assert_eq!(
        read_one(store, Query::Consent { id: consent.id.clone() }),
        Some(Record::Consent(consent))
    );
    assert_eq!(
        read_one(store, Query::Accounts { after: None, limit: 10 }),
        Some(Record::Accounts(vec![account]))
    );
}

/// Rows as qscope wrote them under schema version 3, before resource
/// indicators: an authorization code, a pushed request and a device grant
/// of the version 1 self-registered client (whose refresh token
/// [`v1_rows`] writes).
pub fn v3_rows(blob: impl Fn(&[u8]) -> String) -> String {
    let code = blob(TokenHash::of("v3-code").as_bytes());
    let pending = blob(TokenHash::of("v3-request-uri").as_bytes());
    let device = blob(TokenHash::of("v3-device").as_bytes());
    let user = blob(TokenHash::of("V3USERCD").as_bytes());
    let family = blob(&[9; 16]);
    let t0 = T0.as_secs();
    let later = t0 + 600;
    format!(
        "INSERT INTO codes (hash, client_id, subject, redirect_uri, scopes, challenge_method, \
         challenge, issued_at, expires_at, family, consumed_at) VALUES ({code}, 'v1-self', \
         'alice', NULL, 'read', 'S256', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', {t0}, \
         {later}, {family}, NULL);
         INSERT INTO pending_authorizations (hash, kind, client_id, redirect_uri, \
         resolved_redirect_uri, scopes, state, challenge_method, challenge, created_at, \
         expires_at) VALUES ({pending}, 'pushed_request', 'v1-self', NULL, \
         'https://evil.example/landing', 'read', 'xyz', NULL, NULL, {t0}, {later});
         INSERT INTO device_grants (device_code_hash, user_code_hash, client_id, scopes, status, \
         subject, granted_scopes, poll_interval, last_poll_at, issued_at, expires_at, family) \
         VALUES ({device}, {user}, 'v1-self', 'read', 'pending', NULL, NULL, 5, NULL, {t0}, \
         {later}, {family});"
    )
}

/// What [`v1_rows`] and [`v3_rows`] read as after the version 4 migration:
/// every record as it was, with no resources; and a token written now keeps
/// its resources.
pub fn v3_rows_read_as_migrated<S: Store + ?Sized>(store: &S) {
    let Some(Record::Code(code)) = read_one(store, Query::Code { hash: TokenHash::of("v3-code") })
    else {
        panic!("the version 3 code is still there");
    };
    assert_eq!((code.client_id.as_str(), code.subject.as_str()), ("v1-self", "alice"));
    assert!(code.resources.is_empty(), "{code:?}");
    let hash = TokenHash::of("v3-request-uri");
    let Some(Record::Pending(pending)) = read_one(store, Query::Pending { hash }) else {
        panic!("the version 3 pushed request is still there");
    };
    assert_eq!(pending.state.as_deref(), Some("xyz"));
    assert!(pending.resources.is_empty());
    let hash = TokenHash::of("v3-device");
    let Some(Record::Device(device)) = read_one(store, Query::DeviceCode { hash }) else {
        panic!("the version 3 device grant is still there");
    };
    assert_eq!(device.status, DeviceStatus::Pending);
    assert!(device.resources.is_empty());
    let hash = TokenHash::of("v1-refresh");
    let Some(Record::Token(old)) = read_one(store, Query::Token { hash }) else {
        panic!("the version 1 refresh token is still there");
    };
    assert!(old.resources.is_empty());
    let new = token("v4-access", 3600);
    let put = Transaction::unconditional(vec![Effect::PutToken(new.clone())]);
    assert_eq!(store.apply(&put).expect("apply"), Outcome::Applied);
    let hash = new.hash;
    assert_eq!(read_one(store, Query::Token { hash }), Some(Record::Token(new)));
}
