//! The admin API: every operation is a transaction with preconditions and
//! an audit event; credentials are minted once and work immediately.

#[path = "support/clients.rs"]
mod clients;
mod support;

use clients::{manage, open, registered};
use qscope::admin::{Admin, AdminError, ClientSpec, MAX_CLIENT_ID_BYTES};
use qscope::registration::ClientMetadata;
use qscope::store::{
    AuditAction, ClientAuthMethod, Effect, GrantType, Outcome, Precondition, Record, Store,
};
use qscope::{Context, Entropy, ErrorCode, RequestId, Scopes, TokenHash};
use support::{Harness, T0, assert_error, token_request};

fn ctx(n: u8) -> Context {
    Context::new(T0, Entropy::from_bytes([n; 32])).with_request_id(RequestId(u128::from(n)))
}

fn metadata(json: &str) -> ClientMetadata {
    ClientMetadata::from_json(json.as_bytes()).unwrap()
}

fn spec(json: &str) -> ClientSpec {
    let mut spec = ClientSpec::default();
    spec.metadata = metadata(json);
    spec
}

fn audit_actions(h: &Harness) -> Vec<AuditAction> {
    h.store.audit_events().into_iter().map(|e| e.action).collect()
}

#[test]
fn create_client_mints_credentials_that_work() {
    let h = Harness::with(open());
    let admin = Admin::new(&h.server);
    let change = admin
        .create_client(
            &spec(r#"{"grant_types": ["client_credentials"], "scope": "admin"}"#),
            &ctx(1),
        )
        .unwrap();
    let client_id = change.client.client_id.clone();
    assert_eq!(client_id.len(), 22);
    assert_eq!(
        change.transaction.preconditions,
        [Precondition::ClientAbsent { client_id: client_id.clone() }]
    );
    assert_eq!(change.transaction.effects[0], Effect::PutClient(change.client.clone()));
    let Effect::AppendAudit(event) = &change.transaction.effects[1] else { panic!("audit") };
    assert_eq!(event.action, AuditAction::ClientCreated);
    assert_eq!(event.client_id.as_deref(), Some(client_id.as_str()));
    assert_eq!((event.at, event.request_id), (T0, RequestId(1)));
    assert!(change.registration_access_token.is_none(), "not asked for");
    assert_eq!(change.client.registration_token_hash, None);
    assert_eq!(change.client.auth_method, ClientAuthMethod::ClientSecretBasic);
    let secret = change.secret.expect("confidential by default");
    assert!(!format!("{:?}", secret).contains(secret.expose()), "redacted Debug");
    let serialized = serde_json::to_string(&change.transaction.effects).unwrap();
    assert!(!serialized.contains(secret.expose()), "only the hash is stored");

    assert_eq!(h.store.apply(&change.transaction).unwrap(), Outcome::Applied);
    assert_eq!(h.store.client(&client_id), Some(change.client));
    let response = h.send(
        token_request("grant_type=client_credentials&scope=admin")
            .basic(&client_id, secret.expose()),
    );
    assert_eq!(support::json(&response)["scope"], "admin");
    assert_eq!(audit_actions(&h)[0], AuditAction::ClientCreated);
}

#[test]
fn a_chosen_id_is_used_once() {
    let h = Harness::with(open());
    let admin = Admin::new(&h.server);
    let mut spec = spec(
        r#"{"redirect_uris": ["https://cli.example.com/cb"], "token_endpoint_auth_method": "none"}"#,
    );
    spec.client_id = Some("cli-client".into());
    let first = admin.create_client(&spec, &ctx(1)).unwrap();
    assert!(first.secret.is_none(), "public");
    assert_eq!(h.store.apply(&first.transaction).unwrap(), Outcome::Applied);
    let second = admin.create_client(&spec, &ctx(2)).unwrap();
    assert_eq!(
        h.store.apply(&second.transaction).unwrap(),
        Outcome::Conflict {
            failed: Precondition::ClientAbsent { client_id: "cli-client".into() },
            found: Some(Record::Client(first.client.clone())),
        }
    );
    assert_eq!(h.store.client("cli-client"), Some(first.client));
    for bad in ["", "has space", "tab\t", "é", &"x".repeat(MAX_CLIENT_ID_BYTES + 1)] {
        spec.client_id = Some(bad.to_owned());
        assert_eq!(
            admin.create_client(&spec, &ctx(3)).unwrap_err(),
            AdminError::ClientId,
            "{bad:?}"
        );
    }
}

#[test]
fn administrators_may_grant_what_self_registration_may_not() {
    let h = Harness::with(open().registration_grants(qscope::DEFAULT_REGISTRATION_GRANTS));
    let admin = Admin::new(&h.server);
    let mut spec =
        spec(r#"{"grant_types": ["client_credentials", "password"], "scope": "admin read"}"#);
    spec.resource_server = true;
    let change = admin.create_client(&spec, &ctx(1)).unwrap();
    assert_eq!(change.client.grant_types, [GrantType::ClientCredentials, GrantType::Password]);
    assert_eq!(change.client.scopes, Scopes::from_names(["admin", "read"]));
    assert!(change.client.resource_server);
    // The metadata rules still hold.
    for (json, code, description) in [
        (
            r#"{"grant_types": ["client_credentials"], "scope": "nope"}"#,
            ErrorCode::InvalidClientMetadata,
            "scope: nope may not be registered",
        ),
        (
            r#"{"redirect_uris": ["http://example.com/cb"]}"#,
            ErrorCode::InvalidRedirectUri,
            "redirect_uris[0] must use https (plain http only for the loopback addresses 127.0.0.1 and [::1])",
        ),
        (
            r#"{"grant_types": ["urn:ietf:params:oauth:grant-type:device_code"]}"#,
            ErrorCode::InvalidClientMetadata,
            "grant_types: urn:ietf:params:oauth:grant-type:device_code is not supported by this server",
        ),
    ] {
        let Err(AdminError::Metadata(err)) = admin.create_client(&self::spec(json), &ctx(2)) else {
            panic!("{json} should be refused");
        };
        assert_eq!((err.code(), err.description()), (code, description), "{json}");
    }
}

#[test]
fn update_client_replaces_metadata_under_the_read_revision() {
    let h = Harness::with(open());
    let admin = Admin::new(&h.server);
    let current = h.store.client(support::CLIENT_ID).unwrap();
    let change = admin
        .update_client(
            &current,
            &metadata(r#"{"grant_types": ["client_credentials"], "client_name": "Renamed"}"#),
            true,
            &ctx(1),
        )
        .unwrap();
    assert!(change.secret.is_none(), "the secret is kept");
    assert_eq!(
        change.transaction.preconditions,
        [Precondition::ClientRevision { client_id: support::CLIENT_ID.into(), revision: 0 }]
    );
    assert_eq!(h.store.apply(&change.transaction).unwrap(), Outcome::Applied);
    let stored = h.store.client(support::CLIENT_ID).unwrap();
    assert_eq!(stored.name.as_deref(), Some("Renamed"));
    assert_eq!(stored.grant_types, [GrantType::ClientCredentials]);
    assert!(stored.resource_server);
    assert_eq!((stored.revision, stored.secret_hash), (1, current.secret_hash));
    assert_eq!(audit_actions(&h), [AuditAction::ClientUpdated]);
    // A second update from the stale record conflicts and changes nothing.
    let stale = admin.update_client(
        &current,
        &metadata(r#"{"grant_types": ["client_credentials"]}"#),
        false,
        &ctx(2),
    );
    let outcome = h.store.apply(&stale.unwrap().transaction).unwrap();
    assert!(matches!(
        outcome,
        Outcome::Conflict { failed: Precondition::ClientRevision { revision: 0, .. }, .. }
    ));
    assert_eq!(h.store.client(support::CLIENT_ID), Some(stored));
}

#[test]
fn rotate_secret_replaces_the_old_one() {
    let h = Harness::with(open());
    let admin = Admin::new(&h.server);
    let current = h.store.client(support::CLIENT_ID).unwrap();
    let change = admin.rotate_secret(&current, &ctx(1)).unwrap();
    let secret = change.secret.unwrap();
    let Effect::AppendAudit(event) = &change.transaction.effects[1] else { panic!("audit") };
    assert_eq!(event.action, AuditAction::ClientSecretRotated);
    assert!(!serde_json::to_string(&change.transaction.effects).unwrap().contains(secret.expose()));
    assert_eq!(h.store.apply(&change.transaction).unwrap(), Outcome::Applied);
    let response = h.send(
        token_request("grant_type=client_credentials")
            .basic(support::CLIENT_ID, support::CLIENT_SECRET),
    );
    assert_error(&response, 401, "invalid_client");
    let response = h.send(
        token_request("grant_type=client_credentials").basic(support::CLIENT_ID, secret.expose()),
    );
    assert_eq!(response.status(), 200);
    // Stale record: conflict. Public client: nothing to rotate.
    let again = admin.rotate_secret(&current, &ctx(2)).unwrap();
    assert!(matches!(h.store.apply(&again.transaction).unwrap(), Outcome::Conflict { .. }));
    let public = h.store.client("public-app").unwrap();
    assert_eq!(admin.rotate_secret(&public, &ctx(3)).unwrap_err(), AdminError::PublicClient);
}

#[test]
fn rotate_registration_token_hands_over_management() {
    let h = Harness::with(open());
    let admin = Admin::new(&h.server);
    let client = registered(&h, r#"{"redirect_uris": ["https://client.example.org/cb"]}"#);
    let current = h.store.client(&client.client_id).unwrap();
    let change = admin.rotate_registration_token(&current, &ctx(1));
    let token = change.registration_access_token.unwrap();
    assert!(!format!("{token:?}").contains(token.expose()));
    assert_eq!(change.client.registration_token_hash, Some(TokenHash::of(token.expose())));
    let Effect::AppendAudit(event) = &change.transaction.effects[1] else { panic!("audit") };
    assert_eq!(event.action, AuditAction::RegistrationTokenRotated);
    assert_eq!(h.store.apply(&change.transaction).unwrap(), Outcome::Applied);
    let response = h.send(manage("GET", &client.client_id, &client.token, ""));
    assert_eq!(response.status(), 401, "the old token is gone");
    let response = h.send(manage("GET", &client.client_id, token.expose(), ""));
    assert_eq!(response.status(), 200);

    // A client created by an administrator can be given one, too.
    let mut spec = spec(r#"{"grant_types": ["client_credentials"]}"#);
    spec.registration_access_token = true;
    let created = admin.create_client(&spec, &ctx(2)).unwrap();
    assert_eq!(h.store.apply(&created.transaction).unwrap(), Outcome::Applied);
    let token = created.registration_access_token.unwrap();
    let response = h.send(manage("GET", &created.client.client_id, token.expose(), ""));
    let body = support::json(&response);
    assert_eq!(response.status(), 200);
    assert_eq!(
        body["registration_client_uri"],
        format!("https://server.example.com/register/{}", created.client.client_id)
    );
}

#[test]
fn delete_client_revokes_its_tokens() {
    let h = Harness::with(open());
    let response = h.send(
        token_request("grant_type=client_credentials")
            .basic(support::CLIENT_ID, support::CLIENT_SECRET),
    );
    let access = support::json(&response)["access_token"].as_str().unwrap().to_owned();
    let admin = Admin::new(&h.server);
    let current = h.store.client(support::CLIENT_ID).unwrap();
    let transaction = admin.delete_client(&current, &ctx(1));
    assert_eq!(
        transaction.effects[0],
        Effect::DeleteClient { client_id: support::CLIENT_ID.into(), at: T0 }
    );
    assert_eq!(h.store.apply(&transaction).unwrap(), Outcome::Applied);
    assert_eq!(h.store.client(support::CLIENT_ID), None);
    assert_eq!(h.store.token(&TokenHash::of(&access)).unwrap().revoked_at, Some(T0));
    assert_eq!(audit_actions(&h).last(), Some(&AuditAction::ClientDeleted));
    // Deleting again: the client is gone, so the revision precondition fails.
    assert!(matches!(h.store.apply(&transaction).unwrap(), Outcome::Conflict { found: None, .. }));
}

#[test]
fn clients_are_listed_page_by_page() {
    let h = Harness::with(open());
    let admin = Admin::new(&h.server);
    for id in ["c-3", "c-1", "c-2"] {
        let mut spec = spec(r#"{"grant_types": ["client_credentials"]}"#);
        spec.client_id = Some(id.into());
        let change = admin.create_client(&spec, &ctx(1)).unwrap();
        assert_eq!(h.store.apply(&change.transaction).unwrap(), Outcome::Applied);
    }
    let page = |after: Option<&str>| {
        let answers = h.store.read(&[Admin::list_clients(after, 2)]).unwrap();
        Admin::page(&answers).iter().map(|c| c.client_id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(page(None), ["c-1", "c-2"]);
    assert_eq!(page(Some("c-2")), ["c-3", "public-app"]);
    assert_eq!(page(Some("public-app")), [support::CLIENT_ID]);
    assert_eq!(page(Some(support::CLIENT_ID)), Vec::<String>::new());
}

#[test]
fn scopes_are_the_configured_definitions() {
    let h = Harness::with(open());
    let scopes: Vec<(String, bool)> =
        Admin::new(&h.server).scopes().iter().map(|s| (s.name.clone(), s.default)).collect();
    assert_eq!(scopes, [("read".into(), true), ("write".into(), false), ("admin".into(), false)]);
}

/// The administrator's metadata is held to the same text rules as a
/// registration's, though it never passes through the JSON parser: no
/// control characters and no bidirectional-text controls in what a consent
/// page shows.
#[test]
fn administrators_cannot_store_text_controls_either() {
    let h = Harness::with(open());
    let admin = Admin::new(&h.server);
    for (name, expected) in [
        ("Bank\u{202E}ppa", "client_name must not contain bidirectional text controls"),
        ("Bank\u{2067}ppa", "client_name must not contain bidirectional text controls"),
        ("Bank\u{7}", "client_name must not contain control characters"),
    ] {
        let mut spec = spec(r#"{"grant_types": ["client_credentials"]}"#);
        spec.metadata.client_name = Some(name.into());
        let Err(AdminError::Metadata(err)) = admin.create_client(&spec, &ctx(1)) else {
            panic!("{name:?} must be refused");
        };
        assert_eq!((err.code(), err.description()), (ErrorCode::InvalidClientMetadata, expected));
    }
    let mut spec = spec(r#"{"grant_types": ["client_credentials"]}"#);
    spec.metadata.contacts = Some(vec!["ops\u{200F}@example.org".into()]);
    let Err(AdminError::Metadata(err)) = admin.create_client(&spec, &ctx(2)) else {
        panic!("a contact with a bidi control must be refused");
    };
    assert_eq!(err.description(), "contacts[0] must not contain bidirectional text controls");
}
