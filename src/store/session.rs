//! Browser sessions: the records a host keeps for the browsers that sign
//! in, so that any number of servers on one database can serve one
//! browser's sign-in on one node and its consent on another.
//!
//! A session is stored under the SHA-256 of its id (the id itself is only
//! in the browser's cookie). The authorization requests waiting in it for
//! the user's consent are kept with what the consent page shows, and with
//! the core's interaction handle sealed by the host (see the host's
//! session module), never in clear.
//!
//! The host writes these with [`Effect::PutSession`](super::Effect::PutSession)
//! and reads them with [`Query::Session`](super::Query::Session); the core
//! never does.

use serde::{Deserialize, Serialize};

use crate::UnixTime;
use crate::secret::TokenHash;

/// One browser's session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// SHA-256 of the session id.
    pub hash: TokenHash,
    /// The signed-in user's name, if any.
    pub username: Option<String>,
    /// The signed-in user's subject, if any.
    pub subject: Option<String>,
    /// Authorization requests waiting for this user's consent, oldest first.
    pub pending: Vec<SessionEntry>,
    /// When the session was created.
    pub created_at: UnixTime,
    /// When it ends unless used again; a backend may delete it after that.
    pub expires_at: UnixTime,
    /// Incremented by every change of the record (not by
    /// [`Effect::TouchSession`](super::Effect::TouchSession)); changes are
    /// committed under [`Precondition::SessionRevision`](super::Precondition::SessionRevision).
    pub revision: u64,
}

/// An authorization request waiting in a session for consent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionEntry {
    /// SHA-256 of the key the consent page names the request by.
    pub key_hash: TokenHash,
    /// The core's interaction handle, sealed by the host (base64url).
    pub sealed_handle: String,
    /// The client that asked.
    pub client_id: String,
    /// The client's name, as the consent page shows it.
    pub client_name: Option<String>,
    /// The client's home page, if registered.
    pub client_uri: Option<String>,
    /// The client's logo, if registered (absent in sessions stored before
    /// it was kept).
    #[serde(default)]
    pub logo_uri: Option<String>,
    /// Whether the client registered itself (its name and home page are
    /// then its own claims), rather than an administrator.
    pub self_registered: bool,
    /// Where the browser goes afterwards.
    pub redirect_uri: String,
    /// The scopes asked for, with what the consent page says of each.
    pub scopes: Vec<ShownScope>,
    /// Whether the request arrived as a pushed authorization request.
    pub pushed: bool,
    /// When the core forgets the request.
    pub expires_at: UnixTime,
}

/// A scope as a consent page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownScope {
    /// The scope token.
    pub name: String,
    /// What it allows, when the server describes it.
    pub description: Option<String>,
}
