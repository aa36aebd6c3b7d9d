//! Misuse of the step API by an adapter or store, and the answer that goes
//! with it.

use std::fmt;

use crate::reply::Respond;
use crate::response;

/// The adapter drove the step API in a way the contract forbids: answers
/// that do not echo the queries, a conflict on a precondition the
/// transaction did not contain, or more steps than any exchange takes.
///
/// This is a bug in the adapter or store, never a property of the request.
/// The exchange is over; it carries the answer to send all the same (a 500
/// that reveals nothing about the request), so a driver needs no answer of
/// its own: [`ApiMisuse::into_respond`].
#[derive(Debug)]
pub struct ApiMisuse {
    kind: MisuseKind,
    /// Boxed: misuse is the cold path, and keeps `resume`'s result small.
    respond: Box<Respond>,
}

/// What the adapter did wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MisuseKind {
    /// The number of answers differs from the number of queries.
    #[error("expected {expected} answers, got {got}")]
    AnswerCount {
        /// Queries asked.
        expected: usize,
        /// Answers given.
        got: usize,
    },
    /// Answer `index` does not echo the query at that position.
    #[error("answer {index} does not echo its query")]
    AnswerKey {
        /// Position of the offending answer.
        index: usize,
    },
    /// Answer `index` carries a record of another kind or key than asked.
    #[error("answer {index} carries a record that does not match its query")]
    AnswerRecord {
        /// Position of the offending answer.
        index: usize,
    },
    /// A conflict named a precondition that the transaction did not contain.
    #[error("conflict on a precondition the transaction did not contain")]
    UnknownPrecondition,
    /// The exchange exceeded [`MAX_STEPS`](crate::MAX_STEPS).
    #[error("exchange exceeded the step bound")]
    StepBound,
}

impl ApiMisuse {
    /// The misuse of `kind`, answered with a `500 server_error`.
    pub(crate) fn new(kind: MisuseKind) -> Self {
        let respond = Box::new(Respond::http(response::internal_error(), Vec::new()));
        Self { kind, respond }
    }

    /// What the adapter did wrong.
    pub fn kind(&self) -> &MisuseKind {
        &self.kind
    }

    /// The answer to send: a `500 server_error` that reveals nothing about
    /// the request, with no effects.
    pub fn into_respond(self) -> Respond {
        *self.respond
    }
}

impl fmt::Display for ApiMisuse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for ApiMisuse {}

/// Compares the misuse by its kind, so a test can name what it expects.
impl PartialEq<MisuseKind> for ApiMisuse {
    fn eq(&self, kind: &MisuseKind) -> bool {
        self.kind == *kind
    }
}
