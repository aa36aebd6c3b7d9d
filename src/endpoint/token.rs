//! The token endpoint (RFC 6749 §3.2, §5; OAuth 2.1 §3.2).
//!
//! `POST` with an `application/x-www-form-urlencoded` body. One read
//! fetches the client and the grant's record together; one commit makes
//! the issue (or the replay clean-up) durable before anything is answered.

use http::header::CONTENT_TYPE;
use http::{Method, Request, StatusCode};

use crate::client_auth::Credentials;
use crate::error::OAuthError;
use crate::exchange::{CommitState as AnyCommitState, Exchange, ReadState as AnyReadState};
use crate::form::Form;
use crate::grant::{Decision, GrantRequest, TokenResponse};
use crate::store::{
    AuditAction, ClientRecord, Effect, GrantType, Outcome, Query, Record, as_client,
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

/// Facts for the audit event of a refused request.
struct Refused<'a> {
    client_id: Option<&'a str>,
    grant_type: Option<GrantType>,
    challenge: bool,
}

pub(crate) fn begin<B: AsRef<[u8]>>(ex: Exchange, request: &Request<B>) -> Step {
    let unknown = Refused { client_id: None, grant_type: None, challenge: false };
    if request.method() != Method::POST {
        return ex.respond(response::method_not_allowed("POST"), Vec::new());
    }
    if !is_form_content_type(request) {
        let err = OAuthError::new(
            ErrorCode::InvalidRequest,
            "Content-Type must be application/x-www-form-urlencoded",
        );
        return refuse(ex, &unknown, err);
    }
    let body = request.body().as_ref();
    if body.len() > ex.config.max_body_bytes() {
        let err = OAuthError::new(
            ErrorCode::InvalidRequest,
            format!("request body exceeds {} bytes", ex.config.max_body_bytes()),
        );
        return refuse_as(ex, &unknown, err, StatusCode::PAYLOAD_TOO_LARGE);
    }
    let form = match Form::parse(body) {
        Ok(form) => form,
        Err(err) => {
            return refuse(
                ex,
                &unknown,
                OAuthError::new(ErrorCode::InvalidRequest, err.description()),
            );
        }
    };
    let credentials = match Credentials::extract(request.headers(), &form) {
        Ok(credentials) => credentials,
        Err(failure) => {
            let facts = Refused {
                client_id: failure.claimed.as_deref(),
                grant_type: None,
                challenge: failure.challenge,
            };
            return refuse(ex, &facts, failure.error);
        }
    };
    let mut facts = Refused {
        client_id: Some(&credentials.client_id),
        grant_type: None,
        challenge: credentials.used_basic(),
    };
    let Some(grant_type) = form.get("grant_type") else {
        let err = OAuthError::new(ErrorCode::InvalidRequest, "grant_type is required");
        return refuse(ex, &facts, err);
    };
    let grant = match GrantType::parse(grant_type) {
        Some(grant) if ex.config.grant_enabled(grant) => grant,
        _ => {
            let err = OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                "grant_type is not supported by this server",
            );
            return refuse(ex, &facts, err);
        }
    };
    facts.grant_type = Some(grant);
    let request = match GrantRequest::parse(grant, &form) {
        Ok(request) => request,
        Err(err) => return refuse(ex, &facts, err),
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
    let facts = Refused {
        client_id: Some(&credentials.client_id),
        grant_type: Some(request.grant_type()),
        challenge: credentials.used_basic(),
    };
    if let Err(err) = credentials.authenticate(client.as_ref()) {
        return refuse(ex, &facts, err);
    }
    let Some(client) = client else {
        // authenticate() refuses unknown clients; this arm is unreachable.
        return refuse(
            ex,
            &facts,
            OAuthError::new(ErrorCode::InvalidClient, "client authentication failed"),
        );
    };
    if !client.may_use(request.grant_type()) {
        let err = OAuthError::new(
            ErrorCode::UnauthorizedClient,
            format!("client is not allowed the {} grant", request.grant_type()),
        );
        return refuse(ex, &facts, err);
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
        // Someone else changed the record between our read and our commit
        // (a parallel redemption, a rotation, a revocation): decide again
        // from what the store found, exactly as if we had read it.
        (Then::Issue(_), Outcome::Conflict { found, .. }) => {
            let decision = request.decide(&ex, &client, found);
            proceed(ex, client, request, decision)
        }
        // The clean-up commit carried its own audit event.
        (Then::Refuse(err), _) => ex.respond(response::error(&err), Vec::new()),
    }
}

fn proceed(ex: Exchange, client: ClientRecord, request: GrantRequest, decision: Decision) -> Step {
    match decision {
        Decision::Issue { transaction, tokens } => {
            let state = CommitState { client, request, then: Then::Issue(tokens) };
            ex.commit(transaction, AnyCommitState::Token(state))
        }
        Decision::Revoke { transaction, error } => {
            let state = CommitState { client, request, then: Then::Refuse(error) };
            ex.commit(transaction, AnyCommitState::Token(state))
        }
        Decision::Refuse(err) => {
            let facts = Refused {
                client_id: Some(&client.client_id),
                grant_type: Some(request.grant_type()),
                challenge: false,
            };
            refuse(ex, &facts, err)
        }
    }
}

/// Answers `err` (RFC 6749 §5.2) and records the refusal best-effort.
fn refuse(ex: Exchange, facts: &Refused<'_>, err: OAuthError) -> Step {
    let status = err.code.status();
    refuse_as(ex, facts, err, status)
}

/// [`refuse`] with an explicit status (413 for an oversize body).
fn refuse_as(ex: Exchange, facts: &Refused<'_>, err: OAuthError, status: StatusCode) -> Step {
    let mut event = ex.audit(AuditAction::TokenRefused);
    event.client_id = facts.client_id.map(str::to_owned);
    event.grant_type = facts.grant_type;
    event.error = Some(err.code);
    let mut response = if err.code == ErrorCode::InvalidClient && facts.challenge {
        response::error_with_basic_challenge(&err)
    } else {
        response::error(&err)
    };
    if err.code != ErrorCode::InvalidClient {
        *response.status_mut() = status;
    }
    ex.respond(response, vec![Effect::AppendAudit(event)])
}

/// Whether the media type is `application/x-www-form-urlencoded`
/// (parameters such as `charset` allowed, case-insensitive).
pub(crate) fn is_form_content_type<B>(request: &Request<B>) -> bool {
    let mut values = request.headers().get_all(CONTENT_TYPE).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return false;
    };
    value
        .to_str()
        .ok()
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}
