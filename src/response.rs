//! Building the HTTP responses the RFCs prescribe. [`json_error`] is the
//! one builder of JSON error answers: the core's, the adapters' own
//! (a request that never reached the core) and a host's.

use http::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE, PRAGMA, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderValue, Response, StatusCode};
use serde::Serialize;

use crate::ErrorCode;
use crate::error::OAuthError;

/// `application/json` with the no-store headers that RFC 6749 §5.1
/// requires on every response carrying tokens or credentials.
pub(crate) fn json(status: StatusCode, body: Vec<u8>) -> Response<Vec<u8>> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Serializes `value` as the JSON body of a no-store response.
pub(crate) fn json_value<T: Serialize>(status: StatusCode, value: &T) -> Response<Vec<u8>> {
    // Serializing plain structs of strings and integers cannot fail.
    let body = serde_json::to_vec(value).unwrap_or_default();
    json(status, body)
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    error_description: &'a str,
}

/// An RFC 6749 §5.2 error answer: `status`, the JSON body `{"error":
/// code, "error_description": description}` (the description omitted when
/// empty), `Content-Type: application/json`, `Cache-Control: no-store` and
/// `Pragma: no-cache`. A `503` (a transient store failure, a race lost to
/// a concurrent change) also says when to retry: `Retry-After: 1` (RFC 9110
/// §10.2.3) — the conditions behind it (a lock, a full disk, a restarting
/// database) pass in about that.
///
/// ```
/// use qscope::ErrorCode;
/// use qscope::response::json_error;
///
/// let response = json_error(http::StatusCode::TOO_MANY_REQUESTS, ErrorCode::TemporarilyUnavailable, "slow down");
/// assert_eq!(response.status(), 429);
/// assert_eq!(response.headers()["pragma"], "no-cache");
/// assert_eq!(
///     response.body().as_slice(),
///     br#"{"error":"temporarily_unavailable","error_description":"slow down"}"#
/// );
/// ```
pub fn json_error(status: StatusCode, code: ErrorCode, description: &str) -> Response<Vec<u8>> {
    let mut response =
        json_value(status, &ErrorBody { error: code.as_str(), error_description: description });
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

/// The RFC 6749 §5.2 error body with the code's status.
pub(crate) fn error(err: &OAuthError) -> Response<Vec<u8>> {
    json_error(err.code.status(), err.code, &err.description)
}

/// `500 server_error` that reveals nothing about the request: the answer
/// to a bug (a misused step API, a panic).
pub(crate) fn internal_error() -> Response<Vec<u8>> {
    json_error(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::ServerError, "internal error")
}

/// `invalid_client` as 401 with `WWW-Authenticate: Basic` (RFC 6749 §5.2:
/// required when the client tried the Authorization header).
pub(crate) fn error_with_basic_challenge(err: &OAuthError) -> Response<Vec<u8>> {
    let mut response = error(err);
    *response.status_mut() = StatusCode::UNAUTHORIZED;
    response.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"qscope\", charset=\"UTF-8\""),
    );
    response
}

/// 405 with the `Allow` header naming the accepted methods.
pub(crate) fn method_not_allowed(allow: &'static str) -> Response<Vec<u8>> {
    let err =
        OAuthError::new(ErrorCode::InvalidRequest, format!("method not allowed; use {allow}"));
    let mut response = error(&err);
    *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    response.headers_mut().insert(ALLOW, HeaderValue::from_static(allow));
    response
}

/// 404 for a path the server does not serve.
pub(crate) fn not_found() -> Response<Vec<u8>> {
    let mut response = Response::new(Vec::new());
    *response.status_mut() = StatusCode::NOT_FOUND;
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Appends `value` as a JSON string (RFC 8259 §7), escaping quotes,
/// backslashes and control characters.
pub(crate) fn push_json_string(out: &mut Vec<u8>, value: &str) {
    out.push(b'"');
    if !value.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
        return;
    }
    for &b in value.as_bytes() {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x00..=0x1f => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0x0f)]);
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::{error, push_json_string};
    use crate::ErrorCode;
    use crate::error::OAuthError;

    #[test]
    fn json_strings_escape_like_serde_json() {
        for value in ["plain", "quote\"back\\slash", "ctl\u{1}\n\t", "é✓"] {
            let mut out = Vec::new();
            push_json_string(&mut out, value);
            let parsed: String = serde_json::from_slice(&out).unwrap();
            assert_eq!(parsed, value);
        }
    }

    #[test]
    fn only_a_503_says_when_to_retry() {
        let unavailable = error(&OAuthError::new(ErrorCode::TemporarilyUnavailable, "retry"));
        assert_eq!(unavailable.status(), 503);
        assert_eq!(unavailable.headers()["retry-after"], "1");
        let failed = error(&OAuthError::new(ErrorCode::ServerError, "failed"));
        assert_eq!(failed.status(), 500);
        assert!(failed.headers().get("retry-after").is_none());
    }
}
