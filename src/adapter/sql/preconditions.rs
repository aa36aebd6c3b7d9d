//! Each [`Precondition`] as a `SELECT` that returns a row exactly when it
//! holds.
//!
//! The engines run it inside the write transaction, before any effect:
//! SQLite under `BEGIN IMMEDIATE` (no other writer can change the row
//! until commit), PostgreSQL with `FOR UPDATE` appended when the check
//! reads the row it is about (the row stays locked until commit, and a
//! concurrent writer that changed it first makes the check re-read the new
//! row and return nothing). No row means the transaction is rolled back
//! and reported as a conflict, with the record found under
//! [`Precondition::subject`].
//!
//! A check that a key is free (`UserCodeAvailable`, `ClientAbsent`) has
//! no row to lock, and a client's revision is protected without locking
//! its row: on PostgreSQL those take a key lock first
//! ([`super::locks::for_precondition`]), and the check reads the row
//! afterwards, in a statement of its own, so it sees whatever the previous
//! holder of the key committed. The unique indexes behind the free keys
//! stay the last line.

use super::Statement;
use super::columns::{count, text, time, token_hash};
use crate::store::{Precondition, StoreError};

/// A precondition's check, and whether PostgreSQL locks the row it reads
/// (SQLite's `BEGIN IMMEDIATE` already excludes every other writer).
pub(crate) struct Check {
    pub(crate) statement: Statement,
    /// `FOR UPDATE` is appended: the row stays locked until commit.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) lock_row: bool,
}

const CODE_UNCONSUMED: &str = "SELECT 1 FROM codes WHERE hash = ?1 AND consumed_at IS NULL";

const TOKEN_ACTIVE: &str =
    "SELECT 1 FROM tokens WHERE hash = ?1 AND rotated_at IS NULL AND revoked_at IS NULL";

const TOKEN_NOT_REVOKED: &str = "SELECT 1 FROM tokens WHERE hash = ?1 AND revoked_at IS NULL";

const PENDING_EXISTS: &str = "SELECT 1 FROM pending_authorizations WHERE hash = ?1";

/// Available: no grant under the user code, or only one that expired.
const USER_CODE_AVAILABLE: &str = "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM device_grants \
     WHERE user_code_hash = ?1 AND expires_at > ?2)";

const DEVICE_STATUS_IS: &str =
    "SELECT 1 FROM device_grants WHERE device_code_hash = ?1 AND status = ?2";

const CLIENT_ABSENT: &str =
    "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM clients WHERE client_id = ?1)";

const CLIENT_REVISION: &str = "SELECT 1 FROM clients WHERE client_id = ?1 AND revision = ?2";

const ACCOUNT_ABSENT: &str =
    "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE username = ?1)";

const ACCOUNT_REVISION: &str = "SELECT 1 FROM accounts WHERE username = ?1 AND revision = ?2";

const SESSION_REVISION: &str = "SELECT 1 FROM sessions WHERE hash = ?1 AND revision = ?2";

/// The check for `precondition`: it holds iff the statement returns a row.
/// Fails only on values SQL cannot hold.
pub(crate) fn check(precondition: &Precondition) -> Result<Check, StoreError> {
    let row = |sql, params| Ok(Check { statement: Statement::new(sql, params), lock_row: true });
    let keyed = |sql, params| Ok(Check { statement: Statement::new(sql, params), lock_row: false });
    match precondition {
        Precondition::CodeUnconsumed { hash } => row(CODE_UNCONSUMED, vec![token_hash(hash)]),
        Precondition::TokenActive { hash } => row(TOKEN_ACTIVE, vec![token_hash(hash)]),
        Precondition::TokenNotRevoked { hash } => row(TOKEN_NOT_REVOKED, vec![token_hash(hash)]),
        Precondition::PendingExists { hash } => row(PENDING_EXISTS, vec![token_hash(hash)]),
        Precondition::UserCodeAvailable { hash, at } => {
            keyed(USER_CODE_AVAILABLE, vec![token_hash(hash), time(*at)?])
        }
        Precondition::DeviceStatusIs { hash, status } => {
            row(DEVICE_STATUS_IS, vec![token_hash(hash), text(status.as_str())])
        }
        Precondition::ClientAbsent { client_id } => keyed(CLIENT_ABSENT, vec![text(client_id)]),
        Precondition::ClientRevision { client_id, revision } => {
            keyed(CLIENT_REVISION, vec![text(client_id), count(*revision, "revision")?])
        }
        Precondition::AccountAbsent { username } => keyed(ACCOUNT_ABSENT, vec![text(username)]),
        Precondition::AccountRevision { username, revision } => {
            row(ACCOUNT_REVISION, vec![text(username), count(*revision, "revision")?])
        }
        Precondition::SessionRevision { hash, revision } => {
            row(SESSION_REVISION, vec![token_hash(hash), count(*revision, "revision")?])
        }
    }
}
