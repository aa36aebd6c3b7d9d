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
///
/// The defaults, and when the core serves each (an endpoint that is not
/// served answers 404 and is left out of the metadata document):
///
/// | field | default path | endpoint | served |
/// |---|---|---|---|
/// | `token` | `/token` | token (RFC 6749 §3.2) | always |
/// | `authorization` | `/authorize` | authorization (RFC 6749 §3.1) | with the authorization code grant (on by default) |
/// | `par` | `/par` | pushed authorization requests (RFC 9126) | with the code grant, unless `None` |
/// | `revocation` | `/revoke` | revocation (RFC 7009) | always |
/// | `introspection` | `/introspect` | introspection (RFC 7662) | always |
/// | `device_authorization` | `/device_authorization` | device authorization (RFC 8628 §3.1) | with the device code grant (off by default) |
/// | `device_verification` | `/device` | the host's user-code page (RFC 8628 §3.3) | never by the core: the host's page |
/// | `registration` | `/register` | registration (RFC 7591), and `/register/{client_id}` management (RFC 7592) | always; listed in the metadata unless the registration policy is `Closed` (the default), under which a registration is refused `access_denied` |
/// | `jwks` | `/jwks` | the JWK Set of the signing keys (RFC 7517 §5), listed as `jwks_uri` | with signing keys ([`ConfigBuilder::signing_keys`](super::ConfigBuilder), feature `jwt`) |
/// | — | `/.well-known/oauth-authorization-server` + the issuer's path | metadata (RFC 8414) | always |
///
/// The manual chapter [`embedding`](crate::manual::embedding) says how to
/// mount them (the core routes by the full path).
///
/// ```
/// use qscope::Endpoints;
///
/// let defaults = Endpoints::default();
/// let paths = [
///     &defaults.token, &defaults.authorization, &defaults.revocation, &defaults.introspection,
///     &defaults.device_authorization, &defaults.device_verification, &defaults.registration,
///     &defaults.jwks,
/// ];
/// assert_eq!(
///     paths.map(String::as_str),
///     [
///         "/token", "/authorize", "/revoke", "/introspect", "/device_authorization", "/device",
///         "/register", "/jwks",
///     ],
/// );
/// assert_eq!(defaults.par.as_deref(), Some("/par"));
/// ```
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
    /// The JWK Set of the server's signing keys (RFC 7517 §5; `jwks_uri`
    /// in the metadata, RFC 8414 §2); served when the configuration has
    /// signing keys (feature `jwt`).
    pub jwks: String,
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
            jwks: "/jwks".into(),
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
        paths.push(("jwks", self.jwks.as_str()));
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
    /// The URL of the resource's RFC 9728 metadata, sent as the
    /// `resource_metadata` parameter of every challenge (RFC 9728 §5.1)
    /// so a client that knows only the resource finds its authorization
    /// server. Default `None`. [`ProtectedResource::bearer_policy`]
    /// fills it in; it must be an `https` URL of printable ASCII without
    /// `"` or `\`.
    ///
    /// [`ProtectedResource::bearer_policy`]: crate::resource::ProtectedResource::bearer_policy
    pub resource_metadata: Option<String>,
}

impl Default for BearerPolicy {
    fn default() -> Self {
        Self { realm: "qscope".into(), accept_form_body: false, resource_metadata: None }
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

/// The form of the access tokens issued for a resource.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenFormat {
    /// A random string, checked at the authorization server (introspection
    /// or the store-backed bearer check).
    #[default]
    Opaque,
    /// An RFC 9068 JWT access token (feature `jwt`), signed by the active
    /// key of [`ConfigBuilder::signing_keys`](crate::ConfigBuilder::signing_keys),
    /// that a resource server can check on its own. It is still stored by
    /// hash, so introspection and revocation work as for opaque tokens —
    /// but a resource server that only verifies offline sees a revocation
    /// only when the token expires, hence the short default lifetime
    /// ([`DEFAULT_JWT_LIFETIME`]).
    Jwt,
}

/// The access-token lifetime of a [`TokenFormat::Jwt`] resource that names
/// none: 5 minutes, because an offline verifier cannot see a revocation
/// before expiry.
pub const DEFAULT_JWT_LIFETIME: Seconds = Seconds::minutes(5);

/// A protected resource clients may name with the `resource` parameter
/// (RFC 8707 §2), and how its access tokens are made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceDefinition {
    /// The resource indicator: an absolute URI without a fragment,
    /// compared as an exact string. Tokens for it carry it as their
    /// audience (`aud`).
    pub uri: String,
    /// Opaque or JWT access tokens.
    pub format: TokenFormat,
    /// The access-token lifetime; `None` is the server's
    /// [`access_token_lifetime`](crate::Config::access_token_lifetime) for
    /// an opaque resource and [`DEFAULT_JWT_LIFETIME`] for a JWT one.
    pub access_token_lifetime: Option<Seconds>,
    /// The scopes a token for this resource may carry; `None` is every
    /// scope. A token's scopes are narrowed to those its resources allow
    /// (RFC 8707 §2.2 "downscoping"), and the token response says so.
    pub scopes: Option<crate::Scopes>,
}

impl ResourceDefinition {
    /// An opaque-token resource with the server's lifetime and any scope.
    pub fn new(uri: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            format: TokenFormat::Opaque,
            access_token_lifetime: None,
            scopes: None,
        }
    }

    /// The same resource with this token format.
    #[must_use]
    pub fn with_format(mut self, format: TokenFormat) -> Self {
        self.format = format;
        self
    }

    /// The same resource with this access-token lifetime.
    #[must_use]
    pub fn with_lifetime(mut self, lifetime: Seconds) -> Self {
        self.access_token_lifetime = Some(lifetime);
        self
    }

    /// The same resource, allowing only these scopes.
    #[must_use]
    pub fn with_scopes(mut self, scopes: crate::Scopes) -> Self {
        self.scopes = Some(scopes);
        self
    }
}
