//! The parameters of an authorization request and their validation
//! (RFC 6749 §4.1.1, RFC 7636 §4.3, §4.4.1, OAuth 2.1 §4.1.1), shared by
//! the authorization endpoint and the PAR endpoint.

use crate::audience;
use crate::error::OAuthError;
use crate::form::Form;
use crate::scope::{parse_scope_text, resolve_scopes};
use crate::store::{ClientRecord, GrantType, PkceChallenge, PkceMethod};
use crate::{Config, ErrorCode, Scopes, pkce};

/// RFC 9126 §2.2: the form of every `request_uri` the PAR endpoint issues,
/// and the only one the authorization endpoint accepts.
pub(crate) const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// The authorization request parameters the core uses; others are ignored
/// (RFC 6749 §3.1).
#[derive(Clone, Debug, Default)]
pub(crate) struct Params {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: Option<String>,
    response_type: Option<String>,
    scope: Option<String>,
    pub(crate) state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    /// Every `resource` value (RFC 8707), as sent.
    resource: Vec<String>,
    /// Names of parameters sent more than once.
    pub(crate) repeated: Vec<String>,
}

impl Params {
    /// Reads the parameters of `form`, whose repeated names are `repeated`.
    /// A repeated `state` is ambiguous, so none is echoed.
    pub(crate) fn from_form(form: &Form<'_>, client_id: &str, repeated: Vec<String>) -> Self {
        let get = |name: &str| form.get(name).map(str::to_owned);
        Self {
            client_id: client_id.to_owned(),
            redirect_uri: get("redirect_uri"),
            response_type: get("response_type"),
            scope: get("scope"),
            state: get("state").filter(|_| !repeated.iter().any(|r| r == "state")),
            code_challenge: get("code_challenge"),
            code_challenge_method: get("code_challenge_method"),
            resource: form.get_all("resource").map(str::to_owned).collect(),
            repeated,
        }
    }
}

/// What validation settles: the scopes and resources asked for and the
/// PKCE challenge.
#[derive(Clone, Debug)]
pub(crate) struct Validated {
    pub(crate) scopes: Scopes,
    pub(crate) challenge: Option<PkceChallenge>,
    pub(crate) resources: Vec<String>,
}

/// Validates everything but the client and the redirect URI (already
/// settled). Every error here may be redirected to the client.
pub(crate) fn validate(
    config: &Config,
    client: &ClientRecord,
    params: &Params,
) -> Result<Validated, OAuthError> {
    if let Some(name) = params.repeated.first() {
        return Err(OAuthError::new(
            ErrorCode::InvalidRequest,
            format!("parameter {name} is repeated"),
        ));
    }
    match params.response_type.as_deref() {
        None => {
            return Err(OAuthError::new(ErrorCode::InvalidRequest, "response_type is required"));
        }
        Some("code") => {}
        // OAuth 2.1 offers no implicit grant: `token` and every combination
        // are refused.
        Some(_) => {
            return Err(OAuthError::new(
                ErrorCode::UnsupportedResponseType,
                "response_type must be code",
            ));
        }
    }
    if !client.may_use(GrantType::AuthorizationCode) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "client is not allowed the authorization_code grant",
        ));
    }
    let requested = parse_scope_text(params.scope.as_deref())?;
    let scopes = resolve_scopes(config.default_scopes(), requested.as_ref(), &client.scopes)?;
    // RFC 8707 §2: an unknown or malformed resource is `invalid_target`,
    // redirected like the other errors here.
    let resources = audience::known(config, params.resource.iter().map(String::as_str))?;
    audience::shape(config, &resources, scopes.clone())?;
    let challenge = challenge(config, client, params)?;
    Ok(Validated { scopes, challenge, resources })
}

/// The PKCE challenge (RFC 7636 §4.3, §4.4.1; OAuth 2.1 §4.1.1).
fn challenge(
    config: &Config,
    client: &ClientRecord,
    params: &Params,
) -> Result<Option<PkceChallenge>, OAuthError> {
    let invalid =
        |description: &'static str| OAuthError::new(ErrorCode::InvalidRequest, description);
    let policy = config.pkce();
    let Some(challenge) = &params.code_challenge else {
        if params.code_challenge_method.is_some() {
            return Err(invalid("code_challenge_method was sent without code_challenge"));
        }
        if client.is_public() || policy.required_for_confidential {
            return Err(invalid("code_challenge is required"));
        }
        return Ok(None);
    };
    if !pkce::is_valid_verifier(challenge) {
        return Err(invalid("code_challenge must be 43 to 128 unreserved characters"));
    }
    let method = match params.code_challenge_method.as_deref() {
        Some("S256") => PkceMethod::S256,
        Some("plain") if policy.allow_plain => PkceMethod::Plain,
        None if policy.allow_plain => PkceMethod::Plain,
        None => return Err(invalid("code_challenge_method is required and must be S256")),
        Some(_) if policy.allow_plain => {
            return Err(invalid("code_challenge_method must be S256 or plain"));
        }
        Some(_) => return Err(invalid("code_challenge_method must be S256")),
    };
    Ok(Some(PkceChallenge { method, challenge: challenge.clone() }))
}
