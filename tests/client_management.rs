//! The registration client URI (RFC 7592 §2): read, update and delete
//! with the registration access token, the error statuses, the update
//! rules, concurrency, and what deletion does to the client's tokens.

#[path = "support/clients.rs"]
mod clients;
mod support;

use clients::{
    Registered, assert_bare_challenge, assert_invalid_token, assert_refusal_audit, manage,
    only_audit, open, registered,
};
use qscope::admin::Admin;
use std::cell::{Cell, RefCell};

use qscope::store::{
    Answers, AuditAction, Effect, Outcome, Precondition, Query, Store, StoreError, TokenKind,
    Transaction,
};
use qscope::{Context, Entropy, MAX_STEPS, Scopes, SecretHash, TokenHash};
use serde_json::{Value, json};
use support::{Harness, Req, T0, assert_error, token_request};

const CLIENT: &str = r#"{
    "redirect_uris": ["https://client.example.org/callback"],
    "token_endpoint_auth_method": "client_secret_basic",
    "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
    "scope": "read write",
    "client_name": "My Example Client",
    "logo_uri": "https://client.example.org/logo.png",
    "contacts": ["ve7jtb@example.org"]
}"#;

fn setup() -> (Harness, Registered) {
    let h = Harness::with(open());
    let client = registered(&h, CLIENT);
    (h, client)
}

fn description(response: &http::Response<Vec<u8>>, status: u16, error: &str) -> String {
    assert_error(response, status, error)["error_description"].as_str().unwrap().to_owned()
}

/// The registration response without the credentials only it can show.
fn without_credentials(body: &Value) -> Value {
    let mut body = body.clone();
    let object = body.as_object_mut().unwrap();
    object.remove("client_secret");
    object.remove("registration_access_token");
    body
}

#[test]
fn read_returns_the_registered_metadata() {
    let (h, client) = setup();
    let response = h.send(manage("GET", &client.client_id, &client.token, ""));
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    let body = support::json(&response);
    assert_eq!(body, without_credentials(&client.body));
    assert_eq!(body["client_secret_expires_at"], 0);
    assert_eq!(
        body["registration_client_uri"],
        format!("https://server.example.com/register/{}", client.client_id)
    );
    assert!(h.committed.borrow().is_empty(), "a read commits nothing");
    assert!(h.best_effort.borrow().is_empty());
    // The token still works: reads do not rotate it.
    let again = h.send(manage("GET", &client.client_id, &client.token, ""));
    assert_eq!(support::json(&again), body);
}

#[test]
fn management_works_whatever_the_registration_policy() {
    let (h, client) = setup();
    // A server that closed registration still serves registered clients.
    let closed = Harness::with(support::config());
    closed.store.insert_client(h.store.client(&client.client_id).unwrap());
    let response = closed.send(manage("GET", &client.client_id, &client.token, ""));
    assert_eq!(response.status(), 200);
}

#[test]
fn missing_credentials_get_a_bare_bearer_challenge() {
    let (h, client) = setup();
    let path = format!("/register/{}", client.client_id);
    for method in ["GET", "PUT", "DELETE"] {
        let response = h.send(Req::new(method, &path, ""));
        assert_bare_challenge(&response);
        assert_refusal_audit(
            &h,
            AuditAction::ClientManagementRefused,
            Some(&client.client_id),
            "invalid_token",
        );
        let response = h.send(Req::new(method, &path, "").basic(&client.client_id, "secret"));
        assert_bare_challenge(&response);
    }
    let response = h.send(Req::new("GET", &path, "").header("authorization", "Bearer"));
    assert_eq!(
        description(&response, 400, "invalid_request"),
        "Authorization header carries no Bearer token"
    );
    assert!(h.store.client(&client.client_id).is_some());
}

#[test]
fn an_unknown_token_is_invalid_token() {
    let (h, client) = setup();
    for method in ["GET", "PUT", "DELETE"] {
        let body = if method == "PUT" { CLIENT } else { "" };
        let response = h.send(manage(method, &client.client_id, "not-the-token", body));
        assert_invalid_token(&response, "the registration access token is not valid");
        assert_refusal_audit(
            &h,
            AuditAction::ClientManagementRefused,
            Some(&client.client_id),
            "invalid_token",
        );
    }
    // The client secret is not a registration access token.
    let secret = client.secret.clone().unwrap();
    let response = h.send(manage("GET", &client.client_id, &secret, ""));
    assert_invalid_token(&response, "the registration access token is not valid");
}

#[test]
fn another_clients_token_is_forbidden() {
    let (h, a) = setup();
    let b = registered(&h, CLIENT);
    for (method, body) in [("GET", ""), ("PUT", CLIENT), ("DELETE", "")] {
        let response = h.send(manage(method, &b.client_id, &a.token, body));
        assert_eq!(
            description(&response, 403, "access_denied"),
            "the registration access token belongs to another client"
        );
        assert!(!response.headers().contains_key("www-authenticate"));
        assert_refusal_audit(
            &h,
            AuditAction::ClientManagementRefused,
            Some(&b.client_id),
            "access_denied",
        );
    }
    // The same answer whether or not the addressed client exists.
    let response = h.send(manage("GET", "no-such-client", &a.token, ""));
    assert_error(&response, 403, "access_denied");
    assert!(h.store.client(&b.client_id).is_some(), "b untouched");
}

#[test]
fn the_uri_names_one_client_and_three_methods() {
    let (h, client) = setup();
    for method in ["POST", "PATCH", "HEAD"] {
        let response = h.send(manage(method, &client.client_id, &client.token, ""));
        assert_eq!(response.status(), 405, "{method}");
        assert_eq!(response.headers()["allow"], "GET, PUT, DELETE");
    }
    for path in
        ["/register/", format!("/register/{}/extra", client.client_id).as_str(), "/register/%zz"]
    {
        let response = h.send(
            Req::new("GET", path, "").header("authorization", &format!("Bearer {}", client.token)),
        );
        assert_eq!(response.status(), 404, "{path}");
    }
    // Percent-encoding in the path is decoded.
    let (first, rest) = client.client_id.split_at(1);
    let encoded = format!("%{:02X}{rest}", first.as_bytes()[0]);
    let response = h.send(manage("GET", &encoded, &client.token, ""));
    assert_eq!(response.status(), 200);
}

#[test]
fn update_replaces_the_metadata() {
    let (h, client) = setup();
    let before = h.store.client(&client.client_id).unwrap();
    let update = json!({
        "client_id": client.client_id,
        "redirect_uris": ["https://client.example.org/callback", "https://client.example.org/alt"],
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "client_secret_basic",
        "jwks_uri": "https://client.example.org/my_public_keys.jwks",
        "client_name": "My New Example",
        "client_name#fr": "Mon Nouvel Exemple",
        "logo_uri": "https://client.example.org/newlogo.png"
    });
    let response = h.send(manage("PUT", &client.client_id, &client.token, &update.to_string()));
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = support::json(&response);
    assert_eq!(
        body,
        json!({
            "client_id": client.client_id,
            "client_id_issued_at": T0.as_secs(),
            "client_secret_expires_at": 0,
            "registration_client_uri": format!("https://server.example.com/register/{}", client.client_id),
            "redirect_uris": ["https://client.example.org/callback", "https://client.example.org/alt"],
            "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "scope": "read",
            "client_name": "My New Example",
            "logo_uri": "https://client.example.org/newlogo.png"
        }),
        "omitted members (scope, contacts) are reset to their defaults"
    );
    let stored = h.store.client(&client.client_id).unwrap();
    let mut expected = before;
    expected.redirect_uris =
        vec!["https://client.example.org/callback".into(), "https://client.example.org/alt".into()];
    expected.grant_types =
        vec![qscope::store::GrantType::AuthorizationCode, qscope::store::GrantType::RefreshToken];
    expected.scopes = Scopes::from_names(["read"]);
    expected.name = Some("My New Example".into());
    expected.logo_uri = Some("https://client.example.org/newlogo.png".into());
    expected.contacts = Vec::new();
    expected.revision = 1;
    assert_eq!(stored, expected, "same id, secret, token and issue time; new metadata");

    let committed = h.committed.borrow().clone();
    assert_eq!(committed.len(), 1);
    assert_eq!(
        committed[0].preconditions,
        [Precondition::ClientRevision { client_id: client.client_id.clone(), revision: 0 }]
    );
    assert_eq!(committed[0].effects[0], Effect::PutClient(expected));
    let event = only_audit(&committed[0].effects);
    assert_eq!(event.action, AuditAction::ClientUpdated);
    assert_eq!(event.client_id.as_deref(), Some(client.client_id.as_str()));

    // The secret and the registration access token still work.
    let secret = client.secret.unwrap();
    let response = h.send(manage("GET", &client.client_id, &client.token, ""));
    assert_eq!(support::json(&response), body);
    let response =
        h.send(token_request("grant_type=client_credentials").basic(&client.client_id, &secret));
    assert_error(&response, 400, "unauthorized_client");
}

#[test]
fn update_follows_the_rules_of_rfc7592_section_2_2() {
    let (h, client) = setup();
    let before = h.store.client(&client.client_id).unwrap();
    let base = |extra: Value| {
        let mut body = json!({
            "client_id": client.client_id,
            "redirect_uris": ["https://client.example.org/callback"]
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (
            json!({"redirect_uris": ["https://client.example.org/callback"]}),
            "invalid_client_metadata",
            "client_id is required in an update request",
        ),
        (
            base(json!({"client_id": "someone-else"})),
            "invalid_client_metadata",
            "client_id does not match the client being updated",
        ),
        (
            base(json!({"client_secret": "not-the-secret"})),
            "invalid_client_metadata",
            "client_secret does not match the client's current secret",
        ),
        (
            base(json!({"registration_access_token": client.token})),
            "invalid_client_metadata",
            "registration_access_token must not be sent in an update request",
        ),
        (
            base(json!({"registration_client_uri": "https://server.example.com/register/x"})),
            "invalid_client_metadata",
            "registration_client_uri must not be sent in an update request",
        ),
        (
            base(json!({"client_secret_expires_at": 0})),
            "invalid_client_metadata",
            "client_secret_expires_at must not be sent in an update request",
        ),
        (
            base(json!({"client_id_issued_at": 1})),
            "invalid_client_metadata",
            "client_id_issued_at must not be sent in an update request",
        ),
        (
            base(json!({"redirect_uris": ["http://sketchy.example.com"]})),
            "invalid_redirect_uri",
            "redirect_uris[0] must use https (plain http only for the loopback addresses 127.0.0.1 and [::1])",
        ),
        (
            base(json!({"grant_types": ["password"]})),
            "invalid_client_metadata",
            "grant_types: password may not be registered",
        ),
        (
            base(json!({"scope": "admin"})),
            "invalid_client_metadata",
            "scope: admin may not be registered",
        ),
    ];
    for (body, error, expected) in cases {
        let response = h.send(manage("PUT", &client.client_id, &client.token, &body.to_string()));
        assert_eq!(description(&response, 400, error), expected, "{body}");
        assert_refusal_audit(
            &h,
            AuditAction::ClientManagementRefused,
            Some(&client.client_id),
            error,
        );
    }
    let response = h.send(
        Req::new("PUT", &format!("/register/{}", client.client_id), "{}")
            .header("authorization", &format!("Bearer {}", client.token)),
    );
    assert_eq!(
        description(&response, 400, "invalid_request"),
        "Content-Type must be application/json"
    );
    assert_eq!(h.store.client(&client.client_id), Some(before), "nothing changed");

    // The current secret may be sent.
    let body = base(json!({"client_secret": client.secret.clone().unwrap()}));
    let response = h.send(manage("PUT", &client.client_id, &client.token, &body.to_string()));
    assert_eq!(response.status(), 200);
}

#[test]
fn a_public_client_turning_confidential_gets_a_working_secret() {
    let h = Harness::with(open());
    let client = registered(
        &h,
        r#"{"redirect_uris": ["com.example.app:/cb"], "token_endpoint_auth_method": "none"}"#,
    );
    let update = json!({
        "client_id": client.client_id,
        "token_endpoint_auth_method": "client_secret_post",
        "grant_types": ["client_credentials"],
        "scope": "write"
    });
    let response = h.send(manage("PUT", &client.client_id, &client.token, &update.to_string()));
    let body = support::json(&response);
    assert_eq!(response.status(), 200, "{body}");
    let secret = body["client_secret"].as_str().expect("a new secret, shown once").to_owned();
    assert_eq!(secret.len(), 43);
    assert_eq!(body["client_secret_expires_at"], 0);
    assert!(body.get("registration_access_token").is_none());
    let stored = h.store.client(&client.client_id).unwrap();
    assert_eq!(stored.secret_hash, Some(SecretHash::of(&secret)));
    clients::assert_no_secret_in_effects(&h, &[&secret]);
    let response = h.send(token_request(&format!(
        "grant_type=client_credentials&scope=write&client_id={}&client_secret={secret}",
        client.client_id
    )));
    assert_eq!(support::json(&response)["scope"], "write", "{}", support::json(&response));
    // A read afterwards cannot show the secret again.
    let response = h.send(manage("GET", &client.client_id, &client.token, ""));
    assert!(support::json(&response).get("client_secret").is_none());
}

#[test]
fn a_confidential_client_turning_public_loses_its_secret() {
    let (h, client) = setup();
    let update = json!({
        "client_id": client.client_id,
        "redirect_uris": ["https://client.example.org/callback"],
        "token_endpoint_auth_method": "none"
    });
    let response = h.send(manage("PUT", &client.client_id, &client.token, &update.to_string()));
    let body = support::json(&response);
    assert_eq!(response.status(), 200, "{body}");
    assert!(body.get("client_secret").is_none() && body.get("client_secret_expires_at").is_none());
    assert_eq!(h.store.client(&client.client_id).unwrap().secret_hash, None);
    let response = h.send(
        token_request("grant_type=client_credentials")
            .basic(&client.client_id, &client.secret.unwrap()),
    );
    assert_error(&response, 401, "invalid_client");
}

#[test]
fn updates_may_keep_scopes_an_administrator_granted() {
    let (h, client) = setup();
    let mut record = h.store.client(&client.client_id).unwrap();
    record.scopes = Scopes::from_names(["admin", "read"]);
    h.store.insert_client(record);
    let update = json!({
        "client_id": client.client_id,
        "grant_types": ["client_credentials"],
        "scope": "admin read"
    });
    let response = h.send(manage("PUT", &client.client_id, &client.token, &update.to_string()));
    assert_eq!(support::json(&response)["scope"], "admin read");
}

/// Drives `request` to its first commit, lets `meanwhile` change the store,
/// then finishes; returns the response and the number of commits.
fn race(h: &Harness, request: Req, meanwhile: impl FnOnce()) -> (http::Response<Vec<u8>>, usize) {
    let meanwhile = RefCell::new(Some(meanwhile));
    let store = Meddling::new(h, || {
        if let Some(change) = meanwhile.borrow_mut().take() {
            change();
        }
    });
    let ctx = Context::new(h.now(), Entropy::from_bytes([42; 32]));
    let request = http::Request::from(request);
    // Best-effort effects left unapplied: only commits reach the store.
    let reply = qscope::drive_deferred(&h.server, &store, &request, ctx).reply;
    (reply.into_http().expect("an HTTP reply"), store.outcomes.borrow().len())
}

/// The harness's store with `before_commit` run before every commit is
/// applied: another writer getting there first. Every step is counted and
/// every commit's outcome kept.
struct Meddling<'h, F> {
    h: &'h Harness,
    before_commit: F,
    steps: Cell<usize>,
    outcomes: RefCell<Vec<Outcome>>,
}

impl<'h, F: Fn()> Meddling<'h, F> {
    fn new(h: &'h Harness, before_commit: F) -> Self {
        Self { h, before_commit, steps: Cell::new(0), outcomes: RefCell::default() }
    }

    fn step(&self) {
        self.steps.set(self.steps.get() + 1);
        assert!(self.steps.get() < MAX_STEPS, "step bound");
    }
}

impl<F: Fn()> Store for Meddling<'_, F> {
    fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        self.step();
        Ok(self.h.store.read(queries).unwrap())
    }

    fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        self.step();
        (self.before_commit)();
        let outcome = self.h.store.apply(transaction).unwrap();
        self.outcomes.borrow_mut().push(outcome.clone());
        Ok(outcome)
    }
}

fn admin_ctx() -> Context {
    Context::new(T0, Entropy::from_bytes([77; 32]))
}

#[test]
fn a_concurrent_secret_rotation_is_not_overwritten() {
    let (h, client) = setup();
    let update = json!({
        "client_id": client.client_id,
        "redirect_uris": ["https://client.example.org/callback"],
        "client_name": "Renamed"
    });
    let mut rotated = None;
    let (response, commits) =
        race(&h, manage("PUT", &client.client_id, &client.token, &update.to_string()), || {
            let current = h.store.client(&client.client_id).unwrap();
            let change = Admin::new(&h.server).rotate_secret(&current, &admin_ctx()).unwrap();
            assert_eq!(h.store.apply(&change.transaction).unwrap(), Outcome::Applied);
            rotated = change.secret;
        });
    assert_eq!(response.status(), 200, "decided again from the rotated record");
    assert_eq!(commits, 2, "the first commit conflicted");
    let stored = h.store.client(&client.client_id).unwrap();
    assert_eq!(stored.name.as_deref(), Some("Renamed"));
    assert_eq!(stored.secret_hash, Some(rotated.unwrap().hash()), "the rotation survives");
    assert_eq!(stored.revision, 2);
}

#[test]
fn a_concurrent_token_rotation_or_deletion_invalidates_the_request() {
    let (h, client) = setup();
    let (response, commits) =
        race(&h, manage("DELETE", &client.client_id, &client.token, ""), || {
            let current = h.store.client(&client.client_id).unwrap();
            let change = Admin::new(&h.server).rotate_registration_token(&current, &admin_ctx());
            assert_eq!(h.store.apply(&change.transaction).unwrap(), Outcome::Applied);
        });
    assert_invalid_token(&response, "the registration access token is not valid");
    assert_eq!(commits, 1);
    assert!(h.store.client(&client.client_id).is_some(), "not deleted with a replaced token");

    let (h, client) = setup();
    let body = json!({"client_id": client.client_id, "redirect_uris": ["https://client.example.org/callback"]});
    let (response, _) =
        race(&h, manage("PUT", &client.client_id, &client.token, &body.to_string()), || {
            let current = h.store.client(&client.client_id).unwrap();
            let delete = Admin::new(&h.server).delete_client(&current, &admin_ctx());
            assert_eq!(h.store.apply(&delete).unwrap(), Outcome::Applied);
        });
    assert_invalid_token(&response, "the registration access token is not valid");
    assert_eq!(h.store.client(&client.client_id), None, "a deleted client is not resurrected");
}

#[test]
fn repeated_conflicts_end_in_temporarily_unavailable() {
    let (h, client) = setup();
    // Someone changes the client before every commit.
    let store = Meddling::new(&h, || {
        let mut current = h.store.client(&client.client_id).unwrap();
        current.revision += 1;
        h.store.insert_client(current);
    });
    let ctx = Context::new(h.now(), Entropy::from_bytes([42; 32]));
    let request = http::Request::from(manage("DELETE", &client.client_id, &client.token, ""));
    let respond = qscope::drive_deferred(&h.server, &store, &request, ctx);
    let response = respond.reply.into_http().expect("an HTTP reply");
    assert!(
        store.outcomes.borrow().iter().all(|outcome| matches!(outcome, Outcome::Conflict { .. }))
    );
    // Every read and commit, and the respond.
    let steps = store.steps.get() + 1;
    assert_eq!(
        description(&response, 503, "temporarily_unavailable"),
        "the client changed while this request was processed; retry"
    );
    assert_eq!(steps, 4, "read, two commits, respond");
    assert!(h.store.client(&client.client_id).is_some());
}

#[test]
fn delete_removes_the_client_and_revokes_its_tokens() {
    let (h, client) = setup();
    let secret = client.secret.clone().unwrap();
    let response =
        h.send(token_request("grant_type=client_credentials").basic(&client.client_id, &secret));
    let access = support::json(&response)["access_token"].as_str().unwrap().to_owned();
    let code = h.code("code-before-delete", &client.client_id);
    let response = h.send(
        token_request(&format!(
            "grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&code_verifier={}",
            support::VERIFIER
        ))
        .basic(&client.client_id, &secret),
    );
    let refresh = support::json(&response)["refresh_token"].as_str().unwrap().to_owned();
    let other = h.store.tokens().into_iter().filter(|t| t.client_id != client.client_id).count();

    h.advance(10);
    let response = h.send(manage("DELETE", &client.client_id, &client.token, ""));
    assert_eq!(response.status(), 204);
    assert!(response.body().is_empty());
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    let committed = h.committed.borrow().clone();
    assert_eq!(committed.len(), 1);
    assert_eq!(
        committed[0].preconditions,
        [Precondition::ClientRevision { client_id: client.client_id.clone(), revision: 0 }]
    );
    assert_eq!(
        committed[0].effects[0],
        Effect::DeleteClient { client_id: client.client_id.clone(), at: h.now() }
    );
    assert_eq!(only_audit(&committed[0].effects).action, AuditAction::ClientDeleted);

    assert_eq!(h.store.client(&client.client_id), None);
    let tokens: Vec<_> =
        h.store.tokens().into_iter().filter(|t| t.client_id == client.client_id).collect();
    assert_eq!(tokens.len(), 3, "one client-credentials access token, one access + one refresh");
    assert!(tokens.iter().all(|t| t.revoked_at == Some(h.now())), "all revoked in the same commit");
    for token in [&access, &refresh] {
        let record = h.store.token(&TokenHash::of(token)).unwrap();
        assert!(!record.is_active(h.now()));
    }
    assert!(tokens.iter().any(|t| t.kind == TokenKind::Refresh));
    assert_eq!(
        h.store
            .tokens()
            .into_iter()
            .filter(|t| t.client_id != client.client_id && t.revoked_at.is_none())
            .count(),
        other,
        "other clients' tokens untouched"
    );
    // A resource server introspecting the deleted client's tokens sees them
    // inactive (RFC 7662 §2.2).
    let mut resource_server = support::confidential(
        "rs",
        "rs-secret",
        qscope::store::ClientAuthMethod::ClientSecretBasic,
    );
    resource_server.resource_server = true;
    h.store.insert_client(resource_server);
    for token in [&access, &refresh] {
        let response =
            h.send(support::introspect_request(&format!("token={token}")).basic("rs", "rs-secret"));
        assert_eq!(response.status(), 200);
        assert_eq!(response.body().as_slice(), br#"{"active":false}"#);
    }

    let response = h.send(manage("GET", &client.client_id, &client.token, ""));
    assert_invalid_token(&response, "the registration access token is not valid");
    let response = h.send(manage("DELETE", &client.client_id, &client.token, ""));
    assert_invalid_token(&response, "the registration access token is not valid");
    let response =
        h.send(token_request("grant_type=client_credentials").basic(&client.client_id, &secret));
    assert_error(&response, 401, "invalid_client");
    let response = h.send(
        token_request(&format!("grant_type=refresh_token&refresh_token={refresh}"))
            .basic(&client.client_id, &secret),
    );
    assert_error(&response, 401, "invalid_client");
    let found = h
        .store
        .read(&[Query::ClientByRegistrationToken { hash: TokenHash::of(&client.token) }])
        .unwrap();
    assert_eq!(found.as_slice()[0].record, None);
}
