//! Driving exchanges on the demo's store, tuned to it.
//!
//! * **SQLite** is a blocking library, so a whole exchange (its reads and
//!   commits) runs on one of tokio's blocking threads: one hand-off per
//!   request instead of one per step. Reads run in parallel; commits go
//!   straight to the store, whose single writer thread queues them and
//!   commits every transaction waiting at that moment together (group
//!   commit: one fsync for a burst of concurrent token requests). So this
//!   process's commits never compete for SQLite's write lock (no spinning
//!   in SQLite's busy handler, which sleeps up to 100 ms at a time), and
//!   nothing here serializes them before they reach that queue.
//! * **PostgreSQL** is driven asynchronously, on a task of its own.
//! * **Best-effort effects** (the audit events of refusals and of
//!   introspection, RFC 7662) leave the request's path through the
//!   [`AuditQueue`], which writes them in batches and waits for room
//!   rather than dropping what the configuration does not allow to drop.
//!   Audit events that belong to a commit (issuance, revocation, consent)
//!   are in that commit, as always.
//! * A panic while driving (a store or core bug) is a 500, not a dropped
//!   connection.

use std::sync::Arc;

use crate::device::DeviceDecision;
use crate::response::json_error;
use crate::{Context, Decision, ErrorCode, Input, Reply, Respond, Server};
use http::Request;
use tokio::task::JoinHandle;

use crate::host::accounts::WithAccounts;
use crate::host::audit::{AuditPolicy, AuditQueue};
use crate::host::database::Database;
use crate::host::metrics::{Metered, Metrics};
use crate::host::passwords::Passwords;
use crate::store::{AsyncStore, Password, Query, Record, StoreError, UserRecord};

/// Drives exchanges on one store (cheap to clone).
#[derive(Clone)]
pub(crate) struct Driver {
    store: Database,
    passwords: Arc<Passwords>,
    metrics: Arc<Metrics>,
    audit: AuditQueue,
}

impl Driver {
    /// A driver on `store`, and the task writing its best-effort effects
    /// under `policy`, which ends once every clone of the driver is dropped
    /// and the queue is written.
    /// The core's [`Query::User`] is answered from the accounts with
    /// `passwords`.
    /// Store latency and audit events go to `metrics`.
    pub(crate) fn start(
        store: Database,
        passwords: Arc<Passwords>,
        metrics: Arc<Metrics>,
        policy: AuditPolicy,
    ) -> (Self, JoinHandle<()>) {
        let (audit, writer) = AuditQueue::start(store.clone(), policy, Arc::clone(&metrics));
        (Self { store, passwords, metrics, audit }, writer)
    }

    /// The user `username` when `password` is theirs (and the account is
    /// enabled): the core's [`Query::User`], answered as for the password
    /// grant. A transient error when every check is busy.
    pub(crate) async fn sign_in(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        let query =
            Query::User { username: username.to_owned(), password: Password::new(password) };
        let store = WithAccounts::new(self.store.clone(), Arc::clone(&self.passwords));
        let answers = AsyncStore::read(&store, &[query]).await?;
        Ok(answers.as_slice().iter().find_map(|answer| match &answer.record {
            Some(Record::User(user)) => Some(user.clone()),
            _ => None,
        }))
    }

    /// The store it drives on.
    pub(crate) fn store(&self) -> &Database {
        &self.store
    }

    /// The queue of best-effort effects.
    pub(crate) fn audit(&self) -> &AuditQueue {
        &self.audit
    }

    /// Drives what the demo asks of `server` to its reply, and queues its
    /// best-effort effects. The exchange runs on a task of its own, so a
    /// request given up on (its deadline passed) still finishes it and
    /// queues its events.
    pub(crate) async fn run(&self, server: &Server, ask: impl Into<Ask>, ctx: Context) -> Reply {
        let (ask, server) = (ask.into(), server.clone());
        let (store, audit) = (self.store.clone(), self.audit.clone());
        let passwords = Arc::clone(&self.passwords);
        let metrics = Arc::clone(&self.metrics);
        let exchange = tokio::spawn(async move {
            let respond = match store {
                Database::Sqlite(store) => {
                    let store =
                        Metered::new(WithAccounts::new(store, passwords), Arc::clone(&metrics));
                    tokio::task::spawn_blocking(move || {
                        crate::drive_deferred(&server, &store, ask.input(), ctx)
                    })
                    .await
                    .unwrap_or_else(|_panic| panicked())
                }
                Database::Postgres(store) => {
                    let store =
                        Metered::new(WithAccounts::new(store, passwords), Arc::clone(&metrics));
                    crate::drive_deferred_async(&server, &store, ask.input(), ctx).await
                }
            };
            metrics.audit_effects(&respond.best_effort);
            audit.push(respond.best_effort).await;
            respond.reply
        });
        exchange.await.unwrap_or_else(|_panic| panicked().reply)
    }
}

/// What the demo asks the core, owned so that it can move to the thread
/// or task that drives it.
pub(crate) enum Ask {
    /// A request to one of the core's endpoints.
    Http(Request<Vec<u8>>),
    /// The user's login and consent result.
    Decision(Decision),
    /// The user code typed on the device page.
    DevicePrompt(String),
    /// The user's decision on a device.
    DeviceDecision(DeviceDecision),
}

impl Ask {
    /// The core's input for it.
    fn input(&self) -> Input<'_> {
        match self {
            Self::Http(request) => Input::from(request),
            Self::Decision(decision) => Input::Decision(decision.clone()),
            Self::DevicePrompt(user_code) => Input::device_prompt(user_code),
            Self::DeviceDecision(decision) => Input::DeviceDecision(decision.clone()),
        }
    }
}

impl From<Request<Vec<u8>>> for Ask {
    fn from(request: Request<Vec<u8>>) -> Self {
        Self::Http(request)
    }
}

impl From<Decision> for Ask {
    fn from(decision: Decision) -> Self {
        Self::Decision(decision)
    }
}

impl From<DeviceDecision> for Ask {
    fn from(decision: DeviceDecision) -> Self {
        Self::DeviceDecision(decision)
    }
}

/// The answer when driving an exchange panicked (a store or core bug).
fn panicked() -> Respond {
    tracing::error!("driving an exchange panicked");
    let reply = Reply::Http(json_error(
        http::StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::ServerError,
        "internal error",
    ));
    Respond { reply, best_effort: Vec::new() }
}
