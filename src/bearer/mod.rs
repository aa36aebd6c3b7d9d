//! Bearer credentials for resource servers that embed qscope (RFC 6750;
//! OAuth 2.1 §5): where a token is read from, and the challenges that
//! deny a request. The check itself is an ordinary exchange, one read
//! long (`endpoint::bearer`), started with
//! [`Input::bearer`](crate::Input::bearer):
//!
//! ```text
//! server.begin(Input::bearer(&request, &required), ctx)
//! Read(read)  -> the token, by hash
//! Respond     -> Reply::Access(access): serve the request
//!                Reply::Http(denial):   send it
//! ```
//!
//! ## Where the token is read from
//!
//! * The `Authorization: Bearer <token>` header (RFC 6750 §2.1), always.
//!   The scheme is case-insensitive; the token must match `b64token`.
//! * An `access_token` parameter in an `application/x-www-form-urlencoded`
//!   body (RFC 6750 §2.2), only when
//!   [`BearerPolicy::accept_form_body`](crate::BearerPolicy::accept_form_body)
//!   is set, and never for `GET`.
//! * Never the URI query (RFC 6750 §2.3): OAuth 2.1 §5.1 says resource
//!   servers "MUST ignore access tokens in a URI query parameter", so a
//!   token there is not looked at and the request counts as carrying no
//!   credentials.
//!
//! ## The answers (RFC 6750 §3, §3.1)
//!
//! | request | status | `WWW-Authenticate` |
//! |---|---|---|
//! | no bearer credentials (none, another scheme, a query token) | 401 | `Bearer realm="…"` |
//! | repeated or malformed credentials, or two methods at once | 400 | `Bearer realm="…", error="invalid_request", error_description="…"` |
//! | unknown, expired or revoked token, or a refresh token | 401 | `Bearer realm="…", error="invalid_token", error_description="…"` |
//! | a valid token without every required scope | 403 | `Bearer realm="…", error="insufficient_scope", error_description="…", scope="…"` |
//!
//! The descriptions are sentences like the RFC's own example (`The access
//! token expired`), so that example holds byte for byte.
//!
//! Denials have an empty body and no other header. Verification writes
//! nothing and records no audit event: it runs on every resource request,
//! and the resource server logs at its own layer.
//!
//! ## Cost
//!
//! The token is hashed once, when the exchange begins; the required scopes
//! are shared, not copied (a [`Scopes`] is reference-counted), and the
//! allowed outcome moves the strings out of the record the store returned.

use std::borrow::Cow;

use http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode};

use crate::ErrorCode;
use crate::form::decode;
use crate::input::HttpRequest;
use crate::{BearerPolicy, Scopes};

mod header;

pub(crate) use header::{BearerError, bearer_token, error, missing};
use header::{header_token, is_b64token};

/// The error attributes of a challenge.
pub(crate) struct Failure<'a> {
    /// The RFC 6750 §3.1 code.
    pub(crate) code: ErrorCode,
    /// A sentence like the RFC's own example.
    pub(crate) description: &'static str,
    /// The scopes the resource needs, for `insufficient_scope`.
    pub(crate) scope: Option<&'a Scopes>,
}

/// The bearer token the request presents, `None` when it presents none,
/// or the `error_description` of an `invalid_request`.
pub(crate) fn presented_token<'r>(
    policy: &BearerPolicy,
    request: HttpRequest<'r>,
) -> Result<Option<Cow<'r, str>>, &'static str> {
    let from_header = match header_token(request.headers()) {
        Ok(token) => Some(Cow::Borrowed(token)),
        Err(BearerError::Missing) => None,
        Err(BearerError::Malformed(description)) => return Err(description),
    };
    let from_body = if policy.accept_form_body { body_token(request)? } else { None };
    match (from_header, from_body) {
        (Some(_), Some(_)) => Err("The access token was sent by more than one method"),
        (token, None) | (None, token) => Ok(token),
    }
}

/// The `access_token` parameter of a form body (RFC 6750 §2.2): only for a
/// method other than `GET` with the form media type. The value is
/// form-decoded and must then be a `b64token`; other parameters belong to
/// the resource server and are not judged here.
fn body_token(request: HttpRequest<'_>) -> Result<Option<Cow<'_, str>>, &'static str> {
    if request.method() == Method::GET || !has_form_media_type(request.headers()) {
        return Ok(None);
    }
    let mut found = None;
    for piece in request.body().split(|&b| b == b'&') {
        let (name, value) = match piece.iter().position(|&b| b == b'=') {
            Some(i) => (&piece[..i], &piece[i + 1..]),
            None => (piece, &piece[..0]),
        };
        if decode(name).is_ok_and(|name| name == "access_token") {
            if found.is_some() {
                return Err("The access_token parameter is repeated");
            }
            let token = decode(value).map_err(|_| "The access_token parameter is malformed")?;
            if !token.is_empty() && !is_b64token(&token) {
                return Err("The access_token parameter is not a b64token");
            }
            found = Some(token);
        }
    }
    Ok(found.filter(|token| !token.is_empty()))
}

fn has_form_media_type(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

/// A denial: `status`, an empty body, and the challenge (RFC 6750 §3).
pub(crate) fn challenge(
    policy: &BearerPolicy,
    status: StatusCode,
    failure: Option<Failure<'_>>,
) -> Response<Vec<u8>> {
    let scope = failure.as_ref().and_then(|f| f.scope).map(Scopes::to_string);
    let mut parts: [&str; 11] =
        ["Bearer realm=\"", &policy.realm, "\"", "", "", "", "", "", "", "", ""];
    if let Some(failure) = &failure {
        parts[3..8].copy_from_slice(&[
            ", error=\"",
            failure.code.as_str(),
            "\", error_description=\"",
            failure.description,
            "\"",
        ]);
    }
    if let Some(scope) = &scope {
        parts[8..].copy_from_slice(&[", scope=\"", scope, "\""]);
    }
    // Exactly sized, so the bytes move into the header without a copy or a
    // second allocation.
    let mut value = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    parts.iter().for_each(|part| value.push_str(part));
    let mut response = Response::new(Vec::new());
    *response.status_mut() = status;
    // The realm is checked at configuration, scope tokens at parsing, and
    // codes and descriptions are literals: every byte is visible ASCII.
    let header = HeaderValue::try_from(value)
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer realm=\"qscope\""));
    response.headers_mut().insert(WWW_AUTHENTICATE, header);
    response
}
