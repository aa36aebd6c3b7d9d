//! Starting the server: open the store (bringing its schema up to date),
//! seed it in demo mode, bind, and serve HTTP/1.1 with the periodic
//! maintenance until told to stop; then finish the requests in flight and
//! write the queued audit events.

use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::Server;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::host::client_limit::ClientLimits;
use crate::host::config::Settings;
use crate::host::connections::{accept, fit_to_open_file_limit};
use crate::host::database::{Database, Seeded, seed};
use crate::host::drive::Driver;
use crate::host::maintenance::{self, Schedule};
use crate::host::metrics::Metrics;
use crate::host::passwords::Passwords;
use crate::host::rate_limit::AddressLimiter;
use crate::host::session::Sessions;
use crate::host::users::{self, DEMO_USER};
use crate::host::web::{App, Limits};

/// A server accepting connections.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Its issuer identifier.
    pub issuer: String,
    /// The demo client, when this start created it.
    pub seeded: Option<Seeded>,
    /// Whether this start created the demo user.
    pub seeded_user: bool,
    /// Whether the database has no user account (nobody can sign in).
    pub no_users: bool,
    /// What it runs on.
    pub store: Database,
    app: Arc<App>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    maintenance: Vec<JoinHandle<()>>,
    audit_writer: JoinHandle<()>,
}

impl Running {
    /// The core it runs (its configuration, for the admin API).
    pub fn server(&self) -> &Server {
        &self.app.server
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

/// Starts the server `settings` describe; with `demo`, a database with no
/// client gets the demo client, and one with no user the demo user
/// ([`DEMO_USER`]).
pub async fn start(
    settings: &Settings,
    demo: bool,
) -> Result<Running, Box<dyn Error + Send + Sync>> {
    let listener = TcpListener::bind(settings.listen).await?;
    let addr = listener.local_addr()?;
    let issuer = settings.issuer_for(addr);
    let server = Server::new(settings.core_config(&issuer)?);
    let metrics = Arc::new(Metrics::new(server.config()));
    let store = Database::open_metered(settings, Arc::clone(&metrics)).await?;
    let seeded = if demo { seed(&server, &store).await? } else { None };
    let (cost, max_checks) = (settings.password_cost, settings.max_password_checks);
    let passwords =
        Arc::new(tokio::task::spawn_blocking(move || Passwords::new(cost, max_checks)).await??);
    let seeded_user = if demo {
        let hasher = Arc::clone(&passwords);
        let hash = tokio::task::spawn_blocking(move || hasher.hash(DEMO_USER.1)).await??;
        users::seed_demo(&store, hash).await?
    } else {
        false
    };
    let no_users = users::none(&store).await?;
    if no_users {
        tracing::warn!("no user accounts: create the first with `qscope user create NAME`");
    }
    let (driver, audit_writer) =
        Driver::start(store.clone(), passwords, Arc::clone(&metrics), settings.audit);
    let sign_in_timeout = settings.sign_in_timeout;
    let app = Arc::new(App {
        server,
        driver,
        sessions: Sessions::new(
            store.clone(),
            issuer.starts_with("https:"),
            sign_in_timeout,
            settings.idle_timeout,
        ),
        limiter: AddressLimiter::new(settings.rate_limit),
        client_limits: ClientLimits::new(settings.client_rate_limit),
        limits: Limits {
            request_timeout: settings.request_timeout,
            trusted_proxies: settings.trusted_proxies.clone(),
            metrics: settings.metrics,
        },
        metrics,
        pages: crate::host::pages::Pages::new(settings),
    });
    let (stop, stopping) = watch::channel(false);
    let schedule =
        Schedule { purge: settings.purge_interval, sessions: session_sweep(sign_in_timeout) };
    let maintenance = maintenance::start(&app, schedule, &stopping);
    let max_connections = fit_to_open_file_limit(settings.max_connections);
    let task = tokio::spawn(accept(listener, Arc::clone(&app), max_connections, stopping));
    Ok(Running {
        addr,
        issuer,
        seeded,
        seeded_user,
        no_users,
        store,
        app,
        stop,
        task,
        maintenance,
        audit_writer,
    })
}

/// How often expired sessions are removed: a quarter of the sign-in
/// timeout, between 1 s and 60 s.
fn session_sweep(sign_in_timeout: Duration) -> Duration {
    (sign_in_timeout / 4).clamp(Duration::from_secs(1), Duration::from_secs(60))
}
