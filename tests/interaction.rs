//! The host's decision on a pending authorization (RFC 6749 §4.1.2,
//! §4.1.2.1, §10.5; RFC 9207 §2): approve issues a code, deny redirects
//! `access_denied`, and a handle works exactly once.

mod support;

use std::sync::atomic::Ordering;

use qscope::store::{
    AuditAction, Effect, GrantType, MemoryStore, PendingAuthorizationRecord, PendingKind,
    PkceChallenge, PkceMethod, Precondition, Store, TokenHash,
};
use qscope::{Decision, ErrorCode, Interaction, InteractionHandle, Scopes, Seconds, Step};
use support::*;

fn start(h: &Harness) -> Interaction {
    h.interaction(authorize(&format!(
        "client_id=public-app&response_type=code&redirect_uri={}&state=xyz&scope=read+write&{PKCE}",
        enc(APP_REDIRECT)
    )))
}

fn approve(interaction: &Interaction, scopes: &[&str]) -> Decision {
    Decision::approve(
        interaction.handle.clone(),
        "alice",
        Scopes::from_names(scopes.iter().copied()),
    )
}

#[test]
fn approval_issues_a_code_and_redirects() {
    let h = Harness::new();
    let interaction = start(&h);
    let handle_hash = TokenHash::of(interaction.handle.expose());
    h.advance(5);
    let response = h.decide(approve(&interaction, &["read", "write"]));
    let location = decision_location(&response);
    assert_eq!(response.headers()["pragma"], "no-cache");
    let code = query_param(&location, "code").expect("a code");
    assert_eq!(code.len(), 43, "a 256-bit code");
    assert_eq!(location, format!("{APP_REDIRECT}?code={code}&state=xyz&{ISS}"));

    let committed = h.committed.borrow();
    let [transaction] = committed.as_slice() else { panic!("one commit: {committed:?}") };
    assert_eq!(transaction.preconditions, [Precondition::PendingExists { hash: handle_hash }]);
    let [Effect::PutCode(record), Effect::TakePending { hash }, Effect::AppendAudit(event)] =
        transaction.effects.as_slice()
    else {
        panic!("PutCode, TakePending, AppendAudit: {transaction:?}");
    };
    assert_eq!(*hash, handle_hash);
    assert_eq!(record.hash, TokenHash::of(&code));
    assert_eq!(record.client_id, "public-app");
    assert_eq!(record.subject, "alice");
    assert_eq!(record.redirect_uri.as_deref(), Some(APP_REDIRECT));
    assert_eq!(record.scopes, Scopes::from_names(["read", "write"]));
    assert_eq!(
        record.challenge,
        Some(PkceChallenge { method: PkceMethod::S256, challenge: CHALLENGE.into() })
    );
    assert_eq!(record.issued_at, T0.after(Seconds::new(5)));
    assert_eq!(record.expires_at, T0.after(Seconds::new(65)), "codes live 60 s by default");
    assert_eq!(record.consumed_at, None);
    assert_eq!(event.action, AuditAction::AuthorizationApproved);
    assert_eq!(event.client_id.as_deref(), Some("public-app"));
    assert_eq!(event.subject.as_deref(), Some("alice"));
    assert_eq!(event.grant_type, Some(GrantType::AuthorizationCode));
    assert_eq!(event.family, Some(record.family));
    assert!(!format!("{event:?}").contains(&code), "no secret in the audit trail");
    assert_eq!(h.store.code(&record.hash).as_ref(), Some(record));
    assert_eq!(h.store.pending(&handle_hash), None, "the pending authorization is gone");
    assert!(h.best_effort.borrow().is_empty());
}

#[test]
fn fewer_scopes_may_be_granted() {
    let h = Harness::new();
    let interaction = start(&h);
    let code = query_param(&decision_location(&h.decide(approve(&interaction, &["read"]))), "code")
        .unwrap();
    assert_eq!(h.store.code(&TokenHash::of(&code)).unwrap().scopes, Scopes::from_names(["read"]));
    let interaction = start(&h);
    let code =
        query_param(&decision_location(&h.decide(approve(&interaction, &[]))), "code").unwrap();
    assert_eq!(h.store.code(&TokenHash::of(&code)).unwrap().scopes, Scopes::new());
}

#[test]
fn a_handle_works_exactly_once() {
    let h = Harness::new();
    let interaction = start(&h);
    assert_eq!(h.decide(approve(&interaction, &["read"])).status(), 303);
    for decision in [approve(&interaction, &["read"]), Decision::deny(interaction.handle.clone())] {
        let body = assert_direct(&h.decide(decision), 400, "invalid_request");
        assert_eq!(body["error_description"], "interaction handle is unknown or was already used");
        assert!(h.committed.borrow().is_empty());
        let event = refused_event(&h);
        assert_eq!(event.action, AuditAction::AuthorizationRefused);
        assert_eq!(event.error, Some(ErrorCode::InvalidRequest));
    }
    assert_eq!(h.store.tokens().len(), 0);
}

#[test]
fn denial_redirects_access_denied() {
    let h = Harness::new();
    let interaction = start(&h);
    let handle_hash = TokenHash::of(interaction.handle.expose());
    let response = h.decide(Decision::deny(interaction.handle.clone()));
    assert_eq!(
        decision_location(&response),
        format!(
            "{APP_REDIRECT}?error=access_denied&error_description={}&state=xyz&{ISS}",
            enc("the resource owner denied the request")
        )
    );
    let committed = h.committed.borrow();
    let [transaction] = committed.as_slice() else { panic!("one commit") };
    assert_eq!(transaction.preconditions, [Precondition::PendingExists { hash: handle_hash }]);
    let [Effect::TakePending { hash }, Effect::AppendAudit(event)] = transaction.effects.as_slice()
    else {
        panic!("TakePending, AppendAudit: {transaction:?}");
    };
    assert_eq!(*hash, handle_hash);
    assert_eq!(event.action, AuditAction::AuthorizationDenied);
    assert_eq!(event.error, Some(ErrorCode::AccessDenied));
    assert_eq!(h.store.pending(&handle_hash), None);
    drop(committed);
    // Denied means done: approving afterwards fails.
    assert_direct(&h.decide(approve(&interaction, &["read"])), 400, "invalid_request");
}

#[test]
fn expired_and_unknown_handles_are_refused_directly() {
    let h = Harness::new();
    let interaction = start(&h);
    h.advance(600);
    let body = assert_direct(&h.decide(approve(&interaction, &["read"])), 400, "invalid_request");
    assert_eq!(body["error_description"], "interaction expired");
    assert_eq!(refused_event(&h).client_id.as_deref(), Some("public-app"));
    assert!(h.committed.borrow().is_empty());
    let body = assert_direct(
        &h.decide(Decision::deny(InteractionHandle::new("made-up"))),
        400,
        "invalid_request",
    );
    assert_eq!(body["error_description"], "interaction handle is unknown or was already used");
    assert_eq!(refused_event(&h).client_id, None);
}

#[test]
fn a_second_before_expiry_still_works() {
    let h = Harness::new();
    let interaction = start(&h);
    h.advance(599);
    assert_eq!(h.decide(approve(&interaction, &["read"])).status(), 303);
}

#[test]
fn approving_more_than_requested_is_a_server_error() {
    let h = Harness::new();
    for (subject, scopes) in [("alice", &["read", "admin"][..]), ("", &["read"][..])] {
        let interaction = h.interaction(authorize(&format!(
            "client_id=public-app&response_type=code&state=xyz&scope=read&{PKCE}"
        )));
        let decision = Decision::approve(
            interaction.handle.clone(),
            subject,
            Scopes::from_names(scopes.iter().copied()),
        );
        let response = h.decide(decision);
        assert_eq!(
            decision_location(&response),
            format!(
                "{APP_REDIRECT}?error=server_error&error_description={}&state=xyz&{ISS}",
                enc("the authorization server could not complete the request")
            )
        );
        let committed = h.committed.borrow();
        let [transaction] = committed.as_slice() else { panic!("one commit") };
        assert!(matches!(
            transaction.effects.as_slice(),
            [Effect::TakePending { .. }, Effect::AppendAudit(e)]
                if e.action == AuditAction::AuthorizationRefused
        ));
    }
    assert!(h.store.pendings().is_empty());
}

#[test]
fn code_lifetime_is_configurable() {
    let h = Harness::with(config().code_lifetime(Seconds::minutes(10)));
    let interaction = start(&h);
    let code = query_param(&decision_location(&h.decide(approve(&interaction, &["read"]))), "code")
        .unwrap();
    assert_eq!(
        h.store.code(&TokenHash::of(&code)).unwrap().expires_at,
        T0.after(Seconds::minutes(10))
    );
}

#[test]
fn a_pushed_request_uri_is_not_a_decision_handle() {
    let h = Harness::new();
    let request_uri = "urn:ietf:params:oauth:request_uri:abc";
    h.store.insert_pending(PendingAuthorizationRecord {
        hash: TokenHash::of(request_uri),
        kind: PendingKind::PushedRequest,
        client_id: "public-app".into(),
        redirect_uri: None,
        resolved_redirect_uri: APP_REDIRECT.into(),
        scopes: Scopes::from_names(["read"]),
        state: None,
        challenge: None,
        created_at: T0,
        expires_at: T0.after(Seconds::new(60)),
        resources: Vec::new(),
    });
    let decision = Decision::approve(InteractionHandle::new(request_uri), "alice", Scopes::new());
    assert_direct(&h.decide(decision), 400, "invalid_request");
    assert!(h.store.pending(&TokenHash::of(request_uri)).is_some(), "left untouched");
}

/// Two decisions race on one handle: both read the pending authorization,
/// only the first commit applies, the second is refused and issues nothing.
#[test]
fn racing_decisions_issue_one_code() {
    let h = Harness::new();
    let interaction = start(&h);
    let store: &MemoryStore = &h.store;
    let read_then_commit = |decision: Decision| {
        let Step::Read(read) = h.server.begin(decision, h.context()) else { panic!("a read") };
        let answers = store.read(read.queries()).unwrap();
        let Step::Commit(commit) = read.resume(answers).unwrap() else { panic!("a commit") };
        commit
    };
    let first = read_then_commit(approve(&interaction, &["read"]));
    let second = read_then_commit(approve(&interaction, &["read", "write"]));
    let finish = |commit: qscope::Commit| {
        let outcome = store.apply(commit.transaction()).unwrap();
        match commit.resume(outcome).unwrap() {
            Step::Respond(respond) => {
                let _ =
                    store.apply(&qscope::store::Transaction::unconditional(respond.best_effort));
                respond.reply.into_http().unwrap()
            }
            other => panic!("expected the reply, got {other:?}"),
        }
    };
    let response = finish(first);
    assert_eq!(response.status(), 303);
    let response = finish(second);
    assert_direct(&response, 400, "invalid_request");
    let codes: Vec<_> = store
        .audit_events()
        .into_iter()
        .filter(|e| e.action == AuditAction::AuthorizationApproved)
        .collect();
    assert_eq!(codes.len(), 1, "exactly one code was issued");
}

#[test]
fn decision_store_failure_redirects_temporarily_unavailable() {
    let h = Harness::new();
    let interaction = start(&h);
    let inner = MemoryStore::new();
    for pending in h.store.pendings() {
        inner.insert_pending(pending);
    }
    let store = FailingStore::new(inner, true);
    store.fail_applies.store(true, Ordering::SeqCst);
    let reply = qscope::drive(&h.server, &store, approve(&interaction, &["read"]), h.context());
    let response = reply.into_http().unwrap();
    assert_eq!(
        decision_location(&response),
        format!(
            "{APP_REDIRECT}?error=temporarily_unavailable&error_description={}&state=xyz&{ISS}",
            enc("storage is temporarily unavailable; retry later")
        )
    );
    // Nothing was applied: the handle still works once the store recovers.
    store.fail_applies.store(false, Ordering::SeqCst);
    let reply = qscope::drive(&h.server, &store, approve(&interaction, &["read"]), h.context());
    assert!(query_param(&decision_location(&reply.into_http().unwrap()), "code").is_some());
    // A failed read is answered directly.
    store.fail_reads.store(true, Ordering::SeqCst);
    let reply = qscope::drive(&h.server, &store, approve(&interaction, &["read"]), h.context());
    assert_direct(&reply.into_http().unwrap(), 503, "temporarily_unavailable");
}

#[test]
fn omitted_redirect_uri_binds_the_code_to_none() {
    let h = Harness::new();
    let interaction =
        h.interaction(authorize(&format!("client_id=public-app&response_type=code&{PKCE}")));
    let location = decision_location(&h.decide(approve(&interaction, &["read"])));
    assert_eq!(query_param(&location, "state"), None, "no state sent, none echoed");
    let code = query_param(&location, "code").unwrap();
    assert_eq!(location, format!("{APP_REDIRECT}?code={code}&{ISS}"));
    assert_eq!(h.store.code(&TokenHash::of(&code)).unwrap().redirect_uri, None);
}
