//! The authorization endpoint (RFC 6749 §3.1, §4.1.1, §4.1.2.1; OAuth 2.1
//! §4.1.1; RFC 7636 §4.3, §4.4.1; RFC 8252 §7.3; RFC 9207 §2).

mod support;

use qscope::store::{
    AuditAction, Effect, GrantType, PendingKind, PkceChallenge, PkceMethod, TokenHash,
};
use qscope::{ErrorCode, PkcePolicy, Reply, Scopes, Seconds};
use support::*;

const APP: &str = "client_id=public-app&response_type=code";
const APP_CB: &str = "redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb";

fn app_query(extra: &str) -> String {
    format!("{APP}&{APP_CB}&state=xyz&{PKCE}{extra}")
}

/// Asserts a redirect to the public client with exactly these parameters
/// before `state=xyz&iss=…`.
fn assert_error_redirect(h: &Harness, query: &str, error: &str, description: &str) {
    let response = h.send(authorize(query));
    assert_eq!(
        location(&response),
        format!(
            "{APP_REDIRECT}?error={error}&error_description={}&state=xyz&{ISS}",
            enc(description)
        ),
        "for {query}"
    );
    assert!(h.committed.borrow().is_empty(), "nothing is committed for a refusal");
    let event = refused_event(h);
    assert_eq!(event.action, AuditAction::AuthorizationRefused);
    assert_eq!(event.client_id.as_deref(), Some("public-app"));
    assert_eq!(event.error.map(|e| e.as_str()), Some(error));
}

#[test]
fn valid_request_becomes_a_stored_interaction() {
    let h = Harness::new();
    let interaction = h.interaction(authorize(&app_query("&scope=read+write")));
    assert_eq!(interaction.client_id, "public-app");
    assert_eq!(interaction.client_name, None);
    assert_eq!(interaction.client_uri, None);
    let scopes: Vec<(&str, Option<&str>)> =
        interaction.scopes.iter().map(|s| (s.name.as_str(), s.description.as_deref())).collect();
    assert_eq!(scopes, [("read", Some("Read your data")), ("write", Some("Change your data"))]);
    assert_eq!(interaction.requested_scopes(), Scopes::from_names(["read", "write"]));
    assert_eq!(interaction.redirect_uri, APP_REDIRECT);
    assert!(!interaction.pushed);
    assert_eq!(interaction.expires_at, T0.after(Seconds::minutes(10)));
    assert_eq!(interaction.handle.expose().len(), 43, "a 256-bit handle");
    assert!(!format!("{interaction:?}").contains(interaction.handle.expose()));

    let hash = TokenHash::of(interaction.handle.expose());
    let committed = h.committed.borrow();
    let [transaction] = committed.as_slice() else { panic!("one commit: {committed:?}") };
    assert!(transaction.preconditions.is_empty());
    let [Effect::PutPending(pending), Effect::AppendAudit(event)] = transaction.effects.as_slice()
    else {
        panic!("PutPending and its audit event: {transaction:?}");
    };
    assert_eq!(pending.hash, hash);
    assert_eq!(pending.kind, PendingKind::Interaction);
    assert_eq!(pending.client_id, "public-app");
    assert_eq!(pending.redirect_uri.as_deref(), Some(APP_REDIRECT));
    assert_eq!(pending.resolved_redirect_uri, APP_REDIRECT);
    assert_eq!(pending.scopes, Scopes::from_names(["read", "write"]));
    assert_eq!(pending.state.as_deref(), Some("xyz"));
    assert_eq!(
        pending.challenge,
        Some(PkceChallenge { method: PkceMethod::S256, challenge: CHALLENGE.into() })
    );
    assert_eq!((pending.created_at, pending.expires_at), (T0, T0.after(Seconds::minutes(10))));
    assert_eq!(event.action, AuditAction::AuthorizationRequested);
    assert_eq!(event.client_id.as_deref(), Some("public-app"));
    assert_eq!(event.grant_type, Some(GrantType::AuthorizationCode));
    assert_eq!(h.store.pending(&hash).as_ref(), Some(pending));
    assert!(h.best_effort.borrow().is_empty());
}

#[test]
fn post_with_a_form_body_is_accepted() {
    let h = Harness::new();
    let req = Req::new("POST", "/authorize", &app_query(""))
        .header("content-type", "application/x-www-form-urlencoded");
    let interaction = h.interaction(req);
    assert_eq!(interaction.client_id, "public-app");
    // POST parameters are read from the body only.
    let req = Req::new("POST", &format!("/authorize?{}", app_query("")), "")
        .header("content-type", "application/x-www-form-urlencoded");
    let body = assert_direct(&h.send(req), 400, "invalid_request");
    assert_eq!(body["error_description"], "client_id is required");
}

#[test]
fn post_needs_a_form_content_type_and_a_bounded_body() {
    let h = Harness::with(config().max_body_bytes(1024));
    let req = Req::new("POST", "/authorize", &app_query("")).header("content-type", "text/plain");
    let body = assert_direct(&h.send(req), 400, "invalid_request");
    assert_eq!(body["error_description"], "Content-Type must be application/x-www-form-urlencoded");
    let long = app_query(&format!("&pad={}", "x".repeat(1024)));
    let req = Req::new("POST", "/authorize", &long)
        .header("content-type", "application/x-www-form-urlencoded");
    let body = assert_direct(&h.send(req), 413, "invalid_request");
    assert_eq!(body["error_description"], "request body exceeds 1024 bytes");
    let body = assert_direct(&h.send(authorize(&long)), 414, "invalid_request");
    assert_eq!(body["error_description"], "query exceeds 1024 bytes");
}

#[test]
fn other_methods_are_405() {
    let h = Harness::new();
    for method in ["PUT", "DELETE", "PATCH"] {
        let response = h.send(Req::new(method, &format!("/authorize?{}", app_query("")), ""));
        assert_error(&response, 405, "invalid_request");
        assert_eq!(response.headers()["allow"], "GET, POST");
    }
}

#[test]
fn redirect_uri_may_be_omitted_with_one_registered() {
    let h = Harness::new();
    let interaction = h.interaction(authorize(&format!("{APP}&state=xyz&{PKCE}")));
    assert_eq!(interaction.redirect_uri, APP_REDIRECT);
    let pending = h.store.pending(&TokenHash::of(interaction.handle.expose())).unwrap();
    assert_eq!(pending.redirect_uri, None, "the code is bound to no redirect_uri parameter");
    assert_eq!(pending.resolved_redirect_uri, APP_REDIRECT);

    // With several registered it is required, and the answer is direct.
    h.store.insert_client(
        public_app().with_redirect_uris([APP_REDIRECT, "https://app.example.com/other"]),
    );
    let body = assert_direct(
        &h.send(authorize(&format!("{APP}&state=xyz&{PKCE}"))),
        400,
        "invalid_request",
    );
    assert_eq!(
        body["error_description"],
        "redirect_uri is required: the client has several registered"
    );
}

#[test]
fn client_name_uri_and_unknown_scope_descriptions() {
    let h = Harness::new();
    let mut client = public_app().with_scopes(Scopes::from_names(["read", "extra"]));
    client.name = Some("Example App".into());
    client.uri = Some("https://app.example.com".into());
    h.store.insert_client(client);
    let interaction = h.interaction(authorize(&app_query("&scope=extra")));
    assert_eq!(interaction.client_name.as_deref(), Some("Example App"));
    assert_eq!(interaction.client_uri.as_deref(), Some("https://app.example.com"));
    assert_eq!(interaction.scopes.len(), 1);
    assert_eq!(interaction.scopes[0].name, "extra");
    assert_eq!(interaction.scopes[0].description, None);
}

#[test]
fn scope_defaults_when_absent() {
    let h = Harness::new();
    let interaction = h.interaction(authorize(&app_query("")));
    assert_eq!(interaction.requested_scopes(), Scopes::from_names(["read"]));
    // Defaults the client may not have are dropped.
    h.store.insert_client(public_app().with_scopes(Scopes::from_names(["write"])));
    let interaction = h.interaction(authorize(&app_query("")));
    assert_eq!(interaction.requested_scopes(), Scopes::new());
}

#[test]
fn missing_or_unknown_client_is_answered_directly() {
    let h = Harness::new();
    let body = assert_direct(
        &h.send(authorize(&format!("response_type=code&{APP_CB}&state=xyz&{PKCE}"))),
        400,
        "invalid_request",
    );
    assert_eq!(body["error_description"], "client_id is required");
    let event = refused_event(&h);
    assert_eq!((event.action, event.client_id), (AuditAction::AuthorizationRefused, None));

    let body = assert_direct(
        &h.send(authorize(&format!("client_id=nobody&response_type=code&{APP_CB}&{PKCE}"))),
        400,
        "invalid_request",
    );
    assert_eq!(body["error_description"], "client_id is unknown");
    let event = refused_event(&h);
    assert_eq!(event.client_id.as_deref(), Some("nobody"));
    assert_eq!(event.error, Some(ErrorCode::InvalidRequest));
    assert!(h.committed.borrow().is_empty());
}

#[test]
fn near_miss_redirect_uris_never_receive_a_redirect() {
    let h = Harness::new();
    h.store.insert_client(
        public_app()
            .with_redirect_uris(["https://app.example.com/cb", "https://app.example.com/q?a=1"]),
    );
    for (uri, description) in [
        ("https://app.example.com/cc", "redirect_uri is not registered for this client"),
        ("https://app.example.com/cb/", "redirect_uri is not registered for this client"),
        ("https://app.example.com/CB", "redirect_uri is not registered for this client"),
        ("https://App.example.com/cb", "redirect_uri is not registered for this client"),
        ("https://app.example.com/cb?x=1", "redirect_uri is not registered for this client"),
        ("https://app.example.com/q?a=1&b=2", "redirect_uri is not registered for this client"),
        ("https://app.example.com/q", "redirect_uri is not registered for this client"),
        ("http://app.example.com/cb", "redirect_uri is not registered for this client"),
        ("https://app.example.com:443/cb", "redirect_uri is not registered for this client"),
        ("https://app.example.com/cb ", "redirect_uri is not an absolute URI"),
        ("https://app.example.com/cb#", "redirect_uri must not contain a fragment"),
        ("https://app.example.com/cb#x", "redirect_uri must not contain a fragment"),
        ("https://evil.example/cb", "redirect_uri is not registered for this client"),
    ] {
        let query = format!("{APP}&redirect_uri={}&state=xyz&{PKCE}", enc(uri));
        let body = assert_direct(&h.send(authorize(&query)), 400, "invalid_request");
        assert_eq!(body["error_description"], description, "{uri}");
        assert!(h.committed.borrow().is_empty());
        assert_eq!(refused_event(&h).client_id.as_deref(), Some("public-app"));
    }
    // Even when every other parameter is wrong too, a bad redirect_uri wins.
    let query = format!("client_id=public-app&redirect_uri={}", enc("https://evil.example/cb"));
    assert_direct(&h.send(authorize(&query)), 400, "invalid_request");
}

#[test]
fn direct_errors_are_html_when_the_browser_prefers_it() {
    let h = Harness::new();
    let query = format!("{APP}&redirect_uri={}&state=xyz", enc("https://evil.example/<b>"));
    let req = authorize(&query)
        .header("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
    let response = h.send(req);
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());
    assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(
        response.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
    let page = String::from_utf8(response.body().clone()).unwrap();
    assert!(
        page.contains("<p>invalid_request: redirect_uri is not registered for this client</p>"),
        "{page}"
    );
    // A program gets JSON.
    let req = authorize(&query).header("accept", "application/json");
    assert_direct(&h.send(req), 400, "invalid_request");
}

#[test]
fn repeated_client_or_redirect_is_answered_directly() {
    let h = Harness::new();
    for (query, name) in [
        (format!("{}&client_id=public-app", app_query("")), "client_id"),
        (format!("{}&{APP_CB}", app_query("")), "redirect_uri"),
        ("client_id=public-app&request_uri=a&request_uri=b".to_owned(), "request_uri"),
    ] {
        let body = assert_direct(&h.send(authorize(&query)), 400, "invalid_request");
        assert_eq!(body["error_description"], format!("parameter {name} is repeated"));
    }
}

#[test]
fn malformed_query_is_answered_directly() {
    let h = Harness::new();
    let body = assert_direct(&h.send(authorize(&app_query("&x=%zz"))), 400, "invalid_request");
    assert_eq!(body["error_description"], "request parameters are not valid form-urlencoded UTF-8");
}

#[test]
fn other_repeated_parameters_redirect_invalid_request() {
    let h = Harness::new();
    assert_error_redirect(
        &h,
        &app_query("&scope=read&scope=write"),
        "invalid_request",
        "parameter scope is repeated",
    );
    // A repeated state is ambiguous: none is echoed.
    let response = h.send(authorize(&format!("{}&state=abc", app_query(""))));
    assert_eq!(
        location(&response),
        format!(
            "{APP_REDIRECT}?error=invalid_request&error_description={}&{ISS}",
            enc("parameter state is repeated")
        )
    );
}

#[test]
fn response_type_must_be_code() {
    let h = Harness::new();
    let base = format!("client_id=public-app&{APP_CB}&state=xyz&{PKCE}");
    assert_error_redirect(&h, &base, "invalid_request", "response_type is required");
    for response_type in ["token", "code%20token", "id_token", "CODE", "code%20"] {
        assert_error_redirect(
            &h,
            &format!("{base}&response_type={response_type}"),
            "unsupported_response_type",
            "response_type must be code",
        );
    }
}

#[test]
fn client_without_the_code_grant_is_unauthorized_client() {
    let h = Harness::new();
    h.store.insert_client(public_app().with_grants([GrantType::RefreshToken]));
    assert_error_redirect(
        &h,
        &app_query(""),
        "unauthorized_client",
        "client is not allowed the authorization_code grant",
    );
}

#[test]
fn scopes_must_be_allowed_and_well_formed() {
    let h = Harness::new();
    h.store.insert_client(public_app().with_scopes(Scopes::from_names(["read"])));
    assert_error_redirect(
        &h,
        &app_query("&scope=read+write"),
        "invalid_scope",
        "scope write is not allowed for this client",
    );
    assert_error_redirect(
        &h,
        &app_query("&scope=read%20%20write"),
        "invalid_scope",
        "scope is not a space-delimited list of scope tokens",
    );
}

#[test]
fn pkce_is_required_and_checked() {
    let h = Harness::new();
    let base = format!("{APP}&{APP_CB}&state=xyz");
    let cases = [
        (String::new(), "code_challenge is required"),
        (
            format!("&code_challenge={CHALLENGE}"),
            "code_challenge_method is required and must be S256",
        ),
        (
            format!("&code_challenge={CHALLENGE}&code_challenge_method=plain"),
            "code_challenge_method must be S256",
        ),
        (
            format!("&code_challenge={CHALLENGE}&code_challenge_method=s256"),
            "code_challenge_method must be S256",
        ),
        (
            "&code_challenge_method=S256".to_owned(),
            "code_challenge_method was sent without code_challenge",
        ),
        (
            format!("&code_challenge={}&code_challenge_method=S256", "a".repeat(42)),
            "code_challenge must be 43 to 128 unreserved characters",
        ),
        (
            format!("&code_challenge={}&code_challenge_method=S256", "a".repeat(129)),
            "code_challenge must be 43 to 128 unreserved characters",
        ),
        (
            format!("&code_challenge={}%2B&code_challenge_method=S256", "a".repeat(43)),
            "code_challenge must be 43 to 128 unreserved characters",
        ),
    ];
    for (extra, description) in cases {
        assert_error_redirect(&h, &format!("{base}{extra}"), "invalid_request", description);
    }
    // The confidential client needs PKCE too by default ...
    let response = h.send(authorize(&format!(
        "client_id={CLIENT_ID}&response_type=code&redirect_uri={}&state=xyz",
        enc(REDIRECT_URI)
    )));
    assert_eq!(
        location(&response),
        format!(
            "{REDIRECT_URI}?error=invalid_request&error_description={}&state=xyz&{ISS}",
            enc("code_challenge is required")
        )
    );
}

#[test]
fn pkce_optional_for_confidential_and_plain_when_configured() {
    let h = Harness::with(
        config().pkce(PkcePolicy { required_for_confidential: false, allow_plain: true }),
    );
    let interaction = h.interaction(authorize(&format!(
        "client_id={CLIENT_ID}&response_type=code&redirect_uri={}",
        enc(REDIRECT_URI)
    )));
    let pending = h.store.pending(&TokenHash::of(interaction.handle.expose())).unwrap();
    assert_eq!(pending.challenge, None);
    // Public clients still must.
    assert_error_redirect(
        &h,
        &format!("{APP}&{APP_CB}&state=xyz"),
        "invalid_request",
        "code_challenge is required",
    );
    // Without a method, plain is the default when enabled (RFC 7636 §4.3).
    for extra in ["", "&code_challenge_method=plain"] {
        let interaction =
            h.interaction(authorize(&format!("{APP}&{APP_CB}&code_challenge={VERIFIER}{extra}")));
        let pending = h.store.pending(&TokenHash::of(interaction.handle.expose())).unwrap();
        assert_eq!(
            pending.challenge,
            Some(PkceChallenge { method: PkceMethod::Plain, challenge: VERIFIER.into() })
        );
    }
    assert_error_redirect(
        &h,
        &format!("{APP}&{APP_CB}&state=xyz&code_challenge={VERIFIER}&code_challenge_method=S512"),
        "invalid_request",
        "code_challenge_method must be S256 or plain",
    );
}

#[test]
fn registered_query_is_kept_and_state_is_encoded() {
    let h = Harness::new();
    h.store.insert_client(
        public_app().with_redirect_uris(["https://app.example.com/cb?tenant=a%20b"]),
    );
    let query = format!(
        "client_id=public-app&redirect_uri={}&state={}&{PKCE}",
        enc("https://app.example.com/cb?tenant=a%20b"),
        enc("a b&c=d/é+")
    );
    let response = h.send(authorize(&query));
    assert_eq!(
        location(&response),
        format!(
            "https://app.example.com/cb?tenant=a%20b&error=invalid_request&error_description={}\
             &state=a%20b%26c%3Dd%2F%C3%A9%2B&{ISS}",
            enc("response_type is required")
        )
    );
    assert_eq!(query_param(&location(&response), "state").as_deref(), Some("a b&c=d/é+"));
}

#[test]
fn rfc8252_loopback_redirect_with_any_port() {
    let h = Harness::new();
    h.store.insert_client(
        public_app().with_redirect_uris(["http://127.0.0.1/oauth2redirect/example-provider"]),
    );
    let sent = "http://127.0.0.1:51004/oauth2redirect/example-provider";
    let interaction =
        h.interaction(authorize(&format!("{APP}&redirect_uri={}&state=xyz&{PKCE}", enc(sent))));
    assert_eq!(interaction.redirect_uri, sent);
    let pending = h.store.pending(&TokenHash::of(interaction.handle.expose())).unwrap();
    assert_eq!(pending.redirect_uri.as_deref(), Some(sent));
    // Errors go to the port the app listens on.
    let response = h.send(authorize(&format!(
        "client_id=public-app&redirect_uri={}&state=xyz&{PKCE}",
        enc(sent)
    )));
    assert!(location(&response).starts_with(&format!("{sent}?error=invalid_request&")));
    // localhost and another path are not loopback matches.
    for bad in [
        "http://localhost:51004/oauth2redirect/example-provider",
        "http://127.0.0.1:51004/oauth2redirect/example-provider/",
    ] {
        let query = format!("{APP}&redirect_uri={}&state=xyz&{PKCE}", enc(bad));
        assert_direct(&h.send(authorize(&query)), 400, "invalid_request");
    }
}

#[test]
fn unknown_parameters_are_ignored() {
    let h = Harness::new();
    h.interaction(authorize(&app_query("&foo=bar&prompt=login&nonce=")));
}

#[test]
fn not_served_without_the_code_grant() {
    let h = Harness::with(config().grants([GrantType::ClientCredentials]));
    let response = h.send(authorize(&app_query("")));
    assert_eq!(response.status(), 404);
    assert_eq!(h.send(par_request("client_id=public-app")).status(), 404);
}

#[test]
fn custom_endpoint_path() {
    let endpoints =
        qscope::Endpoints { authorization: "/oauth2/auth".into(), ..qscope::Endpoints::default() };
    let h = Harness::with(config().endpoints(endpoints));
    assert_eq!(h.send(authorize(&app_query(""))).status(), 404);
    h.interaction(Req::new("GET", &format!("/oauth2/auth?{}", app_query("")), ""));
}

#[test]
fn interaction_lifetime_is_configurable() {
    let h = Harness::with(config().interaction_lifetime(Seconds::new(90)));
    let interaction = h.interaction(authorize(&app_query("")));
    assert_eq!(interaction.expires_at, T0.after(Seconds::new(90)));
}

#[test]
fn store_failures() {
    let h = Harness::new();
    let store = FailingStore::new(qscope::store::MemoryStore::new(), true);
    store.inner.insert_client(public_app());
    // The client cannot be read: nothing is verified, so the answer is direct.
    store.fail_reads.store(true, std::sync::atomic::Ordering::SeqCst);
    let reply = qscope::drive(
        &h.server,
        &store,
        &http::Request::from(authorize(&app_query(""))),
        h.context(),
    );
    let response = reply.into_http().unwrap();
    assert_direct(&response, 503, "temporarily_unavailable");
    // The pending authorization cannot be stored: the redirect URI is
    // verified, so the client is told (RFC 6749 §4.1.2.1).
    store.fail_reads.store(false, std::sync::atomic::Ordering::SeqCst);
    store.fail_applies.store(true, std::sync::atomic::Ordering::SeqCst);
    let reply = qscope::drive(
        &h.server,
        &store,
        &http::Request::from(authorize(&app_query(""))),
        h.context(),
    );
    let response = reply.into_http().unwrap();
    assert_eq!(
        location(&response),
        format!(
            "{APP_REDIRECT}?error=temporarily_unavailable&error_description={}&state=xyz&{ISS}",
            enc("storage is temporarily unavailable; retry later")
        )
    );
    let store = FailingStore::new(qscope::store::MemoryStore::new(), false);
    store.inner.insert_client(public_app());
    store.fail_applies.store(true, std::sync::atomic::Ordering::SeqCst);
    let reply = qscope::drive(
        &h.server,
        &store,
        &http::Request::from(authorize(&app_query(""))),
        h.context(),
    );
    let location = location(&reply.into_http().unwrap());
    assert_eq!(query_param(&location, "error").as_deref(), Some("server_error"));
    assert!(store.inner.pendings().is_empty());
}

#[test]
fn require_par_refuses_direct_requests() {
    let h = Harness::with(config().require_par(true));
    assert_error_redirect(
        &h,
        &app_query(""),
        "invalid_request",
        "authorization requests must be pushed to the PAR endpoint",
    );
    // Per client.
    let h = Harness::new();
    h.store.insert_client(public_app().with_require_par(true));
    assert_error_redirect(
        &h,
        &app_query(""),
        "invalid_request",
        "authorization requests must be pushed to the PAR endpoint",
    );
    h.store.insert_client(public_app());
    assert!(matches!(h.exchange(authorize(&app_query(""))), Reply::Interaction(_)));
}

#[test]
fn pending_handle_is_unique_per_request() {
    let h = Harness::new();
    let a = h.interaction(authorize(&app_query("")));
    let b = h.interaction(authorize(&app_query("")));
    assert_ne!(a.handle.expose(), b.handle.expose());
    assert_eq!(h.store.pendings().len(), 2);
    assert!(
        h.store.pendings().iter().all(|p| p.kind == PendingKind::Interaction),
        "both wait for a decision"
    );
}

mod properties {
    use proptest::prelude::*;

    use super::support::*;

    /// One edit of the registered URI: replace, insert or delete a
    /// character, change its case, or append a suffix.
    fn mutated() -> impl Strategy<Value = String> {
        let base: Vec<char> = APP_REDIRECT.chars().collect();
        let n = base.len();
        let printable = proptest::char::range('!', '~');
        prop_oneof![
            (0..n, printable.clone()).prop_map({
                let base = base.clone();
                move |(i, c)| {
                    let mut v = base.clone();
                    v[i] = c;
                    v.into_iter().collect()
                }
            }),
            (0..=n, printable).prop_map({
                let base = base.clone();
                move |(i, c)| {
                    let mut v = base.clone();
                    v.insert(i, c);
                    v.into_iter().collect()
                }
            }),
            (0..n).prop_map({
                let base = base.clone();
                move |i| {
                    let mut v = base.clone();
                    v.remove(i);
                    v.into_iter().collect()
                }
            }),
            (0..n).prop_map(move |i| {
                let mut v = base.clone();
                v[i] = if v[i].is_ascii_lowercase() {
                    v[i].to_ascii_uppercase()
                } else {
                    v[i].to_ascii_lowercase()
                };
                v.into_iter().collect()
            }),
            prop_oneof![Just("/"), Just("?x=1"), Just("#"), Just("%20"), Just(".")]
                .prop_map(|suffix| format!("{APP_REDIRECT}{suffix}")),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn a_redirect_uri_that_differs_never_receives_a_redirect(uri in mutated()) {
            let h = Harness::new();
            let query = format!(
                "client_id=public-app&response_type=code&redirect_uri={}&state=xyz&{PKCE}",
                enc(&uri)
            );
            let reply = h.exchange(authorize(&query));
            if uri == APP_REDIRECT {
                prop_assert!(reply.interaction().is_some());
            } else {
                let response = reply.http().expect("an HTTP reply");
                prop_assert_eq!(response.status(), 400);
                prop_assert!(response.headers().get("location").is_none());
                prop_assert!(h.committed.borrow().is_empty());
            }
        }

        #[test]
        fn arbitrary_queries_only_ever_redirect_to_the_registered_uri(
            query in proptest::collection::vec(
                prop_oneof![
                    Just("client_id=public-app".to_owned()),
                    Just(format!("redirect_uri={}", enc(APP_REDIRECT))),
                    Just("response_type=code".to_owned()),
                    Just(PKCE.to_owned()),
                    "[a-z_]{1,12}=[ -~]{0,20}",
                    "[ -~]{0,30}",
                ],
                0..8,
            ),
        ) {
            let h = Harness::new();
            let uri = format!("/authorize?{}", query.join("&"));
            // Only what an HTTP server could hand over as a request target.
            prop_assume!(http::Uri::try_from(uri.as_str()).is_ok());
            match h.exchange(Req::new("GET", &uri, "")) {
                qscope::Reply::Http(response) => {
                    if let Some(location) = response.headers().get("location") {
                        let location = location.to_str().unwrap();
                        prop_assert!(location.starts_with(&format!("{APP_REDIRECT}?")), "{}", location);
                        prop_assert!(location.ends_with(ISS), "{}", location);
                    }
                }
                qscope::Reply::Interaction(interaction) => {
                    prop_assert_eq!(interaction.redirect_uri, APP_REDIRECT);
                }
                other => prop_assert!(false, "unexpected reply {:?}", other),
            }
        }
    }
}
