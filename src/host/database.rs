//! The server's storage: SQLite or PostgreSQL, behind one `AsyncStore`;
//! and the demo client `--demo` creates on first start.

use std::sync::Arc;

use crate::UnixTime;
use crate::adapter::kit::context_for;
use crate::adapter::postgres::{PostgresOptions, PostgresStore};
use crate::adapter::sqlite::{SqliteOptions, SqliteStore};
use crate::adapter::{Purged, StoreEvent, StoreEvents};
use crate::admin::{Admin, ClientSpec};
use crate::host::config::{DatabaseLocation, Settings};
use crate::host::metrics::Metrics;
use crate::registration::ClientMetadata;
use crate::store::{Answers, AsyncStore, Outcome, Query, StoreError, Transaction};
use crate::{ClientSecret, Server};

/// The store the demo runs on.
#[derive(Clone, Debug)]
pub enum Database {
    /// One SQLite file.
    Sqlite(SqliteStore),
    /// A PostgreSQL database, possibly shared with other servers.
    Postgres(PostgresStore),
}

/// The store's failure episodes in the log: one line when reads or writes
/// start failing transiently (every answer is then `503` with
/// `Retry-After`), one when they recover, and every permanent failure;
/// SQLite's group commits into `metrics`, when given.
fn log_events(metrics: Option<Arc<Metrics>>) -> StoreEvents {
    StoreEvents::new(move |event| match event {
        StoreEvent::FailingTransiently { operation, error } => {
            tracing::warn!(?operation, %error, "store failing; answering 503 until it recovers");
        }
        StoreEvent::Recovered { operation, failures } => {
            tracing::warn!(?operation, failures, "store recovered");
        }
        StoreEvent::FailedPermanently { operation, error } => {
            tracing::error!(?operation, %error, "store failed");
        }
        StoreEvent::Batched { transactions } => {
            if let Some(metrics) = &metrics {
                metrics.sqlite_batch(*transactions);
            }
        }
    })
}

impl Database {
    /// Opens the database `settings` name, creating a SQLite file that
    /// does not exist yet; either way the schema is brought up to date.
    pub async fn open(settings: &Settings) -> Result<Self, StoreError> {
        Self::open_with(settings, log_events(None)).await
    }

    /// [`open`](Self::open), with the store's group commits in `metrics`.
    pub(crate) async fn open_metered(
        settings: &Settings,
        metrics: Arc<Metrics>,
    ) -> Result<Self, StoreError> {
        Self::open_with(settings, log_events(Some(metrics))).await
    }

    async fn open_with(settings: &Settings, events: StoreEvents) -> Result<Self, StoreError> {
        match &settings.database {
            DatabaseLocation::Postgres(url) => {
                let options = PostgresOptions { events: Some(events), ..Default::default() };
                Ok(Self::Postgres(PostgresStore::connect(url, options).await?))
            }
            DatabaseLocation::Sqlite(path) => {
                let options = SqliteOptions {
                    synchronous_full: settings.sqlite_full_sync,
                    events: Some(events),
                    ..SqliteOptions::default()
                };
                let path = path.clone();
                let open =
                    tokio::task::spawn_blocking(move || SqliteStore::open_with(path, options));
                Ok(Self::Sqlite(open.await.map_err(StoreError::permanent)??))
            }
        }
    }

    /// [`open`](Self::open), for the administration commands: a SQLite
    /// file that does not exist is an error (a mistyped `--db` must not
    /// quietly make an empty database).
    pub async fn open_existing(settings: &Settings) -> Result<Self, StoreError> {
        if let DatabaseLocation::Sqlite(path) = &settings.database
            && !path.exists()
        {
            return Err(StoreError::permanent(format!(
                "no database at {} (the server creates it on its first start; check --db or \
                 `database` in the configuration)",
                path.display()
            )));
        }
        Self::open(settings).await
    }

    /// Deletes the codes, tokens, pending authorizations and device grants
    /// that expired by `now`; says how many of each went.
    pub async fn purge_expired(&self, now: UnixTime) -> Result<Purged, StoreError> {
        match self {
            Self::Sqlite(store) => store.purge_expired_async(now).await,
            Self::Postgres(store) => store.purge_expired(now).await,
        }
    }

    /// A short description for the start-up log (no credentials).
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "SQLite",
            Self::Postgres(_) => "PostgreSQL",
        }
    }
}

impl AsyncStore for Database {
    async fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        match self {
            Self::Sqlite(store) => AsyncStore::read(store, queries).await,
            Self::Postgres(store) => AsyncStore::read(store, queries).await,
        }
    }

    async fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        match self {
            Self::Sqlite(store) => AsyncStore::apply(store, transaction).await,
            Self::Postgres(store) => AsyncStore::apply(store, transaction).await,
        }
    }
}

/// The client created on first start, with its secret in clear (shown
/// once).
pub struct Seeded {
    /// `demo`.
    pub client_id: String,
    /// The client secret.
    pub secret: ClientSecret,
}

/// The id of the client [`seed`] creates.
pub const DEMO_CLIENT_ID: &str = "demo";
/// The redirect URI it is registered with (loopback: any port is accepted
/// at request time, RFC 8252 §7.3).
pub const DEMO_REDIRECT_URI: &str = "http://127.0.0.1/callback";

/// On an empty database, creates the demo client through the admin API:
/// confidential, every grant the server serves, every scope it defines. `None` when the
/// database already has clients (or another server seeded it first).
pub async fn seed(
    server: &Server,
    store: &Database,
) -> Result<Option<Seeded>, Box<dyn std::error::Error + Send + Sync>> {
    let answers = AsyncStore::read(store, &[Admin::list_clients(None, 1)]).await?;
    if !Admin::page(&answers).is_empty() {
        return Ok(None);
    }
    let scopes: Vec<&str> = server.config().scopes().iter().map(|s| s.name.as_str()).collect();
    let metadata = ClientMetadata {
        client_name: Some("qscope demo client".into()),
        grant_types: Some(
            server.config().grants().iter().map(|grant| grant.as_str().to_owned()).collect(),
        ),
        redirect_uris: Some(vec![DEMO_REDIRECT_URI.into()]),
        scope: Some(scopes.join(" ")),
        ..ClientMetadata::default()
    };
    let spec =
        ClientSpec { client_id: Some(DEMO_CLIENT_ID.into()), metadata, ..ClientSpec::default() };
    let ctx = context_for(None, None)?;
    let change = Admin::new(server).create_client(&spec, &ctx)?;
    match AsyncStore::apply(store, &change.transaction).await? {
        Outcome::Applied => {
            Ok(change.secret.map(|secret| Seeded { client_id: change.client.client_id, secret }))
        }
        // Another server on the same database created it first.
        Outcome::Conflict { .. } => Ok(None),
    }
}
