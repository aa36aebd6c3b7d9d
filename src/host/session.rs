//! Browser sessions, kept in the store so that every server on one
//! database serves one browser (a sign-in on one node, the consent on
//! another): a random id in a cookie, its SHA-256 the key of the
//! [`SessionRecord`]; the id itself is never stored.
//!
//! A session holds the signed-in user and the authorization requests
//! waiting for this browser's consent. The core's `InteractionHandle` of a
//! waiting request is stored sealed ([`seal`]) with the random key the
//! consent page names the request by, which is stored only as a hash: the
//! database holds no usable handle, and the key is useless without the
//! session's cookie (the request is found in that session only). The
//! CSRF token of a session's forms is derived from its id (nothing to
//! store, and useless without the cookie it comes from).
//!
//! A session is created only when there is something to keep: an
//! authorization request waiting for this browser to sign in
//! (`host::core`), or a user who signed in. A visitor who only looks at the
//! sign-in form gets its CSRF token in a cookie of its own, repeated in the
//! form (a double-submit token, nothing kept). A session waiting for a
//! sign-in lives for the sign-in timeout (at most the core's interaction
//! lifetime), a signed-in one for the idle timeout after its last use; the
//! store's purge removes expired ones (`maintenance` runs it on a timer).
//! Signing in replaces the session's id (an id planted before sign-in is
//! worthless); signing out deletes the session.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use http::HeaderValue;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::host::database::Database;
use crate::host::users;
use crate::store::Registrant;
use crate::store::{
    AsyncStore, Effect, Outcome, Precondition, Query, Record, SessionEntry, SessionRecord,
    ShownScope, StoreError, Transaction, UserRecord,
};
use crate::{Interaction, InteractionHandle, RequestedScope, Seconds, UnixTime};

/// The most authorization requests one session keeps waiting.
const MAX_PENDING: usize = 8;
/// How often a change to a session is retried when another request (on
/// this node or another) changed it first.
const RETRIES: usize = 4;

/// One browser's session, as read.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    id: SessionId,
    record: SessionRecord,
}

impl Session {
    /// The signed-in user's subject (the token subject), if any.
    pub(crate) fn user(&self) -> Option<&str> {
        self.record.subject.as_deref()
    }

    /// The signed-in user's name, for the pages.
    pub(crate) fn username(&self) -> Option<&str> {
        self.record.username.as_deref()
    }

    /// The token every form of this session must carry.
    pub(crate) fn csrf(&self) -> String {
        csrf_of(&self.id)
    }

    /// Whether `presented` is this session's CSRF token (constant time).
    pub(crate) fn csrf_matches(&self, presented: &str) -> bool {
        bool::from(self.csrf().as_bytes().ct_eq(presented.as_bytes()))
    }

    /// Keeps `interaction` waiting under a fresh key, which it returns; the
    /// oldest request goes when [`MAX_PENDING`] are waiting.
    fn add_pending(&mut self, interaction: &Interaction) -> String {
        let key = crate::host::random::token();
        if self.record.pending.len() >= MAX_PENDING {
            self.record.pending.remove(0);
        }
        self.record.pending.push(SessionEntry {
            key_hash: crate::store::TokenHash::of(&key),
            sealed_handle: seal(&key, interaction.handle.expose()),
            client_id: interaction.client_id.clone(),
            client_name: interaction.client_name.clone(),
            client_uri: interaction.client_uri.clone(),
            logo_uri: interaction.logo_uri.clone(),
            self_registered: interaction.registrant == Registrant::SelfRegistered,
            redirect_uri: interaction.redirect_uri.clone(),
            scopes: interaction
                .scopes
                .iter()
                .map(|s| ShownScope { name: s.name.clone(), description: s.description.clone() })
                .collect(),
            pushed: interaction.pushed,
            expires_at: interaction.expires_at,
        });
        key
    }

    fn position(&self, key: &str) -> Option<usize> {
        let hash = crate::store::TokenHash::of(key);
        self.record.pending.iter().position(|entry| entry.key_hash == hash)
    }

    /// The request waiting under `key`.
    pub(crate) fn pending(&self, key: &str) -> Option<Interaction> {
        let entry = &self.record.pending[self.position(key)?];
        interaction(key, entry)
    }

    /// Removes and returns the request waiting under `key`.
    fn take_pending(&mut self, key: &str) -> Option<Interaction> {
        let entry = self.record.pending.remove(self.position(key)?);
        interaction(key, &entry)
    }
}

/// The interaction `entry` describes, its handle unsealed with `key`.
fn interaction(key: &str, entry: &SessionEntry) -> Option<Interaction> {
    Some(Interaction {
        handle: InteractionHandle::new(unseal(key, &entry.sealed_handle)?),
        client_id: entry.client_id.clone(),
        client_name: entry.client_name.clone(),
        client_uri: entry.client_uri.clone(),
        logo_uri: entry.logo_uri.clone(),
        registrant: if entry.self_registered {
            Registrant::SelfRegistered
        } else {
            Registrant::Administrator
        },
        scopes: entry
            .scopes
            .iter()
            .map(|s| RequestedScope { name: s.name.clone(), description: s.description.clone() })
            .collect(),
        redirect_uri: entry.redirect_uri.clone(),
        pushed: entry.pushed,
        expires_at: entry.expires_at,
    })
}

/// A session id, as sent in the cookie.
#[derive(Clone)]
pub(crate) struct SessionId(String);

impl std::fmt::Debug for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionId(<redacted>)")
    }
}

impl SessionId {
    fn fresh() -> Self {
        Self(crate::host::random::token())
    }

    fn hash(&self) -> crate::store::TokenHash {
        crate::store::TokenHash::of(&self.0)
    }
}

/// HMAC-SHA-256 keyed with `key`, over a label and `parts`.
fn prf(key: &str, label: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(label);
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// The CSRF token of the session `id`.
fn csrf_of(id: &SessionId) -> String {
    URL_SAFE_NO_PAD.encode(prf(&id.0, b"qscope.session.csrf.v1", &[]))
}

/// `handle` XOR a key stream of HMAC-SHA-256 blocks keyed by the
/// request's random `key` (256 bits) over a block counter, base64url. Each
/// request has its own key, so no stream is used twice; the store keeps
/// only the key's hash, so the stored value says nothing about the handle.
/// A value altered in the database unseals to a handle the core does not
/// know.
fn seal(key: &str, handle: &str) -> String {
    URL_SAFE_NO_PAD.encode(xor_stream(key, handle.as_bytes()))
}

/// The handle [`seal`] sealed, if `sealed` is well formed.
fn unseal(key: &str, sealed: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    String::from_utf8(xor_stream(key, &bytes)).ok()
}

fn xor_stream(key: &str, data: &[u8]) -> Vec<u8> {
    data.chunks(32)
        .enumerate()
        .flat_map(|(block, chunk)| {
            let counter = (block as u64).to_be_bytes();
            let pad = prf(key, b"qscope.session.seal.v1", &[&counter]);
            chunk.iter().zip(pad).map(|(byte, pad)| byte ^ pad).collect::<Vec<_>>()
        })
        .collect()
}

/// The value in `headers`' `Cookie` headers of the cookie `name`.
fn cookie_value(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_owned())
}

/// Whether `value` is one of our tokens (43 base64url characters).
fn well_formed(value: &str) -> bool {
    value.len() == 43 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Every browser's session, in the store.
pub(crate) struct Sessions {
    store: Database,
    cookie_name: &'static str,
    login_cookie_name: &'static str,
    secure: bool,
    sign_in_timeout: Duration,
    idle_timeout: Duration,
}

fn seconds(duration: Duration) -> Seconds {
    Seconds::new(duration.as_secs().max(1))
}

impl Sessions {
    /// Sessions in `store` whose cookies are `Secure` (and `__Host-`
    /// prefixed) when `secure` (an https issuer); one waiting for a
    /// sign-in lives for `sign_in_timeout`, a signed-in one for
    /// `idle_timeout` after its last use.
    pub(crate) fn new(
        store: Database,
        secure: bool,
        sign_in_timeout: Duration,
        idle_timeout: Duration,
    ) -> Self {
        let (cookie_name, login_cookie_name) = if secure {
            ("__Host-qscope-session", "__Host-qscope-login")
        } else {
            ("qscope-session", "qscope-login")
        };
        Self { store, cookie_name, login_cookie_name, secure, sign_in_timeout, idle_timeout }
    }

    /// How long `record` lives from its last use.
    fn lifetime(&self, record: &SessionRecord) -> Seconds {
        seconds(if record.subject.is_some() { self.idle_timeout } else { self.sign_in_timeout })
    }

    async fn read(&self, id: &SessionId, now: UnixTime) -> Result<Option<Session>, StoreError> {
        let answers = self.store.read(&[Query::Session { hash: id.hash() }]).await?;
        let record = answers.as_slice().iter().find_map(|answer| match &answer.record {
            Some(Record::Session(record)) => Some(record.clone()),
            _ => None,
        });
        let Some(record) = record.filter(|record| now < record.expires_at) else {
            return Ok(None);
        };
        if let Some(username) = &record.username
            && !users::may_act(&self.store, username, record.subject.as_deref()).await?
        {
            // The account was disabled, deleted or given to another
            // subject since the sign-in: the session ends here.
            let end = Effect::DeleteSession { hash: id.hash() };
            if let Err(error) = self.store.apply(&Transaction::unconditional(vec![end])).await {
                tracing::warn!(%error, "could not end the session of a disabled user");
            }
            return Ok(None);
        }
        Ok(Some(Session { id: id.clone(), record }))
    }

    /// The live session the request's cookie names, its life extended;
    /// `None` without one, or when the store cannot be read (logged).
    pub(crate) async fn find(
        &self,
        headers: &http::HeaderMap,
        now: UnixTime,
    ) -> Option<(SessionId, Session)> {
        let id = SessionId(cookie_value(headers, self.cookie_name)?);
        if !well_formed(&id.0) {
            return None;
        }
        let session = match self.read(&id, now).await {
            Ok(session) => session?,
            Err(error) => {
                tracing::warn!(%error, "could not read a session");
                return None;
            }
        };
        let expires_at = now.after(self.lifetime(&session.record));
        // Extending by less than a minute is not worth a write.
        if expires_at > session.record.expires_at.after(Seconds::new(60)) {
            let touch = Effect::TouchSession { hash: id.hash(), expires_at };
            if let Err(error) = self.store.apply(&Transaction::unconditional(vec![touch])).await {
                tracing::warn!(%error, "could not extend a session");
            }
        }
        Some((id, session))
    }

    /// A new anonymous session waiting for a sign-in, with `interaction`
    /// waiting in it; the session and the request's key.
    pub(crate) async fn create_with(
        &self,
        interaction: &Interaction,
        now: UnixTime,
    ) -> Result<(SessionId, String), StoreError> {
        let id = SessionId::fresh();
        let mut session = Session {
            id: id.clone(),
            record: SessionRecord {
                hash: id.hash(),
                username: None,
                subject: None,
                pending: Vec::new(),
                created_at: now,
                expires_at: now.after(seconds(self.sign_in_timeout)),
                revision: 1,
            },
        };
        let key = session.add_pending(interaction);
        let put = Effect::PutSession(session.record);
        match self.store.apply(&Transaction::unconditional(vec![put])).await? {
            Outcome::Applied => Ok((id, key)),
            Outcome::Conflict { .. } => {
                Err(StoreError::permanent("a transaction without preconditions conflicted"))
            }
        }
    }

    /// Runs `change` on the live session `id` and stores the result, under
    /// its revision (read again and retried when another request changed it
    /// first); `None` if the session is gone.
    async fn update<T>(
        &self,
        id: &SessionId,
        now: UnixTime,
        change: impl Fn(&mut Session) -> T,
    ) -> Result<Option<T>, StoreError> {
        for _ in 0..RETRIES {
            let Some(mut session) = self.read(id, now).await? else {
                return Ok(None);
            };
            let read = session.record.revision;
            let out = change(&mut session);
            session.record.revision = read + 1;
            let transaction = Transaction {
                preconditions: vec![Precondition::SessionRevision {
                    hash: id.hash(),
                    revision: read,
                }],
                effects: vec![Effect::PutSession(session.record)],
            };
            if self.store.apply(&transaction).await? == Outcome::Applied {
                return Ok(Some(out));
            }
        }
        Err(StoreError::transient("a session kept changing; retry"))
    }

    /// Keeps `interaction` waiting in the session `id`; its key, and
    /// whether a user is signed in there. `None` if the session is gone.
    pub(crate) async fn add_pending(
        &self,
        id: &SessionId,
        interaction: &Interaction,
        now: UnixTime,
    ) -> Result<Option<(String, bool)>, StoreError> {
        self.update(id, now, |live| (live.add_pending(interaction), live.user().is_some())).await
    }

    /// Removes and returns the request waiting under `key` in `id`.
    pub(crate) async fn take_pending(
        &self,
        id: &SessionId,
        key: &str,
        now: UnixTime,
    ) -> Result<Option<Interaction>, StoreError> {
        Ok(self.update(id, now, |live| live.take_pending(key)).await?.flatten())
    }

    /// Signs `user` in, in a session with a new id (so an id planted before
    /// sign-in is worthless) that keeps the requests waiting in the
    /// session `old` (if any), which is deleted. `None` when `old` is gone
    /// or changed meanwhile.
    pub(crate) async fn sign_in(
        &self,
        old: Option<&SessionId>,
        user: &UserRecord,
        now: UnixTime,
    ) -> Result<Option<SessionId>, StoreError> {
        let id = SessionId::fresh();
        let mut transaction = Transaction::unconditional(Vec::new());
        let mut pending = Vec::new();
        if let Some(old) = old {
            let Some(before) = self.read(old, now).await? else {
                return Ok(None);
            };
            pending = before.record.pending;
            transaction.preconditions.push(Precondition::SessionRevision {
                hash: old.hash(),
                revision: before.record.revision,
            });
            transaction.effects.push(Effect::DeleteSession { hash: old.hash() });
        }
        transaction.effects.push(Effect::PutSession(SessionRecord {
            hash: id.hash(),
            username: Some(user.username.clone()),
            subject: Some(user.subject.clone()),
            pending,
            created_at: now,
            expires_at: now.after(seconds(self.idle_timeout)),
            revision: 1,
        }));
        Ok((self.store.apply(&transaction).await? == Outcome::Applied).then_some(id))
    }

    /// Signs out: deletes the session `id`.
    pub(crate) async fn sign_out(&self, id: &SessionId) -> Result<(), StoreError> {
        let delete = Effect::DeleteSession { hash: id.hash() };
        self.store.apply(&Transaction::unconditional(vec![delete])).await.map(|_| ())
    }

    /// The sign-in form's CSRF token for a browser without a session: the
    /// one in its login cookie, or a fresh one (to be set with
    /// [`login_cookie`](Self::login_cookie)).
    pub(crate) fn login_token(&self, headers: &http::HeaderMap) -> String {
        cookie_value(headers, self.login_cookie_name)
            .filter(|value| well_formed(value))
            .unwrap_or_else(crate::host::random::token)
    }

    /// Whether `presented` is the token in the request's login cookie
    /// (constant time).
    pub(crate) fn login_token_matches(&self, headers: &http::HeaderMap, presented: &str) -> bool {
        cookie_value(headers, self.login_cookie_name)
            .filter(|value| well_formed(value))
            .is_some_and(|value| bool::from(value.as_bytes().ct_eq(presented.as_bytes())))
    }

    /// The `Set-Cookie` value for the login cookie holding `token`.
    pub(crate) fn login_cookie(&self, token: &str) -> HeaderValue {
        self.set_cookie(self.login_cookie_name, token, self.idle_timeout)
    }

    /// The `Set-Cookie` value for `id`.
    pub(crate) fn cookie(&self, id: &SessionId) -> HeaderValue {
        self.set_cookie(self.cookie_name, &id.0, self.idle_timeout)
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub(crate) fn cleared_cookie(&self) -> HeaderValue {
        self.set_cookie(self.cookie_name, "", Duration::ZERO)
    }

    fn set_cookie(&self, name: &str, value: &str, lifetime: Duration) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        let value = format!(
            "{name}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{secure}",
            lifetime.as_secs()
        );
        HeaderValue::from_str(&value).expect("session ids and tokens are base64url")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_handle_opens_only_with_its_key() {
        let (key, other) = (crate::host::random::token(), crate::host::random::token());
        let handle = "an interaction handle longer than one block of thirty-two bytes";
        let sealed = seal(&key, handle);
        assert!(!sealed.contains("interaction"));
        assert_eq!(unseal(&key, &sealed).as_deref(), Some(handle));
        assert_ne!(unseal(&other, &sealed).as_deref(), Some(handle));
        assert_ne!(seal(&other, handle), sealed, "each key its own stream");
    }

    #[test]
    fn the_csrf_token_is_the_sessions_own() {
        let (a, b) = (SessionId::fresh(), SessionId::fresh());
        assert_eq!(csrf_of(&a), csrf_of(&a.clone()));
        assert_ne!(csrf_of(&a), csrf_of(&b));
        assert!(well_formed(&csrf_of(&a)));
    }
}
