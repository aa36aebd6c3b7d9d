//! Policy: one immutable, validated `Config`, built once and shared.

use crate::error::ConfigError;
use crate::scope::is_scope_token;
use crate::secret::SecretHash;
use crate::store::GrantType;
use crate::{Scopes, Seconds};

/// The server's whole policy. Built by [`ConfigBuilder`], validated at
/// build time, immutable afterwards.
#[derive(Clone, Debug)]
pub struct Config {
    issuer: String,
    grants: Vec<GrantType>,
    access_token_lifetime: Seconds,
    refresh_token_lifetime: Seconds,
    code_lifetime: Seconds,
    pkce: PkcePolicy,
    scopes: Vec<ScopeDefinition>,
    default_scopes: Scopes,
    fifo: FifoLimits,
    rotation: RefreshRotation,
    refresh_for_client_credentials: bool,
    max_body_bytes: usize,
    endpoints: Endpoints,
    interaction_lifetime: Seconds,
    par_lifetime: Seconds,
    device_code_lifetime: Seconds,
    device_poll_interval: Seconds,
    require_par: bool,
    /// Computed at build: `/.well-known/oauth-authorization-server` plus
    /// the issuer's path (RFC 8414 §3.1).
    metadata_path: String,
    /// Computed at build: the issuer's `scheme://authority`.
    issuer_origin: String,
    bearer: BearerPolicy,
    registration: RegistrationPolicy,
    registration_scope_names: Option<Vec<String>>,
    registration_scopes: Scopes,
    registration_grants: Vec<GrantType>,
}

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
/// is fixed by RFC 8414 §3.1 (see [`Config::metadata_path`]).
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
    fn paths(&self) -> Vec<(&'static str, &str)> {
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

/// How [`Server::verify_bearer`](crate::Server::verify_bearer) reads and
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

/// The longest an authorization code may live (RFC 6749 §4.1.2 recommends
/// at most 10 minutes).
pub const MAX_CODE_LIFETIME: Seconds = Seconds::minutes(10);

/// The path prefix of the metadata document (RFC 8414 §3).
const WELL_KNOWN: &str = "/.well-known/oauth-authorization-server";

impl Config {
    /// A builder for the server whose issuer identifier is `issuer`.
    pub fn builder(issuer: impl Into<String>) -> ConfigBuilder {
        ConfigBuilder {
            config: Self {
                issuer: issuer.into(),
                grants: vec![
                    GrantType::AuthorizationCode,
                    GrantType::ClientCredentials,
                    GrantType::RefreshToken,
                ],
                access_token_lifetime: Seconds::hours(1),
                refresh_token_lifetime: Seconds::days(30),
                code_lifetime: Seconds::new(60),
                pkce: PkcePolicy::default(),
                scopes: Vec::new(),
                default_scopes: Scopes::new(),
                fifo: FifoLimits::default(),
                rotation: RefreshRotation::Strict,
                refresh_for_client_credentials: false,
                max_body_bytes: 16 * 1024,
                endpoints: Endpoints::default(),
                interaction_lifetime: Seconds::minutes(10),
                par_lifetime: Seconds::new(60),
                device_code_lifetime: Seconds::minutes(10),
                device_poll_interval: Seconds::new(5),
                require_par: false,
                metadata_path: String::new(),
                issuer_origin: String::new(),
                bearer: BearerPolicy::default(),
                registration: RegistrationPolicy::Closed,
                registration_scope_names: None,
                registration_scopes: Scopes::new(),
                registration_grants: DEFAULT_REGISTRATION_GRANTS.to_vec(),
            },
        }
    }

    /// The issuer identifier (RFC 8414 §2, RFC 9207).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Whether `grant` is enabled.
    pub fn grant_enabled(&self, grant: GrantType) -> bool {
        self.grants.contains(&grant)
    }

    /// The enabled grant types.
    pub fn grants(&self) -> &[GrantType] {
        &self.grants
    }

    /// How long access tokens live.
    pub fn access_token_lifetime(&self) -> Seconds {
        self.access_token_lifetime
    }

    /// How long refresh tokens live.
    pub fn refresh_token_lifetime(&self) -> Seconds {
        self.refresh_token_lifetime
    }

    /// How long authorization codes live.
    pub fn code_lifetime(&self) -> Seconds {
        self.code_lifetime
    }

    /// The PKCE rules.
    pub fn pkce(&self) -> PkcePolicy {
        self.pkce
    }

    /// The scopes the server knows.
    pub fn scopes(&self) -> &[ScopeDefinition] {
        &self.scopes
    }

    /// The scopes granted when a request names none (before narrowing to
    /// what the client may have).
    pub fn default_scopes(&self) -> &Scopes {
        &self.default_scopes
    }

    /// The FIFO limits.
    pub fn fifo(&self) -> FifoLimits {
        self.fifo
    }

    /// The refresh rotation policy.
    pub fn rotation(&self) -> RefreshRotation {
        self.rotation
    }

    /// Whether client-credentials grants also receive a refresh token.
    pub fn refresh_for_client_credentials(&self) -> bool {
        self.refresh_for_client_credentials
    }

    /// The largest request body accepted, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// The endpoint paths.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// How resource servers read and challenge bearer tokens.
    pub fn bearer(&self) -> &BearerPolicy {
        &self.bearer
    }

    /// How long a pending authorization waits for the host's decision.
    pub fn interaction_lifetime(&self) -> Seconds {
        self.interaction_lifetime
    }

    /// How long a pushed authorization request's `request_uri` stays
    /// usable (RFC 9126 §2.2 `expires_in`).
    pub fn par_lifetime(&self) -> Seconds {
        self.par_lifetime
    }

    /// How long a device code and its user code live (RFC 8628 §3.2 `expires_in`).
    pub fn device_code_lifetime(&self) -> Seconds {
        self.device_code_lifetime
    }

    /// The initial minimum interval between device polls (RFC 8628 §3.2 `interval`).
    pub fn device_poll_interval(&self) -> Seconds {
        self.device_poll_interval
    }

    /// The device authorization endpoint's path, when the device grant is enabled.
    pub fn device_authorization_path(&self) -> Option<&str> {
        self.grant_enabled(GrantType::DeviceCode)
            .then_some(self.endpoints.device_authorization.as_str())
    }

    /// Whether every client must use pushed authorization requests
    /// (RFC 9126 §5 `require_pushed_authorization_requests`). Clients can
    /// also be required one by one ([`ClientRecord::require_par`]).
    ///
    /// [`ClientRecord::require_par`]: crate::store::ClientRecord::require_par
    pub fn require_par(&self) -> bool {
        self.require_par
    }

    /// Whether the authorization endpoint (and PAR, if configured) is
    /// served: exactly when the authorization code grant is enabled.
    pub fn authorization_enabled(&self) -> bool {
        self.grant_enabled(GrantType::AuthorizationCode)
    }

    /// The PAR endpoint path, when PAR is configured and the authorization
    /// endpoint is served.
    pub fn par_path(&self) -> Option<&str> {
        self.endpoints.par.as_deref().filter(|_| self.authorization_enabled())
    }

    /// The path of the metadata document: `/.well-known/oauth-authorization-server`
    /// followed by the issuer's path, if any (RFC 8414 §3.1).
    pub fn metadata_path(&self) -> &str {
        &self.metadata_path
    }

    /// The absolute URL of the endpoint at `path` on the issuer's origin.
    pub fn endpoint_url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer_origin)
    }

    /// Who may register clients (RFC 7591 §3).
    pub fn registration_policy(&self) -> &RegistrationPolicy {
        &self.registration
    }

    /// The scopes a client may register for itself (RFC 7591 §2 `scope`).
    pub fn registration_scopes(&self) -> &Scopes {
        &self.registration_scopes
    }

    /// The grant types a client may register for itself: the configured
    /// ones that are also enabled.
    pub fn registration_grants(&self) -> &[GrantType] {
        &self.registration_grants
    }

    /// The registration client URI of `client_id` (RFC 7592 §3, Appendix
    /// B): `{issuer}{registration endpoint}/{client_id}`, the id
    /// percent-encoded where it is not an unreserved character.
    pub fn registration_client_uri(&self, client_id: &str) -> String {
        let mut uri = format!("{}{}/", self.issuer, self.endpoints.registration);
        for byte in client_id.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                uri.push(char::from(byte));
            } else {
                uri.push_str(&format!("%{byte:02X}"));
            }
        }
        uri
    }
}

/// Builds a [`Config`]; every setter has a safe default.
#[derive(Clone, Debug)]
#[must_use]
pub struct ConfigBuilder {
    config: Config,
}

impl ConfigBuilder {
    /// Enables exactly these grant types (default: authorization code,
    /// client credentials, refresh token).
    pub fn grants(mut self, grants: impl IntoIterator<Item = GrantType>) -> Self {
        let mut list: Vec<GrantType> = Vec::new();
        for grant in grants {
            if !list.contains(&grant) {
                list.push(grant);
            }
        }
        self.config.grants = list;
        self
    }

    /// Access token lifetime (default 1 hour, at most 1 day).
    pub fn access_token_lifetime(mut self, lifetime: Seconds) -> Self {
        self.config.access_token_lifetime = lifetime;
        self
    }

    /// Refresh token lifetime (default 30 days, at most 1 year).
    pub fn refresh_token_lifetime(mut self, lifetime: Seconds) -> Self {
        self.config.refresh_token_lifetime = lifetime;
        self
    }

    /// Authorization code lifetime (default 60 s, at most 10 minutes).
    pub fn code_lifetime(mut self, lifetime: Seconds) -> Self {
        self.config.code_lifetime = lifetime;
        self
    }

    /// PKCE rules (default: required for every client, `S256` only).
    pub fn pkce(mut self, policy: PkcePolicy) -> Self {
        self.config.pkce = policy;
        self
    }

    /// Declares a known scope.
    pub fn scope(
        mut self,
        name: impl Into<String>,
        description: impl Into<String>,
        default: bool,
    ) -> Self {
        self.config.scopes.push(ScopeDefinition {
            name: name.into(),
            description: description.into(),
            default,
        });
        self
    }

    /// FIFO limits on live tokens (default: none).
    pub fn fifo(mut self, limits: FifoLimits) -> Self {
        self.config.fifo = limits;
        self
    }

    /// Refresh rotation policy (default: strict).
    pub fn rotation(mut self, rotation: RefreshRotation) -> Self {
        self.config.rotation = rotation;
        self
    }

    /// Whether client-credentials grants also get a refresh token (default: no).
    pub fn refresh_for_client_credentials(mut self, enabled: bool) -> Self {
        self.config.refresh_for_client_credentials = enabled;
        self
    }

    /// The largest request body accepted (default 16 KiB, at least 512 bytes).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.config.max_body_bytes = bytes;
        self
    }

    /// The endpoint paths.
    pub fn endpoints(mut self, endpoints: Endpoints) -> Self {
        self.config.endpoints = endpoints;
        self
    }

    /// How long a pending authorization waits for the host's login and
    /// consent decision (default 10 minutes, at most 1 hour).
    pub fn interaction_lifetime(mut self, lifetime: Seconds) -> Self {
        self.config.interaction_lifetime = lifetime;
        self
    }

    /// How long a PAR `request_uri` stays usable (default 60 s, at most
    /// 10 minutes; RFC 9126 §2.2).
    pub fn par_lifetime(mut self, lifetime: Seconds) -> Self {
        self.config.par_lifetime = lifetime;
        self
    }

    /// Device code lifetime (default 10 minutes, at most 30 minutes).
    pub fn device_code_lifetime(mut self, lifetime: Seconds) -> Self {
        self.config.device_code_lifetime = lifetime;
        self
    }

    /// Initial device polling interval (default 5 s, at most 60 s).
    pub fn device_poll_interval(mut self, interval: Seconds) -> Self {
        self.config.device_poll_interval = interval;
        self
    }

    /// Whether every authorization request must come through PAR
    /// (default: no). Requires the PAR endpoint to be configured.
    pub fn require_par(mut self, required: bool) -> Self {
        self.config.require_par = required;
        self
    }

    /// Bearer-token verification for resource servers (default: realm
    /// `qscope`, `Authorization` header only).
    pub fn bearer(mut self, policy: BearerPolicy) -> Self {
        self.config.bearer = policy;
        self
    }

    /// Who may register clients (default: [`RegistrationPolicy::Closed`]).
    pub fn registration(mut self, policy: RegistrationPolicy) -> Self {
        self.config.registration = policy;
        self
    }

    /// The scopes a client may register for itself; each must be a
    /// declared scope. A registration that names no scope gets the default
    /// scopes among these.
    ///
    /// Default: every declared scope. That is safe with the default
    /// [`registration_grants`](Self::registration_grants), where every token
    /// a self-registered client obtains needs a user's consent; narrow it
    /// when some scopes must never reach self-registered clients, and
    /// always when `client_credentials` is self-registrable.
    pub fn registration_scopes<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.config.registration_scope_names = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// The grant types a client may register for itself (default:
    /// [`DEFAULT_REGISTRATION_GRANTS`]); grants not enabled on the server
    /// are dropped, and `password` fails the build.
    pub fn registration_grants(mut self, grants: impl IntoIterator<Item = GrantType>) -> Self {
        self.config.registration_grants = grants.into_iter().collect();
        self
    }

    /// Validates and freezes the configuration.
    pub fn build(self) -> Result<Config, ConfigError> {
        let mut config = self.config;
        validate_issuer(&config.issuer)?;
        if config.grants.is_empty() {
            return Err(ConfigError::NoGrant);
        }
        check_lifetime("access token lifetime", config.access_token_lifetime, Seconds::days(1))?;
        check_lifetime(
            "refresh token lifetime",
            config.refresh_token_lifetime,
            Seconds::days(365),
        )?;
        check_lifetime("authorization code lifetime", config.code_lifetime, MAX_CODE_LIFETIME)?;
        if let RefreshRotation::Grace(window) = config.rotation {
            check_lifetime("refresh grace window", window, Seconds::minutes(10))?;
        }
        let mut names: Vec<&str> = Vec::new();
        for scope in &config.scopes {
            if !is_scope_token(&scope.name) || names.contains(&scope.name.as_str()) {
                return Err(ConfigError::Scope(scope.name.clone()));
            }
            names.push(&scope.name);
        }
        let fifo = config.fifo;
        for (name, limit) in [
            ("refresh_per_client", fifo.refresh_per_client),
            ("refresh_per_client_subject", fifo.refresh_per_client_subject),
            ("access_per_refresh", fifo.access_per_refresh),
        ] {
            if limit == Some(0) {
                return Err(ConfigError::FifoLimit(name));
            }
        }
        if config.max_body_bytes < 512 {
            return Err(ConfigError::BodyLimit);
        }
        check_lifetime("interaction lifetime", config.interaction_lifetime, Seconds::hours(1))?;
        check_lifetime("PAR request_uri lifetime", config.par_lifetime, Seconds::minutes(10))?;
        check_lifetime("device code lifetime", config.device_code_lifetime, Seconds::minutes(30))?;
        check_lifetime("device poll interval", config.device_poll_interval, Seconds::new(60))?;
        let (origin, issuer_path) = split_issuer(&config.issuer);
        config.issuer_origin = origin.to_owned();
        config.metadata_path = format!("{WELL_KNOWN}{issuer_path}");
        let mut seen: Vec<&str> = vec![&config.metadata_path];
        for (_, path) in config.endpoints.paths() {
            if !is_endpoint_path(path) || seen.contains(&path) {
                return Err(ConfigError::EndpointPath(path.to_owned()));
            }
            seen.push(path);
        }
        if config.require_par && config.endpoints.par.is_none() {
            return Err(ConfigError::ParDisabled);
        }
        if !is_realm(&config.bearer.realm) {
            return Err(ConfigError::Realm(config.bearer.realm.clone()));
        }
        config.default_scopes =
            Scopes::from_names(config.scopes.iter().filter(|s| s.default).map(|s| s.name.clone()));
        validate_registration(&mut config)?;
        Ok(config)
    }
}

/// RFC 6750 §3 auth-param values as a quoted string without escapes:
/// non-empty, %x20-21 / %x23-5B / %x5D-7E.
fn is_realm(realm: &str) -> bool {
    !realm.is_empty() && realm.bytes().all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

/// An endpoint path: starts with `/`, and holds only visible ASCII
/// without `?` or `#` (a path, not a URL).
fn is_endpoint_path(path: &str) -> bool {
    path.starts_with('/') && path.bytes().all(|b| b.is_ascii_graphic() && b != b'?' && b != b'#')
}

/// Splits a validated issuer into its `scheme://authority` and its path
/// (empty or starting with `/`).
fn split_issuer(issuer: &str) -> (&str, &str) {
    let after_scheme = issuer.find("://").map_or(0, |i| i + 3);
    match issuer[after_scheme..].find('/') {
        Some(i) => issuer.split_at(after_scheme + i),
        None => (issuer, ""),
    }
}

/// Resolves and checks the registration settings: the registration path,
/// the self-registrable scopes (declared ones only) and grants (enabled
/// ones, never `password`), and a non-empty initial access token list.
fn validate_registration(config: &mut Config) -> Result<(), ConfigError> {
    let path = &config.endpoints.registration;
    if !path.starts_with('/') || path.ends_with('/') || *path == config.endpoints.token {
        return Err(ConfigError::EndpointPath(path.clone()));
    }
    if let RegistrationPolicy::InitialAccessToken(tokens) = &config.registration
        && tokens.is_empty()
    {
        return Err(ConfigError::Registration("the initial access token list is empty"));
    }
    let known = || config.scopes.iter().map(|s| s.name.as_str());
    config.registration_scopes = match &config.registration_scope_names {
        None => Scopes::from_names(known()),
        Some(names) => {
            if let Some(unknown) = names.iter().find(|n| !known().any(|k| k == n.as_str())) {
                return Err(ConfigError::Scope(unknown.clone()));
            }
            Scopes::from_names(names)
        }
    };
    if config.registration_grants.contains(&GrantType::Password) {
        return Err(ConfigError::Registration("the password grant may not be self-registered"));
    }
    let mut grants: Vec<GrantType> = Vec::new();
    for grant in &config.registration_grants {
        if config.grants.contains(grant) && !grants.contains(grant) {
            grants.push(*grant);
        }
    }
    config.registration_grants = grants;
    Ok(())
}

fn check_lifetime(what: &'static str, value: Seconds, max: Seconds) -> Result<(), ConfigError> {
    if value.get() == 0 || value > max {
        return Err(ConfigError::Lifetime { what, max: max.get() });
    }
    Ok(())
}

/// RFC 8414 §2: the issuer is an `https` URL with no query or fragment.
/// Plain `http` is allowed for loopback hosts so a local demo works.
fn validate_issuer(issuer: &str) -> Result<(), ConfigError> {
    let bad = || ConfigError::Issuer(issuer.to_owned());
    let rest = if let Some(rest) = issuer.strip_prefix("https://") {
        rest
    } else if let Some(rest) = issuer.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or("");
        let host = if rest.starts_with('[') { rest.split(']').next().unwrap_or("") } else { host };
        if !matches!(host, "localhost" | "127.0.0.1" | "[::1") {
            return Err(bad());
        }
        rest
    } else {
        return Err(bad());
    };
    let authority = rest.split('/').next().unwrap_or("");
    if authority.is_empty()
        || issuer.contains(['?', '#'])
        || issuer.ends_with('/')
        || issuer.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_build() {
        let config = Config::builder("https://as.example.com").build().unwrap();
        assert!(config.grant_enabled(GrantType::AuthorizationCode));
        assert!(!config.grant_enabled(GrantType::Password));
        assert_eq!(config.code_lifetime(), Seconds::new(60));
        assert_eq!(config.rotation(), RefreshRotation::Strict);
    }

    #[test]
    fn issuer_rules() {
        for good in [
            "https://as.example.com",
            "https://as.example.com/tenant1",
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://[::1]:8080",
        ] {
            assert!(Config::builder(good).build().is_ok(), "{good}");
        }
        for bad in [
            "http://as.example.com",
            "https://as.example.com?x=1",
            "https://as.example.com#f",
            "https://",
            "as.example.com",
            "https://as.example.com/",
        ] {
            assert_eq!(
                Config::builder(bad).build().unwrap_err(),
                ConfigError::Issuer(bad.into()),
                "{bad}"
            );
        }
    }

    #[test]
    fn invalid_settings_fail_at_build() {
        let b = || Config::builder("https://as.example.com");
        assert!(matches!(
            b().code_lifetime(Seconds::minutes(11)).build(),
            Err(ConfigError::Lifetime { .. })
        ));
        assert!(matches!(
            b().access_token_lifetime(Seconds::new(0)).build(),
            Err(ConfigError::Lifetime { .. })
        ));
        assert_eq!(b().grants([]).build().unwrap_err(), ConfigError::NoGrant);
        assert_eq!(
            b().scope("a b", "", false).build().unwrap_err(),
            ConfigError::Scope("a b".into())
        );
        assert_eq!(
            b().scope("a", "", false).scope("a", "", true).build().unwrap_err(),
            ConfigError::Scope("a".into())
        );
        let fifo = FifoLimits { refresh_per_client: Some(0), ..FifoLimits::default() };
        assert_eq!(
            b().fifo(fifo).build().unwrap_err(),
            ConfigError::FifoLimit("refresh_per_client")
        );
        assert_eq!(b().max_body_bytes(10).build().unwrap_err(), ConfigError::BodyLimit);
        assert!(matches!(
            b().rotation(RefreshRotation::Grace(Seconds::hours(1))).build(),
            Err(ConfigError::Lifetime { .. })
        ));
        let endpoints = Endpoints { token: "token".into(), ..Endpoints::default() };
        assert!(matches!(b().endpoints(endpoints).build(), Err(ConfigError::EndpointPath(_))));
    }

    #[test]
    fn endpoint_paths_are_validated() {
        let b = || Config::builder("https://as.example.com");
        let bad = |endpoints: Endpoints, path: &str| {
            assert_eq!(
                b().endpoints(endpoints).build().unwrap_err(),
                ConfigError::EndpointPath(path.into())
            );
        };
        bad(Endpoints { authorization: "/token".into(), ..Endpoints::default() }, "/token");
        bad(Endpoints { par: Some("/authorize".into()), ..Endpoints::default() }, "/authorize");
        bad(Endpoints { par: Some("/par?x".into()), ..Endpoints::default() }, "/par?x");
        bad(Endpoints { authorization: "/a b".into(), ..Endpoints::default() }, "/a b");
        bad(
            Endpoints {
                token: "/.well-known/oauth-authorization-server".into(),
                ..Endpoints::default()
            },
            "/.well-known/oauth-authorization-server",
        );
        let custom = Endpoints {
            token: "/oauth/token".into(),
            authorization: "/oauth/authorize".into(),
            par: None,
            revocation: "/oauth/revoke".into(),
            introspection: "/oauth/introspect".into(),
            ..Endpoints::default()
        };
        let config = b().endpoints(custom.clone()).build().unwrap();
        assert_eq!(config.endpoints(), &custom);
        assert_eq!(config.par_path(), None);
    }

    #[test]
    fn endpoint_paths_start_with_a_slash_and_differ() {
        let b = || Config::builder("https://as.example.com");
        let config = b().build().unwrap();
        assert_eq!(config.endpoints().revocation, "/revoke");
        assert_eq!(config.endpoints().introspection, "/introspect");
        let relative = Endpoints { introspection: "introspect".into(), ..Endpoints::default() };
        assert_eq!(
            b().endpoints(relative).build().unwrap_err(),
            ConfigError::EndpointPath("introspect".into())
        );
        let shared = Endpoints { revocation: "/token".into(), ..Endpoints::default() };
        assert_eq!(
            b().endpoints(shared).build().unwrap_err(),
            ConfigError::EndpointPath("/token".into())
        );
    }

    #[test]
    fn bearer_realm_must_be_quotable() {
        let b = || Config::builder("https://as.example.com");
        assert_eq!(b().build().unwrap().bearer().realm, "qscope");
        for bad in ["", "a\"b", "a\\b", "é", "a\nb"] {
            let policy = BearerPolicy { realm: bad.into(), ..BearerPolicy::default() };
            assert_eq!(b().bearer(policy).build().unwrap_err(), ConfigError::Realm(bad.into()));
        }
        let policy =
            BearerPolicy { realm: "api.example.com resources".into(), accept_form_body: true };
        assert!(b().bearer(policy).build().unwrap().bearer().accept_form_body);
    }

    #[test]
    fn metadata_path_follows_rfc8414_3_1() {
        let config = Config::builder("https://example.com").build().unwrap();
        assert_eq!(config.metadata_path(), "/.well-known/oauth-authorization-server");
        assert_eq!(config.endpoint_url("/token"), "https://example.com/token");
        let config = Config::builder("https://example.com/issuer1").build().unwrap();
        assert_eq!(config.metadata_path(), "/.well-known/oauth-authorization-server/issuer1");
        assert_eq!(config.endpoint_url("/issuer1/token"), "https://example.com/issuer1/token");
        let config = Config::builder("http://[::1]:8080/a/b").build().unwrap();
        assert_eq!(config.metadata_path(), "/.well-known/oauth-authorization-server/a/b");
        assert_eq!(config.endpoint_url("/t"), "http://[::1]:8080/t");
    }

    #[test]
    fn par_and_interaction_settings() {
        let b = || Config::builder("https://as.example.com");
        let config = b().build().unwrap();
        assert_eq!(config.interaction_lifetime(), Seconds::minutes(10));
        assert_eq!(config.par_lifetime(), Seconds::new(60));
        assert!(!config.require_par());
        assert_eq!(config.par_path(), Some("/par"));
        assert!(matches!(
            b().par_lifetime(Seconds::minutes(11)).build(),
            Err(ConfigError::Lifetime { what: "PAR request_uri lifetime", max: 600 })
        ));
        assert!(matches!(
            b().interaction_lifetime(Seconds::new(0)).build(),
            Err(ConfigError::Lifetime { what: "interaction lifetime", max: 3600 })
        ));
        let no_par = Endpoints { par: None, ..Endpoints::default() };
        assert_eq!(
            b().endpoints(no_par).require_par(true).build().unwrap_err(),
            ConfigError::ParDisabled
        );
        assert!(b().require_par(true).build().unwrap().require_par());
        // Without the code grant there is no authorization endpoint, hence no PAR.
        let config = b().grants([GrantType::ClientCredentials]).build().unwrap();
        assert!(!config.authorization_enabled());
        assert_eq!(config.par_path(), None);
    }

    #[test]
    fn registration_settings_resolve_at_build() {
        let b = || {
            Config::builder("https://as.example.com").scope("read", "Read", true).scope(
                "admin",
                "Administer",
                false,
            )
        };
        let config = b().build().unwrap();
        assert_eq!(*config.registration_policy(), RegistrationPolicy::Closed);
        assert_eq!(config.registration_scopes().as_str(), "admin read");
        assert_eq!(config.registration_grants(), DEFAULT_REGISTRATION_GRANTS);
        let config = b()
            .registration_scopes(["read"])
            .grants([GrantType::AuthorizationCode, GrantType::ClientCredentials])
            .registration_grants([GrantType::ClientCredentials, GrantType::RefreshToken])
            .build()
            .unwrap();
        assert_eq!(config.registration_scopes().as_str(), "read");
        assert_eq!(config.registration_grants(), [GrantType::ClientCredentials]);
        assert_eq!(
            config.registration_client_uri("s6BhdRkqt3"),
            "https://as.example.com/register/s6BhdRkqt3"
        );
        assert_eq!(
            config.registration_client_uri("a b/é"),
            "https://as.example.com/register/a%20b%2F%C3%A9"
        );
    }

    #[test]
    fn invalid_registration_settings_fail_at_build() {
        let b = || Config::builder("https://as.example.com").scope("read", "Read", true);
        assert_eq!(
            b().registration_scopes(["write"]).build().unwrap_err(),
            ConfigError::Scope("write".into())
        );
        assert!(matches!(
            b().grants([GrantType::Password, GrantType::AuthorizationCode])
                .registration_grants([GrantType::Password])
                .build(),
            Err(ConfigError::Registration(_))
        ));
        assert!(matches!(
            b().registration(RegistrationPolicy::InitialAccessToken(Vec::new())).build(),
            Err(ConfigError::Registration(_))
        ));
        for path in ["register", "/register/", "/token"] {
            let endpoints = Endpoints { registration: path.into(), ..Endpoints::default() };
            assert_eq!(
                b().endpoints(endpoints).build().unwrap_err(),
                ConfigError::EndpointPath(path.into()),
                "{path}"
            );
        }
    }

    #[test]
    fn default_scopes_come_from_definitions() {
        let config = Config::builder("https://as.example.com")
            .scope("read", "Read your data", true)
            .scope("write", "Change your data", false)
            .build()
            .unwrap();
        assert_eq!(config.default_scopes().to_string(), "read");
    }
}
