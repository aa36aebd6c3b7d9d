//! Each [`Query`] as a `SELECT` by key, with the decoder for its row.
//!
//! Every lookup is by primary key or unique index (`clients.client_id`,
//! `codes.hash`, `tokens.hash`, `pending_authorizations.hash`,
//! `device_grants.device_code_hash` / `user_code_hash`, `accounts.username`,
//! `sessions.hash`, `consents.id`); at most one row comes back, except for
//! the listing queries, which read one page in key order. `Query::User`
//! (do these credentials belong to a user?) has no lookup and is answered
//! `None`: checking a password is the host's work (qscope's server reads
//! the account and checks its argon2id hash in front of the store).

use super::columns::{int, opt_text, text, token_hash};
use super::rows::{
    self, Decode, Gather, account_columns, client_columns, code_columns, consent_columns,
    device_columns, pending_columns, session_columns, token_columns,
};
use super::{Statement, Value};
use crate::store::Query;

const CLIENT: &str = concat!("SELECT ", client_columns!(), " FROM clients WHERE client_id = ?1");
const CODE: &str = concat!("SELECT ", code_columns!(), " FROM codes WHERE hash = ?1");
const TOKEN: &str = concat!("SELECT ", token_columns!(), " FROM tokens WHERE hash = ?1");
const CLIENT_BY_REGISTRATION_TOKEN: &str =
    concat!("SELECT ", client_columns!(), " FROM clients WHERE registration_token_hash = ?1");
/// Pages of clients in byte order of `client_id` (SQLite's `BINARY`
/// collation; PostgreSQL's column is `COLLATE "C"`).
const CLIENTS_FIRST: &str =
    concat!("SELECT ", client_columns!(), " FROM clients ORDER BY client_id LIMIT ?1");
const CLIENTS_AFTER: &str = concat!(
    "SELECT ",
    client_columns!(),
    " FROM clients WHERE client_id > ?1 ORDER BY client_id LIMIT ?2"
);
const PENDING: &str =
    concat!("SELECT ", pending_columns!(), " FROM pending_authorizations WHERE hash = ?1");
const DEVICE_CODE: &str =
    concat!("SELECT ", device_columns!(), " FROM device_grants WHERE device_code_hash = ?1");
const USER_CODE: &str =
    concat!("SELECT ", device_columns!(), " FROM device_grants WHERE user_code_hash = ?1");

const ACCOUNT: &str = concat!("SELECT ", account_columns!(), " FROM accounts WHERE username = ?1");
/// Pages of accounts in byte order of `username` (as for clients). An
/// absent bound is a typed NULL (PostgreSQL cannot type a bare `$1 IS NULL`).
const ACCOUNTS: &str = concat!(
    "SELECT ",
    account_columns!(),
    " FROM accounts WHERE (CAST(?1 AS TEXT) IS NULL OR username > ?1) ORDER BY username LIMIT ?2"
);
const SESSION: &str = concat!("SELECT ", session_columns!(), " FROM sessions WHERE hash = ?1");
const CONSENT: &str = concat!("SELECT ", consent_columns!(), " FROM consents WHERE id = ?1");
/// Pages of consents in byte order of `id`, of one subject and/or client.
const CONSENTS: &str = concat!(
    "SELECT ",
    consent_columns!(),
    " FROM consents WHERE (CAST(?1 AS TEXT) IS NULL OR id > ?1) AND (CAST(?2 AS TEXT) IS NULL OR subject = ?2) \
     AND (CAST(?3 AS TEXT) IS NULL OR client_id = ?3) ORDER BY id LIMIT ?4"
);

/// A `SELECT`, how to decode each row, and what the rows answer.
pub(crate) struct Lookup {
    pub(crate) statement: Statement,
    pub(crate) decode: Decode,
    pub(crate) rows: Rows,
}

/// What a lookup's rows answer.
#[derive(Clone, Copy)]
pub(crate) enum Rows {
    /// Zero or one row: the record, or `None`.
    One,
    /// Any number of rows, gathered into one record that is always the
    /// answer (an empty page when there are no rows).
    All(Gather),
}

/// The lookup that answers `query`, or `None` when the answer is always
/// "no record".
pub(crate) fn lookup(query: &Query) -> Option<Lookup> {
    let one = |sql, key, decode: Decode| {
        Some(Lookup { statement: Statement::new(sql, vec![key]), decode, rows: Rows::One })
    };
    match query {
        Query::Client { client_id } => one(CLIENT, text(client_id), rows::client),
        Query::Code { hash } => one(CODE, token_hash(hash), rows::code),
        Query::Token { hash } => one(TOKEN, token_hash(hash), rows::token),
        Query::Pending { hash } => one(PENDING, token_hash(hash), rows::pending),
        Query::DeviceCode { hash } => one(DEVICE_CODE, token_hash(hash), rows::device),
        Query::UserCode { hash } => one(USER_CODE, token_hash(hash), rows::device),
        Query::ClientByRegistrationToken { hash } => {
            one(CLIENT_BY_REGISTRATION_TOKEN, token_hash(hash), rows::client)
        }
        Query::Clients { after, limit } => {
            let limit = int(i64::from(*limit));
            let statement = match after {
                None => Statement::new(CLIENTS_FIRST, vec![limit]),
                Some(after) => Statement::new(CLIENTS_AFTER, vec![text(after), limit]),
            };
            Some(Lookup { statement, decode: rows::client, rows: Rows::All(rows::clients_page) })
        }
        Query::Account { username } => one(ACCOUNT, text(username), rows::account),
        Query::Accounts { after, limit } => Some(page(
            Statement::new(ACCOUNTS, vec![opt_text(after.as_deref()), count(*limit)]),
            rows::account,
            rows::accounts_page,
        )),
        Query::Session { hash } => one(SESSION, token_hash(hash), rows::session),
        Query::Consent { id } => one(CONSENT, text(id), rows::consent),
        Query::Consents { subject, client_id, after, limit } => Some(page(
            Statement::new(
                CONSENTS,
                vec![
                    opt_text(after.as_deref()),
                    opt_text(subject.as_deref()),
                    opt_text(client_id.as_deref()),
                    count(*limit),
                ],
            ),
            rows::consent,
            rows::consents_page,
        )),
        // The SQL stores keep no users or passwords: a host that enables
        // the password grant answers `Query::User` itself, in front of the
        // store.
        Query::User { .. } => None,
    }
}

/// A listing lookup: every row of `statement`, gathered into one page.
fn page(statement: Statement, decode: Decode, gather: Gather) -> Lookup {
    Lookup { statement, decode, rows: Rows::All(gather) }
}

/// A page size as an SQL integer.
fn count(limit: u32) -> Value {
    int(i64::from(limit))
}
