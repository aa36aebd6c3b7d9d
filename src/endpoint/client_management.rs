//! The registration client URI (RFC 7592 §2): `GET` reads, `PUT` replaces,
//! `DELETE` removes a registered client, authenticated by its registration
//! access token as a Bearer token.
//!
//! One read finds the client by the token's hash
//! ([`Query::ClientByRegistrationToken`]); the client must be the one the
//! URI names. Updates and deletions commit under
//! [`Precondition::ClientRevision`], so a change made in between (an
//! administrator rotating the token or secret, a parallel delete) is never
//! overwritten: the exchange decides once more from what the store found.
//!
//! Answers: no or another-scheme credentials → 401 with a bare
//! `WWW-Authenticate: Bearer`; a malformed Bearer header → 400
//! `invalid_request`; a token no client holds (unknown, replaced, or its
//! client deleted) → 401 `invalid_token` (RFC 7592 §2.1–§2.3, §5); a valid
//! token of another client → 403 `access_denied` ("the client does not
//! have permission", RFC 7592 §2.1–§2.3), answered the same whether the
//! addressed client exists or not.

use http::header::{CACHE_CONTROL, PRAGMA};
use http::{HeaderValue, Method, Response, StatusCode};
use subtle::ConstantTimeEq;

use crate::bearer::{self, BearerError};
use crate::endpoint::flow::{self, Env, Next, Resumed};
use crate::error::OAuthError;
use crate::input::HttpRequest;
use crate::registration::{
    Allowance, Minted, UpdateRequest, client_information, json_body, replaced,
};
use crate::secret::{ClientSecret, TokenHash};
use crate::store::{
    AuditAction, ClientRecord, Effect, Outcome, Precondition, Query, Transaction, as_client,
};
use crate::{ErrorCode, response};

/// How many times a conflicting commit is decided again before the
/// exchange gives up with `temporarily_unavailable`.
const RETRIES: u8 = 1;

/// What the request asks for.
#[derive(Debug)]
enum Operation {
    Read,
    Update(Box<UpdateRequest>),
    Delete,
}

/// Where a client management request waits.
#[derive(Debug)]
pub(crate) enum State {
    /// For the client that holds the presented token.
    Read(Target),
    /// For an update or deletion to be applied.
    Commit {
        /// The request.
        target: Target,
        /// How many more conflicts are decided again.
        retries: u8,
        /// What to answer once applied.
        then: Then,
    },
}

/// The addressed client, the presented token and the operation.
#[derive(Debug)]
pub(crate) struct Target {
    client_id: String,
    token: TokenHash,
    operation: Operation,
}

/// What to answer once the commit is applied.
#[derive(Debug)]
pub(crate) enum Then {
    Updated(Box<(ClientRecord, Option<ClientSecret>)>),
    Deleted,
}

pub(crate) fn begin(env: &Env, request: HttpRequest<'_>, segment: &str) -> Next<State> {
    let Some(client_id) = decode_segment(segment) else {
        return flow::respond(response::not_found(), Vec::new());
    };
    let method = request.method();
    if ![Method::GET, Method::PUT, Method::DELETE].contains(method) {
        return flow::respond(response::method_not_allowed("GET, PUT, DELETE"), Vec::new());
    }
    let token = match bearer::bearer_token(request.headers()) {
        Ok(token) => TokenHash::of(&token.0),
        Err(BearerError::Missing) => {
            let response = bearer::missing(&env.config.bearer().realm);
            return refuse(env, &client_id, response, ErrorCode::InvalidToken);
        }
        Err(BearerError::Malformed(description)) => {
            let err = OAuthError::new(ErrorCode::InvalidRequest, description);
            let response = bearer::error(&env.config.bearer().realm, &err);
            return refuse(env, &client_id, response, err.code);
        }
    };
    let operation = if *method == Method::GET {
        Operation::Read
    } else if *method == Method::DELETE {
        Operation::Delete
    } else {
        let parsed = json_body(request.headers(), request.body(), env.config.max_body_bytes())
            .and_then(|body| {
                UpdateRequest::from_json(body)
                    .map_err(|err| (err.into_oauth(), StatusCode::BAD_REQUEST))
            });
        match parsed {
            Ok(update) => Operation::Update(Box::new(update)),
            Err((err, status)) => {
                let mut response = response::error(&err);
                *response.status_mut() = status;
                return refuse(env, &client_id, response, err.code);
            }
        }
    };
    let target = Target { client_id, token, operation };
    let query = Query::ClientByRegistrationToken { hash: token };
    flow::read(vec![query], State::Read(target))
}

pub(crate) fn resume(env: &Env, state: State, resumed: Resumed) -> Next<State> {
    match (state, resumed) {
        (State::Read(target), Resumed::Read(mut records)) => {
            decide(env, target, as_client(records.next().flatten()), RETRIES)
        }
        (State::Commit { target, retries, then }, Resumed::Commit(outcome)) => {
            on_commit(env, target, retries, then, outcome)
        }
        _ => flow::out_of_order(),
    }
}

fn on_commit(env: &Env, target: Target, retries: u8, then: Then, outcome: Outcome) -> Next<State> {
    match (outcome, then) {
        (Outcome::Applied, Then::Updated(updated)) => {
            let (record, issued) = *updated;
            let minted = Minted { secret: issued.as_ref(), registration_token: None };
            let body = client_information(&env.config, &record, &minted);
            flow::respond(response::json(StatusCode::OK, body), Vec::new())
        }
        (Outcome::Applied, Then::Deleted) => flow::respond(no_content(), Vec::new()),
        (Outcome::Conflict { found, .. }, _) if retries > 0 => {
            decide(env, target, as_client(found), retries - 1)
        }
        (Outcome::Conflict { .. }, _) => {
            let err = OAuthError::new(
                ErrorCode::TemporarilyUnavailable,
                "the client changed while this request was processed; retry",
            );
            let response = response::error(&err);
            refuse(env, &target.client_id, response, err.code)
        }
    }
}

/// Decides the request given `holder`, the stored client that should hold
/// the presented token (looked up by the token, or by id after a conflict).
fn decide(env: &Env, target: Target, holder: Option<ClientRecord>, retries: u8) -> Next<State> {
    let holds_token = |client: &ClientRecord| {
        client
            .registration_token_hash
            .is_some_and(|hash| bool::from(hash.as_bytes().ct_eq(target.token.as_bytes())))
    };
    let Some(client) = holder.filter(holds_token) else {
        let err =
            OAuthError::new(ErrorCode::InvalidToken, "the registration access token is not valid");
        let response = bearer::error(&env.config.bearer().realm, &err);
        return refuse(env, &target.client_id, response, err.code);
    };
    if client.client_id != target.client_id {
        let err = OAuthError::new(
            ErrorCode::AccessDenied,
            "the registration access token belongs to another client",
        );
        return refuse(env, &target.client_id, response::error(&err), err.code);
    }
    let (effects, then) = match &target.operation {
        Operation::Read => {
            let body = client_information(&env.config, &client, &Minted::default());
            return flow::respond(response::json(StatusCode::OK, body), Vec::new());
        }
        Operation::Update(update) => match update_effects(env, &client, update) {
            Ok(effects_then) => effects_then,
            Err(err) => return refuse(env, &target.client_id, response::error(&err), err.code),
        },
        Operation::Delete => {
            let mut event = env.audit(AuditAction::ClientDeleted);
            event.client_id = Some(client.client_id.clone());
            let effects = vec![
                Effect::DeleteClient { client_id: client.client_id.clone(), at: env.ctx.now },
                Effect::AppendAudit(event),
            ];
            (effects, Then::Deleted)
        }
    };
    let transaction = Transaction {
        preconditions: vec![Precondition::ClientRevision {
            client_id: client.client_id.clone(),
            revision: client.revision,
        }],
        effects,
    };
    flow::commit(transaction, State::Commit { target, retries, then })
}

/// The RFC 7592 §2.2 rules, then the RFC 7591 metadata rules.
fn update_effects(
    env: &Env,
    client: &ClientRecord,
    update: &UpdateRequest,
) -> Result<(Vec<Effect>, Then), OAuthError> {
    let metadata =
        |description: &'static str| OAuthError::new(ErrorCode::InvalidClientMetadata, description);
    match update.client_id.as_deref() {
        None => return Err(metadata("client_id is required in an update request")),
        Some(id) if id != client.client_id => {
            return Err(metadata("client_id does not match the client being updated"));
        }
        Some(_) => {}
    }
    if let Some(secret) = &update.client_secret {
        let matches = client.secret_hash.is_some_and(|hash| hash.verify(&secret.0));
        if !matches {
            return Err(metadata("client_secret does not match the client's current secret"));
        }
    }
    let settings = update
        .metadata
        .validate(&env.config, &Allowance::self_update(&env.config, client))
        .map_err(crate::registration::MetadataError::into_oauth)?;
    let (record, issued) = replaced(client, settings, &env.ctx);
    let mut event = env.audit(AuditAction::ClientUpdated);
    event.client_id = Some(client.client_id.clone());
    let effects = vec![Effect::PutClient(record.clone()), Effect::AppendAudit(event)];
    Ok((effects, Then::Updated(Box::new((record, issued)))))
}

/// RFC 7592 §2.3: 204 No Content, not cached.
fn no_content() -> Response<Vec<u8>> {
    let mut response = Response::new(Vec::new());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Sends `response` and records the refusal best-effort, naming the client
/// the URI addressed.
fn refuse(env: &Env, client_id: &str, response: Response<Vec<u8>>, code: ErrorCode) -> Next<State> {
    let mut event = env.audit(AuditAction::ClientManagementRefused);
    event.client_id = Some(client_id.to_owned());
    event.error = Some(code);
    flow::respond(response, vec![Effect::AppendAudit(event)])
}

/// The client id in a path segment: percent-decoded UTF-8, non-empty,
/// without `/`.
fn decode_segment(segment: &str) -> Option<String> {
    if segment.is_empty() || segment.contains('/') {
        return None;
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex =
                segment.get(i + 1..i + 3).filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::decode_segment;

    #[test]
    fn segments_decode() {
        assert_eq!(decode_segment("s6BhdRkqt3").as_deref(), Some("s6BhdRkqt3"));
        assert_eq!(decode_segment("a%20b%2F%C3%A9").as_deref(), Some("a b/é"));
        assert_eq!(decode_segment("a+b").as_deref(), Some("a+b"));
        for bad in ["", "a/b", "%", "%4", "%zz", "%ff", "%+1"] {
            assert_eq!(decode_segment(bad), None, "{bad}");
        }
    }
}
