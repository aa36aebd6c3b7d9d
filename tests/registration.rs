//! The client registration endpoint (RFC 7591 §3): policy, metadata
//! validation, the 201 client information response, the stored record and
//! its audit event, and a registered client's first token requests.

#[path = "support/clients.rs"]
mod clients;
mod support;

use clients::{
    assert_bare_challenge, assert_invalid_token, assert_no_secret_in_effects, assert_refusal_audit,
    keys, only_audit, open, register, registered, sorted,
};
use qscope::store::{
    AuditAction, ClientAuthMethod, ClientRecord, Effect, GrantType, MemoryStore, Outcome,
    Precondition, Registrant, Store, Transaction,
};
use qscope::{Context, Entropy, RegistrationPolicy, Scopes, SecretHash, Server, Step, TokenHash};
use serde_json::{Value, json};
use support::{CHALLENGE, Harness, REDIRECT_URI, Req, T0, VERIFIER, assert_error, token_request};

const FULL: &str = r#"{
    "redirect_uris": ["https://client.example.org/callback", "https://client.example.org/callback2"],
    "token_endpoint_auth_method": "client_secret_basic",
    "grant_types": ["authorization_code", "refresh_token"],
    "response_types": ["code"],
    "scope": "write read",
    "client_name": "My Example Client",
    "client_uri": "https://client.example.org/",
    "logo_uri": "https://client.example.org/logo.png",
    "contacts": ["ve7jtb@example.org", "mary@example.org"],
    "software_id": "4NRB1-0XZABZI9E6-5SM3R",
    "software_version": "2.1"
}"#;

fn error_description(response: &http::Response<Vec<u8>>, status: u16, error: &str) -> String {
    assert_error(response, status, error)["error_description"].as_str().unwrap().to_owned()
}

#[test]
fn open_registration_answers_201_with_the_client_information() {
    let h = Harness::with(open());
    let response = h.send(register(FULL));
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    let body = support::json(&response);
    let client_id = body["client_id"].as_str().unwrap().to_owned();
    let secret = body["client_secret"].as_str().unwrap().to_owned();
    let token = body["registration_access_token"].as_str().unwrap().to_owned();
    assert_eq!(client_id.len(), 22, "128-bit base64url client id");
    assert_eq!(secret.len(), 43, "256-bit base64url secret");
    assert_eq!(token.len(), 43, "256-bit base64url registration access token");
    assert_eq!(
        body,
        json!({
            "client_id": client_id,
            "client_secret": secret,
            "client_id_issued_at": T0.as_secs(),
            "client_secret_expires_at": 0,
            "registration_access_token": token,
            "registration_client_uri": format!("https://server.example.com/register/{client_id}"),
            "redirect_uris": ["https://client.example.org/callback",
                              "https://client.example.org/callback2"],
            "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "scope": "read write",
            "client_name": "My Example Client",
            "client_uri": "https://client.example.org/",
            "logo_uri": "https://client.example.org/logo.png",
            "contacts": ["ve7jtb@example.org", "mary@example.org"],
            "software_id": "4NRB1-0XZABZI9E6-5SM3R",
            "software_version": "2.1"
        })
    );

    let mut expected = ClientRecord::confidential(
        &client_id,
        SecretHash::of(&secret),
        ClientAuthMethod::ClientSecretBasic,
    )
    .with_redirect_uris([
        "https://client.example.org/callback",
        "https://client.example.org/callback2",
    ])
    .with_grants([GrantType::AuthorizationCode, GrantType::RefreshToken])
    .with_scopes(Scopes::from_names(["read", "write"]));
    expected.name = Some("My Example Client".into());
    expected.uri = Some("https://client.example.org/".into());
    expected.logo_uri = Some("https://client.example.org/logo.png".into());
    expected.contacts = vec!["ve7jtb@example.org".into(), "mary@example.org".into()];
    expected.software_id = Some("4NRB1-0XZABZI9E6-5SM3R".into());
    expected.software_version = Some("2.1".into());
    expected.created_at = T0;
    expected.registration_token_hash = Some(TokenHash::of(&token));
    expected.registrant = Registrant::SelfRegistered;
    assert_eq!(h.store.client(&client_id), Some(expected.clone()), "stored as answered");

    let committed = h.committed.borrow().clone();
    assert_eq!(committed.len(), 1);
    assert_eq!(
        committed[0].preconditions,
        [Precondition::ClientAbsent { client_id: client_id.clone() }]
    );
    assert_eq!(committed[0].effects[0], Effect::PutClient(expected));
    let event = only_audit(&committed[0].effects);
    assert_eq!(committed[0].effects.len(), 2);
    assert_eq!(event.action, AuditAction::ClientRegistered);
    assert_eq!(event.client_id.as_deref(), Some(client_id.as_str()));
    assert_eq!((event.at, event.error), (T0, None));
    assert!(h.best_effort.borrow().is_empty());
    assert_no_secret_in_effects(&h, &[&secret, &token]);
}

#[test]
fn public_clients_get_no_secret() {
    let h = Harness::with(open());
    let client = registered(
        &h,
        r#"{"redirect_uris": ["com.example.app:/cb"], "token_endpoint_auth_method": "none"}"#,
    );
    assert_eq!(client.secret, None);
    assert_eq!(
        keys(&client.body),
        sorted(&[
            "client_id",
            "client_id_issued_at",
            "registration_access_token",
            "registration_client_uri",
            "redirect_uris",
            "token_endpoint_auth_method",
            "grant_types",
            "response_types",
            "scope",
        ]),
        "no client_secret and no client_secret_expires_at for a public client"
    );
    assert_eq!(client.body["token_endpoint_auth_method"], "none");
    let stored = h.store.client(&client.client_id).unwrap();
    assert!(stored.is_public() && stored.secret_hash.is_none());
}

#[test]
fn omitted_members_take_the_rfc7591_defaults() {
    let h = Harness::with(open());
    let client = registered(&h, r#"{"redirect_uris": ["https://client.example.org/cb"]}"#);
    assert_eq!(client.body["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(client.body["grant_types"], json!(["authorization_code"]));
    assert_eq!(client.body["response_types"], json!(["code"]));
    assert_eq!(client.body["scope"], "read", "the default scopes among the registrable ones");
    assert!(client.secret.is_some());
    for absent in ["client_name", "client_uri", "logo_uri", "contacts", "software_id"] {
        assert!(client.body.get(absent).is_none(), "{absent} not invented");
    }
    // null, "" and [] count as omitted.
    let client = registered(
        &h,
        r#"{"redirect_uris": ["https://client.example.org/cb"], "client_name": null,
            "scope": "", "grant_types": [], "contacts": []}"#,
    );
    assert_eq!(client.body["grant_types"], json!(["authorization_code"]));
    assert_eq!(client.body["scope"], "read");
    assert!(client.body.get("client_name").is_none() && client.body.get("contacts").is_none());
}

#[test]
fn unknown_members_and_server_chosen_values_are_ignored() {
    let h = Harness::with(open());
    let client = registered(
        &h,
        r#"{"redirect_uris": ["https://client.example.org/callback"],
            "client_name": "My Example Client",
            "client_name#ja-Jpan-JP": "\u30AF\u30E9\u30A4\u30A2\u30F3\u30C8\u540D",
            "jwks_uri": "https://client.example.org/my_public_keys.jwks",
            "software_statement": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
            "example_extension_parameter": "example_value",
            "client_id": "chosen-by-client", "client_secret": "chosen-secret",
            "client_id_issued_at": 1, "registration_access_token": "chosen-token"}"#,
    );
    for absent in
        ["client_name#ja-Jpan-JP", "jwks_uri", "software_statement", "example_extension_parameter"]
    {
        assert!(client.body.get(absent).is_none(), "{absent} is not echoed");
    }
    assert_ne!(client.client_id, "chosen-by-client");
    assert_eq!(client.body["client_id_issued_at"], T0.as_secs());
    let stored = h.store.client(&client.client_id).unwrap();
    assert!(!stored.secret_hash.unwrap().verify("chosen-secret"));
    assert_ne!(stored.registration_token_hash, Some(TokenHash::of("chosen-token")));
}

#[test]
fn closed_registration_is_refused() {
    let h = Harness::new();
    let response = h.send(register(FULL));
    assert_eq!(
        error_description(&response, 403, "access_denied"),
        "dynamic client registration is closed"
    );
    assert_refusal_audit(&h, AuditAction::RegistrationRefused, None, "access_denied");
    assert_eq!(h.store.clients().len(), 2, "only the harness's clients");
}

#[test]
fn an_initial_access_token_gates_registration() {
    let h = Harness::with(support::config().registration(RegistrationPolicy::InitialAccessToken(
        vec![SecretHash::of("dev-token-1"), SecretHash::of("dev-token-2")],
    )));
    let body = r#"{"redirect_uris": ["https://client.example.org/cb"]}"#;

    let response = h.send(register(body));
    assert_bare_challenge(&response);
    assert_refusal_audit(&h, AuditAction::RegistrationRefused, None, "invalid_token");

    let response = h.send(register(body).basic("dev", "dev-token-1"));
    assert_bare_challenge(&response);

    let response = h.send(register(body).header("authorization", "Bearer dev-token-3"));
    assert_invalid_token(&response, "the initial access token is not valid");
    assert_refusal_audit(&h, AuditAction::RegistrationRefused, None, "invalid_token");

    let response = h.send(register(body).header("authorization", "Bearer dev token"));
    assert_eq!(
        error_description(&response, 400, "invalid_request"),
        "Authorization header is not valid Bearer credentials"
    );
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"qscope\", error=\"invalid_request\", error_description=\"Authorization header is not valid Bearer credentials\""
    );

    assert_eq!(h.store.clients().len(), 2, "nothing registered so far");
    for token in ["dev-token-1", "dev-token-2"] {
        let response = h.send(register(body).header("authorization", &format!("Bearer {token}")));
        assert_eq!(response.status(), 201, "{token}");
    }
    assert_eq!(h.store.clients().len(), 4);
}

#[test]
fn the_request_shape_is_checked() {
    let h = Harness::with(open());
    let response = h.send(Req::new("GET", "/register", ""));
    assert_error(&response, 405, "invalid_request");
    assert_eq!(response.headers()["allow"], "POST");

    let body = r#"{"redirect_uris": ["https://client.example.org/cb"]}"#;
    let response = h.send(
        Req::new("POST", "/register", body)
            .header("content-type", "application/x-www-form-urlencoded"),
    );
    assert_eq!(
        error_description(&response, 400, "invalid_request"),
        "Content-Type must be application/json"
    );
    assert_refusal_audit(&h, AuditAction::RegistrationRefused, None, "invalid_request");
    let response = h.send(Req::new("POST", "/register", body));
    assert_error(&response, 400, "invalid_request");

    let response = h.send(
        Req::new("POST", "/register", body)
            .header("content-type", "Application/JSON; charset=utf-8"),
    );
    assert_eq!(response.status(), 201, "media type parameters and case are fine");

    let big = format!(r#"{{"client_name": "{}"}}"#, "x".repeat(16 * 1024));
    let response = h.send(register(&big));
    assert_eq!(
        error_description(&response, 413, "invalid_request"),
        "request body exceeds 16384 bytes"
    );

    for not_an_object in ["", "null", "[1]", "{\"a\":", "\"text\""] {
        let response = h.send(register(not_an_object));
        assert_eq!(
            error_description(&response, 400, "invalid_client_metadata"),
            "the request body must be a JSON object",
            "{not_an_object:?}"
        );
    }
    assert_refusal_audit(&h, AuditAction::RegistrationRefused, None, "invalid_client_metadata");
}

#[test]
fn wrong_json_types_are_named() {
    let h = Harness::with(open());
    for (member, value, description) in [
        (
            "redirect_uris",
            "\"https://client.example.org/cb\"",
            "redirect_uris must be an array of strings",
        ),
        (
            "redirect_uris",
            "[\"https://client.example.org/cb\", 3]",
            "redirect_uris[1] must be a string",
        ),
        ("token_endpoint_auth_method", "[]", "token_endpoint_auth_method must be a string"),
        ("grant_types", "{}", "grant_types must be an array of strings"),
        ("response_types", "[true]", "response_types[0] must be a string"),
        ("scope", "42", "scope must be a string"),
        ("client_name", "false", "client_name must be a string"),
        ("client_uri", "[]", "client_uri must be a string"),
        ("logo_uri", "1.5", "logo_uri must be a string"),
        ("contacts", "\"ops@example.org\"", "contacts must be an array of strings"),
        ("software_id", "{}", "software_id must be a string"),
        ("software_version", "2", "software_version must be a string"),
    ] {
        let body = format!(
            r#"{{"redirect_uris": ["https://client.example.org/cb"], "{member}": {value}}}"#
        );
        let body =
            if member == "redirect_uris" { format!(r#"{{"{member}": {value}}}"#) } else { body };
        let response = h.send(register(&body));
        assert_eq!(
            error_description(&response, 400, "invalid_client_metadata"),
            description,
            "{body}"
        );
    }
}

#[test]
fn redirect_uris_follow_rfc7591_and_rfc8252() {
    let h = Harness::with(open());
    for (uri, description) in [
        ("/callback", "redirect_uris[0] is not an absolute URI"),
        ("https://client.example.org/cb#section", "redirect_uris[0] must not contain a fragment"),
        (
            "http://sketchy.example.com",
            "redirect_uris[0] must use https (plain http only for the loopback addresses 127.0.0.1 and [::1])",
        ),
        (
            "http://localhost:8080/cb",
            "redirect_uris[0] must not use localhost; use the loopback address 127.0.0.1 or [::1]",
        ),
        (
            "https://evil@client.example.org/cb",
            "redirect_uris[0] must not contain user information",
        ),
        (
            "javascript:alert(1)",
            "redirect_uris[0] must use https, loopback http, or a private-use scheme that is a reverse domain name such as com.example.app",
        ),
        (
            "https://client.example.org/c b",
            "redirect_uris[0] contains characters not allowed in a URI",
        ),
    ] {
        let response = h.send(register(&json!({ "redirect_uris": [uri] }).to_string()));
        assert_eq!(error_description(&response, 400, "invalid_redirect_uri"), description, "{uri}");
    }
    let response = h.send(register(r#"{"grant_types": ["authorization_code", "refresh_token"]}"#));
    assert_eq!(
        error_description(&response, 400, "invalid_redirect_uri"),
        "redirect_uris is required for the authorization_code grant type"
    );
    let accepted = [
        "https://client.example.org/cb?tenant=7",
        "http://127.0.0.1:51004/oauth2redirect/example-provider",
        "http://[::1]:61023/oauth2redirect/example-provider",
        "com.example.app:/oauth2redirect/example-provider",
    ];
    let client = registered(&h, &json!({ "redirect_uris": accepted }).to_string());
    assert_eq!(client.body["redirect_uris"], json!(accepted), "stored exactly as sent");
}

#[test]
fn grant_and_response_types_are_consistent_and_allowed() {
    let h = Harness::with(open());
    let cb = r#""redirect_uris": ["https://client.example.org/cb"]"#;
    for (members, description) in [
        (r#""grant_types": ["password"]"#, "grant_types: password may not be registered"),
        (r#""grant_types": ["implicit"]"#, "grant_types: implicit is not supported by this server"),
        (
            r#""grant_types": ["urn:ietf:params:oauth:grant-type:device_code"]"#,
            "grant_types: urn:ietf:params:oauth:grant-type:device_code is not supported by this server",
        ),
        (r#""response_types": ["token"]"#, "response_types: token is not supported; only code is"),
        (
            r#""grant_types": ["client_credentials"], "response_types": ["code"]"#,
            "response_types: code must be registered along with the authorization_code grant type",
        ),
        (
            r#""grant_types": ["refresh_token"]"#,
            "grant_types: refresh_token needs a grant type that issues the first refresh token",
        ),
        (
            r#""grant_types": ["client_credentials"], "token_endpoint_auth_method": "none""#,
            "grant_types: client_credentials needs a client secret, but token_endpoint_auth_method none makes a public client",
        ),
        (
            r#""token_endpoint_auth_method": "private_key_jwt""#,
            "token_endpoint_auth_method private_key_jwt is not supported; use client_secret_basic, client_secret_post or none",
        ),
    ] {
        let response = h.send(register(&format!("{{{cb}, {members}}}")));
        assert_eq!(
            error_description(&response, 400, "invalid_client_metadata"),
            description,
            "{members}"
        );
    }
    // Client credentials need no redirect URI and imply no response type.
    let client = registered(&h, r#"{"grant_types": ["client_credentials"]}"#);
    assert_eq!(client.body["response_types"], json!([]));
    assert_eq!(client.body["redirect_uris"], json!([]));

    // By default client_credentials may not be self-registered.
    let h = Harness::with(open().registration_grants(qscope::DEFAULT_REGISTRATION_GRANTS));
    let response = h.send(register(r#"{"grant_types": ["client_credentials"]}"#));
    assert_eq!(
        error_description(&response, 400, "invalid_client_metadata"),
        "grant_types: client_credentials may not be registered"
    );
}

#[test]
fn scopes_stay_within_what_registration_grants() {
    let h = Harness::with(open());
    let cb = r#""redirect_uris": ["https://client.example.org/cb"]"#;
    for (scope, description) in [
        ("read admin", "scope: admin may not be registered"),
        ("unknown", "scope: unknown may not be registered"),
        ("read  write", "scope is not a space-delimited list of scope tokens"),
    ] {
        let response = h.send(register(&format!(r#"{{{cb}, "scope": "{scope}"}}"#)));
        assert_eq!(
            error_description(&response, 400, "invalid_client_metadata"),
            description,
            "{scope}"
        );
    }
    let client = registered(&h, &format!(r#"{{{cb}, "scope": "write"}}"#));
    assert_eq!(client.body["scope"], "write");
    assert_eq!(h.store.client(&client.client_id).unwrap().scopes, Scopes::from_names(["write"]));
}

#[test]
fn display_uris_must_be_https_pages() {
    let h = Harness::with(open());
    let cb = r#""redirect_uris": ["https://client.example.org/cb"]"#;
    for (members, description) in [
        (r#""client_uri": "http://client.example.org/""#, "client_uri must be an https URL"),
        (r#""logo_uri": "javascript:alert(1)""#, "logo_uri must be an https URL"),
        (r#""logo_uri": "logo.png""#, "logo_uri is not an absolute URI"),
    ] {
        let response = h.send(register(&format!("{{{cb}, {members}}}")));
        assert_eq!(
            error_description(&response, 400, "invalid_client_metadata"),
            description,
            "{members}"
        );
    }
}

/// RFC 7591 §5: the pages a consent screen shows live on the host where the
/// client receives its codes, so a registration cannot borrow another
/// site's name or logo.
#[test]
fn rfc7591_5_display_uris_live_on_a_redirect_host() {
    let h = Harness::with(open());
    let before = h.store.clients().len();
    let cb = r#""redirect_uris": ["https://client.example.org/cb"]"#;
    let response = h.send(register(&format!(
        r#"{{{cb}, "client_uri": "https://bank.example.com/", "logo_uri": "https://client.example.org/logo.png"}}"#
    )));
    assert_eq!(
        error_description(&response, 400, "invalid_client_metadata"),
        "client_uri must be on the host of every https redirect URI, and redirect_uris[0] is not"
    );
    assert_eq!(h.store.clients().len(), before, "nothing is stored");
    let response = h.send(register(&format!(
        r#"{{{cb}, "client_uri": "https://client.example.org/", "logo_uri": "https://client.example.org/logo.png"}}"#
    )));
    assert_eq!(response.status(), 201);
}

#[test]
fn a_registered_client_immediately_gets_client_credentials_tokens() {
    let h = Harness::with(open());
    let client =
        registered(&h, r#"{"grant_types": ["client_credentials"], "scope": "read write"}"#);
    let secret = client.secret.unwrap();
    let response = h.send(
        token_request("grant_type=client_credentials&scope=write")
            .basic(&client.client_id, &secret),
    );
    let body = support::json(&response);
    assert_eq!(response.status(), 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "write");
    let token = h.store.token(&TokenHash::of(body["access_token"].as_str().unwrap())).unwrap();
    assert_eq!(token.client_id, client.client_id);
    // The wrong secret is refused as for any client.
    let response =
        h.send(token_request("grant_type=client_credentials").basic(&client.client_id, "wrong"));
    assert_error(&response, 401, "invalid_client");
}

#[test]
fn a_registered_public_client_immediately_runs_code_with_pkce() {
    let h = Harness::with(open());
    let client = registered(
        &h,
        &json!({
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"]
        })
        .to_string(),
    );
    // The authorization endpoint is not part of this exchange: store the
    // code it would have issued (S256 challenge of RFC 7636 Appendix B).
    let code = h.code("code-for-registered-client", &client.client_id);
    let response = h.send(token_request(&format!(
        "grant_type=authorization_code&code={code}&redirect_uri={}&code_verifier={VERIFIER}&client_id={}",
        "https%3A%2F%2Fclient.example.com%2Fcb", client.client_id
    )));
    let body = support::json(&response);
    assert_eq!(response.status(), 200, "{body}");
    assert!(body["access_token"].is_string() && body["refresh_token"].is_string());
    assert_eq!(body["scope"], "read");
    assert_eq!(CHALLENGE.len(), 43);
    // Without the verifier the code is refused: PKCE is enforced.
    let code = h.code("second-code", &client.client_id);
    let response = h.send(token_request(&format!(
        "grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&client_id={}",
        client.client_id
    )));
    assert_error(&response, 400, "invalid_grant");
}

#[test]
fn a_registered_confidential_client_runs_code_with_pkce_using_client_secret_post() {
    let h = Harness::with(open());
    let client = registered(
        &h,
        &json!({ "redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "client_secret_post" })
            .to_string(),
    );
    let code = h.code("code-for-confidential", &client.client_id);
    let response = h.send(token_request(&format!(
        "grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&code_verifier={VERIFIER}&client_id={}&client_secret={}",
        client.client_id,
        client.secret.unwrap()
    )));
    assert_eq!(response.status(), 200, "{}", support::json(&response));
}

/// Drives one request with fixed entropy through `store`.
fn drive(
    server: &Server,
    store: &MemoryStore,
    body: &str,
    entropy: [u8; 32],
) -> (http::Response<Vec<u8>>, Vec<Transaction>) {
    let request: http::Request<Vec<u8>> = register(body).into();
    let recording = support::Recording::new(store);
    let respond = qscope::drive_deferred(
        server,
        &recording,
        &request,
        Context::new(T0, Entropy::from_bytes(entropy)),
    );
    (respond.reply.into_http().expect("an HTTP reply"), recording.commits.into_inner())
}

#[test]
fn a_client_id_collision_changes_nothing() {
    let server = Server::new(open().build().unwrap());
    let store = MemoryStore::new();
    let body = r#"{"redirect_uris": ["https://client.example.org/cb"], "client_name": "First"}"#;
    let (first, _) = drive(&server, &store, body, [5; 32]);
    assert_eq!(first.status(), 201);
    let client_id = support::json(&first)["client_id"].as_str().unwrap().to_owned();
    let before = store.client(&client_id).unwrap();
    // A host that reuses entropy mints the same id: the commit conflicts.
    let (second, commits) = drive(
        &server,
        &store,
        r#"{"redirect_uris": ["https://client.example.org/cb"], "client_name": "Second"}"#,
        [5; 32],
    );
    assert_eq!(
        error_description(&second, 500, "server_error"),
        "the generated client identifier is already taken"
    );
    assert_eq!(commits.len(), 1);
    assert_eq!(
        store
            .apply(&Transaction {
                preconditions: commits[0].preconditions.clone(),
                effects: vec![]
            })
            .unwrap(),
        Outcome::Conflict {
            failed: Precondition::ClientAbsent { client_id: client_id.clone() },
            found: Some(qscope::store::Record::Client(before.clone()))
        }
    );
    assert_eq!(store.client(&client_id), Some(before), "the first client is untouched");
}

#[test]
fn credentials_never_reach_the_audit_trail() {
    let h = Harness::with(open());
    let client = registered(&h, FULL);
    let secret = client.secret.unwrap();
    let trail = serde_json::to_string(&h.store.audit_events()).unwrap();
    assert!(!trail.contains(&secret) && !trail.contains(&client.token));
    assert!(!trail.contains(
        &SecretHash::of(&secret).as_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>()
    ));
    assert!(!trail.contains(&TokenHash::of(&client.token).to_text()), "not even the hash");
    let _: Value = serde_json::from_str(&trail).unwrap();
}

#[test]
fn steps_never_print_the_credentials_they_carry() {
    let h = Harness::with(open());
    let request: http::Request<Vec<u8>> = register(FULL).into();
    let step = h.server.begin(&request, Context::new(T0, Entropy::from_bytes([8; 32])));
    let printed = format!("{step:?}");
    let Step::Commit(commit) = step else { panic!("registration commits first") };
    let outcome = h.store.apply(commit.transaction()).unwrap();
    let Step::Respond(respond) = commit.resume(outcome).unwrap() else { panic!("then responds") };
    let body = support::json(respond.reply.http().expect("an HTTP reply"));
    for member in ["client_secret", "registration_access_token"] {
        let value = body[member].as_str().unwrap();
        assert!(!printed.contains(value), "{member} printed by Debug");
    }
}

/// RFC 7591 §5 with a decoy: a redirect URI on the victim's host cannot
/// lend its name and logo to a client that also receives codes elsewhere.
/// With `client_uri` or `logo_uri`, every https redirect URI must be on
/// their host; at registration and at an RFC 7592 update alike.
#[test]
fn rfc7591_5_a_decoy_redirect_uri_does_not_lend_its_host() {
    let h = Harness::with(open());
    let before = h.store.clients().len();
    let decoy = r#"{"redirect_uris": ["https://victim.example/cb", "https://evil.example/cb"],
        "client_uri": "https://victim.example/", "logo_uri": "https://victim.example/logo.png"}"#;
    assert_eq!(
        error_description(&h.send(register(decoy)), 400, "invalid_client_metadata"),
        "client_uri must be on the host of every https redirect URI, and redirect_uris[1] is not"
    );
    let logo_only = r#"{"redirect_uris": ["https://evil.example/cb", "https://victim.example/cb"],
        "logo_uri": "https://victim.example/logo.png"}"#;
    assert_eq!(
        error_description(&h.send(register(logo_only)), 400, "invalid_client_metadata"),
        "logo_uri must be on the host of every https redirect URI, and redirect_uris[0] is not"
    );
    assert_eq!(h.store.clients().len(), before, "nothing is stored");
    // Without display URIs a client may receive codes on several hosts, and
    // a native redirect URI has no host to compare.
    registered(&h, r#"{"redirect_uris": ["https://a.example/cb", "https://b.example/cb"]}"#);
    let client = registered(
        &h,
        r#"{"redirect_uris": ["https://victim.example/cb", "http://127.0.0.1/cb"],
            "logo_uri": "https://victim.example/logo.png"}"#,
    );
    // An update may not add the decoy either.
    let update = json!({
        "client_id": client.client_id,
        "redirect_uris": ["https://victim.example/cb", "https://evil.example/cb"],
        "logo_uri": "https://victim.example/logo.png"
    });
    let response =
        h.send(clients::manage("PUT", &client.client_id, &client.token, &update.to_string()));
    assert_eq!(
        error_description(&response, 400, "invalid_client_metadata"),
        "logo_uri must be on the host of every https redirect URI, and redirect_uris[1] is not"
    );
    let stored = h.store.client(&client.client_id).unwrap();
    assert_eq!(stored.redirect_uris, ["https://victim.example/cb", "http://127.0.0.1/cb"]);
}

/// The bidirectional-text controls (Unicode Bidi_Control: U+061C, U+200E,
/// U+200F, U+202A–U+202E, U+2066–U+2069) could make a consent page show a
/// name other than the one registered; every human-readable member
/// refuses them, at registration and at an update.
#[test]
fn bidirectional_text_controls_are_refused() {
    let h = Harness::with(open());
    let before = h.store.clients().len();
    let controls = [
        '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
        '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
    ];
    for control in controls {
        let text = format!("Bank{control}ppa");
        for (member, value, field) in [
            ("client_name", json!(text), "client_name"),
            ("software_id", json!(text), "software_id"),
            ("software_version", json!(text), "software_version"),
            ("contacts", json!(["ops@example.org", text]), "contacts[1]"),
        ] {
            let mut body = json!({ "redirect_uris": [REDIRECT_URI] });
            body[member] = value;
            let response = h.send(register(&body.to_string()));
            assert_eq!(
                error_description(&response, 400, "invalid_client_metadata"),
                format!("{field} must not contain bidirectional text controls"),
                "U+{:04X} in {member}",
                u32::from(control)
            );
        }
    }
    assert_eq!(h.store.clients().len(), before, "nothing is stored");
    let client = registered(&h, r#"{"redirect_uris": ["https://client.example.com/cb"]}"#);
    let update = json!({
        "client_id": client.client_id,
        "redirect_uris": [REDIRECT_URI],
        "client_name": "My \u{202E}ppa"
    });
    let response =
        h.send(clients::manage("PUT", &client.client_id, &client.token, &update.to_string()));
    assert_eq!(
        error_description(&response, 400, "invalid_client_metadata"),
        "client_name must not contain bidirectional text controls"
    );
    assert_eq!(h.store.client(&client.client_id).unwrap().name, None);
}
