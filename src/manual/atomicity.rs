//! # The storage atomicity contract
//!
//! Single-use rules are enforced by the store, inside one transaction, not
//! by the core's earlier read. The read may be stale; the commit is not.
//!
//! * **Preconditions first.** Check every
//!   [`Precondition`](crate::store::Precondition) inside the transaction.
//!   If one fails, apply nothing and answer
//!   [`Outcome::Conflict`](crate::store::Outcome::Conflict) with that
//!   precondition and the record currently stored under its key.
//! * **All or nothing.** Apply the effects in order in the same
//!   transaction. A backend that cannot make that promise must report a
//!   failure, never a partial success.
//! * **Isolation.** Two transactions whose preconditions touch the same
//!   code, token or pending authorization must serialize: with SQL, a conditional
//!   `UPDATE … WHERE consumed_at IS NULL` checked by its row count, inside
//!   an `IMMEDIATE` (SQLite) or row-locking (PostgreSQL) transaction.
//!   [`Precondition::PendingExists`](crate::store::Precondition::PendingExists)
//!   with [`Effect::TakePending`](crate::store::Effect::TakePending) is a
//!   `DELETE … WHERE hash = ?` whose row count must be 1.
//! * **Keep what was used.** Consumed codes and rotated or revoked tokens
//!   stay stored until they expire, so a replay is recognised and its
//!   family revoked rather than merely refused.
//! * **FIFO order.** [`Effect::RevokeOldest`](crate::store::Effect::RevokeOldest)
//!   orders by `issued_at`, ties by insertion order, and must see every
//!   token of its owner that a concurrent transaction inserted: trims of
//!   one owner serialize (SQLite's single writer; an advisory lock on the
//!   owner in PostgreSQL), or two issues committing at once each keep their
//!   own newest and together exceed the limit.
//! * **First marks stay.** Consuming, rotating or revoking what is already
//!   consumed, rotated or revoked changes nothing: `consumed_at`,
//!   `rotated_at` and `revoked_at` keep the time they were first set.
//! * **Secrets are never overwritten.** A
//!   [`PutCode`](crate::store::Effect::PutCode),
//!   [`PutToken`](crate::store::Effect::PutToken) or
//!   [`PutDeviceGrant`](crate::store::Effect::PutDeviceGrant) of a hash (a
//!   device grant's device code) that is stored, or put earlier in the same
//!   transaction, fails the transaction with a permanent error. A device
//!   grant does replace the grant stored under its user code (an expired
//!   one, under its `UserCodeAvailable` precondition); clients and pending
//!   authorizations are replaced by a put of their key.
//!
//! With these rules, two concurrent redemptions of one authorization code
//! yield exactly one token response on any backend: the second commit
//! finds the code consumed, and the core answers `invalid_grant` after
//! revoking the family the first one created.
