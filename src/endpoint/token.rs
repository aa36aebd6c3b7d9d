//! The token endpoint (RFC 6749 §3.2, §5; OAuth 2.1 §3.2).
//!
//! `POST` with an `application/x-www-form-urlencoded` body. One read
//! fetches the client and the grant's record together; one commit makes
//! the issue (or the replay clean-up) durable before anything is answered.

use http::StatusCode;

use crate::client_auth::AuthFailure;
use crate::endpoint::client_form::{self, ClientRead, Parsed, Refusal};
use crate::endpoint::flow::{self, Env, Next, Resumed};
use crate::error::OAuthError;
use crate::grant::{Decision, GrantRequest, TokenResponse};
use crate::input::HttpRequest;
use crate::store::{
    AuditAction, AuditReason, ClientRecord, GrantType, Outcome, Precondition, Records,
};
use crate::{ErrorCode, response};

/// Where a token request waits.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "a state lives for one step; boxing it would cost an allocation per request"
)]
pub(crate) enum State {
    /// For the client and the grant's record.
    Read(ClientRead<GrantRequest>),
    /// For the host's user check (password grant), the client already
    /// authenticated.
    User(Box<Authorized>),
    /// For the issue or the clean-up to be applied.
    Commit(Pending),
}

/// An authenticated client and its request.
#[derive(Debug)]
pub(crate) struct Authorized {
    client: ClientRecord,
    request: GrantRequest,
}

/// Waiting for the issue or the clean-up to be applied.
#[derive(Debug)]
pub(crate) struct Pending {
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

pub(crate) fn begin(env: &Env, request: HttpRequest<'_>) -> Next<State> {
    client_form::begin(env, request, REFUSED, |form, mut refusal| {
        let Some(grant_type) = form.get("grant_type") else {
            let err = OAuthError::new(ErrorCode::InvalidRequest, "grant_type is required");
            return Err(refusal.refuse(env, err).into());
        };
        let grant = match GrantType::parse(grant_type) {
            Some(grant) if env.config.grant_enabled(grant) => grant,
            _ => {
                let err = OAuthError::new(
                    ErrorCode::UnsupportedGrantType,
                    "grant_type is not supported by this server",
                );
                return Err(refusal.refuse(env, err).into());
            }
        };
        refusal.grant_type = Some(grant);
        match GrantRequest::parse(grant, form) {
            Ok(request) => Ok(Parsed { record: request.query(), params: request }),
            Err(err) => Err(refusal.refuse(env, err).into()),
        }
    })
    .map(State::Read)
}

pub(crate) fn resume(env: &Env, state: State, resumed: Resumed) -> Next<State> {
    match (state, resumed) {
        (State::Read(read), Resumed::Read(records)) => on_read(env, read, records),
        (State::User(authorized), Resumed::Read(mut records)) => {
            let Authorized { client, request } = *authorized;
            let decision = request.decide(&env.config, &env.ctx, &client, records.next().flatten());
            proceed(env, client, request, decision)
        }
        (State::Commit(pending), Resumed::Commit(outcome)) => on_commit(env, pending, outcome),
        _ => flow::out_of_order(),
    }
}

fn on_read(env: &Env, read: ClientRead<GrantRequest>, records: Records) -> Next<State> {
    let refusal = Refusal { grant_type: Some(read.params().grant_type()), ..REFUSED };
    let auth = match client_form::authenticate(env, read, records, refusal) {
        Ok(auth) => auth,
        Err(respond) => return respond.into(),
    };
    if !auth.client.may_use(auth.params.grant_type()) {
        let err = OAuthError::new(
            ErrorCode::UnauthorizedClient,
            format!("client is not allowed the {} grant", auth.params.grant_type()),
        );
        return Refusal { grant_type: Some(auth.params.grant_type()), ..auth.refusal(REFUSED) }
            .refuse(env, err)
            .into();
    }
    let client_form::Authenticated { client, record, params: request, .. } = auth;
    if let Some(query) = request.authenticated_query() {
        return flow::read(vec![query], State::User(Box::new(Authorized { client, request })));
    }
    let decision = request.decide(&env.config, &env.ctx, &client, record);
    proceed(env, client, request, decision)
}

fn on_commit(env: &Env, pending: Pending, outcome: Outcome) -> Next<State> {
    let Pending { client, request, then } = pending;
    match (then, outcome) {
        (Then::Issue(tokens), Outcome::Applied) => {
            flow::respond(response::json(StatusCode::OK, tokens.to_json()), Vec::new())
        }
        // The client was deleted or changed (secret, grants) since it was
        // read: no token for what was not authenticated as it is now.
        (
            Then::Issue(_),
            Outcome::Conflict { failed: Precondition::ClientRevision { .. }, found },
        ) => {
            let refusal = about(&client, &request);
            if found.is_none() {
                let failure = AuthFailure { reason: AuditReason::UnknownClient };
                return refusal.refuse_authentication(env, failure).into();
            }
            let err = OAuthError::new(
                ErrorCode::TemporarilyUnavailable,
                "the client changed during the request; retry",
            );
            refusal.refuse(env, err).into()
        }
        // Someone else changed the record between our read and our commit
        // (a parallel redemption, a rotation, a revocation): decide again
        // from what the store found, exactly as if we had read it.
        (Then::Issue(_), Outcome::Conflict { found, .. }) => {
            let decision = request.decide(&env.config, &env.ctx, &client, found);
            proceed(env, client, request, decision)
        }
        // The clean-up commit carried its own audit event.
        (Then::Refuse(err), _) => {
            let mut response = response::error(&err);
            *response.status_mut() = StatusCode::BAD_REQUEST;
            flow::respond(response, Vec::new())
        }
    }
}

fn proceed(
    env: &Env,
    client: ClientRecord,
    request: GrantRequest,
    decision: Decision,
) -> Next<State> {
    match decision {
        Decision::Issue { transaction, tokens } => flow::commit(
            transaction,
            State::Commit(Pending { client, request, then: Then::Issue(tokens) }),
        ),
        Decision::RefuseAfter { transaction, error } => flow::commit(
            transaction,
            State::Commit(Pending { client, request, then: Then::Refuse(error) }),
        ),
        // RFC 6749 §5.2 (and RFC 8628 §3.5): grant errors are 400; a
        // server that cannot mint the token (no signing key can sign) says
        // so with its own status.
        Decision::Refuse(err) => {
            let status = match err.code {
                ErrorCode::ServerError | ErrorCode::TemporarilyUnavailable => err.code.status(),
                _ => StatusCode::BAD_REQUEST,
            };
            about(&client, &request).refuse_as(env, err, status).into()
        }
        Decision::RefuseForeign { error, family } => about(&client, &request)
            .refuse_noting(env, error, StatusCode::BAD_REQUEST, |event| {
                event.family = Some(family);
                event.reason = Some(AuditReason::IssuedToAnotherClient);
            })
            .into(),
    }
}

/// A refusal about the authenticated `client` and its grant.
fn about<'a>(client: &'a ClientRecord, request: &GrantRequest) -> Refusal<'a> {
    Refusal {
        client_id: Some(&client.client_id),
        grant_type: Some(request.grant_type()),
        ..REFUSED
    }
}
