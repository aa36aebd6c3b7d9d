//! The storage contract: records, queries, effects, preconditions, and the
//! two small traits a backend implements.
//!
//! The contract is public API. A backend must:
//!
//! * answer every [`Query`] of a read with an [`Answer`] that echoes it,
//!   in order, with the record under that key or `None`;
//! * apply a [`Transaction`] atomically: check every [`Precondition`]
//!   inside the transaction, then apply every [`Effect`] in order — or
//!   apply nothing and report [`Outcome::Conflict`] with the first failed
//!   precondition and the record found under its key;
//! * keep records after consumption, rotation and revocation until they
//!   expire, so replays are detected rather than merely refused.
//!
//! # Concurrency
//!
//! Transactions arrive concurrently, from one process or many. A backend
//! must make them behave as if applied one at a time (each precondition
//! checked against everything committed before it), and must do so
//! without failing any of them for its own sake:
//!
//! * **One lock order.** A backend that locks takes its locks in one order
//!   for every transaction, so no two transactions ever wait for each other
//!   (a deadlock that the database breaks by aborting one is a `503` the
//!   client did not deserve). The order the SQL stores use, and the one to
//!   follow: (1) the **client** — *shared* when the transaction only
//!   depends on it ([`Precondition::ClientRevision`] while issuing tokens),
//!   *exclusive* when it claims or changes it (`ClientAbsent`,
//!   [`Effect::PutClient`], [`Effect::DeleteClient`]); (2) the **FIFO
//!   owners** the transaction trims ([`Effect::RevokeOldest`]) and the
//!   family it revokes ([`Effect::RevokeFamily`]), exclusive, in one fixed
//!   order of their keys; (3) the **records the preconditions check**, in
//!   the transaction's order; (4) the **records the effects write**. No
//!   lock of an earlier step is taken after one of a later step.
//! * **Exact FIFO limits.** A trim must see every token of its owner
//!   committed before it, including one a concurrent transaction for the
//!   same owner has just inserted: trims of one owner serialize (step 2),
//!   and only transactions that trim take that lock, so owners without a
//!   limit never wait.
//! * **Issues do not serialize on their client.** A precondition that only
//!   has to stop a concurrent change of the client is a shared lock:
//!   token issues for one client run in parallel, a client update or
//!   deletion waits for those in flight, and those after it see the new
//!   revision and conflict.
//! * **Transient failures are transient.** A failure that passes by itself
//!   (a lock or statement timeout, a full disk, an I/O error, a lost
//!   connection, a busy database) is [`StoreError::transient`]: the core
//!   answers `503 temporarily_unavailable` with `Retry-After`, and nothing
//!   of the failed transaction may be applied. `tests/store_contract.rs`
//!   checks the mix that breaks a wrong lock order
//!   (`contract::fifo_mix`) on every backend.
//!
//! [`MemoryStore`] is the reference implementation, and
//! `contract` (feature `contract-tests`) holds the tests every backend must pass.
//!
//! # Which enums may grow
//!
//! What a backend must *do* is exhaustive: [`Effect`], [`Precondition`],
//! [`TokenOwner`], [`Outcome`], the records and their value kinds. A new
//! variant breaks every backend's build, so none can skip it in a `_` arm.
//! What the core may *ask* is not: [`Query`] is `#[non_exhaustive]`, and a
//! backend answers a query it does not know with `None` (see [`Query`] for
//! why that is safe). `clippy::exhaustive_enums` is denied in this module,
//! so every exhaustive public enum here carries an `#[expect]` with its
//! reason, and a change either way has to be made, and justified, in the
//! open.

#![deny(clippy::exhaustive_enums)]

mod account;
mod audit;
mod consent;
#[cfg(any(test, feature = "contract-tests"))]
pub mod contract;
mod effect;
mod memory;
mod query;
mod record;
mod session;

use std::error::Error;
use std::fmt;
use std::future::Future;

pub use crate::secret::{SecretHash, TokenHash};
pub use account::{AccountRecord, PasswordHash};
pub use audit::{AuditAction, AuditEvent, AuditReason};
pub use consent::ConsentRecord;
pub use effect::{Effect, Outcome, Precondition, TokenOwner, Transaction};
pub use memory::MemoryStore;
pub use query::{Answer, Answers, Password, Query};
pub(crate) use query::{Records, as_client, as_code, as_device, as_pending, as_token, as_user};
pub use record::{
    ClientAuthMethod, ClientRecord, CodeRecord, DeviceGrantRecord, DeviceStatus, FamilyId,
    GrantType, PendingAuthorizationRecord, PendingKind, PkceChallenge, PkceMethod, Record,
    RecordRef, Registrant, TokenKind, TokenRecord, UserRecord,
};
pub use session::{SessionEntry, SessionRecord, ShownScope};

/// A blocking storage backend.
pub trait Store {
    /// Answers `queries`, in order, echoing each.
    fn read(&self, queries: &[Query]) -> Result<Answers, StoreError>;
    /// Applies `transaction` atomically (see the module docs).
    fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError>;
}

/// An asynchronous storage backend; the same contract as [`Store`].
pub trait AsyncStore {
    /// Answers `queries`, in order, echoing each.
    fn read(&self, queries: &[Query]) -> impl Future<Output = Result<Answers, StoreError>> + Send;
    /// Applies `transaction` atomically (see the module docs).
    fn apply(
        &self,
        transaction: &Transaction,
    ) -> impl Future<Output = Result<Outcome, StoreError>> + Send;
}

impl<S: Store + ?Sized> Store for &S {
    fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        (**self).read(queries)
    }

    fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        (**self).apply(transaction)
    }
}

impl<S: Store + ?Sized> Store for std::sync::Arc<S> {
    fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        (**self).read(queries)
    }

    fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        (**self).apply(transaction)
    }
}

impl<S: AsyncStore + Sync + ?Sized> AsyncStore for &S {
    fn read(&self, queries: &[Query]) -> impl Future<Output = Result<Answers, StoreError>> + Send {
        (**self).read(queries)
    }

    fn apply(
        &self,
        transaction: &Transaction,
    ) -> impl Future<Output = Result<Outcome, StoreError>> + Send {
        (**self).apply(transaction)
    }
}

impl<S: AsyncStore + Send + Sync + ?Sized> AsyncStore for std::sync::Arc<S> {
    fn read(&self, queries: &[Query]) -> impl Future<Output = Result<Answers, StoreError>> + Send {
        (**self).read(queries)
    }

    fn apply(
        &self,
        transaction: &Transaction,
    ) -> impl Future<Output = Result<Outcome, StoreError>> + Send {
        (**self).apply(transaction)
    }
}

/// A storage failure. The core answers it with `temporarily_unavailable`
/// (503, `Retry-After: 1`) when it is transient and `server_error` (500)
/// otherwise; a
/// transaction that failed is treated as not applied.
#[derive(Debug)]
pub struct StoreError {
    transient: bool,
    source: Box<dyn Error + Send + Sync>,
}

impl StoreError {
    /// A failure that may pass (timeout, busy database, full disk, I/O
    /// error, lost connection, deadlock).
    pub fn transient(source: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self { transient: true, source: source.into() }
    }

    /// A failure that retrying will not fix (corrupt data, schema mismatch).
    pub fn permanent(source: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self { transient: false, source: source.into() }
    }

    /// Whether retrying later may succeed.
    pub fn is_transient(&self) -> bool {
        self.transient
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.transient { "transient" } else { "permanent" };
        write!(f, "{kind} store failure: {}", self.source)
    }
}

impl Error for StoreError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&*self.source)
    }
}
