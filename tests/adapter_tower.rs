//! The tower adapter: `oneshot` calls against a `MemoryStore`, and a real
//! hyper server on 127.0.0.1 hit by a hyper client.

#[path = "support/broken_body.rs"]
mod broken_body;
mod support;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};

use broken_body::Broken;
use bytes::Bytes;
use http::{Request, Response};
use http_body::{Body, Frame};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use qscope::adapter::tower::OAuthService;
use qscope::store::{
    Answers, AsyncStore, AuditAction, ClientAuthMethod, MemoryStore, Outcome, Query, StoreError,
    Transaction,
};
use qscope::{RequestId, Server};
use support::{CLIENT_ID, CLIENT_SECRET, assert_error, basic, confidential, config, json};
use tower::ServiceExt;

fn memory_store() -> Arc<MemoryStore> {
    let store = MemoryStore::new();
    store.insert_client(confidential(
        CLIENT_ID,
        CLIENT_SECRET,
        ClientAuthMethod::ClientSecretBasic,
    ));
    Arc::new(store)
}

fn service<S>(store: S) -> OAuthService<S> {
    OAuthService::new(Server::new(config().build().unwrap()), store)
}

fn token_request() -> http::request::Builder {
    Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", basic(CLIENT_ID, CLIENT_SECRET))
}

fn client_credentials() -> Request<Full<Bytes>> {
    let body = "grant_type=client_credentials&scope=read";
    token_request().body(Full::new(Bytes::from_static(body.as_bytes()))).unwrap()
}

/// Collects a response body into the `Vec` shape the shared asserts take.
async fn collect<B: Body>(response: Response<B>) -> Response<Vec<u8>>
where
    B::Error: std::fmt::Debug,
{
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("response body").to_bytes();
    Response::from_parts(parts, bytes.to_vec())
}

async fn call<S, B>(service: &OAuthService<S>, request: Request<B>) -> Response<Vec<u8>>
where
    S: AsyncStore + Send + Sync + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
{
    let response = service.clone().oneshot(request).await.unwrap();
    collect(response).await
}

fn request_id(response: &Response<Vec<u8>>) -> &str {
    response.headers()["x-request-id"].to_str().unwrap()
}

fn is_generated_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[tokio::test]
async fn client_credentials_get_a_token() {
    let store = memory_store();
    let service = service(Arc::clone(&store));
    let response = call(&service, client_credentials()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(is_generated_id(request_id(&response)));
    let body = json(&response);
    assert_eq!(body["token_type"], "Bearer");
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(store.tokens().len(), 1);
    assert_eq!(store.tokens()[0].hash, qscope::TokenHash::of(token));
}

#[tokio::test]
async fn request_ids_and_the_peer_address_reach_the_audit_trail() {
    let store = memory_store();
    let service = service(Arc::clone(&store));
    let peer: SocketAddr = "192.0.2.7:4711".parse().unwrap();
    let mut request = Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", basic(CLIENT_ID, "wrong"))
        .header("x-request-id", "00ff")
        .body(Full::new(Bytes::from_static(b"grant_type=client_credentials")))
        .unwrap();
    request.extensions_mut().insert(peer);
    let response = call(&service, request).await;
    assert_error(&response, 401, "invalid_client");
    assert_eq!(request_id(&response), "00ff", "a valid id is echoed as sent");
    let event = store.audit_events().pop().unwrap();
    assert_eq!(event.action, AuditAction::TokenRefused);
    assert_eq!(event.request_id, RequestId(0xff));
    assert_eq!(event.peer, Some(peer.ip()));

    let mut request = client_credentials();
    request.headers_mut().insert("x-request-id", "id with spaces".parse().unwrap());
    let response = call(&service, request).await;
    assert_eq!(response.status(), 200);
    assert!(is_generated_id(request_id(&response)), "an invalid id is replaced");
}

/// A body of endless 1 KiB frames with no size hint; counts the frames
/// the service pulled.
struct Endless {
    frames: Arc<AtomicUsize>,
}

impl Body for Endless {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.frames.fetch_add(1, Ordering::SeqCst);
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(&[b'a'; 1024])))))
    }
}

#[tokio::test]
async fn oversize_bodies_are_413_and_read_no_further() {
    let store = memory_store();
    let service = service(Arc::clone(&store));
    // Known size (like hyper's Content-Length): not read at all.
    let big = Full::new(Bytes::from(vec![b'a'; 16 * 1024 + 1]));
    let response = call(&service, token_request().body(big).unwrap()).await;
    let body = assert_error(&response, 413, "invalid_request");
    assert_eq!(body["error_description"], "request body exceeds 16384 bytes");
    assert_eq!(store.audit_events().last().unwrap().action, AuditAction::TokenRefused);

    // Exactly at the limit is read and parsed (and refused for its content).
    let at_limit = format!("grant_type=client_credentials&pad={}", "a".repeat(16 * 1024 - 34));
    assert_eq!(at_limit.len(), 16 * 1024);
    let response =
        call(&service, token_request().body(Full::new(Bytes::from(at_limit))).unwrap()).await;
    assert_eq!(response.status(), 200, "a body of exactly the limit is accepted");

    // Unknown size: read up to the frame that crosses the limit, no further.
    let frames = Arc::new(AtomicUsize::new(0));
    let endless = Endless { frames: Arc::clone(&frames) };
    let response = call(&service, token_request().body(endless).unwrap()).await;
    assert_error(&response, 413, "invalid_request");
    assert_eq!(frames.load(Ordering::SeqCst), 17, "16 KiB fit, the 17th frame crosses");

    // The core's precedence holds for the stand-in: wrong method first.
    let big = Full::new(Bytes::from(vec![b'a'; 100_000]));
    let response = call(&service, Request::get("/token").body(big).unwrap()).await;
    assert_error(&response, 405, "invalid_request");
}

#[tokio::test]
async fn wrong_method_is_405_and_a_broken_body_400() {
    let service = service(memory_store());
    let response =
        call(&service, Request::get("/token").body(Full::<Bytes>::default()).unwrap()).await;
    assert_error(&response, 405, "invalid_request");
    assert_eq!(response.headers()["allow"], "POST");

    let response =
        call(&service, token_request().body(Broken::after(b"grant_type=")).unwrap()).await;
    let body = assert_error(&response, 400, "invalid_request");
    assert_eq!(body["error_description"], "the request body could not be read");
    assert!(is_generated_id(request_id(&response)));
}

#[tokio::test]
async fn hosts_collect_bodies_as_the_service_does() {
    use qscope::adapter::tower::{collect_body, unreadable_body};
    let body = Full::new(Bytes::from_static(b"grant_type=client_credentials"));
    assert_eq!(collect_body(body, 64).await.unwrap(), b"grant_type=client_credentials");
    let exact = Full::new(Bytes::from(vec![b'a'; 64]));
    assert_eq!(collect_body(exact, 64).await.unwrap(), vec![b'a'; 64]);

    // Over the limit: a stand-in one byte over it, read no further.
    let big = Full::new(Bytes::from(vec![b'a'; 65]));
    assert_eq!(collect_body(big, 64).await.unwrap(), vec![0; 65]);
    let frames = Arc::new(AtomicUsize::new(0));
    let endless = Endless { frames: Arc::clone(&frames) };
    assert_eq!(collect_body(endless, 2048).await.unwrap().len(), 2049);
    assert_eq!(frames.load(Ordering::SeqCst), 3, "two frames fit, the third crosses");

    // A body that fails to arrive is None; the host answers 400.
    assert_eq!(collect_body(Broken::after(b"grant_type="), 64).await, None);
    let body = assert_error(&unreadable_body(), 400, "invalid_request");
    assert_eq!(body["error_description"], "the request body could not be read");
}

/// Fails every call, transiently or not.
struct FailingStore {
    transient: bool,
}

impl AsyncStore for FailingStore {
    async fn read(&self, _: &[Query]) -> Result<Answers, StoreError> {
        Err(if self.transient {
            StoreError::transient("pool timed out")
        } else {
            StoreError::permanent("no such table")
        })
    }
    async fn apply(&self, _: &Transaction) -> Result<Outcome, StoreError> {
        Err(StoreError::permanent("no such table"))
    }
}

/// Panics on its first read, then behaves like the memory store.
struct PanicsOnce {
    panicked: AtomicBool,
    inner: Arc<MemoryStore>,
}

impl AsyncStore for PanicsOnce {
    async fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        tokio::task::yield_now().await; // panic on a later poll, not the first
        assert!(self.panicked.swap(true, Ordering::SeqCst), "store bug (expected by the test)");
        AsyncStore::read(&*self.inner, queries).await
    }
    async fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        AsyncStore::apply(&*self.inner, transaction).await
    }
}

#[tokio::test]
async fn store_failures_and_panics_are_answers() {
    let response = call(&service(FailingStore { transient: true }), client_credentials()).await;
    assert_error(&response, 503, "temporarily_unavailable");
    let response = call(&service(FailingStore { transient: false }), client_credentials()).await;
    assert_error(&response, 500, "server_error");

    let service = service(PanicsOnce { panicked: AtomicBool::new(false), inner: memory_store() });
    let response = call(&service, client_credentials()).await;
    let body = assert_error(&response, 500, "server_error");
    assert_eq!(body["error_description"], "internal error");
    assert!(is_generated_id(request_id(&response)));
    let response = call(&service, client_credentials()).await;
    assert_eq!(response.status(), 200, "the service is still usable");
}

/// Serves `service` with hyper on 127.0.0.1:0, inserting each
/// connection's peer address; returns the address.
async fn serve(service: OAuthService<Arc<MemoryStore>>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, peer)) = listener.accept().await else { continue };
            let service = service.clone();
            let per_request = hyper::service::service_fn(move |mut request: Request<_>| {
                request.extensions_mut().insert(peer);
                service.clone().oneshot(request)
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), per_request)
                    .await;
            });
        }
    });
    addr
}

async fn send(addr: SocketAddr, request: Request<Full<Bytes>>) -> Response<Vec<u8>> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    collect(sender.send_request(request).await.unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hyper_server_answers_over_a_real_socket() {
    let store = memory_store();
    let addr = serve(service(Arc::clone(&store))).await;
    let with_host = |mut request: Request<Full<Bytes>>| {
        request.headers_mut().insert("host", "localhost".parse().unwrap());
        request
    };

    let response = send(addr, with_host(client_credentials())).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(is_generated_id(request_id(&response)));
    assert!(json(&response)["access_token"].is_string());
    assert_eq!(store.tokens().len(), 1);

    let big = Full::new(Bytes::from(vec![b'a'; 20_000]));
    let response = send(addr, with_host(token_request().body(big).unwrap())).await;
    assert_error(&response, 413, "invalid_request");

    let get = Request::get("/token").body(Full::default()).unwrap();
    let response = send(addr, with_host(get)).await;
    assert_error(&response, 405, "invalid_request");
    assert_eq!(response.headers()["allow"], "POST");

    // The issue and the 413 are audited (the core audits no 405), each
    // with the peer address the server inserted.
    let events = store.audit_events();
    let actions: Vec<_> = events.iter().map(|e| e.action).collect();
    assert_eq!(actions, [AuditAction::TokenIssued, AuditAction::TokenRefused]);
    assert!(events.iter().all(|e| e.peer == Some("127.0.0.1".parse().unwrap())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_oversize_body_is_answered_before_it_is_sent() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = serve(service(memory_store())).await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = "POST /token HTTP/1.1\r\nHost: x\r\n\
                Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000000\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    // No body is ever sent: the answer must not wait for it.
    let mut answer = Vec::new();
    let read_answer = async {
        while !answer.ends_with(b"}") {
            let mut chunk = [0u8; 1024];
            let n = stream.read(&mut chunk).await.unwrap();
            assert_ne!(n, 0, "closed early: {:?}", String::from_utf8_lossy(&answer));
            answer.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), read_answer)
        .await
        .expect("answered without the body");
    let text = String::from_utf8(answer).unwrap();
    assert!(text.starts_with("HTTP/1.1 413 Payload Too Large\r\n"), "{text}");
    assert!(text.ends_with(
        r#"{"error":"invalid_request","error_description":"request body exceeds 16384 bytes"}"#
    ));
}

#[tokio::test]
async fn an_interaction_without_a_login_page_is_501() {
    let store = memory_store();
    store.insert_client(support::public_app());
    let service = service(Arc::clone(&store));
    let query = format!("/authorize?client_id=public-app&response_type=code&{}", support::PKCE);
    let response =
        call(&service, Request::get(query).body(Full::<Bytes>::default()).unwrap()).await;
    let body = assert_error(&response, 501, "server_error");
    assert_eq!(body["error_description"], "this server has no login and consent page");
    // The pending authorization was stored and simply expires.
    assert_eq!(store.pendings().len(), 1);
}
