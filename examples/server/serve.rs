//! Starting the demo: open the store, seed it, hash the users, bind, and
//! serve HTTP/1.1 until told to stop, then finish the requests in flight.

use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use qscope::Server;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::cli::{Args, SqliteSync};
use crate::drive::Driver;
use crate::host::{App, serve};
use crate::rate_limit::RateLimiter;
use crate::session::Sessions;
use crate::store::{DemoStore, Seeded, seed};
use crate::users::Users;

/// How long shutdown waits for requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a client may take to send a request's headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// A server accepting connections.
pub(crate) struct Running {
    /// The address it listens on.
    pub(crate) addr: SocketAddr,
    /// Its issuer identifier.
    pub(crate) issuer: String,
    /// The demo client, when this start created it.
    pub(crate) seeded: Option<Seeded>,
    /// What it runs on.
    pub(crate) store: DemoStore,
    /// The users who can sign in.
    pub(crate) users: Vec<String>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
    audit_writer: JoinHandle<()>,
}

impl Running {
    /// Stops accepting connections, lets the requests in flight finish (at
    /// most 30 s), writes the queued audit events, and returns.
    pub(crate) async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
        let _ = self.audit_writer.await;
    }
}

/// Starts the server `args` describe.
pub(crate) async fn start(args: &Args) -> Result<Running, Box<dyn Error + Send + Sync>> {
    let listener = TcpListener::bind(args.addr).await?;
    let addr = listener.local_addr()?;
    let issuer = args.issuer.clone().unwrap_or_else(|| format!("http://{addr}"));
    let server = Server::new(crate::policy::config(&issuer, args.open_registration)?);
    let full_sync = args.sqlite_sync == SqliteSync::Full;
    let store = DemoStore::open(&args.db, args.postgres.as_deref(), full_sync).await?;
    let seeded = seed(&server, &store).await.map_err(|error| error.to_string())?;
    let demo_users = args.users();
    let users = tokio::task::spawn_blocking(move || Users::new(&demo_users)).await?;
    let mut names: Vec<String> = users.names().map(str::to_owned).collect();
    names.sort();
    let (driver, audit_writer) = Driver::start(store.clone());
    let app = Arc::new(App {
        server,
        driver,
        sessions: Sessions::new(issuer.starts_with("https:")),
        users: Arc::new(users),
        limiter: RateLimiter::new(args.rate_limit),
    });
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(accept(listener, app, stopped));
    Ok(Running { addr, issuer, seeded, store, users: names, stop, task, audit_writer })
}

async fn accept(listener: TcpListener, app: Arc<App>, mut stopped: oneshot::Receiver<()>) {
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: wait, then go on.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stopped => break,
        };
        let _ = stream.set_nodelay(true);
        let app = Arc::clone(&app);
        let service = service_fn(move |request| serve(Arc::clone(&app), request, peer));
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!("stopped accepting; finishing requests in flight");
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("every connection is closed"),
        () = tokio::time::sleep(DRAIN_TIMEOUT) => tracing::warn!("gave up waiting for connections"),
    }
}
