//! The token endpoint's request handling and client authentication
//! (RFC 6749 §2.3, §3.2, §5.2; OAuth 2.1 §2.4, §3.2).

mod support;

use qscope::store::{AuditAction, ClientAuthMethod, ClientRecord, Effect, GrantType};
use qscope::{ErrorCode, Scopes};
use support::*;

const CC: &str = "grant_type=client_credentials";

fn refused_event(h: &Harness) -> qscope::store::AuditEvent {
    match h.best_effort.borrow().as_slice() {
        [Effect::AppendAudit(event)] => event.clone(),
        other => panic!("expected one best-effort audit event, got {other:?}"),
    }
}

#[test]
fn wrong_method_is_405_with_allow() {
    let h = Harness::new();
    let response = h.send(Req::new("GET", "/token?grant_type=client_credentials", ""));
    let body = assert_error(&response, 405, "invalid_request");
    assert_eq!(response.headers()["allow"], "POST");
    assert_eq!(body["error_description"], "method not allowed; use POST");
    assert!(h.committed.borrow().is_empty());
}

#[test]
fn content_type_must_be_form_urlencoded() {
    let h = Harness::new();
    for content_type in [Some("application/json"), Some("text/plain"), None] {
        let mut req = Req::new("POST", "/token", CC).basic(CLIENT_ID, CLIENT_SECRET);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let body = assert_error(&h.send(req), 400, "invalid_request");
        assert_eq!(
            body["error_description"],
            "Content-Type must be application/x-www-form-urlencoded"
        );
    }
    // Parameters and case are tolerated.
    let req = Req::new("POST", "/token", CC)
        .header("content-type", "Application/X-WWW-Form-Urlencoded; charset=UTF-8")
        .basic(CLIENT_ID, CLIENT_SECRET);
    assert_eq!(h.send(req).status(), 200);
}

#[test]
fn oversize_body_is_413() {
    let h = Harness::with(config().max_body_bytes(1024));
    let body = format!("{CC}&padding={}", "x".repeat(1024));
    let response = h.send(token_request(&body).basic(CLIENT_ID, CLIENT_SECRET));
    let json = assert_error(&response, 413, "invalid_request");
    assert_eq!(json["error_description"], "request body exceeds 1024 bytes");
}

#[test]
fn repeated_parameter_is_named() {
    let h = Harness::new();
    let response = h.send(
        token_request("grant_type=client_credentials&scope=read&scope=write")
            .basic(CLIENT_ID, CLIENT_SECRET),
    );
    let body = assert_error(&response, 400, "invalid_request");
    assert_eq!(body["error_description"], "parameter scope is repeated");
}

#[test]
fn malformed_encoding_is_invalid_request() {
    let h = Harness::new();
    let response = h.send(
        token_request("grant_type=client_credentials&scope=%zz").basic(CLIENT_ID, CLIENT_SECRET),
    );
    let body = assert_error(&response, 400, "invalid_request");
    assert_eq!(body["error_description"], "request parameters are not valid form-urlencoded UTF-8");
}

#[test]
fn missing_and_unsupported_grant_types() {
    let h = Harness::new();
    let body = assert_error(
        &h.send(token_request("scope=read").basic(CLIENT_ID, CLIENT_SECRET)),
        400,
        "invalid_request",
    );
    assert_eq!(body["error_description"], "grant_type is required");
    for grant in ["implicit", "password", "urn:ietf:params:oauth:grant-type:device_code", "token"] {
        let response =
            h.send(token_request(&format!("grant_type={grant}")).basic(CLIENT_ID, CLIENT_SECRET));
        assert_error(&response, 400, "unsupported_grant_type");
    }
}

#[test]
fn disabled_grant_is_unsupported() {
    let h = Harness::with(config().grants([GrantType::AuthorizationCode]));
    assert_error(
        &h.send(token_request(CC).basic(CLIENT_ID, CLIENT_SECRET)),
        400,
        "unsupported_grant_type",
    );
}

#[test]
fn unknown_parameters_are_ignored() {
    let h = Harness::new();
    let response = h.send(
        token_request("grant_type=client_credentials&example_parameter=x&foo=")
            .basic(CLIENT_ID, CLIENT_SECRET),
    );
    assert_eq!(response.status(), 200);
}

#[test]
fn missing_credentials_are_401_with_basic_challenge() {
    let h = Harness::new();
    let response = h.send(token_request(CC));
    let body = assert_error(&response, 401, "invalid_client");
    assert_eq!(body["error_description"], "client authentication is required");
    assert!(response.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic "));
}

#[test]
fn wrong_basic_secret_is_401_with_challenge() {
    let h = Harness::new();
    let response = h.send(token_request(CC).basic(CLIENT_ID, "wrong"));
    let body = assert_error(&response, 401, "invalid_client");
    assert_eq!(body["error_description"], "client authentication failed");
    assert!(response.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic "));
    let event = refused_event(&h);
    assert_eq!(event.action, AuditAction::TokenRefused);
    assert_eq!(event.error, Some(ErrorCode::InvalidClient));
    assert_eq!(event.client_id.as_deref(), Some(CLIENT_ID));
}

#[test]
fn unknown_client_reads_like_a_wrong_secret() {
    let h = Harness::new();
    let body = assert_error(&h.send(token_request(CC).basic("nobody", "x")), 401, "invalid_client");
    assert_eq!(body["error_description"], "client authentication failed");
}

#[test]
fn client_secret_post_works_and_fails_without_challenge() {
    let h = Harness::new();
    h.store.insert_client(confidential(
        "poster",
        "post-secret",
        ClientAuthMethod::ClientSecretPost,
    ));
    let ok = h.send(token_request(&format!("{CC}&client_id=poster&client_secret=post-secret")));
    assert_eq!(ok.status(), 200);
    let bad = h.send(token_request(&format!("{CC}&client_id=poster&client_secret=nope")));
    assert_error(&bad, 401, "invalid_client");
    assert!(bad.headers().get("www-authenticate").is_none());
}

#[test]
fn registered_method_is_enforced() {
    let h = Harness::new();
    // The RFC client is registered for client_secret_basic.
    let body = assert_error(
        &h.send(token_request(&format!(
            "{CC}&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}"
        ))),
        401,
        "invalid_client",
    );
    assert_eq!(body["error_description"], "client authentication failed");
    h.store.insert_client(confidential(
        "poster",
        "post-secret",
        ClientAuthMethod::ClientSecretPost,
    ));
    let body = assert_error(
        &h.send(token_request(CC).basic("poster", "post-secret")),
        401,
        "invalid_client",
    );
    assert_eq!(body["error_description"], "client authentication failed");
}

#[test]
fn two_methods_in_one_request_are_invalid_request() {
    let h = Harness::new();
    let body = assert_error(
        &h.send(
            token_request(&format!("{CC}&client_secret={CLIENT_SECRET}"))
                .basic(CLIENT_ID, CLIENT_SECRET),
        ),
        400,
        "invalid_request",
    );
    assert_eq!(body["error_description"], "client authenticated with more than one method");
    let body = assert_error(
        &h.send(token_request(&format!("{CC}&client_id=other")).basic(CLIENT_ID, CLIENT_SECRET)),
        400,
        "invalid_request",
    );
    assert_eq!(body["error_description"], "client_id does not match the Authorization header");
    // The same client_id in the body alongside Basic is tolerated.
    let ok = h.send(
        token_request(&format!("{CC}&client_id={CLIENT_ID}")).basic(CLIENT_ID, CLIENT_SECRET),
    );
    assert_eq!(ok.status(), 200);
}

#[test]
fn repeated_authorization_header_is_invalid_request() {
    let h = Harness::new();
    let req = token_request(CC).basic(CLIENT_ID, CLIENT_SECRET).basic(CLIENT_ID, CLIENT_SECRET);
    assert_error(&h.send(req), 400, "invalid_request");
}

#[test]
fn malformed_basic_is_invalid_client_with_challenge() {
    let h = Harness::new();
    for header in ["Basic !!!", "Bearer abc", "Basic", "Basic OnNlY3JldA=="] {
        let response = h.send(token_request(CC).header("authorization", header));
        let body = assert_error(&response, 401, "invalid_client");
        assert_eq!(
            body["error_description"],
            "Authorization header is not valid HTTP Basic credentials"
        );
        assert!(response.headers().contains_key("www-authenticate"));
    }
}

#[test]
fn basic_credentials_are_form_urlencoded_rfc6749_2_3_1() {
    let h = Harness::new();
    h.store.insert_client(confidential("a b:c", "x y%z", ClientAuthMethod::ClientSecretBasic));
    // id "a b:c" → "a+b%3Ac", secret "x y%z" → "x+y%25z".
    let response = h.send(token_request(CC).basic("a+b%3Ac", "x+y%25z"));
    assert_eq!(response.status(), 200, "{:?}", json(&response));
}

#[test]
fn public_client_presenting_a_secret_fails() {
    let h = Harness::new();
    let body = assert_error(
        &h.send(token_request(
            "grant_type=client_credentials&client_id=public-app&client_secret=x",
        )),
        401,
        "invalid_client",
    );
    assert_eq!(body["error_description"], "client authentication failed");
}

#[test]
fn client_without_the_grant_is_unauthorized_client() {
    let h = Harness::new();
    h.store.insert_client(
        confidential("codes-only", "s", ClientAuthMethod::ClientSecretBasic)
            .with_grants([GrantType::AuthorizationCode]),
    );
    let body = assert_error(
        &h.send(token_request(CC).basic("codes-only", "s")),
        400,
        "unauthorized_client",
    );
    assert_eq!(body["error_description"], "client is not allowed the client_credentials grant");
}

#[test]
fn public_clients_cannot_use_client_credentials() {
    let h = Harness::new();
    h.store.insert_client(
        ClientRecord::public("pub-cc")
            .with_grants([GrantType::ClientCredentials])
            .with_scopes(Scopes::from_names(["read"])),
    );
    let body = assert_error(
        &h.send(token_request("grant_type=client_credentials&client_id=pub-cc")),
        400,
        "unauthorized_client",
    );
    assert_eq!(body["error_description"], "public clients cannot use the client_credentials grant");
}

#[test]
fn unknown_path_is_404() {
    let h = Harness::new();
    assert_eq!(h.send(Req::new("POST", "/nope", "")).status(), 404);
}

/// What a failed client authentication looks like from outside: status,
/// headers and body.
fn failure_as_seen(response: &http::Response<Vec<u8>>) -> (u16, Vec<(String, String)>, String) {
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    headers.sort();
    (response.status().as_u16(), headers, String::from_utf8_lossy(response.body()).into_owned())
}

/// RFC 6749 §5.2 `invalid_client` without an oracle: at every endpoint that
/// authenticates clients, a wrong secret, a missing secret, an unknown
/// client, the wrong method and a public client where a confidential one
/// is needed all get one answer per way of presenting credentials, so the
/// answer never tells whether a client exists or how it authenticates. The
/// audit event alone records why.
#[test]
fn rfc6749_5_2_failed_client_authentication_never_says_why() {
    use qscope::store::AuditReason::{PublicClient, UnknownClient, WrongAuthMethod, WrongSecret};
    let h = Harness::with(config().grants([
        GrantType::AuthorizationCode,
        GrantType::ClientCredentials,
        GrantType::RefreshToken,
        GrantType::DeviceCode,
    ]));
    h.store.insert_client(
        confidential("poster", "post-secret", ClientAuthMethod::ClientSecretPost)
            .with_grants([GrantType::AuthorizationCode, GrantType::DeviceCode]),
    );
    let endpoints = [
        ("/token", CC.to_owned(), AuditAction::TokenRefused),
        (
            "/par",
            format!("response_type=code&redirect_uri={}&{PKCE}", enc(REDIRECT_URI)),
            AuditAction::ParRefused,
        ),
        ("/device_authorization", "scope=read".to_owned(), AuditAction::DeviceRefused),
        ("/introspect", "token=some-token".to_owned(), AuditAction::IntrospectionRefused),
        ("/revoke", "token=some-token".to_owned(), AuditAction::RevocationRefused),
    ];
    for (path, params, action) in endpoints {
        let basic = |id: &str, secret: &str| {
            form_post(path, &format!("client_id={id}&{params}")).basic(id, secret)
        };
        let post = |id: &str, secret: &str| {
            form_post(path, &format!("client_id={id}&client_secret={secret}&{params}"))
        };
        let id_only = |id: &str| form_post(path, &format!("client_id={id}&{params}"));
        // One list per way of presenting credentials: Basic, the secret in
        // the body, only the id.
        let mut shapes = vec![
            vec![
                (basic(CLIENT_ID, "wrong"), WrongSecret),
                (basic("nosuch", "x"), UnknownClient),
                (basic("poster", "post-secret"), WrongAuthMethod),
                (basic("public-app", "x"), WrongAuthMethod),
            ],
            vec![
                (post(CLIENT_ID, CLIENT_SECRET), WrongAuthMethod),
                (post("nosuch", "x"), UnknownClient),
                (post("poster", "wrong"), WrongSecret),
            ],
            vec![
                (id_only(CLIENT_ID), WrongAuthMethod),
                (id_only("nosuch"), UnknownClient),
                (id_only("poster"), WrongAuthMethod),
            ],
        ];
        if path == "/introspect" {
            // A public client cannot introspect; saying so would tell it exists.
            shapes[2].push((id_only("public-app"), PublicClient));
        }
        for requests in shapes {
            let mut seen = Vec::new();
            for (request, reason) in requests {
                let response = h.send(request);
                let body = assert_error(&response, 401, "invalid_client");
                assert_eq!(body["error_description"], "client authentication failed", "{path}");
                seen.push(failure_as_seen(&response));
                let event = refused_event(&h);
                assert_eq!(
                    (event.action, event.error, event.reason),
                    (action, Some(ErrorCode::InvalidClient), Some(reason)),
                    "{path}"
                );
            }
            assert!(seen.windows(2).all(|w| w[0] == w[1]), "{path}: answers differ: {seen:#?}");
        }
    }
    // The audit trail never carries the presented secrets.
    let trail = format!("{:?}", h.store.audit_events());
    assert!(!trail.contains("post-secret") && !trail.contains(CLIENT_SECRET));
}
