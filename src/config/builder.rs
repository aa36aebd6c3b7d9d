//! [`ConfigBuilder`]: every setter has a safe default; `build` validates.

use super::validate::{
    check_lifetime, is_endpoint_path, is_realm, split_issuer, validate_issuer,
    validate_registration, validate_resources,
};
use super::*;
use crate::error::ConfigError;
use crate::scope::is_scope_token;
use crate::shown_text::unshowable;

/// Builds a [`Config`]; every setter has a safe default.
#[derive(Clone, Debug)]
#[must_use]
pub struct ConfigBuilder {
    pub(super) config: Config,
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

    /// Whether the redirect URIs of clients that registered themselves
    /// (RFC 7591) are trusted before the user has authenticated (default:
    /// no). RFC 9700 §4.11.2: an authorization server "SHOULD only
    /// automatically redirect the user agent if it trusts the redirect URI",
    /// and anyone may self-register any URI. So by default an invalid
    /// authorization request of a self-registered client is answered
    /// directly (JSON or HTML, never a redirect), and the client is
    /// redirected to only once the user has signed in and decided. Turn it
    /// on only where registration is already restricted to parties who are
    /// trusted with redirects (an initial access token handed out with
    /// care).
    pub fn trust_self_registered_redirects(mut self, trusted: bool) -> Self {
        self.config.trust_self_registered_redirects = trusted;
        self
    }

    /// Defines a protected resource clients may name with the `resource`
    /// parameter (RFC 8707); its indicator becomes the audience of the
    /// tokens issued for it. Without any, a `resource` parameter is
    /// `invalid_target` and tokens carry no audience.
    pub fn resource(mut self, resource: ResourceDefinition) -> Self {
        self.config.resources.push(resource);
        self
    }

    /// The keys the server signs JWTs with and publishes at
    /// [`Endpoints::jwks`] (feature `jwt`). The set rotates by time alone
    /// ([`KeySet`](crate::jose::KeySet)); to add a key, build a new
    /// configuration with the new set. Default: none, and no JWKS served.
    #[cfg(feature = "jwt")]
    pub fn signing_keys(mut self, keys: crate::jose::KeySet) -> Self {
        self.config.signing_keys = Some(std::sync::Arc::new(keys));
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
            if unshowable(&scope.description).is_some() {
                return Err(ConfigError::ScopeDescription(scope.name.clone()));
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
        if let Some(url) = &config.bearer.resource_metadata
            && !(url.starts_with("https://") && is_realm(url) && !url.contains(' '))
        {
            return Err(ConfigError::ResourceMetadata(url.clone()));
        }
        config.default_scopes =
            Scopes::from_names(config.scopes.iter().filter(|s| s.default).map(|s| s.name.clone()));
        validate_registration(&mut config)?;
        validate_resources(&config)?;
        Ok(config)
    }
}
