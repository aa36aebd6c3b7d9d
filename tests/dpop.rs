//! DPoP proofs (RFC 9449 §4): the RFC's example proofs and thumbprint,
//! proofs qscope signs with every algorithm, and one test per check of
//! §4.3 and per refusal, each with its precise error.

use http::{HeaderMap, HeaderValue, Method};
use p256::ecdsa::signature::Signer as _;
use p256::pkcs8::DecodePrivateKey as _;
use qscope::jose::dpop::{
    DPOP_TYP, DpopClaims, DpopError, DpopNonces, DpopRequest, DpopVerifier, access_token_hash,
    proof_header,
};
use qscope::jose::{Algorithm, ClaimsError, JoseError, MAX_JTI_BYTES, PublicJwk, SigningKey};
use qscope::{Seconds, UnixTime};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng as _;
use serde_json::{Value, json};

/// RFC 9449 Figure 2 (also Figure 5): a proof for `POST /token`.
const FIGURE_2: &str = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6Ik\
    VDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCR\
    nMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JE\
    QSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIj\
    oiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwia\
    WF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg\
    4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg";
/// RFC 9449 Figure 7: the proof of the refresh request, same key.
const FIGURE_7: &str = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6Ik\
    VDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCR\
    nMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JE\
    QSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIj\
    oiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwia\
    WF0IjoxNTYyMjY1Mjk2fQ.pAqut2IRDm_De6PR93SYmGBPXpwrAk90e8cP2hjiaG5Qs\
    GSuKDYW7_X620BxqhvYC8ynrrvZLTk41mSRroapUA";
/// RFC 9449 Figure 13: the proof sent with an access token to a resource.
const FIGURE_13: &str = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6Ik\
    VDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCR\
    nMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JE\
    QSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIj\
    oiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0Z\
    WRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNF\
    c05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9.2oW9RP35yRqzhrtNP86L-Ey71E\
    OptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA";
/// The access token of RFC 9449 Figures 6 and 13.
const FIGURE_13_TOKEN: &str = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";
/// The public key of every example proof (Figure 4).
const EXAMPLE_JWK: &str = r#"{"kty":"EC","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA","crv":"P-256"}"#;
/// Its thumbprint, the `cnf.jkt` of RFC 9449 §6.1 Figure 9.
const EXAMPLE_JKT: &str = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";

const TOKEN_URI: &str = "https://server.example.com/token";
const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);

fn part(token: &str, index: usize) -> Value {
    let encoded = token.split('.').nth(index).unwrap();
    let bytes =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, encoded).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn at(secs: u64) -> UnixTime {
    UnixTime::from_secs(secs)
}

#[test]
fn rfc9449_figure_4_is_the_decoded_content_of_figure_2() {
    assert_eq!(
        part(FIGURE_2, 0),
        json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": serde_json::from_str::<Value>(EXAMPLE_JWK).unwrap()})
    );
    assert_eq!(
        part(FIGURE_2, 1),
        json!({"jti": "-BwC3ESc6acc2lTc", "htm": "POST", "htu": TOKEN_URI, "iat": 1_562_262_616})
    );
    assert_eq!(part(FIGURE_13, 0), part(FIGURE_2, 0), "one key for every example");
    assert_eq!(
        part(FIGURE_13, 1),
        json!({"jti": "e1j3V_bKic8-LAEB", "htm": "GET",
               "htu": "https://resource.example.org/protectedresource",
               "iat": 1_562_262_618, "ath": "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"})
    );
}

#[test]
fn rfc9449_6_1_jkt_is_the_thumbprint_of_the_example_key() {
    assert_eq!(PublicJwk::parse(EXAMPLE_JWK).unwrap().thumbprint(), EXAMPLE_JKT);
    // RFC 9449 §7 Figure 14: `ath` of the Figure 13 token.
    assert_eq!(access_token_hash(FIGURE_13_TOKEN), "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
}

#[test]
fn rfc9449_example_proofs_verify_and_bind_to_the_section_6_1_jkt() {
    // The proofs carry their public key, so the RFC's signatures verify.
    let verifier = DpopVerifier::new();
    let token = DpopRequest::new(&Method::POST, TOKEN_URI);
    let proof = verifier.verify(FIGURE_2, &token, at(1_562_262_616)).unwrap();
    assert_eq!(proof.jkt, EXAMPLE_JKT);
    assert_eq!(proof.jti, "-BwC3ESc6acc2lTc");
    assert_eq!(proof.iat, at(1_562_262_616));
    assert_eq!(proof.algorithm, Algorithm::Es256);
    assert_eq!(proof.nonce, None);
    let refresh = verifier.verify(FIGURE_7, &token, at(1_562_265_296)).unwrap();
    assert_eq!(refresh.jkt, EXAMPLE_JKT, "a refresh proves the same key");
    let resource = DpopRequest::new(&Method::GET, "https://resource.example.org/protectedresource")
        .with_access_token(FIGURE_13_TOKEN);
    assert_eq!(verifier.verify(FIGURE_13, &resource, at(1_562_262_618)).unwrap().jkt, EXAMPLE_JKT);
    // Each is bound to its request and its time.
    assert_eq!(
        verifier.verify(FIGURE_2, &resource, at(1_562_262_616)),
        Err(DpopError::WrongMethod)
    );
    assert_eq!(verifier.verify(FIGURE_2, &token, at(1_562_262_616 + 61)), Err(DpopError::Stale));
    let other_token = resource.with_access_token("another-token");
    assert_eq!(
        verifier.verify(FIGURE_13, &other_token, at(1_562_262_618)),
        Err(DpopError::WrongAth)
    );
    let tampered = FIGURE_2.replace("2-GxA6T8", "2-GxA6T9");
    assert_eq!(
        verifier.verify(&tampered, &token, at(1_562_262_616)),
        Err(DpopError::Jose(JoseError::BadSignature))
    );
}

fn keys() -> Vec<SigningKey> {
    let mut rng = ChaCha20Rng::seed_from_u64(9449);
    Algorithm::ALL.into_iter().map(|alg| SigningKey::generate(alg, &mut rng).unwrap()).collect()
}

fn claims() -> DpopClaims {
    DpopClaims {
        jti: "4u4FbSkz9aYGvXhYkV1q2w".into(),
        htm: "POST".into(),
        htu: TOKEN_URI.into(),
        iat: NOW,
        ath: None,
        nonce: None,
    }
}

fn sign(claims: &DpopClaims, key: &SigningKey) -> String {
    claims.sign(key, &mut ChaCha20Rng::seed_from_u64(1)).unwrap()
}

fn es256() -> SigningKey {
    SigningKey::generate(Algorithm::Es256, &mut ChaCha20Rng::seed_from_u64(4)).unwrap()
}

#[test]
fn every_algorithm_signs_proofs_that_verify_and_bind_to_the_key_thumbprint() {
    let verifier = DpopVerifier::new();
    let request = DpopRequest::new(&Method::POST, TOKEN_URI);
    for key in keys() {
        let proof = sign(&claims(), &key);
        let header = part(&proof, 0);
        assert_eq!(header["typ"], DPOP_TYP);
        assert_eq!(header["alg"], key.algorithm().as_str());
        assert!(header["jwk"].get("kid").is_none() && header["jwk"].get("d").is_none());
        let verified = verifier.verify(&proof, &request, NOW).unwrap();
        assert_eq!(verified.jkt, key.public_jwk().thumbprint(), "{}", key.algorithm());
        assert_eq!(verified.algorithm, key.algorithm());
        assert_eq!((verified.jti.as_str(), verified.iat), ("4u4FbSkz9aYGvXhYkV1q2w", NOW));
        let only_es256 = DpopVerifier::new().with_algorithms(&[Algorithm::Es256]);
        if key.algorithm() != Algorithm::Es256 {
            assert_eq!(
                only_es256.verify(&proof, &request, NOW),
                Err(DpopError::Jose(JoseError::AlgorithmNotAllowed(key.algorithm())))
            );
        }
    }
}

#[test]
fn htm_must_be_the_request_method_exactly() {
    let proof = sign(&claims(), &es256());
    let verifier = DpopVerifier::new();
    for method in [Method::GET, Method::PUT, Method::from_bytes(b"post").unwrap()] {
        let request = DpopRequest::new(&method, TOKEN_URI);
        assert_eq!(verifier.verify(&proof, &request, NOW), Err(DpopError::WrongMethod), "{method}");
    }
}

#[test]
fn htu_is_compared_without_query_and_fragment_after_normalization() {
    let verifier = DpopVerifier::new();
    let key = es256();
    for (htu, request_uri) in [
        (TOKEN_URI, "https://server.example.com/token?x=1"),
        ("https://server.example.com/token?ignored#too", TOKEN_URI),
        ("HTTPS://SERVER.example.com:443/token", TOKEN_URI),
        ("https://server.example.com/./a/../%74oken", TOKEN_URI),
    ] {
        let proof = sign(&DpopClaims { htu: htu.into(), ..claims() }, &key);
        let request = DpopRequest::new(&Method::POST, request_uri);
        assert!(verifier.verify(&proof, &request, NOW).is_ok(), "{htu} for {request_uri}");
    }
    for htu in [
        "https://server.example.com/Token",
        "https://server.example.com/token/",
        "http://server.example.com/token",
        "https://server.example.com:8443/token",
        "https://other.example.com/token",
        "/token",
        "https://user@server.example.com/token",
        "",
    ] {
        let proof = sign(&DpopClaims { htu: htu.into(), ..claims() }, &key);
        let request = DpopRequest::new(&Method::POST, TOKEN_URI);
        assert_eq!(verifier.verify(&proof, &request, NOW), Err(DpopError::WrongUri), "{htu:?}");
    }
    let proof = sign(&claims(), &key);
    let relative = DpopRequest::new(&Method::POST, "/token");
    assert_eq!(verifier.verify(&proof, &relative, NOW), Err(DpopError::RequestUri));
}

#[test]
fn iat_must_lie_within_the_window_around_now() {
    let verifier = DpopVerifier::new().with_iat_window(Seconds::new(30), Seconds::new(2));
    let request = DpopRequest::new(&Method::POST, TOKEN_URI);
    let key = es256();
    let with_iat = |secs: u64| sign(&DpopClaims { iat: at(secs), ..claims() }, &key);
    let now = NOW.as_secs();
    for ok in [now - 30, now, now + 2] {
        assert!(verifier.verify(&with_iat(ok), &request, NOW).is_ok(), "{ok}");
    }
    assert_eq!(verifier.verify(&with_iat(now - 31), &request, NOW), Err(DpopError::Stale));
    assert_eq!(verifier.verify(&with_iat(now + 3), &request, NOW), Err(DpopError::IssuedInFuture));
    assert_eq!(verifier.verify(&with_iat(0), &request, NOW), Err(DpopError::Stale));
}

#[test]
fn ath_is_required_and_checked_when_an_access_token_is_presented() {
    let verifier = DpopVerifier::new();
    let key = es256();
    let token = "an-access-token";
    let request = DpopRequest::new(&Method::POST, TOKEN_URI).with_access_token(token);
    let bound = sign(&DpopClaims { ath: Some(access_token_hash(token)), ..claims() }, &key);
    assert!(verifier.verify(&bound, &request, NOW).is_ok());
    assert_eq!(verifier.verify(&sign(&claims(), &key), &request, NOW), Err(DpopError::MissingAth));
    let other = sign(&DpopClaims { ath: Some(access_token_hash("other")), ..claims() }, &key);
    assert_eq!(verifier.verify(&other, &request, NOW), Err(DpopError::WrongAth));
    // Without a presented token, `ath` is not consulted (the token endpoint).
    let plain = DpopRequest::new(&Method::POST, TOKEN_URI);
    assert!(verifier.verify(&other, &plain, NOW).is_ok());
}

#[test]
fn a_required_nonce_must_be_one_the_server_accepts_now() {
    let verifier = DpopVerifier::new();
    let key = es256();
    let accepted = ["nonce-of-this-minute", "nonce-of-the-last-minute"];
    let request = DpopRequest::new(&Method::POST, TOKEN_URI).requiring_nonce(&accepted);
    let with_nonce =
        |nonce: &str| sign(&DpopClaims { nonce: Some(nonce.into()), ..claims() }, &key);
    for nonce in accepted {
        let proof = verifier.verify(&with_nonce(nonce), &request, NOW).unwrap();
        assert_eq!(proof.nonce.as_deref(), Some(nonce));
    }
    let missing = verifier.verify(&sign(&claims(), &key), &request, NOW).unwrap_err();
    assert_eq!(missing, DpopError::MissingNonce);
    assert_eq!((missing.needs_nonce(), missing.error_code()), (true, "use_dpop_nonce"));
    let stale = verifier.verify(&with_nonce("nonce-of-yesterday"), &request, NOW).unwrap_err();
    assert_eq!((stale.clone(), stale.error_code()), (DpopError::WrongNonce, "use_dpop_nonce"));
    let none_accepted = DpopRequest::new(&Method::POST, TOKEN_URI).requiring_nonce(&[]);
    assert_eq!(
        verifier.verify(&with_nonce(accepted[0]), &none_accepted, NOW),
        Err(DpopError::WrongNonce)
    );
    // Not required: a nonce in the proof is returned, not checked.
    let plain = DpopRequest::new(&Method::POST, TOKEN_URI);
    assert!(verifier.verify(&with_nonce("anything"), &plain, NOW).is_ok());
    assert_eq!(DpopError::WrongUri.error_code(), "invalid_dpop_proof");
}

/// The server's nonces (RFC 9449 §8) from `DpopNonces`: node B accepts
/// the nonce node A sent, until it is two buckets old; a proof with an
/// expired one is answered `use_dpop_nonce` with the current nonce.
#[test]
fn stateless_nonces_from_one_node_are_accepted_by_another_until_they_expire() {
    let shared_key = [42u8; 32];
    let node_a = DpopNonces::new(shared_key, Seconds::new(300));
    let node_b = DpopNonces::new(shared_key, Seconds::new(300));
    let key = es256();
    let sent = node_a.current(NOW);
    let proof = sign(&DpopClaims { nonce: Some(sent.clone()), ..claims() }, &key);
    let verify_at = |node: &DpopNonces, now: UnixTime| {
        let accepted = node.accepted(now);
        let accepted: Vec<&str> = accepted.iter().map(String::as_str).collect();
        let request = DpopRequest::new(&Method::POST, TOKEN_URI).requiring_nonce(&accepted);
        // The proof's iat is NOW; judge it at NOW and look only at the nonce.
        DpopVerifier::new().verify(&proof, &request, NOW).map(|_| ())
    };
    assert_eq!(verify_at(&node_b, NOW), Ok(()));
    assert_eq!(verify_at(&node_b, UnixTime::from_secs(NOW.as_secs() + 300)), Ok(()));
    let expired = verify_at(&node_b, UnixTime::from_secs(NOW.as_secs() + 600)).unwrap_err();
    assert_eq!((expired.clone(), expired.error_code()), (DpopError::WrongNonce, "use_dpop_nonce"));
    assert_ne!(node_b.current(UnixTime::from_secs(NOW.as_secs() + 600)), sent);
}

#[test]
fn jti_is_required_non_empty_and_bounded() {
    let verifier = DpopVerifier::new();
    let request = DpopRequest::new(&Method::POST, TOKEN_URI);
    let key = es256();
    let with_jti = |jti: String| sign(&DpopClaims { jti, ..claims() }, &key);
    assert!(verifier.verify(&with_jti("j".repeat(MAX_JTI_BYTES)), &request, NOW).is_ok());
    assert_eq!(
        verifier.verify(&with_jti("j".repeat(MAX_JTI_BYTES + 1)), &request, NOW),
        Err(DpopError::JtiTooLong { limit: MAX_JTI_BYTES })
    );
    assert_eq!(
        verifier.verify(&with_jti(String::new()), &request, NOW),
        Err(DpopError::Claims(ClaimsError::Invalid("jti")))
    );
}

/// A proof with any header and claims, signed by `key` (ES256) outside
/// qscope's JWS code.
fn craft(header: &Value, claims: &Value, key: &SigningKey) -> String {
    let pem = key.to_pkcs8_pem().unwrap();
    let raw = p256::ecdsa::SigningKey::from_pkcs8_pem(pem.expose()).unwrap();
    let b64 = |v: &Value| {
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, v.to_string())
    };
    let input = format!("{}.{}", b64(header), b64(claims));
    let signature: p256::ecdsa::Signature = raw.sign(input.as_bytes());
    format!(
        "{input}.{}",
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            signature.to_bytes()
        )
    )
}

fn public_jwk(key: &SigningKey) -> Value {
    let mut jwk = key.public_jwk().to_value();
    jwk.as_object_mut().unwrap().remove("kid");
    jwk
}

#[test]
fn missing_claims_and_wrong_types_are_named() {
    let key = es256();
    let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": public_jwk(&key)});
    let verifier = DpopVerifier::new();
    let request = DpopRequest::new(&Method::POST, TOKEN_URI);
    let full = json!({"jti": "j1", "htm": "POST", "htu": TOKEN_URI, "iat": NOW.as_secs()});
    assert!(verifier.verify(&craft(&header, &full, &key), &request, NOW).is_ok());
    for name in ["jti", "htm", "htu", "iat"] {
        let mut claims = full.clone();
        claims.as_object_mut().unwrap().remove(name);
        assert_eq!(
            verifier.verify(&craft(&header, &claims, &key), &request, NOW),
            Err(DpopError::Claims(ClaimsError::Missing(name))),
            "{name}"
        );
    }
    for bad in [
        json!({"jti": 5, "htm": "POST", "htu": TOKEN_URI, "iat": NOW.as_secs()}),
        json!({"jti": "j", "htm": "POST", "htu": TOKEN_URI, "iat": "now"}),
        json!({"jti": "j", "htm": "POST", "htu": TOKEN_URI, "iat": -1}),
        json!(["not", "an", "object"]),
    ] {
        let result = verifier.verify(&craft(&header, &bad, &key), &request, NOW);
        assert!(matches!(result, Err(DpopError::Claims(ClaimsError::NotJson(_)))), "{bad}");
    }
    let repeated = r#"{"jti":"a","jti":"b","htm":"POST","htu":"https://server.example.com/token","iat":1700000000}"#;
    let raw = craft_raw(&header.to_string(), repeated, &key);
    assert!(matches!(
        verifier.verify(&raw, &request, NOW),
        Err(DpopError::Claims(ClaimsError::NotJson(message))) if message.contains("duplicate")
    ));
}

fn craft_raw(header: &str, claims: &str, key: &SigningKey) -> String {
    let pem = key.to_pkcs8_pem().unwrap();
    let raw = p256::ecdsa::SigningKey::from_pkcs8_pem(pem.expose()).unwrap();
    let b64 =
        |v: &[u8]| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, v);
    let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
    let signature: p256::ecdsa::Signature = raw.sign(input.as_bytes());
    format!("{input}.{}", b64(&signature.to_bytes()))
}

#[test]
fn typ_alg_and_jwk_refusals_are_precise() {
    let key = es256();
    let jwk = public_jwk(&key);
    let claims = json!({"jti": "j1", "htm": "POST", "htu": TOKEN_URI, "iat": NOW.as_secs()});
    let verifier = DpopVerifier::new();
    let request = DpopRequest::new(&Method::POST, TOKEN_URI);
    let check = |header: Value| verifier.verify(&craft(&header, &claims, &key), &request, NOW);
    assert!(check(json!({"typ": "application/dpop+jwt", "alg": "ES256", "jwk": jwk})).is_ok());
    assert!(
        check(json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk, "kid": "ignored"})).is_ok()
    );
    for typ in [json!("JWT"), json!("at+jwt"), Value::Null] {
        let mut header = json!({"alg": "ES256", "jwk": jwk});
        if !typ.is_null() {
            header["typ"] = typ.clone();
        }
        assert_eq!(check(header), Err(DpopError::WrongType), "{typ}");
    }
    let with = |name: &str, value: Value| {
        let mut header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk});
        header[name] = value;
        check(header)
    };
    assert_eq!(with("alg", json!("none")), Err(DpopError::Jose(JoseError::AlgorithmNone)));
    assert_eq!(with("alg", json!("HS256")), Err(DpopError::Jose(JoseError::UnsupportedAlgorithm)));
    assert_eq!(
        with("alg", json!("EdDSA")),
        Err(DpopError::Jose(JoseError::AlgorithmMismatch {
            header: Algorithm::EdDsa,
            key: Algorithm::Es256
        }))
    );
    assert_eq!(with("crit", json!(["exp"])), Err(DpopError::Jose(JoseError::CriticalHeader)));
    for name in ["jku", "x5u", "x5c"] {
        assert_eq!(
            with(name, json!("https://attacker.example/k")),
            Err(DpopError::Jose(JoseError::KeyReferenceInHeader(name))),
            "{name}"
        );
    }
    assert_eq!(
        check(json!({"typ": "dpop+jwt", "alg": "ES256"})),
        Err(DpopError::Jose(JoseError::MissingJwk))
    );
    let mut private = jwk.clone();
    private["d"] = json!("870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE");
    assert_eq!(with("jwk", private), Err(DpopError::Jose(JoseError::PrivateKeyMember("d"))));
    assert!(matches!(
        with("jwk", json!("a string")),
        Err(DpopError::Jose(JoseError::InvalidHeader(_)))
    ));
    let mut other_curve = jwk.clone();
    other_curve["crv"] = json!("P-384");
    assert_eq!(
        with("jwk", other_curve),
        Err(DpopError::Jose(JoseError::InvalidKey("unsupported curve")))
    );
    // The signature must verify with the header's key, not some other key.
    let other = SigningKey::generate(Algorithm::Es256, &mut ChaCha20Rng::seed_from_u64(5)).unwrap();
    assert_eq!(with("jwk", public_jwk(&other)), Err(DpopError::Jose(JoseError::BadSignature)));
    // An RSA key is bound to the header's RSA algorithm, never to ES256.
    let rsa = &keys()[2];
    let mut rsa_jwk = public_jwk(rsa);
    rsa_jwk.as_object_mut().unwrap().remove("alg");
    assert_eq!(
        with("jwk", rsa_jwk),
        Err(DpopError::Jose(JoseError::AlgorithmMismatch {
            header: Algorithm::Es256,
            key: Algorithm::Rs256
        }))
    );
}

#[test]
fn an_rsa_jwk_without_alg_takes_the_header_s_rsa_algorithm() {
    let verifier = DpopVerifier::new();
    let request = DpopRequest::new(&Method::POST, TOKEN_URI);
    let key = &keys()[2];
    assert_eq!(key.algorithm(), Algorithm::Rs256);
    let mut jwk = public_jwk(key);
    jwk.as_object_mut().unwrap().remove("alg");
    let header = json!({"typ": "dpop+jwt", "alg": "RS256", "jwk": jwk}).to_string();
    let claims = claims().to_json();
    let b64 =
        |v: &[u8]| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, v);
    let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
    let pem = key.to_pkcs8_pem().unwrap();
    let private = rsa::PrivateKey::from_pkcs8_pem(pem.expose()).unwrap();
    let signer = rsa::pkcs1v15::SigningKey::<rsa::sha2::Sha256>::new(private);
    let signature: rsa::pkcs1v15::Signature = signer.sign(input.as_bytes());
    let proof = format!("{input}.{}", b64(&rsa::signature::SignatureEncoding::to_vec(&signature)));
    let verified = verifier.verify(&proof, &request, NOW).unwrap();
    assert_eq!(verified.algorithm, Algorithm::Rs256);
    assert_eq!(verified.jkt, key.public_jwk().thumbprint(), "alg is no member of the thumbprint");
    // The same RSA signature under a PS256 header does not verify.
    let ps_header = header.replace("RS256", "PS256");
    let forged = format!("{}.{}", b64(ps_header.as_bytes()), proof.split_once('.').unwrap().1);
    assert_eq!(
        verifier.verify(&forged, &request, NOW),
        Err(DpopError::Jose(JoseError::BadSignature))
    );
}

#[test]
fn oversized_and_malformed_proofs_are_refused() {
    let verifier = DpopVerifier::new();
    let request = DpopRequest::new(&Method::POST, TOKEN_URI);
    let huge = "a".repeat(qscope::jose::MAX_TOKEN_BYTES + 1);
    assert_eq!(
        verifier.verify(&huge, &request, NOW),
        Err(DpopError::Jose(JoseError::TokenTooLarge { limit: qscope::jose::MAX_TOKEN_BYTES }))
    );
    for bad in ["", "a.b", "a.b.c.d.e", "!!.e30.sig"] {
        assert!(matches!(verifier.verify(bad, &request, NOW), Err(DpopError::Jose(_))), "{bad}");
    }
}

#[test]
fn the_access_token_path_still_refuses_a_header_jwk() {
    let key = es256();
    let proof = sign(&claims(), &key);
    assert_eq!(
        qscope::jose::verify(&proof, &key.public_jwk(), &Algorithm::ALL),
        Err(JoseError::KeyReferenceInHeader("jwk"))
    );
    assert_eq!(
        qscope::jose::verify(FIGURE_2, &PublicJwk::parse(EXAMPLE_JWK).unwrap(), &Algorithm::ALL),
        Err(JoseError::KeyReferenceInHeader("jwk"))
    );
}

#[test]
fn the_dpop_header_is_one_token68_value() {
    let mut headers = HeaderMap::new();
    assert_eq!(proof_header(&headers), Ok(None));
    headers.insert("DPoP", HeaderValue::from_static(FIGURE_2));
    assert_eq!(proof_header(&headers), Ok(Some(FIGURE_2)));
    headers.append("dpop", HeaderValue::from_static(FIGURE_7));
    assert_eq!(proof_header(&headers), Err(DpopError::RepeatedHeader));
    for bad in ["", "a b", "a,b", "==", "a=b"] {
        let mut headers = HeaderMap::new();
        headers.insert("dpop", HeaderValue::from_str(bad).unwrap());
        assert_eq!(proof_header(&headers), Err(DpopError::MalformedHeader), "{bad:?}");
    }
    let mut padded = HeaderMap::new();
    padded.insert("dpop", HeaderValue::from_static("abc+/~=="));
    assert_eq!(proof_header(&padded), Ok(Some("abc+/~==")));
}
