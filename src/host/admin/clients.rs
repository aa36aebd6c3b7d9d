//! `qscope client ...` and `qscope scope list`.

use std::fmt::Write as _;

use clap::Subcommand;

use super::{Admin, Failure};
use crate::Server;
use crate::admin::{ClientChange, ClientSpec};
use crate::registration::ClientMetadata;
use crate::store::{AsyncStore, ClientRecord, GrantType, Query, Record};

/// `qscope client ...`.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Creates a client and prints its id and secret (shown only once) as
    /// shell assignments (`CLIENT_ID=...`, `CLIENT_SECRET=...`).
    Create(Create),
    /// Lists every client, one per line.
    List,
    /// Shows one client.
    Show {
        /// The client id (generated ids may start with `-`).
        #[arg(allow_hyphen_values = true)]
        client_id: String,
    },
    /// Changes a client: each option given replaces that member, the
    /// others stay.
    Update(Update),
    /// Deletes a client and revokes every token issued to it.
    Delete {
        /// The client id (generated ids may start with `-`).
        #[arg(allow_hyphen_values = true)]
        client_id: String,
    },
    /// Gives a confidential client a new secret; the old one stops working.
    RotateSecret {
        /// The client id (generated ids may start with `-`).
        #[arg(allow_hyphen_values = true)]
        client_id: String,
    },
}

/// `qscope scope ...`.
#[derive(Debug, Subcommand)]
pub enum ScopeCommand {
    /// Lists the scopes the configuration defines (name, description,
    /// whether granted by default).
    List,
}

/// `qscope client create`.
#[derive(Debug, clap::Args)]
pub struct Create {
    /// The client id (random when omitted).
    #[arg(long = "id", allow_hyphen_values = true)]
    client_id: Option<String>,
    /// A display name for consent pages.
    #[arg(long)]
    name: Option<String>,
    /// A grant type the client may use (repeatable): authorization_code,
    /// client_credentials, refresh_token, device_code, password.
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

/// `qscope client update`.
#[derive(Debug, clap::Args)]
pub struct Update {
    /// The client id (generated ids may start with `-`).
    #[arg(allow_hyphen_values = true)]
    client_id: String,
    /// A new display name.
    #[arg(long)]
    name: Option<String>,
    /// The grant types (repeatable; replaces the list).
    #[arg(long = "grant", value_name = "GRANT")]
    grants: Vec<String>,
    /// The scopes (repeatable; replaces the list).
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
    /// Allow no scope at all.
    #[arg(long, conflicts_with = "scopes")]
    no_scopes: bool,
    /// The redirect URIs (repeatable; replaces the list).
    #[arg(long = "redirect-uri", value_name = "URI")]
    redirect_uris: Vec<String>,
    /// Whether it may introspect every token.
    #[arg(long, value_name = "true|false")]
    resource_server: Option<bool>,
}

const CHANGED: &str = "the client changed or was deleted meanwhile; try again";

/// Runs one client command.
pub(super) async fn run(admin: &Admin, command: ClientCommand) -> Result<String, Failure> {
    let core = admin.core();
    let ctx = &admin.ctx;
    Ok(match command {
        ClientCommand::Create(create) => {
            let change = core.create_client(&spec(create), ctx)?;
            admin.commit(&change.transaction, "a client with this id exists").await?;
            credentials(&change)
        }
        ClientCommand::List => {
            let mut out = String::new();
            let mut after = None;
            loop {
                let query = crate::admin::Admin::list_clients(after.as_deref(), 100);
                let answers = AsyncStore::read(&admin.store, &[query]).await?;
                let page = crate::admin::Admin::page(&answers);
                for client in page {
                    out.push_str(&summary(client));
                }
                match page.last() {
                    Some(last) if page.len() == 100 => after = Some(last.client_id.clone()),
                    _ => break out,
                }
            }
        }
        ClientCommand::Show { client_id } => describe(&client(admin, &client_id).await?),
        ClientCommand::Update(update) => {
            let current = client(admin, &update.client_id).await?;
            let mut metadata = metadata_of(&current);
            if let Some(name) = update.name {
                metadata.client_name = Some(name);
            }
            if !update.grants.is_empty() {
                metadata.grant_types = Some(update.grants.iter().map(|g| grant_name(g)).collect());
            }
            if !update.scopes.is_empty() {
                metadata.scope = Some(update.scopes.join(" "));
            } else if update.no_scopes {
                metadata.scope = Some(String::new());
            }
            if !update.redirect_uris.is_empty() {
                metadata.redirect_uris = Some(update.redirect_uris);
            }
            let resource_server = update.resource_server.unwrap_or(current.resource_server);
            let change = core.update_client(&current, &metadata, resource_server, ctx)?;
            admin.commit(&change.transaction, CHANGED).await?;
            describe(&change.client)
        }
        ClientCommand::Delete { client_id } => {
            let current = client(admin, &client_id).await?;
            admin.commit(&core.delete_client(&current, ctx), CHANGED).await?;
            format!("deleted {client_id}\n")
        }
        ClientCommand::RotateSecret { client_id } => {
            let current = client(admin, &client_id).await?;
            let change = core.rotate_secret(&current, ctx)?;
            admin.commit(&change.transaction, CHANGED).await?;
            credentials(&change)
        }
    })
}

/// `qscope scope list`: the configured scopes.
pub(super) fn scopes(server: &Server, command: ScopeCommand) -> String {
    match command {
        ScopeCommand::List => crate::admin::Admin::new(server)
            .scopes()
            .iter()
            .map(|scope| {
                let default = if scope.default { " (default)" } else { "" };
                format!("{}\t{}{default}\n", scope.name, scope.description)
            })
            .collect(),
    }
}

fn spec(create: Create) -> ClientSpec {
    let token_endpoint_auth_method = if create.public {
        Some("none".into())
    } else if create.secret_post {
        Some("client_secret_post".into())
    } else {
        None
    };
    let metadata = ClientMetadata {
        client_name: create.name,
        grant_types: Some(create.grants.iter().map(|grant| grant_name(grant)).collect()),
        scope: (!create.scopes.is_empty()).then(|| create.scopes.join(" ")),
        redirect_uris: (!create.redirect_uris.is_empty()).then_some(create.redirect_uris),
        token_endpoint_auth_method,
        ..ClientMetadata::default()
    };
    ClientSpec {
        client_id: create.client_id,
        resource_server: create.resource_server,
        metadata,
        ..ClientSpec::default()
    }
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
    ClientMetadata {
        redirect_uris: non_empty(&record.redirect_uris),
        token_endpoint_auth_method: Some(record.auth_method.as_str().to_owned()),
        grant_types: Some(
            record.grant_types.iter().map(|grant| grant.as_str().to_owned()).collect(),
        ),
        scope: (!record.scopes.is_empty()).then(|| record.scopes.to_string()),
        client_name: record.name.clone(),
        client_uri: record.uri.clone(),
        logo_uri: record.logo_uri.clone(),
        contacts: non_empty(&record.contacts),
        software_id: record.software_id.clone(),
        software_version: record.software_version.clone(),
        ..ClientMetadata::default()
    }
}

async fn client(admin: &Admin, client_id: &str) -> Result<ClientRecord, Failure> {
    let query = Query::Client { client_id: client_id.to_owned() };
    let answers = AsyncStore::read(&admin.store, &[query]).await?;
    match answers.as_slice().first().and_then(|answer| answer.record.clone()) {
        Some(Record::Client(client)) => Ok(client),
        _ => Err(Failure::new(format!("no client {client_id}"))),
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
