//! RFC 9068 JWT access tokens end to end: issued with a key set, verified
//! offline by a resource server with the same answers as the store-backed
//! bearer check (`Input::bearer`).

use http::Request;
use qscope::jose::{
    AccessTokenClaims, Algorithm, Audience, ClaimsError, Confirmation, KeySet, RotationPolicy,
    SignStep, Signer, SigningKey,
};
use qscope::resource::{JwtAccessError, JwtAccessVerifier};
use qscope::store::{ClientAuthMethod, ClientRecord, GrantType, MemoryStore};
use qscope::{
    BearerPolicy, ClientSecret, Config, Context, Entropy, Input, Reply, Scopes, Server, UnixTime,
};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng as _;

const ISSUER: &str = "https://as.example.com";
const RESOURCE: &str = "https://rs.example.com/";
const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);

fn claims(sub: &str) -> AccessTokenClaims {
    AccessTokenClaims {
        iss: ISSUER.into(),
        sub: sub.into(),
        aud: Audience::One(RESOURCE.into()),
        client_id: "reporter".into(),
        iat: NOW,
        exp: UnixTime::from_secs(NOW.as_secs() + 300),
        jti: "6f1d0c".into(),
        scope: Scopes::from_names(["reports"]),
        auth_time: None,
        nbf: None,
        cnf: None,
    }
}

fn issue(keys: &KeySet, claims: &AccessTokenClaims) -> String {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    match claims.begin_sign(keys, NOW, &mut rng).unwrap() {
        SignStep::Signed(token) => token,
        SignStep::Sign(_) => panic!("in-process keys sign at once"),
    }
}

fn key_set(alg: Algorithm) -> KeySet {
    let mut rng = ChaCha20Rng::seed_from_u64(alg as u64);
    let mut keys = KeySet::new(RotationPolicy::default());
    keys.publish(Signer::InProcess(SigningKey::generate(alg, &mut rng).unwrap()), NOW).unwrap();
    keys
}

fn bearer(token: &str) -> Request<Vec<u8>> {
    Request::get("/reports")
        .header("authorization", format!("Bearer {token}"))
        .body(vec![])
        .unwrap()
}

#[test]
fn a_jwt_access_token_grants_the_same_access_as_the_opaque_token_of_the_same_grant() {
    // The opaque token of a client-credentials grant, through the core.
    let server = Server::new(
        Config::builder(ISSUER).scope("reports", "Read reports", false).build().unwrap(),
    );
    let store = MemoryStore::new();
    let secret = ClientSecret::new("a-long-random-secret-from-ClientSecret-generate");
    store.insert_client(
        ClientRecord::confidential("reporter", secret.hash(), ClientAuthMethod::ClientSecretPost)
            .with_grants([GrantType::ClientCredentials])
            .with_scopes(Scopes::from_names(["reports"])),
    );
    let request = Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&scope=reports&client_id=reporter&client_secret={}",
            secret.expose()
        ))
        .unwrap();
    let ctx = Context::new(NOW, Entropy::from_bytes([7; 32]));
    let response = qscope::drive(&server, &store, &request, ctx).into_http().unwrap();
    let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    let opaque = body["access_token"].as_str().unwrap();
    let required = Scopes::from_names(["reports"]);
    let ctx = Context::new(NOW, Entropy::from_bytes([8; 32]));
    let Reply::Access(from_store) =
        qscope::drive(&server, &store, Input::bearer(&bearer(opaque), &required), ctx)
    else {
        panic!("the opaque token is valid")
    };

    // The JWT of the same grant: no resource owner, so sub is the client.
    for alg in Algorithm::ALL {
        let keys = key_set(alg);
        let token = issue(&keys, &claims("reporter"));
        let verifier = JwtAccessVerifier::new(keys.jwks(NOW), ISSUER, RESOURCE);
        match verifier.verify_request(&bearer(&token), &required, NOW) {
            Reply::Access(access) => assert_eq!(access, from_store, "{alg}"),
            other => panic!("{alg}: {other:?}"),
        }
    }
}

#[test]
fn requests_without_or_with_malformed_credentials_get_the_store_checks_answers() {
    let keys = key_set(Algorithm::EdDsa);
    let verifier = JwtAccessVerifier::new(keys.jwks(NOW), ISSUER, RESOURCE)
        .with_bearer_policy(BearerPolicy { realm: "reports".into(), accept_form_body: true });
    let required = Scopes::from_names(["reports"]);
    let denied = |request: Request<Vec<u8>>| match verifier.verify_request(&request, &required, NOW)
    {
        Reply::Http(response) => (
            response.status().as_u16(),
            response.headers()["www-authenticate"].to_str().unwrap().to_owned(),
        ),
        other => panic!("not denied: {other:?}"),
    };
    let none = Request::get("/reports").body(vec![]).unwrap();
    assert_eq!(denied(none), (401, "Bearer realm=\"reports\"".to_owned()));
    let token = issue(&keys, &claims("alice"));
    let query = Request::get(format!("/reports?access_token={token}")).body(vec![]).unwrap();
    assert_eq!(denied(query).0, 401, "a query token is never read (OAuth 2.1 §5.1)");
    let (status, challenge) = denied(
        Request::get("/reports").header("authorization", "Bearer a b").body(vec![]).unwrap(),
    );
    assert_eq!(status, 400);
    assert!(challenge.starts_with("Bearer realm=\"reports\", error=\"invalid_request\""));
    let form = Request::post("/reports")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("access_token={token}").into_bytes())
        .unwrap();
    let Reply::Access(access) = verifier.verify_request(&form, &required, NOW) else {
        panic!("a form-body token is read when the policy allows it")
    };
    assert_eq!(access.subject.as_deref(), Some("alice"));
}

#[test]
fn a_token_from_a_retired_key_verifies_until_the_key_leaves_the_jwks() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let policy = RotationPolicy {
        publish_ahead: qscope::Seconds::new(60),
        retain_retired: qscope::Seconds::new(600),
    };
    let mut keys = KeySet::new(policy);
    keys.publish(Signer::InProcess(SigningKey::generate(Algorithm::Es256, &mut rng).unwrap()), NOW)
        .unwrap();
    let old = issue(&keys, &claims("alice"));
    keys.publish(Signer::InProcess(SigningKey::generate(Algorithm::EdDsa, &mut rng).unwrap()), NOW)
        .unwrap();
    let long_lived =
        AccessTokenClaims { exp: UnixTime::from_secs(NOW.as_secs() + 10_000), ..claims("alice") };
    let old_long = issue(&keys, &long_lived);
    let required = Scopes::new();
    let at = |secs: u64| UnixTime::from_secs(NOW.as_secs() + secs);
    let verifier = |t| JwtAccessVerifier::new(keys.jwks(t), ISSUER, RESOURCE);
    assert!(verifier(at(100)).verify(&old, &required, at(100)).is_ok());
    assert!(verifier(at(659)).verify(&old_long, &required, at(659)).is_ok());
    assert_eq!(
        verifier(at(660)).verify(&old_long, &required, at(660)),
        Err(JwtAccessError::Jose(qscope::jose::JoseError::UnknownKid))
    );
}

#[test]
fn claims_are_written_in_a_fixed_order_and_read_strictly() {
    let full = AccessTokenClaims {
        aud: Audience::Many(vec![RESOURCE.into(), "https://other.example/".into()]),
        auth_time: Some(UnixTime::from_secs(1_699_999_000)),
        nbf: Some(NOW),
        cnf: Some(Confirmation { jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I".into() }),
        ..claims("alice")
    };
    let json = full.to_json();
    assert_eq!(
        json,
        "{\"iss\":\"https://as.example.com\",\"sub\":\"alice\",\
         \"aud\":[\"https://rs.example.com/\",\"https://other.example/\"],\
         \"exp\":1700000300,\"iat\":1700000000,\"nbf\":1700000000,\"jti\":\"6f1d0c\",\
         \"client_id\":\"reporter\",\"scope\":\"reports\",\"auth_time\":1699999000,\
         \"cnf\":{\"jkt\":\"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I\"}}"
    );
    assert_eq!(AccessTokenClaims::from_json(json.as_bytes()), Ok(full));
    let unscoped = AccessTokenClaims { scope: Scopes::new(), ..claims("a") };
    assert!(!unscoped.to_json().contains("scope"));

    let base: serde_json::Value = serde_json::from_str(&claims("alice").to_json()).unwrap();
    let with = |name: &str, value: serde_json::Value| {
        let mut claims = base.clone();
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(name);
        } else {
            claims[name] = value;
        }
        AccessTokenClaims::from_json(claims.to_string().as_bytes())
    };
    assert_eq!(with("exp", 1700000300.75.into()).unwrap().exp, UnixTime::from_secs(1_700_000_300));
    let unknown = with("groups", serde_json::json!(["admins"])).unwrap();
    assert_eq!(unknown, claims("alice"), "claims not understood are ignored (RFC 7519 §4)");
    for name in ["iss", "sub", "aud", "client_id", "iat", "exp", "jti"] {
        assert_eq!(with(name, serde_json::Value::Null), Err(ClaimsError::Missing(name)));
    }
    assert_eq!(with("aud", serde_json::json!([])), Err(ClaimsError::Invalid("aud")));
    assert_eq!(with("scope", "bad\"scope".into()), Err(ClaimsError::Invalid("scope")));
    for bad in [serde_json::json!(-1), serde_json::json!("1700000300"), serde_json::json!(1e300)] {
        assert!(matches!(with("exp", bad), Err(ClaimsError::NotJson(_))));
    }
    assert!(matches!(AccessTokenClaims::from_json(b"[1]"), Err(ClaimsError::NotJson(_))));
}
