//! The few answers an adapter gives without the core (the request never
//! reached it, or the exchange panicked), and the stand-in body for a
//! request body over the limit.
//!
//! They use the RFC 6749 §5.2 error body and `Cache-Control: no-store`, so
//! a client sees the same shape whoever answered.

use http::{Response, StatusCode};

use crate::response::{internal_error, json_error};
use crate::{ErrorCode, Reply};

/// The reply as HTTP. These adapters have no login and consent page yet:
/// an [`Interaction`](crate::Interaction) (a valid authorization request
/// waiting for the user) is answered 501 until the host can plug one in.
/// The pending authorization it stored simply expires.
pub(crate) fn reply_into_http(reply: Reply) -> Response<Vec<u8>> {
    match reply {
        Reply::Http(response) => response,
        Reply::Interaction(_) => json_error(
            StatusCode::NOT_IMPLEMENTED,
            ErrorCode::ServerError,
            "this server has no login and consent page",
        ),
        // Only the host's own device-page and bearer inputs produce these,
        // never an HTTP request.
        Reply::Device(_) | Reply::Access(_) => json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::ServerError,
            "this answer has no HTTP form",
        ),
    }
}

/// The answer when driving the exchange panicked (a store or core bug):
/// a 500 that reveals nothing about the request.
pub(crate) fn panicked() -> Response<Vec<u8>> {
    internal_error()
}

/// The answer when no fresh entropy could be drawn for the request.
pub(crate) fn entropy_unavailable() -> Response<Vec<u8>> {
    json_error(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::TemporarilyUnavailable,
        "the server cannot draw randomness; retry later",
    )
}

/// What the core is handed in place of a body longer than `limit` bytes,
/// which the adapter does not read: `limit + 1` zero bytes. The core then
/// answers exactly as it would the real body — 405 for a wrong method,
/// 400 for a wrong content type, otherwise 413 `invalid_request` with its
/// audit event — while the adapter never buffers more than `limit + 1`
/// bytes of it.
pub(crate) fn over_limit_body(limit: usize) -> Vec<u8> {
    vec![0; limit.saturating_add(1)]
}
