//! Policy: one immutable, validated `Config`, built once and shared.
//!
//! `mod.rs` holds [`Config`] and its accessors, `policy.rs` the policy
//! value types, `builder.rs` the [`ConfigBuilder`], `validate.rs` the
//! checks `build` runs.

mod builder;
mod policy;
mod validate;

pub use builder::ConfigBuilder;
pub use policy::{
    BearerPolicy, DEFAULT_JWT_LIFETIME, DEFAULT_REGISTRATION_GRANTS, Endpoints, FifoLimits,
    PkcePolicy, RefreshRotation, RegistrationPolicy, ResourceDefinition, ScopeDefinition,
    TokenFormat,
};
pub(crate) use validate::resource_indicator_problem;

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
    trust_self_registered_redirects: bool,
    /// The resources clients may name (RFC 8707).
    resources: Vec<ResourceDefinition>,
    /// The keys that sign JWTs and that the JWKS endpoint publishes.
    #[cfg(feature = "jwt")]
    signing_keys: Option<std::sync::Arc<crate::jose::KeySet>>,
}

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
                trust_self_registered_redirects: false,
                resources: Vec::new(),
                #[cfg(feature = "jwt")]
                signing_keys: None,
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

    /// The path of the JWK Set document, when there are signing keys to
    /// publish (feature `jwt`, [`ConfigBuilder::signing_keys`]).
    pub fn jwks_path(&self) -> Option<&str> {
        #[cfg(feature = "jwt")]
        if self.signing_keys.is_some() {
            return Some(&self.endpoints.jwks);
        }
        None
    }

    /// The signing keys (feature `jwt`): the JWKS endpoint publishes them
    /// and the active one signs.
    #[cfg(feature = "jwt")]
    pub fn signing_keys(&self) -> Option<&crate::jose::KeySet> {
        self.signing_keys.as_deref()
    }

    /// The resources clients may name with `resource` (RFC 8707).
    pub fn resources(&self) -> &[ResourceDefinition] {
        &self.resources
    }

    /// The resource whose indicator is exactly `uri`.
    pub fn resource(&self, uri: &str) -> Option<&ResourceDefinition> {
        self.resources.iter().find(|r| r.uri == uri)
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

    /// Whether the redirect URIs of self-registered clients are trusted
    /// before the user has authenticated (RFC 9700 §4.11.2), as an
    /// administrator's are (default: no).
    pub fn trust_self_registered_redirects(&self) -> bool {
        self.trust_self_registered_redirects
    }

    /// Whether an invalid authorization request of `client` may be
    /// redirected to it before the user has authenticated (RFC 6749
    /// §4.1.2.1): always for an administrator's client, for a
    /// self-registered one only under
    /// [`ConfigBuilder::trust_self_registered_redirects`].
    pub fn trusts_redirects_of(&self, client: &crate::store::ClientRecord) -> bool {
        !client.is_self_registered() || self.trust_self_registered_redirects
    }

    /// The registration client URI of `client_id` (RFC 7592 §3, Appendix
    /// B): `{issuer}{registration endpoint}/{client_id}`, the id
    /// percent-encoded where it is not an unreserved character.
    pub fn registration_client_uri(&self, client_id: &str) -> String {
        let mut uri = format!("{}{}/", self.issuer, self.endpoints.registration);
        crate::form::encode_into(&mut uri, client_id);
        uri
    }
}

#[cfg(test)]
mod tests;
