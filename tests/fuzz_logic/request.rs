//! Structure-aware requests: a method, an endpoint, headers and form fields
//! drawn from the names the core knows plus arbitrary ones, and a store
//! that may fail or race.

use arbitrary::Arbitrary;
use qscope::store::{
    ClientAuthMethod, ClientRecord, CodeRecord, FamilyId, GrantType, MemoryStore, PkceChallenge,
    PkceMethod, Store, TokenHash, TokenKind, TokenRecord, Transaction,
};
use qscope::{
    BearerPolicy, ClientSecret, Config, Context, Entropy, FifoLimits, Input, RefreshRotation,
    RegistrationPolicy, Reply, Scopes, Seconds, Server, UnixTime,
};

use super::store::{FuzzStore, StoreMode, not_misuse};
use super::wellformed;

const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);
const SECRET: &str = "fuzz-client-secret-that-must-never-leak";
const CODE: &str = "fuzz-code-SplxlOBeZQQYbYS6WxSbIA";
const REFRESH: &str = "fuzz-refresh-tGzv3JOkF0XG5Qx2TlKWIA";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// The endpoint a target aims at.
#[derive(Clone, Copy, Debug)]
pub enum Endpoint {
    Token,
    Revoke,
    Introspect,
    /// A protected resource: the request is a bearer check (`Input::Bearer`).
    Resource,
    Authorize,
    Par,
    DeviceAuthorization,
    Register,
    Metadata,
}

impl Endpoint {
    fn path(self) -> &'static str {
        match self {
            Self::Token => "/token",
            Self::Revoke => "/revoke",
            Self::Introspect => "/introspect",
            Self::Resource => "/resource",
            Self::Authorize => "/authorize",
            Self::Par => "/par",
            Self::DeviceAuthorization => "/device_authorization",
            Self::Register => "/register",
            Self::Metadata => "/.well-known/oauth-authorization-server",
        }
    }
}

#[derive(Arbitrary, Debug)]
pub struct RequestInput {
    method: u8,
    /// Whether to aim at another path than the target's.
    other_path: Option<String>,
    content_type: Option<ContentType>,
    authorization: Vec<Authorization>,
    fields: Vec<(Field, Value)>,
    raw_tail: Vec<u8>,
    store: StoreMode,
    entropy: [u8; 32],
    clock_skew: i16,
}

#[derive(Arbitrary, Debug)]
enum ContentType {
    Form,
    FormCharset,
    Json,
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Authorization {
    Basic { id: Field, secret: Value },
    Bearer(Value),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Field {
    GrantType,
    Code,
    RedirectUri,
    CodeVerifier,
    RefreshToken,
    Scope,
    ClientId,
    ClientSecret,
    Token,
    TokenTypeHint,
    ResponseType,
    State,
    CodeChallenge,
    CodeChallengeMethod,
    RequestUri,
    DeviceCode,
    RedirectUris,
    GrantTypes,
    TokenEndpointAuthMethod,
    ClientName,
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum Value {
    GrantAuthorizationCode,
    GrantClientCredentials,
    GrantRefreshToken,
    GrantDevice,
    GrantPassword,
    TheCode,
    TheRefresh,
    TheVerifier,
    TheRedirect,
    ConfidentialId,
    PublicId,
    TheSecret,
    Scopes(u8),
    ResponseTypeCode,
    S256,
    TheChallenge,
    AuthMethod(u8),
    Text(String),
}

impl Field {
    fn name(&self) -> &str {
        match self {
            Self::GrantType => "grant_type",
            Self::Code => "code",
            Self::RedirectUri => "redirect_uri",
            Self::CodeVerifier => "code_verifier",
            Self::RefreshToken => "refresh_token",
            Self::Scope => "scope",
            Self::ClientId => "client_id",
            Self::ClientSecret => "client_secret",
            Self::Token => "token",
            Self::TokenTypeHint => "token_type_hint",
            Self::ResponseType => "response_type",
            Self::State => "state",
            Self::CodeChallenge => "code_challenge",
            Self::CodeChallengeMethod => "code_challenge_method",
            Self::RequestUri => "request_uri",
            Self::DeviceCode => "device_code",
            Self::RedirectUris => "redirect_uris",
            Self::GrantTypes => "grant_types",
            Self::TokenEndpointAuthMethod => "token_endpoint_auth_method",
            Self::ClientName => "client_name",
            Self::Other(name) => name,
        }
    }
}

impl Value {
    fn text(&self) -> String {
        match self {
            Self::GrantAuthorizationCode => "authorization_code".into(),
            Self::GrantClientCredentials => "client_credentials".into(),
            Self::GrantRefreshToken => "refresh_token".into(),
            Self::GrantDevice => "urn:ietf:params:oauth:grant-type:device_code".into(),
            Self::GrantPassword => "password".into(),
            Self::TheCode => CODE.into(),
            Self::TheRefresh => REFRESH.into(),
            Self::TheVerifier => VERIFIER.into(),
            Self::TheRedirect => "https://client.example.com/cb".into(),
            Self::ConfidentialId => "fuzz-client".into(),
            Self::PublicId => "fuzz-public".into(),
            Self::TheSecret => SECRET.into(),
            Self::Scopes(n) => ["", "read", "write", "read write", "admin", "read  write", "\"x\""]
                [usize::from(*n) % 7]
                .into(),
            Self::ResponseTypeCode => "code".into(),
            Self::S256 => "S256".into(),
            Self::TheChallenge => CHALLENGE.into(),
            Self::AuthMethod(n) => {
                ["none", "client_secret_basic", "client_secret_post", "private_key_jwt"]
                    [usize::from(*n) % 4]
                    .into()
            }
            Self::Text(text) => text.clone(),
        }
    }
}

fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn server() -> Server {
    server_with(BearerPolicy::default())
}

fn server_with(bearer: BearerPolicy) -> Server {
    Server::new(
        Config::builder("https://server.example.com")
            .bearer(bearer)
            .scope("read", "Read", true)
            .scope("write", "Write", false)
            .grants([
                GrantType::AuthorizationCode,
                GrantType::ClientCredentials,
                GrantType::RefreshToken,
                GrantType::DeviceCode,
            ])
            .registration(RegistrationPolicy::Open)
            .rotation(RefreshRotation::Grace(Seconds::new(10)))
            .fifo(FifoLimits {
                refresh_per_client: Some(3),
                access_per_refresh: Some(2),
                ..FifoLimits::default()
            })
            .build()
            .expect("fuzz config"),
    )
}

fn seeded_store() -> MemoryStore {
    let store = MemoryStore::new();
    let grants = [
        GrantType::AuthorizationCode,
        GrantType::ClientCredentials,
        GrantType::RefreshToken,
        GrantType::DeviceCode,
    ];
    store.insert_client(
        ClientRecord::confidential(
            "fuzz-client",
            ClientSecret::new(SECRET).hash(),
            ClientAuthMethod::ClientSecretBasic,
        )
        .with_grants(grants)
        .with_scopes(Scopes::from_names(["read", "write"]))
        .with_redirect_uris(["https://client.example.com/cb"]),
    );
    store.insert_client(
        ClientRecord::public("fuzz-public")
            .with_grants(grants)
            .with_scopes(Scopes::from_names(["read"]))
            .with_redirect_uris(["https://client.example.com/cb"]),
    );
    for (code, client) in [(CODE, "fuzz-client"), ("fuzz-public-code", "fuzz-public")] {
        store.insert_code(CodeRecord {
            hash: TokenHash::of(code),
            client_id: client.into(),
            subject: "alice".into(),
            redirect_uri: Some("https://client.example.com/cb".into()),
            scopes: Scopes::from_names(["read"]),
            challenge: Some(PkceChallenge {
                method: PkceMethod::S256,
                challenge: CHALLENGE.into(),
            }),
            issued_at: NOW,
            expires_at: NOW.after(Seconds::new(60)),
            family: FamilyId::from_bytes([1; 16]),
            consumed_at: None,
            resources: Vec::new(),
        });
    }
    store.insert_token(TokenRecord {
        hash: TokenHash::of(REFRESH),
        kind: TokenKind::Refresh,
        client_id: "fuzz-client".into(),
        subject: Some("alice".into()),
        scopes: Scopes::from_names(["read", "write"]),
        family: FamilyId::from_bytes([2; 16]),
        parent: None,
        issued_at: NOW,
        expires_at: NOW.after(Seconds::days(1)),
        rotated_at: None,
        revoked_at: None,
        resources: Vec::new(),
    });
    store
}

fn build_request(endpoint: Endpoint, input: &RequestInput) -> Option<http::Request<Vec<u8>>> {
    let methods = ["POST", "GET", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"];
    let method = methods[usize::from(input.method) % methods.len()];
    let path = match &input.other_path {
        Some(p) if p.starts_with('/') => p.clone(),
        _ => endpoint.path().to_owned(),
    };
    let mut builder = http::Request::builder().method(method).uri(path);
    match &input.content_type {
        Some(ContentType::Form) => {
            builder = builder.header("content-type", "application/x-www-form-urlencoded")
        }
        Some(ContentType::FormCharset) => {
            builder =
                builder.header("content-type", "application/x-www-form-urlencoded; charset=UTF-8")
        }
        Some(ContentType::Json) => builder = builder.header("content-type", "application/json"),
        Some(ContentType::Raw(raw)) => builder = builder.header("content-type", raw.as_str()),
        None => {}
    }
    for auth in input.authorization.iter().take(3) {
        use base64::Engine as _;
        let value = match auth {
            Authorization::Basic { id, secret } => {
                let pair = format!(
                    "{}:{}",
                    encode(&Value::text(&field_value(id))),
                    encode(&secret.text())
                );
                format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
            }
            Authorization::Bearer(token) => format!("Bearer {}", token.text()),
            Authorization::Raw(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        };
        builder = builder.header("authorization", value);
    }
    let fields = input.fields.iter().take(16);
    let mut body = String::new();
    if matches!(endpoint, Endpoint::Register) {
        // A JSON object; list-valued metadata as one-element arrays.
        let mut object = serde_json::Map::new();
        for (field, value) in fields {
            let text = serde_json::Value::String(value.text());
            let list = matches!(field, Field::RedirectUris | Field::GrantTypes);
            object.insert(
                field.name().to_owned(),
                if list { serde_json::Value::Array(vec![text]) } else { text },
            );
        }
        body = serde_json::Value::Object(object).to_string();
    } else {
        for (field, value) in fields {
            if !body.is_empty() {
                body.push('&');
            }
            body.push_str(&encode(field.name()));
            body.push('=');
            body.push_str(&encode(&value.text()));
        }
    }
    if matches!(endpoint, Endpoint::Authorize | Endpoint::Metadata) && method == "GET" {
        // The query string carries the parameters; the body stays empty.
        let uri = format!("{}?{body}", endpoint.path());
        builder = builder.uri(uri);
        body.clear();
    }
    let mut bytes = body.into_bytes();
    bytes.extend_from_slice(&input.raw_tail);
    // Invalid header values or URIs are the HTTP layer's business, not the core's.
    builder.body(bytes).ok()
}

fn field_value(field: &Field) -> Value {
    match field {
        Field::ClientId => Value::ConfidentialId,
        Field::Other(name) => Value::Text(name.clone()),
        _ => Value::PublicId,
    }
}

/// Drives one request; panics on any broken property.
pub fn run(endpoint: Endpoint, input: &RequestInput) {
    let Some(request) = build_request(endpoint, input) else { return };
    // A value the request itself carries may be echoed (an authorization
    // request's `state`); only secrets it did not send must never appear.
    let sent = format!("{:?}{}", request.uri(), String::from_utf8_lossy(request.body()));
    let secrets: Vec<&str> = [SECRET, VERIFIER]
        .into_iter()
        .filter(|secret| !sent.contains(secret) && !sent.contains(&encode(secret)))
        .collect();
    let server = server();
    let store = seeded_store();
    let now = UnixTime::from_secs(NOW.as_secs().saturating_add_signed(i64::from(input.clock_skew)));
    let ctx = Context::new(now, Entropy::from_bytes(input.entropy));
    let fuzzed = FuzzStore::new(&store, input.store, now);
    let respond = qscope::drive_deferred(&server, &fuzzed, &request, ctx);
    let applied_commit = fuzzed.applied_commit.get();
    let response = match respond.reply {
        Reply::Http(response) => response,
        // A valid authorization request (another path): it must have been
        // stored before the host is asked.
        Reply::Interaction(_) => {
            assert!(applied_commit, "an interaction without a stored request");
            return;
        }
        other => panic!("unexpected reply {other:?}"),
    };
    not_misuse(&response);
    wellformed::check(&response, &secrets);
    if response.status() == 200 && response.body().windows(14).any(|w| w == b"\"access_token\"") {
        assert!(applied_commit, "a token was answered without an applied commit");
    }
    let _ = store.apply(&Transaction::unconditional(respond.best_effort));
}

/// Verifies the bearer token of a resource request; panics on any broken
/// property. The store also holds an access token whose value is `CODE`
/// (scopes `read write`), so `Bearer` with that value can be allowed.
pub fn run_bearer(input: &RequestInput) {
    let Some(request) = build_request(Endpoint::Resource, input) else { return };
    let policy =
        BearerPolicy { accept_form_body: input.entropy[0] & 1 == 1, ..BearerPolicy::default() };
    let server = server_with(policy);
    let store = seeded_store();
    store.insert_token(TokenRecord {
        hash: TokenHash::of(CODE),
        kind: TokenKind::Access,
        client_id: "fuzz-client".into(),
        subject: Some("alice".into()),
        scopes: Scopes::from_names(["read", "write"]),
        family: FamilyId::from_bytes([3; 16]),
        parent: None,
        issued_at: NOW,
        expires_at: NOW.after(Seconds::hours(1)),
        rotated_at: None,
        revoked_at: None,
        resources: Vec::new(),
    });
    let required = ["", "read", "write", "read write", "admin"][usize::from(input.entropy[1]) % 5];
    let required = Scopes::parse(required).expect("scope literal");
    let now = UnixTime::from_secs(NOW.as_secs().saturating_add_signed(i64::from(input.clock_skew)));
    let ctx = Context::new(now, Entropy::from_bytes(input.entropy));
    let fuzzed = FuzzStore::new(&store, input.store, now);
    match qscope::drive(&server, &fuzzed, Input::bearer(&request, &required), ctx) {
        Reply::Access(access) => {
            // Only the stored access token, live and carrying the scopes.
            assert_eq!(access.client_id, "fuzz-client");
            assert!(required.is_subset(&access.scopes));
            assert!(now < NOW.after(Seconds::hours(1)));
        }
        Reply::Http(response) => {
            not_misuse(&response);
            wellformed::check(&response, &[SECRET, VERIFIER, CODE, REFRESH]);
            let status = response.status().as_u16();
            if matches!(status, 400 | 401 | 403) {
                assert!(response.body().is_empty(), "a bearer denial has no body");
                assert_eq!(response.headers().len(), 1, "only the challenge");
                let challenge = response.headers()["www-authenticate"].to_str().expect("ASCII");
                assert!(challenge.starts_with("Bearer realm=\"qscope\""), "{challenge}");
                let error = match status {
                    400 => Some("invalid_request"),
                    403 => Some("insufficient_scope"),
                    _ if challenge == "Bearer realm=\"qscope\"" => None,
                    _ => Some("invalid_token"),
                };
                if let Some(error) = error {
                    assert!(challenge.contains(&format!("error=\"{error}\"")), "{challenge}");
                }
                assert_eq!(challenge.contains("scope=\""), status == 403, "{challenge}");
            } else {
                assert!(matches!(status, 500 | 503), "unexpected bearer status {status}");
            }
        }
        other => panic!("a bearer check ended in {other:?}"),
    }
}
