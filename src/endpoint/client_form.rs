//! What every client-authenticated form endpoint shares (token, PAR,
//! device authorization, revocation, introspection): `POST` only, an
//! `application/x-www-form-urlencoded` body within the size limit, the
//! client's credentials (RFC 6749 §2.3), and RFC 6749 §5.2 refusals that
//! leave a best-effort audit event.

use http::header::CONTENT_TYPE;
use http::{Method, Request, StatusCode};

use crate::client_auth::{AuthFailure, Credentials};
use crate::error::OAuthError;
use crate::exchange::Exchange;
use crate::form::Form;
use crate::secret::TokenHash;
use crate::store::{AuditAction, AuditEvent, Effect, GrantType};
use crate::{ErrorCode, Step, response};

/// A parsed, size-checked form body and the credentials it presented.
pub(crate) struct ClientForm<'r> {
    pub(crate) form: Form<'r>,
    pub(crate) credentials: Credentials,
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
    pub(crate) fn refuse(self, ex: Exchange, err: OAuthError) -> Step {
        let status = err.code.status();
        self.refuse_as(ex, err, status)
    }

    /// Answers a failed client authentication: the one `invalid_client`
    /// answer whatever went wrong, the reason in the audit event only.
    pub(crate) fn refuse_authentication(self, ex: Exchange, failure: AuthFailure) -> Step {
        self.refuse_noting(ex, failure.error(), StatusCode::UNAUTHORIZED, |event| {
            event.reason = Some(failure.reason);
        })
    }

    /// Answers `err` with `status` (413 for an oversize body);
    /// `invalid_client` is always 401, with the Basic challenge when the
    /// client tried Basic or sent no credentials.
    pub(crate) fn refuse_as(self, ex: Exchange, err: OAuthError, status: StatusCode) -> Step {
        self.refuse_noting(ex, err, status, |_| {})
    }

    /// Like [`Refusal::refuse_as`], with facts beyond the refusal's own
    /// added to its audit event by `note` (a reason, a family).
    pub(crate) fn refuse_noting(
        self,
        ex: Exchange,
        err: OAuthError,
        status: StatusCode,
        note: impl FnOnce(&mut AuditEvent),
    ) -> Step {
        let mut event = ex.audit(self.action);
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
        ex.respond(response, vec![Effect::AppendAudit(event)])
    }
}

/// Checks method, content type and size, parses the form and extracts the
/// credentials; on any failure the exchange ends with the precise answer
/// (boxed: refusals are the cold path).
pub(crate) fn parse<'r, B: AsRef<[u8]>>(
    ex: Exchange,
    request: &'r Request<B>,
    refusal: Refusal<'_>,
) -> Result<(Exchange, ClientForm<'r>), Box<Step>> {
    if request.method() != Method::POST {
        return Err(Box::new(ex.respond(response::method_not_allowed("POST"), Vec::new())));
    }
    if !is_form_content_type(request) {
        let err = OAuthError::new(
            ErrorCode::InvalidRequest,
            "Content-Type must be application/x-www-form-urlencoded",
        );
        return Err(Box::new(refusal.refuse(ex, err)));
    }
    let body = request.body().as_ref();
    let limit = ex.config.max_body_bytes();
    if body.len() > limit {
        let err = OAuthError::new(
            ErrorCode::InvalidRequest,
            format!("request body exceeds {limit} bytes"),
        );
        return Err(Box::new(refusal.refuse_as(ex, err, StatusCode::PAYLOAD_TOO_LARGE)));
    }
    let form = match Form::parse(body) {
        Ok(form) => form,
        Err(err) => {
            let err = OAuthError::new(ErrorCode::InvalidRequest, err.description());
            return Err(Box::new(refusal.refuse(ex, err)));
        }
    };
    match Credentials::extract(request.headers(), &form) {
        Ok(credentials) => Ok((ex, ClientForm { form, credentials })),
        Err(failure) => {
            let refusal = Refusal {
                client_id: failure.claimed.as_deref(),
                challenge: failure.challenge,
                ..refusal
            };
            Err(Box::new(refusal.refuse(ex, failure.error)))
        }
    }
}

/// The RFC 7009 §2.1 / RFC 7662 §2.1 request: a client-authenticated form
/// with a required `token`; returns the credentials and the token's hash,
/// or the finished exchange.
pub(crate) fn parse_token_request<B: AsRef<[u8]>>(
    ex: Exchange,
    request: &Request<B>,
    refusal: Refusal<'_>,
) -> Result<(Exchange, Credentials, TokenHash), Box<Step>> {
    let (ex, ClientForm { form, credentials }) = parse(ex, request, refusal)?;
    match form.get("token") {
        Some(token) => Ok((ex, credentials, TokenHash::of(token))),
        None => {
            let err = OAuthError::new(ErrorCode::InvalidRequest, "token is required");
            Err(Box::new(refusal.by(&credentials).refuse(ex, err)))
        }
    }
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
