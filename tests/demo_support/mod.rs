//! What the tests of the demo server (`examples/server`) share: the demo
//! in-process on 127.0.0.1:0 over a temporary SQLite file, one-shot HTTP
//! requests over real sockets, and the OAuth client's side (PKCE, form
//! bodies, Basic authentication, the token endpoint), plus what the fault
//! and soak tests read (sources, cookies, hidden fields, the RSS).

#![allow(dead_code, unreachable_pub)]

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bytes::Bytes;
use clap::Parser;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::net::{TcpSocket, TcpStream};

use qscope::adapter::kit::context_for;
use qscope::admin::{Admin, ClientSpec};
use qscope::store::{AsyncStore, Outcome};

use qscope::host::cli::{Cli, Command};
use qscope::host::config::Settings;
use qscope::host::{admin, database, form, serve};

/// A running demo over its own SQLite file, removed on drop.
pub struct Demo {
    pub running: Option<serve::Running>,
    pub db: PathBuf,
    /// Whether the database file is removed on drop.
    pub owns_db: bool,
}

impl Demo {
    /// A demo over a new database, started with the extra arguments.
    pub async fn start(extra: &[&str]) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "qscope-demo-test-{}-{}.sqlite3",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let db = std::env::temp_dir().join(name);
        Self::start_on(db, extra).await
    }

    /// A demo over the database `db`.
    pub async fn start_on(db: PathBuf, extra: &[&str]) -> Self {
        let mut argv = vec![
            "qscope",
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--db",
            db.to_str().unwrap(),
        ];
        argv.extend_from_slice(extra);
        let cli = Cli::parse_from(argv);
        let mut sources = cli.global.sources();
        let Command::Serve(args) = cli.command else { unreachable!("parsed as serve") };
        args.add_to(&mut sources);
        let settings = Settings::load(&sources).expect("the configuration is valid");
        let running = serve::start(&settings, args.demo).await.expect("the demo starts");
        Self { running: Some(running), db, owns_db: true }
    }

    /// How many browser sessions the store holds (expired ones until the
    /// purge timer removes them).
    pub fn session_count(&self) -> usize {
        let conn = rusqlite::Connection::open(&self.db).expect("the demo's database");
        let count: i64 =
            conn.query_row("SELECT COUNT(*) FROM sessions", [], |row| row.get(0)).expect("count");
        usize::try_from(count).expect("a count")
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

    /// Creates the confidential client `client_id` (authorization code,
    /// `read write`) with the one redirect URI `redirect_uri`, the way the
    /// admin tool does; returns its id and secret.
    pub async fn add_client(&self, client_id: &str, redirect_uri: &str) -> (String, String) {
        let server = self.running().server();
        let mut spec = ClientSpec::default();
        spec.client_id = Some(client_id.into());
        spec.metadata.redirect_uris = Some(vec![redirect_uri.into()]);
        spec.metadata.grant_types = Some(vec!["authorization_code".into()]);
        spec.metadata.scope = Some("read write".into());
        let ctx = context_for(None, None).unwrap();
        let change = Admin::new(server).create_client(&spec, &ctx).unwrap();
        let store = &self.running().store;
        assert_eq!(AsyncStore::apply(store, &change.transaction).await.unwrap(), Outcome::Applied);
        let secret = change.secret.expect("a confidential client has a secret");
        (client_id.to_owned(), secret.expose().to_owned())
    }

    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await;
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if !self.owns_db {
            return;
        }
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

/// `pairs` as an `application/x-www-form-urlencoded` body.
pub fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", form::encode(k), form::encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// An HTTP Basic `Authorization` value.
pub fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

/// The value of `name` in a URL's query.
pub fn query_value(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form::single(&form::parse(query), name).map(str::to_owned)
}

/// The PKCE verifier of RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// The S256 challenge of `verifier`.
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// An authorization request of `client_id` for `read write` with PKCE
/// (S256 of [`VERIFIER`]), sending the browser back to `redirect_uri`.
pub fn authorize_path_to(client_id: &str, redirect_uri: &str, state: &str) -> String {
    format!(
        "/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope=read%20write\
         &state={state}&code_challenge={}&code_challenge_method=S256",
        form::encode(redirect_uri),
        challenge(VERIFIER)
    )
}

/// A token request by the confidential `client`: its status and JSON body.
pub async fn token(
    addr: SocketAddr,
    client: &(String, String),
    pairs: &[(&str, &str)],
) -> (u16, Value) {
    let request = Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", basic(&client.0, &client.1))
        .body(Full::new(Bytes::from(form_body(pairs))))
        .unwrap();
    let response = send(addr, request).await;
    (response.status().as_u16(), serde_json::from_str(response.body()).unwrap())
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

/// A client-credentials access token for `client`.
pub async fn access_token(addr: SocketAddr, client: &(String, String)) -> String {
    let response =
        send(addr, post_form("/token", "grant_type=client_credentials", Some(client))).await;
    assert_eq!(response.status(), 200, "{}", response.body());
    let body: Value = serde_json::from_str(response.body()).unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// The value of the hidden field `name` on a page.
pub fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start =
        page.find(&marker).unwrap_or_else(|| panic!("no field {name} in {page}")) + marker.len();
    let end = start + page[start..].find('"').unwrap();
    page[start..end].replace("&#38;", "&")
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
        form::encode(database::DEMO_REDIRECT_URI)
    )
}

/// Runs `qscope ARGS...` (`argv` from the program name on; an
/// administration command) in-process; what it prints, or its error.
pub async fn command(argv: Vec<&str>) -> Result<String, String> {
    let cli = Cli::parse_from(argv);
    let settings = Settings::load(&cli.global.sources()).map_err(|e| e.to_string())?;
    let printed = match cli.command {
        Command::Client(command) => admin::client(&settings, command).await,
        Command::Scope(command) => admin::scope(&settings, command),
        Command::Purge => admin::purge(&settings).await,
        Command::Grant(command) => admin::grant(&settings, command).await,
        Command::User(command) => {
            admin::user(&settings, command, || Err(admin::Failure::new("no password here"))).await
        }
        other => unreachable!("not an administration command: {other:?}"),
    };
    printed.map_err(|e| e.to_string())
}
