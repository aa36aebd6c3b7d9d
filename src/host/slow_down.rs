//! The answers that tell a client to slow down or come back later, each
//! in the format of the endpoint it asked: a page for what a browser
//! visits (the host's pages and the authorization endpoint), an RFC 6749
//! §5.2 style JSON error (`temporarily_unavailable`) for the rest.

use http::header::{CONNECTION, RETRY_AFTER};
use http::{HeaderValue, StatusCode};

use crate::ErrorCode;
use crate::host::pages::{Answer, Pages};
use crate::host::web::full;
use crate::response::json_error;

/// Whether a browser visits `path`, so answers are pages.
pub(crate) fn for_browsers(path: &str) -> bool {
    matches!(path, "/" | "/login" | "/logout" | "/consent" | "/device" | "/account" | "/authorize")
}

/// A client over a rate limit (`why` says which): `429 Too Many Requests`
/// (RFC 6585 §4; RFC 9126 §2.3 names it for PAR), or `503` at `/revoke`,
/// where RFC 7009 §2.2.1 makes 503 the signal that the token still exists
/// and the request may be retried; `Retry-After` in whole seconds either
/// way.
pub(crate) fn rate_limited(pages: &Pages, path: &str, retry_after: u64, why: &str) -> Answer {
    let status = if path == "/revoke" {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::TOO_MANY_REQUESTS
    };
    let mut response = if for_browsers(path) {
        let text = format!("There were {why}.");
        pages.retry_later(status, "Too many requests", &text, retry_after)
    } else {
        let description = format!("{why}; retry after {retry_after} s");
        full(json_error(status, ErrorCode::TemporarilyUnavailable, &description))
    };
    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

/// The request body did not arrive by its deadline: `408 Request Timeout`
/// and the connection is closed.
pub(crate) fn too_slow(pages: &Pages, path: &str) -> Answer {
    let mut response = if for_browsers(path) {
        pages.message(
            StatusCode::REQUEST_TIMEOUT,
            "Too slow",
            "The request did not arrive in time. Check your connection and try again.",
        )
    } else {
        let description = "the request body did not arrive in time";
        full(json_error(StatusCode::REQUEST_TIMEOUT, ErrorCode::InvalidRequest, description))
    };
    response.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

/// No answer was ready within twice the request timeout (the store is
/// overloaded, say): `503` with `Retry-After: 1`, and the connection is
/// closed. What the request had committed stays committed; its answer is
/// lost, as it would be with a dropped connection.
pub(crate) fn gave_up(pages: &Pages, path: &str) -> Answer {
    let mut response = if for_browsers(path) {
        pages.retry_later(
            StatusCode::SERVICE_UNAVAILABLE,
            "Busy",
            "The server is busy and could not answer in time.",
            1,
        )
    } else {
        let description = "the server could not answer in time; retry";
        full(json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::TemporarilyUnavailable,
            description,
        ))
    };
    let headers = response.headers_mut();
    headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
    headers.insert(CONNECTION, HeaderValue::from_static("close"));
    response
}
