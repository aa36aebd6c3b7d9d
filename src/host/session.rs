//! Browser sessions: a random id in a cookie, the state on the server.
//!
//! A session holds the signed-in user, its CSRF token and the
//! authorization requests waiting for this browser's consent. The core's
//! `InteractionHandle` stays here, never in a page or URL: pages name a
//! waiting request by a separate random key that is useless without the
//! session cookie.
//!
//! A session is created only when there is something to keep: an
//! authorization request waiting for this browser to sign in (`host::core`),
//! or a user who signed in. A visitor who only looks at the sign-in form
//! gets its CSRF token in a cookie of its own, repeated in the form (a
//! double-submit token, nothing kept here). A session waiting for a sign-in
//! lives for the sign-in timeout (`--sign-in-timeout`, at most the core's
//! interaction lifetime), a signed-in one for [`IDLE_LIFETIME`] after its
//! last use; `maintenance` removes expired sessions on a timer.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::Interaction;
use http::HeaderValue;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// How long a signed-in session lives without being used (and how long
/// the browser keeps the cookies).
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
        let key = crate::host::random::token();
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
    login_cookie_name: &'static str,
    secure: bool,
    capacity: usize,
    sign_in_timeout: Duration,
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

impl Sessions {
    /// Sessions whose cookies are `Secure` (and `__Host-` prefixed) when
    /// `secure` (an https issuer); one waiting for a sign-in lives for
    /// `sign_in_timeout`.
    pub(crate) fn new(secure: bool, sign_in_timeout: Duration) -> Self {
        Self::with_capacity(secure, sign_in_timeout, MAX_SESSIONS)
    }

    fn with_capacity(secure: bool, sign_in_timeout: Duration, capacity: usize) -> Self {
        let (cookie_name, login_cookie_name) = if secure {
            ("__Host-qscope-session", "__Host-qscope-login")
        } else {
            ("qscope-session", "qscope-login")
        };
        Self {
            sessions: Mutex::new(HashMap::new()),
            cookie_name,
            login_cookie_name,
            secure,
            capacity,
            sign_in_timeout,
        }
    }

    /// How long `session` lives from its last use.
    fn lifetime(&self, session: &Session) -> Duration {
        if session.user.is_some() { IDLE_LIFETIME } else { self.sign_in_timeout }
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
        let id = SessionId(cookie_value(headers, self.cookie_name)?);
        let mut sessions = self.lock();
        let entry = sessions.get_mut(&key(&id))?;
        if entry.expires <= now {
            sessions.remove(&key(&id));
            return None;
        }
        entry.expires = now + self.lifetime(entry);
        Some((id, entry.clone()))
    }

    /// A new anonymous session, for an authorization request waiting for
    /// this browser to sign in; `None` when the server holds too many.
    pub(crate) fn create(&self, now: Instant) -> Option<(SessionId, Session)> {
        let session = Session {
            user: None,
            csrf: crate::host::random::token(),
            pending: Vec::new(),
            expires: now + self.sign_in_timeout,
        };
        self.insert(session, now)
    }

    /// Removes every session that expired by `now`; says how many went.
    pub(crate) fn remove_expired(&self, now: Instant) -> usize {
        let mut sessions = self.lock();
        let before = sessions.len();
        sessions.retain(|_, session| session.expires > now);
        before - sessions.len()
    }

    /// How many sessions are held.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
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
        self.set_cookie(self.login_cookie_name, token)
    }

    fn insert(&self, session: Session, now: Instant) -> Option<(SessionId, Session)> {
        let id = SessionId(crate::host::random::token());
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

    /// Signs `user` in, in a session with a new id and CSRF token (so an id
    /// planted before sign-in is worthless) that keeps the requests waiting
    /// in the session `old` (if any). `None` when `old` is gone, or when
    /// the server holds too many sessions.
    pub(crate) fn sign_in(
        &self,
        old: Option<&SessionId>,
        user: String,
        now: Instant,
    ) -> Option<SessionId> {
        let pending = match old {
            Some(old) => self.lock().remove(&key(old))?.pending,
            None => Vec::new(),
        };
        let session = Session {
            user: Some(user),
            csrf: crate::host::random::token(),
            pending,
            expires: now + IDLE_LIFETIME,
        };
        self.insert(session, now).map(|(id, _)| id)
    }

    /// The `Set-Cookie` value for `id`.
    pub(crate) fn cookie(&self, id: &SessionId) -> HeaderValue {
        self.set_cookie(self.cookie_name, &id.0)
    }

    fn set_cookie(&self, name: &str, value: &str) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        let value = format!(
            "{name}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{secure}",
            IDLE_LIFETIME.as_secs()
        );
        HeaderValue::from_str(&value).expect("session ids and tokens are base64url")
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
        let sessions = Sessions::with_capacity(false, IDLE_LIFETIME, 2);
        let now = crate::host::clock::monotonic_now();
        let (anonymous, _) = sessions.create(now).unwrap();
        let (signing_in, _) = sessions.create(now).unwrap();
        let signed_in = sessions.sign_in(Some(&signing_in), "alice".into(), now).unwrap();
        assert!(sessions.find(&cookie_header(&sessions, &signing_in), now).is_none());
        let (third, _) = sessions.create(now).expect("the anonymous session makes room");
        assert!(sessions.find(&cookie_header(&sessions, &anonymous), now).is_none());
        let (_, alice) = sessions.find(&cookie_header(&sessions, &signed_in), now).unwrap();
        assert_eq!(alice.user.as_deref(), Some("alice"));
        let _ = sessions.sign_in(Some(&third), "bob".into(), now).unwrap();
        assert!(sessions.create(now).is_none(), "every session is signed in");

        let later = now + IDLE_LIFETIME;
        assert!(sessions.find(&cookie_header(&sessions, &signed_in), later).is_none(), "expired");
        assert!(sessions.create(later).is_some(), "expired sessions make room");
    }

    #[test]
    fn sessions_waiting_for_a_sign_in_expire_on_the_timer() {
        let sessions = Sessions::with_capacity(false, Duration::from_secs(60), 10);
        let now = crate::host::clock::monotonic_now();
        let (waiting, _) = sessions.create(now).unwrap();
        let signed_in = sessions.sign_in(None, "alice".into(), now).unwrap();
        assert_eq!(sessions.len(), 2);
        assert_eq!(sessions.remove_expired(now + Duration::from_secs(59)), 0);
        assert_eq!(
            sessions.remove_expired(now + Duration::from_secs(60)),
            1,
            "the sign-in timeout"
        );
        assert!(sessions.find(&cookie_header(&sessions, &waiting), now).is_none());
        assert!(sessions.find(&cookie_header(&sessions, &signed_in), now).is_some());
        assert_eq!(sessions.remove_expired(now + IDLE_LIFETIME), 1, "idle signed-in sessions");
        assert_eq!(sessions.len(), 0);
    }

    #[test]
    fn the_login_token_is_the_cookies_and_checked_in_constant_time() {
        let sessions = Sessions::with_capacity(true, IDLE_LIFETIME, 10);
        let token = sessions.login_token(&http::HeaderMap::new());
        let cookie = sessions.login_cookie(&token);
        let cookie = cookie.to_str().unwrap();
        assert!(cookie.starts_with("__Host-qscope-login="), "{cookie}");
        let mut headers = http::HeaderMap::new();
        let pair = cookie.split(';').next().unwrap();
        headers.insert(http::header::COOKIE, HeaderValue::from_str(pair).unwrap());
        assert_eq!(sessions.login_token(&headers), token, "kept while the cookie is");
        assert!(sessions.login_token_matches(&headers, &token));
        assert!(!sessions.login_token_matches(&headers, "forged"));
        assert!(!sessions.login_token_matches(&http::HeaderMap::new(), &token), "no cookie");
        assert_eq!(sessions.len(), 0, "nothing kept on the server");
    }
}
