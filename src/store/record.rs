//! The records the store keeps: clients, authorization codes, tokens and
//! pending authorization requests.
//!
//! Every secret appears here only as its hash. Records are plain data with
//! public fields so a backend can map them to rows one to one.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::account::AccountRecord;
use super::consent::ConsentRecord;
use super::session::SessionRecord;
use crate::secret::{SecretHash, TokenHash};
use crate::{Scopes, UnixTime};

/// A grant type (RFC 6749 §4, RFC 8628 §3.4).
#[expect(
    clippy::exhaustive_enums,
    reason = "a backend stores every value of this kind and must be able to store each one: a new value must break its build, not fall into a `_` arm"
)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GrantType {
    /// `authorization_code` (with PKCE).
    #[serde(rename = "authorization_code")]
    AuthorizationCode,
    /// `client_credentials`.
    #[serde(rename = "client_credentials")]
    ClientCredentials,
    /// `refresh_token`.
    #[serde(rename = "refresh_token")]
    RefreshToken,
    /// `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628).
    #[serde(rename = "urn:ietf:params:oauth:grant-type:device_code")]
    DeviceCode,
    /// `password` (RFC 6749 §4.3; off unless enabled).
    #[serde(rename = "password")]
    Password,
}

impl GrantType {
    /// Every grant type, in the order metadata lists them.
    pub const ALL: [Self; 5] = [
        Self::AuthorizationCode,
        Self::ClientCredentials,
        Self::RefreshToken,
        Self::DeviceCode,
        Self::Password,
    ];

    /// The `grant_type` value on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::ClientCredentials => "client_credentials",
            Self::RefreshToken => "refresh_token",
            Self::DeviceCode => "urn:ietf:params:oauth:grant-type:device_code",
            Self::Password => "password",
        }
    }

    /// The grant type named `value`, if it is one.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == value)
    }
}

impl fmt::Display for GrantType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a client authenticates at the token endpoint (RFC 7591 §2).
#[expect(
    clippy::exhaustive_enums,
    reason = "a backend stores every value of this kind and must be able to store each one: a new value must break its build, not fall into a `_` arm"
)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthMethod {
    /// HTTP Basic with the form-urlencoded id and secret (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// A public client: it sends only `client_id` and must use PKCE.
    None,
}

impl ClientAuthMethod {
    /// The method's registered name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::None => "none",
        }
    }
}

/// Who registered a client, which decides whether its redirect URIs are
/// trusted before the user has authenticated (RFC 9700 §4.11.2).
///
/// An administrator's client (made with [`crate::admin`] or stored by the
/// host itself) has redirect URIs someone vouched for: an invalid
/// authorization request is redirected to it with the error (RFC 6749
/// §4.1.2.1). A client that registered itself (RFC 7591) may have named
/// any site: unless
/// [`ConfigBuilder::trust_self_registered_redirects`](crate::ConfigBuilder::trust_self_registered_redirects)
/// says otherwise, its invalid requests are answered directly to the user
/// agent, and only a request the user has signed in to and decided on is
/// sent back to it.
#[expect(
    clippy::exhaustive_enums,
    reason = "a backend stores every value of this kind and must be able to store each one: a new value must break its build, not fall into a `_` arm"
)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Registrant {
    /// Made by the server's administrator or host.
    Administrator,
    /// Registered by the client itself at the registration endpoint.
    SelfRegistered,
}

impl Registrant {
    /// The stable name, for storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Administrator => "administrator",
            Self::SelfRegistered => "self_registered",
        }
    }

    /// What a stored record that does not say is taken for: self-registered,
    /// the answer that trusts nothing it cannot vouch for.
    fn unknown() -> Self {
        Self::SelfRegistered
    }
}

/// A registered client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRecord {
    /// The client identifier.
    pub client_id: String,
    /// The hash of the client secret; `None` for public clients.
    pub secret_hash: Option<SecretHash>,
    /// The one authentication method the client may use.
    pub auth_method: ClientAuthMethod,
    /// Registered redirect URIs, compared as exact strings.
    pub redirect_uris: Vec<String>,
    /// The grant types the client may use.
    pub grant_types: Vec<GrantType>,
    /// The scopes the client may be granted.
    pub scopes: Scopes,
    /// A name to show on consent pages.
    pub name: Option<String>,
    /// The client's home page, for consent pages.
    pub uri: Option<String>,
    /// Whether the client is a resource server that may introspect any token.
    pub resource_server: bool,
    /// Whether the client may start authorization requests only through
    /// the pushed authorization request endpoint (RFC 9126 §6,
    /// `require_pushed_authorization_requests`). Absent in stored data
    /// means `false`.
    #[serde(default)]
    pub require_par: bool,
    /// When the client was registered.
    /// When the client was registered (`client_id_issued_at`, RFC 7591 §3.2.1).
    pub created_at: UnixTime,
    /// A logo for consent pages (RFC 7591 §2 `logo_uri`).
    #[serde(default)]
    pub logo_uri: Option<String>,
    /// Ways to contact the people responsible for the client (RFC 7591 §2).
    #[serde(default)]
    pub contacts: Vec<String>,
    /// The client software's identifier (RFC 7591 §2 `software_id`).
    #[serde(default)]
    pub software_id: Option<String>,
    /// The client software's version (RFC 7591 §2 `software_version`).
    #[serde(default)]
    pub software_version: Option<String>,
    /// SHA-256 of the registration access token (RFC 7592 §3) that manages
    /// this client at its registration client URI; `None` when the client
    /// cannot manage itself (e.g. created by an administrator). Unique among
    /// clients: [`Query::ClientByRegistrationToken`](super::Query) finds the
    /// client by it.
    #[serde(default)]
    pub registration_token_hash: Option<TokenHash>,
    /// Optimistic-concurrency counter: every change the core makes to a
    /// client stores the revision it read plus one, under
    /// [`Precondition::ClientRevision`](super::Precondition) for the one it
    /// read. Backends store it as given.
    #[serde(default)]
    pub revision: u64,
    /// Who registered the client. [`ClientRecord::public`] and
    /// [`ClientRecord::confidential`] make an administrator's client; the
    /// registration endpoint stores [`Registrant::SelfRegistered`]. Absent
    /// in stored data means `SelfRegistered`, the safe reading of a record
    /// of unknown origin (the SQL stores' schema v2 migration instead reads
    /// a version 1 row with a registration access token as self-registered
    /// and any other as an administrator's).
    #[serde(default = "Registrant::unknown")]
    pub registrant: Registrant,
}

impl ClientRecord {
    /// A confidential client with the given secret hash and method
    /// (`ClientSecretBasic` or `ClientSecretPost`).
    pub fn confidential(
        client_id: impl Into<String>,
        secret_hash: SecretHash,
        auth_method: ClientAuthMethod,
    ) -> Self {
        debug_assert!(
            auth_method != ClientAuthMethod::None,
            "confidential clients need a secret method"
        );
        Self::with(client_id.into(), Some(secret_hash), auth_method)
    }

    /// A public client (authentication method `none`).
    pub fn public(client_id: impl Into<String>) -> Self {
        Self::with(client_id.into(), None, ClientAuthMethod::None)
    }

    fn with(
        client_id: String,
        secret_hash: Option<SecretHash>,
        auth_method: ClientAuthMethod,
    ) -> Self {
        Self {
            client_id,
            secret_hash,
            auth_method,
            redirect_uris: Vec::new(),
            grant_types: Vec::new(),
            scopes: Scopes::new(),
            name: None,
            uri: None,
            resource_server: false,
            require_par: false,
            created_at: UnixTime::default(),
            logo_uri: None,
            contacts: Vec::new(),
            software_id: None,
            software_version: None,
            registration_token_hash: None,
            revision: 0,
            registrant: Registrant::Administrator,
        }
    }

    /// Whether the client is public (no secret; PKCE mandatory).
    pub fn is_public(&self) -> bool {
        self.auth_method == ClientAuthMethod::None
    }

    /// Whether the client registered itself (RFC 7591).
    pub fn is_self_registered(&self) -> bool {
        self.registrant == Registrant::SelfRegistered
    }

    /// Whether the client may use `grant`.
    pub fn may_use(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// The same record with these grant types.
    #[must_use]
    pub fn with_grants(mut self, grants: impl IntoIterator<Item = GrantType>) -> Self {
        self.grant_types = grants.into_iter().collect();
        self
    }

    /// The same record with these allowed scopes.
    #[must_use]
    pub fn with_scopes(mut self, scopes: Scopes) -> Self {
        self.scopes = scopes;
        self
    }

    /// The same record, requiring pushed authorization requests (RFC 9126
    /// §6) or not.
    #[must_use]
    pub fn with_require_par(mut self, require_par: bool) -> Self {
        self.require_par = require_par;
        self
    }

    /// The same record with these redirect URIs.
    #[must_use]
    pub fn with_redirect_uris<I, S>(mut self, uris: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.redirect_uris = uris.into_iter().map(Into::into).collect();
        self
    }
}

/// Identifies every token descended from one grant: the tokens issued for
/// one authorization code or client-credentials request, and every refresh
/// token rotated from them. Replay and reuse revoke exactly one family.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FamilyId([u8; 16]);

impl FamilyId {
    /// A family id from its bytes.
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Lower-case hex, the form used in SQL and audit events.
    pub fn to_text(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Parses the form produced by [`FamilyId::to_text`].
    pub fn from_text(text: &str) -> Option<Self> {
        if text.len() != 32 || !text.is_ascii() {
            return None;
        }
        let mut out = [0u8; 16];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Self(out))
    }

    pub(crate) fn from_entropy(bytes: [u8; 32]) -> Self {
        let mut out = [0u8; 16];
        out.copy_from_slice(&bytes[..16]);
        Self(out)
    }
}

impl fmt::Debug for FamilyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FamilyId({})", self.to_text())
    }
}

impl Serialize for FamilyId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_text())
    }
}

impl<'de> Deserialize<'de> for FamilyId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::from_text(&text).ok_or_else(|| serde::de::Error::custom("invalid family id"))
    }
}

/// A PKCE code challenge method (RFC 7636 §4.2).
#[expect(
    clippy::exhaustive_enums,
    reason = "a backend stores every value of this kind and must be able to store each one: a new value must break its build, not fall into a `_` arm"
)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PkceMethod {
    /// `S256`: BASE64URL(SHA256(verifier)).
    S256,
    /// `plain`: the verifier itself (only when enabled in config).
    #[serde(rename = "plain")]
    Plain,
}

impl PkceMethod {
    /// The method's wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::S256 => "S256",
            Self::Plain => "plain",
        }
    }
}

/// A PKCE challenge bound to an authorization code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PkceChallenge {
    /// How the verifier maps to the challenge.
    pub method: PkceMethod,
    /// The challenge as sent at the authorization endpoint.
    pub challenge: String,
}

/// An authorization code, stored by hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeRecord {
    /// SHA-256 of the code.
    pub hash: TokenHash,
    /// The client the code was issued to.
    pub client_id: String,
    /// The resource owner who approved it.
    pub subject: String,
    /// The `redirect_uri` sent in the authorization request, if one was.
    pub redirect_uri: Option<String>,
    /// The granted scopes.
    pub scopes: Scopes,
    /// The PKCE challenge, if the request carried one.
    pub challenge: Option<PkceChallenge>,
    /// When the code was issued.
    pub issued_at: UnixTime,
    /// When the code stops being redeemable.
    pub expires_at: UnixTime,
    /// The family every token issued from this code joins.
    pub family: FamilyId,
    /// When the code was redeemed; kept so a replay is detected, not just refused.
    pub consumed_at: Option<UnixTime>,
    /// The resource indicators (RFC 8707) the code was granted for: its tokens' audience, or fewer, in the order first
    /// named; empty when none was. Absent in stored data means none.
    #[serde(default)]
    pub resources: Vec<String>,
}

/// The two kinds of token the core issues.
#[expect(
    clippy::exhaustive_enums,
    reason = "a backend stores every value of this kind and must be able to store each one: a new value must break its build, not fall into a `_` arm"
)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A bearer access token.
    Access,
    /// A refresh token, rotated on every use.
    Refresh,
}

impl TokenKind {
    /// The token type hint name (RFC 7009 §2.1).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access_token",
            Self::Refresh => "refresh_token",
        }
    }
}

/// An access or refresh token, stored by hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// SHA-256 of the token.
    pub hash: TokenHash,
    /// Access or refresh.
    pub kind: TokenKind,
    /// The client the token was issued to.
    pub client_id: String,
    /// The resource owner, absent for client-credentials tokens.
    pub subject: Option<String>,
    /// The granted scopes.
    pub scopes: Scopes,
    /// The grant family the token belongs to.
    pub family: FamilyId,
    /// The refresh token this one was issued with or rotated from.
    pub parent: Option<TokenHash>,
    /// When the token was issued.
    pub issued_at: UnixTime,
    /// When the token expires.
    pub expires_at: UnixTime,
    /// When a refresh token was exchanged for its successor.
    pub rotated_at: Option<UnixTime>,
    /// When the token was revoked.
    pub revoked_at: Option<UnixTime>,
    /// The resource indicators (RFC 8707) of the token: an access token's audience, a refresh
    /// token's grant, in the order first
    /// named; empty when none was. Absent in stored data means none.
    #[serde(default)]
    pub resources: Vec<String>,
}

impl TokenRecord {
    /// Whether the token is usable at `now`: not expired, rotated or revoked.
    pub fn is_active(&self, now: UnixTime) -> bool {
        self.revoked_at.is_none() && self.rotated_at.is_none() && now < self.expires_at
    }
}

/// What a pending authorization is waiting for, and how it began.
#[expect(
    clippy::exhaustive_enums,
    reason = "a backend stores every value of this kind and must be able to store each one: a new value must break its build, not fall into a `_` arm"
)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingKind {
    /// A pushed authorization request (RFC 9126): stored by the PAR
    /// endpoint, its handle is the `request_uri` the client received, and
    /// it waits to be redeemed once at the authorization endpoint.
    PushedRequest,
    /// A request made directly at the authorization endpoint, waiting for
    /// the host's decision (login and consent); its handle is the one in
    /// the [`Interaction`](crate::Interaction).
    Interaction,
    /// Like `Interaction`, for a request that arrived as a pushed
    /// authorization request and was redeemed at the authorization endpoint.
    PushedInteraction,
}

impl PendingKind {
    /// Whether the record waits for the host's decision (not for a
    /// `request_uri` redemption).
    pub const fn awaits_decision(self) -> bool {
        matches!(self, Self::Interaction | Self::PushedInteraction)
    }

    /// The kind's stable name, for storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PushedRequest => "pushed_request",
            Self::Interaction => "interaction",
            Self::PushedInteraction => "pushed_interaction",
        }
    }
}

/// A validated authorization request that has not finished yet: either a
/// pushed request waiting for its `request_uri` to be used, or a request
/// waiting for the host's login and consent decision. Stored by the hash
/// of its secret handle.
///
/// Single use: it is removed with [`Effect::TakePending`] under
/// [`Precondition::PendingExists`], so a handle works once. Expiry is the
/// core's check (`expires_at`); a backend may delete records once they are
/// past `expires_at`.
///
/// [`Effect::TakePending`]: super::Effect::TakePending
/// [`Precondition::PendingExists`]: super::Precondition::PendingExists
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAuthorizationRecord {
    /// SHA-256 of the handle: the interaction handle, or the whole
    /// `request_uri` of a pushed request.
    pub hash: TokenHash,
    /// What it waits for.
    pub kind: PendingKind,
    /// The client that made the request.
    pub client_id: String,
    /// The `redirect_uri` parameter exactly as sent, if one was; the code
    /// issued for this request is bound to it (RFC 6749 §4.1.3).
    pub redirect_uri: Option<String>,
    /// Where the response goes: the sent `redirect_uri`, or the client's
    /// only registered one when none was sent.
    pub resolved_redirect_uri: String,
    /// The requested scopes (after defaults), all allowed for the client.
    pub scopes: Scopes,
    /// The client's `state`, echoed in the response.
    pub state: Option<String>,
    /// The PKCE challenge, if the request carried one.
    pub challenge: Option<PkceChallenge>,
    /// When the request was validated and stored.
    pub created_at: UnixTime,
    /// When the handle stops working.
    pub expires_at: UnixTime,
    /// The resource indicators (RFC 8707) the request named, all defined, in the order first
    /// named; empty when none was. Absent in stored data means none.
    #[serde(default)]
    pub resources: Vec<String>,
}

/// A resource owner, as the host answers a [`Query::User`](super::Query::User).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    /// The username that was checked.
    pub username: String,
    /// The subject identifier tokens are issued for.
    pub subject: String,
}

/// Where a device authorization (RFC 8628) stands.
#[expect(
    clippy::exhaustive_enums,
    reason = "a backend stores every value of this kind and must be able to store each one: a new value must break its build, not fall into a `_` arm"
)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    /// Waiting for the user to enter the user code and decide.
    Pending,
    /// The user approved; the next poll receives tokens.
    Approved,
    /// The user denied; polls receive `access_denied`.
    Denied,
    /// A poll received tokens; the device code is spent.
    Consumed,
}

impl DeviceStatus {
    /// The status's stable name, for storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Denied => "denied",
            Self::Consumed => "consumed",
        }
    }
}

/// A device authorization (RFC 8628 §3.1–§3.5), stored under the hash of its
/// device code and findable by the hash of its normalized user code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceGrantRecord {
    /// SHA-256 of the device code.
    pub device_code_hash: TokenHash,
    /// SHA-256 of the normalized user code (8 letters, no dash). Unique
    /// among grants that have not expired.
    pub user_code_hash: TokenHash,
    /// The client that asked.
    pub client_id: String,
    /// The scopes requested.
    pub scopes: Scopes,
    /// Where the grant stands.
    pub status: DeviceStatus,
    /// The resource owner who approved (set with `Approved`).
    pub subject: Option<String>,
    /// The scopes the owner granted, a subset of `scopes` (set with `Approved`).
    pub granted_scopes: Option<Scopes>,
    /// The minimum seconds between polls; grows by 5 on every `slow_down`.
    pub interval: u64,
    /// When the device last polled.
    pub last_poll_at: Option<UnixTime>,
    /// When the grant was created.
    pub issued_at: UnixTime,
    /// When the device code and user code stop working.
    pub expires_at: UnixTime,
    /// The family the issued tokens join.
    pub family: FamilyId,
    /// The resource indicators (RFC 8707) the device asked for, all defined, in the order first
    /// named; empty when none was. Absent in stored data means none.
    #[serde(default)]
    pub resources: Vec<String>,
}

/// Any stored record, as returned in answers and conflicts.
#[expect(
    clippy::exhaustive_enums,
    reason = "each kind is written by an exhaustive `Put…` effect, so a new kind breaks every backend already; hosts inspecting a conflict match every kind"
)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Record {
    /// A client.
    Client(ClientRecord),
    /// An authorization code.
    Code(CodeRecord),
    /// An access or refresh token.
    Token(TokenRecord),
    /// A pending authorization request.
    Pending(PendingAuthorizationRecord),
    /// A resource owner whose credentials checked out.
    User(UserRecord),
    /// A device authorization.
    Device(DeviceGrantRecord),
    /// A page of clients: the answer to [`Query::Clients`](super::Query),
    /// ordered by `client_id`; never `None`, possibly empty.
    Clients(Vec<ClientRecord>),
    /// A user account (the host's, see [`AccountRecord`]).
    Account(AccountRecord),
    /// A page of accounts: the answer to [`Query::Accounts`](super::Query),
    /// ordered by `username`; never `None`, possibly empty.
    Accounts(Vec<AccountRecord>),
    /// A browser session (the host's, see [`SessionRecord`]).
    Session(SessionRecord),
    /// A user's consent to a client.
    Consent(ConsentRecord),
    /// A page of consents: the answer to [`Query::Consents`](super::Query),
    /// ordered by `id`; never `None`, possibly empty.
    Consents(Vec<ConsentRecord>),
}

/// A stored record, borrowed: what a backend holding its records in memory
/// checks a [`Precondition`](super::Precondition) against
/// ([`Precondition::holds_for`](super::Precondition::holds_for)) without
/// copying the record first.
#[expect(
    clippy::exhaustive_enums,
    reason = "the borrowed form of `Record`, kind for kind; it grows exactly when `Record` does"
)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordRef<'a> {
    /// A client.
    Client(&'a ClientRecord),
    /// An authorization code.
    Code(&'a CodeRecord),
    /// An access or refresh token.
    Token(&'a TokenRecord),
    /// A pending authorization request.
    Pending(&'a PendingAuthorizationRecord),
    /// A resource owner whose credentials checked out.
    User(&'a UserRecord),
    /// A device authorization.
    Device(&'a DeviceGrantRecord),
    /// A page of clients.
    Clients(&'a [ClientRecord]),
    /// A host's user account.
    Account(&'a AccountRecord),
    /// A page of accounts.
    Accounts(&'a [AccountRecord]),
    /// A browser session.
    Session(&'a SessionRecord),
    /// A consent.
    Consent(&'a ConsentRecord),
    /// A page of consents.
    Consents(&'a [ConsentRecord]),
}

impl Record {
    /// The record, borrowed.
    pub fn borrowed(&self) -> RecordRef<'_> {
        match self {
            Self::Client(c) => RecordRef::Client(c),
            Self::Code(c) => RecordRef::Code(c),
            Self::Token(t) => RecordRef::Token(t),
            Self::Pending(p) => RecordRef::Pending(p),
            Self::User(u) => RecordRef::User(u),
            Self::Device(d) => RecordRef::Device(d),
            Self::Clients(page) => RecordRef::Clients(page),
            Self::Account(a) => RecordRef::Account(a),
            Self::Accounts(page) => RecordRef::Accounts(page),
            Self::Session(s) => RecordRef::Session(s),
            Self::Consent(c) => RecordRef::Consent(c),
            Self::Consents(page) => RecordRef::Consents(page),
        }
    }
}

impl RecordRef<'_> {
    /// An owned copy of the record.
    pub fn to_record(self) -> Record {
        match self {
            Self::Client(c) => Record::Client(c.clone()),
            Self::Code(c) => Record::Code(c.clone()),
            Self::Token(t) => Record::Token(t.clone()),
            Self::Pending(p) => Record::Pending(p.clone()),
            Self::User(u) => Record::User(u.clone()),
            Self::Device(d) => Record::Device(d.clone()),
            Self::Clients(page) => Record::Clients(page.to_vec()),
            Self::Account(a) => Record::Account(a.clone()),
            Self::Accounts(page) => Record::Accounts(page.to_vec()),
            Self::Session(s) => Record::Session(s.clone()),
            Self::Consent(c) => Record::Consent(c.clone()),
            Self::Consents(page) => Record::Consents(page.to_vec()),
        }
    }
}
