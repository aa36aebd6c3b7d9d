//! Failure episodes: the SQL stores report when reads or writes start
//! failing transiently and when they recover, so that a host logs an
//! outage (a full disk, a stopped database) once, not once per request.
//!
//! The stores do not log themselves (the crate has no logging dependency,
//! and the host picks its logger): they call the host's [`StoreEvents`]
//! hook. While an episode lasts, every request still gets its own answer
//! (`503 temporarily_unavailable`); only the report is once.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::store::StoreError;

/// Which side of a store an event is about. Reads and writes fail apart:
/// on a full disk SQLite still reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreOperation {
    /// Answering queries.
    Read,
    /// Applying transactions.
    Write,
}

/// What a store reports to its [`StoreEvents`] hook.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreEvent<'a> {
    /// The first transient failure of `operation` since it last succeeded
    /// (or since the store opened): an episode begins. Its cause is
    /// `error`; the failures that follow are only counted.
    FailingTransiently {
        /// Reads or writes.
        operation: StoreOperation,
        /// The first failure of the episode.
        error: &'a StoreError,
    },
    /// The first success of `operation` after an episode, which ended
    /// after `failures` failed operations (each answered `503`).
    Recovered {
        /// Reads or writes.
        operation: StoreOperation,
        /// How many operations failed during the episode.
        failures: u64,
    },
    /// SQLite's writer committed (or failed) one group of `transactions`
    /// queued transactions in one database transaction (see
    /// [`SqliteOptions::max_batch`](crate::adapter::sqlite::SqliteOptions::max_batch)):
    /// how well group commit amortizes `fsync` under the current load.
    /// Reported for every batch.
    Batched {
        /// How many transactions the batch held (at least one).
        transactions: usize,
    },
    /// A permanent failure, reported each time: it is a bug or damage
    /// (a constraint violation, a corrupt row), not a passing condition.
    FailedPermanently {
        /// Reads or writes.
        operation: StoreOperation,
        /// The failure.
        error: &'a StoreError,
    },
}

/// The host's hook for [`StoreEvent`]s, e.g. a call to its logger. It
/// runs on the thread that saw the event (for SQLite writes, the writer
/// thread), so it should return quickly.
#[derive(Clone)]
pub struct StoreEvents(Arc<dyn Fn(&StoreEvent<'_>) + Send + Sync>);

impl StoreEvents {
    /// A hook calling `report` for every event.
    pub fn new(report: impl Fn(&StoreEvent<'_>) + Send + Sync + 'static) -> Self {
        Self(Arc::new(report))
    }
}

impl fmt::Debug for StoreEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreEvents(..)")
    }
}

/// The episode state of one store: whether reads and writes are failing,
/// and how often they failed since.
#[derive(Debug, Default)]
pub(crate) struct Episodes {
    hook: Option<StoreEvents>,
    reads: Episode,
    writes: Episode,
}

#[derive(Debug, Default)]
struct Episode {
    failing: AtomicBool,
    failures: AtomicU64,
}

impl Episodes {
    /// Episodes reported to `hook` (none reported without one).
    pub(crate) fn new(hook: Option<StoreEvents>) -> Self {
        Self { hook, ..Self::default() }
    }

    /// Reports a group commit of `transactions` transactions.
    #[cfg_attr(not(feature = "sqlite"), expect(dead_code, reason = "only SQLite batches"))]
    pub(crate) fn batched(&self, transactions: usize) {
        if let Some(hook) = &self.hook {
            (hook.0)(&StoreEvent::Batched { transactions });
        }
    }

    /// Records the result of one `operation`, reporting the start or the
    /// end of an episode, or a permanent failure.
    pub(crate) fn observe<T>(&self, operation: StoreOperation, result: &Result<T, StoreError>) {
        let episode = match operation {
            StoreOperation::Read => &self.reads,
            StoreOperation::Write => &self.writes,
        };
        let event = match result {
            Err(error) if error.is_transient() => {
                episode.failures.fetch_add(1, Ordering::Relaxed);
                if episode.failing.swap(true, Ordering::AcqRel) {
                    return;
                }
                StoreEvent::FailingTransiently { operation, error }
            }
            Err(error) => StoreEvent::FailedPermanently { operation, error },
            Ok(_) => {
                if !episode.failing.load(Ordering::Acquire)
                    || !episode.failing.swap(false, Ordering::AcqRel)
                {
                    return;
                }
                let failures = episode.failures.swap(0, Ordering::AcqRel);
                StoreEvent::Recovered { operation, failures }
            }
        };
        if let Some(hook) = &self.hook {
            (hook.0)(&event);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    fn recording() -> (Episodes, Arc<Mutex<Vec<String>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let hook = StoreEvents::new(move |event| {
            let line = match event {
                StoreEvent::FailingTransiently { operation, error } => {
                    format!("{operation:?} failing: {error}")
                }
                StoreEvent::Recovered { operation, failures } => {
                    format!("{operation:?} recovered after {failures}")
                }
                StoreEvent::FailedPermanently { operation, error } => {
                    format!("{operation:?} failed: {error}")
                }
                StoreEvent::Batched { transactions } => format!("batch of {transactions}"),
            };
            log.lock().expect("log").push(line);
        });
        (Episodes::new(Some(hook)), seen)
    }

    #[test]
    fn an_episode_is_reported_once_when_it_begins_and_once_when_it_ends() {
        let (episodes, seen) = recording();
        episodes.observe(StoreOperation::Write, &Ok(()));
        for _ in 0..5 {
            episodes.observe::<()>(StoreOperation::Write, &Err(StoreError::transient("disk full")));
        }
        episodes.observe(StoreOperation::Write, &Ok(()));
        episodes.observe(StoreOperation::Write, &Ok(()));
        assert_eq!(
            *seen.lock().expect("log"),
            ["Write failing: transient store failure: disk full", "Write recovered after 5",]
        );
    }

    #[test]
    fn reads_and_writes_have_episodes_of_their_own() {
        let (episodes, seen) = recording();
        episodes.observe::<()>(StoreOperation::Write, &Err(StoreError::transient("disk full")));
        episodes.observe(StoreOperation::Read, &Ok(()));
        episodes.observe::<()>(StoreOperation::Write, &Err(StoreError::transient("disk full")));
        episodes.observe(StoreOperation::Write, &Ok(()));
        assert_eq!(
            *seen.lock().expect("log"),
            ["Write failing: transient store failure: disk full", "Write recovered after 2"]
        );
    }

    #[test]
    fn permanent_failures_are_reported_each_time_and_start_no_episode() {
        let (episodes, seen) = recording();
        for _ in 0..2 {
            episodes.observe::<()>(StoreOperation::Read, &Err(StoreError::permanent("corrupt")));
        }
        episodes.observe(StoreOperation::Read, &Ok(()));
        assert_eq!(
            *seen.lock().expect("log"),
            ["Read failed: permanent store failure: corrupt"; 2]
        );
    }
}
