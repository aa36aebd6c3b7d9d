//! The `qscope` command line: the subcommands, and the flags that override
//! configuration keys (see [`crate::host::config`]).

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use toml::Value;

use crate::host::admin;
use crate::host::config::{Sources, parse_assignment};

/// qscope: an OAuth 2.1 authorization server (authorization code with
/// PKCE, client credentials, refresh tokens, device authorization,
/// revocation, introspection, dynamic client registration) over SQLite or
/// PostgreSQL, with sign-in, consent and device pages, user accounts and
/// administration commands that work while it runs.
///
/// Configuration comes from a TOML file (--config), `QSCOPE_*` environment
/// variables (`QSCOPE_TOKENS__CODE_LIFETIME=30` for `tokens.code_lifetime`)
/// and flags, in that order of increasing precedence.
#[derive(Debug, Parser)]
#[command(name = "qscope", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    /// Options every subcommand takes.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct Global {
    /// The configuration file (TOML; `docs/qscope.example.toml` lists every key).
    #[arg(long, short = 'c', global = true, value_name = "FILE", env = "QSCOPE_CONFIG")]
    pub config: Option<PathBuf>,
    /// The database: a SQLite file or a `postgres://` URL (key `database`).
    #[arg(long, global = true, value_name = "FILE|URL")]
    pub db: Option<String>,
    /// The issuer identifier, the URL clients see (key `issuer`).
    #[arg(long, global = true, value_name = "URL")]
    pub issuer: Option<String>,
    /// Sets any configuration key, e.g. `--set tokens.code_lifetime=30`
    /// (repeatable; the value is TOML, or else taken as text).
    #[arg(long = "set", global = true, value_name = "KEY=VALUE", value_parser = parse_assignment)]
    pub set: Vec<(String, Value)>,
}

impl Global {
    /// The configuration sources these options name.
    pub fn sources(&self) -> Sources {
        let mut sources = Sources { file: self.config.clone(), flags: Vec::new() };
        if let Some(db) = &self.db {
            sources.flag("database", db.as_str());
        }
        if let Some(issuer) = &self.issuer {
            sources.flag("issuer", issuer.as_str());
        }
        sources.flags.extend(self.set.iter().cloned());
        sources
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the authorization server until SIGTERM or Ctrl-C.
    Serve(ServeArgs),
    /// Validates the configuration and prints a summary; serves nothing.
    CheckConfig,
    /// Creates, lists, shows, changes and deletes clients.
    #[command(subcommand)]
    Client(admin::ClientCommand),
    /// Creates, lists, shows, changes, disables and deletes users.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// Lists users' consents to clients, and revokes one with its tokens.
    #[command(subcommand)]
    Grant(admin::GrantCommand),
    /// Lists the scopes the configuration defines.
    #[command(subcommand)]
    Scope(admin::ScopeCommand),
    /// Lists, generates, rotates and retires the keys that sign JWT access
    /// tokens (in the file `signing_keys.file` names).
    #[command(subcommand)]
    Keys(admin::KeysCommand),
    /// Deletes expired codes, tokens, pending authorizations, device grants
    /// and sessions now (the server also does it every
    /// `maintenance.purge_interval`).
    Purge,
    /// Mints an initial access token for `registration.policy =
    /// "initial_access_token"` and prints it with its hash for the
    /// configuration.
    InitialAccessToken,
}

/// The options of `qscope serve`; each sets the configuration key it names.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ServeArgs {
    /// Zero-setup demo: create the client `demo` and the user `alice`
    /// (password `wonderland`) in an empty database.
    #[arg(long)]
    pub demo: bool,
    /// The address to listen on (key `listen`).
    #[arg(long, visible_alias = "addr", value_name = "HOST:PORT")]
    pub listen: Option<String>,
    /// Let anybody register clients at `POST /register` (key `registration.policy`).
    #[arg(long)]
    pub open_registration: bool,
    /// SQLite durability, `full` or `normal` (key `sqlite_sync`).
    #[arg(long, value_name = "full|normal")]
    pub sqlite_sync: Option<String>,
    /// Requests per second per client address, `0` unlimited (key `rate_limits.per_address`).
    #[arg(long, value_name = "PER_SECOND")]
    pub rate_limit: Option<u32>,
    /// Authenticated requests per second per client, `0` unlimited (key `rate_limits.per_client`).
    #[arg(long, value_name = "PER_SECOND")]
    pub client_rate_limit: Option<u32>,
    /// Seconds for a request's headers, and again for its body (key `http.request_timeout`).
    #[arg(long, value_name = "SECONDS")]
    pub request_timeout: Option<u64>,
    /// Client connections open at once (key `http.max_connections`).
    #[arg(long, value_name = "N")]
    pub max_connections: Option<u64>,
    /// argon2 password checks at once (key `passwords.max_concurrent_checks`).
    #[arg(long, value_name = "N")]
    pub max_password_checks: Option<u64>,
    /// Seconds an authorization request waits for the sign-in (key `sessions.sign_in_timeout`).
    #[arg(long, value_name = "SECONDS")]
    pub sign_in_timeout: Option<u64>,
    /// Seconds between purges of expired records, `0` never (key `maintenance.purge_interval`).
    #[arg(long, value_name = "SECONDS")]
    pub purge_interval: Option<u64>,
    /// Audit events waiting to be written at most (key `audit.queue`).
    #[arg(long, value_name = "N")]
    pub audit_queue: Option<u64>,
    /// Keep one in N introspection audit events (key `audit.sample_introspections`).
    #[arg(long, value_name = "N")]
    pub audit_sample_introspections: Option<u64>,
    /// Drop introspection audit events while the queue is full (key `audit.shed_introspections`).
    #[arg(long)]
    pub audit_shed_introspections: bool,
    /// A proxy whose X-Forwarded-For / Forwarded headers are believed, as
    /// an address or CIDR block (repeatable; key `http.trusted_proxies`).
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    pub trusted_proxies: Vec<String>,
    /// Logs as `text` or `json` (key `logs.format`).
    #[arg(long, value_name = "text|json")]
    pub log_format: Option<String>,
    /// A protected resource clients may name with `resource` (RFC 8707),
    /// its tokens opaque or, with `=jwt`, RFC 9068 JWTs (repeatable;
    /// replaces the file's `[[resources]]`).
    #[arg(long = "resource", value_name = "URI[=jwt]")]
    pub resources: Vec<String>,
}

/// `--resource URI[=jwt]` as a `[[resources]]` entry. Only a final `=jwt`
/// or `=opaque` is a format: a `=` elsewhere belongs to the URI's query.
fn resource_entry(flag: &str) -> Value {
    let (uri, format) = match flag.rsplit_once('=') {
        Some((uri, format @ ("jwt" | "opaque"))) => (uri, format),
        _ => (flag, "opaque"),
    };
    let mut entry = toml::map::Map::new();
    entry.insert("uri".into(), Value::String(uri.to_owned()));
    entry.insert("format".into(), Value::String(format.to_owned()));
    Value::Table(entry)
}

impl ServeArgs {
    /// Adds these flags to `sources`, after the global ones.
    pub fn add_to(&self, sources: &mut Sources) {
        let text = |sources: &mut Sources, key: &str, value: &Option<String>| {
            if let Some(value) = value {
                sources.flag(key, value.as_str());
            }
        };
        let number = |sources: &mut Sources, key: &str, value: Option<u64>| {
            if let Some(value) = value {
                sources.flag(key, i64::try_from(value).unwrap_or(i64::MAX));
            }
        };
        text(sources, "listen", &self.listen);
        text(sources, "sqlite_sync", &self.sqlite_sync);
        text(sources, "logs.format", &self.log_format);
        if self.open_registration {
            sources.flag("registration.policy", "open");
        }
        number(sources, "rate_limits.per_address", self.rate_limit.map(u64::from));
        number(sources, "rate_limits.per_client", self.client_rate_limit.map(u64::from));
        number(sources, "http.request_timeout", self.request_timeout);
        number(sources, "http.max_connections", self.max_connections);
        number(sources, "passwords.max_concurrent_checks", self.max_password_checks);
        number(sources, "sessions.sign_in_timeout", self.sign_in_timeout);
        number(sources, "maintenance.purge_interval", self.purge_interval);
        number(sources, "audit.queue", self.audit_queue);
        number(sources, "audit.sample_introspections", self.audit_sample_introspections);
        if self.audit_shed_introspections {
            sources.flag("audit.shed_introspections", true);
        }
        if !self.resources.is_empty() {
            let entries = self.resources.iter().map(|flag| resource_entry(flag)).collect();
            sources.flag("resources", Value::Array(entries));
        }
        if !self.trusted_proxies.is_empty() {
            let blocks = self.trusted_proxies.iter().map(|b| Value::String(b.clone())).collect();
            sources.flag("http.trusted_proxies", Value::Array(blocks));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_flag_names_its_format_only_at_the_end() {
        let entry = |flag| {
            let Value::Table(t) = resource_entry(flag) else { unreachable!() };
            (t["uri"].as_str().unwrap().to_owned(), t["format"].as_str().unwrap().to_owned())
        };
        assert_eq!(
            entry("https://api.example/=jwt"),
            ("https://api.example/".into(), "jwt".into())
        );
        assert_eq!(entry("https://api.example/"), ("https://api.example/".into(), "opaque".into()));
        assert_eq!(
            entry("https://api.example/?tenant=a"),
            ("https://api.example/?tenant=a".into(), "opaque".into())
        );
    }
}
