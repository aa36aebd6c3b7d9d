//! The blocking adapter, on a real socket: a server on 127.0.0.1:0 and raw
//! HTTP/1.1 written with `std::net::TcpStream`.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use http::Response;
use qscope::adapter::blocking::{HttpServer, ServerHandle};
use qscope::store::{
    Answers, AuditAction, MemoryStore, Outcome, Query, Store, StoreError, Transaction,
};
use qscope::{RequestId, Server};
use support::{CLIENT_ID, CLIENT_SECRET, assert_error, basic, confidential, config, json};

/// How long a test waits for any answer before it fails (never hangs).
const PATIENCE: Duration = Duration::from_secs(10);

fn memory_store() -> Arc<MemoryStore> {
    let store = MemoryStore::new();
    store.insert_client(confidential(
        CLIENT_ID,
        CLIENT_SECRET,
        qscope::store::ClientAuthMethod::ClientSecretBasic,
    ));
    Arc::new(store)
}

fn start<S: Store + Send + Sync + 'static>(store: S) -> ServerHandle {
    start_with(store, |server| server)
}

fn start_with<S: Store + Send + Sync + 'static>(
    store: S,
    configure: impl FnOnce(HttpServer<S>) -> HttpServer<S>,
) -> ServerHandle {
    let server = Server::new(config().build().unwrap());
    configure(HttpServer::new(server, store).workers(2)).bind("127.0.0.1:0").unwrap()
}

/// Sends `raw` and reads the whole answer (the server closes after it).
fn exchange(addr: SocketAddr, raw: &[u8]) -> Response<Vec<u8>> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(raw).unwrap();
    read_response(&mut stream)
}

fn read_response(stream: &mut TcpStream) -> Response<Vec<u8>> {
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).expect("the server answers and closes within PATIENCE");
    parse_response(&bytes)
}

fn parse_response(bytes: &[u8]) -> Response<Vec<u8>> {
    let mut fields = [httparse::EMPTY_HEADER; 32];
    let mut parsed = httparse::Response::new(&mut fields);
    let httparse::Status::Complete(head_len) = parsed.parse(bytes).expect("valid response") else {
        panic!("incomplete response: {:?}", String::from_utf8_lossy(bytes));
    };
    let mut response = Response::builder().status(parsed.code.unwrap());
    for field in parsed.headers.iter() {
        response = response.header(field.name, field.value);
    }
    let body = bytes[head_len..].to_vec();
    let response = response.body(body).unwrap();
    let declared: usize = response.headers()["content-length"].to_str().unwrap().parse().unwrap();
    assert_eq!(declared, response.body().len(), "Content-Length matches the body");
    assert_eq!(response.headers()["connection"], "close");
    assert!(response.headers().contains_key("date"));
    response
}

fn token_post(body: &str, extra: &str) -> Vec<u8> {
    format!(
        "POST /token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Authorization: {}\r\nContent-Length: {}\r\n{extra}\r\n{body}",
        basic(CLIENT_ID, CLIENT_SECRET),
        body.len()
    )
    .into_bytes()
}

fn request_id(response: &Response<Vec<u8>>) -> &str {
    response.headers()["x-request-id"].to_str().unwrap()
}

fn is_generated_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[test]
fn client_credentials_get_a_token() {
    let store = memory_store();
    let server = start(Arc::clone(&store));
    let response =
        exchange(server.local_addr(), &token_post("grant_type=client_credentials&scope=read", ""));
    assert_eq!(response.status(), 200, "{:?}", String::from_utf8_lossy(response.body()));
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(is_generated_id(request_id(&response)));
    let body = json(&response);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "read");
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(store.tokens().len(), 1);
    assert_eq!(store.tokens()[0].hash, qscope::TokenHash::of(token));
    server.shutdown();
}

#[test]
fn incoming_request_ids_and_peer_reach_the_audit_trail() {
    let store = memory_store();
    let server = start(Arc::clone(&store));
    let uuid = "550e8400-e29b-41d4-a716-446655440000";
    let wrong_secret = format!(
        "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Authorization: {}\r\nX-Request-Id: {uuid}\r\nContent-Length: 29\r\n\r\n\
         grant_type=client_credentials",
        basic(CLIENT_ID, "wrong")
    );
    let response = exchange(server.local_addr(), wrong_secret.as_bytes());
    assert_error(&response, 401, "invalid_client");
    assert_eq!(request_id(&response), uuid, "a valid id is echoed as sent");
    let events = store.audit_events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, AuditAction::TokenRefused);
    assert_eq!(events[0].request_id, RequestId(0x550e8400_e29b_41d4_a716_446655440000));
    assert_eq!(events[0].peer, Some("127.0.0.1".parse().unwrap()));

    let injected = token_post("grant_type=client_credentials", "X-Request-Id: a\"b<script>\r\n");
    let response = exchange(server.local_addr(), &injected);
    assert_eq!(response.status(), 200);
    assert!(is_generated_id(request_id(&response)), "an invalid id is replaced");
}

#[test]
fn oversize_bodies_are_413_without_being_read() {
    let store = memory_store();
    let server = start(Arc::clone(&store));
    let addr = server.local_addr();
    // Only the head is sent: the answer must come without the body.
    let head = "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                Content-Length: 100000\r\n\r\n";
    let response = exchange(addr, head.as_bytes());
    let body = assert_error(&response, 413, "invalid_request");
    assert_eq!(body["error_description"], "request body exceeds 16384 bytes");
    assert_eq!(store.audit_events().last().unwrap().action, AuditAction::TokenRefused);

    // With Expect: 100-continue, no 100 is sent for a body that will not be read.
    let expect = head.replace("\r\n\r\n", "\r\nExpect: 100-continue\r\n\r\n");
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(expect.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    assert!(bytes.starts_with(b"HTTP/1.1 413 "), "{:?}", String::from_utf8_lossy(&bytes));

    // The whole oversize body sent at once: the client still reads the 413
    // (the server drains what it did not read before closing).
    let big = format!("grant_type=client_credentials&pad={}", "a".repeat(200_000));
    let response = exchange(addr, &token_post(&big, ""));
    assert_error(&response, 413, "invalid_request");
    assert!(store.tokens().is_empty());
}

#[test]
fn expect_continue_within_the_limit_is_answered_100_then_200() {
    let server = start(memory_store());
    let body = "grant_type=client_credentials";
    let head = token_post("", "Expect: 100-continue\r\n");
    let head = String::from_utf8(head).unwrap().replace("Content-Length: 0", "Content-Length: 29");
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(body.as_bytes()).unwrap();
    let response = read_response(&mut stream);
    assert_eq!(response.status(), 200);
}

#[test]
fn wrong_method_is_405_and_unknown_path_404() {
    let server = start(memory_store());
    let response = exchange(server.local_addr(), b"GET /token HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_error(&response, 405, "invalid_request");
    assert_eq!(response.headers()["allow"], "POST");
    let get_length = response.headers()["content-length"].clone();
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(b"HEAD /token HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"), "{text}");
    let length = format!("content-length: {}\r\n", get_length.to_str().unwrap());
    assert!(text.contains(&length), "HEAD declares the GET body's length: {text}");
    assert!(text.ends_with("\r\n\r\n"), "but sends no body: {text}");
    let response = exchange(server.local_addr(), b"GET /nowhere HTTP/1.0\r\n\r\n");
    assert_eq!(response.status(), 404);
}

#[test]
fn malformed_requests_get_precise_statuses() {
    let server = start_with(memory_store(), |s| s.max_head_bytes(1024));
    let addr = server.local_addr();
    let post = "POST /token HTTP/1.1\r\nHost: x\r\n";
    let cases: [(String, u16, &str); 9] = [
        ("GARBAGE\r\n\r\n".into(), 400, "the request head is not valid HTTP/1.1"),
        ("POST /token HTTP/1.1\r\n\r\n".into(), 400, "HTTP/1.1 requires exactly one Host header"),
        (
            "POST /token HTTP/2.0\r\nHost: x\r\n\r\n".into(),
            505,
            "only HTTP/1.0 and HTTP/1.1 are served",
        ),
        (format!("{post}Content-Length: 1x\r\n\r\n"), 400, "invalid Content-Length"),
        (
            format!("{post}Content-Length: 2\r\nContent-Length: 3\r\n\r\nab"),
            400,
            "conflicting Content-Length values",
        ),
        (
            format!("{post}Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n"),
            411,
            "chunked bodies are not accepted; send Content-Length",
        ),
        (
            format!("{post}Transfer-Encoding: gzip\r\n\r\n"),
            501,
            "the transfer coding is not supported",
        ),
        (
            format!("{post}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc"),
            400,
            "both Transfer-Encoding and Content-Length",
        ),
        (
            format!("{post}X-Pad: {}\r\n\r\n", "a".repeat(2000)),
            431,
            "the request head is too large",
        ),
    ];
    for (raw, status, description) in cases {
        let response = exchange(addr, raw.as_bytes());
        let body = assert_error(&response, status, "invalid_request");
        assert_eq!(body["error_description"], description, "for {raw:?}");
        assert!(is_generated_id(request_id(&response)));
    }
    // A body shorter than declared, then EOF from the client.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(format!("{post}Content-Length: 10\r\n\r\nabc").as_bytes()).unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let body = assert_error(&read_response(&mut stream), 400, "invalid_request");
    assert_eq!(body["error_description"], "the connection closed inside the request body");
}

#[test]
fn slow_and_stalled_requests_time_out_with_408() {
    let server = start_with(memory_store(), |s| s.request_timeout(Duration::from_millis(300)));
    let addr = server.local_addr();

    // Stalled: half a head, then nothing.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(b"POST /token HTTP/1.1\r\nHost: x\r\n").unwrap();
    let body = assert_error(&read_response(&mut stream), 408, "invalid_request");
    assert_eq!(body["error_description"], "the request did not arrive in time");

    // Trickling: a byte every 20 ms keeps arriving, but the deadline is
    // for the whole request, not renewed by progress. If it were renewed,
    // no answer would come before the trickle ends (20 s), after PATIENCE.
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let (stop_writer, count) = (Arc::clone(&stop), Arc::clone(&written));
    let trickle = thread::spawn(move || {
        let head = b"POST /token HTTP/1.1\r\nHost: x\r\nX-Slow: ";
        let bytes = head.iter().chain(std::iter::repeat_n(&b'a', 1000));
        for byte in bytes {
            if stop_writer.load(Ordering::SeqCst) || writer.write_all(&[*byte]).is_err() {
                return;
            }
            count.fetch_add(1, Ordering::SeqCst);
            thread::sleep(Duration::from_millis(20));
        }
    });
    let mut reader = stream;
    let response = read_response(&mut reader);
    stop.store(true, Ordering::SeqCst);
    trickle.join().unwrap();
    assert_error(&response, 408, "invalid_request");
    let written = written.load(Ordering::SeqCst);
    assert!(written < 200, "answered after {written} bytes (about 15 expected in 300 ms)");

    // The server is still serving.
    let response = exchange(addr, &token_post("grant_type=client_credentials", ""));
    assert_eq!(response.status(), 200);
}

#[test]
fn concurrent_clients_are_all_answered_by_a_small_pool() {
    let store = memory_store();
    let server = start(Arc::clone(&store));
    let addr = server.local_addr();
    let clients: Vec<_> = (0..16)
        .map(|_| {
            thread::spawn(move || {
                exchange(addr, &token_post("grant_type=client_credentials", "")).status()
            })
        })
        .collect();
    for client in clients {
        assert_eq!(client.join().unwrap(), 200);
    }
    assert_eq!(store.tokens().len(), 16);
}

/// Fails every call, transiently.
struct UnavailableStore;

impl Store for UnavailableStore {
    fn read(&self, _: &[Query]) -> Result<Answers, StoreError> {
        Err(StoreError::transient("database is locked"))
    }
    fn apply(&self, _: &Transaction) -> Result<Outcome, StoreError> {
        Err(StoreError::transient("database is locked"))
    }
}

/// Panics on its first read, then behaves like the memory store.
struct PanicsOnce {
    panicked: AtomicBool,
    inner: Arc<MemoryStore>,
}

impl Store for PanicsOnce {
    fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        assert!(self.panicked.swap(true, Ordering::SeqCst), "store bug (expected by the test)");
        self.inner.read(queries)
    }
    fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        self.inner.apply(transaction)
    }
}

#[test]
fn store_failures_are_answers_and_panics_do_not_kill_workers() {
    let server = start(UnavailableStore);
    let response = exchange(server.local_addr(), &token_post("grant_type=client_credentials", ""));
    assert_error(&response, 503, "temporarily_unavailable");

    // One worker: if the panic killed it, the next request would hang.
    let store = PanicsOnce { panicked: AtomicBool::new(false), inner: memory_store() };
    let server = start_with(store, |s| s.workers(1));
    let response = exchange(server.local_addr(), &token_post("grant_type=client_credentials", ""));
    let body = assert_error(&response, 500, "server_error");
    assert_eq!(body["error_description"], "internal error");
    let response = exchange(server.local_addr(), &token_post("grant_type=client_credentials", ""));
    assert_eq!(response.status(), 200);
}

#[test]
fn shutdown_stops_accepting_and_joins() {
    let server = start(memory_store());
    let addr = server.local_addr();
    assert_eq!(exchange(addr, &token_post("grant_type=client_credentials", "")).status(), 200);
    server.shutdown();
    assert!(TcpStream::connect(addr).is_err(), "the listener is closed");
}
