//! The contract suite for a backend that implements only [`AsyncStore`]:
//! each check calls the store through [`Store`], and every call's future is
//! run to completion by an [`Executor`] before the check goes on. The
//! concurrency checks call from several threads at once, so the futures of
//! those calls are in flight together, as under a multi-threaded runtime.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

use super::run_all;
use crate::store::{Answers, AsyncStore, Outcome, Query, Store, StoreError, Transaction};

/// Runs a future to completion on the calling thread: the bridge from the
/// suite's blocking checks to an [`AsyncStore`].
///
/// A runtime-bound backend (one whose futures need a reactor or timers of
/// their runtime, as tokio-postgres's do) wraps its runtime's `block_on`:
///
/// ```
/// # #[cfg(feature = "contract-tests")] {
/// use std::future::Future;
///
/// use qscope::store::MemoryStore;
/// use qscope::store::contract::{Executor, run_all_async_on};
///
/// struct Tokio(tokio::runtime::Handle);
///
/// impl Executor for Tokio {
///     fn block_on<F: Future + Send>(&self, future: F) -> F::Output {
///         self.0.block_on(future)
///     }
/// }
///
/// let runtime = tokio::runtime::Runtime::new().expect("a runtime");
/// run_all_async_on(Tokio(runtime.handle().clone()), MemoryStore::new);
/// # }
/// ```
pub trait Executor: Send + Sync + 'static {
    /// Polls `future` until it is ready and returns its output.
    fn block_on<F: Future + Send>(&self, future: F) -> F::Output;
}

/// An [`Executor`] with no runtime: it polls the future on the calling
/// thread and parks the thread until the future's waker is woken. Enough
/// for a backend whose futures are woken by their own threads or channels;
/// a backend that needs its runtime entered gives [`run_all_async_on`] an
/// executor of that runtime.
#[derive(Clone, Copy, Debug, Default)]
pub struct CallingThread;

/// Wakes a parked thread.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

impl Executor for CallingThread {
    fn block_on<F: Future + Send>(&self, future: F) -> F::Output {
        let mut future = pin!(future);
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        loop {
            match future.as_mut().poll(&mut cx) {
                Poll::Ready(output) => return output,
                // A wake before the park leaves the token set, so the park
                // returns at once; a spurious return only polls again.
                Poll::Pending => std::thread::park(),
            }
        }
    }
}

/// An [`AsyncStore`] seen as a [`Store`]: each call's future run by `E`.
struct Blocking<S, E> {
    store: S,
    executor: Arc<E>,
}

impl<S: AsyncStore + Send + Sync, E: Executor> Store for Blocking<S, E> {
    fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        self.executor.block_on(self.store.read(queries))
    }

    fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        self.executor.block_on(self.store.apply(transaction))
    }
}

/// Runs every contract check (those of [`run_all`]) against an
/// [`AsyncStore`], each on a fresh store from `make`, its futures polled on
/// the calling threads by [`CallingThread`].
pub fn run_all_async<S, F>(make: F)
where
    S: AsyncStore + Send + Sync + 'static,
    F: Fn() -> S,
{
    run_all_async_on(CallingThread, make);
}

/// [`run_all_async`] with the futures run by `executor`: for a backend
/// whose futures need their runtime.
pub fn run_all_async_on<S, F, E>(executor: E, make: F)
where
    S: AsyncStore + Send + Sync + 'static,
    F: Fn() -> S,
    E: Executor,
{
    let executor = Arc::new(executor);
    run_all(|| Blocking { store: make(), executor: Arc::clone(&executor) });
}
