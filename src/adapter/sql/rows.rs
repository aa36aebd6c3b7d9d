//! Decoding result rows into records, the same for both engines.
//!
//! Each engine implements [`SqlRow`] for its row type; the decoders read
//! columns by position, in the order of the `*_COLUMNS` lists the
//! `SELECT`s in [`queries`](super::queries) use.

use std::net::IpAddr;

use super::columns::{
    from_json_list, malformed, to_audit_action, to_auth_method, to_error_code, to_family,
    to_grant_type, to_kind, to_opt_time, to_pkce_method, to_scopes, to_secret_hash, to_time,
    to_token_hash,
};
use crate::RequestId;
use crate::store::{
    AuditEvent, ClientRecord, CodeRecord, PkceChallenge, Record, StoreError, TokenRecord,
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
         resource_server, created_at"
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
        created_at: to_time(int(row, 9, "created_at")?, "created_at")?,
    }))
}

/// The columns [`code`] decodes, in order.
macro_rules! code_columns {
    () => {
        "hash, client_id, subject, redirect_uri, scopes, challenge_method, challenge, \
         issued_at, expires_at, family, consumed_at"
    };
}
pub(crate) use code_columns;

pub(crate) fn code(row: &dyn SqlRow) -> Result<Record, StoreError> {
    let challenge = match (row.text(5)?, row.text(6)?) {
        (Some(method), Some(challenge)) => {
            Some(PkceChallenge { method: to_pkce_method(&method)?, challenge })
        }
        (None, None) => None,
        _ => return Err(malformed("challenge_method and challenge must be NULL together")),
    };
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
    }))
}

/// The columns [`token`] decodes, in order.
macro_rules! token_columns {
    () => {
        "hash, kind, client_id, subject, scopes, family, parent, issued_at, expires_at, \
         rotated_at, revoked_at"
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
    }))
}

/// Every audit event, oldest first, in the column order [`audit_event`] reads.
pub(crate) const SELECT_AUDIT_EVENTS: &str = "SELECT at, request_id, peer, action, client_id, \
     subject, grant_type, family, error FROM audit_events ORDER BY seq";

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
    })
}
