//! The token endpoint as a tower service served by hyper on tokio, over
//! an in-memory store seeded with one confidential client.
//!
//! ```text
//! cargo run --release --features tower --example tower_server -- --addr 127.0.0.1:8082
//! ```

use std::sync::Arc;

use http::Request;
use hyper_util::rt::TokioIo;
use qscope::adapter::tower::OAuthService;
use qscope::store::{ClientAuthMethod, ClientRecord, GrantType, MemoryStore};
use qscope::{ClientSecret, Config, Scopes, Server};
#[allow(
    clippy::disallowed_types,
    reason = "the example is the host: it mints the client secret"
)]
use rand_core::{OsRng, TryRngCore};
use tower::ServiceExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr = match (args.next().as_deref(), args.next()) {
        (None, _) => String::from("127.0.0.1:8082"),
        (Some("--addr"), Some(addr)) => addr,
        _ => return Err("usage: tower_server [--addr HOST:PORT]".into()),
    };

    let config =
        Config::builder(format!("http://{addr}")).scope("reports", "Read reports", true).build()?;
    let store = Arc::new(MemoryStore::new());
    let mut seed = [0u8; 32];
    OsRng.try_fill_bytes(&mut seed)?;
    let secret = ClientSecret::from_entropy(&seed);
    store.insert_client(
        ClientRecord::confidential(
            "demo-client",
            secret.hash(),
            ClientAuthMethod::ClientSecretBasic,
        )
        .with_grants([GrantType::ClientCredentials])
        .with_scopes(Scopes::from_names(["reports"])),
    );
    let service = OAuthService::new(Server::new(config), store);

    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let url = format!("http://{}/token", listener.local_addr()?);
    println!("token endpoint: {url}");
    println!("client_id:      demo-client");
    println!("client_secret:  {}", secret.expose());
    println!("try: curl -u demo-client:{} -d grant_type=client_credentials {url}", secret.expose());
    loop {
        let (stream, peer) = listener.accept().await?;
        let service = service.clone();
        // The peer address goes into the request's extensions, where the
        // service looks for it.
        let per_request = hyper::service::service_fn(move |mut request: Request<_>| {
            request.extensions_mut().insert(peer);
            service.clone().oneshot(request)
        });
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(std::time::Duration::from_secs(10))
                .serve_connection(TokioIo::new(stream), per_request)
                .await;
        });
    }
}
