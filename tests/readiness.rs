//! `/readyz` follows the database: the server runs on PostgreSQL through a
//! TCP relay the test can cut, answers `503` while the database is gone
//! (and refuses token requests with `503 temporarily_unavailable`, losing
//! nothing), and `200` again once it is back, without a restart.
//!
//! Runs against `QSCOPE_TEST_POSTGRES_URL` (see `.ci/postgres.sh`); without
//! it the test says it was skipped.

#![cfg(all(feature = "server", feature = "postgres"))]

mod demo_support;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use demo_support::{Demo, get, post_form, send};

/// A TCP relay to PostgreSQL that can be cut (every relayed connection
/// closed, new ones closed on arrival) and restored.
struct Relay {
    addr: SocketAddr,
    state: Arc<Mutex<RelayState>>,
}

#[derive(Default)]
struct RelayState {
    cut: bool,
    connections: Vec<AbortHandle>,
}

impl Relay {
    async fn to(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(RelayState::default()));
        let shared = Arc::clone(&state);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut state = shared.lock().unwrap();
                if state.cut {
                    drop(inbound);
                    continue;
                }
                let relayed = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                state.connections.push(relayed.abort_handle());
            }
        });
        Self { addr, state }
    }

    fn cut(&self) {
        let mut state = self.state.lock().unwrap();
        state.cut = true;
        for connection in state.connections.drain(..) {
            connection.abort();
        }
    }

    fn restore(&self) {
        self.state.lock().unwrap().cut = false;
    }
}

/// `url` with its host and port replaced by `relay`, in the fresh schema
/// `schema`.
fn through(url: &str, relay: SocketAddr, schema: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let (credentials, rest) = rest.rsplit_once('@').expect("user and password in the URL");
    let (_, path) = rest.split_once('/').expect("a database in the URL");
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{scheme}://{credentials}@{relay}/{path}{separator}options=-csearch_path%3D{schema}")
}

async fn status_of(addr: SocketAddr, path: &str) -> (u16, String) {
    let answer = send(addr, get(path)).await;
    (answer.status().as_u16(), answer.body().clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_turns_503_while_the_database_is_gone_and_200_when_it_is_back() {
    let Some(url) = std::env::var("QSCOPE_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("skipped: QSCOPE_TEST_POSTGRES_URL not set (see .ci/postgres.sh)");
        return;
    };
    let config: tokio_postgres::Config = url.parse().expect("a PostgreSQL URL");
    let (admin, connection) = config.connect(tokio_postgres::NoTls).await.expect("PostgreSQL");
    tokio::spawn(connection);
    let schema = format!("qscope_readiness_{}", std::process::id());
    admin
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    let target = match (config.get_hosts(), config.get_ports()) {
        ([tokio_postgres::config::Host::Tcp(host)], [port]) => {
            tokio::net::lookup_host((host.as_str(), *port)).await.unwrap().next().unwrap()
        }
        other => panic!("expected one TCP host and port in the URL, got {other:?}"),
    };
    let relay = Relay::to(target).await;

    let mut demo = Demo::start_on(PathBuf::from(through(&url, relay.addr, &schema)), &[]).await;
    demo.owns_db = false;
    let addr = demo.addr();
    let client = demo.demo_client();
    let token_request = || post_form("/token", "grant_type=client_credentials", Some(&client));
    assert_eq!(status_of(addr, "/readyz").await, (200, "ready\n".to_owned()));
    assert_eq!(send(addr, token_request()).await.status(), 200);

    relay.cut();
    let (status, body) = status_of(addr, "/readyz").await;
    assert_eq!((status, body.as_str()), (503, "not ready: the database does not answer\n"));
    assert_eq!(status_of(addr, "/healthz").await.0, 200, "the process itself is up");
    let refused = send(addr, token_request()).await;
    assert_eq!(refused.status(), 503, "{}", refused.body());
    assert_eq!(refused.headers()["retry-after"], "1");
    let refusal: serde_json::Value = serde_json::from_str(refused.body()).unwrap();
    assert_eq!(refusal["error"], "temporarily_unavailable", "{refusal}");

    relay.restore();
    let mut ready = status_of(addr, "/readyz").await;
    for _ in 0..50 {
        if ready.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        ready = status_of(addr, "/readyz").await;
    }
    assert_eq!(ready, (200, "ready\n".to_owned()), "ready again within 5 s of the database");
    assert_eq!(send(addr, token_request()).await.status(), 200);

    demo.stop().await;
    admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")).await.unwrap();
}
