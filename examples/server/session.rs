//! Browser sessions: a random id in a cookie, the state on the server.
//!
//! A session holds the signed-in user, its CSRF token and the
//! authorization requests waiting for this browser's consent. The core's
//! `InteractionHandle` stays here, never in a page or URL: pages name a
//! waiting request by a separate random key that is useless without the
//! session cookie.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use http::HeaderValue;
use qscope::Interaction;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// How long a session lives without being used.
pub(crate) const IDLE_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// The most sessions kept; a new one beyond it evicts expired ones, then
/// anonymous ones, and is refused only when every session is signed in.
const MAX_SESSIONS: usize = 100_000;
/// The most authorization requests one session keeps waiting.
const MAX_PENDING: usize = 8;

/// The server-side state of one browser.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    /// The signed-in user (the token subject), if any.
    pub(crate) user: Option<String>,
    /// The token every form of this session must carry.
    pub(crate) csrf: String,
    /// Authorization requests waiting for this user's consent, oldest first.
    pub(crate) pending: Vec<Pending>,
    expires: Instant,
}

/// One authorization request waiting for consent.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    /// The random key the consent page names it by.
    pub(crate) key: String,
    /// What the core handed over, handle included.
    pub(crate) interaction: Interaction,
}

impl Session {
    /// Whether `presented` is this session's CSRF token (constant time).
    pub(crate) fn csrf_matches(&self, presented: &str) -> bool {
        bool::from(self.csrf.as_bytes().ct_eq(presented.as_bytes()))
    }

    /// Keeps `interaction` waiting under a fresh key, which it returns.
    pub(crate) fn add_pending(&mut self, interaction: Interaction) -> String {
        let key = crate::random::token();
        if self.pending.len() >= MAX_PENDING {
            self.pending.remove(0);
        }
        self.pending.push(Pending { key: key.clone(), interaction });
        key
    }

    /// The request waiting under `key`.
    pub(crate) fn pending(&self, key: &str) -> Option<&Interaction> {
        self.pending.iter().find(|p| p.key == key).map(|p| &p.interaction)
    }

    /// Removes and returns the request waiting under `key`.
    pub(crate) fn take_pending(&mut self, key: &str) -> Option<Interaction> {
        let index = self.pending.iter().position(|p| p.key == key)?;
        Some(self.pending.remove(index).interaction)
    }
}

/// Every live session, by the SHA-256 of its id.
pub(crate) struct Sessions {
    sessions: Mutex<HashMap<[u8; 32], Session>>,
    cookie_name: &'static str,
    secure: bool,
    capacity: usize,
}

/// A session id, as sent in the cookie.
#[derive(Clone)]
pub(crate) struct SessionId(String);

impl std::fmt::Debug for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionId(<redacted>)")
    }
}

fn key(id: &SessionId) -> [u8; 32] {
    Sha256::digest(id.0.as_bytes()).into()
}

impl Sessions {
    /// Sessions whose cookie is `Secure` (and `__Host-` prefixed) when
    /// `secure` (an https issuer).
    pub(crate) fn new(secure: bool) -> Self {
        Self::with_capacity(secure, MAX_SESSIONS)
    }

    fn with_capacity(secure: bool, capacity: usize) -> Self {
        let cookie_name = if secure { "__Host-qscope-session" } else { "qscope-session" };
        Self { sessions: Mutex::new(HashMap::new()), cookie_name, secure, capacity }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Session>> {
        self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The session id in a request's `Cookie` headers, if it names a live
    /// session.
    pub(crate) fn find(
        &self,
        headers: &http::HeaderMap,
        now: Instant,
    ) -> Option<(SessionId, Session)> {
        let id = headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == self.cookie_name)
            .map(|(_, value)| SessionId(value.to_owned()))?;
        let mut sessions = self.lock();
        let entry = sessions.get_mut(&key(&id))?;
        if entry.expires <= now {
            sessions.remove(&key(&id));
            return None;
        }
        entry.expires = now + IDLE_LIFETIME;
        Some((id, entry.clone()))
    }

    /// A new anonymous session; `None` when the server holds too many.
    pub(crate) fn create(&self, now: Instant) -> Option<(SessionId, Session)> {
        let session = Session {
            user: None,
            csrf: crate::random::token(),
            pending: Vec::new(),
            expires: now + IDLE_LIFETIME,
        };
        self.insert(session, now)
    }

    fn insert(&self, session: Session, now: Instant) -> Option<(SessionId, Session)> {
        let id = SessionId(crate::random::token());
        let mut sessions = self.lock();
        if sessions.len() >= self.capacity {
            sessions.retain(|_, s| s.expires > now);
        }
        if sessions.len() >= self.capacity {
            // A flood of anonymous sessions must not lock signed-in users
            // out: anonymous ones go first.
            sessions.retain(|_, s| s.user.is_some());
        }
        if sessions.len() >= self.capacity {
            return None;
        }
        sessions.insert(key(&id), session.clone());
        Some((id, session))
    }

    /// Runs `change` on the live session `id`; `None` if it is gone.
    pub(crate) fn update<T>(
        &self,
        id: &SessionId,
        change: impl FnOnce(&mut Session) -> T,
    ) -> Option<T> {
        self.lock().get_mut(&key(id)).map(change)
    }

    /// Signs `user` in: the session gets a new id and CSRF token (so an id
    /// planted before sign-in is worthless) and keeps its waiting requests.
    pub(crate) fn sign_in(&self, old: &SessionId, user: String, now: Instant) -> Option<SessionId> {
        let previous = self.lock().remove(&key(old))?;
        let session = Session {
            user: Some(user),
            csrf: crate::random::token(),
            pending: previous.pending,
            expires: now + IDLE_LIFETIME,
        };
        self.insert(session, now).map(|(id, _)| id)
    }

    /// The `Set-Cookie` value for `id`.
    pub(crate) fn cookie(&self, id: &SessionId) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        let value = format!(
            "{}={}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{secure}",
            self.cookie_name,
            id.0,
            IDLE_LIFETIME.as_secs()
        );
        HeaderValue::from_str(&value).expect("session ids are base64url")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookie_header(sessions: &Sessions, id: &SessionId) -> http::HeaderMap {
        let cookie = sessions.cookie(id).to_str().unwrap().split(';').next().unwrap().to_owned();
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::COOKIE, HeaderValue::from_str(&cookie).unwrap());
        headers
    }

    #[test]
    fn sessions_expire_and_anonymous_ones_make_room_first() {
        let sessions = Sessions::with_capacity(false, 2);
        let now = crate::host::monotonic_now();
        let (anonymous, _) = sessions.create(now).unwrap();
        let (signing_in, _) = sessions.create(now).unwrap();
        let signed_in = sessions.sign_in(&signing_in, "alice".into(), now).unwrap();
        assert!(sessions.find(&cookie_header(&sessions, &signing_in), now).is_none());
        let (third, _) = sessions.create(now).expect("the anonymous session makes room");
        assert!(sessions.find(&cookie_header(&sessions, &anonymous), now).is_none());
        let (_, alice) = sessions.find(&cookie_header(&sessions, &signed_in), now).unwrap();
        assert_eq!(alice.user.as_deref(), Some("alice"));
        let _ = sessions.sign_in(&third, "bob".into(), now).unwrap();
        assert!(sessions.create(now).is_none(), "every session is signed in");

        let later = now + IDLE_LIFETIME;
        assert!(sessions.find(&cookie_header(&sessions, &signed_in), later).is_none(), "expired");
        assert!(sessions.create(later).is_some(), "expired sessions make room");
    }
}
