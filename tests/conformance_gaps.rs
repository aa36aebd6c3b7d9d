//! RFC requirements that the conformance map (`rfc-vectors/CONFORMANCE.md`)
//! needed a test for and that no other test file asserted. Each test names
//! the RFC section it pins.

mod support;

use qscope::device::{DeviceDecision, DeviceReply, UserCode};
use qscope::store::{
    ClientAuthMethod, ClientRecord, GrantType, Query, Record, Store, TokenHash, TokenKind,
};
use qscope::{Decision, Reply, Scopes, Seconds};
use serde_json::Value;
use support::*;

const CODE_REDIRECT: &str = "redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb";
const DEVICE_GRANT: &str = "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code";

/// Whether `text` keeps to the characters RFC 6749 §4.1.2.1 and §5.2 allow
/// in `error_description`: %x20-21 / %x23-5B / %x5D-7E.
fn allowed_description(text: &str) -> bool {
    text.chars()
        .all(|c| matches!(c, '\u{20}'..='\u{21}' | '\u{23}'..='\u{5b}' | '\u{5d}'..='\u{7e}'))
}

/// The names of the response's CORS headers.
fn cors_headers(response: &http::Response<Vec<u8>>) -> Vec<String> {
    response
        .headers()
        .keys()
        .map(|name| name.as_str().to_owned())
        .filter(|name| name.starts_with("access-control-"))
        .collect()
}

/// RFC 6749 §2.2, §3.2.1 (and RFC 9700 §2.5): a confidential client that
/// sends only its `client_id` is not authenticated, at any grant.
#[test]
fn rfc6749_3_2_1_client_id_alone_does_not_authenticate_a_confidential_client() {
    let h = Harness::new();
    let code = h.code("code-id-only", CLIENT_ID);
    h.insert_token("refresh-id-only", TokenKind::Refresh, CLIENT_ID, 1);
    for body in [
        format!(
            "grant_type=authorization_code&code={code}&{CODE_REDIRECT}&code_verifier={VERIFIER}\
             &client_id={CLIENT_ID}"
        ),
        format!("grant_type=client_credentials&client_id={CLIENT_ID}"),
        format!("grant_type=refresh_token&refresh_token=refresh-id-only&client_id={CLIENT_ID}"),
    ] {
        let response = h.send(token_request(&body));
        let json = assert_error(&response, 401, "invalid_client");
        assert_eq!(json["error_description"], "client authentication failed");
        assert!(h.committed.borrow().is_empty(), "nothing is issued");
    }
    assert_eq!(h.store.code(&TokenHash::of(&code)).unwrap().consumed_at, None);
    let refresh = h.token("refresh-id-only");
    assert_eq!((refresh.rotated_at, refresh.revoked_at), (None, None));
    assert_eq!(h.store.tokens().len(), 1, "only the stored refresh token");
}

/// RFC 6749 §2.3.1: client credentials "MUST NOT be included in the request
/// URI". Every client-authenticated endpoint reads its form body only.
#[test]
fn rfc6749_2_3_1_credentials_in_the_request_uri_are_not_read() {
    let h = Harness::new();
    h.store.insert_client(confidential(
        "poster",
        "post-secret",
        ClientAuthMethod::ClientSecretPost,
    ));
    let credentials = "client_id=poster&client_secret=post-secret";
    for (path, body) in [
        ("/token", "grant_type=client_credentials"),
        ("/revoke", "token=some-token"),
        ("/introspect", "token=some-token"),
        ("/par", "response_type=code"),
    ] {
        let response = h.send(form_post(&format!("{path}?{credentials}"), body));
        let json = assert_error(&response, 401, "invalid_client");
        assert_eq!(json["error_description"], "client authentication is required", "{path}");
    }
    // Nor are the grant's own parameters taken from the query.
    let response = h.send(form_post("/token?grant_type=client_credentials", credentials));
    let json = assert_error(&response, 400, "invalid_request");
    assert_eq!(json["error_description"], "grant_type is required");
    assert!(h.store.tokens().is_empty());
}

/// RFC 6749 §3.2.1, §4.1.3: a public client redeeming a code must send its
/// `client_id`; without it nothing identifies the client.
#[test]
fn rfc6749_4_1_3_public_client_must_send_its_client_id() {
    let h = Harness::new();
    let code = h.code("code-public", "public-app");
    let body = format!(
        "grant_type=authorization_code&code={code}&{CODE_REDIRECT}&code_verifier={VERIFIER}"
    );
    let refused = assert_error(&h.send(token_request(&body)), 401, "invalid_client");
    assert_eq!(refused["error_description"], "client authentication is required");
    assert_eq!(h.store.code(&TokenHash::of(&code)).unwrap().consumed_at, None);
    let response = h.send(token_request(&format!("{body}&client_id=public-app")));
    assert_eq!(response.status(), 200, "{}", json(&response));
}

/// RFC 6749 §3.1, §3.2 and RFC 8628 §3.1: "Parameters sent without a value
/// MUST be treated as if they were omitted from the request."
#[test]
fn rfc6749_3_1_and_3_2_valueless_parameters_count_as_omitted() {
    // Authorization endpoint: no redirect_uri, no scope, no state.
    let h = Harness::new();
    let interaction = h.interaction(authorize(&format!(
        "client_id=public-app&response_type=code&redirect_uri=&scope=&state=&{PKCE}"
    )));
    assert_eq!(interaction.redirect_uri, APP_REDIRECT);
    assert_eq!(interaction.requested_scopes(), Scopes::from_names(["read"]), "the default");
    let pending = h.store.pending(&TokenHash::of(interaction.handle.expose())).unwrap();
    assert_eq!((pending.redirect_uri, pending.state), (None, None));
    let location = decision_location(&h.decide(Decision::approve(
        interaction.handle,
        "alice",
        Scopes::from_names(["read"]),
    )));
    assert_eq!(query_param(&location, "state"), None, "no empty state is echoed");

    // Token endpoint: an empty scope is the default scope.
    let response = h.send(
        token_request("grant_type=client_credentials&scope=").basic(CLIENT_ID, CLIENT_SECRET),
    );
    assert_eq!(json(&response)["scope"], "read");
    // An empty grant_type is a missing one.
    let json_body = assert_error(
        &h.send(token_request("grant_type=&scope=read").basic(CLIENT_ID, CLIENT_SECRET)),
        400,
        "invalid_request",
    );
    assert_eq!(json_body["error_description"], "grant_type is required");

    // Device authorization endpoint: an empty scope is the default scope.
    let h = device_harness();
    let response = h.send(device_request("client_id=tv-app&scope="));
    assert_eq!(response.status(), 200, "{}", json(&response));
    let device_code = json(&response)["device_code"].as_str().unwrap().to_owned();
    let answers = h.store.read(&[Query::DeviceCode { hash: TokenHash::of(&device_code) }]).unwrap();
    let Some(Record::Device(grant)) = answers.as_slice()[0].record.clone() else {
        panic!("the grant is stored")
    };
    assert_eq!(grant.scopes, Scopes::from_names(["read"]));
}

fn device_harness() -> Harness {
    let h = Harness::with(config().grants([GrantType::DeviceCode, GrantType::RefreshToken]));
    h.store.insert_client(
        ClientRecord::public("tv-app")
            .with_grants([GrantType::DeviceCode])
            .with_scopes(Scopes::from_names(["read", "write"])),
    );
    h.store.insert_client(
        confidential("tv-box", "box-secret", ClientAuthMethod::ClientSecretBasic)
            .with_grants([GrantType::DeviceCode]),
    );
    h
}

fn device_request(body: &str) -> Req {
    form_post("/device_authorization", body)
}

/// RFC 8628 §3.1: parameters must not repeat, unknown ones are ignored, and
/// a confidential client authenticates as at the token endpoint.
#[test]
fn rfc8628_3_1_device_authorization_request_rules() {
    let h = device_harness();
    let json_body = assert_error(
        &h.send(device_request("client_id=tv-app&scope=read&scope=write")),
        400,
        "invalid_request",
    );
    assert_eq!(json_body["error_description"], "parameter scope is repeated");
    assert!(h.committed.borrow().is_empty());
    assert_eq!(h.send(device_request("client_id=tv-app&x-vendor-hint=1")).status(), 200);

    let json_body =
        assert_error(&h.send(device_request("client_id=tv-box")), 401, "invalid_client");
    assert_eq!(json_body["error_description"], "client authentication failed");
    assert!(h.committed.borrow().is_empty());
    let response = h.send(device_request("").basic("tv-box", "wrong"));
    assert_error(&response, 401, "invalid_client");
    assert!(response.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic "));
    assert_eq!(h.send(device_request("scope=read").basic("tv-box", "box-secret")).status(), 200);
}

/// RFC 8628 §3.4: a client with credentials authenticates when it polls.
#[test]
fn rfc8628_3_4_a_confidential_client_authenticates_when_polling() {
    let h = device_harness();
    let started = json(&h.send(device_request("scope=read").basic("tv-box", "box-secret")));
    let device_code = started["device_code"].as_str().unwrap().to_owned();
    let user_code = UserCode::parse(started["user_code"].as_str().unwrap()).unwrap();
    let decision = DeviceDecision::Approve {
        user_code,
        subject: "alice".into(),
        scopes: Scopes::from_names(["read"]),
    };
    let Reply::Device(DeviceReply::Approved) = h.ask(decision) else { panic!("approved") };
    let poll = format!("grant_type={DEVICE_GRANT}&device_code={device_code}");
    let json_body = assert_error(
        &h.send(token_request(&format!("{poll}&client_id=tv-box"))),
        401,
        "invalid_client",
    );
    assert_eq!(json_body["error_description"], "client authentication failed");
    assert!(h.committed.borrow().is_empty(), "the approved grant is not consumed");
    let response = h.send(token_request(&poll).basic("tv-box", "box-secret"));
    assert_eq!(response.status(), 200, "{}", json(&response));
}

/// RFC 7662 §2.1: a server that does not find the token under the hint
/// "MUST extend its search across all of its supported token types".
#[test]
fn rfc7662_2_1_the_hint_never_hides_a_token() {
    let h = Harness::new();
    h.insert_token("an-access-token", TokenKind::Access, CLIENT_ID, 1);
    h.insert_token("a-refresh-token", TokenKind::Refresh, CLIENT_ID, 2);
    for (token, hint, token_use) in [
        ("an-access-token", "&token_type_hint=refresh_token", "access_token"),
        ("a-refresh-token", "&token_type_hint=access_token", "refresh_token"),
        ("an-access-token", "&token_type_hint=id_token", "access_token"),
        ("a-refresh-token", "", "refresh_token"),
    ] {
        let response = h.send(
            introspect_request(&format!("token={token}{hint}")).basic(CLIENT_ID, CLIENT_SECRET),
        );
        let body = json(&response);
        assert_eq!(response.status(), 200);
        assert_eq!(body["active"], true, "{token}{hint}: {body}");
        assert_eq!(body["token_use"], token_use);
    }
}

/// RFC 6749 §5.2 and §4.1.2.1: `error_description` "MUST NOT include
/// characters outside the set %x20-21 / %x23-5B / %x5D-7E", even when it
/// names a parameter the client made up.
#[test]
fn rfc6749_5_2_error_descriptions_keep_to_the_allowed_characters() {
    let h = Harness::new();
    let odd = "%22a%5Cb%C3%A9%7F";
    let answers = [
        h.send(
            token_request(&format!("grant_type=client_credentials&{odd}=1&{odd}=2"))
                .basic(CLIENT_ID, CLIENT_SECRET),
        ),
        h.send(revoke_request(&format!("token=t&{odd}=1&{odd}=2")).basic(CLIENT_ID, CLIENT_SECRET)),
        h.send(par_request(&format!("client_id=public-app&{odd}=1&{odd}=2"))),
    ];
    for response in &answers {
        let body = assert_error(response, 400, "invalid_request");
        let description = body["error_description"].as_str().unwrap();
        assert!(allowed_description(description), "{description:?}");
        assert_eq!(description, "parameter ab is repeated");
    }
    // The same repeat at the authorization endpoint is redirected.
    let response = h.send(authorize(&format!(
        "client_id=public-app&response_type=code&state=s&{PKCE}&{odd}=1&{odd}=2"
    )));
    let description = query_param(&location(&response), "error_description").unwrap();
    assert_eq!(description, "parameter ab is repeated");
}

/// RFC 9700 §2.6: "Authorization servers MUST NOT support CORS at the
/// authorization endpoint": no answer of it carries a CORS header, whatever
/// the request's `Origin`.
#[test]
fn rfc9700_2_6_the_authorization_endpoint_answers_no_cors() {
    let h = Harness::new();
    let from_elsewhere = |req: Req| {
        req.header("origin", "https://attacker.example")
            .header("access-control-request-method", "GET")
    };
    let base = format!("client_id=public-app&response_type=code&state=s&{PKCE}");
    let answers = [
        // An error redirect, a direct error, a preflight, a POST.
        h.send(from_elsewhere(authorize(&format!("{base}&scope=admin")))),
        h.send(from_elsewhere(authorize("client_id=nobody&response_type=code"))),
        h.send(from_elsewhere(Req::new("OPTIONS", "/authorize", ""))),
        h.send(from_elsewhere(
            Req::new("POST", "/authorize", "client_id=nobody")
                .header("content-type", "application/x-www-form-urlencoded"),
        )),
    ];
    assert_eq!(answers[0].status(), 302);
    assert_eq!(answers[1].status(), 400);
    assert_eq!(answers[2].status(), 405);
    for response in &answers {
        assert_eq!(cors_headers(response), Vec::<String>::new());
    }
    // Nor does the redirect that ends a successful request.
    let interaction = h.interaction(from_elsewhere(authorize(&base)));
    let response =
        h.decide(Decision::approve(interaction.handle, "alice", Scopes::from_names(["read"])));
    assert_eq!(response.status(), 303);
    assert_eq!(cors_headers(&response), Vec::<String>::new());
}

/// RFC 9700 §2.2.2, §4.14.2: a public client's refresh tokens are rotated
/// on every use, and presenting a rotated one revokes the whole grant.
#[test]
fn rfc9700_4_14_2_public_client_refresh_tokens_rotate() {
    let h = Harness::new();
    let code = h.code("code-public-refresh", "public-app");
    let first = json(&h.send(token_request(&format!(
        "grant_type=authorization_code&code={code}&{CODE_REDIRECT}&code_verifier={VERIFIER}\
         &client_id=public-app"
    ))));
    let refresh = |token: &str| {
        h.send(token_request(&format!(
            "grant_type=refresh_token&refresh_token={token}&client_id=public-app"
        )))
    };
    let r0 = first["refresh_token"].as_str().unwrap().to_owned();
    let second = json(&refresh(&r0));
    let r1 = second["refresh_token"].as_str().expect("a new refresh token").to_owned();
    assert_ne!(r0, r1);
    assert!(h.store.token(&TokenHash::of(&r0)).unwrap().rotated_at.is_some());
    let body = assert_error(&refresh(&r0), 400, "invalid_grant");
    assert_eq!(body["error_description"], "refresh token was already used");
    for token in [&r1, second["access_token"].as_str().unwrap()] {
        assert!(h.store.token(&TokenHash::of(token)).unwrap().revoked_at.is_some());
    }
    assert_error(&refresh(&r1), 400, "invalid_grant");
}

/// RFC 9700 §4.14.2: refresh tokens "SHOULD expire if the client has been
/// inactive for some time": every rotation starts a new lifetime, so a
/// token unused for a whole lifetime is refused.
#[test]
fn rfc9700_4_14_2_idle_refresh_tokens_expire() {
    let h = Harness::new();
    let (_, r0) = h.redeem_code("code-idle");
    h.advance(Seconds::days(20).get());
    let (_, r1) = h.refresh(&r0);
    let successor = h.store.token(&TokenHash::of(&r1)).unwrap();
    assert_eq!(successor.expires_at, h.now().after(Seconds::days(30)));
    h.advance(Seconds::days(30).get());
    let response = h.send(
        token_request(&format!("grant_type=refresh_token&refresh_token={r1}"))
            .basic(CLIENT_ID, CLIENT_SECRET),
    );
    let body = assert_error(&response, 400, "invalid_grant");
    assert_eq!(body["error_description"], "refresh token expired");
}

/// RFC 6749 §3.3, §5.1: when the granted scope differs from the requested
/// one, the token response says which scope was granted.
#[test]
fn rfc6749_5_1_a_narrower_grant_is_named_in_the_token_response() {
    let h = Harness::new();
    let interaction = h.interaction(authorize(&format!(
        "client_id=public-app&response_type=code&scope=read+write&{PKCE}"
    )));
    let location = decision_location(&h.decide(Decision::approve(
        interaction.handle,
        "alice",
        Scopes::from_names(["read"]),
    )));
    let code = query_param(&location, "code").unwrap();
    let response = h.send(token_request(&format!(
        "grant_type=authorization_code&code={code}&code_verifier={VERIFIER}&client_id=public-app"
    )));
    let body: Value = json(&response);
    assert_eq!(response.status(), 200, "{body}");
    assert_eq!(body["scope"], "read");
}

/// RFC 9700 §4.14.2: the server decides per client whether to issue refresh
/// tokens: only a client registered for the `refresh_token` grant (on a
/// server that enables it) receives one, and client credentials get none
/// unless configured.
#[test]
fn rfc9700_4_14_2_refresh_tokens_only_for_clients_allowed_them() {
    let h = Harness::new();
    h.store.insert_client(
        confidential("no-refresh", "s", ClientAuthMethod::ClientSecretBasic)
            .with_grants([GrantType::AuthorizationCode, GrantType::ClientCredentials]),
    );
    let code = h.code("code-no-refresh", "no-refresh");
    let response = h.send(
        token_request(&format!(
            "grant_type=authorization_code&code={code}&{CODE_REDIRECT}&code_verifier={VERIFIER}"
        ))
        .basic("no-refresh", "s"),
    );
    let body = json(&response);
    assert_eq!(response.status(), 200, "{body}");
    assert!(body.get("refresh_token").is_none(), "{body}");
    let body =
        json(&h.send(token_request("grant_type=client_credentials").basic("no-refresh", "s")));
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert!(h.store.tokens().iter().all(|t| t.kind == TokenKind::Access));
    // A server without the refresh grant issues none, whatever the client.
    let h = Harness::with(config().grants([GrantType::AuthorizationCode]));
    let code = h.code("code-server-off", CLIENT_ID);
    let response = h.send(
        token_request(&format!(
            "grant_type=authorization_code&code={code}&{CODE_REDIRECT}&code_verifier={VERIFIER}"
        ))
        .basic(CLIENT_ID, CLIENT_SECRET),
    );
    let body = json(&response);
    assert_eq!(response.status(), 200, "{body}");
    assert!(body.get("refresh_token").is_none(), "{body}");
}
