//! The introspection endpoint (RFC 7662).
//!
//! `POST` with an `application/x-www-form-urlencoded` body holding `token`
//! (and optionally `token_type_hint`, ignored as at the revocation
//! endpoint: one lookup by hash finds either kind; RFC 7662 §2.1). The
//! caller authenticates as a confidential client exactly as at the token
//! endpoint (the shared [`client_form`] preamble); a missing or failed authentication, or a public
//! client (whose `client_id` alone proves nothing, RFC 7662 §4), is `401
//! invalid_client`. Introspection authorized by a bearer token (the first
//! example of RFC 7662 §2.1) is not offered.
//!
//! One read fetches the caller and the token by hash; nothing is
//! committed, and the audit event is best-effort.
//!
//! * A client sees the tokens issued to it; a client marked
//!   [`resource_server`](crate::store::ClientRecord::resource_server) sees
//!   every token. A token the caller may not see is answered exactly like
//!   an unknown one, so the endpoint cannot be used to scan for tokens
//!   (RFC 7662 §4).
//! * Unknown, expired, revoked or rotated tokens, and tokens the caller may
//!   not see, are answered `{"active":false}` and nothing more (RFC 7662
//!   §2.2: "SHOULD NOT include any additional information").
//! * An active token is answered with `active`, `scope` (when not empty),
//!   `client_id`, `token_type`, `token_use`, `exp`, `iat`, `sub` (when the
//!   token has a subject), `aud` (when the token has resources: the one
//!   resource indicator as a string, several as an array; RFC 8707, RFC
//!   7662 §2.2), `iss` (the configured issuer) and `jti`.
//!   * `token_type` is `Bearer` for an access token, as at the token
//!     endpoint (RFC 6749 §5.1). RFC 7662 defines it by that registry of
//!     *access* token types, which has no value for refresh tokens, so it
//!     is omitted for them.
//!   * `token_use` (an extension member, RFC 7662 §2.2) is `access_token`
//!     or `refresh_token`, the RFC 7009 hint vocabulary, so a resource
//!     server can refuse a refresh token presented as an access token.
//!   * `jti` identifies the token without being its storage key: the first
//!     128 bits of SHA-256 over a domain-separation label and the token's
//!     hash, base64url (22 characters). The hash itself is the key under
//!     which storage finds the token, so it is kept out of responses and
//!     logs like the token; the derived id is one-way from it, stable for
//!     the token's life, and correlates introspection answers with each
//!     other and with the store's rows (recompute it from the hash).
//!
//! Every answer carries `Cache-Control: no-store` (RFC 7662 §4: the
//! response holds token metadata).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{Response, StatusCode};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::client_auth::AuthFailure;
use crate::endpoint::client_form::{self, ClientRead, Refusal};
use crate::endpoint::flow::{self, Env, Next, Resumed};
use crate::input::HttpRequest;
use crate::response;
use crate::secret::TokenHash;
use crate::store::{AuditAction, ClientRecord, Effect, Records, TokenKind, TokenRecord, as_token};

/// Where an introspection waits: for the caller and the token.
#[derive(Debug)]
pub(crate) enum State {
    /// For the caller and the token.
    Read(ClientRead<TokenHash>),
}

/// The RFC 7662 §2.2 body for an active token.
#[derive(Serialize)]
struct Active<'a> {
    active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    client_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_type: Option<&'static str>,
    token_use: &'static str,
    exp: u64,
    iat: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<Audience<'a>>,
    iss: &'a str,
    jti: String,
}

/// `aud`: one audience as a string, several as an array (RFC 7519 §4.1.3).
#[derive(Serialize)]
#[serde(untagged)]
enum Audience<'a> {
    One(&'a str),
    Many(&'a [String]),
}

impl<'a> Audience<'a> {
    fn of(resources: &'a [String]) -> Option<Self> {
        match resources {
            [] => None,
            [one] => Some(Self::One(one)),
            many => Some(Self::Many(many)),
        }
    }
}

/// The whole body for every token that is not active for the caller.
const INACTIVE: &[u8] = br#"{"active":false}"#;

/// How this endpoint's refusals are recorded.
const REFUSED: Refusal<'static> = Refusal {
    action: AuditAction::IntrospectionRefused,
    client_id: None,
    grant_type: None,
    challenge: false,
};

pub(crate) fn begin(env: &Env, request: HttpRequest<'_>) -> Next<State> {
    client_form::begin_with_token(env, request, REFUSED).map(State::Read)
}

pub(crate) fn resume(env: &Env, state: State, resumed: Resumed) -> Next<State> {
    match (state, resumed) {
        (State::Read(read), Resumed::Read(records)) => on_read(env, read, records),
        (State::Read(_), Resumed::Commit(_)) => flow::out_of_order(),
    }
}

fn on_read(env: &Env, read: ClientRead<TokenHash>, records: Records) -> Next<State> {
    let mut auth = match client_form::authenticate(env, read, records, REFUSED) {
        Ok(auth) => auth,
        Err(respond) => return respond.into(),
    };
    // RFC 7662 §4: a public client's `client_id` proves nothing. Refused
    // like any failed authentication, so the answer does not tell that a
    // public client of that name exists.
    if auth.client.is_public() {
        return auth.refusal(REFUSED).refuse_authentication(env, AuthFailure::PUBLIC_CLIENT).into();
    }
    let mut event = env.audit(AuditAction::TokenIntrospected);
    let now = env.ctx.now;
    let token = as_token(auth.record.take());
    let visible = token.filter(|t| may_see(&auth.client, t) && t.is_active(now));
    let response = match visible {
        None => response::json(StatusCode::OK, INACTIVE.to_vec()),
        Some(token) => {
            event.subject.clone_from(&token.subject);
            event.family = Some(token.family);
            active(env, &token, &auth.params)
        }
    };
    event.client_id = Some(auth.client.client_id);
    flow::respond(response, vec![Effect::AppendAudit(event)])
}

/// Whether `client` may learn about `token` (RFC 7662 §2.1, §4).
fn may_see(client: &ClientRecord, token: &TokenRecord) -> bool {
    client.resource_server || token.client_id == client.client_id
}

fn active(env: &Env, token: &TokenRecord, hash: &TokenHash) -> Response<Vec<u8>> {
    let body = Active {
        active: true,
        scope: (!token.scopes.is_empty()).then(|| token.scopes.to_string()),
        client_id: &token.client_id,
        token_type: match token.kind {
            TokenKind::Access => Some("Bearer"),
            TokenKind::Refresh => None,
        },
        token_use: token.kind.as_str(),
        exp: token.expires_at.as_secs(),
        iat: token.issued_at.as_secs(),
        sub: token.subject.as_deref(),
        aud: Audience::of(&token.resources),
        iss: env.config.issuer(),
        jti: token_id(hash),
    };
    response::json_value(StatusCode::OK, &body)
}

/// The public identifier of a token: base64url of the first 16 bytes of
/// SHA-256(`qscope.jti.v1` NUL ‖ hash). See the module docs for why it is
/// not the hash itself.
pub(crate) fn token_id(hash: &TokenHash) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"qscope.jti.v1\0");
    hasher.update(hash.as_bytes());
    let digest = hasher.finalize();
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_id_is_stable_short_and_not_the_hash() {
        let hash = TokenHash::of("2YotnFZFEjr1zCsicMWpAA");
        let id = token_id(&hash);
        assert_eq!(id, token_id(&hash));
        assert_eq!(id.len(), 22);
        assert!(!hash.to_text().starts_with(&id));
        assert_ne!(id, token_id(&TokenHash::of("another")));
    }
}
