//! The keys a PostgreSQL transaction locks before it touches a row, and
//! the one order every transaction takes its locks in. (SQLite needs none
//! of this: its single writer excludes every other writer.)
//!
//! # The lock order
//!
//! Every transaction, whatever it does:
//!
//! 1. **Key locks first, all in one statement, in ascending order of their
//!    64-bit lock ids** (`pg_advisory_xact_lock` / `…_shared` on
//!    `hashtextextended(key, 0)`, held until the transaction ends):
//!    * the **client** key `qscope client {id}` — *shared* for a
//!      transaction that only depends on the client
//!      ([`Precondition::ClientRevision`] while issuing a token: concurrent
//!      issues for one client do not wait for each other), *exclusive* for
//!      one that claims or changes it (`ClientAbsent`, `PutClient`,
//!      `DeleteClient`: it waits for the issues in flight, and later ones
//!      wait for it and then see the new revision);
//!    * the **FIFO owner** keys of the trims
//!      ([`Effect::RevokeOldest`]), exclusive: two issues for one owner
//!      trim one after the other, each seeing the other's token. Only a
//!      transaction that trims takes them, so only owners that a limit
//!      applies to are serialized;
//!    * the **family** key of a family revocation ([`Effect::RevokeFamily`])
//!      — the same key as a trim by that family, so the two never lock
//!      that family's token rows in opposite orders;
//!    * the **user code** key of a device-code claim
//!      ([`Precondition::UserCodeAvailable`]), exclusive;
//!    * the **account** key `qscope account {username}` of a transaction
//!      that claims or writes an account ([`Precondition::AccountAbsent`],
//!      [`Effect::PutAccount`], [`Effect::DeleteAccount`]), exclusive.
//!
//!    A grant's revocation ([`Effect::RevokeGrant`]) takes its client's key
//!    exclusively, like a client's deletion: it revokes tokens of many
//!    families, so it must not run beside an issue or rotation for that
//!    client (which hold the key shared, and lock a token row before the
//!    rows of its family they trim).
//! 2. **Then the rows the preconditions check**, `SELECT … FOR UPDATE`, in
//!    the transaction's order (a code, a refresh token, a device grant, a
//!    pending authorization).
//! 3. **Then the rows the effects write**, as their statements find them.
//!
//! Why this cannot deadlock:
//!
//! * No transaction takes a key lock after a row lock, so one waiting for
//!   a key holds no row, and a wait for a key never closes a cycle; keys
//!   are taken in one global order (their lock ids), so they form no
//!   cycle among themselves.
//! * That leaves row locks. The rows a trim revokes are its owner's, and
//!   any two transactions whose trims can revoke the same row trim a
//!   common owner — the same client, client and subject, or family, as
//!   every node runs one configuration — so they hold that owner's key
//!   and never run at the same time. That includes the refresh token a
//!   rotation locks for its precondition: whoever could trim it trims the
//!   rotation's own owners. A family revocation takes its family's key;
//!   a client's deletion takes the client's key exclusively, so it never
//!   runs beside an issue or a trim of that client. What remains are
//!   single statements that revoke many tokens of different groupings (a
//!   family revocation beside a client deletion), which both find their
//!   rows in index order.
//!
//! The contract check `store::contract::fifo_mix` runs the mix that broke
//! an earlier order (code exchanges and rotations under all three limits)
//! and fails on a single transient failure.

use crate::store::{Effect, Precondition, TokenOwner};

/// A transaction-scoped advisory lock on a text key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KeyLock {
    /// The key; PostgreSQL locks `hashtextextended(key, 0)`.
    pub(crate) key: String,
    /// Shared (many holders at once) or exclusive.
    pub(crate) shared: bool,
}

impl KeyLock {
    fn exclusive(key: String) -> Self {
        Self { key, shared: false }
    }
}

/// The key of client `client_id`: shared to depend on it, exclusive to
/// claim or change it.
pub(crate) fn client(client_id: &str, shared: bool) -> KeyLock {
    KeyLock { key: format!("qscope client {client_id}"), shared }
}

/// The key of the account `username`, exclusive.
pub(crate) fn account(username: &str) -> KeyLock {
    KeyLock::exclusive(format!("qscope account {username}"))
}

/// The key of the user code `hash` (a device grant's claim), exclusive.
pub(crate) fn user_code(hash_text: &str) -> KeyLock {
    KeyLock::exclusive(format!("qscope user code {hash_text}"))
}

/// The key lock a precondition needs instead of (or before) a row lock,
/// if any. A check that a key is free has no row to lock; a client's
/// revision is protected by the client key.
pub(crate) fn for_precondition(precondition: &Precondition) -> Option<KeyLock> {
    match precondition {
        Precondition::UserCodeAvailable { hash, .. } => Some(user_code(&hash.to_text())),
        Precondition::ClientAbsent { client_id } => Some(client(client_id, false)),
        Precondition::ClientRevision { client_id, .. } => Some(client(client_id, true)),
        Precondition::AccountAbsent { username } => Some(account(username)),
        Precondition::AccountRevision { .. }
        | Precondition::SessionRevision { .. }
        | Precondition::CodeUnconsumed { .. }
        | Precondition::TokenActive { .. }
        | Precondition::TokenNotRevoked { .. }
        | Precondition::PendingExists { .. }
        | Precondition::DeviceStatusIs { .. } => None,
    }
}

/// The key lock an effect needs before any row is locked, if any.
///
/// A FIFO trim counts the owner's live tokens, and at READ COMMITTED it
/// would not see a token that a concurrent issue for the same owner has
/// inserted but not committed, so each could keep its own `keep` newest
/// and together leave more live: the owner's key makes the second trim
/// wait for the first commit and then see its token. Keys name the token
/// kind and the owner exactly (a family's key covers every kind, so a
/// family revocation shares it).
pub(crate) fn for_effect(effect: &Effect) -> Option<KeyLock> {
    match effect {
        Effect::PutClient(client_record) => Some(client(&client_record.client_id, false)),
        Effect::DeleteClient { client_id, .. } => Some(client(client_id, false)),
        Effect::RevokeOldest { kind, owner, .. } => {
            let kind = kind.as_str();
            Some(KeyLock::exclusive(match owner {
                TokenOwner::Client { client_id } => {
                    format!("qscope fifo {kind} client {client_id}")
                }
                TokenOwner::ClientSubject { client_id, subject } => {
                    format!(
                        "qscope fifo {kind} subject {} {client_id} {subject:?}",
                        client_id.len()
                    )
                }
                TokenOwner::Family { family } => family_key(&family.to_text()),
            }))
        }
        Effect::RevokeFamily { family, .. } => {
            Some(KeyLock::exclusive(family_key(&family.to_text())))
        }
        Effect::RevokeGrant { client_id, .. } => Some(client(client_id, false)),
        Effect::PutAccount(account_record) => Some(account(&account_record.username)),
        Effect::DeleteAccount { username } => Some(account(username)),
        Effect::PutSession(_)
        | Effect::TouchSession { .. }
        | Effect::DeleteSession { .. }
        | Effect::PutConsent(_)
        | Effect::DeleteConsent { .. }
        | Effect::PutCode(_)
        | Effect::ConsumeCode { .. }
        | Effect::PutToken(_)
        | Effect::RotateToken { .. }
        | Effect::RevokeToken { .. }
        | Effect::RevokeDescendants { .. }
        | Effect::AppendAudit(_)
        | Effect::PutPending(_)
        | Effect::TakePending { .. }
        | Effect::PutDeviceGrant(_)
        | Effect::DecideDevice { .. }
        | Effect::RecordDevicePoll { .. }
        | Effect::ConsumeDevice { .. } => None,
    }
}

fn family_key(family_text: &str) -> String {
    format!("qscope fifo family {family_text}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UnixTime;
    use crate::store::{ClientRecord, FamilyId, TokenKind};

    #[test]
    fn issuing_shares_the_client_and_changing_it_excludes() {
        let check = Precondition::ClientRevision { client_id: "c".into(), revision: 1 };
        assert_eq!(for_precondition(&check), Some(client("c", true)));
        let claim = Precondition::ClientAbsent { client_id: "c".into() };
        assert_eq!(for_precondition(&claim), Some(client("c", false)));
        let put = Effect::PutClient(ClientRecord::public("c"));
        assert_eq!(for_effect(&put), Some(client("c", false)));
        let delete = Effect::DeleteClient { client_id: "c".into(), at: UnixTime::from_secs(1) };
        assert_eq!(for_effect(&delete), Some(client("c", false)));
    }

    #[test]
    fn a_family_revocation_shares_the_key_of_its_trims() {
        let family = FamilyId::from_bytes([7; 16]);
        let at = UnixTime::from_secs(1);
        let owner = TokenOwner::Family { family };
        let trim = Effect::RevokeOldest { kind: TokenKind::Access, owner, keep: 2, at };
        let revoke = Effect::RevokeFamily { family, at };
        assert_eq!(for_effect(&trim), for_effect(&revoke));
        assert!(for_effect(&trim).is_some_and(|lock| !lock.shared));
    }

    #[test]
    fn owner_keys_name_kind_and_owner_exactly() {
        let at = UnixTime::from_secs(1);
        let trim = |kind, owner| for_effect(&Effect::RevokeOldest { kind, owner, keep: 1, at });
        let client = TokenOwner::Client { client_id: "a b".into() };
        let subject =
            TokenOwner::ClientSubject { client_id: "a".into(), subject: Some("b".into()) };
        let no_subject = TokenOwner::ClientSubject { client_id: "a".into(), subject: None };
        let keys = [
            trim(TokenKind::Refresh, client.clone()),
            trim(TokenKind::Access, client),
            trim(TokenKind::Refresh, subject),
            trim(TokenKind::Refresh, no_subject),
        ];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
