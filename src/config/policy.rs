//! The policy value types a [`Config`](super::Config) is made of.

use crate::Seconds;
use crate::secret::SecretHash;
use crate::store::GrantType;

/// PKCE rules (RFC 7636, OAuth 2.1 §4.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PkcePolicy {
    /// Whether confidential clients must send a challenge too. Public
    /// clients always must.
    pub required_for_confidential: bool,
    /// Whether the `plain` method is accepted. `S256` always is.
    pub allow_plain: bool,
}

impl Default for PkcePolicy {
    fn default() -> Self {
        Self { required_for_confidential: true, allow_plain: false }
    }
}

/// A scope the server knows, with what a consent page shows for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeDefinition {
    /// The scope token.
    pub name: String,
    /// A human-readable description.
    pub description: String,
    /// Whether it is granted when a request names no scope.
    pub default: bool,
}

/// FIFO limits on live tokens; the oldest are revoked first, in the same
/// commit that issues the newest. `None` means unlimited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FifoLimits {
    /// Live refresh tokens per client, across all subjects.
    pub refresh_per_client: Option<u32>,
    /// Live refresh tokens per client and subject.
    pub refresh_per_client_subject: Option<u32>,
    /// Live access tokens per refresh token chain (a refresh token and the
    /// successors it was rotated into form one grant family).
    pub access_per_refresh: Option<u32>,
}

/// What happens when a rotated refresh token is presented again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RefreshRotation {
    /// Any reuse revokes the whole family (RFC 9700 §4.14.2).
    #[default]
    Strict,
    /// A reuse within this window after rotation (a lost response, a
    /// parallel tab) issues a fresh successor and revokes the earlier one,
    /// so at most one successor stays live; later reuse revokes the family.
    Grace(Seconds),
}

/// The paths the server answers on: absolute paths on the issuer's
/// origin (with an issuer path such as `/tenant1`, include it:
/// `/tenant1/token`). The metadata document's path is not configurable: it
/// is fixed by RFC 8414 §3.1 (see [`Config::metadata_path`](super::Config::metadata_path)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// The token endpoint (RFC 6749 §3.2).
    pub token: String,
    /// The authorization endpoint (RFC 6749 §3.1); served when the
    /// authorization code grant is enabled.
    pub authorization: String,
    /// The pushed authorization request endpoint (RFC 9126 §2); `None`
    /// disables PAR. Served when the authorization code grant is enabled.
    pub par: Option<String>,
    /// The token revocation endpoint (RFC 7009).
    pub revocation: String,
    /// The token introspection endpoint (RFC 7662).
    pub introspection: String,
    /// The device authorization endpoint (RFC 8628 §3.1); served when the
    /// device code grant is enabled.
    pub device_authorization: String,
    /// The host's user-code page (RFC 8628 §3.2 `verification_uri`). The
    /// core does not serve it; it names it in device authorization
    /// responses.
    pub device_verification: String,
    /// The client registration endpoint (RFC 7591 §3). Each registered
    /// client's registration client URI (RFC 7592 §2) is this path followed
    /// by `/` and the client id, under the issuer.
    pub registration: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self {
            token: "/token".into(),
            authorization: "/authorize".into(),
            par: Some("/par".into()),
            revocation: "/revoke".into(),
            introspection: "/introspect".into(),
            device_authorization: "/device_authorization".into(),
            device_verification: "/device".into(),
            registration: "/register".into(),
        }
    }
}

impl Endpoints {
    /// Every configured path with its endpoint's name, one line per
    /// endpoint (validated at build: each starts with `/`, all distinct).
    pub(super) fn paths(&self) -> Vec<(&'static str, &str)> {
        let mut paths = vec![("token", self.token.as_str())];
        paths.push(("authorization", self.authorization.as_str()));
        paths.extend(self.par.as_deref().map(|p| ("par", p)));
        paths.push(("revocation", self.revocation.as_str()));
        paths.push(("introspection", self.introspection.as_str()));
        paths.push(("device_authorization", self.device_authorization.as_str()));
        paths.push(("device_verification", self.device_verification.as_str()));
        paths.push(("registration", self.registration.as_str()));
        paths
    }
}

/// How the bearer check ([`Input::Bearer`](crate::Input::Bearer)) reads and
/// challenges bearer tokens at a resource server (RFC 6750).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BearerPolicy {
    /// The `realm` of every `WWW-Authenticate: Bearer` challenge
    /// (RFC 6750 §3). Printable ASCII without `"` or `\`, so it is sent
    /// as a quoted string without escapes. Default `qscope`.
    pub realm: String,
    /// Whether an `access_token` parameter in an
    /// `application/x-www-form-urlencoded` body is accepted (RFC 6750
    /// §2.2, a MAY). Default `false`: only the `Authorization` header is
    /// read. A token in the URI query (RFC 6750 §2.3) is never accepted
    /// (OAuth 2.1 §5.1: resource servers MUST ignore it).
    pub accept_form_body: bool,
}

impl Default for BearerPolicy {
    fn default() -> Self {
        Self { realm: "qscope".into(), accept_form_body: false }
    }
}
/// Who may register clients at the registration endpoint (RFC 7591 §3).
///
/// Management of an already registered client at its registration client
/// URI (RFC 7592) only needs that client's registration access token and
/// works under every policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RegistrationPolicy {
    /// Nobody: `POST` to the registration endpoint is answered 403
    /// `access_denied`. Clients come from the admin API only.
    #[default]
    Closed,
    /// Anybody, without credentials (RFC 7591 §3 "open registration").
    /// Rate-limit the endpoint in the host.
    Open,
    /// Whoever presents one of these initial access tokens as a Bearer
    /// token (RFC 7591 §3, RFC 6750 §2.1). The tokens are issued out of band
    /// and stored here by hash only ([`SecretHash::of`]); they may be used
    /// any number of times until removed from the configuration.
    InitialAccessToken(Vec<SecretHash>),
}

/// The grant types a client may register for itself by default:
/// `authorization_code` and `refresh_token`. `client_credentials` is
/// left out because it yields tokens without any user's consent, so open
/// registration would hand them to anyone; `password` may never be
/// self-registered.
pub const DEFAULT_REGISTRATION_GRANTS: [GrantType; 2] =
    [GrantType::AuthorizationCode, GrantType::RefreshToken];
