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
/// The most sessions kept; a new one beyond it evicts expired ones first,
/// then is refused.
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
        let cookie_name = if secure { "__Host-qscope-session" } else { "qscope-session" };
        Self { sessions: Mutex::new(HashMap::new()), cookie_name, secure }
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
        if sessions.len() >= MAX_SESSIONS {
            sessions.retain(|_, s| s.expires > now);
            if sessions.len() >= MAX_SESSIONS {
                return None;
            }
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
