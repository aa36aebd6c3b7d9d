//! The audit queue: best-effort effects (the audit events of refusals and
//! of introspection, RFC 7662) leave the request's path and a background
//! writer appends them in batches, one transaction per batch.
//!
//! No event is lost quietly:
//!
//! * **Back-pressure.** When the queue is full, a request waits for room
//!   before its answer is sent, so a writer that falls behind slows the
//!   server down instead of thinning the audit trail (`drive` runs each
//!   exchange and this wait on a task of its own, so a request given up on
//!   still hands its events over).
//! * **Only what the configuration allows is dropped**, and only routine
//!   events: the `token_introspected` event of an introspection the server
//!   answered (refusals are never dropped). `--audit-sample-introspections N`
//!   keeps one in N of them; `--audit-shed-introspections` drops them,
//!   instead of waiting, while the queue is full.
//! * **Counted, and summarized in the log**: every event sampled out, shed,
//!   or lost to a store failure (after retries) is counted in
//!   `AuditCounts`; `maintenance` logs one line per interval with what
//!   changed, never one line per event.
//!
//! A crash may still lose the events queued at that moment; graceful
//! shutdown writes them all. Audit events that belong to a commit
//! (issuance, revocation, consent) are in that commit, as always.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::store::{AsyncStore, AuditAction, Effect, Transaction};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub use crate::host::config::AuditPolicy;
use crate::host::database::Database;
use crate::host::metrics::Metrics;

/// The most effects written in one transaction.
const BATCH: usize = 8_192;
/// How often a batch that failed transiently is tried again.
const RETRIES: u32 = 5;
/// The first pause before a retry; each further pause doubles.
const FIRST_RETRY: Duration = Duration::from_millis(50);

/// Running totals since the server started.
#[derive(Debug, Default)]
pub(crate) struct AuditCounts {
    sampled_out: AtomicU64,
    shed: AtomicU64,
    waited: AtomicU64,
    lost: AtomicU64,
    /// The totals at the last [`since_last_report`](Self::since_last_report).
    reported: Mutex<AuditTotals>,
}

/// A copy of `AuditCounts` at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AuditTotals {
    /// Routine events not kept by sampling.
    pub sampled_out: u64,
    /// Routine events dropped because the queue was full.
    pub shed: u64,
    /// Events that had to wait for room in the queue (none was dropped).
    pub waited: u64,
    /// Events the store failed to write, after every retry.
    pub lost: u64,
}

impl AuditTotals {
    /// What happened between `earlier` and `self`.
    pub fn since(self, earlier: Self) -> Self {
        Self {
            sampled_out: self.sampled_out - earlier.sampled_out,
            shed: self.shed - earlier.shed,
            waited: self.waited - earlier.waited,
            lost: self.lost - earlier.lost,
        }
    }
}

impl AuditCounts {
    /// The totals now.
    pub(crate) fn totals(&self) -> AuditTotals {
        AuditTotals {
            sampled_out: self.sampled_out.load(Ordering::Relaxed),
            shed: self.shed.load(Ordering::Relaxed),
            waited: self.waited.load(Ordering::Relaxed),
            lost: self.lost.load(Ordering::Relaxed),
        }
    }

    /// What changed since the previous call (since the start, the first
    /// time), for the periodic log line.
    pub(crate) fn since_last_report(&self) -> AuditTotals {
        let now = self.totals();
        let mut reported = self.reported.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let delta = now.since(*reported);
        *reported = now;
        delta
    }

    fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

/// The sending side of the queue (cheap to clone).
#[derive(Clone)]
pub(crate) struct AuditQueue {
    sender: mpsc::Sender<Effect>,
    policy: AuditPolicy,
    counts: Arc<AuditCounts>,
    routine_seen: Arc<AtomicU64>,
}

/// Whether the configuration may drop `effect`: the event of an answered
/// introspection.
fn routine(effect: &Effect) -> bool {
    matches!(effect, Effect::AppendAudit(event) if event.action == AuditAction::TokenIntrospected)
}

impl AuditQueue {
    /// A queue under `policy`, and the task writing it to `store`, which
    /// ends once every clone of the queue is dropped and the queue is
    /// written.
    /// Each batch's size goes to `metrics`.
    pub(crate) fn start(
        store: Database,
        policy: AuditPolicy,
        metrics: Arc<Metrics>,
    ) -> (Self, JoinHandle<()>) {
        let (sender, receiver) = mpsc::channel(policy.queue.max(1));
        let counts = Arc::new(AuditCounts::default());
        let writer = tokio::spawn(write(store, receiver, Arc::clone(&counts), metrics));
        let queue = Self { sender, policy, counts, routine_seen: Arc::new(AtomicU64::new(0)) };
        (queue, writer)
    }

    /// The running totals.
    pub(crate) fn counts(&self) -> &AuditCounts {
        &self.counts
    }

    /// Queues `effects`, waiting for room for every one the policy does
    /// not let go.
    pub(crate) async fn push(&self, effects: Vec<Effect>) {
        let mut waiting = Vec::new();
        for effect in effects {
            let routine = routine(&effect);
            if routine && !self.sampled_in() {
                AuditCounts::add(&self.counts.sampled_out, 1);
                continue;
            }
            match self.sender.try_send(effect) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_))
                    if routine && self.policy.shed_when_full =>
                {
                    AuditCounts::add(&self.counts.shed, 1);
                }
                Err(mpsc::error::TrySendError::Full(effect)) => waiting.push(effect),
                Err(mpsc::error::TrySendError::Closed(_)) => AuditCounts::add(&self.counts.lost, 1),
            }
        }
        if !waiting.is_empty() {
            AuditCounts::add(&self.counts.waited, waiting.len());
        }
        for effect in waiting {
            if self.sender.send(effect).await.is_err() {
                AuditCounts::add(&self.counts.lost, 1);
            }
        }
    }

    /// Whether the next routine event is one of the sampled.
    fn sampled_in(&self) -> bool {
        let every = self.policy.sample_every.max(1);
        self.routine_seen.fetch_add(1, Ordering::Relaxed).is_multiple_of(every)
    }
}

/// Appends queued effects, a batch per transaction, until the queue
/// closes. On SQLite a batch is one more transaction in the store's
/// group-commit queue.
async fn write(
    store: Database,
    mut queue: mpsc::Receiver<Effect>,
    counts: Arc<AuditCounts>,
    metrics: Arc<Metrics>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut batch, BATCH).await > 0 {
        metrics.audit_batch(batch.len());
        let transaction = Transaction::unconditional(std::mem::take(&mut batch));
        write_batch(&store, &transaction, &counts).await;
    }
}

/// Writes one batch, retrying transient failures with growing pauses.
async fn write_batch(store: &Database, transaction: &Transaction, counts: &AuditCounts) {
    let mut pause = FIRST_RETRY;
    for attempt in 0..=RETRIES {
        match AsyncStore::apply(store, transaction).await {
            Ok(_) => return,
            Err(error) if error.is_transient() && attempt < RETRIES => {
                tracing::debug!(%error, attempt, "audit batch failed; retrying");
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
            Err(error) => {
                let count = transaction.effects.len();
                tracing::error!(%error, count, "audit events could not be written");
                AuditCounts::add(&counts.lost, count);
                return;
            }
        }
    }
}
