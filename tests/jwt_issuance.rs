//! RFC 9068 JWT access tokens issued at the token endpoint for resources
//! configured as `jwt`: the header and claims, one signature per algorithm
//! checked by an independent implementation (`jsonwebtoken`, from the
//! server's JWKS document) and by qscope's offline verifier, stored by hash
//! so revocation and introspection work as for opaque tokens, refresh
//! tokens opaque, and what an external key does today.

use base64::Engine as _;
use http::{Request, Response};
use jsonwebtoken::jwk::JwkSet as TheirJwkSet;
use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
use qscope::jose::{Algorithm, KeySet, RotationPolicy, Signer, SigningKey};
use qscope::resource::JwtAccessVerifier;
use qscope::store::{ClientAuthMethod, ClientRecord, GrantType, MemoryStore, TokenHash};
use qscope::{
    ClientSecret, Config, Context, Entropy, Reply, ResourceDefinition, Scopes, Server, TokenFormat,
    UnixTime, drive,
};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng as _;
use serde_json::Value;

const ISSUER: &str = "https://as.example.com";
const API: &str = "https://api.example.com/";
const OPAQUE_API: &str = "https://legacy.example.com/";
const SECRET: &str = "a-long-random-secret-for-the-reporter-client";

/// The wall clock (the adapters' reading of it): `jsonwebtoken` checks
/// `exp` against it.
fn now() -> UnixTime {
    qscope::adapter::kit::now()
}

struct Setup {
    server: Server,
    store: MemoryStore,
    counter: std::cell::Cell<u8>,
}

fn setup(alg: Algorithm, issued_at: UnixTime) -> Setup {
    let mut rng = ChaCha20Rng::seed_from_u64(alg as u64 + 9068);
    let mut keys = KeySet::new(RotationPolicy::default());
    let key = SigningKey::generate(alg, &mut rng).unwrap();
    keys.insert(qscope::jose::ManagedKey::new(Signer::InProcess(key), issued_at, issued_at))
        .unwrap();
    let config = Config::builder(ISSUER)
        .scope("reports", "Read reports", false)
        .scope("admin", "Administer", false)
        .grants([GrantType::ClientCredentials, GrantType::RefreshToken])
        .refresh_for_client_credentials(true)
        .signing_keys(keys)
        .resource(ResourceDefinition::new(API).with_format(TokenFormat::Jwt))
        .resource(ResourceDefinition::new(OPAQUE_API))
        .build()
        .unwrap();
    let store = MemoryStore::new();
    store.insert_client(
        ClientRecord::confidential(
            "reporter",
            ClientSecret::new(SECRET).hash(),
            ClientAuthMethod::ClientSecretBasic,
        )
        .with_grants([GrantType::ClientCredentials, GrantType::RefreshToken])
        .with_scopes(Scopes::from_names(["reports", "admin"])),
    );
    Setup { server: Server::new(config), store, counter: std::cell::Cell::new(0) }
}

impl Setup {
    fn post(&self, path: &str, body: &str, at: UnixTime) -> Response<Vec<u8>> {
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("reporter:{SECRET}"));
        let request = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("authorization", format!("Basic {credentials}"))
            .body(body.as_bytes().to_vec())
            .unwrap();
        self.counter.set(self.counter.get() + 1);
        let ctx = Context::new(at, Entropy::from_bytes([self.counter.get(); 32]));
        match drive(&self.server, &self.store, &request, ctx) {
            Reply::Http(response) => response,
            other => panic!("expected HTTP, got {other:?}"),
        }
    }

    /// The JWK Set the server publishes at `at`.
    fn jwks(&self, at: UnixTime) -> qscope::jose::JwkSet {
        self.server.config().signing_keys().expect("signing keys").jwks(at)
    }

    fn token(&self, body: &str, at: UnixTime) -> Value {
        let response = self.post("/token", body, at);
        assert_eq!(response.status(), 200, "{}", String::from_utf8_lossy(response.body()));
        serde_json::from_slice(response.body()).unwrap()
    }

    fn introspect(&self, token: &str, at: UnixTime) -> Value {
        let response = self.post("/introspect", &format!("token={token}"), at);
        assert_eq!(response.status(), 200);
        serde_json::from_slice(response.body()).unwrap()
    }
}

fn theirs(alg: Algorithm) -> jsonwebtoken::Algorithm {
    match alg {
        Algorithm::Es256 => jsonwebtoken::Algorithm::ES256,
        Algorithm::EdDsa => jsonwebtoken::Algorithm::EdDSA,
        Algorithm::Rs256 => jsonwebtoken::Algorithm::RS256,
        Algorithm::Ps256 => jsonwebtoken::Algorithm::PS256,
    }
}

fn api_resource() -> String {
    format!("resource={}", "https%3A%2F%2Fapi.example.com%2F")
}

#[test]
fn the_token_endpoint_issues_rfc_9068_jwts_that_jsonwebtoken_validates_for_every_algorithm() {
    for alg in Algorithm::ALL {
        let at = now();
        let s = setup(alg, at);
        let body =
            s.token(&format!("grant_type=client_credentials&scope=reports&{}", api_resource()), at);
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 300, "{alg}: the short JWT default");
        let jwt = body["access_token"].as_str().unwrap();
        assert_eq!(jwt.split('.').count(), 3, "{alg}: a compact JWS");

        // The independent implementation, from the JWKS document the
        // server serves.
        let their_jwks: TheirJwkSet = serde_json::from_str(&s.jwks(at).to_json()).unwrap();
        let header = decode_header(jwt).unwrap();
        assert_eq!(header.typ.as_deref(), Some("at+jwt"), "{alg}");
        assert_eq!(header.alg, theirs(alg));
        let key = DecodingKey::from_jwk(their_jwks.find(header.kid.as_deref().unwrap()).unwrap())
            .unwrap();
        let mut validation = Validation::new(theirs(alg));
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[API]);
        validation.set_required_spec_claims(&["iss", "exp", "aud", "sub", "iat", "jti"]);
        let claims =
            decode::<Value>(jwt, &key, &validation).unwrap_or_else(|e| panic!("{alg}: {e}")).claims;
        assert_eq!(claims["iss"], ISSUER);
        assert_eq!(claims["aud"], API);
        assert_eq!(claims["sub"], "reporter", "RFC 9068 §2.2: no resource owner");
        assert_eq!(claims["client_id"], "reporter");
        assert_eq!(claims["scope"], "reports");
        assert_eq!(claims["iat"], at.as_secs());
        assert_eq!(claims["exp"], at.as_secs() + 300);
        assert_eq!(claims["jti"].as_str().unwrap().len(), 43);

        // qscope's own offline verifier agrees.
        let verifier = JwtAccessVerifier::new(s.jwks(at), ISSUER, API);
        let access = verifier.verify(jwt, &Scopes::from_names(["reports"]), at).unwrap();
        assert_eq!((access.subject, access.client_id.as_str()), (None, "reporter"));
        // A verifier for another resource refuses it.
        let other = JwtAccessVerifier::new(s.jwks(at), ISSUER, OPAQUE_API);
        assert!(other.verify(jwt, &Scopes::new(), at).is_err());
    }
}

#[test]
fn a_jwt_is_stored_by_hash_so_introspection_and_revocation_work_and_refresh_stays_opaque() {
    let at = now();
    let s = setup(Algorithm::Es256, at);
    let body =
        s.token(&format!("grant_type=client_credentials&scope=reports&{}", api_resource()), at);
    let jwt = body["access_token"].as_str().unwrap().to_owned();
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(refresh.split('.').count(), 1, "refresh tokens stay opaque");
    let stored = s.store.token(&TokenHash::of(&jwt)).expect("the JWT is stored by hash");
    assert_eq!(stored.resources, [API]);
    assert_eq!(stored.expires_at, at.after(qscope::DEFAULT_JWT_LIFETIME));

    let introspected = s.introspect(&jwt, at);
    assert_eq!(introspected["active"], true);
    assert_eq!(introspected["aud"], API);
    let response = s.post("/revoke", &format!("token={jwt}"), at);
    assert_eq!(response.status(), 200);
    assert_eq!(s.introspect(&jwt, at), serde_json::json!({"active": false}));
    // The offline verifier cannot know: it sees the revocation only at expiry.
    let verifier = JwtAccessVerifier::new(s.jwks(at), ISSUER, API);
    assert!(verifier.verify(&jwt, &Scopes::new(), at).is_ok());

    // A refresh for the JWT resource is a new JWT; for the opaque one,
    // not a JWT at all.
    let body = s.token(&format!("grant_type=refresh_token&refresh_token={refresh}"), at);
    assert_eq!(body["access_token"].as_str().unwrap().split('.').count(), 3);
}

#[test]
fn an_opaque_resource_gets_an_opaque_token_with_the_server_lifetime() {
    let at = now();
    let s = setup(Algorithm::EdDsa, at);
    let body = s.token(
        "grant_type=client_credentials&scope=reports&resource=https%3A%2F%2Flegacy.example.com%2F",
        at,
    );
    assert_eq!(body["access_token"].as_str().unwrap().split('.').count(), 1);
    assert_eq!(body["expires_in"], 3600);
}

#[test]
fn an_external_active_key_is_refused_with_server_error_and_nothing_is_stored() {
    let at = now();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let public = SigningKey::generate(Algorithm::Es256, &mut rng).unwrap().public_jwk();
    let mut keys = KeySet::new(RotationPolicy::default());
    keys.insert(qscope::jose::ManagedKey::new(Signer::External(public), at, at)).unwrap();
    let config = Config::builder(ISSUER)
        .scope("reports", "Read reports", false)
        .signing_keys(keys)
        .resource(ResourceDefinition::new(API).with_format(TokenFormat::Jwt))
        .build()
        .unwrap();
    let s = Setup {
        server: Server::new(config),
        store: setup(Algorithm::Es256, at).store,
        counter: std::cell::Cell::new(0),
    };
    let response = s.post(
        "/token",
        &format!("grant_type=client_credentials&scope=reports&{}", api_resource()),
        at,
    );
    assert_eq!(response.status(), 500);
    let body: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(body["error"], "server_error");
    assert!(s.store.tokens().is_empty(), "no token is stored for an unsigned JWT");
}

#[test]
fn a_jwt_resource_needs_signing_keys_at_configuration() {
    let err = Config::builder(ISSUER)
        .resource(ResourceDefinition::new(API).with_format(TokenFormat::Jwt))
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "resource \"https://api.example.com/\": issues JWT access tokens but no signing keys are configured"
    );
}
