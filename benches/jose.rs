//! The cost of JWT access tokens (RFC 9068), per algorithm.
//!
//! * `jwt/issue/<alg>`: [`AccessTokenClaims::sign`] — the claims to JSON,
//!   base64url, the signature, the compact JWS — with an in-process key
//!   (RSA keys of 2048 bits).
//! * `jwt/verify/<alg>`: [`JwtAccessVerifier::verify`] of such a token
//!   against a JWKS snapshot of four keys: parse, `kid` lookup, signature
//!   check, claims and scope checks.
//!
//! * `token_endpoint_jwt/<alg>`: a whole client-credentials token request
//!   naming a JWT resource, driven through the core and `MemoryStore`
//!   (client authentication, the decision, the JWT signed with the active
//!   key, the commit storing it by hash); `token_endpoint_jwt/opaque` is
//!   the same request for an opaque resource, the baseline.
//!
//! * `jwt/generate/<alg>`: [`SigningKey::generate`] from a ChaCha20
//!   generator (RSA: 2048-bit primes found by `crypto-primes`; its time
//!   varies widely with the seed, so the mean is what to read).
//!
//! Run: `cargo bench --features jwt --bench jose -- --warm-up-time 1 --measurement-time 3`

#![allow(missing_docs, reason = "criterion's macros generate undocumented items")]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use qscope::jose::{
    AccessTokenClaims, Algorithm, Audience, JwkSet, KeySet, RotationPolicy, Signer, SigningKey,
};
use qscope::resource::JwtAccessVerifier;
use qscope::store::{ClientAuthMethod, ClientRecord, GrantType, MemoryStore};
use qscope::{
    ClientSecret, Config, Context, ResourceDefinition, Scopes, Server, TokenFormat, UnixTime, drive,
};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng as _;

const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);
const ISSUER: &str = "https://as.example.com";
const RESOURCE: &str = "https://rs.example.com/";

fn claims() -> AccessTokenClaims {
    AccessTokenClaims {
        iss: ISSUER.into(),
        sub: "5ba552d67".into(),
        aud: Audience::One(RESOURCE.into()),
        client_id: "s6BhdRkqt3".into(),
        iat: NOW,
        exp: UnixTime::from_secs(NOW.as_secs() + 3600),
        jti: "dbe39bf3a3ba4238a513f51d6e1691c4".into(),
        scope: Scopes::from_names(["openid", "profile", "reademail"]),
        auth_time: Some(NOW),
        nbf: None,
        cnf: None,
    }
}

fn jose(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(9068);
    let keys: Vec<SigningKey> = Algorithm::ALL
        .iter()
        .map(|&alg| SigningKey::generate(alg, &mut rng).expect("key generation"))
        .collect();
    let jwks = JwkSet::new(keys.iter().map(SigningKey::public_jwk).collect()).expect("jwks");
    let verifier = JwtAccessVerifier::new(jwks, ISSUER, RESOURCE);
    let required = Scopes::from_names(["profile"]);
    let claims = claims();
    for key in &keys {
        let alg = key.algorithm();
        c.bench_function(&format!("jwt/issue/{alg}"), |b| {
            b.iter(|| black_box(claims.sign(key, &mut rng).expect("sign")))
        });
        let token = claims.sign(key, &mut rng).expect("sign");
        c.bench_function(&format!("jwt/verify/{alg}"), |b| {
            b.iter(|| black_box(verifier.verify(black_box(&token), &required, NOW).expect("valid")))
        });
    }
}

fn generate(c: &mut Criterion) {
    let mut group = c.benchmark_group("jwt/generate");
    group.sample_size(10);
    let mut rng = ChaCha20Rng::seed_from_u64(7517);
    for alg in Algorithm::ALL {
        group.bench_function(alg.as_str(), |b| {
            b.iter(|| black_box(SigningKey::generate(alg, &mut rng).expect("key generation")))
        });
    }
    group.finish();
}

/// A server whose resource `RESOURCE` has `format` tokens, signed by one
/// `alg` key.
fn token_server(alg: Algorithm, format: TokenFormat, rng: &mut ChaCha20Rng) -> Server {
    let mut keys = KeySet::new(RotationPolicy::default());
    keys.publish(Signer::InProcess(SigningKey::generate(alg, rng).expect("key")), NOW)
        .expect("publish");
    let config = Config::builder(ISSUER)
        .scope("read", "Read", false)
        .signing_keys(keys)
        .resource(ResourceDefinition::new(RESOURCE).with_format(format))
        .build()
        .expect("config");
    Server::new(config)
}

fn token_store() -> MemoryStore {
    let store = MemoryStore::new();
    store.insert_client(
        ClientRecord::confidential(
            "bench",
            ClientSecret::new("bench-secret").hash(),
            ClientAuthMethod::ClientSecretBasic,
        )
        .with_grants([GrantType::ClientCredentials])
        .with_scopes(Scopes::from_names(["read"])),
    );
    store
}

fn token_request() -> http::Request<Vec<u8>> {
    http::Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        // base64("bench:bench-secret")
        .header("authorization", "Basic YmVuY2g6YmVuY2gtc2VjcmV0")
        .body(
            b"grant_type=client_credentials&scope=read&resource=https%3A%2F%2Frs.example.com%2F"
                .to_vec(),
        )
        .expect("request")
}

fn token_endpoint(c: &mut Criterion) {
    let mut group = c.benchmark_group("token_endpoint_jwt");
    let mut rng = ChaCha20Rng::seed_from_u64(8707);
    let cases = Algorithm::ALL
        .into_iter()
        .map(|alg| (alg.as_str(), alg, TokenFormat::Jwt))
        .chain([("opaque", Algorithm::Es256, TokenFormat::Opaque)]);
    for (name, alg, format) in cases {
        let server = token_server(alg, format, &mut rng);
        group.bench_function(name, |b| {
            b.iter_batched_ref(
                || (token_store(), token_request(), Context::from_rng(NOW, &mut rng)),
                |(store, request, ctx)| {
                    let reply = drive(&server, &*store, &*request, ctx.clone());
                    let qscope::Reply::Http(response) = reply else { panic!("HTTP") };
                    assert_eq!(response.status(), 200);
                    black_box(response)
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, jose, token_endpoint, generate);
criterion_main!(benches);
