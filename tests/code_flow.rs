//! The whole authorization code flow through the real endpoints:
//! authorize → interaction → approve → token exchange with PKCE
//! (RFC 6749 §4.1, RFC 7636, RFC 9126, RFC 9207, OAuth 2.1 §4.1).

mod support;

use qscope::store::{ClientAuthMethod, TokenHash, TokenKind};
use qscope::{Decision, Interaction, Scopes};
use support::*;

fn approve(h: &Harness, interaction: Interaction, scopes: &[&str]) -> String {
    let response = h.decide(Decision::approve(
        interaction.handle,
        "alice",
        Scopes::from_names(scopes.iter().copied()),
    ));
    query_param(&decision_location(&response), "code").expect("a code")
}

#[test]
fn public_client_full_flow_with_pkce() {
    let h = Harness::new();
    let interaction = h.interaction(authorize(&format!(
        "response_type=code&client_id=public-app&state=xyz&scope=read+write\
         &redirect_uri={}&{PKCE}",
        enc(APP_REDIRECT)
    )));
    h.advance(30);
    let response = h.decide(Decision::approve(
        interaction.handle,
        "alice",
        Scopes::from_names(["read", "write"]),
    ));
    let location = decision_location(&response);
    let code = query_param(&location, "code").unwrap();
    assert_eq!(location, format!("{APP_REDIRECT}?code={code}&state=xyz&{ISS}"));
    let family = h.store.code(&TokenHash::of(&code)).unwrap().family;

    h.advance(5);
    let response = h.send(token_request(&format!(
        "grant_type=authorization_code&code={code}&redirect_uri={}&client_id=public-app\
         &code_verifier={VERIFIER}",
        enc(APP_REDIRECT)
    )));
    assert_eq!(response.status(), 200, "{:?}", json(&response));
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = json(&response);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "read write");
    let access = body["access_token"].as_str().unwrap();
    let refresh = body["refresh_token"].as_str().unwrap();
    let access = h.store.token(&TokenHash::of(access)).unwrap();
    let refresh = h.store.token(&TokenHash::of(refresh)).unwrap();
    assert_eq!((access.kind, refresh.kind), (TokenKind::Access, TokenKind::Refresh));
    for token in [&access, &refresh] {
        assert_eq!(token.subject.as_deref(), Some("alice"));
        assert_eq!(token.client_id, "public-app");
        assert_eq!(token.family, family, "tokens join the code's family");
    }
    assert!(h.store.code(&TokenHash::of(&code)).unwrap().consumed_at.is_some());

    // RFC 6749 §4.1.2: a replayed code is refused and revokes what it issued.
    let response = h.send(token_request(&format!(
        "grant_type=authorization_code&code={code}&redirect_uri={}&client_id=public-app\
         &code_verifier={VERIFIER}",
        enc(APP_REDIRECT)
    )));
    assert_error(&response, 400, "invalid_grant");
    assert!(h.store.token(&access.hash).unwrap().revoked_at.is_some());
    assert!(h.store.token(&refresh.hash).unwrap().revoked_at.is_some());
}

#[test]
fn the_code_is_bound_to_the_verifier_and_redirect_uri() {
    let h = Harness::new();
    let start = || {
        h.interaction(authorize(&format!(
            "response_type=code&client_id=public-app&redirect_uri={}&{PKCE}",
            enc(APP_REDIRECT)
        )))
    };
    let code = approve(&h, start(), &["read"]);
    let wrong_verifier = VERIFIER.replace('d', "e");
    let response = h.send(token_request(&format!(
        "grant_type=authorization_code&code={code}&redirect_uri={}&client_id=public-app\
         &code_verifier={wrong_verifier}",
        enc(APP_REDIRECT)
    )));
    let body = assert_error(&response, 400, "invalid_grant");
    assert_eq!(body["error_description"], "code_verifier does not match the code_challenge");
    let code = approve(&h, start(), &["read"]);
    let response = h.send(token_request(&format!(
        "grant_type=authorization_code&code={code}&client_id=public-app&code_verifier={VERIFIER}"
    )));
    let body = assert_error(&response, 400, "invalid_grant");
    assert_eq!(body["error_description"], "redirect_uri does not match the authorization request");
}

#[test]
fn confidential_client_full_flow_through_par() {
    let h = Harness::new();
    let response = h.send(
        par_request(&format!(
            "response_type=code&client_id={CLIENT_ID}&state=af0ifjsldkj&scope=write\
             &redirect_uri={}&{PKCE}",
            enc(REDIRECT_URI)
        ))
        .basic(CLIENT_ID, CLIENT_SECRET),
    );
    assert_eq!(response.status(), 201);
    let request_uri = json(&response)["request_uri"].as_str().unwrap().to_owned();
    let interaction = h.interaction(authorize(&format!(
        "client_id={CLIENT_ID}&request_uri={}",
        enc(&request_uri)
    )));
    assert!(interaction.pushed);
    let response =
        h.decide(Decision::approve(interaction.handle, "bob", Scopes::from_names(["write"])));
    let location = decision_location(&response);
    let code = query_param(&location, "code").unwrap();
    assert_eq!(location, format!("{REDIRECT_URI}?code={code}&state=af0ifjsldkj&{ISS}"));
    let response = h.send(
        token_request(&format!(
            "grant_type=authorization_code&code={code}&redirect_uri={}&code_verifier={VERIFIER}",
            enc(REDIRECT_URI)
        ))
        .basic(CLIENT_ID, CLIENT_SECRET),
    );
    assert_eq!(response.status(), 200, "{:?}", json(&response));
    assert_eq!(json(&response)["scope"], "write");
    let access = json(&response)["access_token"].as_str().unwrap().to_owned();
    assert_eq!(h.store.token(&TokenHash::of(&access)).unwrap().subject.as_deref(), Some("bob"));
}

#[test]
fn native_app_loopback_flow() {
    let h = Harness::new();
    h.store.insert_client(public_app().with_redirect_uris(["http://127.0.0.1/callback"]));
    let sent = "http://127.0.0.1:49152/callback";
    let interaction = h.interaction(authorize(&format!(
        "response_type=code&client_id=public-app&redirect_uri={}&{PKCE}",
        enc(sent)
    )));
    let response = h.decide(Decision::approve(interaction.handle, "alice", Scopes::new()));
    let location = decision_location(&response);
    assert!(location.starts_with(&format!("{sent}?code=")));
    let code = query_param(&location, "code").unwrap();
    let exchange = |redirect: &str| {
        h.send(token_request(&format!(
            "grant_type=authorization_code&code={code}&redirect_uri={}&client_id=public-app\
             &code_verifier={VERIFIER}",
            enc(redirect)
        )))
    };
    // The token request must repeat the exact redirect_uri, port included.
    assert_error(&exchange("http://127.0.0.1:49153/callback"), 400, "invalid_grant");
    assert_eq!(exchange(sent).status(), 200);
}

#[test]
fn omitted_redirect_uri_flow() {
    let h = Harness::new();
    h.store.insert_client(confidential(
        "poster",
        "post-secret",
        ClientAuthMethod::ClientSecretPost,
    ));
    let interaction =
        h.interaction(authorize(&format!("response_type=code&client_id=poster&{PKCE}")));
    assert_eq!(interaction.redirect_uri, REDIRECT_URI);
    let code = approve(&h, interaction, &["read"]);
    let response = h.send(token_request(&format!(
        "grant_type=authorization_code&code={code}&client_id=poster&client_secret=post-secret\
         &code_verifier={VERIFIER}"
    )));
    assert_eq!(response.status(), 200, "{:?}", json(&response));
}

#[test]
fn a_denied_request_issues_nothing() {
    let h = Harness::new();
    let interaction = h
        .interaction(authorize(&format!("response_type=code&client_id=public-app&state=s&{PKCE}")));
    let response = h.decide(Decision::deny(interaction.handle));
    assert_eq!(
        query_param(&decision_location(&response), "error").as_deref(),
        Some("access_denied")
    );
    assert!(h.store.tokens().is_empty());
    let approved = h
        .store
        .audit_events()
        .iter()
        .filter(|e| e.action == qscope::store::AuditAction::AuthorizationApproved)
        .count();
    assert_eq!(approved, 0);
}
