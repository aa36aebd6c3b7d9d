//! `examples/protected_api.rs` against the real `qscope` binary: a client
//! gets a JWT for the API with client credentials and calls it (200); a
//! JWT for another resource is refused (401 `invalid_token`); the API
//! serves its RFC 9728 metadata; a revoked token introspects inactive at
//! the server while the offline API still accepts it until it expires.

mod cli_support;
#[allow(dead_code, reason = "the example's `main` is run by `cargo run`, not by this test")]
#[path = "../examples/protected_api.rs"]
mod example;

use axum::body::Body;
use base64::Engine as _;
use cli_support::{TempDir, qscope};
use http::Request;
use http_body_util::BodyExt;
use tower::ServiceExt;

const ISSUER: &str = "https://auth.example.test";
const API: &str = "https://api.example.test/reports";
const OTHER: &str = "https://billing.example.test/";

/// One HTTP/1.1 request to the qscope server: the status and the body.
fn http(addr: std::net::SocketAddr, path: &str, authorization: &str, body: &str) -> (u16, String) {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nAuthorization: {authorization}\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.split(' ').nth(1).unwrap().parse().unwrap(), body.to_owned())
}

async fn call_api(
    app: &axum::Router,
    path: &str,
    token: Option<&str>,
) -> (u16, Option<String>, String) {
    let request = Request::get(path);
    let request = match token {
        Some(token) => request.header("authorization", format!("Bearer {token}")),
        None => request,
    };
    let response = app.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let challenge =
        response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, challenge, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_calls_the_protected_api_with_a_jwt_from_the_server() {
    let dir = TempDir::new("protected-api");
    let db = dir.path("qscope.sqlite3");
    let keys = format!("signing_keys.file={}", dir.path("keys.json"));
    let global = ["--db", db.as_str(), "--issuer", ISSUER, "--set", keys.as_str()];
    fn with<'a>(global: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        [global, extra].concat()
    }
    assert!(qscope(&with(&global, &["keys", "generate", "--alg", "ES256"])).status.success());
    let api_flag = format!("{API}=jwt");
    let other_flag = format!("{OTHER}=jwt");
    let server = cli_support::Server::start(
        &dir,
        &with(&global, &["serve", "--resource", &api_flag, "--resource", &other_flag]),
    );
    let out = qscope(&with(
        &global,
        &[
            "client",
            "create",
            "--id",
            "reporter",
            "--grant",
            "client_credentials",
            "--scope",
            "read",
        ],
    ));
    let secret = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("CLIENT_SECRET=").map(str::to_owned))
        .expect("a client secret");
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("reporter:{secret}"))
    );
    let token_for = |resource: &str| {
        let body = format!(
            "grant_type=client_credentials&scope=read&resource={}",
            resource.replace(':', "%3A").replace('/', "%2F")
        );
        let (status, answer) = http(server.addr, "/token", &basic, &body);
        assert_eq!(status, 200, "{answer}");
        let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
        answer["access_token"].as_str().unwrap().to_owned()
    };

    // The API, with the server's JWKS.
    let jwks = example::fetch_jwks(server.addr).await.expect("the server serves its JWKS");
    let app = example::router(jwks, ISSUER, API).unwrap();

    let token = token_for(API);
    let (status, _, body) = call_api(&app, "/reports", Some(&token)).await;
    assert_eq!((status, body.as_str()), (200, "reports for reporter (scopes: read)\n"));

    let (status, challenge, _) = call_api(&app, "/reports", Some(&token_for(OTHER))).await;
    assert_eq!(status, 401);
    let challenge = challenge.unwrap();
    assert!(challenge.starts_with("Bearer realm="), "{challenge}");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert!(
        challenge.contains(
            "resource_metadata=\"https://api.example.test/.well-known/oauth-protected-resource/reports\""
        ),
        "{challenge}"
    );

    let (status, _, document) =
        call_api(&app, "/.well-known/oauth-protected-resource/reports", None).await;
    assert_eq!(status, 200);
    let document: serde_json::Value = serde_json::from_str(&document).unwrap();
    assert_eq!(document["resource"], API);
    assert_eq!(document["authorization_servers"], serde_json::json!([ISSUER]));

    // Revoked at the server: introspection says inactive at once; the API,
    // verifying offline, accepts the token until it expires.
    let (status, _) = http(server.addr, "/revoke", &basic, &format!("token={token}"));
    assert_eq!(status, 200);
    let (status, answer) = http(server.addr, "/introspect", &basic, &format!("token={token}"));
    assert_eq!((status, answer.as_str()), (200, r#"{"active":false}"#));
    let (status, _, _) = call_api(&app, "/reports", Some(&token)).await;
    assert_eq!(status, 200, "offline verification sees a revocation only at expiry");
    drop(server);
}
