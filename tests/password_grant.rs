//! The resource owner password credentials grant (RFC 6749 §4.3): off by
//! default, per client when on, the user check asked of the host only after
//! the client authenticated, never a password in an answer or event.

mod support;

use qscope::store::{AuditAction, ClientAuthMethod, GrantType, Query, Store, TokenHash};
use qscope::{ErrorCode, Step};
use support::*;

fn enabled() -> Harness {
    let h = Harness::with(config().grants([GrantType::Password, GrantType::RefreshToken]));
    h.store.insert_client(
        confidential("legacy", "legacy-secret", ClientAuthMethod::ClientSecretBasic)
            .with_grants([GrantType::Password, GrantType::RefreshToken]),
    );
    h.store.insert_user("johndoe", "A3ddj3w", "user-42");
    h
}

const BODY: &str = "grant_type=password&username=johndoe&password=A3ddj3w";

#[test]
fn disabled_by_default() {
    let h = Harness::new();
    h.store.insert_user("johndoe", "A3ddj3w", "user-42");
    assert_error(
        &h.send(token_request(BODY).basic(CLIENT_ID, CLIENT_SECRET)),
        400,
        "unsupported_grant_type",
    );
}

#[test]
fn issues_tokens_for_the_hosts_subject() {
    let h = enabled();
    let response =
        h.send(token_request(&format!("{BODY}&scope=read")).basic("legacy", "legacy-secret"));
    assert_eq!(response.status(), 200);
    let body = json(&response);
    assert_eq!(body["scope"], "read");
    assert!(body["refresh_token"].is_string());
    let access = h.store.token(&TokenHash::of(body["access_token"].as_str().unwrap())).unwrap();
    assert_eq!(access.subject.as_deref(), Some("user-42"));
    let event = h.store.audit_events().pop().unwrap();
    assert_eq!(
        (event.action, event.grant_type),
        (AuditAction::TokenIssued, Some(GrantType::Password))
    );
}

#[test]
fn wrong_password_is_invalid_grant_and_never_logged() {
    let h = enabled();
    let response = h.send(
        token_request("grant_type=password&username=johndoe&password=guess-123")
            .basic("legacy", "legacy-secret"),
    );
    let body = assert_error(&response, 400, "invalid_grant");
    assert_eq!(body["error_description"], "username or password is invalid");
    let trail = format!(
        "{:?}{}",
        h.store.audit_events(),
        serde_json::to_string(&h.store.audit_events()).unwrap()
    );
    assert!(!trail.contains("guess-123"));
    assert_eq!(h.store.audit_events().last().unwrap().error, Some(ErrorCode::InvalidGrant));
}

#[test]
fn client_without_the_grant_is_unauthorized() {
    let h = enabled();
    assert_error(
        &h.send(token_request(BODY).basic(CLIENT_ID, CLIENT_SECRET)),
        400,
        "unauthorized_client",
    );
}

#[test]
fn missing_credentials_name_the_parameter() {
    let h = enabled();
    let body = assert_error(
        &h.send(token_request("grant_type=password&password=x").basic("legacy", "legacy-secret")),
        400,
        "invalid_request",
    );
    assert_eq!(body["error_description"], "username is required");
    let body = assert_error(
        &h.send(token_request("grant_type=password&username=x").basic("legacy", "legacy-secret")),
        400,
        "invalid_request",
    );
    assert_eq!(body["error_description"], "password is required");
}

#[test]
fn user_check_waits_for_client_authentication() {
    let h = enabled();
    // A failed client authentication ends the exchange after the client read.
    let Step::Read(read) = h
        .server
        .begin(&http::Request::from(token_request(BODY).basic("legacy", "wrong")), h.context())
    else {
        panic!()
    };
    assert_eq!(read.queries(), &[Query::Client { client_id: "legacy".into() }]);
    let answers = h.store.read(read.queries()).unwrap();
    assert!(
        matches!(read.resume(answers).unwrap(), Step::Respond(_)),
        "no user check for an unauthenticated client"
    );
    // An authenticated one is asked about the user next, and the password
    // never shows in the step's Debug output.
    let Step::Read(read) = h.server.begin(
        &http::Request::from(token_request(BODY).basic("legacy", "legacy-secret")),
        h.context(),
    ) else {
        panic!()
    };
    let answers = h.store.read(read.queries()).unwrap();
    let Step::Read(user) = read.resume(answers).unwrap() else { panic!("expected the user check") };
    assert!(
        matches!(&user.queries()[0], Query::User { username, password } if username == "johndoe" && password.expose() == "A3ddj3w")
    );
    assert!(!format!("{user:?}").contains("A3ddj3w"));
}
