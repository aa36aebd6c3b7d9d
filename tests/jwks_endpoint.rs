//! The JWK Set endpoint (RFC 7517 §5) and `jwks_uri` in the metadata
//! (RFC 8414 §2): served only when the configuration has signing keys,
//! publishing the next, active and retained keys at the request's instant.

use http::Request;
use qscope::jose::{
    AccessTokenClaims, Algorithm, Audience, JwkSet, KeySet, RotationPolicy, SignStep, Signer,
    SigningKey,
};
use qscope::resource::JwtAccessVerifier;
use qscope::store::MemoryStore;
use qscope::{
    Config, ConfigError, Context, Endpoints, Entropy, Reply, Scopes, Seconds, Server, UnixTime,
};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng as _;

const ISSUER: &str = "https://as.example.com";
const T0: UnixTime = UnixTime::from_secs(1_700_000_000);
const AHEAD: Seconds = Seconds::hours(6);

fn key(alg: Algorithm, seed: u64) -> Signer {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    Signer::InProcess(SigningKey::generate(alg, &mut rng).unwrap())
}

/// A set whose first key signs from T0 and whose second is published at
/// T0 and signs from T0 + 6 h.
fn keys() -> KeySet {
    let policy = RotationPolicy { publish_ahead: AHEAD, retain_retired: Seconds::hours(2) };
    let mut keys = KeySet::new(policy);
    keys.insert(qscope::jose::ManagedKey::new(key(Algorithm::Es256, 1), T0, T0)).unwrap();
    keys.publish(key(Algorithm::EdDsa, 2), T0).unwrap();
    keys
}

fn get(server: &Server, path: &str, at: UnixTime) -> http::Response<Vec<u8>> {
    let request = Request::get(path).body(Vec::new()).unwrap();
    let ctx = Context::new(at, Entropy::from_bytes([3; 32]));
    match qscope::drive(server, &MemoryStore::new(), &request, ctx) {
        Reply::Http(response) => response,
        other => panic!("an HTTP answer, not {other:?}"),
    }
}

fn kids(body: &[u8]) -> Vec<String> {
    let set = JwkSet::parse(std::str::from_utf8(body).unwrap()).unwrap();
    set.keys().iter().map(|k| k.kid().unwrap_or_default().to_owned()).collect()
}

fn metadata(server: &Server) -> serde_json::Value {
    let response = get(server, "/.well-known/oauth-authorization-server", T0);
    serde_json::from_slice(response.body()).unwrap()
}

#[test]
fn the_jwks_publishes_next_and_active_keys_and_the_metadata_names_it() {
    let set = keys();
    let expected: Vec<String> = set.keys().iter().map(|k| k.kid().to_owned()).collect();
    let server = Server::new(Config::builder(ISSUER).signing_keys(set).build().unwrap());
    assert_eq!(metadata(&server)["jwks_uri"], "https://as.example.com/jwks");

    let response = get(&server, "/jwks", T0);
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/jwk-set+json");
    // Half of publish_ahead (6 h), capped at an hour.
    assert_eq!(response.headers()["cache-control"], "public, max-age=3600");
    assert_eq!(kids(response.body()), expected, "the active key and the one published ahead");
    let document: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    for key in document["keys"].as_array().unwrap() {
        assert!(key.get("d").is_none(), "no private member is ever published: {key}");
    }

    // Six hours on the second key signs; two more and the first is gone.
    let later = T0.after(AHEAD).after(Seconds::hours(2));
    assert_eq!(kids(get(&server, "/jwks", later).body()), expected[1..].to_vec());

    let post = Request::post("/jwks").body(Vec::new()).unwrap();
    let ctx = Context::new(T0, Entropy::from_bytes([4; 32]));
    let response = qscope::drive(&server, &MemoryStore::new(), &post, ctx).into_http().unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET");
}

#[test]
fn a_token_signed_by_the_active_key_verifies_against_the_served_jwks() {
    let set = keys();
    let claims = AccessTokenClaims {
        iss: ISSUER.into(),
        sub: "alice".into(),
        aud: Audience::One("https://rs.example.com".into()),
        client_id: "app".into(),
        iat: T0,
        exp: T0.after(Seconds::minutes(5)),
        jti: "j1".into(),
        scope: Scopes::from_names(["read"]),
        auth_time: None,
        nbf: None,
        cnf: None,
    };
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let SignStep::Signed(token) = claims.begin_sign(&set, T0, &mut rng).unwrap() else {
        panic!("in-process keys sign at once")
    };
    let server = Server::new(Config::builder(ISSUER).signing_keys(set).build().unwrap());
    let served = get(&server, "/jwks", T0);
    let jwks = JwkSet::parse(std::str::from_utf8(served.body()).unwrap()).unwrap();
    let verifier = JwtAccessVerifier::new(jwks, ISSUER, "https://rs.example.com");
    let access = verifier.verify(&token, &Scopes::from_names(["read"]), T0).unwrap();
    assert_eq!(access.subject.as_deref(), Some("alice"));
}

#[test]
fn without_signing_keys_there_is_no_jwks_and_no_jwks_uri() {
    let server = Server::new(Config::builder(ISSUER).build().unwrap());
    assert_eq!(get(&server, "/jwks", T0).status(), 404);
    assert!(metadata(&server).get("jwks_uri").is_none());
}

#[test]
fn the_jwks_path_is_configurable_and_unique() {
    let endpoints = Endpoints { jwks: "/.well-known/jwks.json".into(), ..Endpoints::default() };
    let server = Server::new(
        Config::builder(ISSUER).endpoints(endpoints).signing_keys(keys()).build().unwrap(),
    );
    assert_eq!(get(&server, "/.well-known/jwks.json", T0).status(), 200);
    assert_eq!(get(&server, "/jwks", T0).status(), 404);
    assert_eq!(metadata(&server)["jwks_uri"], "https://as.example.com/.well-known/jwks.json");

    let clash = Endpoints { jwks: "/token".into(), ..Endpoints::default() };
    assert_eq!(
        Config::builder(ISSUER).endpoints(clash).build().unwrap_err(),
        ConfigError::EndpointPath("/token".into())
    );
}
