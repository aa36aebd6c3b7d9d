//! Each [`Query`] as a `SELECT` by key, with the decoder for its row.
//!
//! Every lookup is by primary key or unique index (`clients.client_id`,
//! `codes.hash`, `tokens.hash`, `pending_authorizations.hash`,
//! `device_grants.device_code_hash` / `user_code_hash`); at most one row
//! comes back. Queries about
//! records these stores do not keep (users: the host checks passwords)
//! have no lookup and are answered `None`.

use super::Statement;
use super::columns::{text, token_hash};
use super::rows::{
    self, Decode, client_columns, code_columns, device_columns, pending_columns, token_columns,
};
use crate::store::Query;

const CLIENT: &str = concat!("SELECT ", client_columns!(), " FROM clients WHERE client_id = ?1");
const CODE: &str = concat!("SELECT ", code_columns!(), " FROM codes WHERE hash = ?1");
const TOKEN: &str = concat!("SELECT ", token_columns!(), " FROM tokens WHERE hash = ?1");
const PENDING: &str =
    concat!("SELECT ", pending_columns!(), " FROM pending_authorizations WHERE hash = ?1");
const DEVICE_CODE: &str =
    concat!("SELECT ", device_columns!(), " FROM device_grants WHERE device_code_hash = ?1");
const USER_CODE: &str =
    concat!("SELECT ", device_columns!(), " FROM device_grants WHERE user_code_hash = ?1");

/// A `SELECT` returning zero or one row, and how to decode it.
pub(crate) struct Lookup {
    pub(crate) statement: Statement,
    pub(crate) decode: Decode,
}

/// The lookup that answers `query`, or `None` when the answer is always
/// "no record".
pub(crate) fn lookup(query: &Query) -> Option<Lookup> {
    let (sql, key, decode): (_, _, Decode) = match query {
        Query::Client { client_id } => (CLIENT, text(client_id), rows::client),
        Query::Code { hash } => (CODE, token_hash(hash), rows::code),
        Query::Token { hash } => (TOKEN, token_hash(hash), rows::token),
        Query::Pending { hash } => (PENDING, token_hash(hash), rows::pending),
        Query::DeviceCode { hash } => (DEVICE_CODE, token_hash(hash), rows::device),
        Query::UserCode { hash } => (USER_CODE, token_hash(hash), rows::device),
        // The SQL stores keep no users or passwords: a host that enables
        // the password grant answers `Query::User` itself, in front of the
        // store.
        Query::User { .. } => return None,
    };
    Some(Lookup { statement: Statement::new(sql, vec![key]), decode })
}
