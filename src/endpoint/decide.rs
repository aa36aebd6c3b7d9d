//! Finishing an authorization request with the host's [`Decision`]
//! (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207 §2).
//!
//! One read fetches the pending authorization by the handle's hash; one
//! commit takes it under [`Precondition::PendingExists`] (so a handle works
//! exactly once, even when two decisions race) together with the new
//! authorization code or the denial's audit event; then a 303 to the
//! client (RFC 9700 §4.12: the decision usually answers a POSTed form). A handle that is unknown, expired, already used or not an
//! interaction's gets a direct 400: there is no verified place to redirect.

use http::StatusCode;

use crate::authorization::{Decision, Leg, Target};
use crate::endpoint::flow::{self, Env, Next, Resumed, store_error};
use crate::error::OAuthError;
use crate::reply::Respond;
use crate::secret::{TokenHash, encode_secret};
use crate::store::{
    AuditAction, AuditEvent, CodeRecord, Effect, FamilyId, GrantType, Outcome,
    PendingAuthorizationRecord, Precondition, Query, Records, StoreError, Transaction, as_pending,
};
use crate::{ErrorCode, response};

/// Where a decision waits.
#[derive(Debug)]
pub(crate) enum State {
    /// For the pending authorization.
    Read(Reading),
    /// For the code (or the denial) to be made durable.
    Commit(Storing),
}

/// Waiting for the pending authorization.
#[derive(Debug)]
pub(crate) struct Reading {
    hash: TokenHash,
    decision: Decision,
}

/// Waiting for the code (or the denial) to be made durable.
#[derive(Debug)]
pub(crate) struct Storing {
    target: Target,
    client_id: String,
    then: Then,
}

/// What to redirect with once the commit is applied.
#[derive(Debug)]
enum Then {
    Code(crate::secret::Redacted),
    Error(OAuthError),
}

pub(crate) fn begin(_env: &Env, decision: Decision) -> Next<State> {
    let hash = decision.handle().hash();
    flow::read(vec![Query::Pending { hash }], State::Read(Reading { hash, decision }))
}

pub(crate) fn resume(env: &Env, state: State, resumed: Resumed) -> Next<State> {
    match (state, resumed) {
        (State::Read(reading), Resumed::Read(records)) => on_read(env, reading, records),
        (State::Commit(storing), Resumed::Commit(outcome)) => on_commit(env, storing, outcome),
        _ => flow::out_of_order(),
    }
}

/// The decision could not be read or stored. Before the read nothing is
/// verified: a direct answer. After it, the redirect URI is verified, so
/// the client is told (RFC 6749 §4.1.2.1).
pub(crate) fn fail(env: &Env, state: &State, error: &StoreError) -> Respond {
    match state {
        State::Read(_) => flow::store_failure(error),
        State::Commit(storing) => {
            let response = storing.target.error(&env.config, Leg::Decision, &store_error(error));
            Respond::http(response, Vec::new())
        }
    }
}

fn on_read(env: &Env, state: Reading, mut records: Records) -> Next<State> {
    let Reading { hash, decision } = state;
    let Some(pending) = as_pending(records.next().flatten()).filter(|p| p.kind.awaits_decision())
    else {
        return refuse(env, None, "interaction handle is unknown or was already used");
    };
    if env.ctx.now >= pending.expires_at {
        return refuse(env, Some(&pending.client_id), "interaction expired");
    }
    let target = Target {
        redirect_uri: pending.resolved_redirect_uri.clone(),
        state: pending.state.clone(),
    };
    let client_id = pending.client_id.clone();
    let take = Effect::TakePending { hash };
    let (effects, then) = match decision {
        Decision::Approve { subject, scopes, .. }
            if !subject.is_empty() && scopes.is_subset(&pending.scopes) =>
        {
            let code = encode_secret(&env.ctx.entropy.derive(b"authorization-code"));
            let (record, family) = code_record(env, &code, subject.clone(), scopes, pending);
            let mut event = event(env, AuditAction::AuthorizationApproved, &client_id, None);
            event.subject = Some(subject);
            event.family = Some(family);
            let effects = vec![Effect::PutCode(record), take, Effect::AppendAudit(event)];
            (effects, Then::Code(crate::secret::Redacted(code)))
        }
        // The host granted scopes that were not requested, or named no
        // subject: a host bug. The request ends with `server_error` rather
        // than a code the user did not see.
        Decision::Approve { .. } => {
            let err = OAuthError::new(
                ErrorCode::ServerError,
                "the authorization server could not complete the request",
            );
            let event = event(env, AuditAction::AuthorizationRefused, &client_id, Some(err.code));
            (vec![take, Effect::AppendAudit(event)], Then::Error(err))
        }
        Decision::Deny { .. } => {
            let err =
                OAuthError::new(ErrorCode::AccessDenied, "the resource owner denied the request");
            let event = event(env, AuditAction::AuthorizationDenied, &client_id, Some(err.code));
            (vec![take, Effect::AppendAudit(event)], Then::Error(err))
        }
    };
    let transaction =
        Transaction { preconditions: vec![Precondition::PendingExists { hash }], effects };
    flow::commit(transaction, State::Commit(Storing { target, client_id, then }))
}

/// The authorization code for an approved request, bound to its client,
/// redirect URI as sent, PKCE challenge and a new grant family.
fn code_record(
    env: &Env,
    code: &str,
    subject: String,
    scopes: crate::Scopes,
    pending: PendingAuthorizationRecord,
) -> (CodeRecord, FamilyId) {
    let family = FamilyId::from_entropy(env.ctx.entropy.derive(b"family"));
    let now = env.ctx.now;
    let record = CodeRecord {
        hash: TokenHash::of(code),
        client_id: pending.client_id,
        subject,
        redirect_uri: pending.redirect_uri,
        scopes,
        challenge: pending.challenge,
        issued_at: now,
        expires_at: now.after(env.config.code_lifetime()),
        family,
        consumed_at: None,
        resources: pending.resources,
    };
    (record, family)
}

fn on_commit(env: &Env, state: Storing, outcome: Outcome) -> Next<State> {
    let Storing { target, client_id, then } = state;
    match outcome {
        Outcome::Applied => {
            let response = match &then {
                Then::Code(code) => target.code(&env.config, &code.0),
                Then::Error(err) => target.error(&env.config, Leg::Decision, err),
            };
            flow::respond(response, Vec::new())
        }
        // A parallel decision took the pending authorization first.
        Outcome::Conflict { .. } => {
            refuse(env, Some(&client_id), "interaction handle is unknown or was already used")
        }
    }
}

/// A direct 400 `invalid_request`, with its audit event.
fn refuse(env: &Env, client_id: Option<&str>, description: &'static str) -> Next<State> {
    let err = OAuthError::new(ErrorCode::InvalidRequest, description);
    let mut event = env.audit(AuditAction::AuthorizationRefused);
    event.client_id = client_id.map(str::to_owned);
    event.grant_type = Some(GrantType::AuthorizationCode);
    event.error = Some(err.code);
    let mut response = response::error(&err);
    *response.status_mut() = StatusCode::BAD_REQUEST;
    flow::respond(response, vec![Effect::AppendAudit(event)])
}

fn event(env: &Env, action: AuditAction, client_id: &str, error: Option<ErrorCode>) -> AuditEvent {
    let mut event = env.audit(action);
    event.client_id = Some(client_id.to_owned());
    event.grant_type = Some(GrantType::AuthorizationCode);
    event.error = error;
    event
}
