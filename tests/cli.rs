//! The `qscope` binary itself: its exit codes and one-line errors, the
//! configuration check, and administration commands on a database the
//! server made (`qscope serve` runs as a child process).

mod cli_support;

use cli_support::{TempDir, qscope};

#[test]
fn help_describes_the_tool() {
    let out = qscope(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("an OAuth 2.1 authorization server"), "{help}");
    for command in ["serve", "check-config", "client", "scope", "purge"] {
        assert!(help.contains(command), "{command} in {help}");
    }
    assert!(!help.contains("sans-IO"), "the tool, not the crate: {help}");
}

#[test]
fn check_config_validates_without_serving() {
    let dir = TempDir::new("check-config");
    let good = dir.file("good.toml", "listen = \"127.0.0.1:0\"\n[tokens]\ncode_lifetime = 30\n");
    let out = qscope(&["check-config", "--config", &good]);
    assert!(out.status.success(), "{out:?}");
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(printed.starts_with("configuration is valid\n"), "{printed}");

    let bad = dir.file("bad.toml", "[tokens]\ncode_lifetime = 6000\n");
    let out = qscope(&["check-config", "--config", &bad]);
    assert_eq!(out.status.code(), Some(1));
    let error = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        error,
        "qscope: config error: tokens.code_lifetime: authorization code lifetime must be between \
         1 and 600 seconds\n"
    );
    // The same key from a variable and from --set.
    let out = cli_support::qscope_env(
        &["check-config", "--config", &good],
        &[("QSCOPE_TOKENS__CODE_LIFETIME", "0")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr).unwrap().starts_with(
        "qscope: config error: tokens.code_lifetime: authorization code lifetime must be"
    ));
    let out = qscope(&["check-config", "--set", "sessions.idle_timeout=0"]);
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "qscope: config error: sessions.idle_timeout: must be at least 1\n"
    );
}

#[test]
fn administration_commands_refuse_a_database_that_does_not_exist() {
    let dir = TempDir::new("missing-db");
    let missing = dir.path("typo.sqlite3");
    let out = qscope(&["--db", &missing, "client", "list"]);
    assert_eq!(out.status.code(), Some(1));
    let error = String::from_utf8(out.stderr).unwrap();
    assert!(
        error.starts_with(&format!("qscope: permanent store failure: no database at {missing}"))
    );
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(!std::path::Path::new(&missing).exists(), "no empty database was made");
}

#[test]
fn an_unknown_client_is_one_line_and_a_failure() {
    let dir = TempDir::new("unknown-client");
    let db = dir.path("qscope.sqlite3");
    let server = cli_support::Server::start(&dir, &["--db", &db, "serve", "--demo"]);
    let out = qscope(&["--db", &db, "client", "show", "nobody"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "qscope: no client nobody\n");
    let out = qscope(&["--db", &db, "client", "list"]);
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("demo\tconfidential\t"));
    let out = qscope(&["--db", &db, "purge"]);
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(printed.starts_with("purged 0 codes"), "{printed}");
    drop(server);
}
