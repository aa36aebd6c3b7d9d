//! The host's device verification page (RFC 8628 §3.3): looking up the
//! user code the user typed, and recording the user's decision.
//!
//! Neither exchange is an HTTP endpoint: the host serves its own page and
//! asks the core with an [`Input::DevicePrompt`](crate::Input::DevicePrompt)
//! or an [`Input::DeviceDecision`](crate::Input::DeviceDecision); the
//! answer is a [`Reply::Device`](crate::Reply::Device). A decision commits under
//! [`Precondition::DeviceStatusIs`] `Pending`, so each code is decided once.
//! Every code that matches nothing is audited as `device_code_mismatch`
//! with the peer address, for the host to throttle guessing.

use crate::authorization::RequestedScope;
use crate::device::{DeviceDecision, DevicePrompt, DeviceRejection, DeviceReply, UserCode};
use crate::endpoint::flow::{self, Env, Next, Resumed};
use crate::reply::{Reply, Respond};
use crate::store::{
    AuditAction, DeviceGrantRecord, DeviceStatus, Effect, GrantType, Outcome, Precondition, Query,
    Records, Transaction, as_client, as_device,
};

/// Where a verification exchange waits.
#[derive(Debug)]
pub(crate) enum State {
    /// For the grant behind the user code typed.
    Prompt(UserCode),
    /// For the grant's client, to describe it.
    PromptClient(UserCode, DeviceGrantRecord),
    /// For the grant the decision is about.
    Decide(DeviceDecision),
    /// For the decision to be recorded: approved or not.
    Record { approved: bool },
}

pub(crate) fn prompt(env: &Env, typed: &str) -> Next<State> {
    match UserCode::parse(typed) {
        Some(code) => {
            let queries = vec![Query::UserCode { hash: code.hash() }];
            flow::read(queries, State::Prompt(code))
        }
        None => mismatch(env, DeviceRejection::Malformed),
    }
}

pub(crate) fn decide(_env: &Env, decision: DeviceDecision) -> Next<State> {
    let queries = vec![Query::UserCode { hash: decision.user_code().hash() }];
    flow::read(queries, State::Decide(decision))
}

pub(crate) fn resume(env: &Env, state: State, resumed: Resumed) -> Next<State> {
    match (state, resumed) {
        (State::Record { approved }, Resumed::Commit(outcome)) => recorded(env, approved, outcome),
        (state, Resumed::Read(records)) => on_read(env, state, records),
        (_, Resumed::Commit(_)) => flow::out_of_order(),
    }
}

fn on_read(env: &Env, state: State, mut records: Records) -> Next<State> {
    let record = records.next().flatten();
    match state {
        State::Prompt(code) => match usable(env, as_device(record)) {
            Ok(grant) => {
                let queries = vec![Query::Client { client_id: grant.client_id.clone() }];
                flow::read(queries, State::PromptClient(code, grant))
            }
            Err(rejection) => reject(env, rejection),
        },
        State::PromptClient(user_code, grant) => {
            // A client deleted since the device asked cannot be approved.
            let Some(client) = as_client(record) else {
                return reject(env, DeviceRejection::Unknown);
            };
            let scopes = RequestedScope::describe(&grant.scopes, &env.config);
            let prompt = DevicePrompt {
                user_code,
                client_id: client.client_id,
                client_name: client.name,
                client_uri: client.uri,
                registrant: client.registrant,
                scopes,
                expires_at: grant.expires_at,
            };
            answer(DeviceReply::Prompt(prompt), Vec::new())
        }
        State::Decide(decision) => match usable(env, as_device(record)) {
            Ok(grant) => record_decision(env, decision, grant),
            Err(rejection) => reject(env, rejection),
        },
        State::Record { .. } => flow::out_of_order(),
    }
}

/// The grant, if it can still be decided.
fn usable(
    env: &Env,
    grant: Option<DeviceGrantRecord>,
) -> Result<DeviceGrantRecord, DeviceRejection> {
    let grant = grant.ok_or(DeviceRejection::Unknown)?;
    if env.ctx.now >= grant.expires_at {
        return Err(DeviceRejection::Expired);
    }
    if grant.status != DeviceStatus::Pending {
        return Err(DeviceRejection::AlreadyDecided);
    }
    Ok(grant)
}

fn record_decision(env: &Env, decision: DeviceDecision, grant: DeviceGrantRecord) -> Next<State> {
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
        DeviceDecision::Approve { .. } => return reject(env, DeviceRejection::InvalidApproval),
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
    let mut event = env.audit(action);
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
    flow::commit(transaction, State::Record { approved })
}

fn recorded(env: &Env, approved: bool, outcome: Outcome) -> Next<State> {
    match outcome {
        Outcome::Applied if approved => answer(DeviceReply::Approved, Vec::new()),
        Outcome::Applied => answer(DeviceReply::Denied, Vec::new()),
        // A parallel decision was recorded first.
        Outcome::Conflict { .. } => reject(env, DeviceRejection::AlreadyDecided),
    }
}

/// Ends the exchange with an answer for the host's device page.
fn answer(reply: DeviceReply, best_effort: Vec<Effect>) -> Next<State> {
    Next::Respond(Respond { reply: Reply::Device(reply), best_effort })
}

/// Rejects a code; codes that match nothing are audited as guesses.
fn reject(env: &Env, rejection: DeviceRejection) -> Next<State> {
    match rejection {
        DeviceRejection::Malformed | DeviceRejection::Unknown => mismatch(env, rejection),
        _ => answer(DeviceReply::Rejected(rejection), Vec::new()),
    }
}

fn mismatch(env: &Env, rejection: DeviceRejection) -> Next<State> {
    let mut event = env.audit(AuditAction::DeviceCodeMismatch);
    event.grant_type = Some(GrantType::DeviceCode);
    answer(DeviceReply::Rejected(rejection), vec![Effect::AppendAudit(event)])
}
