//! Pushed authorization requests (RFC 9126 §2, §4, §5) and their
//! redemption at the authorization endpoint: a `request_uri` works once.

mod support;

use qscope::store::{
    AuditAction, ClientAuthMethod, Effect, GrantType, MemoryStore, PendingKind, PkceChallenge,
    PkceMethod, Precondition, Store, TokenHash,
};
use qscope::{Endpoints, ErrorCode, Reply, Scopes, Seconds, Step};
use support::*;

const PREFIX: &str = "urn:ietf:params:oauth:request_uri:";
/// RFC 9126 §2.1 (with client authentication by HTTP Basic instead of a
/// JWT assertion, which qscope does not support yet).
const RFC_PAR_BODY: &str = "response_type=code&state=af0ifjsldkj&client_id=s6BhdRkqt3\
&redirect_uri=https%3A%2F%2Fclient.example.org%2Fcb\
&code_challenge=K2-ltc83acc4h0c9w6ESC_rEMTJ3bww-uCHaoeK1t8U\
&code_challenge_method=S256&scope=account-information";
const RFC_REDIRECT: &str = "https://client.example.org/cb";

fn rfc_harness(builder: qscope::ConfigBuilder) -> Harness {
    let h = Harness::with(builder.scope("account-information", "Read account information", false));
    h.store.insert_client(
        confidential(CLIENT_ID, CLIENT_SECRET, ClientAuthMethod::ClientSecretBasic)
            .with_redirect_uris([RFC_REDIRECT])
            .with_scopes(Scopes::from_names(["account-information"])),
    );
    h
}

/// Pushes the RFC 9126 §2.1 request; returns the `request_uri`.
fn push(h: &Harness) -> String {
    let response = h.send(par_request(RFC_PAR_BODY).basic(CLIENT_ID, CLIENT_SECRET));
    assert_eq!(response.status(), 201, "{:?}", json(&response));
    json(&response)["request_uri"].as_str().unwrap().to_owned()
}

fn redeem(request_uri: &str) -> Req {
    authorize(&format!("client_id={CLIENT_ID}&request_uri={}", enc(request_uri)))
}

#[test]
fn rfc9126_2_2_push_answers_201_with_a_request_uri() {
    let h = rfc_harness(config());
    let response = h.send(par_request(RFC_PAR_BODY).basic(CLIENT_ID, CLIENT_SECRET));
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = json(&response);
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
    assert_eq!(body["expires_in"], 60);
    let request_uri = body["request_uri"].as_str().unwrap();
    let reference = request_uri.strip_prefix(PREFIX).expect("RFC 9126 §2.2 URN form");
    assert_eq!(reference.len(), 43, "a 256-bit reference");

    let committed = h.committed.borrow();
    let [transaction] = committed.as_slice() else { panic!("one commit") };
    assert!(transaction.preconditions.is_empty());
    let [Effect::PutPending(pending), Effect::AppendAudit(event)] = transaction.effects.as_slice()
    else {
        panic!("PutPending, AppendAudit: {transaction:?}");
    };
    assert_eq!(pending.hash, TokenHash::of(request_uri), "stored by hash only");
    assert_eq!(pending.kind, PendingKind::PushedRequest);
    assert_eq!(pending.client_id, CLIENT_ID);
    assert_eq!(pending.redirect_uri.as_deref(), Some(RFC_REDIRECT));
    assert_eq!(pending.resolved_redirect_uri, RFC_REDIRECT);
    assert_eq!(pending.scopes, Scopes::from_names(["account-information"]));
    assert_eq!(pending.state.as_deref(), Some("af0ifjsldkj"));
    assert_eq!(
        pending.challenge,
        Some(PkceChallenge {
            method: PkceMethod::S256,
            challenge: "K2-ltc83acc4h0c9w6ESC_rEMTJ3bww-uCHaoeK1t8U".into()
        })
    );
    assert_eq!(pending.expires_at, T0.after(Seconds::new(60)));
    assert_eq!(event.action, AuditAction::ParStored);
    assert_eq!(event.client_id.as_deref(), Some(CLIENT_ID));
    assert!(!format!("{event:?}").contains(reference));
}

#[test]
fn rfc9126_4_request_uri_becomes_an_interaction_once() {
    let h = rfc_harness(config());
    let request_uri = push(&h);
    let par_hash = TokenHash::of(&request_uri);
    let interaction = h.interaction(redeem(&request_uri));
    assert!(interaction.pushed);
    assert_eq!(interaction.client_id, CLIENT_ID);
    assert_eq!(interaction.redirect_uri, RFC_REDIRECT);
    assert_eq!(interaction.requested_scopes(), Scopes::from_names(["account-information"]));
    assert_eq!(interaction.scopes[0].description.as_deref(), Some("Read account information"));
    assert_eq!(interaction.expires_at, T0.after(Seconds::minutes(10)));

    let committed = h.committed.borrow();
    let [transaction] = committed.as_slice() else { panic!("one commit") };
    assert_eq!(transaction.preconditions, [Precondition::PendingExists { hash: par_hash }]);
    let [Effect::TakePending { hash }, Effect::PutPending(pending), Effect::AppendAudit(event)] =
        transaction.effects.as_slice()
    else {
        panic!("TakePending, PutPending, AppendAudit: {transaction:?}");
    };
    assert_eq!(*hash, par_hash);
    assert_eq!(pending.hash, TokenHash::of(interaction.handle.expose()));
    assert_ne!(pending.hash, par_hash, "the host's handle is not the client's request_uri");
    assert_eq!(pending.kind, PendingKind::PushedInteraction);
    assert_eq!(pending.state.as_deref(), Some("af0ifjsldkj"));
    assert_eq!(event.action, AuditAction::AuthorizationRequested);
    drop(committed);
    assert_eq!(h.store.pending(&par_hash), None);

    // Second use: refused directly, never redirected.
    let body = assert_direct(&h.send(redeem(&request_uri)), 400, "invalid_request_uri");
    assert_eq!(body["error_description"], "request_uri is unknown or was already used");
    assert!(h.committed.borrow().is_empty());
    let event = refused_event(&h);
    assert_eq!(event.action, AuditAction::AuthorizationRefused);
    assert_eq!(event.error, Some(ErrorCode::InvalidRequestUri));

    // And the approval goes to the pushed redirect URI with the pushed state.
    let location = decision_location(&h.decide(qscope::Decision::approve(
        interaction.handle,
        "alice",
        Scopes::from_names(["account-information"]),
    )));
    let code = query_param(&location, "code").unwrap();
    assert_eq!(location, format!("{RFC_REDIRECT}?code={code}&state=af0ifjsldkj&{ISS}"));
}

#[test]
fn parameters_outside_the_request_uri_are_ignored() {
    let h = rfc_harness(config());
    let request_uri = push(&h);
    let query = format!(
        "client_id={CLIENT_ID}&request_uri={}&scope=read&state=other&response_type=token\
         &redirect_uri={}",
        enc(&request_uri),
        enc("https://evil.example/cb")
    );
    let interaction = h.interaction(authorize(&query));
    assert_eq!(interaction.redirect_uri, RFC_REDIRECT);
    assert_eq!(interaction.requested_scopes(), Scopes::from_names(["account-information"]));
}

#[test]
fn expired_foreign_and_unknown_request_uris_are_refused_directly() {
    let h = rfc_harness(config());
    let request_uri = push(&h);
    h.store.insert_client(public_app());
    let body = assert_direct(
        &h.send(authorize(&format!("client_id=public-app&request_uri={}", enc(&request_uri)))),
        400,
        "invalid_request_uri",
    );
    assert_eq!(body["error_description"], "request_uri was issued to another client");
    for (uri, description) in [
        (format!("{PREFIX}unknown"), "request_uri is unknown or was already used"),
        (
            "urn:example:bwc4JK-ESC0w8acc191e-Y1LTC2".to_owned(),
            "request_uri was not issued by this server",
        ),
    ] {
        let body = assert_direct(&h.send(redeem(&uri)), 400, "invalid_request_uri");
        assert_eq!(body["error_description"], description);
    }
    let body = assert_direct(
        &h.send(authorize(&format!("client_id=nobody&request_uri={}", enc(&request_uri)))),
        400,
        "invalid_request",
    );
    assert_eq!(body["error_description"], "client_id is unknown");
    let body = assert_direct(
        &h.send(authorize(&format!("request_uri={}", enc(&request_uri)))),
        400,
        "invalid_request",
    );
    assert_eq!(body["error_description"], "client_id is required");
    h.advance(60);
    let body = assert_direct(&h.send(redeem(&request_uri)), 400, "invalid_request_uri");
    assert_eq!(body["error_description"], "request_uri expired");
}

#[test]
fn redemption_revalidates_against_the_client_as_it_is_now() {
    let h = rfc_harness(config());
    let base = || {
        confidential(CLIENT_ID, CLIENT_SECRET, ClientAuthMethod::ClientSecretBasic)
            .with_redirect_uris([RFC_REDIRECT])
            .with_scopes(Scopes::from_names(["account-information"]))
    };
    // The redirect URI was unregistered: answered directly.
    let request_uri = push(&h);
    h.store.insert_client(base().with_redirect_uris(["https://client.example.org/new"]));
    let body = assert_direct(&h.send(redeem(&request_uri)), 400, "invalid_request");
    assert_eq!(body["error_description"], "redirect_uri is no longer registered for this client");
    // The scope was withdrawn: redirected.
    h.store.insert_client(base());
    let request_uri = push(&h);
    h.store.insert_client(base().with_scopes(Scopes::from_names(["read"])));
    assert_eq!(
        location(&h.send(redeem(&request_uri))),
        format!(
            "{RFC_REDIRECT}?error=invalid_scope&error_description={}&state=af0ifjsldkj&{ISS}",
            enc("scope is no longer allowed for this client")
        )
    );
    // The grant was withdrawn.
    h.store.insert_client(base());
    let request_uri = push(&h);
    h.store.insert_client(base().with_grants([GrantType::ClientCredentials]));
    let to = location(&h.send(redeem(&request_uri)));
    assert_eq!(query_param(&to, "error").as_deref(), Some("unauthorized_client"));
    // A repeated parameter next to the request_uri.
    h.store.insert_client(base());
    let request_uri = push(&h);
    let query = format!("client_id={CLIENT_ID}&request_uri={}&x=1&x=2", enc(&request_uri));
    let location = location(&h.send(authorize(&query)));
    assert_eq!(query_param(&location, "error").as_deref(), Some("invalid_request"));
    assert_eq!(query_param(&location, "state").as_deref(), Some("af0ifjsldkj"));
    assert_eq!(
        query_param(&location, "error_description").as_deref(),
        Some("parameter x is repeated")
    );
}

#[test]
fn par_authenticates_the_client_like_the_token_endpoint() {
    let h = rfc_harness(config());
    let response = h.send(par_request(RFC_PAR_BODY));
    let body = assert_error(&response, 401, "invalid_client");
    assert_eq!(body["error_description"], "client authentication failed");
    let response = h.send(par_request(RFC_PAR_BODY).basic(CLIENT_ID, "wrong"));
    assert_error(&response, 401, "invalid_client");
    assert!(response.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic "));
    let event = refused_event(&h);
    assert_eq!(event.action, AuditAction::ParRefused);
    assert_eq!(event.error, Some(ErrorCode::InvalidClient));
    assert!(h.committed.borrow().is_empty());
    let response = h.send(par_request(&RFC_PAR_BODY.replace("client_id=s6BhdRkqt3", "")));
    let body = assert_error(&response, 401, "invalid_client");
    assert_eq!(body["error_description"], "client authentication is required");
}

#[test]
fn par_requires_client_id_in_the_body() {
    let h = rfc_harness(config());
    let body = RFC_PAR_BODY.replace("client_id=s6BhdRkqt3", "");
    let response = h.send(par_request(&body).basic(CLIENT_ID, CLIENT_SECRET));
    let json = assert_error(&response, 400, "invalid_request");
    assert_eq!(json["error_description"], "client_id is required");
}

#[test]
fn public_clients_push_with_client_id_only() {
    let h = Harness::new();
    let response =
        h.send(par_request(&format!("client_id=public-app&response_type=code&state=s&{PKCE}")));
    assert_eq!(response.status(), 201);
    let request_uri = json(&response)["request_uri"].as_str().unwrap().to_owned();
    let interaction = h
        .interaction(authorize(&format!("client_id=public-app&request_uri={}", enc(&request_uri))));
    assert_eq!(interaction.redirect_uri, APP_REDIRECT);
    // PKCE is still mandatory for them.
    let response = h.send(par_request("client_id=public-app&response_type=code&state=s"));
    let body = assert_error(&response, 400, "invalid_request");
    assert_eq!(body["error_description"], "code_challenge is required");
}

#[test]
fn rfc9126_2_3_validation_errors_are_json() {
    let h = rfc_harness(config());
    let cases = [
        (
            RFC_PAR_BODY.replace("client.example.org%2Fcb", "client.example.org%2Fcb%2F"),
            400,
            "invalid_request",
            "redirect_uri is not registered for this client",
        ),
        (
            RFC_PAR_BODY.replace("response_type=code", "response_type=token"),
            400,
            "unsupported_response_type",
            "response_type must be code",
        ),
        (
            RFC_PAR_BODY.replace("scope=account-information", "scope=admin"),
            400,
            "invalid_scope",
            "scope admin is not allowed for this client",
        ),
        (
            RFC_PAR_BODY.replace("code_challenge_method=S256", "code_challenge_method=plain"),
            400,
            "invalid_request",
            "code_challenge_method must be S256",
        ),
        (
            format!("{RFC_PAR_BODY}&request_uri={}", enc("urn:ietf:params:oauth:request_uri:x")),
            400,
            "invalid_request",
            "request_uri must not be sent to the PAR endpoint",
        ),
        (
            format!("{RFC_PAR_BODY}&state=again"),
            400,
            "invalid_request",
            "parameter state is repeated",
        ),
    ];
    for (body, status, error, description) in cases {
        let response = h.send(par_request(&body).basic(CLIENT_ID, CLIENT_SECRET));
        assert!(response.headers().get("location").is_none());
        let json = assert_error(&response, status, error);
        assert_eq!(json["error_description"], description, "{body}");
        assert!(h.committed.borrow().is_empty());
        assert_eq!(refused_event(&h).action, AuditAction::ParRefused);
    }
    h.store.insert_client(
        confidential("no-code", "s", ClientAuthMethod::ClientSecretBasic)
            .with_grants([GrantType::ClientCredentials])
            .with_redirect_uris([RFC_REDIRECT]),
    );
    let body = RFC_PAR_BODY.replace("client_id=s6BhdRkqt3", "client_id=no-code");
    let response = h.send(par_request(&body).basic("no-code", "s"));
    assert_error(&response, 400, "unauthorized_client");
}

#[test]
fn par_method_content_type_and_size() {
    let h = rfc_harness(config().max_body_bytes(1024));
    let response = h.send(Req::new("GET", "/par", "").basic(CLIENT_ID, CLIENT_SECRET));
    assert_error(&response, 405, "invalid_request");
    assert_eq!(response.headers()["allow"], "POST");
    let response = h.send(
        Req::new("POST", "/par", RFC_PAR_BODY)
            .header("content-type", "application/json")
            .basic(CLIENT_ID, CLIENT_SECRET),
    );
    assert_error(&response, 400, "invalid_request");
    let body = format!("{RFC_PAR_BODY}&pad={}", "x".repeat(1024));
    let response = h.send(par_request(&body).basic(CLIENT_ID, CLIENT_SECRET));
    assert_error(&response, 413, "invalid_request");
}

#[test]
fn par_lifetime_and_path_are_configurable() {
    let endpoints = Endpoints { par: Some("/as/par".into()), ..Endpoints::default() };
    let h = rfc_harness(config().par_lifetime(Seconds::new(90)).endpoints(endpoints));
    assert_eq!(h.send(par_request(RFC_PAR_BODY).basic(CLIENT_ID, CLIENT_SECRET)).status(), 404);
    let response = h.send(
        Req::new("POST", "/as/par", RFC_PAR_BODY)
            .header("content-type", "application/x-www-form-urlencoded")
            .basic(CLIENT_ID, CLIENT_SECRET),
    );
    assert_eq!(response.status(), 201);
    assert_eq!(json(&response)["expires_in"], 90);
    let request_uri = json(&response)["request_uri"].as_str().unwrap().to_owned();
    h.advance(89);
    h.interaction(redeem(&request_uri));
}

#[test]
fn par_can_be_disabled() {
    let endpoints = Endpoints { par: None, ..Endpoints::default() };
    let h = rfc_harness(config().endpoints(endpoints));
    assert_eq!(h.send(par_request(RFC_PAR_BODY).basic(CLIENT_ID, CLIENT_SECRET)).status(), 404);
}

#[test]
fn required_par_accepts_pushed_requests() {
    let h = rfc_harness(config().require_par(true));
    let request_uri = push(&h);
    h.interaction(redeem(&request_uri));
    // Per client: only that client is held to it.
    let h = rfc_harness(config());
    h.store.insert_client(
        confidential(CLIENT_ID, CLIENT_SECRET, ClientAuthMethod::ClientSecretBasic)
            .with_redirect_uris([RFC_REDIRECT])
            .with_scopes(Scopes::from_names(["account-information"]))
            .with_require_par(true),
    );
    let request_uri = push(&h);
    h.interaction(redeem(&request_uri));
    let direct = format!(
        "client_id={CLIENT_ID}&response_type=code&redirect_uri={}&state=s&{PKCE}",
        enc(RFC_REDIRECT)
    );
    let location = location(&h.send(authorize(&direct)));
    assert_eq!(query_param(&location, "error").as_deref(), Some("invalid_request"));
    assert!(matches!(
        h.exchange(authorize(&format!("client_id=public-app&response_type=code&{PKCE}"))),
        Reply::Interaction(_)
    ));
}

/// Two authorization requests race on one `request_uri`: both read the
/// pushed request, only the first commit applies.
#[test]
fn racing_redemptions_yield_one_interaction() {
    let h = rfc_harness(config());
    let request_uri = push(&h);
    let store: &MemoryStore = &h.store;
    let read_then_commit = || {
        let request: http::Request<Vec<u8>> = redeem(&request_uri).into();
        let Step::Read(read) = h.server.begin(&request, h.context()) else { panic!("a read") };
        let answers = store.read(read.queries()).unwrap();
        let Step::Commit(commit) = read.resume(answers).unwrap() else { panic!("a commit") };
        commit
    };
    let (first, second) = (read_then_commit(), read_then_commit());
    let finish = |commit: qscope::Commit| {
        let outcome = store.apply(commit.transaction()).unwrap();
        match commit.resume(outcome).unwrap() {
            Step::Respond(respond) => respond.reply,
            other => panic!("expected the reply, got {other:?}"),
        }
    };
    assert!(matches!(finish(first), Reply::Interaction(_)));
    let reply = finish(second);
    let body = assert_direct(reply.http().unwrap(), 400, "invalid_request_uri");
    assert_eq!(body["error_description"], "request_uri was already used");
    let waiting = store.pendings();
    assert_eq!(waiting.len(), 1, "one interaction: {waiting:?}");
    assert_eq!(waiting[0].kind, PendingKind::PushedInteraction);
}
