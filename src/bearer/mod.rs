//! Bearer-token verification for resource servers that embed qscope
//! (RFC 6750; OAuth 2.1 §5).
//!
//! The same loop as every endpoint, one read long:
//!
//! ```text
//! step = server.verify_bearer(&request, &required, now)
//! Read(read)       -> verdict = read.resume(store.read(read.queries()))  // the token, by hash
//! Denied(response) -> send it                       // nothing to look up
//! verdict: Allowed(access) -> serve the request; Denied(response) -> send it
//! ```
//!
//! [`verify_bearer`](crate::verify_bearer) and
//! [`verify_bearer_async`](crate::verify_bearer_async) drive it over a store.
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
//! The token is hashed once, when the step is created; the step borrows
//! the policy and the required scopes instead of copying them, and the
//! allowed outcome moves the strings out of the record the store returned.

use std::borrow::Cow;

use http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderValue, Method, Request, Response, StatusCode};

use crate::error::{ApiMisuse, OAuthError};
use crate::form::decode;
use crate::secret::TokenHash;
use crate::store::{Answers, Query, StoreError, TokenKind, as_token};
use crate::{BearerPolicy, ErrorCode, Scopes, UnixTime, response};

mod header;

pub(crate) use header::{BearerError, bearer_token, error, missing};
use header::{header_token, is_b64token};

/// What a valid bearer token grants: whose it is and what it may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    /// The resource owner, absent for client-credentials tokens.
    pub subject: Option<String>,
    /// The client the token was issued to.
    pub client_id: String,
    /// Every scope the token carries (a superset of the required ones).
    pub scopes: Scopes,
}

/// How a bearer verification starts: with the read of the token, or with
/// a denial decided from the request alone (no credentials, malformed
/// credentials). It is never allowed without a read.
#[must_use = "a bearer step must be driven to its verdict"]
#[derive(Debug)]
pub enum BearerStep<'a> {
    /// Read the token from the store and [`BearerRead::resume`] with the
    /// answer to get the [`BearerVerdict`].
    Read(BearerRead<'a>),
    /// The request is refused: send this response (RFC 6750 §3).
    Denied(Response<Vec<u8>>),
}

/// The end of a driven bearer verification.
#[must_use = "a denied request must be answered with the response"]
#[derive(Debug)]
pub enum BearerVerdict {
    /// The token is valid and carries every required scope.
    Allowed(Access),
    /// The request is refused: send this response.
    Denied(Response<Vec<u8>>),
}

impl BearerVerdict {
    /// The verdict when the adapter or store broke the step contract
    /// ([`ApiMisuse`]): denied with a `500 server_error` that reveals
    /// nothing about the request.
    pub fn for_misuse(_misuse: &ApiMisuse) -> Self {
        Self::Denied(response::error(&OAuthError::new(ErrorCode::ServerError, "internal error")))
    }
}

/// A pause for the presented token's record.
#[must_use = "a bearer read must be resumed with the store's answer"]
#[derive(Debug)]
pub struct BearerRead<'a> {
    query: Query,
    policy: &'a BearerPolicy,
    required: &'a Scopes,
    now: UnixTime,
}

/// Reads the credentials of `request` and hashes the token, or decides at
/// once when there is nothing to look up.
pub(crate) fn begin<'a, B: AsRef<[u8]>>(
    policy: &'a BearerPolicy,
    request: &Request<B>,
    required: &'a Scopes,
    now: UnixTime,
) -> BearerStep<'a> {
    match presented_token(policy, request) {
        Ok(Some(token)) => BearerStep::Read(BearerRead {
            query: Query::Token { hash: TokenHash::of(&token) },
            policy,
            required,
            now,
        }),
        Ok(None) => BearerStep::Denied(challenge(policy, StatusCode::UNAUTHORIZED, None)),
        Err(description) => BearerStep::Denied(challenge(
            policy,
            StatusCode::BAD_REQUEST,
            Some(Failure { code: ErrorCode::InvalidRequest, description, scope: None }),
        )),
    }
}

impl BearerRead<'_> {
    /// The one record needed: the token, by hash.
    pub fn queries(&self) -> &[Query] {
        std::slice::from_ref(&self.query)
    }

    /// Decides from the store's answer, which must echo the query; anything
    /// else is [`ApiMisuse`]. The verdict is final: a verification never
    /// reads twice.
    pub fn resume(self, answers: Answers) -> Result<BearerVerdict, ApiMisuse> {
        let given = answers.as_slice();
        if given.len() != 1 {
            return Err(ApiMisuse::AnswerCount { expected: 1, got: given.len() });
        }
        let answer = &given[0];
        if answer.query != self.query {
            return Err(ApiMisuse::AnswerKey { index: 0 });
        }
        if answer.record.as_ref().is_some_and(|record| !self.query.matches(record)) {
            return Err(ApiMisuse::AnswerRecord { index: 0 });
        }
        let token = as_token(answers.into_records().next().flatten());
        let invalid = |description| {
            let failure = Failure { code: ErrorCode::InvalidToken, description, scope: None };
            Ok(BearerVerdict::Denied(challenge(
                self.policy,
                StatusCode::UNAUTHORIZED,
                Some(failure),
            )))
        };
        let Some(token) = token.filter(|t| t.kind == TokenKind::Access) else {
            return invalid("The access token is invalid");
        };
        if token.revoked_at.is_some() {
            return invalid("The access token was revoked");
        }
        if self.now >= token.expires_at {
            return invalid("The access token expired");
        }
        if !self.required.is_subset(&token.scopes) {
            let failure = Failure {
                code: ErrorCode::InsufficientScope,
                description: "The access token lacks a required scope",
                scope: Some(self.required),
            };
            return Ok(BearerVerdict::Denied(challenge(
                self.policy,
                StatusCode::FORBIDDEN,
                Some(failure),
            )));
        }
        Ok(BearerVerdict::Allowed(Access {
            subject: token.subject,
            client_id: token.client_id,
            scopes: token.scopes,
        }))
    }

    /// The answer when the store could not read: `503
    /// temporarily_unavailable` for a transient failure, `500
    /// server_error` otherwise (RFC 6749 §5.2 JSON body, no challenge: the
    /// token was not judged).
    pub fn fail(self, error: &StoreError) -> Response<Vec<u8>> {
        let (code, description) = if error.is_transient() {
            (ErrorCode::TemporarilyUnavailable, "storage is temporarily unavailable; retry later")
        } else {
            (ErrorCode::ServerError, "storage failed")
        };
        response::error(&OAuthError::new(code, description))
    }
}

/// The error attributes of a challenge.
pub(crate) struct Failure<'a> {
    pub(crate) code: ErrorCode,
    pub(crate) description: &'static str,
    pub(crate) scope: Option<&'a Scopes>,
}

/// The bearer token the request presents, `None` when it presents none,
/// or the `error_description` of an `invalid_request`.
pub(crate) fn presented_token<'r, B: AsRef<[u8]>>(
    policy: &BearerPolicy,
    request: &'r Request<B>,
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
fn body_token<B: AsRef<[u8]>>(request: &Request<B>) -> Result<Option<Cow<'_, str>>, &'static str> {
    if request.method() == Method::GET || !has_form_media_type(request) {
        return Ok(None);
    }
    let mut found = None;
    for piece in request.body().as_ref().split(|&b| b == b'&') {
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

fn has_form_media_type<B>(request: &Request<B>) -> bool {
    request
        .headers()
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
