//! The per-client rate limit: a bucket per client that the core
//! authenticated with its secret, at the endpoints where clients
//! authenticate (`/token`, `/revoke`, `/introspect`, `/par`,
//! `/device_authorization`).
//!
//! Merely naming a client must not drain its bucket, so a request is
//! charged only once its answer shows the core authenticated the client:
//! a success (2xx) to a request that presented the client's secret (HTTP
//! Basic or `client_secret`); the core answers those endpoints with a
//! success only after checking the secret. A charge that finds the bucket
//! empty (the answer already decided, and stored, is still sent) blocks the
//! client until its bucket has a token again: until then any request naming
//! it is refused before the core runs, with `Retry-After`. Public clients
//! (no secret) and refused requests are limited per address only: anybody
//! can present a public client's id.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use governor::clock::{Clock, DefaultClock, Reference};
use http::HeaderMap;
use http::header::AUTHORIZATION;

use crate::host::form;
use crate::host::rate_limit::{Limiter, whole_seconds};

/// The paths where the core authenticates clients.
pub(crate) const AUTHENTICATING: [&str; 5] =
    ["/token", "/revoke", "/introspect", "/par", "/device_authorization"];

/// The client a request names for authentication (the core decides
/// whether it authenticates).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Presented {
    /// The client id.
    pub(crate) client_id: String,
    /// Whether a secret came with it.
    pub(crate) with_secret: bool,
}

/// The client named by HTTP Basic (the id form-urlencoded inside, RFC 6749
/// §2.3.1) or, without an `Authorization` header, by the form's
/// `client_id`, with `client_secret` beside it or not.
pub(crate) fn presented(headers: &HeaderMap, body: &[u8]) -> Option<Presented> {
    if let Some(value) = headers.get(AUTHORIZATION) {
        let (scheme, encoded) = value.to_str().ok()?.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = String::from_utf8(STANDARD.decode(encoded.trim_start()).ok()?).ok()?;
        let (id, _) = decoded.split_once(':')?;
        let client_id = form::decode(id).filter(|id| !id.is_empty())?;
        return Some(Presented { client_id, with_secret: true });
    }
    let fields = form::parse(std::str::from_utf8(body).ok()?);
    let client_id = form::single(&fields, "client_id")?.to_owned();
    let with_secret = form::single(&fields, "client_secret").is_some();
    Some(Presented { client_id, with_secret })
}

/// Buckets per authenticated client, and the clients blocked until theirs
/// refills.
pub(crate) struct ClientLimits<K: Hash + Eq + Clone = String, C: Clock + Clone = DefaultClock> {
    buckets: Limiter<K, C>,
    blocked: Mutex<HashMap<K, C::Instant>>,
}

impl ClientLimits {
    /// `per_second` authenticated requests a second per client (bursts of
    /// twice that); `0` disables the limit.
    pub(crate) fn new(per_second: u32) -> Self {
        Self::with_limiter(Limiter::new(per_second))
    }
}

impl<K: Hash + Eq + Clone, C: Clock + Clone> ClientLimits<K, C> {
    /// The limits over `buckets`.
    pub(crate) fn with_limiter(buckets: Limiter<K, C>) -> Self {
        Self { buckets, blocked: Mutex::new(HashMap::new()) }
    }

    fn blocked(&self) -> std::sync::MutexGuard<'_, HashMap<K, C::Instant>> {
        self.blocked.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Before the core runs: `Err(seconds)` while `client` is blocked.
    pub(crate) fn check(&self, client: &K) -> Result<(), u64> {
        let now = self.buckets.now();
        let mut blocked = self.blocked();
        match blocked.get(client) {
            Some(until) if *until > now => Err(whole_seconds(until.duration_since(now).into())),
            Some(_) => {
                blocked.remove(client);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// After an answer that shows `client` authenticated: takes a token
    /// from its bucket, and blocks it until the next one when there is
    /// none.
    pub(crate) fn charge(&self, client: &K) {
        if let Err(not_until) = self.buckets.take(client) {
            tracing::warn!(
                "a client went over its rate limit; refusing it until its bucket refills"
            );
            self.blocked().insert(client.clone(), not_until.earliest_possible());
        }
    }

    /// Forgets full buckets and blocks that have passed.
    pub(crate) fn forget_idle(&self) {
        self.buckets.forget_idle();
        let now = self.buckets.now();
        self.blocked().retain(|_, until| *until > now);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use governor::clock::FakeRelativeClock;
    use http::HeaderValue;

    use super::*;

    #[test]
    fn the_presented_client_comes_from_basic_or_the_form() {
        let mut headers = HeaderMap::new();
        let basic = format!("Basic {}", STANDARD.encode("my%20app:s3cret"));
        headers.insert(AUTHORIZATION, HeaderValue::from_str(&basic).unwrap());
        let named = |id: &str, with_secret| Some(Presented { client_id: id.into(), with_secret });
        assert_eq!(presented(&headers, b"client_id=other"), named("my app", true));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert_eq!(presented(&headers, b"client_id=other"), None, "not client authentication");
        let none = HeaderMap::new();
        assert_eq!(presented(&none, b"client_id=web&client_secret=x"), named("web", true));
        assert_eq!(presented(&none, b"client_id=spa&token=t"), named("spa", false));
        assert_eq!(presented(&none, b"client_id=a&client_id=b"), None, "repeated");
        assert_eq!(presented(&none, b"token=t"), None);
    }

    #[test]
    fn a_client_is_blocked_only_after_authenticated_requests_empty_its_bucket() {
        let clock = FakeRelativeClock::default();
        let limits = ClientLimits::with_limiter(Limiter::with_clock(1, clock.clone()));
        let client = "reporter".to_owned();
        // Naming the client costs nothing: only charges do.
        for _ in 0..10 {
            assert_eq!(limits.check(&client), Ok(()));
        }
        limits.charge(&client);
        limits.charge(&client);
        assert_eq!(limits.check(&client), Ok(()), "a burst of two");
        limits.charge(&client);
        assert_eq!(limits.check(&client), Err(1), "the bucket was empty");
        assert_eq!(limits.check(&"other".to_owned()), Ok(()), "per client");
        clock.advance(Duration::from_millis(999));
        assert_eq!(limits.check(&client), Err(1));
        clock.advance(Duration::from_millis(1));
        assert_eq!(limits.check(&client), Ok(()), "refilled");
        limits.forget_idle();
        assert!(limits.blocked().is_empty());
    }
}
