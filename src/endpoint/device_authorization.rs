//! The device authorization endpoint (RFC 8628 §3.1, §3.2).
//!
//! `POST` with a form body; confidential clients authenticate as at the
//! token endpoint, public clients send `client_id`. One read fetches the
//! client; one commit stores the grant under the hash of a fresh device code,
//! with [`Precondition::UserCodeAvailable`] keeping user codes unique among
//! live grants. A collision picks another user code and commits again, at
//! most [`ATTEMPTS`] times.

use http::{Request, StatusCode};
use serde::Serialize;

use crate::client_auth::Credentials;
use crate::device::UserCode;
use crate::endpoint::client_form::{self, ClientForm, Refusal};
use crate::error::OAuthError;
use crate::exchange::{CommitState as AnyCommitState, Exchange, ReadState as AnyReadState};
use crate::form::encode_into;
use crate::grant::{parse_scope_text, resolve_scopes};
use crate::secret::{Redacted, TokenHash, encode_secret};
use crate::store::{
    AuditAction, DeviceGrantRecord, DeviceStatus, Effect, FamilyId, GrantType, Outcome,
    Precondition, Query, Record, Transaction, as_client,
};
use crate::{ErrorCode, Scopes, Step, response};

/// How many user codes are tried before giving up.
const ATTEMPTS: u8 = 3;

/// How this endpoint's refusals are recorded.
const REFUSED: Refusal<'static> = Refusal {
    action: AuditAction::DeviceRefused,
    client_id: None,
    grant_type: Some(GrantType::DeviceCode),
    challenge: false,
};

/// Waiting for the client.
#[derive(Debug)]
pub(crate) struct ReadState {
    credentials: Credentials,
    scope: Option<Scopes>,
}

/// Waiting for the grant to be stored.
#[derive(Debug)]
pub(crate) struct CommitState {
    device_code: Redacted,
    grant: DeviceGrantRecord,
    user_code: UserCode,
    attempt: u8,
}

/// The RFC 8628 §3.2 body.
#[derive(Serialize)]
struct Issued<'a> {
    device_code: &'a str,
    user_code: String,
    verification_uri: String,
    verification_uri_complete: String,
    expires_in: u64,
    interval: u64,
}

pub(crate) fn begin<B: AsRef<[u8]>>(ex: Exchange, request: &Request<B>) -> Step {
    let (ex, ClientForm { form, credentials }) = match client_form::parse(ex, request, REFUSED) {
        Ok(parsed) => parsed,
        Err(step) => return *step,
    };
    let scope = match parse_scope_text(form.get("scope")) {
        Ok(scope) => scope,
        Err(err) => return REFUSED.by(&credentials).refuse(ex, err),
    };
    let queries = vec![Query::Client { client_id: credentials.client_id.clone() }];
    ex.read(queries, AnyReadState::DeviceAuthorization(ReadState { credentials, scope }))
}

pub(crate) fn on_read(
    ex: Exchange,
    state: ReadState,
    mut records: impl Iterator<Item = Option<Record>>,
) -> Step {
    let ReadState { credentials, scope } = state;
    let client = as_client(records.next().flatten());
    let refusal = REFUSED.by(&credentials);
    let client = match credentials.authenticate(client) {
        Ok(client) => client,
        Err(failure) => return refusal.refuse_authentication(ex, failure),
    };
    if !client.may_use(GrantType::DeviceCode) {
        let err = OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "client is not allowed the device_code grant",
        );
        return refusal.refuse(ex, err);
    }
    let scopes = match resolve_scopes(&ex.config, scope.as_ref(), &client.scopes) {
        Ok(scopes) => scopes,
        Err(err) => return refusal.refuse(ex, err),
    };
    let device_code = encode_secret(&ex.ctx.entropy.derive(b"device-code"));
    let now = ex.ctx.now;
    let user_code = UserCode::generate(&ex.ctx.entropy, 0);
    let grant = DeviceGrantRecord {
        device_code_hash: TokenHash::of(&device_code),
        user_code_hash: user_code.hash(),
        client_id: client.client_id,
        scopes,
        status: DeviceStatus::Pending,
        subject: None,
        granted_scopes: None,
        interval: ex.config.device_poll_interval().get(),
        last_poll_at: None,
        issued_at: now,
        expires_at: now.after(ex.config.device_code_lifetime()),
        family: FamilyId::from_entropy(ex.ctx.entropy.derive(b"family")),
    };
    let state = CommitState { device_code: Redacted(device_code), grant, user_code, attempt: 0 };
    store(ex, state)
}

/// Commits the grant under its current user code.
fn store(ex: Exchange, state: CommitState) -> Step {
    let mut event = ex.audit(AuditAction::DeviceAuthorized);
    event.client_id = Some(state.grant.client_id.clone());
    event.grant_type = Some(GrantType::DeviceCode);
    event.family = Some(state.grant.family);
    let transaction = Transaction {
        preconditions: vec![Precondition::UserCodeAvailable {
            hash: state.grant.user_code_hash,
            at: ex.ctx.now,
        }],
        effects: vec![Effect::PutDeviceGrant(state.grant.clone()), Effect::AppendAudit(event)],
    };
    ex.commit(transaction, AnyCommitState::DeviceAuthorization(state))
}

pub(crate) fn on_commit(ex: Exchange, mut state: CommitState, outcome: Outcome) -> Step {
    match outcome {
        Outcome::Applied => {
            let config = &ex.config;
            let verification_uri = config.endpoint_url(&config.endpoints().device_verification);
            let mut complete = format!("{verification_uri}?user_code=");
            encode_into(&mut complete, &state.user_code.display());
            let body = Issued {
                device_code: &state.device_code.0,
                user_code: state.user_code.display(),
                verification_uri,
                verification_uri_complete: complete,
                expires_in: config.device_code_lifetime().get(),
                interval: config.device_poll_interval().get(),
            };
            ex.respond(response::json_value(StatusCode::OK, &body), Vec::new())
        }
        // The user code is taken by a live grant: draw another.
        Outcome::Conflict { .. } if state.attempt + 1 < ATTEMPTS => {
            state.attempt += 1;
            state.user_code = UserCode::generate(&ex.ctx.entropy, state.attempt);
            state.grant.user_code_hash = state.user_code.hash();
            store(ex, state)
        }
        Outcome::Conflict { .. } => {
            let err = OAuthError::new(
                ErrorCode::TemporarilyUnavailable,
                "no free user code could be allocated; retry later",
            );
            let refusal = Refusal { client_id: Some(&state.grant.client_id), ..REFUSED };
            refusal.refuse(ex, err)
        }
    }
}
