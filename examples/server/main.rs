//! The qscope demo server: the core over SQLite (or PostgreSQL) on tokio
//! and hyper, with login, consent and device pages.
//!
//! ```text
//! cargo run --example server                       # http://127.0.0.1:8080, ./qscope-demo.sqlite3
//! cargo run --example server -- --help             # every option
//! ```
//!
//! On first start with an empty database it creates the confidential
//! client `demo` and prints its secret once. Sign in as `alice` /
//! `wonderland` unless `--demo-user` names other users.

mod audit;
mod cli;
mod client_limit;
mod connections;
mod consent;
mod csp;
mod deadline;
mod device;
mod drive;
mod form;
mod host;
mod login;
mod maintenance;
mod pages;
mod policy;
mod random;
mod rate_limit;
mod serve;
mod session;
mod slow_down;
mod store;
mod users;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let args = cli::Args::parse();
    // Logs go to standard error; standard output has only the banner.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let running = match serve::start(&args).await {
        Ok(running) => running,
        Err(error) => {
            tracing::error!(%error, "could not start");
            return ExitCode::FAILURE;
        }
    };
    banner(&running);
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.shutdown().await;
    ExitCode::SUCCESS
}

/// What a person needs to try it, on standard output (not in the logs).
fn banner(running: &serve::Running) {
    let issuer = &running.issuer;
    println!("qscope demo server on http://{} ({})", running.addr, running.store.describe());
    println!("  issuer:    {issuer}");
    println!("  metadata:  {issuer}/.well-known/oauth-authorization-server");
    println!("  users:     {}", running.users.join(", "));
    if let Some(seeded) = &running.seeded {
        println!("Created the demo client (its secret is shown only this once):");
        println!("  client_id:     {}", seeded.client_id);
        println!("  client_secret: {}", seeded.secret.expose());
        println!(
            "  try: curl -u {}:{} -d grant_type=client_credentials {issuer}/token",
            seeded.client_id,
            seeded.secret.expose()
        );
    }
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
