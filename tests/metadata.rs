//! Authorization server metadata (RFC 8414 §2, §3; RFC 9126 §5; RFC 9207 §3).

mod support;

use qscope::store::GrantType;
use qscope::{Config, Endpoints, PkcePolicy};
use serde_json::json;
use support::*;

const WELL_KNOWN: &str = "/.well-known/oauth-authorization-server";

fn metadata(h: &Harness, path: &str) -> serde_json::Value {
    let response = h.send(Req::new("GET", path, ""));
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    json(&response)
}

#[test]
fn rfc8414_3_2_default_document() {
    let h = Harness::new();
    assert_eq!(
        metadata(&h, WELL_KNOWN),
        json!({
            "issuer": "https://server.example.com",
            "authorization_endpoint": "https://server.example.com/authorize",
            "token_endpoint": "https://server.example.com/token",
            "token_endpoint_auth_methods_supported":
                ["client_secret_basic", "client_secret_post", "none"],
            "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
            "scopes_supported": ["read", "write"],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": true,
            "pushed_authorization_request_endpoint": "https://server.example.com/par",
            "require_pushed_authorization_requests": false,
            "revocation_endpoint": "https://server.example.com/revoke",
            "revocation_endpoint_auth_methods_supported":
                ["client_secret_basic", "client_secret_post", "none"],
            "introspection_endpoint": "https://server.example.com/introspect",
            "introspection_endpoint_auth_methods_supported":
                ["client_secret_basic", "client_secret_post"]
        })
    );
    // A query string does not matter; other methods do.
    assert_eq!(metadata(&h, &format!("{WELL_KNOWN}?x=1"))["issuer"], "https://server.example.com");
    let response = h.send(Req::new("POST", WELL_KNOWN, ""));
    assert_error(&response, 405, "invalid_request");
    assert_eq!(response.headers()["allow"], "GET");
    assert!(h.committed.borrow().is_empty() && h.best_effort.borrow().is_empty());
}

#[test]
fn rfc8414_3_1_issuer_with_a_path() {
    let endpoints = Endpoints {
        token: "/issuer1/token".into(),
        authorization: "/issuer1/authorize".into(),
        par: Some("/issuer1/par".into()),
        revocation: "/issuer1/revoke".into(),
        introspection: "/issuer1/introspect".into(),
        ..Endpoints::default()
    };
    let h = Harness::with(
        Config::builder("https://example.com/issuer1")
            .scope("read", "Read", true)
            .endpoints(endpoints),
    );
    assert_eq!(h.send(Req::new("GET", WELL_KNOWN, "")).status(), 404);
    let doc = metadata(&h, "/.well-known/oauth-authorization-server/issuer1");
    assert_eq!(doc["issuer"], "https://example.com/issuer1");
    assert_eq!(doc["token_endpoint"], "https://example.com/issuer1/token");
    assert_eq!(doc["authorization_endpoint"], "https://example.com/issuer1/authorize");
    assert_eq!(doc["pushed_authorization_request_endpoint"], "https://example.com/issuer1/par");
    assert_eq!(doc["revocation_endpoint"], "https://example.com/issuer1/revoke");
    assert_eq!(doc["introspection_endpoint"], "https://example.com/issuer1/introspect");
    // RFC 9207 §2.4 / RFC 8414 §3.3: `iss` in responses equals `issuer`.
    let response =
        h.send(Req::new("GET", &format!("/issuer1/authorize?client_id=public-app&{PKCE}"), ""));
    assert_eq!(
        query_param(&location(&response), "iss").as_deref(),
        Some("https://example.com/issuer1")
    );
}

#[test]
fn only_what_is_enabled_is_listed() {
    // PAR off, plain PKCE on, no scopes declared.
    let h = Harness::with(
        Config::builder("https://server.example.com")
            .endpoints(Endpoints { par: None, ..Endpoints::default() })
            .pkce(PkcePolicy { required_for_confidential: true, allow_plain: true }),
    );
    let doc = metadata(&h, WELL_KNOWN);
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256", "plain"]));
    for absent in [
        "pushed_authorization_request_endpoint",
        "require_pushed_authorization_requests",
        "scopes_supported",
        "device_authorization_endpoint",
        "registration_endpoint",
    ] {
        assert!(doc.get(absent).is_none(), "{absent} in {doc}");
    }
    // PAR required.
    let h = Harness::with(config().require_par(true));
    assert_eq!(metadata(&h, WELL_KNOWN)["require_pushed_authorization_requests"], true);
    // No authorization code grant: no authorization endpoint, PAR or PKCE.
    let h = Harness::with(config().grants([GrantType::ClientCredentials]));
    assert_eq!(
        metadata(&h, WELL_KNOWN),
        json!({
            "issuer": "https://server.example.com",
            "token_endpoint": "https://server.example.com/token",
            "token_endpoint_auth_methods_supported":
                ["client_secret_basic", "client_secret_post", "none"],
            "grant_types_supported": ["client_credentials"],
            "scopes_supported": ["read", "write"],
            "revocation_endpoint": "https://server.example.com/revoke",
            "revocation_endpoint_auth_methods_supported":
                ["client_secret_basic", "client_secret_post", "none"],
            "introspection_endpoint": "https://server.example.com/introspect",
            "introspection_endpoint_auth_methods_supported":
                ["client_secret_basic", "client_secret_post"]
        })
    );
    // The device grant brings its endpoint (RFC 8628 §4).
    let h = Harness::with(config().grants([GrantType::ClientCredentials, GrantType::DeviceCode]));
    let doc = metadata(&h, WELL_KNOWN);
    assert_eq!(
        doc["grant_types_supported"],
        json!(["client_credentials", "urn:ietf:params:oauth:grant-type:device_code"])
    );
    assert_eq!(
        doc["device_authorization_endpoint"],
        "https://server.example.com/device_authorization"
    );
    // The password grant is served when enabled.
    let h = Harness::with(config().grants([GrantType::ClientCredentials, GrantType::Password]));
    assert_eq!(
        metadata(&h, WELL_KNOWN)["grant_types_supported"],
        json!(["client_credentials", "password"])
    );
}

#[test]
fn custom_paths_are_advertised_and_served() {
    let endpoints = Endpoints {
        token: "/oauth/token".into(),
        authorization: "/oauth/authorize".into(),
        par: Some("/oauth/par".into()),
        revocation: "/oauth/revoke".into(),
        introspection: "/oauth/introspect".into(),
        ..Endpoints::default()
    };
    let h = Harness::with(config().endpoints(endpoints));
    let doc = metadata(&h, WELL_KNOWN);
    assert_eq!(doc["token_endpoint"], "https://server.example.com/oauth/token");
    assert_eq!(doc["authorization_endpoint"], "https://server.example.com/oauth/authorize");
    assert_eq!(
        doc["pushed_authorization_request_endpoint"],
        "https://server.example.com/oauth/par"
    );
    h.interaction(Req::new(
        "GET",
        &format!("/oauth/authorize?client_id=public-app&response_type=code&{PKCE}"),
        "",
    ));
    let response = h.send(
        Req::new("POST", "/oauth/par", &format!("client_id=public-app&response_type=code&{PKCE}"))
            .header("content-type", "application/x-www-form-urlencoded"),
    );
    assert_eq!(response.status(), 201);
    assert_eq!(doc["revocation_endpoint"], "https://server.example.com/oauth/revoke");
    assert_eq!(doc["introspection_endpoint"], "https://server.example.com/oauth/introspect");
    let response = h.send(
        Req::new("POST", "/oauth/revoke", "token=unknown")
            .header("content-type", "application/x-www-form-urlencoded")
            .basic(CLIENT_ID, CLIENT_SECRET),
    );
    assert_eq!(response.status(), 200);
    assert_eq!(h.send(Req::new("POST", "/revoke", "token=unknown")).status(), 404);
    let response = h.send(
        Req::new("POST", "/oauth/introspect", "token=unknown")
            .header("content-type", "application/x-www-form-urlencoded")
            .basic(CLIENT_ID, CLIENT_SECRET),
    );
    assert_eq!(response.body().as_slice(), br#"{"active":false}"#);
}

#[test]
fn registration_endpoint_is_listed_when_registration_is_open() {
    assert!(metadata(&Harness::new(), WELL_KNOWN).get("registration_endpoint").is_none());
    let h = Harness::with(config().registration(qscope::RegistrationPolicy::Open));
    assert_eq!(
        metadata(&h, WELL_KNOWN)["registration_endpoint"],
        "https://server.example.com/register"
    );
}
