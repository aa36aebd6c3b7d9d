//! The `proofs` target: hostile DPoP proofs (RFC 9449) and client
//! assertions (RFC 7523) through their verifiers. Nothing may panic; a
//! proof verifies only under the key its header carries and binds to that
//! key's thumbprint; an assertion verifies only under a key of the
//! client's set; a signed proof or assertion with one byte changed never
//! verifies; a proof whose `htu` is the request URI itself never fails the
//! `htu` check; whatever claims parse round-trip; a resource server
//! accepting DPoP answers hostile `Authorization` and `DPoP` headers with
//! a 400 or 401 and its challenges, never with access.
//!
//! The first byte picks the mode; the rest is the input, as text for the
//! text modes, so a seed file is a mode digit followed by a proof, an
//! assertion, a URI or a JSON document.

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use qscope::UnixTime;
use qscope::jose::client_assertion::{
    ClientAssertionClaims, ClientAssertionVerifier, claimed_client_id,
};
use qscope::jose::dpop::{DpopClaims, DpopError, DpopRequest, DpopVerifier};
use qscope::jose::{Audience, JwkSet, PublicJwk, SigningKey};
use qscope::resource::JwtAccessVerifier;
use qscope::{Reply, Scopes};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng as _;

const ISSUER: &str = "https://as.example.com";
const TOKEN_URI: &str = "https://as.example.com/token";
const CLIENT: &str = "fuzz-client";
const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);

struct Keys {
    signing: Vec<SigningKey>,
    client_jwks: JwkSet,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let signing = super::signing_keys(0x9449);
        let client_jwks =
            JwkSet::new(signing.iter().map(SigningKey::public_jwk).collect()).expect("kids");
        Keys { signing, client_jwks }
    })
}

fn proof_claims(htu: &str) -> DpopClaims {
    DpopClaims {
        jti: "fuzz-jti".into(),
        htm: "POST".into(),
        htu: htu.into(),
        iat: NOW,
        ath: None,
        nonce: None,
    }
}

fn assertion_claims() -> ClientAssertionClaims {
    ClientAssertionClaims {
        iss: CLIENT.into(),
        sub: CLIENT.into(),
        aud: Audience::One(ISSUER.into()),
        exp: UnixTime::from_secs(NOW.as_secs() + 60),
        iat: Some(NOW),
        nbf: None,
        jti: "fuzz-jti".into(),
    }
}

/// A validly signed proof or assertion with one byte changed.
#[derive(Arbitrary, Debug)]
struct Mutation {
    key: u8,
    assertion: bool,
    at: usize,
    xor: u8,
}

/// Runs the target on raw fuzzer bytes.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let keys = keys();
    let request = DpopRequest::new(&http::Method::POST, TOKEN_URI);
    let assertions = ClientAssertionVerifier::new(ISSUER);
    match mode % 5 {
        0 => {
            // Any string as a proof and as an assertion.
            if let Ok(proof) = DpopVerifier::new().verify(&text, &request, NOW) {
                let header = text.split('.').next().expect("a header");
                let header: serde_json::Value =
                    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("b64"))
                        .expect("a JSON header");
                let jwk = PublicJwk::parse(&header["jwk"].to_string());
                if let Ok(jwk) = jwk {
                    assert_eq!(jwk.thumbprint(), proof.jkt, "bound to the header's key");
                }
            }
            let _ = claimed_client_id(&text);
            if let Ok(verified) = assertions.verify(&text, CLIENT, &keys.client_jwks, NOW) {
                assert_eq!(verified.client_id, CLIENT);
                assert!(
                    keys.client_jwks.keys().iter().any(|k| k.algorithm() == verified.algorithm)
                );
            }
        }
        1 => {
            let Ok(m) = Mutation::arbitrary_take_rest(Unstructured::new(rest)) else { return };
            let key = &keys.signing[usize::from(m.key) % keys.signing.len()];
            let mut rng = ChaCha20Rng::seed_from_u64(1);
            let token = if m.assertion {
                assertion_claims().sign(key, &mut rng)
            } else {
                proof_claims(TOKEN_URI).sign(key, &mut rng)
            }
            .expect("sign");
            let mut bytes = token.clone().into_bytes();
            let at = m.at % bytes.len();
            bytes[at] ^= m.xor;
            let mutated = String::from_utf8_lossy(&bytes).into_owned();
            let accepted = if m.assertion {
                assertions.verify(&mutated, CLIENT, &keys.client_jwks, NOW).is_ok()
            } else {
                DpopVerifier::new().verify(&mutated, &request, NOW).is_ok()
            };
            assert_eq!(accepted, mutated == token, "{mutated}");
        }
        2 => {
            // The request URI itself as htu: normalized alike on both sides.
            let mut rng = ChaCha20Rng::seed_from_u64(2);
            let Ok(proof) = proof_claims(&text).sign(&keys.signing[0], &mut rng) else { return };
            let request = DpopRequest::new(&http::Method::POST, &text);
            match DpopVerifier::new().verify(&proof, &request, NOW) {
                Ok(_) | Err(DpopError::RequestUri | DpopError::Jose(_)) => {}
                Err(other) => panic!("{text:?}: {other}"),
            }
        }
        3 => {
            // Hostile credentials at a resource server accepting DPoP: the
            // first line is the Authorization value, the others DPoP headers.
            let mut lines = text.split('\n');
            let mut request = http::Request::get("/reports");
            if let Some(authorization) = lines.next()
                && let Ok(value) = http::HeaderValue::from_str(authorization)
            {
                request = request.header("authorization", value);
            }
            for proof in lines {
                if let Ok(value) = http::HeaderValue::from_str(proof) {
                    request = request.header("dpop", value);
                }
            }
            let Ok(request) = request.body(Vec::<u8>::new()) else { return };
            let verifier = JwtAccessVerifier::new(keys.client_jwks.clone(), ISSUER, ISSUER)
                .with_dpop(DpopVerifier::new(), ISSUER, None);
            match verifier.verify_request(&request, &Scopes::from_names(["read"]), NOW) {
                Reply::Http(response) => {
                    assert!(matches!(response.status().as_u16(), 400 | 401), "{response:?}");
                    assert!(response.headers().contains_key("www-authenticate"));
                }
                other => panic!("access without a token the issuer signed: {other:?}"),
            }
        }
        _ => {
            if let Ok(claims) = DpopClaims::from_json(text.as_bytes()) {
                let again = DpopClaims::from_json(claims.to_json().as_bytes());
                assert_eq!(again.expect("re-parse"), claims);
            }
            if let Ok(claims) = ClientAssertionClaims::from_json(text.as_bytes()) {
                let again = ClientAssertionClaims::from_json(claims.to_json().as_bytes());
                assert_eq!(again.expect("re-parse"), claims);
            }
        }
    }
}
