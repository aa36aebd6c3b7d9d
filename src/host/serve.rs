//! Starting the demo: open the store, seed it, hash the users, bind, and
//! serve HTTP/1.1 with the periodic maintenance until told to stop; then
//! finish the requests in flight and write the queued audit events.

use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::Server;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::host::app::{App, Limits};
use crate::host::audit::AuditPolicy;
use crate::host::cli::{Args, SqliteSync};
use crate::host::client_limit::ClientLimits;
use crate::host::connections::{accept, fit_to_open_file_limit};
use crate::host::database::{Database, Seeded, seed};
use crate::host::drive::Driver;
use crate::host::maintenance::{self, Schedule};
use crate::host::rate_limit::AddressLimiter;
use crate::host::session::Sessions;
use crate::host::users::{PasswordChecks, Users};

/// A server accepting connections.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Its issuer identifier.
    pub issuer: String,
    /// The demo client, when this start created it.
    pub seeded: Option<Seeded>,
    /// What it runs on.
    pub store: Database,
    /// The users who can sign in.
    pub users: Vec<String>,
    app: Arc<App>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    maintenance: Vec<JoinHandle<()>>,
    audit_writer: JoinHandle<()>,
}

impl Running {
    /// How many browser sessions the server holds.
    pub fn session_count(&self) -> usize {
        self.app.sessions.len()
    }

    /// What the audit queue sampled out, shed, delayed and lost so far.
    pub fn audit_totals(&self) -> crate::host::audit::AuditTotals {
        self.app.driver.audit().counts().totals()
    }

    /// Stops accepting connections, lets the requests in flight finish (at
    /// most 30 s), stops the periodic work, writes the queued audit events,
    /// and returns.
    pub async fn shutdown(self) {
        let Self { app, stop, task, maintenance, audit_writer, .. } = self;
        let _ = stop.send(true);
        let _ = task.await;
        for work in maintenance {
            let _ = work.await;
        }
        // The last handle on the driver: the writer drains its queue and ends.
        drop(app);
        let _ = audit_writer.await;
    }
}

/// Starts the server `args` describe.
pub async fn start(args: &Args) -> Result<Running, Box<dyn Error + Send + Sync>> {
    let listener = TcpListener::bind(args.addr).await?;
    let addr = listener.local_addr()?;
    let issuer = args.issuer.clone().unwrap_or_else(|| format!("http://{addr}"));
    let server = Server::new(crate::host::policy::config(&issuer, args.open_registration)?);
    let full_sync = args.sqlite_sync == SqliteSync::Full;
    let store = Database::open(&args.db, args.postgres.as_deref(), full_sync).await?;
    let seeded = seed(&server, &store).await.map_err(|error| error.to_string())?;
    let demo_users = args.users();
    let users = tokio::task::spawn_blocking(move || Users::new(&demo_users)).await?;
    let passwords = PasswordChecks::new(users, count(args.max_password_checks));
    let mut names: Vec<String> = passwords.names().map(str::to_owned).collect();
    names.sort();
    let (driver, audit_writer) = Driver::start(store.clone(), audit_policy(args));
    // A pending sign-in is worthless once the core's interaction expired.
    let interaction = Duration::from_secs(server.config().interaction_lifetime().get());
    let sign_in_timeout = args.sign_in_timeout().min(interaction);
    let app = Arc::new(App {
        server,
        driver,
        sessions: Sessions::new(issuer.starts_with("https:"), sign_in_timeout),
        passwords,
        limiter: AddressLimiter::new(args.rate_limit),
        client_limits: ClientLimits::new(args.client_rate_limit),
        limits: Limits { request_timeout: args.request_timeout() },
    });
    let (stop, stopping) = watch::channel(false);
    let schedule =
        Schedule { purge: args.purge_interval(), sessions: session_sweep(sign_in_timeout) };
    let maintenance = maintenance::start(&app, schedule, &stopping);
    let max_connections = fit_to_open_file_limit(count(args.max_connections));
    let task = tokio::spawn(accept(listener, Arc::clone(&app), max_connections, stopping));
    Ok(Running {
        addr,
        issuer,
        seeded,
        store,
        users: names,
        app,
        stop,
        task,
        maintenance,
        audit_writer,
    })
}

/// A count from the command line (at least one there) as a `usize`.
fn count(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn audit_policy(args: &Args) -> AuditPolicy {
    AuditPolicy {
        queue: count(args.audit_queue),
        sample_every: args.audit_sample_introspections,
        shed_when_full: args.audit_shed_introspections,
    }
}

/// How often expired sessions are removed: a quarter of the sign-in
/// timeout, between 1 s and 60 s.
fn session_sweep(sign_in_timeout: Duration) -> Duration {
    (sign_in_timeout / 4).clamp(Duration::from_secs(1), Duration::from_secs(60))
}
