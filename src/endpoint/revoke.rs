//! The revocation endpoint (RFC 7009).
//!
//! `POST` with an `application/x-www-form-urlencoded` body holding `token`
//! and optionally `token_type_hint`. The client authenticates exactly as at
//! the token endpoint (the shared [`client_form`] preamble).
//!
//! `token_type_hint` is deliberately not read: access and refresh tokens
//! live in one table keyed by hash, so one lookup finds either kind and the
//! hint could not make it faster; RFC 7009 §2.1 lets the server ignore it,
//! and §2.2 says an unknown value must not change the answer. One read fetches the client and the token by hash; one
//! unconditional commit revokes and records the event.
//!
//! * Revoking a refresh token revokes its whole family: every access and
//!   refresh token issued from the same grant (RFC 7009 §2.1, "SHOULD also
//!   invalidate all access tokens based on the same authorization grant").
//!   This holds whatever state the presented refresh token is in — rotated,
//!   expired, or already revoked alone by a FIFO limit — because the grant
//!   may still hold live tokens and the client is asking for it to end.
//!   Revoking a family again is idempotent.
//! * Revoking an access token revokes that token alone (the refresh token
//!   stays; RFC 7009 §2.1 makes cascading upwards a MAY).
//! * An unknown token, or an access token that is expired or already
//!   revoked, is answered `200` with an empty body and nothing is written
//!   (RFC 7009 §2.2).
//! * A token issued to another client is not revoked and the request is
//!   refused with `unauthorized_client` (RFC 7009 §2.1: "verifies whether
//!   the token was issued to the client making the revocation request. If
//!   this validation fails, the request is refused and the client is
//!   informed of the error"). A `200` would tell the caller the token can
//!   no longer be used, which would be false.
//! * Only `POST` is served: the JSONP `GET` of RFC 7009 §2.3 would put the
//!   token in a URL, which OAuth 2.1 and RFC 9700 forbid; it gets `405`.
//!
//! No commit has a precondition: revocation is idempotent, and a rotation
//! racing with it is caught by the rotation's own `TokenActive`
//! precondition (the token endpoint then sees the revoked token).

use http::header::{CACHE_CONTROL, PRAGMA};
use http::{HeaderValue, Response, StatusCode};

use crate::ErrorCode;
use crate::endpoint::client_form::{self, ClientRead, Refusal};
use crate::endpoint::flow::{self, Env, Next, Resumed};
use crate::error::OAuthError;
use crate::input::HttpRequest;
use crate::secret::TokenHash;
use crate::store::{AuditAction, Effect, Records, TokenKind, Transaction, as_token};

/// Where a revocation waits.
#[derive(Debug)]
pub(crate) enum State {
    /// For the client and the token.
    Read(ClientRead<TokenHash>),
    /// For the revocation to be applied; the answer is `200` whatever the
    /// outcome (a transaction without preconditions cannot conflict).
    Commit,
}

/// How this endpoint's refusals are recorded.
const REFUSED: Refusal<'static> = Refusal {
    action: AuditAction::RevocationRefused,
    client_id: None,
    grant_type: None,
    challenge: false,
};

pub(crate) fn begin(env: &Env, request: HttpRequest<'_>) -> Next<State> {
    client_form::begin(env, request, REFUSED, |form, refusal| {
        client_form::token_parameter(env, form, refusal)
    })
    .map(State::Read)
}

pub(crate) fn resume(env: &Env, state: State, resumed: Resumed) -> Next<State> {
    match (state, resumed) {
        (State::Read(read), Resumed::Read(records)) => on_read(env, read, records),
        (State::Commit, Resumed::Commit(_)) => flow::respond(revoked(), Vec::new()),
        _ => flow::out_of_order(),
    }
}

fn on_read(env: &Env, read: ClientRead<TokenHash>, records: Records) -> Next<State> {
    let mut auth = match client_form::authenticate(env, read, records, REFUSED) {
        Ok(auth) => auth,
        Err(respond) => return respond.into(),
    };
    let Some(token) = as_token(auth.record.take()) else {
        return flow::respond(revoked(), Vec::new());
    };
    if token.client_id != auth.client.client_id {
        let err =
            OAuthError::new(ErrorCode::UnauthorizedClient, "token was not issued to this client");
        return auth.refusal(REFUSED).refuse(env, err).into();
    }
    let now = env.ctx.now;
    let revoke = match token.kind {
        TokenKind::Refresh => Effect::RevokeFamily { family: token.family, at: now },
        TokenKind::Access if token.is_active(now) => {
            Effect::RevokeToken { hash: auth.params, at: now }
        }
        TokenKind::Access => return flow::respond(revoked(), Vec::new()),
    };
    let mut event = env.audit(AuditAction::TokenRevoked);
    event.client_id = Some(token.client_id);
    event.subject = token.subject;
    event.family = Some(token.family);
    let transaction = Transaction::unconditional(vec![revoke, Effect::AppendAudit(event)]);
    flow::commit(transaction, State::Commit)
}

/// RFC 7009 §2.2: `200` and an empty body (the client ignores the body).
fn revoked() -> Response<Vec<u8>> {
    let mut response = Response::new(Vec::new());
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
