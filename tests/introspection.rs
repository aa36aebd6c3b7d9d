//! The introspection endpoint (RFC 7662 §2.1, §2.2, §2.3, §4).

mod support;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use qscope::store::{AuditAction, ClientAuthMethod, Effect, TokenHash, TokenKind, TokenRecord};
use qscope::{ErrorCode, Scopes};
use serde_json::json;
use sha2::{Digest, Sha256};
use support::*;

/// The resource server of these tests: a confidential client that may
/// introspect every token.
const RS_ID: &str = "resource-server";
const RS_SECRET: &str = "rs-secret";

fn harness() -> Harness {
    let h = Harness::new();
    let mut rs = confidential(RS_ID, RS_SECRET, ClientAuthMethod::ClientSecretBasic);
    rs.resource_server = true;
    h.store.insert_client(rs);
    h
}

fn introspect_as(h: &Harness, id: &str, secret: &str, token: &str) -> http::Response<Vec<u8>> {
    h.send(introspect_request(&format!("token={token}")).basic(id, secret))
}

/// Asserts the exact inactive answer of RFC 7662 §2.2.
fn assert_inactive(response: &http::Response<Vec<u8>>) {
    assert_eq!(response.status(), 200);
    assert_eq!(response.body().as_slice(), br#"{"active":false}"#);
    assert_header_names(response, &["cache-control", "content-type", "pragma"]);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["content-type"], "application/json");
}

/// The `jti` the endpoint derives for the token named `name`.
fn expected_jti(name: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"qscope.jti.v1\0");
    hasher.update(TokenHash::of(name).as_bytes());
    URL_SAFE_NO_PAD.encode(&hasher.finalize()[..16])
}

fn active_body(name: &str, token: &TokenRecord) -> serde_json::Value {
    json!({
        "active": true,
        "scope": "read write",
        "client_id": token.client_id,
        "token_type": "Bearer",
        "token_use": "access_token",
        "exp": token.expires_at.as_secs(),
        "iat": token.issued_at.as_secs(),
        "sub": "alice",
        "iss": "https://server.example.com",
        "jti": expected_jti(name),
    })
}

#[test]
fn rfc7662_2_1_basic_authenticated_request_with_hint() {
    let h = harness();
    let token = h.insert_token("mF_9.B5f-4.1JqM", TokenKind::Access, CLIENT_ID, 1);
    // The RFC's literal request.
    let response = h.send(
        Req::new("POST", "/introspect", "token=mF_9.B5f-4.1JqM&token_type_hint=access_token")
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("authorization", "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW"),
    );
    assert_eq!(response.status(), 200);
    assert_header_names(&response, &["cache-control", "content-type", "pragma"]);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(json(&response), active_body("mF_9.B5f-4.1JqM", &token));
    // Nothing is committed; the audit event is best-effort.
    assert!(h.committed.borrow().is_empty());
    let event = h.best_effort_event();
    assert_eq!(event.action, AuditAction::TokenIntrospected);
    assert_eq!(event.client_id.as_deref(), Some(CLIENT_ID));
    assert_eq!(event.subject.as_deref(), Some("alice"));
    assert_eq!(event.family, Some(family(1)));
    assert_eq!(event.error, None);
}

#[test]
fn rfc7662_2_1_bearer_authorized_request_is_not_offered() {
    // The first example of §2.1 authorizes the call with a bearer token;
    // this server requires client authentication, so it is invalid_client.
    let h = harness();
    h.insert_token("2YotnFZFEjr1zCsicMWpAA", TokenKind::Access, CLIENT_ID, 1);
    h.insert_token("23410913-abewfq.123483", TokenKind::Access, RS_ID, 2);
    let response = h.send(
        Req::new("POST", "/introspect", "token=2YotnFZFEjr1zCsicMWpAA")
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("authorization", "Bearer 23410913-abewfq.123483"),
    );
    let body = assert_error(&response, 401, "invalid_client");
    assert_eq!(
        body["error_description"],
        "Authorization header is not valid HTTP Basic credentials"
    );
    assert!(response.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic "));
    let event = h.best_effort_event();
    assert_eq!(event.action, AuditAction::IntrospectionRefused);
    assert_eq!(event.error, Some(ErrorCode::InvalidClient));
}

#[test]
fn rfc7662_2_2_unknown_token_is_exactly_inactive() {
    let h = harness();
    assert_inactive(&introspect_as(&h, CLIENT_ID, CLIENT_SECRET, "never-issued"));
    assert_inactive(&introspect_as(&h, RS_ID, RS_SECRET, "never-issued"));
    let event = h.best_effort_event();
    assert_eq!(event.action, AuditAction::TokenIntrospected);
    assert_eq!(event.client_id.as_deref(), Some(RS_ID));
    assert_eq!((event.subject, event.family), (None, None));
}

#[test]
fn rfc7662_2_2_expired_revoked_and_rotated_tokens_are_exactly_inactive() {
    let h = harness();
    h.insert_token("expiring", TokenKind::Access, CLIENT_ID, 1);
    let mut revoked = h.insert_token("placeholder", TokenKind::Access, CLIENT_ID, 2);
    revoked.hash = TokenHash::of("revoked");
    revoked.revoked_at = Some(h.now());
    h.store.insert_token(revoked);
    let mut rotated = h.insert_token("placeholder-2", TokenKind::Refresh, CLIENT_ID, 3);
    rotated.hash = TokenHash::of("rotated");
    rotated.rotated_at = Some(h.now());
    h.store.insert_token(rotated);
    for name in ["revoked", "rotated"] {
        assert_inactive(&introspect_as(&h, CLIENT_ID, CLIENT_SECRET, name));
        assert_inactive(&introspect_as(&h, RS_ID, RS_SECRET, name));
    }
    // Active up to the last second of its life, inactive from `exp` on.
    h.advance(3599);
    assert_eq!(json(&introspect_as(&h, CLIENT_ID, CLIENT_SECRET, "expiring"))["active"], true);
    h.advance(1);
    assert_inactive(&introspect_as(&h, CLIENT_ID, CLIENT_SECRET, "expiring"));
    assert_inactive(&introspect_as(&h, RS_ID, RS_SECRET, "expiring"));
}

#[test]
fn rfc7662_4_another_clients_token_reads_as_unknown() {
    let h = harness();
    h.store.insert_client(confidential(
        "other",
        "other-secret",
        ClientAuthMethod::ClientSecretBasic,
    ));
    let token = h.insert_token("others-token", TokenKind::Access, "other", 1);
    // A client that is not a resource server sees only its own tokens.
    assert_inactive(&introspect_as(&h, CLIENT_ID, CLIENT_SECRET, "others-token"));
    let event = h.best_effort_event();
    assert_eq!((event.subject, event.family), (None, None), "nothing about the token is logged");
    // Its owner and a resource server see it.
    let mut expected = active_body("others-token", &token);
    expected["client_id"] = json!("other");
    assert_eq!(json(&introspect_as(&h, "other", "other-secret", "others-token")), expected);
    assert_eq!(json(&introspect_as(&h, RS_ID, RS_SECRET, "others-token")), expected);
}

#[test]
fn refresh_tokens_have_no_token_type_but_a_token_use() {
    let h = harness();
    let token = h.insert_token("a-refresh-token", TokenKind::Refresh, CLIENT_ID, 1);
    let body = json(&introspect_as(&h, CLIENT_ID, CLIENT_SECRET, "a-refresh-token"));
    let mut expected = active_body("a-refresh-token", &token);
    expected.as_object_mut().unwrap().remove("token_type");
    expected["token_use"] = json!("refresh_token");
    assert_eq!(body, expected);
}

#[test]
fn client_credentials_tokens_have_no_sub_and_empty_scope_is_omitted() {
    let h = harness();
    let mut token = h.insert_token("placeholder", TokenKind::Access, CLIENT_ID, 1);
    token.hash = TokenHash::of("machine-token");
    token.subject = None;
    token.scopes = Scopes::new();
    h.store.insert_token(token.clone());
    let body = json(&introspect_as(&h, CLIENT_ID, CLIENT_SECRET, "machine-token"));
    let mut expected = active_body("machine-token", &token);
    let object = expected.as_object_mut().unwrap();
    object.remove("sub");
    object.remove("scope");
    assert_eq!(body, expected);
}

#[test]
fn the_jti_is_stable_and_never_the_token_or_its_hash() {
    let h = harness();
    h.insert_token("secret-token-value", TokenKind::Access, CLIENT_ID, 1);
    let first = introspect_as(&h, CLIENT_ID, CLIENT_SECRET, "secret-token-value");
    let second = introspect_as(&h, RS_ID, RS_SECRET, "secret-token-value");
    assert_eq!(json(&first)["jti"], json(&second)["jti"]);
    let text = String::from_utf8(first.body().clone()).unwrap();
    assert!(!text.contains("secret-token-value"));
    let hash = TokenHash::of("secret-token-value");
    assert!(!text.contains(&hash.to_text()));
    assert!(!text.contains(&hash.to_text()[..8]));
}

#[test]
fn caller_must_authenticate_as_a_confidential_client() {
    let h = harness();
    h.insert_token("tok", TokenKind::Access, CLIENT_ID, 1);
    // No credentials.
    let response = h.send(introspect_request("token=tok"));
    let body = assert_error(&response, 401, "invalid_client");
    assert_eq!(body["error_description"], "client authentication is required");
    assert_eq!(response.headers()["www-authenticate"], "Basic realm=\"qscope\", charset=\"UTF-8\"");
    // A wrong secret.
    let response = introspect_as(&h, CLIENT_ID, "wrong", "tok");
    let body = assert_error(&response, 401, "invalid_client");
    assert_eq!(body["error_description"], "client authentication failed");
    assert!(response.headers().contains_key("www-authenticate"));
    let event = h.best_effort_event();
    assert_eq!(event.action, AuditAction::IntrospectionRefused);
    assert_eq!(event.client_id.as_deref(), Some(CLIENT_ID));
    assert_eq!(event.error, Some(ErrorCode::InvalidClient));
    // An unknown client.
    let response = introspect_as(&h, "nobody", "x", "tok");
    let body = assert_error(&response, 401, "invalid_client");
    assert_eq!(body["error_description"], "client authentication failed");
    // A public client proves nothing by its client_id.
    h.insert_token("public-token", TokenKind::Access, "public-app", 2);
    let response = h.send(introspect_request("token=public-token&client_id=public-app"));
    let body = assert_error(&response, 401, "invalid_client");
    assert_eq!(body["error_description"], "client authentication failed");
    assert!(response.headers().get("www-authenticate").is_none());
    assert!(h.committed.borrow().is_empty());
}

#[test]
fn client_secret_post_callers_are_accepted() {
    let h = harness();
    h.store.insert_client(confidential(
        "poster",
        "post-secret",
        ClientAuthMethod::ClientSecretPost,
    ));
    let token = h.insert_token("posted", TokenKind::Access, "poster", 1);
    let response =
        h.send(introspect_request("token=posted&client_id=poster&client_secret=post-secret"));
    let mut expected = active_body("posted", &token);
    expected["client_id"] = json!("poster");
    assert_eq!(json(&response), expected);
}

#[test]
fn token_parameter_is_required_and_get_is_refused() {
    let h = harness();
    let response =
        h.send(introspect_request("token_type_hint=access_token").basic(RS_ID, RS_SECRET));
    let body = assert_error(&response, 400, "invalid_request");
    assert_eq!(body["error_description"], "token is required");
    assert_eq!(h.best_effort_event().action, AuditAction::IntrospectionRefused);
    let response = h.send(Req::new("GET", "/introspect?token=tok", "").basic(RS_ID, RS_SECRET));
    assert_error(&response, 405, "invalid_request");
    assert_eq!(response.headers()["allow"], "POST");
    let response = h.send(
        Req::new("POST", "/introspect", "token=tok")
            .header("content-type", "text/plain")
            .basic(RS_ID, RS_SECRET),
    );
    assert_error(&response, 400, "invalid_request");
}

#[test]
fn revoked_refresh_tokens_access_tokens_introspect_inactive() {
    let h = harness();
    let (access1, refresh1) = h.redeem_code("code-1");
    let (access2, refresh2) = h.refresh(&refresh1);
    assert_eq!(json(&introspect_as(&h, RS_ID, RS_SECRET, &access2))["active"], true);
    let response =
        h.send(revoke_request(&format!("token={refresh2}")).basic(CLIENT_ID, CLIENT_SECRET));
    assert_eq!(response.status(), 200);
    for token in [&access1, &access2, &refresh1, &refresh2] {
        assert_inactive(&introspect_as(&h, RS_ID, RS_SECRET, token));
        assert_inactive(&introspect_as(&h, CLIENT_ID, CLIENT_SECRET, token));
    }
}

#[test]
fn introspection_writes_nothing_but_its_event() {
    let h = harness();
    h.insert_token("tok", TokenKind::Access, CLIENT_ID, 1);
    let before = h.store.tokens();
    let _ = introspect_as(&h, RS_ID, RS_SECRET, "tok");
    assert_eq!(h.store.tokens(), before);
    assert!(h.committed.borrow().is_empty());
    assert!(matches!(h.best_effort.borrow().as_slice(), [Effect::AppendAudit(_)]));
}
