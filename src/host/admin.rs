//! The admin tool's command line and commands, callable in-process (the
//! demo server's tests drive them).

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Subcommand;

use crate::Server;
use crate::adapter::context::context_for;
use crate::admin::{Admin, ClientChange, ClientSpec};
use crate::registration::ClientMetadata;
use crate::store::{AsyncStore, ClientRecord, GrantType, Outcome, Query, Record, Transaction};

use crate::host::database::Database;
use crate::host::policy;

/// The options of `qscope client`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The SQLite database file of the server.
    #[arg(long, default_value = "qscope-demo.sqlite3")]
    db: PathBuf,
    /// The server's PostgreSQL database instead of SQLite.
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// The server's issuer (it names the registration client URI only).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    issuer: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Creates a client and prints its id and secret (shown only once).
    Create(Create),
    /// Lists every client.
    List,
    /// Shows one client.
    Show {
        /// The client id.
        client_id: String,
    },
    /// Deletes a client and revokes every token issued to it.
    Delete {
        /// The client id.
        client_id: String,
    },
    /// Gives a confidential client a new secret; the old one stops working.
    RotateSecret {
        /// The client id.
        client_id: String,
    },
    /// Lists the scopes the server defines.
    Scopes,
    /// Replaces the scopes a client may ask for.
    SetScopes {
        /// The client id.
        client_id: String,
        /// The scopes (none: the client may ask for none).
        scopes: Vec<String>,
    },
}

#[derive(Debug, clap::Args)]
struct Create {
    /// The client id (random when omitted).
    #[arg(long = "id")]
    client_id: Option<String>,
    /// A display name for consent pages.
    #[arg(long)]
    name: Option<String>,
    /// A grant type the client may use (repeatable): authorization_code,
    /// client_credentials, refresh_token, device_code.
    #[arg(long = "grant", value_name = "GRANT", default_value = "authorization_code")]
    grants: Vec<String>,
    /// A scope the client may ask for (repeatable).
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
    /// A redirect URI (repeatable; needed for authorization_code).
    #[arg(long = "redirect-uri", value_name = "URI")]
    redirect_uris: Vec<String>,
    /// A public client (no secret; PKCE only).
    #[arg(long)]
    public: bool,
    /// Authenticate with client_secret_post instead of client_secret_basic.
    #[arg(long, conflicts_with = "public")]
    secret_post: bool,
    /// May introspect every token, not only its own (a resource server).
    #[arg(long)]
    resource_server: bool,
}

/// What went wrong, for the user.
pub type Failure = Box<dyn std::error::Error>;

/// Runs one command; returns what it prints.
pub async fn run(args: Args) -> Result<String, Failure> {
    let server = Server::new(policy::config(&args.issuer, false)?);
    let admin = Admin::new(&server);
    let store = Database::open(&args.db, args.postgres.as_deref(), true).await?;
    let ctx = context_for(None, None)?;
    let out = match args.command {
        Command::Create(create) => {
            let change = admin.create_client(&spec(create), &ctx)?;
            commit(&store, &change.transaction, "a client with this id exists").await?;
            credentials(&change)
        }
        Command::List => {
            let mut out = String::new();
            let mut after = None;
            loop {
                let answers =
                    AsyncStore::read(&store, &[Admin::list_clients(after.as_deref(), 100)]).await?;
                let page = Admin::page(&answers);
                for client in page {
                    out.push_str(&summary(client));
                }
                match page.last() {
                    Some(last) if page.len() == 100 => after = Some(last.client_id.clone()),
                    _ => break out,
                }
            }
        }
        Command::Show { client_id } => describe(&client(&store, &client_id).await?),
        Command::Delete { client_id } => {
            let current = client(&store, &client_id).await?;
            commit(&store, &admin.delete_client(&current, &ctx), CHANGED).await?;
            format!("deleted {client_id}\n")
        }
        Command::RotateSecret { client_id } => {
            let current = client(&store, &client_id).await?;
            let change = admin.rotate_secret(&current, &ctx)?;
            commit(&store, &change.transaction, CHANGED).await?;
            credentials(&change)
        }
        Command::Scopes => admin
            .scopes()
            .iter()
            .map(|scope| {
                let default = if scope.default { " (default)" } else { "" };
                format!("{}\t{}{default}\n", scope.name, scope.description)
            })
            .collect(),
        Command::SetScopes { client_id, scopes } => {
            let current = client(&store, &client_id).await?;
            let mut metadata = metadata_of(&current);
            metadata.scope = Some(scopes.join(" "));
            let change = admin.update_client(&current, &metadata, current.resource_server, &ctx)?;
            commit(&store, &change.transaction, CHANGED).await?;
            describe(&change.client)
        }
    };
    Ok(out)
}

const CHANGED: &str = "the client changed or was deleted meanwhile; try again";

fn spec(create: Create) -> ClientSpec {
    let mut spec = ClientSpec::default();
    spec.client_id = create.client_id;
    spec.resource_server = create.resource_server;
    let metadata = &mut spec.metadata;
    metadata.client_name = create.name;
    metadata.grant_types = Some(create.grants.iter().map(|grant| grant_name(grant)).collect());
    metadata.scope = (!create.scopes.is_empty()).then(|| create.scopes.join(" "));
    metadata.redirect_uris = (!create.redirect_uris.is_empty()).then_some(create.redirect_uris);
    metadata.token_endpoint_auth_method = if create.public {
        Some("none".into())
    } else if create.secret_post {
        Some("client_secret_post".into())
    } else {
        None
    };
    spec
}

/// `device_code` is short for the device grant's URN.
fn grant_name(grant: &str) -> String {
    match grant {
        "device_code" => GrantType::DeviceCode.as_str().to_owned(),
        other => other.to_owned(),
    }
}

/// The metadata `record` was registered with, for an update that changes
/// one member and keeps the rest.
fn metadata_of(record: &ClientRecord) -> ClientMetadata {
    let non_empty = |list: &[String]| (!list.is_empty()).then(|| list.to_vec());
    let mut metadata = ClientMetadata::default();
    metadata.redirect_uris = non_empty(&record.redirect_uris);
    metadata.token_endpoint_auth_method = Some(record.auth_method.as_str().to_owned());
    metadata.grant_types =
        Some(record.grant_types.iter().map(|grant| grant.as_str().to_owned()).collect());
    metadata.scope = (!record.scopes.is_empty()).then(|| record.scopes.to_string());
    metadata.client_name.clone_from(&record.name);
    metadata.client_uri.clone_from(&record.uri);
    metadata.logo_uri.clone_from(&record.logo_uri);
    metadata.contacts = non_empty(&record.contacts);
    metadata.software_id.clone_from(&record.software_id);
    metadata.software_version.clone_from(&record.software_version);
    metadata
}

async fn client(store: &Database, client_id: &str) -> Result<ClientRecord, Failure> {
    let answers =
        AsyncStore::read(store, &[Query::Client { client_id: client_id.to_owned() }]).await?;
    match answers.as_slice().first().and_then(|answer| answer.record.clone()) {
        Some(Record::Client(client)) => Ok(client),
        _ => Err(format!("no client {client_id}").into()),
    }
}

async fn commit(
    store: &Database,
    transaction: &Transaction,
    conflict: &str,
) -> Result<(), Failure> {
    match AsyncStore::apply(store, transaction).await? {
        Outcome::Applied => Ok(()),
        Outcome::Conflict { .. } => Err(conflict.into()),
    }
}

/// Credentials as shell assignments, so a script can `eval` them.
fn credentials(change: &ClientChange) -> String {
    let mut out = format!("CLIENT_ID={}\n", shell_quote(&change.client.client_id));
    if let Some(secret) = &change.secret {
        out.push_str(&format!("CLIENT_SECRET={}\n", secret.expose()));
    }
    out
}

/// `text` as one shell word: bare when it is plainly safe, else single-quoted.
fn shell_quote(text: &str) -> String {
    let plain = text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:/@".contains(&b));
    if plain { text.to_owned() } else { format!("'{}'", text.replace('\'', r"'\''")) }
}

fn summary(client: &ClientRecord) -> String {
    let kind = if client.is_public() { "public" } else { "confidential" };
    let grants: Vec<&str> = client.grant_types.iter().map(|g| g.as_str()).collect();
    format!(
        "{}\t{kind}\tgrants={}\tscope={}\t{}\n",
        client.client_id,
        grants.join(","),
        client.scopes,
        client.name.as_deref().unwrap_or("")
    )
}

fn describe(client: &ClientRecord) -> String {
    let grants: Vec<&str> = client.grant_types.iter().map(|g| g.as_str()).collect();
    let mut out = String::new();
    let mut line = |label: &str, value: &dyn std::fmt::Display| {
        let _ = writeln!(out, "{label:<16} {value}");
    };
    line("client_id:", &client.client_id);
    line("name:", &client.name.as_deref().unwrap_or("-"));
    line("auth method:", &client.auth_method.as_str());
    line("grants:", &grants.join(" "));
    line("scope:", &client.scopes);
    line("redirect URIs:", &client.redirect_uris.join(" "));
    line("resource server:", &client.resource_server);
    line("registered by:", &client.registrant.as_str());
    line("created at:", &client.created_at.as_secs());
    out
}
