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
use crate::error::OAuthError;
use crate::exchange::{
    CommitState as AnyCommitState, Exchange, ReadState as AnyReadState, store_error,
};
use crate::secret::{TokenHash, encode_secret};
use crate::store::{
    AuditAction, AuditEvent, CodeRecord, Effect, FamilyId, GrantType, Outcome,
    PendingAuthorizationRecord, Precondition, Query, Record, StoreError, Transaction, as_pending,
};
use crate::{ErrorCode, Reply, Respond, Step, response};

/// Waiting for the pending authorization.
#[derive(Debug)]
pub(crate) struct ReadState {
    hash: TokenHash,
    decision: Decision,
}

/// Waiting for the code (or the denial) to be made durable.
#[derive(Debug)]
pub(crate) struct CommitState {
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

pub(crate) fn begin(ex: Exchange, decision: Decision) -> Step {
    let hash = decision.handle().hash();
    ex.read(vec![Query::Pending { hash }], AnyReadState::Decide(ReadState { hash, decision }))
}

pub(crate) fn on_read(
    ex: Exchange,
    state: ReadState,
    mut records: impl Iterator<Item = Option<Record>>,
) -> Step {
    let ReadState { hash, decision } = state;
    let Some(pending) = as_pending(records.next().flatten()).filter(|p| p.kind.awaits_decision())
    else {
        return refuse(ex, None, "interaction handle is unknown or was already used");
    };
    if ex.ctx.now >= pending.expires_at {
        return refuse(ex, Some(&pending.client_id), "interaction expired");
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
            let code = encode_secret(&ex.ctx.entropy.derive(b"authorization-code"));
            let (record, family) = code_record(&ex, &code, subject.clone(), scopes, pending);
            let mut event = event(&ex, AuditAction::AuthorizationApproved, &client_id, None);
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
            let event = event(&ex, AuditAction::AuthorizationRefused, &client_id, Some(err.code));
            (vec![take, Effect::AppendAudit(event)], Then::Error(err))
        }
        Decision::Deny { .. } => {
            let err =
                OAuthError::new(ErrorCode::AccessDenied, "the resource owner denied the request");
            let event = event(&ex, AuditAction::AuthorizationDenied, &client_id, Some(err.code));
            (vec![take, Effect::AppendAudit(event)], Then::Error(err))
        }
    };
    let transaction =
        Transaction { preconditions: vec![Precondition::PendingExists { hash }], effects };
    ex.commit(transaction, AnyCommitState::Decide(CommitState { target, client_id, then }))
}

/// The authorization code for an approved request, bound to its client,
/// redirect URI as sent, PKCE challenge and a new grant family.
fn code_record(
    ex: &Exchange,
    code: &str,
    subject: String,
    scopes: crate::Scopes,
    pending: PendingAuthorizationRecord,
) -> (CodeRecord, FamilyId) {
    let family = FamilyId::from_entropy(ex.ctx.entropy.derive(b"family"));
    let now = ex.ctx.now;
    let record = CodeRecord {
        hash: TokenHash::of(code),
        client_id: pending.client_id,
        subject,
        redirect_uri: pending.redirect_uri,
        scopes,
        challenge: pending.challenge,
        issued_at: now,
        expires_at: now.after(ex.config.code_lifetime()),
        family,
        consumed_at: None,
    };
    (record, family)
}

pub(crate) fn on_commit(ex: Exchange, state: CommitState, outcome: Outcome) -> Step {
    let CommitState { target, client_id, then } = state;
    match outcome {
        Outcome::Applied => {
            let response = match &then {
                Then::Code(code) => target.code(&ex.config, &code.0),
                Then::Error(err) => target.error(&ex.config, Leg::Decision, err),
            };
            ex.respond(response, Vec::new())
        }
        // A parallel decision took the pending authorization first.
        Outcome::Conflict { .. } => {
            refuse(ex, Some(&client_id), "interaction handle is unknown or was already used")
        }
    }
}

/// The decision could not be stored; the redirect URI is verified, so the
/// client is told (RFC 6749 §4.1.2.1).
pub(crate) fn on_commit_failure(ex: &Exchange, state: &CommitState, error: &StoreError) -> Respond {
    let response = state.target.error(&ex.config, Leg::Decision, &store_error(error));
    Respond { reply: Reply::Http(response), best_effort: Vec::new() }
}

/// A direct 400 `invalid_request`, with its audit event.
fn refuse(ex: Exchange, client_id: Option<&str>, description: &'static str) -> Step {
    let err = OAuthError::new(ErrorCode::InvalidRequest, description);
    let mut event = ex.audit(AuditAction::AuthorizationRefused);
    event.client_id = client_id.map(str::to_owned);
    event.grant_type = Some(GrantType::AuthorizationCode);
    event.error = Some(err.code);
    let mut response = response::error(&err);
    *response.status_mut() = StatusCode::BAD_REQUEST;
    ex.respond(response, vec![Effect::AppendAudit(event)])
}

fn event(
    ex: &Exchange,
    action: AuditAction,
    client_id: &str,
    error: Option<ErrorCode>,
) -> AuditEvent {
    let mut event = ex.audit(action);
    event.client_id = Some(client_id.to_owned());
    event.grant_type = Some(GrantType::AuthorizationCode);
    event.error = error;
    event
}
