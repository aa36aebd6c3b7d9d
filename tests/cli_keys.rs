//! The real `qscope` binary with RFC 8707 resources and JWT signing keys:
//! `qscope keys list|generate|rotate|retire` on the key file, `serve
//! --resource URI=jwt` issuing JWTs signed by the active key and serving the
//! JWKS, and the `[[resources]]` table validated with its key and reason.

mod cli_support;

use cli_support::{TempDir, qscope};
use qscope::Scopes;
use qscope::jose::JwkSet;
use qscope::resource::JwtAccessVerifier;

const API: &str = "https://api.example.com/";

/// One HTTP/1.1 request over a fresh connection: the status and the body.
fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
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
    (head.split(' ').nth(1).unwrap().parse().unwrap(), body.to_owned())
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[test]
fn keys_need_a_key_file() {
    let out = qscope(&["keys", "list"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "qscope: no key file is configured: set signing_keys.file (or --set signing_keys.file=PATH)\n"
    );
}

#[test]
fn keys_are_generated_rotated_listed_and_retired_and_the_server_signs_with_the_active_one() {
    let dir = TempDir::new("keys");
    let db = dir.path("qscope.sqlite3");
    let key_file = dir.path("signing-keys.json");
    let config = dir.file(
        "qscope.toml",
        &format!(
            "[signing_keys]\nfile = \"{key_file}\"\npublish_ahead = 3600\n\
             [scopes.read]\ndescription = \"Read\"\n"
        ),
    );
    let args = |extra: &[&str]| {
        let mut args: Vec<String> =
            ["--config", config.as_str(), "--db", db.as_str()].map(str::to_owned).to_vec();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    };
    let run = |extra: &[&str]| {
        let args = args(extra);
        qscope(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };

    let out = run(&["keys", "rotate"]);
    assert_eq!(stderr(&out), "qscope: the key file is empty: use `qscope keys generate` first\n");
    let out = run(&["keys", "generate", "--alg", "EdDSA"]);
    assert!(out.status.success(), "{out:?}");
    let first = stdout(&out);
    let first_kid = first.strip_prefix("generated ").unwrap().split(' ').next().unwrap().to_owned();
    assert_eq!(first, format!("generated {first_kid} (EdDSA), signing from now\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only the server's user reads the private keys");
    }
    let out = run(&["keys", "generate"]);
    assert_eq!(
        stderr(&out),
        "qscope: the key file already holds keys: use `qscope keys rotate` to add one\n"
    );
    let out = run(&["keys", "rotate", "--alg", "ES256"]);
    assert!(out.status.success(), "{out:?}");
    let second_kid =
        stdout(&out).strip_prefix("published ").unwrap().split(' ').next().unwrap().to_owned();
    assert!(stdout(&out).ends_with("(in 3600 s)\n"), "{}", stdout(&out));

    let listed = stdout(&run(&["keys", "list"]));
    let states: Vec<(&str, &str, &str)> = listed
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (fields[0], fields[1], fields[2])
        })
        .collect();
    assert_eq!(
        states,
        [(first_kid.as_str(), "EdDSA", "active"), (second_kid.as_str(), "ES256", "next")]
    );
    let out = run(&["keys", "retire", &first_kid]);
    assert_eq!(
        stderr(&out),
        format!(
            "qscope: {first_kid} is the active key: rotate first, and retire it once its successor signs\n"
        )
    );
    let out = run(&["keys", "retire", "no-such-kid"]);
    assert_eq!(stderr(&out), "qscope: no key no-such-kid in the key file\n");

    // The server: JWKS with both keys, JWTs for the jwt resource signed by
    // the active one.
    let serve = args(&["serve", "--resource", &format!("{API}=jwt")]);
    let server =
        cli_support::Server::start(&dir, &serve.iter().map(String::as_str).collect::<Vec<_>>());
    let out = run(&[
        "client",
        "create",
        "--id",
        "api-client",
        "--grant",
        "client_credentials",
        "--scope",
        "read",
    ]);
    let secret = stdout(&out)
        .lines()
        .find_map(|l| l.strip_prefix("CLIENT_SECRET=").map(str::to_owned))
        .expect("a secret");
    let (status, jwks) = http(server.addr, "GET", "/jwks", &[], "");
    assert_eq!(status, 200);
    let jwks = JwkSet::parse(&jwks).unwrap();
    let kids: Vec<&str> = jwks.keys().iter().filter_map(|k| k.kid()).collect();
    assert_eq!(kids.len(), 2, "next and active are published: {kids:?}");
    assert!(kids.contains(&first_kid.as_str()) && kids.contains(&second_kid.as_str()));

    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("api-client:{secret}"));
    let authorization = format!("Basic {basic}");
    let headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Authorization", authorization.as_str()),
    ];
    let body = "grant_type=client_credentials&scope=read&resource=https%3A%2F%2Fapi.example.com%2F";
    let (status, answer) = http(server.addr, "POST", "/token", &headers, body);
    assert_eq!(status, 200, "{answer}");
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["expires_in"], 300);
    let jwt = answer["access_token"].as_str().unwrap();
    let issuer = format!("http://{}", server.addr);
    let verifier = JwtAccessVerifier::new(jwks, issuer, API);
    let access = verifier
        .verify(jwt, &Scopes::from_names(["read"]), qscope::adapter::kit::now())
        .expect("the served JWKS verifies the token");
    assert_eq!(access.client_id, "api-client");
    let header = jwt.split('.').next().unwrap();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).unwrap();
    let header: serde_json::Value = serde_json::from_slice(&header).unwrap();
    assert_eq!(header["kid"], first_kid.as_str(), "the active key signs");
    let (status, answer) = http(
        server.addr,
        "POST",
        "/token",
        &headers,
        "grant_type=client_credentials&resource=https%3A%2F%2Fother.example.com%2F",
    );
    assert_eq!(status, 400);
    assert!(answer.contains("\"invalid_target\""), "{answer}");
    drop(server);
}

#[test]
fn resources_are_validated_with_their_key_and_listed_by_check_config() {
    let dir = TempDir::new("resources");
    let good = dir.file(
        "good.toml",
        "[scopes.read]\ndescription = \"Read\"\n\
         [[resources]]\nuri = \"https://api.example.com/\"\naccess_lifetime = 600\nscopes = [\"read\"]\n\
         [[resources]]\nuri = \"urn:example:ledger\"\n",
    );
    let out = qscope(&["check-config", "--config", &good]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout(&out).contains("\nresources: https://api.example.com/ urn:example:ledger\n"),
        "{}",
        stdout(&out)
    );
    let cases = [
        (
            "[[resources]]\nuri = \"https://a.example/\"\n[[resources]]\nuri = \"api\"\n",
            "qscope: config error: resources[1]: resource \"api\": is not an absolute URI (no scheme)\n",
        ),
        (
            "[[resources]]\nuri = \"https://a.example/#x\"\n",
            "qscope: config error: resources[0]: resource \"https://a.example/#x\": has a fragment\n",
        ),
        (
            "[[resources]]\nuri = \"https://a.example/\"\nformat = \"jwt\"\n",
            "qscope: config error: resources[0]: resource \"https://a.example/\": issues JWT access \
             tokens but no signing keys are configured\n",
        ),
        (
            "[[resources]]\nuri = \"https://a.example/\"\nformat = \"saml\"\n",
            "qscope: config error: resources[0].format: unknown variant `saml`, expected `opaque` or `jwt`\n",
        ),
    ];
    for (i, (text, expected)) in cases.into_iter().enumerate() {
        let file = dir.file(&format!("bad-{i}.toml"), text);
        let out = qscope(&["check-config", "--config", &file]);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert_eq!(stderr(&out), expected);
    }
    // The flag form: a final `=jwt` is the format; the flag needs keys too.
    let out = qscope(&["serve", "--resource", "https://a.example/=jwt", "--listen", "127.0.0.1:0"]);
    assert_eq!(
        stderr(&out),
        "qscope: config error: resources[0]: resource \"https://a.example/\": issues JWT access \
         tokens but no signing keys are configured\n"
    );
}
