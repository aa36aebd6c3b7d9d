//! The administrator's API: create, update, list and delete clients,
//! rotate their secrets and registration access tokens — for hosts and
//! command-line tools, outside any HTTP exchange.
//!
//! Each operation is pure: it validates, mints credentials from the
//! [`Context`]'s entropy, and returns a [`Transaction`] (preconditions,
//! effects and an audit event) that the host applies with
//! [`Store::apply`](crate::store::Store::apply). Operations on an existing
//! client take the record the host read (with [`Query::Client`]) and commit
//! under [`Precondition::ClientRevision`], so a change made in between makes
//! the transaction conflict instead of being overwritten. A new client
//! commits under [`Precondition::ClientAbsent`].
//!
//! Administrators validate metadata with the same rules as self-registration
//! (RFC 7591 §2, see [`crate::registration`]), but may grant every declared
//! scope and every enabled grant type, including `password` when enabled.
//!
//! **Scopes** are policy, not stored records: they are defined with
//! [`ConfigBuilder::scope`](crate::ConfigBuilder::scope) (name, description,
//! default) and take effect with a new [`Server`]; [`Admin::scopes`] lists
//! them. Keeping them in the validated, immutable [`Config`] means every
//! node agrees on them without a read per request.
//!
//! ```
//! use qscope::admin::{Admin, ClientSpec};
//! use qscope::store::{MemoryStore, Outcome, Store};
//! use qscope::{Config, Context, Entropy, Server, UnixTime};
//!
//! let server = Server::new(Config::builder("https://as.example.com").scope("reports", "", true).build()?);
//! let store = MemoryStore::new();
//! let ctx = Context::new(UnixTime::from_secs(1_700_000_000), Entropy::from_bytes([9; 32]));
//!
//! let mut spec = ClientSpec::default();
//! spec.client_id = Some("reporter".into());
//! spec.metadata.grant_types = Some(vec!["client_credentials".into()]);
//! spec.metadata.scope = Some("reports".into());
//! let change = Admin::new(&server).create_client(&spec, &ctx)?;
//! assert_eq!(store.apply(&change.transaction)?, Outcome::Applied);
//! let secret = change.secret.expect("confidential by default");
//! assert!(store.client("reporter").unwrap().secret_hash.unwrap().verify(secret.expose()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use crate::registration::{
    Allowance, ClientMetadata, MetadataError, new_client, new_client_id, new_client_secret,
    new_registration_token, replaced,
};
use crate::secret::{ClientSecret, TokenHash};
use crate::store::{
    Answers, AuditAction, AuditEvent, ClientRecord, Effect, Precondition, Query, Record,
    Registrant, Transaction,
};
use crate::{Config, Context, ScopeDefinition, Server};

/// The longest client id an administrator may choose.
pub const MAX_CLIENT_ID_BYTES: usize = 128;

/// Administrative operations under one server's policy.
#[derive(Clone, Copy, Debug)]
pub struct Admin<'a> {
    config: &'a Config,
}

/// A client an administrator creates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientSpec {
    /// The client's metadata, validated as in RFC 7591 §2 (defaults
    /// included: without `token_endpoint_auth_method` the client is
    /// confidential with `client_secret_basic`).
    pub metadata: ClientMetadata,
    /// The client id to use: 1 to [`MAX_CLIENT_ID_BYTES`] characters from
    /// `%x21-7E`; a fresh random one when `None`.
    pub client_id: Option<String>,
    /// Whether the client is a resource server that may introspect tokens.
    pub resource_server: bool,
    /// Whether to mint a registration access token so the client can manage
    /// itself at its registration client URI (RFC 7592).
    pub registration_access_token: bool,
}

/// A change to one client: the record as it will be stored, the
/// credentials minted for it (in clear, to hand over once), and the
/// transaction to apply.
#[derive(Debug)]
#[must_use = "the transaction must be applied"]
pub struct ClientChange {
    /// The client record the transaction stores.
    pub client: ClientRecord,
    /// A newly minted client secret.
    pub secret: Option<ClientSecret>,
    /// A newly minted registration access token.
    pub registration_access_token: Option<RegistrationAccessToken>,
    /// Apply with [`Store::apply`](crate::store::Store::apply); a
    /// [`Conflict`](crate::store::Outcome::Conflict) means the client was
    /// changed or deleted since it was read (or, on creation, that the id is
    /// taken) and nothing was applied.
    pub transaction: Transaction,
}

/// A registration access token in clear (RFC 7592 §3). Stored only as its
/// hash; `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct RegistrationAccessToken(String);

impl RegistrationAccessToken {
    /// The token in clear, to hand to the client once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RegistrationAccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RegistrationAccessToken(<redacted>)")
    }
}

/// Why an administrative operation cannot be done.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// The metadata breaks a registration rule.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// The chosen client id is empty, too long, or has characters outside `%x21-7E`.
    #[error("client id must be 1 to {MAX_CLIENT_ID_BYTES} characters from %x21-7E")]
    ClientId,
    /// The client is public and has no secret to rotate.
    #[error("a public client has no secret to rotate")]
    PublicClient,
}

impl<'a> Admin<'a> {
    /// Operations under `server`'s policy.
    pub fn new(server: &'a Server) -> Self {
        Self { config: server.config() }
    }

    /// The scopes the server knows (defined in the [`Config`]).
    pub fn scopes(&self) -> &'a [ScopeDefinition] {
        self.config.scopes()
    }

    /// Creates a client: validates `spec`, mints its id (unless chosen),
    /// its secret (confidential clients) and, when asked, its registration
    /// access token. The client is an administrator's
    /// ([`Registrant::Administrator`]): its redirect URIs are trusted.
    /// Commits under [`Precondition::ClientAbsent`] with a
    /// [`AuditAction::ClientCreated`] event.
    pub fn create_client(
        &self,
        spec: &ClientSpec,
        ctx: &Context,
    ) -> Result<ClientChange, AdminError> {
        let client_id = match &spec.client_id {
            Some(id) if is_client_id(id) => id.clone(),
            Some(_) => return Err(AdminError::ClientId),
            None => new_client_id(&ctx.entropy),
        };
        let settings =
            spec.metadata.validate(self.config, &Allowance::administrator(self.config))?;
        let manageable = spec.registration_access_token;
        let mut made = new_client(client_id, settings, ctx, Registrant::Administrator, manageable);
        made.record.resource_server = spec.resource_server;
        let client_id = made.record.client_id.clone();
        let event = audit(ctx, AuditAction::ClientCreated, &client_id);
        let preconditions = vec![Precondition::ClientAbsent { client_id }];
        let token = made.registration_token.map(|t| t.0);
        Ok(change(made.record, made.secret, token, preconditions, event))
    }

    /// Replaces `current`'s metadata with `metadata` (RFC 7592 §2.2
    /// semantics: omitted members reset to their defaults) and sets its
    /// resource-server flag. The secret is kept, issued when a public client
    /// becomes confidential, or dropped when it becomes public. Who
    /// registered the client ([`Registrant`]) is kept too: an update does
    /// not vouch for a self-registered client's redirect URIs.
    pub fn update_client(
        &self,
        current: &ClientRecord,
        metadata: &ClientMetadata,
        resource_server: bool,
        ctx: &Context,
    ) -> Result<ClientChange, AdminError> {
        let settings = metadata.validate(self.config, &Allowance::administrator(self.config))?;
        let (mut record, secret) = replaced(current, settings, ctx);
        record.resource_server = resource_server;
        let event = audit(ctx, AuditAction::ClientUpdated, &current.client_id);
        Ok(change(record, secret, None, revision(current), event))
    }

    /// Replaces a confidential client's secret with a fresh one; the old
    /// secret stops working when the transaction applies.
    pub fn rotate_secret(
        &self,
        current: &ClientRecord,
        ctx: &Context,
    ) -> Result<ClientChange, AdminError> {
        if current.is_public() {
            return Err(AdminError::PublicClient);
        }
        let secret = new_client_secret(&ctx.entropy);
        let mut record = next_revision(current);
        record.secret_hash = Some(secret.hash());
        let event = audit(ctx, AuditAction::ClientSecretRotated, &current.client_id);
        Ok(change(record, Some(secret), None, revision(current), event))
    }

    /// Mints a new registration access token for `current` (RFC 7592 App.
    /// A.1); the old one stops working when the transaction applies. Also
    /// gives a client created without one the means to manage itself.
    pub fn rotate_registration_token(&self, current: &ClientRecord, ctx: &Context) -> ClientChange {
        let token = new_registration_token(&ctx.entropy);
        let mut record = next_revision(current);
        record.registration_token_hash = Some(TokenHash::of(&token));
        let event = audit(ctx, AuditAction::RegistrationTokenRotated, &current.client_id);
        change(record, None, Some(token), revision(current), event)
    }

    /// Deletes `current` and revokes every token issued to it, in one
    /// transaction with a [`AuditAction::ClientDeleted`] event.
    pub fn delete_client(&self, current: &ClientRecord, ctx: &Context) -> Transaction {
        Transaction {
            preconditions: revision(current),
            effects: vec![
                Effect::DeleteClient { client_id: current.client_id.clone(), at: ctx.now },
                Effect::AppendAudit(audit(ctx, AuditAction::ClientDeleted, &current.client_id)),
            ],
        }
    }

    /// The query for one page of clients: those after `after` in
    /// `client_id` order, at most `limit`. Read it with
    /// [`Store::read`](crate::store::Store::read) and take the page with
    /// [`Admin::page`].
    pub fn list_clients(after: Option<&str>, limit: u32) -> Query {
        Query::Clients { after: after.map(str::to_owned), limit }
    }

    /// The clients in the answer to a [`Admin::list_clients`] query (the
    /// first answer of `answers`); empty when there is none.
    pub fn page(answers: &Answers) -> &[ClientRecord] {
        match answers.as_slice().first().and_then(|a| a.record.as_ref()) {
            Some(Record::Clients(page)) => page,
            _ => &[],
        }
    }
}

fn is_client_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_CLIENT_ID_BYTES
        && id.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

fn next_revision(current: &ClientRecord) -> ClientRecord {
    let mut record = current.clone();
    record.revision = current.revision.wrapping_add(1);
    record
}

fn revision(current: &ClientRecord) -> Vec<Precondition> {
    vec![Precondition::ClientRevision {
        client_id: current.client_id.clone(),
        revision: current.revision,
    }]
}

fn audit(ctx: &Context, action: AuditAction, client_id: &str) -> AuditEvent {
    AuditEvent {
        at: ctx.now,
        request_id: ctx.request_id,
        peer: ctx.peer,
        action,
        client_id: Some(client_id.to_owned()),
        subject: None,
        grant_type: None,
        family: None,
        error: None,
        reason: None,
    }
}

fn change(
    client: ClientRecord,
    secret: Option<ClientSecret>,
    registration_token: Option<String>,
    preconditions: Vec<Precondition>,
    event: AuditEvent,
) -> ClientChange {
    let transaction = Transaction {
        preconditions,
        effects: vec![Effect::PutClient(client.clone()), Effect::AppendAudit(event)],
    };
    ClientChange {
        client,
        secret,
        registration_access_token: registration_token.map(RegistrationAccessToken),
        transaction,
    }
}
