//! The pushed authorization request endpoint (RFC 9126 §2).
//!
//! `POST` with a form body and client authentication exactly as at the
//! token endpoint. The request is validated as an authorization request;
//! every error is a direct JSON answer (RFC 9126 §2.3), redirect-URI
//! problems included (`invalid_request`). On success one commit stores it
//! as a pending authorization keyed by the hash of a fresh `request_uri`,
//! answered with 201 (RFC 9126 §2.2).

use http::StatusCode;
use serde::Serialize;

use crate::authorization::{Params, REQUEST_URI_PREFIX, resolve_redirect_uri, validate};
use crate::endpoint::client_form::{self, ClientRead, Parsed, Refusal};
use crate::endpoint::flow::{self, Env, Next, Resumed};
use crate::error::OAuthError;
use crate::input::HttpRequest;
use crate::secret::{Redacted, TokenHash, encode_secret};
use crate::store::{
    AuditAction, Effect, GrantType, Outcome, PendingAuthorizationRecord, PendingKind, Records,
    Transaction,
};
use crate::{ErrorCode, response};

/// Where a pushed request waits.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "a state lives for one step; boxing it would cost an allocation per request"
)]
pub(crate) enum State {
    /// For the client.
    Read(ClientRead<Params>),
    /// For the pushed request to be stored under this `request_uri`.
    Commit(Redacted),
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

pub(crate) fn begin(env: &Env, request: HttpRequest<'_>) -> Next<State> {
    client_form::begin(env, request, REFUSED, |form, refusal| {
        // RFC 9126 §2.1: `client_id` is required here as at the authorization
        // endpoint, even when the client authenticates with HTTP Basic.
        let Some(client_id) = form.get("client_id") else {
            let err = invalid_request("client_id is required");
            return Err(Refusal { challenge: false, ..refusal }.refuse(env, err).into());
        };
        // RFC 9126 §2.1: "The request_uri authorization request parameter ...
        // MUST NOT be provided."
        if form.get("request_uri").is_some() {
            let err = invalid_request("request_uri must not be sent to the PAR endpoint");
            return Err(Refusal { client_id: Some(client_id), ..refusal }.refuse(env, err).into());
        }
        Ok(Parsed { params: Params::from_form(form, client_id, Vec::new()), record: None })
    })
    .map(State::Read)
}

pub(crate) fn resume(env: &Env, state: State, resumed: Resumed) -> Next<State> {
    match (state, resumed) {
        (State::Read(read), Resumed::Read(records)) => on_read(env, read, records),
        (State::Commit(request_uri), Resumed::Commit(outcome)) => {
            on_commit(env, &request_uri, outcome)
        }
        _ => flow::out_of_order(),
    }
}

fn on_read(env: &Env, read: ClientRead<Params>, records: Records) -> Next<State> {
    let auth = match client_form::authenticate(env, read, records, REFUSED) {
        Ok(auth) => auth,
        Err(respond) => return respond.into(),
    };
    let refusal = Refusal { challenge: false, ..auth.refusal(REFUSED) };
    let (client, params) = (&auth.client, &auth.params);
    let redirect_uri = match resolve_redirect_uri(client, params.redirect_uri.as_deref()) {
        Ok(uri) => uri,
        Err(why) => return refusal.refuse(env, invalid_request(why)).into(),
    };
    let validated = match validate(&env.config, client, params) {
        Ok(validated) => validated,
        Err(err) => return refusal.refuse(env, err).into(),
    };
    let reference = encode_secret(&env.ctx.entropy.derive(b"request-uri"));
    let request_uri = format!("{REQUEST_URI_PREFIX}{reference}");
    let now = env.ctx.now;
    let pending = PendingAuthorizationRecord {
        hash: TokenHash::of(&request_uri),
        kind: PendingKind::PushedRequest,
        client_id: client.client_id.clone(),
        redirect_uri: params.redirect_uri.clone(),
        resolved_redirect_uri: redirect_uri,
        scopes: validated.scopes,
        state: params.state.clone(),
        challenge: validated.challenge,
        created_at: now,
        expires_at: now.after(env.config.par_lifetime()),
        resources: validated.resources,
    };
    let mut event = env.audit(AuditAction::ParStored);
    event.client_id = Some(client.client_id.clone());
    event.grant_type = Some(GrantType::AuthorizationCode);
    let transaction =
        Transaction::unconditional(vec![Effect::PutPending(pending), Effect::AppendAudit(event)]);
    flow::commit(transaction, State::Commit(Redacted(request_uri)))
}

fn on_commit(env: &Env, request_uri: &Redacted, outcome: Outcome) -> Next<State> {
    match outcome {
        Outcome::Applied => {
            let body = Created {
                request_uri: &request_uri.0,
                expires_in: env.config.par_lifetime().get(),
            };
            flow::respond(response::json_value(StatusCode::CREATED, &body), Vec::new())
        }
        // The transaction has no precondition, so a conflict is impossible;
        // answer as a store failure rather than reveal an unstored request_uri.
        Outcome::Conflict { .. } => {
            let err = OAuthError::new(ErrorCode::ServerError, "storage failed");
            flow::respond(response::error(&err), Vec::new())
        }
    }
}

fn invalid_request(description: impl Into<std::borrow::Cow<'static, str>>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidRequest, description)
}
