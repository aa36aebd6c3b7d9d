//! Cost per token request driven through the core and `MemoryStore`
//! (`cargo bench --bench token`). Entropy comes from a seeded ChaCha20
//! CSPRNG, as an adapter would draw it from the OS.

#![allow(missing_docs, reason = "criterion's macros generate undocumented items")]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use qscope::store::{
    ClientAuthMethod, ClientRecord, CodeRecord, FamilyId, GrantType, MemoryStore, PkceChallenge,
    PkceMethod, TokenHash, TokenKind, TokenRecord,
};
use qscope::{ClientSecret, Config, Context, Scopes, Seconds, Server, UnixTime, drive};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn setup() -> (Server, MemoryStore) {
    let server = Server::new(
        Config::builder("https://as.example.com")
            .scope("read", "Read", true)
            .build()
            .expect("config"),
    );
    let store = MemoryStore::new();
    store.insert_client(
        ClientRecord::confidential(
            "bench",
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
    (server, store)
}

fn request(body: String) -> http::Request<Vec<u8>> {
    http::Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        // base64("bench:bench-secret")
        .header("authorization", "Basic YmVuY2g6YmVuY2gtc2VjcmV0")
        .body(body.into_bytes())
        .expect("request")
}

fn context(rng: &mut ChaCha20Rng) -> Context {
    Context::from_rng(NOW, rng)
}

fn code_record(code: &str) -> CodeRecord {
    CodeRecord {
        hash: TokenHash::of(code),
        client_id: "bench".into(),
        subject: "alice".into(),
        redirect_uri: Some("https://client.example.com/cb".into()),
        scopes: Scopes::from_names(["read"]),
        challenge: Some(PkceChallenge { method: PkceMethod::S256, challenge: CHALLENGE.into() }),
        issued_at: NOW,
        expires_at: NOW.after(Seconds::new(60)),
        family: FamilyId::from_bytes([1; 16]),
        consumed_at: None,
        resources: Vec::new(),
    }
}

fn refresh_record(token: &str) -> TokenRecord {
    TokenRecord {
        hash: TokenHash::of(token),
        kind: TokenKind::Refresh,
        client_id: "bench".into(),
        subject: Some("alice".into()),
        scopes: Scopes::from_names(["read"]),
        family: FamilyId::from_bytes([2; 16]),
        parent: None,
        issued_at: NOW,
        expires_at: NOW.after(Seconds::days(1)),
        rotated_at: None,
        revoked_at: None,
        resources: Vec::new(),
    }
}

/// One request ready to drive against its own small store, so every
/// iteration costs the same: no store grows across iterations (a growing
/// `MemoryStore` measures `Vec` and `HashMap` reallocation, not the core).
struct Case {
    store: MemoryStore,
    request: Option<http::Request<Vec<u8>>>,
    ctx: Option<Context>,
}

impl Case {
    fn new(store: MemoryStore, body: String, rng: &mut ChaCha20Rng) -> Self {
        Self { store, request: Some(request(body)), ctx: Some(context(rng)) }
    }

    fn drive(&mut self, server: &Server) -> qscope::Reply {
        let (Some(request), Some(ctx)) = (self.request.take(), self.ctx.take()) else {
            unreachable!("each case is driven once");
        };
        drive(server, &self.store, &request, ctx)
    }
}

fn bench_token(c: &mut Criterion) {
    let mut group = c.benchmark_group("token_endpoint");
    let server = setup().0;

    let mut rng = ChaCha20Rng::seed_from_u64(7);
    group.bench_function("client_credentials", |b| {
        b.iter_batched_ref(
            || Case::new(setup().1, "grant_type=client_credentials".into(), &mut rng),
            |case| case.drive(&server),
            BatchSize::SmallInput,
        )
    });

    let mut rng = ChaCha20Rng::seed_from_u64(8);
    group.bench_function("authorization_code_pkce", |b| {
        b.iter_batched_ref(
            || {
                let store = setup().1;
                let code = format!("code-{}", rng.next_u64());
                store.insert_code(code_record(&code));
                let body = format!(
                    "grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&code_verifier={VERIFIER}"
                );
                Case::new(store, body, &mut rng)
            },
            |case| case.drive(&server),
            BatchSize::SmallInput,
        )
    });

    let mut rng = ChaCha20Rng::seed_from_u64(9);
    group.bench_function("refresh_rotation", |b| {
        b.iter_batched_ref(
            || {
                let store = setup().1;
                let token = format!("refresh-{}", rng.next_u64());
                store.insert_token(refresh_record(&token));
                let body = format!("grant_type=refresh_token&refresh_token={token}");
                Case::new(store, body, &mut rng)
            },
            |case| case.drive(&server),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_token);
criterion_main!(benches);
