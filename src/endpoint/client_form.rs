//! The client-authenticated form pipeline, written once for the token,
//! PAR, device authorization, revocation and introspection endpoints:
//!
//! 1. [`begin`]: `POST` only, an `application/x-www-form-urlencoded` body
//!    within the size limit, parsed; the client's credentials (RFC 6749
//!    §2.3); then the endpoint parses its own parameters and names the
//!    record it needs besides the client; one read fetches both.
//! 2. [`authenticate`]: the client as read is authenticated with the one
//!    uniform `invalid_client` answer whatever went wrong, the reason in
//!    the audit event only; the endpoint then decides.
//!
//! Every refusal is an RFC 6749 §5.2 answer that leaves a best-effort
//! audit event ([`Refusal`]); where it is an `Err`, it is boxed (the cold
//! path).

use http::{Method, StatusCode};

use crate::client_auth::{AuthFailure, Credentials};
use crate::endpoint::flow::{self, Env, Next};
use crate::error::OAuthError;
use crate::form::{Form, is_form_content_type};
use crate::input::HttpRequest;
use crate::reply::Respond;
use crate::secret::TokenHash;
use crate::store::{
    AuditAction, AuditEvent, ClientRecord, Effect, GrantType, Query, Record, Records, as_client,
};
use crate::{ErrorCode, response};

/// What an endpoint parsed from its form: its own parameters, and the
/// record it needs besides the client.
pub(crate) struct Parsed<P> {
    /// The endpoint's parameters.
    pub(crate) params: P,
    /// The record to read with the client, if any.
    pub(crate) record: Option<Query>,
}

/// Waiting for the client (and the endpoint's record).
#[derive(Debug)]
pub(crate) struct ClientRead<P> {
    credentials: Credentials,
    params: P,
}

impl<P> ClientRead<P> {
    /// What the endpoint parsed.
    pub(crate) fn params(&self) -> &P {
        &self.params
    }
}

/// An authenticated client, the endpoint's record as read, and what the
/// endpoint parsed.
pub(crate) struct Authenticated<P> {
    /// The client, authenticated.
    pub(crate) client: ClientRecord,
    /// The endpoint's record, if it asked for one and it exists.
    pub(crate) record: Option<Record>,
    /// The endpoint's parameters.
    pub(crate) params: P,
    credentials: Credentials,
}

impl<P> Authenticated<P> {
    /// `base` about this client, as it presented itself.
    pub(crate) fn refusal(&self, base: Refusal<'static>) -> Refusal<'_> {
        base.by(&self.credentials)
    }
}

/// Starts a client-authenticated form request: checks method, content
/// type and size, parses the form, extracts the credentials, lets `parse`
/// read the endpoint's parameters (it is handed the refusal about this
/// client), and reads the client with the endpoint's record. Any failure
/// ends the exchange with its precise answer.
pub(crate) fn begin<P>(
    env: &Env,
    request: HttpRequest<'_>,
    refusal: Refusal<'_>,
    parse: impl FnOnce(&Form<'_>, Refusal<'_>) -> Result<Parsed<P>, Box<Respond>>,
) -> Next<ClientRead<P>> {
    let (form, credentials) = match parse_form(env, request, refusal) {
        Ok(parsed) => parsed,
        Err(respond) => return Next::Respond(*respond),
    };
    let parsed = match parse(&form, refusal.by(&credentials)) {
        Ok(parsed) => parsed,
        Err(respond) => return Next::Respond(*respond),
    };
    let mut queries = vec![Query::Client { client_id: credentials.client_id.clone() }];
    queries.extend(parsed.record);
    flow::read(queries, ClientRead { credentials, params: parsed.params })
}

/// Authenticates the client read for `read` (RFC 6749 §2.3): the
/// authenticated client with the endpoint's record, or the uniform
/// `invalid_client` refusal, recorded as `refusal` about the client.
pub(crate) fn authenticate<P>(
    env: &Env,
    read: ClientRead<P>,
    mut records: Records,
    refusal: Refusal<'_>,
) -> Result<Authenticated<P>, Box<Respond>> {
    let ClientRead { credentials, params } = read;
    let client = as_client(records.next().flatten());
    let record = records.next().flatten();
    match credentials.authenticate(client) {
        Ok(client) => Ok(Authenticated { client, record, params, credentials }),
        Err(failure) => Err(refusal.by(&credentials).refuse_authentication(env, failure).into()),
    }
}

/// The RFC 7009 §2.1 / RFC 7662 §2.1 parameters: a required `token`,
/// read by its hash with the client.
pub(crate) fn token_parameter(
    env: &Env,
    form: &Form<'_>,
    refusal: Refusal<'_>,
) -> Result<Parsed<TokenHash>, Box<Respond>> {
    match form.get("token") {
        Some(token) => {
            let hash = TokenHash::of(token);
            Ok(Parsed { params: hash, record: Some(Query::Token { hash }) })
        }
        None => {
            let err = OAuthError::new(ErrorCode::InvalidRequest, "token is required");
            Err(refusal.refuse(env, err).into())
        }
    }
}

/// The audit facts of a refusal.
#[derive(Clone, Copy)]
pub(crate) struct Refusal<'a> {
    /// The event to record.
    pub(crate) action: AuditAction,
    /// The client, as claimed.
    pub(crate) client_id: Option<&'a str>,
    /// The grant type, for token requests.
    pub(crate) grant_type: Option<GrantType>,
    /// Whether an `invalid_client` answer must carry `WWW-Authenticate: Basic`.
    pub(crate) challenge: bool,
}

impl<'a> Refusal<'a> {
    /// The same refusal about the client of `credentials`.
    pub(crate) fn by(self, credentials: &'a Credentials) -> Self {
        Self {
            client_id: Some(&credentials.client_id),
            challenge: credentials.used_basic(),
            ..self
        }
    }

    /// Answers `err` (RFC 6749 §5.2) with its code's status.
    pub(crate) fn refuse(self, env: &Env, err: OAuthError) -> Respond {
        let status = err.code.status();
        self.refuse_as(env, err, status)
    }

    /// Answers a failed client authentication: the one `invalid_client`
    /// answer whatever went wrong, the reason in the audit event only.
    pub(crate) fn refuse_authentication(self, env: &Env, failure: AuthFailure) -> Respond {
        self.refuse_noting(env, failure.error(), StatusCode::UNAUTHORIZED, |event| {
            event.reason = Some(failure.reason);
        })
    }

    /// Answers `err` with `status` (413 for an oversize body);
    /// `invalid_client` is always 401, with the Basic challenge when the
    /// client tried Basic or sent no credentials.
    pub(crate) fn refuse_as(self, env: &Env, err: OAuthError, status: StatusCode) -> Respond {
        self.refuse_noting(env, err, status, |_| {})
    }

    /// Like [`Refusal::refuse_as`], with facts beyond the refusal's own
    /// added to its audit event by `note` (a reason, a family).
    pub(crate) fn refuse_noting(
        self,
        env: &Env,
        err: OAuthError,
        status: StatusCode,
        note: impl FnOnce(&mut AuditEvent),
    ) -> Respond {
        let mut event = env.audit(self.action);
        event.client_id = self.client_id.map(str::to_owned);
        event.grant_type = self.grant_type;
        event.error = Some(err.code);
        note(&mut event);
        let mut response = if err.code == ErrorCode::InvalidClient && self.challenge {
            response::error_with_basic_challenge(&err)
        } else {
            response::error(&err)
        };
        if err.code != ErrorCode::InvalidClient {
            *response.status_mut() = status;
        }
        Respond::http(response, vec![Effect::AppendAudit(event)])
    }
}

/// Checks method, content type and size, parses the form and extracts the
/// credentials.
fn parse_form<'r>(
    env: &Env,
    request: HttpRequest<'r>,
    refusal: Refusal<'_>,
) -> Result<(Form<'r>, Credentials), Box<Respond>> {
    if request.method() != Method::POST {
        return Err(Respond::http(response::method_not_allowed("POST"), Vec::new()).into());
    }
    if !is_form_content_type(request.headers()) {
        let err = OAuthError::new(
            ErrorCode::InvalidRequest,
            "Content-Type must be application/x-www-form-urlencoded",
        );
        return Err(refusal.refuse(env, err).into());
    }
    let body = request.body();
    let limit = env.config.max_body_bytes();
    if body.len() > limit {
        let err = OAuthError::new(
            ErrorCode::InvalidRequest,
            format!("request body exceeds {limit} bytes"),
        );
        return Err(refusal.refuse_as(env, err, StatusCode::PAYLOAD_TOO_LARGE).into());
    }
    let form = match Form::parse(body) {
        Ok(form) => form,
        Err(err) => {
            let err = OAuthError::new(ErrorCode::InvalidRequest, err.description());
            return Err(refusal.refuse(env, err).into());
        }
    };
    match Credentials::extract(request.headers(), &form) {
        Ok(credentials) => Ok((form, credentials)),
        Err(failure) => {
            let refusal = Refusal {
                client_id: failure.claimed.as_deref(),
                challenge: failure.challenge,
                ..refusal
            };
            Err(refusal.refuse(env, failure.error).into())
        }
    }
}
