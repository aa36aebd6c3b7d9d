//! Bearer-token verification for resource servers (RFC 6750 §2, §3, §3.1;
//! OAuth 2.1 §5).

mod support;

use http::{Request, Response};
use qscope::store::{
    Answer, Answers, MemoryStore, Outcome, Query, Store, StoreError, TokenHash, TokenKind,
    Transaction,
};
use qscope::{Access, BearerPolicy, Input, MisuseKind, Reply, Scopes, Step};
use support::*;

const TOKEN: &str = "mF_9.B5f-4.1JqM";

fn scopes(names: &[&str]) -> Scopes {
    Scopes::from_names(names.iter().copied())
}

fn request(req: Req) -> Request<Vec<u8>> {
    req.into()
}

fn verify(h: &Harness, req: Req, required: &[&str]) -> Reply {
    h.ask(Input::bearer(&request(req), &scopes(required)))
}

fn get_with(header: &str) -> Req {
    Req::new("GET", "/resource", "").header("authorization", header)
}

fn alice() -> Access {
    Access {
        subject: Some("alice".into()),
        client_id: CLIENT_ID.into(),
        scopes: scopes(&["read", "write"]),
    }
}

#[track_caller]
fn assert_allowed(verdict: Reply, expected: &Access) {
    match verdict {
        Reply::Access(access) => assert_eq!(&access, expected),
        Reply::Http(response) => {
            panic!("denied {} {:?}", response.status(), response.headers().get("www-authenticate"))
        }
        other => panic!("a bearer check ended in {other:?}"),
    }
}

/// Asserts a denial: exact status, exact challenge, no other header, no body.
#[track_caller]
fn assert_denied(verdict: Reply, status: u16, challenge: &str) {
    let Reply::Http(response) = verdict else { panic!("expected a denial") };
    assert_challenge(&response, status, challenge);
}

#[track_caller]
fn assert_challenge(response: &Response<Vec<u8>>, status: u16, challenge: &str) {
    assert_eq!(response.status().as_u16(), status);
    assert_header_names(response, &["www-authenticate"]);
    assert_eq!(response.headers()["www-authenticate"], challenge);
    assert!(response.body().is_empty());
}

fn with_realm(realm: &str, accept_form_body: bool) -> Harness {
    Harness::with(config().bearer(BearerPolicy { realm: realm.into(), accept_form_body }))
}

#[test]
fn rfc6750_2_1_authorization_header_is_accepted() {
    let h = Harness::new();
    h.insert_token(TOKEN, TokenKind::Access, CLIENT_ID, 1);
    // The RFC's literal request.
    let req = Req::new("GET", "/resource", "")
        .header("host", "server.example.com")
        .header("authorization", "Bearer mF_9.B5f-4.1JqM");
    assert_allowed(verify(&h, req, &["read"]), &alice());
    // No scope required: any valid access token.
    assert_allowed(verify(&h, get_with("Bearer mF_9.B5f-4.1JqM"), &[]), &alice());
    // Verification writes nothing.
    assert!(h.store.audit_events().is_empty());
}

#[test]
fn bearer_scheme_is_case_insensitive() {
    // OAuth 2.1 §5.1.1 lists these four as valid.
    let h = Harness::new();
    h.insert_token(TOKEN, TokenKind::Access, CLIENT_ID, 1);
    for header in [
        "Bearer mF_9.B5f-4.1JqM",
        "bearer mF_9.B5f-4.1JqM",
        "BEARER mF_9.B5f-4.1JqM",
        "bEaReR mF_9.B5f-4.1JqM",
        "Bearer   mF_9.B5f-4.1JqM",
    ] {
        assert_allowed(verify(&h, get_with(header), &["write"]), &alice());
    }
}

#[test]
fn client_credentials_tokens_have_no_subject() {
    let h = Harness::new();
    let mut record = h.insert_token("placeholder", TokenKind::Access, CLIENT_ID, 1);
    record.hash = TokenHash::of("machine");
    record.subject = None;
    h.store.insert_token(record);
    let expected = Access { subject: None, ..alice() };
    assert_allowed(verify(&h, get_with("Bearer machine"), &["read"]), &expected);
}

#[test]
fn rfc6750_3_no_credentials_is_401_without_error() {
    let h = with_realm("example", false);
    assert_denied(
        verify(&h, Req::new("GET", "/resource", ""), &["read"]),
        401,
        "Bearer realm=\"example\"",
    );
    // The default realm.
    let h = Harness::new();
    assert_denied(
        verify(&h, Req::new("GET", "/resource", ""), &[]),
        401,
        "Bearer realm=\"qscope\"",
    );
}

#[test]
fn rfc6750_3_1_another_scheme_counts_as_no_credentials() {
    // "attempted using an unsupported authentication method": no error code.
    let h = with_realm("example", false);
    for header in ["Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW", "Bearerx", "Token abc", "DPoP abc"] {
        assert_denied(verify(&h, get_with(header), &["read"]), 401, "Bearer realm=\"example\"");
    }
}

#[test]
fn rfc6750_3_expired_token_is_invalid_token() {
    let h = with_realm("example", false);
    h.insert_token(TOKEN, TokenKind::Access, CLIENT_ID, 1);
    h.advance(3599);
    assert_allowed(verify(&h, get_with("Bearer mF_9.B5f-4.1JqM"), &[]), &alice());
    h.advance(1);
    assert_denied(
        verify(&h, get_with("Bearer mF_9.B5f-4.1JqM"), &[]),
        401,
        "Bearer realm=\"example\", error=\"invalid_token\", \
         error_description=\"The access token expired\"",
    );
}

#[test]
fn rfc6750_3_1_unknown_revoked_and_refresh_tokens_are_invalid_token() {
    let h = Harness::new();
    let invalid = "Bearer realm=\"qscope\", error=\"invalid_token\", \
                   error_description=\"The access token is invalid\"";
    assert_denied(verify(&h, get_with("Bearer never-issued"), &[]), 401, invalid);
    h.insert_token("a-refresh-token", TokenKind::Refresh, CLIENT_ID, 1);
    assert_denied(verify(&h, get_with("Bearer a-refresh-token"), &[]), 401, invalid);
    h.insert_token(TOKEN, TokenKind::Access, CLIENT_ID, 2);
    let response =
        h.send(revoke_request(&format!("token={TOKEN}")).basic(CLIENT_ID, CLIENT_SECRET));
    assert_eq!(response.status(), 200);
    assert_denied(
        verify(&h, get_with("Bearer mF_9.B5f-4.1JqM"), &[]),
        401,
        "Bearer realm=\"qscope\", error=\"invalid_token\", \
         error_description=\"The access token was revoked\"",
    );
}

#[test]
fn rfc6750_3_1_missing_scope_is_403_insufficient_scope_with_scope() {
    let h = Harness::new();
    h.insert_token(TOKEN, TokenKind::Access, CLIENT_ID, 1);
    assert_denied(
        verify(&h, get_with("Bearer mF_9.B5f-4.1JqM"), &["read", "admin"]),
        403,
        "Bearer realm=\"qscope\", error=\"insufficient_scope\", \
         error_description=\"The access token lacks a required scope\", scope=\"admin read\"",
    );
}

#[test]
fn rfc6750_3_1_malformed_credentials_are_400_invalid_request() {
    let h = Harness::new();
    h.insert_token(TOKEN, TokenKind::Access, CLIENT_ID, 1);
    let invalid = "Authorization header is not valid Bearer credentials";
    let cases = [
        ("Bearer", "Authorization header carries no Bearer token"),
        ("Bearer ", invalid),
        ("Bearer a b", invalid),
        ("Bearer mF_9,B5f", invalid),
        ("Bearer =abc", invalid),
    ];
    for (header, description) in cases {
        assert_denied(
            verify(&h, get_with(header), &[]),
            400,
            &format!(
                "Bearer realm=\"qscope\", error=\"invalid_request\", \
                 error_description=\"{description}\""
            ),
        );
    }
    let non_ascii = Request::builder()
        .uri("/resource")
        .header("authorization", http::HeaderValue::from_bytes(b"Bearer \xe9t\xe9").unwrap())
        .body(Vec::new())
        .unwrap();
    assert_denied(
        h.ask(Input::bearer(&non_ascii, &Scopes::new())),
        400,
        "Bearer realm=\"qscope\", error=\"invalid_request\", \
         error_description=\"Authorization header is not valid Bearer credentials\"",
    );
}

#[test]
fn rfc6750_3_1_repeated_authorization_header_is_400() {
    let h = Harness::new();
    h.insert_token(TOKEN, TokenKind::Access, CLIENT_ID, 1);
    let req = get_with("Bearer mF_9.B5f-4.1JqM").header("authorization", "Bearer mF_9.B5f-4.1JqM");
    assert_denied(
        verify(&h, req, &[]),
        400,
        "Bearer realm=\"qscope\", error=\"invalid_request\", \
         error_description=\"Authorization header is repeated\"",
    );
}

#[test]
fn rfc6750_2_2_form_body_is_ignored_unless_enabled() {
    let h = Harness::new();
    h.insert_token(TOKEN, TokenKind::Access, CLIENT_ID, 1);
    // The RFC's literal request, with the default policy.
    let req = || {
        Req::new("POST", "/resource", "access_token=mF_9.B5f-4.1JqM")
            .header("host", "server.example.com")
            .header("content-type", "application/x-www-form-urlencoded")
    };
    assert_denied(verify(&h, req(), &["read"]), 401, "Bearer realm=\"qscope\"");
    // Opted in, the same request is allowed.
    let h = with_realm("qscope", true);
    h.insert_token(TOKEN, TokenKind::Access, CLIENT_ID, 1);
    assert_allowed(verify(&h, req(), &["read"]), &alice());
    // With the resource server's own parameters around it, form-decoded.
    let req = form_post("/resource", "a=1&b=2&b=3&access_token=mF_9.B5f-4.1JqM&c=%zz");
    assert_allowed(verify(&h, req, &["read"]), &alice());
}

#[test]
fn rfc6750_2_2_form_body_rules() {
    let h = with_realm("qscope", true);
    h.insert_token(TOKEN, TokenKind::Access, CLIENT_ID, 1);
    let invalid_request = |description: &str| {
        format!(
            "Bearer realm=\"qscope\", error=\"invalid_request\", \
             error_description=\"{description}\""
        )
    };
    // Two methods at once (RFC 6750 §2: "MUST NOT use more than one method").
    let req = form_post("/resource", "access_token=mF_9.B5f-4.1JqM")
        .header("authorization", "Bearer mF_9.B5f-4.1JqM");
    assert_denied(
        verify(&h, req, &[]),
        400,
        &invalid_request("The access token was sent by more than one method"),
    );
    // A repeated parameter.
    let req = form_post("/resource", "access_token=mF_9.B5f-4.1JqM&access_token=x");
    assert_denied(
        verify(&h, req, &[]),
        400,
        &invalid_request("The access_token parameter is repeated"),
    );
    // Not a b64token once decoded ('+' is a space in a form).
    let req = form_post("/resource", "access_token=a+b");
    assert_denied(
        verify(&h, req, &[]),
        400,
        &invalid_request("The access_token parameter is not a b64token"),
    );
    let req = form_post("/resource", "access_token=%zz");
    assert_denied(
        verify(&h, req, &[]),
        400,
        &invalid_request("The access_token parameter is malformed"),
    );
    // Percent-encoding is decoded: %2E is '.'.
    let req = form_post("/resource", "access_token=mF_9%2EB5f-4.1JqM");
    assert_allowed(verify(&h, req, &[]), &alice());
    // GET never carries a body token; neither does another media type.
    let req = Req::new("GET", "/resource", "access_token=mF_9.B5f-4.1JqM")
        .header("content-type", "application/x-www-form-urlencoded");
    assert_denied(verify(&h, req, &[]), 401, "Bearer realm=\"qscope\"");
    let req = Req::new("POST", "/resource", "access_token=mF_9.B5f-4.1JqM")
        .header("content-type", "application/json");
    assert_denied(verify(&h, req, &[]), 401, "Bearer realm=\"qscope\"");
    // An empty value is no token.
    assert_denied(
        verify(&h, form_post("/resource", "access_token="), &[]),
        401,
        "Bearer realm=\"qscope\"",
    );
}

#[test]
fn rfc6750_2_3_query_parameter_is_ignored() {
    // OAuth 2.1 §5.1: "resource servers MUST ignore access tokens in a URI
    // query parameter", even when the form body is accepted.
    let h = with_realm("qscope", true);
    h.insert_token(TOKEN, TokenKind::Access, CLIENT_ID, 1);
    let literal = Req::new("GET", "/resource?access_token=mF_9.B5f-4.1JqM", "")
        .header("host", "server.example.com");
    assert_denied(verify(&h, literal, &[]), 401, "Bearer realm=\"qscope\"");
    let with_p =
        Req::new("GET", "https://server.example.com/resource?access_token=mF_9.B5f-4.1JqM&p=q", "");
    assert_denied(verify(&h, with_p, &[]), 401, "Bearer realm=\"qscope\"");
    // Next to a header token it is not a second method: it is not read.
    let req = Req::new("GET", "/resource?access_token=other", "")
        .header("authorization", "Bearer mF_9.B5f-4.1JqM");
    assert_allowed(verify(&h, req, &[]), &alice());
}

#[test]
fn the_step_api_reads_the_token_once_by_hash() {
    let h = Harness::new();
    h.insert_token(TOKEN, TokenKind::Access, CLIENT_ID, 1);
    let req = request(get_with("Bearer mF_9.B5f-4.1JqM"));
    let required = scopes(&["read"]);
    let Step::Read(read) = h.server.begin(Input::bearer(&req, &required), h.context()) else {
        panic!("expected a read");
    };
    assert_eq!(read.queries(), &[Query::Token { hash: TokenHash::of(TOKEN) }]);
    let answers = h.store.read(read.queries()).unwrap();
    let Step::Respond(respond) = read.resume(answers).unwrap() else { panic!("one read") };
    assert_allowed(respond.reply, &alice());
    // No credentials: decided without a read.
    let bare = request(Req::new("GET", "/resource", ""));
    let step = h.server.begin(Input::bearer(&bare, &required), h.context());
    assert!(matches!(step, Step::Respond(_)));
}

#[test]
fn answers_that_do_not_echo_the_query_are_misuse() {
    let h = Harness::new();
    h.insert_token(TOKEN, TokenKind::Access, CLIENT_ID, 1);
    h.insert_token("other", TokenKind::Access, CLIENT_ID, 1);
    let req = request(get_with("Bearer mF_9.B5f-4.1JqM"));
    let none = Scopes::new();
    let read = || match h.server.begin(Input::bearer(&req, &none), h.context()) {
        Step::Read(read) => read,
        _ => panic!("expected a read"),
    };
    assert_eq!(
        read().resume(Answers::default()).unwrap_err(),
        MisuseKind::AnswerCount { expected: 1, got: 0 }
    );
    let other = Query::Token { hash: TokenHash::of("other") };
    let wrong_key = h.store.read(std::slice::from_ref(&other)).unwrap();
    assert_eq!(read().resume(wrong_key).unwrap_err(), MisuseKind::AnswerKey { index: 0 });
    // The right key carrying another token's record.
    let record = h.store.read(&[other]).unwrap().as_slice()[0].record.clone();
    let forged: Answers = [Answer { query: Query::Token { hash: TokenHash::of(TOKEN) }, record }]
        .into_iter()
        .collect();
    assert_eq!(read().resume(forged).unwrap_err(), MisuseKind::AnswerRecord { index: 0 });
}

/// A store whose reads fail, or answer the wrong key.
struct BrokenStore {
    transient: bool,
    misanswer: bool,
}

impl Store for BrokenStore {
    fn read(&self, _queries: &[Query]) -> Result<Answers, StoreError> {
        if self.misanswer {
            return Ok(Answers::default());
        }
        Err(if self.transient {
            StoreError::transient("connection lost")
        } else {
            StoreError::permanent("schema mismatch")
        })
    }

    fn apply(&self, _: &Transaction) -> Result<Outcome, StoreError> {
        Err(StoreError::permanent("read-only"))
    }
}

#[test]
fn store_failures_are_503_or_500_and_misuse_is_500() {
    let h = Harness::new();
    let req = request(get_with("Bearer mF_9.B5f-4.1JqM"));
    let none = Scopes::new();
    let cases = [
        (BrokenStore { transient: true, misanswer: false }, 503, "temporarily_unavailable"),
        (BrokenStore { transient: false, misanswer: false }, 500, "server_error"),
        (BrokenStore { transient: false, misanswer: true }, 500, "server_error"),
    ];
    for (store, status, error) in cases {
        let Reply::Http(response) =
            qscope::drive(&h.server, &store, Input::bearer(&req, &none), h.context())
        else {
            panic!("expected a denial");
        };
        assert_error(&response, status, error);
    }
}

#[tokio::test]
async fn the_async_driver_gives_the_same_verdicts() {
    let h = Harness::new();
    h.insert_token(TOKEN, TokenKind::Access, CLIENT_ID, 1);
    // MemoryStore's AsyncStore implementation.
    let store = MemoryStore::new();
    store.insert_token(h.token(TOKEN));
    let ok = request(get_with("Bearer mF_9.B5f-4.1JqM"));
    let verdict =
        qscope::drive_async(&h.server, &store, Input::bearer(&ok, &scopes(&["read"])), h.context())
            .await;
    assert_allowed(verdict, &alice());
    let verdict = qscope::drive_async(
        &h.server,
        &store,
        Input::bearer(&ok, &scopes(&["admin"])),
        h.context(),
    )
    .await;
    assert_denied(
        verdict,
        403,
        "Bearer realm=\"qscope\", error=\"insufficient_scope\", \
         error_description=\"The access token lacks a required scope\", scope=\"admin\"",
    );
    let bare = request(Req::new("GET", "/resource", ""));
    let verdict =
        qscope::drive_async(&h.server, &store, Input::bearer(&bare, &Scopes::new()), h.context())
            .await;
    assert_denied(verdict, 401, "Bearer realm=\"qscope\"");
}
