//! What the core asks a store to make durable: effects, the preconditions
//! they are applied under, and the outcome.
//!
//! [`Effect`] and [`Precondition`] are deliberately exhaustive: a new kind
//! must break every backend at compile time rather than fall into a
//! catch-all arm and be silently skipped.

use serde::{Deserialize, Serialize};

use crate::secret::TokenHash;
use crate::{Scopes, UnixTime};

use super::account::AccountRecord;
use super::audit::AuditEvent;
use super::consent::ConsentRecord;
use super::record::{
    ClientRecord, CodeRecord, DeviceGrantRecord, DeviceStatus, FamilyId,
    PendingAuthorizationRecord, Record, RecordRef, TokenKind, TokenRecord,
};
use super::session::SessionRecord;

/// Whose tokens a FIFO limit counts.
#[expect(
    clippy::exhaustive_enums,
    reason = "each owner is a FIFO key a backend counts and locks; a new one must break every backend at compile time"
)]
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
#[expect(
    clippy::exhaustive_enums,
    reason = "a new effect must break every backend at compile time: one that fell into a `_` arm would be skipped, silently"
)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    /// Insert or replace a client (a later put of the same id in one
    /// transaction replaces the earlier one, as effects apply in order).
    PutClient(ClientRecord),
    /// Delete a client and revoke every token issued to it.
    DeleteClient {
        /// The client id.
        client_id: String,
        /// The revocation time for its tokens.
        at: UnixTime,
    },
    /// Insert an authorization code. Never overwrites: if a code with the
    /// same hash is stored, or put earlier in the same transaction, the
    /// transaction fails with a permanent [`StoreError`](super::StoreError)
    /// and nothing in it is applied (codes are fresh 256-bit secrets, so
    /// this means reused entropy).
    PutCode(CodeRecord),
    /// Mark a code consumed. The record stays until it expires so a replay
    /// is detected. Always paired with [`Precondition::CodeUnconsumed`];
    /// on a code already consumed it has no effect (`consumed_at` keeps its
    /// first time).
    ConsumeCode {
        /// The code's hash.
        hash: TokenHash,
        /// When it was consumed.
        at: UnixTime,
    },
    /// Insert a token. Never overwrites: if a token with the same hash is
    /// stored, or put earlier in the same transaction, the transaction
    /// fails with a permanent [`StoreError`](super::StoreError) and nothing
    /// in it is applied.
    PutToken(TokenRecord),
    /// Mark a refresh token as exchanged for its successor (no effect if
    /// already rotated: `rotated_at` keeps its first time).
    RotateToken {
        /// The token's hash.
        hash: TokenHash,
        /// When it was rotated.
        at: UnixTime,
    },
    /// Revoke one token (no effect if already revoked: `revoked_at` keeps
    /// its first time, as every revoking effect does).
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
    /// children, and so on), leaving `parent` itself as it is; no effect on
    /// descendants already revoked. The refresh tokens among those it
    /// revokes also get `rotated_at` = `at` unless already rotated: a
    /// grace-window retry replaced them, so presenting one later is reuse
    /// (RFC 9700 §4.14.2), not a plain revoked token.
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
    /// record with the same hash, also one put earlier in the same
    /// transaction (handles are fresh 256-bit secrets, so a collision does
    /// not happen in practice; the core never puts one handle twice).
    PutPending(PendingAuthorizationRecord),
    /// Delete the pending authorization with this hash; no effect if there
    /// is none. Paired with [`Precondition::PendingExists`] wherever the
    /// handle must work only once.
    TakePending {
        /// SHA-256 of the handle.
        hash: TokenHash,
    },
    /// Insert a device authorization.
    ///
    /// Never replaces a grant under its **device code**: if one is stored,
    /// or put earlier in the same transaction, the transaction fails with a
    /// permanent [`StoreError`](super::StoreError) and nothing in it is
    /// applied (device codes are fresh 256-bit secrets, as codes are).
    ///
    /// Replaces the grant stored under its **user code**, whatever that
    /// grant's state, which is then gone by its device code too. Always
    /// paired with [`Precondition::UserCodeAvailable`], so that only an
    /// expired grant is replaced; within one transaction a later put under
    /// the same user code replaces an earlier one, as effects apply in
    /// order (the core puts one grant per transaction).
    PutDeviceGrant(DeviceGrantRecord),
    /// Record the user's decision on a pending device authorization: set
    /// `status` (`Approved` or `Denied`), and on approval `subject` and
    /// `granted_scopes`. Paired with [`Precondition::DeviceStatusIs`] `Pending`.
    DecideDevice {
        /// SHA-256 of the device code.
        hash: TokenHash,
        /// `Approved` or `Denied`.
        status: DeviceStatus,
        /// The approving resource owner.
        subject: Option<String>,
        /// The scopes granted.
        granted_scopes: Option<Scopes>,
    },
    /// Record a poll: set `last_poll_at` and the (possibly grown) `interval`.
    RecordDevicePoll {
        /// SHA-256 of the device code.
        hash: TokenHash,
        /// When the device polled.
        at: UnixTime,
        /// The interval from now on.
        interval: u64,
    },
    /// Mark an approved device authorization `Consumed` (tokens issued).
    /// Paired with [`Precondition::DeviceStatusIs`] `Approved`.
    ConsumeDevice {
        /// SHA-256 of the device code.
        hash: TokenHash,
    },
    /// Insert or replace a user account (the host's; the core never makes
    /// this effect). Paired with [`Precondition::AccountAbsent`] to create
    /// and [`Precondition::AccountRevision`] to change. A `subject` that
    /// another account has fails the transaction with a permanent error.
    PutAccount(AccountRecord),
    /// Delete the account with this username; no effect if there is none.
    DeleteAccount {
        /// The username.
        username: String,
    },
    /// Insert or replace a browser session (the host's).
    PutSession(SessionRecord),
    /// Extend a session's `expires_at` to `expires_at` if that is later;
    /// the revision stays (using a session does not change it).
    TouchSession {
        /// SHA-256 of the session id.
        hash: TokenHash,
        /// The new end.
        expires_at: UnixTime,
    },
    /// Delete a session (sign-out, or its id was replaced); no effect if
    /// there is none.
    DeleteSession {
        /// SHA-256 of the session id.
        hash: TokenHash,
    },
    /// Insert a consent, or update a stored one with the same id: its
    /// `scopes` and `last_used_at` are replaced and its `granted_at` kept.
    PutConsent(ConsentRecord),
    /// Delete the consent with this id; no effect if there is none.
    DeleteConsent {
        /// The consent's id.
        id: String,
    },
    /// End everything `subject` granted `client_id`: revoke every token of
    /// that client and subject, mark their unredeemed codes consumed (a
    /// later redemption is then a replay), and deny their approved device
    /// authorizations that no poll has redeemed yet.
    RevokeGrant {
        /// The client.
        client_id: String,
        /// The user.
        subject: String,
        /// The revocation time.
        at: UnixTime,
    },
}

/// A condition the store checks inside the transaction before applying it.
#[expect(
    clippy::exhaustive_enums,
    reason = "a new precondition must break every backend at compile time: one left unchecked would let a replay or a race through"
)]
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
    /// No unexpired device authorization uses this user code: none is
    /// stored under it, or the stored one expired at or before `at`.
    UserCodeAvailable {
        /// SHA-256 of the normalized user code.
        hash: TokenHash,
        /// The current time.
        at: UnixTime,
    },
    /// The device authorization exists and has this status.
    DeviceStatusIs {
        /// SHA-256 of the device code.
        hash: TokenHash,
        /// The status required.
        status: DeviceStatus,
    },
    /// No client with this id exists (registration, admin creation): a
    /// new client never silently replaces another. SQL: the insert's
    /// primary-key check.
    ClientAbsent {
        /// The client id.
        client_id: String,
    },
    /// The client exists and its stored [`ClientRecord::revision`] equals
    /// `revision`: nobody changed or deleted it since it was read. SQL:
    /// `UPDATE … WHERE client_id = ? AND revision = ?` affecting one row.
    ClientRevision {
        /// The client id.
        client_id: String,
        /// The revision that was read.
        revision: u64,
    },
    /// No account has this username (creating one).
    AccountAbsent {
        /// The username.
        username: String,
    },
    /// The account exists and its [`AccountRecord::revision`] equals
    /// `revision`: nobody changed or deleted it since it was read.
    AccountRevision {
        /// The username.
        username: String,
        /// The revision that was read.
        revision: u64,
    },
    /// The session exists and its [`SessionRecord::revision`] equals
    /// `revision`.
    SessionRevision {
        /// SHA-256 of the session id.
        hash: TokenHash,
        /// The revision that was read.
        revision: u64,
    },
}

impl Precondition {
    /// Whether `record` (the current record for this precondition's key, if
    /// any) satisfies it. SQL backends express the same rule in a `WHERE`
    /// clause.
    pub fn holds(&self, record: Option<&Record>) -> bool {
        self.holds_for(record.map(Record::borrowed))
    }

    /// [`Precondition::holds`] on a borrowed record: what a backend that
    /// holds its records in memory checks, without copying the record.
    pub fn holds_for(&self, record: Option<RecordRef<'_>>) -> bool {
        match (self, record) {
            (Self::CodeUnconsumed { hash }, Some(RecordRef::Code(c))) => {
                c.hash == *hash && c.consumed_at.is_none()
            }
            (Self::TokenActive { hash }, Some(RecordRef::Token(t))) => {
                t.hash == *hash && t.rotated_at.is_none() && t.revoked_at.is_none()
            }
            (Self::TokenNotRevoked { hash }, Some(RecordRef::Token(t))) => {
                t.hash == *hash && t.revoked_at.is_none()
            }
            (Self::PendingExists { hash }, Some(RecordRef::Pending(p))) => p.hash == *hash,
            (Self::UserCodeAvailable { .. }, None) => true,
            (Self::UserCodeAvailable { hash, at }, Some(RecordRef::Device(d))) => {
                d.user_code_hash == *hash && d.expires_at <= *at
            }
            (Self::DeviceStatusIs { hash, status }, Some(RecordRef::Device(d))) => {
                d.device_code_hash == *hash && d.status == *status
            }
            (Self::ClientAbsent { client_id }, record) => {
                !matches!(record, Some(RecordRef::Client(c)) if c.client_id == *client_id)
            }
            (Self::ClientRevision { client_id, revision }, Some(RecordRef::Client(c))) => {
                c.client_id == *client_id && c.revision == *revision
            }
            (Self::AccountAbsent { username }, record) => {
                !matches!(record, Some(RecordRef::Account(a)) if a.username == *username)
            }
            (Self::AccountRevision { username, revision }, Some(RecordRef::Account(a))) => {
                a.username == *username && a.revision == *revision
            }
            (Self::SessionRevision { hash, revision }, Some(RecordRef::Session(s))) => {
                s.hash == *hash && s.revision == *revision
            }
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
            Self::UserCodeAvailable { hash, .. } => super::Query::UserCode { hash: *hash },
            Self::DeviceStatusIs { hash, .. } => super::Query::DeviceCode { hash: *hash },
            Self::ClientAbsent { client_id } | Self::ClientRevision { client_id, .. } => {
                super::Query::Client { client_id: client_id.clone() }
            }
            Self::AccountAbsent { username } | Self::AccountRevision { username, .. } => {
                super::Query::Account { username: username.clone() }
            }
            Self::SessionRevision { hash, .. } => super::Query::Session { hash: *hash },
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
#[expect(
    clippy::exhaustive_enums,
    reason = "a commit either applied or conflicted: a third outcome would change what every driver does with a commit"
)]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_preconditions_hold_as_documented() {
        let client = |revision| {
            let mut c = ClientRecord::public("c");
            c.revision = revision;
            Record::Client(c)
        };
        let absent = Precondition::ClientAbsent { client_id: "c".into() };
        assert!(absent.holds(None));
        assert!(!absent.holds(Some(&client(0))));
        let at_3 = Precondition::ClientRevision { client_id: "c".into(), revision: 3 };
        assert!(at_3.holds(Some(&client(3))));
        assert!(!at_3.holds(Some(&client(4))));
        assert!(!at_3.holds(None));
        let other = Precondition::ClientRevision { client_id: "d".into(), revision: 3 };
        assert!(!other.holds(Some(&client(3))));
        assert_eq!(at_3.subject(), super::super::Query::Client { client_id: "c".into() });
        assert_eq!(absent.subject(), super::super::Query::Client { client_id: "c".into() });
    }
}
