//! The demo's administration tool: create, list, show and delete clients,
//! rotate their secrets, and set the scopes they may ask for, on the demo
//! server's SQLite file or PostgreSQL database (also while it runs).
//!
//! ```text
//! cargo run --example admin -- create --id reporter --grant client_credentials --scope read
//! cargo run --example admin -- list
//! cargo run --example admin -- rotate-secret reporter
//! cargo run --example admin -- set-scopes reporter read write
//! cargo run --example admin -- scopes
//! cargo run --example admin -- delete reporter
//! cargo run --example admin -- --postgres postgres://user:pw@host/db list
//! ```
//!
//! Every change goes through `qscope::admin` (validated like a
//! registration, committed under a precondition with its audit event), and
//! the policy is the demo server's own (`examples/server/policy.rs`), so
//! scopes and grants agree with what the server serves. Scopes are
//! policy, not data: `scopes` lists them; a client's allowed scopes are
//! changed with `set-scopes`.

mod commands;
#[path = "../server/policy.rs"]
mod policy;
#[path = "../server/store.rs"]
#[allow(dead_code, reason = "shared with the server, which also seeds the store")]
mod store;

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    match commands::run(commands::Args::parse()).await {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("admin: {error}");
            ExitCode::FAILURE
        }
    }
}
