//! The device authorization grant (RFC 8628): the endpoint, polling with
//! every §3.5 error, the host's verification page, user-code rules.

mod support;

use qscope::device::{DeviceDecision, DeviceRejection, DeviceReply, UserCode};
use qscope::store::{
    AuditAction, ClientRecord, DeviceStatus, Effect, GrantType, Precondition, Query, Registrant,
    Store, TokenHash,
};
use qscope::{Input, Reply, Scopes, Seconds};
use serde_json::Value;
use support::*;

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

fn device_harness() -> Harness {
    let h = Harness::with(config().grants([GrantType::DeviceCode, GrantType::RefreshToken]));
    h.store.insert_client(
        ClientRecord::public("tv-app")
            .with_grants([GrantType::DeviceCode, GrantType::RefreshToken])
            .with_scopes(Scopes::from_names(["read", "write"])),
    );
    h
}

fn device_request(body: &str) -> Req {
    Req::new("POST", "/device_authorization", body)
        .header("content-type", "application/x-www-form-urlencoded")
}

/// Starts a device authorization; returns the JSON answer.
fn start(h: &Harness, scope: &str) -> Value {
    let response = h.send(device_request(&format!("client_id=tv-app&scope={}", enc(scope))));
    assert_eq!(response.status(), 200, "{}", json(&response));
    assert_eq!(response.headers()["cache-control"], "no-store");
    json(&response)
}

fn poll(h: &Harness, device_code: &str) -> http::Response<Vec<u8>> {
    h.send(token_request(&format!(
        "grant_type={}&device_code={device_code}&client_id=tv-app",
        enc(DEVICE_GRANT)
    )))
}

fn prompt(h: &Harness, typed: &str) -> DeviceReply {
    match h.ask(Input::device_prompt(typed)) {
        Reply::Device(reply) => reply,
        other => panic!("expected a device reply, got {other:?}"),
    }
}

fn decide(h: &Harness, decision: DeviceDecision) -> DeviceReply {
    match h.ask(decision) {
        Reply::Device(reply) => reply,
        other => panic!("expected a device reply, got {other:?}"),
    }
}

fn approve(h: &Harness, user_code: &str, scopes: &[&str]) -> DeviceReply {
    decide(
        h,
        DeviceDecision::Approve {
            user_code: UserCode::parse(user_code).unwrap(),
            subject: "alice".into(),
            scopes: Scopes::from_names(scopes.iter().copied()),
        },
    )
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} missing in {v}"))
}

#[test]
fn rfc8628_3_2_device_authorization_response() {
    let h = device_harness();
    let body = start(&h, "read");
    let device_code = str_of(&body, "device_code");
    assert_eq!(device_code.len(), 43, "256 bits, base64url");
    let user_code = str_of(&body, "user_code");
    assert_eq!(user_code.len(), 9);
    assert_eq!(&user_code[4..5], "-");
    assert!(user_code.replace('-', "").bytes().all(|b| b"BCDFGHJKLMNPQRSTVWXZ".contains(&b)));
    assert_eq!(body["verification_uri"], "https://server.example.com/device");
    assert_eq!(
        body["verification_uri_complete"],
        format!("https://server.example.com/device?user_code={user_code}")
    );
    assert_eq!(body["expires_in"], 600);
    assert_eq!(body["interval"], 5);
    // Stored by hash only, pending, with the request's scopes.
    let grant = match h
        .store
        .read(&[Query::DeviceCode { hash: TokenHash::of(device_code) }])
        .unwrap()
        .as_slice()[0]
        .record
        .clone()
    {
        Some(qscope::store::Record::Device(grant)) => grant,
        other => panic!("grant not stored: {other:?}"),
    };
    assert_eq!(grant.status, DeviceStatus::Pending);
    assert_eq!(grant.user_code_hash, TokenHash::of(&user_code.replace('-', "")));
    assert_eq!(grant.scopes, Scopes::from_names(["read"]));
    assert_eq!(grant.expires_at, T0.after(Seconds::minutes(10)));
    let committed = h.committed.borrow();
    assert_eq!(
        committed[0].preconditions,
        vec![Precondition::UserCodeAvailable { hash: grant.user_code_hash, at: T0 }]
    );
    assert!(matches!(committed[0].effects[0], Effect::PutDeviceGrant(_)));
}

#[test]
fn full_device_flow() {
    let h = device_harness();
    let body = start(&h, "read write");
    let device_code = str_of(&body, "device_code").to_owned();
    let user_code = str_of(&body, "user_code").to_owned();

    // Pending.
    let pending = assert_error(&poll(&h, &device_code), 400, "authorization_pending");
    assert_eq!(pending["error_description"], "the user has not yet approved the request");
    // Polling again within the interval: slow_down, and the interval grows by 5.
    h.advance(2);
    let slow = assert_error(&poll(&h, &device_code), 400, "slow_down");
    assert_eq!(slow["error_description"], "polling too fast; wait at least 10 seconds");
    h.advance(6);
    assert_error(&poll(&h, &device_code), 400, "slow_down");
    h.advance(15);
    assert_error(&poll(&h, &device_code), 400, "authorization_pending");

    // The user types the code (any case, spaces) and approves less than requested.
    let typed = user_code.to_lowercase().replace('-', " ");
    let DeviceReply::Prompt(shown) = prompt(&h, &typed) else { panic!("expected a prompt") };
    assert_eq!(shown.client_id, "tv-app");
    assert_eq!(shown.registrant, Registrant::Administrator);
    assert_eq!(shown.user_code.display(), user_code);
    let names: Vec<&str> = shown.scopes.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["read", "write"]);
    assert_eq!(shown.scopes[0].description.as_deref(), Some("Read your data"));
    assert_eq!(approve(&h, &user_code, &["read"]), DeviceReply::Approved);

    // Exactly one poll receives tokens.
    h.advance(20);
    let response = poll(&h, &device_code);
    assert_eq!(response.status(), 200, "{}", json(&response));
    let tokens = json(&response);
    assert_eq!(tokens["scope"], "read");
    assert!(tokens["refresh_token"].is_string());
    let access = h.store.token(&TokenHash::of(str_of(&tokens, "access_token"))).unwrap();
    assert_eq!(access.subject.as_deref(), Some("alice"));
    let committed = h.committed.borrow().clone();
    assert!(matches!(
        committed[0].preconditions[0],
        Precondition::DeviceStatusIs { status: DeviceStatus::Approved, .. }
    ));
    assert!(matches!(committed[0].effects[0], Effect::ConsumeDevice { .. }));

    // Further polls are rejected; the code cannot be decided again.
    h.advance(20);
    let again = assert_error(&poll(&h, &device_code), 400, "invalid_grant");
    assert_eq!(again["error_description"], "device code was already used");
    assert_eq!(prompt(&h, &user_code), DeviceReply::Rejected(DeviceRejection::AlreadyDecided));
    let actions: Vec<AuditAction> = h.store.audit_events().iter().map(|e| e.action).collect();
    assert!(actions.contains(&AuditAction::DeviceAuthorized));
    assert!(actions.contains(&AuditAction::DeviceApproved));
    assert!(actions.contains(&AuditAction::TokenIssued));
}

#[test]
fn denial_is_access_denied() {
    let h = device_harness();
    let body = start(&h, "read");
    let user_code = UserCode::parse(str_of(&body, "user_code")).unwrap();
    assert_eq!(
        decide(&h, DeviceDecision::Deny { user_code: user_code.clone() }),
        DeviceReply::Denied
    );
    let denied = assert_error(&poll(&h, str_of(&body, "device_code")), 400, "access_denied");
    assert_eq!(denied["error_description"], "the resource owner denied the request");
    assert_eq!(
        decide(&h, DeviceDecision::Deny { user_code }),
        DeviceReply::Rejected(DeviceRejection::AlreadyDecided)
    );
}

#[test]
fn expired_codes() {
    let h = device_harness();
    let body = start(&h, "read");
    h.advance(600);
    let expired = assert_error(&poll(&h, str_of(&body, "device_code")), 400, "expired_token");
    assert_eq!(expired["error_description"], "device code expired");
    assert_eq!(
        prompt(&h, str_of(&body, "user_code")),
        DeviceReply::Rejected(DeviceRejection::Expired)
    );
}

#[test]
fn unknown_and_foreign_device_codes() {
    let h = device_harness();
    h.store.insert_client(ClientRecord::public("other-tv").with_grants([GrantType::DeviceCode]));
    let body = start(&h, "read");
    let unknown = assert_error(&poll(&h, "not-a-device-code"), 400, "invalid_grant");
    assert_eq!(unknown["error_description"], "device code is invalid");
    let foreign = h.send(token_request(&format!(
        "grant_type={}&device_code={}&client_id=other-tv",
        enc(DEVICE_GRANT),
        str_of(&body, "device_code")
    )));
    let foreign = assert_error(&foreign, 400, "invalid_grant");
    assert_eq!(foreign["error_description"], "device code was issued to another client");
    let missing =
        h.send(token_request(&format!("grant_type={}&client_id=tv-app", enc(DEVICE_GRANT))));
    assert_eq!(
        assert_error(&missing, 400, "invalid_request")["error_description"],
        "device_code is required"
    );
}

#[test]
fn wrong_user_codes_are_rejected_and_audited_for_throttling() {
    let h = device_harness();
    start(&h, "read");
    let peer: std::net::IpAddr = "192.0.2.7".parse().unwrap();
    for (typed, rejection) in
        [("BCDF-GHJK", DeviceRejection::Unknown), ("nonsense", DeviceRejection::Malformed)]
    {
        let reply = match h.ask_with(Input::device_prompt(typed), h.context().with_peer(peer)) {
            Reply::Device(reply) => reply,
            other => panic!("{other:?}"),
        };
        assert_eq!(reply, DeviceReply::Rejected(rejection));
        let event = refused_event(&h);
        assert_eq!(event.action, AuditAction::DeviceCodeMismatch);
        assert_eq!(event.peer, Some(peer));
    }
    let trail = serde_json::to_string(&h.store.audit_events()).unwrap();
    assert!(
        !trail.contains("BCDFGHJK") && !trail.contains("BCDF-GHJK"),
        "typed codes are not logged"
    );
}

#[test]
fn approval_beyond_the_request_is_refused() {
    let h = device_harness();
    let body = start(&h, "read");
    let user_code = str_of(&body, "user_code");
    assert_eq!(
        approve(&h, user_code, &["read", "write"]),
        DeviceReply::Rejected(DeviceRejection::InvalidApproval)
    );
    assert!(h.committed.borrow().is_empty());
    assert_error(&poll(&h, str_of(&body, "device_code")), 400, "authorization_pending");
}

#[test]
fn racing_polls_issue_tokens_once() {
    let h = device_harness();
    let body = start(&h, "read");
    approve(&h, str_of(&body, "user_code"), &["read"]);
    let device_code = str_of(&body, "device_code");
    let request = || -> http::Request<Vec<u8>> {
        token_request(&format!(
            "grant_type={}&device_code={device_code}&client_id=tv-app",
            enc(DEVICE_GRANT)
        ))
        .into()
    };
    let to_commit = |step: qscope::Step| {
        let qscope::Step::Read(read) = step else { panic!("read first") };
        let answers = h.store.read(read.queries()).unwrap();
        match read.resume(answers).unwrap() {
            qscope::Step::Commit(commit) => commit,
            other => panic!("expected a commit, got {other:?}"),
        }
    };
    let first = to_commit(h.server.begin(&request(), h.context()));
    let second = to_commit(h.server.begin(&request(), h.context()));
    let outcome = h.store.apply(first.transaction()).unwrap();
    let winner = h.finish(first.resume(outcome).unwrap()).into_http().unwrap();
    assert_eq!(winner.status(), 200);
    let outcome = h.store.apply(second.transaction()).unwrap();
    let loser = h.finish(second.resume(outcome).unwrap()).into_http().unwrap();
    assert_eq!(
        assert_error(&loser, 400, "invalid_grant")["error_description"],
        "device code was already used"
    );
    assert!(
        h.store
            .token(&TokenHash::of(str_of(&json(&winner), "access_token")))
            .unwrap()
            .is_active(h.now())
    );
}

#[test]
fn user_codes_are_unique_among_live_grants() {
    let entropy = || qscope::Context::new(T0, qscope::Entropy::from_bytes([42; 32]));
    let request = || -> http::Request<Vec<u8>> { device_request("client_id=tv-app").into() };
    let hold = |h: &Harness, device: &str, user_code: &str, expires_at| {
        let mut grant =
            qscope::store::contract::device::device_grant(device, &user_code.replace('-', ""));
        grant.client_id = "tv-app".into();
        grant.expires_at = expires_at;
        let put = qscope::store::Transaction::unconditional(vec![Effect::PutDeviceGrant(grant)]);
        h.store.apply(&put).unwrap()
    };
    // Learn the user code this entropy draws first.
    let probe = device_harness();
    let drawn = json(&probe.ask_with(&request(), entropy()).into_http().unwrap());
    let drawn_code = str_of(&drawn, "user_code").to_owned();
    // Another live grant already holds that user code: the store refuses
    // it, and the endpoint draws another.
    let h = device_harness();
    let _ = hold(&h, "holder", &drawn_code, T0.after(Seconds::minutes(5)));
    let second = json(&h.ask_with(&request(), entropy()).into_http().unwrap());
    assert_ne!(str_of(&second, "user_code"), drawn_code);
    let committed = h.committed.borrow().clone();
    assert_eq!(committed.len(), 2, "one conflicting commit, one retry");
    assert_ne!(committed[0].preconditions, committed[1].preconditions);
    assert!(matches!(prompt(&h, str_of(&second, "user_code")), DeviceReply::Prompt(_)));
    // Once the holder expired, the same draw succeeds at once.
    let later = device_harness();
    let _ = hold(&later, "old", &drawn_code, T0);
    let reused = json(&later.ask_with(&request(), entropy()).into_http().unwrap());
    assert_eq!(str_of(&reused, "user_code"), drawn_code);
    assert_eq!(later.committed.borrow().len(), 1);
}

#[test]
fn device_endpoint_refusals() {
    let h = device_harness();
    h.store.insert_client(
        ClientRecord::public("no-device").with_grants([GrantType::AuthorizationCode]),
    );
    let unauthorized =
        assert_error(&h.send(device_request("client_id=no-device")), 400, "unauthorized_client");
    assert_eq!(unauthorized["error_description"], "client is not allowed the device_code grant");
    assert_error(&h.send(device_request("client_id=tv-app&scope=admin")), 400, "invalid_scope");
    assert_error(&h.send(device_request("")), 401, "invalid_client");
    let get = h.send(Req::new("GET", "/device_authorization", ""));
    assert_eq!(get.status(), 405);
    // Disabled grant: no endpoint.
    let off = Harness::new();
    assert_eq!(off.send(device_request("client_id=public-app")).status(), 404);
}

/// A device grant approved before the client lost a scope issues only the
/// scopes the client still has; with none left, `invalid_grant`.
#[test]
fn device_tokens_drop_the_scopes_the_client_lost() {
    let h = device_harness();
    let narrowed = |scopes: &[&str]| {
        ClientRecord::public("tv-app")
            .with_grants([GrantType::DeviceCode, GrantType::RefreshToken])
            .with_scopes(Scopes::from_names(scopes.iter().copied()))
    };
    let body = start(&h, "read write");
    let device_code = str_of(&body, "device_code").to_owned();
    assert_eq!(approve(&h, str_of(&body, "user_code"), &["read", "write"]), DeviceReply::Approved);
    h.store.insert_client(narrowed(&["read"]));
    let response = poll(&h, &device_code);
    assert_eq!(response.status(), 200, "{}", json(&response));
    let tokens = json(&response);
    assert_eq!(tokens["scope"], "read");
    assert_eq!(h.token_scopes(str_of(&tokens, "refresh_token")), "read");

    h.store.insert_client(narrowed(&["read", "write"]));
    let body = start(&h, "write");
    let device_code = str_of(&body, "device_code").to_owned();
    assert_eq!(approve(&h, str_of(&body, "user_code"), &["write"]), DeviceReply::Approved);
    h.store.insert_client(narrowed(&["read"]));
    let refused = assert_error(&poll(&h, &device_code), 400, "invalid_grant");
    assert_eq!(
        refused["error_description"],
        "no scope of this grant is still allowed for this client"
    );
}
