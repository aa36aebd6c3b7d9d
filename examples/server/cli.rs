//! The demo server's command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// A qscope authorization server for trying things out: SQLite (or
/// PostgreSQL), login, consent and device pages, demo users.
#[derive(Clone, Debug, Parser)]
#[command(name = "server", version, about)]
pub(crate) struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) addr: SocketAddr,

    /// The issuer identifier (the base URL clients see); default
    /// `http://ADDR` with the port actually bound.
    #[arg(long)]
    pub(crate) issuer: Option<String>,

    /// The SQLite database file (created when missing).
    #[arg(long, default_value = "qscope-demo.sqlite3")]
    pub(crate) db: PathBuf,

    /// Store everything in this PostgreSQL database instead of SQLite
    /// (`postgres://user:password@host:port/database`); several servers
    /// may share it.
    #[arg(long, value_name = "URL")]
    pub(crate) postgres: Option<String>,

    /// A user who can sign in, `NAME:PASSWORD` (repeatable); the password
    /// is hashed with argon2 at start and kept only in memory. Without any,
    /// the user `alice` with password `wonderland` is created.
    #[arg(long = "demo-user", value_name = "NAME:PASSWORD", value_parser = parse_demo_user)]
    pub(crate) demo_users: Vec<DemoUser>,

    /// Let anybody register clients at `POST /register` (RFC 7591).
    #[arg(long)]
    pub(crate) open_registration: bool,

    /// Requests per second allowed per client IP on /token,
    /// /device_authorization, /device, /login, /authorize and /register
    /// (bursts of twice that); `0` disables the limit (for load tests).
    #[arg(long, value_name = "PER_SECOND", default_value_t = 20)]
    pub(crate) rate_limit: u32,

    /// SQLite durability: `full` syncs every commit to disk before it is
    /// reported applied; `normal` is faster but may lose the last commits
    /// on power loss.
    #[arg(long, value_enum, default_value_t = SqliteSync::Full)]
    pub(crate) sqlite_sync: SqliteSync,
}

/// A `--demo-user` value.
#[derive(Clone)]
pub(crate) struct DemoUser {
    /// The user name, which is also the subject of the tokens issued.
    pub(crate) name: String,
    /// The password in clear, until it is hashed at start.
    pub(crate) password: String,
}

impl std::fmt::Debug for DemoUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoUser").field("name", &self.name).finish_non_exhaustive()
    }
}

/// The `--sqlite-sync` choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SqliteSync {
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
    /// The demo users, with `alice:wonderland` when none were given.
    pub(crate) fn users(&self) -> Vec<DemoUser> {
        if self.demo_users.is_empty() {
            vec![DemoUser { name: "alice".into(), password: "wonderland".into() }]
        } else {
            self.demo_users.clone()
        }
    }
}
