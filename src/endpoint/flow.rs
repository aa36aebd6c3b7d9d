//! What every endpoint works with: the exchange's environment ([`Env`]),
//! what the endpoint asks for next ([`Next`]), and what the store answered
//! ([`Resumed`]). The step protocol ([`Step`](crate::Step)) is built from
//! these in one place, the exchange; no endpoint sees it.

use std::sync::Arc;

use http::Response;

use crate::error::OAuthError;
use crate::reply::Respond;
use crate::store::{
    AuditAction, AuditEvent, Effect, Outcome, Query, Records, StoreError, Transaction,
};
use crate::{Config, Context, ErrorCode, response};

/// The policy and the request's context, shared by every step of one
/// exchange.
#[derive(Debug)]
pub(crate) struct Env {
    /// The server's policy.
    pub(crate) config: Arc<Config>,
    /// The time, entropy, request id and peer of this request.
    pub(crate) ctx: Context,
}

impl Env {
    /// An audit event stamped with this request's time, id and peer.
    pub(crate) fn audit(&self, action: AuditAction) -> AuditEvent {
        AuditEvent::new(action, &self.ctx)
    }
}

/// What an endpoint needs next, with the state `S` it resumes from.
#[derive(Debug)]
pub(crate) enum Next<S> {
    /// Read these records, then resume.
    Read {
        /// Every record needed, in one batch.
        queries: Vec<Query>,
        /// Where to resume.
        state: S,
    },
    /// Make this transaction durable, then resume.
    Commit {
        /// The atomic unit to apply.
        transaction: Transaction,
        /// Where to resume.
        state: S,
    },
    /// The exchange is over.
    Respond(Respond),
}

impl<S> Next<S> {
    /// The same request for the next step, its state wrapped by `f`.
    pub(crate) fn map<T>(self, f: impl FnOnce(S) -> T) -> Next<T> {
        match self {
            Self::Read { queries, state } => Next::Read { queries, state: f(state) },
            Self::Commit { transaction, state } => Next::Commit { transaction, state: f(state) },
            Self::Respond(respond) => Next::Respond(respond),
        }
    }
}

/// What the store answered a paused exchange.
#[derive(Debug)]
#[expect(clippy::large_enum_variant, reason = "moved once per step, never stored")]
pub(crate) enum Resumed {
    /// The records of a read, in the order of its queries.
    Read(Records),
    /// The outcome of a commit.
    Commit(Outcome),
}

/// Pauses for `queries`.
pub(crate) fn read<S>(queries: Vec<Query>, state: S) -> Next<S> {
    Next::Read { queries, state }
}

/// Pauses for `transaction`.
pub(crate) fn commit<S>(transaction: Transaction, state: S) -> Next<S> {
    Next::Commit { transaction, state }
}

/// Ends the exchange with `response` and best-effort `effects`.
pub(crate) fn respond<S>(response: Response<Vec<u8>>, best_effort: Vec<Effect>) -> Next<S> {
    Next::Respond(Respond::http(response, best_effort))
}

/// A state resumed with the other kind of answer (records for a commit, an
/// outcome for a read). The exchange pairs them itself, so this is a core
/// bug: answered `500 server_error` with nothing written, never a panic.
pub(crate) fn out_of_order<S>() -> Next<S> {
    respond(response::internal_error(), Vec::new())
}

/// RFC 6749 §5.2 has no store-failure code at the token endpoint; the
/// authorization endpoint's `temporarily_unavailable` (503) and
/// `server_error` (500) say exactly what happened.
pub(crate) fn store_failure(error: &StoreError) -> Respond {
    Respond::http(response::error(&store_error(error)), Vec::new())
}

/// The protocol error that reports a store failure.
pub(crate) fn store_error(error: &StoreError) -> OAuthError {
    let (code, description) = if error.is_transient() {
        (ErrorCode::TemporarilyUnavailable, "storage is temporarily unavailable; retry later")
    } else {
        (ErrorCode::ServerError, "storage failed")
    };
    OAuthError::new(code, description)
}

impl<S> From<Respond> for Next<S> {
    fn from(respond: Respond) -> Self {
        Self::Respond(respond)
    }
}

impl<S> From<Box<Respond>> for Next<S> {
    fn from(respond: Box<Respond>) -> Self {
        Self::Respond(*respond)
    }
}
