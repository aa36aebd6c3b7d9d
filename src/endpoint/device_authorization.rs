//! The device authorization endpoint (RFC 8628 §3.1, §3.2).
//!
//! `POST` with a form body; confidential clients authenticate as at the
//! token endpoint, public clients send `client_id`. One read fetches the
//! client; one commit stores the grant under the hash of a fresh device code,
//! with [`Precondition::UserCodeAvailable`] keeping user codes unique among
//! live grants. A collision picks another user code and commits again, at
//! most [`ATTEMPTS`] times.

use http::StatusCode;
use serde::Serialize;

use crate::audience;
use crate::device::UserCode;
use crate::endpoint::client_form::{self, ClientRead, Parsed, Refusal};
use crate::endpoint::flow::{self, Env, Next, Resumed};
use crate::error::OAuthError;
use crate::form::encode_into;
use crate::input::HttpRequest;
use crate::scope::{parse_scope_text, resolve_scopes};
use crate::secret::{Redacted, TokenHash, encode_secret};
use crate::store::{
    AuditAction, DeviceGrantRecord, DeviceStatus, Effect, FamilyId, GrantType, Outcome,
    Precondition, Records, Transaction,
};
use crate::{ErrorCode, Scopes, response};

/// How many user codes are tried before giving up.
const ATTEMPTS: u8 = 3;

/// How this endpoint's refusals are recorded.
const REFUSED: Refusal<'static> = Refusal {
    action: AuditAction::DeviceRefused,
    client_id: None,
    grant_type: Some(GrantType::DeviceCode),
    challenge: false,
};

/// Where a device authorization waits.
#[derive(Debug)]
pub(crate) enum State {
    /// For the client; what it asked for.
    Read(ClientRead<Asked>),
    /// For the grant to be stored.
    Commit(Storing),
}

/// Waiting for the grant to be stored.
#[derive(Debug)]
pub(crate) struct Storing {
    device_code: Redacted,
    grant: DeviceGrantRecord,
    user_code: UserCode,
    attempt: u8,
}

/// The requested scope, if any, and resources (RFC 8707).
#[derive(Debug)]
pub(crate) struct Asked {
    scope: Option<Scopes>,
    resources: Vec<String>,
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

pub(crate) fn begin(env: &Env, request: HttpRequest<'_>) -> Next<State> {
    client_form::begin(env, request, REFUSED, |form, refusal| {
        let asked = parse_scope_text(form.get("scope")).and_then(|scope| {
            let resources = audience::requested(&env.config, form)?;
            Ok(Asked { scope, resources })
        });
        match asked {
            Ok(asked) => Ok(Parsed { params: asked, record: None }),
            Err(err) => Err(refusal.refuse(env, err).into()),
        }
    })
    .map(State::Read)
}

pub(crate) fn resume(env: &Env, state: State, resumed: Resumed) -> Next<State> {
    match (state, resumed) {
        (State::Read(read), Resumed::Read(records)) => on_read(env, read, records),
        (State::Commit(storing), Resumed::Commit(outcome)) => on_commit(env, storing, outcome),
        _ => flow::out_of_order(),
    }
}

fn on_read(env: &Env, read: ClientRead<Asked>, records: Records) -> Next<State> {
    let auth = match client_form::authenticate(env, read, records, REFUSED) {
        Ok(auth) => auth,
        Err(respond) => return respond.into(),
    };
    let refusal = auth.refusal(REFUSED);
    if !auth.client.may_use(GrantType::DeviceCode) {
        let err = OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "client is not allowed the device_code grant",
        );
        return refusal.refuse(env, err).into();
    }
    let (config, ctx) = (&env.config, &env.ctx);
    let scopes = match resolve_scopes(
        config.default_scopes(),
        auth.params.scope.as_ref(),
        &auth.client.scopes,
    )
    .and_then(|scopes| {
        audience::shape(config, &auth.params.resources, scopes.clone()).map(|_| scopes)
    }) {
        Ok(scopes) => scopes,
        Err(err) => return refusal.refuse(env, err).into(),
    };
    let device_code = encode_secret(&ctx.entropy.derive(b"device-code"));
    let now = ctx.now;
    let user_code = UserCode::generate(&ctx.entropy, 0);
    let grant = DeviceGrantRecord {
        device_code_hash: TokenHash::of(&device_code),
        user_code_hash: user_code.hash(),
        client_id: auth.client.client_id.clone(),
        scopes,
        status: DeviceStatus::Pending,
        subject: None,
        granted_scopes: None,
        interval: config.device_poll_interval().get(),
        last_poll_at: None,
        issued_at: now,
        expires_at: now.after(config.device_code_lifetime()),
        family: FamilyId::from_entropy(ctx.entropy.derive(b"family")),
        resources: auth.params.resources,
    };
    let storing = Storing { device_code: Redacted(device_code), grant, user_code, attempt: 0 };
    store(env, storing)
}

/// Commits the grant under its current user code.
fn store(env: &Env, state: Storing) -> Next<State> {
    let mut event = env.audit(AuditAction::DeviceAuthorized);
    event.client_id = Some(state.grant.client_id.clone());
    event.grant_type = Some(GrantType::DeviceCode);
    event.family = Some(state.grant.family);
    let transaction = Transaction {
        preconditions: vec![Precondition::UserCodeAvailable {
            hash: state.grant.user_code_hash,
            at: env.ctx.now,
        }],
        effects: vec![Effect::PutDeviceGrant(state.grant.clone()), Effect::AppendAudit(event)],
    };
    flow::commit(transaction, State::Commit(state))
}

fn on_commit(env: &Env, mut state: Storing, outcome: Outcome) -> Next<State> {
    match outcome {
        Outcome::Applied => {
            let config = &env.config;
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
            flow::respond(response::json_value(StatusCode::OK, &body), Vec::new())
        }
        // The user code is taken by a live grant: draw another.
        Outcome::Conflict { .. } if state.attempt + 1 < ATTEMPTS => {
            state.attempt += 1;
            state.user_code = UserCode::generate(&env.ctx.entropy, state.attempt);
            state.grant.user_code_hash = state.user_code.hash();
            store(env, state)
        }
        Outcome::Conflict { .. } => {
            let err = OAuthError::new(
                ErrorCode::TemporarilyUnavailable,
                "no free user code could be allocated; retry later",
            );
            let refusal = Refusal { client_id: Some(&state.grant.client_id), ..REFUSED };
            refusal.refuse(env, err).into()
        }
    }
}
