//! The server's configuration: a TOML file (`serve --config FILE`), every
//! key overridable by a `QSCOPE_*` environment variable and by a flag, read
//! into one validated [`Settings`]. `docs/qscope.example.toml` documents
//! every key.
//!
//! Precedence: a flag, then a variable, then the file, then the default.
//! Invalid configuration fails before anything starts, with the key and
//! the reason (`config error: tokens.code_lifetime: must be between 1 and
//! 600 seconds`); `qscope check-config` does only that.

mod branding;
mod file;
mod layers;
mod validate;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;
use toml::Value;

use crate::{Config, RegistrationPolicy, ScopeDefinition};

pub use branding::{Branding, Logo};
pub use file::LogFormat;
pub(crate) use layers::parse_assignment;

/// A configuration value that is missing, malformed or out of range: the
/// key (or file and line) and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    key: String,
    reason: String,
}

impl ConfigError {
    pub(crate) fn new(key: &str, reason: String) -> Self {
        Self { key: key.to_owned(), reason }
    }

    /// The key (or `FILE:LINE`) at fault.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "config error: {}: {}", self.key, self.reason)
    }
}

impl std::error::Error for ConfigError {}

/// Where the configuration comes from: the file, and the flags that
/// override its keys (each `(key, value)`).
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// The configuration file, if any.
    pub file: Option<PathBuf>,
    /// Flag values by key, in the order given; later ones win.
    pub flags: Vec<(String, Value)>,
}

impl Sources {
    /// Adds the flag value `value` for `key`.
    pub fn flag(&mut self, key: &str, value: impl Into<Value>) {
        self.flags.push((key.to_owned(), value.into()));
    }
}

/// Where the data lives.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database (`postgres://` or `postgresql://` URL).
    Postgres(String),
}

impl fmt::Debug for DatabaseLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "Sqlite({})", path.display()),
            // The URL may carry a password.
            Self::Postgres(_) => f.write_str("Postgres(<url>)"),
        }
    }
}

/// The core's policy, without the issuer (which may depend on the port
/// the server binds): everything [`Settings::core_config`] builds from.
#[derive(Clone, Debug)]
pub(crate) struct CorePolicy {
    pub(crate) grants: Vec<crate::store::GrantType>,
    pub(crate) scopes: Vec<ScopeDefinition>,
    pub(crate) access_lifetime: crate::Seconds,
    pub(crate) refresh_lifetime: crate::Seconds,
    pub(crate) code_lifetime: crate::Seconds,
    pub(crate) device_code_lifetime: crate::Seconds,
    pub(crate) device_poll_interval: crate::Seconds,
    pub(crate) interaction_lifetime: crate::Seconds,
    pub(crate) par_lifetime: crate::Seconds,
    pub(crate) rotation: crate::RefreshRotation,
    pub(crate) refresh_for_client_credentials: bool,
    pub(crate) fifo: crate::FifoLimits,
    pub(crate) pkce: crate::PkcePolicy,
    pub(crate) registration: RegistrationPolicy,
    pub(crate) registration_scopes: Option<Vec<String>>,
    pub(crate) registration_grants: Vec<crate::store::GrantType>,
    pub(crate) trust_self_registered_redirects: bool,
    pub(crate) resources: Vec<crate::ResourceDefinition>,
    pub(crate) signing_keys: Option<SigningKeyFile>,
}

/// Where the signing keys are (`signing_keys.file`) and how they rotate.
#[derive(Clone, Debug)]
pub(crate) struct SigningKeyFile {
    pub(crate) file: PathBuf,
    pub(crate) rotation: crate::jose::RotationPolicy,
}

/// What the configuration allows the audit queue to do with routine events.
#[derive(Clone, Copy, Debug)]
pub struct AuditPolicy {
    /// The most events waiting to be written.
    pub queue: usize,
    /// Keep one in this many routine events (`1`: all).
    pub sample_every: u64,
    /// Drop routine events, instead of waiting, while the queue is full.
    pub shed_when_full: bool,
}

/// argon2id's cost parameters for new password hashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordCost {
    /// Memory, KiB.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

/// The validated configuration of the server and the admin commands.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The issuer identifier; `None`: `http://` and the bound address.
    pub issuer: Option<String>,
    /// The address to listen on.
    pub listen: SocketAddr,
    /// Where the data lives.
    pub database: DatabaseLocation,
    /// SQLite: sync every commit to disk (`sqlite_sync = "full"`).
    pub sqlite_full_sync: bool,
    pub(crate) policy: CorePolicy,
    /// argon2id parameters for new hashes (older hashes are rehashed at sign-in).
    pub password_cost: PasswordCost,
    /// Password checks at once.
    pub max_password_checks: usize,
    /// Proxies whose forwarding headers are believed.
    pub trusted_proxies: Vec<IpNet>,
    /// For the headers, and again for the body.
    pub request_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
    /// Requests per second per client address; `0`: unlimited.
    pub rate_limit: u32,
    /// Authenticated requests per second per client; `0`: unlimited.
    pub client_rate_limit: u32,
    /// How long an authorization request waits for a sign-in.
    pub sign_in_timeout: Duration,
    /// How long a signed-in session lives unused.
    pub idle_timeout: Duration,
    /// The audit queue's policy.
    pub audit: AuditPolicy,
    /// Between purges of expired records; `None`: never.
    pub purge_interval: Option<Duration>,
    /// Logs as text or JSON.
    pub log_format: LogFormat,
    /// The log filter (`RUST_LOG` wins when set).
    pub log_filter: String,
    /// Whether `/metrics` is served.
    pub metrics: bool,
    /// What the pages show of the service.
    pub branding: Branding,
    /// The scopes the consent page lets the user leave out.
    pub optional_scopes: Vec<String>,
}

impl Settings {
    /// Reads the file and the overrides into validated settings.
    pub fn load(sources: &Sources) -> Result<Self, ConfigError> {
        Self::load_with_env(sources, |name| std::env::var(name).ok())
    }

    /// [`load`](Self::load) with the environment `lookup` answers (tests).
    pub fn load_with_env(
        sources: &Sources,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut table = layers::file_table(sources.file.as_deref())?;
        layers::apply_env(&mut table, lookup)?;
        layers::apply_flags(&mut table, &sources.flags)?;
        let file: file::FileConfig = serde_path_to_error::deserialize(Value::Table(table))
            .map_err(|error| {
                let key = error.path().to_string();
                let key = if key == "." { "(top level)".to_owned() } else { key };
                // toml appends "in `key`" on a line of its own: the key is named already.
                let reason = error.inner().to_string();
                let reason = reason.lines().next().unwrap_or_default().to_owned();
                ConfigError::new(&key, reason)
            })?;
        validate::settings(file)
    }

    /// The core's configuration for `issuer`.
    pub fn core_config(&self, issuer: &str) -> Result<Config, ConfigError> {
        validate::core_config(&self.policy, issuer)
    }

    /// The issuer for a server bound to `bound`.
    pub fn issuer_for(&self, bound: SocketAddr) -> String {
        self.issuer.clone().unwrap_or_else(|| format!("http://{bound}"))
    }

    /// The SQLite file, when the data lives in one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match &self.database {
            DatabaseLocation::Sqlite(path) => Some(path),
            DatabaseLocation::Postgres(_) => None,
        }
    }
}

#[cfg(test)]
mod tests;
