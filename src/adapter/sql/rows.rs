//! Decoding result rows into records, the same for both engines.
//!
//! Each engine implements [`SqlRow`] for its row type; the decoders read
//! columns by position, in the order of the `*_COLUMNS` lists the
//! `SELECT`s in [`queries`](super::queries) use.

use std::net::IpAddr;

use super::columns::{
    from_json_list, malformed, to_audit_action, to_audit_reason, to_auth_method, to_count,
    to_device_status, to_error_code, to_family, to_grant_type, to_kind, to_opt_time,
    to_pending_kind, to_pkce_method, to_registrant, to_scopes, to_secret_hash, to_time,
    to_token_hash,
};
use crate::RequestId;
use crate::store::{
    AccountRecord, AuditEvent, ClientRecord, CodeRecord, ConsentRecord, DeviceGrantRecord,
    PasswordHash, PendingAuthorizationRecord, PkceChallenge, Record, SessionRecord, StoreError,
    TokenRecord,
};

/// One result row, read by column position; a `NULL` reads as `None`.
pub(crate) trait SqlRow {
    /// An integer column.
    fn int(&self, index: usize) -> Result<Option<i64>, StoreError>;
    /// A text column.
    fn text(&self, index: usize) -> Result<Option<String>, StoreError>;
    /// A blob / bytea column.
    fn blob(&self, index: usize) -> Result<Option<Vec<u8>>, StoreError>;
    /// A boolean column (0/1 in SQLite).
    fn boolean(&self, index: usize) -> Result<bool, StoreError>;
}

/// A decoder from a row to a record.
pub(crate) type Decode = fn(&dyn SqlRow) -> Result<Record, StoreError>;

/// Gathers the records of every row into the one record that answers a
/// listing query.
pub(crate) type Gather = fn(Vec<Record>) -> Result<Record, StoreError>;

/// A page of clients ([`Record::Clients`]) from client rows.
pub(crate) fn clients_page(records: Vec<Record>) -> Result<Record, StoreError> {
    records
        .into_iter()
        .map(|record| match record {
            Record::Client(client) => Ok(client),
            other => Err(malformed(format!("a client page holds {other:?}"))),
        })
        .collect::<Result<_, _>>()
        .map(Record::Clients)
}

/// A page of accounts ([`Record::Accounts`]) from account rows.
pub(crate) fn accounts_page(records: Vec<Record>) -> Result<Record, StoreError> {
    records
        .into_iter()
        .map(|record| match record {
            Record::Account(account) => Ok(account),
            other => Err(malformed(format!("an account page holds {other:?}"))),
        })
        .collect::<Result<_, _>>()
        .map(Record::Accounts)
}

/// A page of consents ([`Record::Consents`]) from consent rows.
pub(crate) fn consents_page(records: Vec<Record>) -> Result<Record, StoreError> {
    records
        .into_iter()
        .map(|record| match record {
            Record::Consent(consent) => Ok(consent),
            other => Err(malformed(format!("a consent page holds {other:?}"))),
        })
        .collect::<Result<_, _>>()
        .map(Record::Consents)
}

fn required<T>(value: Option<T>, column: &str) -> Result<T, StoreError> {
    value.ok_or_else(|| malformed(format!("{column} is NULL")))
}

fn int(row: &dyn SqlRow, i: usize, column: &str) -> Result<i64, StoreError> {
    required(row.int(i)?, column)
}

fn text(row: &dyn SqlRow, i: usize, column: &str) -> Result<String, StoreError> {
    required(row.text(i)?, column)
}

fn blob(row: &dyn SqlRow, i: usize, column: &str) -> Result<Vec<u8>, StoreError> {
    required(row.blob(i)?, column)
}

/// The columns [`client`] decodes, in order.
macro_rules! client_columns {
    () => {
        "client_id, secret_hash, auth_method, redirect_uris, grant_types, scopes, name, uri, \
         resource_server, require_par, created_at, logo_uri, contacts, software_id, \
         software_version, registration_token_hash, revision, registrant"
    };
}
pub(crate) use client_columns;

pub(crate) fn client(row: &dyn SqlRow) -> Result<Record, StoreError> {
    let grant_names: Vec<String> = from_json_list(&text(row, 4, "grant_types")?, "grant_types")?;
    Ok(Record::Client(ClientRecord {
        client_id: text(row, 0, "client_id")?,
        secret_hash: row.blob(1)?.map(|b| to_secret_hash(b, "secret_hash")).transpose()?,
        auth_method: to_auth_method(&text(row, 2, "auth_method")?)?,
        redirect_uris: from_json_list(&text(row, 3, "redirect_uris")?, "redirect_uris")?,
        grant_types: grant_names.iter().map(|g| to_grant_type(g)).collect::<Result<_, _>>()?,
        scopes: to_scopes(&text(row, 5, "scopes")?, "scopes")?,
        name: row.text(6)?,
        uri: row.text(7)?,
        resource_server: row.boolean(8)?,
        require_par: row.boolean(9)?,
        created_at: to_time(int(row, 10, "created_at")?, "created_at")?,
        logo_uri: row.text(11)?,
        contacts: from_json_list(&text(row, 12, "contacts")?, "contacts")?,
        software_id: row.text(13)?,
        software_version: row.text(14)?,
        registration_token_hash: row
            .blob(15)?
            .map(|b| to_token_hash(b, "registration_token_hash"))
            .transpose()?,
        revision: to_count(int(row, 16, "revision")?, "revision")?,
        registrant: to_registrant(&text(row, 17, "registrant")?)?,
    }))
}

/// The columns [`code`] decodes, in order.
macro_rules! code_columns {
    () => {
        "hash, client_id, subject, redirect_uri, scopes, challenge_method, challenge, \
         issued_at, expires_at, family, consumed_at, resources"
    };
}
pub(crate) use code_columns;

/// A PKCE challenge from its method and challenge columns.
fn challenge(row: &dyn SqlRow, method: usize) -> Result<Option<PkceChallenge>, StoreError> {
    match (row.text(method)?, row.text(method + 1)?) {
        (Some(m), Some(challenge)) => {
            Ok(Some(PkceChallenge { method: to_pkce_method(&m)?, challenge }))
        }
        (None, None) => Ok(None),
        _ => Err(malformed("challenge_method and challenge must be NULL together")),
    }
}

pub(crate) fn code(row: &dyn SqlRow) -> Result<Record, StoreError> {
    let challenge = challenge(row, 5)?;
    Ok(Record::Code(CodeRecord {
        hash: to_token_hash(blob(row, 0, "hash")?, "hash")?,
        client_id: text(row, 1, "client_id")?,
        subject: text(row, 2, "subject")?,
        redirect_uri: row.text(3)?,
        scopes: to_scopes(&text(row, 4, "scopes")?, "scopes")?,
        challenge,
        issued_at: to_time(int(row, 7, "issued_at")?, "issued_at")?,
        expires_at: to_time(int(row, 8, "expires_at")?, "expires_at")?,
        family: to_family(blob(row, 9, "family")?, "family")?,
        consumed_at: to_opt_time(row.int(10)?, "consumed_at")?,
        resources: from_json_list(&text(row, 11, "resources")?, "resources")?,
    }))
}

/// The columns [`token`] decodes, in order.
macro_rules! token_columns {
    () => {
        "hash, kind, client_id, subject, scopes, family, parent, issued_at, expires_at, \
         rotated_at, revoked_at, resources"
    };
}
pub(crate) use token_columns;

pub(crate) fn token(row: &dyn SqlRow) -> Result<Record, StoreError> {
    Ok(Record::Token(TokenRecord {
        hash: to_token_hash(blob(row, 0, "hash")?, "hash")?,
        kind: to_kind(&text(row, 1, "kind")?)?,
        client_id: text(row, 2, "client_id")?,
        subject: row.text(3)?,
        scopes: to_scopes(&text(row, 4, "scopes")?, "scopes")?,
        family: to_family(blob(row, 5, "family")?, "family")?,
        parent: row.blob(6)?.map(|b| to_token_hash(b, "parent")).transpose()?,
        issued_at: to_time(int(row, 7, "issued_at")?, "issued_at")?,
        expires_at: to_time(int(row, 8, "expires_at")?, "expires_at")?,
        rotated_at: to_opt_time(row.int(9)?, "rotated_at")?,
        revoked_at: to_opt_time(row.int(10)?, "revoked_at")?,
        resources: from_json_list(&text(row, 11, "resources")?, "resources")?,
    }))
}

/// The columns [`pending`] decodes, in order.
macro_rules! pending_columns {
    () => {
        "hash, kind, client_id, redirect_uri, resolved_redirect_uri, scopes, state, \
         challenge_method, challenge, created_at, expires_at, resources"
    };
}
pub(crate) use pending_columns;

pub(crate) fn pending(row: &dyn SqlRow) -> Result<Record, StoreError> {
    Ok(Record::Pending(PendingAuthorizationRecord {
        hash: to_token_hash(blob(row, 0, "hash")?, "hash")?,
        kind: to_pending_kind(&text(row, 1, "kind")?)?,
        client_id: text(row, 2, "client_id")?,
        redirect_uri: row.text(3)?,
        resolved_redirect_uri: text(row, 4, "resolved_redirect_uri")?,
        scopes: to_scopes(&text(row, 5, "scopes")?, "scopes")?,
        state: row.text(6)?,
        challenge: challenge(row, 7)?,
        created_at: to_time(int(row, 9, "created_at")?, "created_at")?,
        expires_at: to_time(int(row, 10, "expires_at")?, "expires_at")?,
        resources: from_json_list(&text(row, 11, "resources")?, "resources")?,
    }))
}

/// The columns [`device`] decodes, in order.
macro_rules! device_columns {
    () => {
        "device_code_hash, user_code_hash, client_id, scopes, status, subject, granted_scopes, \
         poll_interval, last_poll_at, issued_at, expires_at, family, resources"
    };
}
pub(crate) use device_columns;

pub(crate) fn device(row: &dyn SqlRow) -> Result<Record, StoreError> {
    Ok(Record::Device(DeviceGrantRecord {
        device_code_hash: to_token_hash(blob(row, 0, "device_code_hash")?, "device_code_hash")?,
        user_code_hash: to_token_hash(blob(row, 1, "user_code_hash")?, "user_code_hash")?,
        client_id: text(row, 2, "client_id")?,
        scopes: to_scopes(&text(row, 3, "scopes")?, "scopes")?,
        status: to_device_status(&text(row, 4, "status")?)?,
        subject: row.text(5)?,
        granted_scopes: row.text(6)?.map(|s| to_scopes(&s, "granted_scopes")).transpose()?,
        interval: to_count(int(row, 7, "poll_interval")?, "poll_interval")?,
        last_poll_at: to_opt_time(row.int(8)?, "last_poll_at")?,
        issued_at: to_time(int(row, 9, "issued_at")?, "issued_at")?,
        expires_at: to_time(int(row, 10, "expires_at")?, "expires_at")?,
        family: to_family(blob(row, 11, "family")?, "family")?,
        resources: from_json_list(&text(row, 12, "resources")?, "resources")?,
    }))
}

/// The columns [`account`] decodes, in order.
macro_rules! account_columns {
    () => {
        "username, subject, password_hash, disabled, created_at, updated_at, revision"
    };
}
pub(crate) use account_columns;

pub(crate) fn account(row: &dyn SqlRow) -> Result<Record, StoreError> {
    Ok(Record::Account(AccountRecord {
        username: text(row, 0, "username")?,
        subject: text(row, 1, "subject")?,
        password_hash: PasswordHash::new(text(row, 2, "password_hash")?),
        disabled: row.boolean(3)?,
        created_at: to_time(int(row, 4, "created_at")?, "created_at")?,
        updated_at: to_time(int(row, 5, "updated_at")?, "updated_at")?,
        revision: to_count(int(row, 6, "revision")?, "revision")?,
    }))
}

/// The columns [`session`] decodes, in order.
macro_rules! session_columns {
    () => {
        "hash, username, subject, pending, created_at, expires_at, revision"
    };
}
pub(crate) use session_columns;

pub(crate) fn session(row: &dyn SqlRow) -> Result<Record, StoreError> {
    Ok(Record::Session(SessionRecord {
        hash: to_token_hash(blob(row, 0, "hash")?, "hash")?,
        username: row.text(1)?,
        subject: row.text(2)?,
        pending: from_json_list(&text(row, 3, "pending")?, "pending")?,
        created_at: to_time(int(row, 4, "created_at")?, "created_at")?,
        expires_at: to_time(int(row, 5, "expires_at")?, "expires_at")?,
        revision: to_count(int(row, 6, "revision")?, "revision")?,
    }))
}

/// The columns [`consent`] decodes, in order.
macro_rules! consent_columns {
    () => {
        "id, subject, client_id, scopes, granted_at, last_used_at"
    };
}
pub(crate) use consent_columns;

pub(crate) fn consent(row: &dyn SqlRow) -> Result<Record, StoreError> {
    Ok(Record::Consent(ConsentRecord {
        id: text(row, 0, "id")?,
        subject: text(row, 1, "subject")?,
        client_id: text(row, 2, "client_id")?,
        scopes: to_scopes(&text(row, 3, "scopes")?, "scopes")?,
        granted_at: to_time(int(row, 4, "granted_at")?, "granted_at")?,
        last_used_at: to_time(int(row, 5, "last_used_at")?, "last_used_at")?,
    }))
}

/// Every audit event, oldest first, in the column order [`audit_event`] reads.
pub(crate) const SELECT_AUDIT_EVENTS: &str = "SELECT at, request_id, peer, action, client_id, \
     subject, grant_type, family, error, reason FROM audit_events ORDER BY seq";

pub(crate) fn audit_event(row: &dyn SqlRow) -> Result<AuditEvent, StoreError> {
    let request_id = text(row, 1, "request_id")?;
    Ok(AuditEvent {
        at: to_time(int(row, 0, "at")?, "at")?,
        request_id: u128::from_str_radix(&request_id, 16)
            .map(RequestId)
            .map_err(|_| malformed("request_id is not hex"))?,
        peer: row
            .text(2)?
            .map(|p| p.parse::<IpAddr>().map_err(|_| malformed("peer is not an IP address")))
            .transpose()?,
        action: to_audit_action(&text(row, 3, "action")?)?,
        client_id: row.text(4)?,
        subject: row.text(5)?,
        grant_type: row.text(6)?.map(|g| to_grant_type(&g)).transpose()?,
        family: row.blob(7)?.map(|f| to_family(f, "family")).transpose()?,
        error: row.text(8)?.map(|e| to_error_code(&e)).transpose()?,
        reason: row.text(9)?.map(|r| to_audit_reason(&r)).transpose()?,
    })
}
