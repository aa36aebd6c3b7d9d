//! `examples/axum.rs`: its router answered through `oneshot` (metadata,
//! a token request, the protected route, the whole code flow through its
//! consent page), and served by `axum::serve` on 127.0.0.1 with
//! `ConnectInfo`, so the peer address reaches the audit trail.

#[allow(dead_code, reason = "the example's `main` is run by `cargo run`, not by this test")]
#[path = "../examples/axum.rs"]
mod example;
mod support;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use http::{Request, Response};
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use qscope::store::{AuditAction, MemoryStore};
use qscope::{ClientSecret, Server};
use support::{PKCE, VERIFIER, assert_error, basic, decision_location, enc, json, query_param};
use tower::ServiceExt;

const ISSUER: &str = "https://reports.example";
const SECRET: &str = "a-long-random-secret-for-the-reporter";
const CALLBACK: &str = "https://web-app.example/cb";

fn app() -> (Router, Arc<MemoryStore>) {
    let store = Arc::new(MemoryStore::new());
    example::seed(&store, &ClientSecret::new(SECRET), CALLBACK);
    let server = Server::new(example::config(ISSUER).unwrap());
    (example::router(server, Arc::clone(&store)), store)
}

async fn call(app: &Router, request: Request<Body>) -> Response<Vec<u8>> {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    Response::from_parts(parts, body.collect().await.unwrap().to_bytes().to_vec())
}

fn form(path: &str) -> http::request::Builder {
    Request::post(path).header("content-type", "application/x-www-form-urlencoded")
}

fn client_credentials() -> Request<Body> {
    form("/token")
        .header("authorization", basic("reporter", SECRET))
        .body(Body::from("grant_type=client_credentials&scope=reports"))
        .unwrap()
}

fn reports(token: Option<&str>) -> Request<Body> {
    let request = Request::get("/reports");
    let request = match token {
        Some(token) => request.header("authorization", format!("Bearer {token}")),
        None => request,
    };
    request.body(Body::empty()).unwrap()
}

fn text(response: &Response<Vec<u8>>) -> &str {
    std::str::from_utf8(response.body()).unwrap()
}

#[tokio::test]
async fn the_metadata_lists_what_the_app_mounts() {
    let (app, _) = app();
    let get = Request::get("/.well-known/oauth-authorization-server").body(Body::empty()).unwrap();
    let response = call(&app, get).await;
    assert_eq!(response.status(), 200);
    let doc = json(&response);
    assert_eq!(doc["issuer"], ISSUER);
    assert_eq!(doc["token_endpoint"], "https://reports.example/token");
    assert_eq!(doc["authorization_endpoint"], "https://reports.example/authorize");
    assert!(doc.get("device_authorization_endpoint").is_none(), "no device grant");
    assert!(doc.get("registration_endpoint").is_none(), "registration is closed");

    // Paths neither the router nor the core serves are the core's 404.
    let response = call(&app, Request::get("/nowhere").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), 404);
    // The core's own endpoints keep their method rules under the fallback.
    let response = call(&app, Request::get("/token").body(Body::empty()).unwrap()).await;
    assert_error(&response, 405, "invalid_request");
    assert_eq!(response.headers()["allow"], "POST");
}

#[tokio::test]
async fn a_token_opens_the_protected_route() {
    let (app, store) = app();
    let denied = call(&app, reports(None)).await;
    assert_eq!(denied.status(), 401);
    assert_eq!(denied.headers()["www-authenticate"], r#"Bearer realm="qscope""#);
    assert_eq!(denied.headers()["x-request-id"].len(), 32);

    let issued = call(&app, client_credentials()).await;
    assert_eq!(issued.status(), 200, "{}", text(&issued));
    assert_eq!(issued.headers()["cache-control"], "no-store");
    let token = json(&issued)["access_token"].as_str().unwrap().to_owned();
    assert_eq!(store.tokens().len(), 1);

    let served = call(&app, reports(Some(&token))).await;
    assert_eq!(served.status(), 200);
    assert_eq!(text(&served), "reports for reporter\n");

    let forged = call(&app, reports(Some("not-a-token"))).await;
    assert_eq!(forged.status(), 401);
    let challenge = forged.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.contains(r#"error="invalid_token""#), "{challenge}");
}

#[tokio::test]
async fn the_code_flow_runs_through_the_consent_page() {
    let (app, store) = app();
    let authorize = format!(
        "/authorize?response_type=code&client_id=web-app&state=s-1&{PKCE}&redirect_uri={}",
        enc(CALLBACK)
    );
    let page = call(&app, Request::get(authorize).body(Body::empty()).unwrap()).await;
    assert_eq!(page.status(), 200, "{}", text(&page));
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(text(&page).contains("web-app asks to:</p><ul><li>Read your reports</li></ul>"));
    let set_cookie = page.headers()["set-cookie"].to_str().unwrap();
    assert!(set_cookie.ends_with("; Path=/consent; HttpOnly; SameSite=Strict"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_owned();

    // Another browser (no cookie) cannot decide it.
    let stranger = form("/consent").body(Body::from("decision=approve")).unwrap();
    assert_eq!(call(&app, stranger).await.status(), 403);

    let approve =
        form("/consent").header("cookie", &cookie).body(Body::from("decision=approve")).unwrap();
    let location = decision_location(&call(&app, approve).await);
    assert!(location.starts_with(&format!("{CALLBACK}?code=")), "{location}");
    assert!(location.ends_with("&state=s-1&iss=https%3A%2F%2Freports.example"), "{location}");
    let code = query_param(&location, "code").unwrap();

    let exchange = format!(
        "grant_type=authorization_code&code={}&redirect_uri={}&client_id=web-app&code_verifier={VERIFIER}",
        enc(&code),
        enc(CALLBACK)
    );
    let issued = call(&app, form("/token").body(Body::from(exchange)).unwrap()).await;
    assert_eq!(issued.status(), 200, "{}", text(&issued));
    let body = json(&issued);
    assert_eq!(body["scope"], "reports");
    assert!(body["refresh_token"].is_string());
    let served = call(&app, reports(body["access_token"].as_str())).await;
    assert_eq!(text(&served), "reports for demo-user\n");

    // The cookie's interaction was taken: a second post is refused.
    let again =
        form("/consent").header("cookie", &cookie).body(Body::from("decision=approve")).unwrap();
    assert_eq!(call(&app, again).await.status(), 403);
    assert!(store.pendings().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_with_connect_info_the_peer_reaches_the_audit_trail() {
    let (app, store) = app();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>());
    tokio::spawn(async move { served.await.unwrap() });

    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    let mut request = client_credentials();
    request.headers_mut().insert("host", "localhost".parse().unwrap());
    request.headers_mut().insert("x-request-id", "00ab".parse().unwrap());
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-request-id"], "00ab");

    let event = store.audit_events().pop().unwrap();
    assert_eq!(event.action, AuditAction::TokenIssued);
    assert_eq!(event.peer, Some("127.0.0.1".parse().unwrap()));
    assert_eq!(event.request_id, qscope::RequestId(0xab));
}
