//! OAuth protocol errors (always answered as responses) and bad
//! configuration; misuse of the step API by an adapter is in `misuse`.

use std::borrow::Cow;
use std::fmt;

use http::StatusCode;
use serde::{Deserialize, Serialize};

/// A registered OAuth error code (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1;
/// RFC 7009 §2.2.1; RFC 8628 §3.5; RFC 7591 §3.2.2; RFC 9126 §2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request is missing, repeats or malforms a parameter.
    InvalidRequest,
    /// Client authentication failed.
    InvalidClient,
    /// The grant (code, refresh token, …) is invalid, expired, revoked or
    /// bound to another client or redirect URI.
    InvalidGrant,
    /// The client may not use this grant or response type.
    UnauthorizedClient,
    /// The grant type is not supported or not enabled.
    UnsupportedGrantType,
    /// The requested scope is invalid, unknown, malformed or too broad.
    InvalidScope,
    /// The resource owner or the server denied the request.
    AccessDenied,
    /// The response type is not supported.
    UnsupportedResponseType,
    /// The server met an unexpected condition.
    ServerError,
    /// The server is temporarily unable to handle the request.
    TemporarilyUnavailable,
    /// The access token is invalid, expired or revoked (RFC 6750).
    InvalidToken,
    /// The access token lacks the required scope (RFC 6750).
    InsufficientScope,
    /// The token type is not supported for revocation (RFC 7009).
    UnsupportedTokenType,
    /// The device authorization is still pending (RFC 8628).
    AuthorizationPending,
    /// The device client polls too fast (RFC 8628).
    SlowDown,
    /// The device code expired (RFC 8628).
    ExpiredToken,
    /// A redirect URI in client metadata is invalid (RFC 7591).
    InvalidRedirectUri,
    /// A client metadata field is invalid (RFC 7591).
    InvalidClientMetadata,
    /// The `request_uri` is invalid or expired (RFC 9126).
    InvalidRequestUri,
    /// A `resource` is invalid, unknown, malformed or not granted (RFC 8707 §2).
    InvalidTarget,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::AuthorizationPending => "authorization_pending",
            Self::SlowDown => "slow_down",
            Self::ExpiredToken => "expired_token",
            Self::InvalidRedirectUri => "invalid_redirect_uri",
            Self::InvalidClientMetadata => "invalid_client_metadata",
            Self::InvalidRequestUri => "invalid_request_uri",
            Self::InvalidTarget => "invalid_target",
        }
    }

    /// The HTTP status this code is answered with in a direct (JSON) response.
    pub const fn status(self) -> StatusCode {
        match self {
            Self::InvalidClient | Self::InvalidToken => StatusCode::UNAUTHORIZED,
            Self::InsufficientScope | Self::AccessDenied => StatusCode::FORBIDDEN,
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A protocol error on its way to becoming a response.
///
/// Never surfaced as a Rust `Err` to the host: the core turns it into the
/// RFC's error response itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OAuthError {
    pub(crate) code: ErrorCode,
    pub(crate) description: Cow<'static, str>,
}

impl OAuthError {
    pub(crate) fn new(code: ErrorCode, description: impl Into<Cow<'static, str>>) -> Self {
        Self { code, description: description.into() }
    }
}

/// A [`Config`](crate::Config) that cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The issuer is not an `https` URL without query or fragment
    /// (`http` is accepted only for loopback hosts).
    #[error("issuer must be an https URL without query or fragment: {0}")]
    Issuer(String),
    /// A lifetime is zero or above its allowed maximum.
    #[error("{what} must be between 1 and {max} seconds")]
    Lifetime {
        /// Which lifetime.
        what: &'static str,
        /// Its upper bound in seconds.
        max: u64,
    },
    /// A scope name is not a valid scope token (RFC 6749 §3.3) or repeats.
    #[error("invalid or repeated scope name {0:?}")]
    Scope(String),
    /// A scope description holds control characters or bidirectional-text
    /// controls, which would change how consent pages show it.
    #[error(
        "the description of scope {0:?} must not contain control or bidirectional text controls"
    )]
    ScopeDescription(String),
    /// A FIFO limit of zero would revoke every token as soon as it is issued.
    #[error("FIFO limit {0} must be at least 1")]
    FifoLimit(&'static str),
    /// No grant type is enabled.
    #[error("at least one grant type must be enabled")]
    NoGrant,
    /// An endpoint path does not start with `/` or two endpoints share one.
    #[error("invalid or duplicate endpoint path {0:?}")]
    EndpointPath(String),
    /// The body size limit is too small to hold a token request.
    #[error("body limit must be at least 512 bytes")]
    BodyLimit,
    /// The bearer `realm` is empty or has characters that a quoted
    /// auth-param cannot carry without escapes (RFC 6750 §3).
    #[error("bearer realm must be non-empty printable ASCII without '\"' or '\\': {0:?}")]
    Realm(String),
    /// The bearer policy's `resource_metadata` is not an `https` URL that
    /// a challenge can carry as a quoted string (RFC 9728 §5.1).
    #[error("bearer resource_metadata must be an https URL without spaces, '\"' or '\\': {0:?}")]
    ResourceMetadata(String),
    /// Pushed authorization requests are required but no PAR endpoint is
    /// configured.
    #[error("require_par needs a PAR endpoint")]
    ParDisabled,
    /// The registration settings are inconsistent.
    #[error("invalid registration settings: {0}")]
    Registration(&'static str),
    /// A resource definition (RFC 8707) is not usable.
    #[error("resource {uri:?}: {reason}")]
    Resource {
        /// The resource indicator as configured.
        uri: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}
