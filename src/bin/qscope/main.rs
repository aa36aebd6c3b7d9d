//! `qscope`: the qscope OAuth 2.1 authorization server and its
//! administration commands. See `qscope --help`.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use qscope::host::cli::{Cli, Command};
use qscope::host::config::{LogFormat, Settings};
use qscope::host::{admin, serve};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut sources = cli.global.sources();
    if let Command::Serve(args) = &cli.command {
        args.add_to(&mut sources);
    }
    let settings = match Settings::load(&sources) {
        Ok(settings) => settings,
        Err(error) => return fail(&error),
    };
    let printed = match cli.command {
        Command::Serve(args) => return run_server(&settings, args.demo).await,
        Command::CheckConfig => Ok(admin::check_config(&settings)),
        Command::Client(command) => admin::client(&settings, command).await,
        Command::User(command) => admin::user(&settings, command, admin::read_password).await,
        Command::Grant(command) => admin::grant(&settings, command).await,
        Command::Scope(command) => admin::scope(&settings, command),
        Command::Keys(command) => admin::keys(&settings, command),
        Command::Purge => admin::purge(&settings).await,
        Command::InitialAccessToken => admin::initial_access_token(),
    };
    match printed {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(error) => fail(&error),
    }
}

/// One line on standard error, and a failing exit.
fn fail(error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("qscope: {error}");
    ExitCode::FAILURE
}

/// Logs go to standard error (text or JSON lines); standard output has
/// only the banner. `RUST_LOG` overrides the configured filter.
fn init_logs(settings: &Settings) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.log_filter));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match settings.log_format {
        LogFormat::Json => logs.json().flatten_event(true).init(),
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}

async fn run_server(settings: &Settings, demo: bool) -> ExitCode {
    init_logs(settings);
    let running = match serve::start(settings, demo).await {
        Ok(running) => running,
        Err(error) => {
            tracing::error!(%error, "could not start");
            return fail(&error);
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
    if running.seeded_user {
        let (username, password) = qscope::host::users::DEMO_USER;
        println!("Created the demo user: {username} / {password}");
    }
    if running.no_users {
        println!("No users yet: nobody can sign in. Create the first with");
        println!("  qscope user create NAME    (the password is asked for, or read from stdin)");
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
