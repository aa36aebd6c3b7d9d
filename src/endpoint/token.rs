//! The token endpoint (RFC 6749 §3.2, §5; OAuth 2.1 §3.2).
//!
//! `POST` with an `application/x-www-form-urlencoded` body. One read
//! fetches the client and the grant's record together; one commit makes
//! the issue (or the replay clean-up) durable before anything is answered.

use http::{Request, StatusCode};

use crate::client_auth::{AuthFailure, Credentials};
use crate::endpoint::client_form::{self, ClientForm, Refusal};
use crate::error::OAuthError;
use crate::exchange::{CommitState as AnyCommitState, Exchange, ReadState as AnyReadState};
use crate::grant::{Decision, GrantRequest, TokenResponse};
use crate::store::{
    AuditAction, AuditReason, ClientRecord, GrantType, Outcome, Precondition, Query, Record,
    as_client,
};
use crate::{ErrorCode, Step, response};

/// Waiting for the client and the grant's record.
#[derive(Debug)]
pub(crate) struct ReadState {
    credentials: Credentials,
    request: GrantRequest,
}

/// Waiting for the host's user check (password grant), the client already
/// authenticated.
#[derive(Debug)]
pub(crate) struct UserReadState {
    client: ClientRecord,
    request: GrantRequest,
}

/// Waiting for the issue or the clean-up to be applied.
#[derive(Debug)]
pub(crate) struct CommitState {
    client: ClientRecord,
    request: GrantRequest,
    then: Then,
}

/// What to answer once the commit is applied.
#[derive(Debug)]
enum Then {
    Issue(TokenResponse),
    Refuse(OAuthError),
}

/// How this endpoint's refusals are recorded.
const REFUSED: Refusal<'static> = Refusal {
    action: AuditAction::TokenRefused,
    client_id: None,
    grant_type: None,
    challenge: false,
};

pub(crate) fn begin<B: AsRef<[u8]>>(ex: Exchange, request: &Request<B>) -> Step {
    let (ex, ClientForm { form, credentials }) = match client_form::parse(ex, request, REFUSED) {
        Ok(parsed) => parsed,
        Err(step) => return *step,
    };
    let mut refusal = REFUSED.by(&credentials);
    let Some(grant_type) = form.get("grant_type") else {
        let err = OAuthError::new(ErrorCode::InvalidRequest, "grant_type is required");
        return refusal.refuse(ex, err);
    };
    let grant = match GrantType::parse(grant_type) {
        Some(grant) if ex.config.grant_enabled(grant) => grant,
        _ => {
            let err = OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                "grant_type is not supported by this server",
            );
            return refusal.refuse(ex, err);
        }
    };
    refusal.grant_type = Some(grant);
    let request = match GrantRequest::parse(grant, &form) {
        Ok(request) => request,
        Err(err) => return refusal.refuse(ex, err),
    };
    let mut queries = vec![Query::Client { client_id: credentials.client_id.clone() }];
    queries.extend(request.query());
    ex.read(queries, AnyReadState::Token(ReadState { credentials, request }))
}

pub(crate) fn on_read(
    ex: Exchange,
    state: ReadState,
    mut records: impl Iterator<Item = Option<Record>>,
) -> Step {
    let ReadState { credentials, request } = state;
    let client = as_client(records.next().flatten());
    let grant_record = records.next().flatten();
    let refusal = Refusal { grant_type: Some(request.grant_type()), ..REFUSED.by(&credentials) };
    let client = match credentials.authenticate(client) {
        Ok(client) => client,
        Err(failure) => return refusal.refuse_authentication(ex, failure),
    };
    if !client.may_use(request.grant_type()) {
        let err = OAuthError::new(
            ErrorCode::UnauthorizedClient,
            format!("client is not allowed the {} grant", request.grant_type()),
        );
        return refusal.refuse(ex, err);
    }
    if let Some(query) = request.authenticated_query() {
        return ex.read(vec![query], AnyReadState::TokenUser(UserReadState { client, request }));
    }
    let decision = request.decide(&ex, &client, grant_record);
    proceed(ex, client, request, decision)
}

pub(crate) fn on_user_read(
    ex: Exchange,
    state: UserReadState,
    mut records: impl Iterator<Item = Option<Record>>,
) -> Step {
    let UserReadState { client, request } = state;
    let decision = request.decide(&ex, &client, records.next().flatten());
    proceed(ex, client, request, decision)
}

pub(crate) fn on_commit(ex: Exchange, state: CommitState, outcome: Outcome) -> Step {
    let CommitState { client, request, then } = state;
    match (then, outcome) {
        (Then::Issue(tokens), Outcome::Applied) => {
            ex.respond(response::json(StatusCode::OK, tokens.to_json()), Vec::new())
        }
        // The client was deleted or changed (secret, grants) since it was
        // read: no token for what was not authenticated as it is now.
        (
            Then::Issue(_),
            Outcome::Conflict { failed: Precondition::ClientRevision { .. }, found },
        ) => {
            let refusal = Refusal {
                client_id: Some(&client.client_id),
                grant_type: Some(request.grant_type()),
                ..REFUSED
            };
            if found.is_none() {
                let failure = AuthFailure { reason: AuditReason::UnknownClient };
                return refusal.refuse_authentication(ex, failure);
            }
            let err = OAuthError::new(
                ErrorCode::TemporarilyUnavailable,
                "the client changed during the request; retry",
            );
            let status = err.code.status();
            refusal.refuse_as(ex, err, status)
        }
        // Someone else changed the record between our read and our commit
        // (a parallel redemption, a rotation, a revocation): decide again
        // from what the store found, exactly as if we had read it.
        (Then::Issue(_), Outcome::Conflict { found, .. }) => {
            let decision = request.decide(&ex, &client, found);
            proceed(ex, client, request, decision)
        }
        // The clean-up commit carried its own audit event.
        (Then::Refuse(err), _) => {
            let mut response = response::error(&err);
            *response.status_mut() = StatusCode::BAD_REQUEST;
            ex.respond(response, Vec::new())
        }
    }
}

fn proceed(ex: Exchange, client: ClientRecord, request: GrantRequest, decision: Decision) -> Step {
    match decision {
        Decision::Issue { transaction, tokens } => {
            let state = CommitState { client, request, then: Then::Issue(tokens) };
            ex.commit(transaction, AnyCommitState::Token(state))
        }
        Decision::RefuseAfter { transaction, error } => {
            let state = CommitState { client, request, then: Then::Refuse(error) };
            ex.commit(transaction, AnyCommitState::Token(state))
        }
        Decision::Refuse(err) => {
            let refusal = Refusal {
                client_id: Some(&client.client_id),
                grant_type: Some(request.grant_type()),
                ..REFUSED
            };
            // RFC 6749 §5.2 (and RFC 8628 §3.5): grant errors are 400.
            refusal.refuse_as(ex, err, StatusCode::BAD_REQUEST)
        }
        Decision::RefuseForeign { error, family } => {
            let refusal = Refusal {
                client_id: Some(&client.client_id),
                grant_type: Some(request.grant_type()),
                ..REFUSED
            };
            refusal.refuse_noting(ex, error, StatusCode::BAD_REQUEST, |event| {
                event.family = Some(family);
                event.reason = Some(AuditReason::IssuedToAnotherClient);
            })
        }
    }
}
