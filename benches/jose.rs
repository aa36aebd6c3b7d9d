//! The cost of JWT access tokens (RFC 9068), per algorithm.
//!
//! * `jwt/issue/<alg>`: [`AccessTokenClaims::sign`] — the claims to JSON,
//!   base64url, the signature, the compact JWS — with an in-process key
//!   (RSA keys of 2048 bits).
//! * `jwt/verify/<alg>`: [`JwtAccessVerifier::verify`] of such a token
//!   against a JWKS snapshot of four keys: parse, `kid` lookup, signature
//!   check, claims and scope checks.
//!
//! * `jwt/generate/<alg>`: [`SigningKey::generate`] from a ChaCha20
//!   generator (RSA: 2048-bit primes found by `crypto-primes`; its time
//!   varies widely with the seed, so the mean is what to read).
//!
//! Run: `cargo bench --features jwt --bench jose -- --warm-up-time 1 --measurement-time 3`

#![allow(missing_docs, reason = "criterion's macros generate undocumented items")]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use qscope::jose::{AccessTokenClaims, Algorithm, Audience, JwkSet, SigningKey};
use qscope::resource::JwtAccessVerifier;
use qscope::{Scopes, UnixTime};
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

criterion_group!(benches, jose, generate);
criterion_main!(benches);
