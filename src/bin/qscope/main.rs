//! `qscope`: the qscope OAuth 2.1 authorization server and its
//! administration commands. See `qscope --help`.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use qscope::host::cli::{Cli, Command};
use qscope::host::{admin, serve};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            init_logs();
            run_server(&args).await
        }
        Command::Client(args) => match admin::run(args).await {
            Ok(out) => {
                print!("{out}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("qscope: {error}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Logs go to standard error; standard output has only the banner.
fn init_logs() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

async fn run_server(args: &qscope::host::cli::Args) -> ExitCode {
    let running = match serve::start(args).await {
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
    println!("qscope server on http://{} ({})", running.addr, running.store.describe());
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
