//! Maintenance: deleting what has expired.
//!
//! The contract keeps consumed codes and rotated or revoked tokens until
//! they expire, so a replay is detected rather than merely refused. Once
//! `expires_at <= now` a record can no longer be redeemed, refreshed,
//! introspected as active, taken or polled, and [`statements`] deletes it
//! (an expired user code is free for reuse either way). Audit events are
//! never purged here: their retention is the host's policy.

use super::Statement;
use super::columns::time;
use crate::UnixTime;
use crate::store::StoreError;

const CODES: &str = "DELETE FROM codes WHERE expires_at <= ?1";
const TOKENS: &str = "DELETE FROM tokens WHERE expires_at <= ?1";
const PENDING: &str = "DELETE FROM pending_authorizations WHERE expires_at <= ?1";
const DEVICE_GRANTS: &str = "DELETE FROM device_grants WHERE expires_at <= ?1";
const SESSIONS: &str = "DELETE FROM sessions WHERE expires_at <= ?1";

/// How many records a purge deleted, per kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Purged {
    /// Authorization codes (consumed or not) past their expiry.
    pub codes: u64,
    /// Access and refresh tokens (in any state) past their expiry.
    pub tokens: u64,
    /// Pending authorizations (pushed or awaiting a decision) past their expiry.
    pub pending: u64,
    /// Device authorizations (in any status) past their expiry.
    pub device_grants: u64,
    /// Browser sessions past their expiry.
    pub sessions: u64,
}

/// Picks the field of [`Purged`] a delete's row count goes to.
pub(crate) type Counter = fn(&mut Purged) -> &mut u64;

/// The deletes of one purge at `now`, each with the counter its row count
/// goes to. Run them in one transaction.
pub(crate) fn statements(now: UnixTime) -> Result<Vec<(Statement, Counter)>, StoreError> {
    let at = time(now)?;
    Ok(vec![
        (Statement::new(CODES, vec![at.clone()]), |p| &mut p.codes),
        (Statement::new(TOKENS, vec![at.clone()]), |p| &mut p.tokens),
        (Statement::new(PENDING, vec![at.clone()]), |p| &mut p.pending),
        (Statement::new(DEVICE_GRANTS, vec![at.clone()]), |p| &mut p.device_grants),
        (Statement::new(SESSIONS, vec![at]), |p| &mut p.sessions),
    ])
}
