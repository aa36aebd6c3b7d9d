//! The grants at the token endpoint: authorization code with PKCE, client
//! credentials, refresh with rotation (RFC 6749 §4.1.3, §4.4, §6; RFC 7636;
//! OAuth 2.1 §4.1.3, §4.3).

mod support;

use qscope::store::{
    AuditAction, AuditReason, ClientAuthMethod, Effect, PkceChallenge, PkceMethod, Precondition,
    TokenHash, TokenKind,
};
use qscope::{ErrorCode, PkcePolicy, RefreshRotation, Seconds};
use support::*;

fn code_body(code: &str) -> String {
    format!(
        "grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&code_verifier={VERIFIER}"
    )
}

fn redeem(h: &Harness, code: &str) -> http::Response<Vec<u8>> {
    h.send(token_request(&code_body(code)).basic(CLIENT_ID, CLIENT_SECRET))
}

fn refresh(h: &Harness, token: &str, extra: &str) -> http::Response<Vec<u8>> {
    h.send(
        token_request(&format!("grant_type=refresh_token&refresh_token={token}{extra}"))
            .basic(CLIENT_ID, CLIENT_SECRET),
    )
}

fn kinds(effects: &[Effect]) -> Vec<&'static str> {
    effects
        .iter()
        .map(|e| match e {
            Effect::ConsumeCode { .. } => "ConsumeCode",
            Effect::PutToken(t) if t.kind == TokenKind::Access => "PutToken(access)",
            Effect::PutToken(_) => "PutToken(refresh)",
            Effect::RotateToken { .. } => "RotateToken",
            Effect::RevokeFamily { .. } => "RevokeFamily",
            Effect::RevokeDescendants { .. } => "RevokeDescendants",
            Effect::RevokeOldest { .. } => "RevokeOldest",
            Effect::AppendAudit(_) => "AppendAudit",
            other => panic!("unexpected effect {other:?}"),
        })
        .collect()
}

/// The precondition every issuing commit carries for the RFC client.
fn client_unchanged() -> Precondition {
    Precondition::ClientRevision { client_id: CLIENT_ID.into(), revision: 0 }
}

fn str_of<'a>(body: &'a serde_json::Value, key: &str) -> &'a str {
    body[key].as_str().unwrap_or_else(|| panic!("{key} missing in {body}"))
}

#[test]
fn code_exchange_issues_tokens_stored_by_hash() {
    let h = Harness::new();
    let code = h.code("code-ok", CLIENT_ID);
    let response = redeem(&h, &code);
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    assert_eq!(response.headers()["content-type"], "application/json");
    let body = json(&response);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "read");
    let access = str_of(&body, "access_token");
    let refresh = str_of(&body, "refresh_token");
    assert_eq!(access.len(), 43, "256 bits, base64url without padding");
    assert!(access.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_ne!(access, refresh);

    let committed = h.committed.borrow();
    assert_eq!(committed.len(), 1);
    assert_eq!(
        committed[0].preconditions,
        vec![Precondition::CodeUnconsumed { hash: TokenHash::of(&code) }, client_unchanged()]
    );
    assert_eq!(
        kinds(&committed[0].effects),
        ["ConsumeCode", "PutToken(refresh)", "PutToken(access)", "AppendAudit"]
    );

    let access_record = h.store.token(&TokenHash::of(access)).expect("access token stored by hash");
    let refresh_record =
        h.store.token(&TokenHash::of(refresh)).expect("refresh token stored by hash");
    let code_record = h.store.code(&TokenHash::of(&code)).expect("code kept");
    assert_eq!(code_record.consumed_at, Some(T0));
    assert_eq!(access_record.family, code_record.family);
    assert_eq!(refresh_record.family, code_record.family);
    assert_eq!(access_record.parent, Some(refresh_record.hash));
    assert_eq!(access_record.subject.as_deref(), Some("alice"));
    assert_eq!(access_record.expires_at, T0.after(Seconds::hours(1)));
    assert_eq!(refresh_record.expires_at, T0.after(Seconds::days(30)));
    // Nothing in the store holds a token in clear.
    let dump = format!("{:?}", h.store.tokens());
    assert!(!dump.contains(access) && !dump.contains(refresh));
}

#[test]
fn replayed_code_is_refused_and_revokes_the_first_tokens() {
    let h = Harness::new();
    let code = h.code("code-replay", CLIENT_ID);
    let first = json(&redeem(&h, &code));
    let second = redeem(&h, &code);
    let body = assert_error(&second, 400, "invalid_grant");
    assert_eq!(body["error_description"], "authorization code was already used");
    let committed = h.committed.borrow();
    assert_eq!(committed.len(), 1);
    assert!(committed[0].preconditions.is_empty());
    assert_eq!(kinds(&committed[0].effects), ["RevokeFamily", "AppendAudit"]);
    for key in ["access_token", "refresh_token"] {
        let record = h.store.token(&TokenHash::of(str_of(&first, key))).unwrap();
        assert_eq!(record.revoked_at, Some(T0), "{key} revoked after replay");
    }
    let events = h.store.audit_events();
    let replay =
        events.iter().find(|e| e.action == AuditAction::CodeReplayed).expect("replay audited");
    assert_eq!(replay.error, Some(ErrorCode::InvalidGrant));
    assert_eq!(replay.client_id.as_deref(), Some(CLIENT_ID));
}

#[test]
fn failed_checks_leave_the_code_redeemable() {
    let h = Harness::new();
    let code = h.code("code-checks", CLIENT_ID);
    let cases: [(String, &str); 6] = [
        (
            code_body(&code).replace(VERIFIER, &VERIFIER.replace('d', "e")),
            "code_verifier does not match the code_challenge",
        ),
        (
            code_body(&code).replace(&format!("&code_verifier={VERIFIER}"), ""),
            "code_verifier is required",
        ),
        (
            code_body(&code).replace("%2Fcb", "%2Fcb%2F"),
            "redirect_uri does not match the authorization request",
        ),
        (
            code_body(&code).replace("&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb", ""),
            "redirect_uri does not match the authorization request",
        ),
        (
            code_body(&code).replace("https%3A%2F%2Fclient", "https%3A%2F%2FClient"),
            "redirect_uri does not match the authorization request",
        ),
        (code_body("no-such-code"), "authorization code is invalid"),
    ];
    for (body, description) in cases {
        let response = h.send(token_request(&body).basic(CLIENT_ID, CLIENT_SECRET));
        let json = assert_error(&response, 400, "invalid_grant");
        assert_eq!(json["error_description"], description);
        assert!(h.committed.borrow().is_empty(), "a refused request commits nothing");
        assert_eq!(h.store.code(&TokenHash::of(&code)).unwrap().consumed_at, None);
    }
    assert_eq!(redeem(&h, &code).status(), 200, "the code still works after refused attempts");
}

#[test]
fn code_of_another_client_is_invalid_grant() {
    let h = Harness::new();
    h.store.insert_client(confidential(
        "other",
        "other-secret",
        ClientAuthMethod::ClientSecretBasic,
    ));
    let code = h.code("code-other", "other");
    let body = assert_error(&redeem(&h, &code), 400, "invalid_grant");
    assert_eq!(body["error_description"], "authorization code was issued to another client");
    assert_eq!(h.store.code(&TokenHash::of(&code)).unwrap().consumed_at, None);
}

#[test]
fn expired_code_is_invalid_grant() {
    let h = Harness::new();
    let code = h.code("code-expired", CLIENT_ID);
    h.advance(60);
    let body = assert_error(&redeem(&h, &code), 400, "invalid_grant");
    assert_eq!(body["error_description"], "authorization code expired");
}

#[test]
fn missing_code_and_malformed_verifier_are_invalid_request() {
    let h = Harness::new();
    let body = assert_error(
        &h.send(token_request("grant_type=authorization_code").basic(CLIENT_ID, CLIENT_SECRET)),
        400,
        "invalid_request",
    );
    assert_eq!(body["error_description"], "code is required");
    let short = code_body("x").replace(VERIFIER, "too-short");
    let body = assert_error(
        &h.send(token_request(&short).basic(CLIENT_ID, CLIENT_SECRET)),
        400,
        "invalid_request",
    );
    assert_eq!(body["error_description"], "code_verifier must be 43 to 128 unreserved characters");
}

#[test]
fn pkce_policy_for_codes_without_a_challenge() {
    let body = |code: &str| code_body(code).replace(&format!("&code_verifier={VERIFIER}"), "");
    // Default: PKCE required for everyone.
    let h = Harness::new();
    let code = h.code_with("code-nopkce", CLIENT_ID, None);
    let json = assert_error(
        &h.send(token_request(&body(&code)).basic(CLIENT_ID, CLIENT_SECRET)),
        400,
        "invalid_grant",
    );
    assert_eq!(
        json["error_description"],
        "authorization code was issued without PKCE, which this client requires"
    );
    // Optional for confidential clients: accepted, but a verifier without a
    // challenge is refused as `invalid_request` (OAuth 2.1 §3.2.4).
    let h = Harness::with(
        config().pkce(PkcePolicy { required_for_confidential: false, allow_plain: false }),
    );
    let code = h.code_with("code-nopkce", CLIENT_ID, None);
    let json_body = assert_error(&redeem(&h, &code), 400, "invalid_request");
    assert_eq!(
        json_body["error_description"],
        "code_verifier was sent but the authorization request had no code_challenge"
    );
    assert_eq!(h.send(token_request(&body(&code)).basic(CLIENT_ID, CLIENT_SECRET)).status(), 200);
    // Public clients always need it.
    let code = h.code_with("code-public-nopkce", "public-app", None);
    let public_body = body(&code) + "&client_id=public-app";
    let json = assert_error(&h.send(token_request(&public_body)), 400, "invalid_grant");
    assert_eq!(
        json["error_description"],
        "authorization code was issued without PKCE, which this client requires"
    );
}

#[test]
fn plain_challenge_is_honoured_when_stored() {
    let h = Harness::new();
    let challenge = PkceChallenge { method: PkceMethod::Plain, challenge: VERIFIER.into() };
    let code = h.code_with("code-plain", CLIENT_ID, Some(challenge));
    assert_eq!(redeem(&h, &code).status(), 200);
}

#[test]
fn public_client_redeems_with_pkce() {
    let h = Harness::new();
    let code = h.code("code-public", "public-app");
    let body = code_body(&code) + "&client_id=public-app";
    let response = h.send(token_request(&body));
    assert_eq!(response.status(), 200, "{}", json(&response));
    assert!(json(&response)["refresh_token"].is_string());
}

#[test]
fn client_credentials_scopes() {
    let h = Harness::new();
    let ok = |extra: &str| {
        json(
            &h.send(
                token_request(&format!("grant_type=client_credentials{extra}"))
                    .basic(CLIENT_ID, CLIENT_SECRET),
            ),
        )
    };
    let default = ok("");
    assert_eq!(default["scope"], "read", "default scope");
    assert!(default.get("refresh_token").is_none(), "no refresh token by default");
    assert_eq!(ok("&scope=write%20read")["scope"], "read write");
    let access = h.store.token(&TokenHash::of(str_of(&default, "access_token"))).unwrap();
    assert_eq!((access.subject, access.parent), (None, None));

    let response = h.send(
        token_request("grant_type=client_credentials&scope=admin").basic(CLIENT_ID, CLIENT_SECRET),
    );
    let body = assert_error(&response, 400, "invalid_scope");
    assert_eq!(body["error_description"], "scope admin is not allowed for this client");
    let response = h.send(
        token_request("grant_type=client_credentials&scope=a%22b").basic(CLIENT_ID, CLIENT_SECRET),
    );
    assert_error(&response, 400, "invalid_scope");
}

#[test]
fn client_credentials_refresh_token_when_configured() {
    let h = Harness::with(config().refresh_for_client_credentials(true));
    let body = json(
        &h.send(token_request("grant_type=client_credentials").basic(CLIENT_ID, CLIENT_SECRET)),
    );
    assert!(body["refresh_token"].is_string());
}

#[test]
fn refresh_rotates_and_keeps_the_grant_scope() {
    let h = Harness::new();
    h.store.insert_client(confidential(
        CLIENT_ID,
        CLIENT_SECRET,
        ClientAuthMethod::ClientSecretBasic,
    ));
    let code = h.code("code-rot", CLIENT_ID);
    let first = json(&redeem(&h, &code));
    let r0 = str_of(&first, "refresh_token").to_owned();
    h.advance(10);
    let response = refresh(&h, &r0, "&scope=read");
    assert_eq!(response.status(), 200);
    let second = json(&response);
    let r1 = str_of(&second, "refresh_token");
    assert_ne!(r0, r1);
    assert_eq!(second["scope"], "read");
    let committed = h.committed.borrow();
    assert_eq!(
        committed[0].preconditions,
        vec![Precondition::TokenActive { hash: TokenHash::of(&r0) }, client_unchanged()]
    );
    assert_eq!(
        kinds(&committed[0].effects),
        ["RotateToken", "PutToken(refresh)", "PutToken(access)", "AppendAudit"]
    );
    let old = h.store.token(&TokenHash::of(&r0)).unwrap();
    let new = h.store.token(&TokenHash::of(r1)).unwrap();
    assert_eq!(old.rotated_at, Some(T0.after(Seconds::new(10))));
    assert_eq!((new.parent, new.family), (Some(old.hash), old.family));
    assert_eq!(
        new.scopes, old.scopes,
        "RFC 6749 §6: the new refresh token keeps the original scope"
    );
}

#[test]
fn refresh_scope_cannot_widen() {
    let h = Harness::new();
    let first = json(&redeem(&h, &h.code("code-widen", CLIENT_ID)));
    let body = assert_error(
        &refresh(&h, str_of(&first, "refresh_token"), "&scope=read%20write"),
        400,
        "invalid_scope",
    );
    assert_eq!(body["error_description"], "scope exceeds the scope originally granted");
}

#[test]
fn strict_rotation_reuse_revokes_the_family() {
    let h = Harness::new();
    let first = json(&redeem(&h, &h.code("code-reuse", CLIENT_ID)));
    let r0 = str_of(&first, "refresh_token").to_owned();
    let second = json(&refresh(&h, &r0, ""));
    let body = assert_error(&refresh(&h, &r0, ""), 400, "invalid_grant");
    assert_eq!(body["error_description"], "refresh token was already used");
    assert_eq!(kinds(&h.committed.borrow()[0].effects), ["RevokeFamily", "AppendAudit"]);
    for token in [
        str_of(&second, "refresh_token"),
        str_of(&second, "access_token"),
        str_of(&first, "access_token"),
    ] {
        assert!(h.store.token(&TokenHash::of(token)).unwrap().revoked_at.is_some());
    }
    // The successor is dead too.
    assert_error(&refresh(&h, str_of(&second, "refresh_token"), ""), 400, "invalid_grant");
    assert!(h.store.audit_events().iter().any(|e| e.action == AuditAction::RefreshReused));
}

#[test]
fn grace_window_retry_keeps_one_successor() {
    let h = Harness::with(config().rotation(RefreshRotation::Grace(Seconds::new(30))));
    let first = json(&redeem(&h, &h.code("code-grace", CLIENT_ID)));
    let r0 = str_of(&first, "refresh_token").to_owned();
    let lost = json(&refresh(&h, &r0, ""));
    h.advance(5);
    let retry = refresh(&h, &r0, "");
    assert_eq!(retry.status(), 200, "retry inside the window succeeds");
    let retried = json(&retry);
    let committed = h.committed.borrow().clone();
    assert_eq!(
        committed[0].preconditions,
        vec![Precondition::TokenNotRevoked { hash: TokenHash::of(&r0) }, client_unchanged()]
    );
    assert_eq!(
        kinds(&committed[0].effects),
        [
            "RevokeDescendants",
            "AppendAudit",
            "PutToken(refresh)",
            "PutToken(access)",
            "AppendAudit"
        ]
    );
    for key in ["refresh_token", "access_token"] {
        assert!(
            h.store.token(&TokenHash::of(str_of(&lost, key))).unwrap().revoked_at.is_some(),
            "earlier successor's {key} revoked"
        );
    }
    let live: Vec<_> = h
        .store
        .tokens()
        .into_iter()
        .filter(|t| t.kind == TokenKind::Refresh && t.is_active(h.now()))
        .collect();
    assert_eq!(live.len(), 1, "exactly one live successor");
    assert_eq!(live[0].hash, TokenHash::of(str_of(&retried, "refresh_token")));
    // Outside the window the same reuse revokes the family.
    h.advance(26);
    assert_error(&refresh(&h, &r0, ""), 400, "invalid_grant");
    assert!(
        h.store
            .token(&TokenHash::of(str_of(&retried, "refresh_token")))
            .unwrap()
            .revoked_at
            .is_some()
    );
}

#[test]
fn refresh_token_refusals() {
    let h = Harness::new();
    h.store.insert_client(confidential(
        "other",
        "other-secret",
        ClientAuthMethod::ClientSecretBasic,
    ));
    let mine = json(&redeem(&h, &h.code("code-mine", CLIENT_ID)));
    let rt = str_of(&mine, "refresh_token");
    let at = str_of(&mine, "access_token");
    let other = h.send(
        token_request(&format!("grant_type=refresh_token&refresh_token={rt}"))
            .basic("other", "other-secret"),
    );
    assert_eq!(
        assert_error(&other, 400, "invalid_grant")["error_description"],
        "refresh token was issued to another client"
    );
    assert_eq!(
        assert_error(&refresh(&h, at, ""), 400, "invalid_grant")["error_description"],
        "refresh token is invalid"
    );
    assert_eq!(
        assert_error(&refresh(&h, "unknown", ""), 400, "invalid_grant")["error_description"],
        "refresh token is invalid"
    );
    let missing = h.send(token_request("grant_type=refresh_token").basic(CLIENT_ID, CLIENT_SECRET));
    assert_eq!(
        assert_error(&missing, 400, "invalid_request")["error_description"],
        "refresh_token is required"
    );
    assert!(
        h.store.token(&TokenHash::of(rt)).unwrap().is_active(h.now()),
        "refusals leave the token usable"
    );
    h.advance(Seconds::days(30).get());
    assert_eq!(
        assert_error(&refresh(&h, rt, ""), 400, "invalid_grant")["error_description"],
        "refresh token expired"
    );
}

#[test]
fn revoked_refresh_token_is_refused_without_cleanup() {
    let h = Harness::new();
    let mine = json(&redeem(&h, &h.code("code-rev", CLIENT_ID)));
    let rt = str_of(&mine, "refresh_token");
    let mut record = h.store.token(&TokenHash::of(rt)).unwrap();
    record.revoked_at = Some(T0);
    h.store.insert_token(record);
    assert_eq!(
        assert_error(&refresh(&h, rt, ""), 400, "invalid_grant")["error_description"],
        "refresh token was revoked"
    );
    assert!(h.committed.borrow().is_empty());
}

/// RFC 9700 §4.14.2, the three-party sequence: the client rotates RT0 into
/// RT1; a thief replays RT0 inside the grace window and gets RT1′ (RT1 is
/// superseded); the client then presents RT1. That is reuse: the family is
/// revoked, so the thief's RT1′ dies with it.
#[test]
fn rfc9700_4_14_2_a_token_superseded_by_a_grace_retry_is_reuse() {
    let h = Harness::with(config().rotation(RefreshRotation::Grace(Seconds::new(30))));
    let first = json(&redeem(&h, &h.code("code-thief", CLIENT_ID)));
    let rt0 = str_of(&first, "refresh_token").to_owned();
    let client = json(&refresh(&h, &rt0, ""));
    let rt1 = str_of(&client, "refresh_token").to_owned();
    h.advance(10);
    let thief = json(&refresh(&h, &rt0, ""));
    let (rt1_thief, at1_thief) =
        (str_of(&thief, "refresh_token").to_owned(), str_of(&thief, "access_token").to_owned());
    h.advance(1);
    let body = assert_error(&refresh(&h, &rt1, ""), 400, "invalid_grant");
    assert_eq!(body["error_description"], "refresh token was already used");
    let committed = h.committed.borrow().clone();
    assert_eq!(committed.len(), 1);
    assert_eq!(kinds(&committed[0].effects), ["RevokeFamily", "AppendAudit"]);
    for token in [&rt1_thief, &at1_thief] {
        assert!(
            h.store.token(&TokenHash::of(token)).unwrap().revoked_at.is_some(),
            "the thief's successor is revoked"
        );
    }
    let reused = h.store.audit_events().into_iter().last().unwrap();
    assert_eq!(reused.action, AuditAction::RefreshReused);
    assert_eq!(reused.client_id.as_deref(), Some(CLIENT_ID));
    // The thief's token no longer refreshes.
    h.advance(1);
    assert_error(&refresh(&h, &rt1_thief, ""), 400, "invalid_grant");
    let live = h.store.tokens().into_iter().filter(|t| t.is_active(h.now())).count();
    assert_eq!(live, 0, "nobody keeps the grant");
}

/// Stores a code named `name` of the RFC client with scopes `read write`.
fn code_for_read_write(h: &Harness, name: &str) -> String {
    let code = h.code(name, CLIENT_ID);
    let mut record = h.store.code(&TokenHash::of(&code)).unwrap();
    record.scopes = qscope::Scopes::from_names(["read", "write"]);
    h.store.insert_code(record);
    code
}

/// The RFC client, allowed only `scopes` from now on.
fn narrow_client(h: &Harness, scopes: &[&str]) {
    h.store.insert_client(
        confidential(CLIENT_ID, CLIENT_SECRET, ClientAuthMethod::ClientSecretBasic)
            .with_scopes(qscope::Scopes::from_names(scopes.iter().copied())),
    );
}

/// A refresh issues at most the grant's scopes that the client is still
/// allowed: an administrator's narrowing takes effect at the next refresh.
#[test]
fn refresh_never_outlives_a_narrowing_of_the_clients_scopes() {
    let h = Harness::new();
    let first = json(&redeem(&h, &code_for_read_write(&h, "code-narrow")));
    assert_eq!(first["scope"], "read write");
    let rt0 = str_of(&first, "refresh_token").to_owned();
    narrow_client(&h, &["read"]);
    // Asking for a scope the client lost names it.
    let body = assert_error(&refresh(&h, &rt0, "&scope=write"), 400, "invalid_scope");
    assert_eq!(body["error_description"], "scope write is no longer allowed for this client");
    assert!(h.committed.borrow().is_empty(), "a refusal commits nothing");
    // Asking for nothing gets what is left, and the new grant is narrowed.
    let response = refresh(&h, &rt0, "");
    assert_eq!(response.status(), 200, "{}", json(&response));
    let second = json(&response);
    assert_eq!(second["scope"], "read");
    let rt1 = str_of(&second, "refresh_token").to_owned();
    assert_eq!(h.token_scopes(&rt1), "read", "the rotated refresh token is narrowed too");
    assert_eq!(h.token_scopes(str_of(&second, "access_token")), "read");
    // Nothing left: the refresh token cannot be used, and stays as it is.
    narrow_client(&h, &[]);
    let body = assert_error(&refresh(&h, &rt1, ""), 400, "invalid_grant");
    assert_eq!(
        body["error_description"],
        "no scope of this grant is still allowed for this client"
    );
    assert!(h.committed.borrow().is_empty());
    assert!(h.store.token(&TokenHash::of(&rt1)).unwrap().is_active(h.now()));
}

/// The same rule when the client lost a scope between the approval and the
/// code's redemption.
#[test]
fn code_redemption_drops_the_scopes_the_client_lost() {
    let h = Harness::new();
    let code = code_for_read_write(&h, "code-stale");
    narrow_client(&h, &["read"]);
    let response = redeem(&h, &code);
    assert_eq!(response.status(), 200, "{}", json(&response));
    let body = json(&response);
    assert_eq!(body["scope"], "read");
    assert_eq!(h.token_scopes(str_of(&body, "refresh_token")), "read");
    let code = code_for_read_write(&h, "code-empty");
    narrow_client(&h, &[]);
    let body = assert_error(&redeem(&h, &code), 400, "invalid_grant");
    assert_eq!(
        body["error_description"],
        "no scope of this grant is still allowed for this client"
    );
}

/// A code presented by a client it was not issued to is refused and revokes
/// nothing, even when it was already used; its own client's replay still
/// revokes the family (RFC 6749 §4.1.2).
#[test]
fn another_clients_used_code_revokes_nothing() {
    let h = Harness::new();
    let code = h.code("code-victim", CLIENT_ID);
    let first = json(&redeem(&h, &code));
    let response = h.send(token_request(&format!(
        "grant_type=authorization_code&code={code}&redirect_uri={}&code_verifier={VERIFIER}&client_id=public-app",
        enc(REDIRECT_URI)
    )));
    let body = assert_error(&response, 400, "invalid_grant");
    assert_eq!(body["error_description"], "authorization code was issued to another client");
    for key in ["access_token", "refresh_token"] {
        let record = h.store.token(&TokenHash::of(str_of(&first, key))).unwrap();
        assert!(record.is_active(h.now()), "the victim's {key} is untouched");
    }
    assert!(
        h.committed
            .borrow()
            .iter()
            .all(|t| t.effects.iter().all(|e| !matches!(e, Effect::RevokeFamily { .. }))),
        "nothing is revoked"
    );
    let events = h.store.audit_events();
    assert!(events.iter().all(|e| e.action != AuditAction::CodeReplayed));
    let attempt = events.last().unwrap();
    assert_eq!(attempt.action, AuditAction::TokenRefused);
    assert_eq!(attempt.client_id.as_deref(), Some("public-app"));
    assert_eq!(attempt.error, Some(ErrorCode::InvalidGrant));
    assert_eq!(attempt.reason, Some(AuditReason::IssuedToAnotherClient));
    assert_eq!(attempt.family, Some(h.store.code(&TokenHash::of(&code)).unwrap().family));
    // The replay by the code's own client still revokes what it issued.
    let body = assert_error(&redeem(&h, &code), 400, "invalid_grant");
    assert_eq!(body["error_description"], "authorization code was already used");
    let access = h.store.token(&TokenHash::of(str_of(&first, "access_token"))).unwrap();
    assert!(access.revoked_at.is_some());
}

/// The refresh grant checks the client first, too: another client's rotated
/// refresh token is refused and revokes nothing.
#[test]
fn another_clients_rotated_refresh_token_revokes_nothing() {
    let h = Harness::new();
    let first = json(&redeem(&h, &h.code("code-rt-victim", CLIENT_ID)));
    let rt0 = str_of(&first, "refresh_token").to_owned();
    let second = json(&refresh(&h, &rt0, ""));
    let response = h.send(token_request(&format!(
        "grant_type=refresh_token&refresh_token={rt0}&client_id=public-app"
    )));
    let body = assert_error(&response, 400, "invalid_grant");
    assert_eq!(body["error_description"], "refresh token was issued to another client");
    let live = h.store.token(&TokenHash::of(str_of(&second, "refresh_token"))).unwrap();
    assert!(live.is_active(h.now()), "the victim's refresh token still works");
}
