//! The client registration endpoint (RFC 7591 §3).
//!
//! `POST` with a JSON body of client metadata. The policy in
//! [`Config::registration_policy`](crate::Config::registration_policy)
//! decides who may register; the metadata is validated without reading the
//! store; one commit stores the new client under
//! [`Precondition::ClientAbsent`] with its audit event, and only then is
//! the 201 client information response (RFC 7591 §3.2.1) sent.

use http::{Method, Response, StatusCode};

use crate::bearer::{self, BearerError};
use crate::config::RegistrationPolicy;
use crate::endpoint::flow::{self, Env, Next, Resumed};
use crate::error::OAuthError;
use crate::input::HttpRequest;
use crate::registration::{
    Allowance, ClientMetadata, Minted, NewClient, client_information, json_body, new_client,
    new_client_id,
};
use crate::secret::SecretHash;
use crate::store::{AuditAction, Effect, Outcome, Precondition, Registrant, Transaction};
use crate::{ErrorCode, response};

/// Where a registration waits: for the new client to be stored.
#[derive(Debug)]
pub(crate) enum State {
    /// For the new client to be stored.
    Commit(Box<NewClient>),
}

pub(crate) fn begin(env: &Env, request: HttpRequest<'_>) -> Next<State> {
    if request.method() != Method::POST {
        return flow::respond(response::method_not_allowed("POST"), Vec::new());
    }
    if let Access::Refused(response, code) = authorize(env, request) {
        return refuse(env, response, code, None);
    }
    let body = match json_body(request.headers(), request.body(), env.config.max_body_bytes()) {
        Ok(body) => body,
        Err((err, status)) => {
            let mut response = response::error(&err);
            *response.status_mut() = status;
            return refuse(env, response, err.code, None);
        }
    };
    let allowance = Allowance::self_registration(&env.config);
    let settings = match ClientMetadata::from_json(body)
        .and_then(|metadata| metadata.validate(&env.config, &allowance))
    {
        Ok(settings) => settings,
        Err(err) => {
            let err = err.into_oauth();
            return refuse(env, response::error(&err), err.code, None);
        }
    };
    let client_id = new_client_id(&env.ctx.entropy);
    let client = new_client(client_id, settings, &env.ctx, Registrant::SelfRegistered, true);
    let client_id = client.record.client_id.clone();
    let mut event = env.audit(AuditAction::ClientRegistered);
    event.client_id = Some(client_id.clone());
    let transaction = Transaction {
        preconditions: vec![Precondition::ClientAbsent { client_id }],
        effects: vec![Effect::PutClient(client.record.clone()), Effect::AppendAudit(event)],
    };
    flow::commit(transaction, State::Commit(Box::new(client)))
}

pub(crate) fn resume(env: &Env, state: State, resumed: Resumed) -> Next<State> {
    match (state, resumed) {
        (State::Commit(client), Resumed::Commit(outcome)) => on_commit(env, &client, outcome),
        (State::Commit(_), Resumed::Read(_)) => flow::out_of_order(),
    }
}

fn on_commit(env: &Env, client: &NewClient, outcome: Outcome) -> Next<State> {
    match outcome {
        Outcome::Applied => {
            let minted = Minted {
                secret: client.secret.as_ref(),
                registration_token: client.registration_token.as_ref().map(|t| t.0.as_str()),
            };
            let body = client_information(&env.config, &client.record, &minted);
            flow::respond(response::json(StatusCode::CREATED, body), Vec::new())
        }
        // 128 random bits collide only when the host reuses entropy.
        Outcome::Conflict { .. } => {
            let err = OAuthError::new(
                ErrorCode::ServerError,
                "the generated client identifier is already taken",
            );
            refuse(env, response::error(&err), err.code, Some(client.record.client_id.clone()))
        }
    }
}

/// What the registration policy says about a request.
enum Access {
    Granted,
    Refused(Response<Vec<u8>>, ErrorCode),
}

/// Applies the registration policy to the request's credentials.
fn authorize(env: &Env, request: HttpRequest<'_>) -> Access {
    let hashes = match env.config.registration_policy() {
        RegistrationPolicy::Open => return Access::Granted,
        RegistrationPolicy::Closed => {
            let err =
                OAuthError::new(ErrorCode::AccessDenied, "dynamic client registration is closed");
            return Access::Refused(response::error(&err), err.code);
        }
        RegistrationPolicy::InitialAccessToken(hashes) => hashes,
    };
    let token = match bearer::bearer_token(request.headers()) {
        Ok(token) => token,
        Err(BearerError::Missing) => {
            return Access::Refused(
                bearer::missing(&env.config.bearer().realm),
                ErrorCode::InvalidToken,
            );
        }
        Err(BearerError::Malformed(description)) => {
            let err = OAuthError::new(ErrorCode::InvalidRequest, description);
            return Access::Refused(bearer::error(&env.config.bearer().realm, &err), err.code);
        }
    };
    let presented = SecretHash::of(&token.0);
    // Every hash is compared, in constant time, whichever one matches.
    let valid = hashes.iter().fold(false, |found, hash| found | (*hash == presented));
    if valid {
        Access::Granted
    } else {
        let err = OAuthError::new(ErrorCode::InvalidToken, "the initial access token is not valid");
        Access::Refused(bearer::error(&env.config.bearer().realm, &err), err.code)
    }
}

/// Sends `response` and records the refusal best-effort.
fn refuse(
    env: &Env,
    response: Response<Vec<u8>>,
    code: ErrorCode,
    client_id: Option<String>,
) -> Next<State> {
    let mut event = env.audit(AuditAction::RegistrationRefused);
    event.client_id = client_id;
    event.error = Some(code);
    flow::respond(response, vec![Effect::AppendAudit(event)])
}
