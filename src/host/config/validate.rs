//! The file's values checked and turned into [`Settings`]; every error
//! names its key.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ipnet::IpNet;

use super::file::{self, FileConfig, ResourceFormat, Rotation, SqliteSync};
use super::{
    AuditPolicy, ConfigError, CorePolicy, DatabaseLocation, PasswordCost, Settings, SigningKeyFile,
};
use crate::host::key_file::KeyFile;
use crate::store::GrantType;
use crate::{
    Config, FifoLimits, PkcePolicy, RefreshRotation, RegistrationPolicy, ScopeDefinition, Seconds,
    SecretHash,
};

fn error(key: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::new(key, reason.into())
}

/// Checks `file` and makes it settings.
pub(super) fn settings(file: FileConfig) -> Result<Settings, ConfigError> {
    let listen = address("listen", &file.listen)?;
    let database = database(&file.database)?;
    let policy = policy(&file)?;
    let issuer = file.issuer.clone();
    // The core checks the rest of the policy; with the issuer given, or
    // the one a server on `listen` would have.
    let placeholder = format!("http://{listen}");
    core_config(&policy, issuer.as_deref().unwrap_or(&placeholder))?;
    let passwords = &file.passwords;
    let password_cost = PasswordCost {
        memory_kib: passwords.argon2_memory_kib,
        iterations: passwords.argon2_iterations,
        parallelism: passwords.argon2_parallelism,
    };
    argon2::Params::new(
        password_cost.memory_kib,
        password_cost.iterations,
        password_cost.parallelism,
        None,
    )
    .map_err(|reason| error("passwords", format!("invalid argon2 parameters: {reason}")))?;
    let http = &file.http;
    let trusted_proxies = http
        .trusted_proxies
        .iter()
        .enumerate()
        .map(|(i, block)| proxy_block(i, block))
        .collect::<Result<Vec<_>, _>>()?;
    let interaction = policy.interaction_lifetime.get();
    let sign_in_timeout = at_least_one("sessions.sign_in_timeout", file.sessions.sign_in_timeout)?;
    if sign_in_timeout > interaction {
        return Err(error(
            "sessions.sign_in_timeout",
            format!(
                "must be at most tokens.interaction_lifetime ({interaction} s): the core forgets \
                 the authorization request after that"
            ),
        ));
    }
    let branding = super::branding::branding(&file.branding)?;
    let optional_scopes = file
        .scopes
        .iter()
        .flatten()
        .filter(|(_, entry)| entry.optional)
        .map(|(name, _)| name.clone())
        .collect();
    Ok(Settings {
        issuer,
        listen,
        database,
        sqlite_full_sync: file.sqlite_sync == SqliteSync::Full,
        policy,
        password_cost,
        max_password_checks: count(
            "passwords.max_concurrent_checks",
            passwords.max_concurrent_checks,
        )?,
        trusted_proxies,
        request_timeout: Duration::from_secs(at_least_one(
            "http.request_timeout",
            http.request_timeout,
        )?),
        max_connections: count("http.max_connections", http.max_connections)?,
        rate_limit: file.rate_limits.per_address,
        client_rate_limit: file.rate_limits.per_client,
        sign_in_timeout: Duration::from_secs(sign_in_timeout),
        idle_timeout: Duration::from_secs(at_least_one(
            "sessions.idle_timeout",
            file.sessions.idle_timeout,
        )?),
        audit: AuditPolicy {
            queue: count("audit.queue", file.audit.queue)?,
            sample_every: at_least_one(
                "audit.sample_introspections",
                file.audit.sample_introspections,
            )?,
            shed_when_full: file.audit.shed_introspections,
        },
        purge_interval: (file.maintenance.purge_interval > 0)
            .then(|| Duration::from_secs(file.maintenance.purge_interval)),
        log_format: file.logs.format,
        log_filter: log_filter(&file.logs.filter)?,
        metrics: file.metrics.enabled,
        branding,
        optional_scopes,
    })
}

fn address(key: &str, text: &str) -> Result<SocketAddr, ConfigError> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    // A host name (`localhost:8080`): its first address.
    text.to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| error(key, format!("{text:?} is not an address and port (HOST:PORT)")))
}

fn database(text: &str) -> Result<DatabaseLocation, ConfigError> {
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        return Ok(DatabaseLocation::Postgres(text.to_owned()));
    }
    if text.contains("://") {
        return Err(error("database", "a SQLite file path or a postgres:// URL"));
    }
    if text.trim().is_empty() {
        return Err(error("database", "must not be empty"));
    }
    Ok(DatabaseLocation::Sqlite(PathBuf::from(text)))
}

/// A grant's name in the file: the wire name, or `device_code` for the
/// device grant's URN.
fn grant(key: &str, name: &str) -> Result<GrantType, ConfigError> {
    let wire = if name == "device_code" { GrantType::DeviceCode.as_str() } else { name };
    GrantType::parse(wire).ok_or_else(|| {
        error(
            key,
            format!(
                "unknown grant {name:?} (authorization_code, client_credentials, refresh_token, \
                 device_code, password)"
            ),
        )
    })
}

fn grants(key: &str, names: &[String]) -> Result<Vec<GrantType>, ConfigError> {
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let grant = grant(&format!("{key}[{i}]"), name)?;
        if out.contains(&grant) {
            return Err(error(&format!("{key}[{i}]"), format!("{name:?} is listed twice")));
        }
        out.push(grant);
    }
    Ok(out)
}

fn policy(file: &FileConfig) -> Result<CorePolicy, ConfigError> {
    let grants = grants("grants", &file.grants)?;
    if grants.is_empty() {
        return Err(error("grants", "at least one grant must be enabled"));
    }
    let scopes = match &file.scopes {
        None => vec![
            ScopeDefinition {
                name: "read".into(),
                description: "Read your data".into(),
                default: true,
            },
            ScopeDefinition {
                name: "write".into(),
                description: "Change your data".into(),
                default: false,
            },
        ],
        Some(table) => table
            .iter()
            .map(|(name, entry)| ScopeDefinition {
                name: name.clone(),
                description: entry.description.clone(),
                default: entry.default,
            })
            .collect(),
    };
    for scope in &scopes {
        if scope.description.trim().is_empty() {
            return Err(error(
                &format!("scopes.{}.description", scope.name),
                "must say what the scope allows (the consent page shows it)",
            ));
        }
    }
    let tokens = &file.tokens;
    let rotation = match tokens.refresh_rotation {
        Rotation::Strict => RefreshRotation::Strict,
        Rotation::Grace => RefreshRotation::Grace(Seconds::new(tokens.refresh_grace)),
    };
    let limit = |n: u32| (n > 0).then_some(n);
    let fifo = FifoLimits {
        refresh_per_client: limit(file.fifo.refresh_per_client),
        refresh_per_client_subject: limit(file.fifo.refresh_per_client_subject),
        access_per_refresh: limit(file.fifo.access_per_refresh),
    };
    let registration = registration(&file.registration)?;
    let registration_grants = self::grants("registration.grants", &file.registration.grants)?;
    if let Some(names) = &file.registration.scopes {
        for (i, name) in names.iter().enumerate() {
            if !scopes.iter().any(|scope| scope.name == *name) {
                return Err(error(
                    &format!("registration.scopes[{i}]"),
                    format!("{name:?} is not one of the scopes"),
                ));
            }
        }
    }
    Ok(CorePolicy {
        grants,
        scopes,
        access_lifetime: Seconds::new(tokens.access_lifetime),
        refresh_lifetime: Seconds::new(tokens.refresh_lifetime),
        code_lifetime: Seconds::new(tokens.code_lifetime),
        device_code_lifetime: Seconds::new(tokens.device_code_lifetime),
        device_poll_interval: Seconds::new(tokens.device_poll_interval),
        interaction_lifetime: Seconds::new(tokens.interaction_lifetime),
        par_lifetime: Seconds::new(tokens.par_lifetime),
        rotation,
        refresh_for_client_credentials: tokens.refresh_for_client_credentials,
        fifo,
        pkce: PkcePolicy {
            required_for_confidential: file.pkce.required_for_confidential,
            allow_plain: file.pkce.allow_plain,
        },
        registration,
        registration_scopes: file.registration.scopes.clone(),
        resources: resources(&file.resources)?,
        signing_keys: signing_keys(&file.signing_keys)?,
        registration_grants,
        trust_self_registered_redirects: file.registration.trust_self_registered_redirects,
    })
}

fn registration(section: &file::Registration) -> Result<RegistrationPolicy, ConfigError> {
    let key = "registration.initial_access_token_hashes";
    let hashes = section
        .initial_access_token_hashes
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let mut bytes = [0u8; 32];
            match URL_SAFE_NO_PAD.decode_slice(text.trim(), &mut bytes) {
                Ok(32) => Ok(SecretHash::from_bytes(bytes)),
                _ => Err(error(
                    &format!("{key}[{i}]"),
                    "not a token hash (43 base64url characters, as `qscope initial-access-token` \
                     prints)",
                )),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    match section.policy {
        file::RegistrationPolicy::Closed => Ok(RegistrationPolicy::Closed),
        file::RegistrationPolicy::Open => Ok(RegistrationPolicy::Open),
        file::RegistrationPolicy::InitialAccessToken if hashes.is_empty() => {
            Err(error(key, "policy initial_access_token needs at least one hash"))
        }
        file::RegistrationPolicy::InitialAccessToken => {
            Ok(RegistrationPolicy::InitialAccessToken(hashes))
        }
    }
}

/// The core's configuration from `policy` for `issuer`, its errors named
/// by the keys they come from.
pub(super) fn core_config(policy: &CorePolicy, issuer: &str) -> Result<Config, ConfigError> {
    let mut builder = Config::builder(issuer)
        .grants(policy.grants.iter().copied())
        .access_token_lifetime(policy.access_lifetime)
        .refresh_token_lifetime(policy.refresh_lifetime)
        .code_lifetime(policy.code_lifetime)
        .device_code_lifetime(policy.device_code_lifetime)
        .device_poll_interval(policy.device_poll_interval)
        .interaction_lifetime(policy.interaction_lifetime)
        .par_lifetime(policy.par_lifetime)
        .rotation(policy.rotation)
        .refresh_for_client_credentials(policy.refresh_for_client_credentials)
        .fifo(policy.fifo)
        .pkce(policy.pkce)
        .registration(policy.registration.clone())
        .registration_grants(policy.registration_grants.iter().copied())
        .trust_self_registered_redirects(policy.trust_self_registered_redirects);
    for scope in &policy.scopes {
        builder = builder.scope(&scope.name, &scope.description, scope.default);
    }
    if let Some(names) = &policy.registration_scopes {
        builder = builder.registration_scopes(names.iter().cloned());
    }
    for resource in &policy.resources {
        builder = builder.resource(resource.clone());
    }
    if let Some(keys) = &policy.signing_keys {
        let file =
            KeyFile::read(&keys.file).map_err(|e| error("signing_keys.file", e.to_string()))?;
        let set = file
            .key_set(&keys.file, keys.rotation)
            .map_err(|e| error("signing_keys.file", e.to_string()))?;
        builder = builder.signing_keys(set);
    }
    builder.build().map_err(|cause| {
        let key = match &cause {
            crate::ConfigError::Issuer(_) => "issuer".to_owned(),
            crate::ConfigError::Lifetime { what, .. } => lifetime_key(what).to_owned(),
            crate::ConfigError::Scope(name) => format!("scopes.{name}"),
            crate::ConfigError::ScopeDescription(name) => format!("scopes.{name}.description"),
            crate::ConfigError::FifoLimit(name) => format!("fifo.{name}"),
            crate::ConfigError::NoGrant => "grants".to_owned(),
            crate::ConfigError::Resource { uri, .. } => {
                let i = policy.resources.iter().position(|r| r.uri == *uri).unwrap_or(0);
                format!("resources[{i}]")
            }
            _ => "registration".to_owned(),
        };
        error(&key, cause.to_string())
    })
}

/// The key of the lifetime the core names `what`.
fn lifetime_key(what: &str) -> &'static str {
    match what {
        "access token lifetime" => "tokens.access_lifetime",
        "refresh token lifetime" => "tokens.refresh_lifetime",
        "authorization code lifetime" => "tokens.code_lifetime",
        "refresh grace window" => "tokens.refresh_grace",
        "interaction lifetime" => "tokens.interaction_lifetime",
        "PAR request_uri lifetime" => "tokens.par_lifetime",
        "device code lifetime" => "tokens.device_code_lifetime",
        "device poll interval" => "tokens.device_poll_interval",
        _ => "tokens",
    }
}

fn proxy_block(i: usize, text: &str) -> Result<IpNet, ConfigError> {
    let key = format!("http.trusted_proxies[{i}]");
    if let Ok(block) = text.parse::<IpNet>() {
        return Ok(block.trunc());
    }
    // A single address is its own /32 or /128.
    text.parse::<std::net::IpAddr>()
        .map(IpNet::from)
        .map_err(|_| error(&key, format!("{text:?} is not an address or CIDR block")))
}

fn at_least_one(key: &str, value: u64) -> Result<u64, ConfigError> {
    if value == 0 {
        return Err(error(key, "must be at least 1"));
    }
    Ok(value)
}

fn count(key: &str, value: u64) -> Result<usize, ConfigError> {
    let value = at_least_one(key, value)?;
    usize::try_from(value).map_err(|_| error(key, "is too large"))
}

fn log_filter(filter: &str) -> Result<String, ConfigError> {
    tracing_subscriber::EnvFilter::try_new(filter)
        .map_err(|reason| error("logs.filter", format!("not a log filter: {reason}")))?;
    Ok(filter.to_owned())
}

/// `[[resources]]` as the core's definitions (the core checks the rest).
fn resources(
    entries: &[file::ResourceEntry],
) -> Result<Vec<crate::ResourceDefinition>, ConfigError> {
    entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let mut resource = crate::ResourceDefinition::new(entry.uri.clone());
            if entry.format == ResourceFormat::Jwt {
                resource = resource.with_format(crate::TokenFormat::Jwt);
            }
            if let Some(secs) = entry.access_lifetime {
                resource = resource.with_lifetime(Seconds::new(secs));
            }
            if let Some(names) = &entry.scopes {
                let scopes = crate::Scopes::parse(&names.join(" ")).map_err(|_| {
                    error(&format!("resources[{i}].scopes"), "holds an invalid scope name")
                })?;
                resource = resource.with_scopes(scopes);
            }
            Ok(resource)
        })
        .collect()
}

/// `[signing_keys]`: the key file, when one is named.
fn signing_keys(keys: &file::SigningKeys) -> Result<Option<SigningKeyFile>, ConfigError> {
    let Some(path) = &keys.file else { return Ok(None) };
    if path.trim().is_empty() {
        return Err(error("signing_keys.file", "must name a file"));
    }
    let publish_ahead = at_least_one("signing_keys.publish_ahead", keys.publish_ahead)?;
    let retain_retired = at_least_one("signing_keys.retain_retired", keys.retain_retired)?;
    Ok(Some(SigningKeyFile {
        file: PathBuf::from(path),
        rotation: crate::jose::RotationPolicy {
            publish_ahead: Seconds::new(publish_ahead),
            retain_retired: Seconds::new(retain_retired),
        },
    }))
}
