//! Client assertions for `private_key_jwt` (RFC 7523 §2.2, §3; RFC 7521
//! §4.2): assertions qscope's keys sign for every algorithm, and one test
//! per check of RFC 7523 §3 and per refusal, each with its precise error.

use qscope::jose::client_assertion::{
    CLIENT_ASSERTION_TYPE_JWT, ClientAssertionClaims, ClientAssertionError,
    ClientAssertionVerifier, claimed_client_id,
};
use qscope::jose::{
    Algorithm, Audience, ClaimsError, JoseError, JwkSet, MAX_JTI_BYTES, SigningKey, sign,
};
use qscope::{Seconds, UnixTime};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng as _;
use serde_json::{Value, json};

const ISSUER: &str = "https://as.example.com";
const TOKEN_ENDPOINT: &str = "https://as.example.com/token";
const CLIENT: &str = "s6BhdRkqt3";
const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);

fn at(secs: u64) -> UnixTime {
    UnixTime::from_secs(secs)
}

fn keys() -> Vec<SigningKey> {
    let mut rng = ChaCha20Rng::seed_from_u64(7523);
    Algorithm::ALL.into_iter().map(|alg| SigningKey::generate(alg, &mut rng).unwrap()).collect()
}

fn jwks(keys: &[SigningKey]) -> JwkSet {
    JwkSet::new(keys.iter().map(SigningKey::public_jwk).collect()).unwrap()
}

fn claims() -> ClientAssertionClaims {
    ClientAssertionClaims {
        iss: CLIENT.into(),
        sub: CLIENT.into(),
        aud: Audience::One(ISSUER.into()),
        exp: at(NOW.as_secs() + 60),
        iat: Some(NOW),
        nbf: None,
        jti: "id-8f3c2a".into(),
    }
}

fn signed(claims: &ClientAssertionClaims, key: &SigningKey) -> String {
    claims.sign(key, &mut ChaCha20Rng::seed_from_u64(2)).unwrap()
}

/// Claims given as JSON, signed with `key` under `typ`.
fn signed_json(claims: &Value, typ: Option<&str>, key: &SigningKey) -> String {
    sign(typ, claims.to_string().as_bytes(), key, &mut ChaCha20Rng::seed_from_u64(3)).unwrap()
}

#[test]
fn a_signed_assertion_authenticates_its_client_for_every_algorithm() {
    assert_eq!(CLIENT_ASSERTION_TYPE_JWT, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    let keys = keys();
    let set = jwks(&keys);
    let verifier = ClientAssertionVerifier::new(ISSUER);
    for key in &keys {
        let assertion = signed(&claims(), key);
        let verified = verifier.verify(&assertion, CLIENT, &set, NOW).unwrap();
        assert_eq!(verified.client_id, CLIENT);
        assert_eq!(verified.jti, "id-8f3c2a");
        assert_eq!(verified.exp, at(NOW.as_secs() + 60));
        assert_eq!(verified.kid.as_deref(), key.kid());
        assert_eq!(verified.algorithm, key.algorithm(), "the key decides the algorithm");
        assert_eq!(claimed_client_id(&assertion).unwrap(), CLIENT);
        // One JWT only (RFC 7523 §2.2).
        for two in [format!("{assertion}.{assertion}"), format!("{assertion} {assertion}")] {
            assert!(matches!(
                verifier.verify(&two, CLIENT, &set, NOW),
                Err(ClientAssertionError::Jose(JoseError::NotCompact | JoseError::Base64(_)))
            ));
        }
    }
}

#[test]
fn iss_and_sub_must_both_be_the_client_id() {
    let key = &keys()[0];
    let set = jwks(std::slice::from_ref(key));
    let verifier = ClientAssertionVerifier::new(ISSUER);
    let wrong_iss = ClientAssertionClaims { iss: "other".into(), ..claims() };
    assert_eq!(
        verifier.verify(&signed(&wrong_iss, key), CLIENT, &set, NOW),
        Err(ClientAssertionError::WrongIssuer)
    );
    let wrong_sub = ClientAssertionClaims { sub: "alice".into(), ..claims() };
    assert_eq!(
        verifier.verify(&signed(&wrong_sub, key), CLIENT, &set, NOW),
        Err(ClientAssertionError::WrongSubject)
    );
    // Simple string comparison: no case folding.
    assert_eq!(
        verifier.verify(&signed(&claims(), key), "S6BHDRKQT3", &set, NOW),
        Err(ClientAssertionError::WrongIssuer)
    );
}

#[test]
fn aud_must_name_the_issuer_and_the_token_endpoint_only_when_accepted() {
    let key = &keys()[1];
    let set = jwks(std::slice::from_ref(key));
    let strict = ClientAssertionVerifier::new(ISSUER);
    let lenient = ClientAssertionVerifier::new(ISSUER).accepting_token_endpoint(TOKEN_ENDPOINT);
    let with_aud = |aud: Audience| signed(&ClientAssertionClaims { aud, ..claims() }, key);
    let both = with_aud(Audience::Many(vec!["https://other.example".into(), ISSUER.into()]));
    assert!(strict.verify(&both, CLIENT, &set, NOW).is_ok());
    let endpoint = with_aud(Audience::One(TOKEN_ENDPOINT.into()));
    assert_eq!(
        strict.verify(&endpoint, CLIENT, &set, NOW),
        Err(ClientAssertionError::WrongAudience)
    );
    assert!(lenient.verify(&endpoint, CLIENT, &set, NOW).is_ok());
    for aud in [
        Audience::One("https://as.example.com/".into()),
        Audience::One("https://AS.example.com".into()),
        Audience::One("https://other.example".into()),
        Audience::Many(vec![]),
    ] {
        let assertion = with_aud(aud.clone());
        assert_eq!(
            lenient.verify(&assertion, CLIENT, &set, NOW),
            Err(ClientAssertionError::WrongAudience),
            "{aud:?}"
        );
    }
}

#[test]
fn exp_is_required_not_passed_and_not_too_far_ahead() {
    let key = &keys()[0];
    let set = jwks(std::slice::from_ref(key));
    let verifier = ClientAssertionVerifier::new(ISSUER)
        .with_leeway(Seconds::new(10))
        .with_max_lifetime(Seconds::minutes(2));
    let with_exp = |secs: u64| signed(&ClientAssertionClaims { exp: at(secs), ..claims() }, key);
    let now = NOW.as_secs();
    for ok in [now - 9, now + 1, now + 120] {
        assert!(verifier.verify(&with_exp(ok), CLIENT, &set, NOW).is_ok(), "{ok}");
    }
    assert_eq!(
        verifier.verify(&with_exp(now - 10), CLIENT, &set, NOW),
        Err(ClientAssertionError::Expired)
    );
    assert_eq!(
        verifier.verify(&with_exp(now + 121), CLIENT, &set, NOW),
        Err(ClientAssertionError::LifetimeTooLong)
    );
    let no_exp = json!({"iss": CLIENT, "sub": CLIENT, "aud": ISSUER, "jti": "j"});
    assert_eq!(
        verifier.verify(&signed_json(&no_exp, None, key), CLIENT, &set, NOW),
        Err(ClientAssertionError::Claims(ClaimsError::Missing("exp")))
    );
}

#[test]
fn nbf_and_iat_are_checked_with_the_leeway() {
    let key = &keys()[0];
    let set = jwks(std::slice::from_ref(key));
    let verifier = ClientAssertionVerifier::new(ISSUER).with_leeway(Seconds::new(5));
    let now = NOW.as_secs();
    let with_nbf = |secs| signed(&ClientAssertionClaims { nbf: Some(at(secs)), ..claims() }, key);
    assert!(verifier.verify(&with_nbf(now + 5), CLIENT, &set, NOW).is_ok());
    assert_eq!(
        verifier.verify(&with_nbf(now + 6), CLIENT, &set, NOW),
        Err(ClientAssertionError::NotYetValid)
    );
    let with_iat = |secs| signed(&ClientAssertionClaims { iat: Some(at(secs)), ..claims() }, key);
    assert!(verifier.verify(&with_iat(now + 5), CLIENT, &set, NOW).is_ok());
    assert_eq!(
        verifier.verify(&with_iat(now + 6), CLIENT, &set, NOW),
        Err(ClientAssertionError::IssuedInFuture)
    );
    let no_iat = ClientAssertionClaims { iat: None, ..claims() };
    assert!(verifier.verify(&signed(&no_iat, key), CLIENT, &set, NOW).is_ok(), "iat is optional");
}

#[test]
fn jti_and_the_other_required_claims_are_named() {
    let key = &keys()[0];
    let set = jwks(std::slice::from_ref(key));
    let verifier = ClientAssertionVerifier::new(ISSUER);
    let full = json!({"iss": CLIENT, "sub": CLIENT, "aud": ISSUER,
                      "exp": NOW.as_secs() + 60, "jti": "j"});
    assert!(verifier.verify(&signed_json(&full, None, key), CLIENT, &set, NOW).is_ok());
    for name in ["iss", "sub", "aud", "exp", "jti"] {
        let mut claims = full.clone();
        claims.as_object_mut().unwrap().remove(name);
        assert_eq!(
            verifier.verify(&signed_json(&claims, None, key), CLIENT, &set, NOW),
            Err(ClientAssertionError::Claims(ClaimsError::Missing(name))),
            "{name}"
        );
    }
    let with_jti = |jti: String| signed(&ClientAssertionClaims { jti, ..claims() }, key);
    assert!(verifier.verify(&with_jti("j".repeat(MAX_JTI_BYTES)), CLIENT, &set, NOW).is_ok());
    for jti in [String::new(), "j".repeat(MAX_JTI_BYTES + 1)] {
        assert_eq!(
            verifier.verify(&with_jti(jti), CLIENT, &set, NOW),
            Err(ClientAssertionError::InvalidJti)
        );
    }
    let mut repeated = full.to_string();
    repeated.insert_str(1, r#""iss":"other","#);
    let assertion =
        sign(None, repeated.as_bytes(), key, &mut ChaCha20Rng::seed_from_u64(3)).unwrap();
    assert!(matches!(
        verifier.verify(&assertion, CLIENT, &set, NOW),
        Err(ClientAssertionError::Claims(ClaimsError::NotJson(message))) if message.contains("duplicate")
    ));
}

#[test]
fn the_client_s_key_is_chosen_by_kid_and_decides_the_algorithm() {
    let keys = keys();
    let set = jwks(&keys);
    let verifier = ClientAssertionVerifier::new(ISSUER);
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    let stranger = SigningKey::generate(Algorithm::Es256, &mut rng).unwrap();
    assert_eq!(
        verifier.verify(&signed(&claims(), &stranger), CLIENT, &set, NOW),
        Err(ClientAssertionError::Jose(JoseError::UnknownKid))
    );
    // A stranger's key under the kid of a client key: the signature fails.
    let impostor = stranger.with_kid(keys[0].kid().unwrap());
    assert_eq!(
        verifier.verify(&signed(&claims(), &impostor), CLIENT, &set, NOW),
        Err(ClientAssertionError::Jose(JoseError::BadSignature))
    );
    // An EdDSA key under the kid of the client's ES256 key: the key decides.
    let confused =
        SigningKey::generate(Algorithm::EdDsa, &mut rng).unwrap().with_kid(keys[0].kid().unwrap());
    assert_eq!(
        verifier.verify(&signed(&claims(), &confused), CLIENT, &set, NOW),
        Err(ClientAssertionError::Jose(JoseError::AlgorithmMismatch {
            header: Algorithm::EdDsa,
            key: Algorithm::Es256
        }))
    );
    // No kid: only a client with exactly one key.
    let bare = SigningKey::generate(Algorithm::Es256, &mut rng).unwrap().without_kid();
    let assertion = signed(&claims(), &bare);
    assert_eq!(
        verifier.verify(&assertion, CLIENT, &set, NOW),
        Err(ClientAssertionError::Jose(JoseError::MissingKid))
    );
    let one = JwkSet::new(vec![bare.public_jwk()]).unwrap();
    assert!(verifier.verify(&assertion, CLIENT, &one, NOW).is_ok());
    assert_eq!(
        verifier.verify(&assertion, CLIENT, &JwkSet::default(), NOW),
        Err(ClientAssertionError::Jose(JoseError::UnknownKid))
    );
    let es256_only = ClientAssertionVerifier::new(ISSUER).with_algorithms(&[Algorithm::Es256]);
    assert_eq!(
        es256_only.verify(&signed(&claims(), &keys[2]), CLIENT, &set, NOW),
        Err(ClientAssertionError::Jose(JoseError::AlgorithmNotAllowed(Algorithm::Rs256)))
    );
    assert_eq!(es256_only.algorithms(), &[Algorithm::Es256]);
}

#[test]
fn other_kinds_of_jwt_are_not_client_assertions() {
    let key = &keys()[0];
    let set = jwks(std::slice::from_ref(key));
    let verifier = ClientAssertionVerifier::new(ISSUER);
    let claims: Value = serde_json::from_str(&claims().to_json()).unwrap();
    for typ in [None, Some("JWT"), Some("jwt"), Some("client-authentication+jwt")] {
        assert!(
            verifier.verify(&signed_json(&claims, typ, key), CLIENT, &set, NOW).is_ok(),
            "{typ:?}"
        );
    }
    for typ in ["at+jwt", "dpop+jwt", "application/at+jwt", "secevent+jwt"] {
        assert_eq!(
            verifier.verify(&signed_json(&claims, Some(typ), key), CLIENT, &set, NOW),
            Err(ClientAssertionError::WrongType),
            "{typ}"
        );
    }
    // A DPoP proof's header key is refused: keys come from the client's set.
    let proof = qscope::jose::dpop::DpopClaims {
        jti: "j".into(),
        htm: "POST".into(),
        htu: TOKEN_ENDPOINT.into(),
        iat: NOW,
        ath: None,
        nonce: None,
    }
    .sign(key, &mut ChaCha20Rng::seed_from_u64(4))
    .unwrap();
    assert_eq!(
        verifier.verify(&proof, CLIENT, &set, NOW),
        Err(ClientAssertionError::Jose(JoseError::KeyReferenceInHeader("jwk")))
    );
}

#[test]
fn claimed_client_id_reads_sub_without_verifying() {
    let key = &keys()[0];
    let unsigned_sub = ClientAssertionClaims { sub: "someone".into(), ..claims() };
    assert_eq!(claimed_client_id(&signed(&unsigned_sub, key)).unwrap(), "someone");
    let no_sub = json!({"iss": CLIENT});
    assert_eq!(
        claimed_client_id(&signed_json(&no_sub, None, key)),
        Err(ClientAssertionError::Claims(ClaimsError::Missing("sub")))
    );
    assert_eq!(claimed_client_id("a.b"), Err(ClientAssertionError::Jose(JoseError::NotCompact)));
    assert!(matches!(
        claimed_client_id("e30.!!.x"),
        Err(ClientAssertionError::Jose(JoseError::Base64(_)))
    ));
}
