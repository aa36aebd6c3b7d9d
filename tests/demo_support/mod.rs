//! Shared by the demo server's fault and soak tests: the demo in-process on
//! 127.0.0.1:0 over a temporary SQLite file, and a few ways to talk to it
//! over real sockets.

#![allow(dead_code, unreachable_pub)]

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use clap::Parser;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpSocket, TcpStream};

use crate::{cli, serve};

/// A running demo over its own SQLite file, removed on drop.
pub struct Demo {
    pub running: Option<serve::Running>,
    pub db: PathBuf,
}

impl Demo {
    /// The demo with `extra` arguments after `--addr` and `--db`.
    pub async fn start(extra: &[&str]) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "qscope-demo-faults-{}-{}.sqlite3",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let db = std::env::temp_dir().join(name);
        let mut argv = vec!["server", "--addr", "127.0.0.1:0", "--db", db.to_str().unwrap()];
        argv.extend_from_slice(extra);
        let running = serve::start(&cli::Args::parse_from(argv)).await.expect("the demo starts");
        Self { running: Some(running), db }
    }

    pub fn running(&self) -> &serve::Running {
        self.running.as_ref().unwrap()
    }

    pub fn addr(&self) -> SocketAddr {
        self.running().addr
    }

    /// `demo` and its secret, created by the first start.
    pub fn demo_client(&self) -> (String, String) {
        let seeded = self.running().seeded.as_ref().expect("a fresh database is seeded");
        (seeded.client_id.clone(), seeded.secret.expose().to_owned())
    }

    /// Stops it the graceful way: requests in flight finish, queued audit
    /// events are written.
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await;
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.db.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// One request over a fresh connection.
pub async fn send(addr: SocketAddr, request: Request<Full<Bytes>>) -> Response<String> {
    over(TcpStream::connect(addr).await.unwrap(), request).await
}

/// One request over a fresh connection from the local address `source`
/// (any of 127.0.0.0/8 works on Linux).
pub async fn send_from(
    source: IpAddr,
    addr: SocketAddr,
    request: Request<Full<Bytes>>,
) -> Response<String> {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(source, 0)).unwrap();
    over(socket.connect(addr).await.unwrap(), request).await
}

async fn over(stream: TcpStream, request: Request<Full<Bytes>>) -> Response<String> {
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    Response::from_parts(parts, String::from_utf8(bytes.to_vec()).unwrap())
}

pub fn get(path: &str) -> Request<Full<Bytes>> {
    Request::get(path).body(Full::default()).unwrap()
}

/// A form post to `path`, with HTTP Basic for `client` when given.
pub fn post_form(
    path: &str,
    body: &str,
    client: Option<&(String, String)>,
) -> Request<Full<Bytes>> {
    let mut request =
        Request::post(path).header("content-type", "application/x-www-form-urlencoded");
    if let Some((id, secret)) = client {
        request = request.header("authorization", basic(id, secret));
    }
    request.body(Full::new(Bytes::from(body.to_owned()))).unwrap()
}

pub fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

/// A client-credentials access token for `client`.
pub async fn access_token(addr: SocketAddr, client: &(String, String)) -> String {
    let response =
        send(addr, post_form("/token", "grant_type=client_credentials", Some(client))).await;
    assert_eq!(response.status(), 200, "{}", response.body());
    let body: serde_json::Value = serde_json::from_str(response.body()).unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// The value of the hidden field `name` on a page.
pub fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start =
        page.find(&marker).unwrap_or_else(|| panic!("no field {name} in {page}")) + marker.len();
    let end = start + page[start..].find('"').unwrap();
    page[start..end].replace("&amp;", "&")
}

/// The `name=value` pair of a response's `Set-Cookie`, if it has one.
pub fn cookie_pair(response: &Response<String>) -> Option<String> {
    let set = response.headers().get("set-cookie")?.to_str().unwrap();
    Some(set.split(';').next().unwrap().to_owned())
}

/// This process's resident set size, in KiB (Linux).
pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// The demo client's authorization request (valid: the core stores it and
/// hands the host an interaction).
pub fn authorize_path(state: &str) -> String {
    format!(
        "/authorize?response_type=code&client_id=demo&redirect_uri={}&scope=read&state={state}\
         &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
        crate::form::encode(crate::store::DEMO_REDIRECT_URI)
    )
}
