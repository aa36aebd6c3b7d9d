//! qscope's JWT access tokens against an independent JOSE implementation,
//! the `jsonwebtoken` crate: it parses qscope's JWKS document, checks
//! qscope's tokens (header, signature, iss, aud, exp) for ES256, EdDSA,
//! RS256 and PS256, and signs tokens from qscope's PKCS#8 keys that
//! qscope's resource verifier must accept.

use jsonwebtoken::jwk::JwkSet as TheirJwkSet;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use qscope::jose::{
    AccessTokenClaims, Algorithm, Audience, KeySet, RotationPolicy, SignStep, Signer, SigningKey,
};
use qscope::resource::JwtAccessVerifier;
use qscope::{Scopes, UnixTime};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng as _;

const ISSUER: &str = "https://as.example.com";
const RESOURCE: &str = "https://rs.example.com/";
const IAT: UnixTime = UnixTime::from_secs(1_700_000_000);
/// 2100-01-01: `jsonwebtoken` compares `exp` with the real clock.
const EXP: UnixTime = UnixTime::from_secs(4_102_444_800);

fn theirs(alg: Algorithm) -> jsonwebtoken::Algorithm {
    match alg {
        Algorithm::Es256 => jsonwebtoken::Algorithm::ES256,
        Algorithm::EdDsa => jsonwebtoken::Algorithm::EdDSA,
        Algorithm::Rs256 => jsonwebtoken::Algorithm::RS256,
        Algorithm::Ps256 => jsonwebtoken::Algorithm::PS256,
    }
}

fn claims() -> AccessTokenClaims {
    AccessTokenClaims {
        iss: ISSUER.into(),
        sub: "5ba552d67".into(),
        aud: Audience::One(RESOURCE.into()),
        client_id: "s6BhdRkqt3".into(),
        iat: IAT,
        exp: EXP,
        jti: "dbe39bf3a3ba4238a513f51d6e1691c4".into(),
        scope: Scopes::from_names(["openid", "profile", "reademail"]),
        auth_time: Some(IAT),
        nbf: None,
        cnf: None,
    }
}

fn validation(alg: Algorithm) -> Validation {
    let mut validation = Validation::new(theirs(alg));
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[RESOURCE]);
    validation.set_required_spec_claims(&["iss", "exp", "aud", "sub", "iat"]);
    validation
}

fn key_set(rng: &mut ChaCha20Rng) -> KeySet {
    let mut keys = KeySet::new(RotationPolicy::default());
    for (i, alg) in Algorithm::ALL.into_iter().enumerate() {
        let key = SigningKey::generate(alg, rng).unwrap();
        // Each key starts signing one second after the previous one.
        let signer = Signer::InProcess(key);
        let kid = signer.kid().unwrap().to_owned();
        let at = UnixTime::from_secs(IAT.as_secs() + i as u64);
        keys.insert(qscope::jose::ManagedKey::new(signer, IAT, at)).unwrap();
        assert_eq!(keys.active(at).unwrap().kid(), kid);
    }
    keys
}

#[test]
fn jsonwebtoken_verifies_qscope_tokens_against_qscope_s_jwks() {
    let mut rng = ChaCha20Rng::seed_from_u64(9068);
    let keys = key_set(&mut rng);
    let jwks_json = keys.jwks(IAT).to_json();
    let their_jwks: TheirJwkSet = serde_json::from_str(&jwks_json).unwrap();
    assert_eq!(their_jwks.keys.len(), 4);
    for (i, alg) in Algorithm::ALL.into_iter().enumerate() {
        let at = UnixTime::from_secs(IAT.as_secs() + i as u64);
        let SignStep::Signed(token) = claims().begin_sign(&keys, at, &mut rng).unwrap() else {
            panic!("in-process")
        };
        let header = decode_header(&token).unwrap();
        assert_eq!(header.typ.as_deref(), Some("at+jwt"), "{alg}");
        assert_eq!(header.alg, theirs(alg));
        let kid = header.kid.expect("a kid");
        let jwk = their_jwks.find(&kid).expect("the kid is in the JWKS");
        let key = DecodingKey::from_jwk(jwk).unwrap();
        let data = decode::<serde_json::Value>(&token, &key, &validation(alg))
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(data.claims["client_id"], "s6BhdRkqt3");
        assert_eq!(data.claims["scope"], "openid profile reademail");
        assert_eq!(data.claims["jti"], "dbe39bf3a3ba4238a513f51d6e1691c4");
        // And it refuses the token under another algorithm's validation.
        let other = Algorithm::ALL[(i + 1) % 4];
        assert!(decode::<serde_json::Value>(&token, &key, &validation(other)).is_err());
    }
}

#[test]
fn jsonwebtoken_verifies_the_rfc_9068_vector_token() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/rfc-vectors/rfc9068/3-4-jwt-access-token.json"
    ))
    .unwrap();
    let vector: serde_json::Value = serde_json::from_str(&text).unwrap();
    let jose = &vector["jose"];
    let key = DecodingKey::from_rsa_components(
        jose["key"]["n"].as_str().unwrap(),
        jose["key"]["e"].as_str().unwrap(),
    )
    .unwrap();
    let mut validation = Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[jose["issuer"].as_str().unwrap()]);
    validation.set_audience(&[jose["audience"].as_str().unwrap()]);
    validation.validate_exp = false; // the example expired in 2021
    let token = jose["jws"].as_str().unwrap();
    let data = decode::<serde_json::Value>(token, &key, &validation).unwrap();
    assert_eq!(data.claims, jose["claims"]);
    assert_eq!(data.header.kid.as_deref(), Some("RjEwOwOA"));
}

#[test]
fn qscope_accepts_tokens_jsonwebtoken_signs_with_qscope_s_pkcs8_keys() {
    let mut rng = ChaCha20Rng::seed_from_u64(7519);
    let keys = key_set(&mut rng);
    let verifier = JwtAccessVerifier::new(keys.jwks(IAT), ISSUER, RESOURCE);
    let claims: serde_json::Value = serde_json::from_str(&claims().to_json()).unwrap();
    for managed in keys.keys() {
        let Signer::InProcess(key) = managed.signer() else { unreachable!() };
        let pem = key.to_pkcs8_pem().unwrap();
        let encoding = match key.algorithm() {
            Algorithm::Es256 => EncodingKey::from_ec_pem(pem.expose().as_bytes()),
            Algorithm::EdDsa => EncodingKey::from_ed_pem(pem.expose().as_bytes()),
            Algorithm::Rs256 | Algorithm::Ps256 => {
                EncodingKey::from_rsa_pem(pem.expose().as_bytes())
            }
        }
        .unwrap();
        let mut header = Header::new(theirs(key.algorithm()));
        header.typ = Some("at+jwt".into());
        header.kid = key.kid().map(str::to_owned);
        let token = encode(&header, &claims, &encoding).unwrap();
        let access = verifier
            .verify(&token, &Scopes::from_names(["profile"]), IAT)
            .unwrap_or_else(|e| panic!("{}: {e}", key.algorithm()));
        assert_eq!(access.subject.as_deref(), Some("5ba552d67"));
        // jsonwebtoken's default typ "JWT" is refused: not an access token.
        header.typ = Some("JWT".into());
        let id_token_like = encode(&header, &claims, &encoding).unwrap();
        assert_eq!(
            verifier.verify(&id_token_like, &Scopes::new(), IAT),
            Err(qscope::resource::JwtAccessError::WrongType)
        );
    }
}

/// Verifies each compact JWS of `cases` (JWK JSON, token) with Node's
/// `crypto` module (OpenSSL underneath): a second implementation of the
/// signature primitives themselves, not only of the JOSE layer.
const NODE_VERIFIER: &str = r#"
const crypto = require('crypto');
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = cases.map(([jwk, token]) => {
  const [h, p, s] = token.split('.');
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const options = { key };
  if (jwk.kty === 'EC') options.dsaEncoding = 'ieee-p1363';
  if (jwk.alg === 'PS256') {
    options.padding = crypto.constants.RSA_PKCS1_PSS_PADDING;
    options.saltLength = 32;
  }
  const digest = jwk.kty === 'OKP' ? null : 'sha256';
  const valid = crypto.verify(digest, Buffer.from(h + '.' + p), options, Buffer.from(s, 'base64url'));
  const tampered = crypto.verify(digest, Buffer.from(h + '.' + p + 'x'), options, Buffer.from(s, 'base64url'));
  return [valid, tampered];
});
process.stdout.write(JSON.stringify(out));
"#;

#[test]
fn openssl_through_node_verifies_qscope_signatures() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let Ok(mut child) = Command::new("node")
        .args(["-e", NODE_VERIFIER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    else {
        println!("skipped: no node on PATH");
        return;
    };
    let mut rng = ChaCha20Rng::seed_from_u64(8037);
    let keys = key_set(&mut rng);
    let cases: Vec<(serde_json::Value, String)> = (0..4)
        .map(|i| {
            let at = UnixTime::from_secs(IAT.as_secs() + i);
            let SignStep::Signed(token) = claims().begin_sign(&keys, at, &mut rng).unwrap() else {
                panic!("in-process")
            };
            (keys.active(at).unwrap().signer().public_jwk().to_value(), token)
        })
        .collect();
    let input = serde_json::to_vec(&cases).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "node failed");
    let results: Vec<(bool, bool)> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        results,
        vec![(true, false); 4],
        "valid, and invalid once tampered, for each of {:?}",
        Algorithm::ALL
    );
}

#[test]
fn jsonwebtoken_signs_dpop_proofs_qscope_verifies_and_verifies_qscope_s_proofs() {
    use jsonwebtoken::jwk::Jwk;
    use qscope::jose::dpop::{DpopClaims, DpopRequest, DpopVerifier};

    let mut rng = ChaCha20Rng::seed_from_u64(9449);
    let htu = "https://as.example.com/token";
    let verifier = DpopVerifier::new();
    let request = DpopRequest::new(&http::Method::POST, htu);
    let claims = DpopClaims {
        jti: "Zm9vYmFyYmF6cXV4".into(),
        htm: "POST".into(),
        htu: htu.into(),
        iat: IAT,
        ath: None,
        nonce: None,
    };
    for alg in Algorithm::ALL {
        let key = SigningKey::generate(alg, &mut rng).unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        let encoding = match alg {
            Algorithm::Es256 => EncodingKey::from_ec_pem(pem.expose().as_bytes()),
            Algorithm::EdDsa => EncodingKey::from_ed_pem(pem.expose().as_bytes()),
            Algorithm::Rs256 | Algorithm::Ps256 => {
                EncodingKey::from_rsa_pem(pem.expose().as_bytes())
            }
        }
        .unwrap();
        // Theirs: their header, their JWK of the key, their signature.
        let mut header = Header::new(theirs(alg));
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(match alg {
            // Their Ed25519 JWK export reads only 48-octet PKCS#8 (no public
            // key inside); the JWK is then our public JWK in their type.
            Algorithm::EdDsa => serde_json::from_str::<Jwk>(&key.public_jwk().to_json()).unwrap(),
            _ => Jwk::from_encoding_key(&encoding, theirs(alg)).unwrap(),
        });
        let payload: serde_json::Value = serde_json::from_str(&claims.to_json()).unwrap();
        let proof = encode(&header, &payload, &encoding).unwrap();
        let verified =
            verifier.verify(&proof, &request, IAT).unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(verified.jkt, key.public_jwk().thumbprint(), "{alg}");
        assert_eq!(verified.algorithm, alg);
        // Ours, checked by them with the key our header carries.
        let ours = claims.sign(&key, &mut rng).unwrap();
        let their_header = decode_header(&ours).unwrap();
        assert_eq!(their_header.typ.as_deref(), Some("dpop+jwt"));
        let jwk = their_header.jwk.expect("a jwk in the header");
        let mut validation = Validation::new(theirs(alg));
        validation.set_required_spec_claims::<&str>(&[]);
        validation.validate_exp = false;
        validation.validate_aud = false;
        let data =
            decode::<serde_json::Value>(&ours, &DecodingKey::from_jwk(&jwk).unwrap(), &validation)
                .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(data.claims["htu"], htu);
    }
}
