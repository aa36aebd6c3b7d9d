//! The cost of bearer verification and introspection through `MemoryStore`.
//!
//! The store holds 10,000 access tokens (and the clients); each iteration
//! verifies or introspects one of them.
//!
//! * `bearer/verify_allowed`: a bearer check ([`qscope::Input::bearer`]
//!   driven by [`qscope::drive`]) on a valid token with the required scope:
//!   header parse, one SHA-256, one store read (which clones the record),
//!   the scope check.
//! * `bearer/verify_unknown_token`: the same for a token that is not stored
//!   (the denial builds its challenge response).
//! * `bearer/verify_no_credentials`: a request without credentials (no read).
//! * `introspect/active`: a whole introspection exchange (request parse,
//!   client authentication, one read, the JSON answer) driven by
//!   [`qscope::drive_deferred`]; building the `http::Request` is outside the
//!   measurement and the best-effort audit event is not appended (it would
//!   grow the store without bound over millions of iterations).
//!
//! Run: `cargo bench --bench bearer -- --warm-up-time 1 --measurement-time 3`

#![allow(missing_docs, reason = "criterion's macros generate undocumented items")]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use http::Request;
use qscope::store::{
    ClientAuthMethod, ClientRecord, FamilyId, GrantType, MemoryStore, TokenHash, TokenKind,
    TokenRecord,
};
use qscope::{
    ClientSecret, Config, Context, Entropy, Input, Reply, Scopes, Seconds, Server, UnixTime, drive,
};

const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);
const TOKENS: usize = 10_000;
const RS_SECRET: &str = "a-resource-server-secret-of-some-length";

fn token_name(i: usize) -> String {
    // The shape of a real token: 43 base64url characters.
    format!("{i:0>11}-tokenvaluetokenvaluetokenvalue")
}

fn setup() -> (Server, MemoryStore) {
    let config = Config::builder("https://as.example.com")
        .scope("read", "Read", true)
        .scope("write", "Write", false)
        .build()
        .expect("bench config");
    let store = MemoryStore::new();
    let mut rs = ClientRecord::confidential(
        "resource-server",
        ClientSecret::new(RS_SECRET).hash(),
        ClientAuthMethod::ClientSecretBasic,
    );
    rs.resource_server = true;
    store.insert_client(rs);
    store.insert_client(
        ClientRecord::public("app")
            .with_grants([GrantType::AuthorizationCode, GrantType::RefreshToken])
            .with_scopes(Scopes::from_names(["read", "write"])),
    );
    for i in 0..TOKENS {
        store.insert_token(TokenRecord {
            hash: TokenHash::of(&token_name(i)),
            kind: TokenKind::Access,
            client_id: "app".into(),
            subject: Some(format!("user-{i}")),
            scopes: Scopes::from_names(["read", "write"]),
            family: FamilyId::from_bytes([(i % 251) as u8; 16]),
            parent: None,
            issued_at: NOW,
            expires_at: NOW.after(Seconds::hours(1)),
            rotated_at: None,
            revoked_at: None,
            resources: Vec::new(),
        });
    }
    (Server::new(config), store)
}

fn bearer_request(token: &str) -> Request<&'static [u8]> {
    Request::get("/api/reports")
        .header("authorization", format!("Bearer {token}"))
        .body(&b""[..])
        .expect("request")
}

/// The bearer check of `request` for `required`, at `NOW`.
fn verify(
    server: &Server,
    store: &MemoryStore,
    request: &Request<&[u8]>,
    required: &Scopes,
) -> Reply {
    let ctx = Context::new(NOW, Entropy::from_bytes([9; 32]));
    drive(server, store, Input::bearer(request, required), ctx)
}

fn bench_bearer(c: &mut Criterion) {
    let (server, store) = setup();
    let required = Scopes::from_names(["read"]);
    let allowed = bearer_request(&token_name(4_321));
    let unknown = bearer_request("not-a-stored-token-not-a-stored-token-xxxxx");
    let bare = Request::get("/api/reports").body(&b""[..]).expect("request");
    assert!(matches!(verify(&server, &store, &allowed, &required), Reply::Access(_)));
    assert!(matches!(verify(&server, &store, &unknown, &required), Reply::Http(_)));

    let mut group = c.benchmark_group("bearer");
    group.bench_function("verify_allowed", |b| {
        b.iter(|| verify(&server, &store, black_box(&allowed), &required));
    });
    group.bench_function("verify_unknown_token", |b| {
        b.iter(|| verify(&server, &store, black_box(&unknown), &required));
    });
    group.bench_function("verify_no_credentials", |b| {
        b.iter(|| verify(&server, &store, black_box(&bare), &required));
    });
    group.finish();
}

fn introspection_request(token: &str) -> Request<Vec<u8>> {
    use base64::Engine as _;
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("resource-server:{RS_SECRET}"));
    Request::post("/introspect")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", format!("Basic {basic}"))
        .body(format!("token={token}&token_type_hint=access_token").into_bytes())
        .expect("request")
}

/// One exchange to its reply, best-effort effects left unapplied.
fn introspect(server: &Server, store: &MemoryStore, request: Request<Vec<u8>>) -> u16 {
    let ctx = Context::new(NOW, Entropy::from_bytes([9; 32]));
    let respond = qscope::drive_deferred(server, store, &request, ctx);
    respond.reply.http().map_or(0, |response| response.status().as_u16())
}

fn bench_introspection(c: &mut Criterion) {
    let (server, store) = setup();
    let token = token_name(1_234);
    assert_eq!(introspect(&server, &store, introspection_request(&token)), 200);
    let mut group = c.benchmark_group("introspect");
    group.bench_function("active", |b| {
        b.iter_batched(
            || introspection_request(&token),
            |request| introspect(&server, &store, request),
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, bench_bearer, bench_introspection);
criterion_main!(benches);
