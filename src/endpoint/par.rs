//! The pushed authorization request endpoint (RFC 9126 §2).
//!
//! `POST` with a form body and client authentication exactly as at the
//! token endpoint. The request is validated as an authorization request;
//! every error is a direct JSON answer (RFC 9126 §2.3), redirect-URI
//! problems included (`invalid_request`). On success one commit stores it
//! as a pending authorization keyed by the hash of a fresh `request_uri`,
//! answered with 201 (RFC 9126 §2.2).

use http::{Request, StatusCode};
use serde::Serialize;

use crate::authorization::{Params, resolve_redirect_uri, validate};
use crate::client_auth::Credentials;
use crate::endpoint::authorize::REQUEST_URI_PREFIX;
use crate::endpoint::client_form::{self, ClientForm, Refusal};
use crate::error::OAuthError;
use crate::exchange::{CommitState as AnyCommitState, Exchange, ReadState as AnyReadState};
use crate::secret::{Redacted, TokenHash, encode_secret};
use crate::store::{
    AuditAction, Effect, GrantType, Outcome, PendingAuthorizationRecord, PendingKind, Query,
    Record, Transaction, as_client,
};
use crate::{ErrorCode, Step, response};

/// Waiting for the client.
#[derive(Debug)]
pub(crate) struct ReadState {
    credentials: Credentials,
    params: Params,
}

/// Waiting for the pushed request to be stored.
#[derive(Debug)]
pub(crate) struct CommitState {
    request_uri: Redacted,
}

/// The RFC 9126 §2.2 body.
#[derive(Serialize)]
struct Created<'a> {
    request_uri: &'a str,
    expires_in: u64,
}

/// How this endpoint's refusals are recorded.
const REFUSED: Refusal<'static> = Refusal {
    action: AuditAction::ParRefused,
    client_id: None,
    grant_type: Some(GrantType::AuthorizationCode),
    challenge: false,
};

pub(crate) fn begin<B: AsRef<[u8]>>(ex: Exchange, request: &Request<B>) -> Step {
    let (ex, ClientForm { form, credentials }) = match client_form::parse(ex, request, REFUSED) {
        Ok(parsed) => parsed,
        Err(step) => return *step,
    };
    // RFC 9126 §2.1: `client_id` is required here as at the authorization
    // endpoint, even when the client authenticates with HTTP Basic.
    let Some(client_id) = form.get("client_id") else {
        let err = invalid_request("client_id is required");
        return Refusal { challenge: false, ..REFUSED.by(&credentials) }.refuse(ex, err);
    };
    // RFC 9126 §2.1: "The request_uri authorization request parameter ...
    // MUST NOT be provided."
    if form.get("request_uri").is_some() {
        let err = invalid_request("request_uri must not be sent to the PAR endpoint");
        return Refusal { client_id: Some(client_id), ..REFUSED.by(&credentials) }.refuse(ex, err);
    }
    let params = Params::from_form(&form, client_id, Vec::new());
    let queries = vec![Query::Client { client_id: credentials.client_id.clone() }];
    ex.read(queries, AnyReadState::Par(ReadState { credentials, params }))
}

pub(crate) fn on_read(
    ex: Exchange,
    state: ReadState,
    mut records: impl Iterator<Item = Option<Record>>,
) -> Step {
    let ReadState { credentials, params } = state;
    let client = as_client(records.next().flatten());
    let refusal = REFUSED.by(&credentials);
    let client = match credentials.authenticate(client) {
        Ok(client) => client,
        Err(failure) => return refusal.refuse_authentication(ex, failure),
    };
    let refusal = Refusal { challenge: false, ..refusal };
    let redirect_uri = match resolve_redirect_uri(&client, params.redirect_uri.as_deref()) {
        Ok(uri) => uri,
        Err(why) => return refusal.refuse(ex, invalid_request(why)),
    };
    let validated = match validate(&ex.config, &client, &params) {
        Ok(validated) => validated,
        Err(err) => return refusal.refuse(ex, err),
    };
    let reference = encode_secret(&ex.ctx.entropy.derive(b"request-uri"));
    let request_uri = format!("{REQUEST_URI_PREFIX}{reference}");
    let now = ex.ctx.now;
    let pending = PendingAuthorizationRecord {
        hash: TokenHash::of(&request_uri),
        kind: PendingKind::PushedRequest,
        client_id: client.client_id.clone(),
        redirect_uri: params.redirect_uri,
        resolved_redirect_uri: redirect_uri,
        scopes: validated.scopes,
        state: params.state,
        challenge: validated.challenge,
        created_at: now,
        expires_at: now.after(ex.config.par_lifetime()),
    };
    let mut event = ex.audit(AuditAction::ParStored);
    event.client_id = Some(client.client_id);
    event.grant_type = Some(GrantType::AuthorizationCode);
    let transaction =
        Transaction::unconditional(vec![Effect::PutPending(pending), Effect::AppendAudit(event)]);
    let state = CommitState { request_uri: Redacted(request_uri) };
    ex.commit(transaction, AnyCommitState::Par(state))
}

pub(crate) fn on_commit(ex: Exchange, state: CommitState, outcome: Outcome) -> Step {
    match outcome {
        Outcome::Applied => {
            let body = Created {
                request_uri: &state.request_uri.0,
                expires_in: ex.config.par_lifetime().get(),
            };
            ex.respond(response::json_value(StatusCode::CREATED, &body), Vec::new())
        }
        // The transaction has no precondition, so a conflict is impossible;
        // answer as a store failure rather than reveal an unstored request_uri.
        Outcome::Conflict { .. } => {
            let err = OAuthError::new(ErrorCode::ServerError, "storage failed");
            ex.respond(response::error(&err), Vec::new())
        }
    }
}

fn invalid_request(description: impl Into<std::borrow::Cow<'static, str>>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidRequest, description)
}
