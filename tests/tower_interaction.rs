//! The tower service's interaction hook: the whole authorization code
//! flow through one `OAuthService` (authorize → the hook renders → the
//! hook reports the decision → redirect with code, state and iss → token
//! exchange with PKCE), and the core keeping every protocol decision.

#[path = "support/broken_body.rs"]
mod broken_body;
mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use broken_body::Broken;
use bytes::Bytes;
use http::request::Parts;
use http::{Request, Response};
use http_body::Body;
use http_body_util::{BodyExt, Full};
use qscope::adapter::tower::{InteractionHook, OAuthService, PageOutcome};
use qscope::store::{AuditAction, MemoryStore};
use qscope::{Decision, Interaction, InteractionHandle, Scopes, Server, TokenHash};
use support::{
    APP_REDIRECT, ISS, PKCE, VERIFIER, assert_error, config, decision_location, enc, json,
    public_app, query_param,
};
use tower::ServiceExt;

/// What the test's consent page reports when its form is posted.
#[derive(Clone, Copy, PartialEq)]
enum Report {
    /// The decision the form asked for, on the interaction the browser's
    /// session holds.
    AsPosted,
    /// An approval on a handle the core never issued.
    ForgedHandle,
    /// An approval of a scope the client did not request.
    ExtraScope,
}

/// A consent page at `/consent`, keyed by the browser's `sid` cookie.
struct ConsentPage {
    waiting: Mutex<HashMap<String, Interaction>>,
    report: Report,
    rendered: Mutex<Vec<(String, String)>>,
}

impl ConsentPage {
    fn new(report: Report) -> Self {
        Self { waiting: Mutex::default(), report, rendered: Mutex::default() }
    }
}

fn session(request: &Parts) -> Option<String> {
    let cookie = request.headers.get("cookie")?.to_str().ok()?;
    cookie.split("; ").find_map(|pair| pair.strip_prefix("sid=")).map(str::to_owned)
}

impl InteractionHook for ConsentPage {
    fn owns(&self, request: &Parts) -> bool {
        request.uri.path() == "/consent"
    }

    async fn render(&self, interaction: Interaction, request: &Parts) -> Response<Vec<u8>> {
        let sid = session(request).expect("the browser's cookie reaches the hook");
        let page = format!(
            "<form method=post action=/consent>{} asks for {}<button name=decision value=approve>",
            qscope::html::escape(&interaction.client_id),
            interaction.requested_scopes(),
        );
        self.rendered.lock().unwrap().push((sid.clone(), interaction.client_id.clone()));
        self.waiting.lock().unwrap().insert(sid, interaction);
        Response::new(page.into_bytes())
    }

    async fn receive(&self, request: Request<Vec<u8>>) -> PageOutcome {
        let (parts, body) = request.into_parts();
        if body.starts_with(b"panic") {
            panic!("a page bug (expected by the test)");
        }
        let waiting = session(&parts).and_then(|sid| self.waiting.lock().unwrap().remove(&sid));
        let Some(interaction) = waiting else {
            let mut stale = Response::new(b"no request waits for you".to_vec());
            *stale.status_mut() = http::StatusCode::FORBIDDEN;
            return PageOutcome::Answer(stale);
        };
        let handle = interaction.handle.clone();
        PageOutcome::Decision(match (self.report, body.as_slice()) {
            (Report::AsPosted, b"decision=approve") => {
                Decision::approve(handle, "alice", interaction.requested_scopes())
            }
            (Report::AsPosted, _) => Decision::deny(handle),
            (Report::ForgedHandle, _) => Decision::approve(
                InteractionHandle::new("a-handle-the-core-never-issued"),
                "alice",
                interaction.requested_scopes(),
            ),
            (Report::ExtraScope, _) => {
                Decision::approve(handle, "alice", Scopes::from_names(["read", "write"]))
            }
        })
    }
}

type Service = OAuthService<Arc<MemoryStore>, ConsentPage>;

fn consenting(report: Report) -> (Service, Arc<MemoryStore>) {
    let store = Arc::new(MemoryStore::new());
    store.insert_client(public_app());
    let server = Server::new(config().build().unwrap());
    let service =
        OAuthService::new(server, Arc::clone(&store)).with_interaction(ConsentPage::new(report));
    (service, store)
}

async fn call<B>(service: &Service, request: Request<B>) -> Response<Vec<u8>>
where
    B: Body + Send + 'static,
    B::Data: Send,
{
    let response = service.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    Response::from_parts(parts, body.collect().await.unwrap().to_bytes().to_vec())
}

fn authorize(sid: &str) -> Request<Full<Bytes>> {
    let query = format!(
        "/authorize?response_type=code&client_id=public-app&scope=read&state=xyz&{PKCE}&redirect_uri={}",
        enc(APP_REDIRECT)
    );
    Request::get(query)
        .header("cookie", format!("theme=dark; sid={sid}"))
        .body(Full::default())
        .unwrap()
}

fn consent(sid: &str, body: &'static str) -> Request<Full<Bytes>> {
    Request::post("/consent")
        .header("cookie", format!("sid={sid}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-request-id", "c0ffee")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .unwrap()
}

fn token(code: &str) -> Request<Full<Bytes>> {
    let body = format!(
        "grant_type=authorization_code&code={}&redirect_uri={}&client_id=public-app&code_verifier={VERIFIER}",
        enc(code),
        enc(APP_REDIRECT)
    );
    Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

#[tokio::test]
async fn a_code_flow_completes_through_the_interaction_hook() {
    let (service, store) = consenting(Report::AsPosted);

    // 1. The authorization request: the core validates and stores it, the
    //    hook renders the page with the browser's own cookie.
    let page = call(&service, authorize("s1")).await;
    assert_eq!(page.status(), 200);
    assert_eq!(
        page.headers()["cache-control"],
        "no-store",
        "the service keeps the page out of caches"
    );
    assert_eq!(page.headers()["x-request-id"].len(), 32);
    let text = String::from_utf8(page.body().clone()).unwrap();
    assert!(text.contains("public-app asks for read"), "{text}");
    assert_eq!(
        *service.hook().rendered.lock().unwrap(),
        [("s1".to_owned(), "public-app".to_owned())]
    );
    assert_eq!(store.pendings().len(), 1);

    // 2. The consent form's post: the hook reports the decision, the core
    //    answers with the redirect (RFC 6749 §4.1.2, RFC 9207 `iss`).
    let redirect = call(&service, consent("s1", "decision=approve")).await;
    assert_eq!(redirect.headers()["x-request-id"], "c0ffee", "the form post's own request id");
    let location = decision_location(&redirect);
    assert!(location.starts_with(&format!("{APP_REDIRECT}?code=")), "{location}");
    assert!(location.ends_with(&format!("&state=xyz&{ISS}")), "{location}");
    assert!(store.pendings().is_empty(), "the pending request is consumed");
    let code = query_param(&location, "code").unwrap();
    let stored = store.code(&TokenHash::of(&code)).expect("the code is stored by its hash");
    assert_eq!(stored.subject, "alice");
    assert_eq!(stored.client_id, "public-app");

    // 3. The token exchange with the PKCE verifier (RFC 7636 §4.5).
    let issued = call(&service, token(&code)).await;
    assert_eq!(issued.status(), 200, "{:?}", String::from_utf8_lossy(issued.body()));
    let body = json(&issued);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "read");
    let access = body["access_token"].as_str().unwrap();
    assert!(store.tokens().iter().any(|t| t.hash == TokenHash::of(access)));

    // The code is single-use: a replay is refused.
    assert_error(&call(&service, token(&code)).await, 400, "invalid_grant");
    let actions: Vec<_> = store.audit_events().iter().map(|e| e.action).collect();
    assert!(actions.contains(&AuditAction::AuthorizationApproved), "{actions:?}");
}

#[tokio::test]
async fn a_denial_reaches_the_client_as_access_denied() {
    let (service, store) = consenting(Report::AsPosted);
    assert_eq!(call(&service, authorize("s2")).await.status(), 200);
    let location = decision_location(&call(&service, consent("s2", "decision=deny")).await);
    assert_eq!(query_param(&location, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_param(&location, "state").as_deref(), Some("xyz"));
    assert!(query_param(&location, "code").is_none());
    assert!(store.pendings().is_empty());
    assert_eq!(last_action(&store), AuditAction::AuthorizationDenied);
}

#[tokio::test]
async fn the_core_keeps_the_decision_the_hook_reports() {
    // A handle the core never issued: refused directly, nothing issued.
    let (service, store) = consenting(Report::ForgedHandle);
    assert_eq!(call(&service, authorize("s3")).await.status(), 200);
    let refused = call(&service, consent("s3", "decision=approve")).await;
    let body = assert_error(&refused, 400, "invalid_request");
    assert_eq!(body["error_description"], "interaction handle is unknown or was already used");
    assert!(refused.headers().get("location").is_none());
    assert_eq!(last_action(&store), AuditAction::AuthorizationRefused);
    assert_eq!(store.pendings().len(), 1, "the real request still waits");

    // A scope the client did not request: the core sends server_error to
    // the client rather than a code for scopes the user never saw.
    let (service, store) = consenting(Report::ExtraScope);
    assert_eq!(call(&service, authorize("s4")).await.status(), 200);
    let location = decision_location(&call(&service, consent("s4", "decision=approve")).await);
    assert_eq!(query_param(&location, "error").as_deref(), Some("server_error"));
    assert!(query_param(&location, "code").is_none());
    assert_eq!(last_action(&store), AuditAction::AuthorizationRefused);
}

fn last_action(store: &MemoryStore) -> AuditAction {
    store.audit_events().last().expect("an audit event").action
}

#[tokio::test]
async fn the_hooks_pages_get_the_kits_fallbacks() {
    let (service, _store) = consenting(Report::AsPosted);
    // Its own answer, kept out of caches.
    let stale = call(&service, consent("nobody", "decision=approve")).await;
    assert_eq!(stale.status(), 403);
    assert_eq!(stale.headers()["cache-control"], "no-store");
    assert_eq!(stale.body(), b"no request waits for you");

    // A body over the limit never reaches the hook: 413.
    let big =
        Request::post("/consent").body(Full::new(Bytes::from(vec![b'a'; 16 * 1024 + 1]))).unwrap();
    let body = assert_error(&call(&service, big).await, 413, "invalid_request");
    assert_eq!(body["error_description"], "request body exceeds 16384 bytes");

    // A body that fails to arrive: 400.
    let broken = Request::post("/consent").body(Broken::after(b"decision=")).unwrap();
    let body = assert_error(&call(&service, broken).await, 400, "invalid_request");
    assert_eq!(body["error_description"], "the request body could not be read");

    // A panicking page is a 500 with the request id; the service lives on.
    let response = call(&service, consent("s5", "panic")).await;
    let body = assert_error(&response, 500, "server_error");
    assert_eq!(body["error_description"], "internal error");
    assert_eq!(response.headers()["x-request-id"], "c0ffee");
    assert_eq!(call(&service, authorize("s5")).await.status(), 200);
}
