//! The configuration file's format (TOML), as serde structs: every table
//! refuses keys it does not know, and every key has a default, so an empty
//! file is a valid configuration. `docs/qscope.example.toml` documents
//! every key; [`KEYS`] lists the scalar ones, which `QSCOPE_*` variables
//! and `--set` may override.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct FileConfig {
    /// The issuer identifier; default `http://LISTEN` with the bound port.
    pub(crate) issuer: Option<String>,
    /// The address the server listens on.
    pub(crate) listen: String,
    /// A SQLite file, or a `postgres://` URL.
    pub(crate) database: String,
    /// SQLite durability: `full` or `normal`.
    pub(crate) sqlite_sync: SqliteSync,
    /// The grants served.
    pub(crate) grants: Vec<String>,
    /// The scopes, by name; absent: `read` (default) and `write`.
    pub(crate) scopes: Option<BTreeMap<String, ScopeEntry>>,
    /// Token, code and interaction lifetimes; refresh rotation.
    pub(crate) tokens: Tokens,
    /// FIFO limits on live tokens.
    pub(crate) fifo: Fifo,
    /// PKCE rules.
    pub(crate) pkce: Pkce,
    /// Dynamic client registration.
    pub(crate) registration: Registration,
    /// Password hashing and checking.
    pub(crate) passwords: Passwords,
    /// The HTTP listener: proxies, deadlines, connections.
    pub(crate) http: Http,
    /// Rate limits.
    pub(crate) rate_limits: RateLimits,
    /// Browser sessions.
    pub(crate) sessions: Sessions,
    /// The audit queue.
    pub(crate) audit: Audit,
    /// Periodic maintenance.
    pub(crate) maintenance: Maintenance,
    /// Logs.
    pub(crate) logs: Logs,
    /// The metrics endpoint.
    pub(crate) metrics: Metrics,
    /// What the pages show.
    pub(crate) branding: Branding,
    /// `[[resources]]`: the protected resources clients may name (RFC 8707).
    pub(crate) resources: Vec<ResourceEntry>,
    /// Where the JWT signing keys are, and how they rotate.
    pub(crate) signing_keys: SigningKeys,
}

impl Default for FileConfig {
    fn default() -> Self {
        Self {
            issuer: None,
            listen: "127.0.0.1:8080".into(),
            database: "qscope.sqlite3".into(),
            sqlite_sync: SqliteSync::Full,
            grants: ["authorization_code", "client_credentials", "refresh_token", "device_code"]
                .map(str::to_owned)
                .to_vec(),
            scopes: None,
            tokens: Tokens::default(),
            fifo: Fifo::default(),
            pkce: Pkce::default(),
            registration: Registration::default(),
            passwords: Passwords::default(),
            http: Http::default(),
            rate_limits: RateLimits::default(),
            sessions: Sessions::default(),
            audit: Audit::default(),
            maintenance: Maintenance::default(),
            logs: Logs::default(),
            metrics: Metrics::default(),
            branding: Branding::default(),
            resources: Vec::new(),
            signing_keys: SigningKeys::default(),
        }
    }
}

/// `sqlite_sync`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SqliteSync {
    /// `synchronous = FULL`: every commit is on disk before it is reported.
    Full,
    /// `synchronous = NORMAL`: faster; the last commits may be lost on power loss.
    Normal,
}

/// `[[resources]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourceEntry {
    /// The resource indicator: an absolute URI without a fragment.
    pub(crate) uri: String,
    /// `opaque` (default) or `jwt` access tokens.
    #[serde(default)]
    pub(crate) format: ResourceFormat,
    /// Seconds its access tokens live; default `tokens.access_lifetime`, or
    /// 300 for `jwt`.
    #[serde(default)]
    pub(crate) access_lifetime: Option<u64>,
    /// The only scopes its tokens may carry; default any.
    #[serde(default)]
    pub(crate) scopes: Option<Vec<String>>,
}

/// `resources[].format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ResourceFormat {
    /// Random strings, checked at the server.
    #[default]
    Opaque,
    /// RFC 9068 JWTs, checkable offline.
    Jwt,
}

/// `[signing_keys]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct SigningKeys {
    /// The key file (`qscope keys` writes it); none: no JWTs, no JWKS.
    pub(crate) file: Option<String>,
    /// Seconds a new key is published before it signs.
    pub(crate) publish_ahead: u64,
    /// Seconds a retired key stays published.
    pub(crate) retain_retired: u64,
}

impl Default for SigningKeys {
    fn default() -> Self {
        Self { file: None, publish_ahead: 86_400, retain_retired: 86_400 }
    }
}

/// `[scopes.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScopeEntry {
    /// What the consent page says the scope allows.
    pub(crate) description: String,
    /// Granted when a request names no scope.
    #[serde(default)]
    pub(crate) default: bool,
    /// The consent page shows a checkbox for it: the user may leave it out.
    #[serde(default)]
    pub(crate) optional: bool,
}

/// `[tokens]`, all in seconds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Tokens {
    pub(crate) access_lifetime: u64,
    pub(crate) refresh_lifetime: u64,
    pub(crate) code_lifetime: u64,
    pub(crate) device_code_lifetime: u64,
    pub(crate) device_poll_interval: u64,
    pub(crate) interaction_lifetime: u64,
    pub(crate) par_lifetime: u64,
    /// `strict` or `grace`.
    pub(crate) refresh_rotation: Rotation,
    /// The grace window, with `refresh_rotation = "grace"`.
    pub(crate) refresh_grace: u64,
    /// Whether client-credentials responses carry a refresh token.
    pub(crate) refresh_for_client_credentials: bool,
}

impl Default for Tokens {
    fn default() -> Self {
        Self {
            access_lifetime: 3600,
            refresh_lifetime: 30 * 86_400,
            code_lifetime: 60,
            device_code_lifetime: 600,
            device_poll_interval: 5,
            interaction_lifetime: 600,
            par_lifetime: 60,
            refresh_rotation: Rotation::Strict,
            refresh_grace: 10,
            refresh_for_client_credentials: false,
        }
    }
}

/// `tokens.refresh_rotation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Rotation {
    /// Any reuse of a rotated refresh token revokes its family.
    Strict,
    /// A reuse within `refresh_grace` seconds gets a fresh successor.
    Grace,
}

/// `[fifo]`: `0` means no limit.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Fifo {
    pub(crate) refresh_per_client: u32,
    pub(crate) refresh_per_client_subject: u32,
    pub(crate) access_per_refresh: u32,
}

impl Default for Fifo {
    fn default() -> Self {
        Self { refresh_per_client: 0, refresh_per_client_subject: 5, access_per_refresh: 2 }
    }
}

/// `[pkce]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Pkce {
    pub(crate) required_for_confidential: bool,
    pub(crate) allow_plain: bool,
}

impl Default for Pkce {
    fn default() -> Self {
        Self { required_for_confidential: true, allow_plain: false }
    }
}

/// `[registration]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Registration {
    /// `closed`, `open` or `initial_access_token`.
    pub(crate) policy: RegistrationPolicy,
    /// The hashes of the initial access tokens, for `initial_access_token`
    /// (`qscope initial-access-token` mints one and prints its hash).
    pub(crate) initial_access_token_hashes: Vec<String>,
    /// The scopes a self-registered client may ask for; absent: every scope.
    pub(crate) scopes: Option<Vec<String>>,
    /// The grants a self-registered client may use.
    pub(crate) grants: Vec<String>,
    /// Whether the redirect URIs of self-registered clients are trusted
    /// before the user signed in.
    pub(crate) trust_self_registered_redirects: bool,
}

impl Default for Registration {
    fn default() -> Self {
        Self {
            policy: RegistrationPolicy::Closed,
            initial_access_token_hashes: Vec::new(),
            scopes: None,
            grants: vec!["authorization_code".into(), "refresh_token".into()],
            trust_self_registered_redirects: false,
        }
    }
}

/// `registration.policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RegistrationPolicy {
    /// Nobody registers; clients come from `qscope client create`.
    Closed,
    /// Anybody registers.
    Open,
    /// Whoever presents an initial access token.
    InitialAccessToken,
}

/// `[passwords]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Passwords {
    /// argon2id memory per hash, KiB.
    pub(crate) argon2_memory_kib: u32,
    /// argon2id passes.
    pub(crate) argon2_iterations: u32,
    /// argon2id lanes.
    pub(crate) argon2_parallelism: u32,
    /// Password checks running at once.
    pub(crate) max_concurrent_checks: u64,
}

impl Default for Passwords {
    fn default() -> Self {
        Self {
            argon2_memory_kib: argon2::Params::DEFAULT_M_COST,
            argon2_iterations: argon2::Params::DEFAULT_T_COST,
            argon2_parallelism: argon2::Params::DEFAULT_P_COST,
            max_concurrent_checks: 4,
        }
    }
}

/// `[http]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Http {
    /// CIDR blocks whose `X-Forwarded-For` / `Forwarded` headers are believed.
    pub(crate) trusted_proxies: Vec<String>,
    /// Seconds for the headers, and again for the body.
    pub(crate) request_timeout: u64,
    /// Connections open at once.
    pub(crate) max_connections: u64,
}

impl Default for Http {
    fn default() -> Self {
        Self { trusted_proxies: Vec::new(), request_timeout: 10, max_connections: 1024 }
    }
}

/// `[rate_limits]`, requests per second; `0` disables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RateLimits {
    pub(crate) per_address: u32,
    pub(crate) per_client: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self { per_address: 20, per_client: 50 }
    }
}

/// `[sessions]`, seconds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Sessions {
    /// How long an authorization request waits for the sign-in.
    pub(crate) sign_in_timeout: u64,
    /// How long a signed-in session lives unused.
    pub(crate) idle_timeout: u64,
}

impl Default for Sessions {
    fn default() -> Self {
        Self { sign_in_timeout: 600, idle_timeout: 1800 }
    }
}

/// `[audit]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Audit {
    pub(crate) queue: u64,
    pub(crate) sample_introspections: u64,
    pub(crate) shed_introspections: bool,
}

impl Default for Audit {
    fn default() -> Self {
        Self { queue: 65_536, sample_introspections: 1, shed_introspections: false }
    }
}

/// `[maintenance]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Maintenance {
    /// Seconds between purges; `0` never.
    pub(crate) purge_interval: u64,
}

impl Default for Maintenance {
    fn default() -> Self {
        Self { purge_interval: 300 }
    }
}

/// `[logs]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Logs {
    /// `text` or `json`.
    pub(crate) format: LogFormat,
    /// A `tracing` filter (`RUST_LOG` syntax); `RUST_LOG` wins when set.
    pub(crate) filter: String,
}

impl Default for Logs {
    fn default() -> Self {
        Self { format: LogFormat::Text, filter: "info".into() }
    }
}

/// `logs.format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per line.
    Json,
}

/// `[metrics]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Metrics {
    /// Whether `/metrics` is served at all (on the main listener, with
    /// `/healthz` and `/readyz`).
    pub(crate) enabled: bool,
}

impl Default for Metrics {
    fn default() -> Self {
        Self { enabled: true }
    }
}

/// `[branding]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Branding {
    /// The service's name, in every page title and header.
    pub(crate) name: String,
    /// The header's logo: an `https` URL or a file (SVG, PNG, JPEG, WebP,
    /// ICO) that the server serves itself.
    pub(crate) logo: Option<String>,
    /// The primary action's colour, `#rrggbb`.
    pub(crate) primary_color: String,
    /// Where a person gets help: an `https` URL or a `mailto:` address.
    pub(crate) support_url: Option<String>,
}

impl Default for Branding {
    fn default() -> Self {
        Self {
            name: "qscope".into(),
            logo: None,
            primary_color: "#2454c5".into(),
            support_url: None,
        }
    }
}

/// Every key but the scopes' (whose names are the operator's): what
/// `QSCOPE_*` variables and `--set` may override.
pub(crate) const KEYS: &[&str] = &[
    "issuer",
    "listen",
    "database",
    "sqlite_sync",
    "grants",
    "tokens.access_lifetime",
    "tokens.refresh_lifetime",
    "tokens.code_lifetime",
    "tokens.device_code_lifetime",
    "tokens.device_poll_interval",
    "tokens.interaction_lifetime",
    "tokens.par_lifetime",
    "tokens.refresh_rotation",
    "tokens.refresh_grace",
    "tokens.refresh_for_client_credentials",
    "fifo.refresh_per_client",
    "fifo.refresh_per_client_subject",
    "fifo.access_per_refresh",
    "pkce.required_for_confidential",
    "pkce.allow_plain",
    "registration.policy",
    "registration.initial_access_token_hashes",
    "registration.scopes",
    "registration.grants",
    "registration.trust_self_registered_redirects",
    "passwords.argon2_memory_kib",
    "passwords.argon2_iterations",
    "passwords.argon2_parallelism",
    "passwords.max_concurrent_checks",
    "http.trusted_proxies",
    "http.request_timeout",
    "http.max_connections",
    "rate_limits.per_address",
    "rate_limits.per_client",
    "sessions.sign_in_timeout",
    "sessions.idle_timeout",
    "audit.queue",
    "audit.sample_introspections",
    "audit.shed_introspections",
    "maintenance.purge_interval",
    "logs.format",
    "logs.filter",
    "metrics.enabled",
    "branding.name",
    "branding.logo",
    "branding.primary_color",
    "branding.support_url",
    "resources",
    "signing_keys.file",
    "signing_keys.publish_ahead",
    "signing_keys.retain_retired",
];

/// The environment variable that overrides `key`: `QSCOPE_` and the key
/// in capitals, with `__` between table and key (`tokens.code_lifetime` is
/// `QSCOPE_TOKENS__CODE_LIFETIME`).
pub(crate) fn env_var(key: &str) -> String {
    format!("QSCOPE_{}", key.replace('.', "__").to_ascii_uppercase())
}
