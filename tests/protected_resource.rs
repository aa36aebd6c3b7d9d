//! A protected resource behind `adapter::protect::ProtectLayer`: its RFC
//! 9728 metadata document, the RFC 6750 challenges with the RFC 9728 §5.1
//! `resource_metadata` parameter, and the `Access` the route receives —
//! with the store-backed check and with the offline JWT verifier.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use http::{Request, Response};
use qscope::adapter::kit::now;
use qscope::adapter::protect::{CheckAccess, ProtectLayer, StoreCheck};
use qscope::jose::{
    AccessTokenClaims, Algorithm, Audience, KeySet, RotationPolicy, SignStep, Signer, SigningKey,
};
use qscope::resource::{JwtAccessVerifier, ProtectedResource};
use qscope::store::{ClientAuthMethod, ClientRecord, GrantType, MemoryStore};
use qscope::{
    Access, BearerPolicy, ClientSecret, Config, Context, Entropy, Reply, Scopes, Seconds, Server,
};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng as _;
use tower::{Layer as _, ServiceExt as _};

const ISSUER: &str = "https://as.example.com";
const RESOURCE: &str = "https://api.example.com/reports";
const METADATA_URL: &str = "https://api.example.com/.well-known/oauth-protected-resource/reports";
const SECRET: &str = "a-long-random-secret-from-ClientSecret-generate";

fn resource() -> ProtectedResource {
    ProtectedResource::new(RESOURCE)
        .unwrap()
        .with_authorization_server(ISSUER)
        .unwrap()
        .with_scopes(Scopes::from_names(["reports", "admin"]))
        .with_name("Reports API")
        .unwrap()
}

/// The authorization server whose store the store-backed check reads, with
/// one client allowed `reports` and `admin`.
fn authorization_server() -> (Server, Arc<MemoryStore>) {
    let config = Config::builder(ISSUER)
        .scope("reports", "Read reports", false)
        .scope("admin", "Administer", false)
        .bearer(resource().bearer_policy())
        .build()
        .unwrap();
    let store = MemoryStore::new();
    store.insert_client(
        ClientRecord::confidential(
            "reporter",
            ClientSecret::new(SECRET).hash(),
            ClientAuthMethod::ClientSecretPost,
        )
        .with_grants([GrantType::ClientCredentials])
        .with_scopes(Scopes::from_names(["reports", "admin"])),
    );
    (Server::new(config), Arc::new(store))
}

fn context(seed: u8) -> Context {
    Context::new(now(), Entropy::from_bytes([seed; 32]))
}

fn form(path: &str, body: String) -> Request<Vec<u8>> {
    Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.into_bytes())
        .unwrap()
}

/// An opaque access token for `scope`, issued through the core with the
/// entropy `seed` (one seed per token: the store never replaces a token).
fn opaque_token(server: &Server, store: &MemoryStore, scope: &str, seed: u8) -> String {
    let body = format!(
        "grant_type=client_credentials&scope={scope}&client_id=reporter&client_secret={SECRET}"
    );
    let response = qscope::drive(server, store, &form("/token", body), context(seed));
    let response = response.into_http().unwrap();
    assert_eq!(response.status(), 200, "{}", String::from_utf8_lossy(response.body()));
    let json: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    json["access_token"].as_str().unwrap().to_owned()
}

/// The route behind the layer: counts its calls and answers with the
/// client id of the `Access` it was given and the body it received.
fn route(
    calls: Arc<AtomicUsize>,
) -> impl tower::Service<
    Request<String>,
    Response = Response<Vec<u8>>,
    Error = Infallible,
    Future = impl Send,
> + Clone
+ Send
+ 'static {
    tower::service_fn(move |request: Request<String>| {
        calls.fetch_add(1, Ordering::SeqCst);
        async move {
            let access = request.extensions().get::<Access>().cloned().expect("an Access");
            let text = format!("{} {} {}", access.client_id, access.scopes, request.body());
            Ok::<_, Infallible>(Response::new(text.into_bytes()))
        }
    })
}

async fn call<C: CheckAccess>(
    layer: &ProtectLayer<C>,
    calls: &Arc<AtomicUsize>,
    request: Request<String>,
) -> Response<Vec<u8>> {
    layer.layer(route(Arc::clone(calls))).oneshot(request).await.unwrap()
}

fn get(path: &str, token: Option<&str>) -> Request<String> {
    let builder = Request::get(path);
    let builder = match token {
        Some(token) => builder.header("authorization", format!("Bearer {token}")),
        None => builder,
    };
    builder.body(String::new()).unwrap()
}

fn challenge(response: &Response<Vec<u8>>) -> &str {
    response.headers()["www-authenticate"].to_str().unwrap()
}

#[test]
fn the_document_is_rfc_9728s_example() {
    // RFC 9728 §3.2's example response, member for member.
    let example = ProtectedResource::new("https://resource.example.com")
        .unwrap()
        .with_authorization_server("https://as1.example.com")
        .unwrap()
        .with_authorization_server("https://as2.example.net")
        .unwrap()
        .with_bearer_policy(BearerPolicy { accept_form_body: true, ..BearerPolicy::default() })
        .with_scopes(Scopes::from_names(["profile", "email", "phone"]))
        .with_documentation("https://resource.example.com/resource_documentation.html")
        .unwrap();
    let response = example.metadata_response();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let document: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    let mut expected = serde_json::json!({
        "resource": "https://resource.example.com",
        "authorization_servers": ["https://as1.example.com", "https://as2.example.net"],
        "bearer_methods_supported": ["header", "body"],
        "scopes_supported": ["profile", "email", "phone"],
        "resource_documentation": "https://resource.example.com/resource_documentation.html"
    });
    // Scopes are a set: compare them as one.
    let sorted = |v: &serde_json::Value| {
        let mut names: Vec<String> =
            v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect();
        names.sort();
        names
    };
    assert_eq!(sorted(&document["scopes_supported"]), sorted(&expected["scopes_supported"]));
    expected["scopes_supported"] = document["scopes_supported"].clone();
    assert_eq!(document, expected);
    // Zero-valued members are omitted (RFC 9728 §3.2).
    let bare = ProtectedResource::new("https://resource.example.com").unwrap();
    assert_eq!(
        bare.document(),
        br#"{"resource":"https://resource.example.com","bearer_methods_supported":["header"]}"#
    );
    assert_eq!(
        example.metadata_url(),
        "https://resource.example.com/.well-known/oauth-protected-resource"
    );
}

#[tokio::test]
async fn the_store_backed_layer_serves_metadata_challenges_and_the_access() {
    let (server, store) = authorization_server();
    let calls = Arc::new(AtomicUsize::new(0));
    let layer = ProtectLayer::new(
        StoreCheck::new(server.clone(), Arc::clone(&store)),
        Scopes::from_names(["reports"]),
    )
    .with_metadata(&resource());

    // The metadata, without a token (RFC 9728 §3.1, §3.2).
    let response =
        call(&layer, &calls, get("/.well-known/oauth-protected-resource/reports", None)).await;
    assert_eq!(response.status(), 200);
    let document: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(document["resource"], RESOURCE);
    assert_eq!(document["authorization_servers"], serde_json::json!([ISSUER]));
    assert_eq!(document["resource_name"], "Reports API");

    // No token: 401 naming where the metadata is (RFC 9728 §5.1).
    let response = call(&layer, &calls, get("/reports", None)).await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        challenge(&response),
        format!("Bearer realm=\"qscope\", resource_metadata=\"{METADATA_URL}\"")
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0, "the route never ran");
    let mut traced = get("/reports", None);
    traced
        .headers_mut()
        .insert("x-request-id", "4bf92f3577b34da6a3ce929d0e0e4736".parse().unwrap());
    let response = call(&layer, &calls, traced).await;
    assert_eq!(response.headers()["x-request-id"], "4bf92f3577b34da6a3ce929d0e0e4736");

    // A valid token: the route runs with the Access and the body untouched.
    let token = opaque_token(&server, &store, "reports", 1);
    let mut request = get("/reports", Some(&token));
    *request.body_mut() = "the body".into();
    let response = call(&layer, &calls, request).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.body().as_slice(), b"reporter reports the body");
    assert!(response.headers().contains_key("x-request-id"), "the route's answer is tagged too");
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // A token without the required scope: 403 with scope and metadata.
    let admin_only = opaque_token(&server, &store, "admin", 2);
    let response = call(&layer, &calls, get("/reports", Some(&admin_only))).await;
    assert_eq!(response.status(), 403);
    assert_eq!(
        challenge(&response),
        format!(
            "Bearer realm=\"qscope\", error=\"insufficient_scope\", error_description=\"The \
             access token lacks a required scope\", scope=\"reports\", \
             resource_metadata=\"{METADATA_URL}\""
        )
    );

    // Revoked through the authorization server: refused at once.
    let body = format!("token={token}&client_id=reporter&client_secret={SECRET}");
    let revoked = qscope::drive(&server, &*store, &form("/revoke", body), context(3));
    assert_eq!(revoked.into_http().unwrap().status(), 200);
    let response = call(&layer, &calls, get("/reports", Some(&token))).await;
    assert_eq!(response.status(), 401);
    assert!(challenge(&response).contains("error=\"invalid_token\""), "{}", challenge(&response));
    assert!(challenge(&response).ends_with(&format!("resource_metadata=\"{METADATA_URL}\"")));
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // Only GET at the exact path is the metadata; anything else is guarded.
    for request in [
        Request::post("/.well-known/oauth-protected-resource/reports").body(String::new()).unwrap(),
        get("/.well-known/oauth-protected-resource", None),
        get("/.well-known/oauth-protected-resource/reports?x=1", None),
    ] {
        assert_eq!(call(&layer, &calls, request).await.status(), 401);
    }
}

fn signed(keys: &KeySet, audience: &str, scope: &str) -> String {
    let issued_at = now();
    let claims = AccessTokenClaims {
        iss: ISSUER.into(),
        sub: "alice".into(),
        aud: Audience::One(audience.into()),
        client_id: "reporter".into(),
        iat: issued_at,
        exp: issued_at.after(Seconds::new(300)),
        jti: "b1e4".into(),
        scope: Scopes::from_names([scope]),
        auth_time: None,
        nbf: None,
        cnf: None,
    };
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    match claims.begin_sign(keys, issued_at, &mut rng).unwrap() {
        SignStep::Signed(token) => token,
        SignStep::Sign(_) => panic!("in-process keys sign at once"),
    }
}

#[tokio::test]
async fn the_offline_layer_verifies_jwt_access_tokens_with_the_same_answers() {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let mut keys = KeySet::new(RotationPolicy::default());
    let key = SigningKey::generate(Algorithm::Es256, &mut rng).unwrap();
    keys.publish(Signer::InProcess(key), now()).unwrap();
    let verifier = JwtAccessVerifier::new(keys.jwks(now()), ISSUER, RESOURCE)
        .with_bearer_policy(resource().bearer_policy());
    let calls = Arc::new(AtomicUsize::new(0));
    let layer =
        ProtectLayer::new(verifier, Scopes::from_names(["reports"])).with_metadata(&resource());

    let token = signed(&keys, RESOURCE, "reports");
    let response = call(&layer, &calls, get("/reports", Some(&token))).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.body().as_slice(), b"reporter reports ");

    // A token for another resource (RFC 9068 §4: aud must name this one).
    let elsewhere = signed(&keys, "https://other.example.com", "reports");
    let response = call(&layer, &calls, get("/reports", Some(&elsewhere))).await;
    assert_eq!(response.status(), 401);
    assert!(challenge(&response).contains("error=\"invalid_token\""));
    assert!(challenge(&response).ends_with(&format!("resource_metadata=\"{METADATA_URL}\"")));

    let response = call(&layer, &calls, get("/reports", None)).await;
    assert_eq!(
        challenge(&response),
        format!("Bearer realm=\"qscope\", resource_metadata=\"{METADATA_URL}\"")
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

/// A check that ends in a reply a bearer check never gives.
struct Broken;

impl CheckAccess for Broken {
    fn check<'a>(
        &'a self,
        _request: qscope::HttpRequest<'a>,
        _required: &'a Scopes,
        _ctx: Context,
    ) -> impl Future<Output = Reply> + Send + 'a {
        std::future::ready(Reply::Http(Response::new(b"denied".to_vec())))
    }
}

#[tokio::test]
async fn a_denial_from_the_check_is_sent_as_is_and_the_route_never_runs() {
    let calls = Arc::new(AtomicUsize::new(0));
    let layer = ProtectLayer::new(Broken, Scopes::new());
    let response = call(&layer, &calls, get("/reports", Some("anything"))).await;
    assert_eq!(response.body().as_slice(), b"denied");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}
