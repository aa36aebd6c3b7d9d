//! Group commit: one writer thread per store applies every transaction
//! waiting at that moment in one SQLite transaction, so a burst of
//! concurrent commits costs one `COMMIT` (one fsync) instead of one each.
//!
//! Callers queue a job and block on (or await) its reply. The writer takes
//! the first job, then whatever else is already queued, up to the batch
//! bound; it never waits to gather more. It answers every job of a batch
//! only after the batch's `COMMIT` succeeded (see
//! [`run::apply_batch`](super::run::apply_batch)).

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::pool::Pool;
use super::run;
use crate::adapter::StoreOperation;
use crate::adapter::sql::episodes::Episodes;
use crate::store::{Outcome, StoreError, Transaction};

type Answer = Result<Outcome, StoreError>;

/// The queue to the writer thread; dropping it ends the thread (after the
/// jobs already queued) and waits for it.
#[derive(Debug)]
pub(super) struct Writer {
    queue: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

/// A transaction waiting to be applied, and where its answer goes.
struct Job {
    transaction: Transaction,
    reply: Reply,
}

/// A blocking caller waits on a channel; an async caller on a oneshot.
enum Reply {
    Blocking(mpsc::SyncSender<Answer>),
    Async(oneshot::Sender<Answer>),
}

impl Reply {
    fn send(self, answer: Answer) {
        // A caller that stopped waiting (a dropped future) needs no answer.
        let _ = match self {
            Self::Blocking(reply) => reply.send(answer).map_err(drop),
            Self::Async(reply) => reply.send(answer).map_err(drop),
        };
    }
}

fn stopped() -> StoreError {
    StoreError::permanent("the SQLite writer thread stopped")
}

impl Writer {
    /// Starts the writer thread, committing at most `max_batch`
    /// transactions together on `own`, a connection of its own (its page
    /// cache stays warm: no other connection writes), or else on one
    /// borrowed from `pool` per batch (an in-memory database has only one);
    /// every answer is recorded in `episodes`.
    pub(super) fn start(
        pool: Arc<Pool>,
        own: Option<Connection>,
        max_batch: usize,
        episodes: Arc<Episodes>,
    ) -> Result<Self, StoreError> {
        let (queue, jobs) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("qscope-sqlite-writer".into())
            .spawn(move || write(&pool, own, &jobs, max_batch.max(1), &episodes))
            .map_err(StoreError::permanent)?;
        Ok(Self { queue: Some(queue), thread: Some(thread) })
    }

    fn submit(&self, transaction: Transaction, reply: Reply) -> Result<(), StoreError> {
        let queue = self.queue.as_ref().ok_or_else(stopped)?;
        queue.send(Job { transaction, reply }).map_err(|_| stopped())
    }

    /// Queues `transaction` and blocks until its batch is committed.
    pub(super) fn apply(&self, transaction: &Transaction) -> Answer {
        let (reply, answer) = mpsc::sync_channel(1);
        self.submit(transaction.clone(), Reply::Blocking(reply))?;
        answer.recv().map_err(|_| stopped())?
    }

    /// Queues `transaction` when first polled, and resolves once its batch
    /// is committed (it blocks no thread, and needs no runtime). Once
    /// queued, it is applied even if the future is dropped.
    pub(super) async fn apply_async(self: Arc<Self>, transaction: Transaction) -> Answer {
        let (reply, answer) = oneshot::channel();
        self.submit(transaction, Reply::Async(reply))?;
        answer.await.map_err(|_| stopped())?
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        drop(self.queue.take());
        if let Some(thread) = self.thread.take() {
            // A panic on the writer thread has already failed its callers.
            let _ = thread.join();
        }
    }
}

/// The writer thread: a batch at a time until every sender is gone.
fn write(
    pool: &Pool,
    mut own: Option<Connection>,
    jobs: &mpsc::Receiver<Job>,
    max_batch: usize,
    episodes: &Episodes,
) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let transactions: Vec<&Transaction> = batch.iter().map(|job| &job.transaction).collect();
        // A panic (a bug) fails its batch, not the store: the batch
        // transaction's guard rolls back while unwinding.
        let answers = panic::catch_unwind(AssertUnwindSafe(|| match own.as_mut() {
            Some(conn) => run::apply_batch(conn, &transactions),
            None => match pool.get() {
                Ok(mut conn) => run::apply_batch(conn.conn(), &transactions),
                Err(err) => transactions.iter().map(|_| Err(run::copy(&err))).collect(),
            },
        }))
        .unwrap_or_else(|_| {
            transactions
                .iter()
                .map(|_| Err(StoreError::permanent("the SQLite writer panicked")))
                .collect()
        });
        episodes.batched(batch.len());
        for (job, answer) in batch.into_iter().zip(answers) {
            episodes.observe(StoreOperation::Write, &answer);
            job.reply.send(answer);
        }
    }
}
