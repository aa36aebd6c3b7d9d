//! The administration commands (`qscope client|scope|user|grant|purge`):
//! each works on the server's database, also while servers run on it, and
//! makes every change through the core's admin API or the store contract
//! (validated, committed under a precondition, with its audit event).
//!
//! The commands return what they print; errors are one line for the user.

mod clients;
mod grants;
mod keys;
mod users;

use std::fmt;

use crate::adapter::kit::context_for;
use crate::host::config::Settings;
use crate::host::database::Database;
use crate::host::passwords::Passwords;
use crate::store::{AsyncStore, Outcome, Transaction};
use crate::{Context, Server};

pub use clients::{ClientCommand, ScopeCommand};
pub use grants::GrantCommand;
pub use keys::{KeysCommand, keys};
pub use users::{UserCommand, read_password};

/// Why a command failed, as one line for the user.
#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    /// A failure saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error> From<E> for Failure {
    fn from(error: E) -> Self {
        Self(error.to_string())
    }
}

/// What a command needs: the core (for its policy), the database and a
/// context for the changes' audit events.
pub(crate) struct Admin {
    pub(crate) server: Server,
    pub(crate) store: Database,
    pub(crate) ctx: Context,
}

impl Admin {
    /// Opens the database `settings` names, which must exist.
    pub(crate) async fn open(settings: &Settings) -> Result<Self, Failure> {
        let issuer = settings.issuer_for(settings.listen);
        let server = Server::new(settings.core_config(&issuer)?);
        let store = Database::open_existing(settings).await?;
        let ctx = context_for(None, None)?;
        Ok(Self { server, store, ctx })
    }

    /// The core's admin API.
    pub(crate) fn core(&self) -> crate::admin::Admin<'_> {
        crate::admin::Admin::new(&self.server)
    }

    /// Applies `transaction`; a conflict is the failure `conflict`.
    pub(crate) async fn commit(
        &self,
        transaction: &Transaction,
        conflict: &str,
    ) -> Result<(), Failure> {
        match AsyncStore::apply(&self.store, transaction).await? {
            Outcome::Applied => Ok(()),
            Outcome::Conflict { .. } => Err(Failure::new(conflict)),
        }
    }
}

/// Runs `qscope client ...`.
pub async fn client(settings: &Settings, command: ClientCommand) -> Result<String, Failure> {
    clients::run(&Admin::open(settings).await?, command).await
}

/// Runs `qscope user ...`; `read_password` gives the password of `create`
/// and `set-password` (the binary passes [`read_password`]).
pub async fn user(
    settings: &Settings,
    command: UserCommand,
    read_password: impl FnOnce() -> Result<String, Failure>,
) -> Result<String, Failure> {
    let cost = settings.password_cost;
    let passwords = tokio::task::spawn_blocking(move || Passwords::new(cost, 1))
        .await
        .map_err(|_| Failure::new("preparing the password hasher failed"))??;
    users::run(&Admin::open(settings).await?, passwords, command, read_password).await
}

/// Runs `qscope grant ...`.
pub async fn grant(settings: &Settings, command: GrantCommand) -> Result<String, Failure> {
    grants::run(&Admin::open(settings).await?, command).await
}

/// Runs `qscope scope ...` (reads only the configuration).
pub fn scope(settings: &Settings, command: ScopeCommand) -> Result<String, Failure> {
    let issuer = settings.issuer_for(settings.listen);
    let server = Server::new(settings.core_config(&issuer)?);
    Ok(clients::scopes(&server, command))
}

/// Runs `qscope purge`: deletes what expired, and says how much.
pub async fn purge(settings: &Settings) -> Result<String, Failure> {
    let admin = Admin::open(settings).await?;
    let purged = admin.store.purge_expired(crate::adapter::kit::now()).await?;
    Ok(format!(
        "purged {} codes, {} tokens, {} pending authorizations, {} device grants\n",
        purged.codes, purged.tokens, purged.pending, purged.device_grants
    ))
}

/// Runs `qscope check-config`: the configuration is valid (it was read);
/// a summary of what it sets.
pub fn check_config(settings: &Settings) -> String {
    let issuer = settings.issuer_for(settings.listen);
    let database = match &settings.database {
        crate::host::config::DatabaseLocation::Sqlite(path) => {
            format!("SQLite {}", path.display())
        }
        crate::host::config::DatabaseLocation::Postgres(_) => "PostgreSQL".to_owned(),
    };
    let scopes: Vec<&str> = settings.policy.scopes.iter().map(|s| s.name.as_str()).collect();
    let resources: Vec<String> = settings
        .policy
        .resources
        .iter()
        .map(|r| match r.format {
            crate::TokenFormat::Jwt => format!("{} (jwt)", r.uri),
            _ => r.uri.clone(),
        })
        .collect();
    let grants: Vec<&str> = settings.policy.grants.iter().map(|g| g.as_str()).collect();
    format!(
        "configuration is valid\nissuer:   {issuer}\nlisten:   {}\ndatabase: {database}\n\
         grants:   {}\nscopes:   {}\nresources: {}\n",
        settings.listen,
        grants.join(" "),
        scopes.join(" "),
        if resources.is_empty() { "none".to_owned() } else { resources.join(" ") }
    )
}

/// Runs `qscope initial-access-token`: a fresh token, and the line for the
/// configuration that accepts it (only its hash is kept there).
pub fn initial_access_token() -> Result<String, Failure> {
    let token = crate::host::random::token();
    let hash = crate::SecretHash::of(&token);
    let hash = serde_json::to_value(hash)?;
    Ok(format!(
        "INITIAL_ACCESS_TOKEN={token}\n# add to [registration] initial_access_token_hashes:\n{hash}\n"
    ))
}
