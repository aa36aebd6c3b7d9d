//! The token endpoint on the blocking adapter: plain threads, no async
//! runtime, an in-memory store seeded with one confidential client.
//!
//! ```text
//! cargo run --release --features blocking --example blocking_server -- --addr 127.0.0.1:8081 --workers 8
//! ```

use std::sync::Arc;

use qscope::adapter::blocking::HttpServer;
use qscope::store::{ClientAuthMethod, ClientRecord, GrantType, MemoryStore};
use qscope::{ClientSecret, Config, Scopes, Server};
#[allow(
    clippy::disallowed_types,
    reason = "the example is the host: it mints the client secret"
)]
use rand_core::{OsRng, TryRngCore};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut addr = String::from("127.0.0.1:8081");
    let mut workers = 8;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match (flag.as_str(), args.next()) {
            ("--addr", Some(value)) => addr = value,
            ("--workers", Some(value)) => workers = value.parse()?,
            _ => return Err("usage: blocking_server [--addr HOST:PORT] [--workers N]".into()),
        }
    }

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

    let running = HttpServer::new(Server::new(config), store).workers(workers).bind(&addr)?;
    let url = format!("http://{}/token", running.local_addr());
    println!("token endpoint: {url}");
    println!("client_id:      demo-client");
    println!("client_secret:  {}", secret.expose());
    println!("try: curl -u demo-client:{} -d grant_type=client_credentials {url}", secret.expose());
    running.wait();
    Ok(())
}
