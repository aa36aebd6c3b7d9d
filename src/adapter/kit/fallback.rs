//! The answers an adapter gives without the core: the request never
//! reached it (no entropy, a body too large or unreadable), the answer
//! panicked, or the core's reply has no HTTP form in an adapter with no
//! login page; and the stand-in body for a body over the limit.
//!
//! Each is the RFC 6749 §5.2 error body of
//! [`json_error`](crate::response::json_error), with `Cache-Control:
//! no-store` and `Pragma: no-cache`, so a client sees the same shape
//! whoever answered.

use http::{Response, StatusCode};

use crate::response::{internal_error, json_error};
use crate::{ErrorCode, Reply};

/// The reply as HTTP, for an adapter that has no login and consent page:
/// an [`Interaction`](crate::Interaction) (a valid authorization request
/// waiting for the user) is answered by [`no_login_page`]; the pending
/// authorization it stored simply expires. A device or bearer reply
/// (which only the host's own inputs produce, never an HTTP request) is a
/// 500 `server_error`.
///
/// ```
/// use qscope::adapter::kit::reply_into_http;
/// use qscope::Reply;
///
/// let response = reply_into_http(Reply::Http(http::Response::new(Vec::new())));
/// assert_eq!(response.status(), 200);
/// ```
pub fn reply_into_http(reply: Reply) -> Response<Vec<u8>> {
    match reply {
        Reply::Http(response) => response,
        Reply::Interaction(_) => no_login_page(),
        _ => json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::ServerError,
            "this answer has no HTTP form",
        ),
    }
}

/// The 501 `server_error` for a valid authorization request at a server
/// that cannot show a login and consent page.
pub fn no_login_page() -> Response<Vec<u8>> {
    json_error(
        StatusCode::NOT_IMPLEMENTED,
        ErrorCode::ServerError,
        "this server has no login and consent page",
    )
}

/// The 500 `server_error` when answering panicked (a store or core bug):
/// it reveals nothing about the request.
pub fn panicked() -> Response<Vec<u8>> {
    internal_error()
}

/// The 503 `temporarily_unavailable` when no fresh entropy could be drawn
/// for the request ([`EntropyUnavailable`](super::EntropyUnavailable)).
pub fn entropy_unavailable() -> Response<Vec<u8>> {
    json_error(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::TemporarilyUnavailable,
        "the server cannot draw randomness; retry later",
    )
}

/// The 400 `invalid_request` when a request body fails to arrive (broken
/// chunked encoding, a dropped connection).
///
/// ```
/// let response = qscope::adapter::kit::unreadable_body();
/// assert_eq!(response.status(), 400);
/// assert_eq!(response.headers()["cache-control"], "no-store");
/// ```
pub fn unreadable_body() -> Response<Vec<u8>> {
    json_error(
        StatusCode::BAD_REQUEST,
        ErrorCode::InvalidRequest,
        "the request body could not be read",
    )
}

/// The 413 `invalid_request` for a body over `limit` bytes at a path the
/// core does not answer (the host's own pages); the core's endpoints
/// answer an oversized body themselves, from [`over_limit_body`].
pub fn body_too_large(limit: usize) -> Response<Vec<u8>> {
    json_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::InvalidRequest,
        &format!("request body exceeds {limit} bytes"),
    )
}

/// What the core is handed in place of a body longer than `limit` bytes,
/// which the adapter does not read: `limit + 1` zero bytes. The core then
/// answers exactly as it would the real body — 405 for a wrong method,
/// 400 for a wrong content type, otherwise 413 `invalid_request` with its
/// audit event — while the adapter never buffers more than `limit + 1`
/// bytes of it.
pub fn over_limit_body(limit: usize) -> Vec<u8> {
    vec![0; limit.saturating_add(1)]
}
