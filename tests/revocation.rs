//! The revocation endpoint (RFC 7009 §2.1, §2.2, §2.2.1, §2.3).

mod support;

use qscope::store::{
    AuditAction, ClientAuthMethod, ClientRecord, Effect, GrantType, Outcome, Store, StoreError,
    TokenHash, TokenKind, Transaction,
};
use qscope::{ErrorCode, Scopes, Step};
use support::*;

/// Asserts the RFC 7009 §2.2 success answer: 200, empty body.
fn assert_revoked_answer(response: &http::Response<Vec<u8>>) {
    assert_eq!(response.status(), 200);
    assert!(response.body().is_empty(), "body {:?}", String::from_utf8_lossy(response.body()));
    assert_header_names(response, &["cache-control", "pragma"]);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
}

fn revoke(h: &Harness, token: &str) -> http::Response<Vec<u8>> {
    h.send(revoke_request(&format!("token={token}")).basic(CLIENT_ID, CLIENT_SECRET))
}

#[test]
fn rfc7009_2_1_refresh_token_revocation_revokes_its_family() {
    let h = Harness::new();
    let refresh = h.insert_token("45ghiukldjahdnhzdauz", TokenKind::Refresh, CLIENT_ID, 1);
    h.insert_token("access-of-family-1", TokenKind::Access, CLIENT_ID, 1);
    h.insert_token("access-of-family-2", TokenKind::Access, CLIENT_ID, 2);
    h.advance(5);
    // The RFC's literal request.
    let response = h.send(
        Req::new("POST", "/revoke", "token=45ghiukldjahdnhzdauz&token_type_hint=refresh_token")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("authorization", "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW"),
    );
    assert_revoked_answer(&response);
    assert_eq!(h.token("45ghiukldjahdnhzdauz").revoked_at, Some(h.now()));
    assert_eq!(h.token("access-of-family-1").revoked_at, Some(h.now()));
    assert_eq!(h.token("access-of-family-2").revoked_at, None, "another family is untouched");
    // One unconditional commit: the family revocation and its audit event.
    let committed = h.committed.borrow();
    let [transaction] = committed.as_slice() else { panic!("one commit, got {committed:?}") };
    assert!(transaction.preconditions.is_empty());
    let [Effect::RevokeFamily { family: f, at }, Effect::AppendAudit(event)] =
        transaction.effects.as_slice()
    else {
        panic!("unexpected effects {:?}", transaction.effects);
    };
    assert_eq!((*f, *at), (refresh.family, h.now()));
    assert_eq!(event.action, AuditAction::TokenRevoked);
    assert_eq!(event.client_id.as_deref(), Some(CLIENT_ID));
    assert_eq!(event.subject.as_deref(), Some("alice"));
    assert_eq!(event.family, Some(family(1)));
    assert_eq!(event.error, None);
    assert!(h.best_effort.borrow().is_empty());
}

#[test]
fn access_token_revocation_revokes_that_token_alone() {
    let h = Harness::new();
    h.insert_token("the-refresh", TokenKind::Refresh, CLIENT_ID, 1);
    let access = h.insert_token("the-access", TokenKind::Access, CLIENT_ID, 1);
    h.insert_token("sibling-access", TokenKind::Access, CLIENT_ID, 1);
    assert_revoked_answer(&revoke(&h, "the-access"));
    assert_eq!(h.token("the-access").revoked_at, Some(h.now()));
    assert_eq!(h.token("the-refresh").revoked_at, None);
    assert_eq!(h.token("sibling-access").revoked_at, None);
    let committed = h.committed.borrow();
    assert!(matches!(
        committed[0].effects.as_slice(),
        [Effect::RevokeToken { hash, .. }, Effect::AppendAudit(_)] if *hash == access.hash
    ));
}

#[test]
fn rfc7009_2_1_hint_is_ignored_and_both_kinds_are_found() {
    // A wrong hint, an unknown hint and no hint all find the token.
    for (n, hint) in
        ["&token_type_hint=access_token", "&token_type_hint=bogus", ""].into_iter().enumerate()
    {
        let h = Harness::new();
        let name = format!("refresh-{n}");
        h.insert_token(&name, TokenKind::Refresh, CLIENT_ID, 1);
        h.insert_token("access", TokenKind::Access, CLIENT_ID, 1);
        let response =
            h.send(revoke_request(&format!("token={name}{hint}")).basic(CLIENT_ID, CLIENT_SECRET));
        assert_revoked_answer(&response);
        assert!(h.token(&name).revoked_at.is_some(), "{hint}");
        assert!(h.token("access").revoked_at.is_some(), "{hint}: the family goes too");
    }
}

#[test]
fn rfc7009_2_2_unknown_expired_and_revoked_tokens_answer_200_and_write_nothing() {
    let h = Harness::new();
    assert_revoked_answer(&revoke(&h, "never-issued"));
    assert!(h.committed.borrow().is_empty());
    assert!(h.best_effort.borrow().is_empty());

    h.insert_token("expiring", TokenKind::Access, CLIENT_ID, 1);
    h.advance(3600);
    assert_revoked_answer(&revoke(&h, "expiring"));
    assert!(h.committed.borrow().is_empty());
    assert_eq!(h.token("expiring").revoked_at, None);

    h.insert_token("revoked-once", TokenKind::Access, CLIENT_ID, 2);
    assert_revoked_answer(&revoke(&h, "revoked-once"));
    let first = h.token("revoked-once").revoked_at;
    assert!(first.is_some());
    h.advance(10);
    assert_revoked_answer(&revoke(&h, "revoked-once"));
    assert!(h.committed.borrow().is_empty());
    assert_eq!(h.token("revoked-once").revoked_at, first, "the first revocation time stays");
}

#[test]
fn rfc7009_2_1_another_clients_token_is_refused_and_not_revoked() {
    let h = Harness::new();
    h.store.insert_client(confidential(
        "other",
        "other-secret",
        ClientAuthMethod::ClientSecretBasic,
    ));
    h.insert_token("not-yours", TokenKind::Refresh, "other", 1);
    let response = revoke(&h, "not-yours");
    let body = assert_error(&response, 400, "unauthorized_client");
    assert_eq!(body["error_description"], "token was not issued to this client");
    assert_eq!(h.token("not-yours").revoked_at, None);
    assert!(h.committed.borrow().is_empty());
    let event = h.best_effort_event();
    assert_eq!(event.action, AuditAction::RevocationRefused);
    assert_eq!(event.client_id.as_deref(), Some(CLIENT_ID));
    assert_eq!(event.error, Some(ErrorCode::UnauthorizedClient));
    // Its owner may revoke it.
    assert_revoked_answer(
        &h.send(revoke_request("token=not-yours").basic("other", "other-secret")),
    );
    assert!(h.token("not-yours").revoked_at.is_some());
}

#[test]
fn client_authentication_is_the_token_endpoints() {
    let h = Harness::new();
    h.insert_token("tok", TokenKind::Access, CLIENT_ID, 1);
    // Missing credentials.
    let response = h.send(revoke_request("token=tok"));
    let body = assert_error(&response, 401, "invalid_client");
    assert_eq!(body["error_description"], "client authentication is required");
    assert_eq!(response.headers()["www-authenticate"], "Basic realm=\"qscope\", charset=\"UTF-8\"");
    // Wrong secret.
    let response = h.send(revoke_request("token=tok").basic(CLIENT_ID, "wrong"));
    let body = assert_error(&response, 401, "invalid_client");
    assert_eq!(body["error_description"], "client authentication failed");
    assert!(response.headers().contains_key("www-authenticate"));
    let event = h.best_effort_event();
    assert_eq!(event.action, AuditAction::RevocationRefused);
    assert_eq!(event.error, Some(ErrorCode::InvalidClient));
    assert_eq!(event.client_id.as_deref(), Some(CLIENT_ID));
    // The registered method is enforced: this client uses Basic.
    let response = h.send(revoke_request(&format!(
        "token=tok&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}"
    )));
    let body = assert_error(&response, 401, "invalid_client");
    assert_eq!(body["error_description"], "client authentication failed");
    assert!(response.headers().get("www-authenticate").is_none());
    assert_eq!(h.token("tok").revoked_at, None);
}

#[test]
fn client_secret_post_and_public_clients_can_revoke_their_tokens() {
    let h = Harness::new();
    h.store.insert_client(confidential(
        "poster",
        "post-secret",
        ClientAuthMethod::ClientSecretPost,
    ));
    h.insert_token("posted", TokenKind::Access, "poster", 1);
    assert_revoked_answer(
        &h.send(revoke_request("token=posted&client_id=poster&client_secret=post-secret")),
    );
    assert!(h.token("posted").revoked_at.is_some());
    // RFC 7009 §2.1 authenticates the client "in case of a confidential
    // client": a public client identifies itself with client_id.
    h.insert_token("public-refresh", TokenKind::Refresh, "public-app", 2);
    assert_revoked_answer(&h.send(revoke_request("token=public-refresh&client_id=public-app")));
    assert!(h.token("public-refresh").revoked_at.is_some());
}

#[test]
fn token_parameter_is_required() {
    let h = Harness::new();
    for body in ["", "token=", "token_type_hint=refresh_token"] {
        let response = h.send(revoke_request(body).basic(CLIENT_ID, CLIENT_SECRET));
        let json = assert_error(&response, 400, "invalid_request");
        assert_eq!(json["error_description"], "token is required", "{body:?}");
        let event = h.best_effort_event();
        assert_eq!(event.action, AuditAction::RevocationRefused);
        assert_eq!(event.error, Some(ErrorCode::InvalidRequest));
    }
}

#[test]
fn repeated_token_parameter_is_invalid_request() {
    let h = Harness::new();
    let response = h.send(revoke_request("token=a&token=b").basic(CLIENT_ID, CLIENT_SECRET));
    let body = assert_error(&response, 400, "invalid_request");
    assert_eq!(body["error_description"], "parameter token is repeated");
}

#[test]
fn rfc7009_2_3_jsonp_get_is_refused() {
    // OAuth 2.1 keeps tokens out of URLs: the JSONP form of §2.3 is not
    // offered, and GET is answered 405 without touching the token.
    let h = Harness::new();
    h.insert_token("agabcdefddddafdd", TokenKind::Access, CLIENT_ID, 1);
    let response = h.send(
        Req::new("GET", "/revoke?token=agabcdefddddafdd&callback=package.myCallback", "")
            .basic(CLIENT_ID, CLIENT_SECRET),
    );
    let body = assert_error(&response, 405, "invalid_request");
    assert_eq!(response.headers()["allow"], "POST");
    assert!(!String::from_utf8_lossy(response.body()).contains("myCallback"));
    assert_eq!(body["error_description"], "method not allowed; use POST");
    assert_eq!(h.token("agabcdefddddafdd").revoked_at, None);
}

#[test]
fn media_type_and_body_limit() {
    let h = Harness::with(config().max_body_bytes(1024));
    let response = h.send(
        Req::new("POST", "/revoke", "token=x")
            .header("content-type", "application/json")
            .basic(CLIENT_ID, CLIENT_SECRET),
    );
    let body = assert_error(&response, 400, "invalid_request");
    assert_eq!(body["error_description"], "Content-Type must be application/x-www-form-urlencoded");
    let response = h.send(
        revoke_request(&format!("token={}", "x".repeat(1024))).basic(CLIENT_ID, CLIENT_SECRET),
    );
    let body = assert_error(&response, 413, "invalid_request");
    assert_eq!(body["error_description"], "request body exceeds 1024 bytes");
}

#[test]
fn rotated_refresh_token_revocation_revokes_the_successors() {
    let h = Harness::new();
    let (access1, refresh1) = h.redeem_code("code-1");
    let (access2, refresh2) = h.refresh(&refresh1);
    assert_revoked_answer(&revoke(&h, &refresh1));
    for token in [&access1, &refresh1, &access2, &refresh2] {
        assert!(
            h.store.token(&TokenHash::of(token)).unwrap().revoked_at.is_some(),
            "every token of the grant is revoked"
        );
    }
    // The successor can no longer be used.
    let response = h.send(
        token_request(&format!("grant_type=refresh_token&refresh_token={refresh2}"))
            .basic(CLIENT_ID, CLIENT_SECRET),
    );
    let body = assert_error(&response, 400, "invalid_grant");
    assert_eq!(body["error_description"], "refresh token was revoked");
}

/// A refresh token that is no longer active on its own — revoked alone by a
/// FIFO limit, or expired while its grant lives on — still names its grant,
/// and revoking it ends the grant (RFC 7009 §2.1). Found by the stateful
/// fuzz target (`fuzz/regressions/stateful/`): the first version answered
/// 200 and wrote nothing, leaving the grant's access tokens live.
#[test]
fn an_inactive_refresh_token_still_ends_its_grant() {
    let h = Harness::new();
    h.insert_token("evicted-refresh", TokenKind::Refresh, CLIENT_ID, 1);
    h.insert_token("access-of-evicted", TokenKind::Access, CLIENT_ID, 1);
    let eviction = Effect::RevokeToken { hash: TokenHash::of("evicted-refresh"), at: h.now() };
    assert_eq!(
        h.store.apply(&Transaction::unconditional(vec![eviction])).unwrap(),
        Outcome::Applied
    );
    h.advance(5);
    assert_revoked_answer(&revoke(&h, "evicted-refresh"));
    assert_eq!(h.token("access-of-evicted").revoked_at, Some(h.now()));

    h.insert_token("expiring-refresh", TokenKind::Refresh, CLIENT_ID, 2);
    h.advance(3600);
    h.insert_token("access-after-expiry", TokenKind::Access, CLIENT_ID, 2);
    assert_revoked_answer(&revoke(&h, "expiring-refresh"));
    assert_eq!(h.token("access-after-expiry").revoked_at, Some(h.now()));

    let committed = h.committed.borrow();
    let [transaction] = committed.as_slice() else { panic!("one commit, got {committed:?}") };
    assert!(
        matches!(transaction.effects[0], Effect::RevokeFamily { family: f, .. } if f == family(2))
    );
}

#[test]
fn a_failed_revocation_commit_is_503_so_the_client_retries() {
    // RFC 7009 §2.2.1: on 503 the client must assume the token still exists.
    let h = Harness::new();
    h.insert_token("tok", TokenKind::Refresh, CLIENT_ID, 1);
    let request: http::Request<Vec<u8>> =
        revoke_request("token=tok").basic(CLIENT_ID, CLIENT_SECRET).into();
    let Step::Read(read) = h.server.begin(&request, h.context()) else { panic!("expected a read") };
    let answers = h.store.read(read.queries()).unwrap();
    let Step::Commit(commit) = read.resume(answers).unwrap() else { panic!("expected a commit") };
    let respond = commit.fail(&StoreError::transient("database is busy"));
    let response = respond.reply.into_http().expect("an HTTP reply");
    assert_error(&response, 503, "temporarily_unavailable");
    assert_eq!(h.token("tok").revoked_at, None);
}

#[test]
fn a_racing_rotation_after_revocation_is_refused() {
    // The rotation read the refresh token before the revocation committed;
    // its TokenActive precondition then fails and nothing is issued.
    let h = Harness::new();
    let (_, refresh) = h.redeem_code("code-1");
    let request: http::Request<Vec<u8>> =
        token_request(&format!("grant_type=refresh_token&refresh_token={refresh}"))
            .basic(CLIENT_ID, CLIENT_SECRET)
            .into();
    let Step::Read(read) = h.server.begin(&request, h.context()) else { panic!("expected a read") };
    let answers = h.store.read(read.queries()).unwrap();
    let Step::Commit(commit) = read.resume(answers).unwrap() else { panic!("expected a commit") };
    assert_revoked_answer(&revoke(&h, &refresh));
    let outcome = h.store.apply(commit.transaction()).unwrap();
    assert!(matches!(outcome, Outcome::Conflict { .. }));
    let Step::Respond(respond) = commit.resume(outcome).unwrap() else {
        panic!("expected a reply")
    };
    assert_error(respond.reply.http().expect("an HTTP reply"), 400, "invalid_grant");
    assert!(h.store.tokens().iter().all(|t| t.revoked_at.is_some()), "nothing live was issued");
}

#[test]
fn deleted_client_tokens_are_unknown_to_revocation() {
    // A transaction from elsewhere deleted the client: its credentials no
    // longer authenticate.
    let h = Harness::new();
    h.store.insert_client(
        ClientRecord::public("gone")
            .with_grants([GrantType::RefreshToken])
            .with_scopes(Scopes::from_names(["read"])),
    );
    h.insert_token("orphan", TokenKind::Refresh, "gone", 1);
    let delete = Effect::DeleteClient { client_id: "gone".into(), at: h.now() };
    assert_eq!(h.store.apply(&Transaction::unconditional(vec![delete])).unwrap(), Outcome::Applied);
    let response = h.send(revoke_request("token=orphan&client_id=gone"));
    assert_error(&response, 401, "invalid_client");
}
