//! The authorization endpoint and self-registered clients (RFC 9700
//! §4.11.2): the redirect URIs of a client that registered itself are not
//! trusted, so an invalid request is answered directly, never redirected,
//! before the user has authenticated. An administrator's client keeps
//! RFC 6749 §4.1.2.1 error redirects.

#[path = "support/clients.rs"]
mod clients;
mod support;

use std::sync::atomic::Ordering;

use clients::{open, registered};
use qscope::admin::{Admin, ClientSpec};
use qscope::registration::ClientMetadata;
use qscope::store::{AuditAction, MemoryStore, Outcome, Registrant, Store};
use qscope::{Decision, Scopes};
use support::*;

/// The attacker's registration of the issue: a public client whose only
/// redirect URI is the attacker's landing page.
const EVIL: &str =
    r#"{"redirect_uris":["https://evil.example/landing"],"token_endpoint_auth_method":"none"}"#;
const EVIL_CB: &str = "https://evil.example/landing";

fn evil(h: &Harness) -> String {
    registered(h, EVIL).client_id
}

/// Asserts a direct 400 with `error` and `description`, no `Location`, no
/// commit, and the refusal's audit event naming `client_id`.
fn assert_answered_directly(
    h: &Harness,
    response: &http::Response<Vec<u8>>,
    client_id: &str,
    error: &str,
    description: &str,
) {
    let body = assert_direct(response, 400, error);
    assert_eq!(body["error_description"], description);
    assert!(h.committed.borrow().is_empty(), "a refusal commits nothing");
    let event = refused_event(h);
    assert_eq!(event.action, AuditAction::AuthorizationRefused);
    assert_eq!(event.client_id.as_deref(), Some(client_id));
    assert_eq!(event.error.map(|e| e.as_str()), Some(error));
}

#[test]
fn rfc9700_4_11_2_a_self_registered_client_gets_no_error_redirect() {
    let h = Harness::with(open());
    let id = evil(&h);
    for (query, error, description) in [
        (format!("client_id={id}"), "invalid_request", "response_type is required"),
        (
            format!("client_id={id}&response_type=code&scope=bogus&{PKCE}"),
            "invalid_scope",
            "scope bogus is not allowed for this client",
        ),
        (
            format!("client_id={id}&response_type=token&state=xyz"),
            "unsupported_response_type",
            "response_type must be code",
        ),
        (
            format!("client_id={id}&response_type=code&state=xyz"),
            "invalid_request",
            "code_challenge is required",
        ),
        (
            format!("client_id={id}&response_type=code&{PKCE}&state=a&state=b"),
            "invalid_request",
            "parameter state is repeated",
        ),
        (
            format!("client_id={id}&redirect_uri={}&response_type=code", enc(EVIL_CB)),
            "invalid_request",
            "code_challenge is required",
        ),
    ] {
        let response = h.send(authorize(&query));
        assert_answered_directly(&h, &response, &id, error, description);
    }
    // A browser gets the HTML page, still without a Location.
    let response = h.send(authorize(&format!("client_id={id}")).header("accept", "text/html"));
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());
    assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
    let page = String::from_utf8(response.body().clone()).unwrap();
    assert!(page.contains("invalid_request: response_type is required"), "{page}");
}

#[test]
fn rfc9700_4_11_2_the_denial_after_the_users_decision_still_redirects() {
    let h = Harness::with(open());
    let id = evil(&h);
    let interaction =
        h.interaction(authorize(&format!("client_id={id}&response_type=code&state=xyz&{PKCE}")));
    assert_eq!(interaction.redirect_uri, EVIL_CB);
    // The user authenticated and refused: the client is told where the
    // user saw it would be sent.
    let response = h.decide(Decision::deny(interaction.handle));
    assert_eq!(
        decision_location(&response),
        format!(
            "{EVIL_CB}?error=access_denied&error_description={}&state=xyz&{ISS}",
            enc("the resource owner denied the request")
        )
    );
}

#[test]
fn rfc9700_4_11_2_an_administrators_client_keeps_error_redirects() {
    let h = Harness::with(open());
    // `public-app` is the harness's administrator-made client.
    let response = h.send(authorize("client_id=public-app&state=xyz"));
    assert_eq!(
        location(&response),
        format!(
            "{APP_REDIRECT}?error=invalid_request&error_description={}&state=xyz&{ISS}",
            enc("response_type is required")
        )
    );
}

#[test]
fn rfc9700_4_11_2_store_failures_of_a_self_registered_client_are_direct() {
    let h = Harness::with(open());
    let id = evil(&h);
    let store = FailingStore::new(MemoryStore::new(), true);
    store.inner.insert_client(h.store.client(&id).expect("registered"));
    store.fail_applies.store(true, Ordering::SeqCst);
    let query = format!("client_id={id}&response_type=code&state=xyz&{PKCE}");
    let reply =
        qscope::drive(&h.server, &store, &http::Request::from(authorize(&query)), h.context());
    let response = reply.into_http().expect("an HTTP answer");
    let body = assert_direct(&response, 503, "temporarily_unavailable");
    assert_eq!(body["error_description"], "storage is temporarily unavailable; retry later");
    assert!(store.inner.pendings().is_empty());
}

#[test]
fn rfc9700_4_11_2_a_pushed_request_rechecked_for_a_self_registered_client_is_direct() {
    let h = Harness::with(open());
    let client = registered(
        &h,
        r#"{"redirect_uris":["https://evil.example/landing"],"token_endpoint_auth_method":"none",
            "scope":"read write"}"#,
    );
    let id = client.client_id;
    let pushed = h.send(par_request(&format!(
        "client_id={id}&response_type=code&scope=write&state=xyz&{PKCE}"
    )));
    assert_eq!(pushed.status(), 201, "{}", json(&pushed));
    let request_uri = json(&pushed)["request_uri"].as_str().unwrap().to_owned();
    // An administrator narrows the client before the request is redeemed.
    let mut narrowed = h.store.client(&id).unwrap();
    narrowed.scopes = Scopes::from_names(["read"]);
    h.store.insert_client(narrowed);
    let response = h.send(authorize(&format!("client_id={id}&request_uri={}", enc(&request_uri))));
    assert_answered_directly(
        &h,
        &response,
        &id,
        "invalid_scope",
        "scope is no longer allowed for this client",
    );
    // With PAR required, a direct request is refused directly too.
    let h = Harness::with(open().require_par(true));
    let id = evil(&h);
    let response =
        h.send(authorize(&format!("client_id={id}&response_type=code&state=xyz&{PKCE}")));
    assert_answered_directly(
        &h,
        &response,
        &id,
        "invalid_request",
        "authorization requests must be pushed to the PAR endpoint",
    );
    assert!(h.store.pendings().is_empty(), "nothing waits for a decision");
}

#[test]
fn the_interaction_says_who_registered_the_client() {
    let h = Harness::with(open());
    let id = evil(&h);
    let query = format!("client_id={id}&response_type=code&state=xyz&{PKCE}");
    assert_eq!(h.interaction(authorize(&query)).registrant, Registrant::SelfRegistered);
    let query = format!("client_id=public-app&response_type=code&state=xyz&{PKCE}");
    assert_eq!(h.interaction(authorize(&query)).registrant, Registrant::Administrator);
}

/// The policy switch: a server that trusts self-registered redirect URIs
/// (say, registration behind initial access tokens handed out with care)
/// redirects their errors as RFC 6749 §4.1.2.1 says.
#[test]
fn trusted_self_registered_redirects_get_rfc6749_4_1_2_1_redirects() {
    let h = Harness::with(open().trust_self_registered_redirects(true));
    assert!(h.server.config().trust_self_registered_redirects());
    let id = evil(&h);
    let response = h.send(authorize(&format!("client_id={id}&state=xyz")));
    assert_eq!(
        location(&response),
        format!(
            "{EVIL_CB}?error=invalid_request&error_description={}&state=xyz&{ISS}",
            enc("response_type is required")
        )
    );
    let client = h.store.client(&id).unwrap();
    assert!(h.server.config().trusts_redirects_of(&client));
    let h = Harness::with(open());
    assert!(!h.server.config().trusts_redirects_of(&client), "not by default");
}

/// A client an administrator made with `qscope::admin` is trusted.
#[test]
fn an_admin_api_client_is_an_administrators() {
    let h = Harness::with(open());
    let mut spec = ClientSpec::default();
    spec.metadata = ClientMetadata::from_json(EVIL.as_bytes()).unwrap();
    let change = Admin::new(&h.server).create_client(&spec, &h.context()).expect("valid metadata");
    assert_eq!(change.client.registrant, Registrant::Administrator);
    assert_eq!(h.store.apply(&change.transaction).unwrap(), Outcome::Applied);
    let id = change.client.client_id;
    let response = h.send(authorize(&format!("client_id={id}&state=xyz")));
    assert!(location(&response).starts_with(&format!("{EVIL_CB}?error=invalid_request&")));
}
