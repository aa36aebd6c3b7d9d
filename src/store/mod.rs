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
//! [`MemoryStore`] is the reference implementation, and
//! `contract` (feature `contract-tests`) holds the tests every backend must pass.

mod audit;
#[cfg(any(test, feature = "contract-tests"))]
pub mod contract;
mod effect;
mod memory;
mod query;
mod record;

use std::error::Error;
use std::fmt;
use std::future::Future;

pub use crate::secret::{SecretHash, TokenHash};
pub use audit::{AuditAction, AuditEvent, AuditReason};
pub use effect::{Effect, Outcome, Precondition, TokenOwner, Transaction};
pub use memory::MemoryStore;
pub use query::{Answer, Answers, Password, Query};
pub(crate) use query::{Records, as_client, as_code, as_device, as_pending, as_token, as_user};
pub use record::{
    ClientAuthMethod, ClientRecord, CodeRecord, DeviceGrantRecord, DeviceStatus, FamilyId,
    GrantType, PendingAuthorizationRecord, PendingKind, PkceChallenge, PkceMethod, Record,
    Registrant, TokenKind, TokenRecord, UserRecord,
};

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
/// (503) when it is transient and `server_error` (500) otherwise; a
/// transaction that failed is treated as not applied.
#[derive(Debug)]
pub struct StoreError {
    transient: bool,
    source: Box<dyn Error + Send + Sync>,
}

impl StoreError {
    /// A failure that may pass (timeout, busy database, lost connection).
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
