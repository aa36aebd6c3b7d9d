//! The `qscope` command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

/// qscope: an OAuth 2.1 authorization server (authorization code with
/// PKCE, client credentials, refresh tokens, device authorization,
/// revocation, introspection, dynamic registration) over SQLite or
/// PostgreSQL, with sign-in, consent and device pages.
#[derive(Debug, Parser)]
#[command(name = "qscope", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the authorization server until SIGTERM or Ctrl-C.
    Serve(Args),
    /// Creates, lists, shows, changes and deletes clients.
    Client(crate::host::admin::Args),
}

/// The options of `qscope serve`.
#[derive(Clone, Debug, clap::Args)]
pub struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// The issuer identifier (the base URL clients see); default
    /// `http://ADDR` with the port actually bound.
    #[arg(long)]
    pub issuer: Option<String>,

    /// The SQLite database file (created when missing).
    #[arg(long, default_value = "qscope-demo.sqlite3")]
    pub db: PathBuf,

    /// Store everything in this PostgreSQL database instead of SQLite
    /// (`postgres://user:password@host:port/database`); several servers
    /// may share it.
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,

    /// A user who can sign in, `NAME:PASSWORD` (repeatable); the password
    /// is hashed with argon2 at start and kept only in memory. Without any,
    /// the user `alice` with password `wonderland` is created.
    #[arg(long = "demo-user", value_name = "NAME:PASSWORD", value_parser = parse_demo_user)]
    pub demo_users: Vec<DemoUser>,

    /// Let anybody register clients at `POST /register` (RFC 7591).
    #[arg(long)]
    pub open_registration: bool,

    /// Requests per second allowed per client address (IPv6: per /64) on
    /// every path, bursts of twice that; checked before anything else.
    /// `0` disables the limit (for load tests).
    #[arg(long, value_name = "PER_SECOND", default_value_t = 20)]
    pub rate_limit: u32,

    /// Requests per second allowed per client that authenticated with its
    /// secret at /token, /revoke, /introspect, /par and
    /// /device_authorization, bursts of twice that; counted from the
    /// answers that show the client authenticated, so naming a client
    /// cannot use up its allowance. `0` disables the limit.
    #[arg(long, value_name = "PER_SECOND", default_value_t = 50)]
    pub client_rate_limit: u32,

    /// Seconds a client has to send a request's headers, and then again
    /// its body; an answer not ready within twice this after the headers
    /// is given up (503). Also how long an idle connection is kept.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,

    /// The most client connections open at once (lowered, with a warning,
    /// to fit the open-file limit); further ones wait in the kernel's
    /// accept queue until one closes.
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: u64,

    /// The most sign-in password checks (argon2, 19 MiB each) at once;
    /// sign-ins beyond it are asked to try again (503, `Retry-After`).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_password_checks: u64,

    /// Seconds a browser has to sign in while an authorization request
    /// waits in its session (at most the core's interaction lifetime, 600).
    #[arg(long, value_name = "SECONDS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub sign_in_timeout: u64,

    /// Seconds between purges of expired codes, tokens, pending
    /// authorizations and device grants from the store; `0` never purges.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub purge_interval: u64,

    /// The most audit events waiting to be written; when it is full,
    /// requests wait for room (nothing is dropped unless allowed below).
    #[arg(long, value_name = "N", default_value_t = 65_536, value_parser = clap::value_parser!(u64).range(1..))]
    pub audit_queue: u64,

    /// Record the audit event of only one in N answered introspections
    /// (refusals are always recorded); the others are counted.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub audit_sample_introspections: u64,

    /// While the audit queue is full, drop (and count) the events of
    /// answered introspections instead of making those requests wait.
    #[arg(long)]
    pub audit_shed_introspections: bool,

    /// SQLite durability: `full` syncs every commit to disk before it is
    /// reported applied; `normal` is faster but may lose the last commits
    /// on power loss.
    #[arg(long, value_enum, default_value_t = SqliteSync::Full)]
    pub sqlite_sync: SqliteSync,
}

/// A `--demo-user` value.
#[derive(Clone)]
pub struct DemoUser {
    /// The user name, which is also the subject of the tokens issued.
    pub name: String,
    /// The password in clear, until it is hashed at start.
    pub password: String,
}

impl std::fmt::Debug for DemoUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoUser").field("name", &self.name).finish_non_exhaustive()
    }
}

/// The `--sqlite-sync` choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SqliteSync {
    /// `synchronous = FULL`.
    Full,
    /// `synchronous = NORMAL`.
    Normal,
}

fn parse_demo_user(value: &str) -> Result<DemoUser, String> {
    let (name, password) =
        value.split_once(':').ok_or("expected NAME:PASSWORD, for example alice:wonderland")?;
    let printable = |s: &str| s.chars().all(|c| c.is_ascii_graphic());
    if name.is_empty() || name.len() > 64 || !printable(name) {
        return Err("the user name must be 1 to 64 printable ASCII characters".into());
    }
    if password.is_empty() {
        return Err("the password must not be empty".into());
    }
    Ok(DemoUser { name: name.to_owned(), password: password.to_owned() })
}

impl Args {
    /// How long a request may take to arrive, headers and then body.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout)
    }

    /// How long an authorization request waits for a sign-in.
    pub fn sign_in_timeout(&self) -> Duration {
        Duration::from_secs(self.sign_in_timeout)
    }

    /// Between purges; `None` never.
    pub fn purge_interval(&self) -> Option<Duration> {
        (self.purge_interval > 0).then(|| Duration::from_secs(self.purge_interval))
    }

    /// The demo users, with `alice:wonderland` when none were given.
    pub fn users(&self) -> Vec<DemoUser> {
        if self.demo_users.is_empty() {
            vec![DemoUser { name: "alice".into(), password: "wonderland".into() }]
        } else {
            self.demo_users.clone()
        }
    }
}
