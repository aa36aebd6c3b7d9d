//! Helpers for the registration, client management and admin tests.

#![allow(dead_code, unreachable_pub)]

use http::Response;
use qscope::store::{AuditAction, AuditEvent, Effect, GrantType};
use qscope::{ConfigBuilder, RegistrationPolicy};
use serde_json::Value;

use crate::support::{Harness, Req, assert_error, config, json};

/// The default test policy with open registration of the three usual
/// grants; `password` is enabled on the server but never self-registrable.
pub fn open() -> ConfigBuilder {
    config()
        .scope("admin", "Administer everything", false)
        .grants([
            GrantType::AuthorizationCode,
            GrantType::ClientCredentials,
            GrantType::RefreshToken,
            GrantType::Password,
        ])
        .registration(RegistrationPolicy::Open)
        .registration_scopes(["read", "write"])
        .registration_grants([
            GrantType::AuthorizationCode,
            GrantType::ClientCredentials,
            GrantType::RefreshToken,
        ])
}

/// A JSON `POST /register`.
pub fn register(body: &str) -> Req {
    Req::new("POST", "/register", body).header("content-type", "application/json")
}

/// A request to `/register/{client_id}` with the registration access token.
pub fn manage(method: &str, client_id: &str, token: &str, body: &str) -> Req {
    let req = Req::new(method, &format!("/register/{client_id}"), body)
        .header("authorization", &format!("Bearer {token}"));
    if body.is_empty() { req } else { req.header("content-type", "application/json") }
}

/// A registered client's credentials.
pub struct Registered {
    pub client_id: String,
    pub secret: Option<String>,
    pub token: String,
    /// The whole 201 body.
    pub body: Value,
}

/// Registers `metadata` over HTTP, asserting 201.
pub fn registered(h: &Harness, metadata: &str) -> Registered {
    let response = h.send(register(metadata));
    let body = json(&response);
    assert_eq!(response.status(), 201, "registration failed: {body}");
    Registered {
        client_id: body["client_id"].as_str().expect("client_id").to_owned(),
        secret: body["client_secret"].as_str().map(str::to_owned),
        token: body["registration_access_token"].as_str().expect("token").to_owned(),
        body,
    }
}

/// The member names of a JSON object, sorted.
pub fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().expect("object").keys().cloned().collect();
    keys.sort();
    keys
}

/// `names`, sorted, as owned strings.
pub fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    names.sort();
    names
}

/// The audit event among `effects`, asserting there is exactly one.
pub fn only_audit(effects: &[Effect]) -> AuditEvent {
    let events: Vec<&AuditEvent> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::AppendAudit(event) => Some(event),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1, "one audit event in {effects:?}");
    events[0].clone()
}

/// Asserts the reply's best-effort effects are one audit event with this
/// action and error, naming `client_id`.
pub fn assert_refusal_audit(
    h: &Harness,
    action: AuditAction,
    client_id: Option<&str>,
    error: &str,
) {
    let event = only_audit(&h.best_effort.borrow());
    assert_eq!(event.action, action);
    assert_eq!(event.client_id.as_deref(), client_id);
    assert_eq!(event.error.map(|e| e.as_str()), Some(error));
    assert!(h.committed.borrow().is_empty(), "a refusal commits nothing");
}

/// Asserts a `WWW-Authenticate: Bearer realm="qscope"` 401 without error
/// details (RFC 6750 §3.1; §3 requires at least one auth-param).
pub fn assert_bare_challenge(response: &Response<Vec<u8>>) {
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer realm=\"qscope\"");
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(response.body().is_empty());
}

/// Asserts 401 `invalid_token` with its Bearer challenge.
pub fn assert_invalid_token(response: &Response<Vec<u8>>, description: &str) {
    let body = assert_error(response, 401, "invalid_token");
    assert_eq!(body["error_description"], description);
    assert_eq!(
        response.headers()["www-authenticate"],
        format!(
            "Bearer realm=\"qscope\", error=\"invalid_token\", error_description=\"{description}\""
        )
        .as_str()
    );
}

/// Asserts no serialized effect of the last exchange, committed or best
/// effort, contains any of `secrets`.
pub fn assert_no_secret_in_effects(h: &Harness, secrets: &[&str]) {
    let committed = serde_json::to_string(
        &h.committed.borrow().iter().flat_map(|t| t.effects.clone()).collect::<Vec<_>>(),
    )
    .unwrap();
    let best_effort = serde_json::to_string(&*h.best_effort.borrow()).unwrap();
    for secret in secrets {
        assert!(!committed.contains(secret), "a committed effect carries a secret");
        assert!(!best_effort.contains(secret), "a best-effort effect carries a secret");
    }
}
