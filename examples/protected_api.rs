//! A protected API in axum that checks the qscope server's JWT access
//! tokens on its own: `ProtectLayer` with the offline `JwtAccessVerifier`
//! over a snapshot of the server's JWKS, RFC 9728 metadata at
//! `/.well-known/oauth-protected-resource/...`, and the RFC 6750 challenges.
//!
//! Run a qscope server with a JWT resource, then the API:
//!
//! ```text
//! qscope --set signing_keys.file=keys.json keys generate
//! qscope --set signing_keys.file=keys.json --issuer https://auth.example.test \
//!     serve --resource https://api.example.test/reports=jwt --listen 127.0.0.1:8080
//! qscope client create --id reporter --grant client_credentials --scope read
//! cargo run --features server --example protected_api -- \
//!     127.0.0.1:8080 https://auth.example.test https://api.example.test/reports 127.0.0.1:8090
//! curl -u reporter:SECRET -d grant_type=client_credentials -d scope=read \
//!     -d resource=https://api.example.test/reports http://127.0.0.1:8080/token
//! curl -H 'authorization: Bearer JWT' http://127.0.0.1:8090/reports
//! ```
//!
//! The JWKS is read once at start over plain HTTP (a local server; fetch it
//! over https from anything else, and again when a `kid` is unknown or on
//! the server's rotation schedule). A revoked token is still accepted here
//! until it expires: offline verification cannot see revocation, which is
//! why qscope's JWTs live 5 minutes by default.

use std::net::SocketAddr;

use axum::routing::get;
use axum::{Extension, Router};
use qscope::adapter::protect::ProtectLayer;
use qscope::jose::JwkSet;
use qscope::resource::{JwtAccessVerifier, ProtectedResource};
use qscope::{Access, Scopes};

/// The scope the API needs.
pub(crate) const READ: &str = "read";

/// The API for `resource`: `/reports` behind the layer, which also serves
/// the resource's metadata. Tokens must be JWTs of `issuer` signed by a key
/// of `jwks`, for `resource`, with scope `read`.
pub(crate) fn router(
    jwks: JwkSet,
    issuer: &str,
    resource: &str,
) -> Result<Router, Box<dyn std::error::Error>> {
    let metadata = ProtectedResource::new(resource)?
        .with_authorization_server(issuer)?
        .with_scopes(Scopes::from_names([READ]))
        .with_name("Reports API")?;
    let verifier =
        JwtAccessVerifier::new(jwks, issuer, resource).with_bearer_policy(metadata.bearer_policy());
    let layer = ProtectLayer::new(verifier, Scopes::from_names([READ])).with_metadata(&metadata);
    let path = metadata.metadata_path();
    Ok(Router::new()
        .route("/reports", get(reports))
        // The layer answers its metadata path itself; the route only exists
        // so the router sends the request through the layer.
        .route(&path, get(reports))
        .layer(layer))
}

/// The protected route: the layer put the token's `Access` in the request.
async fn reports(Extension(access): Extension<Access>) -> String {
    format!("reports for {} (scopes: {})\n", access.client_id, access.scopes)
}

/// The JWKS document of the qscope server at `server` (plain HTTP/1.1 GET
/// of `/jwks`).
pub(crate) async fn fetch_jwks(server: SocketAddr) -> Result<JwkSet, Box<dyn std::error::Error>> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(server).await?;
    let request = format!("GET /jwks HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.take(1 << 20).read_to_end(&mut response).await?;
    let response = String::from_utf8(response)?;
    let (head, body) = response.split_once("\r\n\r\n").ok_or("no HTTP response")?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(format!("GET /jwks answered {}", head.lines().next().unwrap_or("")).into());
    }
    Ok(JwkSet::parse(body)?)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [server, issuer, resource, listen] = args.as_slice() else {
        return Err("usage: protected_api SERVER_ADDR ISSUER RESOURCE LISTEN_ADDR".into());
    };
    let jwks = fetch_jwks(server.parse()?).await?;
    let app = router(jwks, issuer, resource)?;
    let listener = tokio::net::TcpListener::bind(listen.as_str()).await?;
    println!("protected API on http://{}", listener.local_addr()?);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await?;
    Ok(())
}
