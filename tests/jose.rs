//! The JOSE layer through its public API: signing and strict verification
//! for every algorithm, JWK and JWK Set parsing, limits, private keys.

use std::sync::OnceLock;

use qscope::jose::{
    Algorithm, JoseError, JwkSet, MAX_JWK_SET_BYTES, MAX_JWK_SET_KEYS, MAX_TOKEN_BYTES, Part,
    PublicJwk, SigningKey, sign, verify, verify_with_set,
};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng as _;

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(7515)
}

/// One key per algorithm from `seed` (RSA generation is slow in debug builds).
fn generate(seed: u64) -> Vec<SigningKey> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    Algorithm::ALL.iter().map(|&alg| SigningKey::generate(alg, &mut rng).unwrap()).collect()
}

fn keys() -> &'static [SigningKey] {
    static KEYS: OnceLock<Vec<SigningKey>> = OnceLock::new();
    KEYS.get_or_init(|| generate(1))
}

fn other_keys() -> &'static [SigningKey] {
    static KEYS: OnceLock<Vec<SigningKey>> = OnceLock::new();
    KEYS.get_or_init(|| generate(2))
}

#[test]
fn every_algorithm_signs_and_verifies_and_the_key_decides_the_algorithm() {
    let keys = keys();
    let mut rng = rng();
    for key in keys {
        let token = sign(Some("at+jwt"), b"{\"a\":1}", key, &mut rng).unwrap();
        let public = key.public_jwk();
        let verified = verify(&token, &public, &Algorithm::ALL).unwrap();
        assert_eq!(verified.header.alg, key.algorithm());
        assert_eq!(verified.header.kid.as_deref(), key.kid());
        assert_eq!(verified.header.typ.as_deref(), Some("at+jwt"));
        assert_eq!(verified.payload, b"{\"a\":1}");
        // The kid is the RFC 7638 thumbprint of a generated key.
        assert_eq!(key.kid(), Some(public.thumbprint().as_str()));
        // Outside the allow-list: refused before any key is used.
        let others: Vec<Algorithm> =
            Algorithm::ALL.into_iter().filter(|&a| a != key.algorithm()).collect();
        assert_eq!(
            verify(&token, &public, &others),
            Err(JoseError::AlgorithmNotAllowed(key.algorithm()))
        );
        // Every other key, even of the same type, refuses the token.
        for other in keys.iter().filter(|k| k.algorithm() != key.algorithm()) {
            let other_public = other.public_jwk().with_kid(key.kid().unwrap());
            assert_eq!(
                verify(&token, &other_public, &Algorithm::ALL),
                Err(JoseError::AlgorithmMismatch {
                    header: key.algorithm(),
                    key: other.algorithm()
                })
            );
        }
    }
}

#[test]
fn ps256_draws_a_fresh_salt_and_the_other_algorithms_are_deterministic() {
    let keys = keys();
    let mut rng = rng();
    let by_alg = |alg| keys.iter().find(|k| k.algorithm() == alg).unwrap();
    let ps = by_alg(Algorithm::Ps256);
    let (a, b) = (sign(None, b"x", ps, &mut rng).unwrap(), sign(None, b"x", ps, &mut rng).unwrap());
    assert_ne!(a, b, "PSS salts differ");
    for token in [a, b] {
        verify(&token, &ps.public_jwk(), &[Algorithm::Ps256]).unwrap();
    }
    // RS256 blinding, RFC 6979 nonces (RFC 8725 §3.2) and EdDSA: deterministic.
    for alg in [Algorithm::Rs256, Algorithm::Es256, Algorithm::EdDsa] {
        let key = by_alg(alg);
        assert_eq!(sign(None, b"x", key, &mut rng), sign(None, b"x", key, &mut rng), "{alg}");
    }
}

#[test]
fn a_token_signed_by_one_key_fails_under_another_of_the_same_algorithm() {
    let mut rng = rng();
    for (a, b) in keys().iter().zip(other_keys()) {
        let alg = a.algorithm();
        assert_eq!(b.algorithm(), alg);
        let token = sign(None, b"payload", a, &mut rng).unwrap();
        let impostor = b.public_jwk().with_kid(a.kid().unwrap());
        assert_eq!(verify(&token, &impostor, &[alg]), Err(JoseError::BadSignature), "{alg}");
    }
}

#[test]
fn malformed_compact_serializations_get_precise_errors() {
    let key = &keys()[0];
    let public = key.public_jwk();
    let token = sign(None, b"p", key, &mut rng()).unwrap();
    let (h, rest) = token.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    let cases = [
        (format!("{h}.{p}"), JoseError::NotCompact),
        (format!("{h}.{p}.{s}.x.y"), JoseError::NotCompact),
        (format!("{h}=.{p}.{s}"), JoseError::Base64(Part::Header)),
        (format!("{h}.{p}+.{s}"), JoseError::BadSignature),
        (format!("{h}.{p}.{s}="), JoseError::Base64(Part::Signature)),
        (format!("{h}.{p}.{}", &s[..s.len() - 2]), JoseError::BadSignature),
        ("e30.e30.e30".into(), JoseError::InvalidHeader("no \"alg\"".into())),
        ("x".repeat(MAX_TOKEN_BYTES + 1), JoseError::TokenTooLarge { limit: MAX_TOKEN_BYTES }),
    ];
    for (token, expected) in cases {
        assert_eq!(verify(&token, &public, &Algorithm::ALL), Err(expected), "{token:.40}");
    }
}

#[test]
fn a_key_set_selects_by_kid_and_requires_one() {
    let keys = keys();
    let jwks = JwkSet::new(keys.iter().map(SigningKey::public_jwk).collect()).unwrap();
    let mut rng = rng();
    for key in keys {
        let token = sign(None, b"p", key, &mut rng).unwrap();
        assert_eq!(
            verify_with_set(&token, &jwks, &Algorithm::ALL).unwrap().header.alg,
            key.algorithm()
        );
    }
    let anonymous = keys[0].public_jwk();
    let anonymous_key = SigningKey::generate(Algorithm::Es256, &mut rng).unwrap().without_kid();
    let token = sign(None, b"p", &anonymous_key, &mut rng).unwrap();
    assert_eq!(verify_with_set(&token, &jwks, &Algorithm::ALL), Err(JoseError::MissingKid));
    let token = sign(None, b"p", &other_keys()[0], &mut rng).unwrap();
    assert_eq!(verify_with_set(&token, &jwks, &Algorithm::ALL), Err(JoseError::UnknownKid));
    assert_eq!(verify(&token, &anonymous, &Algorithm::ALL), Err(JoseError::UnknownKid));
}

#[test]
fn jwks_documents_round_trip_skip_what_they_cannot_use_and_refuse_secrets() {
    let keys = keys();
    let jwks = JwkSet::new(keys.iter().map(SigningKey::public_jwk).collect()).unwrap();
    let json = jwks.to_json();
    let document: serde_json::Value = serde_json::from_str(&json).unwrap();
    for key in document["keys"].as_array().unwrap() {
        assert_eq!(key["use"], "sig");
        assert!(key.get("kid").is_some() && key.get("alg").is_some());
        assert!(key.get("d").is_none() && key.get("p").is_none());
    }
    assert_eq!(JwkSet::parse(&json).unwrap(), jwks);
    let mut extended = document.clone();
    let list = extended["keys"].as_array_mut().unwrap();
    list.push(serde_json::json!({"kty":"EC","crv":"P-384","x":"AA","y":"AA","kid":"p384"}));
    list.push(serde_json::json!({"kty":"oct-unknown","kid":"x"}));
    let mut enc = list[0].clone();
    enc["use"] = "enc".into();
    enc["kid"] = "enc".into();
    list.push(enc);
    let parsed = JwkSet::parse(&extended.to_string()).unwrap();
    assert_eq!((parsed.keys().len(), parsed.skipped()), (4, 3));

    let mut leaked = document.clone();
    leaked["keys"][1]["d"] = "c2VjcmV0".into();
    assert_eq!(JwkSet::parse(&leaked.to_string()), Err(JoseError::PrivateKeyMember("d")));
    let mut twice = document;
    let first = twice["keys"][0].clone();
    twice["keys"].as_array_mut().unwrap().push(first);
    assert_eq!(JwkSet::parse(&twice.to_string()), Err(JoseError::DuplicateKid));
    let many = serde_json::json!({ "keys": vec![serde_json::json!({}); MAX_JWK_SET_KEYS + 1] });
    assert_eq!(
        JwkSet::parse(&many.to_string()),
        Err(JoseError::TooManyKeys { limit: MAX_JWK_SET_KEYS })
    );
    let huge = format!("{{\"keys\":[],\"pad\":\"{}\"}}", "x".repeat(MAX_JWK_SET_BYTES));
    assert_eq!(JwkSet::parse(&huge), Err(JoseError::JwkSetTooLarge { limit: MAX_JWK_SET_BYTES }));
    assert!(matches!(JwkSet::parse("{\"keys\":{}}"), Err(JoseError::InvalidKey(_))));
}

#[test]
fn rsa_jwks_need_2048_bits_minimal_octets_and_an_alg() {
    let rsa = keys().iter().find(|k| k.algorithm() == Algorithm::Rs256).unwrap();
    let mut jwk: serde_json::Value = serde_json::from_str(&rsa.public_jwk().to_json()).unwrap();
    let n = jwk["n"].as_str().unwrap().to_owned();
    jwk["n"] = format!("AA{n}").into();
    assert!(matches!(PublicJwk::parse(&jwk.to_string()), Err(JoseError::InvalidKey(_))));
    // An odd 1024-bit modulus: structurally valid, too small.
    jwk["n"] = format!("{}_w", "_".repeat(168)).into();
    assert_eq!(
        PublicJwk::parse(&jwk.to_string()),
        Err(JoseError::InvalidKey("an RSA modulus below 2048 bits"))
    );
    jwk["n"] = n.into();
    jwk.as_object_mut().unwrap().remove("alg");
    assert_eq!(
        PublicJwk::parse(&jwk.to_string()),
        Err(JoseError::InvalidKey("an RSA JWK needs \"alg\""))
    );
    jwk["alg"] = "PS256".into();
    assert_eq!(PublicJwk::parse(&jwk.to_string()).unwrap().algorithm(), Algorithm::Ps256);
}

#[test]
fn private_keys_round_trip_through_pkcs8_pem_and_never_show_in_debug() {
    for key in keys() {
        let pem = key.to_pkcs8_pem().unwrap();
        assert!(pem.expose().starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let again = SigningKey::from_pkcs8_pem(key.algorithm(), pem.expose()).unwrap();
        assert_eq!(again.public_jwk(), key.public_jwk());
        assert_eq!(again.kid(), key.kid());
        let body: String = pem.expose().lines().filter(|l| !l.starts_with("-----")).collect();
        for shown in [format!("{key:?}"), format!("{pem:?}"), format!("{again:?}")] {
            assert!(shown.contains("redacted"), "{shown}");
            assert!(!shown.contains(&body[..16]), "{shown}");
        }
    }
    let ec_pem = keys()[0].to_pkcs8_pem().unwrap();
    assert_eq!(
        SigningKey::from_pkcs8_pem(Algorithm::EdDsa, ec_pem.expose()).unwrap_err(),
        JoseError::InvalidPrivateKey("not a PKCS#8 PEM key of that type")
    );
    assert!(SigningKey::from_pkcs8_pem(Algorithm::Rs256, "not pem").is_err());
    let mut rng = rng();
    assert_eq!(
        SigningKey::generate_with_rsa_bits(Algorithm::Rs256, 1024, &mut rng).unwrap_err(),
        JoseError::InvalidPrivateKey("RSA keys have 2048 to 8192 bits")
    );
}
