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
//!   introspection, RFC 7662) leave the request's path: a background writer
//!   appends them in batches, one transaction per batch. They are best
//!   effort by definition (their failure cannot change an answer); a crash
//!   may lose the last batch, and a full queue drops events with a warning.
//!   Audit events that belong to a commit (issuance, revocation, consent)
//!   are in that commit, as always.
//! * A panic while driving (a store or core bug) is a 500, not a dropped
//!   connection.

use http::Request;
use qscope::device::DeviceDecision;
use qscope::response::json_error;
use qscope::store::{AsyncStore, Effect, Transaction};
use qscope::{Context, Decision, ErrorCode, Input, Reply, Respond, Server};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::store::DemoStore;

/// The most best-effort effects waiting to be written.
const AUDIT_QUEUE: usize = 65_536;
/// The most effects written in one transaction.
const AUDIT_BATCH: usize = 1_024;

/// Drives exchanges on one store (cheap to clone).
#[derive(Clone)]
pub(crate) struct Driver {
    store: DemoStore,
    audit: mpsc::Sender<Effect>,
}

impl Driver {
    /// A driver on `store`, and the task writing its best-effort effects,
    /// which ends once every clone of the driver is dropped and the queue
    /// is written.
    pub(crate) fn start(store: DemoStore) -> (Self, JoinHandle<()>) {
        let (audit, queue) = mpsc::channel(AUDIT_QUEUE);
        let writer = tokio::spawn(write_audit(store.clone(), queue));
        (Self { store, audit }, writer)
    }

    /// Drives what the demo asks of `server` to its reply.
    pub(crate) async fn run(&self, server: &Server, ask: impl Into<Ask>, ctx: Context) -> Reply {
        let (ask, server) = (ask.into(), server.clone());
        let finished = match &self.store {
            DemoStore::Sqlite(store) => {
                let store = store.clone();
                tokio::task::spawn_blocking(move || {
                    qscope::drive_deferred(&server, &store, ask.input(), ctx)
                })
                .await
            }
            DemoStore::Postgres(store) => {
                let store = store.clone();
                tokio::spawn(async move {
                    qscope::drive_deferred_async(&server, &store, ask.input(), ctx).await
                })
                .await
            }
        };
        let respond = finished.unwrap_or_else(|_panic| {
            tracing::error!("driving an exchange panicked");
            let reply = Reply::Http(json_error(
                http::StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::ServerError,
                "internal error",
            ));
            Respond { reply, best_effort: Vec::new() }
        });
        for effect in respond.best_effort {
            if self.audit.try_send(effect).is_err() {
                tracing::warn!("audit queue full: a best-effort event was dropped");
            }
        }
        respond.reply
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

/// Appends queued best-effort effects, a batch per transaction, until the
/// queue closes. On SQLite a batch is one more transaction in the store's
/// group-commit queue.
async fn write_audit(store: DemoStore, mut queue: mpsc::Receiver<Effect>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < AUDIT_BATCH {
            match queue.try_recv() {
                Ok(effect) => batch.push(effect),
                Err(_) => break,
            }
        }
        let count = batch.len();
        let transaction = Transaction::unconditional(batch);
        if let Err(error) = AsyncStore::apply(&store, &transaction).await {
            tracing::warn!(%error, count, "best-effort audit events were lost");
        }
    }
}
