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

/// Generated client ids are base64url and start with `-` one time in 64:
/// every command that names a client takes such an id as it is printed
/// (it was refused as an unknown flag: "unexpected argument '-_' found").
#[test]
fn client_ids_that_start_with_a_dash_are_taken_as_ids() {
    let dir = TempDir::new("dash-id");
    let db = dir.path("qscope.sqlite3");
    let server = cli_support::Server::start(&dir, &["--db", &db, "serve"]);
    let id = "-_s_dD4EB7sz510Q7hFFng";
    let args = |extra: &[&'static str]| {
        let mut all = vec!["--db", db.as_str()];
        all.extend_from_slice(extra);
        all
    };
    let out = qscope(&args(&["client", "create", "--id", id, "--grant", "client_credentials"]));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = qscope(&args(&["client", "show", id]));
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(shown.starts_with(&format!("client_id:       {id}\n")), "{shown}");
    let out = qscope(&args(&["client", "update", id, "--name", "Dash"]));
    assert!(String::from_utf8(out.stdout).unwrap().contains("name:            Dash\n"));
    let out = qscope(&args(&["client", "rotate-secret", id]));
    assert!(String::from_utf8(out.stdout).unwrap().contains("CLIENT_SECRET="));
    let out = qscope(&args(&["grant", "list", "--client", id]));
    assert_eq!((out.status.success(), out.stdout.is_empty()), (true, true));
    let out = qscope(&args(&["client", "delete", id]));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), format!("deleted {id}\n"));
    drop(server);
}

/// One HTTP/1.1 request over a fresh connection: the status, the
/// `Set-Cookie` name=value pairs and the body.
fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<String>, String) {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let cookies = head
        .lines()
        .filter_map(|line| line.strip_prefix("set-cookie: "))
        .map(|cookie| cookie.split(';').next().unwrap().to_owned())
        .collect();
    (status, cookies, body.to_owned())
}

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

/// The password grant for `username`: its status and body.
fn password_grant(
    addr: std::net::SocketAddr,
    client: &str,
    username: &str,
    password: &str,
) -> (u16, String) {
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(client);
    let body = format!("grant_type=password&username={username}&password={password}&scope=read");
    let (status, _, body) =
        http(addr, "POST", "/token", &[FORM, ("Authorization", &format!("Basic {basic}"))], &body);
    (status, body)
}

/// Signs in on the page: the status of the form's post.
fn sign_in(addr: std::net::SocketAddr, username: &str, password: &str) -> u16 {
    let (status, cookies, page) = http(addr, "GET", "/login", &[], "");
    assert_eq!(status, 200);
    let csrf = page.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap();
    let body = format!("csrf={csrf}&username={username}&password={password}");
    let cookie = cookies.join("; ");
    let (status, cookies, _) = http(addr, "POST", "/login", &[FORM, ("Cookie", &cookie)], &body);
    if status == 303 {
        assert!(cookies.iter().any(|c| c.starts_with("qscope-session=")), "{cookies:?}");
    }
    status
}

/// The password hash stored for `username`.
fn stored_hash(db: &str, username: &str) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("SELECT password_hash FROM accounts WHERE username = ?1", [username], |r| {
        r.get(0)
    })
    .unwrap()
}

#[test]
fn users_made_with_the_cli_sign_in_survive_a_restart_and_are_refused_when_disabled() {
    let dir = TempDir::new("users");
    let db = dir.path("qscope.sqlite3");
    let config = dir.file(
        "qscope.toml",
        "grants = [\"authorization_code\", \"password\"]\n\
         [passwords]\nargon2_memory_kib = 64\nargon2_iterations = 1\n",
    );
    let args = |extra: &[&'static str]| {
        let mut args = vec!["--config", config.as_str(), "--db", db.as_str()];
        args.extend_from_slice(extra);
        args
    };
    let server = cli_support::Server::start(&dir, &args(&["serve"]));
    assert!(
        server.banner.iter().any(|line| line.starts_with("No users yet")),
        "{:?}",
        server.banner
    );
    let out = cli_support::qscope_input(&args(&["user", "create", "ann"]), "open sesame\n");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "created user ann (subject ann)\n");
    let out = cli_support::qscope_input(&args(&["user", "create", "ann"]), "again\n");
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "qscope: user ann exists already\n");
    let out = cli_support::qscope_input(&args(&["user", "create", "bob"]), "\n");
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "qscope: the password is empty\n");
    let out = qscope(&args(&["client", "create", "--id", "app", "--grant", "password"]));
    let printed = String::from_utf8(out.stdout).unwrap();
    let secret = printed.lines().find_map(|l| l.strip_prefix("CLIENT_SECRET=")).unwrap().to_owned();
    let client = format!("app:{secret}");

    let (status, body) = password_grant(server.addr, &client, "ann", "open%20sesame");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"access_token\""), "{body}");
    let (status, body) = password_grant(server.addr, &client, "ann", "wrong");
    assert_eq!((status, body.contains("\"invalid_grant\"")), (400, true), "{body}");
    assert_eq!(sign_in(server.addr, "ann", "open%20sesame"), 303);
    assert_eq!(sign_in(server.addr, "ann", "wrong"), 401);
    drop(server);

    // A restart with a higher cost: the account is still there, and the
    // first sign-in redoes its hash with the new cost.
    let before = stored_hash(&db, "ann");
    assert!(before.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{before}");
    let server = cli_support::Server::start(
        &dir,
        &args(&["--set", "passwords.argon2_iterations=2", "serve"]),
    );
    assert!(!server.banner.iter().any(|line| line.starts_with("No users yet")));
    assert_eq!(password_grant(server.addr, &client, "ann", "open%20sesame").0, 200);
    let after = stored_hash(&db, "ann");
    assert!(after.starts_with("$argon2id$v=19$m=64,t=2,p=1$"), "rehashed: {after}");
    assert_eq!(sign_in(server.addr, "ann", "open%20sesame"), 303, "the new hash signs in");

    let out = qscope(&args(&["user", "disable", "ann"]));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "disabled user ann\n");
    let (status, body) = password_grant(server.addr, &client, "ann", "open%20sesame");
    assert_eq!((status, body.contains("\"invalid_grant\"")), (400, true), "{body}");
    assert_eq!(sign_in(server.addr, "ann", "open%20sesame"), 401);
    let out = qscope(&args(&["user", "list"]));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "ann\tann\tdisabled\n");
    qscope(&args(&["user", "enable", "ann"]));
    let out = cli_support::qscope_input(&args(&["user", "set-password", "ann"]), "new one\n");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "set the password of ann\n");
    assert_eq!(password_grant(server.addr, &client, "ann", "open%20sesame").0, 400);
    assert_eq!(password_grant(server.addr, &client, "ann", "new%20one").0, 200);
    let out = qscope(&args(&["user", "delete", "ann"]));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "deleted user ann\n");
    let out = qscope(&args(&["user", "show", "ann"]));
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "qscope: no user ann\n");
    assert_eq!(password_grant(server.addr, &client, "ann", "new%20one").0, 400);
}

/// What systemd does to stop the service: SIGTERM. The server stops
/// accepting, answers the request whose body is still arriving, writes the
/// audit events still queued, and exits 0.
#[test]
fn sigterm_drains_the_request_in_flight_flushes_the_audit_trail_and_exits_0() {
    use std::io::{Read as _, Write as _};
    use std::time::Duration;

    let dir = TempDir::new("sigterm");
    let db = dir.path("qscope.sqlite3");
    let mut server = cli_support::Server::start(&dir, &["--db", &db, "serve", "--demo"]);
    let wrong = ("Authorization", "Basic ZGVtbzp3cm9uZw=="); // demo:wrong
    let body = "grant_type=client_credentials";
    for _ in 0..3 {
        let (status, _, answer) = http(server.addr, "POST", "/token", &[FORM, wrong], body);
        assert_eq!(status, 401, "{answer}");
    }
    let mut in_flight = std::net::TcpStream::connect(server.addr).unwrap();
    let head = format!(
        "POST /token HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Type: \
         application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        wrong.1,
        body.len()
    );
    in_flight.write_all(head.as_bytes()).unwrap();
    in_flight.write_all(&body.as_bytes()[..5]).unwrap();
    std::thread::sleep(Duration::from_millis(200));

    server.terminate();
    std::thread::sleep(Duration::from_millis(500));
    assert!(std::net::TcpStream::connect(server.addr).is_err(), "no longer accepting");
    in_flight.write_all(&body.as_bytes()[5..]).unwrap();
    let mut answer = String::new();
    in_flight.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 401 "), "{answer}");
    assert!(answer.contains("\"error\":\"invalid_client\""), "{answer}");
    assert!(server.wait(), "exit status 0; logs: {}", server.logs());
    assert!(server.logs().contains("shutting down"), "{}", server.logs());

    let conn = rusqlite::Connection::open(&db).unwrap();
    let refused: i64 = conn
        .query_row("SELECT COUNT(*) FROM audit_events WHERE action = 'token_refused'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(refused, 4, "every refusal is in the audit trail, the last one's too");
}
