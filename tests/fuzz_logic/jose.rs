//! The `jose` target: hostile tokens, JWKs, JWK Sets and claims through the
//! JOSE layer and the resource verifier. Nothing may panic, no token that
//! was not signed by a trusted key may verify, and whatever parses must
//! round-trip.
//!
//! The first byte picks the mode; the rest is the input, as text for the
//! text modes, so a seed file is a mode digit followed by a token or a
//! JSON document.

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use qscope::jose::{
    AccessTokenClaims, Algorithm, JwkSet, PublicJwk, SigningKey, sign, verify, verify_with_set,
};
use qscope::resource::JwtAccessVerifier;
use qscope::{Scopes, UnixTime};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng as _;

/// The RSA public key of RFC 7515 A.2, bound to RS256.
const RFC7515_RSA: &str = include_str!("../../fuzz/keys/rfc7515-a2-rs256.jwk.json");

struct Keys {
    signing: Vec<SigningKey>,
    jwks: JwkSet,
    verifier: JwtAccessVerifier,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let signing = super::signing_keys(0x4a05e);
        let mut public: Vec<PublicJwk> = signing.iter().map(SigningKey::public_jwk).collect();
        public.push(PublicJwk::parse(RFC7515_RSA).expect("the RFC key"));
        let jwks = JwkSet::new(public).expect("distinct kids");
        let verifier =
            JwtAccessVerifier::new(jwks.clone(), "https://as.example.com", "https://rs.example/");
        Keys { signing, jwks, verifier }
    })
}

/// A token assembled from arbitrary parts.
#[derive(Arbitrary, Debug)]
struct Parts {
    header: String,
    payload: String,
    signature: Vec<u8>,
}

/// A validly signed token with one byte changed.
#[derive(Arbitrary, Debug)]
struct Mutation {
    key: u8,
    payload: String,
    at: usize,
    xor: u8,
}

/// Runs the target on raw fuzzer bytes.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let keys = keys();
    match mode % 5 {
        0 => {
            // Any string as a token: whatever verifies, verified under a
            // key of the set with that key's algorithm.
            if let Ok(verified) = verify_with_set(&text, &keys.jwks, &Algorithm::ALL) {
                let kid = verified.header.kid.as_deref().expect("selected by kid");
                assert_eq!(keys.jwks.find(kid).expect("trusted").algorithm(), verified.header.alg);
            }
            let _ = keys.verifier.verify(&text, &Scopes::new(), UnixTime::from_secs(1_700_000_000));
        }
        1 => {
            let Ok(parts) = Parts::arbitrary_take_rest(Unstructured::new(rest)) else { return };
            let token = format!(
                "{}.{}.{}",
                URL_SAFE_NO_PAD.encode(&parts.header),
                URL_SAFE_NO_PAD.encode(&parts.payload),
                URL_SAFE_NO_PAD.encode(&parts.signature)
            );
            assert!(
                verify_with_set(&token, &keys.jwks, &Algorithm::ALL).is_err(),
                "forged: {parts:?}"
            );
            for key in keys.jwks.keys() {
                assert!(verify(&token, key, &Algorithm::ALL).is_err(), "forged: {parts:?}");
            }
        }
        2 => {
            let Ok(m) = Mutation::arbitrary_take_rest(Unstructured::new(rest)) else { return };
            let key = &keys.signing[usize::from(m.key) % keys.signing.len()];
            let mut rng = ChaCha20Rng::seed_from_u64(1);
            let token = sign(Some("at+jwt"), m.payload.as_bytes(), key, &mut rng).expect("sign");
            let mut bytes = token.clone().into_bytes();
            let at = m.at % bytes.len();
            bytes[at] ^= m.xor;
            let mutated = String::from_utf8_lossy(&bytes).into_owned();
            let result = verify_with_set(&mutated, &keys.jwks, &Algorithm::ALL);
            if mutated == token {
                assert_eq!(result.expect("unchanged").payload, m.payload.as_bytes());
            } else {
                assert!(result.is_err(), "a changed token verified: {mutated}");
            }
        }
        3 => {
            // A JWK or a JWK Set: what parses, round-trips.
            if let Ok(jwk) = PublicJwk::parse(&text) {
                let again = PublicJwk::parse(&jwk.to_json()).expect("re-parse");
                assert_eq!(again.thumbprint(), jwk.thumbprint());
                assert_eq!(again, jwk);
            }
            if let Ok(set) = JwkSet::parse(&text) {
                let again = JwkSet::parse(&set.to_json()).expect("re-parse");
                assert_eq!(again.keys(), set.keys());
            }
        }
        _ => {
            if let Ok(claims) = AccessTokenClaims::from_json(text.as_bytes()) {
                let again = AccessTokenClaims::from_json(claims.to_json().as_bytes());
                assert_eq!(again.expect("re-parse"), claims);
            }
        }
    }
}
