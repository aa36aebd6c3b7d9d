//! The authorization endpoint (RFC 6749 §3.1, §4.1.1–§4.1.2.1; OAuth 2.1
//! §4.1.1; RFC 9126 §4 for `request_uri`; RFC 9207 for `iss`).
//!
//! `GET` with a query, or `POST` with a form body. One read fetches the
//! client (and, for a pushed request, its stored record); one commit stores
//! the pending authorization (and, for a pushed request, takes the PAR
//! record under [`Precondition::PendingExists`], so a `request_uri` works
//! once); the reply is an [`Interaction`] for the host.
//!
//! Until the client and the redirect URI are verified, every error is a
//! direct answer to the user agent (JSON or HTML by `Accept`), never a
//! redirect. Once they are, an error is a redirect to the client with
//! `error`, `error_description`, `state` and `iss` — if the client's
//! redirect URIs are trusted ([`Config::trusts_redirects_of`]: an
//! administrator's client). A self-registered client could have registered
//! anyone's site, and the user has not authenticated yet, so its errors are
//! answered directly too (RFC 9700 §4.11.2); it is redirected to only after
//! the host's decision.
//!
//! [`Config::trusts_redirects_of`]: crate::Config::trusts_redirects_of

use http::{Method, StatusCode};

use crate::authorization::{
    Format, Interaction, InteractionHandle, Leg, Params, REQUEST_URI_PREFIX, Target, direct_error,
    resolve_redirect_uri, validate,
};
use crate::endpoint::flow::{self, Env, Next, Resumed, store_error};
use crate::error::OAuthError;
use crate::form::{Form, is_form_content_type};
use crate::input::HttpRequest;
use crate::reply::{Reply, Respond};
use crate::secret::{TokenHash, encode_secret};
use crate::store::{
    AuditAction, ClientRecord, Effect, GrantType, Outcome, PendingAuthorizationRecord, PendingKind,
    Precondition, Query, Records, StoreError, Transaction, as_client, as_pending,
};
use crate::{ErrorCode, response};

/// Where an authorization request waits.
#[derive(Debug)]
pub(crate) enum State {
    /// For the client (and the pushed request).
    Read(Reading),
    /// For the pending authorization to be stored.
    Commit(Storing),
}

/// Waiting for the client (and the pushed request).
#[derive(Debug)]
pub(crate) struct Reading {
    format: Format,
    request: Incoming,
}

/// How the request's parameters arrived.
#[derive(Debug)]
enum Incoming {
    /// In the query or form body.
    Direct(Params),
    /// By reference: a `request_uri` from the PAR endpoint.
    Pushed { client_id: String, hash: TokenHash, repeated: Vec<String> },
}

/// Waiting for the pending authorization to be stored.
#[derive(Debug)]
pub(crate) struct Storing {
    format: Format,
    target: Target,
    client_id: String,
    /// Whether a failure may be redirected to `target`.
    trusted: bool,
    interaction: Interaction,
}

pub(crate) fn begin(env: &Env, request: HttpRequest<'_>) -> Next<State> {
    let format = Format::from_accept(request.headers());
    let limit = env.config.max_body_bytes();
    let raw: &[u8] = match *request.method() {
        Method::GET => {
            let query = request.uri().query().unwrap_or("");
            if query.len() > limit {
                let err = invalid_request(format!("query exceeds {limit} bytes"));
                return refuse_direct(env, format, None, err, StatusCode::URI_TOO_LONG);
            }
            query.as_bytes()
        }
        Method::POST => {
            if !is_form_content_type(request.headers()) {
                let err = invalid_request("Content-Type must be application/x-www-form-urlencoded");
                return refuse_direct(env, format, None, err, StatusCode::BAD_REQUEST);
            }
            let body = request.body();
            if body.len() > limit {
                let err = invalid_request(format!("request body exceeds {limit} bytes"));
                return refuse_direct(env, format, None, err, StatusCode::PAYLOAD_TOO_LARGE);
            }
            body
        }
        _ => return flow::respond(response::method_not_allowed("GET, POST"), Vec::new()),
    };
    let (form, repeated) = match Form::parse_noting_repeats(raw) {
        Ok(parsed) => parsed,
        Err(err) => {
            let err = invalid_request(err.description());
            return refuse_direct(env, format, None, err, StatusCode::BAD_REQUEST);
        }
    };
    // Without one trustworthy client and redirect URI there is nowhere safe
    // to redirect to.
    for name in ["client_id", "redirect_uri", "request_uri"] {
        if repeated.iter().any(|r| r == name) {
            let err = invalid_request(format!("parameter {name} is repeated"));
            return refuse_direct(env, format, None, err, StatusCode::BAD_REQUEST);
        }
    }
    let Some(client_id) = form.get("client_id") else {
        let err = invalid_request("client_id is required");
        return refuse_direct(env, format, None, err, StatusCode::BAD_REQUEST);
    };
    let client_query = Query::Client { client_id: client_id.to_owned() };
    if let Some(request_uri) = form.get("request_uri") {
        if !request_uri.starts_with(REQUEST_URI_PREFIX) {
            let err = OAuthError::new(
                ErrorCode::InvalidRequestUri,
                "request_uri was not issued by this server",
            );
            return refuse_direct(env, format, Some(client_id), err, StatusCode::BAD_REQUEST);
        }
        let hash = TokenHash::of(request_uri);
        let request = Incoming::Pushed { client_id: client_id.to_owned(), hash, repeated };
        let queries = vec![client_query, Query::Pending { hash }];
        return flow::read(queries, State::Read(Reading { format, request }));
    }
    let request = Incoming::Direct(Params::from_form(&form, client_id, repeated));
    flow::read(vec![client_query], State::Read(Reading { format, request }))
}

pub(crate) fn resume(env: &Env, state: State, resumed: Resumed) -> Next<State> {
    match (state, resumed) {
        (State::Read(reading), Resumed::Read(records)) => on_read(env, reading, records),
        (State::Commit(storing), Resumed::Commit(outcome)) => on_commit(env, storing, outcome),
        _ => flow::out_of_order(),
    }
}

/// The answer to a store failure: see [`fail_read`] and [`fail_commit`].
pub(crate) fn fail(env: &Env, state: &State, error: &StoreError) -> Respond {
    match state {
        State::Read(reading) => fail_read(reading, error),
        State::Commit(storing) => fail_commit(env, storing, error),
    }
}

fn on_read(env: &Env, state: Reading, mut records: Records) -> Next<State> {
    let Reading { format, request } = state;
    let client = as_client(records.next().flatten());
    match request {
        Incoming::Direct(params) => direct_request(env, format, client, params),
        Incoming::Pushed { client_id, hash, repeated } => {
            let pushed = as_pending(records.next().flatten());
            let Some(client) = client else {
                let err = invalid_request("client_id is unknown");
                return refuse_direct(env, format, Some(&client_id), err, StatusCode::BAD_REQUEST);
            };
            pushed_request(env, format, &client, hash, pushed, &repeated)
        }
    }
}

/// A request whose parameters came with it.
fn direct_request(
    env: &Env,
    format: Format,
    client: Option<ClientRecord>,
    params: Params,
) -> Next<State> {
    let Some(client) = client else {
        let err = invalid_request("client_id is unknown");
        return refuse_direct(env, format, Some(&params.client_id), err, StatusCode::BAD_REQUEST);
    };
    let redirect_uri = match resolve_redirect_uri(&client, params.redirect_uri.as_deref()) {
        Ok(uri) => uri,
        Err(why) => {
            let err = invalid_request(why);
            return refuse_direct(
                env,
                format,
                Some(&client.client_id),
                err,
                StatusCode::BAD_REQUEST,
            );
        }
    };
    let target = Target { redirect_uri, state: params.state.clone() };
    // RFC 9126 §4: with PAR required, only a `request_uri` is accepted.
    if env.config.require_par() || client.require_par {
        let err = invalid_request("authorization requests must be pushed to the PAR endpoint");
        return refuse_verified(env, format, &target, &client, err);
    }
    let validated = match validate(&env.config, &client, &params) {
        Ok(validated) => validated,
        Err(err) => return refuse_verified(env, format, &target, &client, err),
    };
    let handle = new_handle(env);
    let now = env.ctx.now;
    let pending = PendingAuthorizationRecord {
        hash: handle.hash(),
        kind: PendingKind::Interaction,
        client_id: client.client_id.clone(),
        redirect_uri: params.redirect_uri,
        resolved_redirect_uri: target.redirect_uri.clone(),
        scopes: validated.scopes,
        state: params.state,
        challenge: validated.challenge,
        created_at: now,
        expires_at: now.after(env.config.interaction_lifetime()),
        resources: validated.resources,
    };
    store_interaction(env, format, target, &client, handle, pending, None)
}

/// A request by `request_uri` (RFC 9126 §4): the stored request is checked
/// again against the client as it is now, then taken exactly once.
fn pushed_request(
    env: &Env,
    format: Format,
    client: &ClientRecord,
    hash: TokenHash,
    pushed: Option<PendingAuthorizationRecord>,
    repeated: &[String],
) -> Next<State> {
    let client_id = client.client_id.as_str();
    let unusable =
        |description: &'static str| OAuthError::new(ErrorCode::InvalidRequestUri, description);
    let Some(pushed) = pushed.filter(|p| p.kind == PendingKind::PushedRequest) else {
        let err = unusable("request_uri is unknown or was already used");
        return refuse_direct(env, format, Some(client_id), err, StatusCode::BAD_REQUEST);
    };
    if pushed.client_id != client.client_id {
        let err = unusable("request_uri was issued to another client");
        return refuse_direct(env, format, Some(client_id), err, StatusCode::BAD_REQUEST);
    }
    if env.ctx.now >= pushed.expires_at {
        let err = unusable("request_uri expired");
        return refuse_direct(env, format, Some(client_id), err, StatusCode::BAD_REQUEST);
    }
    match resolve_redirect_uri(client, pushed.redirect_uri.as_deref()) {
        Ok(uri) if uri == pushed.resolved_redirect_uri => {}
        _ => {
            let err = invalid_request("redirect_uri is no longer registered for this client");
            return refuse_direct(env, format, Some(client_id), err, StatusCode::BAD_REQUEST);
        }
    }
    let target =
        Target { redirect_uri: pushed.resolved_redirect_uri.clone(), state: pushed.state.clone() };
    let recheck = if let Some(name) = repeated.first() {
        Err(invalid_request(format!("parameter {name} is repeated")))
    } else if !client.may_use(GrantType::AuthorizationCode) {
        Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "client is not allowed the authorization_code grant",
        ))
    } else if !pushed.scopes.is_subset(&client.scopes) {
        Err(OAuthError::new(ErrorCode::InvalidScope, "scope is no longer allowed for this client"))
    } else if let Err(err) =
        crate::audience::known(&env.config, pushed.resources.iter().map(String::as_str))
    {
        Err(err)
    } else {
        Ok(())
    };
    if let Err(err) = recheck {
        return refuse_verified(env, format, &target, client, err);
    }
    let handle = new_handle(env);
    let now = env.ctx.now;
    let pending = PendingAuthorizationRecord {
        hash: handle.hash(),
        kind: PendingKind::PushedInteraction,
        created_at: now,
        expires_at: now.after(env.config.interaction_lifetime()),
        ..pushed
    };
    store_interaction(env, format, target, client, handle, pending, Some(hash))
}

/// A fresh 256-bit handle for the host.
fn new_handle(env: &Env) -> InteractionHandle {
    InteractionHandle::new(encode_secret(&env.ctx.entropy.derive(b"interaction")))
}

/// Commits the pending authorization (taking the pushed request it came
/// from, if any, under a precondition) and its audit event.
fn store_interaction(
    env: &Env,
    format: Format,
    target: Target,
    client: &ClientRecord,
    handle: InteractionHandle,
    pending: PendingAuthorizationRecord,
    pushed: Option<TokenHash>,
) -> Next<State> {
    let interaction = Interaction::new(handle, &pending, client, &env.config);
    let mut event = env.audit(AuditAction::AuthorizationRequested);
    event.client_id = Some(client.client_id.clone());
    event.grant_type = Some(GrantType::AuthorizationCode);
    let mut transaction = Transaction::default();
    if let Some(hash) = pushed {
        transaction.preconditions.push(Precondition::PendingExists { hash });
        transaction.effects.push(Effect::TakePending { hash });
    }
    transaction.effects.push(Effect::PutPending(pending));
    transaction.effects.push(Effect::AppendAudit(event));
    let state = Storing {
        format,
        target,
        client_id: client.client_id.clone(),
        trusted: env.config.trusts_redirects_of(client),
        interaction,
    };
    flow::commit(transaction, State::Commit(state))
}

fn on_commit(env: &Env, state: Storing, outcome: Outcome) -> Next<State> {
    let Storing { format, client_id, interaction, .. } = state;
    match outcome {
        Outcome::Applied => Next::Respond(Respond {
            reply: Reply::Interaction(interaction),
            best_effort: Vec::new(),
        }),
        // Only a pushed request's commit has a precondition: the same
        // `request_uri` was redeemed by a parallel request first.
        Outcome::Conflict { .. } => {
            let err = OAuthError::new(ErrorCode::InvalidRequestUri, "request_uri was already used");
            refuse_direct(env, format, Some(&client_id), err, StatusCode::BAD_REQUEST)
        }
    }
}

/// The client could not be read: nothing is verified, so answer directly.
fn fail_read(state: &Reading, error: &StoreError) -> Respond {
    let err = store_error(error);
    Respond::http(direct_error(state.format, &err, err.code.status()), Vec::new())
}

/// The pending authorization could not be stored: the redirect URI is
/// verified, so tell the client (RFC 6749 §4.1.2.1) if it is trusted, and
/// the user agent directly otherwise (RFC 9700 §4.11.2).
fn fail_commit(env: &Env, state: &Storing, error: &StoreError) -> Respond {
    let err = store_error(error);
    let response = if state.trusted {
        state.target.error(&env.config, Leg::Request, &err)
    } else {
        direct_error(state.format, &err, err.code.status())
    };
    Respond::http(response, Vec::new())
}

fn invalid_request(description: impl Into<std::borrow::Cow<'static, str>>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidRequest, description)
}

/// Answers `err` directly (no redirect) and records the refusal.
fn refuse_direct(
    env: &Env,
    format: Format,
    client_id: Option<&str>,
    err: OAuthError,
    status: StatusCode,
) -> Next<State> {
    let event = refused_event(env, client_id, err.code);
    flow::respond(direct_error(format, &err, status), vec![Effect::AppendAudit(event)])
}

/// Refuses a request whose client and redirect URI are verified: by a
/// redirect to `target` when the client's redirect URIs are trusted
/// (RFC 6749 §4.1.2.1), directly otherwise (RFC 9700 §4.11.2: the user has
/// not authenticated, and nobody vouched for the URI).
fn refuse_verified(
    env: &Env,
    format: Format,
    target: &Target,
    client: &ClientRecord,
    err: OAuthError,
) -> Next<State> {
    if env.config.trusts_redirects_of(client) {
        refuse_redirect(env, target, &client.client_id, err)
    } else {
        refuse_direct(env, format, Some(&client.client_id), err, StatusCode::BAD_REQUEST)
    }
}

/// Redirects `err` to the verified `target` and records the refusal.
fn refuse_redirect(env: &Env, target: &Target, client_id: &str, err: OAuthError) -> Next<State> {
    let event = refused_event(env, Some(client_id), err.code);
    let response = target.error(&env.config, Leg::Request, &err);
    flow::respond(response, vec![Effect::AppendAudit(event)])
}

fn refused_event(env: &Env, client_id: Option<&str>, error: ErrorCode) -> crate::store::AuditEvent {
    let mut event = env.audit(AuditAction::AuthorizationRefused);
    event.client_id = client_id.map(str::to_owned);
    event.grant_type = Some(GrantType::AuthorizationCode);
    event.error = Some(error);
    event
}
