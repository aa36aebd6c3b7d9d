//! What the core asks a store to make durable: effects, the preconditions
//! they are applied under, and the outcome.
//!
//! [`Effect`] and [`Precondition`] are deliberately exhaustive: a new kind
//! must break every backend at compile time rather than fall into a
//! catch-all arm and be silently skipped.

use serde::{Deserialize, Serialize};

use crate::UnixTime;
use crate::secret::TokenHash;

use super::audit::AuditEvent;
use super::record::{
    ClientRecord, CodeRecord, FamilyId, PendingAuthorizationRecord, Record, TokenKind, TokenRecord,
};

/// Whose tokens a FIFO limit counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenOwner {
    /// Every token of the client, whatever its subject.
    Client {
        /// The client id.
        client_id: String,
    },
    /// The client's tokens for one subject (`None`: tokens without subject).
    ClientSubject {
        /// The client id.
        client_id: String,
        /// The subject.
        subject: Option<String>,
    },
    /// The tokens of one grant family (a refresh token and its successors).
    Family {
        /// The family.
        family: FamilyId,
    },
}

impl TokenOwner {
    /// Whether `token` belongs to this owner.
    pub fn owns(&self, token: &TokenRecord) -> bool {
        match self {
            Self::Client { client_id } => token.client_id == *client_id,
            Self::ClientSubject { client_id, subject } => {
                token.client_id == *client_id && token.subject == *subject
            }
            Self::Family { family } => token.family == *family,
        }
    }
}

/// One storage effect. Applied in order, all together or not at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    /// Insert or replace a client.
    PutClient(ClientRecord),
    /// Delete a client and revoke every token issued to it.
    DeleteClient {
        /// The client id.
        client_id: String,
        /// The revocation time for its tokens.
        at: UnixTime,
    },
    /// Insert an authorization code.
    PutCode(CodeRecord),
    /// Mark a code consumed. The record stays until it expires so a replay
    /// is detected. Always paired with [`Precondition::CodeUnconsumed`].
    ConsumeCode {
        /// The code's hash.
        hash: TokenHash,
        /// When it was consumed.
        at: UnixTime,
    },
    /// Insert a token.
    PutToken(TokenRecord),
    /// Mark a refresh token as exchanged for its successor.
    RotateToken {
        /// The token's hash.
        hash: TokenHash,
        /// When it was rotated.
        at: UnixTime,
    },
    /// Revoke one token (no effect if already revoked).
    RevokeToken {
        /// The token's hash.
        hash: TokenHash,
        /// When it was revoked.
        at: UnixTime,
    },
    /// Revoke every unrevoked token of one family.
    RevokeFamily {
        /// The family.
        family: FamilyId,
        /// When they were revoked.
        at: UnixTime,
    },
    /// Revoke every token descended from `parent` (its children, their
    /// children, and so on), leaving `parent` itself as it is.
    RevokeDescendants {
        /// The ancestor token's hash.
        parent: TokenHash,
        /// When they were revoked.
        at: UnixTime,
    },
    /// The FIFO limit: among `owner`'s tokens of `kind` that are live at
    /// `at` (not revoked, not rotated, not expired), revoke all but the
    /// `keep` newest. Age is `issued_at`, ties broken by insertion order.
    RevokeOldest {
        /// The kind counted.
        kind: TokenKind,
        /// Whose tokens are counted.
        owner: TokenOwner,
        /// How many of the newest stay live.
        keep: u32,
        /// The time used to decide liveness and stamped on revocations.
        at: UnixTime,
    },
    /// Append an event to the audit trail.
    AppendAudit(AuditEvent),
    /// Insert a pending authorization under its `hash`, replacing any
    /// record with the same hash (handles are fresh 256-bit secrets, so a
    /// collision does not happen in practice).
    PutPending(PendingAuthorizationRecord),
    /// Delete the pending authorization with this hash; no effect if there
    /// is none. Paired with [`Precondition::PendingExists`] wherever the
    /// handle must work only once.
    TakePending {
        /// SHA-256 of the handle.
        hash: TokenHash,
    },
}

/// A condition the store checks inside the transaction before applying it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Precondition {
    /// The code exists and has not been consumed.
    CodeUnconsumed {
        /// The code's hash.
        hash: TokenHash,
    },
    /// The token exists and is neither rotated nor revoked.
    TokenActive {
        /// The token's hash.
        hash: TokenHash,
    },
    /// The token exists and is not revoked (it may have been rotated).
    TokenNotRevoked {
        /// The token's hash.
        hash: TokenHash,
    },
    /// A pending authorization with this hash exists (whatever its
    /// `expires_at`: expiry is the core's check, made before committing).
    /// Of two transactions that take the same pending record under this
    /// precondition, exactly one applies.
    PendingExists {
        /// SHA-256 of the handle.
        hash: TokenHash,
    },
}

impl Precondition {
    /// Whether `record` (the current record for this precondition's key, if
    /// any) satisfies it. Backends that hold records in memory can use this
    /// directly; SQL backends express the same rule in a `WHERE` clause.
    pub fn holds(&self, record: Option<&Record>) -> bool {
        match (self, record) {
            (Self::CodeUnconsumed { hash }, Some(Record::Code(c))) => {
                c.hash == *hash && c.consumed_at.is_none()
            }
            (Self::TokenActive { hash }, Some(Record::Token(t))) => {
                t.hash == *hash && t.rotated_at.is_none() && t.revoked_at.is_none()
            }
            (Self::TokenNotRevoked { hash }, Some(Record::Token(t))) => {
                t.hash == *hash && t.revoked_at.is_none()
            }
            (Self::PendingExists { hash }, Some(Record::Pending(p))) => p.hash == *hash,
            _ => false,
        }
    }

    /// The key this precondition is about, as a query a store can answer.
    pub fn subject(&self) -> super::Query {
        match self {
            Self::CodeUnconsumed { hash } => super::Query::Code { hash: *hash },
            Self::TokenActive { hash } | Self::TokenNotRevoked { hash } => {
                super::Query::Token { hash: *hash }
            }
            Self::PendingExists { hash } => super::Query::Pending { hash: *hash },
        }
    }
}

/// A batch of effects and the preconditions under which it may apply.
///
/// A store applies it in one transaction: if every precondition holds, all
/// effects are applied in order and the outcome is [`Outcome::Applied`];
/// otherwise nothing is applied and the outcome names the first failed
/// precondition.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct Transaction {
    /// Checked first, all inside the transaction.
    pub preconditions: Vec<Precondition>,
    /// Applied in order when every precondition holds.
    pub effects: Vec<Effect>,
}

impl Transaction {
    /// A transaction without preconditions.
    pub fn unconditional(effects: Vec<Effect>) -> Self {
        Self { preconditions: Vec::new(), effects }
    }
}

/// What became of a [`Transaction`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
#[expect(
    clippy::large_enum_variant,
    reason = "a conflict carries the record found, once per commit"
)]
pub enum Outcome {
    /// Every precondition held and every effect was applied.
    Applied,
    /// A precondition failed and nothing was applied.
    Conflict {
        /// The precondition that failed.
        failed: Precondition,
        /// What the store found under that precondition's key instead.
        found: Option<Record>,
    },
}
