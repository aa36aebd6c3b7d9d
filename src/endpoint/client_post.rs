//! The front half shared by the revocation and introspection endpoints: a
//! form `POST` from a client that authenticates as at the token endpoint
//! (RFC 6749 §2.3, RFC 7009 §2.1, RFC 7662 §2.1), and the answer to a
//! refusal with its best-effort audit event.

use http::{Request, StatusCode};

use crate::client_auth::Credentials;
use crate::error::OAuthError;
use crate::exchange::Exchange;
use crate::form::Form;
use crate::secret::TokenHash;
use crate::store::{AuditAction, Effect};
use crate::{ErrorCode, Step, response};

use super::token::is_form_content_type;

/// A parsed request: the client's credentials (not yet checked) and the
/// hash of the `token` parameter.
#[derive(Debug)]
pub(crate) struct TokenPost {
    pub(crate) credentials: Credentials,
    /// SHA-256 of the `token` parameter: the only form in which the
    /// presented token is kept.
    pub(crate) hash: TokenHash,
}

/// Why a request is refused, with the facts its audit event records.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) error: OAuthError,
    /// The status when it differs from the error code's own (413).
    pub(crate) status: Option<StatusCode>,
    /// The client id claimed or authenticated, if any.
    pub(crate) client_id: Option<String>,
    /// Whether an `invalid_client` answer must carry `WWW-Authenticate:
    /// Basic` (the client tried the Authorization header).
    pub(crate) challenge: bool,
}

impl Refusal {
    /// A refusal answered with `code`'s own status.
    pub(crate) fn new(error: OAuthError, client_id: Option<String>, challenge: bool) -> Self {
        Self { error, status: None, client_id, challenge }
    }
}

/// Parses a revocation or introspection request (the method is already
/// known to be `POST`): the media type, the body limit, the form, the
/// client's credentials and the required `token` parameter.
///
/// `token_type_hint` is deliberately not read: access and refresh tokens
/// live in one table keyed by hash, so one lookup finds either kind and the
/// hint could not make it faster; RFC 7009 §2.1 and RFC 7662 §2.1 let the
/// server ignore it, and an unknown value must not change the answer.
pub(crate) fn parse<B: AsRef<[u8]>>(
    ex: &Exchange,
    request: &Request<B>,
) -> Result<TokenPost, Refusal> {
    if !is_form_content_type(request) {
        let err = OAuthError::new(
            ErrorCode::InvalidRequest,
            "Content-Type must be application/x-www-form-urlencoded",
        );
        return Err(Refusal::new(err, None, false));
    }
    let body = request.body().as_ref();
    let limit = ex.config.max_body_bytes();
    if body.len() > limit {
        let err = OAuthError::new(
            ErrorCode::InvalidRequest,
            format!("request body exceeds {limit} bytes"),
        );
        let mut refusal = Refusal::new(err, None, false);
        refusal.status = Some(StatusCode::PAYLOAD_TOO_LARGE);
        return Err(refusal);
    }
    let form = Form::parse(body).map_err(|err| {
        Refusal::new(OAuthError::new(ErrorCode::InvalidRequest, err.description()), None, false)
    })?;
    let credentials = Credentials::extract(request.headers(), &form)
        .map_err(|failure| Refusal::new(failure.error, failure.claimed, failure.challenge))?;
    let Some(token) = form.get("token") else {
        let err = OAuthError::new(ErrorCode::InvalidRequest, "token is required");
        let challenge = credentials.used_basic();
        return Err(Refusal::new(err, Some(credentials.client_id), challenge));
    };
    Ok(TokenPost { hash: TokenHash::of(token), credentials })
}

/// Answers a refusal (RFC 6749 §5.2 body) and records it best-effort
/// under `action`.
pub(crate) fn refuse(ex: Exchange, action: AuditAction, refusal: Refusal) -> Step {
    let Refusal { error, status, client_id, challenge } = refusal;
    let mut event = ex.audit(action);
    event.client_id = client_id;
    event.error = Some(error.code);
    let mut response = if error.code == ErrorCode::InvalidClient && challenge {
        response::error_with_basic_challenge(&error)
    } else {
        response::error(&error)
    };
    if let Some(status) = status {
        *response.status_mut() = status;
    }
    ex.respond(response, vec![Effect::AppendAudit(event)])
}
