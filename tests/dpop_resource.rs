//! DPoP at a resource server (RFC 9449 §7): the offline JWT verifier with
//! `with_dpop` accepts `Authorization: DPoP` with a proof bound to the
//! token's `cnf.jkt`, refuses every broken binding with the `DPoP`
//! challenge, refuses a bound token sent as `Bearer` (§7.2), and offers
//! both schemes on a 401.

#![cfg(feature = "jwt")]

use http::{Method, Request};
use qscope::jose::dpop::{DpopClaims, DpopNonces, DpopVerifier, access_token_hash};
use qscope::jose::{
    AccessTokenClaims, Algorithm, Audience, Confirmation, KeySet, RotationPolicy, SignStep, Signer,
    SigningKey,
};
use qscope::resource::{JwtAccessError, JwtAccessVerifier};
use qscope::{Reply, Scopes, Seconds, UnixTime};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng as _;

const ISSUER: &str = "https://as.example.com";
const RESOURCE: &str = "https://rs.example.com/";
const ORIGIN: &str = "https://rs.example.com";
const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn key_set() -> KeySet {
    let mut keys = KeySet::new(RotationPolicy::default());
    let key = SigningKey::generate(Algorithm::Es256, &mut rng(1)).unwrap();
    keys.publish(Signer::InProcess(key), NOW).unwrap();
    keys
}

/// A JWT access token for `RESOURCE`, bound to `jkt` when given.
fn access_token(keys: &KeySet, jkt: Option<&str>) -> String {
    let claims = AccessTokenClaims {
        iss: ISSUER.into(),
        sub: "alice".into(),
        aud: Audience::One(RESOURCE.into()),
        client_id: "app".into(),
        iat: NOW,
        exp: UnixTime::from_secs(NOW.as_secs() + 300),
        jti: "at-1".into(),
        scope: Scopes::from_names(["reports"]),
        auth_time: None,
        nbf: None,
        cnf: jkt.map(|jkt| Confirmation { jkt: jkt.into() }),
    };
    match claims.begin_sign(keys, NOW, &mut rng(2)).unwrap() {
        SignStep::Signed(token) => token,
        SignStep::Sign(_) => panic!("in-process keys sign at once"),
    }
}

fn proof(
    key: &SigningKey,
    htm: &str,
    htu: &str,
    token: Option<&str>,
    nonce: Option<&str>,
) -> String {
    DpopClaims {
        jti: "proof-1".into(),
        htm: htm.into(),
        htu: htu.into(),
        iat: NOW,
        ath: token.map(access_token_hash),
        nonce: nonce.map(str::to_owned),
    }
    .sign(key, &mut rng(3))
    .unwrap()
}

fn request(authorization: &str, proofs: &[&str]) -> Request<Vec<u8>> {
    let mut builder = Request::get("/reports?page=2").header("authorization", authorization);
    for proof in proofs {
        builder = builder.header("dpop", *proof);
    }
    builder.body(Vec::new()).unwrap()
}

fn verifier(keys: &KeySet, nonces: Option<DpopNonces>) -> JwtAccessVerifier {
    JwtAccessVerifier::new(keys.jwks(NOW), ISSUER, RESOURCE).with_dpop(
        DpopVerifier::new().with_algorithms(&[Algorithm::Es256, Algorithm::EdDsa]),
        ORIGIN,
        nonces,
    )
}

/// The status and the `WWW-Authenticate` values of a denial.
fn denial(reply: Reply) -> (u16, Vec<String>) {
    let Reply::Http(response) = reply else { panic!("expected a denial, got {reply:?}") };
    let challenges = response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    (response.status().as_u16(), challenges)
}

const ALGS: &str = "algs=\"ES256 EdDSA\"";

#[test]
fn a_bound_token_with_its_proof_is_accepted_and_every_broken_binding_refused() {
    let keys = key_set();
    let client_key = SigningKey::generate(Algorithm::Es256, &mut rng(4)).unwrap();
    let other_key = SigningKey::generate(Algorithm::EdDsa, &mut rng(5)).unwrap();
    let jkt = client_key.public_jwk().thumbprint();
    let token = access_token(&keys, Some(&jkt));
    let verifier = verifier(&keys, None);
    let required = Scopes::from_names(["reports"]);
    let htu = "https://rs.example.com/reports";
    let dpop = format!("DPoP {token}");

    let good = proof(&client_key, "GET", htu, Some(&token), None);
    let Reply::Access(access) = verifier.verify_request(&request(&dpop, &[&good]), &required, NOW)
    else {
        panic!("the bound token with its proof is accepted");
    };
    assert_eq!((access.subject.as_deref(), access.client_id.as_str()), (Some("alice"), "app"));

    let invalid = |description: &str| {
        vec![format!(
            "DPoP error=\"invalid_dpop_proof\", error_description=\"{description}\", {ALGS}"
        )]
    };
    let refused =
        |proofs: &[&str]| denial(verifier.verify_request(&request(&dpop, proofs), &required, NOW));
    // No proof, two proofs, a proof for another method, URI or token.
    assert_eq!(refused(&[]), (401, invalid("The request has no DPoP proof")));
    assert_eq!(refused(&[&good, &good]), (401, invalid("The DPoP proof is invalid")));
    let post = proof(&client_key, "POST", htu, Some(&token), None);
    assert_eq!(refused(&[&post]), (401, invalid("The DPoP proof is invalid")));
    let elsewhere = proof(&client_key, "GET", "https://rs.example.com/other", Some(&token), None);
    assert_eq!(refused(&[&elsewhere]), (401, invalid("The DPoP proof is invalid")));
    let no_ath = proof(&client_key, "GET", htu, None, None);
    assert_eq!(refused(&[&no_ath]), (401, invalid("The DPoP proof is invalid")));
    // A valid proof by another key: RFC 9449 Figure 16.
    let stolen = proof(&other_key, "GET", htu, Some(&token), None);
    assert_eq!(
        refused(&[&stolen]),
        (
            401,
            vec![format!(
                "DPoP error=\"invalid_token\", error_description=\"Invalid DPoP key binding\", {ALGS}"
            )]
        )
    );
    // An unbound token cannot be sent with the DPoP scheme.
    let unbound = access_token(&keys, None);
    let unbound_proof = proof(&client_key, "GET", htu, Some(&unbound), None);
    let answer = verifier.verify_request(
        &request(&format!("DPoP {unbound}"), &[&unbound_proof]),
        &required,
        NOW,
    );
    assert_eq!(
        denial(answer).1[0],
        format!(
            "DPoP error=\"invalid_token\", error_description=\"The access token is not bound to a DPoP key\", {ALGS}"
        )
    );
    // Too few scopes: 403 with the scope, under the DPoP scheme.
    let more = Scopes::from_names(["reports", "admin"]);
    let answer = verifier.verify_request(&request(&dpop, &[&good]), &more, NOW);
    let (status, challenges) = denial(answer);
    assert_eq!(status, 403);
    assert!(challenges[0].starts_with("DPoP error=\"insufficient_scope\""), "{challenges:?}");
    assert!(challenges[0].contains("scope=\"admin reports\""), "{challenges:?}");
}

#[test]
fn a_bound_token_sent_as_bearer_is_refused_and_401s_offer_both_schemes() {
    let keys = key_set();
    let client_key = SigningKey::generate(Algorithm::Es256, &mut rng(4)).unwrap();
    let token = access_token(&keys, Some(&client_key.public_jwk().thumbprint()));
    let verifier = verifier(&keys, None);
    let required = Scopes::from_names(["reports"]);

    let downgraded =
        verifier.verify_request(&request(&format!("Bearer {token}"), &[]), &required, NOW);
    let (status, challenges) = denial(downgraded);
    assert_eq!(status, 401);
    assert_eq!(
        challenges,
        [
            "Bearer realm=\"qscope\", error=\"invalid_token\", error_description=\"The access token is bound to a key\"".to_owned(),
            format!("DPoP {ALGS}"),
        ]
    );
    // No credentials at all: RFC 9449 Figure 15's challenge beside Bearer's.
    let anonymous = Request::get("/reports").body(Vec::new()).unwrap();
    assert_eq!(
        denial(verifier.verify_request(&anonymous, &required, NOW)),
        (401, vec!["Bearer realm=\"qscope\"".to_owned(), format!("DPoP {ALGS}")])
    );
    // Malformed DPoP credentials: 400 invalid_request.
    let (status, challenges) =
        denial(verifier.verify_request(&request("DPoP a b", &[]), &required, NOW));
    assert_eq!(status, 400);
    assert!(challenges[0].starts_with("DPoP error=\"invalid_request\""), "{challenges:?}");
    // Without with_dpop the DPoP path is refused as such.
    let plain = JwtAccessVerifier::new(keys.jwks(NOW), ISSUER, RESOURCE);
    let proof = proof(&client_key, "GET", "https://rs.example.com/reports", Some(&token), None);
    assert_eq!(
        plain.verify_dpop(&token, &proof, &Method::GET, "/reports", &required, NOW).unwrap_err(),
        JwtAccessError::DpopNotAccepted
    );
}

#[test]
fn a_resource_requiring_nonces_answers_use_dpop_nonce_with_a_fresh_one() {
    let keys = key_set();
    let client_key = SigningKey::generate(Algorithm::Es256, &mut rng(4)).unwrap();
    let token = access_token(&keys, Some(&client_key.public_jwk().thumbprint()));
    let nonces = DpopNonces::new([3; 32], Seconds::new(120));
    let verifier = verifier(&keys, Some(nonces.clone()));
    let required = Scopes::from_names(["reports"]);
    let htu = "https://rs.example.com/reports";
    let dpop = format!("DPoP {token}");

    let without = proof(&client_key, "GET", htu, Some(&token), None);
    let Reply::Http(response) =
        verifier.verify_request(&request(&dpop, &[&without]), &required, NOW)
    else {
        panic!("a proof without a nonce is refused");
    };
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["www-authenticate"],
        format!("DPoP error=\"use_dpop_nonce\", error_description=\"The DPoP proof must carry the current nonce\", {ALGS}").as_str()
    );
    let nonce = response.headers()["dpop-nonce"].to_str().unwrap().to_owned();
    assert_eq!(nonce, nonces.current(NOW));
    let with = proof(&client_key, "GET", htu, Some(&token), Some(&nonce));
    assert!(matches!(
        verifier.verify_request(&request(&dpop, &[&with]), &required, NOW),
        Reply::Access(_)
    ));
}
