//! Consents: which user allowed which client which scopes, recorded by the
//! host when the user approves on its consent or device page, so that an
//! administrator can list them and revoke one (with every token under it:
//! [`Effect::RevokeGrant`](super::Effect::RevokeGrant)).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Scopes, UnixTime};

/// One user's consent to one client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    /// The consent's id, [`ConsentRecord::id_of`] its subject and client.
    pub id: String,
    /// The user who consented.
    pub subject: String,
    /// The client consented to.
    pub client_id: String,
    /// The scopes allowed.
    pub scopes: Scopes,
    /// When the user first consented; kept when the consent is put again.
    pub granted_at: UnixTime,
    /// When the user last consented.
    pub last_used_at: UnixTime,
}

impl ConsentRecord {
    /// The id of `subject`'s consent to `client_id`: 16 lowercase hex
    /// digits of a SHA-256 over both, so one user and client always have
    /// the same id.
    pub fn id_of(subject: &str, client_id: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"qscope.consent.v1\0");
        hasher.update((subject.len() as u64).to_be_bytes());
        hasher.update(subject.as_bytes());
        hasher.update(client_id.as_bytes());
        hasher.finalize()[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}
