//! User accounts: the records a host keeps for the people who sign in.
//!
//! The core never reads them: it asks [`Query::User`](super::Query::User)
//! ("do these credentials belong to a user?") and the host answers it by
//! reading the account and checking the password itself, with a slow
//! password hash. The store keeps the hash as the host wrote it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::UnixTime;

/// A password hash as the host wrote it (for qscope's server, an argon2id
/// string in the PHC format). Never a password; `Debug` does not print it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a hash.
    pub fn new(hash: impl Into<String>) -> Self {
        Self(hash.into())
    }

    /// The hash, for the host's check.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

/// A user who can sign in, keyed by `username`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRecord {
    /// What the user types to sign in; unique.
    pub username: String,
    /// The subject tokens are issued for; unique among accounts.
    pub subject: String,
    /// The password's hash.
    pub password_hash: PasswordHash,
    /// A disabled user cannot sign in or use the password grant.
    pub disabled: bool,
    /// When the account was created.
    pub created_at: UnixTime,
    /// When it last changed.
    pub updated_at: UnixTime,
    /// Incremented by every change; a change is committed under
    /// [`Precondition::AccountRevision`](super::Precondition::AccountRevision)
    /// so that two concurrent changes cannot both apply.
    pub revision: u64,
}
