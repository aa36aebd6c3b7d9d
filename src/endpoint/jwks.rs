//! The JWK Set of the server's signing keys (RFC 7517 §5), at
//! [`Endpoints::jwks`](crate::Endpoints::jwks) and named `jwks_uri` in the
//! metadata (RFC 8414 §2): the public keys that are next, active or
//! retained at this instant ([`KeySet::jwks`](crate::jose::KeySet::jwks)).
//!
//! Built from the configuration and the request's time alone, so the
//! exchange never pauses. The document may be cached for half the
//! rotation's `publish_ahead` (at most an hour): a key published ahead is
//! then in every cache before it signs.

use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, Method, Response, StatusCode};

use crate::endpoint::flow::Env;
use crate::input::HttpRequest;
use crate::jose::KeySet;
use crate::reply::Respond;
use crate::response;

/// The longest a JWKS response may be cached, in seconds.
const MAX_AGE_CAP: u64 = 3600;

/// The answer to a JWKS request for `keys`.
pub(crate) fn answer(env: &Env, keys: &KeySet, request: HttpRequest<'_>) -> Respond {
    if request.method() != Method::GET {
        return Respond::http(response::method_not_allowed("GET"), Vec::new());
    }
    let max_age = (keys.policy().publish_ahead.get() / 2).min(MAX_AGE_CAP);
    let mut response = Response::new(keys.jwks(env.ctx.now).to_json().into_bytes());
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/jwk-set+json"));
    let cache = HeaderValue::try_from(format!("public, max-age={max_age}"))
        .unwrap_or_else(|_| HeaderValue::from_static("no-cache"));
    headers.insert(CACHE_CONTROL, cache);
    Respond::http(response, Vec::new())
}
