//! A resource server's bearer check (RFC 6750 §2, §3; OAuth 2.1 §5.2) as
//! an exchange of one read: the presented token, by hash. It ends in
//! [`Reply::Access`] when the token is an active access token carrying
//! every required scope (and, when the resource server states its resource
//! indicator with [`Input::bearer_for`](crate::Input::bearer_for), naming it
//! in its audience), otherwise in the RFC 6750 §3 denial
//! ([`Reply::Http`]). Nothing is written and no audit event is recorded:
//! the check runs on every resource request, and the resource server logs
//! at its own layer. A store failure is the generic `503
//! temporarily_unavailable` / `500 server_error` JSON answer, without a
//! challenge (the token was not judged).

use http::StatusCode;

use crate::bearer::{Failure, challenge, presented_token};
use crate::endpoint::flow::{self, Env, Next, Resumed};
use crate::input::HttpRequest;
use crate::reply::{Access, Reply, Respond};
use crate::secret::TokenHash;
use crate::store::{Query, TokenKind, TokenRecord, as_token};
use crate::{ErrorCode, Scopes};

/// Where a bearer check waits.
#[derive(Debug)]
pub(crate) enum State {
    /// For the token; what the resource needs.
    Read(Needs),
}

/// What the resource needs of the token.
#[derive(Debug)]
pub(crate) struct Needs {
    /// Every scope.
    scopes: Scopes,
    /// Its resource indicator among the token's audience, when stated.
    audience: Option<Box<str>>,
}

pub(crate) fn begin(
    env: &Env,
    request: HttpRequest<'_>,
    required: &Scopes,
    audience: Option<&str>,
) -> Next<State> {
    let policy = env.config.bearer();
    match presented_token(policy, request) {
        Ok(Some(token)) => {
            let query = Query::Token { hash: TokenHash::of(&token) };
            let needs = Needs { scopes: required.clone(), audience: audience.map(Box::from) };
            flow::read(vec![query], State::Read(needs))
        }
        Ok(None) => flow::respond(challenge(policy, StatusCode::UNAUTHORIZED, None), Vec::new()),
        Err(description) => {
            let failure = Failure { code: ErrorCode::InvalidRequest, description, scope: None };
            flow::respond(challenge(policy, StatusCode::BAD_REQUEST, Some(failure)), Vec::new())
        }
    }
}

pub(crate) fn resume(env: &Env, state: State, resumed: Resumed) -> Next<State> {
    match (state, resumed) {
        (State::Read(needs), Resumed::Read(mut records)) => {
            let token = as_token(records.next().flatten());
            Next::Respond(verdict(env, &needs, token))
        }
        (State::Read(_), Resumed::Commit(_)) => flow::out_of_order(),
    }
}

/// Allowed, or the denial that says why not (RFC 6750 §3.1).
fn verdict(env: &Env, needs: &Needs, token: Option<TokenRecord>) -> Respond {
    let required = &needs.scopes;
    let policy = env.config.bearer();
    let invalid = |description| {
        let failure = Failure { code: ErrorCode::InvalidToken, description, scope: None };
        Respond::http(challenge(policy, StatusCode::UNAUTHORIZED, Some(failure)), Vec::new())
    };
    let Some(token) = token.filter(|t| t.kind == TokenKind::Access) else {
        return invalid("The access token is invalid");
    };
    if token.revoked_at.is_some() {
        return invalid("The access token was revoked");
    }
    if env.ctx.now >= token.expires_at {
        return invalid("The access token expired");
    }
    // RFC 6750 §5.3, RFC 9700 §2.3: a token for another resource (or for
    // none) is not accepted by a resource server that states its own.
    if let Some(audience) = &needs.audience
        && !token.resources.iter().any(|r| **r == **audience)
    {
        return invalid("The access token is not for this resource");
    }
    if !required.is_subset(&token.scopes) {
        let failure = Failure {
            code: ErrorCode::InsufficientScope,
            description: "The access token lacks a required scope",
            scope: Some(required),
        };
        return Respond::http(challenge(policy, StatusCode::FORBIDDEN, Some(failure)), Vec::new());
    }
    let access =
        Access { subject: token.subject, client_id: token.client_id, scopes: token.scopes };
    Respond { reply: Reply::Access(access), best_effort: Vec::new() }
}
