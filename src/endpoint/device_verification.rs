//! The host's device verification page (RFC 8628 §3.3): looking up the
//! user code the user typed, and recording the user's decision.
//!
//! Neither exchange is an HTTP endpoint: the host serves its own page and
//! asks the core through [`Server::device_prompt`](crate::Server::device_prompt)
//! and [`Server::decide_device`](crate::Server::decide_device); the answer
//! is a [`Reply::Device`](crate::Reply::Device). A decision commits under
//! [`Precondition::DeviceStatusIs`] `Pending`, so each code is decided once.
//! Every code that matches nothing is audited as `device_code_mismatch`
//! with the peer address, for the host to throttle guessing.

use crate::Step;
use crate::authorization::RequestedScope;
use crate::device::{DeviceDecision, DevicePrompt, DeviceRejection, DeviceReply, UserCode};
use crate::exchange::{CommitState as AnyCommitState, Exchange, ReadState as AnyReadState};
use crate::store::{
    AuditAction, DeviceGrantRecord, DeviceStatus, Effect, GrantType, Outcome, Precondition, Query,
    Record, Transaction, as_client, as_device,
};

/// Where a verification exchange waits.
#[derive(Debug)]
pub(crate) enum ReadState {
    /// For the grant behind the user code typed.
    Prompt(UserCode),
    /// For the grant's client, to describe it.
    PromptClient(UserCode, DeviceGrantRecord),
    /// For the grant the decision is about.
    Decide(DeviceDecision),
}

/// Waiting for the decision to be recorded.
#[derive(Debug)]
pub(crate) struct CommitState {
    approved: bool,
}

pub(crate) fn prompt(ex: Exchange, typed: &str) -> Step {
    match UserCode::parse(typed) {
        Some(code) => {
            let queries = vec![Query::UserCode { hash: code.hash() }];
            ex.read(queries, AnyReadState::DeviceVerification(ReadState::Prompt(code)))
        }
        None => mismatch(ex, DeviceRejection::Malformed),
    }
}

pub(crate) fn decide(ex: Exchange, decision: DeviceDecision) -> Step {
    let queries = vec![Query::UserCode { hash: decision.user_code().hash() }];
    ex.read(queries, AnyReadState::DeviceVerification(ReadState::Decide(decision)))
}

pub(crate) fn on_read(
    ex: Exchange,
    state: ReadState,
    mut records: impl Iterator<Item = Option<Record>>,
) -> Step {
    let record = records.next().flatten();
    match state {
        ReadState::Prompt(code) => match usable(&ex, as_device(record)) {
            Ok(grant) => {
                let queries = vec![Query::Client { client_id: grant.client_id.clone() }];
                let state = ReadState::PromptClient(code, grant);
                ex.read(queries, AnyReadState::DeviceVerification(state))
            }
            Err(rejection) => reject(ex, rejection),
        },
        ReadState::PromptClient(user_code, grant) => {
            // A client deleted since the device asked cannot be approved.
            let Some(client) = as_client(record) else {
                return reject(ex, DeviceRejection::Unknown);
            };
            let scopes = RequestedScope::describe(&grant.scopes, &ex.config);
            let prompt = DevicePrompt {
                user_code,
                client_id: client.client_id,
                client_name: client.name,
                client_uri: client.uri,
                registrant: client.registrant,
                scopes,
                expires_at: grant.expires_at,
            };
            ex.reply(DeviceReply::Prompt(prompt), Vec::new())
        }
        ReadState::Decide(decision) => match usable(&ex, as_device(record)) {
            Ok(grant) => record_decision(ex, decision, grant),
            Err(rejection) => reject(ex, rejection),
        },
    }
}

/// The grant, if it can still be decided.
fn usable(
    ex: &Exchange,
    grant: Option<DeviceGrantRecord>,
) -> Result<DeviceGrantRecord, DeviceRejection> {
    let grant = grant.ok_or(DeviceRejection::Unknown)?;
    if ex.ctx.now >= grant.expires_at {
        return Err(DeviceRejection::Expired);
    }
    if grant.status != DeviceStatus::Pending {
        return Err(DeviceRejection::AlreadyDecided);
    }
    Ok(grant)
}

fn record_decision(ex: Exchange, decision: DeviceDecision, grant: DeviceGrantRecord) -> Step {
    let (effect, action, approved) = match decision {
        DeviceDecision::Approve { subject, scopes, .. }
            if !subject.is_empty() && scopes.is_subset(&grant.scopes) =>
        {
            let effect = Effect::DecideDevice {
                hash: grant.device_code_hash,
                status: DeviceStatus::Approved,
                subject: Some(subject),
                granted_scopes: Some(scopes),
            };
            (effect, AuditAction::DeviceApproved, true)
        }
        DeviceDecision::Approve { .. } => return reject(ex, DeviceRejection::InvalidApproval),
        DeviceDecision::Deny { .. } => {
            let effect = Effect::DecideDevice {
                hash: grant.device_code_hash,
                status: DeviceStatus::Denied,
                subject: None,
                granted_scopes: None,
            };
            (effect, AuditAction::DeviceDenied, false)
        }
    };
    let mut event = ex.audit(action);
    event.client_id = Some(grant.client_id.clone());
    event.grant_type = Some(GrantType::DeviceCode);
    event.family = Some(grant.family);
    if let Effect::DecideDevice { subject, .. } = &effect {
        event.subject.clone_from(subject);
    }
    let transaction = Transaction {
        preconditions: vec![Precondition::DeviceStatusIs {
            hash: grant.device_code_hash,
            status: DeviceStatus::Pending,
        }],
        effects: vec![effect, Effect::AppendAudit(event)],
    };
    ex.commit(transaction, AnyCommitState::DeviceVerification(CommitState { approved }))
}

pub(crate) fn on_commit(ex: Exchange, state: CommitState, outcome: Outcome) -> Step {
    match outcome {
        Outcome::Applied if state.approved => ex.reply(DeviceReply::Approved, Vec::new()),
        Outcome::Applied => ex.reply(DeviceReply::Denied, Vec::new()),
        // A parallel decision was recorded first.
        Outcome::Conflict { .. } => reject(ex, DeviceRejection::AlreadyDecided),
    }
}

/// Rejects a code; codes that match nothing are audited as guesses.
fn reject(ex: Exchange, rejection: DeviceRejection) -> Step {
    match rejection {
        DeviceRejection::Malformed | DeviceRejection::Unknown => mismatch(ex, rejection),
        _ => ex.reply(DeviceReply::Rejected(rejection), Vec::new()),
    }
}

fn mismatch(ex: Exchange, rejection: DeviceRejection) -> Step {
    let mut event = ex.audit(AuditAction::DeviceCodeMismatch);
    event.grant_type = Some(GrantType::DeviceCode);
    ex.reply(DeviceReply::Rejected(rejection), vec![Effect::AppendAudit(event)])
}
